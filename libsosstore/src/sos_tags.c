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
static sos_rc_e sos_tags_edit(sos_store_t *st, sos_obj_rec_t *rec,
    void *ctx, sos_error_t *err);


/* What sos_tags_edit sets, provided the version is still expect. */
typedef struct {
    const sos_object_info_t  *expect;
    sos_str_t                 tags;
} sos_tags_edit_t;


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
    sos_tags_edit_t  e;

    if (sos_tags_decode(tags, tags_len, NULL, (size_t) -1) < 0) {
        return sos_err(err, SOS_EINVAL, 0, "a tag set that does not decode");
    }

    e.expect = expect;
    e.tags.data = tags;
    e.tags.len = tags_len;

    return sos_version_rewrite(store, bucket, bucket_len, key, key_len,
                               version_id, version_id_len, sos_tags_edit,
                               &e, err);
}


/*
 * Under commit_lock: the tags of the version the caller read (its owner
 * and ACL the caller's permission rested on).  The tags themselves may
 * have changed: the last change wins, as S3's.
 */
static sos_rc_e
sos_tags_edit(sos_store_t *st, sos_obj_rec_t *rec, void *ctx,
    sos_error_t *err)
{
    sos_tags_edit_t *e = ctx;

    (void) st;

    if (!sos_version_is(rec, e->expect)) {
        return sos_err(err, SOS_ECHANGED, 0, "it changed since its tags' "
                       "caller read it");
    }

    rec->attrs.tags = e->tags;
    return SOS_OK;
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
