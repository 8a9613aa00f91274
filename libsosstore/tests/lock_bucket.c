/*
 * Object Lock of a bucket (AWS "Configuring S3 Object Lock",
 * PutObjectLockConfiguration): a bucket created with it has versioning
 * enabled for good (suspending it is refused: InvalidBucketState); a
 * versioned bucket can be given it later, one not versioned cannot; it
 * is never turned off; the default retention (GOVERNANCE or COMPLIANCE,
 * days or years, not both) is applied to each version a write commits
 * (retain-until = commit time + the period) unless the write names its
 * own; a write naming a retention or legal hold in a bucket without
 * Object Lock is refused (InvalidRequest "Bucket is missing Object Lock
 * Configuration"); a retain-until not in the future is refused.  The
 * bucket record keeps it across a reopen; a record without it reads as
 * no Object Lock.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"
#include "lock_util.h"

#define VID  (SOS_VERSION_ID_LEN + 1)


int
main(void)
{
    char               dir[512], vid[VID];
    int64_t            t0;
    sos_org_t          org;
    sos_store_t       *st;
    sos_error_t        err;
    sos_bucket_t       b;
    sos_retention_t    r;
    sos_object_info_t  info;

    plan(37);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", "plain", &org);

    /* created with Object Lock */

    is_int(SOS_OK, sos_bucket_create_locked(st, "locked", 6, org.id, NULL,
                                            NULL, 0, &b, &err),
           "a bucket created with Object Lock");
    ok(b.lock.enabled && b.versioning == SOS_VERSIONING_ENABLED,
       "it has Object Lock and versioning enabled");
    b = vu_counters(st, "locked");
    ok(b.lock.enabled && b.lock.mode == SOS_LOCK_NONE
       && b.versioning == SOS_VERSIONING_ENABLED,
       "read back: Object Lock, versioning, no default retention");
    is_int(SOS_EEXIST, sos_bucket_create_locked(st, "locked", 6, org.id,
                                                NULL, NULL, 0, &b, &err),
           "created twice: exists");

    /* versioning stays enabled */

    {
        sos_bucket_info_t  *info_b;

        if (sos_bucket_get(st, "locked", 6, &info_b, &err) != SOS_OK) {
            bail("get: %s", err.msg);
        }
        is_int(SOS_ESTATE, sos_bucket_set_versioning(st, "locked", 6, info_b,
                                           SOS_VERSIONING_SUSPENDED, &err),
               "versioning of a bucket with Object Lock cannot be suspended");
        is_int(SOS_OK, sos_bucket_set_versioning(st, "locked", 6, info_b,
                                           SOS_VERSIONING_ENABLED, &err),
               "enabled again: nothing changes");
        sos_bucket_info_free(info_b);
    }
    is_int(SOS_VERSIONING_ENABLED, vu_counters(st, "locked").versioning,
           "versioning still enabled");

    /* the default retention */

    is_int(SOS_EINVAL, lu_set_lock(st, "locked", 0, SOS_LOCK_NONE, 0, 0),
           "Object Lock is never turned off");
    is_int(SOS_EINVAL, lu_set_lock(st, "locked", 1, SOS_LOCK_GOVERNANCE, 0,
                                   0),
           "a mode without a period");
    is_int(SOS_EINVAL, lu_set_lock(st, "locked", 1, SOS_LOCK_GOVERNANCE, 1,
                                   1),
           "days and years both");
    is_int(SOS_EINVAL, lu_set_lock(st, "locked", 1, SOS_LOCK_NONE, 1, 0),
           "a period without a mode");
    is_int(SOS_EINVAL, lu_set_lock(st, "locked", 1, (sos_lock_mode_e) 7, 1,
                                   0),
           "a mode out of range");
    is_int(SOS_EINVAL, lu_set_lock(st, "locked", 1, SOS_LOCK_COMPLIANCE,
                                   36501, 0),
           "more than 36500 days");
    is_int(SOS_OK, lu_set_lock(st, "locked", 1, SOS_LOCK_GOVERNANCE, 2, 0),
           "a default retention of 2 days, GOVERNANCE");
    b = vu_counters(st, "locked");
    ok(b.lock.enabled && b.lock.mode == SOS_LOCK_GOVERNANCE
       && b.lock.days == 2 && b.lock.years == 0, "read back");

    t0 = (int64_t) time(NULL);
    is_int(SOS_OK, lu_put(st, "locked", "k", "one", NULL, vid),
           "a write without a retention");
    r = lu_retention(st, "locked", "k", NULL);
    if (sos_object_stat(st, "locked", 6, "k", 1, &info, &err) != SOS_OK) {
        bail("stat: %s", err.msg);
    }
    ok(r.mode == SOS_LOCK_GOVERNANCE && r.until == info.mtime + 2 * 86400
       && r.until >= t0 + 2 * 86400 && !r.legal_hold,
       "gets the default: GOVERNANCE until its commit time + 2 days");
    sos_object_info_release(&info);

    r = lu_ret(SOS_LOCK_COMPLIANCE, 60, 1);
    is_int(SOS_OK, lu_put(st, "locked", "k", "two", &r, vid),
           "a write with its own retention and a legal hold");
    ok(lu_retention(st, "locked", "k", vid).mode == SOS_LOCK_COMPLIANCE
       && lu_retention(st, "locked", "k", vid).until == r.until
       && lu_retention(st, "locked", "k", vid).legal_hold,
       "keeps its own, not the default");

    r = lu_ret(SOS_LOCK_NONE, 0, 1);
    is_int(SOS_OK, lu_put(st, "locked", "h", "x", &r, vid),
           "a legal hold alone");
    ok(lu_retention(st, "locked", "h", vid).legal_hold
       && lu_retention(st, "locked", "h", vid).mode == SOS_LOCK_GOVERNANCE,
       "with the default retention");

    is_int(SOS_OK, lu_set_lock(st, "locked", 1, SOS_LOCK_COMPLIANCE, 0, 1),
           "a default of one year, COMPLIANCE");
    is_int(SOS_OK, lu_put(st, "locked", "y", "x", NULL, vid), "a write");
    r = lu_retention(st, "locked", "y", vid);
    ok(r.mode == SOS_LOCK_COMPLIANCE && r.until >= t0 + 365 * 86400
       && r.until <= (int64_t) time(NULL) + 365 * 86400,
       "COMPLIANCE for 365 days");
    is_int(SOS_OK, lu_set_lock(st, "locked", 1, SOS_LOCK_NONE, 0, 0),
           "the default removed");
    is_int(SOS_OK, lu_put(st, "locked", "n", "x", NULL, vid), "a write");
    r = lu_retention(st, "locked", "n", vid);
    ok(r.mode == SOS_LOCK_NONE && !r.legal_hold, "no retention");

    r = lu_ret(SOS_LOCK_GOVERNANCE, -1, 0);
    is_int(SOS_EINVAL, lu_put(st, "locked", "p", "x", &r, NULL),
           "a retain-until in the past is refused");

    /* a bucket without Object Lock */

    r = lu_ret(SOS_LOCK_GOVERNANCE, 60, 0);
    is_int(SOS_ENOLOCK, lu_put(st, "plain", "k", "x", &r, NULL),
           "a retention in a bucket without Object Lock");
    r = lu_ret(SOS_LOCK_NONE, 0, 1);
    is_int(SOS_ENOLOCK, lu_put(st, "plain", "k", "x", &r, NULL),
           "a legal hold in a bucket without Object Lock");
    r = lu_ret(SOS_LOCK_NONE, 0, 0);
    is_int(SOS_OK, lu_put(st, "plain", "k", "x", &r, NULL),
           "an empty retention is none");
    ok(!vu_counters(st, "plain").lock.enabled, "no Object Lock");

    is_int(SOS_ESTATE, lu_set_lock(st, "plain", 1, SOS_LOCK_NONE, 0, 0),
           "Object Lock on a bucket not versioned is refused");
    vu_versioning(st, "plain", SOS_VERSIONING_SUSPENDED);
    is_int(SOS_ESTATE, lu_set_lock(st, "plain", 1, SOS_LOCK_NONE, 0, 0),
           "and on a suspended one");
    vu_versioning(st, "plain", SOS_VERSIONING_ENABLED);
    is_int(SOS_OK, lu_set_lock(st, "plain", 1, SOS_LOCK_COMPLIANCE, 1, 0),
           "enabled on a versioned bucket, with a default");
    ok(lu_retention(st, "plain", "k", NULL).mode == SOS_LOCK_NONE,
       "the version written before has no retention");

    /* across a reopen */

    sos_store_close(st);
    st = util_store_open(dir, 0, 0);
    b = vu_counters(st, "plain");
    ok(b.lock.enabled && b.lock.mode == SOS_LOCK_COMPLIANCE
       && b.lock.days == 1 && b.versioning == SOS_VERSIONING_ENABLED,
       "kept across a reopen");

    sos_store_close(st);
    return tap_exit_status();
}
