/*
 * Retention and legal hold of a version (AWS PutObjectRetention,
 * PutObjectLegalHold; "Object Lock": a retention period can be extended
 * but a COMPLIANCE one never shortened, changed or removed; a GOVERNANCE
 * one only with s3:BypassGovernanceRetention and the bypass header).
 * Where AWS leaves the change of mode from GOVERNANCE to COMPLIANCE
 * open, Ceph RGW's RGWPutObjRetention::execute asks for the bypass
 * ("can't change retention mode from GOVERNANCE without governance
 * bypass"), and so does the store.  An expired retention gives way to
 * any.  The legal hold goes on and off.  ACL and tag changes keep the
 * Object Lock of the version (they rewrite no data); so does a version
 * becoming current again.  Versions written before Object Lock have
 * none, and their records still read.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"
#include "lock_util.h"

#define B    "ret"
#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t  *st;
static sos_error_t   err;


static sos_rc_e
set(const char *vid, sos_lock_mode_e mode, int64_t secs, int bypass)
{
    return sos_object_set_retention(st, B, strlen(B), "k", 1, vid,
                                    vid ? strlen(vid) : 0, mode,
                                    (int64_t) time(NULL) + secs, bypass,
                                    &err);
}


static int
has(const char *vid, sos_lock_mode_e mode, int64_t secs, int hold)
{
    sos_retention_t  r;
    int64_t          want;

    r = lu_retention(st, B, "k", vid);
    want = (int64_t) time(NULL) + secs;
    return r.mode == mode && r.legal_hold == hold
           && (mode == SOS_LOCK_NONE
               || (r.until >= want - 2 && r.until <= want));
}


int
main(void)
{
    char                  dir[512], v0[VID], v1[VID], v2[VID], tags[64];
    size_t                tags_len;
    time_t                end;
    sos_kv_t              kv;
    sos_delete_result_t   res;
    sos_object_info_t     info;

    plan(44);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);
    vu_versioning(st, B, SOS_VERSIONING_ENABLED);

    vu_put(st, B, "k", "before", v0, NULL);
    is_int(SOS_ENOLOCK, set(v0, SOS_LOCK_GOVERNANCE, 60, 0),
           "a retention in a bucket without Object Lock");
    is_int(SOS_ENOLOCK, sos_object_set_legal_hold(st, B, strlen(B), "k", 1,
                                                  v0, 32, 1, 0, &err),
           "a legal hold in a bucket without Object Lock");

    if (lu_set_lock(st, B, 1, SOS_LOCK_NONE, 0, 0) != SOS_OK) {
        bail("set lock");
    }
    ok(has(v0, SOS_LOCK_NONE, 0, 0), "a version from before has none");

    vu_put(st, B, "k", "one", v1, NULL);
    ok(has(v1, SOS_LOCK_NONE, 0, 0), "no default: none");

    /* GOVERNANCE */

    is_int(SOS_OK, set(v1, SOS_LOCK_GOVERNANCE, 100, 0), "GOVERNANCE set");
    ok(has(v1, SOS_LOCK_GOVERNANCE, 100, 0), "read back");
    is_int(SOS_OK, set(v1, SOS_LOCK_GOVERNANCE, 200, 0),
           "extended without bypass");
    is_int(SOS_ELOCKED, set(v1, SOS_LOCK_GOVERNANCE, 50, 0),
           "shortened without bypass: refused");
    ok(has(v1, SOS_LOCK_GOVERNANCE, 200, 0), "unchanged");
    is_int(SOS_ELOCKED, set(v1, SOS_LOCK_COMPLIANCE, 300, 0),
           "to COMPLIANCE without bypass: refused (as RGW)");
    is_int(SOS_OK, set(v1, SOS_LOCK_GOVERNANCE, 50, 1),
           "shortened with bypass");
    ok(has(v1, SOS_LOCK_GOVERNANCE, 50, 0), "read back");
    is_int(SOS_OK, set(v1, SOS_LOCK_NONE, 0, 1), "removed with bypass");
    ok(has(v1, SOS_LOCK_NONE, 0, 0), "none");
    is_int(SOS_OK, set(v1, SOS_LOCK_GOVERNANCE, 100, 0), "set again");
    is_int(SOS_OK, set(v1, SOS_LOCK_COMPLIANCE, 100, 1),
           "to COMPLIANCE with bypass");

    /* COMPLIANCE */

    ok(has(v1, SOS_LOCK_COMPLIANCE, 100, 0), "COMPLIANCE");
    is_int(SOS_OK, set(v1, SOS_LOCK_COMPLIANCE, 150, 0), "extended");
    is_int(SOS_ELOCKED, set(v1, SOS_LOCK_COMPLIANCE, 120, 1),
           "shortened, bypass or not: refused");
    is_int(SOS_ELOCKED, set(v1, SOS_LOCK_GOVERNANCE, 400, 1),
           "to GOVERNANCE: refused");
    is_int(SOS_ELOCKED, set(v1, SOS_LOCK_NONE, 0, 1), "removed: refused");
    ok(has(v1, SOS_LOCK_COMPLIANCE, 150, 0), "unchanged");

    /* the arguments */

    is_int(SOS_EINVAL, set(v1, SOS_LOCK_COMPLIANCE, -5, 0),
           "a retain-until in the past");
    is_int(SOS_EINVAL, set(v1, SOS_LOCK_COMPLIANCE,
                           SOS_LOCK_AHEAD_MAX + 3600, 0),
           "a retain-until more than 36,500 days ahead (docs/object-lock.md)");
    is_int(SOS_OK, set(v0, SOS_LOCK_GOVERNANCE, SOS_LOCK_AHEAD_MAX - 3600, 0),
           "one just under it");
    is_int(SOS_OK, set(v0, SOS_LOCK_NONE, 0, 1), "removed again");
    is_int(SOS_EINVAL, set(v1, (sos_lock_mode_e) 9, 500, 0),
           "a mode out of range");
    is_int(SOS_EINVAL, sos_object_set_retention(st, B, strlen(B), "k", 1,
                                                "zz", 2, SOS_LOCK_GOVERNANCE,
                                                time(NULL) + 9, 0, &err),
           "a malformed version id");

    /* the legal hold, and what keeps the lock */

    is_int(SOS_OK, sos_object_set_legal_hold(st, B, strlen(B), "k", 1, v1,
                                             32, 1, 0, &err), "legal hold on");
    ok(has(v1, SOS_LOCK_COMPLIANCE, 150, 1), "with the retention kept");

    if (sos_object_stat_version(st, B, strlen(B), "k", 1, v1, 32, &info,
                                &err) != SOS_OK)
    {
        bail("stat: %s", err.msg);
    }
    is_int(SOS_OK, sos_object_set_acl_version(st, B, strlen(B), "k", 1, v1,
                                              32, &info, "acl", 3, &err),
           "an ACL change is allowed");
    sos_object_info_release(&info);
    if (sos_object_stat(st, B, strlen(B), "k", 1, &info, &err) != SOS_OK) {
        bail("stat: %s", err.msg);
    }
    kv.name.data = "t";
    kv.name.len = 1;
    kv.value.data = "v";
    kv.value.len = 1;
    tags_len = sos_tags_encode(tags, &kv, 1);
    is_int(SOS_OK, sos_object_set_tags(st, B, strlen(B), "k", 1, &info, tags,
                                       tags_len, &err),
           "a tag change is allowed");
    sos_object_info_release(&info);
    ok(has(v1, SOS_LOCK_COMPLIANCE, 150, 1), "both keep the Object Lock");

    vu_put(st, B, "k", "two", v2, NULL);
    ok(has(v1, SOS_LOCK_COMPLIANCE, 150, 1), "noncurrent, it keeps it");
    if (sos_object_delete_version(st, B, strlen(B), "k", 1, v2, 32, NULL,
                                  NULL, 0, &res, &err) != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    ok(has(NULL, SOS_LOCK_COMPLIANCE, 150, 1), "current again, it keeps it");

    is_int(SOS_ELOCKED, sos_object_set_legal_hold(st, B, strlen(B), "k", 1,
                                                  v1, 32, 0, 0, &err),
           "legal hold off without may_remove: refused");
    ok(has(v1, SOS_LOCK_COMPLIANCE, 150, 1), "still on");
    is_int(SOS_OK, sos_object_set_legal_hold(st, B, strlen(B), "k", 1, v1,
                                             32, 0, 1, &err),
           "legal hold off with may_remove");
    ok(has(v1, SOS_LOCK_COMPLIANCE, 150, 0), "off");

    /* a delete marker has no Object Lock */

    if (sos_object_delete_version(st, B, strlen(B), "k", 1, NULL, 0, NULL,
                                  "one", 0, &res, &err) != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    is_int(SOS_ENOTFOUND, sos_object_set_retention(st, B, strlen(B), "k", 1,
                                             res.version_id, 32,
                                             SOS_LOCK_GOVERNANCE,
                                             time(NULL) + 60, 0, &err),
           "a delete marker has no retention");
    is_int(SOS_ENOTFOUND, sos_object_set_legal_hold(st, B, strlen(B), "k", 1,
                                                    res.version_id, 32, 1, 0,
                                                    &err),
           "nor legal hold");
    memset(&info, 0, sizeof(info));
    sos_object_stat_version(st, B, strlen(B), "k", 1, res.version_id, 32,
                            &info, &err);
    ok(info.delete_marker && info.attrs.owner.len == 3
       && memcmp(info.attrs.owner.data, "one", 3) == 0,
       "the marker has the deleter as its owner");
    sos_object_info_release(&info);

    /* an expired retention gives way (bounded wait) */

    is_int(SOS_OK, sos_object_set_retention(st, B, strlen(B), "k", 1, v0, 32,
                                            SOS_LOCK_COMPLIANCE,
                                            time(NULL) + 2, 0, &err),
           "COMPLIANCE for 2 seconds on the version from before");
    end = time(NULL) + 10;
    while (lu_retention(st, B, "k", v0).until >= time(NULL)
           && time(NULL) < end)
    {
        usleep(200 * 1000);
    }
    is_int(SOS_OK, sos_object_set_retention(st, B, strlen(B), "k", 1, v0, 32,
                                            SOS_LOCK_GOVERNANCE,
                                            time(NULL) + 60, 0, &err),
           "once expired, GOVERNANCE may replace it");

    sos_store_close(st);
    return tap_exit_status();
}
