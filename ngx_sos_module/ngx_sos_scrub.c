
/*
 * SOS: the background scrub of the replicas, and its admin answers.
 *
 * A timer in the worker that owns the store posts one scrub step at a
 * time to the thread pool, with a budget of sos_scrub_rate bytes (read
 * over all replicas); the next step starts when the bytes read would
 * have taken a second, or as long as needed, at that rate.  After a
 * whole pass it pauses NGX_SOS_SCRUB_PAUSE.  With "sos_scrub_rate 0" the
 * steps only work through the repair queue (writes that missed a
 * replica), once a second.  What a step finds is logged here: a bad or
 * missing replica at "error", a repair at "notice", no good replica left
 * at "crit", a degraded write at "warn".
 */


#include "ngx_sos_module.h"


#define NGX_SOS_SCRUB_PERIOD  1000      /* ms: one budget's worth */
#define NGX_SOS_SCRUB_PAUSE   5000      /* ms between passes */


typedef struct {
    sos_store_t             *store;
    uint64_t                 budget;
    sos_rc_e                 rc;
    sos_error_t              err;
    sos_scrub_report_t       report;
} ngx_sos_scrub_job_t;


static void ngx_sos_scrub_timer(ngx_event_t *ev);
static void ngx_sos_scrub_thread(void *data, ngx_log_t *log);
static void ngx_sos_scrub_done(ngx_event_t *ev);
static void ngx_sos_scrub_json_finding(ngx_sos_admin_out_t *out,
    const sos_finding_t *f);
static void ngx_sos_scrub_json_findings(ngx_sos_admin_out_t *out,
    const sos_finding_t *f, size_t n);
static void ngx_sos_scrub_json_num(ngx_sos_admin_out_t *out,
    const char *name, uint64_t v);


static ngx_event_t         ngx_sos_scrub_ev;
static ngx_thread_task_t  *ngx_sos_scrub_task;
static ngx_msec_t          ngx_sos_scrub_start;
static sos_rc_e            ngx_sos_scrub_last_rc;


ngx_int_t
ngx_sos_scrub_init_process(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_scrub_task = ngx_thread_task_alloc(cycle->pool,
                                               sizeof(ngx_sos_scrub_job_t));
    if (ngx_sos_scrub_task == NULL) {
        return NGX_ERROR;
    }

    ngx_sos_scrub_task->handler = ngx_sos_scrub_thread;
    ngx_sos_scrub_task->event.handler = ngx_sos_scrub_done;
    ngx_sos_scrub_task->event.data = smcf;
    ngx_sos_scrub_task->event.log = cycle->log;

    ngx_sos_scrub_ev.handler = ngx_sos_scrub_timer;
    ngx_sos_scrub_ev.data = smcf;
    ngx_sos_scrub_ev.log = cycle->log;
    ngx_sos_scrub_ev.cancelable = 1;

    ngx_add_timer(&ngx_sos_scrub_ev, NGX_SOS_SCRUB_PERIOD);

    return NGX_OK;
}


static void
ngx_sos_scrub_timer(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_sos_scrub_job_t  *job;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    if (smcf->store == NULL) {
        ngx_add_timer(ev, NGX_SOS_SCRUB_PERIOD);
        return;
    }

    job = ngx_sos_scrub_task->ctx;
    job->store = smcf->store;
    job->budget = smcf->scrub_rate;
    job->rc = SOS_OK;

    ngx_sos_scrub_start = ngx_current_msec;

    if (ngx_thread_task_post(smcf->thread_pool, ngx_sos_scrub_task)
        != NGX_OK)
    {
        ngx_add_timer(ev, NGX_SOS_SCRUB_PERIOD);
        return;
    }

    /* a reload's hand-off closes the store only once the step is over */
    ngx_sos_store_hold();
}


static void
ngx_sos_scrub_thread(void *data, ngx_log_t *log)
{
    ngx_sos_scrub_job_t *job = data;

    job->rc = sos_scrub_step(job->store, job->budget, &job->report,
                             &job->err);
}


static void
ngx_sos_scrub_done(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_msec_t            delay, spent;
    ngx_sos_scrub_job_t  *job;

    job = ngx_sos_scrub_task->ctx;

    ngx_sos_scrub_log(ev->log, &job->report);

    /* a fenced store fails every step: said once */

    if (job->rc != SOS_OK && job->rc != ngx_sos_scrub_last_rc) {
        ngx_log_error(NGX_LOG_ERR, ev->log, job->err.sys_errno,
                      "sos: scrub step failed: %s: %s",
                      sos_strerror(job->rc), job->err.msg);
    }

    ngx_sos_scrub_last_rc = job->rc;

    ngx_sos_store_unhold();

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    /* the bytes read, at the rate, take this long */

    delay = NGX_SOS_SCRUB_PERIOD;

    if (smcf->scrub_rate && job->report.bytes > smcf->scrub_rate) {
        delay = (ngx_msec_t) (job->report.bytes * 1000 / smcf->scrub_rate);
    }

    spent = ngx_current_msec - ngx_sos_scrub_start;
    delay = (delay > spent) ? delay - spent : 1;

    if (job->report.pass_done && delay < NGX_SOS_SCRUB_PAUSE) {
        delay = NGX_SOS_SCRUB_PAUSE;
    }

    ngx_add_timer(&ngx_sos_scrub_ev, delay);
}


/*
 * Before the store closes: log the findings not logged yet (the degraded
 * writes of the last second).  No repair here: it would hold up a
 * reload's hand-off; the next scrub pass finds those copies.
 */

void
ngx_sos_scrub_flush(sos_store_t *store, ngx_log_t *log)
{
    sos_scrub_report_t  report;

    sos_scrub_pending(store, &report);
    ngx_sos_scrub_log(log, &report);
}


void
ngx_sos_scrub_log(ngx_log_t *log, const sos_scrub_report_t *report)
{
    size_t                i;
    const sos_finding_t  *f;

    for (i = 0; i < report->n_findings; i++) {
        f = &report->findings[i];

        switch (f->what) {

        case SOS_FINDING_BAD:
            ngx_log_error(NGX_LOG_ERR, log, f->sys_errno,
                          "sos: replica %ui of file %s (\"%s\") is bad",
                          (ngx_uint_t) f->replica, f->file, f->where);
            break;

        case SOS_FINDING_MISSING:
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "sos: replica %ui of file %s (\"%s\") is missing",
                          (ngx_uint_t) f->replica, f->file, f->where);
            break;

        case SOS_FINDING_REPAIRED:
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: replica %ui of file %s (\"%s\") repaired "
                          "from a good copy",
                          (ngx_uint_t) f->replica, f->file, f->where);
            break;

        case SOS_FINDING_REPAIR_FAILED:
            ngx_log_error(NGX_LOG_ERR, log, f->sys_errno,
                          "sos: replica %ui of file %s (\"%s\") could not "
                          "be rewritten, will retry",
                          (ngx_uint_t) f->replica, f->file, f->where);
            break;

        case SOS_FINDING_UNREPAIRABLE:
            ngx_log_error(NGX_LOG_CRIT, log, 0,
                          "sos: no replica of file %s (\"%s\") holds good "
                          "data: unrepairable", f->file, f->where);
            break;

        case SOS_FINDING_DEGRADED:
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "sos: degraded write: file %s is missing on "
                          "replica %ui, queued for repair",
                          f->file, (ngx_uint_t) f->replica);
            break;

        default: /* SOS_FINDING_ORPHAN */
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "sos: orphan file %s removed from replica %ui",
                          f->file, (ngx_uint_t) f->replica);
            break;
        }
    }

    if (report->findings_dropped) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "sos: %uL more scrub findings not logged",
                      report->findings_dropped);
    }

    if (report->pass_done) {
        ngx_log_error(NGX_LOG_INFO, log, 0, "sos: scrub pass complete");
    }
}


static void
ngx_sos_scrub_json_num(ngx_sos_admin_out_t *out, const char *name,
    uint64_t v)
{
    char  buf[64];

    ngx_sos_admin_append(out, buf, snprintf(buf, sizeof(buf), "%s%llu",
                                            name, (unsigned long long) v));
}


static void
ngx_sos_scrub_json_finding(ngx_sos_admin_out_t *out, const sos_finding_t *f)
{
    ngx_sos_admin_member(out, "{\"what\":", sos_finding_name(f->what));

    if (f->replica < SOS_MAX_REPLICAS) {
        ngx_sos_scrub_json_num(out, ",\"replica\":", f->replica);

    } else {
        ngx_sos_admin_append(out, ",\"replica\":null", 15);
    }

    ngx_sos_admin_member(out, ",\"file\":", f->file);
    ngx_sos_admin_member(out, ",\"where\":", f->where);
    ngx_sos_scrub_json_num(out, ",\"time\":", (uint64_t) f->time);
    ngx_sos_scrub_json_num(out, ",\"errno\":", (uint64_t) f->sys_errno);
    ngx_sos_admin_append(out, "}", 1);
}


static void
ngx_sos_scrub_json_findings(ngx_sos_admin_out_t *out, const sos_finding_t *f,
    size_t n)
{
    size_t  i;

    ngx_sos_admin_append(out, ",\"findings\":[", 13);

    for (i = 0; i < n; i++) {
        if (i) {
            ngx_sos_admin_append(out, ",", 1);
        }

        ngx_sos_scrub_json_finding(out, &f[i]);
    }

    ngx_sos_admin_append(out, "]", 1);
}


void
ngx_sos_scrub_json_report(ngx_sos_admin_out_t *out,
    const sos_scrub_report_t *report)
{
    ngx_sos_scrub_json_num(out, "{\"extents\":", report->extents);
    ngx_sos_scrub_json_num(out, ",\"bytes\":", report->bytes);
    ngx_sos_scrub_json_num(out, ",\"bad\":", report->bad);
    ngx_sos_scrub_json_num(out, ",\"repaired\":", report->repaired);
    ngx_sos_scrub_json_num(out, ",\"failed\":", report->failed);
    ngx_sos_scrub_json_num(out, ",\"unrepairable\":", report->unrepairable);
    ngx_sos_scrub_json_num(out, ",\"degraded\":", report->degraded);
    ngx_sos_scrub_json_num(out, ",\"orphans\":", report->orphans);
    ngx_sos_scrub_json_findings(out, report->findings, report->n_findings);
    ngx_sos_scrub_json_num(out, ",\"findings_dropped\":",
                           report->findings_dropped);
    ngx_sos_admin_append(out, "}\n", 2);
}


void
ngx_sos_scrub_json_status(ngx_sos_admin_out_t *out,
    const sos_scrub_status_t *status, const sos_store_info_t *info,
    size_t rate)
{
    unsigned                     i;
    const sos_replica_status_t  *rs;

    ngx_sos_scrub_json_num(out, "{\"write_quorum\":", info->write_quorum);
    ngx_sos_admin_append(out, ",\"replicas\":[", 13);

    for (i = 0; i < status->n_replicas; i++) {
        rs = &status->replicas[i];

        ngx_sos_scrub_json_num(out, i ? ",{\"index\":" : "{\"index\":", i);
        ngx_sos_admin_member(out, ",\"path\":", rs->path);
        ngx_sos_admin_append(out, rs->writable ? ",\"writable\":true"
                                               : ",\"writable\":false",
                             rs->writable ? 16 : 17);
        ngx_sos_scrub_json_num(out, ",\"free_bytes\":", rs->free_bytes);
        ngx_sos_scrub_json_num(out, ",\"total_bytes\":", rs->total_bytes);
        ngx_sos_admin_append(out, (info->degraded_mask & (1u << i))
                                  ? ",\"degraded_at_open\":true}"
                                  : ",\"degraded_at_open\":false}",
                             (info->degraded_mask & (1u << i)) ? 25 : 26);
    }

    ngx_sos_scrub_json_num(out, "],\"degraded_extents\":",
                           status->degraded_extents);
    ngx_sos_scrub_json_num(out, ",\"queued\":", status->queued);
    ngx_sos_scrub_json_num(out, ",\"scrub\":{\"rate\":", rate);
    ngx_sos_admin_member(out, ",\"cursor\":", status->cursor);
    ngx_sos_scrub_json_num(out, ",\"passes\":", status->passes);
    ngx_sos_scrub_json_num(out, ",\"last_pass_end\":",
                           (uint64_t) status->last_pass_end);
    ngx_sos_scrub_json_num(out, ",\"pass_bytes\":", status->pass_bytes);
    ngx_sos_scrub_json_num(out, ",\"bytes\":", status->bytes);
    ngx_sos_scrub_json_num(out, ",\"bad\":", status->bad);
    ngx_sos_scrub_json_num(out, ",\"repaired\":", status->repaired);
    ngx_sos_scrub_json_num(out, ",\"failed\":", status->failed);
    ngx_sos_scrub_json_num(out, ",\"unrepairable\":", status->unrepairable);
    ngx_sos_scrub_json_num(out, ",\"orphans\":", status->orphans);
    ngx_sos_admin_append(out, "}", 1);
    ngx_sos_scrub_json_findings(out, status->findings, status->n_findings);
    ngx_sos_admin_append(out, "}\n", 2);
}
