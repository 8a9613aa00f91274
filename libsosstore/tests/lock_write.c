/*
 * Object Lock given by writes (AWS PutObject, CopyObject and
 * CreateMultipartUpload take x-amz-object-lock-mode,
 * -retain-until-date and -legal-hold; a write without them gets the
 * bucket's default retention, counted from its creation): a put, a
 * server-side copy and a multipart upload (the retention asked at its
 * creation, applied when it completes, unless the completion names
 * another).  The committed version's info carries it.  In a bucket
 * without Object Lock every one of them is refused.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"
#include "lock_util.h"

#define B    "wr"
#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t  *st;
static sos_error_t   err;


/* Complete a one-part upload of bucket/key with retention r (NULL:
 * none); info kept in *out.  Its code. */
static sos_rc_e
complete(const char *bucket, const char *key, const char *id,
    const sos_retention_t *r, sos_object_info_t *out)
{
    sos_rc_e           rc;
    sos_put_t         *put;
    sos_put_opts_t     o;
    sos_part_ref_t     ref;
    sos_object_info_t  info;

    o = util_opts(bucket, key);
    if (sos_part_begin(&put, st, &o, id, 1, &err) != SOS_OK
        || sos_put_write(put, "part", 4, &err) != SOS_OK)
    {
        bail("part: %s", err.msg);
    }
    memset(&info, 0, sizeof(info));
    if (sos_put_commit(put, &info, &err) != SOS_OK) {
        bail("part commit: %s", err.msg);
    }
    ref.part_number = 1;
    ref.etag = info.etag;
    ref.etag_len = strlen(info.etag);
    o.retention = r;
    memset(out, 0, sizeof(*out));
    rc = sos_upload_complete(st, &o, id, &ref, 1, out, &err);
    sos_object_info_release(&info);
    return rc;
}


int
main(void)
{
    char                dir[512], id[SOS_UPLOAD_ID_LEN + 1];
    sos_org_t           org;
    sos_rc_e            rc;
    sos_put_t          *put;
    sos_reader_t       *rd;
    sos_put_opts_t      o;
    sos_retention_t     r, r2;
    sos_object_info_t   info;

    plan(23);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", "plain", &org);
    if (sos_bucket_create_locked(st, B, strlen(B), org.id, NULL, NULL, 0,
                                 NULL, &err) != SOS_OK)
    {
        bail("create: %s", err.msg);
    }

    /* a put: its info */

    r = lu_ret(SOS_LOCK_COMPLIANCE, 600, 1);
    o = util_opts(B, "p");
    o.retention = &r;
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_write(put, "data", 4, &err) != SOS_OK)
    {
        bail("put: %s", err.msg);
    }
    r2 = r;
    memset(&r, 0, sizeof(r));      /* opts are copied at begin */
    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, sos_put_commit(put, &info, &err), "a put with a lock");
    ok(info.retention.mode == SOS_LOCK_COMPLIANCE
       && info.retention.until == r2.until && info.retention.legal_hold,
       "its info has the lock, copied at begin");
    sos_object_info_release(&info);

    /* the default, seen in the info */

    if (lu_set_lock(st, B, 1, SOS_LOCK_GOVERNANCE, 1, 0) != SOS_OK) {
        bail("set lock");
    }
    o = util_opts(B, "d");
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK) {
        bail("put: %s", err.msg);
    }
    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, sos_put_commit(put, &info, &err), "a put without");
    ok(info.retention.mode == SOS_LOCK_GOVERNANCE
       && info.retention.until == info.mtime + 86400,
       "its info has the default");
    sos_object_info_release(&info);

    /* a copy */

    memset(&info, 0, sizeof(info));
    if (sos_object_open(st, B, strlen(B), "p", 1, &rd, &info, &err)
        != SOS_OK)
    {
        bail("open: %s", err.msg);
    }
    sos_object_info_release(&info);
    r = lu_ret(SOS_LOCK_GOVERNANCE, 900, 0);
    o = util_opts(B, "c");
    o.retention = &r;
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_copy(put, rd, 0, 4, NULL, NULL, &err) != SOS_OK)
    {
        bail("copy: %s", err.msg);
    }
    sos_reader_close(rd);
    memset(&info, 0, sizeof(info));
    is_int(SOS_OK, sos_put_commit(put, &info, &err), "a copy with a lock");
    sos_object_info_release(&info);
    r2 = lu_retention(st, B, "c", NULL);
    ok(r2.mode == SOS_LOCK_GOVERNANCE && r2.until == r.until
       && !r2.legal_hold, "the copy has its own lock, not the source's");

    /* multipart */

    r = lu_ret(SOS_LOCK_COMPLIANCE, 700, 0);
    is_int(SOS_OK, sos_upload_create_retention(st, B, strlen(B), "m", 1,
                                               NULL, &r, id, &err),
           "an upload with a lock");
    is_int(SOS_OK, complete(B, "m", id, NULL, &info), "completed");
    ok(info.retention.mode == SOS_LOCK_COMPLIANCE
       && info.retention.until == r.until, "its info has the upload's");
    sos_object_info_release(&info);
    r2 = lu_retention(st, B, "m", NULL);
    ok(r2.mode == SOS_LOCK_COMPLIANCE && r2.until == r.until,
       "the object has the upload's lock");

    is_int(SOS_OK, sos_upload_create_retention(st, B, strlen(B), "m2", 2,
                                               NULL, &r, id, &err),
           "another");
    r2 = lu_ret(SOS_LOCK_NONE, 0, 1);
    is_int(SOS_OK, complete(B, "m2", id, &r2, &info),
           "completed with a legal hold named");
    sos_object_info_release(&info);
    r2 = lu_retention(st, B, "m2", NULL);
    ok(r2.mode == SOS_LOCK_GOVERNANCE && r2.legal_hold,
       "the completion's (with the default retention) wins");

    is_int(SOS_OK, sos_upload_create(st, B, strlen(B), "m3", 2, NULL, id,
                                     &err), "an upload without");
    is_int(SOS_OK, complete(B, "m3", id, NULL, &info), "completed");
    sos_object_info_release(&info);
    r2 = lu_retention(st, B, "m3", NULL);
    ok(r2.mode == SOS_LOCK_GOVERNANCE, "gets the default");

    r2 = lu_ret(SOS_LOCK_GOVERNANCE, -10, 0);
    is_int(SOS_EINVAL, sos_upload_create_retention(st, B, strlen(B), "m4", 2,
                                                   NULL, &r2, id, &err),
           "an upload with a date in the past");
    is_int(SOS_OK, sos_upload_create(st, B, strlen(B), "m4", 2, NULL, id,
                                     &err), "one without");
    is_int(SOS_EINVAL, complete(B, "m4", id, &r2, &info),
           "completed with a date in the past");
    sos_object_info_release(&info);

    /* a bucket without Object Lock */

    r = lu_ret(SOS_LOCK_GOVERNANCE, 60, 0);
    is_int(SOS_ENOLOCK, sos_upload_create_retention(st, "plain", 5, "m", 1,
                                                    NULL, &r, id, &err),
           "an upload with a lock in a bucket without");
    is_int(SOS_OK, sos_upload_create(st, "plain", 5, "m", 1, NULL, id, &err),
           "one without");
    rc = complete("plain", "m", id, &r, &info);
    is_int(SOS_ENOLOCK, rc, "completed with a lock: refused");
    sos_object_info_release(&info);
    is_int(SOS_OK, complete("plain", "m", id, NULL, &info),
           "without: the upload was kept");
    sos_object_info_release(&info);

    sos_store_close(st);
    return tap_exit_status();
}
