/*
 * Growable buffers, the value codec and index key builders.
 *
 * A value is a version byte and then its fields in a fixed order; integers
 * are LEB128 varints and byte strings a varint length then the bytes.
 * Fields are only appended over time: a decoder treats fields missing at
 * the end as absent, so records written by an older SOS stay readable.
 */

#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


void
sos_buf_init(sos_buf_t *b)
{
    memset(b, 0, sizeof(*b));
}


void
sos_buf_free(sos_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}


void
sos_buf_reset(sos_buf_t *b)
{
    b->len = 0;
    b->oom = 0;
}


static int
sos_buf_reserve(sos_buf_t *b, size_t more)
{
    size_t          cap;
    unsigned char  *p;

    if (b->oom) {
        return -1;
    }
    if (b->len + more <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : 64;
    while (cap < b->len + more) {
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }

    b->data = p;
    b->cap = cap;
    return 0;
}


void
sos_buf_add(sos_buf_t *b, const void *data, size_t len)
{
    if (len == 0 || sos_buf_reserve(b, len) != 0) {
        return;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}


void
sos_buf_add_u8(sos_buf_t *b, unsigned v)
{
    unsigned char  c = (unsigned char) v;

    sos_buf_add(b, &c, 1);
}


void
sos_buf_add_be32(sos_buf_t *b, uint32_t v)
{
    unsigned char  p[4];

    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
    sos_buf_add(b, p, 4);
}


void
sos_buf_add_varint(sos_buf_t *b, uint64_t v)
{
    unsigned char  p[10];
    size_t         n = 0;

    while (v >= 0x80) {
        p[n++] = (unsigned char) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char) v;
    sos_buf_add(b, p, n);
}


void
sos_buf_add_svarint(sos_buf_t *b, int64_t v)
{
    sos_buf_add_varint(b, ((uint64_t) v << 1) ^ (uint64_t) (v >> 63));
}


void
sos_buf_add_bytes(sos_buf_t *b, const void *data, size_t len)
{
    sos_buf_add_varint(b, len);
    sos_buf_add(b, data, len);
}


void
sos_buf_add_str(sos_buf_t *b, const sos_str_t *s)
{
    sos_buf_add_bytes(b, s->data, s->len);
}


int
sos_str_same(const sos_str_t *a, const sos_str_t *b)
{
    return a->len == b->len
           && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}


void
sos_rbuf_init(sos_rbuf_t *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->bad = 0;
}


int
sos_rbuf_more(const sos_rbuf_t *r)
{
    return !r->bad && r->p < r->end;
}


unsigned
sos_rbuf_u8(sos_rbuf_t *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}


uint64_t
sos_rbuf_varint(sos_rbuf_t *r)
{
    uint64_t  v = 0;
    unsigned  shift;

    for (shift = 0; shift < 64; shift += 7) {
        if (r->bad || r->p >= r->end) {
            break;
        }
        v |= (uint64_t) (*r->p & 0x7f) << shift;
        if ((*r->p++ & 0x80) == 0) {
            return v;
        }
    }

    r->bad = 1;
    return 0;
}


int64_t
sos_rbuf_svarint(sos_rbuf_t *r)
{
    uint64_t  v = sos_rbuf_varint(r);

    return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}


sos_str_t
sos_rbuf_bytes(sos_rbuf_t *r)
{
    sos_str_t  s = { "", 0 };
    uint64_t   len = sos_rbuf_varint(r);

    if (r->bad || len > (uint64_t) (r->end - r->p)) {
        r->bad = 1;
        return s;
    }

    s.data = (const char *) r->p;
    s.len = (size_t) len;
    r->p += len;
    return s;
}


void
sos_rbuf_cstr(sos_rbuf_t *r, char *dst, size_t size)
{
    sos_str_t  s = sos_rbuf_bytes(r);

    if (s.len >= size) {
        r->bad = 1;
        s.len = 0;
    }
    memcpy(dst, s.data, s.len);
    dst[s.len] = '\0';
}


/* ---- index keys ---- */

void
sos_ikey_bucket(sos_buf_t *k, char type, const char *bucket,
    size_t bucket_len)
{
    sos_buf_reset(k);
    sos_buf_add_u8(k, (unsigned char) type);
    sos_buf_add(k, bucket, bucket_len);
}


void
sos_ikey_object(sos_buf_t *k, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len)
{
    sos_ikey_bucket(k, SOS_K_OBJECT, bucket, bucket_len);
    sos_buf_add_u8(k, 0);
    sos_buf_add(k, key, key_len);
}


void
sos_ikey_upload(sos_buf_t *k, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *upload_id)
{
    sos_ikey_bucket(k, SOS_K_UPLOAD, bucket, bucket_len);
    sos_buf_add_u8(k, 0);
    sos_buf_add(k, key, key_len);
    sos_buf_add_u8(k, 0);
    if (upload_id != NULL) {
        sos_buf_add(k, upload_id, strlen(upload_id));
    }
}


void
sos_ikey_part(sos_buf_t *k, const char *upload_id, uint32_t part)
{
    sos_buf_reset(k);
    sos_buf_add_u8(k, SOS_K_PART);
    sos_buf_add(k, upload_id, strlen(upload_id));
    sos_buf_add_be32(k, part);
}


void
sos_ikey_sums(sos_buf_t *k, const char *id)
{
    sos_buf_reset(k);
    sos_buf_add_u8(k, SOS_K_CHECKSUMS);
    sos_buf_add(k, id, SOS_FILE_ID_LEN);
}


/* ---- attributes ---- */

void
sos_attrs_encode(sos_buf_t *b, const sos_attrs_t *attrs)
{
    static const sos_attrs_t  none;
    size_t                    i;

    if (attrs == NULL) {
        attrs = &none;
    }

    sos_buf_add_str(b, &attrs->content_type);
    sos_buf_add_str(b, &attrs->content_encoding);
    sos_buf_add_str(b, &attrs->cache_control);
    sos_buf_add_str(b, &attrs->content_disposition);
    sos_buf_add_str(b, &attrs->content_language);
    sos_buf_add_str(b, &attrs->expires);

    sos_buf_add_varint(b, attrs->n_user_meta);
    for (i = 0; i < attrs->n_user_meta; i++) {
        sos_buf_add_str(b, &attrs->user_meta[i].name);
        sos_buf_add_str(b, &attrs->user_meta[i].value);
    }

    sos_buf_add_str(b, &attrs->acl);
    sos_buf_add_str(b, &attrs->owner);
    sos_buf_add_str(b, &attrs->checksum_algorithm);
    sos_buf_add_str(b, &attrs->checksum_value);
    sos_buf_add_str(b, &attrs->website_redirect);
    sos_buf_add_str(b, &attrs->tags);
}


int
sos_attrs_decode(sos_rbuf_t *r, sos_attrs_t *attrs, sos_kv_t **kv_mem,
    int version)
{
    uint64_t   n, i;
    sos_kv_t  *kv = NULL;

    memset(attrs, 0, sizeof(*attrs));
    *kv_mem = NULL;

    attrs->content_type = sos_rbuf_bytes(r);
    attrs->content_encoding = sos_rbuf_bytes(r);
    attrs->cache_control = sos_rbuf_bytes(r);
    attrs->content_disposition = sos_rbuf_bytes(r);
    attrs->content_language = sos_rbuf_bytes(r);
    attrs->expires = sos_rbuf_bytes(r);

    n = sos_rbuf_varint(r);
    /* each pair takes at least two bytes: bound n before allocating */
    if (r->bad || n > (uint64_t) (r->end - r->p) / 2) {
        return -1;
    }

    if (n > 0) {
        kv = calloc(n, sizeof(sos_kv_t));
        if (kv == NULL) {
            return -1;
        }
        for (i = 0; i < n; i++) {
            kv[i].name = sos_rbuf_bytes(r);
            kv[i].value = sos_rbuf_bytes(r);
        }
    }

    attrs->user_meta = kv;
    attrs->n_user_meta = n;
    attrs->acl = sos_rbuf_bytes(r);
    attrs->owner = sos_rbuf_bytes(r);
    attrs->checksum_algorithm = sos_rbuf_bytes(r);
    attrs->checksum_value = sos_rbuf_bytes(r);
    if (version >= 2) {
        attrs->website_redirect = sos_rbuf_bytes(r);
    }
    if (version >= 3) {
        attrs->tags = sos_rbuf_bytes(r);
    }

    if (r->bad) {
        free(kv);
        attrs->user_meta = NULL;
        return -1;
    }

    *kv_mem = kv;
    return 0;
}


/* ---- extents and object records ---- */

void
sos_extent_encode(sos_buf_t *b, const sos_extent_t *e)
{
    sos_buf_add_bytes(b, e->id, SOS_FILE_ID_LEN);
    sos_buf_add_varint(b, e->size);
    sos_buf_add_varint(b, e->replicas);
    sos_buf_add_bytes(b, e->md5, 16);
}


int
sos_extent_decode(sos_rbuf_t *r, sos_extent_t *e)
{
    sos_str_t  md5;

    sos_rbuf_cstr(r, e->id, sizeof(e->id));
    e->size = sos_rbuf_varint(r);
    e->replicas = (uint32_t) sos_rbuf_varint(r);
    md5 = sos_rbuf_bytes(r);

    if (r->bad || md5.len != 16 || strlen(e->id) != SOS_FILE_ID_LEN) {
        r->bad = 1;
        return -1;
    }
    memcpy(e->md5, md5.data, 16);
    return 0;
}


void
sos_obj_rec_encode(sos_buf_t *b, const sos_obj_rec_t *rec)
{
    int       versioned, locked;
    uint32_t  i;

    sos_buf_add_u8(b, SOS_ATTRS_VERSION);
    sos_buf_add_varint(b, rec->size);
    sos_buf_add_svarint(b, rec->mtime);
    sos_buf_add_varint(b, (uint64_t) rec->mtime_nsec);
    sos_buf_add_bytes(b, rec->etag, strlen(rec->etag));
    sos_buf_add_varint(b, rec->parts);
    sos_attrs_encode(b, &rec->attrs);
    sos_buf_add_varint(b, rec->n_extents);
    for (i = 0; i < rec->n_extents; i++) {
        sos_extent_encode(b, &rec->extents[i]);
    }

    /* version 3: a checksum per extent (empty: none), then a version's
     * fields; a record with neither keeps the old form */

    locked = (rec->retention.mode != SOS_LOCK_NONE
              || rec->retention.legal_hold);
    versioned = (rec->version_id[0] != '\0' || rec->delete_marker
                 || locked);

    if (rec->part_checksums != NULL || versioned) {
        for (i = 0; i < rec->n_extents; i++) {
            if (rec->part_checksums != NULL) {
                sos_buf_add_str(b, &rec->part_checksums[i]);
            } else {
                sos_buf_add_varint(b, 0);
            }
        }
    }

    if (versioned) {
        sos_buf_add_bytes(b, rec->version_id, strlen(rec->version_id));
        sos_buf_add_varint(b, rec->delete_marker ? SOS_REC_DELETE_MARKER : 0);
    }

    /* Object Lock: the mode, retain-until and the legal hold */

    if (locked) {
        sos_buf_add_varint(b, (uint64_t) rec->retention.mode);
        sos_buf_add_svarint(b, rec->retention.until);
        sos_buf_add_varint(b, rec->retention.legal_hold ? 1 : 0);
    }
}


int
sos_obj_rec_decode(const void *val, size_t len, sos_obj_rec_t *rec)
{
    int         version, some;
    uint64_t    n, i, mode;
    sos_rbuf_t  r;

    memset(rec, 0, sizeof(*rec));
    sos_rbuf_init(&r, val, len);

    version = sos_rbuf_u8(&r);
    if (version < SOS_RECORD_VERSION || version > SOS_ATTRS_VERSION) {
        return -1;
    }

    rec->size = sos_rbuf_varint(&r);
    rec->mtime = sos_rbuf_svarint(&r);
    rec->mtime_nsec = (int32_t) sos_rbuf_varint(&r);
    sos_rbuf_cstr(&r, rec->etag, sizeof(rec->etag));
    rec->parts = (uint32_t) sos_rbuf_varint(&r);

    if (r.bad
        || sos_attrs_decode(&r, &rec->attrs, &rec->kv_mem, version) != 0)
    {
        return -1;
    }

    n = sos_rbuf_varint(&r);
    /* an extent takes at least 35 bytes */
    if (r.bad || n > (uint64_t) (r.end - r.p) / 35 || n > SOS_MAX_PARTS) {
        sos_obj_rec_free(rec);
        return -1;
    }

    if (n > 0) {
        rec->extents = calloc(n, sizeof(sos_extent_t));
        if (rec->extents == NULL) {
            sos_obj_rec_free(rec);
            return -1;
        }
    }
    rec->n_extents = (uint32_t) n;

    for (i = 0; i < n; i++) {
        if (sos_extent_decode(&r, &rec->extents[i]) != 0) {
            sos_obj_rec_free(rec);
            return -1;
        }
    }

    /* version 3: each field after the extents is read while bytes
     * remain; the parts' checksums are kept when one is not empty */

    if (version >= 3 && n > 0 && sos_rbuf_more(&r)) {
        rec->part_checksums = calloc(n, sizeof(sos_str_t));
        if (rec->part_checksums == NULL) {
            sos_obj_rec_free(rec);
            return -1;
        }
        some = 0;
        for (i = 0; i < n; i++) {
            rec->part_checksums[i] = sos_rbuf_bytes(&r);
            some |= (rec->part_checksums[i].len != 0);
        }
        if (!some) {
            free(rec->part_checksums);
            rec->part_checksums = NULL;
        }
    }
    if (version >= 3 && sos_rbuf_more(&r)) {
        sos_rbuf_cstr(&r, rec->version_id, sizeof(rec->version_id));
    }
    if (version >= 3 && sos_rbuf_more(&r)) {
        rec->delete_marker = (sos_rbuf_varint(&r) & SOS_REC_DELETE_MARKER)
                             != 0;
    }
    if (version >= 3 && sos_rbuf_more(&r)) {
        mode = sos_rbuf_varint(&r);
        rec->retention.until = sos_rbuf_svarint(&r);
        rec->retention.legal_hold = (sos_rbuf_varint(&r) != 0);
        if (mode > SOS_LOCK_COMPLIANCE) {
            r.bad = 1;
        }
        rec->retention.mode = (sos_lock_mode_e) mode;
    }

    if (r.bad) {
        sos_obj_rec_free(rec);
        return -1;
    }

    return 0;
}


void
sos_obj_rec_free(sos_obj_rec_t *rec)
{
    free(rec->kv_mem);
    free(rec->extents);
    free(rec->part_checksums);
    rec->kv_mem = NULL;
    rec->extents = NULL;
    rec->part_checksums = NULL;
    rec->n_extents = 0;
}



/* ---- multipart records ---- */

int
sos_upload_rec_decode(const void *val, size_t len, sos_upload_rec_t *u)
{
    int         version;
    uint64_t    mode;
    sos_rbuf_t  r;

    memset(u, 0, sizeof(*u));
    sos_rbuf_init(&r, val, len);

    version = sos_rbuf_u8(&r);
    if (version < SOS_RECORD_VERSION || version > SOS_ATTRS_VERSION) {
        return -1;
    }

    u->initiated = sos_rbuf_svarint(&r);
    if (r.bad || sos_attrs_decode(&r, &u->attrs, &u->kv_mem, version) != 0) {
        return -1;
    }

    if (sos_rbuf_more(&r)) {
        mode = sos_rbuf_varint(&r);
        u->retention.until = sos_rbuf_svarint(&r);
        u->retention.legal_hold = (sos_rbuf_varint(&r) != 0);
        u->retention.mode = (sos_lock_mode_e) mode;
        if (r.bad || mode > SOS_LOCK_COMPLIANCE) {
            free(u->kv_mem);
            u->kv_mem = NULL;
            return -1;
        }
    }

    return 0;
}


void
sos_part_rec_encode(sos_buf_t *b, const sos_part_rec_t *p)
{
    sos_buf_add_u8(b, SOS_RECORD_VERSION);
    sos_extent_encode(b, &p->extent);
    sos_buf_add_svarint(b, p->mtime);
    sos_buf_add_str(b, &p->checksum_algorithm);
    sos_buf_add_str(b, &p->checksum_value);
}


/* ---- block checksums (X) ---- */

void
sos_sums_encode(sos_buf_t *b, const sos_sums_t *s)
{
    uint64_t       i;
    unsigned char  le[4];

    sos_buf_add_u8(b, SOS_RECORD_VERSION);
    sos_buf_add_varint(b, s->block_size);
    sos_buf_add_varint(b, s->n_blocks);

    for (i = 0; i < s->n_blocks; i++) {
        le[0] = (unsigned char) s->crcs[i];
        le[1] = (unsigned char) (s->crcs[i] >> 8);
        le[2] = (unsigned char) (s->crcs[i] >> 16);
        le[3] = (unsigned char) (s->crcs[i] >> 24);
        sos_buf_add(b, le, 4);
    }
}


int
sos_sums_decode(const void *val, size_t len, sos_sums_t *s)
{
    uint64_t              i;
    sos_rbuf_t            r;
    const unsigned char  *p;

    memset(s, 0, sizeof(*s));
    sos_rbuf_init(&r, val, len);

    if (sos_rbuf_u8(&r) != SOS_RECORD_VERSION) {
        return -1;
    }

    s->block_size = sos_rbuf_varint(&r);
    s->n_blocks = sos_rbuf_varint(&r);

    /* fields appended later would follow the CRCs */
    if (r.bad || s->block_size == 0
        || s->n_blocks > (uint64_t) (r.end - r.p) / 4)
    {
        return -1;
    }

    s->crcs = malloc((s->n_blocks ? s->n_blocks : 1) * sizeof(uint32_t));
    if (s->crcs == NULL) {
        return -1;
    }

    for (i = 0; i < s->n_blocks; i++) {
        p = r.p + 4 * i;
        s->crcs[i] = (uint32_t) p[0] | (uint32_t) p[1] << 8
                     | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
    }

    return 0;
}


/* The part number is the key's last four bytes (big-endian). */
int
sos_part_rec_decode(const char *key, size_t key_len, const char *val,
    size_t val_len, sos_part_rec_t *p)
{
    sos_rbuf_t            r;
    const unsigned char  *n;

    memset(p, 0, sizeof(*p));

    if (key_len != 1 + SOS_UPLOAD_ID_LEN + 4) {
        return -1;
    }

    n = (const unsigned char *) key + key_len - 4;
    p->number = (uint32_t) n[0] << 24 | (uint32_t) n[1] << 16
                | (uint32_t) n[2] << 8 | n[3];

    sos_rbuf_init(&r, val, val_len);

    if (sos_rbuf_u8(&r) != SOS_RECORD_VERSION
        || sos_extent_decode(&r, &p->extent) != 0)
    {
        return -1;
    }

    p->mtime = sos_rbuf_svarint(&r);
    p->checksum_algorithm = sos_rbuf_bytes(&r);
    p->checksum_value = sos_rbuf_bytes(&r);

    return r.bad ? -1 : 0;
}


void
sos_str_move(sos_str_t *s, char **p)
{
    if (s->len > 0) {
        memcpy(*p, s->data, s->len);
    }
    s->data = *p;
    *p += s->len;
}


sos_rc_e
sos_obj_rec_to_info(const sos_obj_rec_t *rec, sos_object_info_t *info,
    sos_error_t *err)
{
    size_t        i, n, total;
    char         *p;
    sos_kv_t     *kv;
    sos_attrs_t  *a;
    sos_str_t    *fields[10];

    memset(info, 0, sizeof(*info));
    info->attrs = rec->attrs;
    a = &info->attrs;

    fields[0] = &a->content_type;
    fields[1] = &a->content_encoding;
    fields[2] = &a->cache_control;
    fields[3] = &a->content_disposition;
    fields[4] = &a->content_language;
    fields[5] = &a->expires;
    fields[6] = &a->acl;
    fields[7] = &a->owner;
    fields[8] = &a->website_redirect;
    fields[9] = &a->tags;

    n = a->n_user_meta;
    total = n * sizeof(sos_kv_t) + a->checksum_algorithm.len
            + a->checksum_value.len;
    for (i = 0; i < 10; i++) {
        total += fields[i]->len;
    }
    for (i = 0; i < n; i++) {
        total += a->user_meta[i].name.len + a->user_meta[i].value.len;
    }

    /* one block: the pairs array first (aligned by malloc), then bytes */
    info->mem = malloc(total ? total : 1);
    if (info->mem == NULL) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for object metadata");
    }

    kv = info->mem;
    p = (char *) (kv + n);

    for (i = 0; i < n; i++) {
        kv[i] = a->user_meta[i];
        sos_str_move(&kv[i].name, &p);
        sos_str_move(&kv[i].value, &p);
    }
    a->user_meta = n ? kv : NULL;

    for (i = 0; i < 10; i++) {
        sos_str_move(fields[i], &p);
    }
    sos_str_move(&a->checksum_algorithm, &p);
    sos_str_move(&a->checksum_value, &p);

    info->size = rec->size;
    info->mtime = rec->mtime;
    info->mtime_nsec = rec->mtime_nsec;
    memcpy(info->etag, rec->etag, sizeof(info->etag));
    info->parts = rec->parts;
    if (rec->n_extents > 0) {
        memcpy(info->write_id, rec->extents[0].id, sizeof(info->write_id));
    }
    memcpy(info->version_id, rec->version_id, sizeof(info->version_id));
    info->delete_marker = rec->delete_marker;
    info->retention = rec->retention;

    return SOS_OK;
}
