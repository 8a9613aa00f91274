/*
 * Objects: write, read, overwrite, delete, copy, ACL, preconditions,
 * replica fail-over and degraded writes, concurrent commits.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static sos_store_t  *st;
static char          data_dir[512];
static sos_error_t   err;


static void
fill(unsigned char *p, size_t len, unsigned seed)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        seed = seed * 1103515245 + 12345;
        p[i] = (unsigned char) (seed >> 16);
    }
}


static void
bucket_make(sos_store_t *s, const char *name)
{
    char  org_name[64];

    snprintf(org_name, sizeof(org_name), "org-%s", name);
    util_org_bucket(s, org_name, name, NULL);
}


/* Write data in chunks of `chunk` bytes; info may be NULL. */
static sos_rc_e
put_obj(sos_store_t *s, const char *bucket, const char *key, size_t key_len,
    const void *data, size_t len, size_t chunk, const sos_put_opts_t *base,
    sos_object_info_t *info)
{
    size_t           at, n;
    sos_rc_e         rc;
    sos_put_t       *put;
    sos_put_opts_t   opts;

    if (base != NULL) {
        opts = *base;
    } else {
        memset(&opts, 0, sizeof(opts));
    }
    opts.bucket = bucket;
    opts.bucket_len = strlen(bucket);
    opts.key = key;
    opts.key_len = key_len;

    rc = sos_put_begin(&put, s, &opts, &err);
    if (rc != SOS_OK) {
        return rc;
    }
    for (at = 0; at < len; at += n) {
        n = len - at < chunk ? len - at : chunk;
        rc = sos_put_write(put, (const char *) data + at, n, &err);
        if (rc != SOS_OK) {
            sos_put_abort(put);
            return rc;
        }
    }
    return sos_put_commit(put, info, &err);
}


/* The whole object through sos_reader_read; *out is malloc'd. */
static sos_rc_e
get_obj(sos_store_t *s, const char *bucket, const char *key, size_t key_len,
    unsigned char **out, size_t *len)
{
    size_t              got, at;
    sos_rc_e            rc;
    sos_reader_t       *rd;
    sos_object_info_t   info;

    *out = NULL;
    *len = 0;
    rc = sos_object_open(s, bucket, strlen(bucket), key, key_len, &rd, &info,
                         &err);
    if (rc != SOS_OK) {
        return rc;
    }
    *out = malloc(info.size + 1);
    for (at = 0; at < info.size; at += got) {
        /* odd read sizes cross extent and buffer boundaries */
        rc = sos_reader_read(rd, at, *out + at, 7001, &got, &err);
        if (rc != SOS_OK || got == 0) {
            break;
        }
    }
    *len = at;
    sos_reader_close(rd);
    sos_object_info_release(&info);
    return rc;
}


static int
same(sos_store_t *s, const char *key, size_t key_len, const void *want,
    size_t want_len)
{
    int             r;
    size_t          len;
    unsigned char  *got;

    if (get_obj(s, BUCKET, key, key_len, &got, &len) != SOS_OK) {
        diag("read %s: %s", key, err.msg);
        return 0;
    }
    r = len == want_len && memcmp(got, want, len) == 0;
    free(got);
    return r;
}


/* Regular files under <dir>/r<replica>/<sub>. */
static long
files(const char *dir, unsigned replica, const char *sub)
{
    char  path[600];

    snprintf(path, sizeof(path), "%s/r%u/%s", dir, replica, sub);
    return util_files(path);
}


static int
files_all(const char *dir, const char *sub, long want)
{
    unsigned  i;

    for (i = 0; i < 3; i++) {
        if (files(dir, i, sub) != want) {
            diag("r%u/%s holds %ld files, want %ld", i, sub,
                 files(dir, i, sub), want);
            return 0;
        }
    }
    return 1;
}


static void
counters(sos_store_t *s, const char *bucket, uint64_t *count, uint64_t *bytes)
{
    sos_bucket_info_t  *bi;

    *count = *bytes = (uint64_t) -1;
    if (sos_bucket_get(s, bucket, strlen(bucket), &bi, &err) == SOS_OK) {
        *count = bi->bucket.object_count;
        *bytes = bi->bucket.bytes;
        sos_bucket_info_free(bi);
    }
}


static int
str_eq(sos_str_t s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.data, want, s.len) == 0;
}


/* a server-side copy as the module makes one: the reader holds the source */
static sos_rc_e
copy_obj(sos_store_t *store, const char *src_bucket,
    size_t src_bucket_len, const char *src_key, size_t src_key_len,
    const sos_put_opts_t *dst, sos_object_info_t *info, sos_error_t *e)
{
    sos_rc_e            rc;
    sos_put_t          *put;
    sos_reader_t       *rd;
    sos_put_opts_t      opts;
    sos_object_info_t   src;

    /* The reader holds the source files: a concurrent change, or a copy
     * onto the source itself, cannot pull them away. */
    memset(&src, 0, sizeof(src));
    rc = sos_object_open(store, src_bucket, src_bucket_len, src_key,
                         src_key_len, &rd, &src, e);
    if (rc != SOS_OK) {
        return rc;
    }

    opts = *dst;
    if (opts.attrs == NULL) {
        opts.attrs = &src.attrs;
    }

    rc = sos_put_begin(&put, store, &opts, e);
    if (rc == SOS_OK) {
        rc = sos_put_copy(put, rd, 0, src.size, NULL, NULL, e);
        if (rc == SOS_OK) {
            rc = sos_put_commit(put, info, e);
        } else {
            sos_put_abort(put);
        }
    }

    sos_reader_close(rd);
    sos_object_info_release(&src);
    return rc;
}


static void
test_round_trip(void)
{
    static const size_t  sizes[] = { 0, 1, 1024 * 1024 };
    char                 want[33], key[32];
    size_t               i, n;
    int64_t              now;
    unsigned char       *data, md5[16];
    sos_kv_t             meta[2];
    sos_attrs_t          attrs;
    sos_put_t           *put;
    sos_reader_t        *rd;
    sos_segment_t        segs[4];
    sos_put_opts_t       opts;
    sos_object_info_t    info, got;

    memset(&attrs, 0, sizeof(attrs));
    attrs.content_type = (sos_str_t) { "text/plain", 10 };
    attrs.content_encoding = (sos_str_t) { "gzip", 4 };
    attrs.cache_control = (sos_str_t) { "max-age=60", 10 };
    attrs.content_disposition = (sos_str_t) { "attachment", 10 };
    attrs.content_language = (sos_str_t) { "en", 2 };
    attrs.expires = (sos_str_t) { "Thu, 01 Dec 1994 16:00:00 GMT", 29 };
    meta[0].name = (sos_str_t) { "color", 5 };
    meta[0].value = (sos_str_t) { "blue", 4 };
    meta[1].name = (sos_str_t) { "empty", 5 };
    meta[1].value = (sos_str_t) { "", 0 };
    attrs.user_meta = meta;
    attrs.n_user_meta = 2;
    attrs.acl = (sos_str_t) { "acl-blob", 8 };
    attrs.owner = (sos_str_t) { "owner-id", 8 };
    attrs.checksum_algorithm = (sos_str_t) { "CRC32C", 6 };
    attrs.checksum_value = (sos_str_t) { "AAAAAA==", 8 };
    memset(&opts, 0, sizeof(opts));
    opts.attrs = &attrs;

    data = malloc(sizes[2]);
    fill(data, sizes[2], 1);

    for (i = 0; i < 3; i++) {
        n = sizes[i];
        snprintf(key, sizeof(key), "rt/%zu", n);
        util_md5_hex(data, n, want);
        now = time(NULL);

        is_int(SOS_OK, put_obj(st, BUCKET, key, strlen(key), data, n, 4093,
                               &opts, &info), "put %zu bytes", n);
        is_str(want, info.etag, "commit: etag is the md5 of %zu bytes", n);
        sos_object_info_release(&info);

        memset(&got, 0, sizeof(got));
        is_int(SOS_OK, sos_object_stat(st, BUCKET, BUCKET_LEN, key,
                                       strlen(key), &got, &err),
               "stat %zu bytes", n);
        is_str(want, got.etag, "stat: etag of %zu bytes", n);
        is_int(n, got.size, "stat: size %zu", n);
        ok(got.mtime >= now && got.mtime <= time(NULL) + 1, "stat: mtime");
        is_int(0, got.parts, "stat: not multipart");
        ok(str_eq(got.attrs.content_type, "text/plain")
           && str_eq(got.attrs.content_encoding, "gzip")
           && str_eq(got.attrs.cache_control, "max-age=60")
           && str_eq(got.attrs.content_disposition, "attachment")
           && str_eq(got.attrs.content_language, "en")
           && str_eq(got.attrs.expires, "Thu, 01 Dec 1994 16:00:00 GMT")
           && str_eq(got.attrs.acl, "acl-blob")
           && str_eq(got.attrs.owner, "owner-id"),
           "stat: headers, acl, owner of %zu bytes", n);
        ok(got.attrs.n_user_meta == 2
           && str_eq(got.attrs.user_meta[0].name, "color")
           && str_eq(got.attrs.user_meta[0].value, "blue")
           && str_eq(got.attrs.user_meta[1].name, "empty")
           && got.attrs.user_meta[1].value.len == 0,
           "stat: user metadata of %zu bytes", n);
        ok(str_eq(got.attrs.checksum_algorithm, "CRC32C")
           && str_eq(got.attrs.checksum_value, "AAAAAA=="),
           "stat: checksum of %zu bytes", n);
        sos_object_info_release(&got);

        ok(same(st, key, strlen(key), data, n), "read back %zu bytes", n);
    }

    /* segments of a whole 1 MiB object, and of ranges */
    n = sizes[2];
    is_int(SOS_OK, sos_object_open(st, BUCKET, BUCKET_LEN, "rt/1048576", 10,
                                   &rd, NULL, &err), "open 1 MiB");
    i = 4;
    is_int(SOS_OK, sos_reader_segments(rd, 0, n, segs, &i, &err),
           "segments of the whole object");
    ok(i == 1 && segs[0].offset == 0 && segs[0].len == n && segs[0].fd >= 0,
       "one segment covers it");
    {
        unsigned char  buf[100];

        i = 4;
        is_int(SOS_OK, sos_reader_segments(rd, 1000, 100, segs, &i, &err),
               "segments of a range");
        ok(i == 1 && segs[0].offset == 1000 && segs[0].len == 100
           && pread(segs[0].fd, buf, 100, 1000) == 100
           && memcmp(buf, data + 1000, 100) == 0,
           "the range maps onto the file");
    }
    i = 4;
    is_int(SOS_ERANGE, sos_reader_segments(rd, n - 10, 11, segs, &i, &err),
           "range past the end: ERANGE");
    i = 4;
    is_int(SOS_ERANGE, sos_reader_segments(rd, n + 1, 0, segs, &i, &err),
           "offset past the end: ERANGE");
    i = 0;
    is_int(SOS_ERANGE, sos_reader_segments(rd, 0, 1, segs, &i, &err),
           "no room for a segment: ERANGE");
    is_int(1, i, "and the count needed is 1");
    i = 4;
    is_int(SOS_OK, sos_reader_segments(rd, n, 0, segs, &i, &err),
           "empty range at the end");
    is_int(0, i, "is 0 segments");
    {
        size_t  g = 1;
        char    c;

        is_int(SOS_OK, sos_reader_read(rd, n, &c, 1, &g, &err),
               "read at the end");
        is_int(0, g, "gets 0 bytes");
    }
    sos_reader_close(rd);

    is_int(SOS_OK, sos_object_open(st, BUCKET, BUCKET_LEN, "rt/0", 4, &rd,
                                   NULL, &err), "open 0 bytes");
    i = 4;
    is_int(SOS_OK, sos_reader_segments(rd, 0, 0, segs, &i, &err),
           "0-byte object: range 0+0 is fine");
    is_int(0, i, "with 0 segments");
    sos_reader_close(rd);

    /* sos_put_md5 and a trailer checksum replacing the given one */
    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = "md5";
    opts.key_len = 3;
    opts.attrs = &attrs;
    is_int(SOS_OK, sos_put_begin(&put, st, &opts, &err), "begin md5");
    sos_put_write(put, data, 5000, &err);
    sos_put_md5(put, md5);
    {
        char  h[33], w[33];
        int   j;

        for (j = 0; j < 16; j++) {
            snprintf(h + 2 * j, 3, "%02x", md5[j]);
        }
        util_md5_hex(data, 5000, w);
        is_str(w, h, "sos_put_md5 of the bytes so far");
    }
    is_int(SOS_OK, sos_put_set_checksum(put, "SHA256", 6, "c2hh", 4, &err),
           "set checksum");
    is_int(SOS_OK, sos_put_commit(put, NULL, &err), "commit md5");
    memset(&got, 0, sizeof(got));
    sos_object_stat(st, BUCKET, BUCKET_LEN, "md5", 3, &got, &err);
    ok(str_eq(got.attrs.checksum_algorithm, "SHA256")
       && str_eq(got.attrs.checksum_value, "c2hh")
       && str_eq(got.attrs.content_type, "text/plain"),
       "trailer checksum replaced the given one, the rest kept");
    sos_object_info_release(&got);

    free(data);
}


static void
test_abort_overwrite_delete(void)
{
    long                 objs;
    char                 big[70000];
    uint64_t             count, bytes, count0, bytes0;
    sos_put_t           *put;
    sos_put_opts_t       opts;
    sos_object_info_t    info;

    counters(st, BUCKET, &count0, &bytes0);

    objs = files(data_dir, 0, "objects");

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = "ab";
    opts.key_len = 2;
    is_int(SOS_OK, sos_put_begin(&put, st, &opts, &err), "begin to abort");
    sos_put_write(put, "xyz", 3, &err);
    ok(files_all(data_dir, "tmp", 1), "a write in progress is in tmp/");
    sos_put_abort(put);
    sos_put_abort(NULL);
    ok(files_all(data_dir, "tmp", 0), "abort empties tmp/");
    ok(files_all(data_dir, "objects", objs), "abort adds nothing to objects/");
    is_int(SOS_ENOTFOUND, sos_object_stat(st, BUCKET, BUCKET_LEN, "ab", 2,
                                          &info, &err), "aborted: not found");

    fill((unsigned char *) big, sizeof(big), 7);
    is_int(SOS_OK, put_obj(st, BUCKET, "ow", 2, big, 100, 33, NULL, NULL),
           "put 100 bytes");
    counters(st, BUCKET, &count, &bytes);
    ok(count == count0 + 1 && bytes == bytes0 + 100,
       "counters: one more object, 100 more bytes");
    ok(files_all(data_dir, "objects", objs + 1), "one file per replica");

    is_int(SOS_OK, put_obj(st, BUCKET, "ow", 2, big + 1, 70000 - 1, 65536,
                           NULL, NULL), "overwrite with 69999 bytes");
    ok(same(st, "ow", 2, big + 1, 69999), "overwrite reads the new bytes");
    ok(files_all(data_dir, "objects", objs + 1),
       "old files are gone from every replica");
    ok(files_all(data_dir, "tmp", 0), "tmp/ is empty after commits");
    counters(st, BUCKET, &count, &bytes);
    ok(count == count0 + 1 && bytes == bytes0 + 69999,
       "counters: still one more object, bytes of the new version");

    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "ow", 2, &err),
           "delete");
    is_int(SOS_ENOTFOUND, sos_object_stat(st, BUCKET, BUCKET_LEN, "ow", 2,
                                          &info, &err), "deleted: not found");
    ok(strstr(err.msg, "ow") != NULL && strstr(err.msg, BUCKET) != NULL,
       "message names key and bucket: %s", err.msg);
    is_int(SOS_ENOTFOUND, sos_object_open(st, BUCKET, BUCKET_LEN, "ow", 2,
                                          NULL, NULL, &err),
           "open deleted: not found");
    ok(files_all(data_dir, "objects", objs), "delete removed the files");
    counters(st, BUCKET, &count, &bytes);
    ok(count == count0 && bytes == bytes0, "counters back where they were");

    is_int(SOS_ENOTFOUND, sos_object_delete(st, BUCKET, BUCKET_LEN, "ow", 2,
                                            &err), "delete missing");
    is_int(SOS_ENOBUCKET, sos_object_delete(st, "nob", 3, "ow", 2, &err),
           "delete in missing bucket");
    is_int(SOS_ENOBUCKET, sos_object_stat(st, "nob", 3, "ow", 2, &info,
                                          &err), "stat in missing bucket");
    is_int(SOS_ENOBUCKET, put_obj(st, "nob", "ow", 2, "x", 1, 1, NULL, NULL),
           "put in missing bucket");
}


static void
test_keys(void)
{
    char          key[1100];
    size_t        i;
    unsigned      j;
    static const char *const  odd[] = {
        "../x", "a//b", "/lead", "trail/", "%41%2F", "a+b c", "  ",
        "\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac", "..", ".", "a\\b",
        "?q=1&r#f"
    };

    memset(key, 'k', sizeof(key));
    is_int(SOS_OK, put_obj(st, BUCKET, key, 1024, "1024", 4, 4, NULL, NULL),
           "key of 1024 bytes");
    ok(same(st, key, 1024, "1024", 4), "read it back");
    is_int(SOS_EINVAL, put_obj(st, BUCKET, key, 1025, "x", 1, 1, NULL, NULL),
           "key of 1025 bytes: EINVAL");
    is_int(SOS_EINVAL, put_obj(st, BUCKET, key, 0, "x", 1, 1, NULL, NULL),
           "empty key: EINVAL");
    is_int(SOS_EINVAL, put_obj(st, BUCKET, "a\0b", 3, "x", 1, 1, NULL, NULL),
           "key with NUL: EINVAL");
    is_int(SOS_EINVAL, sos_object_stat(st, BUCKET, BUCKET_LEN, "a\0b", 3,
                                       NULL, &err),
           "stat of a key with NUL: EINVAL");

    for (j = 1; j < 256; j++) {
        key[j - 1] = (char) j;
    }
    is_int(SOS_OK, put_obj(st, BUCKET, key, 255, "all", 3, 2, NULL, NULL),
           "key of bytes 0x01..0xff");
    ok(same(st, key, 255, "all", 3), "read it back");
    is_int(SOS_ENOTFOUND, sos_object_stat(st, BUCKET, BUCKET_LEN, key, 254,
                                          NULL, &err),
           "its prefix is another key");

    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        is_int(SOS_OK, put_obj(st, BUCKET, odd[i], strlen(odd[i]), odd[i],
                               strlen(odd[i]), 3, NULL, NULL),
               "put key \"%s\"", odd[i]);
    }
    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        ok(same(st, odd[i], strlen(odd[i]), odd[i], strlen(odd[i])),
           "key \"%s\" reads its own bytes", odd[i]);
    }
}


static void
test_reader_outlives(void)
{
    char           buf[10];
    size_t         got;
    sos_reader_t  *rd;

    put_obj(st, BUCKET, "keep", 4, "old bytes", 9, 4, NULL, NULL);
    is_int(SOS_OK, sos_object_open(st, BUCKET, BUCKET_LEN, "keep", 4, &rd,
                                   NULL, &err), "open");
    is_int(SOS_OK, put_obj(st, BUCKET, "keep", 4, "NEW", 3, 4, NULL, NULL),
           "overwrite while open");
    memset(buf, 0, sizeof(buf));
    is_int(SOS_OK, sos_reader_read(rd, 0, buf, sizeof(buf), &got, &err),
           "read after overwrite");
    ok(got == 9 && memcmp(buf, "old bytes", 9) == 0,
       "the reader still sees the old bytes");
    sos_object_delete(st, BUCKET, BUCKET_LEN, "keep", 4, &err);
    memset(buf, 0, sizeof(buf));
    is_int(SOS_OK, sos_reader_read(rd, 4, buf, 5, &got, &err),
           "read after delete");
    ok(got == 5 && memcmp(buf, "bytes", 5) == 0, "still the old bytes");
    sos_reader_close(rd);
    sos_reader_close(NULL);
}


static volatile int  hot_done;

static void *
hot_writer(void *arg)
{
    int   i;
    char  body[3000];

    (void) arg;
    for (i = 0; i < 300; i++) {
        memset(body, 'a' + i % 26, sizeof(body));
        if (put_obj(st, BUCKET, "hot", 3, body, 1000 + i * 7 % 2000, 512,
                    NULL, NULL) != SOS_OK)
        {
            diag("hot writer: %s", err.msg);
        }
    }
    __atomic_store_n(&hot_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}


static void
test_read_during_overwrites(void)
{
    int                 reads, bad;
    char                buf[3000];
    size_t              got, i;
    pthread_t           tid;
    sos_error_t         e;
    sos_reader_t       *rd;
    sos_object_info_t   info;

    put_obj(st, BUCKET, "hot", 3, "zzz", 3, 3, NULL, NULL);
    pthread_create(&tid, NULL, hot_writer, NULL);

    reads = 0;
    bad = 0;
    while (!__atomic_load_n(&hot_done, __ATOMIC_SEQ_CST)) {
        if (sos_object_open(st, BUCKET, BUCKET_LEN, "hot", 3, &rd, &info,
                            &e) != SOS_OK)
        {
            diag("open during overwrites: %s", e.msg);
            bad++;
            continue;
        }
        if (sos_reader_read(rd, 0, buf, sizeof(buf), &got, &e) != SOS_OK
            || got != info.size)
        {
            diag("read during overwrites: %s", e.msg);
            bad++;
        }
        for (i = 1; i < got; i++) {
            bad += buf[i] != buf[0];
        }
        reads++;
        sos_reader_close(rd);
        sos_object_info_release(&info);
    }
    pthread_join(tid, NULL);

    ok(reads > 0, "%d reads during 300 overwrites", reads);
    is_int(0, bad, "every open and read during overwrites succeeds whole");
}


/* The only file under <dir>/r<replica>/objects, or "" */
static char  found_path[1024];

static int
find_cb(const char *path, const struct stat *sb, int type, struct FTW *f)
{
    (void) sb;
    (void) f;
    if (type == FTW_F) {
        snprintf(found_path, sizeof(found_path), "%s", path);
        return 1;
    }
    return 0;
}


static const char *
replica_file(const char *dir, unsigned replica)
{
    char  path[600];

    found_path[0] = '\0';
    snprintf(path, sizeof(path), "%s/r%u/objects", dir, replica);
    nftw(path, find_cb, 16, FTW_PHYS);
    return found_path;
}


static void
test_replicas(void)
{
    char               dir[600], path[700], path2[700], r[2048];
    unsigned           i;
    sos_store_t       *s;
    sos_reader_t      *rd;
    sos_object_info_t  info;

    snprintf(dir, sizeof(dir), "%s/replicas", tmpdir());
    s = util_store_open(dir, 0, 0);
    bucket_make(s, BUCKET);

    /* fail-over: the file of r0 missing, of r1 replaced by a directory */
    is_int(SOS_OK, put_obj(s, BUCKET, "f", 1, "fail-over", 9, 4, NULL, NULL),
           "put on 3 replicas");
    snprintf(r, sizeof(r), "%s", replica_file(dir, 0));
    ok(unlink(r) == 0, "remove the file of replica 0");
    ok(same(s, "f", 1, "fail-over", 9), "read falls back to replica 1");
    snprintf(r, sizeof(r), "%s", replica_file(dir, 1));
    ok(unlink(r) == 0 && mkdir(r, 0755) == 0,
       "replace the file of replica 1 by a directory");
    ok(same(s, "f", 1, "fail-over", 9), "read falls back to replica 2");
    snprintf(r, sizeof(r), "%s", replica_file(dir, 2));
    ok(truncate(r, 3) == 0, "truncate the file of replica 2");
    is_int(SOS_ECORRUPT, sos_object_open(s, BUCKET, BUCKET_LEN, "f", 1, &rd,
                                         NULL, &err),
           "no replica readable: ECORRUPT");
    is_int(SOS_OK, sos_object_stat(s, BUCKET, BUCKET_LEN, "f", 1, &info,
                                   &err), "stat still works");
    sos_object_info_release(&info);
    is_int(SOS_OK, sos_object_delete(s, BUCKET, BUCKET_LEN, "f", 1, &err),
           "delete the broken object");
    snprintf(r, sizeof(r), "rm -rf '%s'/r?/objects/*", dir);
    ok(system(r) == 0 && files_all(dir, "objects", 0), "start clean");

    /* one replica's tmp/ unusable: the write is degraded, not refused */
    snprintf(path, sizeof(path), "%s/r2/tmp", dir);
    snprintf(path2, sizeof(path2), "%s/r2/tmp.away", dir);
    ok(rename(path, path2) == 0 && close(creat(path, 0644)) == 0,
       "replica 2: tmp/ replaced by a file");
    is_int(SOS_OK, put_obj(s, BUCKET, "d", 1, "degraded", 8, 3, NULL, NULL),
           "write with one replica down succeeds");
    ok(files(dir, 0, "objects") == 1 && files(dir, 1, "objects") == 1
       && files(dir, 2, "objects") == 0, "2 of 3 replicas hold it");
    ok(same(s, "d", 1, "degraded", 8), "and it reads back");

    /* two down: below the quorum of 2 */
    snprintf(path, sizeof(path), "%s/r1/tmp", dir);
    snprintf(path2, sizeof(path2), "%s/r1/tmp.away", dir);
    ok(rename(path, path2) == 0 && close(creat(path, 0644)) == 0,
       "replica 1: tmp/ replaced by a file");
    is_int(SOS_EQUORUM, put_obj(s, BUCKET, "q", 1, "quorum", 6, 3, NULL,
                                NULL), "write with two replicas down: EQUORUM");
    is_int(SOS_ENOTFOUND, sos_object_stat(s, BUCKET, BUCKET_LEN, "q", 1,
                                          &info, &err), "nothing visible");
    ok(files(dir, 0, "tmp") == 0 && files(dir, 0, "objects") == 1,
       "no file left on replica 0");

    for (i = 1; i <= 2; i++) {
        snprintf(path, sizeof(path), "%s/r%u/tmp", dir, i);
        snprintf(path2, sizeof(path2), "%s/r%u/tmp.away", dir, i);
        if (unlink(path) != 0 || rename(path2, path) != 0) {
            bail("restore %s", path);
        }
    }

    /* replicas that fail at the rename: objects/ is a file */
    snprintf(path, sizeof(path), "%s/r2/objects", dir);
    snprintf(path2, sizeof(path2), "%s/r2/objects.away", dir);
    ok(rename(path, path2) == 0 && close(creat(path, 0644)) == 0,
       "replica 2: objects/ replaced by a file");
    is_int(SOS_OK, put_obj(s, BUCKET, "e", 1, "rename", 6, 3, NULL, NULL),
           "write that cannot be renamed on one replica succeeds");
    ok(files(dir, 0, "objects") == 2 && files(dir, 1, "objects") == 2
       && files(dir, 2, "tmp") == 0, "2 of 3 replicas hold it, no tmp left");
    snprintf(path, sizeof(path), "%s/r1/objects", dir);
    snprintf(path2, sizeof(path2), "%s/r1/objects.away", dir);
    ok(rename(path, path2) == 0 && close(creat(path, 0644)) == 0,
       "replica 1: objects/ replaced by a file");
    is_int(SOS_EQUORUM, put_obj(s, BUCKET, "e2", 2, "rename", 6, 3, NULL,
                                NULL), "rename on one replica only: EQUORUM");
    is_int(SOS_ENOTFOUND, sos_object_stat(s, BUCKET, BUCKET_LEN, "e2", 2,
                                          &info, &err), "nothing visible");
    ok(files(dir, 0, "objects") == 2
       && files(dir, 0, "tmp") + files(dir, 1, "tmp") + files(dir, 2, "tmp")
          == 0, "no file left in any replica");

    sos_store_close(s);
}


/* reads spread over the replicas: 60 files are not all read from one */

static void
test_read_spread(void)
{
    char            dir[600], key[16], fdpath[64], target[1024];
    unsigned        i, used;
    size_t          n;
    ssize_t         len;
    sos_store_t    *s;
    sos_reader_t   *rd;
    sos_segment_t   seg;

    snprintf(dir, sizeof(dir), "%s/spread", tmpdir());
    s = util_store_open(dir, 0, 0);
    bucket_make(s, BUCKET);

    used = 0;

    for (i = 0; i < 60; i++) {
        snprintf(key, sizeof(key), "k%u", i);
        if (put_obj(s, BUCKET, key, strlen(key), "spread", 6, 1, NULL, NULL)
            != SOS_OK
            || sos_object_open(s, BUCKET, BUCKET_LEN, key, strlen(key), &rd,
                               NULL, &err)
               != SOS_OK)
        {
            break;
        }

        n = 1;
        if (sos_reader_segments(rd, 0, 6, &seg, &n, &err) == SOS_OK) {
            snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", seg.fd);
            len = readlink(fdpath, target, sizeof(target) - 1);
            if (len > 0) {
                target[len] = '\0';
                used |= strstr(target, "/r0/") ? 1 : 0;
                used |= strstr(target, "/r1/") ? 2 : 0;
                used |= strstr(target, "/r2/") ? 4 : 0;
            }
        }

        sos_reader_close(rd);
    }

    is_int(60, i, "60 objects written and opened");
    is_int(7, used, "their files are read from all three replicas");

    sos_store_close(s);
}


static void
test_preconditions(void)
{
    long               objs;
    sos_put_opts_t     opts;
    sos_object_info_t  info;

    put_obj(st, BUCKET, "pre", 3, "first", 5, 5, NULL, &info);
    objs = files(data_dir, 0, "objects");

    memset(&opts, 0, sizeof(opts));
    opts.if_none_match = 1;
    is_int(SOS_EPRECONDITION, put_obj(st, BUCKET, "pre", 3, "second", 6, 6,
                                      &opts, NULL),
           "if_none_match on an existing key");
    ok(same(st, "pre", 3, "first", 5), "the old object is intact");
    ok(files_all(data_dir, "objects", objs), "the refused files are gone");
    is_int(SOS_OK, put_obj(st, BUCKET, "pre-new", 7, "new", 3, 6, &opts,
                           NULL), "if_none_match on a fresh key");

    opts.if_none_match = 0;
    opts.if_match = "0123456789abcdef0123456789abcdef";
    is_int(SOS_EPRECONDITION, put_obj(st, BUCKET, "pre", 3, "second", 6, 6,
                                      &opts, NULL), "if_match, wrong etag");
    ok(same(st, "pre", 3, "first", 5), "the old object is intact");
    is_int(SOS_EPRECONDITION, put_obj(st, BUCKET, "pre-none", 8, "x", 1, 1,
                                      &opts, NULL), "if_match, missing key");
    opts.if_match = info.etag;
    is_int(SOS_OK, put_obj(st, BUCKET, "pre", 3, "second", 6, 6, &opts,
                           NULL), "if_match, right etag");
    ok(same(st, "pre", 3, "second", 6), "replaced");
    sos_object_info_release(&info);

    /* If-None-Match with an etag: refused only while the key has it */
    put_obj(st, BUCKET, "pre", 3, "third", 5, 5, NULL, &info);
    memset(&opts, 0, sizeof(opts));
    opts.if_none_match_etag = info.etag;
    is_int(SOS_EPRECONDITION, put_obj(st, BUCKET, "pre", 3, "fourth", 6, 6,
                                      &opts, NULL),
           "if_none_match_etag, the key has it");
    ok(same(st, "pre", 3, "third", 5), "the old object is intact");
    opts.if_none_match_etag = "0123456789abcdef0123456789abcdef";
    is_int(SOS_OK, put_obj(st, BUCKET, "pre", 3, "fourth", 6, 6, &opts,
                           NULL), "if_none_match_etag, another etag");
    is_int(SOS_OK, put_obj(st, BUCKET, "pre-etag", 8, "x", 1, 1, &opts,
                           NULL), "if_none_match_etag, missing key");
    sos_object_info_release(&info);

    /* max_size */
    memset(&opts, 0, sizeof(opts));
    opts.max_size = 10;
    is_int(SOS_OK, put_obj(st, BUCKET, "max", 3, "0123456789", 10, 3, &opts,
                           NULL), "exactly max_size");
    is_int(SOS_ETOOLARGE, put_obj(st, BUCKET, "max2", 4, "0123456789A", 11,
                                  3, &opts, NULL), "over max_size: ETOOLARGE");
    is_int(SOS_ENOTFOUND, sos_object_stat(st, BUCKET, BUCKET_LEN, "max2", 4,
                                          &info, &err), "nothing visible");
    ok(files_all(data_dir, "tmp", 0), "no tmp file left");
}


typedef struct {
    pthread_barrier_t  *barrier;
    int                 thread;
    char                key[32];
    sos_rc_e            rc;
} race_t;


static void *
race_run(void *arg)
{
    race_t          *r = arg;
    char             body[32];
    sos_put_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.if_none_match = 1;
    snprintf(body, sizeof(body), "thread %d", r->thread);
    pthread_barrier_wait(r->barrier);
    r->rc = put_obj(st, BUCKET, r->key, strlen(r->key), body, strlen(body),
                    4, &opts, NULL);
    return NULL;
}


static void
test_race_if_none_match(void)
{
    int                 round, t, wins, lost;
    race_t              r[4];
    pthread_t           tid[4];
    pthread_barrier_t   barrier;

    wins = 0;
    lost = 0;
    for (round = 0; round < 20; round++) {
        pthread_barrier_init(&barrier, NULL, 4);
        for (t = 0; t < 4; t++) {
            r[t].barrier = &barrier;
            r[t].thread = t;
            snprintf(r[t].key, sizeof(r[t].key), "race/%d", round);
            pthread_create(&tid[t], NULL, race_run, &r[t]);
        }
        for (t = 0; t < 4; t++) {
            pthread_join(tid[t], NULL);
            wins += r[t].rc == SOS_OK;
            lost += r[t].rc == SOS_EPRECONDITION;
        }
        pthread_barrier_destroy(&barrier);
    }
    is_int(20, wins, "if_none_match races: exactly one winner per key");
    is_int(60, lost, "the others get EPRECONDITION");
}


#define WRITERS  8
#define COMMITS  50

typedef struct {
    int  thread;
    int  serial;                 /* commit under the order lock */
} writer_t;

static pthread_mutex_t  order_lock = PTHREAD_MUTEX_INITIALIZER;
static char             last_body[64];
static size_t           last_len;


static size_t
writer_body(char *buf, size_t size, int thread, int i)
{
    /* distinct contents of distinct lengths */
    return (size_t) snprintf(buf, size, "writer %d commit %d %.*s", thread,
                             i, (thread * 7 + i) % 20, "....................");
}


static void *
writer_run(void *arg)
{
    int              i;
    char             body[64];
    size_t           len;
    sos_rc_e         rc;
    sos_put_t       *put;
    writer_t        *w = arg;
    sos_error_t      e;
    sos_put_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = "conc";
    opts.bucket_len = 4;
    opts.key = "same";
    opts.key_len = 4;

    for (i = 0; i < COMMITS; i++) {
        len = writer_body(body, sizeof(body), w->thread, i);
        if (sos_put_begin(&put, st, &opts, &e) != SOS_OK
            || sos_put_write(put, body, 5, &e) != SOS_OK
            || sos_put_write(put, body + 5, len - 5, &e) != SOS_OK)
        {
            diag("writer %d: %s", w->thread, e.msg);
            return (void *) 1;
        }
        if (w->serial) {
            pthread_mutex_lock(&order_lock);
        }
        rc = sos_put_commit(put, NULL, &e);
        if (w->serial && rc == SOS_OK) {
            memcpy(last_body, body, len);
            last_len = len;
        }
        if (w->serial) {
            pthread_mutex_unlock(&order_lock);
        }
        if (rc != SOS_OK) {
            diag("writer %d commit: %s", w->thread, e.msg);
            return (void *) 1;
        }
    }
    return NULL;
}


static void
test_concurrent_writers(void)
{
    int                 t, i, serial, fails, match;
    long                objs;
    char                body[64];
    size_t              len, blen;
    void               *ret;
    uint64_t            count, bytes;
    writer_t            w[WRITERS];
    pthread_t           tid[WRITERS];
    unsigned char      *got;

    bucket_make(st, "conc");
    objs = files(data_dir, 0, "objects");

    for (serial = 0; serial < 2; serial++) {
        fails = 0;
        for (t = 0; t < WRITERS; t++) {
            w[t].thread = t;
            w[t].serial = serial;
            pthread_create(&tid[t], NULL, writer_run, &w[t]);
        }
        for (t = 0; t < WRITERS; t++) {
            pthread_join(tid[t], &ret);
            fails += ret != NULL;
        }
        is_int(0, fails, "%d writers x %d commits to one key%s", WRITERS,
               COMMITS, serial ? ", commits ordered" : "");

        if (get_obj(st, "conc", "same", 4, &got, &len) != SOS_OK) {
            bail("read conc/same: %s", err.msg);
        }
        match = 0;
        for (t = 0; t < WRITERS; t++) {
            for (i = 0; i < COMMITS; i++) {
                blen = writer_body(body, sizeof(body), t, i);
                match |= blen == len && memcmp(body, got, len) == 0;
            }
        }
        ok(match, "the object is one of the written contents");
        if (serial) {
            ok(len == last_len && memcmp(got, last_body, len) == 0,
               "and it is the last one committed");
        }
        free(got);

        ok(files_all(data_dir, "objects", objs + 1),
           "one file per replica is left");
        ok(files_all(data_dir, "tmp", 0), "and none in tmp/");
        counters(st, "conc", &count, &bytes);
        is_int(1, count, "counters: 1 object");
        is_int(len, bytes, "counters: its bytes");
    }
}


static void
test_copy_acl(void)
{
    long                objs;
    unsigned char       data[3000];
    sos_attrs_t         attrs;
    sos_put_opts_t      opts, dst;
    sos_object_info_t   info, got;

    fill(data, sizeof(data), 3);
    memset(&attrs, 0, sizeof(attrs));
    attrs.content_type = (sos_str_t) { "image/png", 9 };
    attrs.checksum_algorithm = (sos_str_t) { "CRC32", 5 };
    attrs.checksum_value = (sos_str_t) { "q80=", 4 };
    memset(&opts, 0, sizeof(opts));
    opts.attrs = &attrs;
    put_obj(st, BUCKET, "src", 3, data, sizeof(data), 1000, &opts, NULL);

    memset(&dst, 0, sizeof(dst));
    dst.bucket = BUCKET;
    dst.bucket_len = BUCKET_LEN;
    dst.key = "dst";
    dst.key_len = 3;
    is_int(SOS_OK, copy_obj(st, BUCKET, BUCKET_LEN, "src", 3, &dst,
                                   &info, &err), "copy to another key");
    is_int(SOS_WRITE_ID_LEN, strlen(info.write_id),
           "a copy is a write, with its id");
    ok(same(st, "dst", 3, data, sizeof(data)), "the copy has the bytes");
    memset(&got, 0, sizeof(got));
    sos_object_stat(st, BUCKET, BUCKET_LEN, "dst", 3, &got, &err);
    ok(str_eq(got.attrs.content_type, "image/png")
       && str_eq(got.attrs.checksum_algorithm, "CRC32")
       && str_eq(got.attrs.checksum_value, "q80="),
       "metadata and checksum copied");
    is_str(got.etag, info.etag, "commit info of the copy");
    sos_object_info_release(&got);
    sos_object_info_release(&info);

    objs = files(data_dir, 0, "objects");
    attrs.content_type = (sos_str_t) { "text/html", 9 };
    attrs.checksum_algorithm = (sos_str_t) { NULL, 0 };
    attrs.checksum_value = (sos_str_t) { NULL, 0 };
    dst.key = "src";
    dst.attrs = &attrs;
    is_int(SOS_OK, copy_obj(st, BUCKET, BUCKET_LEN, "src", 3, &dst,
                                   NULL, &err), "copy onto itself");
    ok(same(st, "src", 3, data, sizeof(data)), "same bytes");
    memset(&got, 0, sizeof(got));
    sos_object_stat(st, BUCKET, BUCKET_LEN, "src", 3, &got, &err);
    ok(str_eq(got.attrs.content_type, "text/html")
       && got.attrs.checksum_algorithm.len == 0, "with the new metadata");
    sos_object_info_release(&got);
    ok(files_all(data_dir, "objects", objs + 1),
       "the copy's reader held the old file: it waits for a collection");
    put_obj(st, BUCKET, "scratch", 7, data, 10, 10, NULL, NULL);
    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "scratch", 7,
                                     &err), "a delete collects garbage");
    ok(files_all(data_dir, "objects", objs), "the old files are gone");

    is_int(SOS_ENOTFOUND, copy_obj(st, BUCKET, BUCKET_LEN, "none", 4,
                                          &dst, NULL, &err), "copy missing");
    dst.bucket = "nob";
    dst.bucket_len = 3;
    is_int(SOS_ENOBUCKET, copy_obj(st, BUCKET, BUCKET_LEN, "src", 3,
                                          &dst, NULL, &err),
           "copy into missing bucket");
    dst.bucket = BUCKET;
    dst.bucket_len = BUCKET_LEN;
    dst.max_size = 100;
    is_int(SOS_ETOOLARGE, copy_obj(st, BUCKET, BUCKET_LEN, "src", 3,
                                          &dst, NULL, &err),
           "copy over max_size");

    memset(&info, 0, sizeof(info));
    sos_object_stat(st, BUCKET, BUCKET_LEN, "src", 3, &info, &err);
    is_int(SOS_OK, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "src", 3,
                                      &info, "new-acl", 7, &err), "set acl");
    sos_object_info_release(&info);
    memset(&got, 0, sizeof(got));
    sos_object_stat(st, BUCKET, BUCKET_LEN, "src", 3, &got, &err);
    ok(str_eq(got.attrs.acl, "new-acl")
       && str_eq(got.attrs.content_type, "text/html"),
       "acl replaced, metadata kept");
    sos_object_info_release(&got);
    ok(same(st, "src", 3, data, sizeof(data)), "bytes unchanged");
    ok(files_all(data_dir, "objects", objs), "no file added or removed");
}


/* a write of owner's "data" with acl; info may be NULL */
static sos_rc_e
put_owned(const char *key, const char *data, const char *owner,
    const char *acl, sos_object_info_t *info)
{
    sos_attrs_t     attrs;
    sos_put_opts_t  opts;

    memset(&attrs, 0, sizeof(attrs));
    attrs.owner = (sos_str_t) { owner, strlen(owner) };
    attrs.acl = (sos_str_t) { acl, strlen(acl) };
    memset(&opts, 0, sizeof(opts));
    opts.attrs = &attrs;

    return put_obj(st, BUCKET, key, strlen(key), data, strlen(data), 4096,
                   &opts, info);
}


/* the ACL of bucket/key now, compared with want */
static int
acl_is(const char *key, const char *want)
{
    int                 yes;
    sos_object_info_t   info;

    memset(&info, 0, sizeof(info));
    if (sos_object_stat(st, BUCKET, BUCKET_LEN, key, strlen(key), &info,
                        &err) != SOS_OK)
    {
        return 0;
    }
    yes = str_eq(info.attrs.acl, want);
    sos_object_info_release(&info);
    return yes;
}


static void
test_set_acl_expect(void)
{
    sos_reader_t      *rd;
    sos_object_info_t  put, seen, again;

    memset(&put, 0, sizeof(put));
    memset(&seen, 0, sizeof(seen));
    memset(&again, 0, sizeof(again));

    put_owned("ex", "alice's", "alice", "acl-1", &put);
    is_int(SOS_WRITE_ID_LEN, (int) strlen(put.write_id),
           "a write has a write id");
    sos_object_stat(st, BUCKET, BUCKET_LEN, "ex", 2, &seen, &err);
    is_str(put.write_id, seen.write_id, "stat tells the write");
    sos_object_open(st, BUCKET, BUCKET_LEN, "ex", 2, &rd, &again, &err);
    is_str(put.write_id, again.write_id, "so does open with a reader");
    sos_reader_close(rd);
    sos_object_info_release(&again);

    is_int(SOS_OK, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "ex", 2, &seen,
                                      "acl-2", 5, &err),
           "set acl of the version read");
    ok(acl_is("ex", "acl-2"), "acl replaced");
    sos_object_stat(st, BUCKET, BUCKET_LEN, "ex", 2, &again, &err);
    is_str(put.write_id, again.write_id, "an ACL change keeps the write id");

    is_int(SOS_ECHANGED, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "ex", 2,
                                            &seen, "acl-3", 5, &err),
           "refused once the ACL read has changed");
    ok(strstr(err.msg, "ex") != NULL && strstr(err.msg, BUCKET) != NULL,
       "message names key and bucket: %s", err.msg);
    ok(acl_is("ex", "acl-2"), "refused: acl kept");
    sos_object_info_release(&seen);
    sos_object_info_release(&put);

    /* a later write of the same bytes, owner and ACL is another version */

    put_owned("ex", "alice's", "alice", "acl-2", &put);
    ok(strcmp(put.write_id, again.write_id) != 0, "a new write, a new id");
    is_int(SOS_ECHANGED, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "ex", 2,
                                            &again, "acl-3", 5, &err),
           "refused on a later write of the same bytes, owner and ACL");
    ok(acl_is("ex", "acl-2"), "refused: acl kept");
    sos_object_stat(st, BUCKET, BUCKET_LEN, "ex", 2, &seen, &err);
    memcpy(seen.write_id, again.write_id, sizeof(seen.write_id));
    is_int(SOS_ECHANGED, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "ex", 2,
                                            &seen, "acl-3", 5, &err),
           "refused when only the write id differs");
    sos_object_info_release(&seen);
    sos_object_info_release(&again);

    /* the race the check is for: another owner's write under the key */

    sos_object_stat(st, BUCKET, BUCKET_LEN, "ex", 2, &seen, &err);
    put_owned("ex", "bob's secret", "bob", "private", NULL);
    is_int(SOS_ECHANGED, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "ex", 2,
                                            &seen, "public", 6, &err),
           "refused on another owner's write");
    ok(acl_is("ex", "private"), "refused: bob's acl kept");
    sos_object_info_release(&seen);
    sos_object_info_release(&put);

    /* an empty object has a file, and so a write id, too */

    put_owned("empty", "", "alice", "acl-1", &put);
    is_int(SOS_WRITE_ID_LEN, (int) strlen(put.write_id),
           "an empty write has a write id");
    sos_object_stat(st, BUCKET, BUCKET_LEN, "empty", 5, &seen, &err);
    is_int(SOS_OK, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "empty", 5,
                                      &seen, "acl-2", 5, &err),
           "set acl of an empty object");
    ok(acl_is("empty", "acl-2"), "acl replaced");
    put_owned("empty", "", "alice", "acl-1", NULL);
    is_int(SOS_ECHANGED, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "empty",
                                            5, &seen, "acl-2", 5, &err),
           "refused on the next empty write");
    sos_object_info_release(&put);

    /* gone */

    sos_object_delete(st, BUCKET, BUCKET_LEN, "empty", 5, &err);
    is_int(SOS_ENOTFOUND, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "empty",
                                             5, &seen, "acl-2", 5, &err),
           "set acl of a deleted object");
    is_int(SOS_ENOBUCKET, sos_object_set_acl(st, "nob", 3, "empty", 5, &seen,
                                             "acl-2", 5, &err),
           "set acl in a missing bucket");
    sos_object_info_release(&seen);
}


int
main(void)
{
    snprintf(data_dir, sizeof(data_dir), "%s/store", tmpdir());
    st = util_store_open(data_dir, 0, 0);
    bucket_make(st, BUCKET);

    test_round_trip();
    test_abort_overwrite_delete();
    test_keys();
    test_reader_outlives();
    test_read_during_overwrites();
    test_preconditions();
    test_race_if_none_match();
    test_concurrent_writers();
    test_copy_acl();
    test_set_acl_expect();
    test_replicas();
    test_read_spread();

    sos_store_close(st);
    done_testing();
}
