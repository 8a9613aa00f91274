/*
 * Expiry of many stale multipart uploads: every one goes, and the memory
 * it takes does not grow with their number.  This program defines malloc
 * and realloc itself (or hooks the sanitizer's) to record the largest
 * block the testing thread asks for while it expires.
 */

#include <stdint.h>
#include <time.h>

#include "sos/store.h"
#include "tap.h"

#define UPLOADS     2500
/* what SOS_EXPIRE_BATCH records take, with room; far less than UPLOADS */
#define MAX_BLOCK   (128 * 1024)


static sos_store_t  *st;
static sos_error_t   err;

static _Thread_local int     tracking;
static _Thread_local size_t  largest;


static void
track(size_t size)
{
    if (tracking && size > largest) {
        largest = size;
    }
}


#ifdef __SANITIZE_ADDRESS__

/* the sanitizer owns malloc: it tells its hooks of every block */

int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *p, size_t size),
    void (*free_hook)(const volatile void *p));

static void
malloc_hook(const volatile void *p, size_t size)
{
    (void) p;
    track(size);
}


static void
free_hook(const volatile void *p)
{
    (void) p;
}

#define track_start()                                                        \
    __sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook)

#else

/* glibc's own, which its malloc and realloc call */
extern void *__libc_malloc(size_t size);
extern void *__libc_realloc(void *p, size_t size);


void *
malloc(size_t size)
{
    track(size);
    return __libc_malloc(size);
}


void *
realloc(void *p, size_t size)
{
    track(size);
    return __libc_realloc(p, size);
}

#define track_start()

#endif


int
main(void)
{
    int           i, made = 0;
    char          dir[512], key[32], id[SOS_UPLOAD_ID_LEN + 1];
    char          first[SOS_UPLOAD_ID_LEN + 1];
    int64_t       now;
    uint64_t      removed;
    sos_org_t     org;
    sos_bucket_t  b;
    sos_rc_e      rc;
    const char   *buckets[] = { "exp-a", "exp-b" };

    sos_store_conf_t  conf;

    plan(5);
    track_start();

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
    for (i = 0; i < 2; i++) {
        if (sos_bucket_create(st, buckets[i], 5, org.id, "", NULL, 0, &b,
                              &err) != SOS_OK)
        {
            bail("sos_bucket_create: %s", err.msg);
        }
    }

    first[0] = '\0';
    for (i = 0; i < UPLOADS; i++) {
        snprintf(key, sizeof(key), "key-%05d", i);
        if (sos_upload_create(st, buckets[i % 2], 5, key, strlen(key), NULL,
                              id, &err) == SOS_OK)
        {
            made++;
        }
        if (i == 0) {
            memcpy(first, id, sizeof(first));
        }
    }
    is_int(UPLOADS, made, "%d uploads made", UPLOADS);

    /* a cutoff in the future makes every upload stale */

    now = (int64_t) time(NULL);
    tracking = 1;
    rc = sos_upload_expire(st, now + 3600, &removed, &err);
    tracking = 0;

    is_int(SOS_OK, rc, "expire");
    is_int(UPLOADS, (long) removed, "every upload removed");
    is_int(SOS_ENOUPLOAD,
           sos_upload_abort(st, "exp-a", 5, "key-00000", 9, first, &err),
           "the first is gone");
    ok(largest < MAX_BLOCK, "no block of %zu bytes or more (largest %zu)",
       (size_t) MAX_BLOCK, largest);

    sos_store_close(st);
    done_testing();
}
