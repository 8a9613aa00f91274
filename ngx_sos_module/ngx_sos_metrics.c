
/*
 * SOS: metrics in the Prometheus text format, from a location the
 * operator enables with "sos_metrics;", and from the admin API's
 * "GET metrics" (the console's charts).  docs/metrics.md lists the series.
 *
 * Counters live in a shared memory zone ("sos_metrics"): a reload keeps
 * a zone of the same name and size, so they go on across reloads.  They
 * are counted with relaxed atomics and no lock: a request once, in the
 * log phase; a thread-pool job when posted, started and ended.  The
 * store's fsync counters (sos_store_stats, per store open) are folded
 * into the zone when scraped and before the worker lets the store go.
 *
 * What needs the store (buckets, objects, uploads, degraded extents,
 * replicas) is gathered by a job in the thread pool and cached for
 * NGX_SOS_METRICS_CACHE: a storm of scrapes walks the store once.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_metrics.h"


#define NGX_SOS_METRICS_CACHE   5000     /* ms the store figures serve */
#define NGX_SOS_METRICS_ZONE    (64 * 1024)


typedef struct {
    ngx_sos_metrics_snap_t  *snap;
} ngx_sos_metrics_job_t;


static ngx_int_t ngx_sos_metrics_zone_init(ngx_shm_zone_t *zone,
    void *data);
static ngx_int_t ngx_sos_metrics_handler(ngx_http_request_t *r);
static ngx_int_t ngx_sos_metrics_log(ngx_http_request_t *r);
static ngx_int_t ngx_sos_metrics_serve(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
static void ngx_sos_metrics_gather(ngx_sos_job_t *job);
static int ngx_sos_metrics_bucket_cb(void *data, const sos_bucket_t *bucket);
static sos_rc_e ngx_sos_metrics_uploads(sos_store_t *store,
    ngx_sos_metrics_bucket_t *b, sos_error_t *err);
static ngx_int_t ngx_sos_metrics_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_metrics_send(ngx_http_request_t *r);
static uint64_t ngx_sos_metrics_now_us(void);


const uint64_t  ngx_sos_metrics_latency_ms[NGX_SOS_METRICS_HIST] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, UINT64_MAX
};

const uint64_t  ngx_sos_metrics_wait_us[NGX_SOS_METRICS_HIST] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 250000, 1000000,
    UINT64_MAX
};

static ngx_str_t  ngx_sos_metrics_zone_name = ngx_string("sos_metrics");

static ngx_sos_metrics_shm_t   *ngx_sos_metrics_shm;
static ngx_uint_t               ngx_sos_metrics_nops;

/* the worker's cache of the store's figures, and the job filling it */
static ngx_sos_metrics_snap_t  *ngx_sos_metrics_snap;
static ngx_uint_t               ngx_sos_metrics_gathering;

/* what was folded of the store's fsync counters, and of which store */
static sos_store_t             *ngx_sos_metrics_folded_store;
static sos_store_stats_t        ngx_sos_metrics_folded;


char *
ngx_sos_metrics_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_loc_conf_t *slcf = conf;

    ngx_sos_main_conf_t       *smcf;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate";
    }

    if (ngx_sos_bucket_name_reserve(cf, clcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);
    smcf->enabled = 1;

    slcf->metrics = 1;
    clcf->handler = ngx_sos_metrics_handler;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_sos_metrics_init(ngx_conf_t *cf)
{
    ngx_shm_zone_t             *zone;
    ngx_http_handler_pt        *h;
    ngx_sos_main_conf_t        *smcf;
    ngx_http_core_main_conf_t  *cmcf;

    /* set again by the zone's init, when the new configuration has one */

    ngx_sos_metrics_shm = NULL;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);

    if (!smcf->enabled) {
        return NGX_OK;
    }

    for (ngx_sos_metrics_nops = 0;
         ngx_sos_ops[ngx_sos_metrics_nops].name.len;
         ngx_sos_metrics_nops++)
    {
        /* void */
    }

    if (ngx_sos_metrics_nops >= NGX_SOS_METRICS_OPS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "sos: %ui operations, metrics count at most %d",
                           ngx_sos_metrics_nops, NGX_SOS_METRICS_OPS - 1);
        return NGX_ERROR;
    }

    zone = ngx_shared_memory_add(cf, &ngx_sos_metrics_zone_name,
                                 NGX_SOS_METRICS_ZONE, &ngx_http_sos_module);
    if (zone == NULL) {
        return NGX_ERROR;
    }

    zone->init = ngx_sos_metrics_zone_init;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_sos_metrics_log;

    return NGX_OK;
}


/*
 * data: the old cycle's counters (a reload of the same module: nginx
 * reuses a zone of the same name, size and tag), which go on
 */

static ngx_int_t
ngx_sos_metrics_zone_init(ngx_shm_zone_t *zone, void *data)
{
    ngx_slab_pool_t        *shpool;
    ngx_sos_metrics_shm_t  *m;

    if (data) {
        zone->data = data;
        ngx_sos_metrics_shm = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    m = ngx_slab_calloc(shpool, sizeof(ngx_sos_metrics_shm_t));
    if (m == NULL) {
        return NGX_ERROR;
    }

    zone->data = m;
    ngx_sos_metrics_shm = m;

    return NGX_OK;
}


static ngx_int_t
ngx_sos_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_sos_ctx_t  *ctx;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    ctx = ngx_sos_handler_start(r, &rc);
    if (ctx == NULL) {
        return rc;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_sos_metrics_serve(r, ctx);
}


ngx_int_t
ngx_sos_metrics_admin(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->method != NGX_HTTP_GET
        || r->uri.len != clcf->name.len + sizeof("metrics") - 1
        || ngx_strncmp(r->uri.data + clcf->name.len, "metrics",
                       sizeof("metrics") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    return ngx_sos_metrics_serve(r, ctx);
}


/* one request, at its end: cheap, atomics only */

static ngx_int_t
ngx_sos_metrics_log(ngx_http_request_t *r)
{
    ngx_uint_t              op, status, i;
    ngx_msec_int_t          ms;
    ngx_time_t             *tp;
    ngx_sos_ctx_t          *ctx;
    ngx_sos_loc_conf_t     *slcf;
    ngx_sos_metrics_shm_t  *m;

    m = ngx_sos_metrics_shm;

    /* S3, website and admin requests; not the scrapes */

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    if (m == NULL || ctx == NULL) {
        return NGX_OK;
    }

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sos_module);
    if (slcf->metrics) {
        return NGX_OK;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;
    if (status < 200 || status > 599) {
        return NGX_OK;
    }

    op = ctx->op ? (ngx_uint_t) (ctx->op - ngx_sos_ops)
                 : ngx_sos_metrics_nops;

    tp = ngx_timeofday();
    ms = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                           + (tp->msec - r->start_msec));
    ms = ngx_max(ms, 0);

    for (i = 0; (uint64_t) ms > ngx_sos_metrics_latency_ms[i]; i++) {
        /* void */
    }

    ngx_sos_metrics_add(&m->requests[op][status / 100 - 2], 1);
    ngx_sos_metrics_add(&m->latency[op][i], 1);
    ngx_sos_metrics_add(&m->latency_ms[op], (uint64_t) ms);
    ngx_sos_metrics_add(&m->bytes_in, (uint64_t) r->request_length);
    ngx_sos_metrics_add(&m->bytes_out, (uint64_t) r->connection->sent);

    return NGX_OK;
}


void
ngx_sos_metrics_job_posted(ngx_sos_job_t *job)
{
    if (ngx_sos_metrics_shm) {
        job->posted = ngx_sos_metrics_now_us();
        ngx_sos_metrics_add(&ngx_sos_metrics_shm->jobs_queued, 1);
    }
}


void
ngx_sos_metrics_job_dropped(void)
{
    if (ngx_sos_metrics_shm) {
        ngx_sos_metrics_add(&ngx_sos_metrics_shm->jobs_queued, -1);
    }
}


void
ngx_sos_metrics_job_started(ngx_sos_job_t *job)
{
    uint64_t                us;
    ngx_uint_t              i;
    ngx_sos_metrics_shm_t  *m;

    m = ngx_sos_metrics_shm;
    if (m == NULL) {
        return;
    }

    us = ngx_sos_metrics_now_us() - job->posted;

    for (i = 0; us > ngx_sos_metrics_wait_us[i]; i++) { /* void */ }

    ngx_sos_metrics_add(&m->jobs_queued, -1);
    ngx_sos_metrics_add(&m->jobs_running, 1);
    ngx_sos_metrics_add(&m->job_wait[i], 1);
    ngx_sos_metrics_add(&m->job_wait_us, us);
}


void
ngx_sos_metrics_job_ended(void)
{
    if (ngx_sos_metrics_shm) {
        ngx_sos_metrics_add(&ngx_sos_metrics_shm->jobs_running, -1);
    }
}


void
ngx_sos_metrics_store_fold(sos_store_t *store)
{
    ngx_uint_t              i;
    sos_store_stats_t       now, *was;
    ngx_sos_metrics_shm_t  *m;

    m = ngx_sos_metrics_shm;
    if (m == NULL || store == NULL) {
        return;
    }

    was = &ngx_sos_metrics_folded;

    if (store != ngx_sos_metrics_folded_store) {
        ngx_memzero(was, sizeof(sos_store_stats_t));
        ngx_sos_metrics_folded_store = store;
    }

    sos_store_stats(store, &now);

    for (i = 0; i < SOS_FSYNC_BUCKETS; i++) {
        ngx_sos_metrics_add(&m->fsync[i],
                            now.fsync_count[i] - was->fsync_count[i]);
    }

    ngx_sos_metrics_add(&m->fsyncs, now.fsyncs - was->fsyncs);
    ngx_sos_metrics_add(&m->fsync_us, now.fsync_us - was->fsync_us);
    ngx_sos_metrics_add(&m->fsync_errors,
                        now.fsync_errors - was->fsync_errors);

    *was = now;
}


void
ngx_sos_metrics_exit_process(void)
{
    if (ngx_sos_metrics_snap) {
        free(ngx_sos_metrics_snap->buckets);
        free(ngx_sos_metrics_snap);
        ngx_sos_metrics_snap = NULL;
    }
}


/*
 * The text now, from the cached store figures while they are fresh (or
 * while a job renews them), else after a job gathered them.
 */

static ngx_int_t
ngx_sos_metrics_serve(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_job_t           *job;
    ngx_sos_metrics_snap_t  *snap;

    snap = ngx_sos_metrics_snap;

    if (snap && (ngx_sos_metrics_gathering
                 || ngx_current_msec - snap->time < NGX_SOS_METRICS_CACHE))
    {
        return ngx_sos_metrics_send(r);
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_metrics_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    job->no_authz = 1;
    job->run = ngx_sos_metrics_gather;
    job->done = ngx_sos_metrics_done;

    /*
     * as ngx_sos_job_start, but counted only once posted: a job the full
     * queue refused never reaches done(), which counts it out
     */

    if (ngx_sos_job_post(job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    ngx_sos_metrics_gathering++;
    r->main->count++;

    return NGX_DONE;
}


/* pool thread: every bucket with its counters and uploads, the scrub */

static void
ngx_sos_metrics_gather(ngx_sos_job_t *job)
{
    size_t                   i;
    ngx_sos_metrics_job_t   *mj;
    ngx_sos_metrics_snap_t  *s;

    mj = job->data;

    s = calloc(1, sizeof(ngx_sos_metrics_snap_t));
    if (s == NULL) {
        job->rc = SOS_ENOMEM;
        return;
    }

    mj->snap = s;

    job->rc = sos_bucket_list(job->store, NULL, ngx_sos_metrics_bucket_cb, s,
                              &job->err);

    if (job->rc == SOS_OK && s->failed) {
        job->rc = SOS_ENOMEM;
    }

    for (i = 0; job->rc == SOS_OK && i < s->n; i++) {
        job->rc = ngx_sos_metrics_uploads(job->store, &s->buckets[i],
                                          &job->err);
        s->objects += s->buckets[i].objects;
        s->bytes += s->buckets[i].bytes;
        s->uploads += s->buckets[i].uploads;
    }

    if (job->rc == SOS_OK) {
        job->rc = sos_scrub_status(job->store, &s->status, &job->err);
    }
}


static int
ngx_sos_metrics_bucket_cb(void *data, const sos_bucket_t *bucket)
{
    ngx_sos_metrics_snap_t *s = data;

    size_t                     cap;
    ngx_sos_metrics_bucket_t  *b;

    if (s->n == s->cap) {
        cap = s->cap ? 2 * s->cap : 64;

        b = realloc(s->buckets, cap * sizeof(ngx_sos_metrics_bucket_t));
        if (b == NULL) {
            s->failed = 1;
            return 1;
        }

        s->buckets = b;
        s->cap = cap;
    }

    b = &s->buckets[s->n++];

    ngx_cpystrn((u_char *) b->name, (u_char *) bucket->name,
                sizeof(b->name));
    b->objects = bucket->object_count;
    b->bytes = bucket->bytes;
    b->uploads = 0;

    return 0;
}


/* the uploads in progress of a bucket, a page of 1000 at a time */

static sos_rc_e
ngx_sos_metrics_uploads(sos_store_t *store, ngx_sos_metrics_bucket_t *b,
    sos_error_t *err)
{
    char                        key[SOS_MAX_KEY_LEN + 1];
    char                        id[SOS_UPLOAD_ID_LEN + 1];
    sos_rc_e                    rc;
    sos_list_uploads_opts_t     opts;
    sos_list_uploads_result_t  *res;

    ngx_memzero(&opts, sizeof(sos_list_uploads_opts_t));
    opts.max_uploads = 1000;

    for ( ;; ) {
        rc = sos_list_uploads(store, b->name, ngx_strlen(b->name), &opts,
                              &res, err);
        if (rc == SOS_ENOBUCKET) {
            return SOS_OK;               /* deleted since the walk */
        }

        if (rc != SOS_OK) {
            return rc;
        }

        b->uploads += res->n_uploads;

        if (!res->truncated
            || res->next_key_marker.len > SOS_MAX_KEY_LEN
            || res->next_upload_id_marker.len > SOS_UPLOAD_ID_LEN)
        {
            sos_list_uploads_result_free(res);
            return SOS_OK;
        }

        ngx_memcpy(key, res->next_key_marker.data, res->next_key_marker.len);
        ngx_memcpy(id, res->next_upload_id_marker.data,
                   res->next_upload_id_marker.len);

        opts.key_marker.data = key;
        opts.key_marker.len = res->next_key_marker.len;
        opts.upload_id_marker.data = id;
        opts.upload_id_marker.len = res->next_upload_id_marker.len;

        sos_list_uploads_result_free(res);
    }
}


static ngx_int_t
ngx_sos_metrics_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_metrics_job_t   *mj;
    ngx_sos_metrics_snap_t  *s;

    mj = job->data;
    s = mj->snap;

    ngx_sos_metrics_gathering--;

    if (job->rc != SOS_OK) {
        if (s) {
            free(s->buckets);
            free(s);
        }

        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    s->time = ngx_current_msec;

    ngx_sos_metrics_exit_process();
    ngx_sos_metrics_snap = s;

    return ngx_sos_metrics_send(r);
}


static ngx_int_t
ngx_sos_metrics_send(ngx_http_request_t *r)
{
    ngx_buf_t            *b;
    ngx_chain_t           out;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    /* the store is open (ngx_sos_handler_start): the bounds are known */

    ngx_sos_metrics_store_fold(smcf->store);

    b = ngx_sos_metrics_text(r, ngx_sos_metrics_shm, ngx_sos_metrics_nops,
                             ngx_sos_metrics_folded.fsync_le_us,
                             ngx_sos_metrics_snap,
                             ngx_min(smcf->metrics_buckets,
                                     ngx_sos_metrics_snap->n));
    if (b == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    out.buf = b;
    out.next = NULL;

    return ngx_sos_send(r, NGX_HTTP_OK,
                        "text/plain; version=0.0.4; charset=utf-8", &out,
                        b->last - b->pos);
}


static uint64_t
ngx_sos_metrics_now_us(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}
