/*
 * The sync pool: runs the per-replica steps of one write side by side
 * (sos_replica.c), so that a commit waits for its slowest replica, not
 * for the sum of all of them.  A few threads of the store's own, started
 * at the first use (never in a process that only opens the store to read
 * it) and joined at close.
 *
 * The caller runs its first task itself and, once done, takes back every
 * task no thread has started yet: a pool busy with other writes, or one
 * whose threads could not be started, costs the parallelism, never a
 * wait in a queue.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


/* Threads per store: enough for the two other replicas of a few dozen
 * concurrent writes; a write finding them busy runs its steps itself. */
#define SOS_POOL_THREADS     16

/* each thread only runs a replica's file calls */
#define SOS_POOL_STACK       (256 * 1024)


enum {
    SOS_TASK_QUEUED = 0,
    SOS_TASK_RUNNING,
    SOS_TASK_DONE
};


static void *sos_pool_main(void *arg);
static void sos_pool_start(sos_pool_t *pool);


void
sos_pool_init(sos_pool_t *pool)
{
    memset(pool, 0, sizeof(*pool));
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work, NULL);
    pthread_cond_init(&pool->done, NULL);
}


void
sos_pool_free(sos_pool_t *pool)
{
    unsigned  i;

    pthread_mutex_lock(&pool->lock);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);

    for (i = 0; i < pool->n_threads; i++) {
        pthread_join(pool->threads[i], NULL);
    }

    free(pool->threads);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->work);
    pthread_cond_destroy(&pool->done);
}


/* Under pool->lock: as many threads as start, once. */
static void
sos_pool_start(sos_pool_t *pool)
{
    pthread_attr_t  attr;

    pool->started = 1;

    pool->threads = calloc(SOS_POOL_THREADS, sizeof(pthread_t));
    if (pool->threads == NULL) {
        return;
    }

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, SOS_POOL_STACK);

    while (pool->n_threads < SOS_POOL_THREADS
           && pthread_create(&pool->threads[pool->n_threads], &attr,
                             sos_pool_main, pool) == 0)
    {
        pool->n_threads++;
    }

    pthread_attr_destroy(&attr);
}


static void *
sos_pool_main(void *arg)
{
    int          detached;
    sos_pool_t  *pool = arg;
    sos_task_t  *task;

    pthread_mutex_lock(&pool->lock);

    for ( ;; ) {
        while (pool->head == NULL && !pool->stop) {
            pthread_cond_wait(&pool->work, &pool->lock);
        }

        if (pool->head == NULL) {
            break;
        }

        task = pool->head;
        pool->head = task->next;
        task->state = SOS_TASK_RUNNING;
        detached = task->detached;
        pthread_mutex_unlock(&pool->lock);

        task->run(task->arg);

        pthread_mutex_lock(&pool->lock);

        /* a posted task may be posted again once it ran: not ours now */
        if (!detached) {
            task->state = SOS_TASK_DONE;
            pthread_cond_broadcast(&pool->done);
        }
    }

    pthread_mutex_unlock(&pool->lock);
    return NULL;
}


void
sos_pool_run(sos_pool_t *pool, sos_task_t *tasks, unsigned n)
{
    unsigned     i;
    sos_task_t **link;

    if (n == 0) {
        return;
    }

    pthread_mutex_lock(&pool->lock);

    if (!pool->started) {
        sos_pool_start(pool);
    }

    if (pool->n_threads == 0) {
        pthread_mutex_unlock(&pool->lock);
        for (i = 0; i < n; i++) {
            tasks[i].run(tasks[i].arg);
        }
        return;
    }

    for (i = 1; i < n; i++) {
        tasks[i].state = SOS_TASK_QUEUED;
        tasks[i].detached = 0;
        tasks[i].next = NULL;
        for (link = &pool->head; *link != NULL; link = &(*link)->next) {
            /* void */
        }
        *link = &tasks[i];
    }
    pthread_cond_broadcast(&pool->work);

    pthread_mutex_unlock(&pool->lock);

    tasks[0].run(tasks[0].arg);

    pthread_mutex_lock(&pool->lock);

    for (i = 1; i < n; i++) {
        if (tasks[i].state != SOS_TASK_QUEUED) {
            continue;
        }

        /* not started yet: ours again */
        for (link = &pool->head; *link != &tasks[i]; link = &(*link)->next) {
            /* void */
        }
        *link = tasks[i].next;
        tasks[i].state = SOS_TASK_RUNNING;

        pthread_mutex_unlock(&pool->lock);
        tasks[i].run(tasks[i].arg);
        pthread_mutex_lock(&pool->lock);

        tasks[i].state = SOS_TASK_DONE;
    }

    for (i = 1; i < n; i++) {
        while (tasks[i].state != SOS_TASK_DONE) {
            pthread_cond_wait(&pool->done, &pool->lock);
        }
    }

    pthread_mutex_unlock(&pool->lock);
}


int
sos_pool_post(sos_pool_t *pool, sos_task_t *task)
{
    int           posted;
    sos_task_t  **link;

    pthread_mutex_lock(&pool->lock);

    if (!pool->started) {
        sos_pool_start(pool);
    }

    posted = pool->n_threads > 0 && !pool->stop;

    if (posted) {
        task->state = SOS_TASK_QUEUED;
        task->detached = 1;
        task->next = NULL;
        for (link = &pool->head; *link != NULL; link = &(*link)->next) {
            /* void */
        }
        *link = task;
        pthread_cond_signal(&pool->work);
    }

    pthread_mutex_unlock(&pool->lock);

    return posted;
}
