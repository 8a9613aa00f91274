
/*
 * SOS: the worker's store handle.
 *
 * The store opens in the worker, never in the master: LevelDB lets one
 * process own the index, and a handle must not cross fork().  During a
 * reload the old worker owns the index until it exits; the new worker
 * retries the open on a timer and meanwhile answers 503 SlowDown.
 */


#include "ngx_sos_module.h"


typedef struct {
    ngx_sos_main_conf_t  *smcf;
    sos_store_t          *store;
    ngx_sos_keys_t       *keys;
    sos_rc_e              rc;
    sos_error_t           err;
} ngx_sos_open_job_t;


static sos_rc_e ngx_sos_store_open(ngx_sos_main_conf_t *smcf,
    sos_store_t **store, ngx_sos_keys_t **keys, sos_error_t *err);
static void ngx_sos_store_opened(ngx_sos_main_conf_t *smcf,
    sos_store_t *store, ngx_sos_keys_t *keys, sos_rc_e rc, sos_error_t *err,
    ngx_log_t *log);
static void ngx_sos_store_retry(ngx_event_t *ev);
static void ngx_sos_store_open_thread(void *data, ngx_log_t *log);
static void ngx_sos_store_open_done(ngx_event_t *ev);


ngx_int_t
ngx_sos_store_init(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    sos_rc_e             rc;
    sos_error_t          err;
    sos_store_t         *store;
    ngx_sos_keys_t      *keys;
    ngx_thread_task_t   *task;
    ngx_sos_open_job_t  *job;

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

    smcf->open_task = task;

    smcf->open_timer.handler = ngx_sos_store_retry;
    smcf->open_timer.data = smcf;
    smcf->open_timer.log = cycle->log;
    smcf->open_timer.cancelable = 1;

    smcf->open_start = ngx_current_msec;

    /* no request is served yet: the first attempt may block */

    store = NULL;
    keys = NULL;
    rc = ngx_sos_store_open(smcf, &store, &keys, &err);

    ngx_sos_store_opened(smcf, store, keys, rc, &err, cycle->log);

    return NGX_OK;
}


void
ngx_sos_store_exit(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_open_job_t  *job;

    if (smcf->open_timer.timer_set) {
        ngx_del_timer(&smcf->open_timer);
    }

    /*
     * the thread pools are destroyed before this hook runs, so a posted
     * open has finished; its completion event will never run
     */

    if (smcf->open_posted && smcf->open_task) {
        job = smcf->open_task->ctx;

        if (job->store) {
            sos_store_close(job->store);
            job->store = NULL;
        }

        ngx_sos_keys_free(job->keys);
        job->keys = NULL;
    }

    ngx_sos_keys_free(smcf->keys);
    smcf->keys = NULL;

    if (smcf->store) {
        sos_store_close(smcf->store);
        smcf->store = NULL;

        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "sos: store \"%V\" closed", &smcf->data_dir);
    }
}


static sos_rc_e
ngx_sos_store_open(ngx_sos_main_conf_t *smcf, sos_store_t **store,
    ngx_sos_keys_t **keys, sos_error_t *err)
{
    sos_rc_e          rc;
    sos_store_conf_t  conf;

    ngx_memzero(&conf, sizeof(sos_store_conf_t));

    conf.data_dir = (const char *) smcf->data_dir.data;
    conf.replica_dirs = smcf->replica_dirs;
    conf.n_replicas = smcf->n_replicas;
    conf.write_quorum = smcf->write_quorum;
    conf.no_fsync = !smcf->fsync;
    conf.key_file = (const char *) smcf->key_file.data;
    conf.index_reserve = (uint64_t) smcf->index_reserve;

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
ngx_sos_store_opened(ngx_sos_main_conf_t *smcf, sos_store_t *store,
    ngx_sos_keys_t *keys, sos_rc_e rc, sos_error_t *err, ngx_log_t *log)
{
    size_t            i;
    sos_rc_e          prev;
    ngx_uint_t        level;
    sos_store_info_t  info;

    prev = smcf->open_rc;
    smcf->open_rc = rc;

    if (rc == SOS_OK) {
        smcf->store = store;
        ngx_sos_keys_replace(smcf, keys);

        /* modes tightened, the key file created, secrets sealed */

        sos_store_info(store, &info);

        for (i = 0; i < info.n_notices; i++) {
            level = (info.notices[i].level == SOS_NOTICE_WARN)
                    ? NGX_LOG_WARN : NGX_LOG_NOTICE;

            ngx_log_error(level, log, 0, "sos: %s", info.notices[i].msg);
        }

        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "sos: store \"%V\" opened in %M ms", &smcf->data_dir,
                      ngx_current_msec - smcf->open_start);
        return;
    }

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    /* log each new condition once, not every retry */

    if (rc == SOS_EBUSY) {
        if (prev != SOS_EBUSY) {
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: store \"%V\" is owned by another process, "
                          "retrying every %d ms, answering SlowDown "
                          "meanwhile", &smcf->data_dir, NGX_SOS_OPEN_RETRY);
        }

        ngx_add_timer(&smcf->open_timer, NGX_SOS_OPEN_RETRY);
        return;
    }

    if (prev != rc) {
        ngx_log_error(NGX_LOG_CRIT, log, err->sys_errno,
                      "sos: cannot open store \"%V\": %s: %s",
                      &smcf->data_dir, sos_strerror(rc), err->msg);
    }

    ngx_add_timer(&smcf->open_timer, NGX_SOS_OPEN_RETRY_SLOW);
}


static void
ngx_sos_store_retry(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_sos_open_job_t  *job;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    /* a successful open cleans tmp/ and pending deletes: not in the loop */

    job = smcf->open_task->ctx;
    job->store = NULL;
    job->keys = NULL;

    if (ngx_thread_task_post(smcf->thread_pool, smcf->open_task) != NGX_OK) {
        ngx_add_timer(&smcf->open_timer, NGX_SOS_OPEN_RETRY);
        return;
    }

    smcf->open_posted = 1;
}


static void
ngx_sos_store_open_thread(void *data, ngx_log_t *log)
{
    ngx_sos_open_job_t *job = data;

    job->rc = ngx_sos_store_open(job->smcf, &job->store, &job->keys,
                                 &job->err);
}


static void
ngx_sos_store_open_done(ngx_event_t *ev)
{
    ngx_sos_open_job_t *job = ev->data;

    sos_store_t          *store;
    ngx_sos_keys_t       *keys;
    ngx_sos_main_conf_t  *smcf;

    smcf = job->smcf;
    smcf->open_posted = 0;

    store = job->store;
    job->store = NULL;
    keys = job->keys;
    job->keys = NULL;

    if (job->rc == SOS_OK && (ngx_exiting || ngx_quit || ngx_terminate)) {
        ngx_sos_keys_free(keys);
        sos_store_close(store);
        return;
    }

    ngx_sos_store_opened(smcf, store, keys, job->rc, &job->err, ev->log);
}
