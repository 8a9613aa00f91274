/*
 * Helpers of the Object Lock tests (after tap.h, util.h and
 * version_util.h): a bucket's Object Lock set, a put with a retention
 * that gives its version id, a version's Object Lock read back.  They
 * bail out on errors they do not return.
 */

#ifndef SOS_TEST_LOCK_UTIL_H
#define SOS_TEST_LOCK_UTIL_H


/* sos_bucket_set_lock of bucket: its code. */
static sos_rc_e
lu_set_lock(sos_store_t *s, const char *bucket, int enabled,
    sos_lock_mode_e mode, uint32_t days, uint32_t years)
{
    sos_rc_e            rc;
    sos_error_t         e;
    sos_bucket_lock_t   lock;
    sos_bucket_info_t  *info;

    if (sos_bucket_get(s, bucket, strlen(bucket), &info, &e) != SOS_OK) {
        bail("sos_bucket_get(%s): %s", bucket, e.msg);
    }
    lock.enabled = enabled;
    lock.mode = mode;
    lock.days = days;
    lock.years = years;
    rc = sos_bucket_set_lock(s, bucket, strlen(bucket), info, &lock, &e);
    sos_bucket_info_free(info);
    return rc;
}


/* Put the string data as bucket/key with retention r (NULL: none); its
 * version id into vid (may be NULL).  The code of the put. */
static sos_rc_e
lu_put(sos_store_t *s, const char *bucket, const char *key, const char *data,
    const sos_retention_t *r, char *vid)
{
    sos_rc_e            rc;
    sos_put_t          *put;
    sos_error_t         e;
    sos_put_opts_t      o;
    sos_object_info_t   info;

    o = util_opts(bucket, key);
    o.retention = r;
    memset(&info, 0, sizeof(info));
    rc = sos_put_begin(&put, s, &o, &e);
    if (rc != SOS_OK) {
        return rc;
    }
    if (sos_put_write(put, data, strlen(data), &e) != SOS_OK) {
        bail("put %s: %s", key, e.msg);
    }
    rc = sos_put_commit(put, &info, &e);
    if (rc == SOS_OK && vid != NULL) {
        memcpy(vid, info.version_id, SOS_VERSION_ID_LEN + 1);
    }
    sos_object_info_release(&info);
    return rc;
}


/* The Object Lock of a version (vid NULL: current). */
static sos_retention_t
lu_retention(sos_store_t *s, const char *bucket, const char *key,
    const char *vid)
{
    sos_error_t        e;
    sos_retention_t    r;
    sos_object_info_t  info;

    if (sos_object_stat_version(s, bucket, strlen(bucket), key, strlen(key),
                                vid, vid ? strlen(vid) : 0, &info, &e)
        != SOS_OK)
    {
        bail("stat %s: %s", key, e.msg);
    }
    r = info.retention;
    sos_object_info_release(&info);
    return r;
}


/* A retention of mode until now + secs. */
static sos_retention_t
lu_ret(sos_lock_mode_e mode, int64_t secs, int legal_hold)
{
    sos_retention_t  r;

    memset(&r, 0, sizeof(r));
    r.mode = mode;
    r.until = mode == SOS_LOCK_NONE ? 0 : (int64_t) time(NULL) + secs;
    r.legal_hold = legal_hold;
    return r;
}

#endif /* SOS_TEST_LOCK_UTIL_H */
