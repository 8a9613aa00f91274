/*
 * Replica files: the durable write protocol, reads with fail-over, and
 * removal of replaced files.
 *
 * A data file is written to tmp/<id> on every replica from one pass over
 * the data, made durable (fdatasync, close), then renamed to
 * objects/xx/yy/<id> and its directory fsynced.  Ids are random, so files
 * are never rewritten in place: readers of an old file keep consistent
 * bytes while an overwrite swaps the index to new files.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <openssl/evp.h>

#include "sos_internal.h"


static void sos_writer_drop(sos_writer_t *w, unsigned i);
static int sos_writer_sum(sos_writer_t *w, const unsigned char *p,
    size_t len);
static int sos_writer_sum_push(sos_writer_t *w);
static unsigned sos_popcount(uint32_t mask);
static void sos_writer_create(void *arg);
static void sos_writer_settle_data(void *arg);
static void sos_writer_settle_name(void *arg);


int64_t
sos_now(int32_t *nsec)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (nsec != NULL) {
        *nsec = (int32_t) ts.tv_nsec;
    }
    return (int64_t) ts.tv_sec;
}


void
sos_random_hex(char *out, size_t n)
{
    static const char  hex[] = "0123456789abcdef";
    unsigned char      raw[64];
    size_t             i, got = 0;
    ssize_t            r;

    while (got < n / 2) {
        r = getrandom(raw + got, n / 2 - got, 0);
        if (r < 0) {
            /* getrandom only fails on EINTR for small requests */
            continue;
        }
        got += (size_t) r;
    }

    for (i = 0; i < n / 2; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 0xf];
    }
    out[n] = '\0';
}


int
sos_replica_path(const sos_store_t *st, unsigned replica, const char *id,
    char *buf, size_t size)
{
    int  n;

    n = snprintf(buf, size, "%s/objects/%.2s/%.2s/%s",
                 st->replica_dirs[replica], id, id + 2, id);
    return (n < 0 || (size_t) n >= size) ? -1 : 0;
}


static unsigned
sos_popcount(uint32_t mask)
{
    return (unsigned) __builtin_popcount(mask);
}


/* the upper bounds of sos_store_stats' buckets, in microseconds */
static const uint64_t  sos_fsync_bounds[SOS_FSYNC_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 250000, 1000000,
    UINT64_MAX
};


int
sos_sync_timed(sos_store_t *st, int fd, int data)
{
    int              rc, saved;
    unsigned         i;
    uint64_t         us;
    struct timespec  t0, t1;

    if (st == NULL) {
        return data ? fdatasync(fd) : fsync(fd);
    }

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = data ? fdatasync(fd) : fsync(fd);
    saved = errno;
    clock_gettime(CLOCK_MONOTONIC, &t1);

    us = (uint64_t) ((t1.tv_sec - t0.tv_sec) * 1000000000LL
                     + (t1.tv_nsec - t0.tv_nsec)) / 1000;

    for (i = 0; us > sos_fsync_bounds[i]; i++) { /* void */ }

    __atomic_fetch_add(&st->fsync_hist[i], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&st->fsync_us, us, __ATOMIC_RELAXED);
    __atomic_fetch_add(&st->fsyncs, 1, __ATOMIC_RELAXED);

    if (rc == -1) {
        __atomic_fetch_add(&st->fsync_errors, 1, __ATOMIC_RELAXED);
    }

    errno = saved;
    return rc;
}


void
sos_store_stats(sos_store_t *store, sos_store_stats_t *stats)
{
    unsigned  i;

    for (i = 0; i < SOS_FSYNC_BUCKETS; i++) {
        stats->fsync_le_us[i] = sos_fsync_bounds[i];
        stats->fsync_count[i] = __atomic_load_n(&store->fsync_hist[i],
                                                __ATOMIC_RELAXED);
    }

    stats->fsyncs = __atomic_load_n(&store->fsyncs, __ATOMIC_RELAXED);
    stats->fsync_us = __atomic_load_n(&store->fsync_us, __ATOMIC_RELAXED);
    stats->fsync_errors = __atomic_load_n(&store->fsync_errors,
                                          __ATOMIC_RELAXED);
}


int
sos_fsync_dir(sos_store_t *st, const char *path)
{
    int  fd, rc, saved;

    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) {
        return -1;
    }

    rc = sos_sync_timed(st, fd, 0);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}


/* mkdir that makes the directory durable by syncing its parent. */
int
sos_mkdir_synced(sos_store_t *st, const char *path, int do_fsync)
{
    char  parent[4096];
    char *slash;

    if (mkdir(path, SOS_DIR_MODE) == -1 && errno != EEXIST) {
        return -1;
    }

    if (!do_fsync) {
        return 0;
    }

    if (snprintf(parent, sizeof(parent), "%s", path) >= (int) sizeof(parent))
    {
        errno = ENAMETOOLONG;
        return -1;
    }
    slash = strrchr(parent, '/');
    if (slash == NULL) {
        return sos_fsync_dir(st, ".");
    }
    slash[slash == parent] = '\0';
    return sos_fsync_dir(st, parent);
}


unsigned
sos_hex2(const char *p)
{
    unsigned  i, c, v = 0;

    for (i = 0; i < 2; i++) {
        c = (unsigned char) p[i] | 0x20;        /* 'A'..'F': 'a'..'f' */
        v = v * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return v & 0xff;
}


/*
 * Make directory path (bit of dirs_durable) of a replica exist with its
 * parent synced, unless known already; a failed fsync is tried again by
 * the next write that needs the directory.
 */
int
sos_dir_durable(sos_store_t *st, unsigned replica, unsigned bit,
    const char *path, int do_fsync)
{
    if (__atomic_load_n(&st->dirs_durable[replica][bit / 32],
                        __ATOMIC_ACQUIRE) & (1u << (bit % 32)))
    {
        return 0;
    }

    /* makes it (EEXIST is fine) and syncs its parent: one mkdir */
    if (sos_mkdir_synced(st, path, do_fsync) == -1) {
        return -1;
    }

    sos_dir_known(st, replica, bit);
    return 0;
}


int
sos_dir_make(sos_store_t *st, unsigned replica, unsigned bit,
    const char *path)
{
    uint32_t  *word, flag;

    word = &st->dirs_durable[replica][bit / 32];
    flag = 1u << (bit % 32);

    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) & flag) {
        return 0;
    }

    if (mkdir(path, SOS_DIR_MODE) == -1 && errno != EEXIST) {
        return -1;
    }

    return 1;
}


void
sos_dir_known(sos_store_t *st, unsigned replica, unsigned bit)
{
    __atomic_fetch_or(&st->dirs_durable[replica][bit / 32],
                      1u << (bit % 32), __ATOMIC_RELEASE);
}


int
sos_write_all(int fd, const unsigned char *p, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}


static void
sos_tmp_path(const sos_store_t *st, unsigned i, const char *id, char *buf,
    size_t size)
{
    snprintf(buf, size, "%s/tmp/%s", st->replica_dirs[i], id);
}


/* Stop writing replica i: close and remove its tmp file. */
static void
sos_writer_drop(sos_writer_t *w, unsigned i)
{
    char  path[4096];

    if (w->fds[i] != -1) {
        close(w->fds[i]);
        w->fds[i] = -1;
    }
    sos_tmp_path(w->store, i, w->id, path, sizeof(path));
    unlink(path);
    w->live &= ~(1u << i);
}


/* One replica's tmp file, made beside the others'. */
typedef struct {
    sos_writer_t  *writer;
    unsigned       replica;
    int            spare;           /* renamed from spare/, not made */
    int            error;
} sos_create_t;


static void
sos_writer_create(void *arg)
{
    sos_create_t  *c = arg;

    int            fd;
    char           path[4096], from[4096];
    sos_writer_t  *w = c->writer;

    sos_tmp_path(w->store, c->replica, w->id, path, sizeof(path));

    if (c->spare) {
        sos_spare_path(w->store, c->replica, w->id, from, sizeof(from));
        if (rename(from, path) == 0) {
            fd = open(path, O_WRONLY | O_CLOEXEC);
            if (fd != -1) {
                w->fds[c->replica] = fd;
                return;
            }
            unlink(path);
        } else {
            unlink(from);
        }
    }

    w->fds[c->replica] = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                              SOS_FILE_MODE);
    if (w->fds[c->replica] == -1) {
        c->error = errno;
    }
}


/*
 * The files come from a spare (sos_spare.c) when one is ready, else they
 * are created side by side: making an inode waits for the file system's
 * allocation, which some take milliseconds over.
 */
sos_rc_e
sos_writer_begin(sos_writer_t *w, sos_store_t *st, sos_error_t *err)
{
    int           saved = 0, spare;
    char          path[4096];
    unsigned      i;
    sos_task_t    tasks[SOS_MAX_REPLICAS];
    sos_create_t  create[SOS_MAX_REPLICAS];

    memset(w, 0, sizeof(*w));
    w->store = st;
    spare = sos_spare_take(st, w->id);
    if (!spare) {
        sos_random_hex(w->id, SOS_FILE_ID_LEN);
    }

    for (i = 0; i < SOS_MAX_REPLICAS; i++) {
        w->fds[i] = -1;
    }

    w->md5 = EVP_MD_CTX_new();
    if (w->md5 == NULL || !EVP_DigestInit_ex(w->md5, EVP_md5(), NULL)) {
        EVP_MD_CTX_free(w->md5);
        w->md5 = NULL;
        w->done = 1;
        return sos_err(err, SOS_ENOMEM, 0, "cannot start an MD5 context");
    }

    for (i = 0; i < st->n_replicas; i++) {
        create[i].writer = w;
        create[i].replica = i;
        create[i].spare = spare;
        create[i].error = 0;
        tasks[i].run = sos_writer_create;
        tasks[i].arg = &create[i];
    }

    /* renames are quick: a spare's need no threads */
    if (spare) {
        for (i = 0; i < st->n_replicas; i++) {
            sos_writer_create(&create[i]);
        }
    } else {
        sos_pool_run(&st->pool, tasks, st->n_replicas);
    }

    for (i = 0; i < st->n_replicas; i++) {
        if (w->fds[i] == -1) {
            saved = create[i].error;
            sos_tmp_path(st, i, w->id, path, sizeof(path));
            continue;
        }
        w->live |= 1u << i;
    }

    if (sos_popcount(w->live) < st->quorum) {
        sos_writer_abort(w);
        if (saved == ENOSPC) {
            sos_garbage_full(st);
            return sos_err_sys(err, saved, "open(\"%s\") failed", path);
        }
        return sos_err(err, SOS_EQUORUM, saved,
                       "only %u of %u replicas writable, quorum is %u",
                       sos_popcount(w->live), st->n_replicas, st->quorum);
    }

    return SOS_OK;
}


sos_rc_e
sos_writer_write(sos_writer_t *w, const void *data, size_t len,
    sos_error_t *err)
{
    int       saved = 0;
    unsigned  i;

    if (len == 0) {
        return SOS_OK;
    }

    for (i = 0; i < w->store->n_replicas; i++) {
        if (!(w->live & (1u << i))) {
            continue;
        }
        if (sos_write_all(w->fds[i], data, len) == -1) {
            saved = errno;
            sos_writer_drop(w, i);
        }
    }

    if (sos_popcount(w->live) < w->store->quorum) {
        if (saved == ENOSPC || saved == EDQUOT) {
            sos_garbage_full(w->store);
            return sos_err_sys(err, saved, "write of file %s failed", w->id);
        }
        return sos_err(err, SOS_EQUORUM, saved,
                       "write of file %s reached only %u replicas", w->id,
                       sos_popcount(w->live));
    }

    EVP_DigestUpdate(w->md5, data, len);

    if (sos_writer_sum(w, data, len) != 0) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for the "
                       "checksums of file %s", w->id);
    }

    return SOS_OK;
}


/* Feed the CRC32 of the blocks; counts the bytes in w->size. */
static int
sos_writer_sum(sos_writer_t *w, const unsigned char *p, size_t len)
{
    size_t  n;

    while (len > 0) {
        n = SOS_SUM_BLOCK - w->size % SOS_SUM_BLOCK;
        if (n > len) {
            n = len;
        }

        w->crc = crc32_gzip_refl(w->crc, p, n);
        w->size += n;
        p += n;
        len -= n;

        if (w->size % SOS_SUM_BLOCK == 0 && sos_writer_sum_push(w) != 0) {
            return -1;
        }
    }

    return 0;
}


/* The block in progress is done: keep its CRC, start the next. */
static int
sos_writer_sum_push(sos_writer_t *w)
{
    uint32_t  *crcs;
    uint64_t   cap;

    if (w->n_crcs == w->cap_crcs) {
        cap = w->cap_crcs ? 2 * w->cap_crcs : 16;
        crcs = realloc(w->crcs, cap * sizeof(uint32_t));
        if (crcs == NULL) {
            return -1;
        }
        w->crcs = crcs;
        w->cap_crcs = cap;
    }

    w->crcs[w->n_crcs++] = w->crc;
    w->crc = 0;
    return 0;
}


void
sos_writer_md5(sos_writer_t *w, unsigned char md5[16])
{
    EVP_MD_CTX  *copy;
    unsigned     n;

    memset(md5, 0, 16);
    copy = EVP_MD_CTX_new();
    if (copy != NULL && EVP_MD_CTX_copy_ex(copy, w->md5)) {
        EVP_DigestFinal_ex(copy, md5, &n);
    }
    EVP_MD_CTX_free(copy);
}


/*
 * A replica's two shares of sos_writer_finish, run beside the others':
 * its data (fdatasync, close) and its name (objects/xx/yy made durable,
 * rename into it, fsync it).  The two are independent: the commit needs
 * both durable, in either order, and until it the intent names the file
 * wherever a crash leaves it.  Each touches only its own fields.
 */
typedef struct {
    sos_writer_t  *writer;
    unsigned       replica;
    int            data_error;      /* errno of the data's failed step */
    int            name_error;      /* errno of the name's failed step */
    int            renamed;
} sos_settle_t;


static void
sos_writer_settle_data(void *arg)
{
    sos_settle_t  *s = arg;
    sos_writer_t  *w = s->writer;
    unsigned       i = s->replica;

    if (!w->store->no_fsync && sos_sync_timed(w->store, w->fds[i], 1) == -1) {
        s->data_error = errno;
        return;
    }

    if (close(w->fds[i]) == -1) {
        s->data_error = errno;
    }
    w->fds[i] = -1;
}


/*
 * Directories first made (or not yet known durable) are synced after the
 * rename, leaf first: one journal commit then carries the new
 * directories and the new name on file systems that commit them together
 * (ext4), instead of one for each directory and one for the name.
 */
static void
sos_writer_settle_name(void *arg)
{
    sos_settle_t  *s = arg;

    int            sync, new_xx, new_yy;
    char           path[4096], tmp[4096], *slash;
    unsigned       i, xx, yy;
    sos_store_t   *st;
    sos_writer_t  *w;

    w = s->writer;
    st = w->store;
    i = s->replica;
    sync = !st->no_fsync;
    xx = sos_hex2(w->id);
    yy = sos_hex2(w->id + 2);

    sos_tmp_path(st, i, w->id, tmp, sizeof(tmp));
    sos_replica_path(st, i, w->id, path, sizeof(path));

    /* path: <replica>/objects/xx/yy/<id>, cut at the slashes */

    slash = strrchr(path, '/');
    *slash = '\0';
    *(slash - 3) = '\0';

    new_xx = sos_dir_make(st, i, xx, path);
    *(slash - 3) = '/';
    new_yy = new_xx == -1 ? -1 : sos_dir_make(st, i, 256 + xx * 256 + yy,
                                              path);
    if (new_yy == -1) {
        s->name_error = errno;
        return;
    }
    *slash = '/';

    if (rename(tmp, path) == -1) {
        s->name_error = errno;
        return;
    }
    s->renamed = 1;

    if (!sync) {
        sos_dir_known(st, i, xx);
        sos_dir_known(st, i, 256 + xx * 256 + yy);
        return;
    }

    *slash = '\0';
    if (sos_fsync_dir(st, path) == -1) {
        s->name_error = errno;
        return;
    }

    /* yy's entry is in xx, xx's in objects */

    *(slash - 3) = '\0';
    if (new_yy) {
        if (sos_fsync_dir(st, path) == -1) {
            s->name_error = errno;
            return;
        }
        sos_dir_known(st, i, 256 + xx * 256 + yy);
    }

    if (new_xx) {
        *strrchr(path, '/') = '\0';
        if (sos_fsync_dir(st, path) == -1) {
            s->name_error = errno;
            return;
        }
        sos_dir_known(st, i, xx);
    }
}


sos_rc_e
sos_writer_finish(sos_writer_t *w, sos_extent_t *out, sos_error_t *err)
{
    int                   saved = 0;
    char                  path[4096];
    unsigned              i, n;
    sos_rc_e              rc;
    sos_sums_t            sums;
    sos_task_t            tasks[2 * SOS_MAX_REPLICAS];
    sos_store_t          *st = w->store;
    sos_settle_t          settle[SOS_MAX_REPLICAS];
    leveldb_writebatch_t *batch;

    memset(out, 0, sizeof(*out));

    /* the X record's value, for sos_intent_clear */
    if (w->size % SOS_SUM_BLOCK != 0 && sos_writer_sum_push(w) != 0) {
        sos_writer_abort(w);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for the "
                       "checksums of file %s", w->id);
    }

    sums.block_size = SOS_SUM_BLOCK;
    sums.n_blocks = w->n_crcs;
    sums.crcs = w->crcs;
    sos_buf_reset(&w->sums);
    sos_sums_encode(&w->sums, &sums);
    if (w->sums.oom) {
        sos_writer_abort(w);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for the "
                       "checksums of file %s", w->id);
    }

    memcpy(out->id, w->id, sizeof(out->id));
    out->size = w->size;
    EVP_DigestFinal_ex(w->md5, out->md5, &n);

    /*
     * intent first: a crash after a rename leaves garbage, not orphans.
     * The epoch is read before: a reopen between the two only makes the
     * commit refuse files it could have kept, never keep collected ones.
     */
    w->epoch = sos_idx_epoch(st);
    batch = leveldb_writebatch_create();
    sos_garbage_add(batch, out, 1);
    rc = sos_idx_write(st, batch, 0, err);
    leveldb_writebatch_destroy(batch);

    if (rc != SOS_OK) {
        memset(out, 0, sizeof(*out));
        sos_writer_abort(w);
        return rc;
    }

    /* every replica at once: the commit waits for the slowest step only */

    n = 0;
    for (i = 0; i < st->n_replicas; i++) {
        if (w->live & (1u << i)) {
            memset(&settle[n], 0, sizeof(sos_settle_t));
            settle[n].writer = w;
            settle[n].replica = i;
            tasks[2 * n].run = sos_writer_settle_data;
            tasks[2 * n].arg = &settle[n];
            tasks[2 * n + 1].run = sos_writer_settle_name;
            tasks[2 * n + 1].arg = &settle[n];
            n++;
        }
    }

    sos_pool_run(&st->pool, tasks, 2 * n);

    for (i = 0; i < n; i++) {
        if (settle[i].data_error == 0 && settle[i].name_error == 0) {
            continue;
        }

        saved = settle[i].data_error ? settle[i].data_error
                                     : settle[i].name_error;

        if (settle[i].renamed) {
            sos_replica_path(st, settle[i].replica, w->id, path,
                             sizeof(path));
            unlink(path);
        }
        sos_writer_drop(w, settle[i].replica);
    }

    out->replicas = w->live;

    if (sos_popcount(w->live) < st->quorum) {
        /* the renamed files and the intent (a file kept keeps it) */
        (void) sos_extent_unlink(st, out);
        memset(out, 0, sizeof(*out));
        goto quorum;
    }

    if (w->live != (1u << st->n_replicas) - 1) {
        sos_repair_degraded(st, out, w->live);
    }

    EVP_MD_CTX_free(w->md5);
    w->md5 = NULL;
    w->done = 1;
    return SOS_OK;

quorum:

    sos_writer_abort(w);
    if (saved == ENOSPC || saved == EDQUOT) {
        sos_garbage_full(st);
        return sos_err_sys(err, saved, "file %s could not be made durable",
                           w->id);
    }
    return sos_err(err, SOS_EQUORUM, saved,
                   "file %s reached only %u of %u replicas, quorum is %u",
                   w->id, sos_popcount(w->live), st->n_replicas, st->quorum);
}


void
sos_writer_abort(sos_writer_t *w)
{
    unsigned  i;

    if (w->store == NULL) {
        return;
    }

    if (!w->done) {
        for (i = 0; i < w->store->n_replicas; i++) {
            if (w->fds[i] != -1 || (w->live & (1u << i))) {
                sos_writer_drop(w, i);
            }
        }
    }

    EVP_MD_CTX_free(w->md5);
    w->md5 = NULL;
    free(w->crcs);
    w->crcs = NULL;
    w->n_crcs = 0;
    w->cap_crcs = 0;
    sos_buf_free(&w->sums);
    w->done = 1;
}


int
sos_extent_open(sos_store_t *st, const sos_extent_t *e, uint32_t *skip,
    unsigned *replica, sos_error_t *err)
{
    int          fd, saved = 0;
    char         path[4096];
    unsigned     i, k, first;
    struct stat  sb;

    /*
     * Reads of different files spread over the replicas, each file always
     * read first from the same one (its pages stay cached once): the
     * first replica tried follows a random hex digit of the file's id.
     */
    first = (unsigned char) e->id[SOS_FILE_ID_LEN - 1] % st->n_replicas;

    for (k = 0; k < st->n_replicas; k++) {
        i = (first + k) % st->n_replicas;

        if (!(e->replicas & (1u << i)) || (*skip & (1u << i))) {
            continue;
        }

        if (sos_replica_path(st, i, e->id, path, sizeof(path)) == -1) {
            continue;
        }

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            if (errno == ENOENT || errno == ENOTDIR) {
                *skip |= 1u << i;
            } else {
                saved = errno;
            }
            continue;
        }

        /* a short or replaced file is as bad as a missing one */
        if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)
            || (uint64_t) sb.st_size != e->size)
        {
            *skip |= 1u << i;
            close(fd);
            continue;
        }

        *replica = i;
        return fd;
    }

    if (saved != 0) {
        sos_err_sys(err, saved, "cannot open file %s", e->id);
    } else {
        sos_err(err, SOS_ECORRUPT, 0, "no readable replica of file %s",
                e->id);
    }
    return -1;
}


int
sos_extent_unlink(sos_store_t *st, const sos_extent_t *e)
{
    int                    kept = 0;
    char                   path[4096], key[1 + SOS_FILE_ID_LEN];
    unsigned               i;
    leveldb_writebatch_t  *batch;

    for (i = 0; i < st->n_replicas; i++) {
        if (sos_replica_path(st, i, e->id, path, sizeof(path)) == 0
            && unlink(path) == -1 && errno != ENOENT)
        {
            kept = 1;
        }
    }

    /* a file still there keeps its G record: the next open tries again */
    if (kept) {
        return -1;
    }

    /* the checksums go with the files (a reader's pin kept both) */
    batch = leveldb_writebatch_create();
    key[0] = SOS_K_GARBAGE;
    memcpy(key + 1, e->id, SOS_FILE_ID_LEN);
    leveldb_writebatch_delete(batch, key, sizeof(key));
    key[0] = SOS_K_CHECKSUMS;
    leveldb_writebatch_delete(batch, key, sizeof(key));
    (void) sos_idx_write(st, batch, 0, NULL);
    leveldb_writebatch_destroy(batch);

    return 0;
}


void
sos_intent_clear(leveldb_writebatch_t *batch, const sos_writer_t *w)
{
    char  key[1 + SOS_FILE_ID_LEN];

    key[0] = SOS_K_GARBAGE;
    memcpy(key + 1, w->id, SOS_FILE_ID_LEN);
    leveldb_writebatch_delete(batch, key, sizeof(key));

    key[0] = SOS_K_CHECKSUMS;
    leveldb_writebatch_put(batch, key, sizeof(key),
                           (const char *) w->sums.data, w->sums.len);
}


void
sos_garbage_add(leveldb_writebatch_t *batch, const sos_extent_t *e,
    uint32_t n)
{
    char      key[1 + SOS_FILE_ID_LEN];
    uint32_t  i;

    for (i = 0; i < n; i++) {
        memcpy(key + 1, e[i].id, SOS_FILE_ID_LEN);
        key[0] = SOS_K_GARBAGE;
        leveldb_writebatch_put(batch, key, sizeof(key), "", 0);
    }
}


typedef struct {
    sos_store_t  *store;
    uint64_t      removed;
} sos_garbage_walk_t;


static sos_rc_e
sos_garbage_visit(void *ctx, const char *key, size_t key_len,
    const char *val, size_t val_len)
{
    sos_extent_t         e;
    sos_garbage_walk_t  *walk = ctx;

    (void) val;
    (void) val_len;

    if (key_len == SOS_FILE_ID_LEN) {
        memset(&e, 0, sizeof(e));
        memcpy(e.id, key, SOS_FILE_ID_LEN);
        if (!sos_pin_defer(walk->store, e.id)
            && sos_extent_unlink(walk->store, &e) == 0)
        {
            walk->removed++;
        }
    }

    return SOS_OK;
}


uint64_t
sos_garbage_collect_all(sos_store_t *st)
{
    sos_garbage_walk_t  walk = { st, 0 };

    /* an index read error leaves the rest for the next open */
    (void) sos_idx_scan(st, SOS_K_GARBAGE, sos_garbage_visit, &walk, NULL);

    return walk.removed;
}
