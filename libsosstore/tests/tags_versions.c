/*
 * The tags of one version (Put/DeleteObjectTagging with versionId):
 * changed on that version only, kept when it moves between current and
 * noncurrent, refused for a stale read and for a delete marker; the
 * "null" version by its name.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B    "vtag"
#define N    "vtagnull"
#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t  *st;
static sos_error_t   err;


/* whether the version (NULL: current) has the one tag name=1, or none
 * when name is NULL */
static int
tags_are(const char *bucket, const char *vid, const char *name)
{
    int                 n, same;
    sos_kv_t            kv[10];
    sos_object_info_t   info;

    if (sos_object_stat_version(st, bucket, strlen(bucket), "k", 1, vid,
                                vid ? strlen(vid) : 0, &info, &err)
        != SOS_OK)
    {
        return 0;
    }
    n = sos_tags_decode(info.attrs.tags.data, info.attrs.tags.len, kv, 10);
    if (name == NULL) {
        same = (n == 0);
    } else {
        same = n == 1 && kv[0].name.len == strlen(name)
               && memcmp(kv[0].name.data, name, strlen(name)) == 0
               && kv[0].value.len == 1 && kv[0].value.data[0] == '1';
    }
    sos_object_info_release(&info);
    return same;
}


/* read the version (NULL: current), then set its tags to name=1 (NULL:
 * none) */
static sos_rc_e
tags_set(const char *bucket, const char *vid, const char *name)
{
    char                blob[64];
    size_t              len;
    sos_kv_t            kv;
    sos_rc_e            rc;
    sos_object_info_t   info;

    len = 0;
    if (name != NULL) {
        kv.name.data = name;
        kv.name.len = strlen(name);
        kv.value.data = "1";
        kv.value.len = 1;
        len = sos_tags_encode(blob, &kv, 1);
    }

    rc = sos_object_stat_version(st, bucket, strlen(bucket), "k", 1, vid,
                                 vid ? strlen(vid) : 0, &info, &err);
    if (rc != SOS_OK) {
        bail("stat %s: %s", vid ? vid : "current", err.msg);
    }
    rc = sos_object_set_tags_version(st, bucket, strlen(bucket), "k", 1, vid,
                                     vid ? strlen(vid) : 0, &info, blob, len,
                                     &err);
    sos_object_info_release(&info);
    return rc;
}


int
main(void)
{
    char                 dir[512], v1[VID], v2[VID], v3[VID], blob[8];
    sos_object_info_t    info;
    sos_delete_result_t  res;

    plan(22);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);
    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "k", "one", v1, NULL);
    vu_put(st, B, "k", "two", v2, NULL);

    is_int(SOS_OK, tags_set(B, v1, "old"), "the tags of a noncurrent version");
    ok(tags_are(B, v1, "old"), "it has them");
    ok(tags_are(B, NULL, NULL), "the current version has none");
    is_int(SOS_OK, tags_set(B, v2, "cur"), "the current one by its id");
    ok(tags_are(B, NULL, "cur"), "read as the current version");
    ok(tags_are(B, v1, "old"), "the noncurrent one keeps its own");

    /* a new version: the one it replaces keeps its tags, noncurrent */

    vu_put(st, B, "k", "three", v3, NULL);
    ok(tags_are(B, v2, "cur"), "made noncurrent, a version keeps its tags");
    ok(tags_are(B, NULL, NULL), "the new current version has none");
    is_int(SOS_OK, tags_set(B, NULL, "new"), "the current one, unnamed");
    ok(tags_are(B, v3, "new"), "read by its id");

    /* tags change on the last read (the last change wins, as S3); a read
     * from before the version's ACL changed is refused */

    if (sos_object_stat_version(st, B, 4, "k", 1, v1, 32, &info, &err)
        != SOS_OK)
    {
        bail("stat: %s", err.msg);
    }
    is_int(SOS_OK, tags_set(B, v1, "again"), "change them again");
    if (sos_object_set_acl_version(st, B, 4, "k", 1, v1, 32, &info, "a", 1,
                                   &err)
        != SOS_OK)
    {
        bail("acl: %s", err.msg);
    }
    is_int(SOS_ECHANGED, sos_object_set_tags_version(st, B, 4, "k", 1, v1, 32,
                                                     &info, NULL, 0, &err),
           "a read from before is refused");
    sos_object_info_release(&info);
    ok(tags_are(B, v1, "again"), "and changes nothing");

    /* the current version removed: the one made current keeps its tags */

    if (sos_object_delete_version(st, B, 4, "k", 1, v3, 32, NULL, NULL, 0,
                                  &res, &err)
        != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    ok(tags_are(B, NULL, "cur"), "the version made current keeps its tags");

    is_int(SOS_OK, tags_set(B, v1, NULL), "the tags of a noncurrent version "
           "removed");
    ok(tags_are(B, v1, NULL) && tags_are(B, NULL, "cur"), "those only");

    /* a delete marker has none; ids that name nothing */

    if (sos_object_delete_version(st, B, 4, "k", 1, NULL, 0, NULL, NULL, 0,
                                  &res, &err)
        != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    memset(&info, 0, sizeof(info));
    blob[0] = 0;
    is_int(SOS_ENOTFOUND, sos_object_set_tags_version(st, B, 4, "k", 1,
                                                      res.version_id, 32,
                                                      &info, blob, 1, &err),
           "a delete marker has no tags");
    is_int(SOS_ENOTFOUND, sos_object_set_tags_version(st, B, 4, "k", 1, v3,
                                                      32, &info, blob, 1,
                                                      &err),
           "a version removed");
    is_int(SOS_EINVAL, sos_object_set_tags_version(st, B, 4, "k", 1, "v", 1,
                                                   &info, blob, 1, &err),
           "a malformed version id");

    /* the null version: written before versioning, then noncurrent */

    util_org_bucket(st, "two", N, NULL);
    vu_put(st, N, "k", "before", NULL, NULL);
    is_int(SOS_OK, tags_set(N, "null", "nul"), "the null version, current");
    vu_versioning(st, N, SOS_VERSIONING_ENABLED);
    vu_put(st, N, "k", "after", v1, NULL);
    ok(tags_are(N, "null", "nul") && tags_are(N, NULL, NULL),
       "noncurrent, it keeps them");
    is_int(SOS_OK, tags_set(N, "null", "two"), "changed by its name");

    sos_store_close(st);
    return tap_exit_status();
}
