/*
 * The lifecycle sweep's state record: none at first (a zeroed state),
 * kept as written, across a reopen, and the lifecycle bucket setting
 * kept beside the others.
 */

#include "sos/store.h"
#include "tap.h"


static sos_store_t  *st;
static sos_error_t   err;


static void
store_open(const char *dir)
{
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
}


int
main(void)
{
    char                    dir[512];
    sos_org_t               org;
    sos_bucket_t            b;
    sos_bucket_info_t      *info;
    sos_lifecycle_state_t   s, t;

    plan(9);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    store_open(dir);

    memset(&s, 0xff, sizeof(s));
    is_int(SOS_OK, sos_lifecycle_get(st, &s, &err), "get without a record");
    ok(s.bucket[0] == '\0' && s.key_len == 0 && s.passes == 0
       && s.bytes == 0, "a zeroed state");

    memset(&s, 0, sizeof(s));
    strcpy(s.bucket, "photos");
    s.phase = 1;
    memcpy(s.key, "a\xff/b", 4);
    s.key_len = 4;
    strcpy(s.upload_id, "0123456789abcdef0123456789abcdef");
    s.pass_start = 1700000000;
    s.last_pass_end = -5;
    s.passes = 7;
    s.objects = 1;
    s.versions = 2;
    s.markers = 3;
    s.uploads = 4;
    s.bytes = 1ULL << 40;
    s.skipped = 6;

    is_int(SOS_OK, sos_lifecycle_put(st, &s, &err), "put");

    s.key_len = SOS_MAX_KEY_LEN + 1;
    is_int(SOS_EINVAL, sos_lifecycle_put(st, &s, &err),
           "a key too long is refused");
    s.key_len = 4;

    sos_store_close(st);
    store_open(dir);

    is_int(SOS_OK, sos_lifecycle_get(st, &t, &err), "get after a reopen");
    ok(strcmp(t.bucket, "photos") == 0 && t.phase == 1 && t.key_len == 4
       && memcmp(t.key, "a\xff/b", 4) == 0
       && strcmp(t.upload_id, s.upload_id) == 0
       && t.pass_start == s.pass_start && t.last_pass_end == -5
       && t.passes == 7 && t.objects == 1 && t.versions == 2
       && t.markers == 3 && t.uploads == 4 && t.bytes == s.bytes
       && t.skipped == 6, "every field as written");

    /* the setting slot */

    if (sos_org_create(st, "one", 3, NULL, 0, &org, &err) != SOS_OK
        || sos_bucket_create(st, "b", 1, org.id, "", "", 0, &b, &err)
           != SOS_OK
        || sos_bucket_get(st, "b", 1, &info, &err) != SOS_OK)
    {
        bail("setup: %s", err.msg);
    }

    is_int(SOS_OK, sos_bucket_set_conf(st, "b", 1, info, SOS_BUCKET_LIFECYCLE,
                                       "rules", 5, &err),
           "set the lifecycle setting");
    sos_bucket_info_free(info);

    if (sos_bucket_get(st, "b", 1, &info, &err) != SOS_OK) {
        bail("sos_bucket_get: %s", err.msg);
    }
    ok(info->conf[SOS_BUCKET_LIFECYCLE].len == 5
       && memcmp(info->conf[SOS_BUCKET_LIFECYCLE].data, "rules", 5) == 0,
       "read back");
    ok(info->conf[SOS_BUCKET_TAGGING].len == 0, "the others untouched");
    sos_bucket_info_free(info);

    sos_store_close(st);

    done_testing();
}
