/*
 * Out of memory in the index key and value buffers: this program defines
 * realloc itself (the buffers grow through it) and makes the nth call of
 * the testing thread fail, for every n up to past the last call of the
 * operation; the operation must then fail with SOS_ENOMEM and change
 * nothing, or succeed in full.
 */

#include <dlfcn.h>
#include <errno.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3
#define TRIES       24


static sos_store_t  *st;
static sos_error_t   err;
static sos_org_t     org;

/* calls of this thread left before one fails; -1: none fails */
static _Thread_local int  fail_in = -1;


void *
realloc(void *p, size_t size)
{
    static void  *(*real)(void *, size_t);

    if (fail_in == 0) {
        fail_in = -1;
        errno = ENOMEM;
        return NULL;
    }
    if (fail_in > 0) {
        fail_in--;
    }

    /* the C library's, or the sanitizer's when it is linked in */
    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "realloc");
    }
    return real(p, size);
}



/* A bucket deleted without memory for a key is deleted whole or not. */
static void
test_bucket_delete(void)
{
    int                 n, nomem = 0, bad = 0;
    char                name[32];
    sos_rc_e            rc, got;
    sos_bucket_info_t  *info;

    for (n = 0; n < TRIES; n++) {
        snprintf(name, sizeof(name), "del-%d", n);
        util_bucket_make(st, org.id, name);

        fail_in = n;
        rc = sos_bucket_delete(st, name, strlen(name), &err);
        fail_in = -1;

        got = sos_bucket_get(st, name, strlen(name), &info, &err);
        if (got == SOS_OK) {
            sos_bucket_info_free(info);
        }

        if (rc == SOS_ENOMEM) {
            nomem++;
        }
        if (!(rc == SOS_OK && got == SOS_ENOBUCKET)
            && !(rc == SOS_ENOMEM && got == SOS_OK))
        {
            diag("failing realloc %d: delete %d, then get %d", n, rc, got);
            bad++;
        }
    }

    ok(nomem > 0, "some deletes ran out of memory");
    is_int(0, bad, "a delete is whole or SOS_ENOMEM with the bucket kept");
}


/* Counters stay right when a commit runs out of memory. */
static void
test_counters(void)
{
    int                 n, done = 0, nomem = 0, bad = 0;
    char                key[32];
    sos_rc_e            rc;
    sos_put_t          *put;
    sos_put_opts_t      opts;
    sos_bucket_info_t  *info;

    util_bucket_make(st, org.id, BUCKET);

    for (n = 0; n < TRIES; n++) {
        snprintf(key, sizeof(key), "k%d", n);
        memset(&opts, 0, sizeof(opts));
        opts.bucket = BUCKET;
        opts.bucket_len = BUCKET_LEN;
        opts.key = key;
        opts.key_len = strlen(key);

        if (sos_put_begin(&put, st, &opts, &err) != SOS_OK
            || sos_put_write(put, "bytes", 5, &err) != SOS_OK)
        {
            bail("put %s: %s", key, err.msg);
        }

        fail_in = n;
        rc = sos_put_commit(put, NULL, &err);
        fail_in = -1;

        if (rc == SOS_OK) {
            done++;
        } else if (rc == SOS_ENOMEM) {
            nomem++;
        } else {
            diag("failing realloc %d: commit %d (%s)", n, rc, err.msg);
            bad++;
        }
    }

    is_int(0, bad, "a commit succeeds or is SOS_ENOMEM");
    ok(nomem > 0, "some commits ran out of memory");

    if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &info, &err) != SOS_OK) {
        bail("sos_bucket_get: %s", err.msg);
    }
    is_int(done, info->bucket.object_count, "the count is of the commits");
    is_int(5 * done, info->bucket.bytes, "and so are the bytes");
    sos_bucket_info_free(info);
}


int
main(void)
{
    char              dir[512];
    sos_store_conf_t  conf;

    plan(6);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
    if (sos_org_create(st, "org", 3, NULL, 0, &org, &err) != SOS_OK) {
        bail("sos_org_create: %s", err.msg);
    }

    test_bucket_delete();
    test_counters();

    sos_store_close(st);
    done_testing();
}
