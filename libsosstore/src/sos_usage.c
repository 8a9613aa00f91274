/*
 * Usage under a prefix: one ordered scan of the O<bucket>\0<prefix>...
 * records, summing sizes, then of the U records for the uploads in
 * progress there.  With a delimiter the keys one level down are grouped
 * as a listing rolls them up (sos_list_rollup); unlike a listing, a group
 * is walked, not skipped, since its size is the sum of its keys.
 */

#include <stdio.h>
#include <string.h>

#include "sos_internal.h"


static sos_rc_e sos_usage_uploads(sos_store_t *st, sos_buf_t *from,
    const char *bucket, size_t bucket_len, const char *prefix,
    size_t prefix_len, uint64_t *count, sos_error_t *err);


sos_rc_e
sos_usage(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *prefix, size_t prefix_len, const char *delimiter,
    size_t delimiter_len, sos_usage_cb_pt cb, void *ctx, sos_usage_t *total,
    sos_error_t *err)
{
    int                  stop;
    char                 what[96];
    size_t               key_len, val_len, base, cp_len;
    sos_rc_e             rc;
    sos_str_t            delim;
    sos_buf_t            from, group;
    const char          *key, *val;
    sos_usage_t          cur;
    sos_obj_rec_t        rec;
    leveldb_iterator_t  *it;

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
    sos_buf_init(&group);
    sos_ikey_object(&from, bucket, bucket_len, "", 0);
    base = from.len;
    sos_buf_add(&from, prefix, prefix_len);

    it = sos_idx_iter(store);

    if (from.oom || it == NULL) {
        rc = sos_err(err, SOS_ENOMEM, 0, "%s: no memory", what);
        goto done;
    }

    delim.data = delimiter;
    delim.len = delimiter_len;
    memset(&cur, 0, sizeof(sos_usage_t));
    stop = 0;

    for (leveldb_iter_seek(it, (const char *) from.data, from.len);
         sos_idx_iter_in(it, from.data, from.len);
         leveldb_iter_next(it))
    {
        key = leveldb_iter_key(it, &key_len) + base;
        key_len -= base;
        val = leveldb_iter_value(it, &val_len);

        if (sos_obj_rec_decode(val, val_len, &rec) != 0) {
            rc = sos_err(err, SOS_ECORRUPT, 0,
                         "usage: bad object record of \"%.*s\" in bucket "
                         "\"%.*s\"", (int) key_len, key, (int) bucket_len,
                         bucket);
            goto done;
        }

        total->objects++;
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

            cur.objects++;
            cur.bytes += rec.size;
        }

        sos_obj_rec_free(&rec);

        if (group.oom) {
            rc = sos_err(err, SOS_ENOMEM, 0, "%s: no memory", what);
            goto done;
        }
    }

    rc = sos_idx_iter_error(it, err, what);
    if (rc != SOS_OK) {
        goto done;
    }

    if (!stop && group.len) {
        cb(ctx, (const char *) group.data, group.len, &cur);
    }

    rc = sos_usage_uploads(store, &from, bucket, bucket_len, prefix,
                           prefix_len, &total->uploads, err);

done:

    if (it != NULL) {
        sos_idx_iter_close(store, it);
    }

    sos_buf_free(&from);
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
