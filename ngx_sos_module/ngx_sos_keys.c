
/*
 * SOS: the access keys, held in the worker's memory.
 *
 * sosctl cannot open the store while nginx runs (LevelDB has one owning
 * process), so the worker's table is the authority: it is read whole in a
 * pool thread right after the store opens, and looked up in the event
 * loop by binary search.  It is malloc'd, not from a pool, because it is
 * built in a thread and replaced as a whole.
 *
 * The table also holds the SigV4 signing keys derived from its secrets
 * (four HMACs saved on all but the first request of a key and day).  An
 * entry names its key by its place in the table and holds no secret: any
 * key created or revoked loads a new table, and the derived keys
 * of the old one are wiped with it, so a signing key never outlives the
 * secret it was derived from.  Only the event loop reads the cache: no
 * lock.
 */


#include "ngx_sos_module.h"
#include <sosproto/sigv4.h>

#include <openssl/crypto.h>
#include <pthread.h>


#define NGX_SOS_KEYS_SIGNING      256    /* derived keys cached, at most */
#define NGX_SOS_KEYS_WAYS         4      /* entries a set holds */
#define NGX_SOS_KEYS_REGION       64     /* longest region cached */


typedef struct {
    size_t       index;                  /* in keys[], plus 1; 0: free */
    ngx_uint_t   used;                   /* the clock of the last use */
    u_char       date[8];                /* yyyymmdd */
    size_t       region_len;
    u_char       region[NGX_SOS_KEYS_REGION];
    u_char       key[32];                /* kSigning */
} ngx_sos_keys_signing_t;


struct ngx_sos_keys_s {
    ngx_uint_t               load;       /* its number: see replace() */
    sos_key_t               *keys;       /* sorted by access_key_id */
    size_t                   n;
    size_t                   size;
    ngx_uint_t               failed;     /* out of memory while loading */
    ngx_uint_t               clock;
    u_char                   scratch[32];    /* region too long to cache */
    ngx_sos_keys_signing_t   signing[NGX_SOS_KEYS_SIGNING];
};


static int ngx_sos_keys_add(void *data, const sos_key_t *key);
static int ngx_sos_keys_cmp(const void *one, const void *two);


/* the tables are read one at a time: a larger number read the store later */
static pthread_mutex_t  ngx_sos_keys_mutex = PTHREAD_MUTEX_INITIALIZER;
static ngx_uint_t       ngx_sos_keys_loads;


ngx_sos_keys_t *
ngx_sos_keys_load(sos_store_t *store, sos_error_t *err)
{
    sos_rc_e         rc;
    ngx_sos_keys_t  *keys;

    /* a pool thread: no nginx allocator, no log */

    keys = calloc(1, sizeof(ngx_sos_keys_t));
    if (keys == NULL) {
        goto nomem;
    }

    (void) pthread_mutex_lock(&ngx_sos_keys_mutex);

    keys->load = ++ngx_sos_keys_loads;
    rc = sos_key_list(store, NULL, 0, ngx_sos_keys_add, keys, err);

    (void) pthread_mutex_unlock(&ngx_sos_keys_mutex);

    if (keys->failed) {
        ngx_sos_keys_free(keys);
        goto nomem;
    }

    if (rc != SOS_OK) {
        ngx_sos_keys_free(keys);
        return NULL;
    }

    if (keys->n > 1) {
        qsort(keys->keys, keys->n, sizeof(sos_key_t), ngx_sos_keys_cmp);
    }

    return keys;

nomem:

    if (err) {
        err->code = SOS_ENOMEM;
        err->sys_errno = ENOMEM;
        snprintf(err->msg, sizeof(err->msg),
                 "out of memory loading the access keys");
    }

    return NULL;
}


static int
ngx_sos_keys_add(void *data, const sos_key_t *key)
{
    ngx_sos_keys_t *keys = data;

    size_t      size;
    sos_key_t  *p;

    if (keys->n == keys->size) {
        size = keys->size ? keys->size * 2 : 16;

        /* not realloc(): the secrets are not left in a freed block */

        p = malloc(size * sizeof(sos_key_t));
        if (p == NULL) {
            keys->failed = 1;
            return 1;
        }

        if (keys->n) {
            ngx_memcpy(p, keys->keys, keys->n * sizeof(sos_key_t));
            OPENSSL_cleanse(keys->keys, keys->size * sizeof(sos_key_t));
        }

        free(keys->keys);

        keys->keys = p;
        keys->size = size;
    }

    keys->keys[keys->n++] = *key;

    return 0;
}


static int
ngx_sos_keys_cmp(const void *one, const void *two)
{
    const sos_key_t  *a = one, *b = two;

    return strcmp(a->access_key_id, b->access_key_id);
}


void
ngx_sos_keys_free(ngx_sos_keys_t *keys)
{
    if (keys == NULL) {
        return;
    }

    if (keys->keys) {
        /* the secrets do not outlive the table */
        OPENSSL_cleanse(keys->keys, keys->size * sizeof(sos_key_t));
    }

    /* nor do the keys derived from them */

    OPENSSL_cleanse(keys->scratch, sizeof(keys->scratch));
    OPENSSL_cleanse(keys->signing, sizeof(keys->signing));

    free(keys->keys);
    free(keys);
}


const sos_key_t *
ngx_sos_keys_find(ngx_sos_keys_t *keys, u_char *id, size_t len)
{
    int         rc;
    size_t      lo, hi, mid, klen;
    sos_key_t  *k;

    if (keys == NULL || len == 0 || len > SOS_ACCESS_KEY_LEN) {
        return NULL;
    }

    lo = 0;
    hi = keys->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        k = &keys->keys[mid];

        klen = ngx_strlen(k->access_key_id);
        rc = ngx_memcmp(id, k->access_key_id, ngx_min(len, klen));

        if (rc == 0) {
            if (len == klen) {
                return k;
            }

            rc = (len < klen) ? -1 : 1;
        }

        if (rc < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return NULL;
}


/*
 * The signing keys sit in sets of NGX_SOS_KEYS_WAYS entries, the set
 * chosen by a hash of the key and the date; a miss derives the key into the
 * set's least recently used entry, wiped first.  The service is always
 * s3: the scope of every credential is checked before.
 */

u_char *
ngx_sos_keys_signing_key(ngx_sos_keys_t *keys, const sos_key_t *key,
    ngx_str_t *date, ngx_str_t *region)
{
    size_t                   index;
    uint32_t                 hash;
    ngx_uint_t               i, set;
    ngx_sos_keys_signing_t  *e, *victim;

    index = (size_t) (key - keys->keys) + 1;

    if (region->len > NGX_SOS_KEYS_REGION) {
        sos_sigv4_signing_key(keys->scratch, key->secret,
                              ngx_strlen(key->secret), (char *) date->data,
                              (char *) region->data, region->len, "s3", 2);
        return keys->scratch;
    }

    hash = ngx_crc32_short(date->data, 8) ^ (uint32_t) (index * 2654435761u);
    set = (hash % (NGX_SOS_KEYS_SIGNING / NGX_SOS_KEYS_WAYS))
          * NGX_SOS_KEYS_WAYS;

    victim = &keys->signing[set];

    for (i = 0; i < NGX_SOS_KEYS_WAYS; i++) {
        e = &keys->signing[set + i];

        if (e->index == index
            && ngx_memcmp(e->date, date->data, 8) == 0
            && e->region_len == region->len
            && ngx_memcmp(e->region, region->data, region->len) == 0)
        {
            e->used = ++keys->clock;
            return e->key;
        }

        if (e->used < victim->used) {
            victim = e;
        }
    }

    e = victim;

    OPENSSL_cleanse(e, sizeof(ngx_sos_keys_signing_t));

    sos_sigv4_signing_key(e->key, key->secret, ngx_strlen(key->secret),
                          (char *) date->data, (char *) region->data,
                          region->len, "s3", 2);

    e->index = index;
    ngx_memcpy(e->date, date->data, 8);
    ngx_memcpy(e->region, region->data, region->len);
    e->region_len = region->len;
    e->used = ++keys->clock;

    return e->key;
}


void
ngx_sos_keys_replace(ngx_sos_main_conf_t *smcf, ngx_sos_keys_t *keys)
{
    ngx_sos_keys_t  *old;

    /*
     * the jobs that load tables end in any order: a table read before
     * another job's change (a revoke) must not replace the one that job
     * read after it, or the revoked key would sign again
     */

    if (smcf->keys && keys->load < smcf->keys->load) {
        ngx_sos_keys_free(keys);
        return;
    }

    /* the event loop is the only reader: a swap needs no lock */

    old = smcf->keys;
    smcf->keys = keys;

    ngx_sos_keys_free(old);
}
