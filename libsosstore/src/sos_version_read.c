/*
 * Reads of one version of a key: the current one (sos_object_open, and
 * the delete marker that hides it), the null version or a version id,
 * found in the O record or among the V records (sos_version.c).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#define SOS_VERSION_OPEN_TRIES  20


static sos_rc_e sos_version_pin(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *vid,
    size_t vid_len, const sos_obj_rec_t *rec, sos_error_t *err);


sos_rc_e
sos_object_stat_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, sos_object_info_t *info,
    sos_error_t *err)
{
    return sos_object_open_version(store, bucket, bucket_len, key, key_len,
                                   version_id, version_id_len, NULL, info,
                                   err);
}


sos_rc_e
sos_object_open_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, sos_reader_t **out,
    sos_object_info_t *info, sos_error_t *err)
{
    int                  tries;
    sos_rc_e             rc;
    sos_error_t          e;
    sos_reader_t        *rd;
    sos_version_drop_t   v;

    if (info != NULL) {
        memset(info, 0, sizeof(*info));
    }

    if (sos_version_arg(version_id, version_id_len) < 0) {
        return sos_err(err, SOS_EINVAL, 0, "invalid version id");
    }

    if (version_id == NULL) {
        rc = sos_object_open(store, bucket, bucket_len, key, key_len, out,
                             info, err);
        if (rc != SOS_ENOTFOUND || info == NULL) {
            return rc;
        }

        /* no current version: a delete marker may be the latest */
        if (sos_version_first(store, bucket, bucket_len, key, key_len, 0,
                              NULL, &v, &e) == SOS_OK)
        {
            if (v.have && v.rec.delete_marker
                && sos_obj_rec_to_info(&v.rec, info, &e) != SOS_OK)
            {
                memset(info, 0, sizeof(*info));
            }
            sos_version_drop_free(&v);
        }
        return rc;
    }

    for (tries = 1; /* void */; tries++) {
        rc = sos_version_find(store, bucket, bucket_len, key, key_len,
                              version_id, version_id_len, &v, err);
        if (rc != SOS_OK) {
            return rc;
        }

        if (v.rec.delete_marker) {
            if (info != NULL) {
                rc = sos_obj_rec_to_info(&v.rec, info, err);
            }
            if (rc == SOS_OK) {
                rc = sos_err(err, SOS_ENOTFOUND, 0, "the version is a "
                             "delete marker");
            }
            sos_version_drop_free(&v);
            return rc;
        }

        if (out == NULL) {
            break;
        }

        rc = sos_version_pin(store, bucket, bucket_len, key, key_len,
                             version_id, version_id_len, &v.rec, err);
        if (rc != SOS_ECHANGED) {
            break;
        }

        sos_version_drop_free(&v);

        if (tries == SOS_VERSION_OPEN_TRIES) {
            return sos_err(err, SOS_EIO, 0, "version in bucket \"%.*s\" "
                           "changed %d times while it was opened",
                           (int) bucket_len, bucket, tries);
        }
    }

    if (rc == SOS_OK && info != NULL) {
        rc = sos_obj_rec_to_info(&v.rec, info, err);
        if (rc != SOS_OK && out != NULL) {
            sos_pin_drop(store, v.rec.extents, v.rec.n_extents);
        }
    }

    if (rc == SOS_OK && out != NULL) {
        rc = sos_reader_new(&rd, store, &v.rec, err);
        if (rc == SOS_OK) {
            *out = rd;
        } else if (info != NULL) {
            sos_object_info_release(info);
        }
    }

    sos_version_drop_free(&v);
    return rc;
}


/*
 * As sos_reader_pin for a version: pin rec's files, then find the
 * version again; SOS_ECHANGED (unpinned) when it was deleted meanwhile.
 * A version moved between the O and V records keeps its files.
 */
static sos_rc_e
sos_version_pin(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *vid, size_t vid_len,
    const sos_obj_rec_t *rec, sos_error_t *err)
{
    int                 same;
    uint32_t            i;
    sos_rc_e            rc;
    sos_version_drop_t  now;

    if (sos_pin_add(st, rec->extents, rec->n_extents) != 0) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a reader");
    }

    rc = sos_version_find(st, bucket, bucket_len, key, key_len, vid, vid_len,
                          &now, err);
    if (rc == SOS_OK) {
        same = now.rec.n_extents == rec->n_extents;
        for (i = 0; same && i < now.rec.n_extents; i++) {
            same = memcmp(now.rec.extents[i].id, rec->extents[i].id,
                          SOS_FILE_ID_LEN) == 0;
        }
        sos_version_drop_free(&now);

        if (same) {
            return SOS_OK;
        }
        rc = SOS_ECHANGED;

    } else if (rc == SOS_ENOTFOUND || rc == SOS_ENOBUCKET) {
        rc = SOS_ECHANGED;
    }

    sos_pin_drop(st, rec->extents, rec->n_extents);
    return rc;
}
