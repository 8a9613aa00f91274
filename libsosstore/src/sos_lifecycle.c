/*
 * The lifecycle sweep's state: one L record, the position of the sweep
 * (bucket, phase, key, upload) and what the pass in progress freed.  The
 * sweep itself is the caller's (the module's ngx_sos_lifecycle.c): it
 * applies the rules through the ordinary delete and abort calls, which
 * refuse what a lock keeps.
 */

#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


#define SOS_LIFECYCLE_VERSION  1


sos_rc_e
sos_lifecycle_get(sos_store_t *store, sos_lifecycle_state_t *state,
    sos_error_t *err)
{
    char                   *val;
    size_t                  len;
    sos_rc_e                rc;
    sos_str_t               bucket, key, upload;
    sos_buf_t               k;
    sos_rbuf_t              r;
    sos_lifecycle_state_t   s;

    memset(state, 0, sizeof(sos_lifecycle_state_t));

    sos_buf_init(&k);
    sos_buf_add_u8(&k, SOS_K_LIFECYCLE);
    rc = sos_idx_get(store, &k, &val, &len, err);
    sos_buf_free(&k);

    if (rc == SOS_ENOTFOUND) {
        return SOS_OK;
    }
    if (rc != SOS_OK) {
        return rc;
    }

    memset(&s, 0, sizeof(sos_lifecycle_state_t));
    sos_rbuf_init(&r, val, len);

    /* a record that does not decode only costs a pass from the start */

    if (sos_rbuf_u8(&r) == SOS_LIFECYCLE_VERSION) {
        bucket = sos_rbuf_bytes(&r);
        s.phase = (unsigned) sos_rbuf_varint(&r);
        key = sos_rbuf_bytes(&r);
        upload = sos_rbuf_bytes(&r);
        s.pass_start = sos_rbuf_svarint(&r);
        s.last_pass_end = sos_rbuf_svarint(&r);
        s.passes = sos_rbuf_varint(&r);
        s.objects = sos_rbuf_varint(&r);
        s.versions = sos_rbuf_varint(&r);
        s.markers = sos_rbuf_varint(&r);
        s.uploads = sos_rbuf_varint(&r);
        s.bytes = sos_rbuf_varint(&r);
        s.skipped = sos_rbuf_varint(&r);

        if (!r.bad && bucket.len <= SOS_MAX_BUCKET_LEN
            && key.len <= SOS_MAX_KEY_LEN && upload.len <= SOS_UPLOAD_ID_LEN)
        {
            memcpy(s.bucket, bucket.data, bucket.len);
            memcpy(s.key, key.data, key.len);
            s.key_len = key.len;
            memcpy(s.upload_id, upload.data, upload.len);
            *state = s;
        }
    }

    free(val);
    return SOS_OK;
}


sos_rc_e
sos_lifecycle_put(sos_store_t *store, const sos_lifecycle_state_t *state,
    sos_error_t *err)
{
    sos_rc_e   rc;
    sos_buf_t  k, v;

    if (state->key_len > SOS_MAX_KEY_LEN) {
        return sos_err(err, SOS_EINVAL, 0, "lifecycle state: key too long");
    }

    sos_buf_init(&k);
    sos_buf_init(&v);
    sos_buf_add_u8(&k, SOS_K_LIFECYCLE);
    sos_buf_add_u8(&v, SOS_LIFECYCLE_VERSION);
    sos_buf_add_bytes(&v, state->bucket, strnlen(state->bucket,
                                                 SOS_MAX_BUCKET_LEN));
    sos_buf_add_varint(&v, state->phase);
    sos_buf_add_bytes(&v, state->key, state->key_len);
    sos_buf_add_bytes(&v, state->upload_id,
                      strnlen(state->upload_id, SOS_UPLOAD_ID_LEN));
    sos_buf_add_svarint(&v, state->pass_start);
    sos_buf_add_svarint(&v, state->last_pass_end);
    sos_buf_add_varint(&v, state->passes);
    sos_buf_add_varint(&v, state->objects);
    sos_buf_add_varint(&v, state->versions);
    sos_buf_add_varint(&v, state->markers);
    sos_buf_add_varint(&v, state->uploads);
    sos_buf_add_varint(&v, state->bytes);
    sos_buf_add_varint(&v, state->skipped);

    if (v.oom || k.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "lifecycle state");

    } else {
        rc = sos_idx_put(store, &k, v.data, v.len, 0, err);
    }

    sos_buf_free(&k);
    sos_buf_free(&v);

    return rc;
}
