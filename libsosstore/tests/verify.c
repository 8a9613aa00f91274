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

static char           data_dir[512];
static sos_store_t   *st;
static sos_error_t    err;
static unsigned char  sbytes[S_SIZE];   /* simple objects */
static unsigned char  mbytes[MP_SIZE];  /* the multipart object */


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
    util_ids_t  live;
    size_t      orphans;                /* X records of no live file */
} live_t;


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
    util_ids_add(ctx, p.extent.id);
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
    for (i = 0; i < l->live.n; i++) {
        if (key_len == SOS_FILE_ID_LEN
            && memcmp(l->live.ids[i], key, SOS_FILE_ID_LEN) == 0)
        {
            l->live.ids[i][0] = '\0';  /* seen */
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
    if (sos_idx_scan(st, SOS_K_OBJECT, util_ids_object, &l.live, &err)
        != SOS_OK
        || sos_idx_scan(st, SOS_K_PART, live_part, &l.live, &err) != SOS_OK
        || sos_idx_scan(st, SOS_K_CHECKSUMS, live_sums, &l, &err) != SOS_OK)
    {
        bail("scan: %s", err.msg);
    }
    missing = 0;
    for (i = 0; i < l.live.n; i++) {
        missing += l.live.ids[i][0] != '\0';
    }
    free(l.live.ids);
    *orphans = l.orphans;
    return missing;
}


static void
flip_all(const char *id, uint64_t offset)
{
    unsigned  r;

    for (r = 0; r < 3; r++) {
        util_flip(st, id, r, offset);
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

    e = util_extents(st, BUCKET, key, &n);
    util_flip(st, e[ext].id, k, at);

    rd = util_reader(st, BUCKET, key);
    bad = 99;
    is_int(SOS_OK, sos_reader_verify(rd, 0, size, &bad, &err),
           "%s, replica %u flipped: verified", what, k);
    is_int(1, bad, "%s, replica %u flipped: one bad replica", what, k);
    is_int(1u << k, sos_reader_bad(rd, ext),
           "%s, replica %u flipped: the reader knows which", what, k);
    ok(util_segments_good(st, rd, 0, size, want, e[ext].id, (int) k),
       "%s, replica %u flipped: segments on a good replica", what, k);
    sos_reader_close(rd);

    util_flip(st, e[ext].id, k, at);
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

    e = util_extents(st, BUCKET, key, &n);
    flip_all(e[ext].id, at);

    rd = util_reader(st, BUCKET, key);
    bad = 0;
    is_int(SOS_ECORRUPT, sos_reader_verify(rd, 0, size, &bad, &err),
           "%s, every replica flipped: SOS_ECORRUPT", what);
    ok(strstr(err.msg, e[ext].id) != NULL, "%s: the message names the "
       "file: %s", what, err.msg);
    is_int(3, bad, "%s: three bad replicas", what);
    sos_reader_close(rd);

    rd = util_reader(st, BUCKET, key);
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
        util_put_preferred(st, BUCKET, key, sbytes, S_SIZE, k, id);
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

    o = util_opts(BUCKET, key);
    sos_buf_init(&pk);
    sos_ikey_part(&pk, id, number);

    for (i = 0; i < UTIL_PUT_TRIES; i++) {
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
        if (util_preferred(p.extent.id) == k) {
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

    o = util_opts(BUCKET, "mp");
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

    e = util_extents(st, BUCKET, "mp", &n);
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
        util_put_preferred(st, BUCKET, key, sbytes, S_SIZE, k, id);
        util_sums_drop(st, id);
        ok(!has_sums(id), "l%u: no X record, as written before them", k);
        flip_one("legacy", key, 0, k, 3 * BLK + 999, sbytes, S_SIZE);
    }

    /* a flip anywhere fails the whole file's MD5, whatever the range */
    util_put_preferred(st, BUCKET, "l0", sbytes, S_SIZE, 0, id);
    util_sums_drop(st, id);
    util_flip(st, id, 0, 2 * BLK);
    rd = util_reader(st, BUCKET, "l0");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 10, &bad, &err),
           "legacy: the first bytes verify");
    is_int(1, bad, "legacy: against the MD5 of the whole file");
    is_int(SOS_OK, sos_reader_verify(rd, BLK, 10, &bad, &err),
           "legacy: checked once per reader");
    is_int(0, bad, "legacy: nothing new found");
    sos_reader_close(rd);
    util_flip(st, id, 0, 2 * BLK);

    flip_every("legacy", "l1", 0, 77, 77, S_SIZE);
}


/* Ranges widen to the blocks they touch, no more. */
static void
test_ranges(void)
{
    char           id[SOS_FILE_ID_LEN + 1];
    unsigned       bad;
    sos_reader_t  *rd;

    util_put_preferred(st, BUCKET, "r", sbytes, S_SIZE, 1, id);
    util_flip(st, id, 1, BLK + 5);
    util_flip(st, id, 1, 3 * BLK + 999);  /* the short last block */

    rd = util_reader(st, BUCKET, "r");
    is_int(SOS_OK, sos_reader_verify(rd, 10, BLK - 20, &bad, &err),
           "range inside block 0");
    is_int(0, bad, "block 0 is good");
    is_int(SOS_OK, sos_reader_verify(rd, BLK - 3, 6, &bad, &err),
           "range across blocks 0 and 1, mid-block");
    is_int(1, bad, "block 1 is bad on the first replica");
    ok(util_segments_good(st, rd, BLK - 3, 6, sbytes, id, 1),
       "the range maps onto another replica");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 3 * BLK + 1000, &bad, &err),
           "the whole object");
    is_int(0, bad, "nothing more: the replica moved to is good");
    sos_reader_close(rd);

    rd = util_reader(st, BUCKET, "r");
    is_int(SOS_OK, sos_reader_verify(rd, 2 * BLK + 100, BLK, &bad, &err),
           "blocks 2 and 3 (short), mid-block");
    is_int(1, bad, "the short last block is bad");
    is_int(SOS_OK, sos_reader_verify(rd, 0, 0, &bad, &err), "empty range");
    is_int(SOS_ERANGE, sos_reader_verify(rd, S_SIZE, 1, &bad, &err),
           "range past the end");
    sos_reader_close(rd);

    util_flip(st, id, 1, BLK + 5);
    util_flip(st, id, 1, 3 * BLK + 999);
}


/*
 * A reader checks blocks with the X records of the version it opened,
 * though an overwrite replaced it since: its pin keeps the files and
 * their X record, so a flip in block 2 does not fail a range of block 0,
 * as a whole-file MD5 would.
 */
static void
test_overwritten(void)
{
    char           id[SOS_FILE_ID_LEN + 1];
    unsigned       bad;
    sos_reader_t  *rd;

    util_put_preferred(st, BUCKET, "ov", sbytes, S_SIZE, 0, id);
    rd = util_reader(st, BUCKET, "ov");
    util_put(st, BUCKET, "ov", "new", 3, NULL);
    ok(has_sums(id), "overwritten after open: the reader's pin keeps the "
       "X record");
    util_flip(st, id, 0, 2 * BLK + 9);

    is_int(SOS_OK, sos_reader_verify(rd, 0, 10, &bad, &err),
           "the old version's block 0 verifies");
    is_int(0, bad, "against its block checksum, as the reader saw it");
    is_int(SOS_OK, sos_reader_verify(rd, 2 * BLK, 10, &bad, &err),
           "block 2 verifies");
    is_int(1, bad, "on another replica");
    ok(util_segments_good(st, rd, 0, S_SIZE, sbytes, id, 0),
       "the old version's bytes, from good replicas");
    sos_reader_close(rd);

    /* the next collection removes the files, and their X record with them */
    util_put(st, BUCKET, "ov", "newer", 5, NULL);
    ok(!has_sums(id), "after the reader closed: the X record is gone");
}


/* A missing or short file on the replica read first. */
static void
test_missing(void)
{
    char           id[SOS_FILE_ID_LEN + 1], path[1024];
    unsigned       bad;
    sos_reader_t  *rd;

    util_put_preferred(st, BUCKET, "m", sbytes, S_SIZE, 2, id);

    hide(id, 2, 0);
    rd = util_reader(st, BUCKET, "m");
    is_int(SOS_OK, sos_reader_verify(rd, 0, S_SIZE, &bad, &err),
           "missing file on the first replica: verified");
    is_int(1u << 2, sos_reader_bad(rd, 0), "the reader knows which");
    ok(util_segments_good(st, rd, 0, S_SIZE, sbytes, id, -1),
       "the bytes come from another replica");
    sos_reader_close(rd);
    hide(id, 2, 1);

    sos_replica_path(st, 2, id, path, sizeof(path));
    if (truncate(path, S_SIZE - 1) == -1) {
        bail("truncate %s: %s", path, strerror(errno));
    }
    rd = util_reader(st, BUCKET, "m");
    is_int(SOS_OK, sos_reader_verify(rd, 0, S_SIZE, &bad, &err),
           "short file on the first replica: verified");
    is_int(1u << 2, sos_reader_bad(rd, 0), "the reader knows which");
    ok(util_segments_good(st, rd, 0, S_SIZE, sbytes, id, 2),
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

    util_put(st, BUCKET, "empty", "", 0, id);
    ok(sums_of(id, &s) && s.n_blocks == 0 && s.block_size == BLK,
       "empty object: an X record of no blocks");
    free(s.crcs);

    rd = util_reader(st, BUCKET, "empty");
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

    util_put(st, BUCKET, "life", sbytes, 1000, id1);
    ok(has_sums(id1), "put: X record");
    util_put(st, BUCKET, "life", sbytes, 2000, id2);
    ok(!has_sums(id1) && sums_match(id2, sbytes, 2000),
       "overwrite: the old X record gone, the new one there");
    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "life", 4,
                                     &err), "delete");
    ok(!has_sums(id2), "delete: X record gone");

    /* copy: the new file gets its own checksums */
    util_put(st, BUCKET, "life", sbytes, S_SIZE, id1);
    o = util_opts(BUCKET, "copy");
    rd = util_reader(st, BUCKET, "life");
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_copy(put, rd, 0, S_SIZE, NULL, NULL, &err) != SOS_OK
        || sos_put_commit(put, NULL, &err) != SOS_OK)
    {
        bail("copy: %s", err.msg);
    }
    sos_reader_close(rd);
    e = util_extents(st, BUCKET, "copy", &n);
    ok(strcmp(e[0].id, id1) != 0 && sums_match(e[0].id, sbytes, S_SIZE),
       "copy: X record of the copy");
    memcpy(old, e[0].id, sizeof(old));
    free(e);
    util_put(st, BUCKET, "copy", sbytes, 10, NULL);
    ok(!has_sums(old), "copy overwritten: its X record gone");

    /* parts: replaced, unused at complete, aborted, expired */
    o = util_opts(BUCKET, "mpl");
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
    e = util_extents(st, BUCKET, "mpl", &n);
    ok(n == 1 && strcmp(e[0].id, id1) == 0 && has_sums(id1),
       "complete: the part used keeps its X record");
    free(e);
    is_int(3, sums_census(&orphans), "live files without an X record: "
           "the three legacy ones");
    is_int(0, orphans, "no X record without a live file");

    util_part1(st, BUCKET, "mpl", sbytes, 3000, up, NULL);
    util_part_mask(st, up, id2);
    ok(has_sums(id2), "second upload: X record of its part");
    is_int(SOS_OK, sos_upload_abort(st, BUCKET, BUCKET_LEN, "mpl", 3, up,
                                    &err), "abort");
    ok(!has_sums(id2), "abort: X record gone");

    util_part1(st, BUCKET, "mpl", sbytes, 3000, up, NULL);
    util_part_mask(st, up, id2);
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
    rd = util_reader(st, BUCKET, key);
    good = buf != NULL
           && sos_reader_read(rd, 0, buf, len + 1, &got, &err) == SOS_OK
           && got == len && memcmp(buf, want, len) == 0;
    sos_reader_close(rd);
    free(buf);
    return good;
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

    util_put_preferred(st, BUCKET, "src", sbytes, S_SIZE, 0, id);
    util_put(st, BUCKET, "dst", "old", 3, NULL);
    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "dstp", 4, NULL, up, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }

    /* the replica read first is bad in block 2 */
    util_flip(st, id, 0, 2 * BLK + 1);

    o = util_opts(BUCKET, "dst");
    rd = util_reader(st, BUCKET, "src");
    is_int(SOS_OK, sos_put_begin(&put, st, &o, &err), "copy begin");
    is_int(SOS_OK, sos_put_copy(put, rd, 0, S_SIZE, NULL, NULL, &err),
           "copy from a source with a bad replica");
    is_int(SOS_OK, sos_put_commit(put, NULL, &err), "copy committed");
    is_int(1u << 0, sos_reader_bad(rd, 0), "the source's bad replica found");
    sos_reader_close(rd);
    ok(holds("dst", sbytes, S_SIZE), "the copy holds the right bytes");

    o = util_opts(BUCKET, "dstp");
    rd = util_reader(st, BUCKET, "src");
    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, sos_part_begin(&put, st, &o, up, 1, &err), "part begin");
    is_int(SOS_OK, sos_put_copy(put, rd, 2 * BLK - 5, BLK, NULL, NULL, &err),
           "part copy of a range across the bad block");
    is_int(SOS_OK, sos_put_commit(put, &info, &err), "part committed");
    util_md5_hex(sbytes + 2 * BLK - 5, BLK, hex);
    is_str(hex, info.etag, "the part holds the right bytes");
    sos_object_info_release(&info);
    sos_reader_close(rd);

    /* now no replica holds good bytes of block 3 */
    util_put(st, BUCKET, "dst", "old", 3, NULL);
    flip_all(id, 3 * BLK + 10);

    o = util_opts(BUCKET, "dst");
    rd = util_reader(st, BUCKET, "src");
    is_int(SOS_OK, sos_put_begin(&put, st, &o, &err), "copy begin");
    is_int(SOS_ECORRUPT, sos_put_copy(put, rd, 0, S_SIZE, NULL, NULL, &err),
           "copy of a source with a block bad everywhere: SOS_ECORRUPT");
    sos_put_abort(put);
    sos_reader_close(rd);
    ok(holds("dst", "old", 3), "the destination is unchanged");

    o = util_opts(BUCKET, "dstp");
    rd = util_reader(st, BUCKET, "src");
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
    util_flip(st, id, 0, 2 * BLK + 1);
    flip_all(id, 3 * BLK + 10);
    ok(holds("src", sbytes, S_SIZE), "the source is whole again");
}


int
main(void)
{
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());
    util_fill(sbytes, sizeof(sbytes), 131, 7, 9);
    util_fill(mbytes, sizeof(mbytes), 131, 14, 9);

    st = util_store_open(data_dir, 0, MIN_PART);
    util_org_bucket(st, "verify", BUCKET, NULL);

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
