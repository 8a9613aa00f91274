/*
 * A bucket's versioning state: off at creation, enabled and suspended in
 * turn, never off again; kept across a reopen, beside the bucket's
 * settings, and refused for a bucket created again.
 */

#include "tap.h"
#include "util.h"

#define B      "vers"
#define B_LEN  4


static sos_store_t  *st;
static sos_error_t   err;


static sos_bucket_info_t *
bucket_read(void)
{
    sos_bucket_info_t  *info;

    if (sos_bucket_get(st, B, B_LEN, &info, &err) != SOS_OK) {
        bail("sos_bucket_get: %s", err.msg);
    }
    return info;
}


static int
state(void)
{
    int                 v;
    sos_bucket_info_t  *info;

    info = bucket_read();
    v = info->bucket.versioning;
    sos_bucket_info_free(info);
    return v;
}


static sos_rc_e
set(sos_versioning_e v)
{
    sos_rc_e            rc;
    sos_bucket_info_t  *info;

    info = bucket_read();
    rc = sos_bucket_set_versioning(st, B, B_LEN, info, v, &err);
    sos_bucket_info_free(info);
    return rc;
}


int
main(void)
{
    char                dir[512];
    sos_org_t           org;
    sos_bucket_info_t  *old, *info;

    plan(15);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, &org);

    is_int(SOS_VERSIONING_OFF, state(), "a new bucket's versioning is off");
    is_int(SOS_EINVAL, set(SOS_VERSIONING_OFF), "off cannot be set");
    is_int(SOS_EINVAL, set((sos_versioning_e) 7), "nor a state out of range");

    is_int(SOS_OK, set(SOS_VERSIONING_ENABLED), "enable");
    is_int(SOS_VERSIONING_ENABLED, state(), "enabled");

    info = bucket_read();
    is_int(SOS_OK, sos_bucket_set_conf(st, B, B_LEN, info, SOS_BUCKET_CORS,
                                       "<c/>", 4, &err), "set a setting");
    sos_bucket_info_free(info);
    is_int(SOS_VERSIONING_ENABLED, state(), "a setting keeps the state");

    is_int(SOS_OK, set(SOS_VERSIONING_SUSPENDED), "suspend");
    is_int(SOS_EINVAL, set(SOS_VERSIONING_OFF), "never back to off");
    info = bucket_read();
    ok(info->bucket.versioning == SOS_VERSIONING_SUSPENDED
       && info->conf[SOS_BUCKET_CORS].len == 4, "suspended, setting kept");
    sos_bucket_info_free(info);

    sos_store_close(st);
    st = util_store_open(dir, 0, 0);
    is_int(SOS_VERSIONING_SUSPENDED, state(), "kept across a reopen");
    is_int(SOS_OK, set(SOS_VERSIONING_ENABLED), "enable again");

    /* a bucket deleted and created again: the old read is refused */

    old = bucket_read();
    is_int(SOS_OK, sos_bucket_delete(st, B, B_LEN, &err), "delete");
    util_sleep_ms(1100);
    util_bucket_make(st, org.id, B);
    is_int(SOS_ECHANGED, sos_bucket_set_versioning(st, B, B_LEN, old,
                                                   SOS_VERSIONING_ENABLED,
                                                   &err),
           "a read of the bucket before is refused");
    sos_bucket_info_free(old);
    is_int(SOS_VERSIONING_OFF, state(), "the new bucket is not versioned");

    sos_store_close(st);
    return tap_exit_status();
}
