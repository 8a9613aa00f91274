/*
 * Deletes of many objects of one bucket in one commit (DeleteObjects):
 * every key's record is read under commit_lock, then one synced batch
 * removes those found, records their files as garbage and updates the
 * bucket's counters once; the files are unlinked after the commit, as
 * sos_object_delete does for one object.  A key's conditions (ETag,
 * LastModifiedTime, Size) are checked on the record read, in that step.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


/* One key of a call, in the order the commit reads them: index order. */
typedef struct {
    size_t          idx;                /* in keys[] and results[] */
    sos_buf_t       ikey;
    char           *val;                /* rec's strings point into it */
    sos_obj_rec_t   rec;
    unsigned        found:1;            /* its removal is in the batch */
    unsigned        again:1;            /* named before: not read again */
} sos_delete_one_t;

/* The results of a call, and the first failure in the order given. */
typedef struct {
    sos_rc_e      *results;
    size_t         first;               /* idx of that failure, or n */
    sos_rc_e       first_rc;
    sos_error_t   *err;
} sos_delete_t;


static void sos_delete_note(sos_delete_t *d, size_t idx, sos_rc_e rc,
    const sos_error_t *e);
static int sos_delete_cmp(const void *one, const void *two);
static int sos_delete_same(const sos_delete_one_t *a,
    const sos_delete_one_t *b);
static sos_rc_e sos_delete_versioned(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_str_t *keys, const sos_delete_cond_t *conds,
    size_t n, sos_rc_e *results, sos_error_t *err);


sos_rc_e
sos_objects_delete(sos_store_t *store, const char *bucket, size_t bucket_len,
    const sos_str_t *keys, size_t n, sos_rc_e *results, sos_error_t *err)
{
    return sos_objects_delete_if(store, bucket, bucket_len, keys, NULL, n,
                                 results, err);
}


sos_rc_e
sos_objects_delete_if(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_str_t *keys, const sos_delete_cond_t *conds,
    size_t n, sos_rc_e *results, sos_error_t *err)
{
    size_t                 i, m, found;
    int64_t                bytes;
    uint64_t               seq;
    sos_rc_e               rc, sync_rc;
    sos_error_t            e;
    sos_delete_t           d;
    sos_delete_one_t      *k;
    sos_bucket_id_t        bid;
    leveldb_writebatch_t  *batch;

    d.results = results;
    d.first = n;
    d.first_rc = SOS_OK;
    d.err = err;

    /* a versioned bucket's deletes make delete markers */
    if (n > 0 && n <= SOS_DELETE_MAX
        && sos_bucket_ident(store, bucket, bucket_len, &bid, &e) == SOS_OK
        && bid.versioning != SOS_VERSIONING_OFF)
    {
        return sos_delete_versioned(store, bucket, bucket_len, keys, conds, n,
                                    results, err);
    }

    if (n > SOS_DELETE_MAX) {
        sos_err(&e, SOS_EINVAL, 0, "%zu keys in one delete from bucket "
                "\"%.*s\": at most %d", n, (int) bucket_len, bucket,
                SOS_DELETE_MAX);
        for (i = 0; i < n; i++) {
            sos_delete_note(&d, i, SOS_EINVAL, &e);
        }
        return d.first_rc;
    }

    k = calloc(n ? n : 1, sizeof(sos_delete_one_t));
    if (k == NULL) {
        sos_err(&e, SOS_ENOMEM, ENOMEM, "no memory for a delete of %zu "
                "keys", n);
        for (i = 0; i < n; i++) {
            sos_delete_note(&d, i, SOS_ENOMEM, &e);
        }
        return d.first_rc;
    }

    /* a key that cannot be stored fails alone; m keys go on */

    m = 0;
    for (i = 0; i < n; i++) {
        rc = sos_object_ikey(&k[m].ikey, bucket, bucket_len, keys[i].data,
                             keys[i].len, "a delete", &e);
        if (rc != SOS_OK) {
            sos_delete_note(&d, i, rc, &e);
            continue;
        }
        k[m++].idx = i;
    }

    if (m == 0) {
        goto done;
    }

    /* a fenced store reopens here too: deletes free room */
    rc = sos_idx_writable(store, 0, &e);
    if (rc != SOS_OK) {
        for (i = 0; i < m; i++) {
            sos_delete_note(&d, k[i].idx, rc, &e);
        }
        goto done;
    }

    /* a key named twice: adjacent, the first named first */
    qsort(k, m, sizeof(sos_delete_one_t), sos_delete_cmp);

    found = 0;
    bytes = 0;
    seq = 0;
    batch = leveldb_writebatch_create();

    sos_idx_enter(store);
    pthread_mutex_lock(&store->commit_lock);

    for (i = 0; i < m; i++) {
        if (i > 0 && sos_delete_same(&k[i - 1], &k[i])) {
            k[i].again = 1;
            continue;
        }

        rc = sos_object_load(store, &k[i].ikey, bucket, bucket_len,
                             keys[k[i].idx].data, keys[k[i].idx].len,
                             &k[i].val, &k[i].rec, &e);
        if (rc != SOS_OK) {
            sos_delete_note(&d, k[i].idx, rc, &e);
            continue;
        }

        if (conds != NULL
            && !sos_delete_cond_met(&conds[k[i].idx], &k[i].rec))
        {
            sos_delete_note(&d, k[i].idx, SOS_EPRECONDITION, &e);
            continue;
        }

        /* a bucket versioned (and locked) since it was read: a guard */
        rc = sos_lock_check(&k[i].rec, 0, bucket, bucket_len,
                            keys[k[i].idx].data, keys[k[i].idx].len, &e);
        if (rc != SOS_OK) {
            sos_delete_note(&d, k[i].idx, rc, &e);
            continue;
        }

        k[i].found = 1;
        found++;
        bytes += (int64_t) k[i].rec.size;

        leveldb_writebatch_delete(batch, (const char *) k[i].ikey.data,
                                  k[i].ikey.len);
        sos_garbage_add(batch, k[i].rec.extents, k[i].rec.n_extents);
    }

    rc = SOS_OK;

    if (found > 0) {
        rc = sos_counters_add(store, batch, bucket, bucket_len,
                              -(int64_t) found, -bytes, &e);
        if (rc == SOS_OK) {
            rc = sos_idx_apply(store, batch, NULL, &seq, &e);
        }
    } else {
        /* answers that every key is gone rest on what was read */
        seq = sos_idx_applied(store);
    }

    pthread_mutex_unlock(&store->commit_lock);
    sos_idx_leave(store);

    sync_rc = SOS_OK;
    if (rc == SOS_OK) {
        sync_rc = sos_idx_sync(store, seq, &e);
        rc = sync_rc;
    }

    leveldb_writebatch_destroy(batch);

    /*
     * All or nothing: a refused batch changed nothing, and one fenced by
     * its failed write stays whole or is dropped whole at the reopen,
     * which collects the garbage of what it replays.
     */

    for (i = 0; i < m; i++) {

        /* "no such key" rests on what was read: its failed sync too */
        if (!k[i].found && !k[i].again && sync_rc != SOS_OK
            && (results[k[i].idx] == SOS_ENOTFOUND
                || results[k[i].idx] == SOS_EPRECONDITION))
        {
            sos_delete_note(&d, k[i].idx, sync_rc, &e);
        }

        if (!k[i].found) {
            continue;
        }

        sos_delete_note(&d, k[i].idx, rc, &e);

        if (rc == SOS_OK) {
            sos_garbage_collect(store, k[i].rec.extents, k[i].rec.n_extents);
        }
    }

    /* a key named again finds nothing, unless the first one failed */

    for (i = 0; i < m; i++) {
        if (k[i].again) {
            rc = results[k[i - 1].idx];
            results[k[i].idx] = rc == SOS_OK ? SOS_ENOTFOUND : rc;
        }
    }

done:

    for (i = 0; i < m; i++) {
        sos_obj_rec_free(&k[i].rec);
        free(k[i].val);
        sos_buf_free(&k[i].ikey);
    }
    free(k);

    return d.first_rc;
}


/* sos_objects_delete_if in a versioned bucket: of the current versions. */
static sos_rc_e
sos_delete_versioned(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_str_t *keys, const sos_delete_cond_t *conds,
    size_t n, sos_rc_e *results, sos_error_t *err)
{
    size_t                i;
    sos_rc_e              rc;
    sos_delete_key_t     *k;
    sos_delete_result_t  *r;

    k = calloc(n, sizeof(sos_delete_key_t));
    r = calloc(n, sizeof(sos_delete_result_t));
    if (k == NULL || r == NULL) {
        free(k);
        free(r);
        for (i = 0; i < n; i++) {
            results[i] = SOS_ENOMEM;
        }
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a delete of "
                       "%zu keys", n);
    }

    for (i = 0; i < n; i++) {
        k[i].key = keys[i];
        k[i].cond = conds != NULL ? &conds[i] : NULL;
    }

    rc = sos_objects_delete_versions(store, bucket, bucket_len, k, n, r, err);

    for (i = 0; i < n; i++) {
        results[i] = r[i].rc;
    }
    free(k);
    free(r);
    return rc;
}


/*
 * The result of key idx; a failure (neither deleted, missing nor refused
 * by its conditions) before every one noted so far becomes the call's.
 */
static void
sos_delete_note(sos_delete_t *d, size_t idx, sos_rc_e rc,
    const sos_error_t *e)
{
    d->results[idx] = rc;

    if (rc == SOS_OK || rc == SOS_ENOTFOUND || rc == SOS_EPRECONDITION
        || idx >= d->first)
    {
        return;
    }

    d->first = idx;
    d->first_rc = rc;
    if (d->err != NULL) {
        *d->err = *e;
    }
}


int
sos_delete_cond_met(const sos_delete_cond_t *cond, const sos_obj_rec_t *rec)
{
    if (cond == NULL) {
        return 1;
    }

    if (cond->etag != NULL && strcmp(cond->etag, "*") != 0
        && strcmp(cond->etag, rec->etag) != 0)
    {
        return 0;
    }

    if (cond->has_mtime && cond->mtime != rec->mtime) {
        return 0;
    }

    return !cond->has_size || cond->size == rec->size;
}


/* Index key order; the same key in the order named. */
static int
sos_delete_cmp(const void *one, const void *two)
{
    int                      c;
    size_t                   len;
    const sos_delete_one_t  *a = one, *b = two;

    len = a->ikey.len < b->ikey.len ? a->ikey.len : b->ikey.len;
    c = memcmp(a->ikey.data, b->ikey.data, len);
    if (c != 0) {
        return c;
    }
    if (a->ikey.len != b->ikey.len) {
        return a->ikey.len < b->ikey.len ? -1 : 1;
    }
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}


static int
sos_delete_same(const sos_delete_one_t *a, const sos_delete_one_t *b)
{
    return a->ikey.len == b->ikey.len
           && memcmp(a->ikey.data, b->ikey.data, a->ikey.len) == 0;
}
