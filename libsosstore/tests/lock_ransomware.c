/*
 * The store refuses every removal of a locked version, whoever asks (the
 * module, sosctl, any tool linking the library): a holder of keys that
 * can write the bucket tries every path that removes or replaces a
 * version's data, and each fails while every version stays whole (AWS
 * "How S3 Object Lock works": a locked version cannot be deleted or
 * overwritten; a delete without a version id only adds a delete marker;
 * COMPLIANCE retention cannot be shortened or removed; a bucket holding
 * versions cannot be deleted).  Once the retention expires, the version
 * can be removed (waited for, bounded).
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"
#include "lock_util.h"

#define B    "backups"
#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t  *st;
static sos_error_t   err;


static sos_rc_e
del(const char *key, const char *vid, int bypass)
{
    sos_delete_result_t  res;

    return sos_object_delete_version(st, B, strlen(B), key, strlen(key), vid,
                                     vid ? strlen(vid) : 0, NULL, "thief",
                                     bypass, &res, &err);
}


/* Every version still there with its bytes. */
static int
intact(const char *vc, const char *vg, const char *vh, long files,
    const char *dir)
{
    char  buf[64];
    int   good;

    good = vu_read(st, B, "db", vc, buf, sizeof(buf)) == SOS_OK
           && strcmp(buf, "monday") == 0;
    good &= vu_read(st, B, "db", vg, buf, sizeof(buf)) == SOS_OK
            && strcmp(buf, "tuesday") == 0;
    good &= vu_read(st, B, "logs", vh, buf, sizeof(buf)) == SOS_OK
            && strcmp(buf, "held") == 0;
    good &= vu_files(dir) == files;
    return good;
}


int
main(void)
{
    char                  dir[512], vc[VID], vg[VID], vh[VID], vs[VID];
    char                  buf[64];
    long                  files;
    time_t                end;
    sos_org_t             org;
    sos_rc_e              rcs[1];
    sos_str_t             names[1];
    sos_retention_t       r;
    sos_delete_key_t      keys[3];
    sos_delete_result_t   results[3];

    plan(34);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", "other", &org);
    if (sos_bucket_create_locked(st, B, strlen(B), org.id, NULL, NULL, 0,
                                 NULL, &err) != SOS_OK)
    {
        bail("create: %s", err.msg);
    }

    r = lu_ret(SOS_LOCK_COMPLIANCE, 3600, 0);
    is_int(SOS_OK, lu_put(st, B, "db", "monday", &r, vc), "COMPLIANCE");
    r = lu_ret(SOS_LOCK_GOVERNANCE, 3600, 0);
    is_int(SOS_OK, lu_put(st, B, "db", "tuesday", &r, vg), "GOVERNANCE");
    r = lu_ret(SOS_LOCK_NONE, 0, 1);
    is_int(SOS_OK, lu_put(st, B, "logs", "held", &r, vh), "a legal hold");
    r = lu_ret(SOS_LOCK_GOVERNANCE, 8, 0);     /* outlasts the checks below */
    is_int(SOS_OK, lu_put(st, B, "short", "soon", &r, vs),
           "GOVERNANCE for 8 seconds");
    files = vu_files(dir);

    /* deletes of a version, one by one */

    is_int(SOS_ELOCKED, del("db", vc, 0), "delete COMPLIANCE: refused");
    is_int(SOS_ELOCKED, del("db", vc, 1),
           "delete COMPLIANCE bypassing governance: refused");
    is_int(SOS_ELOCKED, del("db", vg, 0), "delete GOVERNANCE: refused");
    is_int(SOS_ELOCKED, del("logs", vh, 1),
           "delete under a legal hold bypassing governance: refused");

    /* many at once */

    memset(keys, 0, sizeof(keys));
    keys[0].key.data = "db";
    keys[0].key.len = 2;
    keys[0].version_id.data = vc;
    keys[0].version_id.len = strlen(vc);
    keys[0].bypass_governance = 1;
    keys[1] = keys[0];
    keys[1].version_id.data = vg;
    keys[1].bypass_governance = 0;
    keys[2] = keys[0];
    keys[2].key.data = "logs";
    keys[2].key.len = 4;
    keys[2].version_id.data = vh;
    is_int(SOS_ELOCKED, sos_objects_delete_versions(st, B, strlen(B), keys,
                                                    3, results, &err),
           "DeleteObjects of the versions: refused");
    ok(results[0].rc == SOS_ELOCKED && results[1].rc == SOS_ELOCKED
       && results[2].rc == SOS_ELOCKED, "each of them");

    /* the current key: a delete marker, the data stays */

    is_int(SOS_OK, del("db", NULL, 0), "delete of the current key: allowed");
    ok(intact(vc, vg, vh, files, dir), "a delete marker, the data stays");
    names[0].data = "logs";
    names[0].len = 4;
    is_int(SOS_OK, sos_objects_delete(st, B, strlen(B), names, 1, rcs, &err),
           "DeleteObjects of the current key: allowed");
    is_int(SOS_OK, sos_object_delete(st, B, strlen(B), "logs", 4, &err),
           "sos_object_delete: a marker again");

    /* overwrite: a new version, the old stays */

    is_int(SOS_OK, lu_put(st, B, "db", "encrypted!", NULL, NULL),
           "an overwrite is a new version");
    ok(intact(vc, vg, vh, files + 1, dir), "the locked ones stay");

    /* versioning cannot be suspended: no null version replaced */

    {
        sos_bucket_info_t  *info;

        if (sos_bucket_get(st, B, strlen(B), &info, &err) != SOS_OK) {
            bail("get: %s", err.msg);
        }
        is_int(SOS_ESTATE, sos_bucket_set_versioning(st, B, strlen(B), info,
                                            SOS_VERSIONING_SUSPENDED, &err),
               "versioning cannot be suspended");
        sos_bucket_info_free(info);
    }

    /* shorten, change, remove */

    is_int(SOS_ELOCKED, sos_object_set_retention(st, B, strlen(B), "db", 2,
                                          vc, strlen(vc), SOS_LOCK_COMPLIANCE,
                                          time(NULL) + 10, 1, &err),
           "COMPLIANCE shortened, even bypassing: refused");
    is_int(SOS_ELOCKED, sos_object_set_retention(st, B, strlen(B), "db", 2,
                                          vc, strlen(vc), SOS_LOCK_GOVERNANCE,
                                          time(NULL) + 7200, 1, &err),
           "COMPLIANCE changed to GOVERNANCE: refused");
    is_int(SOS_ELOCKED, sos_object_set_retention(st, B, strlen(B), "db", 2,
                                          vc, strlen(vc), SOS_LOCK_NONE, 0, 1,
                                          &err),
           "COMPLIANCE removed: refused");
    is_int(SOS_ELOCKED, sos_object_set_retention(st, B, strlen(B), "db", 2,
                                          vg, strlen(vg), SOS_LOCK_NONE, 0, 0,
                                          &err),
           "GOVERNANCE removed without bypass: refused");

    /* the bucket */

    is_int(SOS_ENOTEMPTY, sos_bucket_delete(st, B, strlen(B), &err),
           "the bucket cannot be deleted");

    ok(intact(vc, vg, vh, files + 1, dir), "after all that, all intact");
    is_int(SOS_OK, vu_read(st, B, "short", vs, buf, sizeof(buf)),
           "the short one too");

    /* with bypass, GOVERNANCE gives way; the legal hold comes off */

    keys[1].bypass_governance = 1;
    is_int(SOS_OK, sos_objects_delete_versions(st, B, strlen(B), &keys[1], 1,
                                               results, &err),
           "GOVERNANCE deleted by DeleteObjects bypassing it");
    is_int(SOS_ENOTFOUND, vu_read(st, B, "db", vg, buf, sizeof(buf)),
           "gone");
    is_int(SOS_OK, sos_object_set_legal_hold(st, B, strlen(B), "logs", 4, vh,
                                             strlen(vh), 0, 1, &err),
           "the legal hold taken off");
    is_int(SOS_OK, del("logs", vh, 0), "then the version can be deleted");
    is_int(SOS_ELOCKED, del("db", vc, 1), "COMPLIANCE still refused");

    /* once expired (bounded wait) */

    is_int(SOS_ELOCKED, del("short", vs, 0), "before it expires: refused");
    end = time(NULL) + 20;
    while (lu_retention(st, B, "short", vs).until >= time(NULL)
           && time(NULL) < end)
    {
        usleep(200 * 1000);
    }
    is_int(SOS_OK, del("short", vs, 0), "after it expired: deleted");
    is_int(SOS_ENOTFOUND, vu_read(st, B, "short", vs, buf, sizeof(buf)),
           "gone");

    sos_store_close(st);
    st = util_store_open(dir, 0, 0);
    is_int(SOS_OK, vu_read(st, B, "db", vc, buf, sizeof(buf)),
           "the COMPLIANCE version after a reopen");
    is_int(SOS_ELOCKED, del("db", vc, 1), "still refused after a reopen");

    sos_store_close(st);
    return tap_exit_status();
}
