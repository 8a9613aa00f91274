/*
 * Usage under a prefix: one ordered scan of the O<bucket>\0<prefix>...
 * records merged with the V<bucket>\0<prefix>... records of noncurrent
 * versions (whose keys end in \0 and a sort id), summing sizes, then of
 * the U records for the uploads in progress there.  With a delimiter the keys one level down are grouped
 * as a listing rolls them up (sos_list_rollup); unlike a listing, a group
 * is walked, not skipped, since its size is the sum of its keys.
 */

#include <stdio.h>
#include <string.h>

#include "sos_internal.h"


static sos_rc_e sos_usage_uploads(sos_store_t *st, sos_buf_t *from,
    const char *bucket, size_t bucket_len, const char *prefix,
    size_t prefix_len, uint64_t *count, sos_error_t *err);
static int sos_usage_cmp(const char *a, size_t a_len, const char *b,
    size_t b_len);


sos_rc_e
sos_usage(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *prefix, size_t prefix_len, const char *delimiter,
    size_t delimiter_len, sos_usage_cb_pt cb, void *ctx, sos_usage_t *total,
    sos_error_t *err)
{
    int                  stop, in_o, in_v, use_v;
    char                 what[96];
    size_t               key_len, val_len, base, cp_len, vkey_len;
    uint64_t             count;
    sos_rc_e             rc;
    sos_str_t            delim;
    sos_buf_t            from, vfrom, group;
    const char          *key, *val, *vkey;
    sos_usage_t          cur;
    sos_obj_rec_t        rec;
    leveldb_iterator_t  *it, *vit;

    memset(total, 0, sizeof(sos_usage_t));

    if (prefix_len > SOS_MAX_KEY_LEN || delimiter_len > SOS_MAX_KEY_LEN) {
        return sos_err(err, SOS_EINVAL, 0,
                       "usage: prefix or delimiter for bucket \"%.*s\" "
                       "longer than %d bytes", (int) bucket_len, bucket,
                       SOS_MAX_KEY_LEN);
    }

    rc = sos_bucket_check(store, bucket, bucket_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    snprintf(what, sizeof(what), "usage: index scan of bucket \"%.*s\"",
             (int) bucket_len, bucket);

    sos_buf_init(&from);
    sos_buf_init(&vfrom);
    sos_buf_init(&group);
    sos_ikey_object(&from, bucket, bucket_len, "", 0);
    base = from.len;
    sos_buf_add(&from, prefix, prefix_len);
    sos_ikey_bucket(&vfrom, SOS_K_VERSION, bucket, bucket_len);
    sos_buf_add_u8(&vfrom, 0);
    sos_buf_add(&vfrom, prefix, prefix_len);

    it = sos_idx_iter(store);
    vit = it != NULL ? sos_idx_iter(store) : NULL;

    if (from.oom || vfrom.oom || it == NULL || vit == NULL) {
        rc = sos_err(err, SOS_ENOMEM, 0, "%s: no memory", what);
        goto done;
    }

    delim.data = delimiter;
    delim.len = delimiter_len;
    memset(&cur, 0, sizeof(sos_usage_t));
    stop = 0;

    leveldb_iter_seek(it, (const char *) from.data, from.len);
    leveldb_iter_seek(vit, (const char *) vfrom.data, vfrom.len);

    for ( ;; ) {
        in_o = sos_idx_iter_in(it, from.data, from.len);
        in_v = sos_idx_iter_in(vit, vfrom.data, vfrom.len);
        if (!in_o && !in_v) {
            break;
        }

        /* the smaller key next: a version's key without \0 and sort id */

        key = NULL;
        key_len = 0;
        if (in_o) {
            key = leveldb_iter_key(it, &key_len) + base;
            key_len -= base;
        }

        use_v = 0;
        if (in_v) {
            vkey = leveldb_iter_key(vit, &vkey_len) + base;
            vkey_len -= base;
            vkey_len = vkey_len > SOS_VERSION_ID_LEN
                       ? vkey_len - SOS_VERSION_ID_LEN - 1 : 0;
            use_v = !in_o || sos_usage_cmp(vkey, vkey_len, key, key_len) < 0;
            if (use_v) {
                key = vkey;
                key_len = vkey_len;
            }
        }

        val = use_v ? leveldb_iter_value(vit, &val_len)
                    : leveldb_iter_value(it, &val_len);

        if (sos_obj_rec_decode(val, val_len, &rec) != 0) {
            rc = sos_err(err, SOS_ECORRUPT, 0,
                         "usage: bad object record of \"%.*s\" in bucket "
                         "\"%.*s\"", (int) key_len, key, (int) bucket_len,
                         bucket);
            goto done;
        }

        /* every version's bytes; a delete marker is no object */
        count = rec.delete_marker ? 0 : 1;
        total->objects += count;
        total->bytes += rec.size;

        cp_len = delimiter_len ? sos_list_rollup(prefix_len, &delim, key,
                                                 key_len)
                               : 0;

        /* the group ends at the first key that is not in it */

        if (group.len
            && (cp_len != group.len || memcmp(key, group.data, cp_len) != 0))
        {
            if (!stop) {
                stop = cb(ctx, (const char *) group.data, group.len, &cur);
            }

            group.len = 0;
            memset(&cur, 0, sizeof(sos_usage_t));
        }

        if (cp_len) {
            if (group.len == 0) {
                sos_buf_add(&group, key, cp_len);
            }

            cur.objects += count;
            cur.bytes += rec.size;
        }

        sos_obj_rec_free(&rec);

        if (group.oom) {
            rc = sos_err(err, SOS_ENOMEM, 0, "%s: no memory", what);
            goto done;
        }

        leveldb_iter_next(use_v ? vit : it);
    }

    rc = sos_idx_iter_error(it, err, what);
    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(vit, err, what);
    }
    if (rc != SOS_OK) {
        goto done;
    }

    if (!stop && group.len) {
        cb(ctx, (const char *) group.data, group.len, &cur);
    }

    rc = sos_usage_uploads(store, &from, bucket, bucket_len, prefix,
                           prefix_len, &total->uploads, err);

done:

    if (vit != NULL) {
        sos_idx_iter_close(store, vit);
    }
    if (it != NULL) {
        sos_idx_iter_close(store, it);
    }

    sos_buf_free(&from);
    sos_buf_free(&vfrom);
    sos_buf_free(&group);

    return rc;
}


sos_rc_e
sos_uploads_count(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *prefix, size_t prefix_len, uint64_t *count, sos_error_t *err)
{
    sos_rc_e   rc;
    sos_buf_t  from;

    *count = 0;

    if (prefix_len > SOS_MAX_KEY_LEN) {
        return sos_err(err, SOS_EINVAL, 0,
                       "uploads: prefix for bucket \"%.*s\" longer than %d "
                       "bytes", (int) bucket_len, bucket, SOS_MAX_KEY_LEN);
    }

    rc = sos_bucket_check(store, bucket, bucket_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    sos_buf_init(&from);
    rc = sos_usage_uploads(store, &from, bucket, bucket_len, prefix,
                           prefix_len, count, err);
    sos_buf_free(&from);

    return rc;
}


/* U<bucket>\0<key>\0<upload id>: count those whose key has the prefix */

static sos_rc_e
sos_usage_uploads(sos_store_t *st, sos_buf_t *from, const char *bucket,
    size_t bucket_len, const char *prefix, size_t prefix_len,
    uint64_t *count, sos_error_t *err)
{
    sos_rc_e             rc;
    leveldb_iterator_t  *it;

    sos_ikey_upload(from, bucket, bucket_len, prefix, prefix_len, NULL);

    /* without the \0 that ends the key: every key with the prefix */
    from->len--;

    it = sos_idx_iter(st);

    if (from->oom || it == NULL) {
        if (it != NULL) {
            sos_idx_iter_close(st, it);
        }

        return sos_err(err, SOS_ENOMEM, 0, "usage: no memory to count the "
                       "uploads of bucket \"%.*s\"", (int) bucket_len,
                       bucket);
    }

    for (leveldb_iter_seek(it, (const char *) from->data, from->len);
         sos_idx_iter_in(it, from->data, from->len);
         leveldb_iter_next(it))
    {
        (*count)++;
    }

    rc = sos_idx_iter_error(it, err, "usage: index scan of the uploads");
    sos_idx_iter_close(st, it);

    return rc;
}


/* Byte order of two keys, a prefix first. */
static int
sos_usage_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int  c;

    c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0) {
        return c;
    }
    return a_len < b_len ? -1 : (a_len > b_len);
}
