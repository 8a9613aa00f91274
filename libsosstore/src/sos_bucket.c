/*
 * Buckets (B records) and their object counters (C records).  Counters are
 * kept in their own record so that a commit rewrites a few bytes, not the
 * bucket's ACL; every change to them happens under commit_lock in the same
 * batch as the change it counts.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


typedef struct {
    uint64_t  count;
    uint64_t  bytes;
} sos_counters_t;


/* sos_bucket_update's `which` beyond the settings */
#define SOS_BUCKET_SET_VERSIONING  SOS_BUCKET_NCONF
#define SOS_BUCKET_SET_LOCK        (SOS_BUCKET_NCONF + 1)

/* the longest default retention, as S3 (100 years) */
#define SOS_LOCK_MAX_DAYS          36500
#define SOS_LOCK_MAX_YEARS         100


static sos_rc_e sos_bucket_make(sos_store_t *store, const char *name,
    size_t name_len, const char *owner_id, const char *region,
    const void *acl, size_t acl_len, int locked, sos_bucket_t *out,
    sos_error_t *err);
static sos_rc_e sos_bucket_update(sos_store_t *store, const char *name,
    size_t name_len, const sos_bucket_info_t *expect, int which,
    const sos_str_t *v, int versioning, const sos_bucket_lock_t *lock,
    sos_error_t *err);


static int
sos_bucket_name_ok(const char *name, size_t len)
{
    return len > 0 && len <= SOS_MAX_BUCKET_LEN
           && memchr(name, '\0', len) == NULL
           && memchr(name, '/', len) == NULL;
}


static sos_rc_e
sos_counters_get(sos_store_t *st, const char *bucket, size_t bucket_len,
    sos_counters_t *c, sos_error_t *err)
{
    char       *val;
    size_t      len;
    sos_rc_e    rc;
    sos_buf_t   key;
    sos_rbuf_t  r;

    memset(c, 0, sizeof(*c));
    sos_buf_init(&key);
    sos_ikey_bucket(&key, SOS_K_COUNTERS, bucket, bucket_len);
    rc = sos_idx_get(st, &key, &val, &len, err);
    sos_buf_free(&key);

    if (rc == SOS_ENOTFOUND) {
        return SOS_OK;
    }
    if (rc != SOS_OK) {
        return rc;
    }

    sos_rbuf_init(&r, val, len);
    if (sos_rbuf_u8(&r) == SOS_RECORD_VERSION) {
        c->count = sos_rbuf_varint(&r);
        c->bytes = sos_rbuf_varint(&r);
    }
    free(val);

    if (r.bad) {
        return sos_err(err, SOS_ECORRUPT, 0,
                       "counters of bucket \"%.*s\" are malformed",
                       (int) bucket_len, bucket);
    }
    return SOS_OK;
}


/* Add the counters to batch; -1 without memory (batch unchanged). */
static int
sos_counters_put(leveldb_writebatch_t *batch, const char *bucket,
    size_t bucket_len, const sos_counters_t *c)
{
    int        rc;
    sos_buf_t  key, val;

    sos_buf_init(&key);
    sos_buf_init(&val);
    sos_ikey_bucket(&key, SOS_K_COUNTERS, bucket, bucket_len);
    sos_buf_add_u8(&val, SOS_RECORD_VERSION);
    sos_buf_add_varint(&val, c->count);
    sos_buf_add_varint(&val, c->bytes);

    rc = (key.oom || val.oom) ? -1 : 0;
    if (rc == 0) {
        leveldb_writebatch_put(batch, (const char *) key.data, key.len,
                               (const char *) val.data, val.len);
    }

    sos_buf_free(&key);
    sos_buf_free(&val);
    return rc;
}


sos_rc_e
sos_counters_add(sos_store_t *st, leveldb_writebatch_t *batch,
    const char *bucket, size_t bucket_len, int64_t d_count, int64_t d_bytes,
    sos_error_t *err)
{
    sos_rc_e        rc;
    sos_counters_t  c;

    rc = sos_counters_get(st, bucket, bucket_len, &c, err);
    if (rc != SOS_OK) {
        return rc;
    }

    /* never wrap below zero, whatever an old record said */
    c.count = (d_count < 0 && (uint64_t) -d_count > c.count)
              ? 0 : c.count + (uint64_t) d_count;
    c.bytes = (d_bytes < 0 && (uint64_t) -d_bytes > c.bytes)
              ? 0 : c.bytes + (uint64_t) d_bytes;

    if (sos_counters_put(batch, bucket, bucket_len, &c) != 0) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for bucket counters");
    }
    return SOS_OK;
}


/*
 * Decode a B record into *b (name set by the caller); acl and conf (an
 * array of SOS_BUCKET_NCONF) optional.  The settings follow the ACL as a
 * count and that many blobs; a record written before they existed ends
 * after the ACL, and has none.  The versioning state (a varint) follows
 * the settings; a record without it is of a bucket never versioned.
 * Object Lock follows it: the flag, the default retention's mode, days
 * and years (varints); a record without them has no Object Lock.
 */
static int
sos_bucket_decode(const char *val, size_t len, sos_bucket_t *b,
    sos_str_t *acl, sos_str_t *conf)
{
    uint64_t    i, n, v;
    sos_str_t   a, c;
    sos_rbuf_t  r;

    sos_rbuf_init(&r, val, len);
    if (sos_rbuf_u8(&r) != SOS_RECORD_VERSION) {
        return -1;
    }
    sos_rbuf_cstr(&r, b->owner, sizeof(b->owner));
    sos_rbuf_cstr(&r, b->region, sizeof(b->region));
    b->created = sos_rbuf_svarint(&r);
    a = sos_rbuf_bytes(&r);
    if (acl != NULL) {
        *acl = a;
    }

    if (conf != NULL) {
        for (i = 0; i < SOS_BUCKET_NCONF; i++) {
            conf[i].data = "";
            conf[i].len = 0;
        }
    }

    n = (!r.bad && r.p < r.end) ? sos_rbuf_varint(&r) : 0;
    if (n > SOS_BUCKET_NCONF) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        c = sos_rbuf_bytes(&r);
        if (conf != NULL) {
            conf[i] = c;
        }
    }

    v = (!r.bad && r.p < r.end) ? sos_rbuf_varint(&r) : SOS_VERSIONING_OFF;
    if (v > SOS_VERSIONING_SUSPENDED) {
        return -1;
    }
    b->versioning = (int) v;

    memset(&b->lock, 0, sizeof(b->lock));
    if (!r.bad && r.p < r.end) {
        b->lock.enabled = (sos_rbuf_varint(&r) != 0);
        v = sos_rbuf_varint(&r);
        b->lock.days = (uint32_t) sos_rbuf_varint(&r);
        b->lock.years = (uint32_t) sos_rbuf_varint(&r);
        if (v > SOS_LOCK_COMPLIANCE) {
            return -1;
        }
        b->lock.mode = (sos_lock_mode_e) v;
    }

    return (r.bad || r.p != r.end) ? -1 : 0;
}


static void
sos_bucket_encode(sos_buf_t *val, const char *owner, const char *region,
    int64_t created, const void *acl, size_t acl_len, const sos_str_t *conf,
    int versioning, const sos_bucket_lock_t *lock)
{
    size_t  i, n;

    sos_buf_add_u8(val, SOS_RECORD_VERSION);
    sos_buf_add_bytes(val, owner, strlen(owner));
    sos_buf_add_bytes(val, region, strlen(region));
    sos_buf_add_svarint(val, created);
    sos_buf_add_bytes(val, acl, acl_len);

    /* up to the last setting that is set: none keeps the old form,
     * unless the versioning state follows */

    n = 0;
    for (i = 0; conf != NULL && i < SOS_BUCKET_NCONF; i++) {
        if (conf[i].len > 0) {
            n = i + 1;
        }
    }

    if (n > 0 || versioning != SOS_VERSIONING_OFF) {
        sos_buf_add_varint(val, n);
        for (i = 0; i < n; i++) {
            sos_buf_add_str(val, &conf[i]);
        }
    }

    if (versioning != SOS_VERSIONING_OFF) {
        sos_buf_add_varint(val, (uint64_t) versioning);
    }

    /* Object Lock is only ever on with versioning on */

    if (lock != NULL && lock->enabled) {
        sos_buf_add_varint(val, 1);
        sos_buf_add_varint(val, (uint64_t) lock->mode);
        sos_buf_add_varint(val, lock->days);
        sos_buf_add_varint(val, lock->years);
    }
}


sos_rc_e
sos_bucket_check(sos_store_t *st, const char *bucket, size_t bucket_len,
    sos_error_t *err)
{
    return sos_bucket_ident(st, bucket, bucket_len, NULL, err);
}


sos_rc_e
sos_bucket_ident(sos_store_t *st, const char *bucket, size_t bucket_len,
    sos_bucket_id_t *id, sos_error_t *err)
{
    char          *val;
    size_t         len;
    sos_rc_e       rc;
    sos_buf_t      key;
    sos_bucket_t   b;

    sos_buf_init(&key);
    sos_ikey_bucket(&key, SOS_K_BUCKET, bucket, bucket_len);
    rc = sos_idx_get(st, &key, &val, &len, err);
    sos_buf_free(&key);

    if (rc == SOS_ENOTFOUND) {
        return sos_err(err, SOS_ENOBUCKET, 0, "no bucket \"%.*s\"",
                       (int) (bucket_len > 64 ? 64 : bucket_len), bucket);
    }
    if (rc != SOS_OK) {
        return rc;
    }

    memset(&b, 0, sizeof(b));
    if (id != NULL && sos_bucket_decode(val, len, &b, NULL, NULL) != 0) {
        rc = sos_err(err, SOS_ECORRUPT, 0, "bucket \"%.*s\" is malformed",
                     (int) (bucket_len > 64 ? 64 : bucket_len), bucket);
    }
    free(val);

    if (rc == SOS_OK && id != NULL) {
        memcpy(id->owner, b.owner, sizeof(id->owner));
        id->created = b.created;
        id->versioning = b.versioning;
        id->lock = b.lock;
    }
    return rc;
}


sos_rc_e
sos_bucket_create(sos_store_t *store, const char *name, size_t name_len,
    const char *owner_id, const char *region, const void *acl,
    size_t acl_len, sos_bucket_t *out, sos_error_t *err)
{
    return sos_bucket_make(store, name, name_len, owner_id, region, acl,
                           acl_len, 0, out, err);
}


sos_rc_e
sos_bucket_create_locked(sos_store_t *store, const char *name,
    size_t name_len, const char *owner_id, const char *region,
    const void *acl, size_t acl_len, sos_bucket_t *out, sos_error_t *err)
{
    return sos_bucket_make(store, name, name_len, owner_id, region, acl,
                           acl_len, 1, out, err);
}


static sos_rc_e
sos_bucket_make(sos_store_t *store, const char *name, size_t name_len,
    const char *owner_id, const char *region, const void *acl,
    size_t acl_len, int locked, sos_bucket_t *out, sos_error_t *err)
{
    char                 *val;
    size_t                len;
    sos_rc_e              rc;
    sos_org_t             org;
    sos_buf_t             key, rec;
    sos_bucket_t          b;
    sos_counters_t        zero = { 0, 0 };
    leveldb_writebatch_t *batch;

    if (!sos_bucket_name_ok(name, name_len)) {
        return sos_err(err, SOS_EINVAL, 0, "invalid bucket name");
    }
    if (region == NULL) {
        region = "";
    }
    if (strlen(region) >= sizeof(b.region)) {
        return sos_err(err, SOS_EINVAL, 0, "region \"%s\" too long", region);
    }

    memset(&b, 0, sizeof(b));
    memcpy(b.name, name, name_len);

    sos_buf_init(&key);
    sos_buf_init(&rec);
    sos_ikey_bucket(&key, SOS_K_BUCKET, name, name_len);

    pthread_mutex_lock(&store->commit_lock);

    rc = sos_org_get(store, owner_id, strlen(owner_id), &org, err);
    if (rc != SOS_OK) {
        goto done;
    }

    rc = sos_idx_get(store, &key, &val, &len, err);
    if (rc == SOS_OK) {
        if (sos_bucket_decode(val, len, &b, NULL, NULL) != 0) {
            rc = sos_err(err, SOS_ECORRUPT, 0, "bucket \"%s\" is malformed",
                         b.name);
        } else {
            rc = sos_err(err, SOS_EEXIST, 0, "bucket \"%s\" exists", b.name);
        }
        free(val);
        goto done;
    }
    if (rc != SOS_ENOTFOUND) {
        goto done;
    }

    snprintf(b.owner, sizeof(b.owner), "%s", owner_id);
    snprintf(b.region, sizeof(b.region), "%s", region);
    b.created = sos_now(NULL);
    if (locked) {
        b.versioning = SOS_VERSIONING_ENABLED;
        b.lock.enabled = 1;
    }
    sos_bucket_encode(&rec, b.owner, b.region, b.created, acl, acl_len,
                      NULL, b.versioning, &b.lock);

    batch = leveldb_writebatch_create();
    leveldb_writebatch_put(batch, (const char *) key.data, key.len,
                           (const char *) rec.data, rec.len);
    rc = (sos_counters_put(batch, name, name_len, &zero) != 0 || key.oom
          || rec.oom)
         ? sos_err(err, SOS_ENOMEM, 0, "no memory for bucket record")
         : sos_idx_write(store, batch, 1, err);
    leveldb_writebatch_destroy(batch);

done:

    pthread_mutex_unlock(&store->commit_lock);
    sos_buf_free(&key);
    sos_buf_free(&rec);

    if ((rc == SOS_OK || rc == SOS_EEXIST) && out != NULL) {
        *out = b;
    }
    return rc;
}


sos_rc_e
sos_bucket_get(sos_store_t *store, const char *name, size_t name_len,
    sos_bucket_info_t **out, sos_error_t *err)
{
    char               *val, *p;
    size_t              len, i;
    sos_rc_e            rc;
    sos_str_t           acl, conf[SOS_BUCKET_NCONF];
    sos_buf_t           key;
    sos_counters_t      c;
    sos_bucket_info_t  *info;

    if (!sos_bucket_name_ok(name, name_len)) {
        return sos_err(err, SOS_ENOBUCKET, 0, "no such bucket");
    }

    sos_buf_init(&key);
    sos_ikey_bucket(&key, SOS_K_BUCKET, name, name_len);
    rc = sos_idx_get(store, &key, &val, &len, err);
    sos_buf_free(&key);

    if (rc == SOS_ENOTFOUND) {
        return sos_err(err, SOS_ENOBUCKET, 0, "no bucket \"%.*s\"",
                       (int) name_len, name);
    }
    if (rc != SOS_OK) {
        return rc;
    }

    /* the ACL and settings follow the struct in the same allocation */
    info = calloc(1, sizeof(*info) + len);
    if (info == NULL) {
        free(val);
        return sos_err(err, SOS_ENOMEM, 0, "no memory for bucket");
    }

    memcpy(info->bucket.name, name, name_len);
    if (sos_bucket_decode(val, len, &info->bucket, &acl, conf) != 0) {
        free(val);
        free(info);
        return sos_err(err, SOS_ECORRUPT, 0, "bucket \"%.*s\" is malformed",
                       (int) name_len, name);
    }

    p = (char *) (info + 1);
    info->acl = acl;
    sos_str_move(&info->acl, &p);
    for (i = 0; i < SOS_BUCKET_NCONF; i++) {
        info->conf[i] = conf[i];
        sos_str_move(&info->conf[i], &p);
    }
    free(val);

    rc = sos_counters_get(store, name, name_len, &c, err);
    if (rc != SOS_OK) {
        free(info);
        return rc;
    }
    info->bucket.object_count = c.count;
    info->bucket.bytes = c.bytes;

    *out = info;
    return SOS_OK;
}


void
sos_bucket_info_free(sos_bucket_info_t *info)
{
    free(info);
}


sos_rc_e
sos_bucket_set_acl(sos_store_t *store, const char *name, size_t name_len,
    const sos_bucket_info_t *expect, const void *acl, size_t acl_len,
    sos_error_t *err)
{
    sos_str_t  v = { acl, acl_len };

    return sos_bucket_update(store, name, name_len, expect, -1, &v, -1,
                             NULL, err);
}


sos_rc_e
sos_bucket_set_conf(sos_store_t *store, const char *name, size_t name_len,
    const sos_bucket_info_t *expect, sos_bucket_conf_e which,
    const void *val, size_t len, sos_error_t *err)
{
    sos_str_t  v = { len ? val : "", len };

    if ((unsigned) which >= SOS_BUCKET_NCONF || len > SOS_BUCKET_CONF_MAX) {
        return sos_err(err, SOS_EINVAL, 0, "bucket setting %d of %zu bytes",
                       (int) which, len);
    }

    return sos_bucket_update(store, name, name_len, expect, (int) which, &v,
                             -1, NULL, err);
}


sos_rc_e
sos_bucket_set_versioning(sos_store_t *store, const char *name,
    size_t name_len, const sos_bucket_info_t *expect, sos_versioning_e state,
    sos_error_t *err)
{
    if (state != SOS_VERSIONING_ENABLED
        && state != SOS_VERSIONING_SUSPENDED)
    {
        return sos_err(err, SOS_EINVAL, 0, "versioning state %d of bucket "
                       "\"%.*s\": only enabled or suspended", (int) state,
                       (int) name_len, name);
    }

    return sos_bucket_update(store, name, name_len, expect,
                             SOS_BUCKET_SET_VERSIONING, NULL, (int) state,
                             NULL, err);
}


sos_rc_e
sos_bucket_set_lock(sos_store_t *store, const char *name, size_t name_len,
    const sos_bucket_info_t *expect, const sos_bucket_lock_t *lock,
    sos_error_t *err)
{
    int  ok;

    if (lock->mode == SOS_LOCK_NONE) {
        ok = (lock->days == 0 && lock->years == 0);

    } else {
        ok = (lock->mode == SOS_LOCK_GOVERNANCE
              || lock->mode == SOS_LOCK_COMPLIANCE)
             && ((lock->days > 0 && lock->days <= SOS_LOCK_MAX_DAYS
                  && lock->years == 0)
                 || (lock->years > 0 && lock->years <= SOS_LOCK_MAX_YEARS
                     && lock->days == 0));
    }

    if (!lock->enabled || !ok) {
        return sos_err(err, SOS_EINVAL, 0, "Object Lock of bucket "
                       "\"%.*s\": enabled %d, mode %d, %u days, %u years",
                       (int) name_len, name, lock->enabled, (int) lock->mode,
                       lock->days, lock->years);
    }

    return sos_bucket_update(store, name, name_len, expect,
                             SOS_BUCKET_SET_LOCK, NULL, -1, lock, err);
}


/*
 * Rewrite the B record of the bucket `expect` describes with a new ACL
 * (which -1: the ACL must still be expect's), a new setting `which`
 * (< SOS_BUCKET_NCONF), the versioning state `versioning` or the Object
 * Lock `lock`, keeping the rest.  The comparison and the write are one
 * step under the commit lock; the write is synced.  Object Lock keeps
 * versioning enabled: it is enabled only on a bucket so versioned, and
 * versioning of a bucket with it cannot be suspended.
 */
static sos_rc_e
sos_bucket_update(sos_store_t *store, const char *name, size_t name_len,
    const sos_bucket_info_t *expect, int which, const sos_str_t *v,
    int versioning, const sos_bucket_lock_t *lock, sos_error_t *err)
{
    int           same;
    char         *val;
    size_t        len;
    sos_rc_e      rc;
    sos_str_t     acl, conf[SOS_BUCKET_NCONF];
    sos_buf_t     key, rec;
    sos_bucket_t  b;

    sos_buf_init(&key);
    sos_buf_init(&rec);
    sos_ikey_bucket(&key, SOS_K_BUCKET, name, name_len);

    pthread_mutex_lock(&store->commit_lock);

    rc = sos_idx_get(store, &key, &val, &len, err);
    if (rc == SOS_ENOTFOUND) {
        rc = sos_err(err, SOS_ENOBUCKET, 0, "no bucket \"%.*s\"",
                     (int) name_len, name);
        goto done;
    }
    if (rc != SOS_OK) {
        goto done;
    }

    memset(&b, 0, sizeof(b));
    if (sos_bucket_decode(val, len, &b, &acl, conf) != 0) {
        free(val);
        rc = sos_err(err, SOS_ECORRUPT, 0, "bucket \"%.*s\" is malformed",
                     (int) name_len, name);
        goto done;
    }

    /* the same bucket (not one created since), allowing the same */

    same = strcmp(b.owner, expect->bucket.owner) == 0
           && b.created == expect->bucket.created
           && (which >= 0 || sos_str_same(&acl, &expect->acl));

    if (!same) {
        free(val);
        rc = sos_err(err, SOS_ECHANGED, 0, "bucket \"%.*s\" changed since "
                     "it was read", (int) name_len, name);
        goto done;
    }

    if (which == SOS_BUCKET_SET_VERSIONING && b.lock.enabled
        && versioning != SOS_VERSIONING_ENABLED)
    {
        free(val);
        rc = sos_err(err, SOS_ESTATE, 0, "bucket \"%.*s\" has Object Lock: "
                     "its versioning cannot be suspended", (int) name_len,
                     name);
        goto done;
    }

    if (which == SOS_BUCKET_SET_LOCK && !b.lock.enabled
        && b.versioning != SOS_VERSIONING_ENABLED)
    {
        free(val);
        rc = sos_err(err, SOS_ESTATE, 0, "bucket \"%.*s\": Object Lock "
                     "needs versioning enabled", (int) name_len, name);
        goto done;
    }

    if (which < 0) {
        acl = *v;
    } else if (which < SOS_BUCKET_NCONF) {
        conf[which] = *v;
    } else if (which == SOS_BUCKET_SET_VERSIONING) {
        b.versioning = versioning;
    } else {
        b.lock = *lock;
    }

    sos_bucket_encode(&rec, b.owner, b.region, b.created, acl.data, acl.len,
                      conf, b.versioning, &b.lock);
    free(val);

    rc = rec.oom ? sos_err(err, SOS_ENOMEM, 0, "no memory for bucket record")
                 : sos_idx_put(store, &key, rec.data, rec.len, 1, err);

done:

    pthread_mutex_unlock(&store->commit_lock);
    sos_buf_free(&key);
    sos_buf_free(&rec);
    return rc;
}


sos_rc_e
sos_bucket_delete(sos_store_t *store, const char *name, size_t name_len,
    sos_error_t *err)
{
    int                   has, oom;
    sos_rc_e              rc, sync_rc;
    sos_buf_t             key, prefix;
    leveldb_writebatch_t *batch;

    sos_buf_init(&key);
    sos_buf_init(&prefix);

    pthread_mutex_lock(&store->commit_lock);

    rc = sos_bucket_check(store, name, name_len, err);
    if (rc != SOS_OK) {
        goto done;
    }

    sos_ikey_object(&prefix, name, name_len, "", 0);
    has = prefix.oom ? -1
                     : sos_idx_has_prefix(store, prefix.data, prefix.len, err);
    if (has == 0) {
        /* noncurrent versions and delete markers: V<bucket>\0 */
        sos_ikey_bucket(&prefix, SOS_K_VERSION, name, name_len);
        sos_buf_add_u8(&prefix, 0);
        has = prefix.oom ? -1
                         : sos_idx_has_prefix(store, prefix.data, prefix.len,
                                              err);
    }
    if (has == 0) {
        sos_ikey_upload(&prefix, name, name_len, "", 0, NULL);
        /* U<bucket>\0 alone: drop the key separator ikey_upload added */
        prefix.len--;
        has = prefix.oom ? -1
                         : sos_idx_has_prefix(store, prefix.data, prefix.len,
                                              err);
    }
    if (has < 0 && prefix.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "no memory to delete a bucket");
        goto done;
    }
    if (has != 0) {
        rc = has < 0 ? (err ? err->code : SOS_EIO)
                     : sos_err(err, SOS_ENOTEMPTY, 0,
                               "bucket \"%.*s\" is not empty",
                               (int) name_len, name);

        /* the record found may be a commit's not synced yet */
        if (has > 0) {
            sync_rc = sos_idx_sync(store, sos_idx_applied(store), err);
            rc = sync_rc != SOS_OK ? sync_rc : rc;
        }
        goto done;
    }

    /* a batch with a key that ran out of memory is never written */
    batch = leveldb_writebatch_create();
    sos_ikey_bucket(&key, SOS_K_BUCKET, name, name_len);
    leveldb_writebatch_delete(batch, (const char *) key.data, key.len);
    oom = key.oom;
    sos_ikey_bucket(&key, SOS_K_COUNTERS, name, name_len);
    leveldb_writebatch_delete(batch, (const char *) key.data, key.len);
    oom |= key.oom;
    rc = oom ? sos_err(err, SOS_ENOMEM, 0, "no memory to delete a bucket")
             : sos_idx_write(store, batch, 1, err);
    leveldb_writebatch_destroy(batch);

done:

    pthread_mutex_unlock(&store->commit_lock);
    sos_buf_free(&key);
    sos_buf_free(&prefix);
    return rc;
}


typedef struct {
    sos_store_t       *store;
    const char        *owner_id;       /* NULL: every owner */
    sos_bucket_cb_pt   cb;
    void              *ctx;
    sos_error_t       *err;
} sos_bucket_walk_t;


static sos_rc_e
sos_bucket_visit(void *ctx, const char *key, size_t key_len,
    const char *val, size_t val_len)
{
    sos_rc_e            rc;
    sos_bucket_t        b;
    sos_counters_t      c;
    sos_bucket_walk_t  *walk = ctx;

    memset(&b, 0, sizeof(b));
    if (key_len > SOS_MAX_BUCKET_LEN
        || sos_bucket_decode(val, val_len, &b, NULL, NULL) != 0)
    {
        return sos_err(walk->err, SOS_ECORRUPT, 0,
                       "a bucket record is malformed");
    }
    memcpy(b.name, key, key_len);

    if (walk->owner_id != NULL && strcmp(walk->owner_id, b.owner) != 0) {
        return SOS_OK;
    }

    rc = sos_counters_get(walk->store, b.name, key_len, &c, walk->err);
    if (rc != SOS_OK) {
        return rc;
    }
    b.object_count = c.count;
    b.bytes = c.bytes;

    return walk->cb(walk->ctx, &b) != 0 ? SOS_SCAN_STOP : SOS_OK;
}


sos_rc_e
sos_bucket_list(sos_store_t *store, const char *owner_id,
    sos_bucket_cb_pt cb, void *ctx, sos_error_t *err)
{
    sos_bucket_walk_t  walk = { store, owner_id, cb, ctx, err };

    return sos_idx_scan(store, SOS_K_BUCKET, sos_bucket_visit, &walk, err);
}
