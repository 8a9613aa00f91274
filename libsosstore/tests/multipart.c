/*
 * Multipart uploads: create, parts, listing, complete (manifest of the
 * parts, no copy), abort, and what happens to the part files.
 */

#include <ctype.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"
#include "version_util.h"

#define MIN_PART    1024
#define N_REPLICAS  3
#define MAX_FILES   64

static sos_store_t  *st;
static sos_org_t     org;

/* Part payloads: sizes differ so misplaced bytes show. */
static unsigned char  p1[2000], p2[1500], p2b[1800], p3[700], p4[10];


static void
fill(unsigned char *buf, size_t len, unsigned seed)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        buf[i] = (unsigned char) ((i * 31 + seed * 7 + (i >> 8)) & 0xff);
    }
}


static void
md5_of(const void *data, size_t len, unsigned char out[16])
{
    unsigned int  n;

    if (EVP_Digest(data, len, out, &n, EVP_md5(), NULL) != 1) {
        bail("EVP_Digest failed");
    }
}


static void
hex_of(const unsigned char md5[16], char out[33])
{
    int  i;

    for (i = 0; i < 16; i++) {
        sprintf(out + 2 * i, "%02x", md5[i]);
    }
}


/* Files in <tmp>/r<replica>/objects, names collected for comparison. */
static char    found[MAX_FILES][80];
static size_t  n_found;

static int
collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void) sb;

    if (type == FTW_F && n_found < MAX_FILES) {
        snprintf(found[n_found++], sizeof(found[0]), "%s",
                 path + ftw->base);
    }
    return 0;
}


static size_t
list_files(unsigned replica, char names[MAX_FILES][80])
{
    char  dir[512];

    snprintf(dir, sizeof(dir), "%s/r%u/objects", tmpdir(), replica);
    n_found = 0;
    if (nftw(dir, collect, 16, FTW_PHYS) != 0) {
        bail("nftw(%s) failed", dir);
    }
    if (names != NULL) {
        memcpy(names, found, sizeof(found));
    }
    return n_found;
}


/* The same number of files on every replica, or -1. */
static long
count_files(void)
{
    unsigned  i;
    size_t    n, first = 0;

    for (i = 0; i < N_REPLICAS; i++) {
        n = list_files(i, NULL);
        if (i == 0) {
            first = n;
        } else if (n != first) {
            return -1;
        }
    }
    return (long) first;
}


static int
has_name(char names[MAX_FILES][80], size_t n, const char *name)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}


static sos_rc_e
put_part(const char *bucket, const char *key, size_t key_len,
    const char *upload_id, uint32_t number, const void *data, size_t len,
    sos_object_info_t *info)
{
    sos_rc_e        rc;
    sos_put_t      *put;
    sos_error_t     err;
    sos_put_opts_t  opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = bucket;
    opts.bucket_len = strlen(bucket);
    opts.key = key;
    opts.key_len = key_len;

    rc = sos_part_begin(&put, st, &opts, upload_id, number, &err);
    if (rc != SOS_OK) {
        return rc;
    }
    rc = sos_put_write(put, data, len, &err);
    if (rc != SOS_OK) {
        sos_put_abort(put);
        return rc;
    }
    rc = sos_put_commit(put, info, &err);
    if (rc != SOS_OK) {
        diag("part commit: %s", err.msg);
    }
    return rc;
}


static sos_rc_e
put_object(const char *bucket, const char *key, const void *data,
    size_t len)
{
    sos_rc_e        rc;
    sos_put_t      *put;
    sos_error_t     err;
    sos_put_opts_t  opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = bucket;
    opts.bucket_len = strlen(bucket);
    opts.key = key;
    opts.key_len = strlen(key);

    rc = sos_put_begin(&put, st, &opts, &err);
    if (rc != SOS_OK) {
        return rc;
    }
    rc = sos_put_write(put, data, len, &err);
    if (rc != SOS_OK) {
        sos_put_abort(put);
        return rc;
    }
    return sos_put_commit(put, NULL, &err);
}


static sos_rc_e
complete(const char *bucket, const char *key, size_t key_len,
    const char *upload_id, const sos_part_ref_t *parts, size_t n,
    int if_none_match, sos_object_info_t *info, sos_error_t *err)
{
    sos_put_opts_t  opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = bucket;
    opts.bucket_len = strlen(bucket);
    opts.key = key;
    opts.key_len = key_len;
    opts.if_none_match = if_none_match;

    return sos_upload_complete(st, &opts, upload_id, parts, n, info, err);
}


static void
bucket_counts(const char *bucket, uint64_t *count, uint64_t *bytes)
{
    sos_error_t         err;
    sos_bucket_info_t  *b;

    if (sos_bucket_get(st, bucket, strlen(bucket), &b, &err) != SOS_OK) {
        bail("sos_bucket_get(%s): %s", bucket, err.msg);
    }
    *count = b->bucket.object_count;
    *bytes = b->bucket.bytes;
    sos_bucket_info_free(b);
}



/* ---- list parts ---- */

#define MAX_SEEN  16

typedef struct {
    uint32_t  number[MAX_SEEN];
    uint64_t  size[MAX_SEEN];
    char      etag[MAX_SEEN][SOS_ETAG_MAX + 1];
    char      checksum[MAX_SEEN][64];
    size_t    n;
} parts_seen_t;

static int
on_part(void *ctx, const sos_part_info_t *p)
{
    parts_seen_t  *s = ctx;

    if (s->n < MAX_SEEN) {
        s->number[s->n] = p->part_number;
        s->size[s->n] = p->size;
        strcpy(s->etag[s->n], p->etag);
        snprintf(s->checksum[s->n], sizeof(s->checksum[0]), "%.*s:%.*s",
                 (int) p->checksum_algorithm.len, p->checksum_algorithm.data,
                 (int) p->checksum_value.len, p->checksum_value.data);
    }
    s->n++;
    return 0;
}


static void
test_abort(void)
{
    char               id[SOS_UPLOAD_ID_LEN + 1];
    long               before;
    uint64_t           count, bytes;
    sos_error_t        err;
    parts_seen_t       seen;
    sos_object_info_t  info;

    util_bucket_make(st, org.id, "ab");
    before = count_files();

    is_int(SOS_OK, sos_upload_create(st, "ab", 2, "k", 1, NULL, id, &err),
           "abort: create upload");
    is_int(SOS_OK, put_part("ab", "k", 1, id, 1, p1, sizeof(p1), NULL),
           "abort: part 1");
    is_int(SOS_OK, put_part("ab", "k", 1, id, 2, p3, sizeof(p3), NULL),
           "abort: part 2");
    is_int(before + 2, count_files(), "abort: two part files per replica");

    bucket_counts("ab", &count, &bytes);
    is_int(sizeof(p1) + sizeof(p3), bytes, "parts count in bucket bytes");
    is_int(0, count, "parts are no object");

    is_int(SOS_ENOTEMPTY, sos_bucket_delete(st, "ab", 2, &err),
           "bucket with an upload in progress is not deleted");

    is_int(SOS_OK, sos_upload_abort(st, "ab", 2, "k", 1, id, &err),
           "abort");
    is_int(before, count_files(), "abort removed the part files at once");
    bucket_counts("ab", &count, &bytes);
    is_int(0, bytes, "abort: bucket bytes back to zero");
    is_int(0, count, "abort: object count zero");

    is_int(SOS_ENOUPLOAD,
           sos_upload_stat(st, "ab", 2, "k", 1, id, &info, &err),
           "aborted upload is gone");
    memset(&seen, 0, sizeof(seen));
    is_int(SOS_ENOUPLOAD,
           sos_upload_list_parts(st, "ab", 2, "k", 1, id, 0, 1000, on_part,
                                 &seen, NULL, &err),
           "aborted upload has no parts to list");
    is_int(SOS_ENOUPLOAD, sos_upload_abort(st, "ab", 2, "k", 1, id, &err),
           "abort twice");
    is_int(SOS_ENOUPLOAD,
           put_part("ab", "k", 1, id, 1, p1, sizeof(p1), NULL),
           "no part after abort");

    is_int(SOS_OK, sos_bucket_delete(st, "ab", 2, &err),
           "bucket deleted after the abort");
}


/* A concurrent abort between a part's begin and its commit. */
static void
test_part_after_end(void)
{
    char            id[SOS_UPLOAD_ID_LEN + 1];
    long            before;
    sos_put_t      *put;
    sos_error_t     err;
    sos_put_opts_t  opts;

    util_bucket_make(st, org.id, "late");
    before = count_files();

    sos_upload_create(st, "late", 4, "k", 1, NULL, id, &err);

    memset(&opts, 0, sizeof(opts));
    opts.bucket = "late";
    opts.bucket_len = 4;
    opts.key = "k";
    opts.key_len = 1;

    is_int(SOS_OK, sos_part_begin(&put, st, &opts, id, 1, &err),
           "part begun");
    sos_put_write(put, p1, sizeof(p1), &err);
    is_int(SOS_OK, sos_upload_abort(st, "late", 4, "k", 1, id, &err),
           "upload aborted while the part streams");
    is_int(SOS_ENOUPLOAD, sos_put_commit(put, NULL, &err),
           "the part's commit finds no upload");
    is_int(before, count_files(), "the late part left no file");

    is_int(SOS_OK, sos_bucket_delete(st, "late", 4, &err),
           "and nothing holds the bucket");
}


static void
test_multipart_delete(void)
{
    char               id[SOS_UPLOAD_ID_LEN + 1], hex[33], want[48];
    long               before;
    unsigned char      md5[16], mm[16];
    sos_error_t        err;
    sos_part_ref_t     ref[2];
    sos_object_info_t  info, p1info, p4info;

    before = count_files();

    sos_upload_create(st, "mp", 2, "del", 3, NULL, id, &err);
    put_part("mp", "del", 3, id, 1, p1, sizeof(p1), &p1info);
    put_part("mp", "del", 3, id, 7, p4, sizeof(p4), &p4info);

    ref[0].part_number = 1;
    ref[0].etag = p1info.etag;
    ref[0].etag_len = strlen(p1info.etag);
    ref[1].part_number = 7;
    ref[1].etag = p4info.etag;
    ref[1].etag_len = strlen(p4info.etag);

    is_int(SOS_OK, complete("mp", "del", 3, id, ref, 2, 0, &info, &err),
           "complete with a small last part");
    md5_of(p1, sizeof(p1), mm);
    md5_of(p4, sizeof(p4), md5);
    {
        unsigned char  both[32];

        memcpy(both, mm, 16);
        memcpy(both + 16, md5, 16);
        md5_of(both, 32, md5);
    }
    hex_of(md5, hex);
    snprintf(want, sizeof(want), "%s-2", hex);
    is_str(want, info.etag, "etag of parts 1 and 7");
    is_int(sizeof(p1) + sizeof(p4), info.size, "size of parts 1 and 7");
    sos_object_info_release(&info);
    sos_object_info_release(&p1info);
    sos_object_info_release(&p4info);

    is_int(before + 2, count_files(), "two part files");
    is_int(SOS_OK, sos_object_delete(st, "mp", 2, "del", 3, &err),
           "delete the multipart object");
    is_int(before, count_files(), "deleting removed every part file");
}


/* Committed parts outlive the process that wrote them: a reopen (which
 * removes every file a pending intent names) must keep them. */
static void
test_parts_survive_reopen(const sos_store_conf_t *conf)
{
    char               id[SOS_UPLOAD_ID_LEN + 1];
    long               before;
    size_t             got;
    sos_error_t        err;
    sos_reader_t      *rd;
    sos_part_ref_t     ref[2];
    sos_store_info_t   sinfo;
    sos_object_info_t  info, a, b;
    unsigned char      buf[sizeof(p1) + sizeof(p4)];

    sos_upload_create(st, "mp", 2, "reopen", 6, NULL, id, &err);
    put_part("mp", "reopen", 6, id, 1, p1, sizeof(p1), &a);
    put_part("mp", "reopen", 6, id, 2, p4, sizeof(p4), &b);
    before = count_files();

    sos_store_close(st);
    if (sos_store_open(&st, conf, &err) != SOS_OK) {
        bail("reopen: %s", err.msg);
    }
    sos_store_info(st, &sinfo);
    is_int(0, sinfo.garbage_removed, "reopen finds no garbage");
    is_int(before, count_files(), "part files kept across a reopen");

    ref[0].part_number = 1;
    ref[0].etag = a.etag;
    ref[0].etag_len = strlen(a.etag);
    ref[1].part_number = 2;
    ref[1].etag = b.etag;
    ref[1].etag_len = strlen(b.etag);
    is_int(SOS_OK, complete("mp", "reopen", 6, id, ref, 2, 0, &info, &err),
           "complete after a reopen");
    sos_object_info_release(&info);
    sos_object_info_release(&a);
    sos_object_info_release(&b);

    is_int(SOS_OK, sos_object_open(st, "mp", 2, "reopen", 6, &rd, NULL, &err),
           "open the object");
    got = 0;
    while (got < sizeof(buf)) {
        size_t  n;

        if (sos_reader_read(rd, got, buf + got, sizeof(buf) - got, &n, &err)
            != SOS_OK || n == 0)
        {
            break;
        }
        got += n;
    }
    ok(got == sizeof(buf) && memcmp(buf, p1, sizeof(p1)) == 0
       && memcmp(buf + sizeof(p1), p4, sizeof(p4)) == 0,
       "bytes intact after a reopen");
    {
        uint64_t  off, len;

        is_int(SOS_OK, sos_reader_part(rd, 2, &off, &len, &err),
               "reader_part: part 2");
        ok(off == sizeof(p1) && len == sizeof(p4),
           "reader_part: part 2 starts after part 1, its own length");
        is_int(SOS_OK, sos_reader_part(rd, 1, &off, &len, &err),
               "reader_part: part 1");
        ok(off == 0 && len == sizeof(p1), "reader_part: part 1 range");
        is_int(SOS_ERANGE, sos_reader_part(rd, 3, &off, &len, &err),
               "reader_part: no part 3");
        is_int(SOS_ERANGE, sos_reader_part(rd, 0, &off, &len, &err),
               "reader_part: no part 0");
    }
    sos_reader_close(rd);
    sos_object_delete(st, "mp", 2, "reopen", 6, &err);
}


/* Housekeeping: uploads older than a cutoff go, with their files. */
static void
test_expire(void)
{
    char         old_id[SOS_UPLOAD_ID_LEN + 1], new_id[SOS_UPLOAD_ID_LEN + 1];
    long         files;
    int64_t      now;
    uint64_t     removed, count, bytes, bytes_before;
    sos_error_t  err;

    util_bucket_make(st, org.id, "ex");
    files = count_files();
    bucket_counts("ex", &count, &bytes_before);

    is_int(SOS_OK, sos_upload_create(st, "ex", 2, "old", 3, NULL, old_id,
                                     &err), "expire: an upload");
    put_part("ex", "old", 3, old_id, 1, p1, sizeof(p1), NULL);
    put_part("ex", "old", 3, old_id, 2, p3, sizeof(p3), NULL);
    bucket_counts("ex", &count, &bytes);
    is_int((long) (bytes_before + sizeof(p1) + sizeof(p3)), (long) bytes,
           "expire: parts count in the bucket's bytes");

    now = (int64_t) time(NULL);

    removed = 99;
    is_int(SOS_OK, sos_upload_expire(st, now - 3600, &removed, &err),
           "expire with a cutoff an hour ago");
    is_int(0, (long) removed, "a fresh upload is kept");
    is_int(files + 2, count_files(), "its part files too");

    /* a cutoff in the future makes every upload stale */

    is_int(SOS_OK, sos_upload_create(st, "ex", 2, "new", 3, NULL, new_id,
                                     &err), "expire: a second upload");
    put_part("ex", "new", 3, new_id, 1, p4, sizeof(p4), NULL);

    is_int(SOS_OK, sos_upload_expire(st, now + 3600, &removed, &err),
           "expire with a cutoff in the future");
    is_int(2, (long) removed, "both uploads removed");
    is_int(files, count_files(), "their part files are gone at once");
    bucket_counts("ex", &count, &bytes);
    is_int((long) bytes_before, (long) bytes, "their bytes no longer count");
    is_int(SOS_ENOUPLOAD,
           sos_upload_abort(st, "ex", 2, "old", 3, old_id, &err),
           "the expired upload is unknown");

    is_int(SOS_OK, sos_upload_expire(st, now + 3600, &removed, &err),
           "expire with nothing to do");
    is_int(0, (long) removed, "removes nothing");
}

/*
 * Complete retried after it succeeded (a lost response): the same result
 * while the object is the one it made, until expiry forgets it.  Ceph
 * RGW's check_previously_completed answers so, and NoSuchUpload once the
 * object was replaced.
 */
static void
test_complete_retry(void)
{
    char               id[SOS_UPLOAD_ID_LEN + 1], id2[SOS_UPLOAD_ID_LEN + 1];
    char               etag[SOS_ETAG_MAX + 1], write_id[SOS_WRITE_ID_LEN + 1];
    char               upper[32];
    size_t             i;
    int64_t            now;
    uint64_t           removed;
    sos_error_t        err;
    sos_part_ref_t     ref[2];
    sos_object_info_t  info, pinfo[2];

    util_bucket_make(st, org.id, "rt");

    sos_upload_create(st, "rt", 2, "k", 1, NULL, id, &err);
    put_part("rt", "k", 1, id, 1, p1, sizeof(p1), &pinfo[0]);
    put_part("rt", "k", 1, id, 2, p3, sizeof(p3), &pinfo[1]);
    ref[0].part_number = 1;
    ref[0].etag = pinfo[0].etag;
    ref[0].etag_len = strlen(pinfo[0].etag);
    ref[1].part_number = 2;
    ref[1].etag = pinfo[1].etag;
    ref[1].etag_len = strlen(pinfo[1].etag);

    is_int(SOS_OK, complete("rt", "k", 1, id, ref, 2, 0, &info, &err),
           "retry: complete");
    memcpy(etag, info.etag, sizeof(etag));
    memcpy(write_id, info.write_id, sizeof(write_id));
    sos_object_info_release(&info);

    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, complete("rt", "k", 1, id, ref, 2, 1, &info, &err),
           "retry: complete again succeeds (if_none_match too)");
    is_str(etag, info.etag, "retry: the same etag");
    is_str(write_id, info.write_id, "retry: the same object");
    sos_object_info_release(&info);

    /* a client may send the ETags in capitals: the same parts */
    for (i = 0; i < 32; i++) {
        upper[i] = (char) toupper((unsigned char) pinfo[0].etag[i]);
    }
    ref[0].etag = upper;
    ref[0].etag_len = 32;
    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, complete("rt", "k", 1, id, ref, 2, 0, &info, &err),
           "retry: capital hex digits name the same part");
    sos_object_info_release(&info);
    upper[5] = 'G';
    is_int(SOS_ENOUPLOAD, complete("rt", "k", 1, id, ref, 2, 0, &info, &err),
           "retry: a byte that is no hex digit is another part");
    ref[0].etag = pinfo[0].etag;
    ref[0].etag_len = strlen(pinfo[0].etag);

    is_int(SOS_ENOUPLOAD, complete("rt", "k", 1, id, ref, 1, 0, &info, &err),
           "retry: other parts are NoSuchUpload");
    is_int(SOS_ENOUPLOAD,
           complete("rt", "other", 5, id, ref, 2, 0, &info, &err),
           "retry: on another key is NoSuchUpload");
    is_int(SOS_ENOUPLOAD, put_part("rt", "k", 1, id, 3, p4, sizeof(p4), NULL),
           "retry: no part may be added");

    now = (int64_t) time(NULL);
    is_int(SOS_OK, sos_upload_expire(st, now - 3600, &removed, &err),
           "retry: expiry an hour ago");
    is_int(SOS_OK, complete("rt", "k", 1, id, ref, 2, 0, &info, &err),
           "retry: within the expiry window it still succeeds");
    sos_object_info_release(&info);

    is_int(SOS_OK, put_object("rt", "k", p4, sizeof(p4)), "retry: overwrite");
    is_int(SOS_ENOUPLOAD, complete("rt", "k", 1, id, ref, 2, 0, &info, &err),
           "retry: after an overwrite is NoSuchUpload");

    sos_upload_create(st, "rt", 2, "k2", 2, NULL, id2, &err);
    put_part("rt", "k2", 2, id2, 1, p1, sizeof(p1), NULL);
    ref[0].etag = pinfo[0].etag;
    is_int(SOS_OK, complete("rt", "k2", 2, id2, ref, 1, 0, &info, &err),
           "retry: a second upload completes");
    sos_object_info_release(&info);
    is_int(SOS_OK, sos_upload_expire(st, now + 3600, &removed, &err),
           "retry: expiry past its completion");
    is_int(SOS_ENOUPLOAD,
           complete("rt", "k2", 2, id2, ref, 1, 0, &info, &err),
           "retry: after expiry is NoSuchUpload");

    sos_object_info_release(&pinfo[0]);
    sos_object_info_release(&pinfo[1]);
}


/*
 * Writes to a versioned bucket, each stamping the last version time
 * (sos_version_stamp), until told to stop (bounded: 20000 puts).
 */
static void *
versioned_writer(void *arg)
{
    int  i, *stop = arg;

    for (i = 0; i < 20000 && !__atomic_load_n(stop, __ATOMIC_RELAXED); i++) {
        (void) put_object("rsh", "w", p4, sizeof(p4));
    }
    return NULL;
}


/*
 * Complete retried in a Suspended bucket while versioned writes stamp
 * beside it: the commit moves the null version's mtime past the last
 * version time when a stamp came after the upload's own clock read, so
 * the D record cannot describe the object by its mtime; the retry is
 * answered as the first Complete was, whenever that happened.
 */
static void
test_complete_retry_suspended(void)
{
    int                i, stop, failed;
    char               id[SOS_UPLOAD_ID_LEN + 1];
    pthread_t          t;
    sos_error_t        err;
    sos_part_ref_t     ref;
    sos_object_info_t  info, pinfo;

    util_bucket_make(st, org.id, "rss");
    vu_versioning(st, "rss", SOS_VERSIONING_SUSPENDED);
    util_bucket_make(st, org.id, "rsh");
    vu_versioning(st, "rsh", SOS_VERSIONING_ENABLED);

    stop = 0;
    if (pthread_create(&t, NULL, versioned_writer, &stop) != 0) {
        bail("pthread_create");
    }

    failed = 0;

    for (i = 0; i < 1000; i++) {
        if (sos_upload_create(st, "rss", 3, "k", 1, NULL, id, &err)
            != SOS_OK
            || put_part("rss", "k", 1, id, 1, p4, sizeof(p4), &pinfo)
               != SOS_OK)
        {
            bail("upload: %s", err.msg);
        }
        ref.part_number = 1;
        ref.etag = pinfo.etag;
        ref.etag_len = strlen(pinfo.etag);

        if (complete("rss", "k", 1, id, &ref, 1, 0, &info, &err) != SOS_OK) {
            bail("complete: %s", err.msg);
        }
        sos_object_info_release(&info);

        if (complete("rss", "k", 1, id, &ref, 1, 0, &info, &err) != SOS_OK) {
            failed++;
        } else {
            sos_object_info_release(&info);
        }
        sos_object_info_release(&pinfo);
    }

    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);

    is_int(0, failed, "retry in a Suspended bucket beside versioned "
           "writes: every retry succeeds");
}


int
main(void)
{
    int                truncated;
    char               id[SOS_UPLOAD_ID_LEN + 1], id2[SOS_UPLOAD_ID_LEN + 1];
    char               hex[33], want[48], quoted[64];
    char               write_id[SOS_WRITE_ID_LEN + 1];
    char               bad[SOS_UPLOAD_ID_LEN + 1];
    char               before_names[N_REPLICAS][MAX_FILES][80];
    char               after_names[MAX_FILES][80], *all, *buf;
    size_t             i, j, n, got, total, n_before[N_REPLICAS], n_after;
    size_t             gone, added;
    int64_t            now;
    uint64_t           count, bytes, off;
    sos_rc_e           rc;
    sos_kv_t           meta[1];
    sos_put_t         *put;
    sos_attrs_t        attrs;
    sos_error_t        err;
    sos_segment_t      segs[4];
    parts_seen_t       seen;
    sos_part_ref_t     ref[4];
    unsigned char      md5s[3][16], md5[16], chunk[4000];
    sos_reader_t      *rd;
    sos_put_opts_t     opts;
    sos_store_conf_t   conf;
    sos_object_info_t  info, pinfo[5];
    static const char  key[] = "dir/a b+%..\001\377key";
    const size_t       key_len = sizeof(key) - 1;

    plan(0);

    fill(p1, sizeof(p1), 1);
    fill(p2, sizeof(p2), 2);
    fill(p2b, sizeof(p2b), 3);
    fill(p3, sizeof(p3), 4);
    fill(p4, sizeof(p4), 5);

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = tmpdir();
    conf.n_replicas = N_REPLICAS;
    conf.no_fsync = 1;
    conf.min_part_size = MIN_PART;

    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("sos_store_open: %s", err.msg);
    }
    if (sos_org_create(st, "alice", 5, "", 0, &org, &err) != SOS_OK) {
        bail("sos_org_create: %s", err.msg);
    }
    util_bucket_make(st, org.id, "mp");

    /* ---- create and stat ---- */

    is_int(SOS_ENOBUCKET,
           sos_upload_create(st, "nobucket", 8, "k", 1, NULL, id, &err),
           "upload in a missing bucket");
    is_int(SOS_EINVAL, sos_upload_create(st, "mp", 2, "", 0, NULL, id, &err),
           "upload with an empty key");
    is_int(SOS_EINVAL, sos_upload_create(st, "mp", 2, "a\0b", 3, NULL, id,
                                         &err),
           "upload with NUL in its key");

    memset(&attrs, 0, sizeof(attrs));
    attrs.content_type.data = "text/plain";
    attrs.content_type.len = 10;
    meta[0].name.data = "color";
    meta[0].name.len = 5;
    meta[0].value.data = "blue";
    meta[0].value.len = 4;
    attrs.user_meta = meta;
    attrs.n_user_meta = 1;
    attrs.owner.data = org.id;
    attrs.owner.len = strlen(org.id);

    now = (int64_t) time(NULL);
    is_int(SOS_OK,
           sos_upload_create(st, "mp", 2, key, key_len, &attrs, id, &err),
           "create upload");
    is_int(SOS_UPLOAD_ID_LEN, strspn(id, "0123456789abcdef"),
           "upload id is hex of the right length");
    is_int(SOS_UPLOAD_ID_LEN, strlen(id), "upload id is terminated");

    is_int(SOS_OK,
           sos_upload_stat(st, "mp", 2, key, key_len, id, &info, &err),
           "stat upload");
    is_int(10, info.attrs.content_type.len, "stat: content type length");
    ok(info.attrs.content_type.len == 10
       && memcmp(info.attrs.content_type.data, "text/plain", 10) == 0,
       "stat: content type");
    ok(info.attrs.n_user_meta == 1
       && info.attrs.user_meta[0].value.len == 4
       && memcmp(info.attrs.user_meta[0].value.data, "blue", 4) == 0,
       "stat: user metadata");
    ok(info.attrs.owner.len == strlen(org.id)
       && memcmp(info.attrs.owner.data, org.id, strlen(org.id)) == 0,
       "stat: owner");
    ok(info.mtime >= now - 5 && info.mtime <= now + 5,
       "stat: initiated is now");
    sos_object_info_release(&info);

    is_int(SOS_ENOUPLOAD,
           sos_upload_stat(st, "mp", 2, "other", 5, id, &info, &err),
           "the upload id belongs to its key only");
    memset(bad, 'f', SOS_UPLOAD_ID_LEN);
    bad[SOS_UPLOAD_ID_LEN] = '\0';
    is_int(SOS_ENOUPLOAD,
           sos_upload_stat(st, "mp", 2, key, key_len, bad, &info, &err),
           "stat of an unknown upload id");
    is_int(SOS_ENOUPLOAD,
           sos_upload_stat(st, "mp", 2, key, key_len, "../x", &info, &err),
           "stat of a malformed upload id");
    is_int(SOS_ENOBUCKET,
           sos_upload_stat(st, "nobucket", 8, key, key_len, id, &info, &err),
           "stat in a missing bucket");

    /* ---- parts ---- */

    is_int(SOS_EINVAL, put_part("mp", key, key_len, id, 0, p1, 1, NULL),
           "part number 0");
    is_int(SOS_EINVAL, put_part("mp", key, key_len, id, 10001, p1, 1, NULL),
           "part number 10001");
    is_int(SOS_ENOUPLOAD, put_part("mp", key, key_len, bad, 1, p1, 1, NULL),
           "part of a missing upload");

    is_int(0, count_files(), "no files yet");

    is_int(SOS_OK,
           put_part("mp", key, key_len, id, 1, p1, sizeof(p1), &pinfo[1]),
           "part 1");
    is_int(SOS_OK,
           put_part("mp", key, key_len, id, 2, p2, sizeof(p2), &pinfo[2]),
           "part 2");

    memset(&opts, 0, sizeof(opts));
    opts.bucket = "mp";
    opts.bucket_len = 2;
    opts.key = key;
    opts.key_len = key_len;
    is_int(SOS_OK, sos_part_begin(&put, st, &opts, id, 3, &err),
           "part 3 begin");
    sos_put_write(put, p3, sizeof(p3), &err);
    sos_put_set_checksum(put, "CRC32C", 6, "AAAAAA==", 8, &err);
    is_int(SOS_OK, sos_put_commit(put, &pinfo[3], &err), "part 3 commit");

    md5_of(p1, sizeof(p1), md5s[0]);
    md5_of(p2, sizeof(p2), md5s[1]);
    md5_of(p3, sizeof(p3), md5s[2]);
    hex_of(md5s[0], hex);
    is_str(hex, pinfo[1].etag, "part 1 etag is its md5");
    is_int(sizeof(p1), pinfo[1].size, "part 1 size");
    hex_of(md5s[2], hex);
    is_str(hex, pinfo[3].etag, "part 3 etag is its md5");
    is_int(0, pinfo[1].parts, "a part is no multipart object");

    is_int(3, count_files(), "three part files on every replica");
    bucket_counts("mp", &count, &bytes);
    is_int(sizeof(p1) + sizeof(p2) + sizeof(p3), bytes,
           "bucket bytes count the parts");

    /* ---- list parts ---- */

    memset(&seen, 0, sizeof(seen));
    is_int(SOS_OK,
           sos_upload_list_parts(st, "mp", 2, key, key_len, id, 0, 2,
                                 on_part, &seen, &truncated, &err),
           "list parts, max 2");
    is_int(2, seen.n, "two parts");
    is_int(1, truncated, "truncated");
    is_int(1, seen.number[0], "part 1 first");
    is_int(2, seen.number[1], "part 2 second");
    is_int(sizeof(p2), seen.size[1], "part 2 size");
    hex_of(md5s[1], hex);
    is_str(hex, seen.etag[1], "part 2 etag");

    memset(&seen, 0, sizeof(seen));
    sos_upload_list_parts(st, "mp", 2, key, key_len, id, 2, 2, on_part,
                          &seen, &truncated, &err);
    is_int(1, seen.n, "after marker 2: one part");
    is_int(3, seen.number[0], "after marker 2: part 3");
    is_int(0, truncated, "after marker 2: not truncated");
    is_str("CRC32C:AAAAAA==", seen.checksum[0], "part 3 checksum");

    memset(&seen, 0, sizeof(seen));
    sos_upload_list_parts(st, "mp", 2, key, key_len, id, 3, 1000, on_part,
                          &seen, &truncated, &err);
    is_int(0, seen.n, "after marker 3: nothing");
    is_int(0, truncated, "after marker 3: not truncated");

    memset(&seen, 0, sizeof(seen));
    is_int(SOS_ENOUPLOAD,
           sos_upload_list_parts(st, "mp", 2, key, key_len, bad, 0, 1000,
                                 on_part, &seen, &truncated, &err),
           "list parts of a missing upload");

    /* ---- re-upload part 2 ---- */

    for (i = 0; i < N_REPLICAS; i++) {
        n_before[i] = list_files((unsigned) i, before_names[i]);
    }
    sos_object_info_release(&pinfo[2]);

    is_int(SOS_OK,
           put_part("mp", key, key_len, id, 2, p2b, sizeof(p2b), &pinfo[2]),
           "re-upload part 2");
    md5_of(p2b, sizeof(p2b), md5s[1]);
    hex_of(md5s[1], hex);
    is_str(hex, pinfo[2].etag, "new part 2 etag");

    for (i = 0; i < N_REPLICAS; i++) {
        n_after = list_files((unsigned) i, after_names);
        gone = 0;
        added = 0;
        for (j = 0; j < n_before[i]; j++) {
            gone += !has_name(after_names, n_after, before_names[i][j]);
        }
        for (j = 0; j < n_after; j++) {
            added += !has_name(before_names[i], n_before[i], after_names[j]);
        }
        ok(n_after == 3 && gone == 1 && added == 1,
           "replica %zu: the old part 2 file replaced by the new one", i);
    }

    bucket_counts("mp", &count, &bytes);
    is_int(sizeof(p1) + sizeof(p2b) + sizeof(p3), bytes,
           "bucket bytes follow the re-upload");

    /* a small part 4 that complete will leave out */
    is_int(SOS_OK,
           put_part("mp", key, key_len, id, 4, p4, sizeof(p4), &pinfo[4]),
           "part 4");

    /* ---- complete: failures leave the upload intact ---- */

    for (i = 1; i <= 4; i++) {
        ref[i - 1].part_number = (uint32_t) i;
        ref[i - 1].etag = pinfo[i].etag;
        ref[i - 1].etag_len = strlen(pinfo[i].etag);
    }

    {
        sos_part_ref_t  r[3];

        r[0] = ref[1];
        r[1] = ref[0];
        is_int(SOS_EPARTORDER,
               complete("mp", key, key_len, id, r, 2, 0, &info, &err),
               "descending parts");
        r[1] = ref[1];
        is_int(SOS_EPARTORDER,
               complete("mp", key, key_len, id, r, 2, 0, &info, &err),
               "a part named twice");

        r[0] = ref[0];
        r[1] = ref[1];
        r[1].part_number = 5;
        is_int(SOS_EINVALIDPART,
               complete("mp", key, key_len, id, r, 2, 0, &info, &err),
               "a part never uploaded");
        ok(strstr(err.msg, id) != NULL, "message names the upload");

        r[1] = ref[1];
        r[1].etag = pinfo[1].etag;
        is_int(SOS_EINVALIDPART,
               complete("mp", key, key_len, id, r, 2, 0, &info, &err),
               "an etag of another part");

        r[1] = ref[1];
        r[1].etag_len = 31;
        is_int(SOS_EINVALIDPART,
               complete("mp", key, key_len, id, r, 2, 0, &info, &err),
               "a cut etag");

        r[0] = ref[0];
        r[1] = ref[2];
        r[2] = ref[3];
        is_int(SOS_ETOOSMALL,
               complete("mp", key, key_len, id, r, 3, 0, &info, &err),
               "part 3 is too small but not last");

        is_int(SOS_EINVAL,
               complete("mp", key, key_len, id, r, 0, 0, &info, &err),
               "no parts");
        is_int(SOS_ENOUPLOAD,
               complete("mp", key, key_len, bad, ref, 3, 0, &info, &err),
               "complete of a missing upload");
        is_int(SOS_ENOUPLOAD,
               complete("mp", "other", 5, id, ref, 3, 0, &info, &err),
               "complete on another key");
    }

    /* an object already at the key: if_none_match fails, upload stays */
    is_int(SOS_OK, put_object("mp", "plain", p4, sizeof(p4)), "plain put");
    {
        /* the same key as the upload: write it through put_begin */
        sos_put_begin(&put, st, &opts, &err);
        sos_put_write(put, p4, sizeof(p4), &err);
        is_int(SOS_OK, sos_put_commit(put, NULL, &err),
               "an object at the upload's key");
    }
    is_int(6, count_files(), "four parts and two objects");

    is_int(SOS_EPRECONDITION,
           complete("mp", key, key_len, id, ref, 3, 1, &info, &err),
           "if_none_match with the key taken");
    is_int(SOS_OK,
           sos_upload_stat(st, "mp", 2, key, key_len, id, &info, &err),
           "the upload is still there");
    sos_object_info_release(&info);
    memset(&seen, 0, sizeof(seen));
    sos_upload_list_parts(st, "mp", 2, key, key_len, id, 0, 1000, on_part,
                          &seen, &truncated, &err);
    is_int(4, seen.n, "with its four parts");

    /* ---- complete ---- */

    bucket_counts("mp", &count, &bytes);
    is_int(2, count, "two objects before complete");

    /* clients send etags quoted, some in upper case */
    snprintf(quoted, sizeof(quoted), "\"%s\"", pinfo[1].etag);
    ref[0].etag = quoted;
    ref[0].etag_len = strlen(quoted);
    for (i = 0; pinfo[2].etag[i] != '\0'; i++) {
        pinfo[2].etag[i] = (char) toupper((unsigned char) pinfo[2].etag[i]);
    }

    rc = complete("mp", key, key_len, id, ref, 3, 0, &info, &err);
    if (!is_int(SOS_OK, rc, "complete parts 1, 2, 3")) {
        diag("%s", err.msg);
    }

    {
        EVP_MD_CTX  *c = EVP_MD_CTX_new();

        EVP_DigestInit_ex(c, EVP_md5(), NULL);
        EVP_DigestUpdate(c, md5s, sizeof(md5s));
        EVP_DigestFinal_ex(c, md5, NULL);
        EVP_MD_CTX_free(c);
    }
    hex_of(md5, hex);
    snprintf(want, sizeof(want), "%s-3", hex);
    is_str(want, info.etag, "etag is md5 of the part md5s, dash 3");
    total = sizeof(p1) + sizeof(p2b) + sizeof(p3);
    is_int(total, info.size, "size is the sum of the parts");
    is_int(3, info.parts, "three parts");
    is_int(SOS_WRITE_ID_LEN, strlen(info.write_id),
           "a complete is a write, with its id");
    memcpy(write_id, info.write_id, sizeof(write_id));
    sos_object_info_release(&info);
    for (i = 1; i <= 4; i++) {
        sos_object_info_release(&pinfo[i]);
    }

    /* a retried Complete finds the object through the upload's id */
    is_int(SOS_OK,
           sos_upload_stat(st, "mp", 2, key, key_len, id, &info, &err),
           "stat of the completed upload answers its object");
    is_str(want, info.etag, "with the object's etag");
    sos_object_info_release(&info);
    is_int(SOS_ENOUPLOAD,
           sos_upload_list_parts(st, "mp", 2, key, key_len, id, 0, 1000,
                                 on_part, &seen, &truncated, &err),
           "its parts are gone");
    is_int(4, count_files(),
           "part 4 and the replaced object's file are removed");

    bucket_counts("mp", &count, &bytes);
    is_int(2, count, "object count: the key was replaced");
    is_int(total + sizeof(p4), bytes, "bucket bytes: objects only");

    /* ---- read it back ---- */

    all = malloc(total);
    buf = malloc(total + 1);
    memcpy(all, p1, sizeof(p1));
    memcpy(all + sizeof(p1), p2b, sizeof(p2b));
    memcpy(all + sizeof(p1) + sizeof(p2b), p3, sizeof(p3));

    is_int(SOS_OK,
           sos_object_open(st, "mp", 2, key, key_len, &rd, &info, &err),
           "open the multipart object");
    is_str(want, info.etag, "stat etag");
    is_int(3, info.parts, "stat parts");
    is_str(write_id, info.write_id, "stat tells the write");
    ok(info.attrs.content_type.len == 10
       && memcmp(info.attrs.content_type.data, "text/plain", 10) == 0,
       "the upload's content type");
    ok(info.attrs.n_user_meta == 1, "the upload's user metadata");
    sos_object_info_release(&info);

    /* in odd chunks so reads cross part boundaries */
    for (off = 0; off < total; off += got) {
        if (sos_reader_read(rd, off, buf + off, 333, &got, &err) != SOS_OK
            || got == 0)
        {
            break;
        }
    }
    is_int(total, off, "read the whole object");
    ok(memcmp(buf, all, total) == 0, "bytes are the parts, in order");

    /* bytes [1990, 3890): 10 of part 1, all 1800 of part 2, 90 of part 3 */
    n = 1;
    is_int(SOS_ERANGE,
           sos_reader_segments(rd, 1990, 1900, segs, &n, &err),
           "segments: too small an array");
    is_int(3, n, "segments: three needed");

    n = 4;
    is_int(SOS_OK, sos_reader_segments(rd, 1990, 1900, segs, &n, &err),
           "segments across part boundaries");
    is_int(3, n, "three segments");
    ok(n == 3 && segs[0].offset == 1990 && segs[0].len == 10,
       "segment 1: end of part 1");
    ok(n == 3 && segs[1].offset == 0 && segs[1].len == sizeof(p2b),
       "segment 2: all of part 2");
    ok(n == 3 && segs[2].offset == 0 && segs[2].len == 90,
       "segment 3: start of part 3");

    got = 0;
    for (i = 0; i < n && i < 4; i++) {
        if (pread(segs[i].fd, chunk + got, segs[i].len, (off_t) segs[i].offset)
            != (ssize_t) segs[i].len)
        {
            break;
        }
        got += segs[i].len;
    }
    is_int(1900, got, "pread every segment");
    ok(memcmp(chunk, all + 1990, 1900) == 0, "segment bytes are right");
    is_int(SOS_OK, sos_reader_read(rd, 1990, buf, 1900, &got, &err),
           "read the same range");
    ok(got > 0 && memcmp(buf, all + 1990, got) == 0,
       "read agrees with the segments");

    sos_reader_close(rd);

    /* ---- overwrite removes every part file ---- */

    sos_put_begin(&put, st, &opts, &err);
    sos_put_write(put, p4, sizeof(p4), &err);
    is_int(SOS_OK, sos_put_commit(put, NULL, &err),
           "overwrite the multipart object");
    is_int(2, count_files(), "its three part files are removed");

    /* two uploads of one key: completing one leaves the other */
    sos_upload_create(st, "mp", 2, key, key_len, NULL, id, &err);
    sos_upload_create(st, "mp", 2, key, key_len, NULL, id2, &err);
    put_part("mp", key, key_len, id, 1, p4, sizeof(p4), &pinfo[1]);
    put_part("mp", key, key_len, id2, 1, p3, sizeof(p3), &pinfo[2]);
    ref[0].part_number = 1;
    ref[0].etag = pinfo[1].etag;
    ref[0].etag_len = strlen(pinfo[1].etag);
    is_int(SOS_OK, complete("mp", key, key_len, id, ref, 1, 0, &info, &err),
           "complete one of two uploads of a key");
    sos_object_info_release(&info);
    memset(&seen, 0, sizeof(seen));
    is_int(SOS_OK,
           sos_upload_list_parts(st, "mp", 2, key, key_len, id2, 0, 1000,
                                 on_part, &seen, &truncated, &err),
           "the other upload is intact");
    is_int(1, seen.n, "with its part");
    is_int(SOS_OK, sos_upload_abort(st, "mp", 2, key, key_len, id2, &err),
           "abort the other");
    is_int(2, count_files(), "one file per object left");

    sos_object_info_release(&pinfo[1]);
    sos_object_info_release(&pinfo[2]);
    free(all);
    free(buf);

    test_multipart_delete();
    test_abort();
    test_part_after_end();
    test_parts_survive_reopen(&conf);
    test_expire();
    test_complete_retry();
    test_complete_retry_suspended();

    sos_store_close(st);
    done_testing();
}
