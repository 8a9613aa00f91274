/*
 * Replica files under injected faults: this program defines fdatasync,
 * fsync, mkdir and rename itself, so the library's calls (and LevelDB's)
 * come here first.  A test arms a fault for the paths that hold a chosen
 * string, or logs the calls to check their order; every call then goes
 * on to the C library's.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static sos_store_t  *st;
static sos_error_t   err;

/* fdatasync fails with EIO on files whose path holds this, when set */
static const char   *fail_fdatasync;
static unsigned      fdatasync_failed;
/* fsync of a directory whose path ends with this fails with EIO */
static const char   *fail_fsync_dir;

/* "mkdir P", "fsync P" (directories only) and "rename P" (the target),
 * in the order they returned 0, and "commit index" at each sync of the
 * index's log (the commit), while logging */
#define LOG_MAX  4096
static int              logging;
static char            *events[LOG_MAX];
static unsigned         n_events;
static pthread_mutex_t  log_lock = PTHREAD_MUTEX_INITIALIZER;


static void log_event(const char *what, const char *path);


int
fdatasync(int fd)
{
    char          path[4096];
    static int  (*real)(int);

    if (fail_fdatasync != NULL) {
        if (util_fd_path(fd, path, sizeof(path)) < 0) {
            path[0] = '\0';
        }
        if (strstr(path, fail_fdatasync) != NULL) {
            fdatasync_failed++;
            errno = EIO;
            return -1;
        }
    }

    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "fdatasync");
    }
    if (logging) {
        if (util_fd_path(fd, path, sizeof(path)) < 0) {
            path[0] = '\0';
        }
        if (strstr(path, "/index/") != NULL
            && strcmp(path + strlen(path) - 4, ".log") == 0)
        {
            log_event("commit", "index");
        }
    }
    return real(fd);
}


static void
log_event(const char *what, const char *path)
{
    char  *e;

    pthread_mutex_lock(&log_lock);
    if (logging && n_events < LOG_MAX
        && (e = malloc(strlen(what) + strlen(path) + 2)) != NULL)
    {
        sprintf(e, "%s %s", what, path);
        events[n_events++] = e;
    }
    pthread_mutex_unlock(&log_lock);
}


static void
log_clear(void)
{
    pthread_mutex_lock(&log_lock);
    while (n_events > 0) {
        free(events[--n_events]);
    }
    pthread_mutex_unlock(&log_lock);
}


/* The first event at or after from that is what path, or -1. */
static int
log_find(unsigned from, const char *what, const char *path)
{
    char      e[4200];
    unsigned  i;

    snprintf(e, sizeof(e), "%s %s", what, path);
    for (i = from; i < n_events; i++) {
        if (strcmp(events[i], e) == 0) {
            return (int) i;
        }
    }
    return -1;
}


int
fsync(int fd)
{
    int           rc;
    char          path[4096];
    size_t        n, m;
    struct stat   sb;
    static int  (*real)(int);

    if (fstat(fd, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
        path[0] = '\0';
    } else {
        if (util_fd_path(fd, path, sizeof(path)) < 0) {
            path[0] = '\0';
        }
    }

    if (path[0] != '\0' && fail_fsync_dir != NULL) {
        n = strlen(path);
        m = strlen(fail_fsync_dir);
        if (n >= m && strcmp(path + n - m, fail_fsync_dir) == 0) {
            errno = EIO;
            return -1;
        }
    }

    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "fsync");
    }
    rc = real(fd);
    if (rc == 0 && path[0] != '\0') {
        log_event("fsync", path);
    }
    return rc;
}


int
mkdir(const char *path, mode_t mode)
{
    int           rc;
    static int  (*real)(const char *, mode_t);

    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "mkdir");
    }
    rc = real(path, mode);
    if (rc == 0) {
        log_event("mkdir", path);
    }
    return rc;
}


int
rename(const char *from, const char *to)
{
    int           rc;
    static int  (*real)(const char *, const char *);

    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "rename");
    }
    rc = real(from, to);
    if (rc == 0) {
        log_event("rename", to);
    }
    return rc;
}


static sos_rc_e
put_obj(const char *key, const char *data)
{
    sos_rc_e         rc;
    sos_put_t       *put;
    sos_put_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = key;
    opts.key_len = strlen(key);

    rc = sos_put_begin(&put, st, &opts, &err);
    if (rc != SOS_OK) {
        return rc;
    }
    rc = sos_put_write(put, data, strlen(data), &err);
    if (rc != SOS_OK) {
        sos_put_abort(put);
        return rc;
    }
    return sos_put_commit(put, NULL, &err);
}


/* A failed fdatasync on a replica closes that replica's tmp file. */
static void
test_fdatasync_fd(void)
{
    int       i;
    unsigned  before, bad = 0;

    before = (unsigned) util_fds();
    /* its file: in tmp/ or, the rename running beside, in objects/ */
    fail_fdatasync = "/r1/";
    fdatasync_failed = 0;

    for (i = 0; i < 20; i++) {
        if (put_obj("fd-leak", "some bytes") != SOS_OK) {
            bad++;
        }
    }

    fail_fdatasync = NULL;

    is_int(20, fdatasync_failed, "fdatasync failed on replica 1 each time");
    is_int(0, bad, "the writes succeed on the other two replicas");
    is_int(before, (unsigned) util_fds(), "no fd left open by the failed "
           "replica");
}


/* The parent directory of path into buf. */
static const char *
parent(const char *path, char *buf, size_t size)
{
    char  *slash;

    snprintf(buf, size, "%s", path);
    slash = strrchr(buf, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    return buf;
}


/* Open makes the store's directories durable: each one's parent is
 * fsynced after the directory was made. */
static void
test_open_dirs(const char *top)
{
    int           at, synced, bad = 0;
    char          dir[512], path[600], up[600];
    unsigned      i, j;
    sos_store_t  *s;
    const char   *subs[] = { "", "/index", "/r0", "/r0/objects", "/r0/tmp",
                             "/r1", "/r1/objects", "/r1/tmp", "/r2",
                             "/r2/objects", "/r2/tmp" };

    snprintf(dir, sizeof(dir), "%s/fresh", top);

    logging = 1;
    s = util_store_open(dir, 1, 0);
    logging = 0;

    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
        at = log_find(0, "mkdir", path);
        parent(path, up, sizeof(up));
        synced = at >= 0 && log_find((unsigned) at, "fsync", up) >= 0;
        if (!synced) {
            diag("%s: made at event %d, parent not fsynced after", path, at);
            for (j = 0; j < n_events; j++) {
                diag("  %s", events[j]);
            }
            bad++;
        }
    }
    is_int(0, bad, "open fsyncs the parent of every directory it makes");

    log_clear();
    sos_store_close(s);
}


/* Make every objects/xx of every replica, as a writer that has not yet
 * fsynced objects/ would have. */
static void
make_xx_dirs(const char *dir)
{
    char      path[600];
    unsigned  r, xx;

    for (r = 0; r < 3; r++) {
        for (xx = 0; xx < 256; xx++) {
            snprintf(path, sizeof(path), "%s/r%u/objects/%02x", dir, r, xx);
            if (mkdir(path, 0700) == -1 && errno != EEXIST) {
                bail("mkdir(%s): %s", path, strerror(errno));
            }
        }
    }
}


/*
 * A write into objects/xx that another writer made does not rely on that
 * writer's fsync of objects/: it fsyncs objects/ itself, and objects/xx
 * and objects/xx/yy, after its rename and before its commit (the sync of
 * the index's log); a failed fsync fails the write on that replica.  In a
 * store of its own, where no directory is known durable yet.
 */
static void
test_existing_dirs(const char *top)
{
    int           commit, bad = 0, renames = 0;
    char          dir[512], objects[600], xx[600], yy[600];
    unsigned      i;
    sos_store_t  *first = st;

    snprintf(dir, sizeof(dir), "%s/existing", top);
    st = util_store_open(dir, 1, 0);
    util_org_bucket(st, "org", BUCKET, NULL);
    make_xx_dirs(dir);

    fail_fsync_dir = "/objects";
    ok(put_obj("dir-fail", "bytes") != SOS_OK,
       "a write fails when objects/ cannot be fsynced on any replica");
    fail_fsync_dir = NULL;

    logging = 1;
    is_int(SOS_OK, put_obj("dir-ok", "bytes"), "the next write succeeds");
    logging = 0;

    for (i = 0; i < n_events; i++) {
        if (strncmp(events[i], "rename ", 7) != 0
            || strstr(events[i], "/objects/") == NULL)
        {
            continue;
        }
        renames++;
        parent(events[i] + 7, yy, sizeof(yy));
        parent(yy, xx, sizeof(xx));
        parent(xx, objects, sizeof(objects));
        commit = log_find(i, "commit", "index");
        if (commit < 0
            || log_find(i, "fsync", objects) < 0
            || log_find(i, "fsync", objects) > commit
            || log_find(i, "fsync", xx) < 0
            || log_find(i, "fsync", xx) > commit
            || log_find(i, "fsync", yy) < 0
            || log_find(i, "fsync", yy) > commit)
        {
            diag("%s: objects/, objects/xx or objects/xx/yy not fsynced "
                 "between it and the commit", events[i]);
            bad++;
        }
    }
    is_int(3, renames, "one rename per replica");
    is_int(0, bad, "objects/, objects/xx and objects/xx/yy fsynced after "
           "each rename, before the commit");

    log_clear();
    sos_store_close(st);
    st = first;
}


int
main(void)
{
    char  dir[512];

    plan(8);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 1, 0);
    util_org_bucket(st, "org", BUCKET, NULL);

    test_fdatasync_fd();
    test_open_dirs(tmpdir());
    test_existing_dirs(tmpdir());

    sos_store_close(st);
    done_testing();
}
