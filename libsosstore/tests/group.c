/*
 * Durable writes that share their waits:
 * - group commit: concurrent commits share synced index writes (LevelDB's
 *   log sync made slow here, so that commits queue behind each sync),
 *   every one acknowledged is whole, also after the store is opened
 *   again;
 * - a failed group sync fails every commit of its group: none of the
 *   writers waiting for it is acknowledged, and after the reopen each of
 *   their keys is whole or absent, no orphan file;
 * - a refused precondition waits for the sync of what it read;
 * - a put syncs its replicas side by side: its three data files are in
 *   fdatasync at once (a data file's sync made slow here), also with more
 *   writers than the store's sync threads.
 *
 * This program's fdatasync() and fsync() take the place of libc's for
 * LevelDB and the store, and count, slow down or fail the calls on the
 * index's log and on the replicas' tmp/ files.
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3
#define SIZE        4096

#define N_WRITERS   16
#define N_PUTS      12


static sos_org_t    org;
static char         data_dir[PATH_MAX];

static atomic_int   log_sync_ms;        /* sleep in each log sync */
static atomic_int   log_syncs;          /* log syncs made */
static atomic_int   fail_log_sync;      /* the next log sync fails */
static atomic_int   data_sync_ms;       /* sleep in each replica sync */
static atomic_int   data_in_flight;
static atomic_int   data_peak;          /* most replica syncs at once */


/* a replica's file in tmp/ or its directory in objects/ */
static int
is_replica(int fd)
{
    char  path[PATH_MAX], *r;

    if (util_fd_path(fd, path, sizeof(path)) <= 0) {
        return 0;
    }

    r = strstr(path, "/data/r");
    return r != NULL && (strstr(r, "/tmp/") != NULL
                         || strstr(r, "/objects/") != NULL);
}


/* the log: count, slow down, fail once when armed */
static int
log_sync(int fd, long nr)
{
    int  ms;

    atomic_fetch_add(&log_syncs, 1);

    ms = atomic_load(&log_sync_ms);
    if (ms > 0) {
        util_sleep_ms(ms);
    }

    if (atomic_exchange(&fail_log_sync, 0)) {
        errno = EIO;
        return -1;
    }

    return (int) syscall(nr, fd);
}


/* a replica's file or directory: slow down, note how many are in a sync
 * at once */
static int
data_sync(int fd, long nr)
{
    int  n, peak, ms, rc;

    n = atomic_fetch_add(&data_in_flight, 1) + 1;
    peak = atomic_load(&data_peak);
    while (n > peak && !atomic_compare_exchange_weak(&data_peak, &peak, n)) {
        /* void */
    }

    ms = atomic_load(&data_sync_ms);
    if (ms > 0) {
        util_sleep_ms(ms);
    }

    rc = (int) syscall(nr, fd);
    atomic_fetch_sub(&data_in_flight, 1);
    return rc;
}


static int
sync_call(int fd, long nr)
{
    if (util_is_index_log(fd)) {
        return log_sync(fd, nr);
    }
    if (is_replica(fd)) {
        return data_sync(fd, nr);
    }
    return (int) syscall(nr, fd);
}


int
fdatasync(int fd)
{
    return sync_call(fd, SYS_fdatasync);
}


int
fsync(int fd)
{
    return sync_call(fd, SYS_fsync);
}


typedef struct {
    sos_store_t        *store;
    unsigned            n;
    unsigned            puts;
    pthread_barrier_t  *start;
    sos_rc_e            rc[N_PUTS];
    char                msg[256];
} writer_t;


static void
key_of(char *key, size_t size, unsigned n, unsigned i)
{
    snprintf(key, size, "w%02u-%02u", n, i);
}


static void *
writer_main(void *arg)
{
    writer_t       *w = arg;
    char            key[32];
    unsigned        i;
    sos_error_t     e;
    unsigned char  *data;

    data = malloc(SIZE);
    if (data == NULL) {
        bail("no memory");
    }

    pthread_barrier_wait(w->start);

    for (i = 0; i < w->puts; i++) {
        key_of(key, sizeof(key), w->n, i);
        util_fill(data, SIZE, w->n + 1, i, 8);
        w->rc[i] = util_put_rc(w->store, BUCKET, key, data, SIZE, NULL, &e);
        if (w->rc[i] != SOS_OK && w->msg[0] == '\0') {
            snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
        }
    }

    free(data);
    return NULL;
}


/* one put begun and written, then committed once all are there */
static void *
staged_main(void *arg)
{
    writer_t        *w = arg;
    char             key[32];
    sos_rc_e         rc;
    sos_put_t       *put;
    sos_error_t      e;
    sos_put_opts_t   o;
    unsigned char    data[SIZE];

    key_of(key, sizeof(key), w->n, 0);
    util_fill(data, SIZE, w->n + 1, 0, 8);
    o = util_opts(BUCKET, key);

    rc = sos_put_begin(&put, w->store, &o, &e);
    if (rc == SOS_OK) {
        rc = sos_put_write(put, data, SIZE, &e);
        if (rc != SOS_OK) {
            sos_put_abort(put);
        }
    }

    pthread_barrier_wait(w->start);

    if (rc == SOS_OK) {
        rc = sos_put_commit(put, NULL, &e);
    }

    w->rc[0] = rc;
    if (rc != SOS_OK) {
        snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
    }
    return NULL;
}


/* n writers, puts each, at once (staged: one put each, staged_main) */
static void
writers_run(sos_store_t *s, writer_t *w, unsigned n, unsigned puts,
    int staged)
{
    unsigned           i;
    pthread_t          t[64];
    pthread_barrier_t  start;

    pthread_barrier_init(&start, NULL, n);

    for (i = 0; i < n; i++) {
        memset(&w[i], 0, sizeof(writer_t));
        w[i].store = s;
        w[i].n = i;
        w[i].puts = puts;
        w[i].start = &start;
        if (pthread_create(&t[i], NULL, staged ? staged_main : writer_main,
                           &w[i]) != 0)
        {
            bail("pthread_create");
        }
    }

    for (i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
    }

    pthread_barrier_destroy(&start);
}


/* SOS_OK when bucket/key holds what writer n's put i wrote */
static sos_rc_e
check(sos_store_t *s, unsigned n, unsigned i)
{
    char            key[32];
    size_t          len;
    sos_rc_e        rc;
    sos_reader_t   *rd;
    sos_error_t     e;
    unsigned char   want[SIZE], got[SIZE + 1];

    key_of(key, sizeof(key), n, i);
    rc = sos_object_open(s, BUCKET, BUCKET_LEN, key, strlen(key), &rd, NULL,
                         &e);
    if (rc != SOS_OK) {
        return rc;
    }

    util_fill(want, SIZE, n + 1, i, 8);
    len = 0;
    rc = sos_reader_read(rd, 0, got, sizeof(got), &len, &e);
    sos_reader_close(rd);

    if (rc != SOS_OK) {
        return rc;
    }
    return len == SIZE && memcmp(got, want, SIZE) == 0 ? SOS_OK : SOS_EIO;
}


static void
grouped(sos_store_t **sp)
{
    unsigned            i, j, bad, acked;
    sos_store_t        *s = *sp;
    static writer_t     w[N_WRITERS];

    atomic_store(&log_syncs, 0);
    atomic_store(&log_sync_ms, 5);

    writers_run(s, w, N_WRITERS, N_PUTS, 0);

    atomic_store(&log_sync_ms, 0);

    acked = 0;
    for (i = 0; i < N_WRITERS; i++) {
        for (j = 0; j < N_PUTS; j++) {
            acked += w[i].rc[j] == SOS_OK;
        }
    }
    is_int(N_WRITERS * N_PUTS, acked, "grouped: every put acknowledged "
           "(%s)", w[0].msg);

    ok((unsigned) atomic_load(&log_syncs) * 4 <= acked * 3,
       "grouped: commits share log syncs (%d for %u)",
       atomic_load(&log_syncs), acked);

    sos_store_close(s);
    s = util_store_open(data_dir, 1, 0);
    *sp = s;

    bad = 0;
    for (i = 0; i < N_WRITERS; i++) {
        for (j = 0; j < N_PUTS; j++) {
            bad += check(s, i, j) != SOS_OK;
        }
    }
    is_int(0, bad, "grouped: opened again, every object is whole");
}


/*
 * Eight puts, each begun and written, commit at once; the first log sync
 * fails after a wait, while the others queue up behind it: no writer is
 * acknowledged; the reopen settles each key, whole or absent.
 */
static void
failed_group(sos_store_t *s)
{
    unsigned            i, acked, whole, absent, other;
    sos_rc_e            rc;
    sos_store_health_t  h;
    static writer_t     w[8];

    atomic_store(&log_sync_ms, 50);
    atomic_store(&fail_log_sync, 1);

    writers_run(s, w, 8, 1, 1);

    atomic_store(&log_sync_ms, 0);
    atomic_store(&fail_log_sync, 0);

    acked = 0;
    for (i = 0; i < 8; i++) {
        acked += w[i].rc[0] == SOS_OK;
    }
    is_int(0, acked, "failed group: no writer is acknowledged");
    for (i = 0; i < 8 && w[i].rc[0] == SOS_EFENCED; i++) {
        /* void */
    }
    is_int(8, i, "failed group: each is told SOS_EFENCED (%s)", w[0].msg);

    h = util_health(s);
    ok(h.fenced && h.fences == 1, "failed group: fenced once");

    /* the next write, a second later, reopens */

    util_sleep_ms(1100);
    {
        unsigned char  data[SIZE];
        sos_error_t    e;

        util_fill(data, SIZE, 99, 0, 8);
        rc = util_put_rc(s, BUCKET, "after", data, SIZE, NULL, &e);
        is_int(SOS_OK, rc, "failed group: a put after it reopens (%s)",
               e.msg);
    }

    whole = absent = other = 0;
    for (i = 0; i < 8; i++) {
        rc = check(s, i, 0);
        whole += rc == SOS_OK;
        absent += rc == SOS_ENOTFOUND;
        other += rc != SOS_OK && rc != SOS_ENOTFOUND;
    }
    diag("after the reopen: %u whole, %u absent", whole, absent);
    is_int(0, other, "failed group: each key whole or absent");
}


/* a refused precondition waits for the sync of the write it saw */
static void
refusal_waits(sos_store_t *s)
{
    int              before;
    sos_rc_e         rc;
    sos_put_t       *put;
    sos_error_t      e;
    sos_put_opts_t   o;
    unsigned char    data[SIZE];

    util_fill(data, SIZE, 7, 7, 8);
    util_put(s, BUCKET, "exists", data, SIZE, NULL);

    /* as if a sync were still due: the index knows only the numbers */
    pthread_mutex_lock(&s->sync_lock);
    s->synced = 0;
    pthread_mutex_unlock(&s->sync_lock);

    before = atomic_load(&log_syncs);

    o = util_opts(BUCKET, "exists");
    o.if_none_match = 1;
    rc = sos_put_begin(&put, s, &o, &e);
    if (rc == SOS_OK) {
        rc = sos_put_write(put, data, SIZE, &e);
    }
    if (rc == SOS_OK) {
        rc = sos_put_commit(put, NULL, &e);
    } else {
        sos_put_abort(put);
    }

    is_int(SOS_EPRECONDITION, rc, "refusal: If-None-Match refused");
    is_int(before + 1, atomic_load(&log_syncs), "refusal: it synced what "
           "it read first");
}


/*
 * An ACL change: one synced write, and refused as changed (the key holds
 * another version since it was read), it waits for the sync of what it
 * saw.
 */
static void
acl_waits(sos_store_t *s)
{
    int                 before;
    sos_rc_e            rc;
    sos_error_t         e;
    unsigned char       data[SIZE];
    sos_object_info_t   info;

    util_fill(data, SIZE, 9, 9, 8);
    util_put(s, BUCKET, "acl", data, SIZE, NULL);
    if (sos_object_stat(s, BUCKET, BUCKET_LEN, "acl", 3, &info, &e)
        != SOS_OK)
    {
        bail("stat acl: %s", e.msg);
    }

    before = atomic_load(&log_syncs);
    rc = sos_object_set_acl(s, BUCKET, BUCKET_LEN, "acl", 3, &info, "a", 1,
                            &e);
    is_int(SOS_OK, rc, "acl: set (%s)", e.msg);
    is_int(before + 1, atomic_load(&log_syncs), "acl: one synced write");

    /* another version since info was read */
    util_put(s, BUCKET, "acl", data, SIZE, NULL);

    pthread_mutex_lock(&s->sync_lock);
    s->synced = 0;
    pthread_mutex_unlock(&s->sync_lock);

    before = atomic_load(&log_syncs);
    rc = sos_object_set_acl(s, BUCKET, BUCKET_LEN, "acl", 3, &info, "b", 1,
                            &e);
    is_int(SOS_ECHANGED, rc, "acl refusal: changed since read");
    is_int(before + 1, atomic_load(&log_syncs), "acl refusal: it synced "
           "what it read first");

    sos_object_info_release(&info);
}


/* a bucket found not empty waits for the sync of the object it saw */
static void
bucket_refusal_waits(sos_store_t *s)
{
    int          before;
    sos_rc_e     rc;
    sos_error_t  e;

    /* as if a sync were still due: the index knows only the numbers */
    pthread_mutex_lock(&s->sync_lock);
    s->synced = 0;
    pthread_mutex_unlock(&s->sync_lock);

    before = atomic_load(&log_syncs);

    rc = sos_bucket_delete(s, BUCKET, BUCKET_LEN, &e);

    is_int(SOS_ENOTEMPTY, rc, "bucket refusal: not empty");
    is_int(before + 1, atomic_load(&log_syncs), "bucket refusal: it synced "
           "what it read first");
}


/*
 * One put's syncs run at once: its 3 data files' and, beside them, on
 * each replica, its directory's (or that of the directory's parent, for
 * a directory it made).
 */
static void
side_by_side(sos_store_t *s)
{
    unsigned         i, acked;
    unsigned char    data[SIZE];
    static writer_t  w[40];

    atomic_store(&data_sync_ms, 30);
    atomic_store(&data_peak, 0);

    util_fill(data, SIZE, 3, 3, 8);
    util_put(s, BUCKET, "one", data, SIZE, NULL);

    is_int(6, atomic_load(&data_peak), "side by side: one put syncs its "
           "3 files and their 3 directories at once");

    /* more writers than sync threads: those busy, callers run their own */

    atomic_store(&data_sync_ms, 5);
    writers_run(s, w, 40, 2, 0);
    atomic_store(&data_sync_ms, 0);

    acked = 0;
    for (i = 0; i < 40; i++) {
        acked += (w[i].rc[0] == SOS_OK) + (w[i].rc[1] == SOS_OK);
    }
    is_int(80, acked, "side by side: 40 writers at once, every put "
           "acknowledged (%s)", w[0].msg);
    ok(atomic_load(&data_peak) > 6, "side by side: and more than one "
       "put's syncs at once (%d)", atomic_load(&data_peak));
}


/*
 * After a failed sync and the reopen, a refusal rests on the reopened
 * index, durable: a delete of a missing key, the call that reopens, is
 * answered "no such key", not refused for the writes the fence failed.
 */
static void
refusal_after_reopen(sos_store_t *s)
{
    sos_rc_e            rc;
    sos_error_t         e;
    unsigned char       data[SIZE];
    sos_store_health_t  h;

    util_fill(data, SIZE, 5, 5, 8);
    atomic_store(&fail_log_sync, 1);
    rc = util_put_rc(s, BUCKET, "fenced", data, SIZE, NULL, &e);
    atomic_store(&fail_log_sync, 0);
    is_int(SOS_EFENCED, rc, "reopen: the put whose sync fails is refused");

    util_sleep_ms(1100);

    rc = sos_object_delete(s, BUCKET, BUCKET_LEN, "no-such-key", 11, &e);
    h = util_health(s);
    ok(!h.fenced && h.reopens > 0, "reopen: the delete reopened the index");
    is_int(SOS_ENOTFOUND, rc, "reopen: the delete of a missing key is "
           "answered (%s)", rc == SOS_ENOTFOUND ? "" : e.msg);

    rc = sos_object_delete(s, BUCKET, BUCKET_LEN, "no-such-key", 11, &e);
    is_int(SOS_ENOTFOUND, rc, "reopen: and the next one");
}


/*
 * DeleteObjects of keys that are all missing: "no such key" rests on
 * what was read, so a failed sync of it is no such answer.
 */
static void
missing_keys_wait(sos_store_t *s)
{
    sos_rc_e       rc, results[2];
    sos_str_t      keys[2];
    sos_error_t    e;
    unsigned char  data[SIZE];

    keys[0].data = "missing-1";
    keys[0].len = 9;
    keys[1].data = "missing-2";
    keys[1].len = 9;

    util_fill(data, SIZE, 6, 6, 8);
    util_put(s, BUCKET, "present", data, SIZE, NULL);

    /* as if a sync were still due: the index knows only the numbers */
    pthread_mutex_lock(&s->sync_lock);
    s->synced = 0;
    pthread_mutex_unlock(&s->sync_lock);

    atomic_store(&fail_log_sync, 1);
    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, 2, results, &e);
    atomic_store(&fail_log_sync, 0);

    is_int(SOS_EFENCED, rc, "missing keys: a failed sync of what the "
           "delete read fails it");
    ok(results[0] == SOS_EFENCED && results[1] == SOS_EFENCED,
       "missing keys: no key is answered missing (%d, %d)", results[0],
       results[1]);
}


int
main(void)
{
    sos_store_t  *s;

    plan(0);
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());

    s = util_store_open(data_dir, 1, 0);
    if (sos_org_create(s, "org", 3, NULL, 0, &org, NULL) != SOS_OK) {
        bail("org");
    }
    util_bucket_make(s, org.id, BUCKET);

    grouped(&s);
    side_by_side(s);
    refusal_waits(s);
    acl_waits(s);
    bucket_refusal_waits(s);
    failed_group(s);
    refusal_after_reopen(s);
    missing_keys_wait(s);

    sos_store_close(s);

    done_testing();
}
