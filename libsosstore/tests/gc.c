/*
 * The garbage queue: with conf.garbage_queue set, deletes (of many keys
 * or one), overwrites and replaced parts answer once committed and leave
 * their files, still recorded as garbage (G), to sos_garbage_work; the
 * objects are gone at once; sos_garbage_work removes the files and their
 * G and X records in batches, leaving a file a reader holds until it
 * closes; a full queue, a full data volume or no queue unlinks inline;
 * a scrub that read a record before its delete neither reports nor
 * rewrites its files; close works through the queue, and after a crash
 * the next open collects what it held.
 */

#include <sys/wait.h>

#include "tap.h"
#include "util.h"

#define BUCKET   "gc"
#define N_OBJ    10


static char  data_dir[512];
static char  ids[N_OBJ][SOS_FILE_ID_LEN + 1];
static char  keys[N_OBJ][8];


static sos_store_t *
gc_open(size_t queue)
{
    sos_store_t       *s;
    sos_error_t        e;
    sos_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = data_dir;
    conf.no_fsync = 1;
    conf.garbage_queue = queue;
    if (sos_store_open(&s, &conf, &e) != SOS_OK) {
        bail("sos_store_open(%s): %s", data_dir, e.msg);
    }
    return s;
}


/* Replica files of id that exist (0..3). */
static int
gc_files(sos_store_t *s, const char *id)
{
    int       n;
    char      path[4096];
    unsigned  i;

    n = 0;
    for (i = 0; i < 3; i++) {
        sos_replica_path(s, i, id, path, sizeof(path));
        n += access(path, F_OK) == 0;
    }
    return n;
}


/* Over objects first..first+n-1: replica files, G and X records. */
static void
gc_count(sos_store_t *s, unsigned first, unsigned n, int *files, int *g,
    int *x)
{
    unsigned  i;

    *files = *g = *x = 0;
    for (i = first; i < first + n; i++) {
        *files += gc_files(s, ids[i]);
        *g += sos_scrub_has(s, SOS_K_GARBAGE, ids[i]) == 1;
        *x += sos_scrub_has(s, SOS_K_CHECKSUMS, ids[i]) == 1;
    }
}


static void
gc_put_all(sos_store_t *s)
{
    unsigned  i;

    for (i = 0; i < N_OBJ; i++) {
        util_put(s, BUCKET, keys[i], keys[i], strlen(keys[i]), ids[i]);
    }
}


static void
gc_delete_all(sos_store_t *s)
{
    unsigned     i;
    sos_rc_e     results[N_OBJ];
    sos_str_t    k[N_OBJ];
    sos_error_t  e;

    for (i = 0; i < N_OBJ; i++) {
        k[i].data = keys[i];
        k[i].len = strlen(keys[i]);
    }
    if (sos_objects_delete(s, BUCKET, strlen(BUCKET), k, N_OBJ, results, &e)
        != SOS_OK)
    {
        bail("sos_objects_delete: %s", e.msg);
    }
}


static void
test_deferred(void)
{
    int                 files, g, x;
    size_t              done, left;
    sos_store_t        *s;
    sos_error_t         e;
    sos_object_info_t   info;

    s = gc_open(64);
    gc_put_all(s);

    gc_delete_all(s);

    ok(sos_object_stat(s, BUCKET, strlen(BUCKET), keys[0], strlen(keys[0]),
                       &info, &e) == SOS_ENOTFOUND,
       "a deleted object is gone once the delete returns");

    gc_count(s, 0, N_OBJ, &files, &g, &x);
    is_int(3 * N_OBJ, files, "its files are still there, for the queue");
    is_int(N_OBJ, g, "with their G records");
    is_int(N_OBJ, x, "and their X records");

    left = sos_garbage_work(s, 0, &done);
    is_int(N_OBJ, (long long) left, "max_files 0 counts the queue");
    is_int(0, (long long) done, "and removes nothing");

    left = sos_garbage_work(s, 4, &done);
    is_int(N_OBJ - 4, (long long) left, "a batch of 4 leaves the rest");
    is_int(4, (long long) done, "and removes 4 files");
    gc_count(s, 0, 4, &files, &g, &x);
    ok(files == 0 && g == 0 && x == 0,
       "the oldest 4: files, G and X records gone (%d %d %d)", files, g, x);

    left = sos_garbage_work(s, 100, &done);
    is_int(0, (long long) left, "the next batch empties the queue");
    gc_count(s, 0, N_OBJ, &files, &g, &x);
    ok(files == 0 && g == 0 && x == 0,
       "every file, G and X record gone (%d %d %d)", files, g, x);

    /* one DELETE and an overwrite queue theirs too */

    gc_put_all(s);
    if (sos_object_delete(s, BUCKET, strlen(BUCKET), keys[0],
                          strlen(keys[0]), &e) != SOS_OK)
    {
        bail("sos_object_delete: %s", e.msg);
    }
    util_put(s, BUCKET, keys[1], "new", 3, NULL);

    gc_count(s, 0, 2, &files, &g, &x);
    ok(files == 6 && g == 2, "a delete and an overwrite leave their files "
       "queued (%d files, %d G)", files, g);
    is_int(2, (long long) sos_garbage_work(s, 0, NULL), "both queued");
    sos_garbage_work(s, 10, NULL);
    gc_count(s, 0, 2, &files, &g, &x);
    ok(files == 0 && g == 0, "and removed by the work");

    gc_delete_all(s);
    sos_store_close(s);
}


static void
test_pinned(void)
{
    int            files, g, x;
    size_t         done, left;
    sos_store_t   *s;
    sos_reader_t  *rd;

    s = gc_open(64);
    gc_put_all(s);

    rd = util_reader(s, BUCKET, keys[0]);
    gc_delete_all(s);

    left = sos_garbage_work(s, 100, &done);
    is_int(0, (long long) left, "a pinned file leaves the queue");
    is_int(N_OBJ - 1, (long long) done, "all but the pinned file removed");

    gc_count(s, 0, 1, &files, &g, &x);
    ok(files == 3 && g == 1 && x == 1,
       "the file a reader holds stays, with its G and X records");

    sos_reader_close(rd);

    /* its last unpin queues it for the next collection */
    util_put(s, BUCKET, keys[1], "a", 1, ids[1]);
    util_put(s, BUCKET, keys[1], "b", 1, NULL);

    gc_count(s, 0, 1, &files, &g, &x);
    ok(files == 0 && g == 0, "the next collection removes it once the "
       "reader closed (%d files, %d G)", files, g);

    gc_delete_all(s);
    sos_store_close(s);
}


static void
test_inline(void)
{
    int           files, g, x;
    sos_store_t  *s;

    /* a queue of 4 takes the first 4 files, the rest go inline */

    s = gc_open(4);
    gc_put_all(s);
    gc_delete_all(s);

    gc_count(s, 0, N_OBJ, &files, &g, &x);
    is_int(4 * 3, files, "a full queue: the files that did not fit are "
           "unlinked inline");
    is_int(4, g, "and their G records dropped");
    is_int(4, (long long) sos_garbage_work(s, 0, NULL), "4 queued");
    sos_garbage_work(s, 100, NULL);

    /* a data write that met a full volume: the room is wanted now */

    gc_put_all(s);
    sos_garbage_full(s);
    gc_delete_all(s);

    gc_count(s, 0, N_OBJ, &files, &g, &x);
    ok(files == 0 && g == 0, "after ENOSPC deletes unlink inline "
       "(%d files, %d G)", files, g);
    is_int(0, (long long) sos_garbage_work(s, 0, NULL), "nothing queued");

    sos_store_close(s);

    /* no queue: inline, as always */

    s = gc_open(0);
    gc_put_all(s);
    gc_delete_all(s);

    gc_count(s, 0, N_OBJ, &files, &g, &x);
    ok(files == 0 && g == 0, "without a queue deletes unlink inline");
    is_int(0, (long long) sos_garbage_work(s, 100, NULL),
           "and sos_garbage_work finds nothing");

    sos_store_close(s);
}


/*
 * A scrub that read a record before its delete meets its files while
 * the queue unlinks them: no finding, no copy written back.
 */
static void
test_scrub_race(void)
{
    char                 path[4096];
    uint32_t             n, mask;
    sos_buf_t            ikey;
    sos_error_t          e;
    sos_store_t         *s;
    sos_extent_t        *x;
    sos_scrub_report_t   report;

    s = gc_open(64);
    util_put(s, BUCKET, keys[0], "scrubbed", 8, ids[0]);
    x = util_extents(s, BUCKET, keys[0], &n);
    if (sos_object_ikey(&ikey, BUCKET, strlen(BUCKET), keys[0],
                        strlen(keys[0]), "t", &e) != SOS_OK)
    {
        bail("ikey: %s", e.msg);
    }

    if (sos_object_delete(s, BUCKET, strlen(BUCKET), keys[0],
                          strlen(keys[0]), &e) != SOS_OK)
    {
        bail("sos_object_delete: %s", e.msg);
    }

    /* the queue's unlink half done: replica 0 gone */
    sos_replica_path(s, 0, ids[0], path, sizeof(path));
    unlink(path);

    memset(&report, 0, sizeof(report));
    sos_repair_extent(s, (const char *) ikey.data, ikey.len, &x[0], &report,
                      &mask);
    is_int(0, (long long) report.n_findings,
           "a deleted extent half unlinked: no finding");
    ok(access(path, F_OK) == -1, "and no copy written back");

    sos_garbage_work(s, 10, NULL);

    memset(&report, 0, sizeof(report));
    sos_repair_extent(s, (const char *) ikey.data, ikey.len, &x[0], &report,
                      &mask);
    is_int(0, (long long) report.n_findings,
           "all unlinked: no finding (not unrepairable)");

    sos_buf_free(&ikey);
    free(x);
    sos_store_close(s);
}


static void
test_close_crash(void)
{
    int                files, g, x, status;
    pid_t              pid;
    sos_store_t       *s;
    sos_store_info_t   info;

    s = gc_open(64);
    gc_put_all(s);
    gc_delete_all(s);
    sos_store_close(s);

    s = gc_open(64);
    sos_store_info(s, &info);
    gc_count(s, 0, N_OBJ, &files, &g, &x);
    ok(files == 0 && g == 0 && x == 0,
       "close works through the queue (%d files, %d G, %d X)", files, g, x);
    is_int(0, (long long) info.garbage_removed, "leaving the open nothing");

    gc_put_all(s);
    sos_store_close(s);

    /* a process that dies with a full queue: its G records remain */

    pid = fork();
    if (pid == -1) {
        bail("fork: %s", strerror(errno));
    }
    if (pid == 0) {
        s = gc_open(64);
        gc_delete_all(s);
        _exit(sos_garbage_work(s, 0, NULL) == N_OBJ ? 0 : 1);
    }
    if (waitpid(pid, &status, 0) != pid) {
        bail("waitpid: %s", strerror(errno));
    }
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "a process deletes, queues and dies without closing");

    s = gc_open(64);
    sos_store_info(s, &info);
    is_int(N_OBJ, (long long) info.garbage_removed,
           "the next open collects every file it left");
    gc_count(s, 0, N_OBJ, &files, &g, &x);
    ok(files == 0 && g == 0 && x == 0,
       "no file, G or X record left (%d %d %d)", files, g, x);
    sos_store_close(s);
}


int
main(void)
{
    unsigned      i;
    sos_store_t  *s;

    plan(33);

    snprintf(data_dir, sizeof(data_dir), "%s/gc", tmpdir());
    for (i = 0; i < N_OBJ; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%u", i);
    }

    s = gc_open(0);
    util_org_bucket(s, "org", BUCKET, NULL);
    sos_store_close(s);

    test_deferred();
    test_pinned();
    test_inline();
    test_scrub_race();
    test_close_crash();

    done_testing();
}
