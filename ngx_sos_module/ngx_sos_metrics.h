
/*
 * SOS: the metrics (ngx_sos_metrics.c, docs/metrics.md).  The counters
 * live in a shared memory zone, so that a reload keeps them; the hooks
 * below are cheap (relaxed atomics, no lock) and do nothing while the
 * zone is not there.
 */


#ifndef _NGX_SOS_METRICS_H_INCLUDED_
#define _NGX_SOS_METRICS_H_INCLUDED_


#include "ngx_sos_module.h"


/* "sos_metrics;": the Prometheus text endpoint in a location */
char *ngx_sos_metrics_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* postconfiguration: the zone and the log phase handler that counts */
ngx_int_t ngx_sos_metrics_init(ngx_conf_t *cf);

/* the admin API's "GET metrics": NGX_DECLINED when r is not that */
ngx_int_t ngx_sos_metrics_admin(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/*
 * Thread-pool jobs (ngx_sos_task.c): posted and dropped in the event
 * loop, started and ended in the pool thread.
 */
void ngx_sos_metrics_job_posted(ngx_sos_job_t *job);
void ngx_sos_metrics_job_dropped(void);
void ngx_sos_metrics_job_started(ngx_sos_job_t *job);
void ngx_sos_metrics_job_ended(void);

/*
 * In the event loop, before the worker lets the store go (hand-off,
 * exit): the store's fsync counters since the last fold into the zone.
 */
void ngx_sos_metrics_store_fold(sos_store_t *store);

/* exit process: the worker's cached store figures freed */
void ngx_sos_metrics_exit_process(void);


/* ------------------------------------------------------------------ */
/* Between ngx_sos_metrics.c and ngx_sos_metrics_text.c                */

#define NGX_SOS_METRICS_OPS     64       /* rows of ngx_sos_ops, "none" */
#define NGX_SOS_METRICS_HIST    12       /* buckets of a histogram */
/* an upper bound of one line of the text */
#define NGX_SOS_METRICS_LINE    256


typedef struct {
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


/* request latency bounds, ms; job wait bounds, us (the last: the rest) */
extern const uint64_t  ngx_sos_metrics_latency_ms[NGX_SOS_METRICS_HIST];
extern const uint64_t  ngx_sos_metrics_wait_us[NGX_SOS_METRICS_HIST];

#define ngx_sos_metrics_add(p, n)                                             \
    (void) __atomic_fetch_add(p, n, __ATOMIC_RELAXED)
#define ngx_sos_metrics_get(p)                                                \
    __atomic_load_n(p, __ATOMIC_RELAXED)

/*
 * The text of the counters m (nops rows of ngx_sos_ops, then "none"), the
 * fsync histogram's bounds, the store's figures s with at most max
 * buckets' series: a buffer from r->pool, or NULL.
 */
ngx_buf_t *ngx_sos_metrics_text(ngx_http_request_t *r,
    ngx_sos_metrics_shm_t *m, ngx_uint_t nops, const uint64_t *fsync_le_us,
    ngx_sos_metrics_snap_t *s, ngx_uint_t max);


#endif /* _NGX_SOS_METRICS_H_INCLUDED_ */
