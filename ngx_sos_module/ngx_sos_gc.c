
/*
 * SOS: the unlinking of deleted and replaced files, after the answer.
 *
 * The store leaves the files of committed deletes and overwrites in its
 * garbage queue (sos_garbage_work); their G records, committed with the
 * change, keep that crash-safe.  A timer in the worker that owns the
 * store looks at the queue every NGX_SOS_GC_PERIOD (a mutex, no disk)
 * and, while it holds files, posts one job at a time that unlinks up to
 * NGX_SOS_GC_BATCH of them, holding the store.  Shutting down, it posts
 * no more: the store's close works through what is left.
 */


#include "ngx_sos_module.h"


#define NGX_SOS_GC_PERIOD  10           /* ms between looks at the queue */
#define NGX_SOS_GC_BATCH   1000         /* files per job */


typedef struct {
    sos_store_t             *store;
    size_t                   left;
    size_t                   done;
} ngx_sos_gc_job_t;


static void ngx_sos_gc_timer(ngx_event_t *ev);
static void ngx_sos_gc_thread(void *data, ngx_log_t *log);
static void ngx_sos_gc_done(ngx_event_t *ev);


static ngx_event_t         ngx_sos_gc_ev;
static ngx_thread_task_t  *ngx_sos_gc_task;


ngx_int_t
ngx_sos_gc_init_process(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_gc_task = ngx_thread_task_alloc(cycle->pool,
                                            sizeof(ngx_sos_gc_job_t));
    if (ngx_sos_gc_task == NULL) {
        return NGX_ERROR;
    }

    ngx_sos_gc_task->handler = ngx_sos_gc_thread;
    ngx_sos_gc_task->event.handler = ngx_sos_gc_done;
    ngx_sos_gc_task->event.data = smcf;
    ngx_sos_gc_task->event.log = cycle->log;

    ngx_sos_gc_ev.handler = ngx_sos_gc_timer;
    ngx_sos_gc_ev.data = smcf;
    ngx_sos_gc_ev.log = cycle->log;
    ngx_sos_gc_ev.cancelable = 1;

    ngx_add_timer(&ngx_sos_gc_ev, NGX_SOS_GC_PERIOD);

    return NGX_OK;
}


static void
ngx_sos_gc_timer(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_sos_gc_job_t  *job;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    /* max_files 0 only counts, under the queue's mutex */

    if (smcf->store == NULL || sos_garbage_work(smcf->store, 0, NULL) == 0) {
        ngx_add_timer(ev, NGX_SOS_GC_PERIOD);
        return;
    }

    job = ngx_sos_gc_task->ctx;
    job->store = smcf->store;
    job->left = 0;
    job->done = 0;

    if (ngx_thread_task_post(smcf->thread_pool, ngx_sos_gc_task) != NGX_OK) {
        ngx_add_timer(ev, NGX_SOS_GC_PERIOD);
        return;
    }

    /* a reload's hand-off closes the store only once the job is over */
    ngx_sos_store_hold();
}


static void
ngx_sos_gc_thread(void *data, ngx_log_t *log)
{
    ngx_sos_gc_job_t *job = data;

    job->left = sos_garbage_work(job->store, NGX_SOS_GC_BATCH, &job->done);
}


static void
ngx_sos_gc_done(ngx_event_t *ev)
{
    ngx_sos_gc_job_t  *job;

    job = ngx_sos_gc_task->ctx;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "sos: %uz deleted files removed, %uz queued",
                   job->done, job->left);

    ngx_sos_store_unhold();

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    /* more queued: the next batch after the events that wait */

    ngx_add_timer(&ngx_sos_gc_ev, job->left ? 1 : NGX_SOS_GC_PERIOD);
}
