/*
 * A failed index write fences the store: the write reports SOS_EFENCED,
 * every later write is refused, reads go on, and the next open settles
 * the failed write either way with nothing acknowledged lost and no
 * orphan file.
 *
 * Two real faults:
 * - a failed sync of LevelDB's log (this program's fdatasync() and
 *   fsync() fail on the index's .log files once armed): the record is in
 *   the file, so the next open replays it and the new version must be
 *   whole, the version it replaced gone;
 * - a full disk: the index on a small tmpfs (root only: skipped with the
 *   reason otherwise) filled up until a commit's append is torn; the next
 *   open, with room again, drops the torn record.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static sos_error_t   err;
static sos_org_t     org;
static int           fail_log_sync;
static char          mounted[600];


/*
 * The fault: these definitions take the place of libc's for LevelDB and
 * the store; they fail only on LevelDB's log while armed.
 */
static int
is_index_log(int fd)
{
    char     link[64], path[PATH_MAX];
    ssize_t  n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof(path) - 1);
    if (n < 4) {
        return 0;
    }
    path[n] = '\0';

    return strstr(path, "/index/") != NULL
           && strcmp(path + n - 4, ".log") == 0;
}


int
fdatasync(int fd)
{
    if (fail_log_sync && is_index_log(fd)) {
        errno = EIO;
        return -1;
    }
    return (int) syscall(SYS_fdatasync, fd);
}


int
fsync(int fd)
{
    if (fail_log_sync && is_index_log(fd)) {
        errno = EIO;
        return -1;
    }
    return (int) syscall(SYS_fsync, fd);
}


static sos_store_t *
store_open(const char *dir, const char *const *replicas)
{
    sos_store_t       *s;
    sos_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.replica_dirs = replicas;
    if (sos_store_open(&s, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
    return s;
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
    char             data[3000];
    size_t           len;
    sos_rc_e         rc;
    sos_put_t       *p;
    sos_put_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = key;
    opts.key_len = strlen(key);

    len = body(data, sizeof(data), key, version);

    rc = sos_put_begin(&p, s, &opts, &err);
    if (rc != SOS_OK) {
        return rc;
    }
    rc = sos_put_write(p, data, len, &err);
    if (rc != SOS_OK) {
        sos_put_abort(p);
        return rc;
    }
    return sos_put_commit(p, NULL, &err);
}


/* SOS_OK when key reads back whole as version; else why not. */
static sos_rc_e
check(sos_store_t *s, const char *key, unsigned version)
{
    char               want[3000], got[3000];
    size_t             len, at, n;
    sos_rc_e           rc;
    sos_reader_t      *rd;
    sos_object_info_t  info;

    len = body(want, sizeof(want), key, version);

    rc = sos_object_open(s, BUCKET, BUCKET_LEN, key, strlen(key), &rd, &info,
                         &err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = info.size == len ? SOS_OK : SOS_ECORRUPT;
    for (at = 0; rc == SOS_OK && at < len; at += n) {
        rc = sos_reader_read(rd, at, got + at, len - at, &n, &err);
        if (rc == SOS_OK && n == 0) {
            rc = SOS_ECORRUPT;
        }
    }
    if (rc == SOS_OK && memcmp(got, want, len) != 0) {
        rc = SOS_ECORRUPT;
    }

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


/* Every write the API offers is refused with SOS_EFENCED. */
static void
writes_fenced(sos_store_t *s, const char *what, const char *obj)
{
    char               id[SOS_UPLOAD_ID_LEN + 1];
    sos_org_t          org2;
    sos_key_t          key;
    sos_put_t         *p;
    sos_put_opts_t     opts;
    sos_attrs_t        attrs;
    sos_bucket_t       b;
    sos_object_info_t  info;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = "later";
    opts.key_len = 5;
    is_int(SOS_EFENCED, sos_put_begin(&p, s, &opts, &err), "%s: a later "
           "put is refused at its beginning", what);
    is_int(SOS_EFENCED, sos_object_delete(s, BUCKET, BUCKET_LEN, obj,
                                          strlen(obj), &err),
           "%s: delete is fenced", what);

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


/* The failed sync: the record reached the log, so the reopen replays. */
static void
sync_failure(const char *base)
{
    char          dir[600], r[3][600];
    unsigned      i;
    sos_rc_e      rc;
    sos_store_t  *s;
    const char   *replicas[3] = { r[0], r[1], r[2] };

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

    writes_fenced(s, "sync failure", "a0");

    is_int(SOS_OK, check(s, "k", 1), "sync failure: reads go on (the "
           "version before)");
    is_int(SOS_OK, check(s, "a4", 1), "sync failure: acknowledged objects "
           "read");

    sos_store_close(s);

    snprintf(dir, sizeof(dir), "%s/sync", base);
    s = store_open(dir, replicas);

    is_int(SOS_OK, check(s, "k", 2), "sync failure: after reopen the "
           "replayed overwrite is whole");
    for (i = 0, rc = SOS_OK; i < 5 && rc == SOS_OK; i++) {
        snprintf(dir, sizeof(dir), "a%u", i);
        rc = check(s, dir, 1);
    }
    is_int(SOS_OK, rc, "sync failure: every acknowledged object is whole");
    is_int(6, files(replicas), "sync failure: the replaced version's files "
           "are gone, no orphan");
    is_int(SOS_OK, put(s, "later", 1), "sync failure: writes work after "
           "reopen");

    sos_store_close(s);
}


static void
unmount_index(void)
{
    if (mounted[0] != '\0') {
        umount2(mounted, MNT_DETACH);
    }
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


/* The full disk: the commit's append is torn; the reopen drops it. */
static void
full_disk(const char *base)
{
    int           fd;
    char          dir[600], index[700], filler[700], r[3][600];
    char          key[1000], chunk[4096];
    off_t         size;
    unsigned      i, acked;
    sos_rc_e      rc;
    sos_store_t  *s;
    const char   *replicas[3] = { r[0], r[1], r[2] };

    snprintf(dir, sizeof(dir), "%s/full", base);
    if (mkdir(dir, 0700) == -1) {
        bail("mkdir(%s): %s", dir, strerror(errno));
    }

    if (geteuid() != 0) {
        diag("skipped the full disk: mounting a tmpfs needs root");
        return;
    }
    if (mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700") == -1) {
        diag("skipped the full disk: mount tmpfs: %s", strerror(errno));
        return;
    }
    snprintf(mounted, sizeof(mounted), "%s", dir);
    atexit(unmount_index);

    for (i = 0; i < 3; i++) {
        snprintf(r[i], sizeof(r[i]), "%s/full-r%u", base, i);
    }
    snprintf(index, sizeof(index), "%s/index", dir);
    snprintf(filler, sizeof(filler), "%s/filler", dir);

    s = store_open(dir, replicas);
    bucket_make(s);

    /* the index's file system is full from here on */
    fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    memset(chunk, 'f', sizeof(chunk));
    while (write(fd, chunk, sizeof(chunk)) > 0) {
        /* until ENOSPC */
    }

    /*
     * Long keys make the commit's record longer than the intent written
     * before it: with room for the intent left, the commit's append is
     * the one torn.
     */
    rc = SOS_OK;

    for (acked = 0; acked < 100; acked++) {
        if (log_slack(index) < 256) {
            size = lseek(fd, 0, SEEK_END);
            if (ftruncate(fd, size - 4096) == -1) {
                bail("ftruncate: %s", strerror(errno));
            }
        }
        long_key(key, acked);
        rc = put(s, key, 1);
        if (rc != SOS_OK) {
            break;
        }
    }

    is_int(SOS_EFENCED, rc, "full disk: a commit reports SOS_EFENCED after "
           "%u acknowledged", acked);
    is_int(ENOSPC, err.sys_errno, "full disk: the cause is ENOSPC (%s)",
           err.msg);
    is_int(SOS_OK, check(s, key, 1) == SOS_ENOTFOUND ? SOS_OK : SOS_EIO,
           "full disk: the failed object is not visible");

    long_key(key, 0);
    writes_fenced(s, "full disk", key);
    is_int(SOS_OK, check(s, key, 1), "full disk: reads go on");

    sos_store_close(s);

    /* room again, as after an operator freed space */
    close(fd);
    unlink(filler);

    s = store_open(dir, replicas);

    for (i = 0, rc = SOS_OK; i < acked && rc == SOS_OK; i++) {
        long_key(key, i);
        rc = check(s, key, 1);
    }
    is_int(SOS_OK, rc, "full disk: all %u acknowledged objects are whole "
           "after reopen (%s)", acked, rc == SOS_OK ? "" : err.msg);

    long_key(key, acked);
    rc = check(s, key, 1);
    ok(rc == SOS_ENOTFOUND || rc == SOS_OK, "full disk: the failed object "
       "is absent or whole (%s)", sos_strerror(rc));
    is_int(acked + (rc == SOS_OK), files(replicas), "full disk: one file per "
           "object, no orphan");
    is_int(SOS_OK, put(s, "later", 1), "full disk: writes work after "
           "reopen");

    sos_store_close(s);
}


int
main(void)
{
    const char  *base;

    plan(0);
    base = tmpdir();

    sync_failure(base);
    full_disk(base);

    done_testing();
}
