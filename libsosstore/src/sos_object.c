/*
 * Objects: streaming writes (sos_put_t), the object commit shared with
 * multipart uploads, delete, copy, ACL.  Readers are in sos_reader.c.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#define SOS_COPY_BUF        (1024 * 1024)



static void sos_put_free(sos_put_t *put);
static sos_rc_e sos_object_put_commit(sos_put_t *put,
    const sos_extent_t *extent, sos_object_info_t *info, sos_error_t *err);
static sos_rc_e sos_object_acl_edit(sos_store_t *st, sos_obj_rec_t *rec,
    void *ctx, sos_error_t *err);


/* What sos_object_acl_edit sets, provided the version is still expect. */
typedef struct {
    const sos_object_info_t  *expect;
    sos_str_t                 acl;
} sos_object_acl_edit_t;


void
sos_md5_hex(const unsigned char md5[16], char *out)
{
    static const char  hex[] = "0123456789abcdef";
    int                i;

    for (i = 0; i < 16; i++) {
        out[2 * i] = hex[md5[i] >> 4];
        out[2 * i + 1] = hex[md5[i] & 0xf];
    }
    out[32] = '\0';
}


/* A key made printable and short enough for a one-line message. */
const char *
sos_key_show(char *buf, const char *key, size_t len)
{
    size_t  i, n;

    n = len > SOS_KEY_SHOW ? SOS_KEY_SHOW : len;
    for (i = 0; i < n; i++) {
        buf[i] = ((unsigned char) key[i] < 0x20 || key[i] == 0x7f)
                 ? '?' : key[i];
    }
    if (n < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}


sos_rc_e
sos_key_check(const char *bucket, size_t bucket_len, const char *key,
    size_t key_len, sos_error_t *err)
{
    char  show[SOS_KEY_SHOW + 4];

    if (key_len == 0 || key_len > SOS_MAX_KEY_LEN) {
        return sos_err(err, SOS_EINVAL, 0,
                       "key of %zu bytes in bucket \"%.*s\": "
                       "1..%d bytes allowed", key_len,
                       (int) bucket_len, bucket, SOS_MAX_KEY_LEN);
    }
    /* NUL separates the parts of index keys; no request could name it */
    if (memchr(key, '\0', key_len) != NULL) {
        return sos_err(err, SOS_EINVAL, 0,
                       "key \"%s\" in bucket \"%.*s\" contains NUL",
                       sos_key_show(show, key, key_len),
                       (int) bucket_len, bucket);
    }
    return SOS_OK;
}


sos_rc_e
sos_object_ikey(sos_buf_t *ikey, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *what, sos_error_t *err)
{
    sos_rc_e  rc;

    sos_buf_init(ikey);

    rc = sos_key_check(bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    sos_ikey_object(ikey, bucket, bucket_len, key, key_len);
    if (ikey->oom) {
        sos_buf_free(ikey);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for %s", what);
    }

    return SOS_OK;
}


sos_rc_e
sos_object_load(sos_store_t *st, const sos_buf_t *ikey, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, char **val,
    sos_obj_rec_t *rec, sos_error_t *err)
{
    char      show[SOS_KEY_SHOW + 4];
    size_t    len;
    sos_rc_e  rc;

    *val = NULL;
    memset(rec, 0, sizeof(*rec));

    rc = sos_idx_get(st, ikey, val, &len, err);
    if (rc == SOS_ENOTFOUND) {
        rc = sos_bucket_check(st, bucket, bucket_len, err);
        if (rc != SOS_OK) {
            return rc;
        }
        return sos_err(err, SOS_ENOTFOUND, 0, "no object \"%s\" in bucket "
                       "\"%.*s\"", sos_key_show(show, key, key_len),
                       (int) bucket_len, bucket);
    }
    if (rc != SOS_OK) {
        return rc;
    }

    if (sos_obj_rec_decode(*val, len, rec) != 0) {
        free(*val);
        *val = NULL;
        sos_obj_rec_free(rec);
        memset(rec, 0, sizeof(*rec));
        return sos_err(err, SOS_ECORRUPT, 0, "bad index record of object "
                       "\"%s\" in bucket \"%.*s\"",
                       sos_key_show(show, key, key_len), (int) bucket_len,
                       bucket);
    }
    return SOS_OK;
}


void
sos_object_info_release(sos_object_info_t *info)
{
    if (info != NULL) {
        free(info->mem);
        memset(info, 0, sizeof(*info));
    }
}


/* ---- writing ---- */

sos_rc_e
sos_put_new(sos_put_t **out, sos_store_t *st, const sos_put_opts_t *opts,
    sos_put_commit_pt commit, sos_error_t *err)
{
    char        *p;
    size_t       match_len, none_len;
    sos_rc_e     rc;
    sos_put_t   *put;
    sos_rbuf_t   r;

    rc = sos_key_check(opts->bucket, opts->bucket_len, opts->key,
                       opts->key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_idx_writable(st, 1, err);
    if (rc != SOS_OK) {
        return rc;
    }

    put = calloc(1, sizeof(sos_put_t));
    if (put == NULL) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a write");
    }
    sos_buf_init(&put->attrs_buf);

    match_len = opts->if_match ? strlen(opts->if_match) : 0;
    none_len = opts->if_none_match_etag ? strlen(opts->if_none_match_etag)
                                        : 0;
    put->names = malloc(opts->bucket_len + opts->key_len + match_len
                        + none_len + 4);
    if (put->names == NULL) {
        rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a write");
        goto failed;
    }

    put->store = st;
    put->commit = commit;
    put->opts = *opts;

    p = put->names;
    memcpy(p, opts->bucket, opts->bucket_len);
    p[opts->bucket_len] = '\0';
    put->opts.bucket = p;
    p += opts->bucket_len + 1;
    memcpy(p, opts->key, opts->key_len);
    p[opts->key_len] = '\0';
    put->opts.key = p;
    p += opts->key_len + 1;
    if (opts->if_match != NULL) {
        memcpy(p, opts->if_match, match_len + 1);
        put->opts.if_match = p;
        p += match_len + 1;
    }
    if (opts->if_none_match_etag != NULL) {
        memcpy(p, opts->if_none_match_etag, none_len + 1);
        put->opts.if_none_match_etag = p;
    }
    if (opts->retention != NULL) {
        put->retention = *opts->retention;
        put->opts.retention = &put->retention;
    }

    /* The codec already knows every field: a round trip is a deep copy. */
    if (opts->attrs != NULL) {
        sos_attrs_encode(&put->attrs_buf, opts->attrs);
        if (put->attrs_buf.oom) {
            rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a write");
            goto failed;
        }
        sos_rbuf_init(&r, put->attrs_buf.data, put->attrs_buf.len);
        if (sos_attrs_decode(&r, &put->attrs, &put->kv_mem,
                             SOS_ATTRS_VERSION) != 0) {
            rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a write");
            goto failed;
        }
    }
    put->opts.attrs = &put->attrs;

    rc = sos_writer_begin(&put->writer, st, err);
    if (rc != SOS_OK) {
        goto failed;
    }

    *out = put;
    return SOS_OK;

failed:

    sos_put_free(put);
    return rc;
}


/* Free the memory of a put whose writer is finished, aborted or unused. */
static void
sos_put_free(sos_put_t *put)
{
    sos_buf_free(&put->attrs_buf);
    free(put->kv_mem);
    free(put->checksum);
    free(put->names);
    free(put);
}


sos_rc_e
sos_put_begin(sos_put_t **out, sos_store_t *store, const sos_put_opts_t *opts,
    sos_error_t *err)
{
    sos_rc_e         rc;
    sos_bucket_id_t  id;

    rc = sos_key_check(opts->bucket, opts->bucket_len, opts->key,
                       opts->key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_bucket_ident(store, opts->bucket, opts->bucket_len, &id, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_lock_valid(opts->retention, err);
    if (rc != SOS_OK) {
        return rc;
    }
    if (opts->retention != NULL && !id.lock.enabled
        && (opts->retention->mode != SOS_LOCK_NONE
            || opts->retention->legal_hold))
    {
        return sos_err(err, SOS_ENOLOCK, 0, "bucket \"%.*s\" has no Object "
                       "Lock", (int) opts->bucket_len, opts->bucket);
    }

    rc = sos_put_new(out, store, opts, sos_object_put_commit, err);
    if (rc == SOS_OK) {
        (*out)->bucket_id = id;
    }
    return rc;
}


sos_rc_e
sos_put_write(sos_put_t *put, const void *data, size_t len, sos_error_t *err)
{
    char      show[SOS_KEY_SHOW + 4];
    sos_rc_e  rc;

    assert(!put->failed);

    if (put->opts.max_size != 0
        && len > put->opts.max_size - put->writer.size)
    {
        put->failed = 1;
        return sos_err(err, SOS_ETOOLARGE, 0, "object \"%s\" in bucket "
                       "\"%s\" is larger than %llu bytes",
                       sos_key_show(show, put->opts.key, put->opts.key_len),
                       put->opts.bucket,
                       (unsigned long long) put->opts.max_size);
    }

    rc = sos_writer_write(&put->writer, data, len, err);
    if (rc != SOS_OK) {
        put->failed = 1;
    }
    return rc;
}


sos_rc_e
sos_put_copy(sos_put_t *put, sos_reader_t *src, uint64_t offset,
    uint64_t len, sos_copy_cb_pt cb, void *ctx, sos_error_t *err)
{
    char      *buf, show[SOS_KEY_SHOW + 4];
    size_t     want, got;
    uint64_t   size, done;
    sos_rc_e   rc;

    assert(!put->failed);

    size = sos_reader_size(src);
    if (offset > size || len > size - offset) {
        put->failed = 1;
        return sos_err(err, SOS_ERANGE, 0, "copy of %llu+%llu from an "
                       "object of %llu bytes to \"%s\" in bucket \"%s\"",
                       (unsigned long long) offset, (unsigned long long) len,
                       (unsigned long long) size,
                       sos_key_show(show, put->opts.key, put->opts.key_len),
                       put->opts.bucket);
    }

    if (len == 0) {
        return SOS_OK;
    }

    buf = malloc(len < SOS_COPY_BUF ? (size_t) len : SOS_COPY_BUF);
    if (buf == NULL) {
        put->failed = 1;
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a copy");
    }

    rc = SOS_OK;

    for (done = 0; done < len; done += got) {
        want = len - done < SOS_COPY_BUF ? (size_t) (len - done)
                                         : SOS_COPY_BUF;

        rc = sos_reader_read(src, offset + done, buf, want, &got, err);
        if (rc != SOS_OK) {
            put->failed = 1;
            break;
        }

        /* inside the object a read is whole */
        assert(got == want);

        rc = sos_put_write(put, buf, got, err);
        if (rc != SOS_OK) {
            break;
        }

        if (cb != NULL) {
            cb(ctx, buf, got);
        }
    }

    free(buf);
    return rc;
}


sos_rc_e
sos_put_set_checksum(sos_put_t *put, const char *algorithm,
    size_t algorithm_len, const char *value, size_t value_len,
    sos_error_t *err)
{
    char  *p;

    p = malloc(algorithm_len + value_len + 1);
    if (p == NULL) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a checksum");
    }
    if (algorithm_len > 0) {
        memcpy(p, algorithm, algorithm_len);
    }
    if (value_len > 0) {
        memcpy(p + algorithm_len, value, value_len);
    }

    free(put->checksum);
    put->checksum = p;
    put->attrs.checksum_algorithm.data = p;
    put->attrs.checksum_algorithm.len = algorithm_len;
    put->attrs.checksum_value.data = p + algorithm_len;
    put->attrs.checksum_value.len = value_len;
    return SOS_OK;
}


void
sos_put_md5(sos_put_t *put, unsigned char md5[16])
{
    sos_writer_md5(&put->writer, md5);
}


sos_rc_e
sos_put_commit(sos_put_t *put, sos_object_info_t *info, sos_error_t *err)
{
    sos_rc_e      rc;
    sos_extent_t  extent;

    assert(!put->failed);

    rc = sos_writer_finish(&put->writer, &extent, err);
    if (rc == SOS_OK) {
        rc = put->commit(put, &extent, info, err);

        /*
         * A fenced commit may be replayed at the reopen, and then its
         * record names these files: they stay.  If it is not, the intent
         * sos_writer_finish recorded makes the reopen remove them.  A
         * commit refused because a reopen came after the intent wrote
         * nothing, and that reopen's collection may have run before the
         * renames: the files go now.
         */
        if (rc == SOS_EREOPENED) {
            rc = SOS_EFENCED;
            if (err != NULL) {
                err->code = rc;
            }
        } else if (rc == SOS_EFENCED) {
            goto done;
        }

        if (rc != SOS_OK) {
            (void) sos_extent_unlink(put->store, &extent);
        }
    }

done:

    sos_writer_abort(&put->writer);
    sos_put_free(put);
    return rc;
}


void
sos_put_abort(sos_put_t *put)
{
    if (put != NULL) {
        sos_writer_abort(&put->writer);
        sos_put_free(put);
    }
}


static sos_rc_e
sos_object_put_commit(sos_put_t *put, const sos_extent_t *extent,
    sos_object_info_t *info, sos_error_t *err)
{
    sos_rc_e               rc;
    sos_extent_t           ext;
    sos_obj_rec_t          rec;
    leveldb_writebatch_t  *batch;

    memset(&rec, 0, sizeof(rec));
    ext = *extent;
    rec.size = ext.size;
    rec.mtime = sos_now(&rec.mtime_nsec);
    sos_md5_hex(ext.md5, rec.etag);
    rec.attrs = put->attrs;
    rec.n_extents = 1;
    rec.extents = &ext;

    /* Before the commit: once committed, failing would unlink its files. */
    if (info != NULL) {
        rc = sos_obj_rec_to_info(&rec, info, err);
        if (rc != SOS_OK) {
            return rc;
        }
    }

    batch = leveldb_writebatch_create();
    sos_intent_clear(batch, &put->writer);
    rc = sos_object_commit(put->store, &put->opts, &put->bucket_id, &rec,
                           batch, 0, &put->writer.epoch, err);
    leveldb_writebatch_destroy(batch);

    if (rc != SOS_OK && info != NULL) {
        sos_object_info_release(info);
    }
    if (rc == SOS_OK && info != NULL) {
        sos_version_info(&rec, info);
    }
    return rc;
}


sos_rc_e
sos_object_commit(sos_store_t *st, const sos_put_opts_t *opts,
    const sos_bucket_id_t *bucket_id, sos_obj_rec_t *rec,
    leveldb_writebatch_t *extra, int64_t extra_bytes, const unsigned *fresh,
    sos_error_t *err)
{
    int                    have_old, old_dropped;
    char                  *old_val, show[SOS_KEY_SHOW + 4];
    int64_t                d_count, d_bytes;
    uint64_t               seq;
    sos_rc_e               rc, sync_rc;
    sos_buf_t              ikey, val;
    sos_obj_rec_t          old;
    sos_bucket_id_t        now;
    sos_version_drop_t     drop;
    leveldb_writebatch_t  *batch;

    old_val = NULL;
    have_old = 0;
    old_dropped = 0;
    seq = 0;
    memset(&old, 0, sizeof(old));
    memset(&drop, 0, sizeof(drop));
    sos_buf_init(&drop.vkey);
    sos_buf_init(&ikey);
    sos_buf_init(&val);
    sos_ikey_object(&ikey, opts->bucket, opts->bucket_len, opts->key,
                    opts->key_len);
    sos_obj_rec_encode(&val, rec);
    if (ikey.oom || val.oom) {
        sos_buf_free(&ikey);
        sos_buf_free(&val);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a commit");
    }

    batch = extra ? extra : leveldb_writebatch_create();

    sos_idx_enter(st);
    pthread_mutex_lock(&st->commit_lock);

    /* the bucket, still the one the write began in, and its versioning */

    rc = sos_bucket_ident(st, opts->bucket, opts->bucket_len, &now, err);
    if (rc != SOS_OK) {
        goto done;
    }
    if (bucket_id != NULL
        && (strcmp(now.owner, bucket_id->owner) != 0
            || now.created != bucket_id->created))
    {
        rc = sos_err(err, SOS_ENOBUCKET, 0, "bucket \"%.*s\" was deleted "
                     "and created again since the write began",
                     (int) (opts->bucket_len > 64 ? 64 : opts->bucket_len),
                     opts->bucket);
        goto done;
    }

    /* Object Lock: the write's retention, or the bucket's default (a
     * bucket with Object Lock is versioned: the record is encoded by
     * sos_version_place, after this) */

    rc = sos_lock_stamp(&now, opts->retention, rec, opts->bucket,
                        opts->bucket_len, err);
    if (rc != SOS_OK) {
        goto done;
    }

    rc = sos_object_load(st, &ikey, opts->bucket, opts->bucket_len,
                         opts->key, opts->key_len, &old_val, &old, err);
    if (rc == SOS_OK) {
        have_old = 1;
    } else if (rc != SOS_ENOTFOUND) {
        goto done;
    }

    if (opts->if_none_match && have_old) {
        rc = sos_err(err, SOS_EPRECONDITION, 0, "object \"%s\" exists in "
                     "bucket \"%.*s\"",
                     sos_key_show(show, opts->key, opts->key_len),
                     (int) opts->bucket_len, opts->bucket);
        goto done;
    }

    if (opts->if_none_match_etag != NULL && have_old
        && strcmp(opts->if_none_match_etag, old.etag) == 0)
    {
        rc = sos_err(err, SOS_EPRECONDITION, 0, "object \"%s\" in bucket "
                     "\"%.*s\" has etag %s",
                     sos_key_show(show, opts->key, opts->key_len),
                     (int) opts->bucket_len, opts->bucket,
                     opts->if_none_match_etag);
        goto done;
    }

    if (opts->if_match != NULL
        && (!have_old || (strcmp(opts->if_match, "*") != 0
                          && strcmp(opts->if_match, old.etag) != 0)))
    {
        rc = sos_err(err, SOS_EPRECONDITION, 0, "object \"%s\" in bucket "
                     "\"%.*s\" does not have etag %s",
                     sos_key_show(show, opts->key, opts->key_len),
                     (int) opts->bucket_len, opts->bucket, opts->if_match);
        goto done;
    }

    if (now.versioning != SOS_VERSIONING_OFF) {
        d_count = 0;
        d_bytes = extra_bytes;
        rc = sos_version_place(st, batch, &ikey, opts->bucket,
                               opts->bucket_len, opts->key, opts->key_len,
                               now.versioning, rec, have_old ? &old : NULL,
                               &old_dropped, &d_count, &d_bytes, &drop, err);
        if (rc != SOS_OK) {
            goto done;
        }

    } else {
        /* never a locked version: the bucket was never versioned */
        if (have_old) {
            rc = sos_lock_check(&old, 0, opts->bucket, opts->bucket_len,
                                opts->key, opts->key_len, err);
            if (rc != SOS_OK) {
                goto done;
            }
        }
        leveldb_writebatch_put(batch, (const char *) ikey.data, ikey.len,
                               (const char *) val.data, val.len);
        if (have_old) {
            sos_garbage_add(batch, old.extents, old.n_extents);
        }
        old_dropped = have_old;
        d_count = have_old ? 0 : 1;
        d_bytes = (int64_t) rec->size - (int64_t) old.size + extra_bytes;
    }

    rc = sos_counters_add(st, batch, opts->bucket, opts->bucket_len, d_count,
                          d_bytes, err);
    if (rc != SOS_OK) {
        goto done;
    }

    rc = sos_idx_apply(st, batch, fresh, &seq, err);

done:

    /* a refusal waits too: it may rest on a write not durable yet */
    if (rc != SOS_OK && rc != SOS_EFENCED && rc != SOS_EREOPENED) {
        seq = sos_idx_applied(st);
    }

    pthread_mutex_unlock(&st->commit_lock);
    sos_idx_leave(st);

    /* the group commit: the sync is shared with the commits meanwhile */
    if (rc == SOS_OK || seq != 0) {
        sync_rc = sos_idx_sync(st, seq, err);
        if (sync_rc != SOS_OK) {
            rc = sync_rc;
        }
    }

    if (rc == SOS_OK && old_dropped) {
        sos_garbage_collect(st, old.extents, old.n_extents);
    }
    if (rc == SOS_OK && drop.have) {
        sos_garbage_collect(st, drop.rec.extents, drop.rec.n_extents);
    }
    sos_version_drop_free(&drop);

    if (extra == NULL) {
        leveldb_writebatch_destroy(batch);
    }
    sos_obj_rec_free(&old);
    free(old_val);
    sos_buf_free(&ikey);
    sos_buf_free(&val);
    return rc;
}


/* ---- delete, copy, ACL ---- */

sos_rc_e
sos_object_delete(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, sos_error_t *err)
{
    return sos_object_delete_if(store, bucket, bucket_len, key, key_len,
                                NULL, err);
}


sos_rc_e
sos_object_delete_if(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_delete_cond_t *cond, sos_error_t *err)
{
    return sos_object_delete_version(store, bucket, bucket_len, key, key_len,
                                     NULL, 0, cond, NULL, 0, NULL, err);
}


sos_rc_e
sos_object_set_acl(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const sos_object_info_t *expect,
    const void *acl, size_t acl_len, sos_error_t *err)
{
    return sos_object_set_acl_version(store, bucket, bucket_len, key,
                                      key_len, NULL, 0, expect, acl, acl_len,
                                      err);
}


sos_rc_e
sos_object_set_acl_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_object_info_t *expect, const void *acl, size_t acl_len,
    sos_error_t *err)
{
    sos_object_acl_edit_t  e;

    e.expect = expect;
    e.acl.data = acl;
    e.acl.len = acl_len;

    return sos_version_rewrite(store, bucket, bucket_len, key, key_len,
                               version_id, version_id_len,
                               sos_object_acl_edit, &e, err);
}


/* Under commit_lock: the ACL of the version the caller read. */
static sos_rc_e
sos_object_acl_edit(sos_store_t *st, sos_obj_rec_t *rec, void *ctx,
    sos_error_t *err)
{
    sos_object_acl_edit_t *e = ctx;

    (void) st;

    if (!sos_version_is(rec, e->expect)) {
        return sos_err(err, SOS_ECHANGED, 0, "it changed since its ACL's "
                       "caller read it");
    }

    rec->attrs.acl = e->acl;
    return SOS_OK;
}
