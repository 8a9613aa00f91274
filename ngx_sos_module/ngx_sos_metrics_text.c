
/*
 * SOS: the text of the metrics, in the Prometheus text format (0.0.4):
 * what ngx_sos_metrics.c counted, one series per line, each family with
 * its HELP and TYPE.  docs/metrics.md lists the series.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_metrics.h"


static u_char *ngx_sos_metrics_head(u_char *p, u_char *last, char *name,
    char *type, char *help);
static u_char *ngx_sos_metrics_hist(u_char *p, u_char *last, char *name,
    char *label, const ngx_str_t *value, const uint64_t *counts,
    const uint64_t *bounds, uint64_t unit, uint64_t sum);
static u_char *ngx_sos_metrics_requests(u_char *p, u_char *last,
    ngx_sos_metrics_shm_t *m, ngx_uint_t nops);
static u_char *ngx_sos_metrics_store(u_char *p, u_char *last,
    ngx_sos_metrics_snap_t *s, ngx_uint_t max);
static u_char *ngx_sos_metrics_bucket(u_char *p, u_char *last, char *name,
    const char *bucket, uint64_t value);


static char  *ngx_sos_metrics_class[] = { "2xx", "3xx", "4xx", "5xx" };

static ngx_str_t  ngx_sos_metrics_none = ngx_string("none");


ngx_buf_t *
ngx_sos_metrics_text(ngx_http_request_t *r, ngx_sos_metrics_shm_t *m,
    ngx_uint_t nops, const uint64_t *fsync_le_us, ngx_sos_metrics_snap_t *s,
    ngx_uint_t max)
{
    u_char     *p, *last;
    size_t      size;
    ngx_buf_t  *b;

    size = (nops + 1) * (4 + NGX_SOS_METRICS_HIST + 2)
           + 4 * NGX_SOS_METRICS_HIST + 3 * max + 3 * SOS_MAX_REPLICAS
           + 128;
    size *= NGX_SOS_METRICS_LINE;

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NULL;
    }

    p = b->pos;
    last = b->end;

    p = ngx_sos_metrics_requests(p, last, m, nops);

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
                             NULL, m->fsync, fsync_le_us, 1000000,
                             ngx_sos_metrics_get(&m->fsync_us));
    p = ngx_sos_metrics_head(p, last, "sos_fsync_errors_total", "counter",
                             "The store's fsyncs that failed.");
    p = ngx_slprintf(p, last, "sos_fsync_errors_total %uL\n",
                     ngx_sos_metrics_get(&m->fsync_errors));

    p = ngx_sos_metrics_store(p, last, s, max);

    b->last = p;

    return b;
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
ngx_sos_metrics_requests(u_char *p, u_char *last, ngx_sos_metrics_shm_t *m,
    ngx_uint_t nops)
{
    uint64_t    req[NGX_SOS_METRICS_OPS][4], lat[NGX_SOS_METRICS_OPS]
                                                [NGX_SOS_METRICS_HIST];
    uint64_t    ms[NGX_SOS_METRICS_OPS], n;
    const ngx_str_t  *name[NGX_SOS_METRICS_OPS];
    ngx_uint_t  i, j, k, rows, pass;

    rows = 0;

    for (i = 0; i <= nops; i++) {
        name[rows] = (i == nops) ? &ngx_sos_metrics_none
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
            p = ngx_sos_metrics_bucket(p, last, "sos_bucket_objects",
                                       s->buckets[i].name,
                                       s->buckets[i].objects);
        }

        p = ngx_sos_metrics_head(p, last, "sos_bucket_bytes", "gauge",
                                 "Bytes of a bucket's objects and parts.");
        for (i = 0; i < max; i++) {
            p = ngx_sos_metrics_bucket(p, last, "sos_bucket_bytes",
                                       s->buckets[i].name,
                                       s->buckets[i].bytes);
        }

        p = ngx_sos_metrics_head(p, last, "sos_bucket_uploads_in_progress",
                                 "gauge", "A bucket's multipart uploads in "
                                 "progress.");
        for (i = 0; i < max; i++) {
            p = ngx_sos_metrics_bucket(p, last,
                                       "sos_bucket_uploads_in_progress",
                                       s->buckets[i].name,
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


/*
 * name{bucket="..."} value: a name an older SOS let in may hold what a
 * label value escapes (\\, \", a newline)
 */

static u_char *
ngx_sos_metrics_bucket(u_char *p, u_char *last, char *name,
    const char *bucket, uint64_t value)
{
    p = ngx_slprintf(p, last, "%s{bucket=\"", name);

    for ( /* void */ ; *bucket && last - p >= 2; bucket++) {
        switch (*bucket) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = *bucket;
            break;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;

        default:
            *p++ = *bucket;
        }
    }

    return ngx_slprintf(p, last, "\"} %uL\n", value);
}
