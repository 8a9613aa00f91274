/*
 * sos_objects_delete: 1,000 keys in one call make one synced index
 * write; the bucket's counters, files, G and X records follow; missing
 * keys, keys named twice and invalid keys get their own result; a
 * reader keeps the files of the version it holds until it closes; a
 * fenced store refuses the call and nothing changes; a call whose index
 * write fails is settled whole at the reopen, and nothing acknowledged
 * is lost.  Conditional deletes (sos_object_delete_if,
 * sos_objects_delete_if): an object that does not meet its ETag, mtime
 * or size stays and answers SOS_EPRECONDITION; of racing conditional
 * deletes of one object, exactly one deletes it.
 *
 * Faults and counts: this program's fdatasync() and fsync() count the
 * syncs of LevelDB's log (one per synced index write) and fail them
 * while armed; its statvfs() reports the index volume full while armed,
 * so that a reopen finds no room and the store stays fenced.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "del"
#define BUCKET_LEN  3
#define N_OBJECTS   1000                /* o0000 .. o0999 */
#define N_KEEP      10                  /* keep0 .. keep9 */
#define MP_PARTS    3
#define PART_SIZE   100
#define BODY_MAX    200


static sos_error_t   err;
static sos_org_t     org;
static char          data_dir[512];
static atomic_int    log_syncs;
static atomic_int    fail_log_sync;
static atomic_int    index_full;
static char          keep[N_KEEP][8];


/* A sync of the index's log: counted, and failed while armed. */
static int
log_sync_fails(int fd)
{
    if (!util_is_index_log(fd)) {
        return 0;
    }
    log_syncs++;
    if (fail_log_sync) {
        errno = EIO;
        return 1;
    }
    return 0;
}


int
fdatasync(int fd)
{
    return log_sync_fails(fd) ? -1 : (int) syscall(SYS_fdatasync, fd);
}


int
fsync(int fd)
{
    return log_sync_fails(fd) ? -1 : (int) syscall(SYS_fsync, fd);
}


/* The room the store sees on its index volume: none while armed. */
int
statvfs(const char *path, struct statvfs *buf)
{
    int  fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return -1;
    }
    rc = fstatvfs(fd, buf);
    close(fd);

    if (rc == 0 && index_full && strstr(path, "/index") != NULL) {
        buf->f_bfree = 0;
        buf->f_bavail = 0;
    }
    return rc;
}


/* The body of key: its name, then bytes by its name, of a size by it. */
static size_t
body(const char *key, char *buf)
{
    size_t    i, len, n;
    unsigned  h;

    h = 0;
    for (i = 0; key[i] != '\0'; i++) {
        h = h * 31 + (unsigned char) key[i];
    }
    len = 20 + h % (BODY_MAX - 20);

    n = (size_t) snprintf(buf, BODY_MAX, "%s:", key);
    for (i = n; i < len; i++) {
        buf[i] = (char) ('a' + (h + i * 7) % 26);
    }
    return len;
}


static sos_rc_e
put_rc(sos_store_t *s, const char *key)
{
    char    data[BODY_MAX];
    size_t  len;

    len = body(key, data);
    return util_put_rc(s, BUCKET, key, data, len, NULL, &err);
}


static void
put(sos_store_t *s, const char *key)
{
    if (put_rc(s, key) != SOS_OK) {
        bail("put %s: %s", key, err.msg);
    }
}


/* "mp": MP_PARTS parts of PART_SIZE bytes, the object's own files. */
static void
put_multipart(sos_store_t *s)
{
    unsigned char  data[MP_PARTS * PART_SIZE];
    unsigned       i;

    for (i = 0; i < MP_PARTS; i++) {
        memset(data + i * PART_SIZE, 'A' + i, PART_SIZE);
    }
    util_put_parts(s, BUCKET, "mp", data, MP_PARTS, PART_SIZE);
}


/* SOS_OK when key reads back whole; else why not. */
static sos_rc_e
check_reader(sos_reader_t *rd, const char *key)
{
    char    want[BODY_MAX];
    size_t  len;

    len = body(key, want);
    if (sos_reader_size(rd) != len) {
        return SOS_ECORRUPT;
    }
    return util_reader_same(rd, want, len, &err);
}


static sos_rc_e
check(sos_store_t *s, const char *key)
{
    sos_rc_e       rc;
    sos_reader_t  *rd;

    rc = sos_object_open(s, BUCKET, BUCKET_LEN, key, strlen(key), &rd, NULL,
                         &err);
    if (rc != SOS_OK) {
        return rc;
    }
    rc = check_reader(rd, key);
    sos_reader_close(rd);
    return rc;
}


static void
counters(sos_store_t *s, uint64_t *count, uint64_t *bytes)
{
    sos_bucket_info_t  *b;

    if (sos_bucket_get(s, BUCKET, BUCKET_LEN, &b, &err) != SOS_OK) {
        bail("bucket: %s", err.msg);
    }
    *count = b->bucket.object_count;
    *bytes = b->bucket.bytes;
    sos_bucket_info_free(b);
}


static sos_rc_e
count_visit(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    (void) key;
    (void) key_len;
    (void) val;
    (void) val_len;
    (*(long *) ctx)++;
    return SOS_OK;
}


/* Index records of a type. */
static long
records(sos_store_t *s, char type)
{
    long  n = 0;

    if (sos_idx_scan(s, type, count_visit, &n, &err) != SOS_OK) {
        bail("scan %c: %s", type, err.msg);
    }
    return n;
}


/* Data files of replica 0 (each replica holds every file here). */
static long
files(void)
{
    char  path[600];

    snprintf(path, sizeof(path), "%s/r0/objects", data_dir);
    return util_files(path);
}


/*
 * One call of 1,000 keys: 994 objects (o0000, which a reader holds, among
 * them), the multipart object, two missing keys, o0001 twice again, and
 * a key with NUL.  o0994..o0999 and keep0..keep9 stay.
 */
static void
bulk(sos_store_t *s)
{
    char               names[N_OBJECTS][16], buf[BODY_MAX];
    long               f0, x0;
    size_t             i, n, nul;
    uint64_t           c0, b0, c1, b1, gone;
    sos_rc_e           rc, results[N_OBJECTS];
    sos_str_t          keys[N_OBJECTS];
    unsigned           wrong, left;
    sos_reader_t      *rd;
    sos_object_info_t  info;

    counters(s, &c0, &b0);
    f0 = files();
    x0 = records(s, SOS_K_CHECKSUMS);

    is_int(N_OBJECTS + N_KEEP + 1, c0, "bulk: %d objects before", (int) c0);
    is_int(N_OBJECTS + N_KEEP + MP_PARTS, f0, "bulk: one file each, "
           "%d for the multipart object", MP_PARTS);
    is_int(f0, x0, "bulk: an X record per file");
    is_int(0, records(s, SOS_K_GARBAGE), "bulk: no G record");

    if (sos_object_open(s, BUCKET, BUCKET_LEN, "o0000", 5, &rd, &info, &err)
        != SOS_OK)
    {
        bail("open o0000: %s", err.msg);
    }
    sos_object_info_release(&info);

    gone = 0;
    n = 0;
    for (i = 0; i < 994; i++) {
        keys[n].len = (size_t) snprintf(names[n], sizeof(names[0]), "o%04u",
                                        (unsigned) i);
        keys[n].data = names[n];
        gone += body(names[n], buf);
        n++;
    }
    keys[n].data = "mp";
    keys[n++].len = 2;
    gone += MP_PARTS * PART_SIZE;
    keys[n].data = "missing-1";
    keys[n++].len = 9;
    keys[n].data = "o0001";
    keys[n++].len = 5;
    nul = n;
    keys[n].data = "bad\0key";
    keys[n++].len = 7;
    keys[n].data = "o0001";
    keys[n++].len = 5;
    keys[n].data = "missing-2";
    keys[n++].len = 9;

    is_int(N_OBJECTS, n, "bulk: 1,000 keys in the call");

    log_syncs = 0;
    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, n, results, &err);

    is_int(1, log_syncs, "bulk: one synced index write for 1,000 keys");
    is_int(SOS_EINVAL, rc, "bulk: the call reports the invalid key");
    ok(strstr(err.msg, "NUL") != NULL, "bulk: its message (%s)", err.msg);

    wrong = 0;
    for (i = 0; i < 995; i++) {
        wrong += results[i] != SOS_OK;
    }
    is_int(0, wrong, "bulk: 995 objects deleted");
    is_int(SOS_ENOTFOUND, results[995], "bulk: a missing key: not found");
    is_int(SOS_ENOTFOUND, results[996], "bulk: a key named again: not "
           "found");
    is_int(SOS_EINVAL, results[nul], "bulk: the key with NUL: SOS_EINVAL");
    is_int(SOS_ENOTFOUND, results[998], "bulk: named a third time: not "
           "found");
    is_int(SOS_ENOTFOUND, results[999], "bulk: another missing key");

    wrong = 0;
    for (i = 0; i < 995; i++) {
        wrong += sos_object_stat(s, BUCKET, BUCKET_LEN, keys[i].data,
                                 keys[i].len, NULL, &err) != SOS_ENOTFOUND;
    }
    is_int(0, wrong, "bulk: none of them can be found");

    left = 0;
    for (i = 994; i < N_OBJECTS; i++) {
        snprintf(buf, sizeof(buf), "o%04u", (unsigned) i);
        left += check(s, buf) == SOS_OK;
    }
    for (i = 0; i < N_KEEP; i++) {
        left += check(s, keep[i]) == SOS_OK;
    }
    is_int(6 + N_KEEP, left, "bulk: the others read back whole");

    counters(s, &c1, &b1);
    is_int(c0 - 995, c1, "bulk: the object count went down by 995");
    is_int(b0 - gone, b1, "bulk: the bytes went down by theirs (%llu)",
           (unsigned long long) gone);

    is_int(6 + N_KEEP + 1, files(), "bulk: the files are gone but the "
           "one a reader holds");
    is_int(1, records(s, SOS_K_GARBAGE), "bulk: one G record, the held "
           "file's");
    is_int(6 + N_KEEP + 1, records(s, SOS_K_CHECKSUMS), "bulk: X records "
           "of the files left");

    is_int(SOS_OK, check_reader(rd, "o0000"), "bulk: the reader reads the "
           "deleted object whole");
    sos_reader_close(rd);

    /* the next collection takes what the reader held */
    keys[0].data = "missing-3";
    keys[0].len = 9;
    keys[1].data = "o0994";
    keys[1].len = 5;
    is_int(SOS_OK, sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, 2,
                                      results, &err),
           "bulk: a later delete");
    is_int(5 + N_KEEP, files(), "bulk: the held files are gone after the "
           "reader closed");
    is_int(0, records(s, SOS_K_GARBAGE), "bulk: no G record left");
    is_int(5 + N_KEEP, records(s, SOS_K_CHECKSUMS), "bulk: an X record per "
           "file left");
    is_int(5 + N_KEEP, records(s, SOS_K_OBJECT), "bulk: an O record per "
           "object left");
}


/* Calls that fail whole, without a write. */
static void
refused(sos_store_t *s)
{
    sos_rc_e    rc, results[SOS_DELETE_MAX + 1];
    sos_str_t   keys[SOS_DELETE_MAX + 1];
    unsigned    i;

    for (i = 0; i < SOS_DELETE_MAX + 1; i++) {
        keys[i].data = "o0995";
        keys[i].len = 5;
    }

    log_syncs = 0;
    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, SOS_DELETE_MAX + 1,
                            results, &err);
    is_int(SOS_EINVAL, rc, "refused: more than %d keys: SOS_EINVAL (%s)",
           SOS_DELETE_MAX, err.msg);
    for (i = 0; i < SOS_DELETE_MAX + 1 && results[i] == SOS_EINVAL; i++) {
        /* void */
    }
    is_int(SOS_DELETE_MAX + 1, i, "refused: every key's result says so");

    rc = sos_objects_delete(s, "nosuch", 6, keys, 2, results, &err);
    is_int(SOS_ENOBUCKET, rc, "refused: a missing bucket: SOS_ENOBUCKET");
    ok(results[0] == SOS_ENOBUCKET && results[1] == SOS_ENOBUCKET,
       "refused: for each key");

    is_int(SOS_OK, sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, 0,
                                      results, &err),
           "refused: no key: nothing to do");
    is_int(0, log_syncs, "refused: none of them wrote");

    is_int(SOS_OK, check(s, "o0995"), "refused: o0995 is still there");
}


/* keys[i] = keep<from + i>, for n of them */
static void
keep_keys(sos_str_t *keys, unsigned from, unsigned n)
{
    unsigned  i;

    for (i = 0; i < n; i++) {
        keys[i].data = keep[from + i];
        keys[i].len = strlen(keep[from + i]);
    }
}


/*
 * A fenced store whose reopen finds no room: the call is refused, with
 * nothing changed; once there is room the next call reopens and works.
 */
static void
fenced(sos_store_t *s)
{
    long                 f0;
    unsigned             i;
    uint64_t             c0, b0, c1, b1;
    sos_rc_e             rc, results[6];
    sos_str_t            keys[6];
    sos_store_health_t   h;

    fail_log_sync = 1;
    rc = put_rc(s, "fence");
    fail_log_sync = 0;
    is_int(SOS_EFENCED, rc, "fenced: a failed index write fences the store");

    counters(s, &c0, &b0);
    f0 = files();

    keep_keys(keys, 0, 5);
    keys[5].data = "missing";
    keys[5].len = 7;

    index_full = 1;
    log_syncs = 0;
    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, 6, results, &err);
    is_int(SOS_EFENCED, rc, "fenced: the delete is refused (%s)", err.msg);
    for (i = 0; i < 6 && results[i] == SOS_EFENCED; i++) {
        /* void */
    }
    is_int(6, i, "fenced: every key's result says so, the missing one's "
           "too");
    is_int(0, log_syncs, "fenced: nothing written");

    h = util_health(s);
    ok(h.fenced && h.reopen_failures == 1, "fenced: the reopen it tried "
       "found no room");

    counters(s, &c1, &b1);
    ok(c1 == c0 && b1 == b0, "fenced: the counters did not change");
    is_int(f0, files(), "fenced: no file went");
    for (i = 0, rc = SOS_OK; i < 5 && rc == SOS_OK; i++) {
        rc = check(s, keep[i]);
    }
    is_int(SOS_OK, rc, "fenced: every object reads back whole");

    /* room again: the next call, a second later, reopens and deletes */

    index_full = 0;
    util_sleep_ms(1100);

    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, 6, results, &err);
    is_int(SOS_OK, rc, "fenced: once there is room, the call reopens the "
           "index and deletes");
    h = util_health(s);
    ok(!h.fenced && h.reopens == 1, "fenced: reopened once");
    for (i = 0; i < 5; i++) {
        if (sos_object_stat(s, BUCKET, BUCKET_LEN, keep[i], 5, NULL, &err)
            != SOS_ENOTFOUND)
        {
            break;
        }
    }
    is_int(5, i, "fenced: keep0..keep4 are gone");
}


/*
 * The call's index write fails: nothing of it is acknowledged, reads go
 * on, and the reopen settles it whole (the record reached the log, so it
 * is replayed, and its garbage collected); the store opened again agrees.
 */
static void
failed_write(sos_store_t **sp)
{
    long          f0;
    size_t        gone;
    unsigned      i, there;
    uint64_t      c0, b0, c1, b1;
    sos_rc_e      rc, results[6];
    sos_str_t     keys[6];
    sos_store_t  *s;
    char          buf[BODY_MAX];

    s = *sp;
    counters(s, &c0, &b0);
    f0 = files();

    keep_keys(keys, 5, 5);
    keys[5].data = "missing";
    keys[5].len = 7;

    gone = 0;
    for (i = 5; i < N_KEEP; i++) {
        gone += body(keep[i], buf);
    }

    fail_log_sync = 1;
    log_syncs = 0;
    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys, 6, results, &err);
    fail_log_sync = 0;

    is_int(SOS_EFENCED, rc, "failed write: SOS_EFENCED (%s)", err.msg);
    is_int(1, log_syncs, "failed write: one synced write tried");
    for (i = 0; i < 5 && results[i] == SOS_EFENCED; i++) {
        /* void */
    }
    is_int(5, i, "failed write: every object's result says so");
    /* "no such key" rests on what was read, whose sync failed too */
    is_int(SOS_EFENCED, results[5], "failed write: the missing key is "
           "refused too");
    is_int(f0, files(), "failed write: the files stay");
    /*
     * Applied before its sync failed (group commit): reads see the
     * deletes, as the reopen replays them; their files wait for it.
     */
    for (i = 5, rc = SOS_ENOTFOUND; i < N_KEEP && rc == SOS_ENOTFOUND; i++) {
        rc = check(s, keep[i]);
    }
    is_int(SOS_ENOTFOUND, rc, "failed write: reads go on, the deletes "
           "applied");

    /* the next call, a second after the reopen before, reopens */

    util_sleep_ms(1100);
    rc = sos_objects_delete(s, BUCKET, BUCKET_LEN, keys + 5, 1, results,
                            &err);
    is_int(SOS_OK, rc, "failed write: the next call reopens");

    there = 0;
    for (i = 5; i < N_KEEP; i++) {
        there += check(s, keep[i]) == SOS_OK;
    }
    is_int(0, there, "failed write: replayed at the reopen, whole");

    counters(s, &c1, &b1);
    ok(c1 == c0 - 5 && b1 == b0 - gone, "failed write: the counters went "
       "down by the five objects");
    is_int(f0 - 5, files(), "failed write: their files were collected");
    is_int(0, records(s, SOS_K_GARBAGE), "failed write: no G record");

    sos_store_close(s);
    s = util_store_open(data_dir, 1, PART_SIZE);
    *sp = s;

    counters(s, &c1, &b1);
    ok(c1 == c0 - 5 && b1 == b0 - gone, "opened again: the same counters");
    is_int((long) c1, records(s, SOS_K_OBJECT), "opened again: the count "
           "is the objects'");
    is_int(f0 - 5, files(), "opened again: the same files");
    is_int(files(), records(s, SOS_K_CHECKSUMS), "opened again: an X "
           "record per file");
    is_int(0, records(s, SOS_K_GARBAGE), "opened again: no G record");

    for (i = 995, rc = SOS_OK; i < N_OBJECTS && rc == SOS_OK; i++) {
        snprintf(buf, sizeof(buf), "o%04u", i);
        rc = check(s, buf);
    }
    is_int(SOS_OK, rc, "opened again: every acknowledged object is whole");
}


/*
 * Racing conditional deletes of one key: one deletes, the others find it
 * gone, as the check and the delete are one step.
 */

#define RACERS  4
#define ROUNDS  10

typedef struct {
    sos_store_t        *s;
    pthread_barrier_t  *barrier;
    const char         *etag;
    sos_rc_e            rc;
} racer_t;


static void *
racer_run(void *arg)
{
    racer_t            *r = arg;
    sos_error_t         e;
    sos_delete_cond_t   c;

    memset(&c, 0, sizeof(c));
    c.etag = r->etag;
    pthread_barrier_wait(r->barrier);
    r->rc = sos_object_delete_if(r->s, BUCKET, BUCKET_LEN, "race", 4, &c,
                                 &e);
    return NULL;
}


static void
race(sos_store_t *s)
{
    int                 round, i, wins, gone;
    racer_t             r[RACERS];
    pthread_t           tid[RACERS];
    sos_object_info_t   info;
    pthread_barrier_t   barrier;

    wins = 0;
    gone = 0;

    for (round = 0; round < ROUNDS; round++) {
        put(s, "race");
        memset(&info, 0, sizeof(info));
        if (sos_object_stat(s, BUCKET, BUCKET_LEN, "race", 4, &info, &err)
            != SOS_OK)
        {
            bail("stat race: %s", err.msg);
        }

        pthread_barrier_init(&barrier, NULL, RACERS);
        for (i = 0; i < RACERS; i++) {
            r[i].s = s;
            r[i].barrier = &barrier;
            r[i].etag = info.etag;
            pthread_create(&tid[i], NULL, racer_run, &r[i]);
        }
        for (i = 0; i < RACERS; i++) {
            pthread_join(tid[i], NULL);
            wins += r[i].rc == SOS_OK;
            gone += r[i].rc == SOS_ENOTFOUND;
        }
        pthread_barrier_destroy(&barrier);
        sos_object_info_release(&info);
    }

    is_int(ROUNDS, wins, "delete_if races: exactly one delete per round");
    is_int(ROUNDS * (RACERS - 1), gone, "the others find it gone");
}


/* the conditions of one key, checked with the delete */
static void
conditions(sos_store_t *s)
{
    sos_rc_e           res[4];
    sos_str_t          keys[4];
    sos_delete_cond_t  c, conds[4];
    sos_object_info_t  info;

    put(s, "c1");
    put(s, "c2");
    put(s, "c3");

    memset(&info, 0, sizeof(info));
    if (sos_object_stat(s, BUCKET, BUCKET_LEN, "c1", 2, &info, &err)
        != SOS_OK)
    {
        bail("stat c1: %s", err.msg);
    }

    memset(&c, 0, sizeof(c));
    c.etag = "0123456789abcdef0123456789abcdef";
    is_int(SOS_EPRECONDITION,
           sos_object_delete_if(s, BUCKET, BUCKET_LEN, "c1", 2, &c, &err),
           "delete_if: another etag is refused");
    is_int(SOS_OK, check(s, "c1"), "delete_if: the object stays");

    c.etag = info.etag;
    c.has_size = 1;
    c.size = info.size + 1;
    is_int(SOS_EPRECONDITION,
           sos_object_delete_if(s, BUCKET, BUCKET_LEN, "c1", 2, &c, &err),
           "delete_if: its etag but another size is refused");

    c.size = info.size;
    c.has_mtime = 1;
    c.mtime = info.mtime - 1;
    is_int(SOS_EPRECONDITION,
           sos_object_delete_if(s, BUCKET, BUCKET_LEN, "c1", 2, &c, &err),
           "delete_if: another mtime is refused");

    c.mtime = info.mtime;
    is_int(SOS_OK,
           sos_object_delete_if(s, BUCKET, BUCKET_LEN, "c1", 2, &c, &err),
           "delete_if: etag, size and mtime met: deleted");
    is_int(SOS_ENOTFOUND, check(s, "c1"), "delete_if: the object is gone");
    is_int(SOS_ENOTFOUND,
           sos_object_delete_if(s, BUCKET, BUCKET_LEN, "c1", 2, &c, &err),
           "delete_if: a missing object is ENOTFOUND");

    c.etag = "*";
    c.has_mtime = 0;
    c.has_size = 0;
    is_int(SOS_OK,
           sos_object_delete_if(s, BUCKET, BUCKET_LEN, "c2", 2, &c, &err),
           "delete_if: \"*\" deletes an object that exists");

    /* many keys: c3 refused, c4 missing, c1 again missing, keep0 deleted */

    keys[0].data = "c3";
    keys[0].len = 2;
    keys[1].data = "c4";
    keys[1].len = 2;
    keys[2].data = "keep0";
    keys[2].len = 5;
    keys[3].data = "keep1";
    keys[3].len = 5;
    memset(conds, 0, sizeof(conds));
    conds[0].has_size = 1;
    conds[0].size = 1;
    conds[1].etag = "*";
    conds[3].etag = "ffffffffffffffffffffffffffffffff";

    is_int(SOS_OK, sos_objects_delete_if(s, BUCKET, BUCKET_LEN, keys, conds,
                                         4, res, &err),
           "objects_delete_if: refused keys do not fail the call");
    is_int(SOS_EPRECONDITION, res[0], "objects_delete_if: size refused");
    is_int(SOS_ENOTFOUND, res[1], "objects_delete_if: missing key");
    is_int(SOS_OK, res[2], "objects_delete_if: no conditions: deleted");
    is_int(SOS_EPRECONDITION, res[3], "objects_delete_if: etag refused");
    is_int(SOS_OK, check(s, "c3"), "objects_delete_if: c3 stays");
    is_int(SOS_OK, check(s, "keep1"), "objects_delete_if: keep1 stays");
    is_int(SOS_ENOTFOUND, check(s, "keep0"), "objects_delete_if: keep0 gone");

    /* as before: later tests count on keep0..keep9 and nothing else */
    put(s, "keep0");
    if (sos_object_delete(s, BUCKET, BUCKET_LEN, "c3", 2, &err) != SOS_OK) {
        bail("delete c3: %s", err.msg);
    }
    sos_object_info_release(&info);
}


int
main(void)
{
    char          key[16];
    unsigned      i;
    sos_store_t  *s;

    plan(0);
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());

    /* made without fsync, for speed; the tests run with it */

    s = util_store_open(data_dir, 0, PART_SIZE);
    if (sos_org_create(s, "org", 3, NULL, 0, &org, &err) != SOS_OK) {
        bail("org: %s", err.msg);
    }
    util_bucket_make(s, org.id, BUCKET);
    for (i = 0; i < N_OBJECTS; i++) {
        snprintf(key, sizeof(key), "o%04u", i);
        put(s, key);
    }
    for (i = 0; i < N_KEEP; i++) {
        snprintf(keep[i], sizeof(keep[0]), "keep%u", i);
        put(s, keep[i]);
    }
    put_multipart(s);
    sos_store_close(s);

    s = util_store_open(data_dir, 1, PART_SIZE);

    bulk(s);
    conditions(s);
    race(s);
    refused(s);
    fenced(s);
    failed_write(&s);

    sos_store_close(s);

    done_testing();
}
