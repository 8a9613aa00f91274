/*
 * Multipart uploads.
 *
 * An upload is a U record holding the final object's metadata; each part is
 * a P record naming one replicated data file.  Completing writes an object
 * record whose extents are the named parts' files in order, so no byte is
 * copied.  Upload ids are random hex of a fixed length, so P<id> is the
 * prefix of one upload's parts and of nothing else.
 *
 * Completing also writes a D record keyed by the upload id (bucket, key,
 * the object's ETag and write id, when it was completed), so that a
 * retried Complete answers the same result while the object is still the
 * one the upload made; the expiry sweep removes D records older than the
 * expiry.  The write id, not the mtime: the commit's version stamp may
 * move a null version's mtime after the D record is in the batch.
 *
 * Bytes of committed parts count in the bucket's bytes until the upload is
 * completed (then the object's size counts instead) or aborted.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sos_internal.h"


static int sos_upload_id_valid(const char *id);
static sos_rc_e sos_parts_load(sos_store_t *st, const char *upload_id,
    sos_part_rec_t **parts, uint32_t *n_parts, uint64_t *bytes,
    sos_buf_t *sums, sos_error_t *err);
static sos_rc_e sos_part_commit(sos_put_t *put, const sos_extent_t *extent,
    sos_object_info_t *info, sos_error_t *err);
static int sos_etag_match(const char *etag, size_t len,
    const unsigned char md5[16]);


/* Keys in messages are cut short: the message is one line of 256 bytes. */
#define SOS_MSG_KEY(len)  (int) ((len) > 64 ? 64 : (len))


static int
sos_upload_id_valid(const char *id)
{
    size_t  i;

    if (id == NULL) {
        return 0;
    }

    for (i = 0; i < SOS_UPLOAD_ID_LEN; i++) {
        if (!((id[i] >= '0' && id[i] <= '9')
              || (id[i] >= 'a' && id[i] <= 'f')))
        {
            return 0;
        }
    }

    return id[SOS_UPLOAD_ID_LEN] == '\0';
}


sos_rc_e
sos_upload_get(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *upload_id, char **val,
    sos_upload_rec_t *u, sos_error_t *err)
{
    size_t     len;
    sos_rc_e   rc;
    sos_buf_t  k;

    *val = NULL;

    rc = sos_key_check(bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    if (!sos_upload_id_valid(upload_id)) {
        rc = sos_bucket_check(st, bucket, bucket_len, err);
        if (rc != SOS_OK) {
            return rc;
        }
        return sos_err(err, SOS_ENOUPLOAD, 0,
                       "malformed upload id for \"%.*s\" in bucket \"%.*s\"",
                       SOS_MSG_KEY(key_len), key, (int) bucket_len, bucket);
    }

    sos_buf_init(&k);
    sos_ikey_upload(&k, bucket, bucket_len, key, key_len, upload_id);
    if (k.oom) {
        sos_buf_free(&k);
        return sos_err(err, SOS_ENOMEM, 0, "upload key");
    }

    rc = sos_idx_get(st, &k, val, &len, err);
    sos_buf_free(&k);

    if (rc == SOS_ENOTFOUND) {
        rc = sos_bucket_check(st, bucket, bucket_len, err);
        if (rc != SOS_OK) {
            return rc;
        }
        return sos_err(err, SOS_ENOUPLOAD, 0,
                       "no upload %s of \"%.*s\" in bucket \"%.*s\"",
                       upload_id, SOS_MSG_KEY(key_len), key,
                       (int) bucket_len, bucket);
    }

    if (rc != SOS_OK) {
        return rc;
    }

    if (u != NULL && sos_upload_rec_decode(*val, len, u) != 0) {
        free(*val);
        *val = NULL;
        return sos_err(err, SOS_ECORRUPT, 0,
                       "malformed record of upload %s in bucket \"%.*s\"",
                       upload_id, (int) bucket_len, bucket);
    }

    return SOS_OK;
}


/*
 * Every part of an upload, ascending; *parts is malloc'd (NULL when there
 * are none).  With sums, each part's checksum value is copied into it and
 * checksum_value points there (the algorithm is the upload's); without
 * it the checksums are not kept: they would point into the iterator.
 */
static sos_rc_e
sos_parts_load(sos_store_t *st, const char *upload_id,
    sos_part_rec_t **parts, uint32_t *n_parts, uint64_t *bytes,
    sos_buf_t *sums, sos_error_t *err)
{
    size_t               klen, vlen, off;
    uint32_t             i, n, cap;
    sos_rc_e             rc;
    sos_buf_t            prefix;
    const char          *k, *v;
    sos_part_rec_t      *a, *p;
    leveldb_iterator_t  *it;

    *parts = NULL;
    *n_parts = 0;
    *bytes = 0;

    sos_buf_init(&prefix);
    sos_buf_add_u8(&prefix, SOS_K_PART);
    sos_buf_add(&prefix, upload_id, SOS_UPLOAD_ID_LEN);

    it = sos_idx_iter(st);
    if (prefix.oom || it == NULL) {
        sos_buf_free(&prefix);
        if (it != NULL) {
            sos_idx_iter_close(st, it);
        }
        return sos_err(err, SOS_ENOMEM, 0, "parts of upload %s", upload_id);
    }

    a = NULL;
    n = 0;
    cap = 0;
    rc = SOS_OK;

    leveldb_iter_seek(it, (const char *) prefix.data, prefix.len);

    for ( /* void */ ; sos_idx_iter_in(it, prefix.data, prefix.len);
         leveldb_iter_next(it))
    {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            p = realloc(a, cap * sizeof(sos_part_rec_t));
            if (p == NULL) {
                rc = sos_err(err, SOS_ENOMEM, 0, "parts of upload %s",
                             upload_id);
                break;
            }
            a = p;
        }

        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        if (sos_part_rec_decode(k, klen, v, vlen, &a[n]) != 0) {
            rc = sos_err(err, SOS_ECORRUPT, 0,
                         "malformed part record of upload %s", upload_id);
            break;
        }

        a[n].checksum_algorithm.len = 0;
        if (sums != NULL) {
            sos_buf_add(sums, a[n].checksum_value.data,
                        a[n].checksum_value.len);
        } else {
            a[n].checksum_value.len = 0;
        }
        a[n].checksum_value.data = NULL;
        *bytes += a[n].extent.size;
        n++;
    }

    if (rc == SOS_OK && sums != NULL && sums->oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "parts of upload %s", upload_id);
    }

    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(it, err, "reading parts of an upload");
    }

    sos_idx_iter_close(st, it);
    sos_buf_free(&prefix);

    if (rc != SOS_OK) {
        free(a);
        *bytes = 0;
        return rc;
    }

    /* sums holds the values in order, one after another (none: empty) */
    if (sums != NULL && sums->data != NULL) {
        off = 0;
        for (i = 0; i < n; i++) {
            a[i].checksum_value.data = (char *) sums->data + off;
            off += a[i].checksum_value.len;
        }
    }

    *parts = a;
    *n_parts = n;
    return SOS_OK;
}


static int
sos_etag_match(const char *etag, size_t len, const unsigned char md5[16])
{
    char  hex[33];

    if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"') {
        etag++;
        len -= 2;
    }

    if (len != 32) {
        return 0;
    }

    sos_md5_hex(md5, hex);
    return strncasecmp(etag, hex, 32) == 0;
}

sos_rc_e
sos_upload_create(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const sos_attrs_t *attrs,
    char upload_id[SOS_UPLOAD_ID_LEN + 1], sos_error_t *err)
{
    return sos_upload_create_retention(st, bucket, bucket_len, key, key_len,
                                       attrs, NULL, upload_id, err);
}


sos_rc_e
sos_upload_create_retention(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_attrs_t *attrs, const sos_retention_t *retention,
    char upload_id[SOS_UPLOAD_ID_LEN + 1], sos_error_t *err)
{
    int              lock;
    char             id[SOS_UPLOAD_ID_LEN + 1];
    sos_rc_e         rc;
    sos_buf_t        k, v;
    sos_bucket_id_t  bid;

    rc = sos_key_check(bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_lock_valid(retention, err);
    if (rc != SOS_OK) {
        return rc;
    }
    lock = retention != NULL
           && (retention->mode != SOS_LOCK_NONE || retention->legal_hold);

    sos_random_hex(id, SOS_UPLOAD_ID_LEN);
    id[SOS_UPLOAD_ID_LEN] = '\0';

    sos_buf_init(&k);
    sos_buf_init(&v);
    sos_ikey_upload(&k, bucket, bucket_len, key, key_len, id);
    sos_buf_add_u8(&v, SOS_ATTRS_VERSION);
    sos_buf_add_svarint(&v, sos_now(NULL));
    sos_attrs_encode(&v, attrs);
    if (lock) {
        sos_buf_add_varint(&v, (uint64_t) retention->mode);
        sos_buf_add_svarint(&v, retention->until);
        sos_buf_add_varint(&v, retention->legal_hold ? 1 : 0);
    }

    if (k.oom || v.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "upload record of \"%.*s\"",
                     SOS_MSG_KEY(key_len), key);
        goto done;
    }

    /* bucket deletion checks for uploads under the same lock */
    pthread_mutex_lock(&st->commit_lock);

    /* the bucket record decoded only when a lock is asked for */
    rc = sos_bucket_ident(st, bucket, bucket_len, lock ? &bid : NULL, err);
    if (rc == SOS_OK && lock && !bid.lock.enabled) {
        rc = sos_err(err, SOS_ENOLOCK, 0, "bucket \"%.*s\" has no Object "
                     "Lock", (int) bucket_len, bucket);
    }
    if (rc == SOS_OK) {
        rc = sos_idx_put(st, &k, v.data, v.len, 1, err);
    }

    pthread_mutex_unlock(&st->commit_lock);

    if (rc == SOS_OK) {
        memcpy(upload_id, id, sizeof(id));
    }

done:

    sos_buf_free(&k);
    sos_buf_free(&v);
    return rc;
}


sos_rc_e
sos_upload_stat(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *upload_id,
    sos_object_info_t *info, sos_error_t *err)
{
    char              *val;
    sos_rc_e           rc;
    sos_obj_rec_t      rec;
    sos_upload_rec_t   u;

    rc = sos_upload_get(st, bucket, bucket_len, key, key_len, upload_id,
                        &val, &u, err);

    if (rc == SOS_ENOUPLOAD && sos_upload_id_valid(upload_id)) {
        /* completed: what a retried Complete answers again */
        rc = sos_upload_done_load(st, bucket, bucket_len, key, key_len,
                                  upload_id, NULL, 0, &val, &rec, err);
        if (rc != SOS_OK) {
            return rc;
        }

        rc = sos_obj_rec_to_info(&rec, info, err);

        sos_obj_rec_free(&rec);
        free(val);
        return rc;
    }

    if (rc != SOS_OK) {
        return rc;
    }

    memset(&rec, 0, sizeof(rec));
    rec.mtime = u.initiated;
    rec.attrs = u.attrs;

    rc = sos_obj_rec_to_info(&rec, info, err);

    free(u.kv_mem);
    free(val);
    return rc;
}


sos_rc_e
sos_part_begin(sos_put_t **out, sos_store_t *st, const sos_put_opts_t *opts,
    const char *upload_id, uint32_t part_number, sos_error_t *err)
{
    char       *val;
    sos_rc_e    rc;
    sos_put_t  *put;

    if (part_number < 1 || part_number > SOS_MAX_PARTS) {
        return sos_err(err, SOS_EINVAL, 0,
                       "part number %u out of 1..%d for upload of \"%.*s\"",
                       part_number, SOS_MAX_PARTS,
                       SOS_MSG_KEY(opts->key_len), opts->key);
    }

    rc = sos_upload_get(st, opts->bucket, opts->bucket_len, opts->key,
                        opts->key_len, upload_id, &val, NULL, err);
    if (rc != SOS_OK) {
        return rc;
    }

    free(val);

    rc = sos_put_new(&put, st, opts, sos_part_commit, err);
    if (rc != SOS_OK) {
        return rc;
    }

    memcpy(put->upload_id, upload_id, SOS_UPLOAD_ID_LEN + 1);
    put->part_number = part_number;

    *out = put;
    return SOS_OK;
}


/*
 * The commit of a part write: the data file is durable; record it as part
 * N of the upload, replacing an earlier part N, whose file becomes garbage.
 */
static sos_rc_e
sos_part_commit(sos_put_t *put, const sos_extent_t *extent,
    sos_object_info_t *info, sos_error_t *err)
{
    char                  *val;
    size_t                 len;
    int                    have_old;
    sos_rc_e               rc;
    sos_buf_t              uk, pk, v;
    sos_store_t           *st;
    sos_obj_rec_t          rec;
    uint64_t               seq;
    sos_part_rec_t         part, old;
    const sos_attrs_t     *attrs;
    const sos_put_opts_t  *opts;
    leveldb_writebatch_t  *batch;

    st = put->store;
    opts = &put->opts;
    attrs = &put->attrs;

    memset(&part, 0, sizeof(part));
    part.number = put->part_number;
    part.extent = *extent;
    part.mtime = sos_now(NULL);
    part.checksum_algorithm = attrs->checksum_algorithm;
    part.checksum_value = attrs->checksum_value;

    /* filled first: once the part is committed this call must not fail */
    if (info != NULL) {
        memset(&rec, 0, sizeof(rec));
        rec.size = extent->size;
        rec.mtime = part.mtime;
        sos_md5_hex(extent->md5, rec.etag);
        rec.attrs.checksum_algorithm = part.checksum_algorithm;
        rec.attrs.checksum_value = part.checksum_value;

        rc = sos_obj_rec_to_info(&rec, info, err);
        if (rc != SOS_OK) {
            return rc;
        }
    }

    sos_buf_init(&uk);
    sos_buf_init(&pk);
    sos_buf_init(&v);
    sos_ikey_upload(&uk, opts->bucket, opts->bucket_len, opts->key,
                    opts->key_len, put->upload_id);
    sos_ikey_part(&pk, put->upload_id, part.number);
    sos_part_rec_encode(&v, &part);

    batch = leveldb_writebatch_create();

    if (uk.oom || pk.oom || v.oom || batch == NULL) {
        rc = sos_err(err, SOS_ENOMEM, 0, "part %u of upload %s",
                     part.number, put->upload_id);
        goto done;
    }

    have_old = 0;

    sos_idx_enter(st);
    pthread_mutex_lock(&st->upload_lock);
    pthread_mutex_lock(&st->commit_lock);

    /* completed or aborted while the part was streaming in */
    rc = sos_idx_get(st, &uk, &val, &len, err);
    if (rc == SOS_ENOTFOUND) {
        rc = sos_err(err, SOS_ENOUPLOAD, 0,
                     "upload %s of \"%.*s\" ended before part %u was "
                     "committed", put->upload_id,
                     SOS_MSG_KEY(opts->key_len), opts->key, part.number);
        goto unlock;
    }
    if (rc != SOS_OK) {
        goto unlock;
    }
    free(val);

    rc = sos_idx_get(st, &pk, &val, &len, err);
    if (rc == SOS_OK) {
        if (sos_part_rec_decode((const char *) pk.data, pk.len, val, len,
                                &old) != 0)
        {
            free(val);
            rc = sos_err(err, SOS_ECORRUPT, 0,
                         "malformed record of part %u of upload %s",
                         part.number, put->upload_id);
            goto unlock;
        }
        free(val);
        have_old = 1;

    } else if (rc != SOS_ENOTFOUND) {
        goto unlock;
    }

    leveldb_writebatch_put(batch, (const char *) pk.data, pk.len,
                           (const char *) v.data, v.len);

    rc = sos_counters_add(st, batch, opts->bucket, opts->bucket_len, 0,
                          (int64_t) extent->size
                          - (have_old ? (int64_t) old.extent.size : 0),
                          err);
    if (rc != SOS_OK) {
        goto unlock;
    }

    if (have_old) {
        sos_garbage_add(batch, &old.extent, 1);
    }
    sos_intent_clear(batch, &put->writer);

    rc = sos_idx_apply(st, batch, &put->writer.epoch, &seq, err);

unlock:

    pthread_mutex_unlock(&st->commit_lock);
    pthread_mutex_unlock(&st->upload_lock);
    sos_idx_leave(st);

    /* the group commit, shared with the commits meanwhile */
    if (rc == SOS_OK) {
        rc = sos_idx_sync(st, seq, err);
    }

    if (rc == SOS_OK && have_old) {
        sos_garbage_collect(st, &old.extent, 1);
    }

done:

    if (batch != NULL) {
        leveldb_writebatch_destroy(batch);
    }
    sos_buf_free(&uk);
    sos_buf_free(&pk);
    sos_buf_free(&v);

    if (rc != SOS_OK && info != NULL) {
        sos_object_info_release(info);
        memset(info, 0, sizeof(*info));
    }

    return rc;
}


sos_rc_e
sos_upload_complete(sos_store_t *st, const sos_put_opts_t *opts,
    const char *upload_id, const sos_part_ref_t *parts, size_t n_parts,
    sos_object_info_t *info, sos_error_t *err)
{
    char                  *val, *dval;
    size_t                 i;
    uint32_t               j, n_all, n_unused;
    uint64_t               total;
    sos_rc_e               rc;
    sos_buf_t              k, d, sums;
    EVP_MD_CTX            *md5;
    unsigned char          digest[16];
    sos_obj_rec_t          rec;
    sos_extent_t          *unused;
    sos_part_rec_t        *all;
    sos_put_opts_t         copts;
    sos_upload_rec_t       u;
    leveldb_writebatch_t  *batch;

    if (n_parts == 0 || n_parts > SOS_MAX_PARTS) {
        return sos_err(err, SOS_EINVAL, 0,
                       "%zu parts to complete upload %s, not 1..%d",
                       n_parts, upload_id ? upload_id : "", SOS_MAX_PARTS);
    }

    for (i = 1; i < n_parts; i++) {
        if (parts[i].part_number <= parts[i - 1].part_number) {
            return sos_err(err, SOS_EPARTORDER, 0,
                           "part %u after part %u in completing upload %s",
                           parts[i].part_number, parts[i - 1].part_number,
                           upload_id);
        }
    }

    rc = sos_lock_valid(opts->retention, err);
    if (rc != SOS_OK) {
        return rc;
    }

    memset(&rec, 0, sizeof(rec));
    sos_buf_init(&k);
    sos_buf_init(&d);
    sos_buf_init(&sums);
    dval = NULL;
    all = NULL;
    unused = NULL;
    n_unused = 0;
    batch = NULL;
    md5 = NULL;

    pthread_mutex_lock(&st->upload_lock);

    rc = sos_upload_get(st, opts->bucket, opts->bucket_len, opts->key,
                        opts->key_len, upload_id, &val, &u, err);

    if (rc == SOS_ENOUPLOAD && sos_upload_id_valid(upload_id)) {
        /* a retry of a Complete that succeeded: the same result */
        rc = sos_upload_done_load(st, opts->bucket, opts->bucket_len,
                                  opts->key, opts->key_len, upload_id,
                                  parts, n_parts, &dval, &rec, err);
        if (rc == SOS_OK && info != NULL) {
            rc = sos_obj_rec_to_info(&rec, info, err);
        }
        if (dval != NULL) {
            sos_obj_rec_free(&rec);
            free(dval);
        }
        goto done;
    }

    if (rc != SOS_OK) {
        goto done;
    }

    rc = sos_parts_load(st, upload_id, &all, &n_all, &total, &sums, err);
    if (rc != SOS_OK) {
        goto done;
    }

    rec.extents = malloc(n_parts * sizeof(sos_extent_t));
    unused = malloc((n_all ? n_all : 1) * sizeof(sos_extent_t));
    batch = leveldb_writebatch_create();
    md5 = EVP_MD_CTX_new();

    /* an upload made with a checksum keeps each part's in the object */
    if (u.attrs.checksum_algorithm.len > 0) {
        rec.part_checksums = calloc(n_parts, sizeof(sos_str_t));
    }

    if (rec.extents == NULL || unused == NULL || batch == NULL || md5 == NULL
        || (u.attrs.checksum_algorithm.len > 0 && rec.part_checksums == NULL)
        || EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1)
    {
        rc = sos_err(err, SOS_ENOMEM, 0, "completing upload %s", upload_id);
        goto done;
    }

    /* both lists ascend: one merge pass; parts not named are garbage */
    j = 0;

    for (i = 0; i < n_parts; i++) {
        while (j < n_all && all[j].number < parts[i].part_number) {
            unused[n_unused++] = all[j++].extent;
        }

        if (j == n_all || all[j].number != parts[i].part_number) {
            rc = sos_err(err, SOS_EINVALIDPART, 0,
                         "part %u of upload %s was not uploaded",
                         parts[i].part_number, upload_id);
            goto done;
        }

        if (!sos_etag_match(parts[i].etag, parts[i].etag_len,
                            all[j].extent.md5))
        {
            rc = sos_err(err, SOS_EINVALIDPART, 0,
                         "ETag \"%.*s\" does not match part %u of upload %s",
                         (int) (parts[i].etag_len > 40 ? 40
                                : parts[i].etag_len),
                         parts[i].etag, parts[i].part_number, upload_id);
            goto done;
        }

        if (i + 1 < n_parts && all[j].extent.size < st->min_part_size) {
            rc = sos_err(err, SOS_ETOOSMALL, 0,
                         "part %u of upload %s has %llu bytes, less than "
                         "the minimum %llu", parts[i].part_number, upload_id,
                         (unsigned long long) all[j].extent.size,
                         (unsigned long long) st->min_part_size);
            goto done;
        }

        rec.extents[i] = all[j].extent;
        if (rec.part_checksums != NULL) {
            rec.part_checksums[i] = all[j].checksum_value;
        }
        rec.size += all[j].extent.size;
        EVP_DigestUpdate(md5, all[j].extent.md5, 16);
        j++;
    }

    while (j < n_all) {
        unused[n_unused++] = all[j++].extent;
    }

    EVP_DigestFinal_ex(md5, digest, NULL);
    sos_md5_hex(digest, rec.etag);
    snprintf(rec.etag + 32, sizeof(rec.etag) - 32, "-%zu", n_parts);

    rec.n_extents = (uint32_t) n_parts;
    rec.parts = (uint32_t) n_parts;
    rec.mtime = sos_now(&rec.mtime_nsec);
    rec.attrs = u.attrs;
    /* a composite checksum is the caller's to compute from the parts */
    rec.attrs.checksum_value.len = 0;
    if (opts->attrs != NULL && opts->attrs->checksum_value.len > 0) {
        rec.attrs.checksum_value = opts->attrs->checksum_value;
    }

    sos_ikey_upload(&k, opts->bucket, opts->bucket_len, opts->key,
                    opts->key_len, upload_id);
    leveldb_writebatch_delete(batch, (const char *) k.data, k.len);

    /* the record a retried Complete answers from */
    sos_ikey_done(&k, upload_id);
    sos_buf_add_svarint(&d, rec.mtime);
    sos_buf_add_svarint(&d, rec.mtime);
    sos_buf_add_varint(&d, (uint64_t) rec.mtime_nsec);
    sos_buf_add_bytes(&d, opts->bucket, opts->bucket_len);
    sos_buf_add_bytes(&d, opts->key, opts->key_len);
    sos_buf_add_bytes(&d, rec.etag, strlen(rec.etag));
    sos_buf_add_bytes(&d, rec.extents[0].id, strlen(rec.extents[0].id));
    if (d.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "completing upload %s", upload_id);
        goto done;
    }
    leveldb_writebatch_put(batch, (const char *) k.data, k.len,
                           (const char *) d.data, d.len);

    for (j = 0; j < n_all; j++) {
        sos_ikey_part(&k, upload_id, all[j].number);
        leveldb_writebatch_delete(batch, (const char *) k.data, k.len);
    }

    if (k.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "completing upload %s", upload_id);
        goto done;
    }

    if (n_unused > 0) {
        sos_garbage_add(batch, unused, n_unused);
    }

    /* filled first: once the object is committed this call must not fail */
    if (info != NULL) {
        rc = sos_obj_rec_to_info(&rec, info, err);
        if (rc != SOS_OK) {
            goto done;
        }
    }

    /* the Object Lock asked for at the upload's creation, unless the
     * caller names one now */
    copts = *opts;
    if (copts.retention == NULL
        && (u.retention.mode != SOS_LOCK_NONE || u.retention.legal_hold))
    {
        copts.retention = &u.retention;
    }

    rc = sos_object_commit(st, &copts, NULL, &rec, batch, -(int64_t) total,
                           NULL, err);

    if (rc != SOS_OK && info != NULL) {
        sos_object_info_release(info);
        memset(info, 0, sizeof(*info));
    }
    if (rc == SOS_OK && info != NULL) {
        sos_version_info(&rec, info);
    }

done:

    pthread_mutex_unlock(&st->upload_lock);

    if (rc == SOS_OK && n_unused > 0) {
        sos_garbage_collect(st, unused, n_unused);
    }

    if (val != NULL) {
        free(u.kv_mem);
        free(val);
    }
    if (batch != NULL) {
        leveldb_writebatch_destroy(batch);
    }
    EVP_MD_CTX_free(md5);
    sos_buf_free(&k);
    sos_buf_free(&d);
    sos_buf_free(&sums);
    free(rec.extents);
    free(rec.part_checksums);
    free(unused);
    free(all);
    return rc;
}


sos_rc_e
sos_upload_abort(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *upload_id,
    sos_error_t *err)
{
    char                  *val;
    uint32_t               i, n;
    uint64_t               total;
    sos_rc_e               rc;
    sos_buf_t              k;
    sos_extent_t          *ext;
    sos_part_rec_t        *all;
    leveldb_writebatch_t  *batch;

    sos_buf_init(&k);
    all = NULL;
    ext = NULL;
    n = 0;
    batch = NULL;

    /* a fenced store reopens here too: an abort frees room */
    rc = sos_idx_writable(st, 0, err);
    if (rc != SOS_OK) {
        return rc;
    }

    pthread_mutex_lock(&st->upload_lock);

    rc = sos_upload_get(st, bucket, bucket_len, key, key_len, upload_id,
                        &val, NULL, err);
    if (rc != SOS_OK) {
        goto done;
    }
    free(val);

    rc = sos_parts_load(st, upload_id, &all, &n, &total, NULL, err);
    if (rc != SOS_OK) {
        goto done;
    }

    ext = malloc((n ? n : 1) * sizeof(sos_extent_t));
    batch = leveldb_writebatch_create();

    sos_ikey_upload(&k, bucket, bucket_len, key, key_len, upload_id);

    if (ext == NULL || batch == NULL || k.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "aborting upload %s", upload_id);
        goto done;
    }

    leveldb_writebatch_delete(batch, (const char *) k.data, k.len);

    for (i = 0; i < n; i++) {
        ext[i] = all[i].extent;
        sos_ikey_part(&k, upload_id, all[i].number);
        leveldb_writebatch_delete(batch, (const char *) k.data, k.len);
    }

    if (k.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "aborting upload %s", upload_id);
        goto done;
    }

    if (n > 0) {
        sos_garbage_add(batch, ext, n);
    }

    pthread_mutex_lock(&st->commit_lock);

    rc = sos_counters_add(st, batch, bucket, bucket_len, 0, -(int64_t) total,
                          err);
    if (rc == SOS_OK) {
        rc = sos_idx_write(st, batch, 1, err);
    }

    pthread_mutex_unlock(&st->commit_lock);

done:

    pthread_mutex_unlock(&st->upload_lock);

    if (rc == SOS_OK && n > 0) {
        sos_garbage_collect(st, ext, n);
    }

    if (batch != NULL) {
        leveldb_writebatch_destroy(batch);
    }
    sos_buf_free(&k);
    free(ext);
    free(all);
    return rc;
}


/*
 * Expiry scans the uploads in batches of at most this many, aborting each
 * batch before the next scan: its memory is bounded whatever the number
 * of stale uploads.
 */
#define SOS_EXPIRE_BATCH  1000

/* One stale upload found by the expiry scan. */
typedef struct {
    char    *bucket;
    size_t   bucket_len;
    char    *key;
    size_t   key_len;
    char     upload_id[SOS_UPLOAD_ID_LEN + 1];
} sos_stale_t;


/*
 * Collect into stale (SOS_EXPIRE_BATCH of them) the uploads initiated
 * before older_than whose index keys come after from (from the first when
 * from is NULL); *n is how many.
 */
static sos_rc_e
sos_upload_expire_scan(sos_store_t *st, int64_t older_than,
    const sos_buf_t *from, sos_stale_t *stale, size_t *n, sos_error_t *err)
{
    char                 prefix;
    size_t               klen, vlen;
    sos_rc_e             rc;
    const char          *k, *v, *z;
    sos_upload_rec_t     u;
    leveldb_iterator_t  *it;

    *n = 0;

    it = sos_idx_iter(st);
    if (it == NULL) {
        return sos_err(err, SOS_ENOMEM, 0, "expiring uploads");
    }

    rc = SOS_OK;
    prefix = SOS_K_UPLOAD;

    if (from == NULL) {
        leveldb_iter_seek(it, &prefix, 1);

    } else {
        leveldb_iter_seek(it, (const char *) from->data, from->len);
        k = leveldb_iter_valid(it) ? leveldb_iter_key(it, &klen) : NULL;
        if (k != NULL && klen == from->len
            && memcmp(k, from->data, klen) == 0)
        {
            leveldb_iter_next(it);
        }
    }

    for ( /* void */ ;
         *n < SOS_EXPIRE_BATCH && sos_idx_iter_in(it, &prefix, 1);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        /* U bucket \0 key \0 id */
        z = memchr(k + 1, '\0', klen - 1);
        if (z == NULL || klen < (size_t) (z - k) + SOS_UPLOAD_ID_LEN + 3
            || k[klen - SOS_UPLOAD_ID_LEN - 1] != '\0')
        {
            continue;
        }

        if (sos_upload_rec_decode(v, vlen, &u) != 0) {
            free(u.kv_mem);
            continue;
        }
        free(u.kv_mem);

        if (u.initiated >= older_than) {
            continue;
        }

        stale[*n].bucket_len = (size_t) (z - k) - 1;
        stale[*n].key_len = klen - (size_t) (z - k) - SOS_UPLOAD_ID_LEN - 2;
        stale[*n].bucket = malloc(stale[*n].bucket_len + stale[*n].key_len
                                  + 1);
        if (stale[*n].bucket == NULL) {
            rc = sos_err(err, SOS_ENOMEM, 0, "expiring uploads");
            break;
        }
        memcpy(stale[*n].bucket, k + 1, stale[*n].bucket_len);
        stale[*n].key = stale[*n].bucket + stale[*n].bucket_len;
        memcpy(stale[*n].key, z + 1, stale[*n].key_len);
        memcpy(stale[*n].upload_id, k + klen - SOS_UPLOAD_ID_LEN,
               SOS_UPLOAD_ID_LEN);
        stale[*n].upload_id[SOS_UPLOAD_ID_LEN] = '\0';
        (*n)++;
    }

    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(it, err, "expiring uploads");
    }

    sos_idx_iter_close(st, it);
    return rc;
}


sos_rc_e
sos_upload_expire(sos_store_t *st, int64_t older_than, uint64_t *removed,
    sos_error_t *err)
{
    size_t        i, n;
    sos_rc_e      rc;
    sos_buf_t     from;
    sos_stale_t  *stale, *last;

    if (removed != NULL) {
        *removed = 0;
    }

    stale = malloc(SOS_EXPIRE_BATCH * sizeof(sos_stale_t));
    if (stale == NULL) {
        return sos_err(err, SOS_ENOMEM, 0, "expiring uploads");
    }

    /* collect a batch first: aborting writes to the index being scanned */

    sos_buf_init(&from);

    do {
        rc = sos_upload_expire_scan(st, older_than, from.len ? &from : NULL,
                                    stale, &n, err);

        if (n > 0) {
            /* the next batch starts after the last upload of this one */
            last = &stale[n - 1];
            sos_ikey_upload(&from, last->bucket, last->bucket_len, last->key,
                            last->key_len, last->upload_id);
            if (from.oom && rc == SOS_OK) {
                rc = sos_err(err, SOS_ENOMEM, 0, "expiring uploads");
            }
        }

        /* completed or aborted meanwhile: not an error */

        for (i = 0; i < n; i++) {
            if (rc == SOS_OK) {
                rc = sos_upload_abort(st, stale[i].bucket,
                                      stale[i].bucket_len, stale[i].key,
                                      stale[i].key_len, stale[i].upload_id,
                                      err);
                if (rc == SOS_OK) {
                    if (removed != NULL) {
                        (*removed)++;
                    }

                } else if (rc == SOS_ENOUPLOAD || rc == SOS_ENOBUCKET) {
                    rc = SOS_OK;
                }
            }

            free(stale[i].bucket);
        }

    } while (rc == SOS_OK && n == SOS_EXPIRE_BATCH);

    sos_buf_free(&from);
    free(stale);

    if (rc == SOS_OK) {
        rc = sos_upload_done_expire(st, older_than, err);
    }

    return rc;
}
