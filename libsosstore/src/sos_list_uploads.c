/*
 * Listing multipart uploads and their parts.
 *
 * Uploads are U<bucket>\0<key>\0<upload id> records, so a scan in index
 * order lists them by (key, upload id), as S3 does.  The page listing
 * (sos_list_uploads) rolls keys up into common prefixes as the object
 * listing does (sos_list.c), seeking past each common prefix.  Parts are
 * P<upload id><number> records, in number order.
 */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#define SOS_LIST_MAX_UPLOADS  1000


/* An upload of the page while the scan runs; strings are offsets in text. */
typedef struct {
    size_t              key_off;
    size_t              owner_off;
    sos_upload_entry_t  e;
} sos_uploads_item_t;

typedef struct {
    sos_list_page_t      page;
    const char          *last_id;       /* of page.last; "" for a prefix */
} sos_uploads_page_t;


static sos_rc_e sos_uploads_start(sos_store_t *st, sos_list_page_t *page,
    const char *bucket, size_t bucket_len, const sos_str_t *prefix,
    const sos_str_t *delimiter, const sos_str_t *key_marker,
    const sos_str_t *upload_id_marker, sos_error_t *err);
static sos_rc_e sos_uploads_entry(leveldb_iterator_t *it, size_t base,
    sos_upload_entry_t *e, sos_kv_t **kv_mem, const char *bucket,
    size_t bucket_len, sos_error_t *err);
static sos_rc_e sos_uploads_build(sos_uploads_page_t *page, int truncated,
    sos_list_uploads_result_t **out, const char *bucket, size_t bucket_len,
    sos_error_t *err);


sos_rc_e
sos_upload_list_parts(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *upload_id, uint32_t marker, unsigned max_parts,
    sos_part_cb_pt cb, void *ctx, int *truncated, sos_error_t *err)
{
    char                *val;
    size_t               klen, vlen;
    unsigned             n;
    sos_rc_e             rc;
    sos_buf_t            start;
    const char          *k, *v;
    sos_part_rec_t       p;
    sos_part_info_t      info;
    leveldb_iterator_t  *it;

    if (truncated != NULL) {
        *truncated = 0;
    }

    rc = sos_upload_get(st, bucket, bucket_len, key, key_len, upload_id,
                        &val, NULL, err);
    if (rc != SOS_OK) {
        return rc;
    }

    free(val);

    if (marker >= SOS_MAX_PARTS) {
        return SOS_OK;
    }

    sos_buf_init(&start);
    sos_ikey_part(&start, upload_id, marker + 1);

    it = sos_idx_iter(st);
    if (start.oom || it == NULL) {
        sos_buf_free(&start);
        if (it != NULL) {
            sos_idx_iter_close(st, it);
        }
        return sos_err(err, SOS_ENOMEM, 0, "parts of upload %s", upload_id);
    }

    n = 0;
    leveldb_iter_seek(it, (const char *) start.data, start.len);

    /* the prefix P<upload id> is the start key without the number */
    for ( /* void */ ; sos_idx_iter_in(it, start.data, start.len - 4);
         leveldb_iter_next(it))
    {
        if (n == max_parts) {
            if (truncated != NULL) {
                *truncated = 1;
            }
            break;
        }

        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        if (sos_part_rec_decode(k, klen, v, vlen, &p) != 0) {
            rc = sos_err(err, SOS_ECORRUPT, 0,
                         "malformed part record of upload %s", upload_id);
            break;
        }

        memset(&info, 0, sizeof(info));
        info.part_number = p.number;
        info.size = p.extent.size;
        info.mtime = p.mtime;
        sos_md5_hex(p.extent.md5, info.etag);
        info.checksum_algorithm = p.checksum_algorithm;
        info.checksum_value = p.checksum_value;
        n++;

        if (cb(ctx, &info) != 0) {
            break;
        }
    }

    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(it, err, "listing parts of an upload");
    }

    sos_idx_iter_close(st, it);
    sos_buf_free(&start);
    return rc;
}


/*
 * Check the bucket and the arguments, then position the page's new
 * iterator at the first upload to list: its from is U bucket \0 prefix,
 * what every index key of the listing starts with.
 *
 * S3: after a key marker alone come the keys greater than it; with an
 * upload id marker too, first the same key's greater upload ids.  Key
 * bytes are never 0, so key \1 sorts after every upload of key and before
 * every longer key.  A key marker that is itself a common prefix was
 * listed as one: the uploads it rolls up are skipped.
 */
static sos_rc_e
sos_uploads_start(sos_store_t *st, sos_list_page_t *page, const char *bucket,
    size_t bucket_len, const sos_str_t *prefix, const sos_str_t *delimiter,
    const sos_str_t *key_marker, const sos_str_t *upload_id_marker,
    sos_error_t *err)
{
    size_t               klen;
    sos_rc_e             rc;
    sos_buf_t           *scan, *seek;
    const char          *k;
    leveldb_iterator_t  *it;

    if (prefix->len > SOS_MAX_KEY_LEN || delimiter->len > SOS_MAX_KEY_LEN
        || key_marker->len > SOS_MAX_KEY_LEN
        || upload_id_marker->len > SOS_UPLOAD_ID_LEN)
    {
        return sos_err(err, SOS_EINVAL, 0,
                       "list: prefix, delimiter or marker for the uploads "
                       "of bucket \"%.*s\" too long", (int) bucket_len,
                       bucket);
    }

    rc = sos_bucket_check(st, bucket, bucket_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    scan = &page->from;
    seek = &page->seek;

    sos_ikey_bucket(scan, SOS_K_UPLOAD, bucket, bucket_len);
    sos_buf_add_u8(scan, 0);
    page->base_len = scan->len;
    sos_buf_add(scan, prefix->data, prefix->len);

    page->st = st;
    page->it = sos_idx_iter(st);
    if (scan->oom || page->it == NULL) {
        goto nomem;
    }

    it = page->it;

    if (key_marker->len == 0) {
        leveldb_iter_seek(it, (const char *) scan->data, scan->len);
        return SOS_OK;
    }

    if (sos_list_starts(key_marker->data, key_marker->len, prefix->data,
                        prefix->len)
        && sos_list_rollup(prefix->len, delimiter, key_marker->data,
                           key_marker->len) == key_marker->len)
    {
        sos_list_page_seek_past(page, key_marker->data, key_marker->len);
        goto sought;
    }

    sos_buf_add(seek, scan->data, page->base_len);
    sos_buf_add(seek, key_marker->data, key_marker->len);
    if (upload_id_marker->len > 0) {
        sos_buf_add_u8(seek, 0);
        sos_buf_add(seek, upload_id_marker->data, upload_id_marker->len);
    } else {
        sos_buf_add_u8(seek, 1);
    }

    if (seek->oom) {
        goto nomem;
    }

    if (sos_list_cmp((const char *) seek->data, seek->len,
                     (const char *) scan->data, scan->len) <= 0)
    {
        leveldb_iter_seek(it, (const char *) scan->data, scan->len);
        return SOS_OK;
    }

    leveldb_iter_seek(it, (const char *) seek->data, seek->len);

    if (upload_id_marker->len > 0 && leveldb_iter_valid(it)) {
        k = leveldb_iter_key(it, &klen);
        if (klen == seek->len && memcmp(k, seek->data, klen) == 0) {
            leveldb_iter_next(it);
        }
    }

sought:

    if (!seek->oom) {
        return SOS_OK;
    }

nomem:

    return sos_err(err, SOS_ENOMEM, 0, "listing uploads of \"%.*s\"",
                   (int) bucket_len, bucket);
}


/*
 * The upload the iterator is at: key and owner point into the iterator,
 * *kv_mem is the decoded record's (free() it).
 */
static sos_rc_e
sos_uploads_entry(leveldb_iterator_t *it, size_t base, sos_upload_entry_t *e,
    sos_kv_t **kv_mem, const char *bucket, size_t bucket_len,
    sos_error_t *err)
{
    size_t             klen, vlen, rest;
    const char        *k, *v;
    sos_upload_rec_t   u;

    *kv_mem = NULL;
    k = leveldb_iter_key(it, &klen);
    v = leveldb_iter_value(it, &vlen);

    /* every entry is U bucket \0 key \0 id */
    rest = klen - base;
    if (rest < SOS_UPLOAD_ID_LEN + 2
        || k[klen - SOS_UPLOAD_ID_LEN - 1] != '\0')
    {
        return sos_err(err, SOS_ECORRUPT, 0,
                       "malformed upload key in bucket \"%.*s\"",
                       (int) bucket_len, bucket);
    }

    if (sos_upload_rec_decode(v, vlen, &u) != 0) {
        free(u.kv_mem);
        return sos_err(err, SOS_ECORRUPT, 0,
                       "malformed upload record in bucket \"%.*s\"",
                       (int) bucket_len, bucket);
    }

    memset(e, 0, sizeof(*e));
    memcpy(e->upload_id, k + klen - SOS_UPLOAD_ID_LEN, SOS_UPLOAD_ID_LEN);
    e->upload_id[SOS_UPLOAD_ID_LEN] = '\0';
    e->key.data = k + base;
    e->key.len = rest - SOS_UPLOAD_ID_LEN - 1;
    e->initiated = u.initiated;
    e->owner = u.attrs.owner;
    *kv_mem = u.kv_mem;

    return SOS_OK;
}


/*
 * The result is one block: the struct, both arrays, then the text they
 * point into, so sos_list_uploads_result_free is one free().
 */
static sos_rc_e
sos_uploads_build(sos_uploads_page_t *up, int truncated,
    sos_list_uploads_result_t **out, const char *bucket, size_t bucket_len,
    sos_error_t *err)
{
    char                       *text;
    size_t                      i, size, id_len;
    sos_list_page_t            *page;
    sos_uploads_item_t         *items;
    sos_list_uploads_result_t  *res;

    page = &up->page;
    id_len = up->last_id != NULL ? strlen(up->last_id) : 0;

    size = sizeof(sos_list_uploads_result_t)
           + page->n_items * sizeof(sos_upload_entry_t)
           + page->n_prefixes * sizeof(sos_str_t)
           + page->text.len + id_len;

    res = calloc(1, size);
    if (res == NULL) {
        return sos_err(err, SOS_ENOMEM, 0,
                       "list: no memory for a page of uploads of bucket "
                       "\"%.*s\"", (int) bucket_len, bucket);
    }

    res->uploads = (sos_upload_entry_t *) (res + 1);
    res->prefixes = (sos_str_t *) (res->uploads + page->n_items);
    text = (char *) (res->prefixes + page->n_prefixes);
    sos_list_page_copy(page, res->prefixes, text);
    res->n_prefixes = page->n_prefixes;

    items = page->items;
    for (i = 0; i < page->n_items; i++) {
        res->uploads[i] = items[i].e;
        res->uploads[i].key.data = text + items[i].key_off;
        res->uploads[i].owner.data = text + items[i].owner_off;
    }
    res->n_uploads = page->n_items;

    res->truncated = truncated;
    res->next_key_marker.data = text;
    res->next_upload_id_marker.data = text;
    if (truncated) {
        res->next_key_marker.data = text + page->last.off;
        res->next_key_marker.len = page->last.len;
        if (id_len > 0) {
            memcpy(text + page->text.len, up->last_id, id_len);
            res->next_upload_id_marker.data = text + page->text.len;
            res->next_upload_id_marker.len = id_len;
        }
    }

    *out = res;
    return SOS_OK;
}


sos_rc_e
sos_list_uploads(sos_store_t *store, const char *bucket, size_t bucket_len,
    const sos_list_uploads_opts_t *opts, sos_list_uploads_result_t **out,
    sos_error_t *err)
{
    int                  truncated;
    char                 what[96];
    size_t               cp_len;
    unsigned             max, count;
    sos_rc_e             rc;
    sos_str_t            none;
    sos_kv_t            *kv_mem;
    const sos_str_t     *id_marker;
    sos_list_page_t     *page;
    sos_uploads_page_t   up;
    sos_uploads_item_t  *item;
    sos_upload_entry_t   e;

    assert(opts != NULL && out != NULL);

    snprintf(what, sizeof(what), "the uploads of bucket \"%.*s\"",
             (int) bucket_len, bucket);
    page = &up.page;
    sos_list_page_init(page);
    up.last_id = NULL;
    truncated = 0;

    none.data = "";
    none.len = 0;
    id_marker = opts->key_marker.len > 0 ? &opts->upload_id_marker : &none;

    rc = sos_uploads_start(store, page, bucket, bucket_len, &opts->prefix,
                           &opts->delimiter, &opts->key_marker, id_marker,
                           err);
    if (rc != SOS_OK) {
        goto done;
    }

    max = opts->max_uploads < SOS_LIST_MAX_UPLOADS ? opts->max_uploads
                                                   : SOS_LIST_MAX_UPLOADS;

    /* max-uploads 0: an empty page that is not truncated */
    if (max == 0) {
        goto built;
    }

    sos_list_page_alloc(page, store, max, sizeof(sos_uploads_item_t));

    count = 0;

    while (sos_list_page_in(page)) {
        if (count == max) {
            truncated = 1;
            break;
        }
        count++;

        rc = sos_uploads_entry(page->it, page->base_len, &e, &kv_mem, bucket,
                               bucket_len, err);
        if (rc != SOS_OK) {
            goto done;
        }
        free(kv_mem);

        cp_len = sos_list_rollup(opts->prefix.len, &opts->delimiter,
                                 e.key.data, e.key.len);

        if (cp_len > 0) {
            sos_list_page_prefix(page, e.key.data, cp_len);
            up.last_id = "";
            continue;
        }

        item = (sos_uploads_item_t *) page->items + page->n_items++;
        item->e = e;
        item->key_off = page->text.len;
        sos_buf_add(&page->text, e.key.data, e.key.len);
        item->owner_off = page->text.len;
        sos_buf_add(&page->text, e.owner.data, e.owner.len);
        page->last.off = item->key_off;
        page->last.len = e.key.len;
        up.last_id = item->e.upload_id;
        leveldb_iter_next(page->it);
    }

    rc = sos_list_page_end(page, what, err);
    if (rc != SOS_OK) {
        goto done;
    }

built:

    rc = sos_uploads_build(&up, truncated, out, bucket, bucket_len, err);

done:

    sos_list_page_free(page);
    return rc;
}


void
sos_list_uploads_result_free(sos_list_uploads_result_t *result)
{
    free(result);
}
