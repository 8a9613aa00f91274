/*
 * Replica files under injected faults: this program defines fdatasync
 * itself, so the library's calls (and LevelDB's) come here first; a test
 * arms a fault for the files whose path holds a chosen string, the other
 * calls go on to the C library's.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sos/store.h"
#include "tap.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static sos_store_t  *st;
static sos_error_t   err;

/* fdatasync fails with EIO on files whose path holds this, when set */
static const char   *fail_fdatasync;
static unsigned      fdatasync_failed;


/* The path an fd was opened with, or "" if unknown. */
static void
fd_path(int fd, char *buf, size_t size)
{
    char     link[64];
    ssize_t  n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, size - 1);
    buf[n < 0 ? 0 : n] = '\0';
}


int
fdatasync(int fd)
{
    char          path[4096];
    static int  (*real)(int);

    if (fail_fdatasync != NULL) {
        fd_path(fd, path, sizeof(path));
        if (strstr(path, fail_fdatasync) != NULL) {
            fdatasync_failed++;
            errno = EIO;
            return -1;
        }
    }

    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "fdatasync");
    }
    return real(fd);
}


static unsigned
open_fds(void)
{
    DIR            *d;
    unsigned        n = 0;
    struct dirent  *de;

    d = opendir("/proc/self/fd");
    if (d == NULL) {
        bail("opendir(/proc/self/fd): %s", strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        n += de->d_name[0] != '.';
    }
    closedir(d);
    return n;
}


static sos_store_t *
store_open(const char *dir)
{
    sos_store_t       *s;
    sos_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    if (sos_store_open(&s, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
    return s;
}


static void
bucket_make(sos_store_t *s, const char *name)
{
    sos_org_t     org;
    sos_bucket_t  b;

    if (sos_org_create(s, "org", 3, NULL, 0, &org, &err) != SOS_OK) {
        bail("sos_org_create: %s", err.msg);
    }
    if (sos_bucket_create(s, name, strlen(name), org.id, "us-east-1", NULL, 0,
                          &b, &err) != SOS_OK)
    {
        bail("sos_bucket_create(%s): %s", name, err.msg);
    }
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

    before = open_fds();
    fail_fdatasync = "/r1/tmp/";
    fdatasync_failed = 0;

    for (i = 0; i < 20; i++) {
        if (put_obj("fd-leak", "some bytes") != SOS_OK) {
            bad++;
        }
    }

    fail_fdatasync = NULL;

    is_int(20, fdatasync_failed, "fdatasync failed on replica 1 each time");
    is_int(0, bad, "the writes succeed on the other two replicas");
    is_int(before, open_fds(), "no fd left open by the failed replica");
}


int
main(void)
{
    char  dir[512];

    plan(3);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = store_open(dir);
    bucket_make(st, BUCKET);

    test_fdatasync_fd();

    sos_store_close(st);
    done_testing();
}
