/*
 * Tag sets: their encoding (the `tags` attribute of object and upload
 * records, and what a bucket keeps in its SOS_BUCKET_TAGGING setting) and
 * the change of an object's tags, of its current version or of any other
 * one, which compares and sets under the commit lock as
 * sos_object_set_acl_version does.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


static unsigned char *sos_tags_varint(unsigned char *p, uint64_t v);
static int sos_tags_same_version(const sos_obj_rec_t *rec,
    const sos_object_info_t *info);


size_t
sos_tags_encode(void *out, const sos_kv_t *tags, size_t n)
{
    size_t          i, len;
    unsigned char   tmp[10], *p;

    if (n == 0) {
        return 0;
    }

    p = out;
    len = sos_tags_varint(tmp, n) - tmp;
    if (p != NULL) {
        p = sos_tags_varint(p, n);
    }

    for (i = 0; i < n; i++) {
        len += sos_tags_varint(tmp, tags[i].name.len) - tmp
               + tags[i].name.len
               + (sos_tags_varint(tmp, tags[i].value.len) - tmp)
               + tags[i].value.len;

        if (p == NULL) {
            continue;
        }

        p = sos_tags_varint(p, tags[i].name.len);
        if (tags[i].name.len > 0) {
            memcpy(p, tags[i].name.data, tags[i].name.len);
            p += tags[i].name.len;
        }
        p = sos_tags_varint(p, tags[i].value.len);
        if (tags[i].value.len > 0) {
            memcpy(p, tags[i].value.data, tags[i].value.len);
            p += tags[i].value.len;
        }
    }

    return len;
}


int
sos_tags_decode(const void *blob, size_t len, sos_kv_t *tags, size_t max)
{
    uint64_t    n, i;
    sos_str_t   name, value;
    sos_rbuf_t  r;

    if (len == 0) {
        return 0;
    }

    sos_rbuf_init(&r, blob, len);

    n = sos_rbuf_varint(&r);
    if (r.bad || n > max) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        name = sos_rbuf_bytes(&r);
        value = sos_rbuf_bytes(&r);
        if (r.bad) {
            return -1;
        }
        if (tags != NULL) {
            tags[i].name = name;
            tags[i].value = value;
        }
    }

    /* nothing may follow the last tag */
    if (r.p != r.end) {
        return -1;
    }

    return (int) n;
}


sos_rc_e
sos_object_set_tags(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_object_info_t *expect, const void *tags, size_t tags_len,
    sos_error_t *err)
{
    return sos_object_set_tags_version(store, bucket, bucket_len, key,
                                       key_len, NULL, 0, expect, tags,
                                       tags_len, err);
}


sos_rc_e
sos_object_set_tags_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_object_info_t *expect, const void *tags, size_t tags_len,
    sos_error_t *err)
{
    uint64_t              seq;
    sos_rc_e              rc, sync_rc;
    sos_buf_t             nval;
    sos_version_drop_t    v;
    leveldb_writebatch_t  *batch;

    if (sos_tags_decode(tags, tags_len, NULL, (size_t) -1) < 0) {
        return sos_err(err, SOS_EINVAL, 0, "a tag set that does not decode");
    }

    rc = sos_key_check(bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }
    if (sos_version_arg(version_id, version_id_len) < 0) {
        return sos_err(err, SOS_EINVAL, 0, "invalid version id");
    }

    sos_buf_init(&nval);
    batch = leveldb_writebatch_create();
    seq = 0;

    sos_idx_enter(store);
    pthread_mutex_lock(&store->commit_lock);

    /*
     * the current version is the O record, one read as before; a
     * noncurrent one its V record, changed where it lies: a later
     * promotion or demotion moves the whole record, its tags with it
     */

    rc = sos_version_find(store, bucket, bucket_len, key, key_len,
                          version_id, version_id_len, &v, err);
    if (rc == SOS_OK && v.rec.delete_marker) {
        rc = sos_err(err, SOS_ENOTFOUND, 0, "a version in bucket \"%.*s\" "
                     "is a delete marker: it has no tags", (int) bucket_len,
                     bucket);

    } else if (rc == SOS_OK) {
        if (!sos_tags_same_version(&v.rec, expect)) {
            rc = sos_err(err, SOS_ECHANGED, 0, "an object in bucket "
                         "\"%.*s\" changed since its tags' caller read it",
                         (int) bucket_len, bucket);

        } else {
            v.rec.attrs.tags.data = tags;
            v.rec.attrs.tags.len = tags_len;
            sos_obj_rec_encode(&nval, &v.rec);
            if (nval.oom) {
                rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for tags");
            } else {
                leveldb_writebatch_put(batch, (const char *) v.vkey.data,
                                       v.vkey.len, (const char *) nval.data,
                                       nval.len);
                rc = sos_idx_apply(store, batch, NULL, &seq, err);
            }
        }
    }
    sos_version_drop_free(&v);

    /* a refusal (changed, gone) waits too: it may rest on a write not
     * durable yet */
    if (rc == SOS_ECHANGED || rc == SOS_ENOTFOUND) {
        seq = sos_idx_applied(store);
    }

    pthread_mutex_unlock(&store->commit_lock);
    sos_idx_leave(store);

    if (seq != 0) {
        sync_rc = sos_idx_sync(store, seq, err);
        if (sync_rc != SOS_OK) {
            rc = sync_rc;
        }
    }

    leveldb_writebatch_destroy(batch);

    sos_buf_free(&nval);
    return rc;
}


static unsigned char *
sos_tags_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char) (v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char) v;

    return p;
}


/*
 * Whether rec is the version info describes, with the owner and ACL the
 * caller's permission rested on (as sos_object_set_acl compares): the
 * same write (a record without files has no write id: its etag, size and
 * mtime to the nanosecond tell it).  The tags themselves may have
 * changed: the last change wins, as S3's.
 */
static int
sos_tags_same_version(const sos_obj_rec_t *rec, const sos_object_info_t *info)
{
    const char  *write_id;

    write_id = rec->n_extents > 0 ? rec->extents[0].id : "";

    return strcmp(write_id, info->write_id) == 0
           && strcmp(rec->etag, info->etag) == 0
           && rec->size == info->size
           && rec->mtime == info->mtime
           && rec->mtime_nsec == info->mtime_nsec
           && rec->parts == info->parts
           && sos_str_same(&rec->attrs.owner, &info->attrs.owner)
           && sos_str_same(&rec->attrs.acl, &info->attrs.acl);
}
