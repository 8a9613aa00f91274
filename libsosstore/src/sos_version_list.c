/*
 * ListObjectVersions: the O records (current versions) and the V records
 * (noncurrent versions and delete markers) of a bucket, walked side by
 * side in key order; a key's O record first, then its V records, newest
 * first.  A common prefix is never walked: both scans seek past it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#define SOS_VLIST_MAX  1000


/* An entry while the page is built: strings are offsets in text. */
typedef struct {
    size_t               key_off;
    size_t               owner_off;
    sos_version_entry_t  e;
} sos_vlist_item_t;

typedef struct {
    sos_store_t         *st;
    leveldb_iterator_t  *it[2];         /* O, V */
    sos_buf_t            from[2];       /* type bucket \0 prefix */
    size_t               base;          /* type bucket \0 */
    sos_buf_t            seek;
    sos_buf_t            text;
    sos_vlist_item_t    *items;
    size_t               n_items;
    sos_list_span_t     *prefixes;
    size_t               n_prefixes;
    sos_list_span_t      last;          /* key or prefix added last */
    int                  last_is_prefix;
    char                 last_vid[SOS_VERSION_ID_LEN + 1];
    sos_buf_t            cur;           /* the key of the last entry */
    int                  cur_latest;    /* its latest version was seen */
} sos_vlist_t;


static int sos_vlist_key(sos_vlist_t *l, int which, const char **key,
    size_t *key_len);
static void sos_vlist_seek(sos_vlist_t *l, int which, const char *key,
    size_t key_len, int past);
static sos_rc_e sos_vlist_start(sos_vlist_t *l, const char *bucket,
    size_t bucket_len, const sos_list_versions_opts_t *opts, int *empty,
    sos_error_t *err);
static sos_rc_e sos_vlist_add(sos_vlist_t *l, int which, const char *key,
    size_t key_len, const char *bucket, size_t bucket_len, sos_error_t *err);
static sos_rc_e sos_vlist_build(sos_vlist_t *l, int truncated,
    sos_list_versions_result_t **out, sos_error_t *err);


sos_rc_e
sos_list_versions(sos_store_t *store, const char *bucket, size_t bucket_len,
    const sos_list_versions_opts_t *opts, sos_list_versions_result_t **out,
    sos_error_t *err)
{
    int           i, which, truncated, empty, in[2];
    size_t        key_len[2], cp_len;
    unsigned      max, count;
    sos_rc_e      rc;
    const char   *key[2], *nul;
    sos_vlist_t   l;

    sos_list_versions_opts_t  o;

    if (opts->prefix.len > SOS_MAX_KEY_LEN
        || opts->delimiter.len > SOS_MAX_KEY_LEN
        || opts->key_marker.len > SOS_MAX_KEY_LEN)
    {
        return sos_err(err, SOS_EINVAL, 0, "list versions: prefix, "
                       "delimiter or key marker for bucket \"%.*s\" longer "
                       "than %d bytes", (int) bucket_len, bucket,
                       SOS_MAX_KEY_LEN);
    }
    if (opts->version_id_marker.len > 0
        && sos_version_arg(opts->version_id_marker.data,
                           opts->version_id_marker.len) < 0)
    {
        return sos_err(err, SOS_EINVAL, 0, "list versions: invalid version "
                       "id marker");
    }

    rc = sos_bucket_check(store, bucket, bucket_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    /*
     * No key holds a NUL (sos_key_check), and a V record's key is key \0
     * sort id: a prefix holding a NUL matches no key (its scans would
     * find the V records of the key before the NUL), and a key marker
     * holding one sorts after every version of the key before the NUL and
     * before every key after that key, as that key alone does
     */

    o = *opts;
    opts = &o;

    nul = o.key_marker.len ? memchr(o.key_marker.data, 0, o.key_marker.len)
                           : NULL;
    if (nul != NULL) {
        o.key_marker.len = (size_t) (nul - o.key_marker.data);
        o.version_id_marker.len = 0;
    }

    max = opts->max_keys < SOS_VLIST_MAX ? opts->max_keys : SOS_VLIST_MAX;

    if (o.prefix.len && memchr(o.prefix.data, 0, o.prefix.len) != NULL) {
        max = 0;
    }

    memset(&l, 0, sizeof(l));
    l.st = store;
    for (i = 0; i < 2; i++) {
        sos_buf_init(&l.from[i]);
        sos_ikey_bucket(&l.from[i], i ? SOS_K_VERSION : SOS_K_OBJECT, bucket,
                        bucket_len);
        sos_buf_add_u8(&l.from[i], 0);
        l.base = l.from[i].len;
        sos_buf_add(&l.from[i], opts->prefix.data, opts->prefix.len);
    }
    sos_buf_init(&l.seek);
    sos_buf_init(&l.text);
    sos_buf_init(&l.cur);
    truncated = 0;

    /* max-keys 0: an empty page that is not truncated */
    if (max == 0) {
        goto built;
    }

    l.items = malloc(max * sizeof(sos_vlist_item_t));
    l.prefixes = malloc(max * sizeof(sos_list_span_t));
    l.it[0] = sos_idx_iter(store);
    l.it[1] = l.it[0] != NULL ? sos_idx_iter(store) : NULL;
    if (l.items == NULL || l.prefixes == NULL || l.it[1] == NULL
        || l.from[0].oom || l.from[1].oom)
    {
        rc = sos_err(err, SOS_ENOMEM, ENOMEM, "list versions: no memory");
        goto done;
    }

    rc = sos_vlist_start(&l, bucket, bucket_len, opts, &empty, err);
    if (rc != SOS_OK) {
        goto done;
    }
    if (empty) {
        goto built;
    }

    count = 0;

    for ( ;; ) {
        for (i = 0; i < 2; i++) {
            in[i] = sos_vlist_key(&l, i, &key[i], &key_len[i]);
        }
        if (!in[0] && !in[1]) {
            break;
        }

        /* the smaller key; of the same key, the current version first */
        which = !in[0] || (in[1] && sos_list_cmp(key[1], key_len[1], key[0],
                                                 key_len[0]) < 0);

        if (count == max) {
            truncated = 1;
            break;
        }
        count++;

        cp_len = sos_list_rollup(opts->prefix.len, &opts->delimiter,
                                 key[which], key_len[which]);
        if (cp_len > 0) {
            l.last.off = l.text.len;
            l.last.len = cp_len;
            l.last_is_prefix = 1;
            l.prefixes[l.n_prefixes++] = l.last;
            sos_buf_add(&l.text, key[which], cp_len);
            sos_vlist_seek(&l, 0, key[which], cp_len, 1);
            sos_vlist_seek(&l, 1, key[which], cp_len, 1);
            continue;
        }

        rc = sos_vlist_add(&l, which, key[which], key_len[which], bucket,
                           bucket_len, err);
        if (rc != SOS_OK) {
            goto done;
        }
        leveldb_iter_next(l.it[which]);
    }

    if (l.seek.oom || l.text.oom || l.cur.oom) {
        rc = sos_err(err, SOS_ENOMEM, ENOMEM, "list versions: no memory");
        goto done;
    }
    rc = sos_idx_iter_error(l.it[0], err, "list versions");
    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(l.it[1], err, "list versions");
    }
    if (rc != SOS_OK) {
        goto done;
    }

built:

    rc = sos_vlist_build(&l, truncated, out, err);

done:

    for (i = 0; i < 2; i++) {
        if (l.it[i] != NULL) {
            sos_idx_iter_close(store, l.it[i]);
        }
        sos_buf_free(&l.from[i]);
    }
    sos_buf_free(&l.seek);
    sos_buf_free(&l.text);
    sos_buf_free(&l.cur);
    free(l.items);
    free(l.prefixes);
    return rc;
}


void
sos_list_versions_result_free(sos_list_versions_result_t *result)
{
    free(result);
}


/* Whether scan `which` is on a record of the listing; its key (without
 * the \0 and sort id of a V record) into *key. */
static int
sos_vlist_key(sos_vlist_t *l, int which, const char **key, size_t *key_len)
{
    size_t       len;
    const char  *k;

    if (!sos_idx_iter_in(l->it[which], l->from[which].data,
                         l->from[which].len))
    {
        return 0;
    }

    k = leveldb_iter_key(l->it[which], &len);
    *key = k + l->base;
    *key_len = len - l->base;
    if (which == 1) {
        *key_len = *key_len > SOS_VERSION_ID_LEN
                   ? *key_len - SOS_VERSION_ID_LEN - 1 : 0;
    }
    return 1;
}


/*
 * Seek scan `which` to key (past: past every key that starts with it,
 * by incrementing its last byte after dropping trailing 0xff bytes; at
 * worst the \0 after the bucket, which ends the scan).
 */
static void
sos_vlist_seek(sos_vlist_t *l, int which, const char *key, size_t key_len,
    int past)
{
    size_t      n;
    sos_buf_t  *s;

    s = &l->seek;
    s->len = 0;
    sos_buf_add(s, l->from[which].data, l->base);
    sos_buf_add(s, key, key_len);
    if (s->oom) {
        return;
    }

    n = s->len;
    if (past) {
        while (n > 0 && s->data[n - 1] == 0xff) {
            n--;
        }
        s->data[n - 1]++;
    }
    leveldb_iter_seek(l->it[which], (const char *) s->data, n);
}


/* Place both scans where the page starts (*empty: nothing can follow). */
static sos_rc_e
sos_vlist_start(sos_vlist_t *l, const char *bucket, size_t bucket_len,
    const sos_list_versions_opts_t *opts, int *empty, sos_error_t *err)
{
    int                  kind, on_o;
    size_t               cp_len, klen;
    sos_rc_e             rc;
    const char          *k;
    const sos_str_t     *km, *vm;
    sos_version_drop_t   v;

    *empty = 0;
    km = &opts->key_marker;
    vm = &opts->version_id_marker;

    if (sos_list_cmp(km->data, km->len, opts->prefix.data, opts->prefix.len)
        < 0)
    {
        sos_vlist_seek(l, 0, opts->prefix.data, opts->prefix.len, 0);
        sos_vlist_seek(l, 1, opts->prefix.data, opts->prefix.len, 0);
        return SOS_OK;
    }

    if (!sos_list_starts(km->data, km->len, opts->prefix.data,
                         opts->prefix.len))
    {
        /* the marker sorts after every key that starts with the prefix */
        *empty = 1;
        return SOS_OK;
    }

    cp_len = sos_list_rollup(opts->prefix.len, &opts->delimiter, km->data,
                             km->len);
    if (cp_len > 0) {
        /* the marker's common prefix went out on an earlier page */
        sos_vlist_seek(l, 0, km->data, cp_len, 1);
        sos_vlist_seek(l, 1, km->data, cp_len, 1);
        return SOS_OK;
    }

    /* the O scan past the marker's key, unless the page starts after a
     * version of it other than the current one */

    sos_vlist_seek(l, 0, km->data, km->len, 0);
    on_o = sos_vlist_key(l, 0, &k, &klen) && klen == km->len
           && memcmp(k, km->data, klen) == 0;

    kind = vm->len > 0 ? sos_version_arg(vm->data, vm->len) : -1;

    if (kind < 0) {
        /* after every version of the key: the V scan past key\0... */
        if (on_o) {
            leveldb_iter_next(l->it[0]);
        }
        sos_vlist_seek(l, 1, km->data, km->len, 0);
        while (sos_vlist_key(l, 1, &k, &klen) && klen == km->len
               && memcmp(k, km->data, klen) == 0)
        {
            leveldb_iter_next(l->it[1]);
        }
        return SOS_OK;
    }

    /* after one version of the key: what follows it is not its latest */

    sos_buf_add(&l->cur, km->data, km->len);
    l->cur_latest = 1;

    if (on_o) {
        leveldb_iter_next(l->it[0]);
    }

    sos_vlist_seek(l, 1, km->data, km->len, 0);

    if (kind == SOS_VER_NULL) {
        rc = sos_version_first(l->st, bucket, bucket_len, km->data, km->len,
                               1, NULL, &v, err);
        if (rc != SOS_OK) {
            return rc;
        }
        if (v.have) {
            leveldb_iter_seek(l->it[1], (const char *) v.vkey.data,
                              v.vkey.len);
            leveldb_iter_next(l->it[1]);
        }
        sos_version_drop_free(&v);
        return SOS_OK;
    }

    /* an id: the V record with that sort id, or where it would be */
    sos_buf_add_u8(&l->seek, 0);
    sos_buf_add(&l->seek, vm->data, vm->len);
    if (l->seek.oom) {
        return SOS_OK;
    }
    leveldb_iter_seek(l->it[1], (const char *) l->seek.data, l->seek.len);
    if (leveldb_iter_valid(l->it[1])) {
        k = leveldb_iter_key(l->it[1], &klen);
        if (klen == l->seek.len && memcmp(k, l->seek.data, klen) == 0) {
            leveldb_iter_next(l->it[1]);
        }
    }
    return SOS_OK;
}


static sos_rc_e
sos_vlist_add(sos_vlist_t *l, int which, const char *key, size_t key_len,
    const char *bucket, size_t bucket_len, sos_error_t *err)
{
    size_t             vlen;
    const char        *val;
    sos_obj_rec_t      rec;
    sos_vlist_item_t  *item;

    val = leveldb_iter_value(l->it[which], &vlen);
    if (sos_obj_rec_decode(val, vlen, &rec) != 0) {
        return sos_err(err, SOS_ECORRUPT, 0, "list versions: bad record of "
                       "\"%.*s\" in bucket \"%.*s\"",
                       (int) (key_len > 80 ? 80 : key_len), key,
                       (int) bucket_len, bucket);
    }

    /* a new key: its first version is its latest */
    if (l->cur.len != key_len || memcmp(l->cur.data, key, key_len) != 0) {
        l->cur.len = 0;
        sos_buf_add(&l->cur, key, key_len);
        l->cur_latest = 0;
    }

    item = &l->items[l->n_items++];
    memset(item, 0, sizeof(*item));
    item->e.is_latest = !l->cur_latest;
    l->cur_latest = 1;
    item->e.delete_marker = rec.delete_marker;
    memcpy(item->e.version_id, rec.version_id, sizeof(item->e.version_id));
    item->e.size = rec.size;
    item->e.mtime = rec.mtime;
    item->e.mtime_nsec = rec.mtime_nsec;
    memcpy(item->e.etag, rec.etag, sizeof(item->e.etag));

    item->key_off = l->text.len;
    item->e.key.len = key_len;
    l->last.off = item->key_off;
    l->last.len = key_len;
    l->last_is_prefix = 0;
    memcpy(l->last_vid, rec.version_id, sizeof(l->last_vid));
    sos_buf_add(&l->text, key, key_len);
    item->owner_off = l->text.len;
    item->e.owner.len = rec.attrs.owner.len;
    sos_buf_add(&l->text, rec.attrs.owner.data, rec.attrs.owner.len);

    sos_obj_rec_free(&rec);
    return SOS_OK;
}


/* One block: the struct, both arrays, the text, the next markers. */
static sos_rc_e
sos_vlist_build(sos_vlist_t *l, int truncated,
    sos_list_versions_result_t **out, sos_error_t *err)
{
    char                        *text, *vid;
    size_t                       i, size;
    sos_list_versions_result_t  *res;

    size = sizeof(sos_list_versions_result_t)
           + l->n_items * sizeof(sos_version_entry_t)
           + l->n_prefixes * sizeof(sos_str_t)
           + l->text.len + SOS_VERSION_ID_LEN + 1;

    res = calloc(1, size);
    if (res == NULL) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "list versions: no memory "
                       "for a page");
    }

    res->versions = (sos_version_entry_t *) (res + 1);
    res->prefixes = (sos_str_t *) (res->versions + l->n_items);
    text = (char *) (res->prefixes + l->n_prefixes);
    vid = text + l->text.len;

    if (l->text.len > 0) {
        memcpy(text, l->text.data, l->text.len);
    }
    for (i = 0; i < l->n_prefixes; i++) {
        res->prefixes[i].data = text + l->prefixes[i].off;
        res->prefixes[i].len = l->prefixes[i].len;
    }
    res->n_prefixes = l->n_prefixes;

    for (i = 0; i < l->n_items; i++) {
        res->versions[i] = l->items[i].e;
        res->versions[i].key.data = text + l->items[i].key_off;
        res->versions[i].owner.data = text + l->items[i].owner_off;
    }
    res->n_versions = l->n_items;

    res->truncated = truncated;
    res->next_key_marker.data = text;
    res->next_version_id_marker.data = vid;
    if (truncated) {
        res->next_key_marker.data = text + l->last.off;
        res->next_key_marker.len = l->last.len;
        if (!l->last_is_prefix) {
            if (l->last_vid[0] == '\0') {
                memcpy(vid, "null", 4);
                res->next_version_id_marker.len = 4;
            } else {
                memcpy(vid, l->last_vid, SOS_VERSION_ID_LEN);
                res->next_version_id_marker.len = SOS_VERSION_ID_LEN;
            }
        }
    }

    *out = res;
    return SOS_OK;
}
