/*
 * Readers and what they hold: fds of parts a reader goes back to are let
 * go when it moves past them again (release, read); an idle reader holds
 * no block buffer.  An overwrite between a reader's look-up and its pins
 * makes the open start over (LevelDB's get is wrapped to stop a reader
 * there).  Then a race of readers (verify, segments, release, read)
 * against overwrites, deletes, multipart completes with unused and
 * replaced parts, aborts and copies onto the source itself, after which
 * every file, G and X record must be accounted for; a store closed while
 * a reader held a deleted version unlinks its files.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include <zlib.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "rv"
#define BUCKET_LEN  2
#define BLK         SOS_SUM_BLOCK
#define MIN_PART    1024
#define N_KEYS      4
#define RACE_OPS    48                  /* writer operations */
#define RACE_READS  300                 /* at most, per reader thread */
#define WIN         (100 * 1024)        /* a reader's send window */
#define IDLE_READERS 32

static char           data_dir[512];
static sos_store_t   *st;
static sos_error_t    err;


/*
 * sos_reader_release(upto) closes only fds of parts that end at or
 * before upto: a call with a smaller upto than an earlier one leaves
 * alone the fd of a part segments gave out again and verify moved off.
 */
static void
test_release_back(void)
{
    int             fd_a, fd_b, r;
    size_t          n;
    unsigned        bad;
    uint32_t        ne;
    sos_extent_t   *e;
    sos_reader_t   *rd;
    unsigned char  *d;
    sos_segment_t   segs[3];

    d = util_make(3 * 3000, 15);
    util_put_parts(st, BUCKET, "rb", d, 3, 3000);
    e = util_extents(st, BUCKET, "rb", &ne);
    if (ne != 3) {
        bail("%u extents", ne);
    }

    rd = util_reader(st, BUCKET, "rb");
    n = 3;
    if (sos_reader_segments(rd, 0, 9000, segs, &n, &err) != SOS_OK) {
        bail("segments: %s", err.msg);
    }
    sos_reader_release(rd, 6000);       /* parts 1 and 2 sent */

    /* part 1 again: its fd, on the replica read first, given out */
    n = 1;
    if (sos_reader_segments(rd, 0, 3000, segs, &n, &err) != SOS_OK) {
        bail("segments: %s", err.msg);
    }
    fd_a = segs[0].fd;
    r = util_replica_of(st, fd_a, e[0].id);
    if (r < 0) {
        bail("no replica of part 1");
    }

    /* that replica goes bad: verify moves part 1 off it, fd_a stays */
    util_flip(st, e[0].id, (unsigned) r, 10);
    is_int(SOS_OK, sos_reader_verify(rd, 0, 3000, &bad, &err),
           "part 1 verified after its replica went bad");
    is_int(1, bad, "one bad replica");
    ok(fcntl(fd_a, F_GETFD) != -1, "the fd segments gave out stays open");
    n = 1;
    if (sos_reader_segments(rd, 0, 3000, segs, &n, &err) != SOS_OK) {
        bail("segments: %s", err.msg);
    }
    fd_b = segs[0].fd;

    /* nothing ends at or before byte 0: nothing may be closed */
    sos_reader_release(rd, 0);
    ok(fcntl(fd_a, F_GETFD) != -1, "release(0) leaves it open too");

    sos_reader_release(rd, 3000);
    ok(fcntl(fd_a, F_GETFD) == -1, "release past part 1 closes it");
    ok(fcntl(fd_b, F_GETFD) == -1, "and the fd part 1 moved to, given out "
       "after an earlier release had passed part 1");

    sos_reader_close(rd);
    util_flip(st, e[0].id, (unsigned) r, 10);
    free(e);
    free(d);
}


/*
 * sos_reader_read closes the fds of the parts it moved past, also of a
 * part it went back to.
 */
static void
test_pass_back(void)
{
    int             base;
    char            buf[100];
    size_t          got;
    unsigned char  *d;
    sos_reader_t   *rd;

    d = util_make(3 * 3000, 16);
    util_put_parts(st, BUCKET, "pb", d, 3, 3000);

    base = util_fds();
    rd = util_reader(st, BUCKET, "pb");
    if (sos_reader_read(rd, 6000, buf, 100, &got, &err) != SOS_OK
        || sos_reader_read(rd, 0, buf, 100, &got, &err) != SOS_OK
        || sos_reader_read(rd, 6000, buf, 100, &got, &err) != SOS_OK)
    {
        bail("read: %s", err.msg);
    }
    is_int(base + 1, util_fds(), "reads of part 3, part 1, part 3: the fd of "
           "part 3 only");
    sos_reader_close(rd);
    is_int(base, util_fds(), "closed: none");
    free(d);
}


/* Bytes the C library's malloc has handed out and not had back. */
static size_t
heap_used(void)
{
    struct mallinfo2  mi;

    mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}


/*
 * An open reader between calls - a GET waiting for its client - holds
 * no block buffer: verify and read let it go before they return.
 */
static void
test_idle_memory(void)
{
    int             i;
    char            buf[16];
    size_t          before, held, got;
    unsigned        bad;
    unsigned char  *d;
    sos_reader_t   *rd[IDLE_READERS];

    d = util_make(2 * BLK, 17);
    util_put(st, BUCKET, "idle", d, 2 * BLK, NULL);

    before = heap_used();
    for (i = 0; i < IDLE_READERS; i++) {
        rd[i] = util_reader(st, BUCKET, "idle");
        if (sos_reader_verify(rd[i], 0, 2 * BLK, &bad, &err) != SOS_OK
            || sos_reader_read(rd[i], BLK, buf, sizeof(buf), &got, &err)
               != SOS_OK)
        {
            bail("verify: %s", err.msg);
        }
    }
    held = heap_used() - before;
    ok(held < IDLE_READERS * (size_t) BLK / 4, "%d readers idle after a "
       "verify and a read hold %zu bytes, not a block buffer each",
       IDLE_READERS, held);
    for (i = 0; i < IDLE_READERS; i++) {
        sos_reader_close(rd[i]);
    }
    free(d);
}


/* ---- a commit between a reader's look-up and its pins ---- */

typedef char *(*get_pt)(leveldb_t *db, const leveldb_readoptions_t *o,
    const char *key, size_t keylen, size_t *vallen, char **errptr);

static get_pt           real_get;
static _Thread_local    int pause_get;  /* this thread pauses once */
static pthread_mutex_t  pause_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   pause_cond = PTHREAD_COND_INITIALIZER;
static int              pause_state;    /* 1: paused, 2: go on */


/*
 * LevelDB's get, which a thread with pause_get set stops after, once it
 * read an object record, until the test lets it go on.
 */
char *
leveldb_get(leveldb_t *db, const leveldb_readoptions_t *o, const char *key,
    size_t keylen, size_t *vallen, char **errptr)
{
    char  *v;

    v = real_get(db, o, key, keylen, vallen, errptr);

    if (pause_get && keylen > 0 && key[0] == SOS_K_OBJECT) {
        pause_get = 0;
        pthread_mutex_lock(&pause_lock);
        pause_state = 1;
        pthread_cond_broadcast(&pause_cond);
        while (pause_state != 2) {
            pthread_cond_wait(&pause_cond, &pause_lock);
        }
        pthread_mutex_unlock(&pause_lock);
    }

    return v;
}


typedef struct {
    sos_rc_e       rc;
    sos_reader_t  *rd;
    sos_error_t    err;
} paused_t;


static void *
paused_open(void *arg)
{
    paused_t  *p = arg;

    pause_get = 1;
    p->rc = sos_object_open(st, BUCKET, BUCKET_LEN, "pz", 2, &p->rd, NULL,
                            &p->err);
    return NULL;
}


/*
 * An overwrite commits, and unlinks the old version's files, after a
 * reader looked the record up and before it pinned them: the open must
 * see the record changed and start over, not open files that are gone.
 */
static void
test_pin_window(void)
{
    char            path[1024];
    size_t          got;
    unsigned        r, left;
    uint32_t        i, n;
    paused_t        p;
    pthread_t       t;
    struct stat     sb;
    sos_extent_t   *e;
    unsigned char  *d1, *d2, *buf;

    d1 = util_make(3 * 3000, 21);
    d2 = util_make(3 * 3000, 22);
    buf = util_make(3 * 3000, 0);
    util_put_parts(st, BUCKET, "pz", d1, 3, 3000);
    e = util_extents(st, BUCKET, "pz", &n);

    memset(&p, 0, sizeof(p));
    if (pthread_create(&t, NULL, paused_open, &p) != 0) {
        bail("pthread_create failed");
    }
    pthread_mutex_lock(&pause_lock);
    while (pause_state != 1) {
        pthread_cond_wait(&pause_cond, &pause_lock);
    }
    pthread_mutex_unlock(&pause_lock);

    util_put_parts(st, BUCKET, "pz", d2, 3, 3000);
    left = 0;
    for (i = 0; i < n; i++) {
        for (r = 0; r < 3; r++) {
            sos_replica_path(st, r, e[i].id, path, sizeof(path));
            left += stat(path, &sb) == 0;
        }
    }
    is_int(0, left, "overwritten between a reader's look-up and its pins: "
           "the old files are gone");

    pthread_mutex_lock(&pause_lock);
    pause_state = 2;
    pthread_cond_broadcast(&pause_cond);
    pthread_mutex_unlock(&pause_lock);
    pthread_join(t, NULL);

    is_int(SOS_OK, p.rc, "the open starts over: %s",
           p.rc == SOS_OK ? "" : p.err.msg);
    if (p.rc == SOS_OK) {
        ok(sos_reader_read(p.rd, 0, buf, 3 * 3000, &got, &err) == SOS_OK
           && got == 3 * 3000 && memcmp(buf, d2, 3 * 3000) == 0,
           "and reads the new version");
        sos_reader_close(p.rd);
    }
    free(e);
    free(d1);
    free(d2);
    free(buf);
}


/* ---- the race ---- */

typedef struct {
    int        done;
    int        failures;
    unsigned   reads;
} race_t;


static void
race_key(char *key, unsigned k)
{
    snprintf(key, 8, "k%u", k);
}


/* Sizes around block edges. */
static uint64_t
race_size(unsigned n)
{
    static const uint64_t  sizes[] = {
        5, BLK - 1, BLK, BLK + 1, 2 * BLK + 3, 4
    };

    return sizes[n % (sizeof(sizes) / sizeof(sizes[0]))];
}


/* A multipart version: parts 1 and 3 used, 2 unused, 1 replaced. */
static void
race_multipart(const char *key, uint32_t seed)
{
    char               up[SOS_UPLOAD_ID_LEN + 1];
    char               etags[3][SOS_ETAG_MAX + 1];
    unsigned           i;
    uint64_t           lens[3] = { BLK, 2000, 7 }, at;
    sos_put_t         *put;
    sos_put_opts_t     o;
    sos_error_t        e;
    sos_part_ref_t     refs[2];
    unsigned char     *d;
    sos_object_info_t  info;

    o = util_opts(BUCKET, key);
    d = util_make(BLK + 7, seed);
    if (sos_upload_create(st, BUCKET, BUCKET_LEN, key, strlen(key), NULL, up,
                          &e) != SOS_OK)
    {
        bail("upload: %s", e.msg);
    }
    /* part 1 twice (the first replaced), part 2 (unused), part 3 */
    for (i = 0; i < 4; i++) {
        memset(&info, 0, sizeof(info));
        at = i == 3 ? BLK : 0;
        if (sos_part_begin(&put, st, &o, up, i < 2 ? 1 : i, &e) != SOS_OK
            || sos_put_write(put, i == 2 ? d : d + at,
                             i == 2 ? lens[1] : i == 3 ? lens[2] : lens[0],
                             &e) != SOS_OK
            || sos_put_commit(put, &info, &e) != SOS_OK)
        {
            bail("part: %s", e.msg);
        }
        memcpy(etags[i < 2 ? 0 : i - 1], info.etag, SOS_ETAG_MAX + 1);
        sos_object_info_release(&info);
    }
    refs[0].part_number = 1;
    refs[0].etag = etags[0];
    refs[0].etag_len = strlen(etags[0]);
    refs[1].part_number = 3;
    refs[1].etag = etags[2];
    refs[1].etag_len = strlen(etags[2]);
    if (sos_upload_complete(st, &o, up, refs, 2, NULL, &e) != SOS_OK) {
        bail("complete: %s", e.msg);
    }
    free(d);
}


/* An upload with a part, aborted. */
static void
race_abort(const char *key)
{
    char            up[SOS_UPLOAD_ID_LEN + 1];
    sos_put_t      *put;
    sos_put_opts_t  o;
    sos_error_t     e;

    o = util_opts(BUCKET, key);
    if (sos_upload_create(st, BUCKET, BUCKET_LEN, key, strlen(key), NULL, up,
                          &e) != SOS_OK
        || sos_part_begin(&put, st, &o, up, 1, &e) != SOS_OK
        || sos_put_write(put, "abc", 3, &e) != SOS_OK
        || sos_put_commit(put, NULL, &e) != SOS_OK
        || sos_upload_abort(st, BUCKET, BUCKET_LEN, key, strlen(key), up,
                            &e) != SOS_OK)
    {
        bail("abort: %s", e.msg);
    }
}


/* CopyObject onto the source itself. */
static void
race_copy_self(const char *key)
{
    sos_rc_e        rc;
    sos_put_t      *put;
    sos_put_opts_t  o;
    sos_error_t     e;
    sos_reader_t   *rd;

    rc = sos_object_open(st, BUCKET, BUCKET_LEN, key, strlen(key), &rd, NULL,
                         &e);
    if (rc == SOS_ENOTFOUND) {
        return;
    }
    o = util_opts(BUCKET, key);
    if (rc != SOS_OK
        || sos_put_begin(&put, st, &o, &e) != SOS_OK
        || sos_put_copy(put, rd, 0, sos_reader_size(rd), NULL, NULL, &e)
           != SOS_OK
        || sos_put_commit(put, NULL, &e) != SOS_OK)
    {
        bail("copy onto itself: %s", e.msg);
    }
    sos_reader_close(rd);
}


static void *
race_writer(void *arg)
{
    char            key[8];
    unsigned        i;
    uint64_t        size;
    sos_error_t     e;
    unsigned char  *d;
    race_t         *r = arg;

    for (i = 0; i < RACE_OPS; i++) {
        race_key(key, i % N_KEYS);
        switch (i % 6) {
        case 0:
        case 3:
            size = race_size(i);
            d = util_make(size, 100 + i);
            util_put(st, BUCKET, key, d, size, NULL);
            free(d);
            break;
        case 1:
            race_multipart(key, 100 + i);
            break;
        case 2:
            race_copy_self(key);
            break;
        case 4:
            (void) sos_object_delete(st, BUCKET, BUCKET_LEN, key, 2, &e);
            break;
        default:
            race_abort(key);
            break;
        }
    }

    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return NULL;
}


/*
 * Read all of an open version as the module and a copy would: verify,
 * segments and release window by window, and sos_reader_read.  Whether
 * the bytes are those of the version its first four bytes name.
 */
static int
race_read(sos_reader_t *rd)
{
    size_t          n, i, got;
    uint32_t        seed;
    unsigned        bad;
    uint64_t        size, at, len, off, j;
    unsigned char  *buf;
    sos_segment_t   segs[4];

    size = sos_reader_size(rd);
    if (size < 4) {
        return 1;
    }
    buf = malloc(size);
    if (buf == NULL) {
        bail("no memory");
    }

    for (at = 0; at < size; at += len) {
        len = size - at < WIN ? size - at : WIN;
        n = 4;
        if (sos_reader_verify(rd, at, len, &bad, &err) != SOS_OK
            || bad != 0
            || sos_reader_segments(rd, at, len, segs, &n, &err) != SOS_OK)
        {
            diag("window at %llu: %s (bad %u)", (unsigned long long) at,
                 err.msg, bad);
            free(buf);
            return 0;
        }
        for (off = at, i = 0; i < n; off += segs[i].len, i++) {
            if (pread(segs[i].fd, buf + off, segs[i].len,
                      (off_t) segs[i].offset) != (ssize_t) segs[i].len)
            {
                diag("pread: %s", strerror(errno));
                free(buf);
                return 0;
            }
        }
        sos_reader_release(rd, at + len);
    }

    seed = (uint32_t) buf[0] | (uint32_t) buf[1] << 8
           | (uint32_t) buf[2] << 16 | (uint32_t) buf[3] << 24;
    for (j = 0; j < size; j++) {
        if (buf[j] != util_gen(j, seed)) {
            diag("byte %llu of version %u is wrong", (unsigned long long) j,
                 seed);
            free(buf);
            return 0;
        }
    }

    if (sos_reader_read(rd, 0, buf, size, &got, &err) != SOS_OK
        || got != size)
    {
        diag("read: %s", err.msg);
        free(buf);
        return 0;
    }
    for (j = 0; j < size; j++) {
        if (buf[j] != util_gen(j, seed)) {
            diag("read: byte %llu of version %u is wrong",
                 (unsigned long long) j, seed);
            free(buf);
            return 0;
        }
    }

    free(buf);
    return 1;
}


static void *
race_reader(void *arg)
{
    char           key[8];
    unsigned       i;
    sos_rc_e       rc;
    sos_error_t    e;
    sos_reader_t  *rd;
    race_t        *r = arg;

    for (i = 0;
         i < RACE_READS && !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
         i++)
    {
        race_key(key, i % N_KEYS);
        rc = sos_object_open(st, BUCKET, BUCKET_LEN, key, 2, &rd, NULL, &e);
        if (rc == SOS_ENOTFOUND) {
            continue;
        }
        if (rc != SOS_OK) {
            diag("open %s: %s", key, e.msg);
            __atomic_add_fetch(&r->failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        if (!race_read(rd)) {
            __atomic_add_fetch(&r->failures, 1, __ATOMIC_RELAXED);
        }
        sos_reader_close(rd);
        __atomic_add_fetch(&r->reads, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}


/* The ids of live files, from object and part records. */
typedef struct {
    util_ids_t  live;
    size_t      x_orphans;
    size_t      g;
} census_t;


static int
census_has(census_t *c, const char *id)
{
    size_t  i;

    for (i = 0; i < c->live.n; i++) {
        if (memcmp(c->live.ids[i], id, SOS_FILE_ID_LEN) == 0) {
            return 1;
        }
    }
    return 0;
}


static sos_rc_e
census_x(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    census_t  *c = ctx;

    (void) val;
    (void) val_len;
    if (key_len != SOS_FILE_ID_LEN || !census_has(c, key)) {
        c->x_orphans++;
    }
    return SOS_OK;
}


static sos_rc_e
census_g(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    (void) key;
    (void) key_len;
    (void) val;
    (void) val_len;
    ((census_t *) ctx)->g++;
    return SOS_OK;
}


static void
test_race(void)
{
    int          i;
    char         key[8], path[1024];
    long         files, want;
    size_t       k, missing;
    unsigned     r;
    race_t       race;
    census_t     c;
    pthread_t    w, rd[2];
    struct stat  sb;

    memset(&race, 0, sizeof(race));
    for (i = 0; i < N_KEYS; i++) {
        race_key(key, (unsigned) i);
        race_multipart(key, (uint32_t) i + 1);
    }

    if (pthread_create(&w, NULL, race_writer, &race) != 0
        || pthread_create(&rd[0], NULL, race_reader, &race) != 0
        || pthread_create(&rd[1], NULL, race_reader, &race) != 0)
    {
        bail("pthread_create failed");
    }
    pthread_join(w, NULL);
    pthread_join(rd[0], NULL);
    pthread_join(rd[1], NULL);

    is_int(0, race.failures, "readers racing %d writes: every read whole, "
           "verified and of one version (%u reads)", RACE_OPS, race.reads);

    /* a commit that removes files collects what the readers left */
    util_put(st, BUCKET, "scratch", "x", 1, NULL);
    (void) sos_object_delete(st, BUCKET, BUCKET_LEN, "scratch", 7, &err);

    memset(&c, 0, sizeof(c));
    if (sos_idx_scan(st, SOS_K_OBJECT, util_ids_object, &c.live, &err)
        != SOS_OK
        || sos_idx_scan(st, SOS_K_CHECKSUMS, census_x, &c, &err) != SOS_OK
        || sos_idx_scan(st, SOS_K_GARBAGE, census_g, &c, &err) != SOS_OK)
    {
        bail("scan: %s", err.msg);
    }
    is_int(0, c.g, "no G record left once the readers closed");
    is_int(0, c.x_orphans, "no X record of a dead file");

    missing = 0;
    want = 0;
    for (k = 0; k < c.live.n; k++) {
        for (r = 0; r < 3; r++) {
            sos_replica_path(st, r, c.live.ids[k], path, sizeof(path));
            missing += stat(path, &sb) != 0;
            want++;
        }
        {
            sos_sums_t  s;
            char       *val;
            size_t      len;
            sos_buf_t   xk;

            sos_buf_init(&xk);
            sos_ikey_sums(&xk, c.live.ids[k]);
            if (sos_idx_get(st, &xk, &val, &len, &err) != SOS_OK
                || sos_sums_decode(val, len, &s) != 0)
            {
                missing++;
            } else {
                free(val);
                free(s.crcs);
            }
            sos_buf_free(&xk);
        }
    }
    is_int(0, missing, "every live file on every replica, with its X "
           "record (%zu files)", c.live.n);

    files = 0;
    for (r = 0; r < 3; r++) {
        snprintf(path, sizeof(path), "%s/objects", st->replica_dirs[r]);
        files += util_files(path);
    }
    is_int(want, files, "no file on disk that no record names");
    free(c.live.ids);

    pthread_mutex_lock(&st->pin_lock);
    ok(st->n_pins == 0 && st->n_ready == 0, "no pin left (%zu), none ready "
       "(%zu)", st->n_pins, st->n_ready);
    pthread_mutex_unlock(&st->pin_lock);
}


/* Files a reader held go at the store's close, with their G records. */
static void
test_close(void)
{
    char              id[SOS_FILE_ID_LEN + 1], path[1024], g[40];
    unsigned          r, left;
    sos_reader_t     *rd;
    struct stat       sb;

    util_put(st, BUCKET, "held", "held bytes", 10, id);
    rd = util_reader(st, BUCKET, "held");
    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "held", 4,
                                     &err), "deleted while read");
    sos_reader_close(rd);

    sos_store_close(st);

    left = 0;
    st = util_store_open(data_dir, 0, MIN_PART);
    is_int(0, st->info.garbage_removed, "the close unlinked the files the "
           "reader left: nothing for the open to collect");
    for (r = 0; r < 3; r++) {
        sos_replica_path(st, r, id, path, sizeof(path));
        left += stat(path, &sb) == 0;
    }
    is_int(0, left, "no replica of the file left");
    g[0] = SOS_K_GARBAGE;
    memcpy(g + 1, id, SOS_FILE_ID_LEN);
    is_int(0, sos_idx_has_prefix(st, g, 1 + SOS_FILE_ID_LEN, &err),
           "nor its G record");
}


int
main(void)
{
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());
    *(void **) &real_get = dlsym(RTLD_NEXT, "leveldb_get");
    if (real_get == NULL) {
        bail("no leveldb_get");
    }

    st = util_store_open(data_dir, 0, MIN_PART);
    util_org_bucket(st, "rv", BUCKET, NULL);

    test_release_back();
    test_pass_back();
    test_idle_memory();
    test_pin_window();
    test_race();
    test_close();

    sos_store_close(st);
    done_testing();
}
