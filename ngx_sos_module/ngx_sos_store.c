
/*
 * SOS: the worker's store handle, and its hand-off across reloads.
 *
 * The store opens in the worker, never in the master: LevelDB lets one
 * process own the index, and a handle must not cross fork().  A reload
 * or a binary upgrade overlaps an old and a new worker, so owners take
 * turns on an exclusive flock() of <data_dir>/owner.lock, held from
 * before sos_store_open() until after sos_store_close().  LevelDB's own
 * lock (fcntl, per process) stays what keeps other programs out.
 *
 * - The new worker that finds the lock taken blocks a thread of its own
 *   in flock(); the kernel wakes it the moment the old worker lets go,
 *   and a pipe hands the news to the event loop, which opens the store
 *   in the thread pool.  No timer polls.
 * - Meanwhile its requests wait in a bounded queue (sos_handoff_queue
 *   requests, sos_handoff_wait each), then get 503 SlowDown.
 * - The old worker, once shutting down, serves what it has (requests in
 *   flight, uploads streaming in, requests on connections it already
 *   holds, each answered "Connection: close") and closes the store the
 *   moment nothing uses it, without waiting for its connections to go.
 *   It learns that shutdown began from nginx itself: the pipe's
 *   connection is marked idle, and graceful shutdown closes idle
 *   connections by calling their read handler with c->close set.
 *
 * The releasing owner writes the time (ms since the epoch) into the lock
 * file; the next one logs how long the store had nobody.
 */


#include "ngx_sos_module.h"

#include <pthread.h>
#include <signal.h>
#include <sys/file.h>


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
    ngx_fd_t                fd;          /* owner.lock, locked when ours */
    u_char                 *path;

    ngx_uint_t              holds;       /* requests and tasks using it */
    ngx_queue_t             waiting;     /* of ngx_sos_waiter_t */
    ngx_uint_t              n_waiting;

    int                     pipe[2];
    ngx_connection_t       *notify;

    /* written by the lock thread before it writes to the pipe */
    ngx_err_t               lock_err;
    ngx_msec_int_t          gap;         /* release -> lock, or -1 */

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
} ngx_sos_close_job_t;


static ngx_int_t ngx_sos_store_lock_file(ngx_cycle_t *cycle);
static ngx_int_t ngx_sos_store_notify_init(ngx_cycle_t *cycle);
static ngx_int_t ngx_sos_store_wait_lock(ngx_log_t *log);
static void *ngx_sos_store_lock_thread(void *data);
static ngx_msec_int_t ngx_sos_store_gap(ngx_fd_t fd);
static void ngx_sos_store_mark_release(ngx_fd_t fd);
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
    ow->fd = NGX_INVALID_FILE;
    ow->pipe[0] = -1;
    ow->pipe[1] = -1;
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

    if (ngx_sos_store_notify_init(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    ow->wait_start = ngx_current_msec;
    ow->open_start = ngx_current_msec;
    ow->gap = -1;

    if (ngx_sos_store_lock_file(cycle) != NGX_OK) {
        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY_SLOW);
        return NGX_OK;
    }

    if (flock(ow->fd, LOCK_EX|LOCK_NB) == -1) {

        if (ngx_errno != EWOULDBLOCK) {
            ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                          "sos: flock(\"%s\") failed", ow->path);
        }

        /* an old worker shutting down hands the store over */

        smcf->open_rc = SOS_EBUSY;

        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "sos: store \"%V\" is owned by another process, "
                      "waiting for it; requests wait at most %M ms",
                      &smcf->data_dir, smcf->handoff_wait);

        return ngx_sos_store_wait_lock(cycle->log);
    }

    /* no request is served yet: the first attempt may block */

    store = NULL;
    keys = NULL;
    ow->state = NGX_SOS_OWNER_OPENING;

    rc = ngx_sos_store_open(smcf, ow->fd, &store, &keys, &err);

    ngx_sos_store_opened(store, keys, rc, &err, cycle->log);

    return NGX_OK;
}


void
ngx_sos_store_exit(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_owner_t     *ow;
    ngx_sos_open_job_t  *job;

    ow = &ngx_sos_owner;

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
            ngx_sos_store_mark_release(ow->fd);
        }

        ngx_sos_keys_free(job->keys);
        job->keys = NULL;
    }

    ngx_sos_keys_free(smcf->keys);
    smcf->keys = NULL;

    if (smcf->store) {
        sos_store_close(smcf->store);
        smcf->store = NULL;
        ngx_sos_store_mark_release(ow->fd);

        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "sos: store \"%V\" closed", &smcf->data_dir);
    }

    /* a lock thread still waiting ends with the process */

    if (ow->fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(ow->fd);
        ow->fd = NGX_INVALID_FILE;
    }

    if (ow->notify) {
        ngx_close_connection(ow->notify);
        ow->notify = NULL;
        ow->pipe[0] = -1;
    }

    if (ow->pipe[1] != -1) {
        (void) close(ow->pipe[1]);
        ow->pipe[1] = -1;
    }
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


static ngx_int_t
ngx_sos_store_lock_file(ngx_cycle_t *cycle)
{
    size_t                len;
    ngx_sos_owner_t      *ow;
    ngx_sos_main_conf_t  *smcf;

    ow = &ngx_sos_owner;
    smcf = ow->smcf;

    if (ow->path == NULL) {
        len = smcf->data_dir.len + sizeof("/owner.lock");

        ow->path = ngx_pnalloc(cycle->pool, len);
        if (ow->path == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(ow->path, "%V/owner.lock%Z", &smcf->data_dir);
    }

    ow->fd = open((char *) ow->path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);

    if (ow->fd == NGX_INVALID_FILE && ngx_errno == NGX_ENOENT) {

        /* the first start: the data dir is made here, not by the store */

        if (ngx_create_full_path(ow->path, 0700) == 0) {
            ow->fd = open((char *) ow->path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);
        }
    }

    if (ow->fd == NGX_INVALID_FILE) {
        if (smcf->open_rc != SOS_EIO) {
            ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                          "sos: cannot open store \"%V\": open(\"%s\") "
                          "failed", &smcf->data_dir, ow->path);
        }

        ow->state = NGX_SOS_OWNER_NONE;
        smcf->open_rc = SOS_EIO;
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The pipe from the lock thread to the loop.  Its connection is idle to
 * nginx: ngx_close_idle_connections() at graceful shutdown tells us.
 */

static ngx_int_t
ngx_sos_store_notify_init(ngx_cycle_t *cycle)
{
    ngx_sos_owner_t   *ow;
    ngx_connection_t  *c;

    ow = &ngx_sos_owner;

    if (pipe2(ow->pipe, O_CLOEXEC|O_NONBLOCK) == -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_errno,
                      "sos: pipe2() failed");
        return NGX_ERROR;
    }

    c = ngx_get_connection(ow->pipe[0], cycle->log);
    if (c == NULL) {
        (void) close(ow->pipe[0]);
        (void) close(ow->pipe[1]);
        ow->pipe[0] = -1;
        ow->pipe[1] = -1;
        return NGX_ERROR;
    }

    c->data = ow;
    c->idle = 1;
    c->read->handler = ngx_sos_store_notified;
    c->read->log = cycle->log;
    c->write->log = cycle->log;

    ow->notify = c;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_store_wait_lock(ngx_log_t *log)
{
    int               err;
    sigset_t          set, old;
    pthread_t         tid;
    pthread_attr_t    attr;
    ngx_sos_owner_t  *ow;

    ow = &ngx_sos_owner;
    ow->state = NGX_SOS_OWNER_WAIT;
    ow->wait_start = ngx_current_msec;
    ow->lock_err = 0;
    ow->gap = -1;

    /* nginx's signals are the loop's; the thread ends with the process */

    sigfillset(&set);
    (void) pthread_sigmask(SIG_BLOCK, &set, &old);

    (void) pthread_attr_init(&attr);
    (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

    err = pthread_create(&tid, &attr, ngx_sos_store_lock_thread, ow);

    (void) pthread_attr_destroy(&attr);
    (void) pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (err != 0) {
        ngx_log_error(NGX_LOG_ALERT, log, err, "sos: pthread_create() failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the lock thread: touches only the lock file, the pipe and two fields */

static void *
ngx_sos_store_lock_thread(void *data)
{
    ngx_sos_owner_t *ow = data;

    while (flock(ow->fd, LOCK_EX) == -1) {
        if (ngx_errno != NGX_EINTR) {
            ow->lock_err = ngx_errno;
            break;
        }
    }

    if (ow->lock_err == 0) {
        ow->gap = ngx_sos_store_gap(ow->fd);
    }

    while (write(ow->pipe[1], "L", 1) == -1 && ngx_errno == NGX_EINTR) {
        /* void */
    }

    return NULL;
}


static ngx_msec_int_t
ngx_sos_store_gap(ngx_fd_t fd)
{
    u_char          buf[32];
    ssize_t         n;
    ngx_int_t       released;
    struct timeval  tv;

    n = pread(fd, buf, sizeof(buf), 0);

    if (n <= 0 || n == sizeof(buf)) {
        return -1;
    }

    released = ngx_atoi(buf, n);
    if (released == NGX_ERROR) {
        return -1;
    }

    ngx_gettimeofday(&tv);

    return (ngx_msec_int_t) ((ngx_int_t) tv.tv_sec * 1000
                             + tv.tv_usec / 1000 - released);
}


/* the store is closed: when, for the next owner's log */

static void
ngx_sos_store_mark_release(ngx_fd_t fd)
{
    u_char          buf[NGX_INT64_LEN], *p;
    struct timeval  tv;

    if (fd == NGX_INVALID_FILE) {
        return;
    }

    ngx_gettimeofday(&tv);

    p = ngx_sprintf(buf, "%L",
                    (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000);

    if (ftruncate(fd, 0) == 0) {
        (void) pwrite(fd, buf, p - buf, 0);
    }
}


static void
ngx_sos_store_notified(ngx_event_t *ev)
{
    u_char             buf[8];
    ssize_t            n;
    ngx_uint_t         locked;
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

    locked = 0;

    for ( ;; ) {
        n = read(ow->pipe[0], buf, sizeof(buf));

        if (n > 0) {
            locked = 1;
            continue;
        }

        if (n == -1 && ngx_errno == NGX_EINTR) {
            continue;
        }

        break;
    }

    if (locked && ow->state == NGX_SOS_OWNER_WAIT) {
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

    if (ow->lock_err) {
        ngx_log_error(NGX_LOG_CRIT, log, ow->lock_err,
                      "sos: flock(\"%s\") failed", ow->path);

        /* not ours: the retry starts from the lock file again */

        (void) ngx_close_file(ow->fd);
        ow->fd = NGX_INVALID_FILE;
        ow->state = NGX_SOS_OWNER_NONE;
        smcf->open_rc = SOS_EIO;
        ngx_sos_store_wake(NGX_SOS_ERR_SERVICE_UNAVAILABLE);
        ngx_add_timer(&ow->retry, NGX_SOS_OPEN_RETRY_SLOW);
        return;
    }

    if (ngx_exiting && ow->n_waiting == 0) {

        /* shutting down with nobody waiting: pass the store on */

        (void) ngx_close_file(ow->fd);
        ow->fd = NGX_INVALID_FILE;
        ow->state = NGX_SOS_OWNER_RELEASED;
        return;
    }

    /* a successful open cleans tmp/ and pending deletes: not in the loop */

    ow->state = NGX_SOS_OWNER_OPENING;
    ow->open_start = ngx_current_msec;

    job = ow->open_task->ctx;
    job->fd = ow->fd;
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

    (void) ftruncate(fd, 0);

    ngx_memzero(&conf, sizeof(sos_store_conf_t));

    conf.data_dir = (const char *) smcf->data_dir.data;
    conf.replica_dirs = smcf->replica_dirs;
    conf.n_replicas = smcf->n_replicas;
    conf.write_quorum = smcf->write_quorum;
    conf.no_fsync = !smcf->fsync;
    conf.key_file = (const char *) smcf->key_file.data;

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

        if (ow->gap >= 0) {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: store \"%V\" taken over %M ms after the "
                          "previous owner released it (waited %M ms, "
                          "opened in %M ms, %ui requests waiting)",
                          &smcf->data_dir, (ngx_msec_t) ow->gap,
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
        (void) ngx_close_file(ow->fd);
        ow->fd = NGX_INVALID_FILE;
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

    if (ow->fd == NGX_INVALID_FILE) {
        if (ngx_sos_store_lock_file((ngx_cycle_t *) ngx_cycle) != NGX_OK) {
            ngx_add_timer(ev, NGX_SOS_OPEN_RETRY_SLOW);
            return;
        }

        ow->state = NGX_SOS_OWNER_WAIT;

        if (ngx_sos_store_wait_lock(ev->log) != NGX_OK) {
            ow->state = NGX_SOS_OWNER_FAILED;
            ngx_add_timer(ev, NGX_SOS_OPEN_RETRY_SLOW);
        }

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

    task = ngx_thread_task_alloc(ngx_cycle->pool, sizeof(ngx_sos_close_job_t));

    if (task == NULL) {
        sos_store_close(smcf->store);
        ngx_sos_store_mark_release(ow->fd);
        (void) ngx_close_file(ow->fd);

    } else {
        job = task->ctx;
        job->store = smcf->store;
        job->fd = ow->fd;

        task->handler = ngx_sos_store_close_thread;
        task->event.handler = ngx_sos_store_close_done;
        task->event.data = job;
        task->event.log = log;

        if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
            ngx_sos_store_close_thread(job, log);
        }
    }

    smcf->store = NULL;
    ow->fd = NGX_INVALID_FILE;
}


static void
ngx_sos_store_close_thread(void *data, ngx_log_t *log)
{
    ngx_sos_close_job_t *job = data;

    sos_store_close(job->store);
    ngx_sos_store_mark_release(job->fd);
    (void) close(job->fd);
}


static void
ngx_sos_store_close_done(ngx_event_t *ev)
{
    ngx_log_error(NGX_LOG_INFO, ev->log, 0, "sos: store closed");
}
