/*
 * Object Lock: a version's retention and legal hold, set at the commit
 * that makes it (explicit, or the bucket's default) or later, and the
 * check every path that removes a version's data makes, under
 * commit_lock, in the step that removes it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


#define SOS_LOCK_DAY       86400
/* a default retention in years counts 365 days a year */
#define SOS_LOCK_YEAR      (365 * SOS_LOCK_DAY)


/* What sos_lock_edit changes in a version's record. */
typedef struct {
    const char             *bucket;
    size_t                  bucket_len;
    const sos_retention_t  *want;
    int                     hold_only;
    int                     bypass;
} sos_lock_edit_t;


static sos_rc_e sos_lock_update(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_retention_t *want, int hold_only, int bypass,
    sos_error_t *err);
static sos_rc_e sos_lock_edit(sos_store_t *st, sos_obj_rec_t *rec,
    void *ctx, sos_error_t *err);
static sos_rc_e sos_lock_change(const sos_obj_rec_t *rec,
    const sos_retention_t *want, int bypass, int64_t now, sos_error_t *err);


sos_rc_e
sos_lock_check(const sos_obj_rec_t *rec, int bypass, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, sos_error_t *err)
{
    char     show[SOS_KEY_SHOW + 4];
    int64_t  now;

    if (rec->delete_marker) {
        return SOS_OK;
    }

    if (rec->retention.legal_hold) {
        return sos_err(err, SOS_ELOCKED, 0, "object \"%s\" in bucket "
                       "\"%.*s\", version \"%s\": under a legal hold",
                       sos_key_show(show, key, key_len), (int) bucket_len,
                       bucket, rec->version_id);
    }

    if (rec->retention.mode == SOS_LOCK_NONE) {
        return SOS_OK;
    }

    now = sos_now(NULL);
    if (rec->retention.until <= now) {
        return SOS_OK;
    }

    if (rec->retention.mode == SOS_LOCK_GOVERNANCE && bypass) {
        return SOS_OK;
    }

    return sos_err(err, SOS_ELOCKED, 0, "object \"%s\" in bucket "
                   "\"%.*s\", version \"%s\": %s retention until %lld",
                   sos_key_show(show, key, key_len), (int) bucket_len, bucket,
                   rec->version_id,
                   rec->retention.mode == SOS_LOCK_GOVERNANCE
                   ? "GOVERNANCE" : "COMPLIANCE",
                   (long long) rec->retention.until);
}


sos_rc_e
sos_lock_valid(const sos_retention_t *r, sos_error_t *err)
{
    if (r == NULL) {
        return SOS_OK;
    }
    if ((unsigned) r->mode > SOS_LOCK_COMPLIANCE) {
        return sos_err(err, SOS_EINVAL, 0, "retention mode %d",
                       (int) r->mode);
    }
    if (r->mode != SOS_LOCK_NONE && r->until <= sos_now(NULL)) {
        return sos_err(err, SOS_EINVAL, 0, "the retain-until date %lld is "
                       "not in the future", (long long) r->until);
    }
    if (r->mode != SOS_LOCK_NONE
        && r->until > sos_now(NULL) + SOS_LOCK_AHEAD_MAX)
    {
        return sos_err(err, SOS_EINVAL, 0, "the retain-until date %lld is "
                       "more than 36500 days ahead", (long long) r->until);
    }
    return SOS_OK;
}


sos_rc_e
sos_lock_stamp(const sos_bucket_id_t *bucket_id, const sos_retention_t *r,
    sos_obj_rec_t *rec, const char *bucket, size_t bucket_len,
    sos_error_t *err)
{
    const sos_bucket_lock_t  *lock;

    lock = &bucket_id->lock;

    memset(&rec->retention, 0, sizeof(rec->retention));

    if (r != NULL && (r->mode != SOS_LOCK_NONE || r->legal_hold)) {
        if (!lock->enabled) {
            return sos_err(err, SOS_ENOLOCK, 0, "bucket \"%.*s\" has no "
                           "Object Lock", (int) bucket_len, bucket);
        }
        /* a date checked when the write began may have passed since:
         * the version is then not locked */
        if ((unsigned) r->mode > SOS_LOCK_COMPLIANCE) {
            return sos_err(err, SOS_EINVAL, 0, "retention mode %d",
                           (int) r->mode);
        }
        rec->retention = *r;
        rec->retention.legal_hold = (r->legal_hold != 0);
    }

    if (lock->enabled && rec->retention.mode == SOS_LOCK_NONE
        && lock->mode != SOS_LOCK_NONE)
    {
        rec->retention.mode = lock->mode;
        rec->retention.until = rec->mtime
                               + (int64_t) lock->days * SOS_LOCK_DAY
                               + (int64_t) lock->years * SOS_LOCK_YEAR;
    }

    return SOS_OK;
}


sos_rc_e
sos_object_set_retention(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, sos_lock_mode_e mode,
    int64_t until, int bypass_governance, sos_error_t *err)
{
    sos_rc_e         rc;
    sos_retention_t  want;

    memset(&want, 0, sizeof(want));
    want.mode = mode;
    want.until = mode == SOS_LOCK_NONE ? 0 : until;

    rc = sos_lock_valid(&want, err);
    if (rc != SOS_OK) {
        return rc;
    }

    return sos_lock_update(store, bucket, bucket_len, key, key_len,
                           version_id, version_id_len, &want, 0,
                           bypass_governance, err);
}


sos_rc_e
sos_object_set_legal_hold(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, int on, int may_remove,
    sos_error_t *err)
{
    sos_retention_t  want;

    memset(&want, 0, sizeof(want));
    want.legal_hold = (on != 0);

    return sos_lock_update(store, bucket, bucket_len, key, key_len,
                           version_id, version_id_len, &want, 1,
                           may_remove, err);
}


/*
 * Rewrite the record of one version with a new retention (hold_only 0)
 * or legal hold (hold_only 1), keeping the rest: the check and the
 * change are one step under commit_lock, synced before the answer.
 */
static sos_rc_e
sos_lock_update(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *version_id,
    size_t version_id_len, const sos_retention_t *want, int hold_only,
    int bypass, sos_error_t *err)
{
    sos_lock_edit_t  e;

    e.bucket = bucket;
    e.bucket_len = bucket_len;
    e.want = want;
    e.hold_only = hold_only;
    e.bypass = bypass;

    return sos_version_rewrite(store, bucket, bucket_len, key, key_len,
                               version_id, version_id_len, sos_lock_edit,
                               &e, err);
}


/* Under commit_lock: the bucket has Object Lock, and the change is one
 * the version's lock allows. */
static sos_rc_e
sos_lock_edit(sos_store_t *st, sos_obj_rec_t *rec, void *ctx,
    sos_error_t *err)
{
    sos_lock_edit_t *e = ctx;

    sos_rc_e         rc;
    sos_bucket_id_t  bid;

    rc = sos_bucket_ident(st, e->bucket, e->bucket_len, &bid, err);
    if (rc != SOS_OK) {
        return rc;
    }
    if (!bid.lock.enabled) {
        return sos_err(err, SOS_ENOLOCK, 0, "the bucket has no Object "
                       "Lock");
    }

    if (e->hold_only) {
        /* off only for a caller allowed to take a hold off, held or not:
         * the answer does not tell whether a hold was on */
        if (!e->want->legal_hold && !e->bypass) {
            return sos_err(err, SOS_ELOCKED, 0, "version \"%s\": a legal "
                           "hold off needs may_remove", rec->version_id);
        }
        rec->retention.legal_hold = e->want->legal_hold;
        return SOS_OK;
    }

    rc = sos_lock_change(rec, e->want, e->bypass, sos_now(NULL), err);
    if (rc == SOS_OK) {
        rec->retention.mode = e->want->mode;
        rec->retention.until = e->want->until;
    }

    return rc;
}


/*
 * Whether rec's retention may become want: anything once it expired;
 * in force, COMPLIANCE only extended in its mode; GOVERNANCE extended in
 * its mode, anything else with bypass (as Ceph RGW's PutObjectRetention:
 * a change of mode from GOVERNANCE needs the bypass too).
 */
static sos_rc_e
sos_lock_change(const sos_obj_rec_t *rec, const sos_retention_t *want,
    int bypass, int64_t now, sos_error_t *err)
{
    const sos_retention_t  *old;

    old = &rec->retention;

    if (old->mode == SOS_LOCK_NONE || old->until <= now) {
        return SOS_OK;
    }

    if (want->mode == old->mode && want->until >= old->until) {
        return SOS_OK;
    }

    if (old->mode == SOS_LOCK_GOVERNANCE && bypass) {
        return SOS_OK;
    }

    return sos_err(err, SOS_ELOCKED, 0, "version \"%s\": %s retention "
                   "until %lld cannot be shortened, changed or removed%s",
                   rec->version_id,
                   old->mode == SOS_LOCK_GOVERNANCE
                   ? "GOVERNANCE" : "COMPLIANCE",
                   (long long) old->until,
                   old->mode == SOS_LOCK_GOVERNANCE
                   ? " without bypassing governance" : "");
}
