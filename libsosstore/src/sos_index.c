/*
 * Thin wrappers over LevelDB's C API that turn its errptr convention into
 * sos_error_t.  Values returned by leveldb_get are malloc'd, so callers
 * free() them.
 */

#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


struct sos_idx_view_s {
    const leveldb_snapshot_t  *snapshot;
    leveldb_readoptions_t     *options;
};


sos_rc_e
sos_idx_get(sos_store_t *st, const sos_buf_t *key, char **val,
    size_t *val_len, sos_error_t *err)
{
    return sos_idx_view_get(st, NULL, key, val, val_len, err);
}


sos_idx_view_t *
sos_idx_view(sos_store_t *st)
{
    sos_idx_view_t  *v;

    v = malloc(sizeof(sos_idx_view_t));
    if (v == NULL) {
        return NULL;
    }

    v->snapshot = leveldb_create_snapshot(st->db);
    v->options = leveldb_readoptions_create();
    leveldb_readoptions_set_snapshot(v->options, v->snapshot);
    return v;
}


void
sos_idx_view_free(sos_store_t *st, sos_idx_view_t *v)
{
    if (v != NULL) {
        leveldb_readoptions_destroy(v->options);
        leveldb_release_snapshot(st->db, v->snapshot);
        free(v);
    }
}


sos_rc_e
sos_idx_view_get(sos_store_t *st, const sos_idx_view_t *v,
    const sos_buf_t *key, char **val, size_t *val_len, sos_error_t *err)
{
    char  *errptr = NULL;

    if (key->oom) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index key");
    }

    *val = leveldb_get(st->db, v != NULL ? v->options : st->read_options,
                       (const char *) key->data, key->len, val_len, &errptr);
    if (errptr != NULL) {
        return sos_err_leveldb(err, errptr, "get");
    }

    if (*val == NULL) {
        return SOS_ENOTFOUND;
    }

    return SOS_OK;
}


sos_rc_e
sos_idx_put(sos_store_t *st, const sos_buf_t *key, const void *val,
    size_t val_len, int sync, sos_error_t *err)
{
    sos_rc_e               rc;
    leveldb_writebatch_t  *batch;

    if (key->oom) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index key");
    }

    batch = leveldb_writebatch_create();
    leveldb_writebatch_put(batch, (const char *) key->data, key->len, val,
                           val_len);
    rc = sos_idx_write(st, batch, sync, err);
    leveldb_writebatch_destroy(batch);

    return rc;
}


sos_rc_e
sos_idx_delete(sos_store_t *st, const sos_buf_t *key, int sync,
    sos_error_t *err)
{
    sos_rc_e               rc;
    leveldb_writebatch_t  *batch;

    if (key->oom) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index key");
    }

    batch = leveldb_writebatch_create();
    leveldb_writebatch_delete(batch, (const char *) key->data, key->len);
    rc = sos_idx_write(st, batch, sync, err);
    leveldb_writebatch_destroy(batch);

    return rc;
}


/*
 * One write at a time, none after a failed one (see idx_lock).  The lock
 * costs LevelDB's group commit: most synced writes hold commit_lock and
 * are serialised already.
 */
sos_rc_e
sos_idx_write(sos_store_t *st, leveldb_writebatch_t *batch, int sync,
    sos_error_t *err)
{
    int          fenced;
    char        *errptr = NULL;
    sos_error_t  cause;

    pthread_mutex_lock(&st->idx_lock);

    fenced = st->fenced;
    if (!fenced) {
        leveldb_write(st->db, sync ? st->sync_write : st->lazy_write, batch,
                      &errptr);
        if (errptr != NULL) {
            st->fenced = 1;
        }
    }

    pthread_mutex_unlock(&st->idx_lock);

    if (fenced) {
        return sos_err(err, SOS_EFENCED, 0, "the index refuses writes since "
                       "a write to it failed, until the store is reopened");
    }

    if (errptr == NULL) {
        return SOS_OK;
    }

    sos_err_leveldb(&cause, errptr, "write");
    sos_err(err, SOS_EFENCED, 0, "writes refused until the store is "
            "reopened: %s", cause.msg);
    if (err != NULL) {
        err->sys_errno = cause.sys_errno;
    }

    return SOS_EFENCED;
}


sos_rc_e
sos_idx_writable(sos_store_t *st, sos_error_t *err)
{
    int  fenced;

    pthread_mutex_lock(&st->idx_lock);
    fenced = st->fenced;
    pthread_mutex_unlock(&st->idx_lock);

    if (fenced) {
        return sos_err(err, SOS_EFENCED, 0, "the index refuses writes since "
                       "a write to it failed, until the store is reopened");
    }

    return SOS_OK;
}


leveldb_iterator_t *
sos_idx_iter(sos_store_t *st)
{
    return leveldb_create_iterator(st->db, st->read_options);
}


int
sos_idx_iter_in(leveldb_iterator_t *it, const void *prefix, size_t len)
{
    size_t       klen;
    const char  *k;

    if (!leveldb_iter_valid(it)) {
        return 0;
    }

    k = leveldb_iter_key(it, &klen);
    return klen >= len && memcmp(k, prefix, len) == 0;
}


sos_rc_e
sos_idx_iter_error(leveldb_iterator_t *it, sos_error_t *err,
    const char *what)
{
    char  *errptr = NULL;

    leveldb_iter_get_error(it, &errptr);
    if (errptr != NULL) {
        return sos_err_leveldb(err, errptr, what);
    }

    return SOS_OK;
}


int
sos_idx_has_prefix(sos_store_t *st, const void *prefix, size_t len,
    sos_error_t *err)
{
    int                  found;
    char                *errptr = NULL;
    leveldb_iterator_t  *it;

    it = sos_idx_iter(st);
    leveldb_iter_seek(it, prefix, len);
    found = sos_idx_iter_in(it, prefix, len);

    leveldb_iter_get_error(it, &errptr);
    leveldb_iter_destroy(it);

    if (errptr != NULL) {
        sos_err_leveldb(err, errptr, "scan");
        return -1;
    }

    return found;
}


sos_rc_e
sos_idx_scan(sos_store_t *st, char type, sos_idx_visit_pt visit, void *ctx,
    sos_error_t *err)
{
    char                *errptr = NULL;
    size_t               klen, vlen;
    sos_rc_e             rc = SOS_OK;
    const char          *k, *v;
    leveldb_iterator_t  *it;

    it = sos_idx_iter(st);

    for (leveldb_iter_seek(it, &type, 1); sos_idx_iter_in(it, &type, 1);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        rc = visit(ctx, k + 1, klen - 1, v, vlen);
        if (rc != SOS_OK) {
            break;
        }
    }

    leveldb_iter_get_error(it, &errptr);
    leveldb_iter_destroy(it);

    if (rc == SOS_SCAN_STOP) {
        rc = SOS_OK;
    }

    if (errptr != NULL) {
        return rc == SOS_OK ? sos_err_leveldb(err, errptr, "index scan")
                            : (leveldb_free(errptr), rc);
    }

    return rc;
}
