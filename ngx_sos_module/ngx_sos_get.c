
/*
 * SOS: GetObject and HeadObject.
 *
 * The event loop reads the request (Range, ?partNumber, the response-*
 * overrides); the authorization step of the job checks READ on the object
 * and opens it (ngx_sos_authz.c: HEAD too, so that both fail alike when no
 * replica of the data opens); back in the loop the conditions (If-Match...)
 * are evaluated and the answer is sent with file buffers for sendfile.  The
 * fds belong to the reader, closed with the request pool.
 *
 * Every byte sent is verified first (ngx_sos_read.c): the job verifies
 * the first window of the body before the header is sent, so that a small
 * object with no good replica is a 500 InternalError, never bad bytes.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_object.h"
#include "ngx_sos_get.h"
#include "ngx_sos_cdn.h"
#include "ngx_sos_console.h"
#include "ngx_sos_lifecycle.h"


#define NGX_SOS_CACHE_CONTROL 3          /* its index: ngx_sos_cdn.c's */


/* a response-* argument and the header it replaces */
typedef struct {
    ngx_str_t                arg;
    char                    *header;
} ngx_sos_override_t;


static void ngx_sos_get_cleanup(void *data);
static void ngx_sos_get_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_get_done(ngx_http_request_t *r, ngx_sos_job_t *job);
static ngx_int_t ngx_sos_get_conditions(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_get_t *g);
static ngx_int_t ngx_sos_get_headers(ngx_http_request_t *r,
    ngx_sos_get_t *g);
static ngx_sos_err_e ngx_sos_get_overrides(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_get_t *g);
static ngx_int_t ngx_sos_get_header(ngx_http_request_t *r, ngx_sos_get_t *g,
    char *header, ngx_str_t *value);


/* in the order ngx_sos_get_headers() sends them */

static ngx_sos_override_t  ngx_sos_get_override[NGX_SOS_OVERRIDES] = {
    { ngx_string("response-content-type"), "Content-Type" },
    { ngx_string("response-content-language"), "Content-Language" },
    { ngx_string("response-expires"), "Expires" },
    { ngx_string("response-cache-control"), "Cache-Control" },
    { ngx_string("response-content-disposition"), "Content-Disposition" },
    { ngx_string("response-content-encoding"), "Content-Encoding" }
};



/* ------------------------------------------------------------------ */
/* GetObject, HeadObject                                              */


ngx_int_t
ngx_sos_object_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t            n;
    ngx_str_t            v;
    ngx_sos_err_e        err;
    ngx_sos_get_t       *g;
    ngx_sos_job_t       *job;
    ngx_pool_cleanup_t  *cln;

    /* registered first: whatever the job opens is closed with the pool */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_get_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    g = job->data;

    cln->handler = ngx_sos_get_cleanup;
    cln->data = g;

    ctx->op_data = &g->read;

    g->bucket = ctx->bucket;
    g->key = ctx->key;
    g->head = (r->method == NGX_HTTP_HEAD);

    ngx_sos_read_init(&g->read, job);

    /* ?partNumber: one part of a multipart object, as a range */

    if (ngx_sos_arg(r, "partNumber", &v) == NGX_OK) {
        n = (v.len && v.len <= 5) ? ngx_atoi(v.data, v.len) : NGX_ERROR;

        if (n < 1 || n > 10000) {
            ngx_str_set(&ctx->error_message, "Part number must be an "
                        "integer between 1 and 10000, inclusive");
            ngx_str_set(&ctx->error_extra,
                        "<ArgumentName>partNumber</ArgumentName>");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        if (r->headers_in.range) {
            ngx_str_set(&ctx->error_message, "Cannot specify both Range "
                        "header and partNumber query parameter");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_REQUEST);
        }

        g->part_number = n;

    } else {
        ngx_sos_get_parse_range(r, g);
    }

    /*
     * the authorization step opens the object, for HEAD too: no data is
     * read, but an object none of whose replicas opens is a 500 to both
     */

    ctx->authz.want_reader = 1;

    if (r->args.len) {
        err = ngx_sos_get_overrides(r, ctx, g);
        if (err != NGX_SOS_OK) {
            return ngx_sos_error_send_ctx(r, ctx, err);
        }
    }

    job->run = ngx_sos_get_run;
    job->done = ngx_sos_get_done;

    return ngx_sos_job_start(r, job);
}


/*
 * One range: "bytes=a-b", "bytes=a-", "bytes=-n".  As S3 does, a header
 * that does not parse, or asks for several ranges, is ignored: the whole
 * object is sent.
 */

void
ngx_sos_get_parse_range(ngx_http_request_t *r, ngx_sos_get_t *g)
{
    u_char     *p, *end;
    off_t       a, b;
    ngx_uint_t  digits;

    if (r->headers_in.range == NULL) {
        return;
    }

    p = r->headers_in.range->value.data;
    end = p + r->headers_in.range->value.len;

    if (end - p < 7 || ngx_strncasecmp(p, (u_char *) "bytes=", 6) != 0) {
        return;
    }

    p += 6;

    while (p < end && *p == ' ') {
        p++;
    }

    a = -1;
    b = -1;

    for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 18) {
            return;
        }

        a = (a < 0 ? 0 : a * 10) + (*p - '0');
    }

    if (p == end || *p++ != '-') {
        return;
    }

    for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 18) {
            return;
        }

        b = (b < 0 ? 0 : b * 10) + (*p - '0');
    }

    while (p < end && *p == ' ') {
        p++;
    }

    if (p != end) {
        return;                          /* a list of ranges, or junk */
    }

    if (a < 0) {
        if (b < 0) {
            return;
        }

        g->range = NGX_SOS_RANGE_SUFFIX;
        g->range_a = b;
        return;
    }

    if (b >= 0 && b < a) {
        return;
    }

    g->range = NGX_SOS_RANGE_FROM;
    g->range_a = a;
    g->range_b = b;
}


static void
ngx_sos_get_cleanup(void *data)
{
    ngx_sos_get_t *g = data;

    ngx_sos_read_cleanup(&g->read);
}


static void
ngx_sos_get_run(ngx_sos_job_t *job)
{
    ngx_sos_get_t *g = job->data;

    /* opened by the authorization step, closed with the request */

    g->info = job->ctx->authz.object;
    g->reader = job->ctx->authz.reader;

    ngx_sos_get_prepare(job, g);
}


void
ngx_sos_get_prepare(ngx_sos_job_t *job, ngx_sos_get_t *g)
{
    off_t      size;
    uint64_t   off, plen;

    size = (off_t) g->info.size;

    g->start = 0;
    g->len = size;

    if (g->part_number) {
        if (sos_reader_part(g->reader, g->part_number, &off, &plen,
                            &job->err)
            != SOS_OK)
        {
            g->bad_part = 1;
            return;
        }

        g->range = NGX_SOS_RANGE_FROM;
        g->range_a = off;
        g->range_b = off + plen - 1;
    }

    switch (g->range) {

    case NGX_SOS_RANGE_FROM:
        if (g->range_a >= size) {
            g->unsatisfiable = 1;
            return;
        }

        g->start = g->range_a;
        g->len = ((g->range_b < 0 || g->range_b >= size) ? size - 1
                                                         : g->range_b)
                 - g->start + 1;
        break;

    case NGX_SOS_RANGE_SUFFIX:
        if (g->range_a == 0 || size == 0) {
            g->unsatisfiable = 1;
            return;
        }

        g->start = (g->range_a >= size) ? 0 : size - g->range_a;
        g->len = size - g->start;
        break;

    default:
        break;
    }

    if (g->head || g->len == 0) {
        return;
    }

    g->read.reader = g->reader;
    g->read.start = g->start;
    g->read.len = g->len;

    ngx_sos_read_first(&g->read, job);
}


static ngx_int_t
ngx_sos_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_get_t *g = job->data;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_get_send(r, job->ctx, g);
}


ngx_int_t
ngx_sos_get_send(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, ngx_sos_get_t *g)
{
    u_char         *p;
    size_t          len;
    ngx_int_t       rc;
    ngx_str_t       range;

    if (g->status == 0) {
        rc = ngx_sos_get_conditions(r, ctx, g);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (g->bad_part) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_PART_NUMBER);
    }

    if (g->unsatisfiable) {

        /* no Range header when ?partNumber names an empty part */

        ngx_str_null(&range);

        if (r->headers_in.range) {
            range = r->headers_in.range->value;
        }

        len = sizeof("<RangeRequested></RangeRequested>"
                     "<ActualObjectSize></ActualObjectSize>") - 1
              + ngx_sos_xml_escape_len(range.data, range.len)
              + NGX_OFF_T_LEN;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->error_extra.data = p;

        if (range.len) {
            p = ngx_cpymem(p, "<RangeRequested>",
                           sizeof("<RangeRequested>") - 1);
            p = ngx_sos_xml_escape(p, range.data, range.len);
            p = ngx_cpymem(p, "</RangeRequested>",
                           sizeof("</RangeRequested>") - 1);
        }

        p = ngx_sprintf(p, "<ActualObjectSize>%uL</ActualObjectSize>",
                        g->info.size);
        ctx->error_extra.len = p - ctx->error_extra.data;

        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_RANGE);
    }

    if (!g->head && g->len) {
        if (ngx_sos_read_name(r, &g->read, &g->bucket, &g->key) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (g->read.win_rc != SOS_OK) {
            ngx_sos_read_log_corrupt(r, &g->read, "answered 500");

            ngx_str_set(&ctx->error_message, NGX_SOS_UNREADABLE);
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INTERNAL_ERROR);
        }
    }

    if (ngx_sos_get_headers(r, g) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return ngx_sos_sent(r, rc);
    }

    if (g->len == 0) {
        return ngx_sos_sent(r, ngx_http_send_special(r, NGX_HTTP_LAST));
    }

    return ngx_sos_read_send(r, &g->read);
}


/*
 * S3 (RFC 7232) order: If-Match, else If-Unmodified-Since → 412;
 * If-None-Match, else If-Modified-Since → 304.  NGX_DECLINED: go on.
 */

static ngx_int_t
ngx_sos_get_conditions(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_get_t *g)
{
    ngx_sos_cond_t     c;
    ngx_table_elt_t   *h;

    ngx_str_null(&c.if_match);
    ngx_str_null(&c.if_none_match);
    c.if_unmodified_since = -1;
    c.if_modified_since = -1;

    if (r->headers_in.if_match) {
        c.if_match = r->headers_in.if_match->value;
    }

    if (r->headers_in.if_none_match) {
        c.if_none_match = r->headers_in.if_none_match->value;
    }

    h = r->headers_in.if_unmodified_since;
    if (h) {
        c.if_unmodified_since = ngx_parse_http_time(h->value.data,
                                                    h->value.len);
    }

    h = r->headers_in.if_modified_since;
    if (h) {
        c.if_modified_since = ngx_parse_http_time(h->value.data,
                                                  h->value.len);
    }

    switch (ngx_sos_cond_eval(&c, g->info.etag, g->info.mtime)) {

    case NGX_SOS_COND_PASS:
        return NGX_DECLINED;

    case NGX_SOS_COND_IF_MATCH:
        ngx_str_set(&ctx->error_extra, "<Condition>If-Match</Condition>");
        return ngx_sos_error_send_ctx(r, ctx,
                                      NGX_SOS_ERR_PRECONDITION_FAILED);

    case NGX_SOS_COND_IF_UNMODIFIED_SINCE:
        ngx_str_set(&ctx->error_extra,
                    "<Condition>If-Unmodified-Since</Condition>");
        return ngx_sos_error_send_ctx(r, ctx,
                                      NGX_SOS_ERR_PRECONDITION_FAILED);

    default: /* NGX_SOS_COND_NOT_MODIFIED */
        break;
    }

    /* 304 carries the validators, and what a cache keeps it for */

    r->headers_out.last_modified_time = g->info.mtime;

    if (ngx_sos_object_etag_header(r, g->info.etag) != NGX_OK
        || ngx_sos_cdn_get_headers(r, &g->info,
                                   &g->override[NGX_SOS_CACHE_CONTROL])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_error_send(r, NGX_SOS_ERR_NOT_MODIFIED);
}


static ngx_int_t
ngx_sos_get_headers(ngx_http_request_t *r, ngx_sos_get_t *g)
{
    u_char             *p;
    ngx_str_t           v;
    sos_str_t           stored[NGX_SOS_OVERRIDES];
    ngx_uint_t          i;
    ngx_sos_ctx_t      *ctx;
    ngx_table_elt_t    *h;
    sos_attrs_t        *a;

    a = &g->info.attrs;

    r->headers_out.status = g->status ? g->status
                            : (g->range != NGX_SOS_RANGE_NONE)
                              ? NGX_HTTP_PARTIAL_CONTENT : NGX_HTTP_OK;
    r->headers_out.content_length_n = g->len;
    r->headers_out.last_modified_time = g->info.mtime;

    /* ranges and conditionals are S3's, answered above, not nginx's */

    r->allow_ranges = 0;
    r->disable_not_modified = 1;

    if (ngx_sos_common_headers(r) != NGX_OK
        || ngx_sos_object_etag_header(r, g->info.etag) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&v, "bytes");

    if (ngx_sos_header_add(r, "Accept-Ranges", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    if (g->range != NGX_SOS_RANGE_NONE) {
        p = ngx_pnalloc(r->pool, sizeof("bytes -/") + 3 * NGX_OFF_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v.data = p;
        v.len = ngx_sprintf(p, "bytes %O-%O/%uL", g->start,
                            g->start + g->len - 1, g->info.size)
                - p;

        if (ngx_sos_header_add(r, "Content-Range", &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    if (ngx_sos_versioning_header(r, ctx, g->info.version_id) != NGX_OK
        || ngx_sos_lifecycle_header(r, ctx, &g->info) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (g->part_number && g->info.parts) {
        p = ngx_pnalloc(r->pool, NGX_INT32_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v.data = p;
        v.len = ngx_sprintf(p, "%uD", g->info.parts) - p;

        if (ngx_sos_header_add(r, "x-amz-mp-parts-count", &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /* Cache-Control: public or private (ngx_sos_cdn.c) */

    if (ngx_sos_cdn_get_headers(r, &g->info,
                                &g->override[NGX_SOS_CACHE_CONTROL])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* stored metadata, each replaced by its response-* argument */

    stored[0] = a->content_type;
    stored[1] = a->content_language;
    stored[2] = a->expires;
    stored[3] = a->cache_control;
    stored[4] = a->content_disposition;
    stored[5] = a->content_encoding;

    for (i = 0; i < NGX_SOS_OVERRIDES; i++) {
        if (i == NGX_SOS_CACHE_CONTROL) {
            continue;
        }

        if (g->override[i].data) {
            v = g->override[i];

        } else {
            v.data = (u_char *) stored[i].data;
            v.len = stored[i].len;
        }

        if (ngx_sos_get_header(r, g, ngx_sos_get_override[i].header, &v)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* a page on the console's origin runs sandboxed (its own host: not) */

    if (ctx->website == NULL && ngx_sos_console_sandbox(r) != NGX_OK) {
        return NGX_ERROR;
    }

    for (i = 0; i < a->n_user_meta; i++) {
        p = ngx_pnalloc(r->pool, sizeof("x-amz-meta-")
                                 + a->user_meta[i].name.len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, "x-amz-meta-", sizeof("x-amz-meta-") - 1);
        ngx_memcpy(p + sizeof("x-amz-meta-") - 1, a->user_meta[i].name.data,
                   a->user_meta[i].name.len);
        p[sizeof("x-amz-meta-") - 1 + a->user_meta[i].name.len] = '\0';

        v.data = (u_char *) a->user_meta[i].value.data;
        v.len = a->user_meta[i].value.len;

        if (ngx_sos_get_header(r, g, (char *) p, &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    v.data = (u_char *) a->website_redirect.data;
    v.len = a->website_redirect.len;

    if (ngx_sos_get_header(r, g, "x-amz-website-redirect-location", &v)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_sos_tagging_count(r, &a->tags) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_sos_retention_out(r, &g->info.retention) != NGX_OK) {
        return NGX_ERROR;
    }

    /*
     * as S3: the checksum only when asked for, and only with the whole
     * object (it is the whole object's: a client would check a range
     * against it)
     */

    h = ngx_sos_header_find(r, "x-amz-checksum-mode");

    if (h && g->range == NGX_SOS_RANGE_NONE
        && h->value.len == sizeof("ENABLED") - 1
        && ngx_strncasecmp(h->value.data, (u_char *) "ENABLED",
                           sizeof("ENABLED") - 1) == 0)
    {
        ngx_str_t  alg, value;

        alg.data = (u_char *) a->checksum_algorithm.data;
        alg.len = a->checksum_algorithm.len;
        value.data = (u_char *) a->checksum_value.data;
        value.len = a->checksum_value.len;

        if (ngx_sos_object_checksum_header(r, &alg, &value) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The response-* arguments, %XX decoded.  As S3: only a signed request may
 * set response headers, and a value is one header line.  The query is
 * walked once (a presigned URL carries seven other arguments); the first
 * of a repeated argument counts, as for ngx_sos_arg().
 */

static ngx_sos_err_e
ngx_sos_get_overrides(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_get_t *g)
{
    u_char      *p, *end;
    ngx_str_t    arg, v, raw[NGX_SOS_OVERRIDES];
    ngx_uint_t   i;

    ngx_memzero(raw, sizeof(raw));

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &arg, &v);

        if (v.data == NULL
            || arg.len <= sizeof("response-") - 1
            || ngx_strncmp(arg.data, "response-", sizeof("response-") - 1)
               != 0)
        {
            continue;
        }

        for (i = 0; i < NGX_SOS_OVERRIDES; i++) {
            if (raw[i].data == NULL
                && arg.len == ngx_sos_get_override[i].arg.len
                && ngx_strncmp(arg.data, ngx_sos_get_override[i].arg.data,
                               arg.len) == 0)
            {
                raw[i] = v;
                break;
            }
        }
    }

    for (i = 0; i < NGX_SOS_OVERRIDES; i++) {
        if (raw[i].data == NULL) {
            continue;
        }

        if (ctx->auth.anonymous) {
            ngx_str_set(&ctx->error_message, "Request specific response "
                        "headers cannot be used for anonymous GET "
                        "requests.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        if (ngx_sos_uri_decode(r, raw[i].data, raw[i].len, &g->override[i])
            != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        if (ngx_sos_check_value(g->override[i].data, g->override[i].len)
            != NGX_OK)
        {
            return ngx_sos_check_error(r, ctx,
                                   (char *) ngx_sos_get_override[i].arg.data);
        }
    }

    return NGX_SOS_OK;
}


/*
 * Add a response header (Content-Type: the content type), unless value
 * is empty.  A stored value with a control character was written before
 * values were checked on the way in: it is not sent.
 */

static ngx_int_t
ngx_sos_get_header(ngx_http_request_t *r, ngx_sos_get_t *g, char *header,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    if (value->len == 0) {
        return NGX_OK;
    }

    if (ngx_sos_check_value(value->data, value->len) != NGX_OK
        || ngx_sos_check_value((u_char *) header, ngx_strlen(header))
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "sos: stored header \"%s\" of \"%V\" in bucket "
                      "\"%V\" has a control character, not sent",
                      header, &g->key, &g->bucket);
        return NGX_OK;
    }

    if (ngx_strcmp(header, "Content-Type") == 0) {
        r->headers_out.content_type = *value;
        r->headers_out.content_type_len = value->len;
        r->headers_out.content_type_lowcase = NULL;
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) header;
    h->key.len = ngx_strlen(header);
    h->value = *value;

    if (ngx_strcmp(header, "Content-Encoding") == 0) {
        r->headers_out.content_encoding = h;
    }

    return NGX_OK;
}

