/*
 * Helpers shared by the library's tests (after tap.h): fill patterns,
 * opening a store, making an organisation and a bucket, putting objects
 * (read first from a given replica, or in parts), the extents of an
 * object and the file of a part, the file ids object records name, MD5s
 * in hex, flipping a byte of a replica's file, dropping its X record,
 * which replica an fd reads, whether a reader's segments hold the right
 * bytes, counting files and open fds, whether an fd is the index's log,
 * whether a reader reads the right bytes, the store's health, sleeping.  They bail out on errors they do
 * not return.
 */

#ifndef SOS_TEST_UTIL_H
#define SOS_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sos_internal.h"

#define UTIL_PUT_TRIES  200             /* puts to get a preferred replica */

static long  util_nftw_count;

static int
util_count_cb(const char *path, const struct stat *sb, int type,
    struct FTW *f)
{
    (void) path;
    (void) sb;
    (void) f;
    util_nftw_count += type == FTW_F;
    return 0;
}


/* A bucket in region us-east-1 owned by org_id, or bail out. */
static void
util_bucket_make(sos_store_t *s, const char *org_id, const char *name)
{
    sos_error_t   e;
    sos_bucket_t  b;

    if (sos_bucket_create(s, name, strlen(name), org_id, "us-east-1", NULL,
                          0, &b, &e) != SOS_OK)
    {
        bail("sos_bucket_create(%s): %s", name, e.msg);
    }
}


/* Regular files under path, or -1 when it cannot be walked. */
static long
util_files(const char *path)
{
    util_nftw_count = 0;
    if (nftw(path, util_count_cb, 16, FTW_PHYS) == -1) {
        return -1;
    }
    return util_nftw_count;
}

/* Byte i of p is the low byte of i * mul + add + (i >> shift). */
static void
util_fill(unsigned char *p, size_t len, unsigned mul, unsigned add,
    unsigned shift)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        p[i] = (unsigned char) ((i * mul + add + (i >> shift)) & 0xff);
    }
}


/* Byte i of version `seed`: bytes 0..3 are the seed itself. */
static unsigned char
util_gen(uint64_t i, uint32_t seed)
{
    if (i < 4) {
        return (unsigned char) (seed >> (8 * i));
    }
    return (unsigned char) ((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}


/* len bytes of version seed (malloc'd). */
static unsigned char *
util_make(uint64_t len, uint32_t seed)
{
    uint64_t        i;
    unsigned char  *p;

    p = malloc(len ? len : 1);
    if (p == NULL) {
        bail("no memory");
    }
    for (i = 0; i < len; i++) {
        p[i] = util_gen(i, seed);
    }
    return p;
}


/* The store at dir (fsync only when durable; min_part 0: the default). */
static sos_store_t *
util_store_open(const char *dir, int durable, uint64_t min_part)
{
    sos_store_t       *s;
    sos_error_t        e;
    sos_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = !durable;
    conf.min_part_size = min_part;
    if (sos_store_open(&s, &conf, &e) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, e.msg);
    }
    return s;
}


/* Organisation org_name (into *org unless NULL) owning bucket name. */
static void
util_org_bucket(sos_store_t *s, const char *org_name, const char *name,
    sos_org_t *org)
{
    sos_org_t    o;
    sos_error_t  e;

    if (sos_org_create(s, org_name, strlen(org_name), NULL, 0, &o, &e)
        != SOS_OK)
    {
        bail("sos_org_create(%s): %s", org_name, e.msg);
    }
    util_bucket_make(s, o.id, name);
    if (org != NULL) {
        *org = o;
    }
}


/* Put options for bucket/key. */
static sos_put_opts_t
util_opts(const char *bucket, const char *key)
{
    sos_put_opts_t  o;

    memset(&o, 0, sizeof(o));
    o.bucket = bucket;
    o.bucket_len = strlen(bucket);
    o.key = key;
    o.key_len = strlen(key);
    return o;
}


/*
 * Put len bytes of data as bucket/key; the id of its file into id unless
 * NULL.
 */
static sos_rc_e
util_put_rc(sos_store_t *s, const char *bucket, const char *key,
    const void *data, size_t len, char *id, sos_error_t *err)
{
    sos_rc_e            rc;
    sos_put_t          *put;
    sos_put_opts_t      o;
    sos_object_info_t   info;

    o = util_opts(bucket, key);
    rc = sos_put_begin(&put, s, &o, err);
    if (rc != SOS_OK) {
        return rc;
    }
    rc = sos_put_write(put, data, len, err);
    if (rc != SOS_OK) {
        sos_put_abort(put);
        return rc;
    }
    memset(&info, 0, sizeof(info));
    rc = sos_put_commit(put, &info, err);
    if (rc == SOS_OK) {
        if (id != NULL) {
            memcpy(id, info.write_id, SOS_FILE_ID_LEN + 1);
        }
        sos_object_info_release(&info);
    }
    return rc;
}


/* util_put_rc, or bail out. */
static void
util_put(sos_store_t *s, const char *bucket, const char *key,
    const void *data, size_t len, char *id)
{
    sos_error_t  e;

    if (util_put_rc(s, bucket, key, data, len, id, &e) != SOS_OK) {
        bail("put %s: %s", key, e.msg);
    }
}


/* The replica a reader tries first for a file (as sos_extent_open). */
static unsigned
util_preferred(const char *id)
{
    return (unsigned char) id[SOS_FILE_ID_LEN - 1] % 3;
}


/* Put bucket/key until its file (id) is read first from replica k. */
static void
util_put_preferred(sos_store_t *s, const char *bucket, const char *key,
    const void *data, size_t len, unsigned k, char *id)
{
    int  i;

    for (i = 0; i < UTIL_PUT_TRIES; i++) {
        util_put(s, bucket, key, data, len, id);
        if (util_preferred(id) == k) {
            return;
        }
    }
    bail("no file of %s preferred replica %u", key, k);
}


/* The extents of bucket/key's current version (n of them, malloc'd). */
static sos_extent_t *
util_extents(sos_store_t *s, const char *bucket, const char *key,
    uint32_t *n)
{
    char           *val;
    size_t          blen;
    sos_buf_t       ikey;
    sos_error_t     e;
    sos_extent_t   *x;
    sos_obj_rec_t   rec;

    blen = strlen(bucket);
    if (sos_object_ikey(&ikey, bucket, blen, key, strlen(key), "t", &e)
        != SOS_OK
        || sos_object_load(s, &ikey, bucket, blen, key, strlen(key), &val,
                           &rec, &e) != SOS_OK)
    {
        bail("load %s: %s", key, e.msg);
    }
    x = rec.extents;
    *n = rec.n_extents;
    rec.extents = NULL;
    sos_obj_rec_free(&rec);
    free(val);
    sos_buf_free(&ikey);
    return x;
}


/* A reader of bucket/key. */
static sos_reader_t *
util_reader(sos_store_t *s, const char *bucket, const char *key)
{
    sos_error_t    e;
    sos_reader_t  *rd;

    if (sos_object_open(s, bucket, strlen(bucket), key, strlen(key), &rd,
                        NULL, &e) != SOS_OK)
    {
        bail("open %s: %s", key, e.msg);
    }
    return rd;
}


/* Flip every bit of the byte at offset of replica r of file id. */
static void
util_flip(sos_store_t *s, const char *id, unsigned r, uint64_t offset)
{
    int            fd;
    char           path[4096];
    unsigned char  c;

    sos_replica_path(s, r, id, path, sizeof(path));
    fd = open(path, O_RDWR);
    if (fd == -1 || pread(fd, &c, 1, (off_t) offset) != 1) {
        bail("flip %s: %s", path, strerror(errno));
    }
    c ^= 0xff;
    if (pwrite(fd, &c, 1, (off_t) offset) != 1) {
        bail("flip %s: %s", path, strerror(errno));
    }
    close(fd);
}


/* The replica whose file of id fd is, or -1. */
static int
util_replica_of(sos_store_t *s, int fd, const char *id)
{
    char         path[4096];
    unsigned     r;
    struct stat  a, b;

    if (fstat(fd, &a) == -1) {
        return -1;
    }
    for (r = 0; r < 3; r++) {
        sos_replica_path(s, r, id, path, sizeof(path));
        if (stat(path, &b) == 0 && a.st_ino == b.st_ino
            && a.st_dev == b.st_dev)
        {
            return (int) r;
        }
    }
    return -1;
}


/*
 * Whether the segments of [offset, offset + len) hold the bytes of want
 * there, and none of them is on replica `not` of file id (-1: any may).
 */
static int
util_segments_good(sos_store_t *s, sos_reader_t *rd, uint64_t offset,
    uint64_t len, const unsigned char *want, const char *id, int not)
{
    size_t          n, i;
    uint64_t        at;
    sos_error_t     e;
    unsigned char  *buf;
    sos_segment_t   segs[8];

    n = 8;
    if (sos_reader_segments(rd, offset, len, segs, &n, &e) != SOS_OK) {
        diag("segments: %s", e.msg);
        return 0;
    }

    at = offset;
    for (i = 0; i < n; i++) {
        buf = malloc(segs[i].len + 1);
        if (buf == NULL
            || pread(segs[i].fd, buf, segs[i].len, (off_t) segs[i].offset)
               != (ssize_t) segs[i].len
            || memcmp(buf, want + at, segs[i].len) != 0)
        {
            diag("segment %zu: wrong bytes", i);
            free(buf);
            return 0;
        }
        free(buf);
        if (not >= 0 && util_replica_of(s, segs[i].fd, id) == not) {
            diag("segment %zu: still on replica %d", i, not);
            return 0;
        }
        at += segs[i].len;
    }

    return at == offset + len;
}


/*
 * A new upload of bucket/key (its id into upload) with part 1 of the len
 * bytes of data; the part's etag into etag unless NULL.
 */
static void
util_part1(sos_store_t *s, const char *bucket, const char *key,
    const void *data, size_t len, char *upload, char *etag)
{
    sos_put_t          *put;
    sos_error_t         e;
    sos_put_opts_t      o;
    sos_object_info_t   info;

    o = util_opts(bucket, key);
    memset(&info, 0, sizeof(info));
    if (sos_upload_create(s, bucket, strlen(bucket), key, strlen(key), NULL,
                          upload, &e) != SOS_OK
        || sos_part_begin(&put, s, &o, upload, 1, &e) != SOS_OK
        || sos_put_write(put, data, len, &e) != SOS_OK
        || sos_put_commit(put, &info, &e) != SOS_OK)
    {
        bail("part 1 of %s: %s", key, e.msg);
    }
    if (etag != NULL) {
        memcpy(etag, info.etag, SOS_ETAG_MAX + 1);
    }
    sos_object_info_release(&info);
}


/*
 * bucket/key as a multipart object of n parts of part_len bytes each of
 * data.
 */
static void
util_put_parts(sos_store_t *s, const char *bucket, const char *key,
    const unsigned char *data, unsigned n, size_t part_len)
{
    char               up[SOS_UPLOAD_ID_LEN + 1];
    char             (*etags)[SOS_ETAG_MAX + 1];
    unsigned           i;
    sos_put_t         *put;
    sos_error_t        e;
    sos_put_opts_t     o;
    sos_part_ref_t    *refs;
    sos_object_info_t  info;

    o = util_opts(bucket, key);
    etags = calloc(n ? n : 1, sizeof(*etags));
    refs = calloc(n ? n : 1, sizeof(*refs));
    if (etags == NULL || refs == NULL) {
        bail("no memory");
    }
    if (sos_upload_create(s, bucket, strlen(bucket), key, strlen(key), NULL,
                          up, &e) != SOS_OK)
    {
        bail("upload: %s", e.msg);
    }
    for (i = 0; i < n; i++) {
        memset(&info, 0, sizeof(info));
        if (sos_part_begin(&put, s, &o, up, i + 1, &e) != SOS_OK
            || sos_put_write(put, data + i * part_len, part_len, &e)
               != SOS_OK
            || sos_put_commit(put, &info, &e) != SOS_OK)
        {
            bail("part %u: %s", i + 1, e.msg);
        }
        memcpy(etags[i], info.etag, sizeof(etags[0]));
        sos_object_info_release(&info);
        refs[i].part_number = i + 1;
        refs[i].etag = etags[i];
        refs[i].etag_len = strlen(etags[i]);
    }
    if (sos_upload_complete(s, &o, up, refs, n, NULL, &e) != SOS_OK) {
        bail("complete: %s", e.msg);
    }
    free(refs);
    free(etags);
}


/* The MD5 of len bytes of data in lower-case hex. */
static void
util_md5_hex(const void *data, size_t len, char hex[33])
{
    int            i;
    unsigned int   n;
    unsigned char  md[16];

    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    for (i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}


/* The replica mask of part 1 of upload_id (its file id into id), or -1. */
static long
util_part_mask(sos_store_t *s, const char *upload_id, char *id)
{
    long            m;
    char           *val;
    size_t          len;
    sos_buf_t       k;
    sos_part_rec_t  p;

    sos_buf_init(&k);
    sos_ikey_part(&k, upload_id, 1);
    if (sos_idx_get(s, &k, &val, &len, NULL) != SOS_OK) {
        sos_buf_free(&k);
        return -1;
    }
    m = -1;
    if (sos_part_rec_decode((const char *) k.data, k.len, val, len, &p)
        == 0)
    {
        m = p.extent.replicas;
        memcpy(id, p.extent.id, SOS_FILE_ID_LEN + 1);
    }
    sos_buf_free(&k);
    free(val);
    return m;
}


/* Delete the X record of a file: as if written before block checksums. */
static void
util_sums_drop(sos_store_t *s, const char *id)
{
    sos_buf_t    key;
    sos_error_t  e;

    sos_buf_init(&key);
    sos_ikey_sums(&key, id);
    if (sos_idx_delete(s, &key, 1, &e) != SOS_OK) {
        bail("delete X of %s: %s", id, e.msg);
    }
    sos_buf_free(&key);
}


/* A growing list of file ids. */
typedef struct {
    char    (*ids)[SOS_FILE_ID_LEN + 1];
    size_t    n;
} util_ids_t;


static void
util_ids_add(util_ids_t *l, const char *id)
{
    l->ids = realloc(l->ids, (l->n + 1) * sizeof(*l->ids));
    if (l->ids == NULL) {
        bail("no memory");
    }
    memcpy(l->ids[l->n], id, SOS_FILE_ID_LEN);
    l->ids[l->n++][SOS_FILE_ID_LEN] = '\0';
}


/* An sos_idx_scan visitor of O records: their files' ids into ctx. */
static sos_rc_e
util_ids_object(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    uint32_t       i;
    sos_obj_rec_t  rec;

    (void) key;
    (void) key_len;
    if (sos_obj_rec_decode(val, val_len, &rec) != 0) {
        bail("bad object record");
    }
    for (i = 0; i < rec.n_extents; i++) {
        util_ids_add(ctx, rec.extents[i].id);
    }
    sos_obj_rec_free(&rec);
    return SOS_OK;
}


/* Open fds of this process. */
static int
util_fds(void)
{
    int             n, fewest, i;
    DIR            *dir;
    struct dirent  *de;
    struct timespec ts = { 0, 4000000 };

    /*
     * The fewest of 50 looks 4 ms apart: the store's background work (a
     * spare file made, a directory synced) holds an fd for a moment - on
     * a loaded machine for tens of milliseconds - a leak holds it for
     * good.
     */
    fewest = -1;
    for (i = 0; i < 50; i++) {
        dir = opendir("/proc/self/fd");
        if (dir == NULL) {
            bail("/proc/self/fd: %s", strerror(errno));
        }
        n = 0;
        while ((de = readdir(dir)) != NULL) {
            n += de->d_name[0] != '.';
        }
        closedir(dir);
        n--;                            /* the directory's own */
        if (fewest == -1 || n < fewest) {
            fewest = n;
        }
        nanosleep(&ts, NULL);
    }
    return fewest;
}


/*
 * SOS_OK when the first len bytes rd reads are those of want (a read of
 * nothing before them: SOS_ECORRUPT); else why not.
 */
static sos_rc_e
util_reader_same(sos_reader_t *rd, const char *want, size_t len,
    sos_error_t *err)
{
    char      got[4096];
    size_t    at, n;
    sos_rc_e  rc;

    rc = SOS_OK;
    for (at = 0; rc == SOS_OK && at < len; at += n) {
        n = len - at < sizeof(got) ? len - at : sizeof(got);
        rc = sos_reader_read(rd, at, got, n, &n, err);
        if (rc == SOS_OK && (n == 0 || memcmp(got, want + at, n) != 0)) {
            rc = SOS_ECORRUPT;
        }
    }
    return rc;
}


/* The path of fd into path (size bytes); its length, or -1. */
static ssize_t
util_fd_path(int fd, char *path, size_t size)
{
    char     link[64];
    ssize_t  n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, size - 1);
    if (n >= 0) {
        path[n] = '\0';
    }
    return n;
}


/*
 * Whether fd is one of LevelDB's log files of the index (what a fault
 * of a test's own fdatasync() or fsync() aims at).
 */
static int
util_is_index_log(int fd)
{
    char     path[PATH_MAX];
    ssize_t  n;

    n = util_fd_path(fd, path, sizeof(path));
    return n >= 4 && strstr(path, "/index/") != NULL
           && strcmp(path + n - 4, ".log") == 0;
}


static sos_store_health_t
util_health(sos_store_t *s)
{
    sos_store_health_t  h;

    sos_store_health(s, &h);
    return h;
}


static void
util_sleep_ms(long ms)
{
    struct timespec  ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000;
    nanosleep(&ts, NULL);
}

#endif /* SOS_TEST_UTIL_H */
