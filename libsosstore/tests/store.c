/*
 * Store open/close, layout, tmp/ cleanup, pending deletes, degraded
 * replicas, ownership of the index, and the value codec.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sos_internal.h"
#include "tap.h"


static void
touch(const char *path)
{
    int  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd == -1 || write(fd, "x", 1) != 1) {
        bail("cannot create %s", path);
    }
    close(fd);
}


static int
exists(const char *path)
{
    struct stat  sb;

    return stat(path, &sb) == 0;
}


static void
test_conf(const char *dir)
{
    sos_error_t       err;
    sos_store_t      *st = NULL;
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    is_int(SOS_EINVAL, sos_store_open(&st, &conf, &err), "no data dir");
    ok(st == NULL, "handle untouched on failure");

    conf.data_dir = dir;
    conf.n_replicas = SOS_MAX_REPLICAS + 1;
    is_int(SOS_EINVAL, sos_store_open(&st, &conf, &err), "too many replicas");

    conf.n_replicas = 3;
    conf.write_quorum = 4;
    is_int(SOS_EINVAL, sos_store_open(&st, &conf, &err),
           "quorum above replica count");
    ok(strstr(err.msg, "quorum") != NULL, "message names the quorum: %s",
       err.msg);
}


static void
test_layout_and_busy(const char *dir)
{
    int               status;
    char              path[1024];
    pid_t             pid;
    sos_error_t       err;
    sos_store_t      *st, *st2 = NULL;
    sos_store_info_t  info;
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "open default layout");
    sos_store_info(st, &info);
    is_int(3, info.n_replicas, "3 replicas by default");
    is_int(2, info.write_quorum, "majority quorum by default");
    is_int(0, info.degraded_mask, "no degraded replica");

    snprintf(path, sizeof(path), "%s/index", dir);
    ok(exists(path), "index directory created");
    snprintf(path, sizeof(path), "%s/r2/tmp", dir);
    ok(exists(path), "replica tmp/ created");
    snprintf(path, sizeof(path), "%s/r0/objects", dir);
    ok(exists(path), "replica objects/ created");

    is_int(SOS_EBUSY, sos_store_open(&st2, &conf, &err),
           "second open in the same process is refused");
    ok(strstr(err.msg, "lock") != NULL, "message says why: %s", err.msg);

    /* another process: LevelDB's lock is what keeps one owner */
    pid = fork();
    if (pid == 0) {
        sos_store_t  *child = NULL;
        sos_rc_e      rc = sos_store_open(&child, &conf, NULL);

        _exit(rc == SOS_EBUSY ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "another process gets SOS_EBUSY");

    sos_store_close(st);
    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "reopen after close");
    sos_store_close(st);
}


/*
 * Only LevelDB's failure to take its lock is SOS_EBUSY: another error on a
 * path that happens to hold "lock" is SOS_EIO.
 */
static void
test_not_busy(const char *dir)
{
    char              path[1024];
    sos_error_t       err;
    sos_store_t      *st = NULL;
    sos_store_conf_t  conf;

    snprintf(path, sizeof(path), "%s/index", dir);
    if (mkdir(dir, 0700) == -1 || mkdir(path, 0700) == -1) {
        bail("mkdir %s: %s", path, strerror(errno));
    }
    snprintf(path, sizeof(path), "%s/index/LOCK", dir);
    if (mkdir(path, 0700) == -1) {
        bail("mkdir %s: %s", path, strerror(errno));
    }

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    is_int(SOS_EIO, sos_store_open(&st, &conf, &err),
           "an index that cannot open under a path holding \"lock\"");
    ok(strstr(err.msg, "LOCK") != NULL, "message says why: %s", err.msg);
}


static void
test_tmp_and_garbage(const char *dir)
{
    char              path[1024], gkey[1 + SOS_FILE_ID_LEN];
    sos_buf_t         key;
    sos_error_t       err;
    sos_store_t      *st;
    sos_extent_t      e;
    sos_writer_t      w;
    sos_store_info_t  info;
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = 1;

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "open");

    /* a finished file whose commit never came: its intent is garbage */
    is_int(SOS_OK, sos_writer_begin(&w, st, &err), "writer begin");
    is_int(SOS_OK, sos_writer_write(&w, "hello", 5, &err), "writer write");
    is_int(SOS_OK, sos_writer_finish(&w, &e, &err), "writer finish");
    sos_writer_abort(&w);
    is_int(5, e.size, "extent size");
    is_int(7, e.replicas, "on all three replicas");
    sos_replica_path(st, 1, e.id, path, sizeof(path));
    ok(exists(path), "renamed into objects/");
    sos_store_close(st);

    snprintf(path, sizeof(path), "%s/r0/tmp/leftover", dir);
    touch(path);
    snprintf(path, sizeof(path), "%s/r2/tmp/other", dir);
    touch(path);

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "reopen");
    sos_store_info(st, &info);
    is_int(2, info.tmp_files_removed, "tmp/ leftovers removed");
    is_int(1, info.garbage_removed, "uncommitted file removed");
    sos_replica_path(st, 1, e.id, path, sizeof(path));
    ok(!exists(path), "its replica files are gone");

    gkey[0] = SOS_K_GARBAGE;
    memcpy(gkey + 1, e.id, SOS_FILE_ID_LEN);
    sos_buf_init(&key);
    sos_buf_add(&key, gkey, sizeof(gkey));
    is_int(0, sos_idx_has_prefix(st, key.data, key.len, &err),
           "its G record is gone");
    sos_buf_free(&key);
    sos_store_close(st);

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "third open");
    sos_store_info(st, &info);
    is_int(0, info.tmp_files_removed + info.garbage_removed,
           "nothing left to clean");
    sos_store_close(st);
}


/* A file whose unlink fails keeps its G record until an unlink works. */
static void
test_garbage_kept(const char *dir)
{
    char              path[1024], gkey[1 + SOS_FILE_ID_LEN];
    sos_buf_t         key;
    sos_error_t       err;
    sos_store_t      *st;
    sos_extent_t      e;
    sos_writer_t      w;
    sos_store_info_t  info;
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = 1;

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "open");
    is_int(SOS_OK, sos_writer_begin(&w, st, &err), "writer begin");
    is_int(SOS_OK, sos_writer_write(&w, "hello", 5, &err), "writer write");
    is_int(SOS_OK, sos_writer_finish(&w, &e, &err), "writer finish");
    sos_writer_abort(&w);
    sos_replica_path(st, 1, e.id, path, sizeof(path));
    sos_store_close(st);

    /* unlink() of a directory fails (EISDIR), even for root */
    is_int(0, unlink(path), "replica file removed by hand");
    is_int(0, mkdir(path, 0755), "a directory in its place");

    gkey[0] = SOS_K_GARBAGE;
    memcpy(gkey + 1, e.id, SOS_FILE_ID_LEN);
    sos_buf_init(&key);
    sos_buf_add(&key, gkey, sizeof(gkey));

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "reopen");
    sos_store_info(st, &info);
    is_int(0, info.garbage_removed, "the failed unlink is not counted");
    is_int(1, sos_idx_has_prefix(st, key.data, key.len, &err),
           "its G record stays");
    sos_store_close(st);

    is_int(0, rmdir(path), "the directory removed");

    is_int(SOS_OK, sos_store_open(&st, &conf, &err), "third open");
    sos_store_info(st, &info);
    is_int(1, info.garbage_removed, "the next open finishes the delete");
    is_int(0, sos_idx_has_prefix(st, key.data, key.len, &err),
           "and drops the G record");
    sos_store_close(st);
    sos_buf_free(&key);
}


static void
test_degraded(const char *dir)
{
    char              r0[700], r1[700], r2[700], path[800];
    sos_error_t       err;
    sos_store_t      *st;
    sos_writer_t      w;
    sos_store_info_t  info;
    sos_store_conf_t  conf;
    const char       *replicas[3] = { r0, r1, r2 };

    snprintf(r0, sizeof(r0), "%s/disk0", dir);
    snprintf(r1, sizeof(r1), "%s/disk1", dir);
    snprintf(r2, sizeof(r2), "%s/disk2", dir);
    touch(r1);   /* a file where a directory should be: not writable */

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.replica_dirs = replicas;
    conf.n_replicas = 3;
    conf.no_fsync = 1;

    is_int(SOS_OK, sos_store_open(&st, &conf, &err),
           "opens with one replica unusable");
    sos_store_info(st, &info);
    is_int(2, info.degraded_mask, "replica 1 reported degraded");
    snprintf(path, sizeof(path), "%s/tmp", r2);
    ok(exists(path), "configured replica dirs are used");
    is_int(SOS_OK, sos_writer_begin(&w, st, &err), "still writable");
    sos_writer_abort(&w);
    sos_store_close(st);

    snprintf(path, sizeof(path), "%s.gone", r0);
    if (rename(r0, path) == -1) {
        bail("rename %s: %s", r0, strerror(errno));
    }
    touch(r0);
    is_int(SOS_OK, sos_store_open(&st, &conf, &err),
           "opens with two replicas unusable (reads go on)");
    sos_store_info(st, &info);
    is_int(3, info.degraded_mask, "replicas 0 and 1 reported degraded");
    is_int(SOS_EQUORUM, sos_writer_begin(&w, st, &err),
           "writes refused below quorum");
    ok(strstr(err.msg, "quorum") != NULL, "message: %s", err.msg);
    sos_store_close(st);
}


static void
test_codec(void)
{
    int           i;
    int64_t       sv[] = { 0, 1, -1, 63, -64, INT64_MAX, INT64_MIN };
    uint64_t      uv[] = { 0, 1, 127, 128, 16383, 16384, UINT64_MAX };
    sos_kv_t      kv[2] = { { { "a", 1 }, { "1", 1 } },
                            { { "long-name", 9 }, { "", 0 } } };
    sos_kv_t     *mem;
    sos_buf_t     b;
    sos_rbuf_t    r;
    sos_attrs_t   in, out;

    sos_buf_init(&b);
    for (i = 0; i < 7; i++) {
        sos_buf_add_varint(&b, uv[i]);
        sos_buf_add_svarint(&b, sv[i]);
    }
    sos_rbuf_init(&r, b.data, b.len);
    for (i = 0; i < 7; i++) {
        ok(sos_rbuf_varint(&r) == uv[i] && sos_rbuf_svarint(&r) == sv[i],
           "varint round trip %d", i);
    }
    ok(!sos_rbuf_more(&r) && !r.bad, "consumed exactly");
    sos_rbuf_varint(&r);
    ok(r.bad, "reading past the end is flagged");

    memset(&in, 0, sizeof(in));
    in.content_type.data = "text/plain";
    in.content_type.len = 10;
    in.expires.data = "Thu, 01 Dec 1994 16:00:00 GMT";
    in.expires.len = 29;
    in.user_meta = kv;
    in.n_user_meta = 2;
    in.checksum_value.data = "AAAAAA==";
    in.checksum_value.len = 8;

    /* version 1 ends at the checksum: an empty redirect and an empty tag
     * set (version 3) are the last two bytes */
    sos_buf_reset(&b);
    sos_attrs_encode(&b, &in);
    sos_rbuf_init(&r, b.data, b.len - 2);
    is_int(0, sos_attrs_decode(&r, &out, &mem, 1), "version 1 attrs decode");
    ok(!sos_rbuf_more(&r) && out.website_redirect.len == 0
       && out.checksum_value.len == 8, "version 1: no redirect");
    free(mem);

    in.website_redirect.data = "/other.html";
    in.website_redirect.len = 11;

    sos_buf_reset(&b);
    sos_attrs_encode(&b, &in);
    sos_rbuf_init(&r, b.data, b.len);
    is_int(0, sos_attrs_decode(&r, &out, &mem, SOS_ATTRS_VERSION),
           "attrs decode");
    ok(!sos_rbuf_more(&r) && out.website_redirect.len == 11
       && memcmp(out.website_redirect.data, "/other.html", 11) == 0,
       "website redirect");
    ok(out.content_type.len == 10
       && memcmp(out.content_type.data, "text/plain", 10) == 0,
       "content type");
    ok(out.n_user_meta == 2 && out.user_meta[1].name.len == 9
       && out.user_meta[1].value.len == 0, "user metadata");
    ok(out.checksum_value.len == 8 && out.acl.len == 0, "checksum, no acl");
    free(mem);

    sos_rbuf_init(&r, b.data, b.len - 3);
    is_int(-1, sos_attrs_decode(&r, &out, &mem, SOS_ATTRS_VERSION),
           "truncated attrs refused");
    sos_buf_free(&b);
}


int
main(void)
{
    char         dir[300];
    const char  *base = tmpdir();

    plan(0);

    snprintf(dir, sizeof(dir), "%s/conf", base);
    test_conf(dir);
    snprintf(dir, sizeof(dir), "%s/layout", base);
    test_layout_and_busy(dir);
    snprintf(dir, sizeof(dir), "%s/blocks", base);
    test_not_busy(dir);
    snprintf(dir, sizeof(dir), "%s/tmp", base);
    test_tmp_and_garbage(dir);
    snprintf(dir, sizeof(dir), "%s/kept", base);
    test_garbage_kept(dir);
    snprintf(dir, sizeof(dir), "%s/degraded", base);
    mkdir(dir, 0755);
    test_degraded(dir);
    test_codec();

    done_testing();
}
