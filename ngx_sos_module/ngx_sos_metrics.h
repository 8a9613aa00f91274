
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


#endif /* _NGX_SOS_METRICS_H_INCLUDED_ */
