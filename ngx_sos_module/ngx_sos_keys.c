
/*
 * SOS: the access keys, held in the worker's memory.
 *
 * sosctl cannot open the store while nginx runs (LevelDB has one owning
 * process), so the worker's table is the authority: it is read whole in a
 * pool thread right after the store opens, and looked up in the event
 * loop by binary search.  It is malloc'd, not from a pool, because it is
 * built in a thread and replaced as a whole.
 */


#include "ngx_sos_module.h"

#include <openssl/crypto.h>


struct ngx_sos_keys_s {
    sos_key_t   *keys;                   /* sorted by access_key_id */
    size_t       n;
    size_t       size;
    ngx_uint_t   failed;                 /* out of memory while loading */
};


static int ngx_sos_keys_add(void *data, const sos_key_t *key);
static int ngx_sos_keys_cmp(const void *one, const void *two);


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

    rc = sos_key_list(store, NULL, 0, ngx_sos_keys_add, keys, err);

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


void
ngx_sos_keys_replace(ngx_sos_main_conf_t *smcf, ngx_sos_keys_t *keys)
{
    ngx_sos_keys_t  *old;

    /* the event loop is the only reader: a swap needs no lock */

    old = smcf->keys;
    smcf->keys = keys;

    ngx_sos_keys_free(old);
}
