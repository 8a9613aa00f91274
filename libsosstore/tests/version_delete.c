/*
 * Deletes in a versioned bucket (AWS "Deleting object versions from a
 * versioning-enabled bucket", "Working with delete markers"): a delete
 * of the current version makes a delete marker the latest version, which
 * hides the key; a delete by version id removes that version for good
 * (its file goes), and when it was the latest the newest version left
 * becomes current (a deleted marker brings the object back).  Suspended,
 * the marker is the null version and replaces the null version.  A
 * bucket with versions left is not empty.  DeleteObjects with version
 * ids, and without in a versioned bucket.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B  "vdel"

#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t          *st;
static sos_error_t           err;
static sos_delete_result_t   res;


static sos_rc_e
del(const char *key, const char *vid)
{
    memset(&res, 0, sizeof(res));
    return sos_object_delete_version(st, B, strlen(B), key, strlen(key), vid,
                                     vid ? strlen(vid) : 0, NULL, NULL, 0,
                                     &res, &err);
}


int
main(void)
{
    char                  dir[512], buf[64];
    char                  v1[VID], v2[VID], vm[VID], vm2[VID];
    long                  files;
    sos_bucket_t          b;
    sos_object_info_t     info;
    sos_delete_key_t      keys[4];
    sos_delete_cond_t     cond;
    sos_delete_result_t   results[4];
    sos_rc_e              rcs[2];
    sos_str_t             names[2];

    plan(54);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);
    vu_versioning(st, B, SOS_VERSIONING_ENABLED);

    vu_put(st, B, "k", "one", v1, NULL);
    vu_put(st, B, "k", "two2", v2, NULL);
    files = vu_files(dir);

    /* a delete marker */

    is_int(SOS_OK, del("k", NULL), "delete the current version");
    ok(res.delete_marker && strlen(res.version_id) == SOS_VERSION_ID_LEN,
       "a delete marker with an id");
    memcpy(vm, res.version_id, VID);
    ok(strcmp(vm, v2) < 0, "newer than the versions");
    is_int(files, vu_files(dir), "no file went");

    is_int(SOS_ENOTFOUND, sos_object_stat(st, B, 4, "k", 1, &info, &err),
           "the key is hidden");
    is_int(SOS_ENOTFOUND, sos_object_stat_version(st, B, 4, "k", 1, NULL, 0,
                                                  &info, &err),
           "the current version too");
    ok(info.delete_marker && strcmp(info.version_id, vm) == 0,
       "which says the latest is the marker, and its id");
    sos_object_info_release(&info);
    is_int(SOS_ENOTFOUND, sos_object_stat_version(st, B, 4, "k", 1, vm, 32,
                                                  &info, &err),
           "the marker by its id: no data");
    ok(info.delete_marker, "it says it is a marker");
    sos_object_info_release(&info);
    is_int(SOS_OK, vu_read(st, B, "k", v2, buf, sizeof(buf)),
           "an older version by id");
    is_str("two2", buf, "its bytes");

    b = vu_counters(st, B);
    ok(b.object_count == 2 && b.bytes == 7, "a marker counts no object");

    /* a second marker, then removing the markers brings it back */

    is_int(SOS_OK, del("k", NULL), "delete again");
    memcpy(vm2, res.version_id, VID);
    ok(res.delete_marker && strcmp(vm2, vm) < 0, "another marker");
    is_int(SOS_OK, del("k", vm), "remove the older marker");
    ok(res.delete_marker && strcmp(res.version_id, vm) == 0,
       "the result names the marker removed");
    is_int(SOS_ENOTFOUND, vu_read(st, B, "k", NULL, buf, sizeof(buf)),
           "still hidden by the newer one");
    is_int(SOS_OK, del("k", vm2), "remove the latest marker");
    is_int(SOS_OK, vu_read(st, B, "k", NULL, buf, sizeof(buf)),
           "the object is back");
    is_str("two2", buf, "as its newest version");

    /* removing versions for good */

    is_int(SOS_OK, del("k", v2), "remove the current version by id");
    ok(!res.delete_marker && strcmp(res.version_id, v2) == 0, "result");
    is_int(files - 1, vu_files(dir), "its file went");
    vu_read(st, B, "k", NULL, buf, sizeof(buf));
    is_str("one", buf, "the older version is current");
    is_int(SOS_ENOTFOUND, del("k", v2), "it is gone");
    is_int(SOS_OK, del("k", v1), "remove the last version");
    is_int(files - 2, vu_files(dir), "its file went");
    is_int(SOS_ENOTFOUND, sos_object_stat_version(st, B, 4, "k", 1, NULL, 0,
                                                  &info, &err),
           "no version left");
    ok(!info.delete_marker, "and no marker");
    b = vu_counters(st, B);
    ok(b.object_count == 0 && b.bytes == 0, "counters back to zero");

    /* a marker for a key that never was; the bucket is not empty */

    is_int(SOS_OK, del("ghost", NULL), "delete a missing key");
    ok(res.delete_marker, "makes a marker (as AWS)");
    is_int(SOS_ENOTEMPTY, sos_bucket_delete(st, B, strlen(B), &err),
           "a bucket with a marker is not empty");
    memcpy(vm, res.version_id, VID);
    is_int(SOS_OK, del("ghost", vm), "remove it");

    /* conditions apply to the current version */

    vu_put(st, B, "c", "cc", v1, NULL);
    memset(&cond, 0, sizeof(cond));
    cond.etag = "0123";
    is_int(SOS_EPRECONDITION, sos_object_delete_version(st, B, 4, "c", 1,
                                  NULL, 0, &cond, NULL, 0, &res, &err),
           "a condition not met");
    cond.etag = "*";
    is_int(SOS_OK, sos_object_delete_version(st, B, 4, "c", 1, NULL, 0,
                                             &cond, NULL, 0, &res, &err),
           "a condition met: a marker");
    is_int(SOS_ENOTFOUND, sos_object_delete_version(st, B, 4, "c", 1, NULL,
                                                    0, &cond, NULL, 0, &res,
                                                    &err),
           "with conditions and no current version: not found");
    is_int(SOS_ENOTEMPTY, sos_bucket_delete(st, B, strlen(B), &err),
           "a bucket with noncurrent versions is not empty");

    /* suspended: the null marker replaces the null version */

    vu_versioning(st, B, SOS_VERSIONING_SUSPENDED);
    vu_put(st, B, "n", "nul", vm, NULL);
    files = vu_files(dir);
    is_int(SOS_OK, del("n", NULL), "suspended: delete");
    ok(res.delete_marker && res.version_id[0] == '\0',
       "a null delete marker");
    is_int(files - 1, vu_files(dir), "the null version's file went");
    is_int(SOS_ENOTFOUND, sos_object_stat_version(st, B, 4, "n", 1, "null", 4,
                                                  &info, &err),
           "null is now the marker");
    ok(info.delete_marker, "a marker");
    sos_object_info_release(&info);

    /* DeleteObjects with version ids */

    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "m1", "a", v1, NULL);
    vu_put(st, B, "m2", "b", v2, NULL);
    memset(keys, 0, sizeof(keys));
    keys[0].key.data = "m1";
    keys[0].key.len = 2;
    keys[1].key.data = "m2";
    keys[1].key.len = 2;
    keys[1].version_id.data = v2;
    keys[1].version_id.len = 32;
    keys[2].key.data = "m1";
    keys[2].key.len = 2;
    keys[2].version_id.data = "bad";
    keys[2].version_id.len = 3;
    keys[3].key.data = "m1";
    keys[3].key.len = 2;
    keys[3].version_id.data = v1;
    keys[3].version_id.len = 32;
    is_int(SOS_EINVAL, sos_objects_delete_versions(st, B, 4, keys, 4, results,
                                                   &err),
           "the bad version id is the call's failure");
    ok(results[0].rc == SOS_OK && results[0].delete_marker,
       "a marker for m1");
    ok(results[1].rc == SOS_OK && !results[1].delete_marker
       && strcmp(results[1].version_id, v2) == 0, "m2's version removed");
    is_int(SOS_EINVAL, results[2].rc, "a malformed id fails alone");
    ok(results[3].rc == SOS_OK && strcmp(results[3].version_id, v1) == 0,
       "m1's version removed after its marker was made");
    is_int(SOS_ENOTFOUND, vu_read(st, B, "m1", NULL, buf, sizeof(buf)),
           "m1 hidden by its marker");
    is_int(SOS_ENOTFOUND, vu_read(st, B, "m2", NULL, buf, sizeof(buf)),
           "m2 gone");

    /* sos_objects_delete in a versioned bucket makes markers */

    vu_put(st, B, "d1", "x", v1, NULL);
    names[0].data = "d1";
    names[0].len = 2;
    names[1].data = "d2";
    names[1].len = 2;
    is_int(SOS_OK, sos_objects_delete(st, B, 4, names, 2, rcs, &err),
           "DeleteObjects without ids");
    ok(rcs[0] == SOS_OK && rcs[1] == SOS_OK, "both: markers");
    is_int(SOS_OK, vu_read(st, B, "d1", v1, buf, sizeof(buf)),
           "the version stays");
    is_str("x", buf, "with its bytes");

    sos_store_close(st);
    return tap_exit_status();
}
