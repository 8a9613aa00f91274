/*
 * Readers hold (pin) the files of the version they opened: a long read
 * of a 40-part object survives an overwrite and a delete committed while
 * it reads, its files go after the reader closes, and garbage collection
 * leaves pinned files alone.  Readers open their parts one by one and
 * keep few fds: those read and verify used are closed as they move on,
 * those segments gave out when sos_reader_release passes them.  A race
 * of readers against overwrites never sees a part's file gone.
 */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "pb"
#define BUCKET_LEN  2
#define MIN_PART    1024
#define N_PARTS     40
#define PART_SIZE   3000
#define OBJ_SIZE    (N_PARTS * PART_SIZE)
#define FD_SLACK    4                   /* fds a reader may hold at once */
#define RACE_PARTS  20
#define RACE_WRITES 12                  /* overwrites during the race */
#define RACE_READS  400                 /* at most, while they go on */

static char           data_dir[512];
static sos_store_t   *st;
static sos_error_t    err;
static unsigned char  va[OBJ_SIZE], vb[OBJ_SIZE];  /* two versions */


/* A put and a delete: a collection, which unlinks what readers left. */
static void
collect(void)
{
    sos_put_t       *put;
    sos_put_opts_t   o;

    o = util_opts(BUCKET, "scratch");
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_write(put, "x", 1, &err) != SOS_OK
        || sos_put_commit(put, NULL, &err) != SOS_OK
        || sos_object_delete(st, BUCKET, BUCKET_LEN, "scratch", 7, &err)
           != SOS_OK)
    {
        bail("collect: %s", err.msg);
    }
}


/* How many of the files of these extents (on any replica) exist. */
static unsigned
present(const sos_extent_t *e, uint32_t n)
{
    char         path[1024];
    uint32_t     i;
    unsigned     r, k;
    struct stat  sb;

    k = 0;
    for (i = 0; i < n; i++) {
        for (r = 0; r < 3; r++) {
            sos_replica_path(st, r, e[i].id, path, sizeof(path));
            if (stat(path, &sb) == 0) {
                k++;
                break;
            }
        }
    }
    return k;
}


/* How many of these extents have a G record. */
static unsigned
pending(const sos_extent_t *e, uint32_t n)
{
    char      key[1 + SOS_FILE_ID_LEN];
    uint32_t  i;
    unsigned  k;

    k = 0;
    key[0] = SOS_K_GARBAGE;
    for (i = 0; i < n; i++) {
        memcpy(key + 1, e[i].id, SOS_FILE_ID_LEN);
        k += sos_idx_has_prefix(st, key, sizeof(key), &err) == 1;
    }
    return k;
}


/*
 * Send window w (one part) of rd as the module would: verify, segments,
 * the bytes, then release what is sent.  Whether the bytes are want's.
 */
static int
send_window(sos_reader_t *rd, unsigned w, const unsigned char *want)
{
    int             good;
    size_t          i, n;
    unsigned        bad;
    uint64_t        at, len;
    unsigned char   buf[PART_SIZE];
    sos_segment_t   seg[2];

    /* windows straddle parts: the second half of one, the first of the
     * next; the first window is half a part */
    at = w == 0 ? 0 : (uint64_t) w * PART_SIZE - PART_SIZE / 2;
    len = w == 0 ? PART_SIZE / 2 : PART_SIZE;
    if (w == N_PARTS) {
        len = PART_SIZE / 2;
    }

    n = 2;
    good = sos_reader_verify(rd, at, len, &bad, &err) == SOS_OK
           && sos_reader_segments(rd, at, len, seg, &n, &err) == SOS_OK;
    if (!good) {
        diag("window %u: %s", w, err.msg);
        return 0;
    }

    for (i = 0; good && i < n; i++) {
        good = pread(seg[i].fd, buf, seg[i].len, (off_t) seg[i].offset)
               == (ssize_t) seg[i].len
               && memcmp(buf, want + at, seg[i].len) == 0;
        at += seg[i].len;
    }

    sos_reader_release(rd, at);
    return good;
}


static void
test_long_read(void)
{
    int             good, base, most;
    size_t          got;
    unsigned        w;
    uint32_t        n, nb;
    sos_extent_t   *ea, *eb;
    sos_reader_t   *ra, *rb;
    unsigned char   buf[PART_SIZE];
    uint64_t        removed;

    util_put_parts(st, BUCKET, "big", va, N_PARTS, PART_SIZE);
    ea = util_extents(st, BUCKET, "big", &n);

    base = util_fds();
    if (sos_object_open(st, BUCKET, BUCKET_LEN, "big", 3, &ra, NULL, &err)
        != SOS_OK)
    {
        bail("open: %s", err.msg);
    }
    is_int(base + 1, util_fds(), "a reader opens its first part only");

    good = 1;
    most = 0;
    rb = NULL;
    eb = NULL;
    nb = 0;

    for (w = 0; w <= N_PARTS; w++) {
        if (w == 10) {
            util_put_parts(st, BUCKET, "big", vb, N_PARTS, PART_SIZE);
            if (sos_object_open(st, BUCKET, BUCKET_LEN, "big", 3, &rb, NULL,
                                &err) != SOS_OK)
            {
                bail("open: %s", err.msg);
            }
            eb = util_extents(st, BUCKET, "big", &nb);
            is_int(N_PARTS, pending(ea, n),
                   "overwritten: the old files are garbage (G records)");
            is_int(N_PARTS, present(ea, n), "but stay for the reader");
            removed = sos_garbage_collect_all(st);
            is_int(0, removed, "a full collection leaves them too");
        }

        if (w == 20) {
            is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "big",
                                             3, &err),
                   "the new version deleted while both read");
        }

        good = good && send_window(ra, w, va);

        /* the second reader copies, as UploadPartCopy does */
        if (rb != NULL && w < N_PARTS) {
            good = good
                   && sos_reader_read(rb, (uint64_t) w * PART_SIZE, buf,
                                      PART_SIZE, &got, &err) == SOS_OK
                   && got == PART_SIZE
                   && memcmp(buf, vb + w * PART_SIZE, PART_SIZE) == 0;
        }

        if (util_fds() - base > most) {
            most = util_fds() - base;
        }
    }

    ok(good, "the old version read whole, through the overwrite and "
       "delete; the new one too from part 11");
    ok(most <= FD_SLACK, "fds stayed bounded: at most %d for two readers "
       "of %d parts", most, N_PARTS);

    sos_reader_close(ra);
    sos_reader_close(rb);
    is_int(base, util_fds(), "closed: no fd left");
    is_int(2 * N_PARTS, present(ea, n) + present(eb, nb),
           "the files wait for the next collection");
    collect();
    is_int(0, present(ea, n) + present(eb, nb),
           "which unlinks both versions' files");
    is_int(0, pending(ea, n) + pending(eb, nb), "and drops their G records");
    free(ea);
    free(eb);
}


/* Overwrite "race" again and again, alternating va and vb. */
static void *
race_writer(void *arg)
{
    unsigned  i;

    for (i = 0; i < RACE_WRITES; i++) {
        util_put_parts(st, BUCKET, "race", i % 2 ? va : vb, RACE_PARTS,
                       PART_SIZE);
    }
    __atomic_store_n((int *) arg, 1, __ATOMIC_RELEASE);
    return NULL;
}


static void
test_race(void)
{
    int                   done, reads, bad, whole;
    size_t                got;
    unsigned              p;
    sos_rc_e              rc;
    pthread_t             t;
    sos_reader_t         *rd;
    unsigned char         buf[RACE_PARTS * PART_SIZE];
    const unsigned char  *want;

    util_put_parts(st, BUCKET, "race", va, RACE_PARTS, PART_SIZE);

    done = 0;
    if (pthread_create(&t, NULL, race_writer, &done) != 0) {
        bail("pthread_create failed");
    }

    reads = 0;
    bad = 0;
    whole = 0;

    while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE) && reads < RACE_READS) {
        reads++;
        rc = sos_object_open(st, BUCKET, BUCKET_LEN, "race", 4, &rd, NULL,
                             &err);
        if (rc != SOS_OK) {
            diag("open: %s", err.msg);
            bad++;
            continue;
        }

        /* a part at a time, giving the writer time to commit between */
        for (p = 0; p < RACE_PARTS; p++) {
            rc = sos_reader_read(rd, (uint64_t) p * PART_SIZE,
                                 buf + p * PART_SIZE, PART_SIZE, &got, &err);
            if (rc != SOS_OK || got != PART_SIZE) {
                diag("read of part %u: %s", p + 1, err.msg);
                break;
            }
            usleep(2000);
        }
        sos_reader_close(rd);

        if (p < RACE_PARTS) {
            bad++;
            continue;
        }
        want = buf[0] == va[0] ? va : vb;
        if (memcmp(buf, want, sizeof(buf)) != 0) {
            diag("read %d mixes versions", reads);
            bad++;
            continue;
        }
        whole++;
    }

    pthread_join(t, NULL);

    is_int(0, bad, "readers racing %d overwrites: every read whole and of "
           "one version (%d reads)", RACE_WRITES, whole);
}


int
main(void)
{
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());
    util_fill(va, sizeof(va), 131, 7, 8);
    util_fill(vb, sizeof(vb), 131, 14, 8);

    st = util_store_open(data_dir, 0, MIN_PART);
    util_org_bucket(st, "pin", BUCKET, NULL);

    test_long_read();
    test_race();

    sos_store_close(st);
    done_testing();
}
