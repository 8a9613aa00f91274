/*
 * Versions of a key (bucket versioning).  The current version stays the
 * O record, so that every path of an unversioned bucket is unchanged;
 * noncurrent versions and delete markers are V records,
 * V<bucket>\0<key>\0<sort id>, whose value is an object record.  A sort
 * id is a version id: 16 hex digits of (2^64 - 1 - the version's time in
 * ns) then 16 random ones, so a key's versions are adjacent and newest
 * first.  The null version has no id: its sort id is made of its mtime
 * the same way, with 16 zeros.  Version times come from one monotonic
 * sequence (sos_version_stamp), so no two versions share a time.
 *
 * A delete marker is never the O record: while one is a key's latest
 * version, the key has no O record and the marker is its first V record.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sos_internal.h"


static void sos_version_put(leveldb_writebatch_t *batch, const sos_buf_t *k,
    const sos_buf_t *val);
static void sos_version_drop(leveldb_writebatch_t *batch,
    const sos_version_drop_t *drop, int64_t *d_count, int64_t *d_bytes);


/* the last version time handed out, ns: process-wide, monotonic */
static uint64_t  sos_version_last;
/* versions moved from V back to O (sos_version_moves) */
static uint64_t  sos_version_back;


uint64_t
sos_version_moves(void)
{
    return __atomic_load_n(&sos_version_back, __ATOMIC_SEQ_CST);
}


void
sos_version_moved(void)
{
    __atomic_add_fetch(&sos_version_back, 1, __ATOMIC_SEQ_CST);
}


void
sos_ikey_version(sos_buf_t *k, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *sort_id)
{
    sos_ikey_bucket(k, SOS_K_VERSION, bucket, bucket_len);
    sos_buf_add_u8(k, 0);
    sos_buf_add(k, key, key_len);
    sos_buf_add_u8(k, 0);
    if (sort_id != NULL) {
        sos_buf_add(k, sort_id, strlen(sort_id));
    }
}


int
sos_version_arg(const char *vid, size_t len)
{
    size_t  i;

    if (vid == NULL) {
        return SOS_VER_CURRENT;
    }
    if (len == 4 && memcmp(vid, "null", 4) == 0) {
        return SOS_VER_NULL;
    }
    if (len != SOS_VERSION_ID_LEN) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (!((vid[i] >= '0' && vid[i] <= '9')
              || (vid[i] >= 'a' && vid[i] <= 'f')))
        {
            return -1;
        }
    }
    return SOS_VER_ID;
}


void
sos_version_sort_id(const sos_obj_rec_t *rec, char *id)
{
    uint64_t  ns;

    if (rec->version_id[0] != '\0') {
        memcpy(id, rec->version_id, SOS_VERSION_ID_LEN + 1);
        return;
    }

    ns = (uint64_t) rec->mtime * 1000000000ULL + (uint64_t) rec->mtime_nsec;
    snprintf(id, SOS_VERSION_ID_LEN + 1, "%016llx0000000000000000",
             (unsigned long long) (UINT64_MAX - ns));
}


void
sos_version_stamp(sos_obj_rec_t *rec, int null)
{
    uint64_t         ns, prev, mine;
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ns = (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
    mine = (uint64_t) rec->mtime * 1000000000ULL
           + (uint64_t) rec->mtime_nsec;

    prev = __atomic_load_n(&sos_version_last, __ATOMIC_RELAXED);
    do {
        ns = null ? mine : ns;
        if (ns <= prev) {
            ns = prev + 1;
        }
    } while (!__atomic_compare_exchange_n(&sos_version_last, &prev, ns, 0,
                                          __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));

    if (null) {
        /* the null version sorts by its mtime: moved on if it was taken */
        rec->version_id[0] = '\0';
        rec->mtime = (int64_t) (ns / 1000000000ULL);
        rec->mtime_nsec = (int32_t) (ns % 1000000000ULL);
        return;
    }

    snprintf(rec->version_id, 17, "%016llx",
             (unsigned long long) (UINT64_MAX - ns));
    sos_random_hex(rec->version_id + 16, 16);
    rec->version_id[SOS_VERSION_ID_LEN] = '\0';
}


void
sos_version_info(const sos_obj_rec_t *rec, sos_object_info_t *info)
{
    memcpy(info->version_id, rec->version_id, sizeof(info->version_id));
    info->delete_marker = rec->delete_marker;
    info->mtime = rec->mtime;
    info->mtime_nsec = rec->mtime_nsec;
    info->retention = rec->retention;
}


sos_rc_e
sos_version_first(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, int want_null, const sos_buf_t *skip,
    sos_version_drop_t *v, sos_error_t *err)
{
    int                  found;
    char                *errptr;
    size_t               klen, vlen;
    sos_rc_e             rc;
    sos_buf_t            prefix;
    const char          *k, *val;
    leveldb_iterator_t  *it;

    memset(v, 0, sizeof(*v));
    sos_buf_init(&v->vkey);
    sos_buf_init(&prefix);
    sos_ikey_version(&prefix, bucket, bucket_len, key, key_len, NULL);
    if (prefix.oom) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a version");
    }

    it = sos_idx_iter(st);
    if (it == NULL) {
        sos_buf_free(&prefix);
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index scan");
    }

    rc = SOS_OK;
    found = 0;

    for (leveldb_iter_seek(it, (const char *) prefix.data, prefix.len);
         sos_idx_iter_in(it, prefix.data, prefix.len);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        val = leveldb_iter_value(it, &vlen);

        if (skip != NULL && skip->len == klen
            && memcmp(skip->data, k, klen) == 0)
        {
            continue;
        }

        /* the record's strings point into the value: decode a copy */
        free(v->val);
        v->val = malloc(vlen ? vlen : 1);
        if (v->val == NULL) {
            rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a version");
            break;
        }
        memcpy(v->val, val, vlen);

        if (sos_obj_rec_decode(v->val, vlen, &v->rec) != 0) {
            rc = sos_err(err, SOS_ECORRUPT, 0, "bad version record in "
                         "bucket \"%.*s\"", (int) bucket_len, bucket);
            break;
        }

        if (want_null && v->rec.version_id[0] != '\0') {
            sos_obj_rec_free(&v->rec);
            continue;
        }

        sos_buf_add(&v->vkey, k, klen);
        found = 1;
        break;
    }

    errptr = NULL;
    leveldb_iter_get_error(it, &errptr);
    sos_idx_iter_close(st, it);
    sos_buf_free(&prefix);

    if (errptr != NULL) {
        sos_version_drop_free(v);
        return sos_err_leveldb(err, errptr, "version scan");
    }
    if (rc == SOS_OK && found && v->vkey.oom) {
        rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a version");
    }
    if (rc != SOS_OK) {
        sos_version_drop_free(v);
        return rc;
    }

    v->have = found;
    return SOS_OK;
}


void
sos_version_drop_free(sos_version_drop_t *v)
{
    sos_obj_rec_free(&v->rec);
    free(v->val);
    v->val = NULL;
    sos_buf_free(&v->vkey);
    v->have = 0;
}


sos_rc_e
sos_version_find(sos_store_t *st, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *vid, size_t vid_len,
    sos_version_drop_t *v, sos_error_t *err)
{
    int        kind;
    char       id[SOS_VERSION_ID_LEN + 1];
    size_t     len;
    sos_rc_e   rc;

    memset(v, 0, sizeof(*v));
    sos_buf_init(&v->vkey);

    kind = sos_version_arg(vid, vid_len);
    if (kind < 0) {
        return sos_err(err, SOS_EINVAL, 0, "invalid version id");
    }

    rc = sos_object_ikey(&v->vkey, bucket, bucket_len, key, key_len,
                         "a version", err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_object_load(st, &v->vkey, bucket, bucket_len, key, key_len,
                         &v->val, &v->rec, err);
    if (rc == SOS_OK) {
        if (kind == SOS_VER_CURRENT
            || (kind == SOS_VER_NULL && v->rec.version_id[0] == '\0')
            || (kind == SOS_VER_ID
                && memcmp(v->rec.version_id, vid, vid_len) == 0))
        {
            v->have = 1;
            v->current = 1;
            return SOS_OK;
        }
    } else if (rc != SOS_ENOTFOUND) {
        sos_version_drop_free(v);
        return rc;
    }

    sos_version_drop_free(v);

    if (kind == SOS_VER_CURRENT) {
        return rc;
    }

    if (kind == SOS_VER_NULL) {
        rc = sos_version_first(st, bucket, bucket_len, key, key_len, 1, NULL,
                               v, err);

    } else {
        memcpy(id, vid, SOS_VERSION_ID_LEN);
        id[SOS_VERSION_ID_LEN] = '\0';
        sos_ikey_version(&v->vkey, bucket, bucket_len, key, key_len, id);
        rc = v->vkey.oom ? sos_err(err, SOS_ENOMEM, ENOMEM, "no memory")
                         : sos_idx_get(st, &v->vkey, &v->val, &len, err);
        if (rc == SOS_OK) {
            if (sos_obj_rec_decode(v->val, len, &v->rec) != 0) {
                sos_version_drop_free(v);
                return sos_err(err, SOS_ECORRUPT, 0, "bad version record "
                               "in bucket \"%.*s\"", (int) bucket_len,
                               bucket);
            }
            v->have = 1;
        }
    }

    if (rc == SOS_OK && !v->have) {
        rc = SOS_ENOTFOUND;
    }
    if (rc == SOS_ENOTFOUND) {
        sos_version_drop_free(v);
        return sos_err(err, SOS_ENOTFOUND, 0, "no such version of \"%.*s\" "
                       "in bucket \"%.*s\"",
                       (int) (key_len > 80 ? 80 : key_len), key,
                       (int) bucket_len, bucket);
    }
    if (rc != SOS_OK) {
        sos_version_drop_free(v);
    }
    return rc;
}


sos_rc_e
sos_version_place(sos_store_t *st, leveldb_writebatch_t *batch,
    const sos_buf_t *okey, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, int state, sos_obj_rec_t *rec,
    const sos_obj_rec_t *old, int *old_dropped, int64_t *d_count,
    int64_t *d_bytes, sos_version_drop_t *drop, sos_error_t *err)
{
    int        null;
    char       sort[SOS_VERSION_ID_LEN + 1];
    sos_rc_e   rc;
    sos_buf_t  k, val;

    *old_dropped = 0;
    memset(drop, 0, sizeof(*drop));
    sos_buf_init(&drop->vkey);
    sos_buf_init(&k);
    sos_buf_init(&val);

    null = state == SOS_VERSIONING_SUSPENDED;
    sos_version_stamp(rec, null);

    if (old != NULL) {
        if (null && old->version_id[0] == '\0') {
            /* the null version replaced: its files go, unless locked (a
             * bucket with Object Lock is never suspended: a guard) */
            rc = sos_lock_check(old, 0, bucket, bucket_len, key, key_len,
                                err);
            if (rc != SOS_OK) {
                return rc;
            }
            sos_garbage_add(batch, old->extents, old->n_extents);
            *d_count -= 1;
            *d_bytes -= (int64_t) old->size;
            *old_dropped = 1;

        } else {
            sos_version_sort_id(old, sort);
            sos_ikey_version(&k, bucket, bucket_len, key, key_len, sort);
            sos_obj_rec_encode(&val, old);
            sos_version_put(batch, &k, &val);
        }
    }

    if (null && !*old_dropped) {
        rc = sos_version_first(st, bucket, bucket_len, key, key_len, 1, NULL,
                               drop, err);
        if (rc == SOS_OK && drop->have) {
            rc = sos_lock_check(&drop->rec, 0, bucket, bucket_len, key,
                                key_len, err);
        }
        if (rc == SOS_OK && drop->have) {
            sos_version_drop(batch, drop, d_count, d_bytes);
        }
        if (rc != SOS_OK) {
            sos_buf_free(&k);
            sos_buf_free(&val);
            return rc;
        }
    }

    sos_buf_reset(&val);
    sos_obj_rec_encode(&val, rec);

    if (rec->delete_marker) {
        sos_version_sort_id(rec, sort);
        sos_ikey_version(&k, bucket, bucket_len, key, key_len, sort);
        sos_version_put(batch, &k, &val);
        if (old != NULL) {
            leveldb_writebatch_delete(batch, (const char *) okey->data,
                                      okey->len);
        }

    } else {
        sos_version_put(batch, okey, &val);
        *d_count += 1;
        *d_bytes += (int64_t) rec->size;
    }

    rc = (k.oom || val.oom) ? sos_err(err, SOS_ENOMEM, ENOMEM, "no memory "
                                      "for a version")
                            : SOS_OK;
    sos_buf_free(&k);
    sos_buf_free(&val);
    return rc;
}


/* Remove the V record drop names and count it out; its files go to
 * garbage. */
static void
sos_version_drop(leveldb_writebatch_t *batch, const sos_version_drop_t *drop,
    int64_t *d_count, int64_t *d_bytes)
{
    leveldb_writebatch_delete(batch, (const char *) drop->vkey.data,
                              drop->vkey.len);
    sos_garbage_add(batch, drop->rec.extents, drop->rec.n_extents);
    *d_count -= drop->rec.delete_marker ? 0 : 1;
    *d_bytes -= (int64_t) drop->rec.size;
}


static void
sos_version_put(leveldb_writebatch_t *batch, const sos_buf_t *k,
    const sos_buf_t *val)
{
    if (!k->oom && !val->oom) {
        leveldb_writebatch_put(batch, (const char *) k->data, k->len,
                               (const char *) val->data, val->len);
    }
}


/*
 * Whether rec is the version info describes, with the owner and ACL the
 * caller's permission rested on: the same write (a record without files
 * has no write id: its etag, size and mtime to the nanosecond tell it),
 * and the same answer to who may change it.
 */
int
sos_version_is(const sos_obj_rec_t *rec, const sos_object_info_t *info)
{
    const char  *write_id;

    write_id = rec->n_extents > 0 ? rec->extents[0].id : "";

    return strcmp(write_id, info->write_id) == 0
           && strcmp(rec->etag, info->etag) == 0
           && rec->size == info->size
           && rec->mtime == info->mtime
           && rec->mtime_nsec == info->mtime_nsec
           && rec->parts == info->parts
           && sos_str_same(&rec->attrs.owner, &info->attrs.owner)
           && sos_str_same(&rec->attrs.acl, &info->attrs.acl);
}


sos_rc_e
sos_version_rewrite(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *vid,
    size_t vid_len, sos_version_edit_pt edit, void *ctx, sos_error_t *err)
{
    char                   show[SOS_KEY_SHOW + 4], why[sizeof(err->msg)];
    uint64_t               seq;
    sos_rc_e               rc, sync_rc;
    sos_buf_t              nval;
    sos_version_drop_t     v;
    leveldb_writebatch_t  *batch;

    rc = sos_key_check(bucket, bucket_len, key, key_len, err);
    if (rc != SOS_OK) {
        return rc;
    }
    if (sos_version_arg(vid, vid_len) < 0) {
        return sos_err(err, SOS_EINVAL, 0, "invalid version id");
    }

    sos_buf_init(&nval);
    memset(&v, 0, sizeof(v));
    sos_buf_init(&v.vkey);
    batch = leveldb_writebatch_create();
    seq = 0;

    sos_idx_enter(store);
    pthread_mutex_lock(&store->commit_lock);

    /*
     * the current version is the O record, one read; a noncurrent one its
     * V record, changed where it lies: a later promotion or demotion moves
     * the whole record, the change with it
     */

    rc = sos_version_find(store, bucket, bucket_len, key, key_len, vid,
                          vid_len, &v, err);

    if (rc == SOS_OK && v.rec.delete_marker) {
        rc = sos_err(err, SOS_ENOTFOUND, 0, "a version of an object in "
                     "bucket \"%.*s\" is a delete marker", (int) bucket_len,
                     bucket);
    }

    if (rc == SOS_OK) {
        rc = edit(store, &v.rec, ctx, err);

        if (rc != SOS_OK) {
            /* edit's refusal, naming the object */
            memcpy(why, err->msg, sizeof(why));
            rc = sos_err(err, rc, err->sys_errno, "object \"%s\" in bucket "
                         "\"%.*s\": %s", sos_key_show(show, key, key_len),
                         (int) bucket_len, bucket, why);
        }
    }

    if (rc == SOS_OK) {
        sos_obj_rec_encode(&nval, &v.rec);
        if (nval.oom) {
            rc = sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a version's "
                         "record");
        } else {
            leveldb_writebatch_put(batch, (const char *) v.vkey.data,
                                   v.vkey.len, (const char *) nval.data,
                                   nval.len);
            rc = sos_idx_apply(store, batch, NULL, &seq, err);
        }
    }
    sos_version_drop_free(&v);

    /* a refusal waits too: it may rest on a write not durable yet */
    if (rc != SOS_OK && rc != SOS_EFENCED && rc != SOS_EREOPENED) {
        seq = sos_idx_applied(store);
    }

    pthread_mutex_unlock(&store->commit_lock);
    sos_idx_leave(store);

    if (seq != 0) {
        sync_rc = sos_idx_sync(store, seq, err);
        if (sync_rc != SOS_OK) {
            rc = sync_rc;
        }
    }

    leveldb_writebatch_destroy(batch);
    sos_buf_free(&nval);
    return rc;
}
