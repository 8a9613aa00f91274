/*
 * Spare files: empty files made ahead of the writes that take them, one
 * on each replica under the same id in <replica>/spare/, by a background
 * task of the sync pool.  A writer that takes a spare renames it into
 * tmp/ and opens it, instead of creating its files: creating an inode can
 * take the file system a millisecond or more (it is the slowest step of
 * a small write on some), and a spare moves it out of the request.
 *
 * A spare is only an empty file: nothing refers to it, open and close
 * empty spare/, and a writer that finds a spare gone on a replica creates
 * its file there as without one.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sos_internal.h"


/* spares kept ready */
#define SOS_SPARES          8

/* after a failed refill (a replica refusing files), the next one waits */
#define SOS_SPARE_RETRY_MS  1000


static void sos_spare_refill(void *arg);
static int sos_spare_make(sos_store_t *st, char *id);
static int64_t sos_spare_now_ms(void);


void
sos_spare_init(sos_store_t *st)
{
    pthread_mutex_init(&st->spare_lock, NULL);
    st->spares = NULL;
    st->n_spares = 0;
    st->spare_making = 0;
    st->spare_closing = 0;
    st->spare_retry_at = 0;
    st->spare_task.run = sos_spare_refill;
    st->spare_task.arg = st;
}


void
sos_spare_stop(sos_store_t *st)
{
    pthread_mutex_lock(&st->spare_lock);
    st->spare_closing = 1;
    pthread_mutex_unlock(&st->spare_lock);
}


/* After the pool's threads are gone: the spares left are removed. */
void
sos_spare_free(sos_store_t *st)
{
    char      path[4096];
    unsigned  i, r;

    for (i = 0; i < st->n_spares; i++) {
        for (r = 0; r < st->n_replicas; r++) {
            sos_spare_path(st, r, st->spares[i], path, sizeof(path));
            unlink(path);
        }
    }

    free(st->spares);
    pthread_mutex_destroy(&st->spare_lock);
}


void
sos_spare_path(const sos_store_t *st, unsigned replica, const char *id,
    char *buf, size_t size)
{
    snprintf(buf, size, "%s/spare/%s", st->replica_dirs[replica], id);
}


int
sos_spare_take(sos_store_t *st, char *id)
{
    int      taken, post;
    int64_t  now;

    now = sos_spare_now_ms();

    pthread_mutex_lock(&st->spare_lock);

    taken = st->n_spares > 0;
    if (taken) {
        memcpy(id, st->spares[--st->n_spares], SOS_FILE_ID_LEN + 1);
    }

    post = !st->spare_making && !st->spare_closing
           && st->n_spares < SOS_SPARES && now >= st->spare_retry_at;
    if (post) {
        st->spare_making = 1;
    }

    pthread_mutex_unlock(&st->spare_lock);

    if (post && !sos_pool_post(&st->pool, &st->spare_task)) {
        pthread_mutex_lock(&st->spare_lock);
        st->spare_making = 0;
        pthread_mutex_unlock(&st->spare_lock);
    }

    return taken;
}


/* The pool thread: make spares until there are enough. */
static void
sos_spare_refill(void *arg)
{
    int           more;
    char          id[SOS_FILE_ID_LEN + 1];
    sos_store_t  *st = arg;

    pthread_mutex_lock(&st->spare_lock);

    if (st->spares == NULL) {
        st->spares = calloc(SOS_SPARES, sizeof(*st->spares));
    }

    more = st->spares != NULL;

    while (more && st->n_spares < SOS_SPARES && !st->spare_closing) {
        pthread_mutex_unlock(&st->spare_lock);

        more = sos_spare_make(st, id) == 0;

        pthread_mutex_lock(&st->spare_lock);

        if (!more) {
            st->spare_retry_at = sos_spare_now_ms() + SOS_SPARE_RETRY_MS;
            break;
        }

        /* closing: sos_spare_free removes it with the others */
        memcpy(st->spares[st->n_spares++], id, sizeof(id));
    }

    st->spare_making = 0;
    pthread_mutex_unlock(&st->spare_lock);
}


/* One empty file under a new id on every replica; all or none. */
static int
sos_spare_make(sos_store_t *st, char *id)
{
    int       fd;
    char      path[4096];
    unsigned  r, k;

    sos_random_hex(id, SOS_FILE_ID_LEN);

    for (r = 0; r < st->n_replicas; r++) {
        sos_spare_path(st, r, id, path, sizeof(path));
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  SOS_FILE_MODE);
        if (fd == -1) {
            for (k = 0; k < r; k++) {
                sos_spare_path(st, k, id, path, sizeof(path));
                unlink(path);
            }
            return -1;
        }
        close(fd);
    }

    return 0;
}


static int64_t
sos_spare_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
