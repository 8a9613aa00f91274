/*
 * A failed index write fences the store: the write reports SOS_EFENCED,
 * every later write is refused, reads go on; the store then reopens its
 * index by itself, which settles the failed write either way with
 * nothing acknowledged lost and no orphan file, and writes work again
 * without a restart.
 *
 * Real faults:
 * - a failed sync of LevelDB's log (this program's fdatasync() and
 *   fsync() fail on the index's .log files once armed): the record is in
 *   the file, so the reopen replays it and the new version must be
 *   whole, the version it replaced gone; once alone, once under reader
 *   and writer threads;
 * - a full disk: the index on a small tmpfs (root only: skipped with the
 *   reason otherwise) filled up until a commit's append is torn; the
 *   reopen, once there is room again, drops the torn record;
 * - the same with a reserve file: deletes work on the full volume,
 *   writes that store data are refused until there is room, and a store
 *   opened on the full volume serves reads and deletes.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static _Thread_local sos_error_t  err;
static sos_org_t                  org;
static atomic_int                 fail_log_sync;
static char                       mounted[3][600];

/* the store on which fsync() of a new file's directory runs a hook */
static sos_store_t               *hook_store;
static void stale_hook(sos_store_t *s);


/*
 * The fault: these definitions take the place of libc's for LevelDB and
 * the store; they fail only on LevelDB's log while armed.
 */
int
fdatasync(int fd)
{
    if (fail_log_sync && util_is_index_log(fd)) {
        errno = EIO;
        return -1;
    }
    return (int) syscall(SYS_fdatasync, fd);
}


/* Whether fd is a replica's objects/xx/yy: fsynced once a file was
 * renamed into it, before the commit. */
static int
is_objects_leaf(int fd)
{
    char  path[PATH_MAX], *p;

    if (util_fd_path(fd, path, sizeof(path)) < 0) {
        return 0;
    }

    p = strstr(path, "/objects/");
    return p != NULL && strlen(p) == sizeof("/objects/xx/yy") - 1;
}


int
fsync(int fd)
{
    sos_store_t  *s;

    if (fail_log_sync && util_is_index_log(fd)) {
        errno = EIO;
        return -1;
    }

    if (hook_store != NULL && is_objects_leaf(fd)) {
        s = hook_store;
        hook_store = NULL;
        stale_hook(s);
    }

    return (int) syscall(SYS_fsync, fd);
}


static sos_store_t *
store_open_reserve(const char *dir, const char *const *replicas,
    uint64_t reserve)
{
    sos_store_t       *s;
    sos_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.replica_dirs = replicas;
    conf.index_reserve = reserve;
    if (sos_store_open(&s, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
    return s;
}


static sos_store_t *
store_open(const char *dir, const char *const *replicas)
{
    return store_open_reserve(dir, replicas, 0);
}


/* The bucket, and an empty one to delete. */
static void
bucket_make(sos_store_t *s)
{
    if (sos_org_create(s, "org", 3, NULL, 0, &org, &err) != SOS_OK) {
        bail("sos_org_create: %s", err.msg);
    }
    util_bucket_make(s, org.id, BUCKET);
    util_bucket_make(s, org.id, "empty");
}


/* The object's body: its key, then a byte pattern by version. */
static size_t
body(char *buf, size_t size, const char *key, unsigned version)
{
    size_t  i, n;

    n = (size_t) snprintf(buf, size, "%s:", key);
    for (i = n; i < size; i++) {
        buf[i] = (char) ('a' + (i * 7 + version) % 26);
    }
    return size;
}


static sos_rc_e
put(sos_store_t *s, const char *key, unsigned version)
{
    char    data[3000];
    size_t  len;

    len = body(data, sizeof(data), key, version);
    return util_put_rc(s, BUCKET, key, data, len, NULL, &err);
}


/* SOS_OK when key reads back whole as version; else why not. */
static sos_rc_e
check(sos_store_t *s, const char *key, unsigned version)
{
    char               want[3000];
    size_t             len;
    sos_rc_e           rc;
    sos_reader_t      *rd;
    sos_object_info_t  info;

    len = body(want, sizeof(want), key, version);

    rc = sos_object_open(s, BUCKET, BUCKET_LEN, key, strlen(key), &rd, &info,
                         &err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = info.size == len ? util_reader_same(rd, want, len, &err)
                          : SOS_ECORRUPT;

    sos_reader_close(rd);
    sos_object_info_release(&info);
    return rc;
}


/* Data files in every replica's objects/ and tmp/, per replica. */
static long
files(const char *const *replicas)
{
    char         path[700];
    long         n, nfiles;
    unsigned     i, j;
    const char  *sub[] = { "objects", "tmp" };

    nfiles = 0;
    for (i = 0; i < 3; i++) {
        for (j = 0; j < 2; j++) {
            snprintf(path, sizeof(path), "%s/%s", replicas[i], sub[j]);
            n = util_files(path);
            if (n > 0) {
                nfiles += n;
            }
        }
    }
    return nfiles / 3;
}


/*
 * Every write the API offers is refused with SOS_EFENCED; with reopens 0,
 * only those that do not try a reopen (put, part, delete and abort do).
 */
static void
writes_fenced(sos_store_t *s, const char *what, const char *obj, int reopens)
{
    char               id[SOS_UPLOAD_ID_LEN + 1];
    sos_org_t          org2;
    sos_key_t          key;
    sos_put_t         *p;
    sos_put_opts_t     opts;
    sos_attrs_t        attrs;
    sos_bucket_t       b;
    sos_object_info_t  info;

    if (reopens) {
        memset(&opts, 0, sizeof(opts));
        opts.bucket = BUCKET;
        opts.bucket_len = BUCKET_LEN;
        opts.key = "later";
        opts.key_len = 5;
        is_int(SOS_EFENCED, sos_put_begin(&p, s, &opts, &err), "%s: a "
               "later put is refused at its beginning", what);
        is_int(SOS_EFENCED, sos_object_delete(s, BUCKET, BUCKET_LEN, obj,
                                              strlen(obj), &err),
               "%s: delete is fenced", what);
    }

    if (sos_object_stat(s, BUCKET, BUCKET_LEN, obj, strlen(obj), &info, &err)
        != SOS_OK)
    {
        bail("stat %s: %s", obj, err.msg);
    }
    is_int(SOS_EFENCED, sos_object_set_acl(s, BUCKET, BUCKET_LEN, obj,
                                           strlen(obj), &info, "acl", 3,
                                           &err),
           "%s: an object ACL is fenced", what);
    sos_object_info_release(&info);

    memset(&attrs, 0, sizeof(attrs));
    is_int(SOS_EFENCED, sos_upload_create(s, BUCKET, BUCKET_LEN, "u", 1,
                                          &attrs, id, &err),
           "%s: a new upload is fenced", what);
    is_int(SOS_EFENCED, sos_org_create(s, "org2", 4, NULL, 0, &org2, &err),
           "%s: a new organization is fenced", what);
    is_int(SOS_EFENCED, sos_key_create(s, org.id, SOS_ID_LEN, 0, &key, &err),
           "%s: a new access key is fenced", what);
    is_int(SOS_EFENCED, sos_bucket_create(s, "bkt2", 4, org.id, "us-east-1",
                                          NULL, 0, &b, &err),
           "%s: a new bucket is fenced", what);
    is_int(SOS_EFENCED, sos_bucket_delete(s, "empty", 5, &err),
           "%s: a bucket delete is fenced", what);
}


/*
 * The failed sync: the record reached the log, so the reopen, which the
 * next put makes by itself, replays it.
 */
static void
sync_failure(const char *base)
{
    char                 dir[600], r[3][600];
    unsigned             i;
    sos_rc_e             rc;
    sos_store_t         *s;
    sos_store_health_t   h;
    const char          *replicas[3] = { r[0], r[1], r[2] };

    snprintf(dir, sizeof(dir), "%s/sync", base);
    for (i = 0; i < 3; i++) {
        snprintf(r[i], sizeof(r[i]), "%s/sync/r%u", base, i);
    }

    s = store_open(dir, replicas);
    bucket_make(s);

    for (i = 0; i < 5; i++) {
        snprintf(dir, sizeof(dir), "a%u", i);
        if (put(s, dir, 1) != SOS_OK) {
            bail("put %s: %s", dir, err.msg);
        }
    }
    if (put(s, "k", 1) != SOS_OK) {
        bail("put k: %s", err.msg);
    }

    fail_log_sync = 1;
    rc = put(s, "k", 2);
    fail_log_sync = 0;

    is_int(SOS_EFENCED, rc, "sync failure: the overwrite reports "
           "SOS_EFENCED");
    ok(strstr(err.msg, strerror(EIO)) != NULL, "sync failure: the message "
       "names the cause (%s)", err.msg);
    is_int(7, files(replicas), "sync failure: the new version's files stay");

    writes_fenced(s, "sync failure", "a0", 0);

    /* applied before its sync failed (group commit), as the reopen
     * replays it; the version before keeps its files until then */
    is_int(SOS_OK, check(s, "k", 2), "sync failure: reads go on (the "
           "overwrite, applied)");
    is_int(SOS_OK, check(s, "a4", 1), "sync failure: acknowledged objects "
           "read");

    h = util_health(s);
    ok(h.fenced && h.fences == 1 && h.reopens == 0, "sync failure: health "
       "says fenced, once, not reopened");

    /* no restart: the next put reopens the index and goes on */

    is_int(SOS_OK, put(s, "later", 1), "sync failure: a put after the "
           "fence reopens the index and succeeds (%s)", err.msg);
    h = util_health(s);
    ok(!h.fenced && h.reopens == 1, "sync failure: reopened once, in %llu "
       "ms", (unsigned long long) h.last_reopen_ms);

    is_int(SOS_OK, check(s, "k", 2), "sync failure: after the reopen the "
           "replayed overwrite is whole");
    is_int(7, files(replicas), "sync failure: the replaced version's files "
           "are gone, no orphan");

    sos_store_close(s);

    snprintf(dir, sizeof(dir), "%s/sync", base);
    s = store_open(dir, replicas);

    is_int(SOS_OK, check(s, "k", 2), "sync failure: opened again, the "
           "overwrite is there");
    for (i = 0, rc = SOS_OK; i < 5 && rc == SOS_OK; i++) {
        snprintf(dir, sizeof(dir), "a%u", i);
        rc = check(s, dir, 1);
    }
    is_int(SOS_OK, rc, "sync failure: every acknowledged object is whole");
    is_int(SOS_OK, check(s, "later", 1), "sync failure: the put after the "
           "reopen is whole");
    is_int(7, files(replicas), "sync failure: no orphan");

    sos_store_close(s);
}


/*
 * Run inside a put, after its files were renamed and before its commit:
 * another write fails (fencing the store) and the next one reopens the
 * index, whose collection removes the first put's files, named by its
 * intent.  That put's commit must then be refused.
 */
static void
stale_hook(sos_store_t *s)
{
    fail_log_sync = 1;
    is_int(SOS_EFENCED, put(s, "x", 1), "stale commit: another write "
           "fails meanwhile");
    fail_log_sync = 0;
    is_int(SOS_OK, put(s, "y", 1), "stale commit: the next reopens the "
           "index (%s)", err.msg);
}


static void
stale_commit(const char *base)
{
    char           dir[600], r[3][600];
    unsigned       i;
    sos_rc_e       rc;
    sos_store_t   *s;
    const char    *replicas[3] = { r[0], r[1], r[2] };

    snprintf(dir, sizeof(dir), "%s/stale", base);
    for (i = 0; i < 3; i++) {
        snprintf(r[i], sizeof(r[i]), "%s/stale/r%u", base, i);
    }

    s = store_open(dir, replicas);
    bucket_make(s);

    hook_store = s;
    rc = put(s, "k", 1);
    hook_store = NULL;

    is_int(SOS_EFENCED, rc, "stale commit: the put whose files the reopen "
           "collected is refused (%s)", err.msg);
    is_int(SOS_ENOTFOUND, check(s, "k", 1), "stale commit: it is absent, "
           "not listed with its files gone");
    is_int(SOS_OK, check(s, "y", 1), "stale commit: the write after the "
           "reopen is whole");
    rc = check(s, "x", 1);
    ok(rc == SOS_OK || rc == SOS_ENOTFOUND, "stale commit: the failed "
       "write is whole or absent (%s)", sos_strerror(rc));
    is_int(1 + (rc == SOS_OK), files(replicas), "stale commit: no orphan "
           "file");

    sos_store_close(s);
}


/*
 * Readers and writers in threads while a write fails and the index is
 * reopened under them: no read fails, no write fails otherwise than
 * SOS_EFENCED, and every acknowledged write is there afterwards.
 */

#define READERS   4
#define WRITERS   2
#define WRITES    400

typedef struct {
    sos_store_t   *store;
    unsigned       n;
    atomic_int    *stop;
    unsigned       rounds;
    unsigned       errors;
    char           what[300];
    unsigned char  acked[WRITES];       /* 1 acknowledged, 2 fenced */
    unsigned       refused;
} worker_t;


static void *
reader(void *arg)
{
    char                key[16];
    unsigned            i;
    sos_rc_e            rc;
    worker_t           *w = arg;
    sos_list_opts_t     lo;
    sos_list_result_t  *page;

    memset(&lo, 0, sizeof(lo));
    lo.max_keys = 1000;

    while (!*w->stop) {
        for (i = 0; i < 20; i++) {
            snprintf(key, sizeof(key), "r%02u", i);
            rc = check(w->store, key, 1);
            if (rc != SOS_OK && w->errors++ == 0) {
                snprintf(w->what, sizeof(w->what), "read %s: %s: %s", key,
                         sos_strerror(rc), err.msg);
            }
        }

        rc = sos_list_objects(w->store, BUCKET, BUCKET_LEN, &lo, &page,
                              &err);
        if (rc == SOS_OK) {
            if (page->n_entries < 20 && w->errors++ == 0) {
                snprintf(w->what, sizeof(w->what), "list: %zu entries",
                         page->n_entries);
            }
            sos_list_result_free(page);

        } else if (w->errors++ == 0) {
            snprintf(w->what, sizeof(w->what), "list: %s: %s",
                     sos_strerror(rc), err.msg);
        }

        w->rounds++;
    }

    return NULL;
}


static void *
writer(void *arg)
{
    char       key[16];
    sos_rc_e   rc;
    worker_t  *w = arg;

    for (w->rounds = 0; w->rounds < WRITES && !*w->stop; w->rounds++) {
        snprintf(key, sizeof(key), "w%u-%03u", w->n, w->rounds);
        rc = put(w->store, key, 1);
        if (rc == SOS_OK) {
            w->acked[w->rounds] = 1;

        } else if (rc == SOS_EFENCED) {
            w->acked[w->rounds] = 2;
            w->refused++;
            util_sleep_ms(20);

        } else if (w->errors++ == 0) {
            snprintf(w->what, sizeof(w->what), "put %s: %s: %s", key,
                     sos_strerror(rc), err.msg);
        }
    }

    return NULL;
}


/* The keys of the bucket, one listing page (fewer than 1000). */
static unsigned
listed(sos_store_t *s, unsigned *acked_missing, worker_t *wr)
{
    char                key[16];
    size_t              i;
    unsigned            n, k, t;
    sos_list_opts_t     lo;
    sos_list_result_t  *page;

    memset(&lo, 0, sizeof(lo));
    lo.max_keys = 1000;
    if (sos_list_objects(s, BUCKET, BUCKET_LEN, &lo, &page, &err) != SOS_OK) {
        bail("list: %s", err.msg);
    }
    n = (unsigned) page->n_entries;

    /* every acknowledged write listed; nothing listed that was refused
     * before it wrote (a fenced commit may be either) */
    *acked_missing = 0;
    for (t = 0; t < WRITERS; t++) {
        for (k = 0; k < WRITES; k++) {
            if (wr[t].acked[k] != 1) {
                continue;
            }
            snprintf(key, sizeof(key), "w%u-%03u", t, k);
            for (i = 0; i < page->n_entries; i++) {
                if (page->entries[i].key.len == strlen(key)
                    && memcmp(page->entries[i].key.data, key,
                              strlen(key)) == 0)
                {
                    break;
                }
            }
            if (i == page->n_entries || check(s, key, 1) != SOS_OK) {
                (*acked_missing)++;
            }
        }
    }

    sos_list_result_free(page);
    return n;
}


static void
concurrent(const char *base)
{
    char                 dir[600], r[3][600], key[16];
    unsigned             i, t, acked, fenced, missing, n, bad;
    pthread_t            th[READERS + WRITERS];
    atomic_int           stop;
    worker_t            *wk;
    sos_store_t         *s;
    sos_store_health_t   h;
    const char          *replicas[3] = { r[0], r[1], r[2] };

    snprintf(dir, sizeof(dir), "%s/conc", base);
    for (i = 0; i < 3; i++) {
        snprintf(r[i], sizeof(r[i]), "%s/conc/r%u", base, i);
    }

    s = store_open(dir, replicas);
    bucket_make(s);

    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "r%02u", i);
        if (put(s, key, 1) != SOS_OK) {
            bail("put %s: %s", key, err.msg);
        }
    }

    wk = calloc(READERS + WRITERS, sizeof(worker_t));
    if (wk == NULL) {
        bail("no memory");
    }
    stop = 0;

    for (t = 0; t < READERS + WRITERS; t++) {
        wk[t].store = s;
        wk[t].stop = &stop;
        wk[t].n = t < READERS ? t : t - READERS;
        if (pthread_create(&th[t], NULL, t < READERS ? reader : writer,
                           &wk[t]) != 0)
        {
            bail("pthread_create");
        }
    }

    /* a failed log sync under load, then the reopen the writers make */

    util_sleep_ms(200);
    fail_log_sync = 1;
    for (i = 0; i < 500 && util_health(s).fences == 0; i++) {
        util_sleep_ms(10);
    }
    fail_log_sync = 0;

    for (i = 0; i < 500; i++) {
        h = util_health(s);
        if (!h.fenced && h.reopens >= h.fences) {
            break;
        }
        util_sleep_ms(10);
    }
    util_sleep_ms(300);

    stop = 1;
    for (t = 0; t < READERS + WRITERS; t++) {
        pthread_join(th[t], NULL);
    }

    h = util_health(s);
    ok(h.fences >= 1, "concurrent: a write failed (%llu)",
       (unsigned long long) h.fences);
    ok(!h.fenced && h.reopens >= 1, "concurrent: reopened %llu times, "
       "the last in %llu ms, without a restart",
       (unsigned long long) h.reopens,
       (unsigned long long) h.last_reopen_ms);

    for (t = 0, bad = 0, n = 0; t < READERS; t++) {
        bad += wk[t].errors;
        n += wk[t].rounds;
        if (wk[t].errors) {
            diag("reader %u: %s", t, wk[t].what);
        }
    }
    is_int(0, bad, "concurrent: no read failed (%u rounds of 20 reads "
           "and a listing)", n);

    for (t = READERS, bad = 0, acked = 0, fenced = 0; t < READERS + WRITERS;
         t++)
    {
        bad += wk[t].errors;
        fenced += wk[t].refused;
        for (i = 0; i < WRITES; i++) {
            acked += wk[t].acked[i] == 1;
        }
        if (wk[t].errors) {
            diag("writer %u: %s", t - READERS, wk[t].what);
        }
    }
    is_int(0, bad, "concurrent: writes failed only with SOS_EFENCED");
    ok(acked > 0 && fenced > 0, "concurrent: %u writes acknowledged, %u "
       "refused while fenced", acked, fenced);

    n = listed(s, &missing, wk + READERS);
    is_int(0, missing, "concurrent: every acknowledged write is listed and "
           "whole");
    is_int(n, files(replicas), "concurrent: one file per listed object");

    sos_store_close(s);

    /* and once opened afresh */

    snprintf(dir, sizeof(dir), "%s/conc", base);
    s = store_open(dir, replicas);
    n = listed(s, &missing, wk + READERS);
    is_int(0, missing, "concurrent: opened again, every acknowledged write "
           "is there (%u objects)", n);
    is_int(n, files(replicas), "concurrent: opened again, no orphan");
    sos_store_close(s);

    free(wk);
}


static void
unmount_all(void)
{
    unsigned  i;

    for (i = 0; i < 3; i++) {
        if (mounted[i][0] != '\0') {
            umount2(mounted[i], MNT_DETACH);
        }
    }
}


/* A tmpfs of size at dir; 0, or -1 (and why) when it cannot be had. */
static int
mount_tmpfs(const char *dir, const char *size, unsigned slot)
{
    char  opts[64];

    if (mkdir(dir, 0700) == -1) {
        bail("mkdir(%s): %s", dir, strerror(errno));
    }

    if (geteuid() != 0) {
        diag("skipped: mounting a tmpfs needs root");
        return -1;
    }

    snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
    if (mount("tmpfs", dir, "tmpfs", 0, opts) == -1) {
        diag("skipped: mount tmpfs: %s", strerror(errno));
        return -1;
    }

    snprintf(mounted[slot], sizeof(mounted[slot]), "%s", dir);
    return 0;
}


/* Bytes left in the last page of the current log: a write past them
 * needs a page the full tmpfs does not have. */
static long
log_slack(const char *index)
{
    DIR            *d;
    char            path[1000], last[256];
    struct stat     sb;
    struct dirent  *de;

    last[0] = '\0';
    d = opendir(index);
    if (d == NULL) {
        bail("opendir(%s): %s", index, strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".log") != NULL
            && strcmp(de->d_name, last) > 0)
        {
            snprintf(last, sizeof(last), "%s", de->d_name);
        }
    }
    closedir(d);

    snprintf(path, sizeof(path), "%s/%s", index, last);
    if (last[0] == '\0' || stat(path, &sb) == -1) {
        bail("no log in %s", index);
    }
    return (long) sb.st_blocks * 512 - (long) sb.st_size;
}


/* A key of 999 bytes that starts with the number n. */
static void
long_key(char key[1000], unsigned n)
{
    char  num[16];

    memset(key, 'x', 999);
    key[999] = '\0';
    snprintf(num, sizeof(num), "%05u", n % 100000);
    memcpy(key, num, 5);
}


/* Fill the file system of path with it until ENOSPC; the fd. */
static int
fill(const char *path)
{
    int   fd;
    char  chunk[4096];

    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd == -1) {
        bail("open(%s): %s", path, strerror(errno));
    }
    memset(chunk, 'f', sizeof(chunk));
    while (write(fd, chunk, sizeof(chunk)) > 0) {
        /* until ENOSPC */
    }
    return fd;
}


/*
 * Puts of long keys on a full index volume until one is fenced: each
 * time the log's last page is nearly used up, a page of the filler is
 * given back.  Long keys make the commit's record longer than the intent
 * written before it: with room for the intent left, the commit's append
 * is the one torn.  Returns how many were acknowledged; key is the one
 * that failed.
 */
static unsigned
fill_log(sos_store_t *s, const char *index, int fd, char key[1000],
    sos_rc_e *rc)
{
    off_t     size;
    unsigned  acked;

    *rc = SOS_OK;

    /* room for the first three puts: the tests read and delete them */
    for (acked = 0; acked < 100; acked++) {
        if (log_slack(index) < 256 || acked < 3) {
            size = lseek(fd, 0, SEEK_END);
            if (ftruncate(fd, size - 4096) == -1) {
                bail("ftruncate: %s", strerror(errno));
            }
        }
        long_key(key, acked);
        *rc = put(s, key, 1);
        if (*rc != SOS_OK) {
            break;
        }
    }

    return acked;
}


/* The full disk: the commit's append is torn; the reopen drops it. */
static void
full_disk(const char *base)
{
    int                  fd;
    char                 dir[600], index[700], filler[700], r[3][600];
    char                 key[1000];
    unsigned             i, acked;
    sos_rc_e             rc;
    sos_store_t         *s;
    sos_store_health_t   h;
    const char          *replicas[3] = { r[0], r[1], r[2] };

    snprintf(dir, sizeof(dir), "%s/full", base);
    if (mount_tmpfs(dir, "1m", 0) == -1) {
        return;
    }

    for (i = 0; i < 3; i++) {
        snprintf(r[i], sizeof(r[i]), "%s/full-r%u", base, i);
    }
    snprintf(index, sizeof(index), "%s/index", dir);
    snprintf(filler, sizeof(filler), "%s/filler", dir);

    s = store_open(dir, replicas);
    bucket_make(s);

    /* the index's file system is full from here on */
    fd = fill(filler);
    acked = fill_log(s, index, fd, key, &rc);

    is_int(SOS_EFENCED, rc, "full disk: a commit reports SOS_EFENCED after "
           "%u acknowledged", acked);
    is_int(ENOSPC, err.sys_errno, "full disk: the cause is ENOSPC (%s)",
           err.msg);
    is_int(SOS_OK, check(s, key, 1) == SOS_ENOTFOUND ? SOS_OK : SOS_EIO,
           "full disk: the failed object is not visible");

    /* no room for a reopen: every write stays refused */

    long_key(key, 0);
    writes_fenced(s, "full disk", key, 1);
    is_int(SOS_OK, check(s, key, 1), "full disk: reads go on");
    h = util_health(s);
    ok(h.fenced && h.reopens == 0 && h.reopen_failures == 1, "full disk: "
       "one reopen tried, none done (%llu)",
       (unsigned long long) h.reopen_failures);

    /* room again, as after an operator freed space */
    close(fd);
    unlink(filler);

    is_int(SOS_EFENCED, put(s, "later", 1), "full disk: within a second "
           "of the last try, no reopen yet");
    util_sleep_ms(1100);
    is_int(SOS_OK, put(s, "later", 1), "full disk: a second later, a put "
           "reopens the index and succeeds (%s)", err.msg);
    h = util_health(s);
    ok(!h.fenced && h.reopens == 1, "full disk: reopened in %llu ms, %llu "
       "calls refused meanwhile", (unsigned long long) h.last_reopen_ms,
       (unsigned long long) h.refused);

    for (i = 0, rc = SOS_OK; i < acked && rc == SOS_OK; i++) {
        long_key(key, i);
        rc = check(s, key, 1);
    }
    is_int(SOS_OK, rc, "full disk: all %u acknowledged objects are whole "
           "after the reopen (%s)", acked, rc == SOS_OK ? "" : err.msg);

    long_key(key, acked);
    rc = check(s, key, 1);
    ok(rc == SOS_ENOTFOUND || rc == SOS_OK, "full disk: the failed object "
       "is absent or whole (%s)", sos_strerror(rc));
    is_int(acked + (rc == SOS_OK) + 1, files(replicas), "full disk: one "
           "file per object, no orphan");

    sos_store_close(s);

    /* what the reopen settled is what an open finds */

    s = store_open(dir, replicas);
    for (i = 0, rc = SOS_OK; i < acked && rc == SOS_OK; i++) {
        long_key(key, i);
        rc = check(s, key, 1);
    }
    is_int(SOS_OK, rc, "full disk: opened again, all %u are whole", acked);
    is_int(SOS_OK, check(s, "later", 1), "full disk: opened again, the "
           "put after the reopen is there");
    sos_store_close(s);
}


/* Whether the reserve file is there with its size. */
static int
reserve_there(const char *index, off_t size)
{
    char         path[800];
    struct stat  sb;

    snprintf(path, sizeof(path), "%s/sos-reserve", index);
    return stat(path, &sb) == 0 && sb.st_size == size;
}


/*
 * The reserve: the full volume's failed write releases it, the reopen
 * and deletes use its room, data writes wait for room; a store opened on
 * the full volume serves reads and deletes.
 */
static void
reserve_full(const char *base)
{
    int                  fd;
    char                 dir[600], index[700], filler[700], r[3][600];
    char                 key[1000];
    unsigned             i, acked;
    sos_rc_e             rc;
    sos_put_t           *p;
    sos_store_t         *s;
    sos_put_opts_t       opts;
    sos_store_health_t   h;
    const sos_notice_t  *nt;
    sos_store_info_t     info;
    const char          *replicas[3] = { r[0], r[1], r[2] };

    snprintf(dir, sizeof(dir), "%s/res", base);
    if (mount_tmpfs(dir, "4m", 1) == -1) {
        return;
    }

    for (i = 0; i < 3; i++) {
        snprintf(r[i], sizeof(r[i]), "%s/res-r%u", base, i);
    }
    snprintf(index, sizeof(index), "%s/index", dir);
    snprintf(filler, sizeof(filler), "%s/filler", dir);

    s = store_open_reserve(dir, replicas, 1024 * 1024);
    ok(reserve_there(index, 1024 * 1024), "reserve: made at open");
    bucket_make(s);

    fd = fill(filler);
    acked = fill_log(s, index, fd, key, &rc);
    is_int(SOS_EFENCED, rc, "reserve: a commit fails on the full volume "
           "after %u", acked);
    ok(!reserve_there(index, 1024 * 1024), "reserve: released");

    long_key(key, 0);
    is_int(SOS_OK, sos_object_delete(s, BUCKET, BUCKET_LEN, key, 999, &err),
           "reserve: a delete on the full volume works (%s)", err.msg);
    h = util_health(s);
    ok(!h.fenced && h.reopens == 1 && h.reserve_in_use, "reserve: the "
       "delete reopened the index (%llu ms); the reserve is in use",
       (unsigned long long) h.last_reopen_ms);

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = "later";
    opts.key_len = 5;
    is_int(SOS_ENOSPC, sos_put_begin(&p, s, &opts, &err), "reserve: a put "
           "is refused while the reserve is in use (%s)", err.msg);
    long_key(key, 1);
    is_int(SOS_OK, sos_object_delete(s, BUCKET, BUCKET_LEN, key, 999, &err),
           "reserve: another delete works");
    long_key(key, 2);
    is_int(SOS_OK, check(s, key, 1), "reserve: reads go on (%s)", err.msg);

    /* room again: within a second the reserve is made and puts work */

    close(fd);
    unlink(filler);
    util_sleep_ms(1100);
    is_int(SOS_OK, put(s, "later", 1), "reserve: a put works once there is "
           "room (%s)", err.msg);
    ok(reserve_there(index, 1024 * 1024) && !util_health(s).reserve_in_use,
       "reserve: made again");

    for (i = 2, rc = SOS_OK; i < acked && rc == SOS_OK; i++) {
        long_key(key, i);
        rc = check(s, key, 1);
    }
    is_int(SOS_OK, rc, "reserve: every acknowledged object not deleted is "
           "whole");
    long_key(key, 0);
    is_int(SOS_ENOTFOUND, check(s, key, 1), "reserve: the deleted one is "
           "gone");

    sos_store_close(s);

    /* a restart on the full volume: the open uses the reserve */

    fd = fill(filler);
    close(fd);
    s = store_open_reserve(dir, replicas, 1024 * 1024);
    sos_store_info(s, &info);
    for (i = 0, nt = NULL; i < info.n_notices; i++) {
        if (strstr(info.notices[i].msg, "reserve was released") != NULL) {
            nt = &info.notices[i];
        }
    }
    ok(nt != NULL && nt->level == SOS_NOTICE_WARN, "reserve: the open on "
       "the full volume released it, and says so (%s)",
       nt != NULL ? nt->msg : "no notice");
    ok(util_health(s).reserve_in_use, "reserve: in use after that open");
    is_int(SOS_OK, check(s, "later", 1), "reserve: reads work after that "
           "open");
    is_int(SOS_ENOSPC, sos_put_begin(&p, s, &opts, &err), "reserve: puts "
           "are refused");
    long_key(key, 2);
    is_int(SOS_OK, sos_object_delete(s, BUCKET, BUCKET_LEN, key, 999, &err),
           "reserve: deletes work (%s)", err.msg);
    is_int(acked - 3 + 1, files(replicas), "reserve: one file per object, "
           "no orphan");
    sos_store_close(s);
    unlink(filler);
}


int
main(void)
{
    const char  *base;

    plan(0);
    base = tmpdir();
    atexit(unmount_all);

    sync_failure(base);
    stale_commit(base);
    concurrent(base);
    full_disk(base);
    reserve_full(base);

    done_testing();
}
