/*
 * Bucket listing: one ordered scan of the O<bucket>\0<key> records with
 * S3 ListObjects semantics (prefix, delimiter, marker, max-keys).
 *
 * A common prefix is never walked: once it is emitted, the iterator seeks
 * to the first index key past every key that starts with it, so a page
 * costs the same whatever the prefix holds.
 */

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#define SOS_LIST_MAX_KEYS  1000


/* An item of the page while the scan runs; strings are offsets in text. */
typedef struct {
    size_t            key_off;
    size_t            owner_off;
    sos_list_entry_t  e;
} sos_list_item_t;

typedef struct {
    size_t  off;
    size_t  len;
} sos_list_span_t;

typedef struct {
    sos_list_item_t  *items;
    size_t            n_items;
    sos_list_span_t  *prefixes;
    size_t            n_prefixes;
    sos_list_span_t   last;             /* key or prefix added last */
    sos_buf_t         text;             /* keys, prefixes and owners */
} sos_list_page_t;


static const char *sos_list_find(const char *s, size_t len, const char *d,
    size_t d_len);
static sos_rc_e sos_list_add_entry(sos_list_page_t *page, const char *key,
    size_t key_len, const char *val, size_t val_len, const char *bucket,
    size_t bucket_len, sos_error_t *err);
static sos_rc_e sos_list_build(sos_list_page_t *page, int truncated,
    sos_list_result_t **out, const char *bucket, size_t bucket_len,
    sos_error_t *err);


int
sos_list_starts(const char *s, size_t len, const char *prefix,
    size_t prefix_len)
{
    return len >= prefix_len
           && (prefix_len == 0 || memcmp(s, prefix, prefix_len) == 0);
}


int
sos_list_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int     rc;
    size_t  n;

    n = a_len < b_len ? a_len : b_len;
    rc = (n == 0) ? 0 : memcmp(a, b, n);
    if (rc != 0) {
        return rc;
    }
    return a_len < b_len ? -1 : (a_len > b_len ? 1 : 0);
}


static const char *
sos_list_find(const char *s, size_t len, const char *d, size_t d_len)
{
    const char  *p, *last;

    if (len < d_len) {
        return NULL;
    }
    last = s + len - d_len;
    for (p = s; p <= last; p++) {
        p = memchr(p, d[0], last - p + 1);
        if (p == NULL) {
            return NULL;
        }
        if (memcmp(p, d, d_len) == 0) {
            return p;
        }
    }
    return NULL;
}


size_t
sos_list_rollup(size_t prefix_len, const sos_str_t *delimiter,
    const char *key, size_t key_len)
{
    const char  *d;

    if (delimiter->len == 0) {
        return 0;
    }
    d = sos_list_find(key + prefix_len, key_len - prefix_len,
                      delimiter->data, delimiter->len);
    if (d == NULL) {
        return 0;
    }
    return (size_t) (d - key) + delimiter->len;
}


/*
 * Drop the trailing 0xff bytes of the seek key and increment its last
 * byte.  At worst the carry reaches the \0 after the bucket name, which
 * lands past the bucket and so ends the scan.
 */
void
sos_list_seek_past(leveldb_iterator_t *it, sos_buf_t *seek,
    const sos_buf_t *from, size_t base_len, const char *cp, size_t cp_len)
{
    size_t  n;

    seek->len = 0;
    sos_buf_add(seek, from->data, base_len);
    sos_buf_add(seek, cp, cp_len);
    if (seek->oom) {
        return;
    }

    n = seek->len;
    while (n > 0 && seek->data[n - 1] == 0xff) {
        n--;
    }
    /* the key starts with its type byte, so n > 0 */
    seek->data[n - 1]++;
    leveldb_iter_seek(it, (const char *) seek->data, n);
}


static sos_rc_e
sos_list_add_entry(sos_list_page_t *page, const char *key, size_t key_len,
    const char *val, size_t val_len, const char *bucket, size_t bucket_len,
    sos_error_t *err)
{
    sos_obj_rec_t     rec;
    sos_list_item_t  *item;

    if (sos_obj_rec_decode(val, val_len, &rec) != 0) {
        return sos_err(err, SOS_ECORRUPT, 0,
                       "list: bad object record of \"%.*s\" in bucket "
                       "\"%.*s\"", (int) key_len, key, (int) bucket_len,
                       bucket);
    }

    item = &page->items[page->n_items++];
    item->e.size = rec.size;
    item->e.mtime = rec.mtime;
    item->e.mtime_nsec = rec.mtime_nsec;
    memcpy(item->e.etag, rec.etag, sizeof(item->e.etag));
    item->key_off = page->text.len;
    item->e.key.len = key_len;
    page->last.off = item->key_off;
    page->last.len = key_len;
    sos_buf_add(&page->text, key, key_len);
    item->owner_off = page->text.len;
    item->e.owner.len = rec.attrs.owner.len;
    sos_buf_add(&page->text, rec.attrs.owner.data, rec.attrs.owner.len);

    sos_obj_rec_free(&rec);
    return SOS_OK;
}


/*
 * The result is one block: the struct, both arrays, then the text they
 * point into, so sos_list_result_free is one free().
 */
static sos_rc_e
sos_list_build(sos_list_page_t *page, int truncated, sos_list_result_t **out,
    const char *bucket, size_t bucket_len, sos_error_t *err)
{
    char               *text;
    size_t              i, size;
    sos_list_result_t  *res;

    size = sizeof(sos_list_result_t)
           + page->n_items * sizeof(sos_list_entry_t)
           + page->n_prefixes * sizeof(sos_str_t)
           + page->text.len;

    res = calloc(1, size);
    if (res == NULL) {
        return sos_err(err, SOS_ENOMEM, 0,
                       "list: no memory for a page of bucket \"%.*s\"",
                       (int) bucket_len, bucket);
    }

    res->entries = (sos_list_entry_t *) (res + 1);
    res->prefixes = (sos_str_t *) (res->entries + page->n_items);
    text = (char *) (res->prefixes + page->n_prefixes);
    if (page->text.len > 0) {
        memcpy(text, page->text.data, page->text.len);
    }

    for (i = 0; i < page->n_items; i++) {
        res->entries[i] = page->items[i].e;
        res->entries[i].key.data = text + page->items[i].key_off;
        res->entries[i].owner.data = text + page->items[i].owner_off;
    }
    res->n_entries = page->n_items;

    for (i = 0; i < page->n_prefixes; i++) {
        res->prefixes[i].data = text + page->prefixes[i].off;
        res->prefixes[i].len = page->prefixes[i].len;
    }
    res->n_prefixes = page->n_prefixes;

    res->truncated = truncated;
    res->next_marker.data = text;
    if (truncated) {
        res->next_marker.data = text + page->last.off;
        res->next_marker.len = page->last.len;
    }

    *out = res;
    return SOS_OK;
}


sos_rc_e
sos_list_objects(sos_store_t *store, const char *bucket, size_t bucket_len,
    const sos_list_opts_t *opts, sos_list_result_t **out, sos_error_t *err)
{
    int                  truncated, skip_marker;
    char                *errptr, what[96];
    size_t               base_len, key_len, val_len, cp_len;
    unsigned             max_keys, count;
    sos_rc_e             rc;
    sos_buf_t            from, seek;
    const char          *key, *val;
    sos_list_page_t      page;
    leveldb_iterator_t  *it;

    assert(opts != NULL && out != NULL);

    if (opts->prefix.len > SOS_MAX_KEY_LEN
        || opts->delimiter.len > SOS_MAX_KEY_LEN
        || opts->marker.len > SOS_MAX_KEY_LEN)
    {
        return sos_err(err, SOS_EINVAL, 0,
                       "list: prefix, delimiter or marker for bucket "
                       "\"%.*s\" longer than %d bytes", (int) bucket_len,
                       bucket, SOS_MAX_KEY_LEN);
    }

    rc = sos_bucket_check(store, bucket, bucket_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    max_keys = opts->max_keys < SOS_LIST_MAX_KEYS ? opts->max_keys
                                                  : SOS_LIST_MAX_KEYS;

    memset(&page, 0, sizeof(page));
    sos_buf_init(&page.text);
    sos_buf_init(&from);
    sos_buf_init(&seek);
    it = NULL;
    truncated = 0;

    /* max-keys 0: an empty page that is not truncated, as S3 answers */
    if (max_keys == 0) {
        goto built;
    }

    /* from: O bucket \0 prefix, what every index key of the scan starts */
    sos_ikey_object(&from, bucket, bucket_len, "", 0);
    base_len = from.len;
    sos_buf_add(&from, opts->prefix.data, opts->prefix.len);

    page.items = malloc(max_keys * sizeof(sos_list_item_t));
    page.prefixes = malloc(max_keys * sizeof(sos_list_span_t));
    it = sos_idx_iter(store);
    if (page.items == NULL || page.prefixes == NULL || it == NULL
        || from.oom)
    {
        goto nomem;
    }

    skip_marker = 0;

    if (sos_list_cmp(opts->marker.data, opts->marker.len, opts->prefix.data,
                     opts->prefix.len) < 0)
    {
        leveldb_iter_seek(it, (const char *) from.data, from.len);

    } else if (!sos_list_starts(opts->marker.data, opts->marker.len,
                                opts->prefix.data, opts->prefix.len))
    {
        /* the marker sorts after every key that starts with the prefix */
        goto built;

    } else {
        cp_len = sos_list_rollup(opts->prefix.len, &opts->delimiter,
                                 opts->marker.data, opts->marker.len);
        if (cp_len > 0) {
            /* the marker's common prefix went out on an earlier page */
            sos_list_seek_past(it, &seek, &from, base_len, opts->marker.data,
                               cp_len);

        } else {
            seek.len = 0;
            sos_buf_add(&seek, from.data, base_len);
            sos_buf_add(&seek, opts->marker.data, opts->marker.len);
            leveldb_iter_seek(it, (const char *) seek.data, seek.len);
            skip_marker = 1;
        }
    }

    count = 0;

    while (!seek.oom && !page.text.oom && leveldb_iter_valid(it)
           && sos_idx_iter_in(it, from.data, from.len))
    {
        key = leveldb_iter_key(it, &key_len) + base_len;
        key_len -= base_len;

        if (skip_marker) {
            skip_marker = 0;
            if (key_len == opts->marker.len
                && memcmp(key, opts->marker.data, key_len) == 0)
            {
                leveldb_iter_next(it);
                continue;
            }
        }

        if (count == max_keys) {
            truncated = 1;
            break;
        }
        count++;

        cp_len = sos_list_rollup(opts->prefix.len, &opts->delimiter, key,
                                 key_len);

        if (cp_len > 0) {
            page.prefixes[page.n_prefixes].off = page.text.len;
            page.prefixes[page.n_prefixes].len = cp_len;
            page.n_prefixes++;
            page.last = page.prefixes[page.n_prefixes - 1];
            sos_buf_add(&page.text, key, cp_len);
            sos_list_seek_past(it, &seek, &from, base_len, key, cp_len);
            continue;
        }

        val = leveldb_iter_value(it, &val_len);
        rc = sos_list_add_entry(&page, key, key_len, val, val_len, bucket,
                                bucket_len, err);
        if (rc != SOS_OK) {
            goto done;
        }
        leveldb_iter_next(it);
    }

    if (seek.oom || page.text.oom) {
        goto nomem;
    }

    errptr = NULL;
    leveldb_iter_get_error(it, &errptr);
    if (errptr != NULL) {
        snprintf(what, sizeof(what), "list: index scan of bucket \"%.*s\"",
                 (int) bucket_len, bucket);
        rc = sos_err_leveldb(err, errptr, what);
        goto done;
    }

built:

    rc = sos_list_build(&page, truncated, out, bucket, bucket_len, err);
    goto done;

nomem:

    rc = sos_err(err, SOS_ENOMEM, 0, "list: no memory to list bucket "
                 "\"%.*s\"", (int) bucket_len, bucket);

done:

    if (it != NULL) {
        leveldb_iter_destroy(it);
    }
    sos_buf_free(&from);
    sos_buf_free(&seek);
    sos_buf_free(&page.text);
    free(page.items);
    free(page.prefixes);
    return rc;
}


void
sos_list_result_free(sos_list_result_t *result)
{
    free(result);
}
