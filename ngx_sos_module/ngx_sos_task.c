
/*
 * SOS: store calls in the thread pool.
 *
 * The event loop never touches the disk or the index: each store call is a
 * job posted to the thread pool, and its completion comes back as an
 * event, as ngx_http_file_cache.c does for cache reads.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_metrics.h"


static void ngx_sos_job_thread(void *data, ngx_log_t *log);
static void ngx_sos_job_event(ngx_event_t *ev);
static void ngx_sos_jobs_guard(ngx_event_t *ev);
static ngx_uint_t ngx_sos_job_fence_log(ngx_sos_job_t *job, ngx_log_t *log);


/*
 * A worker that shuts down (reload, QUIT) exits as soon as no timer is
 * left; a request waiting for a job has none, so the worker would exit
 * with the job's connection open ("open socket left") and the client
 * unanswered.  While jobs are in flight this non-cancelable timer keeps
 * the worker until their completions have run.
 */
static ngx_uint_t   ngx_sos_jobs_in_flight;
static ngx_event_t  ngx_sos_jobs_timer;

/*
 * The store refuses writes (SOS_EFENCED, answered 503 SlowDown) from a
 * failed index write until it has reopened its index: the first refusal
 * of each such fence, which names the cause, is logged at crit, the rest
 * at info, and the reopen that ends it at notice.
 */
static uint64_t     ngx_sos_fences_logged;
static uint64_t     ngx_sos_reopens_logged;

#define NGX_SOS_JOBS_GUARD  1000


ngx_sos_job_t *
ngx_sos_job_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    size_t data_size)
{
    ngx_sos_job_t        *job;
    ngx_thread_task_t    *task;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    task = ngx_thread_task_alloc(r->pool, sizeof(ngx_sos_job_t) + data_size);
    if (task == NULL) {
        return NULL;
    }

    job = task->ctx;
    job->request = r;
    job->ctx = ctx;
    job->store = smcf->store;
    job->task = task;
    job->data = data_size ? (u_char *) job + sizeof(ngx_sos_job_t) : NULL;

    task->handler = ngx_sos_job_thread;
    task->event.handler = ngx_sos_job_event;
    task->event.data = job;

    return job;
}


ngx_int_t
ngx_sos_job_post(ngx_sos_job_t *job)
{
    ngx_http_request_t   *r;
    ngx_sos_main_conf_t  *smcf;

    r = job->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    job->rc = SOS_OK;
    job->err.code = SOS_OK;
    job->err.sys_errno = 0;
    job->err.msg[0] = '\0';
    job->task->event.log = r->connection->log;

    ngx_sos_metrics_job_posted(job);

    if (ngx_thread_task_post(smcf->thread_pool, job->task) != NGX_OK) {
        ngx_sos_metrics_job_dropped();
        return NGX_ERROR;
    }

    /* r and its pool outlive a client abort while the job runs */
    r->main->blocked++;

    if (!job->background) {
        r->aio = 1;
    }

    ngx_sos_jobs_in_flight++;

    if (!ngx_sos_jobs_timer.timer_set) {
        ngx_sos_jobs_timer.handler = ngx_sos_jobs_guard;
        ngx_sos_jobs_timer.log = ngx_cycle->log;
        ngx_add_timer(&ngx_sos_jobs_timer, NGX_SOS_JOBS_GUARD);
    }

    return NGX_OK;
}


/*
 * The usual start of store work from a content handler (or a body
 * handler that finalizes with its result): post the job, or answer 503
 * SlowDown when the queue is full; NGX_DONE with the request held
 * (r->main->count++) until done() finalizes it.
 */

ngx_int_t
ngx_sos_job_start(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    if (ngx_sos_job_post(job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    r->main->count++;

    return NGX_DONE;
}


/* the authorization step first (a no-op once passed), then the job */

static void
ngx_sos_job_thread(void *data, ngx_log_t *log)
{
    ngx_sos_job_t  *job = data;

    ngx_sos_metrics_job_started(job);

    if ((job->no_authz || ngx_sos_authz_run(job) == NGX_OK) && job->run) {
        job->run(job);
    }

    ngx_sos_metrics_job_ended();
}


static void
ngx_sos_job_event(ngx_event_t *ev)
{
    ngx_sos_job_t       *job = ev->data;

    ngx_int_t            rc;
    ngx_uint_t           level;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = job->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;

    if (!job->background) {
        r->aio = 0;
    }

    ngx_sos_jobs_in_flight--;

    /* the worker is shutting down: the client reconnects to the next */

    if (ngx_exiting) {
        r->keepalive = 0;
    }

    if (job->rc != SOS_OK && job->rc != SOS_ENOTFOUND
        && job->rc != SOS_ENOBUCKET && job->rc != SOS_ENOUPLOAD)
    {
        /* data at risk is critical; a refused request is client news */
        level = (job->rc == SOS_EIO || job->rc == SOS_ENOSPC
                 || job->rc == SOS_EQUORUM || job->rc == SOS_ECORRUPT)
                ? NGX_LOG_CRIT : NGX_LOG_INFO;

        if (job->rc == SOS_EFENCED && ngx_sos_job_fence_log(job, c->log)) {
            level = NGX_LOG_CRIT;
        }

        ngx_log_error(level, c->log, job->err.sys_errno, "sos: %s: %s",
                      sos_strerror(job->rc), job->err.msg);

    } else if (ngx_sos_fences_logged > ngx_sos_reopens_logged) {
        (void) ngx_sos_job_fence_log(job, c->log);
    }

    if (!job->no_authz && job->ctx->authz.state == NGX_SOS_AUTHZ_FAILED) {
        rc = ngx_sos_authz_send(r, job->ctx);

    } else {
        rc = job->done(r, job);
    }

    if (rc != NGX_SOS_CONTINUE) {
        ngx_http_finalize_request(r, rc);
    }

    ngx_http_run_posted_requests(c);
}


/* whether this refusal is the first of a new fence; logs a reopen */

static ngx_uint_t
ngx_sos_job_fence_log(ngx_sos_job_t *job, ngx_log_t *log)
{
    ngx_uint_t          first;
    sos_store_health_t  h;

    if (job->store == NULL) {
        return 0;
    }

    sos_store_health(job->store, &h);

    if (h.reopens > ngx_sos_reopens_logged) {
        ngx_sos_reopens_logged = h.reopens;

        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "sos: index reopened in %uL ms, writes accepted "
                      "again (%uL refused since the store opened)",
                      h.last_reopen_ms, h.refused);
    }

    first = (h.fences > ngx_sos_fences_logged);
    ngx_sos_fences_logged = h.fences;

    return first;
}


static void
ngx_sos_jobs_guard(ngx_event_t *ev)
{
    if (ngx_sos_jobs_in_flight) {
        ngx_add_timer(ev, NGX_SOS_JOBS_GUARD);
    }
}
