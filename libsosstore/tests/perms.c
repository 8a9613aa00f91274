/*
 * Modes of what the store creates (directories 0700, files 0600, whatever
 * the umask), and of what it finds too open at open.
 */

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sos/store.h"
#include "tap.h"


static char  data[512];


static sos_store_t *
must_open(void)
{
    sos_error_t       err;
    sos_store_t      *st;
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = data;
    conf.no_fsync = 1;

    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("open %s: %s", data, err.msg);
    }
    return st;
}


static int
mode_of(const char *fmt, const char *arg)
{
    char         path[1024];
    struct stat  sb;

    snprintf(path, sizeof(path), fmt, data, arg);
    if (stat(path, &sb) == -1) {
        return -1;
    }
    return (int) (sb.st_mode & 07777);
}


/* The first entry of dir that is not a dot entry, into name. */
static int
first_entry(const char *dir, char *name, size_t size)
{
    DIR            *d;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            snprintf(name, size, "%.63s", de->d_name);
            closedir(d);
            return 0;
        }
    }
    closedir(d);
    return -1;
}


static int
notice_names(sos_store_t *st, const char *path)
{
    size_t            i;
    sos_store_info_t  info;

    sos_store_info(st, &info);
    for (i = 0; i < info.n_notices; i++) {
        if (info.notices[i].level == SOS_NOTICE_WARN
            && strstr(info.notices[i].msg, path) != NULL
            && strstr(info.notices[i].msg, "changed to 0700") != NULL)
        {
            return 1;
        }
    }
    return 0;
}


int
main(void)
{
    char               a[64], b[64], c[64], dir[1024], path[1024];
    sos_put_t         *p;
    sos_error_t        err;
    sos_store_t       *st;
    sos_put_opts_t     opts;
    sos_store_info_t   info;

    plan(0);

    /* the modes are the store's own, not the umask's */
    umask(0);

    snprintf(data, sizeof(data), "%s/data", tmpdir());

    st = must_open();
    is_int(0700, mode_of("%s%s", ""), "data dir 0700");
    is_int(0700, mode_of("%s%s", "/index"), "index dir 0700");
    is_int(0700, mode_of("%s%s", "/r0"), "replica dir 0700");
    is_int(0700, mode_of("%s%s", "/r2/objects"), "objects/ 0700");
    is_int(0700, mode_of("%s%s", "/r1/tmp"), "tmp/ 0700");
    is_int(0600, mode_of("%s%s", "/secret.key"), "key file 0600");

    {
        sos_org_t  org;

        if (sos_org_create(st, "o", 1, NULL, 0, &org, &err) != SOS_OK
            || sos_bucket_create(st, "b", 1, org.id, "us-east-1", NULL, 0,
                                 NULL, &err) != SOS_OK)
        {
            bail("bucket: %s", err.msg);
        }
    }

    memset(&opts, 0, sizeof(opts));
    opts.bucket = "b";
    opts.bucket_len = 1;
    opts.key = "k";
    opts.key_len = 1;

    if (sos_put_begin(&p, st, &opts, &err) != SOS_OK
        || sos_put_write(p, "private", 7, &err) != SOS_OK)
    {
        bail("put: %s", err.msg);
    }

    snprintf(dir, sizeof(dir), "%s/r1/tmp", data);
    ok(first_entry(dir, a, sizeof(a)) == 0, "a write in progress in tmp/");
    is_int(0600, mode_of("%s/r1/tmp/%s", a), "tmp file 0600");

    if (sos_put_commit(p, NULL, &err) != SOS_OK) {
        bail("commit: %s", err.msg);
    }

    snprintf(dir, sizeof(dir), "%s/r0/objects", data);
    if (first_entry(dir, a, sizeof(a)) != 0) {
        bail("no objects/xx");
    }
    snprintf(dir, sizeof(dir), "%s/r0/objects/%s", data, a);
    if (first_entry(dir, b, sizeof(b)) != 0) {
        bail("no objects/xx/yy");
    }
    snprintf(dir, sizeof(dir), "%s/r0/objects/%s/%s", data, a, b);
    if (first_entry(dir, c, sizeof(c)) != 0) {
        bail("no data file");
    }
    snprintf(path, sizeof(path), "/r0/objects/%s", a);
    is_int(0700, mode_of("%s%s", path), "objects/xx 0700");
    snprintf(path, sizeof(path), "/r0/objects/%s/%s", a, b);
    is_int(0700, mode_of("%s%s", path), "objects/xx/yy 0700");
    snprintf(path, sizeof(path), "/r0/objects/%s/%s/%s", a, b, c);
    is_int(0600, mode_of("%s%s", path), "data file 0600");

    sos_store_close(st);

    /* a store made by an older version, or opened up by hand */

    snprintf(path, sizeof(path), "%s", data);
    chmod(path, 0755);
    snprintf(path, sizeof(path), "%s/index", data);
    chmod(path, 0755);
    snprintf(path, sizeof(path), "%s/r1", data);
    chmod(path, 0750);
    snprintf(path, sizeof(path), "%s/r2/tmp", data);
    chmod(path, 0777);
    snprintf(path, sizeof(path), "%s/r0/objects", data);
    chmod(path, 0711);

    st = must_open();
    is_int(0700, mode_of("%s%s", ""), "data dir back to 0700");
    is_int(0700, mode_of("%s%s", "/index"), "index dir back to 0700");
    is_int(0700, mode_of("%s%s", "/r1"), "replica dir back to 0700");
    is_int(0700, mode_of("%s%s", "/r2/tmp"), "tmp/ back to 0700");
    is_int(0700, mode_of("%s%s", "/r0/objects"), "objects/ back to 0700");

    snprintf(path, sizeof(path), "\"%s\"", data);
    ok(notice_names(st, path), "a notice names the data dir");
    snprintf(path, sizeof(path), "%s/index", data);
    ok(notice_names(st, path), "and the index dir");
    snprintf(path, sizeof(path), "%s/r1", data);
    ok(notice_names(st, path), "and the replica dir");
    snprintf(path, sizeof(path), "%s/r2/tmp", data);
    ok(notice_names(st, path), "and tmp/");
    snprintf(path, sizeof(path), "%s/r0/objects", data);
    ok(notice_names(st, path), "and objects/");
    sos_store_info(st, &info);
    is_int(5, info.n_notices, "five notices, one per directory");
    sos_store_close(st);

    st = must_open();
    sos_store_info(st, &info);
    is_int(0, info.n_notices, "nothing to fix the next time");
    sos_store_close(st);

    done_testing();
}
