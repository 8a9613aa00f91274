/*
 * Verified reads: the block checksums (X records) the writer computes and
 * how they follow the life of each data file, sos_reader_verify with its
 * fail-over to another replica (bytes flipped, a file missing or short,
 * every replica bad), legacy files without an X record, ranges that start
 * and end inside blocks, and server-side copies that check their source
 * (CopyObject and UploadPartCopy copy good bytes from another replica,
 * or fail and change nothing).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "vb"
#define BUCKET_LEN  2
#define BLK         SOS_SUM_BLOCK
#define MIN_PART    1024
#define S_SIZE      (3 * BLK + 1000)    /* three blocks and a short one */
#define P1_SIZE     (BLK + 100)
#define P2_SIZE     (2 * BLK + 7)
#define P3_SIZE     1000
#define MP_SIZE     (P1_SIZE + P2_SIZE + P3_SIZE)
#define PUT_TRIES   200                 /* puts to get a preferred replica */

static char           data_dir[512];
static sos_store_t   *st;
static sos_org_t      org;
static sos_error_t    err;
static unsigned char  sbytes[S_SIZE];   /* simple objects */
static unsigned char  mbytes[MP_SIZE];  /* the multipart object */


static void
fill(unsigned char *p, size_t len, unsigned seed)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        p[i] = (unsigned char) ((i * 131 + seed * 7 + (i >> 9)) & 0xff);
    }
}


static sos_put_opts_t
opts_of(const char *key)
{
    sos_put_opts_t  o;

    memset(&o, 0, sizeof(o));
    o.bucket = BUCKET;
    o.bucket_len = BUCKET_LEN;
    o.key = key;
    o.key_len = strlen(key);
    return o;
}


/* The replica a reader tries first for a file (as sos_extent_open). */
static unsigned
preferred(const char *id)
{
    return (unsigned char) id[SOS_FILE_ID_LEN - 1] % 3;
}


static void
put_object(const char *key, const void *data, size_t len, char *id)
{
    sos_put_t          *put;
    sos_put_opts_t      o;
    sos_object_info_t   info;

    o = opts_of(key);
    memset(&info, 0, sizeof(info));
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_write(put, data, len, &err) != SOS_OK
        || sos_put_commit(put, &info, &err) != SOS_OK)
    {
        bail("put %s: %s", key, err.msg);
    }
    if (id != NULL) {
        memcpy(id, info.write_id, SOS_FILE_ID_LEN + 1);
    }
    sos_object_info_release(&info);
}


/* Put key until its file is read first from replica k. */
static void
put_preferred(const char *key, const void *data, size_t len, unsigned k,
    char *id)
{
    int  i;

    for (i = 0; i < PUT_TRIES; i++) {
        put_object(key, data, len, id);
        if (preferred(id) == k) {
            return;
        }
    }
    bail("no file of %s preferred replica %u", key, k);
}


/* The extents of key's current version (n of them, malloc'd). */
static sos_extent_t *
extents_of(const char *key, uint32_t *n)
{
    char           *val;
    sos_buf_t       ikey;
    sos_extent_t   *e;
    sos_obj_rec_t   rec;

    if (sos_object_ikey(&ikey, BUCKET, BUCKET_LEN, key, strlen(key), "t",
                        &err) != SOS_OK
        || sos_object_load(st, &ikey, BUCKET, BUCKET_LEN, key, strlen(key),
                           &val, &rec, &err) != SOS_OK)
    {
        bail("load %s: %s", key, err.msg);
    }
    e = rec.extents;
    *n = rec.n_extents;
    rec.extents = NULL;
    sos_obj_rec_free(&rec);
    free(val);
    sos_buf_free(&ikey);
    return e;
}


/* The X record of a file: 1 and *s filled (free s->crcs), 0 absent. */
static int
sums_of(const char *id, sos_sums_t *s)
{
    int        rc;
    char      *val;
    size_t     len;
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_ikey_sums(&key, id);
    rc = sos_idx_get(st, &key, &val, &len, &err);
    sos_buf_free(&key);
    if (rc == SOS_ENOTFOUND) {
        return 0;
    }
    if (rc != SOS_OK || sos_sums_decode(val, len, s) != 0) {
        bail("X record of %s: %s", id, err.msg);
    }
    free(val);
    return 1;
}


static int
has_sums(const char *id)
{
    sos_sums_t  s;

    if (!sums_of(id, &s)) {
        return 0;
    }
    free(s.crcs);
    return 1;
}


/* Whether the X record of id holds the CRC32 of each block of data. */
static int
sums_match(const char *id, const unsigned char *data, size_t len)
{
    int         good;
    size_t      at, n;
    uint64_t    b;
    sos_sums_t  s;

    if (!sums_of(id, &s)) {
        return 0;
    }
    good = s.block_size == BLK && s.n_blocks == (len + BLK - 1) / BLK;
    for (b = 0, at = 0; good && b < s.n_blocks; b++, at += n) {
        n = len - at < BLK ? len - at : BLK;
        good = s.crcs[b] == (uint32_t) crc32_z(0, data + at, n);
    }
    free(s.crcs);
    return good;
}


/* The ids of live files: named by object and part records. */
typedef struct {
    char    (*ids)[SOS_FILE_ID_LEN + 1];
    size_t    n;
    size_t    orphans;                  /* X records of no live file */
} live_t;


static void
live_add(live_t *l, const sos_extent_t *e)
{
    l->ids = realloc(l->ids, (l->n + 1) * sizeof(*l->ids));
    if (l->ids == NULL) {
        bail("no memory");
    }
    memcpy(l->ids[l->n++], e->id, SOS_FILE_ID_LEN + 1);
}


static sos_rc_e
live_object(void *ctx, const char *key, size_t key_len, const char *val,
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
        live_add(ctx, &rec.extents[i]);
    }
    sos_obj_rec_free(&rec);
    return SOS_OK;
}


static sos_rc_e
live_part(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    char            k[64];
    sos_part_rec_t  p;

    k[0] = SOS_K_PART;
    memcpy(k + 1, key, key_len < 60 ? key_len : 60);
    if (sos_part_rec_decode(k, key_len + 1, val, val_len, &p) != 0) {
        bail("bad part record");
    }
    live_add(ctx, &p.extent);
    return SOS_OK;
}


static sos_rc_e
live_sums(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    size_t   i;
    live_t  *l = ctx;

    (void) val;
    (void) val_len;
    for (i = 0; i < l->n; i++) {
        if (key_len == SOS_FILE_ID_LEN
            && memcmp(l->ids[i], key, SOS_FILE_ID_LEN) == 0)
        {
            l->ids[i][0] = '\0';       /* seen */
            return SOS_OK;
        }
    }
    l->orphans++;
    return SOS_OK;
}


/* X records of no live file (*orphans) and live files without one. */
static size_t
sums_census(size_t *orphans)
{
    size_t  i, missing;
    live_t  l;

    memset(&l, 0, sizeof(l));
    if (sos_idx_scan(st, SOS_K_OBJECT, live_object, &l, &err) != SOS_OK
        || sos_idx_scan(st, SOS_K_PART, live_part, &l, &err) != SOS_OK
        || sos_idx_scan(st, SOS_K_CHECKSUMS, live_sums, &l, &err) != SOS_OK)
    {
        bail("scan: %s", err.msg);
    }
    missing = 0;
    for (i = 0; i < l.n; i++) {
        missing += l.ids[i][0] != '\0';
    }
    free(l.ids);
    *orphans = l.orphans;
    return missing;
}


static void
drop_sums(const char *id)
{
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_ikey_sums(&key, id);
    if (sos_idx_delete(st, &key, 1, &err) != SOS_OK) {
        bail("delete X of %s: %s", id, err.msg);
    }
    sos_buf_free(&key);
}


/* Invert one byte of replica r of a file (twice restores it). */
static void
flip(const char *id, unsigned r, uint64_t offset)
{
    int            fd;
    char           path[1024];
    unsigned char  c;

    sos_replica_path(st, r, id, path, sizeof(path));
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


static void
flip_all(const char *id, uint64_t offset)
{
    unsigned  r;

    for (r = 0; r < 3; r++) {
        flip(id, r, offset);
    }
}


/* Rename replica r of a file away (back when back is set). */
static void
hide(const char *id, unsigned r, int back)
{
    char  path[1024], aside[1100];

    sos_replica_path(st, r, id, path, sizeof(path));
    snprintf(aside, sizeof(aside), "%s.aside", path);
    if ((back ? rename(aside, path) : rename(path, aside)) == -1) {
        bail("rename %s: %s", path, strerror(errno));
    }
}


/* The replica whose file of id fd is, or -1. */
static int
replica_of(int fd, const char *id)
{
    char         path[1024];
    unsigned     r;
    struct stat  a, b;

    if (fstat(fd, &a) == -1) {
        return -1;
    }
    for (r = 0; r < 3; r++) {
        sos_replica_path(st, r, id, path, sizeof(path));
        if (stat(path, &b) == 0 && a.st_ino == b.st_ino
            && a.st_dev == b.st_dev)
        {
            return (int) r;
        }
    }
    return -1;
}


static sos_reader_t *
reader_of(const char *key)
{
    sos_reader_t  *rd;

    if (sos_object_open(st, BUCKET, BUCKET_LEN, key, strlen(key), &rd, NULL,
                        &err) != SOS_OK)
    {
        bail("open %s: %s", key, err.msg);
    }
    return rd;
}


/*
 * Whether the segments of [offset, offset + len) hold the bytes of want,
 * and none of them is on replica `not` of file id (-1: any).
 */
static int
segments_good(sos_reader_t *rd, uint64_t offset, uint64_t len,
    const unsigned char *want, const char *id, int not)
{
    size_t          n, i;
    uint64_t        at;
    unsigned char  *buf;
    sos_segment_t   segs[8];

    n = 8;
    if (sos_reader_segments(rd, offset, len, segs, &n, &err) != SOS_OK) {
        diag("segments: %s", err.msg);
        return 0;
    }

    at = offset;
    for (i = 0; i < n; i++) {
        buf = malloc(segs[i].len);
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
        if (not >= 0 && replica_of(segs[i].fd, id) == not) {
            diag("segment %zu: still on replica %d", i, not);
            return 0;
        }
        at += segs[i].len;
    }

    return at == offset + len;
}


/*
 * Flip a byte of replica k of extent `ext` of key (read first from k),
 * verify the whole object with a fresh reader: one bad replica, and the
 * segments give the right bytes, not from k.
 */
static void
flip_one(const char *what, const char *key, uint32_t ext, unsigned k,
    uint64_t at, const unsigned char *want, uint64_t size)
{
    unsigned       bad;
    uint32_t       n;
    sos_extent_t  *e;
    sos_reader_t  *rd;

    e = extents_of(key, &n);
    flip(e[ext].id, k, at);

    rd = reader_of(key);
    bad = 99;
    is_int(SOS_OK, sos_reader_verify(rd, 0, size, &bad, &err),
           "%s, replica %u flipped: verified", what, k);
    is_int(1, bad, "%s, replica %u flipped: one bad replica", what, k);
    is_int(1u << k, sos_reader_bad(rd, ext),
           "%s, replica %u flipped: the reader knows which", what, k);
    ok(segments_good(rd, 0, size, want, e[ext].id, (int) k),
       "%s, replica %u flipped: segments on a good replica", what, k);
    sos_reader_close(rd);

    flip(e[ext].id, k, at);
    free(e);
}


/*
 * Every replica of extent ext flipped at `at` (byte `obj_at` of the
 * object): no good bytes anywhere.
 */
static void
flip_every(const char *what, const char *key, uint32_t ext, uint64_t at,
    uint64_t obj_at, uint64_t size)
{
    char           buf[64];
    size_t         got;
    unsigned       bad;
    uint32_t       n;
    sos_extent_t  *e;
    sos_reader_t  *rd;

    e = extents_of(key, &n);
    flip_all(e[ext].id, at);

    rd = reader_of(key);
    bad = 0;
    is_int(SOS_ECORRUPT, sos_reader_verify(rd, 0, size, &bad, &err),
           "%s, every replica flipped: SOS_ECORRUPT", what);
    ok(strstr(err.msg, e[ext].id) != NULL, "%s: the message names the "
       "file: %s", what, err.msg);
    is_int(3, bad, "%s: three bad replicas", what);
    sos_reader_close(rd);

    rd = reader_of(key);
    is_int(SOS_ECORRUPT, sos_reader_read(rd, obj_at, buf, sizeof(buf), &got,
                                         &err),
           "%s: sos_reader_read fails too", what);
    sos_reader_close(rd);

    flip_all(e[ext].id, at);
    free(e);
}


static void
test_simple(void)
{
    char      key[16], id[SOS_FILE_ID_LEN + 1];
    unsigned  k;

    for (k = 0; k < 3; k++) {
        snprintf(key, sizeof(key), "s%u", k);
        put_preferred(key, sbytes, S_SIZE, k, id);
        ok(sums_match(id, sbytes, S_SIZE), "s%u: X record of its file", k);
        flip_one("simple", key, 0, k, BLK + 17, sbytes, S_SIZE);
    }

    flip_every("simple", "s0", 0, 5, 5, S_SIZE);
}


/* Part `number` of upload id of key, written until read first from k. */
static void
part_preferred(const char *key, const char *id, uint32_t number,
    const unsigned char *data, size_t len, unsigned k, char *etag)
{
    int                 i;
    char               *val;
    size_t              vlen;
    sos_buf_t           pk;
    sos_put_t          *put;
    sos_put_opts_t      o;
    sos_part_rec_t      p;
    sos_object_info_t   info;

    o = opts_of(key);
    sos_buf_init(&pk);
    sos_ikey_part(&pk, id, number);

    for (i = 0; i < PUT_TRIES; i++) {
        memset(&info, 0, sizeof(info));
        if (sos_part_begin(&put, st, &o, id, number, &err) != SOS_OK
            || sos_put_write(put, data, len, &err) != SOS_OK
            || sos_put_commit(put, &info, &err) != SOS_OK)
        {
            bail("part %u: %s", number, err.msg);
        }
        memcpy(etag, info.etag, SOS_ETAG_MAX + 1);
        sos_object_info_release(&info);

        if (sos_idx_get(st, &pk, &val, &vlen, &err) != SOS_OK
            || sos_part_rec_decode((const char *) pk.data, pk.len, val,
                                   vlen, &p) != 0)
        {
            bail("part record %u: %s", number, err.msg);
        }
        free(val);
        if (preferred(p.extent.id) == k) {
            sos_buf_free(&pk);
            return;
        }
    }
    bail("no part %u preferred replica %u", number, k);
}


static void
test_multipart(void)
{
    char            id[SOS_UPLOAD_ID_LEN + 1];
    char            etags[3][SOS_ETAG_MAX + 1];
    size_t          sizes[3] = { P1_SIZE, P2_SIZE, P3_SIZE };
    size_t          at;
    uint32_t        i, n;
    sos_put_opts_t  o;
    sos_extent_t   *e;
    sos_part_ref_t  refs[3];

    o = opts_of("mp");
    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "mp", 2, NULL, id, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }

    /* part i + 1 is read first from replica i */
    for (i = 0, at = 0; i < 3; at += sizes[i], i++) {
        part_preferred("mp", id, i + 1, mbytes + at, sizes[i], i, etags[i]);
        refs[i].part_number = i + 1;
        refs[i].etag = etags[i];
        refs[i].etag_len = strlen(etags[i]);
    }
    if (sos_upload_complete(st, &o, id, refs, 3, NULL, &err) != SOS_OK) {
        bail("complete: %s", err.msg);
    }

    e = extents_of("mp", &n);
    is_int(3, n, "multipart: three extents");
    ok(sums_match(e[0].id, mbytes, P1_SIZE)
       && sums_match(e[1].id, mbytes + P1_SIZE, P2_SIZE)
       && sums_match(e[2].id, mbytes + P1_SIZE + P2_SIZE, P3_SIZE),
       "multipart: the parts keep their X records");

    /* a byte of each part's last, short block; part 3 is one block */
    flip_one("part 1", "mp", 0, 0, P1_SIZE - 1, mbytes, MP_SIZE);
    flip_one("part 2", "mp", 1, 1, 2 * BLK + 3, mbytes, MP_SIZE);
    flip_one("part 3", "mp", 2, 2, 0, mbytes, MP_SIZE);

    flip_every("part 2", "mp", 1, BLK, P1_SIZE + BLK, MP_SIZE);
    free(e);
}


static void
test_legacy(void)
{
    char          key[16], id[SOS_FILE_ID_LEN + 1];
    unsigned      k, bad;
    sos_reader_t *rd;

    for (k = 0; k < 3; k++) {
        snprintf(key, sizeof(key), "l%u", k);
        put_preferred(key, sbytes, S_SIZE, k, id);
        drop_sums(id);
        ok(!has_sums(id), "l%u: no X record, as written before them", k);
        flip_one("legacy", key, 0, k, 3 * BLK + 999, sbytes, S_SIZE);
    }

    /* a flip anywhere fails the whole file's MD5, whatever the range */
    put_preferred("l0", sbytes, S_SIZE, 0, id);
    drop_sums(id);
    flip(id, 0, 2 * BLK);
    rd = reader_of("l0");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 10, &bad, &err),
           "legacy: the first bytes verify");
    is_int(1, bad, "legacy: against the MD5 of the whole file");
    is_int(SOS_OK, sos_reader_verify(rd, BLK, 10, &bad, &err),
           "legacy: checked once per reader");
    is_int(0, bad, "legacy: nothing new found");
    sos_reader_close(rd);
    flip(id, 0, 2 * BLK);

    flip_every("legacy", "l1", 0, 77, 77, S_SIZE);
}


/* Ranges widen to the blocks they touch, no more. */
static void
test_ranges(void)
{
    char           id[SOS_FILE_ID_LEN + 1];
    unsigned       bad;
    sos_reader_t  *rd;

    put_preferred("r", sbytes, S_SIZE, 1, id);
    flip(id, 1, BLK + 5);
    flip(id, 1, 3 * BLK + 999);         /* the short last block */

    rd = reader_of("r");
    is_int(SOS_OK, sos_reader_verify(rd, 10, BLK - 20, &bad, &err),
           "range inside block 0");
    is_int(0, bad, "block 0 is good");
    is_int(SOS_OK, sos_reader_verify(rd, BLK - 3, 6, &bad, &err),
           "range across blocks 0 and 1, mid-block");
    is_int(1, bad, "block 1 is bad on the first replica");
    ok(segments_good(rd, BLK - 3, 6, sbytes, id, 1),
       "the range maps onto another replica");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 3 * BLK + 1000, &bad, &err),
           "the whole object");
    is_int(0, bad, "nothing more: the replica moved to is good");
    sos_reader_close(rd);

    rd = reader_of("r");
    is_int(SOS_OK, sos_reader_verify(rd, 2 * BLK + 100, BLK, &bad, &err),
           "blocks 2 and 3 (short), mid-block");
    is_int(1, bad, "the short last block is bad");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 0, &bad, &err), "empty range");
    is_int(SOS_ERANGE, sos_reader_verify(rd, S_SIZE, 1, &bad, &err),
           "range past the end");
    sos_reader_close(rd);

    flip(id, 1, BLK + 5);
    flip(id, 1, 3 * BLK + 999);
}


/*
 * A reader checks blocks with the X records of the version it opened,
 * though an overwrite deleted them since: a flip in block 2 does not fail
 * a range of block 0, as a whole-file MD5 would.
 */
static void
test_overwritten(void)
{
    char           id[SOS_FILE_ID_LEN + 1];
    unsigned       bad;
    sos_reader_t  *rd;

    put_preferred("ov", sbytes, S_SIZE, 0, id);
    rd = reader_of("ov");
    put_object("ov", "new", 3, NULL);
    ok(!has_sums(id), "overwritten after open: the X record is gone");
    flip(id, 0, 2 * BLK + 9);

    is_int(SOS_OK, sos_reader_verify(rd, 0, 10, &bad, &err),
           "the old version's block 0 verifies");
    is_int(0, bad, "against its block checksum, as the reader saw it");
    is_int(SOS_OK, sos_reader_verify(rd, 2 * BLK, 10, &bad, &err),
           "block 2 verifies");
    is_int(1, bad, "on another replica");
    ok(segments_good(rd, 0, S_SIZE, sbytes, id, 0),
       "the old version's bytes, from good replicas");
    sos_reader_close(rd);
}


/* A missing or short file on the replica read first. */
static void
test_missing(void)
{
    char           id[SOS_FILE_ID_LEN + 1], path[1024];
    unsigned       bad;
    sos_reader_t  *rd;

    put_preferred("m", sbytes, S_SIZE, 2, id);

    hide(id, 2, 0);
    rd = reader_of("m");
    is_int(SOS_OK, sos_reader_verify(rd, 0, S_SIZE, &bad, &err),
           "missing file on the first replica: verified");
    is_int(1u << 2, sos_reader_bad(rd, 0), "the reader knows which");
    ok(segments_good(rd, 0, S_SIZE, sbytes, id, -1),
       "the bytes come from another replica");
    sos_reader_close(rd);
    hide(id, 2, 1);

    sos_replica_path(st, 2, id, path, sizeof(path));
    if (truncate(path, S_SIZE - 1) == -1) {
        bail("truncate %s: %s", path, strerror(errno));
    }
    rd = reader_of("m");
    is_int(SOS_OK, sos_reader_verify(rd, 0, S_SIZE, &bad, &err),
           "short file on the first replica: verified");
    is_int(1u << 2, sos_reader_bad(rd, 0), "the reader knows which");
    ok(segments_good(rd, 0, S_SIZE, sbytes, id, 2),
       "the bytes come from another replica");
    sos_reader_close(rd);
}


static void
test_empty(void)
{
    char           id[SOS_FILE_ID_LEN + 1], buf[4];
    size_t         got;
    unsigned       bad;
    sos_sums_t     s;
    sos_reader_t  *rd;

    put_object("empty", "", 0, id);
    ok(sums_of(id, &s) && s.n_blocks == 0 && s.block_size == BLK,
       "empty object: an X record of no blocks");
    free(s.crcs);

    rd = reader_of("empty");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 0, &bad, &err),
           "empty object: verified");
    is_int(0, bad, "nothing bad");
    is_int(SOS_OK, sos_reader_read(rd, 0, buf, sizeof(buf), &got, &err),
           "empty object: read");
    is_int(0, got, "no bytes");
    sos_reader_close(rd);
}


/* X records come and go with the files they describe. */
static void
test_lifecycle(void)
{
    char            id1[SOS_FILE_ID_LEN + 1], id2[SOS_FILE_ID_LEN + 1];
    char            up[SOS_UPLOAD_ID_LEN + 1], etag[SOS_ETAG_MAX + 1];
    char            old[SOS_FILE_ID_LEN + 1];
    size_t          orphans;
    uint32_t        n;
    uint64_t        removed;
    sos_put_t      *put;
    sos_put_opts_t  o;
    sos_extent_t   *e;
    sos_reader_t   *rd;
    sos_part_ref_t  ref;

    put_object("life", sbytes, 1000, id1);
    ok(has_sums(id1), "put: X record");
    put_object("life", sbytes, 2000, id2);
    ok(!has_sums(id1) && sums_match(id2, sbytes, 2000),
       "overwrite: the old X record gone, the new one there");
    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "life", 4,
                                     &err), "delete");
    ok(!has_sums(id2), "delete: X record gone");

    /* copy: the new file gets its own checksums */
    put_object("life", sbytes, S_SIZE, id1);
    o = opts_of("copy");
    rd = reader_of("life");
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_copy(put, rd, 0, S_SIZE, NULL, NULL, &err) != SOS_OK
        || sos_put_commit(put, NULL, &err) != SOS_OK)
    {
        bail("copy: %s", err.msg);
    }
    sos_reader_close(rd);
    e = extents_of("copy", &n);
    ok(strcmp(e[0].id, id1) != 0 && sums_match(e[0].id, sbytes, S_SIZE),
       "copy: X record of the copy");
    memcpy(old, e[0].id, sizeof(old));
    free(e);
    put_object("copy", sbytes, 10, NULL);
    ok(!has_sums(old), "copy overwritten: its X record gone");

    /* parts: replaced, unused at complete, aborted, expired */
    o = opts_of("mpl");
    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "mpl", 3, NULL, up, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }
    part_preferred("mpl", up, 1, sbytes, 3000, 0, etag);
    ref.part_number = 1;
    ref.etag = etag;
    ref.etag_len = strlen(etag);
    part_preferred("mpl", up, 2, sbytes, 3000, 1, etag);
    part_preferred("mpl", up, 2, sbytes, 3000, 2, etag);
    if (sos_part_begin(&put, st, &o, up, 1, &err) != SOS_OK) {
        bail("part: %s", err.msg);
    }
    is_int(SOS_OK, sos_put_write(put, sbytes, 3000, &err), "part 1 again");
    memcpy(id1, put->writer.id, sizeof(id1));
    is_int(SOS_OK, sos_put_commit(put, NULL, &err), "committed");
    ok(has_sums(id1), "part: X record");
    /* part 1's etag is the same bytes' */
    is_int(SOS_OK, sos_upload_complete(st, &o, up, &ref, 1, NULL, &err),
           "complete with part 1 only");
    e = extents_of("mpl", &n);
    ok(n == 1 && strcmp(e[0].id, id1) == 0 && has_sums(id1),
       "complete: the part used keeps its X record");
    free(e);
    is_int(3, sums_census(&orphans), "live files without an X record: "
           "the three legacy ones");
    is_int(0, orphans, "no X record without a live file");

    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "mpl", 3, NULL, up, &err)
        != SOS_OK
        || sos_part_begin(&put, st, &o, up, 1, &err) != SOS_OK
        || sos_put_write(put, sbytes, 3000, &err) != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }
    memcpy(id2, put->writer.id, sizeof(id2));
    if (sos_put_commit(put, NULL, &err) != SOS_OK) {
        bail("part: %s", err.msg);
    }
    ok(has_sums(id2), "second upload: X record of its part");
    is_int(SOS_OK, sos_upload_abort(st, BUCKET, BUCKET_LEN, "mpl", 3, up,
                                    &err), "abort");
    ok(!has_sums(id2), "abort: X record gone");

    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "mpl", 3, NULL, up, &err)
        != SOS_OK
        || sos_part_begin(&put, st, &o, up, 1, &err) != SOS_OK
        || sos_put_write(put, sbytes, 3000, &err) != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }
    memcpy(id2, put->writer.id, sizeof(id2));
    if (sos_put_commit(put, NULL, &err) != SOS_OK) {
        bail("part: %s", err.msg);
    }
    is_int(SOS_OK, sos_upload_expire(st, INT64_MAX, &removed, &err),
           "expire");
    ok(removed == 1 && !has_sums(id2), "expiry: X record gone");

    is_int(3, sums_census(&orphans), "in the end: three legacy files");
    is_int(0, orphans, "in the end: no X record without a live file");
}


/* Whether key holds exactly the len bytes of want. */
static int
holds(const char *key, const void *want, size_t len)
{
    int            good;
    size_t         got;
    unsigned char *buf;
    sos_reader_t  *rd;

    buf = malloc(len + 1);
    rd = reader_of(key);
    good = buf != NULL
           && sos_reader_read(rd, 0, buf, len + 1, &got, &err) == SOS_OK
           && got == len && memcmp(buf, want, len) == 0;
    sos_reader_close(rd);
    free(buf);
    return good;
}


static void
md5_hex(const void *data, size_t len, char hex[33])
{
    int            i;
    unsigned int   n;
    unsigned char  md[16];

    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    for (i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}


static int
count_part(void *ctx, const sos_part_info_t *p)
{
    (void) p;
    (*(unsigned *) ctx)++;
    return 0;
}


/* CopyObject and UploadPartCopy copy only bytes that pass their checks. */
static void
test_copy(void)
{
    int                 truncated;
    char                id[SOS_FILE_ID_LEN + 1], hex[33];
    char                up[SOS_UPLOAD_ID_LEN + 1];
    unsigned            parts;
    sos_put_t          *put;
    sos_put_opts_t      o;
    sos_reader_t       *rd;
    sos_object_info_t   info;

    put_preferred("src", sbytes, S_SIZE, 0, id);
    put_object("dst", "old", 3, NULL);
    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "dstp", 4, NULL, up, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }

    /* the replica read first is bad in block 2 */
    flip(id, 0, 2 * BLK + 1);

    o = opts_of("dst");
    rd = reader_of("src");
    is_int(SOS_OK, sos_put_begin(&put, st, &o, &err), "copy begin");
    is_int(SOS_OK, sos_put_copy(put, rd, 0, S_SIZE, NULL, NULL, &err),
           "copy from a source with a bad replica");
    is_int(SOS_OK, sos_put_commit(put, NULL, &err), "copy committed");
    is_int(1u << 0, sos_reader_bad(rd, 0), "the source's bad replica found");
    sos_reader_close(rd);
    ok(holds("dst", sbytes, S_SIZE), "the copy holds the right bytes");

    o = opts_of("dstp");
    rd = reader_of("src");
    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, sos_part_begin(&put, st, &o, up, 1, &err), "part begin");
    is_int(SOS_OK, sos_put_copy(put, rd, 2 * BLK - 5, BLK, NULL, NULL, &err),
           "part copy of a range across the bad block");
    is_int(SOS_OK, sos_put_commit(put, &info, &err), "part committed");
    md5_hex(sbytes + 2 * BLK - 5, BLK, hex);
    is_str(hex, info.etag, "the part holds the right bytes");
    sos_object_info_release(&info);
    sos_reader_close(rd);

    /* now no replica holds good bytes of block 3 */
    put_object("dst", "old", 3, NULL);
    flip_all(id, 3 * BLK + 10);

    o = opts_of("dst");
    rd = reader_of("src");
    is_int(SOS_OK, sos_put_begin(&put, st, &o, &err), "copy begin");
    is_int(SOS_ECORRUPT, sos_put_copy(put, rd, 0, S_SIZE, NULL, NULL, &err),
           "copy of a source with a block bad everywhere: SOS_ECORRUPT");
    sos_put_abort(put);
    sos_reader_close(rd);
    ok(holds("dst", "old", 3), "the destination is unchanged");

    o = opts_of("dstp");
    rd = reader_of("src");
    is_int(SOS_OK, sos_part_begin(&put, st, &o, up, 2, &err), "part begin");
    is_int(SOS_ECORRUPT, sos_put_copy(put, rd, 3 * BLK, 1000, NULL, NULL,
                                      &err),
           "part copy of the bad block: SOS_ECORRUPT");
    sos_put_abort(put);
    sos_reader_close(rd);
    parts = 0;
    if (sos_upload_list_parts(st, BUCKET, BUCKET_LEN, "dstp", 4, up, 0, 100,
                              count_part, &parts, &truncated, &err)
        != SOS_OK)
    {
        bail("list parts: %s", err.msg);
    }
    is_int(1, parts, "the upload has only the good part");

    if (sos_upload_abort(st, BUCKET, BUCKET_LEN, "dstp", 4, up, &err)
        != SOS_OK)
    {
        bail("abort: %s", err.msg);
    }
    flip(id, 0, 2 * BLK + 1);
    flip_all(id, 3 * BLK + 10);
    ok(holds("src", sbytes, S_SIZE), "the source is whole again");
}


int
main(void)
{
    sos_store_conf_t  conf;

    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());
    fill(sbytes, sizeof(sbytes), 1);
    fill(mbytes, sizeof(mbytes), 2);

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = data_dir;
    conf.no_fsync = 1;
    conf.min_part_size = MIN_PART;
    if (sos_store_open(&st, &conf, &err) != SOS_OK
        || sos_org_create(st, "verify", 6, NULL, 0, &org, &err) != SOS_OK)
    {
        bail("open: %s", err.msg);
    }
    util_bucket_make(st, org.id, BUCKET);

    test_simple();
    test_multipart();
    test_legacy();
    test_ranges();
    test_overwritten();
    test_missing();
    test_empty();
    test_copy();
    test_lifecycle();

    sos_store_close(st);
    done_testing();
}
