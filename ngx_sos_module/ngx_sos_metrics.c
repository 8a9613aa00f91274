
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


#define NGX_SOS_METRICS_OPS     64       /* rows of ngx_sos_ops, "none" */
#define NGX_SOS_METRICS_HIST    12       /* buckets of a histogram */
#define NGX_SOS_METRICS_CACHE   5000     /* ms the store figures serve */
#define NGX_SOS_METRICS_ZONE    (64 * 1024)
#define NGX_SOS_METRICS_MAGIC   0x534f536d65747231  /* layout "SOSmetr1" */
/* an upper bound of one line of the text */
#define NGX_SOS_METRICS_LINE    256


typedef struct {
    uint64_t                 magic;
    uint64_t                 requests[NGX_SOS_METRICS_OPS][4];
    uint64_t                 latency[NGX_SOS_METRICS_OPS]
                                    [NGX_SOS_METRICS_HIST];
    uint64_t                 latency_ms[NGX_SOS_METRICS_OPS];
    uint64_t                 bytes_in;
    uint64_t                 bytes_out;
    uint64_t                 jobs_queued;        /* gauges */
    uint64_t                 jobs_running;
    uint64_t                 job_wait[NGX_SOS_METRICS_HIST];
    uint64_t                 job_wait_us;
    uint64_t                 fsync[SOS_FSYNC_BUCKETS];
    uint64_t                 fsyncs;
    uint64_t                 fsync_us;
    uint64_t                 fsync_errors;
} ngx_sos_metrics_shm_t;


typedef struct {
    char                     name[SOS_MAX_BUCKET_LEN + 1];
    uint64_t                 objects;
    uint64_t                 bytes;
    uint64_t                 uploads;
} ngx_sos_metrics_bucket_t;


/* the store's figures, malloc'd in a pool thread, cached in the worker */
typedef struct {
    ngx_msec_t               time;
    uint64_t                 objects;
    uint64_t                 bytes;
    uint64_t                 uploads;
    sos_scrub_status_t       status;
    ngx_uint_t               failed;     /* out of memory */
    size_t                   n;          /* every bucket, by name */
    size_t                   cap;
    ngx_sos_metrics_bucket_t *buckets;
} ngx_sos_metrics_snap_t;


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
static u_char *ngx_sos_metrics_head(u_char *p, u_char *last, char *name,
    char *type, char *help);
static u_char *ngx_sos_metrics_hist(u_char *p, u_char *last, char *name,
    char *label, const ngx_str_t *value, const uint64_t *counts,
    const uint64_t *bounds, uint64_t unit, uint64_t sum);
static u_char *ngx_sos_metrics_requests(u_char *p, u_char *last,
    ngx_sos_metrics_shm_t *m);
static u_char *ngx_sos_metrics_store(u_char *p, u_char *last,
    ngx_sos_metrics_snap_t *s, ngx_uint_t max);
static uint64_t ngx_sos_metrics_now_us(void);


/* request latency bounds, ms; job wait bounds, us (the last: the rest) */
static const uint64_t  ngx_sos_metrics_latency_ms[NGX_SOS_METRICS_HIST] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, UINT64_MAX
};

static const uint64_t  ngx_sos_metrics_wait_us[NGX_SOS_METRICS_HIST] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 250000, 1000000,
    UINT64_MAX
};

static char  *ngx_sos_metrics_class[] = { "2xx", "3xx", "4xx", "5xx" };

static ngx_str_t  ngx_sos_metrics_zone_name = ngx_string("sos_metrics");
static ngx_str_t  ngx_sos_metrics_none = ngx_string("none");

static ngx_sos_metrics_shm_t   *ngx_sos_metrics_shm;
static ngx_shm_zone_t          *ngx_sos_metrics_zone;
static ngx_uint_t               ngx_sos_metrics_nops;

/* the worker's cache of the store's figures, and the job filling it */
static ngx_sos_metrics_snap_t  *ngx_sos_metrics_snap;
static ngx_uint_t               ngx_sos_metrics_gathering;

/* what was folded of the store's fsync counters, and of which store */
static sos_store_t             *ngx_sos_metrics_folded_store;
static sos_store_stats_t        ngx_sos_metrics_folded;


#define ngx_sos_metrics_add(p, n)                                             \
    (void) __atomic_fetch_add(p, n, __ATOMIC_RELAXED)
#define ngx_sos_metrics_get(p)                                                \
    __atomic_load_n(p, __ATOMIC_RELAXED)


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

    ngx_sos_metrics_zone = ngx_shared_memory_add(cf,
                                                 &ngx_sos_metrics_zone_name,
                                                 NGX_SOS_METRICS_ZONE,
                                                 &ngx_http_sos_module);
    if (ngx_sos_metrics_zone == NULL) {
        return NGX_ERROR;
    }

    ngx_sos_metrics_zone->init = ngx_sos_metrics_zone_init;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_sos_metrics_log;

    return NGX_OK;
}


/* data: the old cycle's counters (a reload), which go on */

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

    m->magic = NGX_SOS_METRICS_MAGIC;

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

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    ctx = ngx_sos_handler_start(r, &rc);
    if (ctx == NULL) {
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

    ngx_sos_metrics_gathering++;

    return ngx_sos_job_start(r, job);
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
    u_char                 *p, *last;
    size_t                  size;
    ngx_buf_t              *b;
    ngx_uint_t              max;
    ngx_chain_t             out;
    ngx_sos_main_conf_t    *smcf;
    ngx_sos_metrics_shm_t  *m;
    ngx_sos_metrics_snap_t *s;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);
    m = ngx_sos_metrics_shm;
    s = ngx_sos_metrics_snap;

    /* the store is open (ngx_sos_handler_start): the bounds are known */

    ngx_sos_metrics_store_fold(smcf->store);

    max = ngx_min(smcf->metrics_buckets, s->n);

    size = (ngx_sos_metrics_nops + 1) * (4 + NGX_SOS_METRICS_HIST + 2)
           + 4 * NGX_SOS_METRICS_HIST + 3 * max + 3 * SOS_MAX_REPLICAS
           + 128;
    size *= NGX_SOS_METRICS_LINE;

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    p = b->pos;
    last = b->end;

    p = ngx_sos_metrics_requests(p, last, m);

    p = ngx_sos_metrics_head(p, last, "sos_received_bytes_total", "counter",
                             "Bytes received: request lines, headers and "
                             "bodies.");
    p = ngx_slprintf(p, last, "sos_received_bytes_total %uL\n",
                     ngx_sos_metrics_get(&m->bytes_in));
    p = ngx_sos_metrics_head(p, last, "sos_sent_bytes_total", "counter",
                             "Bytes sent: status lines, headers and "
                             "bodies.");
    p = ngx_slprintf(p, last, "sos_sent_bytes_total %uL\n",
                     ngx_sos_metrics_get(&m->bytes_out));

    p = ngx_sos_metrics_head(p, last, "sos_jobs_queued", "gauge",
                             "Store jobs posted to the thread pool and not "
                             "started.");
    p = ngx_slprintf(p, last, "sos_jobs_queued %L\n",
                     (int64_t) ngx_sos_metrics_get(&m->jobs_queued));
    p = ngx_sos_metrics_head(p, last, "sos_jobs_running", "gauge",
                             "Store jobs running in the thread pool.");
    p = ngx_slprintf(p, last, "sos_jobs_running %L\n",
                     (int64_t) ngx_sos_metrics_get(&m->jobs_running));
    p = ngx_sos_metrics_head(p, last, "sos_job_wait_seconds", "histogram",
                             "Time from a job's post to its start in a "
                             "pool thread.");
    p = ngx_sos_metrics_hist(p, last, "sos_job_wait_seconds", NULL, NULL,
                             m->job_wait, ngx_sos_metrics_wait_us, 1000000,
                             ngx_sos_metrics_get(&m->job_wait_us));

    p = ngx_sos_metrics_head(p, last, "sos_fsync_duration_seconds",
                             "histogram", "Time the store's fsyncs and "
                             "fdatasyncs took.");
    p = ngx_sos_metrics_hist(p, last, "sos_fsync_duration_seconds", NULL,
                             NULL, m->fsync, ngx_sos_metrics_folded.fsync_le_us,
                             1000000,
                             ngx_sos_metrics_get(&m->fsync_us));
    p = ngx_sos_metrics_head(p, last, "sos_fsync_errors_total", "counter",
                             "The store's fsyncs that failed.");
    p = ngx_slprintf(p, last, "sos_fsync_errors_total %uL\n",
                     ngx_sos_metrics_get(&m->fsync_errors));

    p = ngx_sos_metrics_store(p, last, s, max);

    b->last = p;

    out.buf = b;
    out.next = NULL;

    return ngx_sos_send(r, NGX_HTTP_OK,
                        "text/plain; version=0.0.4; charset=utf-8", &out,
                        p - b->pos);
}


static u_char *
ngx_sos_metrics_head(u_char *p, u_char *last, char *name, char *type,
    char *help)
{
    return ngx_slprintf(p, last, "# HELP %s %s\n# TYPE %s %s\n",
                        name, help, name, type);
}


/*
 * A histogram of counts per bucket (not cumulative) with bounds in units
 * of 1/unit s (the last bound: +Inf), and the sum in the same units;
 * label="value" on each series when label is not NULL.
 */

static u_char *
ngx_sos_metrics_hist(u_char *p, u_char *last, char *name, char *label,
    const ngx_str_t *value, const uint64_t *counts, const uint64_t *bounds,
    uint64_t unit, uint64_t sum)
{
    u_char      lab[NGX_SOS_METRICS_LINE], *l, *e;
    uint64_t    total;
    ngx_uint_t  i;

    l = lab;
    e = lab + sizeof(lab);

    if (label) {
        l = ngx_slprintf(l, e, "%s=\"%V\",", label, value);
    }

    total = 0;

    for (i = 0; i < NGX_SOS_METRICS_HIST; i++) {
        total += ngx_sos_metrics_get(&counts[i]);

        if (bounds[i] == UINT64_MAX) {
            p = ngx_slprintf(p, last, "%s_bucket{%*sle=\"+Inf\"} %uL\n",
                             name, (size_t) (l - lab), lab, total);
            break;
        }

        p = ngx_slprintf(p, last, "%s_bucket{%*sle=\"%uL.%06uL\"} %uL\n",
                         name, (size_t) (l - lab), lab, bounds[i] / unit,
                         (bounds[i] % unit) * (1000000 / unit), total);
    }

    if (l > lab) {
        l--;                             /* the comma */
        p = ngx_slprintf(p, last, "%s_sum{%*s} %uL.%06uL\n%s_count{%*s} %uL\n",
                         name, (size_t) (l - lab), lab, sum / unit,
                         (sum % unit) * (1000000 / unit),
                         name, (size_t) (l - lab), lab, total);
    } else {
        p = ngx_slprintf(p, last, "%s_sum %uL.%06uL\n%s_count %uL\n",
                         name, sum / unit, (sum % unit) * (1000000 / unit),
                         name, total);
    }

    return p;
}


/*
 * Requests by operation and status class, and their latency: rows of the
 * same name add up; an operation without any request has no series
 */

static u_char *
ngx_sos_metrics_requests(u_char *p, u_char *last, ngx_sos_metrics_shm_t *m)
{
    uint64_t    req[NGX_SOS_METRICS_OPS][4], lat[NGX_SOS_METRICS_OPS]
                                                [NGX_SOS_METRICS_HIST];
    uint64_t    ms[NGX_SOS_METRICS_OPS], n;
    const ngx_str_t  *name[NGX_SOS_METRICS_OPS];
    ngx_uint_t  i, j, k, rows, pass;

    rows = 0;

    for (i = 0; i <= ngx_sos_metrics_nops; i++) {
        name[rows] = (i == ngx_sos_metrics_nops) ? &ngx_sos_metrics_none
                                                 : &ngx_sos_ops[i].name;

        for (j = 0; j < rows; j++) {
            if (name[j]->len == name[rows]->len
                && ngx_strncmp(name[j]->data, name[rows]->data,
                               name[j]->len) == 0)
            {
                break;
            }
        }

        if (j == rows) {
            ngx_memzero(req[j], sizeof(req[j]));
            ngx_memzero(lat[j], sizeof(lat[j]));
            ms[j] = 0;
            rows++;
        }

        for (k = 0; k < 4; k++) {
            req[j][k] += ngx_sos_metrics_get(&m->requests[i][k]);
        }

        for (k = 0; k < NGX_SOS_METRICS_HIST; k++) {
            lat[j][k] += ngx_sos_metrics_get(&m->latency[i][k]);
        }

        ms[j] += ngx_sos_metrics_get(&m->latency_ms[i]);
    }

    for (pass = 0; pass < 2; pass++) {

        if (pass == 0) {
            p = ngx_sos_metrics_head(p, last, "sos_requests_total",
                                     "counter", "Requests answered, by S3 "
                                     "operation and status class.");
        } else {
            p = ngx_sos_metrics_head(p, last, "sos_request_duration_seconds",
                                     "histogram", "Time from a request's "
                                     "first byte to its log, by S3 "
                                     "operation.");
        }

        for (j = 0; j < rows; j++) {
            n = req[j][0] + req[j][1] + req[j][2] + req[j][3];

            if (n == 0) {
                continue;
            }

            if (pass == 1) {
                p = ngx_sos_metrics_hist(p, last,
                                         "sos_request_duration_seconds",
                                         "op", name[j], lat[j],
                                         ngx_sos_metrics_latency_ms, 1000,
                                         ms[j]);
                continue;
            }

            for (k = 0; k < 4; k++) {
                p = ngx_slprintf(p, last,
                                 "sos_requests_total{op=\"%V\","
                                 "class=\"%s\"} %uL\n",
                                 name[j], ngx_sos_metrics_class[k],
                                 req[j][k]);
            }
        }
    }

    return p;
}


/* the store's figures: totals, max buckets by name, scrub, replicas */

static u_char *
ngx_sos_metrics_store(u_char *p, u_char *last, ngx_sos_metrics_snap_t *s,
    ngx_uint_t max)
{
    ngx_uint_t           i;
    sos_replica_status_t *rs;

    p = ngx_sos_metrics_head(p, last, "sos_store_age_seconds", "gauge",
                             "Age of the store figures below (they are "
                             "cached a few seconds).");
    p = ngx_slprintf(p, last, "sos_store_age_seconds %M.%03M\n",
                     (ngx_current_msec - s->time) / 1000,
                     (ngx_current_msec - s->time) % 1000);

    p = ngx_sos_metrics_head(p, last, "sos_buckets", "gauge", "Buckets.");
    p = ngx_slprintf(p, last, "sos_buckets %uz\n", s->n);
    p = ngx_sos_metrics_head(p, last, "sos_objects", "gauge",
                             "Objects in all buckets.");
    p = ngx_slprintf(p, last, "sos_objects %uL\n", s->objects);
    p = ngx_sos_metrics_head(p, last, "sos_stored_bytes", "gauge",
                             "Bytes of objects and of parts of uploads in "
                             "progress, all buckets (one replica).");
    p = ngx_slprintf(p, last, "sos_stored_bytes %uL\n", s->bytes);
    p = ngx_sos_metrics_head(p, last, "sos_uploads_in_progress", "gauge",
                             "Multipart uploads created and neither "
                             "completed nor aborted.");
    p = ngx_slprintf(p, last, "sos_uploads_in_progress %uL\n", s->uploads);

    if (max) {
        p = ngx_sos_metrics_head(p, last, "sos_bucket_objects", "gauge",
                                 "Objects in a bucket (the first "
                                 "sos_metrics_buckets buckets by name).");
        for (i = 0; i < max; i++) {
            p = ngx_slprintf(p, last, "sos_bucket_objects{bucket=\"%s\"} "
                             "%uL\n", s->buckets[i].name,
                             s->buckets[i].objects);
        }

        p = ngx_sos_metrics_head(p, last, "sos_bucket_bytes", "gauge",
                                 "Bytes of a bucket's objects and parts.");
        for (i = 0; i < max; i++) {
            p = ngx_slprintf(p, last, "sos_bucket_bytes{bucket=\"%s\"} "
                             "%uL\n", s->buckets[i].name,
                             s->buckets[i].bytes);
        }

        p = ngx_sos_metrics_head(p, last, "sos_bucket_uploads_in_progress",
                                 "gauge", "A bucket's multipart uploads in "
                                 "progress.");
        for (i = 0; i < max; i++) {
            p = ngx_slprintf(p, last, "sos_bucket_uploads_in_progress"
                             "{bucket=\"%s\"} %uL\n", s->buckets[i].name,
                             s->buckets[i].uploads);
        }
    }

    p = ngx_sos_metrics_head(p, last, "sos_degraded_extents", "gauge",
                             "Extents with fewer good replicas than "
                             "configured, as the last scrub pass found.");
    p = ngx_slprintf(p, last, "sos_degraded_extents %uL\n",
                     s->status.degraded_extents);
    p = ngx_sos_metrics_head(p, last, "sos_repair_queue", "gauge",
                             "Extents waiting in the repair queue.");
    p = ngx_slprintf(p, last, "sos_repair_queue %uL\n", s->status.queued);

    rs = s->status.replicas;

    p = ngx_sos_metrics_head(p, last, "sos_replica_writable", "gauge",
                             "1 when a file could be created on the "
                             "replica.");
    for (i = 0; i < s->status.n_replicas; i++) {
        p = ngx_slprintf(p, last, "sos_replica_writable{replica=\"%ui\"} "
                         "%d\n", i, rs[i].writable);
    }

    p = ngx_sos_metrics_head(p, last, "sos_replica_free_bytes", "gauge",
                             "Bytes available on the replica's volume.");
    for (i = 0; i < s->status.n_replicas; i++) {
        p = ngx_slprintf(p, last, "sos_replica_free_bytes{replica=\"%ui\"} "
                         "%uL\n", i, rs[i].free_bytes);
    }

    p = ngx_sos_metrics_head(p, last, "sos_replica_size_bytes", "gauge",
                             "Size of the replica's volume.");
    for (i = 0; i < s->status.n_replicas; i++) {
        p = ngx_slprintf(p, last, "sos_replica_size_bytes{replica=\"%ui\"} "
                         "%uL\n", i, rs[i].total_bytes);
    }

    return p;
}


static uint64_t
ngx_sos_metrics_now_us(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}
