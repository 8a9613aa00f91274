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

    /* a key no longer than the prefix has nothing after it to roll up */
    if (delimiter->len == 0 || key_len <= prefix_len) {
        return 0;
    }
    d = sos_list_find(key + prefix_len, key_len - prefix_len,
                      delimiter->data, delimiter->len);
    if (d == NULL) {
        return 0;
    }
    return (size_t) (d - key) + delimiter->len;
}


void
sos_list_page_init(sos_list_page_t *page)
{
    memset(page, 0, sizeof(sos_list_page_t));
    sos_buf_init(&page->from);
    sos_buf_init(&page->seek);
    sos_buf_init(&page->text);
}


void
sos_list_page_alloc(sos_list_page_t *page, sos_store_t *st, unsigned max,
    size_t item_size)
{
    page->items = malloc(max * item_size);
    page->prefixes = malloc(max * sizeof(sos_list_span_t));
    if (page->it == NULL) {
        page->st = st;
        page->it = sos_idx_iter(st);
    }

    if (page->items == NULL || page->prefixes == NULL || page->it == NULL) {
        page->oom = 1;
    }
}


void
sos_list_page_free(sos_list_page_t *page)
{
    if (page->it != NULL) {
        sos_idx_iter_close(page->st, page->it);
    }
    sos_buf_free(&page->from);
    sos_buf_free(&page->seek);
    sos_buf_free(&page->text);
    free(page->items);
    free(page->prefixes);
}


int
sos_list_page_in(const sos_list_page_t *page)
{
    return !page->oom && !page->seek.oom && !page->text.oom
           && sos_idx_iter_in(page->it, page->from.data, page->from.len);
}


/*
 * Drop the trailing 0xff bytes of the seek key and increment its last
 * byte.  At worst the carry reaches the \0 after the bucket name, which
 * lands past the bucket and so ends the scan.
 */
void
sos_list_page_seek_past(sos_list_page_t *page, const char *cp, size_t cp_len)
{
    size_t      n;
    sos_buf_t  *seek;

    seek = &page->seek;
    seek->len = 0;
    sos_buf_add(seek, page->from.data, page->base_len);
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
    leveldb_iter_seek(page->it, (const char *) seek->data, n);
}


void
sos_list_page_prefix(sos_list_page_t *page, const char *cp, size_t cp_len)
{
    page->last.off = page->text.len;
    page->last.len = cp_len;
    page->prefixes[page->n_prefixes++] = page->last;
    sos_buf_add(&page->text, cp, cp_len);
    sos_list_page_seek_past(page, cp, cp_len);
}


sos_rc_e
sos_list_page_end(sos_list_page_t *page, const char *what, sos_error_t *err)
{
    char  scan[128];

    if (page->oom || page->from.oom || page->seek.oom || page->text.oom) {
        return sos_err(err, SOS_ENOMEM, 0, "list: no memory to list %s",
                       what);
    }

    snprintf(scan, sizeof(scan), "list: index scan of %s", what);
    return sos_idx_iter_error(page->it, err, scan);
}


void
sos_list_page_copy(const sos_list_page_t *page, sos_str_t *prefixes,
    char *text)
{
    size_t  i;

    if (page->text.len > 0) {
        memcpy(text, page->text.data, page->text.len);
    }

    for (i = 0; i < page->n_prefixes; i++) {
        prefixes[i].data = text + page->prefixes[i].off;
        prefixes[i].len = page->prefixes[i].len;
    }
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

    item = (sos_list_item_t *) page->items + page->n_items++;
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
    sos_list_item_t    *items;
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
    sos_list_page_copy(page, res->prefixes, text);
    res->n_prefixes = page->n_prefixes;

    items = page->items;
    for (i = 0; i < page->n_items; i++) {
        res->entries[i] = items[i].e;
        res->entries[i].key.data = text + items[i].key_off;
        res->entries[i].owner.data = text + items[i].owner_off;
    }
    res->n_entries = page->n_items;

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
    char                 what[96];
    size_t               key_len, val_len, cp_len;
    unsigned             max_keys, count;
    sos_rc_e             rc;
    sos_buf_t           *seek;
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

    snprintf(what, sizeof(what), "bucket \"%.*s\"", (int) bucket_len,
             bucket);
    sos_list_page_init(&page);
    truncated = 0;

    /* max-keys 0: an empty page that is not truncated, as S3 answers */
    if (max_keys == 0) {
        goto built;
    }

    /* from: O bucket \0 prefix, what every index key of the scan starts */
    sos_ikey_object(&page.from, bucket, bucket_len, "", 0);
    page.base_len = page.from.len;
    sos_buf_add(&page.from, opts->prefix.data, opts->prefix.len);

    sos_list_page_alloc(&page, store, max_keys, sizeof(sos_list_item_t));
    if (page.oom || page.from.oom) {
        goto end;
    }

    it = page.it;
    seek = &page.seek;
    skip_marker = 0;

    if (sos_list_cmp(opts->marker.data, opts->marker.len, opts->prefix.data,
                     opts->prefix.len) < 0)
    {
        leveldb_iter_seek(it, (const char *) page.from.data, page.from.len);

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
            sos_list_page_seek_past(&page, opts->marker.data, cp_len);

        } else {
            seek->len = 0;
            sos_buf_add(seek, page.from.data, page.base_len);
            sos_buf_add(seek, opts->marker.data, opts->marker.len);
            leveldb_iter_seek(it, (const char *) seek->data, seek->len);
            skip_marker = 1;
        }
    }

    count = 0;

    while (sos_list_page_in(&page)) {
        key = leveldb_iter_key(it, &key_len) + page.base_len;
        key_len -= page.base_len;

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
            sos_list_page_prefix(&page, key, cp_len);
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

end:

    rc = sos_list_page_end(&page, what, err);
    if (rc != SOS_OK) {
        goto done;
    }

built:

    rc = sos_list_build(&page, truncated, out, bucket, bucket_len, err);

done:

    sos_list_page_free(&page);
    return rc;
}


void
sos_list_result_free(sos_list_result_t *result)
{
    free(result);
}
