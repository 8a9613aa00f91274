/*
 * Deletes in a bucket that may be versioned: of the current version (a
 * delete marker, or in a bucket never versioned the object itself) or
 * of one version by its id, for good.  Each key's delete is one step
 * under commit_lock, applied unsynced; the call syncs once at the end
 * (group commit), then collects the files of the versions removed.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


/* What one key's delete holds until its files are collected. */
typedef struct {
    sos_version_drop_t  cur;            /* the version deleted or hidden */
    sos_version_drop_t  drop;           /* a null version replaced */
    unsigned            cur_gone:1;     /* cur's files are garbage */
} sos_version_gc_t;


static sos_rc_e sos_version_delete_one(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *vid,
    size_t vid_len, const sos_delete_cond_t *cond, const sos_str_t *owner,
    int bypass, sos_delete_result_t *res, sos_version_gc_t *gc,
    uint64_t *seq, sos_error_t *err);
static sos_rc_e sos_version_delete_current(sos_store_t *st,
    leveldb_writebatch_t *batch, int state, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_delete_cond_t *cond, const sos_str_t *owner,
    sos_delete_result_t *res, sos_version_gc_t *gc, sos_error_t *err);
static sos_rc_e sos_version_delete_id(sos_store_t *st,
    leveldb_writebatch_t *batch, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *vid, size_t vid_len,
    int bypass, sos_delete_result_t *res, sos_version_gc_t *gc,
    sos_error_t *err);
static void sos_version_gc(sos_store_t *st, sos_version_gc_t *gc,
    int collect);


sos_rc_e
sos_object_delete_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_delete_cond_t *cond, const char *owner, int bypass_governance,
    sos_delete_result_t *res, sos_error_t *err)
{
    sos_str_t            who;
    uint64_t             seq;
    sos_rc_e             rc, sync_rc;
    sos_version_gc_t     gc;
    sos_delete_result_t  r;

    rc = sos_key_check(bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }
    if (sos_version_arg(version_id, version_id_len) < 0) {
        return sos_err(err, SOS_EINVAL, 0, "invalid version id");
    }

    /* a fenced store reopens here too: deletes free room */
    rc = sos_idx_writable(store, 0, err);
    if (rc != SOS_OK) {
        return rc;
    }

    seq = 0;
    memset(&gc, 0, sizeof(gc));
    who.data = owner;
    who.len = owner != NULL ? strlen(owner) : 0;

    sos_idx_enter(store);
    pthread_mutex_lock(&store->commit_lock);

    rc = sos_version_delete_one(store, bucket, bucket_len, key, key_len,
                                version_id, version_id_len, cond, &who,
                                bypass_governance, &r, &gc, &seq, err);

    pthread_mutex_unlock(&store->commit_lock);
    sos_idx_leave(store);

    /* "no such key" is an answer: durable like any other */
    if (seq != 0) {
        sync_rc = sos_idx_sync(store, seq, err);
        rc = sync_rc != SOS_OK ? sync_rc : rc;
    }

    sos_version_gc(store, &gc, rc == SOS_OK);

    if (rc == SOS_OK && res != NULL) {
        *res = r;
    }
    return rc;
}


sos_rc_e
sos_objects_delete_versions(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_delete_key_t *keys, size_t n,
    sos_delete_result_t *results, sos_error_t *err)
{
    size_t             i, first;
    uint64_t           seq, s;
    sos_rc_e           rc, sync_rc;
    sos_error_t        e, first_e;
    sos_version_gc_t  *gc;

    memset(results, 0, n * sizeof(sos_delete_result_t));
    first = n;
    memset(&first_e, 0, sizeof(first_e));

    gc = NULL;
    rc = SOS_OK;
    if (n > SOS_DELETE_MAX) {
        rc = sos_err(&e, SOS_EINVAL, 0, "%zu keys in one delete from bucket "
                     "\"%.*s\": at most %d", n, (int) bucket_len, bucket,
                     SOS_DELETE_MAX);
    } else if (n > 0) {
        gc = calloc(n, sizeof(sos_version_gc_t));
        rc = gc == NULL ? sos_err(&e, SOS_ENOMEM, ENOMEM, "no memory for a "
                                  "delete of %zu keys", n)
                        : sos_idx_writable(store, 0, &e);
    }

    if (rc != SOS_OK) {
        for (i = 0; i < n; i++) {
            results[i].rc = rc;
        }
        free(gc);
        if (err != NULL) {
            *err = e;
        }
        return rc;
    }

    seq = 0;

    sos_idx_enter(store);
    pthread_mutex_lock(&store->commit_lock);

    for (i = 0; i < n; i++) {
        if (sos_version_arg(keys[i].version_id.data, keys[i].version_id.len)
            < 0)
        {
            results[i].rc = sos_err(&e, SOS_EINVAL, 0, "invalid version id");

        } else {
            s = 0;
            results[i].rc = sos_key_check(bucket, bucket_len,
                                          keys[i].key.data, keys[i].key.len,
                                          &e);
            if (results[i].rc == SOS_OK) {
                results[i].rc = sos_version_delete_one(store, bucket,
                                    bucket_len, keys[i].key.data,
                                    keys[i].key.len, keys[i].version_id.data,
                                    keys[i].version_id.len, keys[i].cond,
                                    &keys[i].owner, keys[i].bypass_governance,
                                    &results[i], &gc[i], &s, &e);
            }
            seq = s > seq ? s : seq;
        }

        rc = results[i].rc;
        if (rc != SOS_OK && rc != SOS_ENOTFOUND && rc != SOS_EPRECONDITION
            && first == n)
        {
            first = i;
            first_e = e;
        }
    }

    pthread_mutex_unlock(&store->commit_lock);
    sos_idx_leave(store);

    sync_rc = seq != 0 ? sos_idx_sync(store, seq, &e) : SOS_OK;

    for (i = 0; i < n; i++) {
        rc = results[i].rc;
        if (sync_rc != SOS_OK
            && (rc == SOS_OK || rc == SOS_ENOTFOUND
                || rc == SOS_EPRECONDITION))
        {
            results[i].rc = sync_rc;
            if (first == n || i < first) {
                first = i;
                first_e = e;
            }
        }
        sos_version_gc(store, &gc[i], results[i].rc == SOS_OK);
    }
    free(gc);

    if (first == n) {
        return SOS_OK;
    }
    if (err != NULL) {
        *err = first_e;
    }
    return results[first].rc;
}


/*
 * One key's delete, under commit_lock: the batch applied unsynced, its
 * number in *seq; a refusal (no such version, conditions) sets *seq to
 * what was applied, for the answer to wait on too.
 */
static sos_rc_e
sos_version_delete_one(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *vid,
    size_t vid_len, const sos_delete_cond_t *cond, const sos_str_t *owner,
    int bypass, sos_delete_result_t *res, sos_version_gc_t *gc,
    uint64_t *seq, sos_error_t *err)
{
    sos_rc_e               rc;
    sos_bucket_id_t        now;
    leveldb_writebatch_t  *batch;

    memset(res, 0, sizeof(*res));
    memset(gc, 0, sizeof(*gc));

    rc = sos_bucket_ident(st, bucket, bucket_len, &now, err);
    if (rc != SOS_OK) {
        return rc;
    }

    batch = leveldb_writebatch_create();

    if (vid == NULL) {
        rc = sos_version_delete_current(st, batch, now.versioning, bucket,
                                        bucket_len, key, key_len, cond, owner,
                                        res, gc, err);
    } else {
        rc = sos_version_delete_id(st, batch, bucket, bucket_len, key,
                                   key_len, vid, vid_len, bypass, res, gc,
                                   err);
    }

    if (rc == SOS_OK) {
        rc = sos_idx_apply(st, batch, NULL, seq, err);
    } else if (rc == SOS_ENOTFOUND || rc == SOS_EPRECONDITION
               || rc == SOS_ELOCKED)
    {
        *seq = sos_idx_applied(st);
    }

    leveldb_writebatch_destroy(batch);
    res->rc = rc;
    return rc;
}


static sos_rc_e
sos_version_delete_current(sos_store_t *st, leveldb_writebatch_t *batch,
    int state, const char *bucket, size_t bucket_len, const char *key,
    size_t key_len, const sos_delete_cond_t *cond, const sos_str_t *owner,
    sos_delete_result_t *res, sos_version_gc_t *gc, sos_error_t *err)
{
    int             have, old_gone;
    int64_t         d_count, d_bytes;
    sos_rc_e        rc;
    sos_buf_t       okey;
    sos_obj_rec_t   marker;

    rc = sos_version_find(st, bucket, bucket_len, key, key_len, NULL, 0,
                          &gc->cur, err);
    if (rc != SOS_OK && rc != SOS_ENOTFOUND) {
        return rc;
    }
    have = rc == SOS_OK;

    /* a zeroed cond has no condition */
    if (cond != NULL && cond->etag == NULL && !cond->has_mtime
        && !cond->has_size)
    {
        cond = NULL;
    }

    if (!have && (cond != NULL || state == SOS_VERSIONING_OFF)) {
        return rc;
    }
    if (have && !sos_delete_cond_met(cond, &gc->cur.rec)) {
        return sos_err(err, SOS_EPRECONDITION, 0, "object \"%.*s\" in bucket "
                       "\"%.*s\" does not meet the delete's conditions",
                       (int) (key_len > 80 ? 80 : key_len), key,
                       (int) bucket_len, bucket);
    }

    if (state == SOS_VERSIONING_OFF) {
        /* never locked: a bucket with Object Lock is versioned; a guard */
        rc = sos_lock_check(&gc->cur.rec, 0, bucket, bucket_len, key,
                            key_len, err);
        if (rc != SOS_OK) {
            return rc;
        }
        leveldb_writebatch_delete(batch, (const char *) gc->cur.vkey.data,
                                  gc->cur.vkey.len);
        sos_garbage_add(batch, gc->cur.rec.extents, gc->cur.rec.n_extents);
        gc->cur_gone = 1;
        return sos_counters_add(st, batch, bucket, bucket_len, -1,
                                -(int64_t) gc->cur.rec.size, err);
    }

    rc = sos_object_ikey(&okey, bucket, bucket_len, key, key_len,
                         "a delete", err);
    if (rc != SOS_OK) {
        return rc;
    }

    memset(&marker, 0, sizeof(marker));
    marker.mtime = sos_now(&marker.mtime_nsec);
    marker.delete_marker = 1;
    if (owner != NULL && owner->len > 0) {
        marker.attrs.owner = *owner;
    }

    d_count = 0;
    d_bytes = 0;
    rc = sos_version_place(st, batch, &okey, bucket, bucket_len, key, key_len,
                           state, &marker, have ? &gc->cur.rec : NULL,
                           &old_gone, &d_count, &d_bytes, &gc->drop, err);
    sos_buf_free(&okey);

    if (rc == SOS_OK) {
        gc->cur_gone = old_gone;
        res->delete_marker = 1;
        memcpy(res->version_id, marker.version_id, sizeof(res->version_id));
        rc = sos_counters_add(st, batch, bucket, bucket_len, d_count, d_bytes,
                              err);
    }
    return rc;
}


static sos_rc_e
sos_version_delete_id(sos_store_t *st, leveldb_writebatch_t *batch,
    const char *bucket, size_t bucket_len, const char *key, size_t key_len,
    const char *vid, size_t vid_len, int bypass, sos_delete_result_t *res,
    sos_version_gc_t *gc, sos_error_t *err)
{
    int                 promote;
    char               *oval;
    size_t              olen;
    sos_rc_e            rc;
    sos_buf_t           val, okey;
    sos_version_drop_t  next;
    sos_obj_rec_t      *r;

    rc = sos_version_find(st, bucket, bucket_len, key, key_len, vid, vid_len,
                          &gc->cur, err);
    if (rc != SOS_OK) {
        return rc;
    }

    r = &gc->cur.rec;

    /* Object Lock: checked in the step that removes the version */
    rc = sos_lock_check(r, bypass, bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    res->delete_marker = r->delete_marker;
    memcpy(res->version_id, r->version_id, sizeof(res->version_id));

    leveldb_writebatch_delete(batch, (const char *) gc->cur.vkey.data,
                              gc->cur.vkey.len);
    sos_garbage_add(batch, r->extents, r->n_extents);
    gc->cur_gone = 1;

    rc = sos_counters_add(st, batch, bucket, bucket_len,
                          r->delete_marker ? 0 : -1, -(int64_t) r->size, err);
    if (rc != SOS_OK) {
        return rc;
    }

    /*
     * When the latest version went (the current one, or a delete marker
     * that was latest), the newest one left becomes the latest: current,
     * unless it is a delete marker too.
     */

    rc = sos_object_ikey(&okey, bucket, bucket_len, key, key_len,
                         "a delete", err);
    if (rc != SOS_OK) {
        return rc;
    }

    oval = NULL;
    if (!gc->cur.current) {
        rc = sos_idx_get(st, &okey, &oval, &olen, err);
        free(oval);
        if (rc != SOS_ENOTFOUND) {
            /* a current version stays current */
            sos_buf_free(&okey);
            return rc;
        }
    }

    rc = sos_version_first(st, bucket, bucket_len, key, key_len, 0,
                           &gc->cur.vkey, &next, err);
    if (rc != SOS_OK) {
        sos_buf_free(&okey);
        return rc;
    }

    /* a marker was the latest if it sorts before the newest left */
    promote = next.have && !next.rec.delete_marker
              && (gc->cur.current
                  || memcmp(gc->cur.vkey.data, next.vkey.data,
                            gc->cur.vkey.len < next.vkey.len
                            ? gc->cur.vkey.len : next.vkey.len) < 0);

    if (promote) {
        sos_buf_init(&val);
        sos_obj_rec_encode(&val, &next.rec);
        if (val.oom) {
            rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a delete");
        } else {
            /* before the move is applied: a scrub pass then running sees
             * the count change */
            sos_version_moved();
            leveldb_writebatch_delete(batch, (const char *) next.vkey.data,
                                      next.vkey.len);
            leveldb_writebatch_put(batch, (const char *) okey.data, okey.len,
                                   (const char *) val.data, val.len);
        }
        sos_buf_free(&val);
    }

    sos_version_drop_free(&next);
    sos_buf_free(&okey);
    return rc;
}


/* After the commit (collect) or a failure: collect the files of the
 * versions removed, and free what the delete held. */
static void
sos_version_gc(sos_store_t *st, sos_version_gc_t *gc, int collect)
{
    if (collect && gc->cur_gone) {
        sos_garbage_collect(st, gc->cur.rec.extents, gc->cur.rec.n_extents);
    }
    if (collect && gc->drop.have) {
        sos_garbage_collect(st, gc->drop.rec.extents, gc->drop.rec.n_extents);
    }
    sos_version_drop_free(&gc->cur);
    sos_version_drop_free(&gc->drop);
}
