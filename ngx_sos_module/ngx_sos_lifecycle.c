
/*
 * SOS: the background lifecycle sweep, and x-amz-expiration.
 *
 * A timer in the worker that owns the store posts one step at a time to
 * the thread pool, NGX_SOS_LC_PAUSE apart.  A step reads the sweep's
 * position from the store (sos_lifecycle_get: bucket, phase, key), does
 * one page of at most NGX_SOS_LC_BATCH versions (phase 0) or uploads
 * (phase 1) of that bucket under its rules, and writes the position and
 * what the pass freed back (sos_lifecycle_put): a restarted server goes
 * on from there.  Buckets without rules are passed over, up to
 * NGX_SOS_LC_BUCKETS a step.  After the last bucket the pass is done;
 * the next starts sos_lifecycle_interval after.
 * Every removal is an ordinary delete or abort of the store, which
 * refuses what a lock keeps: a refusal is counted and the sweep goes on.
 * What a step freed is logged at "notice" by its pool thread, and the
 * pass's totals too.
 *
 * Days count in units of sos_lifecycle_day (1d; shorter for tests); an
 * expiry is rounded up to the next whole unit since the epoch, as S3
 * rounds to the next midnight UTC.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_lifecycle.h"


#define NGX_SOS_LC_BATCH      100       /* versions or uploads a step */
#define NGX_SOS_LC_PAUSE      50        /* ms between steps */
#define NGX_SOS_LC_IDLE       1000      /* ms between looks when idle */
#define NGX_SOS_LC_BUCKETS    64        /* looked at for rules a step */


typedef struct {
    sos_store_t             *store;
    time_t                   day;
    time_t                   interval;
    int64_t                  now;
    sos_bucket_info_t       *info;       /* the bucket swept */
    ngx_uint_t               idle;       /* no pass due */
    ngx_uint_t               pass_done;
    sos_lifecycle_state_t    st;
    uint64_t                 objects;    /* this step */
    uint64_t                 versions;
    uint64_t                 markers;
    uint64_t                 uploads;
    uint64_t                 bytes;
    uint64_t                 skipped;
    sos_rc_e                 rc;
    sos_error_t              err;
} ngx_sos_lc_job_t;


typedef struct {
    const char              *after;
    ngx_uint_t               n;
    char                     next[NGX_SOS_LC_BUCKETS][SOS_MAX_BUCKET_LEN + 1];
} ngx_sos_lc_next_t;


static void ngx_sos_lc_timer(ngx_event_t *ev);
static void ngx_sos_lc_thread(void *data, ngx_log_t *log);
static void ngx_sos_lc_done(ngx_event_t *ev);
static sos_rc_e ngx_sos_lc_step(ngx_sos_lc_job_t *job);
static sos_rc_e ngx_sos_lc_next_bucket(ngx_sos_lc_job_t *job);
static int ngx_sos_lc_bucket_cb(void *ctx, const sos_bucket_t *bucket);
static sos_rc_e ngx_sos_lc_versions(ngx_sos_lc_job_t *job,
    const sos_str_t *conf);
static void ngx_sos_lc_key(ngx_sos_lc_job_t *job, const sos_str_t *conf,
    sos_version_entry_t *v, size_t n, ngx_uint_t whole);
static ngx_uint_t ngx_sos_lc_takes(ngx_sos_lc_job_t *job,
    ngx_sos_lc_rule_t *rule, sos_version_entry_t *v, sos_object_info_t *tags,
    ngx_uint_t *have);
static sos_rc_e ngx_sos_lc_remove(ngx_sos_lc_job_t *job,
    sos_version_entry_t *v, ngx_uint_t current);
static sos_rc_e ngx_sos_lc_uploads(ngx_sos_lc_job_t *job,
    const sos_str_t *conf);
static int ngx_sos_lc_part_cb(void *ctx, const sos_part_info_t *part);


static ngx_event_t         ngx_sos_lc_ev;
static ngx_thread_task_t  *ngx_sos_lc_task;
static sos_rc_e            ngx_sos_lc_last_rc;


ngx_int_t
ngx_sos_lifecycle_init_process(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_lc_task = ngx_thread_task_alloc(cycle->pool,
                                            sizeof(ngx_sos_lc_job_t));
    if (ngx_sos_lc_task == NULL) {
        return NGX_ERROR;
    }

    ngx_sos_lc_task->handler = ngx_sos_lc_thread;
    ngx_sos_lc_task->event.handler = ngx_sos_lc_done;
    ngx_sos_lc_task->event.data = smcf;
    ngx_sos_lc_task->event.log = cycle->log;

    ngx_sos_lc_ev.handler = ngx_sos_lc_timer;
    ngx_sos_lc_ev.data = smcf;
    ngx_sos_lc_ev.log = cycle->log;
    ngx_sos_lc_ev.cancelable = 1;

    ngx_add_timer(&ngx_sos_lc_ev, NGX_SOS_LC_IDLE);

    return NGX_OK;
}


static void
ngx_sos_lc_timer(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_sos_lc_job_t  *job;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    if (smcf->store == NULL) {
        ngx_add_timer(ev, NGX_SOS_LC_IDLE);
        return;
    }

    job = ngx_sos_lc_task->ctx;
    ngx_memzero(job, sizeof(ngx_sos_lc_job_t));
    job->store = smcf->store;
    job->day = smcf->lifecycle_day;
    job->interval = smcf->lifecycle_interval;
    job->now = (int64_t) ngx_time();

    if (ngx_thread_task_post(smcf->thread_pool, ngx_sos_lc_task) != NGX_OK) {
        ngx_add_timer(ev, NGX_SOS_LC_IDLE);
        return;
    }

    /* a reload's hand-off closes the store only once the step is over */
    ngx_sos_store_hold();
}


static void
ngx_sos_lc_thread(void *data, ngx_log_t *log)
{
    ngx_sos_lc_job_t *job = data;

    sos_lifecycle_state_t  *st;

    job->rc = ngx_sos_lc_step(job);

    sos_bucket_info_free(job->info);
    job->info = NULL;

    /*
     * said here: a worker that exits waits for its pool threads, not
     * for the events they post
     */

    st = &job->st;

    if (job->objects + job->versions + job->markers + job->uploads
        + job->skipped)
    {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "sos: lifecycle: %uL objects expired, %uL noncurrent "
                      "versions and %uL delete markers removed, %uL uploads "
                      "aborted, %uL bytes freed, %uL refused",
                      job->objects, job->versions, job->markers,
                      job->uploads, job->bytes, job->skipped);
    }

    if (job->pass_done) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "sos: lifecycle pass %uL done: %uL objects expired, "
                      "%uL noncurrent versions and %uL delete markers "
                      "removed, %uL uploads aborted, %uL bytes freed, "
                      "%uL refused",
                      st->passes, st->objects, st->versions, st->markers,
                      st->uploads, st->bytes, st->skipped);
    }
}


static void
ngx_sos_lc_done(ngx_event_t *ev)
{
    ngx_sos_lc_job_t  *job;

    job = ngx_sos_lc_task->ctx;

    ngx_sos_store_unhold();

    /* a fenced store fails every step: said once */

    if (job->rc != SOS_OK && job->rc != ngx_sos_lc_last_rc) {
        ngx_log_error(NGX_LOG_ERR, ev->log, job->err.sys_errno,
                      "sos: lifecycle step failed: %s: %s",
                      sos_strerror(job->rc), job->err.msg);
    }

    ngx_sos_lc_last_rc = job->rc;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_add_timer(&ngx_sos_lc_ev, (job->idle || job->pass_done
                                   || job->rc != SOS_OK)
                                  ? NGX_SOS_LC_IDLE : NGX_SOS_LC_PAUSE);
}


/* in a pool thread: one page of one bucket, or the move to the next */

static sos_rc_e
ngx_sos_lc_step(ngx_sos_lc_job_t *job)
{
    sos_rc_e                rc;
    const sos_str_t        *conf;
    sos_lifecycle_state_t  *st;

    st = &job->st;

    rc = sos_lifecycle_get(job->store, st, &job->err);
    if (rc != SOS_OK) {
        return rc;
    }

    if (st->bucket[0] == '\0') {

        /* between passes */

        if (st->passes && job->now < st->last_pass_end + job->interval) {
            job->idle = 1;
            return SOS_OK;
        }

        st->pass_start = job->now;
        st->objects = 0;
        st->versions = 0;
        st->markers = 0;
        st->uploads = 0;
        st->bytes = 0;
        st->skipped = 0;

        rc = ngx_sos_lc_next_bucket(job);

    } else {
        rc = sos_bucket_get(job->store, st->bucket, strlen(st->bucket),
                            &job->info, &job->err);

        if (rc == SOS_ENOBUCKET) {
            rc = ngx_sos_lc_next_bucket(job);

        } else if (rc == SOS_OK) {
            conf = &job->info->conf[SOS_BUCKET_LIFECYCLE];

            if (conf->len == 0) {
                rc = ngx_sos_lc_next_bucket(job);

            } else if (st->phase == 0) {
                rc = ngx_sos_lc_versions(job, conf);

            } else {
                rc = ngx_sos_lc_uploads(job, conf);
            }
        }
    }

    st->objects += job->objects;
    st->versions += job->versions;
    st->markers += job->markers;
    st->uploads += job->uploads;
    st->bytes += job->bytes;
    st->skipped += job->skipped;

    if (rc != SOS_OK) {
        /* the position stays: the next step tries this page again */
        (void) sos_lifecycle_put(job->store, st, NULL);
        return rc;
    }

    return sos_lifecycle_put(job->store, st, &job->err);
}


/*
 * The next bucket with rules after st->bucket, by name, among the next
 * NGX_SOS_LC_BUCKETS (the walk of the bucket list starts at the first
 * one each time); past them, the last one, to go on from; none left: the
 * pass is done
 */

static sos_rc_e
ngx_sos_lc_next_bucket(ngx_sos_lc_job_t *job)
{
    char                   *name;
    sos_rc_e                rc;
    ngx_uint_t              i, found;
    sos_bucket_info_t      *info;
    ngx_sos_lc_next_t      *nb;
    sos_lifecycle_state_t  *st;

    st = &job->st;

    nb = malloc(sizeof(ngx_sos_lc_next_t));
    if (nb == NULL) {
        return SOS_ENOMEM;
    }

    nb->after = st->bucket;
    nb->n = 0;

    rc = sos_bucket_list(job->store, NULL, ngx_sos_lc_bucket_cb, nb,
                         &job->err);
    if (rc != SOS_OK) {
        free(nb);
        return rc;
    }

    st->phase = 0;
    st->key_len = 0;
    st->upload_id[0] = '\0';

    found = 0;

    for (i = 0; i < nb->n; i++) {
        name = nb->next[i];

        if (sos_bucket_get(job->store, name, strlen(name), &info, NULL)
            != SOS_OK)
        {
            continue;                        /* deleted meanwhile */
        }

        found = (info->conf[SOS_BUCKET_LIFECYCLE].len != 0);
        sos_bucket_info_free(info);

        if (found) {
            break;
        }
    }

    if (found) {
        ngx_memcpy(st->bucket, nb->next[i], sizeof(st->bucket));

    } else if (nb->n == NGX_SOS_LC_BUCKETS) {
        /* more may follow: the next step goes on after the last */
        ngx_memcpy(st->bucket, nb->next[nb->n - 1], sizeof(st->bucket));

    } else {
        st->bucket[0] = '\0';
        st->passes++;
        st->last_pass_end = job->now;
        job->pass_done = 1;
    }

    free(nb);

    return SOS_OK;
}


static int
ngx_sos_lc_bucket_cb(void *ctx, const sos_bucket_t *bucket)
{
    ngx_sos_lc_next_t *nb = ctx;

    if (strcmp(bucket->name, nb->after) <= 0) {
        return 0;
    }

    ngx_memcpy(nb->next[nb->n], bucket->name, sizeof(nb->next[0]));

    return (++nb->n == NGX_SOS_LC_BUCKETS);
}


/* phase 0: a page of versions, each key whole */

static sos_rc_e
ngx_sos_lc_versions(ngx_sos_lc_job_t *job, const sos_str_t *conf)
{
    size_t                       i, n, first, last_key;
    sos_rc_e                     rc;
    sos_lifecycle_state_t       *st;
    sos_list_versions_opts_t     opts;
    sos_list_versions_result_t  *res;

    st = &job->st;

    ngx_memzero(&opts, sizeof(sos_list_versions_opts_t));
    opts.key_marker.data = st->key;
    opts.key_marker.len = st->key_len;
    opts.max_keys = NGX_SOS_LC_BATCH;

    for ( ;; ) {
        rc = sos_list_versions(job->store, st->bucket, strlen(st->bucket),
                               &opts, &res, &job->err);
        if (rc != SOS_OK) {
            return rc;
        }

        n = res->n_versions;

        if (!res->truncated || n == 0) {
            break;
        }

        /* the last key may go on in the next page: it waits for it */

        for (last_key = n - 1; last_key > 0; last_key--) {
            if (res->versions[last_key - 1].key.len
                    != res->versions[n - 1].key.len
                || ngx_memcmp(res->versions[last_key - 1].key.data,
                              res->versions[n - 1].key.data,
                              res->versions[n - 1].key.len) != 0)
            {
                break;
            }
        }

        if (last_key > 0) {
            n = last_key;
            break;
        }

        if (opts.max_keys == 1000) {
            /* a key with more versions: its 1,000 newest this pass */
            break;
        }

        /* one key fills the page: all of its versions, up to 1,000 */

        sos_list_versions_result_free(res);
        opts.max_keys = 1000;
    }

    for (first = 0, i = 1; i <= n; i++) {
        if (i == n
            || res->versions[i].key.len != res->versions[first].key.len
            || ngx_memcmp(res->versions[i].key.data,
                          res->versions[first].key.data,
                          res->versions[first].key.len) != 0)
        {
            /* a key that fills a truncated page (its 1,000 newest) is
             * not whole: older versions follow */
            ngx_sos_lc_key(job, conf, &res->versions[first], i - first,
                           !(i == res->n_versions && res->truncated));
            first = i;
        }
    }

    if (n && res->truncated) {
        ngx_memcpy(st->key, res->versions[n - 1].key.data,
                   res->versions[n - 1].key.len);
        st->key_len = res->versions[n - 1].key.len;

    } else {
        st->phase = 1;
        st->key_len = 0;
        st->upload_id[0] = '\0';
    }

    sos_list_versions_result_free(res);

    return SOS_OK;
}


/*
 * One key's versions, newest first: v[0] is the latest (the current
 * version or a delete marker), each other one noncurrent since its
 * successor, v[i - 1], was written: v[i - 1].mtime.  Not whole: the
 * newest of more, and a marker is never called alone.
 */

static void
ngx_sos_lc_key(ngx_sos_lc_job_t *job, const sos_str_t *conf,
    sos_version_entry_t *v, size_t n, ngx_uint_t whole)
{
    size_t              i, left;
    int64_t             due;
    ngx_uint_t          have, done;
    sos_object_info_t   tags;
    ngx_sos_lc_rule_t   rule;
    ngx_sos_lc_walk_t   w;

    /* the current version: Expiration, Days or Date */

    if (v[0].is_latest && !v[0].delete_marker) {
        have = 0;
        done = 0;
        ngx_memzero(&tags, sizeof(sos_object_info_t));

        for (ngx_sos_lc_walk(&w, conf); ngx_sos_lc_next(&w, &rule); ) {
            if (!rule.enabled || (rule.days < 0 && rule.date < 0)) {
                continue;
            }

            due = (rule.days >= 0) ? ngx_sos_lc_due(v[0].mtime, rule.days,
                                                    job->day)
                                   : rule.date;

            if (due <= job->now
                && ngx_sos_lc_takes(job, &rule, &v[0], &tags, &have))
            {
                done = 1;
                break;
            }
        }

        sos_object_info_release(&tags);

        if (done) {
            /* what is left of the key changed: the next pass sees it */
            (void) ngx_sos_lc_remove(job, &v[0], 1);
            return;
        }
    }

    /* noncurrent versions: NoncurrentDays, NewerNoncurrentVersions */

    left = n;

    for (i = 1; i < n; i++) {
        have = 0;
        done = 0;
        ngx_memzero(&tags, sizeof(sos_object_info_t));

        for (ngx_sos_lc_walk(&w, conf); ngx_sos_lc_next(&w, &rule); ) {
            if (!rule.enabled || rule.nc_days < 0) {
                continue;
            }

            /* the i - 1 newer noncurrent versions it keeps */

            if (rule.nc_newer >= 0 && (int64_t) (i - 1) < rule.nc_newer) {
                continue;
            }

            due = ngx_sos_lc_due(v[i - 1].mtime, rule.nc_days, job->day);

            if (due <= job->now
                && ngx_sos_lc_takes(job, &rule, &v[i], &tags, &have))
            {
                done = 1;
                break;
            }
        }

        sos_object_info_release(&tags);

        if (done && ngx_sos_lc_remove(job, &v[i], 0) == SOS_OK) {
            left--;
        }
    }

    /* a delete marker left alone: ExpiredObjectDeleteMarker */

    if (!whole || !v[0].delete_marker || left != 1) {
        return;
    }

    for (ngx_sos_lc_walk(&w, conf); ngx_sos_lc_next(&w, &rule); ) {
        if (rule.enabled && rule.marker == 1
            && ngx_sos_lc_match(&rule, (u_char *) v[0].key.data,
                                v[0].key.len, 0, NULL))
        {
            (void) ngx_sos_lc_remove(job, &v[0], 0);
            return;
        }
    }
}


/* the rule's filter takes the version: its tags read once, when needed */

static ngx_uint_t
ngx_sos_lc_takes(ngx_sos_lc_job_t *job, ngx_sos_lc_rule_t *rule,
    sos_version_entry_t *v, sos_object_info_t *tags, ngx_uint_t *have)
{
    sos_rc_e     rc;
    const char  *id;

    /* the prefix and the size first: no read for a rule that fails them */

    if (!ngx_sos_lc_match(rule, (u_char *) v->key.data, v->key.len,
                          (int64_t) v->size, NULL))
    {
        return 0;
    }

    if (rule->ntags == 0) {
        return 1;
    }

    if (v->delete_marker) {
        return 0;                            /* no tags */
    }

    if (!*have) {
        *have = 1;
        id = v->version_id[0] ? v->version_id : "null";

        rc = sos_object_stat_version(job->store, job->st.bucket,
                                     strlen(job->st.bucket), v->key.data,
                                     v->key.len, id, strlen(id), tags, NULL);
        if (rc != SOS_OK) {
            sos_object_info_release(tags);
            ngx_memzero(tags, sizeof(sos_object_info_t));
        }
    }

    return ngx_sos_lc_match(rule, (u_char *) v->key.data, v->key.len,
                            (int64_t) v->size, &tags->attrs.tags);
}


/*
 * current: expire the current version (a delete, or a delete marker in
 * a versioned bucket); else remove the version for good
 */

static sos_rc_e
ngx_sos_lc_remove(ngx_sos_lc_job_t *job, sos_version_entry_t *v,
    ngx_uint_t current)
{
    sos_rc_e              rc;
    const char           *id;
    size_t                id_len;
    sos_delete_result_t   res;

    if (current) {
        id = NULL;
        id_len = 0;

    } else {
        id = v->version_id[0] ? v->version_id : "null";
        id_len = strlen(id);
    }

    rc = sos_object_delete_version(job->store, job->st.bucket,
                                   strlen(job->st.bucket), v->key.data,
                                   v->key.len, id, id_len, NULL, NULL, 0,
                                   &res, NULL);

    if (rc == SOS_ENOTFOUND) {
        return rc;                           /* gone meanwhile */
    }

    if (rc != SOS_OK) {
        /* refused (a lock keeps it) or failed: the sweep goes on */
        job->skipped++;
        return rc;
    }

    if (current) {
        job->objects++;

        /* the data goes unless a version keeps it */

        if (job->info->bucket.versioning == SOS_VERSIONING_OFF
            || (job->info->bucket.versioning == SOS_VERSIONING_SUSPENDED
                && v->version_id[0] == '\0'))
        {
            job->bytes += v->size;
        }

        return SOS_OK;
    }

    if (v->delete_marker) {
        job->markers++;

    } else {
        job->versions++;
        job->bytes += v->size;
    }

    return SOS_OK;
}


/* phase 1: a page of uploads, AbortIncompleteMultipartUpload */

static sos_rc_e
ngx_sos_lc_uploads(ngx_sos_lc_job_t *job, const sos_str_t *conf)
{
    size_t                      i;
    int64_t                     due;
    uint64_t                    bytes;
    sos_rc_e                    rc;
    sos_upload_entry_t         *u;
    ngx_sos_lc_rule_t           rule;
    ngx_sos_lc_walk_t           w;
    sos_lifecycle_state_t      *st;
    sos_list_uploads_opts_t     opts;
    sos_list_uploads_result_t  *res;

    st = &job->st;

    ngx_memzero(&opts, sizeof(sos_list_uploads_opts_t));
    opts.key_marker.data = st->key;
    opts.key_marker.len = st->key_len;
    opts.upload_id_marker.data = st->upload_id;
    opts.upload_id_marker.len = strlen(st->upload_id);
    opts.max_uploads = NGX_SOS_LC_BATCH;

    rc = sos_list_uploads(job->store, st->bucket, strlen(st->bucket), &opts,
                          &res, &job->err);
    if (rc != SOS_OK) {
        return rc;
    }

    for (i = 0; i < res->n_uploads; i++) {
        u = &res->uploads[i];

        for (ngx_sos_lc_walk(&w, conf); ngx_sos_lc_next(&w, &rule); ) {
            if (!rule.enabled || rule.abort_days < 0
                || !ngx_sos_lc_match(&rule, (u_char *) u->key.data,
                                     u->key.len, -1, NULL))
            {
                continue;
            }

            due = ngx_sos_lc_due(u->initiated, rule.abort_days, job->day);

            if (due > job->now) {
                continue;
            }

            bytes = 0;

            (void) sos_upload_list_parts(job->store, st->bucket,
                                         strlen(st->bucket), u->key.data,
                                         u->key.len, u->upload_id, 0,
                                         SOS_MAX_PARTS, ngx_sos_lc_part_cb,
                                         &bytes, NULL, NULL);

            rc = sos_upload_abort(job->store, st->bucket, strlen(st->bucket),
                                  u->key.data, u->key.len, u->upload_id,
                                  NULL);

            if (rc == SOS_OK) {
                job->uploads++;
                job->bytes += bytes;

            } else if (rc != SOS_ENOUPLOAD) {
                job->skipped++;
            }

            break;
        }
    }

    if (res->truncated && res->next_key_marker.len <= SOS_MAX_KEY_LEN
        && res->next_upload_id_marker.len <= SOS_UPLOAD_ID_LEN)
    {
        ngx_memcpy(st->key, res->next_key_marker.data,
                   res->next_key_marker.len);
        st->key_len = res->next_key_marker.len;
        ngx_memcpy(st->upload_id, res->next_upload_id_marker.data,
                   res->next_upload_id_marker.len);
        st->upload_id[res->next_upload_id_marker.len] = '\0';

        sos_list_uploads_result_free(res);
        return SOS_OK;
    }

    sos_list_uploads_result_free(res);

    return ngx_sos_lc_next_bucket(job);
}


static int
ngx_sos_lc_part_cb(void *ctx, const sos_part_info_t *part)
{
    uint64_t *bytes = ctx;

    *bytes += part->size;

    return 0;
}


/*
 * x-amz-expiration: expiry-date="Fri, 23 Dec 2012 00:00:00 GMT",
 * rule-id="..." of the enabled Expiration rule that takes the object
 * first
 */

ngx_int_t
ngx_sos_lifecycle_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    const sos_object_info_t *info)
{
    u_char               *p;
    int64_t               due, best;
    ngx_str_t             id;
    ngx_uint_t            i;
    ngx_table_elt_t      *h;
    ngx_sos_lc_rule_t     rule;
    ngx_sos_lc_walk_t     w;
    const sos_str_t      *conf;
    ngx_sos_main_conf_t  *smcf;

    if (ctx->authz.bucket == NULL || ctx->version_id.data != NULL
        || info->delete_marker)
    {
        return NGX_OK;
    }

    conf = &ctx->authz.bucket->conf[SOS_BUCKET_LIFECYCLE];

    if (conf->len == 0) {
        return NGX_OK;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    best = -1;
    ngx_str_null(&id);

    for (ngx_sos_lc_walk(&w, conf); ngx_sos_lc_next(&w, &rule); ) {
        if (!rule.enabled || (rule.days < 0 && rule.date < 0)
            || !ngx_sos_lc_match(&rule, ctx->key.data, ctx->key.len,
                                 (int64_t) info->size, &info->attrs.tags))
        {
            continue;
        }

        due = (rule.days >= 0)
              ? ngx_sos_lc_due(info->mtime, rule.days, smcf->lifecycle_day)
              : rule.date;

        if (best < 0 || due < best) {
            best = due;
            id = rule.id;
        }
    }

    if (best < 0) {
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, sizeof("expiry-date=\"\", rule-id=\"\"") - 1
                             + sizeof("Mon, 28 Sep 1970 06:00:00 GMT") - 1
                             + 2 * id.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "x-amz-expiration");
    h->value.data = p;

    p = ngx_cpymem(p, "expiry-date=\"", sizeof("expiry-date=\"") - 1);
    p = ngx_http_time(p, (time_t) best);
    p = ngx_cpymem(p, "\", rule-id=\"", sizeof("\", rule-id=\"") - 1);

    /* the ID as a quoted string: '"' and '\\' escaped, no control */

    for (i = 0; i < id.len; i++) {
        if (id.data[i] == '"' || id.data[i] == '\\') {
            *p++ = '\\';
        }

        *p++ = (id.data[i] < 0x20 || id.data[i] == 0x7f) ? '?' : id.data[i];
    }

    *p++ = '"';
    h->value.len = p - h->value.data;

    return NGX_OK;
}
