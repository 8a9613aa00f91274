/*
 * Writes in a versioned bucket: enabled, each put is a new version with
 * a fresh id (ids sort newest first) and the older ones stay readable by
 * their id; the version written while versioning was off is the null
 * version.  Suspended, a put is the null version and replaces the older
 * null version, whose files go, and keeps the versions with an id.  The
 * counters count every version (AWS: "Amazon S3 charges for every
 * version stored", docs "How S3 Versioning works").
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B  "vput"


int
main(void)
{
    char                dir[512], buf[64];
    char                v1[SOS_VERSION_ID_LEN + 1], v2[SOS_VERSION_ID_LEN + 1];
    char                v3[SOS_VERSION_ID_LEN + 1], vn[SOS_VERSION_ID_LEN + 1];
    long                files;
    sos_error_t         err;
    sos_store_t        *st;
    sos_bucket_t        b;
    sos_object_info_t   info;

    plan(33);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);

    /* off: as before, no version id */

    vu_put(st, B, "k", "zero", vn, NULL);
    is_str("", vn, "versioning off: no version id");
    vu_put(st, B, "k", "null0", vn, NULL);
    b = vu_counters(st, B);
    ok(b.object_count == 1 && b.bytes == 5, "off: an overwrite replaces");

    /* enabled */

    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "k", "one", v1, NULL);
    vu_put(st, B, "k", "two2", v2, NULL);
    vu_put(st, B, "k", "three", v3, NULL);
    is_int(SOS_VERSION_ID_LEN, (long long) strlen(v1), "a version id");
    ok(strspn(v1, "0123456789abcdef") == SOS_VERSION_ID_LEN, "of hex");
    ok(strcmp(v3, v2) < 0 && strcmp(v2, v1) < 0, "ids sort newest first");

    b = vu_counters(st, B);
    is_int(4, (long long) b.object_count, "four versions counted");
    is_int(5 + 3 + 4 + 5, (long long) b.bytes, "and all their bytes");

    is_int(SOS_OK, vu_read(st, B, "k", NULL, buf, sizeof(buf)), "current");
    is_str("three", buf, "is the latest");
    is_int(SOS_OK, vu_read(st, B, "k", v1, buf, sizeof(buf)), "by id");
    is_str("one", buf, "an older version");
    is_int(SOS_OK, vu_read(st, B, "k", v2, buf, sizeof(buf)), "by id");
    is_str("two2", buf, "another");
    is_int(SOS_OK, vu_read(st, B, "k", "null", buf, sizeof(buf)),
           "the null version");
    is_str("null0", buf, "is the one written while off");
    is_int(SOS_OK, vu_read(st, B, "k", v3, buf, sizeof(buf)), "the latest "
           "by id");

    is_int(SOS_OK, sos_object_stat_version(st, B, 4, "k", 1, v2, 32, &info,
                                           &err), "stat by id");
    ok(strcmp(info.version_id, v2) == 0 && !info.delete_marker
       && info.size == 4, "gives that version");
    sos_object_info_release(&info);

    is_int(SOS_ENOTFOUND, sos_object_stat_version(st, B, 4, "k", 1,
               "00000000000000000000000000000000", 32, &info, &err),
           "an unknown id");
    ok(!info.delete_marker, "is no marker");
    is_int(SOS_EINVAL, sos_object_stat_version(st, B, 4, "k", 1, "xyz", 3,
                                               &info, &err),
           "a malformed id");

    /* suspended: the null version replaced, the others kept */

    files = vu_files(dir);
    vu_versioning(st, B, SOS_VERSIONING_SUSPENDED);
    vu_put(st, B, "k", "nulla", vn, NULL);
    is_str("", vn, "suspended: a put is the null version");
    is_int(files, vu_files(dir), "the old null version's file went");
    b = vu_counters(st, B);
    ok(b.object_count == 4 && b.bytes == 5 + 3 + 4 + 5, "counted once");
    vu_put(st, B, "k", "nullbb", vn, NULL);
    is_int(files, vu_files(dir), "the current null version replaced");
    is_int(SOS_OK, vu_read(st, B, "k", v3, buf, sizeof(buf)),
           "the version with an id stays");
    is_str("three", buf, "with its bytes");
    vu_read(st, B, "k", "null", buf, sizeof(buf));
    is_str("nullbb", buf, "null is the latest put");

    /* enabled again: the null version stays as a noncurrent one */

    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "k", "four", v1, NULL);
    vu_read(st, B, "k", "null", buf, sizeof(buf));
    is_str("nullbb", buf, "the null version kept after a new version");
    b = vu_counters(st, B);
    ok(b.object_count == 5 && b.bytes == 3 + 4 + 5 + 6 + 4,
       "five versions, their bytes");

    /* a completed upload is a version too */

    util_put_parts(st, B, "k", (const unsigned char *) "multi", 1, 5);
    is_int(SOS_OK, sos_object_stat(st, B, 4, "k", 1, &info, &err),
           "the completed upload");
    ok(info.parts == 1 && strlen(info.version_id) == SOS_VERSION_ID_LEN
       && strcmp(info.version_id, v1) < 0, "is the newest version");
    sos_object_info_release(&info);
    vu_read(st, B, "k", v1, buf, sizeof(buf));
    is_str("four", buf, "the version before it stays");

    sos_store_close(st);
    return tap_exit_status();
}
