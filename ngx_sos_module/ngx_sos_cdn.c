
/*
 * SOS: public files through a CDN edge.
 *
 * Cache-Control of GET and HEAD (and of their 304).  A response anyone may
 * read - an anonymous request, so the object's ACL grants AllUsers READ -
 * carries the object's own Cache-Control, else the bucket's default
 * (sosctl bucket cache-control), else sos_cache_control, else none.  A
 * response that needed authorization (a signed or presigned request) is
 * "private" so that no shared cache stores it: the object's own value (or
 * the response-cache-control argument, which wins as in S3) is sent with
 * "public" and "s-maxage" taken out and "private" put first.
 *
 * Purges.  When an object of a bucket with CDN on (sosctl bucket cdn) is
 * overwritten, deleted or gets a new ACL, the write's done() handler
 * queues "/<bucket>/<key>" for every sos_cdn_purge edge before it
 * answers.  The queue is the worker's, bounded by sos_cdn_purge_queue
 * (an overflow is logged and that purge dropped); one job at a time on
 * the thread pool sends up to NGX_SOS_CDN_BATCH of them as PURGE requests
 * with libcurl.  A purge an edge did not take (no answer, or a status
 * other than 2xx or 404: 404 is "not cached") is tried again later, after
 * NGX_SOS_CDN_BACKOFF ms, doubled each time, NGX_SOS_CDN_TRIES tries in
 * all; then it is logged at "error" and dropped.
 */


#include <curl/curl.h>

#include "ngx_sos_op.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_cdn.h"
#include "ngx_sos_website.h"


#define NGX_SOS_CDN_BATCH       64      /* purges per job */
#define NGX_SOS_CDN_TRIES       4
#define NGX_SOS_CDN_BACKOFF     250     /* ms before the second try */
#define NGX_SOS_CDN_CONNECT     1000    /* ms: connection to an edge */
#define NGX_SOS_CDN_TIMEOUT     3000    /* ms: a whole PURGE */
#define NGX_SOS_CDN_MAX_EDGES   64      /* bits of pending */
#define NGX_SOS_CDN_ERR_LEN     128


/* one object to purge from the edges whose bit is set in pending */
typedef struct {
    ngx_queue_t              queue;
    ngx_msec_t               ready;      /* not sent before */
    ngx_uint_t               tries;
    uint64_t                 pending;
    char                     err[NGX_SOS_CDN_ERR_LEN];  /* last failure */
    size_t                   len;
    u_char                   path[1];    /* "/bucket/key", URI-encoded */
} ngx_sos_cdn_item_t;


/* the job: what it sends, the libcurl handle it keeps between jobs */
typedef struct {
    ngx_sos_cdn_item_t      *items[NGX_SOS_CDN_BATCH];
    ngx_uint_t               n;
    ngx_str_t               *edges;
    ngx_uint_t               n_edges;
    CURL                    *curl;
    ngx_uint_t               ours;       /* the answer has our request id */
} ngx_sos_cdn_job_t;


static void ngx_sos_cdn_queue(ngx_log_t *log, ngx_str_t *bucket,
    u_char *key, size_t len);
static void ngx_sos_cdn_kick(void);
static void ngx_sos_cdn_timer(ngx_event_t *ev);
static void ngx_sos_cdn_thread(void *data, ngx_log_t *log);
static ngx_int_t ngx_sos_cdn_send(ngx_sos_cdn_job_t *job, ngx_str_t *edge,
    ngx_sos_cdn_item_t *item);
static size_t ngx_sos_cdn_discard(char *p, size_t size, size_t n,
    void *data);
static size_t ngx_sos_cdn_header(char *p, size_t size, size_t n,
    void *data);
static void ngx_sos_cdn_done(ngx_event_t *ev);
static u_char *ngx_sos_cdn_escape(u_char *dst, u_char *src, size_t len);
static ngx_int_t ngx_sos_cdn_private(ngx_http_request_t *r, ngx_str_t *v);
static ngx_uint_t ngx_sos_cdn_shared(ngx_str_t *v);


/* the worker's queue */
static ngx_sos_main_conf_t  *ngx_sos_cdn_conf;
static ngx_queue_t           ngx_sos_cdn_waiting;
static ngx_uint_t            ngx_sos_cdn_held;     /* waiting + in the job */
static ngx_uint_t            ngx_sos_cdn_busy;
static ngx_event_t           ngx_sos_cdn_ev;
static ngx_thread_task_t    *ngx_sos_cdn_task;


char *
ngx_sos_cdn_init_conf(ngx_conf_t *cf, ngx_sos_main_conf_t *smcf)
{
    ngx_str_t   *url;
    ngx_uint_t   i, n;

    ngx_conf_init_uint_value(smcf->cdn_purge_queue, 10000);

    n = smcf->cdn_purge ? smcf->cdn_purge->nelts : 0;

    if (n > NGX_SOS_CDN_MAX_EDGES) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "too many \"sos_cdn_purge\" "
                           "edges, at most %d", NGX_SOS_CDN_MAX_EDGES);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i <= n; i++) {
        url = (i < n) ? &((ngx_str_t *) smcf->cdn_purge->elts)[i]
                      : &smcf->cdn_url;

        if (url->data == NULL) {
            continue;
        }

        if (!((url->len > 7 && ngx_strncmp(url->data, "http://", 7) == 0)
              || (url->len > 8
                  && ngx_strncmp(url->data, "https://", 8) == 0)))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%s\" needs an http:// or https:// URL, "
                               "not \"%V\"",
                               i < n ? "sos_cdn_purge" : "sos_cdn_url", url);
            return NGX_CONF_ERROR;
        }

        /* "<url>/bucket/key": the URL ends without '/' (and in '\0') */

        while (url->data[url->len - 1] == '/') {
            url->data[--url->len] = '\0';
        }
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_sos_cdn_init_process(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_cdn_job_t  *job;

    if (smcf->cdn_purge == NULL) {
        return NGX_OK;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "sos: curl_global_init() failed: no CDN purges");
        return NGX_ERROR;
    }

    ngx_sos_cdn_task = ngx_thread_task_alloc(cycle->pool,
                                             sizeof(ngx_sos_cdn_job_t));
    if (ngx_sos_cdn_task == NULL) {
        return NGX_ERROR;
    }

    job = ngx_sos_cdn_task->ctx;
    job->edges = smcf->cdn_purge->elts;
    job->n_edges = smcf->cdn_purge->nelts;

    ngx_sos_cdn_task->handler = ngx_sos_cdn_thread;
    ngx_sos_cdn_task->event.handler = ngx_sos_cdn_done;
    ngx_sos_cdn_task->event.log = cycle->log;

    ngx_sos_cdn_ev.handler = ngx_sos_cdn_timer;
    ngx_sos_cdn_ev.log = cycle->log;
    ngx_sos_cdn_ev.cancelable = 1;

    ngx_queue_init(&ngx_sos_cdn_waiting);
    ngx_sos_cdn_conf = smcf;

    return NGX_OK;
}


void
ngx_sos_cdn_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_sos_cdn_held) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "sos: %ui CDN purges not sent: the worker exits",
                      ngx_sos_cdn_held);
    }
}


/* ------------------------------------------------------------------ */
/* GET and HEAD                                                       */


ngx_int_t
ngx_sos_cdn_get_headers(ngx_http_request_t *r, sos_object_info_t *info,
    ngx_str_t *cache_control)
{
    ngx_str_t             v, url;
    sos_attrs_t          *a;
    ngx_sos_ctx_t        *ctx;
    sos_bucket_info_t    *bi;
    ngx_sos_loc_conf_t   *slcf;
    ngx_sos_main_conf_t  *smcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sos_module);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    a = &info->attrs;
    bi = ctx->authz.bucket;

    if (bi == NULL && ctx->website) {
        /* the website endpoint looks its bucket up itself */
        bi = ((ngx_sos_website_t *) ctx->website)->info;
    }

    v.data = (u_char *) a->cache_control.data;
    v.len = a->cache_control.len;

    if (ngx_sos_check_value(v.data, v.len) != NGX_OK) {
        /* stored before values were checked: not sent */
        v.len = 0;
    }

    if (ctx->auth.anonymous) {

        /* anyone may read it: the object's value, else a default */

        if (v.len == 0 && bi) {
            v.data = (u_char *) bi->conf[SOS_BUCKET_CACHE_CONTROL].data;
            v.len = bi->conf[SOS_BUCKET_CACHE_CONTROL].len;

            if (ngx_sos_check_value(v.data, v.len) != NGX_OK) {
                v.len = 0;
            }
        }

        if (v.len == 0) {
            v = slcf->cache_control;
        }

    } else {
        if (cache_control->data) {
            v = *cache_control;
        }

        /*
         * A shared cache does not store the answer to a request with an
         * Authorization header unless it says "public" or "s-maxage"
         * (RFC 9111, 3.5): the object's own value goes out as stored, as
         * S3 sends it, so that SDKs read back what they wrote.  A
         * presigned URL has no such header, and an answer without a
         * Cache-Control has no value to keep: both are made private.
         */

        if ((ctx->auth.presigned || v.len == 0 || ngx_sos_cdn_shared(&v))
            && ngx_sos_cdn_private(r, &v) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (v.len && ngx_sos_header_add(r, "Cache-Control", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the edge URL of a public object of a bucket with CDN on */

    if (bi == NULL || bi->conf[SOS_BUCKET_CDN].len == 0
        || !ngx_sos_acl_allows((u_char *) a->acl.data, a->acl.len,
                               a->owner.data, a->owner.len, "",
                               NGX_SOS_ACL_READ))
    {
        return NGX_OK;
    }

    switch (ngx_sos_cdn_url(r->pool, smcf, &ctx->bucket, ctx->key.data,
                            ctx->key.len, &url))
    {
    case NGX_OK:
        return ngx_sos_header_add(r, "x-sos-cdn-url", &url);

    case NGX_DECLINED:
        return NGX_OK;

    default:
        return NGX_ERROR;
    }
}


/* whether v lets a shared cache store an authorized answer */

static ngx_uint_t
ngx_sos_cdn_shared(ngx_str_t *v)
{
    u_char     *next, *end;
    ngx_str_t   item;

    end = v->data + v->len;

    for (next = v->data; next && next < end; /* void */ ) {
        next = ngx_sos_header_item(next, end, &item);

        if ((item.len == 6
             && ngx_strncasecmp(item.data, (u_char *) "public", 6) == 0)
            || (item.len >= 8
                && ngx_strncasecmp(item.data, (u_char *) "s-maxage", 8) == 0
                && (item.len == 8 || item.data[8] == '='
                    || item.data[8] == ' ')))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * v made private: "private", then v's directives but "public",
 * "s-maxage" and "private" itself (a new string from the pool)
 */

static ngx_int_t
ngx_sos_cdn_private(ngx_http_request_t *r, ngx_str_t *v)
{
    u_char     *p, *end, *out, *next;
    ngx_str_t   item;

    out = ngx_pnalloc(r->pool, sizeof("private") - 1 + v->len + 2);
    if (out == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(out, "private", sizeof("private") - 1);

    end = v->data + v->len;

    for (next = v->data; next && next < end; /* void */ ) {
        next = ngx_sos_header_item(next, end, &item);

        if (item.len == 0
            || (item.len == 6
                && ngx_strncasecmp(item.data, (u_char *) "public", 6) == 0)
            || (item.len >= 8
                && ngx_strncasecmp(item.data, (u_char *) "s-maxage", 8) == 0
                && (item.len == 8 || item.data[8] == '='
                    || item.data[8] == ' '))
            || (item.len >= 7
                && ngx_strncasecmp(item.data, (u_char *) "private", 7) == 0
                && (item.len == 7 || item.data[7] == '='
                    || item.data[7] == ' ')))
        {
            continue;
        }

        *p++ = ',';
        *p++ = ' ';
        p = ngx_cpymem(p, item.data, item.len);
    }

    v->data = out;
    v->len = p - out;

    return NGX_OK;
}


ngx_int_t
ngx_sos_cdn_url(ngx_pool_t *pool, ngx_sos_main_conf_t *smcf,
    ngx_str_t *bucket, u_char *key, size_t len, ngx_str_t *url)
{
    u_char  *p;

    if (smcf->cdn_url.len == 0) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(pool, smcf->cdn_url.len + 2 + 3 * (bucket->len + len));
    if (p == NULL) {
        return NGX_ERROR;
    }

    url->data = p;

    p = ngx_cpymem(p, smcf->cdn_url.data, smcf->cdn_url.len);
    *p++ = '/';
    p = ngx_sos_cdn_escape(p, bucket->data, bucket->len);
    *p++ = '/';
    p = ngx_sos_cdn_escape(p, key, len);

    url->len = p - url->data;

    return NGX_OK;
}


/* as AWS SDKs write a key in a path: all but unreserved and '/' as %XX */

static u_char *
ngx_sos_cdn_escape(u_char *dst, u_char *src, size_t len)
{
    u_char         c;
    static u_char  hex[] = "0123456789ABCDEF";

    while (len--) {
        c = *src++;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || c == '~' || c == '/')
        {
            *dst++ = c;
            continue;
        }

        *dst++ = '%';
        *dst++ = hex[c >> 4];
        *dst++ = hex[c & 0xf];
    }

    return dst;
}


/* ------------------------------------------------------------------ */
/* Purges                                                             */


void
ngx_sos_cdn_purge(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, u_char *key,
    size_t len)
{
    sos_bucket_info_t  *bi;

    bi = ctx->authz.bucket;

    if (ngx_sos_cdn_task == NULL || len == 0 || bi == NULL
        || bi->conf[SOS_BUCKET_CDN].len == 0)
    {
        return;
    }

    /* UploadPart, UploadPartCopy: the object is not changed yet */

    if ((ctx->op->sub & NGX_SOS_SUB_UPLOAD_ID) && r->method == NGX_HTTP_PUT) {
        return;
    }

    ngx_sos_cdn_queue(r->connection->log, &ctx->bucket, key, len);
}


static void
ngx_sos_cdn_queue(ngx_log_t *log, ngx_str_t *bucket, u_char *key,
    size_t len)
{
    u_char              *p;
    ngx_sos_cdn_item_t  *item;

    /* "/bucket/key" escaped, and '\0' */

    item = ngx_alloc(sizeof(ngx_sos_cdn_item_t) + 3 * (bucket->len + len) + 3,
                     log);
    if (item == NULL) {
        return;
    }

    p = item->path;
    *p++ = '/';
    p = ngx_sos_cdn_escape(p, bucket->data, bucket->len);
    *p++ = '/';
    p = ngx_sos_cdn_escape(p, key, len);
    *p = '\0';

    if (ngx_sos_cdn_held >= ngx_sos_cdn_conf->cdn_purge_queue) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "sos: CDN purge queue full (%ui): \"%s\" is not "
                      "purged", ngx_sos_cdn_held, item->path);
        ngx_free(item);
        return;
    }

    item->len = p - item->path;
    item->ready = ngx_current_msec;
    item->tries = 0;
    item->err[0] = '\0';
    item->pending = (ngx_sos_cdn_conf->cdn_purge->nelts == 64)
                    ? (uint64_t) -1
                    : ((uint64_t) 1 << ngx_sos_cdn_conf->cdn_purge->nelts)
                      - 1;

    ngx_queue_insert_tail(&ngx_sos_cdn_waiting, &item->queue);
    ngx_sos_cdn_held++;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0, "sos: CDN purge of \"%s\" "
                   "queued", item->path);

    ngx_sos_cdn_kick();
}


/* no job in flight: post one with the purges due, or wait for one */

static void
ngx_sos_cdn_kick(void)
{
    ngx_msec_t           next;
    ngx_queue_t         *q, *nq;
    ngx_msec_int_t       wait;
    ngx_sos_cdn_job_t   *job;
    ngx_sos_cdn_item_t  *item;

    if (ngx_sos_cdn_busy) {
        return;
    }

    job = ngx_sos_cdn_task->ctx;
    job->n = 0;
    next = 0;
    wait = -1;

    for (q = ngx_queue_head(&ngx_sos_cdn_waiting);
         q != ngx_queue_sentinel(&ngx_sos_cdn_waiting)
         && job->n < NGX_SOS_CDN_BATCH;
         q = nq)
    {
        nq = ngx_queue_next(q);
        item = ngx_queue_data(q, ngx_sos_cdn_item_t, queue);

        if ((ngx_msec_int_t) (item->ready - ngx_current_msec) > 0) {
            if (wait < 0
                || (ngx_msec_int_t) (item->ready - next) < 0)
            {
                next = item->ready;
                wait = item->ready - ngx_current_msec;
            }

            continue;
        }

        ngx_queue_remove(q);
        job->items[job->n++] = item;
    }

    if (job->n) {
        if (ngx_thread_task_post(ngx_sos_cdn_conf->thread_pool,
                                 ngx_sos_cdn_task)
            == NGX_OK)
        {
            ngx_sos_cdn_busy = 1;
            return;
        }

        /* the pool's queue is full: later */

        while (job->n) {
            item = job->items[--job->n];
            ngx_queue_insert_head(&ngx_sos_cdn_waiting, &item->queue);
        }

        wait = NGX_SOS_CDN_BACKOFF;
    }

    if (wait >= 0 && !ngx_sos_cdn_ev.timer_set) {
        ngx_add_timer(&ngx_sos_cdn_ev, (ngx_msec_t) wait);
    }
}


static void
ngx_sos_cdn_timer(ngx_event_t *ev)
{
    ngx_sos_cdn_kick();
}


/* a pool thread: the job only, no log */

static void
ngx_sos_cdn_thread(void *data, ngx_log_t *log)
{
    ngx_sos_cdn_job_t *job = data;

    uint64_t             bit, down;
    ngx_uint_t           i, e;
    ngx_sos_cdn_item_t  *item;

    if (job->curl == NULL) {
        job->curl = curl_easy_init();
    }

    /* an edge that did not answer is not asked again in this job */

    down = 0;

    for (i = 0; i < job->n; i++) {
        item = job->items[i];

        for (e = 0; e < job->n_edges; e++) {
            bit = (uint64_t) 1 << e;

            if (!(item->pending & bit)) {
                continue;
            }

            if (down & bit) {
                ngx_cpystrn((u_char *) item->err, (u_char *) "the edge did "
                            "not answer a purge before", NGX_SOS_CDN_ERR_LEN);
                continue;
            }

            switch (ngx_sos_cdn_send(job, &job->edges[e], item)) {

            case NGX_OK:
                item->pending &= ~bit;
                break;

            case NGX_DECLINED:
                break;

            default: /* NGX_ERROR */
                down |= bit;
            }
        }
    }
}


/*
 * One PURGE: NGX_OK when the edge took it: 2xx, 404 (not cached), or the
 * answer of an SOS origin, x-amz-request-id and all, to the anonymous GET
 * of the object an edge of conf/cdn-edge.conf makes to fetch it again
 * (403: made private, or deleted); NGX_DECLINED when it answered
 * otherwise, NGX_ERROR when it did not answer
 */

static ngx_int_t
ngx_sos_cdn_send(ngx_sos_cdn_job_t *job, ngx_str_t *edge,
    ngx_sos_cdn_item_t *item)
{
    long      status;
    char     *url;
    CURL     *c;
    CURLcode  rc;

    c = job->curl;

    if (c == NULL) {
        ngx_cpystrn((u_char *) item->err, (u_char *) "curl_easy_init() "
                    "failed", NGX_SOS_CDN_ERR_LEN);
        return NGX_DECLINED;
    }

    url = malloc(edge->len + item->len + 1);
    if (url == NULL) {
        ngx_cpystrn((u_char *) item->err, (u_char *) "out of memory",
                    NGX_SOS_CDN_ERR_LEN);
        return NGX_DECLINED;
    }

    ngx_memcpy(url, edge->data, edge->len);
    ngx_memcpy(url + edge->len, item->path, item->len + 1);

    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PURGE");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ngx_sos_cdn_discard);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ngx_sos_cdn_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, job);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) NGX_SOS_CDN_CONNECT);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) NGX_SOS_CDN_TIMEOUT);

    job->ours = 0;

    rc = curl_easy_perform(c);

    free(url);

    if (rc != CURLE_OK) {
        ngx_cpystrn((u_char *) item->err, (u_char *) curl_easy_strerror(rc),
                    NGX_SOS_CDN_ERR_LEN);
        return NGX_ERROR;
    }

    status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);

    if ((status >= 200 && status < 300) || status == 404 || job->ours) {
        return NGX_OK;
    }

    ngx_snprintf((u_char *) item->err, NGX_SOS_CDN_ERR_LEN - 1,
                 "status %l%Z", status);

    return NGX_DECLINED;
}


static size_t
ngx_sos_cdn_discard(char *p, size_t size, size_t n, void *data)
{
    return size * n;
}


static size_t
ngx_sos_cdn_header(char *p, size_t size, size_t n, void *data)
{
    ngx_sos_cdn_job_t *job = data;

    if (size * n > sizeof("x-amz-request-id:") - 1
        && ngx_strncasecmp((u_char *) p, (u_char *) "x-amz-request-id:",
                           sizeof("x-amz-request-id:") - 1)
           == 0)
    {
        job->ours = 1;
    }

    return size * n;
}


/* back in the loop: what was purged goes, the rest waits or is logged */

static void
ngx_sos_cdn_done(ngx_event_t *ev)
{
    ngx_uint_t           i, e;
    ngx_sos_cdn_job_t   *job;
    ngx_sos_cdn_item_t  *item;

    job = ngx_sos_cdn_task->ctx;
    ngx_sos_cdn_busy = 0;

    for (i = 0; i < job->n; i++) {
        item = job->items[i];
        item->tries++;

        if (item->pending && item->tries < NGX_SOS_CDN_TRIES) {
            ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                          "sos: CDN purge of \"%s\" failed (%s), "
                          "try %ui of %d", item->path, item->err,
                          item->tries, NGX_SOS_CDN_TRIES);

            item->ready = ngx_current_msec
                          + (NGX_SOS_CDN_BACKOFF << (item->tries - 1));
            ngx_queue_insert_tail(&ngx_sos_cdn_waiting, &item->queue);
            continue;
        }

        for (e = 0; item->pending && e < job->n_edges; e++) {
            if (item->pending & ((uint64_t) 1 << e)) {
                ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                              "sos: CDN purge of \"%s\" at \"%V\" failed "
                              "after %ui tries (%s): the edge may serve "
                              "it until it expires", item->path,
                              &job->edges[e], item->tries, item->err);
            }
        }

        ngx_free(item);
        ngx_sos_cdn_held--;
    }

    job->n = 0;

    ngx_sos_cdn_kick();
}
