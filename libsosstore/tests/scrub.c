/*
 * Scrub and repair: bad and missing replicas found and rewritten from a
 * good one, extents with no good replica reported and left alone, the
 * parts of an upload (P records) as well as objects, orphan files removed
 * after the grace period only, the background position kept across a
 * reopen, and a degraded write queued and repaired once its replica is
 * writable again.  The sweep leaves the files of a version a reader
 * holds; a bad replica a verified read found is rewritten by the next
 * step.  (Legacy extents getting their X records: backfill.c.)
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"
#include "scrub_util.h"


static void
path_of(const char *dir, unsigned r, const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s/r%u/objects/%.2s/%.2s/%s", dir, r, id, id + 2,
             id);
}


/* Whether replica r of id holds exactly data. */
static int
same(const char *dir, unsigned r, const char *id)
{
    int            fd;
    char           path[4096];
    ssize_t        n;
    static char    buf[SIZE + 1];

    path_of(dir, r, id, path, sizeof(path));
    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return 0;
    }
    n = read(fd, buf, sizeof(buf));
    close(fd);
    return n == SIZE && memcmp(buf, data, SIZE) == 0;
}


static void
flip(const char *dir, unsigned r, const char *id, off_t at)
{
    int            fd;
    char           path[4096];
    unsigned char  c;

    path_of(dir, r, id, path, sizeof(path));
    fd = open(path, O_RDWR);
    if (fd == -1 || pread(fd, &c, 1, at) != 1) {
        bail("open %s", path);
    }
    c ^= 0x20;
    if (pwrite(fd, &c, 1, at) != 1) {
        bail("pwrite %s", path);
    }
    close(fd);
}


/* The replica mask of the only extent of bucket/key. */
static long
mask_of(sos_store_t *s, const char *bucket, const char *key)
{
    long           m;
    char          *val;
    size_t         len;
    sos_buf_t      k;
    sos_obj_rec_t  rec;

    sos_buf_init(&k);
    sos_ikey_object(&k, bucket, strlen(bucket), key, strlen(key));
    if (sos_idx_get(s, &k, &val, &len, NULL) != SOS_OK) {
        sos_buf_free(&k);
        return -1;
    }
    sos_buf_free(&k);
    if (sos_obj_rec_decode(val, len, &rec) != 0 || rec.n_extents != 1) {
        free(val);
        return -1;
    }
    m = rec.extents[0].replicas;
    sos_obj_rec_free(&rec);
    free(val);
    return m;
}


/* Replace replica r's tmp/ with a file (1) or put it back (0). */
static void
tmp_broken(const char *dir, unsigned r, int broken)
{
    int   fd;
    char  path[4096];

    snprintf(path, sizeof(path), "%s/r%u/tmp", dir, r);
    if (broken) {
        if (rmdir(path) == -1) {
            bail("rmdir %s: %s", path, strerror(errno));
        }
        fd = open(path, O_WRONLY | O_CREAT, 0600);
        if (fd == -1) {
            bail("create %s", path);
        }
        close(fd);
    } else if (unlink(path) == -1 || mkdir(path, 0700) == -1) {
        bail("restore %s", path);
    }
}


/* Make replica r of id age seconds old; create: first create it, as a
 * file no record names (replica 0 only). */
static void
file_aged(const char *dir, unsigned r, const char *id, time_t age,
    int create)
{
    int              fd;
    char             path[4096];
    struct timeval   tv[2];

    path_of(dir, r, id, path, sizeof(path));
    if (create) {
        snprintf(path, sizeof(path), "%s/r0/objects/%.2s", dir, id);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/r0/objects/%.2s/%.2s", dir, id,
                 id + 2);
        mkdir(path, 0700);
        path_of(dir, 0, id, path, sizeof(path));
        fd = open(path, O_WRONLY | O_CREAT, 0600);
        if (fd == -1 || write(fd, "orphan", 6) != 6) {
            bail("create %s", path);
        }
        close(fd);
    }
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age;
    tv[1] = tv[0];
    if (utimes(path, tv) == -1) {
        bail("utimes %s", path);
    }
}


static int
exists(const char *dir, unsigned r, const char *id)
{
    char         path[4096];
    struct stat  sb;

    path_of(dir, r, id, path, sizeof(path));
    return stat(path, &sb) == 0;
}


static int
found(sos_finding_e what, unsigned r, const char *where)
{
    size_t  i;

    for (i = 0; i < rep.n_findings; i++) {
        if (rep.findings[i].what == what && rep.findings[i].replica == r
            && (where == NULL || strcmp(rep.findings[i].where, where) == 0))
        {
            return 1;
        }
    }
    return 0;
}


static void
test_repair(void)
{
    char                 dir[512], id[SOS_FILE_ID_LEN + 1], path[4096];
    unsigned             r;
    sos_store_t         *st;
    sos_scrub_status_t   status;

    snprintf(dir, sizeof(dir), "%s/repair", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    is_int(SOS_OK, put(st, "bkt", "obj", id), "put obj");

    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "clean pass");
    is_int(0, rep.bad, "nothing bad");
    is_int(1, rep.extents, "one extent");
    is_int(3 * SIZE, rep.bytes, "three replicas read");

    for (r = 0; r < 3; r++) {
        flip(dir, r, id, r * 1000 + 5);
        ok(!same(dir, r, id), "replica %u flipped", r);
        is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "pass");
        is_int(1, rep.bad, "replica %u found bad", r);
        is_int(1, rep.repaired, "replica %u repaired", r);
        ok(found(SOS_FINDING_BAD, r, "bkt/obj"), "finding names it");
        ok(same(dir, r, id), "replica %u holds the bytes again", r);
    }

    /* a missing replica that cannot be rewritten leaves the mask */

    path_of(dir, 2, id, path, sizeof(path));
    ok(unlink(path) == 0, "replica 2 removed");
    tmp_broken(dir, 2, 1);
    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "pass");
    ok(found(SOS_FINDING_MISSING, 2, "bkt/obj"), "missing found");
    ok(found(SOS_FINDING_REPAIR_FAILED, 2, "bkt/obj"), "rewrite failed");
    is_int(3, mask_of(st, "bkt", "obj"), "mask without replica 2");

    sos_scrub_status(st, &status, &err);
    ok(!status.replicas[2].writable, "status: replica 2 not writable");
    ok(status.replicas[0].writable, "status: replica 0 writable");
    ok(status.replicas[0].free_bytes > 0, "status: free bytes");

    tmp_broken(dir, 2, 0);
    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "pass");
    is_int(1, rep.repaired, "replica 2 rewritten");
    ok(same(dir, 2, id), "replica 2 holds the bytes again");
    is_int(7, mask_of(st, "bkt", "obj"), "mask has replica 2 again");

    /* no good replica: reported, nothing written */

    for (r = 0; r < 3; r++) {
        flip(dir, r, id, 77);
    }
    is_int(SOS_OK, sos_scrub_run(st, "bkt", 3, &rep, &err), "bucket pass");
    is_int(3, rep.bad, "three bad replicas");
    is_int(1, rep.unrepairable, "unrepairable");
    is_int(0, rep.repaired, "none repaired");
    ok(found(SOS_FINDING_UNREPAIRABLE, SOS_MAX_REPLICAS, "bkt/obj"),
       "finding names it");
    data[77] ^= 0x20;
    ok(same(dir, 0, id) && same(dir, 1, id) && same(dir, 2, id),
       "bad bytes left as they were");
    data[77] ^= 0x20;
    is_int(7, mask_of(st, "bkt", "obj"), "mask untouched");
    is_int(SOS_ENOBUCKET, sos_scrub_run(st, "none", 4, &rep, &err),
           "unknown bucket");

    sos_store_close(st);
}


static void
test_parts(void)
{
    char                 dir[512], id[SOS_FILE_ID_LEN + 1], path[4096];
    char                 upload[SOS_UPLOAD_ID_LEN + 1];
    char                 etag[SOS_ETAG_MAX + 1];
    sos_store_t         *st;
    sos_put_opts_t       opts;
    sos_part_ref_t       ref;

    snprintf(dir, sizeof(dir), "%s/parts", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);

    util_part1(st, "bkt", "mp", data, SIZE, upload, etag);
    is_int(7, util_part_mask(st, upload, id), "part on three replicas");

    flip(dir, 0, id, 4321);
    is_int(SOS_OK, sos_scrub_run(st, "bkt", 3, &rep, &err), "bucket pass");
    is_int(1, rep.repaired, "bad part replica repaired");
    ok(found(SOS_FINDING_BAD, 0, NULL), "found bad");
    snprintf(path, sizeof(path), "upload %s part 1", upload);
    is_str(path, rep.findings[0].where, "finding names the part");
    ok(same(dir, 0, id), "part replica 0 holds the bytes again");

    path_of(dir, 1, id, path, sizeof(path));
    unlink(path);
    tmp_broken(dir, 1, 1);
    sos_scrub_run(st, NULL, 0, &rep, &err);
    is_int(5, util_part_mask(st, upload, id), "part mask without replica 1");
    tmp_broken(dir, 1, 0);
    sos_scrub_run(st, NULL, 0, &rep, &err);
    is_int(7, util_part_mask(st, upload, id), "part mask with replica 1 again");
    ok(same(dir, 1, id), "part replica 1 holds the bytes again");

    /* completed: the part's file is the object's, never an orphan */

    opts = util_opts("bkt", "mp");
    ref.part_number = 1;
    ref.etag = etag;
    ref.etag_len = strlen(etag);
    is_int(SOS_OK, sos_upload_complete(st, &opts, upload, &ref, 1, NULL,
                                       &err), "complete");

    file_aged(dir, 0, id, 2 * 3600, 0);
    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "full pass");
    is_int(0, rep.orphans, "no orphan");
    is_int(1, rep.extents, "the object's one extent");
    ok(same(dir, 0, id), "the completed part's file kept");

    sos_store_close(st);
}


/*
 * An upload completed in the middle of a pass: its part's file moves from
 * a P record to an O record the pass may have passed already; the pass
 * must still count it live.
 */
static void
test_complete_race(void)
{
    int                  i;
    char                 dir[512], id[SOS_FILE_ID_LEN + 1];
    char                 zz[SOS_FILE_ID_LEN + 1];
    char                 upload[SOS_UPLOAD_ID_LEN + 1];
    char                 etag[SOS_ETAG_MAX + 1];
    sos_store_t         *st;
    sos_put_opts_t       opts;
    sos_part_ref_t       ref;

    snprintf(dir, sizeof(dir), "%s/race", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    is_int(SOS_OK, put(st, "bkt", "zz", zz), "put zz");

    util_part1(st, "bkt", "mp", data, SIZE, upload, etag);
    util_part_mask(st, upload, id);
    file_aged(dir, 0, id, 2 * 3600, 0);
    file_aged(dir, 0, zz, 2 * 3600, 0);

    is_int(SOS_OK, sos_scrub_step(st, 1, &rep, &err), "first step");
    is_int(1, rep.extents, "one extent checked");

    opts = util_opts("bkt", "mp");
    ref.part_number = 1;
    ref.etag = etag;
    ref.etag_len = strlen(etag);
    is_int(SOS_OK, sos_upload_complete(st, &opts, upload, &ref, 1, NULL,
                                       &err), "complete during the pass");

    for (i = 0; i < 10 && !rep.pass_done; i++) {
        sos_scrub_step(st, 1, &rep, &err);
    }
    ok(rep.pass_done, "pass done");
    is_int(0, rep.orphans, "nothing removed");
    ok(same(dir, 0, id) && same(dir, 0, zz), "both files kept");

    sos_store_close(st);
}


static void
test_orphans(void)
{
    char          dir[512], id[SOS_FILE_ID_LEN + 1];
    const char   *old = "abcd0000000000000000000000000001";
    const char   *young = "abcd0000000000000000000000000002";
    sos_store_t  *st;

    snprintf(dir, sizeof(dir), "%s/orphans", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    is_int(SOS_OK, put(st, "bkt", "live", id), "put live");

    file_aged(dir, 0, old, 2 * 3600, 1);
    file_aged(dir, 0, young, 60, 1);
    file_aged(dir, 0, id, 2 * 3600, 0);

    is_int(SOS_OK, sos_scrub_run(st, "bkt", 3, &rep, &err), "bucket pass");
    is_int(0, rep.orphans, "a bucket pass removes no orphan");
    ok(exists(dir, 0, old), "old orphan kept so far");

    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "full pass");
    is_int(1, rep.orphans, "one orphan removed");
    ok(!exists(dir, 0, old), "old orphan removed");
    ok(exists(dir, 0, young), "young orphan kept");
    ok(same(dir, 0, id), "old file of a live record kept");

    sos_store_close(st);
}


static void
test_cursor(void)
{
    int                  i;
    char                 dir[512], id[4][SOS_FILE_ID_LEN + 1], key[8];
    sos_store_t         *st;
    sos_scrub_status_t   status;

    snprintf(dir, sizeof(dir), "%s/cursor", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "b", "b", NULL);
    for (i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        if (put(st, "b", key, id[i]) != SOS_OK) {
            bail("put %s: %s", key, err.msg);
        }
    }

    is_int(SOS_OK, sos_scrub_step(st, 1, &rep, &err), "step");
    is_int(1, rep.extents, "one extent per step of budget 1");
    sos_scrub_status(st, &status, &err);
    is_str("b/k0", status.cursor, "status: cursor");

    flip(dir, 1, id[1], 9);
    sos_store_close(st);
    st = util_store_open(dir, 0, 0);

    is_int(SOS_OK, sos_scrub_step(st, 1, &rep, &err), "step after reopen");
    ok(found(SOS_FINDING_BAD, 1, "b/k1"), "went on with k1");
    is_int(1, rep.repaired, "and repaired it");

    for (i = 0; i < 10 && !rep.pass_done; i++) {
        sos_scrub_step(st, 1, &rep, &err);
    }
    ok(rep.pass_done, "pass done within 10 steps");
    sos_scrub_status(st, &status, &err);
    is_int(1, status.passes, "status: one pass");
    ok(status.last_pass_end > 0, "status: last pass time");
    is_int(0, status.degraded_extents, "status: nothing degraded");

    sos_store_close(st);
}


static void
test_degraded(void)
{
    int                  i;
    char                 dir[512], id[SOS_FILE_ID_LEN + 1];
    sos_store_t         *st;
    sos_scrub_status_t   status;

    snprintf(dir, sizeof(dir), "%s/degraded", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);

    tmp_broken(dir, 1, 1);
    is_int(SOS_OK, put(st, "bkt", "obj", id), "put with replica 1 broken");
    is_int(5, mask_of(st, "bkt", "obj"), "written to replicas 0 and 2");
    ok(!exists(dir, 1, id), "nothing on replica 1");

    sos_scrub_status(st, &status, &err);
    is_int(1, status.queued, "status: one extent queued");

    is_int(SOS_OK, sos_scrub_step(st, 0, &rep, &err), "queue step");
    ok(found(SOS_FINDING_DEGRADED, 1, NULL), "degraded write reported");
    ok(found(SOS_FINDING_REPAIR_FAILED, 1, NULL), "rewrite failed");
    is_int(1, rep.degraded, "counted");

    is_int(SOS_OK, sos_scrub_step(st, 0, &rep, &err), "queue step");
    is_int(0, rep.n_findings, "a failure is reported once");

    tmp_broken(dir, 1, 0);
    is_int(SOS_OK, sos_scrub_step(st, 0, &rep, &err), "queue step");
    ok(found(SOS_FINDING_REPAIRED, 1, NULL), "repaired from the queue");
    ok(same(dir, 1, id), "replica 1 holds the bytes");
    sos_scrub_status(st, &status, &err);
    is_int(0, status.queued, "status: queue empty");

    for (i = 0; i < 10; i++) {
        sos_scrub_step(st, 1, &rep, &err);
        if (rep.pass_done) {
            break;
        }
    }
    is_int(7, mask_of(st, "bkt", "obj"), "the pass set the mask");

    sos_store_close(st);
}


/* Whether the G record of a file is there. */
static int
has_garbage(sos_store_t *s, const char *id)
{
    char      *val;
    size_t     len;
    sos_rc_e   rc;
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_buf_add_u8(&key, SOS_K_GARBAGE);
    sos_buf_add(&key, id, SOS_FILE_ID_LEN);
    rc = sos_idx_get(s, &key, &val, &len, &err);
    sos_buf_free(&key);
    if (rc == SOS_OK) {
        free(val);
    }
    return rc == SOS_OK;
}


/*
 * The orphan sweep leaves the files of a version an open reader holds,
 * however old, until the reader closes and collection removes them.
 */
static void
test_sweep_pinned(void)
{
    char           dir[512], old[SOS_FILE_ID_LEN + 1];
    char           id[SOS_FILE_ID_LEN + 1];
    size_t         got;
    unsigned       r;
    sos_store_t   *st;
    sos_reader_t  *rd;
    static char    buf[SIZE];

    snprintf(dir, sizeof(dir), "%s/sweep-pinned", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    is_int(SOS_OK, put(st, "bkt", "p", old), "put p");
    rd = util_reader(st, "bkt", "p");
    is_int(SOS_OK, util_put_rc(st, "bkt", "p", big, BIG, id, &err),
           "overwrite p");

    for (r = 0; r < 3; r++) {
        ok(exists(dir, r, old), "replica %u of the old version kept", r);
        file_aged(dir, r, old, 2 * 3600, 0);
    }
    ok(has_garbage(st, old), "collection left its G record");
    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "full pass");
    ok(rep.pass_done, "the pass ran whole, with its sweep");
    is_int(0, rep.orphans, "no orphan removed");
    ok(exists(dir, 0, old) && exists(dir, 1, old) && exists(dir, 2, old),
       "the pinned files are all there");

    is_int(SOS_OK, sos_reader_read(rd, 0, buf, SIZE, &got, &err),
           "the reader reads the old version");
    ok(got == SIZE && memcmp(buf, data, SIZE) == 0, "all of it");
    sos_reader_close(rd);

    /* the next commit that replaces files collects them */

    is_int(SOS_OK, put(st, "bkt", "p", id), "overwrite p again");
    ok(!exists(dir, 0, old) && !exists(dir, 1, old) && !exists(dir, 2, old),
       "closed and collected: gone");
    ok(!has_garbage(st, old), "and its G record");

    sos_store_close(st);
}


/*
 * A bad replica a verified read found goes to the repair queue, which
 * the next scrub step rewrites, whatever the pass itself checks.
 */
static void
test_queue(void)
{
    char                 dir[512], a[SOS_FILE_ID_LEN + 1];
    char                 z[SOS_FILE_ID_LEN + 1];
    size_t               got;
    unsigned             bad;
    sos_store_t         *st;
    sos_reader_t        *rd;
    sos_scrub_status_t   status;
    static char          buf[SIZE];

    snprintf(dir, sizeof(dir), "%s/queue", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "bkt", "bkt", NULL);
    is_int(SOS_OK, put(st, "bkt", "a", a), "put a");
    util_put_preferred(st, "bkt", "z", data, SIZE, 0, z);

    flip(dir, 0, z, 1234);
    rd = util_reader(st, "bkt", "z");
    bad = 0;
    is_int(SOS_OK, sos_reader_verify(rd, 0, SIZE, &bad, &err),
           "z verified");
    is_int(1, bad, "replica 0 found bad");
    sos_scrub_status(st, &status, &err);
    is_int(1, status.queued, "queued for repair");

    is_int(SOS_OK, sos_scrub_step(st, 1, &rep, &err), "one small step");
    is_int(1, rep.extents, "the pass checked one extent (a)");
    ok(found(SOS_FINDING_REPAIRED, 0, ""), "the queue repaired replica 0");
    ok(same(dir, 0, z) && same(dir, 1, z),
       "replica 0 is byte-identical to the good copy");

    is_int(SOS_OK, sos_reader_read(rd, 0, buf, SIZE, &got, &err),
           "the open reader still reads");
    ok(got == SIZE && memcmp(buf, data, SIZE) == 0, "good bytes");
    sos_reader_close(rd);

    sos_store_close(st);
}


int
main(void)
{
    scrub_bodies_fill();

    test_repair();
    test_parts();
    test_complete_race();
    test_orphans();
    test_cursor();
    test_degraded();
    test_sweep_pinned();
    test_queue();

    done_testing();
}
