/*
 * Scrub backfill: legacy extents (no X record) of objects and parts get
 * theirs from a pass, computed from a good replica, after which verified
 * reads check blocks, not whole files; an extent whose record changes
 * while the pass checks it gets none, and a fenced store gets none
 * either.
 */

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include <zlib.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"
#include "scrub_util.h"

#define POLLS      2000                 /* 5 ms each */


/*
 * The X record of id: 1 when it holds the CRC32 of each block of the
 * len bytes of p (p NULL: whatever it holds), -1 when not, 0 when absent.
 */
static int
sums_check(sos_store_t *s, const char *id, const unsigned char *p,
    size_t len)
{
    int         rc;
    char       *val;
    size_t      vlen, at, n;
    uint64_t    b;
    sos_buf_t   key;
    sos_sums_t  x;

    sos_buf_init(&key);
    sos_ikey_sums(&key, id);
    rc = sos_idx_get(s, &key, &val, &vlen, &err);
    sos_buf_free(&key);
    if (rc == SOS_ENOTFOUND) {
        return 0;
    }
    if (rc != SOS_OK || sos_sums_decode(val, vlen, &x) != 0) {
        bail("X record of %s", id);
    }
    free(val);

    rc = p == NULL || (x.block_size == BLK
                       && x.n_blocks == (len + BLK - 1) / BLK) ? 1 : -1;
    for (b = 0, at = 0; p != NULL && rc == 1 && b < x.n_blocks;
         b++, at += n)
    {
        n = len - at < BLK ? len - at : BLK;
        rc = x.crcs[b] == (uint32_t) crc32_z(0, p + at, n) ? 1 : -1;
    }
    free(x.crcs);
    return rc;
}


/* How many extents the P and O records name have no X record. */
static long
sums_missing(sos_store_t *s)
{
    long                 missing;
    size_t               t, klen, vlen;
    uint32_t             i;
    const char          *k, *v;
    sos_obj_rec_t        rec;
    sos_part_rec_t       p;
    leveldb_iterator_t  *it;
    static const char    types[2] = { SOS_K_PART, SOS_K_OBJECT };

    missing = 0;
    it = sos_idx_iter(s);

    for (t = 0; t < 2; t++) {
        for (leveldb_iter_seek(it, &types[t], 1);
             sos_idx_iter_in(it, &types[t], 1);
             leveldb_iter_next(it))
        {
            k = leveldb_iter_key(it, &klen);
            v = leveldb_iter_value(it, &vlen);
            if (t == 0) {
                if (sos_part_rec_decode(k, klen, v, vlen, &p) != 0) {
                    bail("bad part record");
                }
                missing += sums_check(s, p.extent.id, NULL, 0) == 0;
                continue;
            }
            if (sos_obj_rec_decode(v, vlen, &rec) != 0) {
                bail("bad object record");
            }
            for (i = 0; i < rec.n_extents; i++) {
                missing += sums_check(s, rec.extents[i].id, NULL, 0) == 0;
            }
            sos_obj_rec_free(&rec);
        }
    }

    leveldb_iter_destroy(it);
    return missing;
}


/*
 * Legacy extents (no X record) of objects and parts get theirs from a
 * pass, which then makes verified reads check blocks, not whole files.
 */
static void
test_backfill(void)
{
    char             dir[512], a[SOS_FILE_ID_LEN + 1];
    char             b[SOS_FILE_ID_LEN + 1], part[SOS_FILE_ID_LEN + 1];
    char             upload[SOS_UPLOAD_ID_LEN + 1];
    unsigned         bad;
    sos_store_t     *st;
    sos_reader_t    *rd;

    snprintf(dir, sizeof(dir), "%s/backfill", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    is_int(SOS_OK, put(st, "bkt", "a", a), "put a");
    util_put_preferred(st, "bkt", "big", big, BIG, 0, b);

    util_part1(st, "bkt", "mp", data, SIZE, upload, NULL);
    util_part_mask(st, upload, part);

    is_int(0, sums_missing(st), "written now: every extent has X");
    util_sums_drop(st, a);
    util_sums_drop(st, b);
    util_sums_drop(st, part);
    is_int(3, sums_missing(st), "three legacy extents");

    /* the checksums of a good replica, not of the last one read */
    util_flip(st, a, 2, BLK + 3);

    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "full pass");
    is_int(3, rep.extents, "three extents checked");
    is_int(1, rep.bad, "replica 2 of a bad");
    is_int(1, rep.repaired, "and rewritten");
    is_int(0, sums_missing(st), "after one pass every extent has X");
    is_int(1, sums_check(st, a, data, SIZE), "a: the CRC32 of its blocks");
    is_int(1, sums_check(st, b, big, BIG), "big: the CRC32 of its blocks");
    is_int(1, sums_check(st, part, data, SIZE),
           "part: the CRC32 of its blocks");

    /* block checksums now: a flip in another block is not this range's */

    util_flip(st, b, 0, BLK + 17);
    rd = util_reader(st, "bkt", "big");
    bad = 99;
    is_int(SOS_OK, sos_reader_verify(rd, 3 * BLK + 100, 1000, &bad, &err),
           "big: a range of block 3 verifies");
    is_int(0, bad, "big: block 1 not read, as no MD5 of the whole file");
    ok(util_segments_good(st, rd, 3 * BLK + 100, 1000, big, b, -1),
       "big: the range read from replica 0");
    sos_reader_close(rd);

    util_flip(st, b, 0, 3 * BLK + 500);
    rd = util_reader(st, "bkt", "big");
    bad = 99;
    is_int(SOS_OK, sos_reader_verify(rd, 3 * BLK + 100, 1000, &bad, &err),
           "big: block 3 flipped on replica 0: verified");
    is_int(1, bad, "big: one bad replica");
    is_int(1, sos_reader_bad(rd, 0), "big: replica 0");
    ok(util_segments_good(st, rd, 3 * BLK + 100, 1000, big, b, 0),
       "big: the reader moved to another replica");
    sos_reader_close(rd);

    util_flip(st, b, 0, BLK + 17);
    util_flip(st, b, 0, 3 * BLK + 500);
    sos_store_close(st);
}


static sos_rc_e             thread_rc;
static sos_scrub_report_t   thread_rep;
static sos_error_t          thread_err;


static void *
scrub_thread(void *arg)
{
    thread_rc = sos_scrub_run(arg, NULL, 0, &thread_rep, &thread_err);
    return NULL;
}


/*
 * Run a pass in a thread while this one holds commit_lock, until the
 * pass has read `bytes` more: its first legacy extent, before it takes
 * the lock to write the X record.
 */
static pthread_t
scrub_stalled(sos_store_t *s, uint64_t bytes)
{
    int                  i;
    uint64_t             from;
    pthread_t            t;
    sos_scrub_status_t   status;

    sos_scrub_status(s, &status, &err);
    from = status.bytes;

    pthread_mutex_lock(&s->commit_lock);
    if (pthread_create(&t, NULL, scrub_thread, s) != 0) {
        bail("pthread_create");
    }

    for (i = 0; i < POLLS; i++) {
        sos_scrub_status(s, &status, &err);
        if (status.bytes >= from + bytes) {
            return t;
        }
        usleep(5000);
    }
    bail("the pass read nothing in %d ms", POLLS * 5);
}


/*
 * A legacy extent whose record changes while the pass checks it gets no
 * X record, and a fenced store gets none either.
 */
static void
test_backfill_race(void)
{
    char          dir[512], a[SOS_FILE_ID_LEN + 1], *val;
    char          b[SOS_FILE_ID_LEN + 1], c[SOS_FILE_ID_LEN + 1];
    char          d[SOS_FILE_ID_LEN + 1];
    size_t        len;
    pthread_t     t;
    sos_buf_t     ka, kc;
    sos_store_t  *st;

    snprintf(dir, sizeof(dir), "%s/backfill-race", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    if (put(st, "bkt", "a", a) != SOS_OK || put(st, "bkt", "b", b) != SOS_OK
        || put(st, "bkt", "c", c) != SOS_OK)
    {
        bail("put: %s", err.msg);
    }
    util_sums_drop(st, a);
    util_sums_drop(st, b);

    /* as an overwrite of a would commit it while the pass reads a */

    t = scrub_stalled(st, 3 * SIZE);

    sos_buf_init(&ka);
    sos_buf_init(&kc);
    sos_ikey_object(&ka, "bkt", 3, "a", 1);
    sos_ikey_object(&kc, "bkt", 3, "c", 1);
    if (sos_idx_get(st, &kc, &val, &len, &err) != SOS_OK
        || sos_idx_put(st, &ka, val, len, 1, &err) != SOS_OK)
    {
        bail("record of a: %s", err.msg);
    }
    free(val);
    sos_buf_free(&ka);
    sos_buf_free(&kc);

    pthread_mutex_unlock(&st->commit_lock);
    pthread_join(t, NULL);
    is_int(SOS_OK, thread_rc, "pass during the overwrite");
    is_int(0, sums_check(st, a, NULL, 0), "no X record for the file the "
           "record no longer names");
    is_int(1, sums_check(st, b, data, SIZE), "the pass went on: b has X");

    /* fenced while the pass reads d: nothing written */

    if (put(st, "bkt", "d", d) != SOS_OK) {
        bail("put d: %s", err.msg);
    }
    util_sums_drop(st, d);

    t = scrub_stalled(st, 12 * SIZE);
    pthread_mutex_lock(&st->idx_lock);
    st->fenced = 1;
    pthread_mutex_unlock(&st->idx_lock);
    pthread_mutex_unlock(&st->commit_lock);
    pthread_join(t, NULL);
    is_int(0, sums_check(st, d, NULL, 0), "fenced: no X record written");
    /* like a delete, a pass reopens the fenced index before it starts */
    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err),
           "fenced: the next pass reopens the index, then runs");
    ok(!st->fenced, "fenced: no more after the reopen");

    sos_store_close(st);
}


int
main(void)
{
    scrub_bodies_fill();

    test_backfill();
    test_backfill_race();

    done_testing();
}
