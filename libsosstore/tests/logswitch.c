/*
 * Group commit across a switch of LevelDB's log.  A commit's batch is
 * applied without sync and made durable by its group's synced write
 * (sos_idx_apply, sos_idx_sync); LevelDB syncs only its current log,
 * and when a write finds the memtable full it switches to a new log and
 * closes the old one without a sync.  Here a batch is applied, the
 * memtable filled and the log switched by lazy writes, then the batch's
 * sync returns SOS_OK: the index as a power loss would leave it then
 * (each log cut at its last sync, the old memtable's table not written
 * yet) must hold the batch.
 *
 * This program's fdatasync() and fsync() take the place of libc's for
 * LevelDB and the store: they note the size of each log at its last sync
 * and hold back the sync of new tables while asked to.
 */

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define MAX_LOGS   32
#define JUNK_SIZE  (5 * 1024 * 1024)    /* over LevelDB's write buffer */


typedef struct {
    char   name[NAME_MAX + 1];
    off_t  synced;                      /* size at its last sync */
} logfile_t;


static pthread_mutex_t  shim_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   shim_cond = PTHREAD_COND_INITIALIZER;
static int              hold_tables;
static logfile_t        logs[MAX_LOGS];
static unsigned         n_logs;


static void
log_synced(const char *path, off_t size)
{
    unsigned     i;
    const char  *name;

    name = strrchr(path, '/') + 1;

    pthread_mutex_lock(&shim_lock);
    for (i = 0; i < n_logs && strcmp(logs[i].name, name) != 0; i++) {
        /* void */
    }
    if (i == n_logs && n_logs < MAX_LOGS) {
        snprintf(logs[i].name, sizeof(logs[i].name), "%s", name);
        n_logs++;
    }
    if (i < n_logs) {
        logs[i].synced = size;
    }
    pthread_mutex_unlock(&shim_lock);
}


/* -1 when the log was never synced */
static off_t
log_synced_size(const char *name)
{
    off_t     size = -1;
    unsigned  i;

    pthread_mutex_lock(&shim_lock);
    for (i = 0; i < n_logs; i++) {
        if (strcmp(logs[i].name, name) == 0) {
            size = logs[i].synced;
        }
    }
    pthread_mutex_unlock(&shim_lock);

    return size;
}


static int
ends_with(const char *s, const char *tail)
{
    size_t  n = strlen(s), m = strlen(tail);

    return n >= m && strcmp(s + n - m, tail) == 0;
}


static int
sync_call(int fd, long nr)
{
    int          rc;
    char         path[PATH_MAX];
    struct stat  sb;

    if (util_fd_path(fd, path, sizeof(path)) <= 0
        || strstr(path, "/index/") == NULL)
    {
        return (int) syscall(nr, fd);
    }

    if (ends_with(path, ".ldb")) {
        pthread_mutex_lock(&shim_lock);
        while (hold_tables) {
            pthread_cond_wait(&shim_cond, &shim_lock);
        }
        pthread_mutex_unlock(&shim_lock);
    }

    rc = (int) syscall(nr, fd);

    if (rc == 0 && ends_with(path, ".log") && fstat(fd, &sb) == 0) {
        log_synced(path, sb.st_size);
    }

    return rc;
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


static unsigned
count_logs(const char *dir)
{
    DIR            *d;
    unsigned        n = 0;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        bail("opendir(%s)", dir);
    }
    while ((de = readdir(d)) != NULL) {
        n += ends_with(de->d_name, ".log");
    }
    closedir(d);

    return n;
}


/* copy file from to to, its first size bytes (all of it: -1) */
static void
copy_file(const char *from, const char *to, off_t size)
{
    int      in, out;
    char     buf[65536];
    ssize_t  n;
    off_t    left;

    in = open(from, O_RDONLY);
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in == -1 || out == -1) {
        bail("copy %s", from);
    }

    left = size;
    while (left != 0) {
        n = read(in, buf, left > 0 && left < (off_t) sizeof(buf)
                          ? (size_t) left : sizeof(buf));
        if (n <= 0) {
            break;
        }
        if (write(out, buf, (size_t) n) != n) {
            bail("write %s", to);
        }
        if (left > 0) {
            left -= n;
        }
    }

    close(in);
    close(out);
}


/* the index as a power loss leaves it: each log cut at its last sync */
static void
power_loss_copy(const char *from, const char *to)
{
    DIR            *d;
    char            src[PATH_MAX], dst[PATH_MAX];
    off_t           size;
    struct dirent  *de;

    if (mkdir(to, 0755) == -1) {
        bail("mkdir(%s)", to);
    }

    d = opendir(from);
    if (d == NULL) {
        bail("opendir(%s)", from);
    }

    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "LOCK") == 0) {
            continue;
        }
        if (snprintf(src, sizeof(src), "%s/%s", from, de->d_name)
            >= (int) sizeof(src)
            || snprintf(dst, sizeof(dst), "%s/%s", to, de->d_name)
               >= (int) sizeof(dst))
        {
            bail("path too long");
        }
        size = -1;
        if (ends_with(de->d_name, ".log")) {
            size = log_synced_size(de->d_name);
            if (size == -1) {
                size = 0;
            }
        }
        copy_file(src, dst, size);
    }

    closedir(d);
}


static void
idx_put(sos_store_t *s, const char *key, const char *val, size_t len,
    int sync)
{
    sos_buf_t    k;
    sos_error_t  e;

    sos_buf_init(&k);
    sos_buf_add(&k, key, strlen(key));
    if (sos_idx_put(s, &k, val, len, sync, &e) != SOS_OK) {
        bail("sos_idx_put(%s): %s", key, e.msg);
    }
    sos_buf_free(&k);
}


int
main(void)
{
    char                   data_dir[PATH_MAX], index_dir[2 * PATH_MAX];
    char                   copy_dir[2 * PATH_MAX], *junk, *val, *errptr;
    size_t                 len;
    uint64_t               seq;
    sos_rc_e               rc;
    sos_error_t            e;
    sos_store_t           *s;
    leveldb_t             *db;
    leveldb_options_t     *opts;
    leveldb_readoptions_t *ropts;
    leveldb_writebatch_t  *batch;

    plan(0);
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());
    snprintf(index_dir, sizeof(index_dir), "%s/index", data_dir);
    snprintf(copy_dir, sizeof(copy_dir), "%s/copy", tmpdir());

    s = util_store_open(data_dir, 1, 0);
    idx_put(s, "zbefore", "1", 1, 1);

    /* a commit's batch, applied: its sync comes later */
    batch = leveldb_writebatch_create();
    leveldb_writebatch_put(batch, "zacked", 6, "A", 1);
    rc = sos_idx_apply(s, batch, NULL, &seq, &e);
    leveldb_writebatch_destroy(batch);
    is_int(SOS_OK, rc, "the batch is applied");

    /* meanwhile lazy writes fill the memtable, the next one switches */
    pthread_mutex_lock(&shim_lock);
    hold_tables = 1;
    pthread_mutex_unlock(&shim_lock);

    junk = malloc(JUNK_SIZE);
    if (junk == NULL) {
        bail("no memory");
    }
    memset(junk, 'j', JUNK_SIZE);
    idx_put(s, "zjunk", junk, JUNK_SIZE, 0);
    free(junk);
    idx_put(s, "zswitch", "2", 1, 0);

    is_int(2, count_logs(index_dir), "the log was switched, the old one "
           "not turned into a table yet");

    rc = sos_idx_sync(s, seq, &e);
    is_int(SOS_OK, rc, "the batch's group sync returns");

    power_loss_copy(index_dir, copy_dir);

    pthread_mutex_lock(&shim_lock);
    hold_tables = 0;
    pthread_cond_broadcast(&shim_cond);
    pthread_mutex_unlock(&shim_lock);

    opts = leveldb_options_create();
    ropts = leveldb_readoptions_create();
    errptr = NULL;
    db = leveldb_open(opts, copy_dir, &errptr);
    if (db == NULL) {
        bail("leveldb_open(%s): %s", copy_dir, errptr);
    }

    errptr = NULL;
    val = leveldb_get(db, ropts, "zbefore", 7, &len, &errptr);
    ok(val != NULL, "after a power loss: the write synced before is there");
    free(val);

    val = leveldb_get(db, ropts, "zacked", 6, &len, &errptr);
    ok(val != NULL && len == 1 && val[0] == 'A', "after a power loss: the "
       "acknowledged batch is there");
    free(val);

    leveldb_close(db);
    leveldb_options_destroy(opts);
    leveldb_readoptions_destroy(ropts);

    sos_store_close(s);

    done_testing();
}
