/*
 * Organizations (A records) and access keys (K records).  There are few of
 * them, so uniqueness of names and e-mails is checked by a scan under
 * commit_lock rather than with secondary index records.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "sos_internal.h"


/* What a scan looks for: a name or e-mail, or every org for a list. */
typedef struct {
    int          (*match)(const sos_org_t *org, const char *s, size_t len);
    const char    *s;
    size_t         len;
    sos_org_cb_pt  cb;
    void          *ctx;
    sos_org_t      found;
    int            matched;
} sos_org_query_t;


static sos_rc_e sos_account_get(sos_store_t *store, char type,
    const char *id, size_t id_len, const char *what, char **val,
    size_t *len, sos_error_t *err);
static sos_rc_e sos_account_put(sos_store_t *store, char type,
    const char *id, size_t id_len, sos_buf_t *val, const char *what,
    sos_error_t *err);


static void
sos_random_chars(char *out, size_t n, const char *alphabet, unsigned size)
{
    unsigned char  c;
    size_t         i = 0;
    /* reject the tail of the byte range so every character is equally
     * likely */
    unsigned       limit = 256 - 256 % size;

    while (i < n) {
        if (getrandom(&c, 1, 0) != 1 || c >= limit) {
            continue;
        }
        out[i++] = alphabet[c % size];
    }
    out[n] = '\0';
}


static int
sos_org_decode(const char *id, size_t id_len, const char *val, size_t len,
    sos_org_t *org)
{
    sos_rbuf_t  r;

    memset(org, 0, sizeof(*org));
    if (id_len != SOS_ID_LEN) {
        return -1;
    }
    memcpy(org->id, id, id_len);

    sos_rbuf_init(&r, val, len);
    if (sos_rbuf_u8(&r) != SOS_RECORD_VERSION) {
        return -1;
    }
    sos_rbuf_cstr(&r, org->name, sizeof(org->name));
    sos_rbuf_cstr(&r, org->email, sizeof(org->email));
    org->created = sos_rbuf_svarint(&r);
    return r.bad ? -1 : 0;
}


/*
 * Walk the organizations: stop at the first one q->match accepts (SOS_OK,
 * in q->found), or hand each to q->cb until it asks to stop.
 * SOS_ENOTFOUND when the walk ends without a match.
 */
static sos_rc_e
sos_org_visit(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    sos_org_t         org;
    sos_org_query_t  *q = ctx;

    if (sos_org_decode(key, key_len, val, val_len, &org) != 0) {
        return SOS_OK;
    }
    if (q->match != NULL && q->match(&org, q->s, q->len)) {
        q->found = org;
        q->matched = 1;
        return SOS_SCAN_STOP;
    }
    if (q->cb != NULL && q->cb(q->ctx, &org) != 0) {
        return SOS_SCAN_STOP;
    }
    return SOS_OK;
}


static sos_rc_e
sos_org_scan(sos_store_t *st, sos_org_query_t *q, sos_error_t *err)
{
    sos_rc_e  rc;

    rc = sos_idx_scan(st, SOS_K_ACCOUNT, sos_org_visit, q, err);
    if (rc != SOS_OK) {
        return rc;
    }
    return q->matched ? SOS_OK : SOS_ENOTFOUND;
}


/*
 * Names and e-mail addresses go out in XML (DisplayName), JSON and log
 * lines: no NUL, CR, LF or other control character enters the index.
 */
static int
sos_org_text_ok(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
            return 0;
        }
    }
    return 1;
}


static int
sos_org_match_name(const sos_org_t *org, const char *s, size_t len)
{
    return strlen(org->name) == len && memcmp(org->name, s, len) == 0;
}


/* E-mail addresses compare without regard to case, as S3 grants do. */
static int
sos_org_match_email(const sos_org_t *org, const char *s, size_t len)
{
    return len > 0 && strlen(org->email) == len
           && strncasecmp(org->email, s, len) == 0;
}


static sos_rc_e
sos_org_find(sos_store_t *st, int (*match)(const sos_org_t *, const char *,
    size_t), const char *s, size_t len, sos_org_t *out, sos_error_t *err)
{
    sos_rc_e         rc;
    sos_org_query_t  q;

    memset(&q, 0, sizeof(q));
    q.match = match;
    q.s = s;
    q.len = len;

    rc = sos_org_scan(st, &q, err);
    if (rc == SOS_OK && out != NULL) {
        *out = q.found;
    }
    return rc;
}


sos_rc_e
sos_org_create(sos_store_t *store, const char *name, size_t name_len,
    const char *email, size_t email_len, sos_org_t *out, sos_error_t *err)
{
    sos_rc_e   rc;
    sos_org_t  org;
    sos_buf_t  val;

    if (email == NULL) {
        email_len = 0;
    }
    if (name_len == 0 || name_len >= sizeof(org.name)
        || !sos_org_text_ok(name, name_len))
    {
        return sos_err(err, SOS_EINVAL, 0,
                       "organization name must be 1..%zu bytes without "
                       "control characters", sizeof(org.name) - 1);
    }
    if (email_len >= sizeof(org.email)
        || (email_len && !sos_org_text_ok(email, email_len)))
    {
        return sos_err(err, SOS_EINVAL, 0, "e-mail address too long or "
                       "with control characters");
    }

    memset(&org, 0, sizeof(org));
    sos_random_hex(org.id, SOS_ID_LEN);
    memcpy(org.name, name, name_len);
    if (email_len) {
        memcpy(org.email, email, email_len);
    }
    org.created = sos_now(NULL);

    sos_buf_init(&val);
    sos_buf_add_u8(&val, SOS_RECORD_VERSION);
    sos_buf_add_bytes(&val, org.name, name_len);
    sos_buf_add_bytes(&val, org.email, email_len);
    sos_buf_add_svarint(&val, org.created);

    pthread_mutex_lock(&store->commit_lock);

    rc = sos_org_find(store, sos_org_match_name, name, name_len, NULL, err);
    if (rc == SOS_OK) {
        rc = sos_err(err, SOS_EEXIST, 0, "organization \"%s\" exists",
                     org.name);
        goto done;
    }
    if (rc != SOS_ENOTFOUND) {
        goto done;
    }

    if (email_len) {
        rc = sos_org_find(store, sos_org_match_email, email, email_len,
                          NULL, err);
        if (rc == SOS_OK) {
            rc = sos_err(err, SOS_EEXIST, 0, "e-mail \"%s\" is taken",
                         org.email);
            goto done;
        }
        if (rc != SOS_ENOTFOUND) {
            goto done;
        }
    }

    rc = sos_account_put(store, SOS_K_ACCOUNT, org.id, SOS_ID_LEN, &val,
                         "organization", err);

done:

    pthread_mutex_unlock(&store->commit_lock);
    sos_buf_free(&val);

    if (rc == SOS_OK && out != NULL) {
        *out = org;
    }
    return rc;
}


sos_rc_e
sos_org_get(sos_store_t *store, const char *id, size_t id_len,
    sos_org_t *out, sos_error_t *err)
{
    char      *val;
    size_t     len;
    sos_rc_e   rc;
    sos_org_t  org;

    if (id_len != SOS_ID_LEN) {
        return sos_err(err, SOS_ENOTFOUND, 0, "no organization \"%.*s\"",
                       (int) (id_len > 64 ? 64 : id_len), id);
    }

    rc = sos_account_get(store, SOS_K_ACCOUNT, id, id_len, "organization",
                         &val, &len, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_org_decode(id, id_len, val, len, &org) == 0
         ? SOS_OK
         : sos_err(err, SOS_ECORRUPT, 0, "organization \"%.*s\" is malformed",
                   (int) id_len, id);
    free(val);

    if (rc == SOS_OK && out != NULL) {
        *out = org;
    }
    return rc;
}


sos_rc_e
sos_org_find_by_name(sos_store_t *store, const char *name, size_t name_len,
    sos_org_t *out, sos_error_t *err)
{
    sos_rc_e  rc;

    rc = sos_org_find(store, sos_org_match_name, name, name_len, out, err);
    if (rc == SOS_ENOTFOUND) {
        return sos_err(err, rc, 0, "no organization named \"%.*s\"",
                       (int) (name_len > 128 ? 128 : name_len), name);
    }
    return rc;
}


sos_rc_e
sos_org_find_by_email(sos_store_t *store, const char *email,
    size_t email_len, sos_org_t *out, sos_error_t *err)
{
    sos_rc_e  rc;

    rc = sos_org_find(store, sos_org_match_email, email, email_len, out,
                      err);
    if (rc == SOS_ENOTFOUND) {
        return sos_err(err, rc, 0, "no organization with e-mail \"%.*s\"",
                       (int) (email_len > 128 ? 128 : email_len), email);
    }
    return rc;
}


sos_rc_e
sos_org_list(sos_store_t *store, sos_org_cb_pt cb, void *ctx,
    sos_error_t *err)
{
    sos_rc_e         rc;
    sos_org_query_t  q;

    memset(&q, 0, sizeof(q));
    q.cb = cb;
    q.ctx = ctx;

    rc = sos_org_scan(store, &q, err);
    return rc == SOS_ENOTFOUND ? SOS_OK : rc;
}


sos_rc_e
sos_key_create(sos_store_t *store, const char *org_id, size_t org_id_len,
    int admin, sos_key_t *out, sos_error_t *err)
{
    static const char  upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static const char  b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                               "qrstuvwxyz0123456789+/";
    sos_rc_e           rc;
    sos_key_t          k;
    sos_buf_t          val;

    memset(&k, 0, sizeof(k));
    memcpy(k.access_key_id, "SOS", 3);
    sos_random_chars(k.access_key_id + 3, SOS_ACCESS_KEY_LEN - 3, upper, 36);
    sos_random_chars(k.secret, SOS_SECRET_LEN, b64, 64);
    k.admin = admin ? 1 : 0;
    k.created = sos_now(NULL);

    sos_buf_init(&val);

    pthread_mutex_lock(&store->commit_lock);

    rc = sos_org_get(store, org_id, org_id_len, NULL, err);
    if (rc != SOS_OK) {
        goto done;
    }
    memcpy(k.org_id, org_id, org_id_len);

    rc = sos_key_encode(store, &val, &k) != 0
         ? sos_err(err, SOS_ENOMEM, 0, "cannot seal the new access key")
         : sos_account_put(store, SOS_K_KEY, k.access_key_id,
                           SOS_ACCESS_KEY_LEN, &val, "access key", err);

done:

    pthread_mutex_unlock(&store->commit_lock);
    sos_buf_free(&val);

    if (rc == SOS_OK && out != NULL) {
        *out = k;
    }
    return rc;
}


sos_rc_e
sos_key_get(sos_store_t *store, const char *access_key_id, size_t len,
    sos_key_t *out, sos_error_t *err)
{
    char      *val;
    size_t     vlen;
    sos_rc_e   rc;
    sos_key_t  k;

    if (len != SOS_ACCESS_KEY_LEN) {
        return sos_err(err, SOS_ENOTFOUND, 0, "no such access key");
    }

    rc = sos_account_get(store, SOS_K_KEY, access_key_id, len, "access key",
                         &val, &vlen, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_key_decode(store, access_key_id, len, val, vlen, &k) == 0
         ? SOS_OK
         : sos_err(err, SOS_ECORRUPT, 0, "access key \"%.*s\" is malformed "
                   "or its secret does not open with the key file",
                   (int) len, access_key_id);
    free(val);

    if (rc == SOS_OK && out != NULL) {
        *out = k;
    }
    return rc;
}


typedef struct {
    sos_store_t    *store;
    const char     *org_id;            /* NULL: every organization */
    size_t          org_id_len;
    sos_key_cb_pt   cb;
    void           *ctx;
} sos_key_walk_t;


static sos_rc_e
sos_key_visit(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    sos_key_t        k;
    sos_key_walk_t  *walk = ctx;

    if (sos_key_decode(walk->store, key, key_len, val, val_len, &k) != 0) {
        return SOS_OK;
    }
    if (walk->org_id != NULL
        && (walk->org_id_len != SOS_ID_LEN
            || memcmp(walk->org_id, k.org_id, SOS_ID_LEN) != 0))
    {
        return SOS_OK;
    }
    return walk->cb(walk->ctx, &k) != 0 ? SOS_SCAN_STOP : SOS_OK;
}


sos_rc_e
sos_key_list(sos_store_t *store, const char *org_id, size_t org_id_len,
    sos_key_cb_pt cb, void *ctx, sos_error_t *err)
{
    sos_key_walk_t  walk = { store, org_id, org_id_len, cb, ctx };

    return sos_idx_scan(store, SOS_K_KEY, sos_key_visit, &walk, err);
}


sos_rc_e
sos_key_revoke(sos_store_t *store, const char *access_key_id, size_t len,
    sos_error_t *err)
{
    char      *val;
    size_t     vlen;
    sos_rc_e   rc;
    sos_buf_t  key;

    if (len != SOS_ACCESS_KEY_LEN) {
        return sos_err(err, SOS_ENOTFOUND, 0, "no such access key");
    }

    /* a key whose secret does not open can still be revoked */

    rc = sos_account_get(store, SOS_K_KEY, access_key_id, len, "access key",
                         &val, &vlen, err);
    if (rc != SOS_OK) {
        return rc;
    }
    free(val);

    sos_buf_init(&key);
    sos_ikey_bucket(&key, SOS_K_KEY, access_key_id, len);
    rc = sos_idx_delete(store, &key, 1, err);
    sos_buf_free(&key);
    return rc;
}


/*
 * The record of an organization or access key (type), what it is named in
 * a message: SOS_ENOTFOUND when there is none.  free(*val).
 */
static sos_rc_e
sos_account_get(sos_store_t *store, char type, const char *id,
    size_t id_len, const char *what, char **val, size_t *len,
    sos_error_t *err)
{
    sos_rc_e   rc;
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_ikey_bucket(&key, type, id, id_len);
    rc = sos_idx_get(store, &key, val, len, err);
    sos_buf_free(&key);

    if (rc == SOS_ENOTFOUND) {
        return sos_err(err, SOS_ENOTFOUND, 0, "no %s \"%.*s\"", what,
                       (int) id_len, id);
    }
    return rc;
}


/* Write the record of a new organization or access key (type). */

static sos_rc_e
sos_account_put(sos_store_t *store, char type, const char *id,
    size_t id_len, sos_buf_t *val, const char *what, sos_error_t *err)
{
    sos_rc_e   rc;
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_ikey_bucket(&key, type, id, id_len);

    rc = (key.oom || val->oom)
         ? sos_err(err, SOS_ENOMEM, 0, "no memory for %s", what)
         : sos_idx_put(store, &key, val->data, val->len, 1, err);

    sos_buf_free(&key);
    return rc;
}


typedef struct {
    sos_store_t           *store;
    leveldb_writebatch_t  *batch;
} sos_org_purge_t;


static int
sos_org_purge_key(void *ctx, const sos_key_t *k)
{
    char              key[1 + SOS_ACCESS_KEY_LEN];
    sos_org_purge_t  *purge = ctx;

    key[0] = SOS_K_KEY;
    memcpy(key + 1, k->access_key_id, SOS_ACCESS_KEY_LEN);
    leveldb_writebatch_delete(purge->batch, key, sizeof(key));
    return 0;
}


static int
sos_org_owns_bucket(void *ctx, const sos_bucket_t *b)
{
    (void) b;
    *(int *) ctx = 1;
    return 1;
}


sos_rc_e
sos_org_delete(sos_store_t *store, const char *id, size_t id_len,
    sos_error_t *err)
{
    int              owns = 0;
    char             owner[SOS_ID_LEN + 1];
    sos_rc_e         rc;
    sos_buf_t        key;
    sos_org_purge_t  purge = { store, NULL };

    sos_buf_init(&key);
    pthread_mutex_lock(&store->commit_lock);

    rc = sos_org_get(store, id, id_len, NULL, err);
    if (rc != SOS_OK) {
        goto done;
    }
    memcpy(owner, id, SOS_ID_LEN);
    owner[SOS_ID_LEN] = '\0';

    rc = sos_bucket_list(store, owner, sos_org_owns_bucket, &owns, err);
    if (rc != SOS_OK) {
        goto done;
    }
    if (owns) {
        rc = sos_err(err, SOS_ENOTEMPTY, 0, "organization %s owns buckets",
                     owner);
        goto done;
    }

    purge.batch = leveldb_writebatch_create();
    rc = sos_key_list(store, id, id_len, sos_org_purge_key, &purge, err);
    if (rc == SOS_OK) {
        sos_ikey_bucket(&key, SOS_K_ACCOUNT, id, id_len);
        leveldb_writebatch_delete(purge.batch, (const char *) key.data,
                                  key.len);
        rc = sos_idx_write(store, purge.batch, 1, err);
    }
    leveldb_writebatch_destroy(purge.batch);

done:

    pthread_mutex_unlock(&store->commit_lock);
    sos_buf_free(&key);
    return rc;
}
