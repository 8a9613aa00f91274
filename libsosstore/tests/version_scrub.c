/*
 * Scrub and repair of noncurrent versions: their files (V records) are
 * live for the orphan sweep, full passes and background steps alike,
 * even when they look like orphans otherwise (old, without X record: as
 * written before block checksums), and a flipped byte in a noncurrent
 * version is found and repaired from a good replica.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B    "vscrub"
#define VID  (SOS_VERSION_ID_LEN + 1)
#define FID  (SOS_FILE_ID_LEN + 1)


static sos_store_t         *st;
static sos_error_t          err;
static sos_scrub_report_t   rep;


/* Make every replica of file id two hours old, and drop its X record:
 * nothing but a record naming it keeps it from the sweep. */
static void
legacy(const char *id)
{
    unsigned        r;
    char            path[4096];
    struct timeval  tv[2];

    util_sums_drop(st, id);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= 2 * SOS_ORPHAN_GRACE;
    tv[1] = tv[0];
    for (r = 0; r < 3; r++) {
        sos_replica_path(st, r, id, path, sizeof(path));
        if (utimes(path, tv) == -1) {
            bail("utimes %s: %s", path, strerror(errno));
        }
    }
}


static int
exists(unsigned r, const char *id)
{
    char         path[4096];
    struct stat  sb;

    sos_replica_path(st, r, id, path, sizeof(path));
    return stat(path, &sb) == 0;
}


static int
all_exist(const char *id)
{
    return exists(0, id) && exists(1, id) && exists(2, id);
}


int
main(void)
{
    int          i;
    char         dir[512], buf[64];
    char         v1[VID], v2[VID], vn[VID], f1[FID], f2[FID], fn[FID];
    char         f3[FID];
    sos_rc_e     rc;

    plan(20);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);

    vu_put(st, B, "k", "the null version", vn, fn);
    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "k", "version one", v1, f1);
    vu_put(st, B, "k", "version two", v2, f2);
    vu_put(st, B, "gone", "hidden by a marker", NULL, f3);
    if (sos_object_delete_version(st, B, strlen(B), "gone", 4, NULL, 0, NULL,
                                  NULL, 0, NULL, &err) != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }

    legacy(fn);
    legacy(f1);
    legacy(f3);

    /* a full pass with the orphan sweep */

    is_int(SOS_OK, sos_scrub_run(st, NULL, 0, &rep, &err), "full pass");
    ok(rep.pass_done, "it completed");
    is_int(0, rep.orphans, "no orphan removed");
    ok(all_exist(fn) && all_exist(f1) && all_exist(f3),
       "the noncurrent versions' files are all there");
    is_int(4, rep.extents, "every version's extent checked");
    is_int(0, rep.bad, "nothing bad");

    is_int(SOS_OK, vu_read(st, B, "k", "null", buf, sizeof(buf)),
           "the null version reads");
    is_str("the null version", buf, "its bytes");

    /* a flipped byte in a noncurrent version */

    util_flip(st, f1, 1, 3);
    is_int(SOS_OK, sos_scrub_run(st, B, strlen(B), &rep, &err),
           "a pass of the bucket");
    is_int(1, rep.bad, "the flipped replica found");
    is_int(1, rep.repaired, "and repaired");
    util_flip(st, f1, 0, 5);
    util_flip(st, f1, 2, 5);
    is_int(SOS_OK, vu_read(st, B, "k", v1, buf, sizeof(buf)),
           "with the other replicas broken, the repaired one reads");
    is_str("version one", buf, "the right bytes");

    /* the background steps: a whole pass, the sweep at its end */

    legacy(f2);
    rc = SOS_OK;
    memset(&rep, 0, sizeof(rep));
    for (i = 0; i < 100 && rc == SOS_OK && !rep.pass_done; i++) {
        rc = sos_scrub_step(st, 1024 * 1024, &rep, &err);
    }
    is_int(SOS_OK, rc, "steps");
    ok(rep.pass_done, "a pass completed");
    is_int(0, rep.orphans, "no orphan removed");
    ok(all_exist(fn) && all_exist(f1) && all_exist(f2) && all_exist(f3),
       "every version's files are there");
    is_int(2, rep.repaired, "the two broken replicas repaired");

    /* a version removed for good: its files go */

    is_int(SOS_OK, sos_object_delete_version(st, B, strlen(B), "k", 1, v1, 32,
                                             NULL, NULL, 0, NULL, &err),
           "remove a noncurrent version");
    ok(!exists(0, f1) && !exists(1, f1) && !exists(2, f1), "its files went");

    sos_store_close(st);
    return tap_exit_status();
}
