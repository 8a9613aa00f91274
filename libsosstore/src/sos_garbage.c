/*
 * The garbage queue: the files of committed deletes and overwrites whose
 * unlinking waits for sos_garbage_work, so that the call that committed
 * answers without unlinking them itself.
 *
 * Every file in the queue has its G record, committed with the change
 * that made it garbage: the queue only says where to start.  Whatever it
 * holds at a crash is collected by the next open; sos_store_close works
 * through it.  It is bounded (conf->garbage_queue files): a collection
 * that finds it full, or disabled, or the data volume full (a data write
 * met ENOSPC or EDQUOT in the last SOS_GC_FULL_MS, and a writer may be
 * waiting for that room) unlinks inline, as without a queue.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sos_internal.h"


static int64_t sos_garbage_now_ms(void);
static int sos_garbage_inline(sos_store_t *st);


void
sos_garbage_init(sos_store_t *st, size_t cap)
{
    pthread_mutex_init(&st->gc_lock, NULL);
    st->gc_queue = NULL;
    st->gc_cap = cap;
    st->gc_head = 0;
    st->gc_n = 0;
    st->gc_full_at = 0;
}


void
sos_garbage_free(sos_store_t *st)
{
    free(st->gc_queue);
    pthread_mutex_destroy(&st->gc_lock);
}


static int64_t
sos_garbage_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


void
sos_garbage_full(sos_store_t *st)
{
    pthread_mutex_lock(&st->gc_lock);
    st->gc_full_at = sos_garbage_now_ms();
    pthread_mutex_unlock(&st->gc_lock);
}


/* Under gc_lock: whether collection unlinks inline now. */
static int
sos_garbage_inline(sos_store_t *st)
{
    if (st->gc_cap == 0) {
        return 1;
    }

    if (st->gc_full_at != 0
        && sos_garbage_now_ms() - st->gc_full_at < SOS_GC_FULL_MS)
    {
        return 1;
    }

    if (st->gc_queue == NULL) {
        /* allocated at the first use; without memory, inline */
        st->gc_queue = malloc(st->gc_cap * sizeof(*st->gc_queue));
        if (st->gc_queue == NULL) {
            return 1;
        }
    }

    return 0;
}


void
sos_garbage_collect(sos_store_t *st, const sos_extent_t *e, uint32_t n)
{
    size_t    tail;
    uint32_t  i;

    sos_pin_collect(st);

    pthread_mutex_lock(&st->gc_lock);

    i = 0;

    if (!sos_garbage_inline(st)) {
        for ( /* void */ ; i < n && st->gc_n < st->gc_cap; i++) {
            tail = (st->gc_head + st->gc_n) % st->gc_cap;
            memcpy(st->gc_queue[tail], e[i].id, SOS_FILE_ID_LEN + 1);
            st->gc_n++;
        }
    }

    pthread_mutex_unlock(&st->gc_lock);

    /* what did not fit */

    for ( /* void */ ; i < n; i++) {
        if (!sos_pin_defer(st, e[i].id)) {
            (void) sos_extent_unlink(st, &e[i]);
        }
    }
}


size_t
sos_garbage_work(sos_store_t *store, size_t max_files, size_t *done)
{
    size_t        n, left;
    sos_extent_t  e;

    if (done != NULL) {
        *done = 0;
    }

    memset(&e, 0, sizeof(e));

    for (n = 0; n < max_files; n++) {
        pthread_mutex_lock(&store->gc_lock);

        if (store->gc_n == 0) {
            pthread_mutex_unlock(&store->gc_lock);
            break;
        }

        memcpy(e.id, store->gc_queue[store->gc_head], SOS_FILE_ID_LEN + 1);
        store->gc_head = (store->gc_head + 1) % store->gc_cap;
        store->gc_n--;

        pthread_mutex_unlock(&store->gc_lock);

        /*
         * a pinned file waits for its last reader (sos_pin_collect); a
         * failed unlink keeps the G record for the next open
         */
        if (!sos_pin_defer(store, e.id) && sos_extent_unlink(store, &e) == 0
            && done != NULL)
        {
            (*done)++;
        }
    }

    pthread_mutex_lock(&store->gc_lock);
    left = store->gc_n;
    pthread_mutex_unlock(&store->gc_lock);

    return left;
}
