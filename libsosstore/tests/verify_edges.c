/*
 * Verified reads at their edges: ranges that end exactly on a block edge,
 * objects that are whole blocks, X records with another block size, and
 * hostile X records, which must fail the read rather than pass bad bytes
 * or read out of bounds.
 */

#include <stdint.h>

#include <zlib.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "ve"
#define BUCKET_LEN  2
#define BLK         SOS_SUM_BLOCK
#define MIN_PART    1024

static char           data_dir[512];
static sos_store_t   *st;
static sos_error_t    err;



static void
set_sums(const char *id, const void *val, size_t len)
{
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_ikey_sums(&key, id);
    if (sos_idx_put(st, &key, val, len, 1, &err) != SOS_OK) {
        bail("put X of %s: %s", id, err.msg);
    }
    sos_buf_free(&key);
}


/* An X record of block size bs over data, as a writer would with bs. */
static void
set_sums_bs(const char *id, const unsigned char *data, uint64_t len,
    uint64_t bs)
{
    uint64_t    b, at, n;
    sos_buf_t   v;
    sos_sums_t  s;

    s.block_size = bs;
    s.n_blocks = (len + bs - 1) / bs;
    s.crcs = malloc((s.n_blocks ? s.n_blocks : 1) * sizeof(uint32_t));
    if (s.crcs == NULL) {
        bail("no memory");
    }
    for (b = 0, at = 0; b < s.n_blocks; b++, at += n) {
        n = len - at < bs ? len - at : bs;
        s.crcs[b] = (uint32_t) crc32_z(0, data + at, n);
    }
    sos_buf_init(&v);
    sos_sums_encode(&v, &s);
    set_sums(id, v.data, v.len);
    sos_buf_free(&v);
    free(s.crcs);
}


/*
 * Ranges that end exactly on a block edge check the blocks before the
 * edge only; objects of whole blocks have no short block.
 */
static void
test_edges(void)
{
    char            id[SOS_FILE_ID_LEN + 1];
    unsigned        bad;
    uint64_t        size;
    unsigned char  *d;
    sos_reader_t   *rd;

    size = 2 * BLK;
    d = util_make(size, 11);
    util_put_preferred(st, BUCKET, "edge", d, size, 0, id);
    util_flip(st, id, 0, BLK);                   /* first byte of block 1 */

    rd = util_reader(st, BUCKET, "edge");
    is_int(SOS_OK, sos_reader_verify(rd, 0, BLK, &bad, &err),
           "a range ending on the edge before a bad block");
    is_int(0, bad, "does not check the bad block");
    ok(util_segments_good(st, rd, 0, BLK, d, id, -1),
       "and maps onto good bytes");
    is_int(SOS_OK, sos_reader_verify(rd, BLK - 1, 1, &bad, &err),
           "the last byte before the edge");
    is_int(0, bad, "still block 0 only");
    is_int(SOS_OK, sos_reader_verify(rd, BLK, 1, &bad, &err),
           "the first byte after the edge");
    is_int(1, bad, "checks block 1, bad on the first replica");
    ok(util_segments_good(st, rd, 0, size, d, id, 0),
       "the whole object maps onto another replica");
    sos_reader_close(rd);
    util_flip(st, id, 0, BLK);

    /* the last byte of an object of whole blocks */
    util_flip(st, id, 0, size - 1);
    rd = util_reader(st, BUCKET, "edge");
    is_int(SOS_OK, sos_reader_verify(rd, size - 1, 1, &bad, &err),
           "the last byte of a full last block");
    is_int(1, bad, "is checked against the last block");
    sos_reader_close(rd);
    util_flip(st, id, 0, size - 1);
    free(d);

    /* one byte past a block: a one-byte last block */
    size = BLK + 1;
    d = util_make(size, 12);
    util_put_preferred(st, BUCKET, "edge1", d, size, 1, id);
    util_flip(st, id, 1, BLK);
    rd = util_reader(st, BUCKET, "edge1");
    is_int(SOS_OK, sos_reader_verify(rd, 0, BLK, &bad, &err),
           "block 0 of BLK+1 bytes");
    is_int(0, bad, "is good");
    is_int(SOS_OK, sos_reader_verify(rd, BLK, 1, &bad, &err),
           "the one-byte last block");
    is_int(1, bad, "is bad on the first replica");
    ok(util_segments_good(st, rd, 0, size, d, id, 1),
       "whole, from another replica");
    sos_reader_close(rd);
    util_flip(st, id, 1, BLK);
    free(d);
}


/* A reader takes the block size each X record gives. */
static void
test_block_sizes(void)
{
    char            id[SOS_FILE_ID_LEN + 1];
    unsigned        bad;
    uint64_t        size;
    unsigned char  *d;
    sos_reader_t   *rd;

    size = 10000;
    d = util_make(size, 13);
    util_put_preferred(st, BUCKET, "bs", d, size, 2, id);

    set_sums_bs(id, d, size, 1000);
    util_flip(st, id, 2, 999);                   /* the last byte of block 0 */
    rd = util_reader(st, BUCKET, "bs");
    is_int(SOS_OK, sos_reader_verify(rd, 1000, 10, &bad, &err),
           "block size 1000: block 1");
    is_int(0, bad, "is good");
    is_int(SOS_OK, sos_reader_verify(rd, 990, 10, &bad, &err),
           "a range ending on the edge of block 0");
    is_int(1, bad, "finds block 0 bad");
    ok(util_segments_good(st, rd, 0, size, d, id, 2),
       "whole, from another replica");
    sos_reader_close(rd);
    util_flip(st, id, 2, 999);

    set_sums_bs(id, d, size, 1);
    util_flip(st, id, 2, 5000);
    rd = util_reader(st, BUCKET, "bs");
    is_int(SOS_OK, sos_reader_verify(rd, 4999, 1, &bad, &err),
           "block size 1: the byte before a bad one");
    is_int(0, bad, "is good");
    is_int(SOS_OK, sos_reader_verify(rd, 0, size, &bad, &err),
           "block size 1: all of it");
    is_int(1, bad, "finds the bad byte");
    sos_reader_close(rd);
    util_flip(st, id, 2, 5000);

    set_sums_bs(id, d, size, 64 * 1024 * 1024);
    rd = util_reader(st, BUCKET, "bs");
    is_int(SOS_OK, sos_reader_verify(rd, 0, size, &bad, &err),
           "block size 64 MiB: one short block");
    is_int(0, bad, "is good");
    sos_reader_close(rd);
    free(d);
}


/* Hostile X records fail the read: no crash, no bad bytes passed. */
static void
test_hostile(void)
{
    int             i;
    char            id[SOS_FILE_ID_LEN + 1], buf[16];
    size_t          got;
    unsigned        bad;
    sos_rc_e        rc;
    sos_buf_t       v;
    uint64_t        size;
    unsigned char   ff[11];
    unsigned char  *d;
    sos_reader_t   *rd;

    size = 3 * BLK + 5;
    d = util_make(size, 14);
    util_put(st, BUCKET, "hx", d, size, id);
    memset(ff, 0xff, sizeof(ff));

    for (i = 0; i < 9; i++) {
        sos_buf_init(&v);
        switch (i) {
        case 0:                         /* another version */
            sos_buf_add_u8(&v, 2);
            sos_buf_add_varint(&v, BLK);
            sos_buf_add_varint(&v, 4);
            sos_buf_add(&v, ff, 11);
            sos_buf_add(&v, ff, 5);
            break;
        case 1:                         /* block size 0 */
            sos_buf_add_u8(&v, 1);
            sos_buf_add_varint(&v, 0);
            sos_buf_add_varint(&v, 4);
            sos_buf_add(&v, ff, 11);
            sos_buf_add(&v, ff, 5);
            break;
        case 2:                         /* an endless varint */
            sos_buf_add_u8(&v, 1);
            sos_buf_add(&v, ff, 11);
            break;
        case 3:                         /* too big a block */
            sos_buf_add_u8(&v, 1);
            sos_buf_add_varint(&v, 64 * 1024 * 1024 + 1);
            sos_buf_add_varint(&v, 1);
            sos_buf_add(&v, ff, 4);
            break;
        case 4:                         /* huge count, few bytes */
            sos_buf_add_u8(&v, 1);
            sos_buf_add_varint(&v, BLK);
            sos_buf_add_varint(&v, UINT64_C(1) << 62);
            sos_buf_add(&v, ff, 8);
            break;
        case 5:                         /* one block short */
            sos_buf_add_u8(&v, 1);
            sos_buf_add_varint(&v, BLK);
            sos_buf_add_varint(&v, 3);
            sos_buf_add(&v, ff, 11);
            sos_buf_add(&v, ff, 1);
            break;
        case 6:                         /* the last CRC cut */
            sos_buf_add_u8(&v, 1);
            sos_buf_add_varint(&v, BLK);
            sos_buf_add_varint(&v, 4);
            sos_buf_add(&v, ff, 11);
            sos_buf_add(&v, ff, 4);
            break;
        case 7:                         /* a block size that wraps */
            sos_buf_add_u8(&v, 1);
            sos_buf_add_varint(&v, UINT64_MAX);
            sos_buf_add_varint(&v, 1);
            sos_buf_add(&v, ff, 4);
            break;
        default:                        /* empty */
            break;
        }
        set_sums(id, v.data, v.len);
        sos_buf_free(&v);

        rd = util_reader(st, BUCKET, "hx");
        rc = sos_reader_verify(rd, 0, size, &bad, &err);
        is_int(SOS_ECORRUPT, rc, "hostile X record %d: SOS_ECORRUPT", i);
        is_int(SOS_ECORRUPT, sos_reader_read(rd, 0, buf, sizeof(buf), &got,
                                             &err),
               "hostile X record %d: no read either", i);
        sos_reader_close(rd);
    }

    /* fields appended by a later version follow the CRCs */
    set_sums_bs(id, d, size, BLK);
    {
        char       *val;
        size_t      len;
        sos_buf_t   key;

        sos_buf_init(&key);
        sos_ikey_sums(&key, id);
        if (sos_idx_get(st, &key, &val, &len, &err) != SOS_OK) {
            bail("get X: %s", err.msg);
        }
        sos_buf_init(&v);
        sos_buf_add(&v, val, len);
        sos_buf_add(&v, "more", 4);
        free(val);
        sos_buf_free(&key);
    }
    set_sums(id, v.data, v.len);
    sos_buf_free(&v);
    rd = util_reader(st, BUCKET, "hx");
    is_int(SOS_OK, sos_reader_verify(rd, 0, size, &bad, &err),
           "a record with fields after the CRCs: verified");
    sos_reader_close(rd);
    free(d);
}


int
main(void)
{
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());
    st = util_store_open(data_dir, 0, MIN_PART);
    util_org_bucket(st, "ve", BUCKET, NULL);

    test_edges();
    test_block_sizes();
    test_hostile();

    sos_store_close(st);
    done_testing();
}
