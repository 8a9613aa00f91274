/*
 * The ACL of one version (PutObjectAcl with versionId): changed on that
 * version only, kept when it moves between current and noncurrent,
 * refused for a stale read and for a delete marker.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B    "vacl"
#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t  *st;
static sos_error_t   err;


static int
acl_is(const char *vid, const char *want)
{
    int                 same;
    sos_object_info_t   info;

    if (sos_object_stat_version(st, B, 4, "k", 1, vid, vid ? strlen(vid) : 0,
                                &info, &err) != SOS_OK)
    {
        return 0;
    }
    same = info.attrs.acl.len == strlen(want)
           && memcmp(info.attrs.acl.data, want, strlen(want)) == 0;
    sos_object_info_release(&info);
    return same;
}


static sos_rc_e
acl_set(const char *vid, const char *acl)
{
    sos_rc_e            rc;
    sos_object_info_t   info;

    rc = sos_object_stat_version(st, B, 4, "k", 1, vid, strlen(vid), &info,
                                 &err);
    if (rc != SOS_OK) {
        bail("stat %s: %s", vid, err.msg);
    }
    rc = sos_object_set_acl_version(st, B, 4, "k", 1, vid, strlen(vid),
                                    &info, acl, strlen(acl), &err);
    sos_object_info_release(&info);
    return rc;
}


int
main(void)
{
    char                 dir[512], v1[VID], v2[VID];
    sos_object_info_t    info;
    sos_delete_result_t  res;

    plan(10);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);
    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "k", "one", v1, NULL);
    vu_put(st, B, "k", "two", v2, NULL);

    is_int(SOS_OK, acl_set(v1, "acl-old"), "the ACL of a noncurrent version");
    ok(acl_is(v1, "acl-old"), "it has it");
    ok(acl_is(NULL, ""), "the current version does not");
    is_int(SOS_OK, acl_set(v2, "acl-cur"), "the current one by its id");
    ok(acl_is(NULL, "acl-cur"), "read as the current version");

    /* a stale read is refused */

    if (sos_object_stat_version(st, B, 4, "k", 1, v1, 32, &info, &err)
        != SOS_OK)
    {
        bail("stat: %s", err.msg);
    }
    is_int(SOS_OK, acl_set(v1, "acl-new"), "change it again");
    is_int(SOS_ECHANGED, sos_object_set_acl_version(st, B, 4, "k", 1, v1, 32,
                                                    &info, "x", 1, &err),
           "a read from before is refused");
    sos_object_info_release(&info);

    /* the current version removed: the older one keeps its ACL */

    if (sos_object_delete_version(st, B, 4, "k", 1, v2, 32, NULL, NULL, 0,
                                  &res, &err)
        != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    ok(acl_is(NULL, "acl-new"), "the version made current keeps its ACL");

    /* a delete marker has none */

    if (sos_object_delete_version(st, B, 4, "k", 1, NULL, 0, NULL, NULL, 0,
                                  &res, &err)
        != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    memset(&info, 0, sizeof(info));
    is_int(SOS_ENOTFOUND, sos_object_set_acl_version(st, B, 4, "k", 1,
                                                     res.version_id, 32,
                                                     &info, "x", 1, &err),
           "a delete marker has no ACL");
    is_int(SOS_EINVAL, sos_object_set_acl_version(st, B, 4, "k", 1, "v", 1,
                                                  &info, "x", 1, &err),
           "a malformed version id");

    sos_store_close(st);
    return tap_exit_status();
}
