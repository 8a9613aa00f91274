/*
 * The D records of completed uploads: CompleteMultipartUpload writes one
 * in its commit's batch, so that a client retrying after a lost answer
 * gets the same result while the object is still the one it made; the
 * expiry sweep removes them after sos_upload_expiry.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sos_internal.h"


/* as sos_multipart.c's: a message is one line of 256 bytes */
#define SOS_MSG_KEY(len)  (int) ((len) > 64 ? 64 : (len))
/* D records removed per write of the sweep */
#define SOS_DONE_BATCH    1000


static int sos_parts_etag_is(const sos_part_ref_t *parts, size_t n_parts,
    const char *etag);


void
sos_ikey_done(sos_buf_t *k, const char *upload_id)
{
    sos_buf_reset(k);
    sos_buf_add_u8(k, SOS_K_DONE);
    sos_buf_add(k, upload_id, SOS_UPLOAD_ID_LEN);
}


/* Whether etag is md5(the named parts' md5s)-N, the ETag they complete. */

static int
sos_parts_etag_is(const sos_part_ref_t *parts, size_t n_parts,
    const char *etag)
{
    char           hex[SOS_ETAG_MAX + 1];
    size_t         i, j, len;
    EVP_MD_CTX    *md5;
    const char    *e;
    unsigned char  bin[16], digest[16];

    md5 = EVP_MD_CTX_new();
    if (md5 == NULL || EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(md5);
        return 0;
    }

    for (i = 0; i < n_parts; i++) {
        e = parts[i].etag;
        len = parts[i].etag_len;

        if (len >= 2 && e[0] == '"' && e[len - 1] == '"') {
            e++;
            len -= 2;
        }

        for (j = 0; j < len && isxdigit((unsigned char) e[j]); j++) {
            /* void */
        }

        if (len != 32 || j != 32) {
            EVP_MD_CTX_free(md5);
            return 0;
        }

        for (j = 0; j < 16; j++) {
            bin[j] = (unsigned char) sos_hex2(e + 2 * j);
        }

        EVP_DigestUpdate(md5, bin, 16);
    }

    EVP_DigestFinal_ex(md5, digest, NULL);
    EVP_MD_CTX_free(md5);

    sos_md5_hex(digest, hex);
    snprintf(hex + 32, sizeof(hex) - 32, "-%zu", n_parts);

    return strcmp(hex, etag) == 0;
}


/*
 * The object a completed upload made, when its D record is there and the
 * object at bucket/key is still that one (same ETag and write id, or
 * mtime in a D record without the write id), and, when
 * parts is not NULL, they name the same parts: as Ceph RGW's
 * check_previously_completed, a retried Complete then succeeds again.
 * rec's strings point into *val (free() it, and sos_obj_rec_free rec).
 * Otherwise SOS_ENOUPLOAD (or an error reading the index).
 */
sos_rc_e
sos_upload_done_load(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *upload_id,
    const sos_part_ref_t *parts, size_t n_parts, char **val,
    sos_obj_rec_t *rec, sos_error_t *err)
{
    int         same;
    char       *dval, etag[SOS_ETAG_MAX + 1], wid[SOS_FILE_ID_LEN + 1];
    size_t      dlen;
    int64_t     mtime;
    int32_t     nsec;
    sos_rc_e    rc;
    sos_buf_t   k;
    sos_str_t   b, o, e, w;
    sos_rbuf_t  r;

    *val = NULL;

    sos_buf_init(&k);
    sos_ikey_done(&k, upload_id);
    if (k.oom) {
        sos_buf_free(&k);
        return sos_err(err, SOS_ENOMEM, 0, "completed upload %s", upload_id);
    }

    rc = sos_idx_get(st, &k, &dval, &dlen, err);
    sos_buf_free(&k);

    if (rc == SOS_ENOTFOUND) {
        goto none;
    }
    if (rc != SOS_OK) {
        return rc;
    }

    sos_rbuf_init(&r, dval, dlen);
    (void) sos_rbuf_svarint(&r);        /* when it was completed */
    mtime = sos_rbuf_svarint(&r);
    nsec = (int32_t) sos_rbuf_varint(&r);
    b = sos_rbuf_bytes(&r);
    o = sos_rbuf_bytes(&r);
    e = sos_rbuf_bytes(&r);

    /* the write id, in D records written since it is compared */
    w.len = 0;
    if (sos_rbuf_more(&r)) {
        w = sos_rbuf_bytes(&r);
    }

    same = !r.bad && b.len == bucket_len && o.len == key_len
           && e.len <= SOS_ETAG_MAX && w.len <= SOS_FILE_ID_LEN
           && memcmp(b.data, bucket, bucket_len) == 0
           && memcmp(o.data, key, key_len) == 0;
    if (same) {
        memcpy(etag, e.data, e.len);
        etag[e.len] = '\0';
        memcpy(wid, w.data, w.len);
        wid[w.len] = '\0';
    }

    free(dval);

    if (!same) {
        goto none;
    }

    rc = sos_object_ikey(&k, bucket, bucket_len, key, key_len,
                         "completed upload", err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_object_load(st, &k, bucket, bucket_len, key, key_len, val, rec,
                         err);
    sos_buf_free(&k);

    if (rc == SOS_ENOTFOUND) {
        goto none;
    }
    if (rc != SOS_OK) {
        return rc;
    }

    /*
     * the same write (its first file's id, fresh for each write) or, in
     * a D record without it, the same mtime
     */

    if ((wid[0] != '\0'
         ? rec->n_extents > 0 && strcmp(rec->extents[0].id, wid) == 0
         : rec->mtime == mtime && rec->mtime_nsec == nsec)
        && strcmp(rec->etag, etag) == 0
        && (parts == NULL || sos_parts_etag_is(parts, n_parts, etag)))
    {
        return SOS_OK;
    }

    sos_obj_rec_free(rec);
    free(*val);
    *val = NULL;

none:

    return sos_err(err, SOS_ENOUPLOAD, 0,
                   "no upload %s of \"%.*s\" in bucket \"%.*s\"",
                   upload_id, SOS_MSG_KEY(key_len), key,
                   (int) bucket_len, bucket);
}


/*
 * Remove the D records of uploads completed before older_than, in
 * batches of SOS_DONE_BATCH: the iterator reads a snapshot, so each
 * batch is written as it fills.  A lost removal (not synced) is done by
 * the next sweep.
 */
sos_rc_e
sos_upload_done_expire(sos_store_t *st, int64_t older_than, sos_error_t *err)
{
    char                  prefix;
    size_t                klen, vlen, n;
    int64_t               done;
    sos_rc_e              rc;
    sos_rbuf_t            r;
    const char           *k, *v;
    leveldb_iterator_t   *it;
    leveldb_writebatch_t *batch;

    it = sos_idx_iter(st);
    batch = leveldb_writebatch_create();

    if (it == NULL || batch == NULL) {
        rc = sos_err(err, SOS_ENOMEM, 0, "expiring completed uploads");
        goto done;
    }

    rc = SOS_OK;
    n = 0;
    prefix = SOS_K_DONE;

    for (leveldb_iter_seek(it, &prefix, 1);
         sos_idx_iter_in(it, &prefix, 1);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        sos_rbuf_init(&r, v, vlen);
        done = sos_rbuf_svarint(&r);

        if (!r.bad && done >= older_than) {
            continue;
        }

        leveldb_writebatch_delete(batch, k, klen);

        if (++n == SOS_DONE_BATCH) {
            rc = sos_idx_write(st, batch, 0, err);
            if (rc != SOS_OK) {
                break;
            }
            leveldb_writebatch_clear(batch);
            n = 0;
        }
    }

    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(it, err, "expiring completed uploads");
    }

    if (rc == SOS_OK && n > 0) {
        rc = sos_idx_write(st, batch, 0, err);
    }

done:

    if (it != NULL) {
        sos_idx_iter_close(st, it);
    }
    if (batch != NULL) {
        leveldb_writebatch_destroy(batch);
    }

    return rc;
}
