/*
 * Pins: the data files open readers hold, which garbage collection must
 * leave alone.
 *
 * A reader pins the files of the version it opened, for as long as it is
 * open.  Collection skips a pinned file and marks it: the file and its G
 * record stay, and its last unpin puts it on the ready list, which the
 * next collection (any commit that replaces or removes files, or the
 * next open) empties.  So a reader that opens the parts of a big object
 * one by one still finds them after an overwrite or delete, and an unpin
 * (sos_reader_close, which the module calls in the event loop) unlinks
 * nothing itself.
 *
 * The table is a chained hash of file ids with counts, under one mutex.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#define SOS_PIN_BUCKETS_MIN  64


struct sos_pin_s {
    sos_pin_t  *next;
    uint32_t    count;
    int         doomed;                 /* collection waits for it */
    char        id[SOS_FILE_ID_LEN + 1];
};


static size_t sos_pin_hash(const char *id);
static sos_pin_t **sos_pin_find(sos_store_t *st, const char *id);
static int sos_pin_grow(sos_store_t *st);
static void sos_pin_ready(sos_store_t *st, const char *id);


void
sos_pin_init(sos_store_t *st)
{
    pthread_mutex_init(&st->pin_lock, NULL);
    st->pins = NULL;
    st->n_buckets = 0;
    st->n_pins = 0;
    st->ready = NULL;
    st->n_ready = 0;
    st->cap_ready = 0;
}


void
sos_pin_free(sos_store_t *st)
{
    size_t      i;
    sos_pin_t  *p, *next;

    for (i = 0; i < st->n_buckets; i++) {
        for (p = st->pins[i]; p != NULL; p = next) {
            next = p->next;
            free(p);
        }
    }
    free(st->pins);
    free(st->ready);
    pthread_mutex_destroy(&st->pin_lock);
}


/* FNV-1a of the id's hex digits (the id is random already). */
static size_t
sos_pin_hash(const char *id)
{
    size_t    i;
    uint32_t  h = 2166136261u;

    for (i = 0; i < SOS_FILE_ID_LEN; i++) {
        h = (h ^ (unsigned char) id[i]) * 16777619u;
    }
    return h;
}


/* The link that points at id's entry, or at the NULL ending its chain. */
static sos_pin_t **
sos_pin_find(sos_store_t *st, const char *id)
{
    sos_pin_t  **pp;

    pp = &st->pins[sos_pin_hash(id) & (st->n_buckets - 1)];
    while (*pp != NULL && memcmp((*pp)->id, id, SOS_FILE_ID_LEN) != 0) {
        pp = &(*pp)->next;
    }
    return pp;
}


/* Double the buckets once entries outnumber them; -1 without memory. */
static int
sos_pin_grow(sos_store_t *st)
{
    size_t       i, n, h;
    sos_pin_t  **b, *p, *next;

    if (st->n_pins < st->n_buckets) {
        return 0;
    }

    n = st->n_buckets ? 2 * st->n_buckets : SOS_PIN_BUCKETS_MIN;
    b = calloc(n, sizeof(sos_pin_t *));
    if (b == NULL) {
        return st->n_buckets ? 0 : -1;      /* longer chains will do */
    }

    for (i = 0; i < st->n_buckets; i++) {
        for (p = st->pins[i]; p != NULL; p = next) {
            next = p->next;
            h = sos_pin_hash(p->id) & (n - 1);
            p->next = b[h];
            b[h] = p;
        }
    }

    free(st->pins);
    st->pins = b;
    st->n_buckets = n;
    return 0;
}


int
sos_pin_add(sos_store_t *st, const sos_extent_t *e, uint32_t n)
{
    uint32_t     i;
    sos_pin_t  **pp, *p;

    pthread_mutex_lock(&st->pin_lock);

    for (i = 0; i < n; i++) {
        if (sos_pin_grow(st) != 0) {
            break;
        }

        pp = sos_pin_find(st, e[i].id);
        if (*pp != NULL) {
            (*pp)->count++;
            continue;
        }

        p = malloc(sizeof(sos_pin_t));
        if (p == NULL) {
            break;
        }
        p->next = NULL;
        p->count = 1;
        p->doomed = 0;
        memcpy(p->id, e[i].id, sizeof(p->id));
        *pp = p;
        st->n_pins++;
    }

    pthread_mutex_unlock(&st->pin_lock);

    if (i < n) {
        sos_pin_drop(st, e, i);
        return -1;
    }
    return 0;
}


void
sos_pin_drop(sos_store_t *st, const sos_extent_t *e, uint32_t n)
{
    uint32_t     i;
    sos_pin_t  **pp, *p;

    pthread_mutex_lock(&st->pin_lock);

    for (i = 0; i < n; i++) {
        pp = sos_pin_find(st, e[i].id);
        p = *pp;
        if (p == NULL || --p->count > 0) {
            continue;
        }

        *pp = p->next;
        st->n_pins--;
        if (p->doomed) {
            sos_pin_ready(st, p->id);
        }
        free(p);
    }

    pthread_mutex_unlock(&st->pin_lock);
}


/*
 * Queue a file for the next collection, under pin_lock.  Without memory
 * it is left to the next open, which collects every G record.
 */
static void
sos_pin_ready(sos_store_t *st, const char *id)
{
    size_t   cap;
    char   (*r)[SOS_FILE_ID_LEN + 1];

    if (st->n_ready == st->cap_ready) {
        cap = st->cap_ready ? 2 * st->cap_ready : 16;
        r = realloc(st->ready, cap * sizeof(*r));
        if (r == NULL) {
            return;
        }
        st->ready = r;
        st->cap_ready = cap;
    }

    memcpy(st->ready[st->n_ready++], id, SOS_FILE_ID_LEN + 1);
}


int
sos_pin_defer(sos_store_t *st, const char *id)
{
    int          pinned;
    sos_pin_t  **pp;

    pthread_mutex_lock(&st->pin_lock);

    pinned = 0;
    if (st->n_pins > 0) {
        pp = sos_pin_find(st, id);
        if (*pp != NULL) {
            (*pp)->doomed = 1;
            pinned = 1;
        }
    }

    pthread_mutex_unlock(&st->pin_lock);
    return pinned;
}


void
sos_pin_collect(sos_store_t *st)
{
    size_t          i, n;
    char          (*ready)[SOS_FILE_ID_LEN + 1];
    sos_extent_t    e;

    pthread_mutex_lock(&st->pin_lock);
    ready = st->ready;
    n = st->n_ready;
    st->ready = NULL;
    st->n_ready = 0;
    st->cap_ready = 0;
    pthread_mutex_unlock(&st->pin_lock);

    /* a reader may have pinned one again meanwhile: it waits once more */
    memset(&e, 0, sizeof(e));

    for (i = 0; i < n; i++) {
        if (!sos_pin_defer(st, ready[i])) {
            memcpy(e.id, ready[i], sizeof(e.id));
            (void) sos_extent_unlink(st, &e);
        }
    }

    free(ready);
}
