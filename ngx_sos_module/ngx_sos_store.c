
/*
 * SOS: the worker's store handle, and its hand-off across reloads.
 *
 * The store opens in the worker, never in the master: LevelDB lets one
 * process own the index, and a handle must not cross fork().  A reload
 * or a binary upgrade overlaps an old and a new worker, which take turns
 * on owner.lock (ngx_sos_lock.c):
 *
 * - The new worker that finds the lock taken waits for it in a thread,
 *   then opens the store in the thread pool.  No timer polls.
 * - Meanwhile its requests wait in a bounded queue (sos_handoff_queue
 *   requests, sos_handoff_wait each), then get 503 SlowDown.
 * - The old worker, once shutting down, serves what it has (requests in
 *   flight, uploads streaming in, requests on connections it already
 *   holds, each answered "Connection: close") and closes the store the
 *   moment nothing uses it, without waiting for its connections to go.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_metrics.h"


typedef enum {
    NGX_SOS_OWNER_NONE = 0,          /* no lock file yet: retried */
    NGX_SOS_OWNER_WAIT,              /* a thread waits for the lock */
    NGX_SOS_OWNER_OPENING,           /* the lock is ours: open in a task */
    NGX_SOS_OWNER_BUSY,              /* LevelDB's lock is someone else's */
    NGX_SOS_OWNER_FAILED,            /* open failed: retried slowly */
    NGX_SOS_OWNER_OPEN,
    NGX_SOS_OWNER_RELEASED           /* shutting down: handed on */
} ngx_sos_owner_state_e;


typedef struct {
    ngx_sos_main_conf_t    *smcf;
    ngx_sos_owner_state_e   state;
    ngx_sos_lock_t          lock;        /* locked when the store is ours */

    ngx_uint_t              holds;       /* requests and tasks using it */
    ngx_queue_t             waiting;     /* of ngx_sos_waiter_t */
    ngx_uint_t              n_waiting;

    ngx_msec_t              wait_start;
    ngx_msec_t              open_start;

    ngx_event_t             retry;
    ngx_thread_task_t      *open_task;
    ngx_flag_t              open_posted;
} ngx_sos_owner_t;


typedef struct {
    ngx_sos_main_conf_t    *smcf;
    ngx_fd_t                fd;
    sos_store_t            *store;
    ngx_sos_keys_t         *keys;
    sos_rc_e                rc;
    sos_error_t             err;
} ngx_sos_open_job_t;


typedef struct {
    ngx_queue_t             queue;
    ngx_http_request_t     *request;
    ngx_event_t             timer;
    ngx_flag_t              done;
} ngx_sos_waiter_t;


typedef struct {
    sos_store_t            *store;
    ngx_fd_t                fd;
    ngx_msec_t              start;
} ngx_sos_close_job_t;


static void ngx_sos_store_wait_lock(ngx_log_t *log);
static void ngx_sos_store_notified(ngx_event_t *ev);
static void ngx_sos_store_locked(ngx_log_t *log);
static sos_rc_e ngx_sos_store_open(ngx_sos_main_conf_t *smcf, ngx_fd_t fd,
    sos_store_t **store, ngx_sos_keys_t **keys, sos_error_t *err);
static void ngx_sos_store_opened(sos_store_t *store, ngx_sos_keys_t *keys,
    sos_rc_e rc, sos_error_t *err, ngx_log_t *log);
static void ngx_sos_store_retry(ngx_event_t *ev);
static void ngx_sos_store_open_thread(void *data, ngx_log_t *log);
static void ngx_sos_store_open_done(ngx_event_t *ev);
static void ngx_sos_store_wake(ngx_sos_err_e err);
static void ngx_sos_store_wait_timeout(ngx_event_t *ev);
static void ngx_sos_store_wait_cleanup(void *data);
static void ngx_sos_store_unhold_cleanup(void *data);
static void ngx_sos_store_release(ngx_log_t *log);
static void ngx_sos_store_close_thread(void *data, ngx_log_t *log);
static void ngx_sos_store_close_done(ngx_event_t *ev);


static ngx_sos_owner_t  ngx_sos_owner;


ngx_int_t
ngx_sos_store_init(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    sos_rc_e             rc;
    sos_error_t          err;
    sos_store_t         *store;
    ngx_sos_keys_t      *keys;
    ngx_thread_task_t   *task;
    ngx_sos_owner_t     *ow;
    ngx_sos_open_job_t  *job;

    ow = &ngx_sos_owner;
    ow->smcf = smcf;
    ngx_queue_init(&ow->waiting);

    task = ngx_thread_task_alloc(cycle->pool, sizeof(ngx_sos_open_job_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    job = task->ctx;
    job->smcf = smcf;

    task->handler = ngx_sos_store_open_thread;
    task->event.handler = ngx_sos_store_open_done;
    task->event.data = job;
    task->event.log = cycle->log;

    ow->open_task = task;

    ow->retry.handler = ngx_sos_store_retry;
    ow->retry.data = ow;
    ow->retry.log = cycle->log;
    ow->retry.cancelable = 1;

    if (ngx_sos_lock_init(cycle, &ow->lock, &smcf->data_dir,
                          ngx_sos_store_notified, ow)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ow->wait_start = ngx_current_msec;
    ow->open_start = ngx_current_msec;

    if (ngx_sos_lock_open(&ow->lock, cycle->log) != NGX_OK) {
        smcf->open_rc = SOS_EIO;
        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY_SLOW);
        return NGX_OK;
    }

    if (ngx_sos_lock_try(&ow->lock, cycle->log) != NGX_OK) {

        /* an old worker shutting down hands the store over */

        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "sos: store \"%V\" is owned by another process, "
                      "waiting for it; requests wait at most %M ms",
                      &smcf->data_dir, smcf->handoff_wait);

        ngx_sos_store_wait_lock(cycle->log);
        return NGX_OK;
    }

    /* no request is served yet: the first attempt may block */

    store = NULL;
    keys = NULL;
    ow->state = NGX_SOS_OWNER_OPENING;

    rc = ngx_sos_store_open(smcf, ow->lock.fd, &store, &keys, &err);

    ngx_sos_store_opened(store, keys, rc, &err, cycle->log);

    return NGX_OK;
}


void
ngx_sos_store_exit(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_owner_t     *ow;
    ngx_sos_open_job_t  *job;

    ow = &ngx_sos_owner;

    if (ow->smcf == NULL) {
        return;                          /* init_process failed before */
    }

    if (ow->retry.timer_set) {
        ngx_del_timer(&ow->retry);
    }

    /*
     * the thread pools are destroyed before this hook runs, so a posted
     * open or close has finished; its completion event will never run
     */

    if (ow->open_posted && ow->open_task) {
        job = ow->open_task->ctx;

        if (job->store) {
            sos_store_close(job->store);
            job->store = NULL;
            ngx_sos_lock_release(ow->lock.fd);
            ow->lock.fd = NGX_INVALID_FILE;
        }

        ngx_sos_keys_free(job->keys);
        job->keys = NULL;
    }

    ngx_sos_keys_free(smcf->keys);
    smcf->keys = NULL;

    if (smcf->store) {
        ngx_sos_metrics_store_fold(smcf->store);
        ngx_sos_scrub_flush(smcf->store, cycle->log);
        sos_store_close(smcf->store);
        smcf->store = NULL;
        ngx_sos_lock_release(ow->lock.fd);
        ow->lock.fd = NGX_INVALID_FILE;

        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "sos: store \"%V\" closed", &smcf->data_dir);
    }

    ngx_sos_lock_exit(&ow->lock);
}


/*
 * The store for a request: NGX_OK, the store held until the request is
 * freed; else what the content handler returns (NGX_DONE: the request
 * waits for the hand-off and runs again; or the 503 sent).
 */

ngx_int_t
ngx_sos_store_enter(ngx_http_request_t *r)
{
    ngx_sos_owner_t      *ow;
    ngx_sos_waiter_t     *w;
    ngx_pool_cleanup_t   *cln;
    ngx_sos_main_conf_t  *smcf;

    ow = &ngx_sos_owner;
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    /* shutting down: the client reconnects to the next worker */

    if (ngx_exiting) {
        r->keepalive = 0;
    }

    if (smcf->store) {
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_sos_store_unhold_cleanup;
        cln->data = NULL;

        ow->holds++;

        return NGX_OK;
    }

    if ((ow->state != NGX_SOS_OWNER_WAIT
         && ow->state != NGX_SOS_OWNER_OPENING
         && ow->state != NGX_SOS_OWNER_BUSY)
        || ow->n_waiting >= smcf->handoff_queue
        || smcf->handoff_wait == 0)
    {
        return ngx_sos_error_send(r, ow->state == NGX_SOS_OWNER_FAILED
                                     || ow->state == NGX_SOS_OWNER_NONE
                                     ? NGX_SOS_ERR_SERVICE_UNAVAILABLE
                                     : NGX_SOS_ERR_SLOW_DOWN);
    }

    /* the hand-off takes milliseconds: wait for it rather than fail */

    w = ngx_pcalloc(r->pool, sizeof(ngx_sos_waiter_t));
    if (w == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_sos_store_wait_cleanup;
    cln->data = w;

    w->request = r;
    w->timer.handler = ngx_sos_store_wait_timeout;
    w->timer.data = w;
    w->timer.log = r->connection->log;

    ngx_queue_insert_tail(&ow->waiting, &w->queue);
    ow->n_waiting++;

    ngx_add_timer(&w->timer, smcf->handoff_wait);

    r->main->count++;

    return NGX_DONE;
}


/* a task that uses the store outside a request (expiry, an abort) */

void
ngx_sos_store_hold(void)
{
    ngx_sos_owner.holds++;
}


void
ngx_sos_store_unhold(void)
{
    ngx_sos_owner_t  *ow;

    ow = &ngx_sos_owner;
    ow->holds--;

    if (ow->holds == 0 && ngx_exiting && ow->state == NGX_SOS_OWNER_OPEN) {
        ngx_sos_store_release(ngx_cycle->log);
    }
}


static void
ngx_sos_store_wait_lock(ngx_log_t *log)
{
    ngx_sos_owner_t  *ow;

    ow = &ngx_sos_owner;
    ow->state = NGX_SOS_OWNER_WAIT;
    ow->wait_start = ngx_current_msec;

    if (ngx_sos_lock_wait(&ow->lock, log) != NGX_OK) {

        /* no thread: the retry starts from the lock file again */

        (void) ngx_close_file(ow->lock.fd);
        ow->lock.fd = NGX_INVALID_FILE;
        ow->state = NGX_SOS_OWNER_NONE;
        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY_SLOW);
    }
}


static void
ngx_sos_store_notified(ngx_event_t *ev)
{
    ngx_sos_owner_t   *ow;
    ngx_connection_t  *c;

    c = ev->data;
    ow = c->data;

    if (c->close) {

        /* graceful shutdown (or its timer): the store goes once unused */

        c->close = 0;
        c->error = 0;

        if (ow->state == NGX_SOS_OWNER_OPEN && ow->holds == 0) {
            ngx_sos_store_release(ev->log);
        }
    }

    if (ngx_sos_lock_notified(&ow->lock)
        && ow->state == NGX_SOS_OWNER_WAIT)
    {
        ngx_sos_store_locked(ev->log);
    }
}


static void
ngx_sos_store_locked(ngx_log_t *log)
{
    ngx_sos_owner_t      *ow;
    ngx_sos_open_job_t   *job;
    ngx_sos_main_conf_t  *smcf;

    ow = &ngx_sos_owner;
    smcf = ow->smcf;

    if (ow->lock.err) {
        ngx_log_error(NGX_LOG_CRIT, log, ow->lock.err,
                      "sos: flock(\"%s\") failed", ow->lock.path);

        /* not ours: the retry starts from the lock file again */

        (void) ngx_close_file(ow->lock.fd);
        ow->lock.fd = NGX_INVALID_FILE;
        ow->state = NGX_SOS_OWNER_NONE;
        smcf->open_rc = SOS_EIO;
        ngx_sos_store_wake(NGX_SOS_ERR_SERVICE_UNAVAILABLE);
        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY_SLOW);
        return;
    }

    if (ngx_exiting && ow->n_waiting == 0) {

        /* shutting down with nobody waiting: pass the store on */

        (void) ngx_close_file(ow->lock.fd);
        ow->lock.fd = NGX_INVALID_FILE;
        ow->state = NGX_SOS_OWNER_RELEASED;
        return;
    }

    /* a successful open cleans tmp/ and pending deletes: not in the loop */

    ow->state = NGX_SOS_OWNER_OPENING;
    ow->open_start = ngx_current_msec;

    job = ow->open_task->ctx;
    job->fd = ow->lock.fd;
    job->store = NULL;
    job->keys = NULL;

    if (ngx_thread_task_post(smcf->thread_pool, ow->open_task) != NGX_OK) {
        ow->state = NGX_SOS_OWNER_BUSY;
        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY);
        return;
    }

    ow->open_posted = 1;
}


static sos_rc_e
ngx_sos_store_open(ngx_sos_main_conf_t *smcf, ngx_fd_t fd,
    sos_store_t **store, ngx_sos_keys_t **keys, sos_error_t *err)
{
    sos_rc_e          rc;
    sos_store_conf_t  conf;

    /* a crash after this leaves no release time to misread */

    ngx_sos_lock_taken(fd);

    ngx_memzero(&conf, sizeof(sos_store_conf_t));

    conf.data_dir = (const char *) smcf->data_dir.data;
    conf.replica_dirs = smcf->replica_dirs;
    conf.n_replicas = smcf->n_replicas;
    conf.write_quorum = smcf->write_quorum;
    conf.no_fsync = !smcf->fsync;
    conf.key_file = (const char *) smcf->key_file.data;
    conf.index_reserve = (uint64_t) smcf->index_reserve;
    conf.garbage_queue = NGX_SOS_GC_QUEUE;

    ngx_memzero(err, sizeof(sos_error_t));

    rc = sos_store_open(store, &conf, err);

    if (rc != SOS_OK) {
        return rc;
    }

    /* requests are authenticated in the loop from a table in memory */

    *keys = ngx_sos_keys_load(*store, err);

    if (*keys == NULL) {
        sos_store_close(*store);
        *store = NULL;
        return err->code != SOS_OK ? err->code : SOS_EIO;
    }

    return SOS_OK;
}


static void
ngx_sos_store_opened(sos_store_t *store, ngx_sos_keys_t *keys, sos_rc_e rc,
    sos_error_t *err, ngx_log_t *log)
{
    size_t                i;
    sos_rc_e              prev;
    ngx_uint_t            level;
    ngx_sos_owner_t      *ow;
    sos_store_info_t      info;
    ngx_sos_main_conf_t  *smcf;

    ow = &ngx_sos_owner;
    smcf = ow->smcf;

    prev = smcf->open_rc;
    smcf->open_rc = rc;

    if (rc == SOS_OK) {
        smcf->store = store;
        ngx_sos_keys_replace(smcf, keys);
        ow->state = NGX_SOS_OWNER_OPEN;

        /* modes tightened, the key file created, secrets sealed */

        sos_store_info(store, &info);

        for (i = 0; i < info.n_notices; i++) {
            level = (info.notices[i].level == SOS_NOTICE_WARN)
                    ? NGX_LOG_WARN : NGX_LOG_NOTICE;

            ngx_log_error(level, log, 0, "sos: %s", info.notices[i].msg);
        }

        if (ow->lock.gap >= 0) {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: store \"%V\" taken over %M ms after the "
                          "previous owner released it (waited %M ms, "
                          "opened in %M ms, %ui requests waiting)",
                          &smcf->data_dir, (ngx_msec_t) ow->lock.gap,
                          ow->open_start - ow->wait_start,
                          ngx_current_msec - ow->open_start, ow->n_waiting);

        } else {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: store \"%V\" opened in %M ms",
                          &smcf->data_dir,
                          ngx_current_msec - ow->open_start);
        }

        ngx_sos_store_wake(NGX_SOS_OK);

        if (ngx_exiting && ow->holds == 0) {
            ngx_sos_store_release(log);
        }

        return;
    }

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        if (ow->lock.fd != NGX_INVALID_FILE) {
            (void) ngx_close_file(ow->lock.fd);
            ow->lock.fd = NGX_INVALID_FILE;
        }

        ow->state = NGX_SOS_OWNER_RELEASED;

        ngx_sos_store_wake(NGX_SOS_ERR_SLOW_DOWN);
        return;
    }

    /*
     * LevelDB's lock held by a program that does not take turns on ours
     * (sosctl offline, an older SOS): the only case retried on a timer
     */

    if (rc == SOS_EBUSY) {
        ow->state = NGX_SOS_OWNER_BUSY;

        if (prev != SOS_EBUSY) {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: store \"%V\" is owned by another process, "
                          "retrying every %d ms, answering SlowDown "
                          "meanwhile", &smcf->data_dir, NGX_SOS_OPEN_RETRY);
        }

        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY);
        return;
    }

    ow->state = NGX_SOS_OWNER_FAILED;

    if (prev != rc) {
        ngx_log_error(NGX_LOG_CRIT, log, err->sys_errno,
                      "sos: cannot open store \"%V\": %s: %s",
                      &smcf->data_dir, sos_strerror(rc), err->msg);
    }

    ngx_sos_store_wake(NGX_SOS_ERR_SERVICE_UNAVAILABLE);

    ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY_SLOW);
}


static void
ngx_sos_store_retry(ngx_event_t *ev)
{
    ngx_sos_owner_t *ow = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    if (ow->lock.fd == NGX_INVALID_FILE) {
        if (ngx_sos_lock_open(&ow->lock, ev->log) != NGX_OK) {
            ngx_add_timer(ev, NGX_SOS_OPEN_RETRY_SLOW);
            return;
        }

        ngx_sos_store_wait_lock(ev->log);
        return;
    }

    ow->state = NGX_SOS_OWNER_WAIT;
    ngx_sos_store_locked(ev->log);
}


static void
ngx_sos_store_open_thread(void *data, ngx_log_t *log)
{
    ngx_sos_open_job_t *job = data;

    job->rc = ngx_sos_store_open(job->smcf, job->fd, &job->store,
                                 &job->keys, &job->err);
}


static void
ngx_sos_store_open_done(ngx_event_t *ev)
{
    ngx_sos_open_job_t *job = ev->data;

    sos_store_t     *store;
    ngx_sos_keys_t  *keys;

    ngx_sos_owner.open_posted = 0;

    store = job->store;
    job->store = NULL;
    keys = job->keys;
    job->keys = NULL;

    ngx_sos_store_opened(store, keys, job->rc, &job->err, ev->log);
}


/* the requests that waited for the store: run again, or answered */

static void
ngx_sos_store_wake(ngx_sos_err_e err)
{
    ngx_queue_t         *q;
    ngx_sos_owner_t     *ow;
    ngx_sos_waiter_t    *w;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    ow = &ngx_sos_owner;

    while (!ngx_queue_empty(&ow->waiting)) {
        q = ngx_queue_head(&ow->waiting);
        w = ngx_queue_data(q, ngx_sos_waiter_t, queue);

        ngx_queue_remove(q);
        ow->n_waiting--;
        w->done = 1;

        if (w->timer.timer_set) {
            ngx_del_timer(&w->timer);
        }

        r = w->request;
        c = r->connection;

        ngx_http_set_log_request(c->log, r);

        if (err == NGX_SOS_OK) {
            ngx_http_finalize_request(r, r->content_handler(r));

        } else {
            ngx_http_finalize_request(r, ngx_sos_error_send(r, err));
        }

        ngx_http_run_posted_requests(c);
    }
}


static void
ngx_sos_store_wait_timeout(ngx_event_t *ev)
{
    ngx_sos_waiter_t *w = ev->data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = w->request;
    c = r->connection;

    ngx_queue_remove(&w->queue);
    ngx_sos_owner.n_waiting--;
    w->done = 1;

    ngx_http_set_log_request(c->log, r);

    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "sos: no store after %M ms of waiting, SlowDown",
                  ngx_sos_owner.smcf->handoff_wait);

    ngx_http_finalize_request(r, ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN));
    ngx_http_run_posted_requests(c);
}


/* a waiting request freed otherwise (the worker terminates) */

static void
ngx_sos_store_wait_cleanup(void *data)
{
    ngx_sos_waiter_t *w = data;

    if (w->done) {
        return;
    }

    ngx_queue_remove(&w->queue);
    ngx_sos_owner.n_waiting--;

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }
}


static void
ngx_sos_store_unhold_cleanup(void *data)
{
    ngx_sos_store_unhold();
}


/*
 * Shutting down and nothing uses the store: close it and let go of the
 * lock, in a task (LevelDB's close waits for its compaction).  The task
 * does it all: the worker may exit before the completion runs.
 */

static void
ngx_sos_store_release(ngx_log_t *log)
{
    ngx_sos_owner_t      *ow;
    ngx_thread_task_t    *task;
    ngx_sos_close_job_t  *job;
    ngx_sos_main_conf_t  *smcf;

    ow = &ngx_sos_owner;
    smcf = ow->smcf;

    ow->state = NGX_SOS_OWNER_RELEASED;

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "sos: store \"%V\" released: shutting down, no request "
                  "uses it", &smcf->data_dir);

    ngx_sos_keys_free(smcf->keys);
    smcf->keys = NULL;

    ngx_sos_metrics_store_fold(smcf->store);

    task = ngx_thread_task_alloc(ngx_cycle->pool, sizeof(ngx_sos_close_job_t));

    if (task == NULL) {
        ngx_sos_scrub_flush(smcf->store, log);
        sos_store_close(smcf->store);
        ngx_sos_lock_release(ow->lock.fd);

    } else {
        job = task->ctx;
        job->store = smcf->store;
        job->fd = ow->lock.fd;
        job->start = ngx_current_msec;

        task->handler = ngx_sos_store_close_thread;
        task->event.handler = ngx_sos_store_close_done;
        task->event.data = job;
        task->event.log = log;

        if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
            ngx_sos_store_close_thread(job, log);
        }
    }

    smcf->store = NULL;
    ow->lock.fd = NGX_INVALID_FILE;
}


static void
ngx_sos_store_close_thread(void *data, ngx_log_t *log)
{
    ngx_sos_close_job_t *job = data;

    ngx_sos_scrub_flush(job->store, log);
    sos_store_close(job->store);
    ngx_sos_lock_release(job->fd);
}


static void
ngx_sos_store_close_done(ngx_event_t *ev)
{
    ngx_sos_close_job_t *job = ev->data;

    ngx_log_error(NGX_LOG_INFO, ev->log, 0, "sos: store closed in %M ms",
                  ngx_current_msec - job->start);
}
