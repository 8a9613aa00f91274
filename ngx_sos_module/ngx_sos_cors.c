
/*
 * SOS: CORS on the request path.
 *
 * A request with an Origin header gets ctx->cors once routed (one pass
 * over its headers; a request without one is not touched again).  Its
 * bucket's rules come with the bucket: the authorization step reads it
 * for nearly every operation, and ngx_sos_common_headers() then adds the
 * Access-Control-* headers of the first rule that allows the origin and
 * the method (or Access-Control-Request-Method and -Headers, when sent),
 * on success and error alike.  An error answered before the bucket was
 * read (a bad signature, an expired presigned URL, a 501 header, a 405,
 * a document refused) first posts one small job that reads it, then
 * sends the same error with the headers; a request without Origin never
 * waits for that.
 *
 * The preflight (OPTIONS on a bucket or a key, whatever the query) is
 * answered from the rules alone, before and without any check of
 * credentials: a browser never signs it.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_cors.h"


#define NGX_SOS_CORS_VARY                                                     \
    "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

#define NGX_SOS_CORS_NOT_ALLOWED                                              \
    "CORSResponse: This CORS request is not allowed. This is usually "        \
    "because the evalution of Origin, request method / "                      \
    "Access-Control-Request-Method or Access-Control-Request-Headers are "    \
    "not whitelisted by the resource's CORS spec."


struct ngx_sos_cors_s {
    ngx_str_t                origin;
    ngx_str_t                method;     /* Access-Control-Request-Method
                                            or the request's */
    ngx_str_t                headers;    /* Access-Control-Request-Headers,
                                            data NULL: none */
    ngx_uint_t               request_method; /* the first was sent */
    ngx_uint_t               refused;    /* a control character in
                                            either: never allowed */
    ngx_uint_t               looked_up;  /* the bucket was read here */
    sos_bucket_info_t       *bucket;     /* ... and found */

    /* the error that waits for the bucket */
    ngx_sos_err_e            err;
    ngx_str_t                message;
    ngx_str_t                extra;
};


typedef struct {
    u_char                  *start;      /* the matching rule's fields */
    u_char                  *end;
} ngx_sos_cors_rule_t;


static ngx_sos_cors_t *ngx_sos_cors_request(ngx_http_request_t *r);
static ngx_int_t ngx_sos_cors_lookup(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_cors_t *cors,
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job));
static void ngx_sos_cors_lookup_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_cors_error_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_cors_preflight_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_cors_forbidden(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_cors_t *cors, char *message, char *type);
static ngx_int_t ngx_sos_cors_rules(ngx_sos_ctx_t *ctx,
    const sos_str_t **conf);
static ngx_uint_t ngx_sos_cors_match(const sos_str_t *conf,
    ngx_sos_cors_t *cors, ngx_sos_cors_rule_t *rule);
static ngx_uint_t ngx_sos_cors_rule_allows(ngx_sos_cors_rule_t *rule,
    ngx_sos_cors_t *cors);
static ngx_uint_t ngx_sos_cors_wildcard(ngx_str_t *pattern, u_char *p,
    size_t len);
static ngx_int_t ngx_sos_cors_add(ngx_http_request_t *r,
    ngx_sos_cors_rule_t *rule, ngx_sos_cors_t *cors);
static ngx_int_t ngx_sos_cors_join(ngx_http_request_t *r, char *name,
    ngx_sos_cors_rule_t *rule, u_char tag);
static ngx_int_t ngx_sos_cors_allow_headers(ngx_http_request_t *r,
    ngx_sos_cors_t *cors);
static void ngx_sos_cors_cleanup(void *data);


ngx_int_t
ngx_sos_cors_init(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_cors_t  *cors;

    if (ctx->bucket.len == 0) {
        return NGX_OK;
    }

    cors = ngx_sos_cors_request(r);
    if (cors == NULL) {
        return NGX_OK;
    }

    if (cors == (ngx_sos_cors_t *) NGX_ERROR) {
        return NGX_ERROR;
    }

    ctx->cors = cors;

    return NGX_OK;
}


/* Origin and the Access-Control-Request-* headers; NULL: no Origin */

static ngx_sos_cors_t *
ngx_sos_cors_request(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *origin, *method, *headers;
    ngx_sos_cors_t   *cors;

    origin = NULL;
    method = NULL;
    headers = NULL;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        switch (h[i].key.len) {

        case sizeof("origin") - 1:
            if (origin == NULL
                && ngx_strncmp(h[i].lowcase_key, "origin", 6) == 0)
            {
                origin = &h[i];
            }
            break;

        case sizeof("access-control-request-method") - 1:
            if (method == NULL
                && ngx_strncmp(h[i].lowcase_key,
                               "access-control-request-method",
                               sizeof("access-control-request-method") - 1)
                   == 0)
            {
                method = &h[i];
            }
            break;

        case sizeof("access-control-request-headers") - 1:
            if (headers == NULL
                && ngx_strncmp(h[i].lowcase_key,
                               "access-control-request-headers",
                               sizeof("access-control-request-headers") - 1)
                   == 0)
            {
                headers = &h[i];
            }
            break;
        }
    }

    if (origin == NULL) {
        return NULL;
    }

    cors = ngx_pcalloc(r->pool, sizeof(ngx_sos_cors_t));
    if (cors == NULL) {
        return (ngx_sos_cors_t *) NGX_ERROR;
    }

    cors->origin = origin->value;

    /* echoed in headers: nginx refuses CR, LF and NUL, not the others */
    cors->refused = (ngx_sos_check_value(origin->value.data,
                                         origin->value.len)
                     != NGX_OK);

    if (method) {
        cors->method = method->value;
        cors->request_method = 1;

    } else {
        cors->method = r->method_name;
    }

    if (headers) {
        cors->headers = headers->value;
        cors->refused |= (ngx_sos_check_value(headers->value.data,
                                              headers->value.len)
                          != NGX_OK);
    }

    return cors;
}


/* the actual-response headers, for the website endpoint */

ngx_int_t
ngx_sos_cors_apply(ngx_http_request_t *r, const sos_str_t *conf)
{
    ngx_sos_cors_t       *cors;
    ngx_sos_cors_rule_t   rule;

    if (conf->len == 0) {
        return NGX_OK;
    }

    cors = ngx_sos_cors_request(r);

    if (cors == NULL) {
        return NGX_OK;
    }

    if (cors == (ngx_sos_cors_t *) NGX_ERROR) {
        return NGX_ERROR;
    }

    if (!ngx_sos_cors_match(conf, cors, &rule)) {
        return NGX_OK;
    }

    return ngx_sos_cors_add(r, &rule, cors);
}


/* from ngx_sos_common_headers(): every S3 response */

ngx_int_t
ngx_sos_cors_headers(ngx_http_request_t *r)
{
    ngx_sos_ctx_t        *ctx;
    const sos_str_t      *conf;
    ngx_sos_cors_rule_t   rule;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    if (ctx == NULL || ctx->cors == NULL
        || ngx_sos_cors_rules(ctx, &conf) != NGX_OK
        || !ngx_sos_cors_match(conf, ctx->cors, &rule))
    {
        return NGX_OK;
    }

    return ngx_sos_cors_add(r, &rule, ctx->cors);
}


/*
 * The bucket's rules when some step read the bucket: NGX_OK and conf
 * (len 0: none, or no such bucket), NGX_AGAIN when nothing read it
 */

static ngx_int_t
ngx_sos_cors_rules(ngx_sos_ctx_t *ctx, const sos_str_t **conf)
{
    static sos_str_t  none;

    if (ctx->authz.bucket) {
        *conf = &ctx->authz.bucket->conf[SOS_BUCKET_CORS];
        return NGX_OK;
    }

    if (ctx->cors->bucket) {
        *conf = &ctx->cors->bucket->conf[SOS_BUCKET_CORS];
        return NGX_OK;
    }

    /* the step failed on the bucket itself: there is none to read */

    if (ctx->cors->looked_up || ctx->authz.state == NGX_SOS_AUTHZ_FAILED) {
        *conf = &none;
        return NGX_OK;
    }

    return NGX_AGAIN;
}


ngx_int_t
ngx_sos_cors_error(ngx_http_request_t *r, ngx_sos_err_e err,
    ngx_str_t *message, ngx_str_t *extra)
{
    ngx_sos_ctx_t    *ctx;
    ngx_sos_cors_t   *cors;
    const sos_str_t  *conf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    if (ctx == NULL || ctx->cors == NULL
        || ngx_sos_cors_rules(ctx, &conf) == NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (r->request_body && r->reading_body) {
        /* in the middle of a body: answered at once, as before */
        return NGX_DECLINED;
    }

    cors = ctx->cors;
    cors->err = err;

    if (message) {
        cors->message = *message;
    }

    if (extra) {
        cors->extra = *extra;
    }

    return ngx_sos_cors_lookup(r, ctx, cors, ngx_sos_cors_error_done);
}


/* a job that reads the bucket, without the authorization step */

static ngx_int_t
ngx_sos_cors_lookup(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_cors_t *cors, ngx_int_t (*done)(ngx_http_request_t *r,
    ngx_sos_job_t *job))
{
    ngx_sos_job_t       *job;
    ngx_pool_cleanup_t  *cln;

    /* once: if the job cannot run, the answer goes without the rules */

    cors->looked_up = 1;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_DECLINED;
    }

    cln->handler = ngx_sos_cors_cleanup;
    cln->data = cors;

    job = ngx_sos_job_create(r, ctx, 0);
    if (job == NULL) {
        return NGX_DECLINED;
    }

    job->no_authz = 1;
    job->run = ngx_sos_cors_lookup_run;
    job->done = done;
    job->data = cors;

    if (ngx_sos_job_post(job) != NGX_OK) {
        return NGX_DECLINED;
    }

    r->main->count++;

    return NGX_DONE;
}


static void
ngx_sos_cors_lookup_run(ngx_sos_job_t *job)
{
    ngx_sos_cors_t *cors = job->data;

    job->rc = sos_bucket_get(job->store, (char *) job->ctx->bucket.data,
                             job->ctx->bucket.len, &cors->bucket,
                             &job->err);
}


static ngx_int_t
ngx_sos_cors_error_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_cors_t *cors = job->data;

    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    ctx->error_message = cors->message;
    ctx->error_extra = cors->extra;

    return ngx_sos_error_send_ctx(r, ctx, cors->err);
}


/* OPTIONS: the preflight */

ngx_int_t
ngx_sos_cors_preflight(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t        rc;
    ngx_sos_cors_t  *cors;

    /* its own headers, and none on its errors */

    cors = ctx->cors;
    ctx->cors = NULL;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (cors == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_BAD_REQUEST);
    }

    rc = ngx_sos_cors_lookup(r, ctx, cors, ngx_sos_cors_preflight_done);

    if (rc == NGX_DECLINED) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    return rc;
}


static ngx_int_t
ngx_sos_cors_preflight_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_cors_t *cors = job->data;

    u_char               *p;
    size_t                len;
    ngx_str_t            *m;
    ngx_sos_ctx_t        *ctx;
    sos_str_t            *conf;
    ngx_sos_cors_rule_t   rule;

    static ngx_str_t  null = ngx_string("null");

    ctx = job->ctx;

    if (job->rc == SOS_ENOBUCKET) {
        return ngx_sos_cors_forbidden(r, ctx, cors,
                                      "CORSResponse: Bucket not found",
                                      "BUCKET");
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    conf = &cors->bucket->conf[SOS_BUCKET_CORS];

    if (conf->len == 0) {
        return ngx_sos_cors_forbidden(r, ctx, cors, "CORSResponse: CORS is "
                                      "not enabled for this bucket.",
                                      "BUCKET");
    }

    if (!cors->request_method || !ngx_sos_cors_method(&cors->method)) {
        m = cors->request_method ? &cors->method : &null;
        len = sizeof("Invalid Access-Control-Request-Method: ") - 1 + m->len;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->error_message.data = p;
        ctx->error_message.len = ngx_sprintf(p, "Invalid Access-Control-"
                                             "Request-Method: %V", m)
                                 - p;

        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_BAD_REQUEST);
    }

    if (!ngx_sos_cors_match(conf, cors, &rule)) {
        return ngx_sos_cors_forbidden(r, ctx, cors, NGX_SOS_CORS_NOT_ALLOWED,
                                      ctx->key.len ? "OBJECT" : "BUCKET");
    }

    if (ngx_sos_cors_add(r, &rule, cors) != NGX_OK
        || ngx_sos_cors_allow_headers(r, cors) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);
}


/* 403 AccessForbidden, with S3's Method and ResourceType */

static ngx_int_t
ngx_sos_cors_forbidden(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_cors_t *cors, char *message, char *type)
{
    ngx_str_t  *method;

    static ngx_str_t  options = ngx_string("OPTIONS");

    method = cors->request_method ? &cors->method : &options;

    ctx->error_message.data = (u_char *) message;
    ctx->error_message.len = ngx_strlen(message);

    if (ngx_sos_error_element(r, ctx, "Method", method->data, method->len)
        != NGX_OK
        || ngx_sos_error_element(r, ctx, "ResourceType", (u_char *) type,
                                 ngx_strlen(type))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_ACCESS_FORBIDDEN);
}


/* the first rule allowing the request, in rule */

static ngx_uint_t
ngx_sos_cors_match(const sos_str_t *conf, ngx_sos_cors_t *cors,
    ngx_sos_cors_rule_t *rule)
{
    u_char               tag, *field;
    ngx_str_t            v;
    ngx_sos_cors_walk_t  w;

    if (cors->refused) {
        return 0;
    }

    ngx_sos_cors_walk(&w, conf);
    rule->start = NULL;

    for ( ;; ) {
        field = w.pos;
        tag = ngx_sos_cors_next(&w, &v);

        if (tag != NGX_SOS_CORS_RULE && tag != 0) {
            continue;
        }

        /* a rule ends where the next starts */

        if (rule->start) {
            rule->end = field;

            if (ngx_sos_cors_rule_allows(rule, cors)) {
                return 1;
            }
        }

        if (tag == 0) {
            return 0;
        }

        rule->start = w.pos;
    }
}


static ngx_uint_t
ngx_sos_cors_rule_allows(ngx_sos_cors_rule_t *rule, ngx_sos_cors_t *cors)
{
    u_char               *p, *f, *end;
    ngx_str_t             v, item;
    ngx_uint_t            origin, method, found;
    ngx_sos_cors_walk_t   w;

    origin = 0;
    method = 0;

    w.pos = rule->start;
    w.end = rule->end;

    while ((f = w.pos, ngx_sos_cors_next(&w, &v))) {

        switch (*f) {

        case NGX_SOS_CORS_METHOD:
            method |= (v.len == cors->method.len
                       && ngx_strncmp(v.data, cors->method.data, v.len) == 0);
            break;

        case NGX_SOS_CORS_ORIGIN:
            origin |= ngx_sos_cors_wildcard(&v, cors->origin.data,
                                            cors->origin.len);
            break;
        }
    }

    if (!origin || !method) {
        return 0;
    }

    /* every header the request will send: some AllowedHeader */

    if (cors->headers.data == NULL) {
        return 1;
    }

    p = cors->headers.data;
    end = p + cors->headers.len;

    while (p < end) {
        p = ngx_sos_header_item(p, end, &item);

        if (item.len == 0) {
            continue;
        }

        found = 0;
        w.pos = rule->start;

        while (!found && (f = w.pos, ngx_sos_cors_next(&w, &v))) {
            found = (*f == NGX_SOS_CORS_HEADER
                     && ngx_sos_cors_wildcard(&v, item.data, item.len));
        }

        if (!found) {
            return 0;
        }
    }

    return 1;
}


/* pattern, with at most one '*' matching any run (even an empty one) */

static ngx_uint_t
ngx_sos_cors_wildcard(ngx_str_t *pattern, u_char *p, size_t len)
{
    u_char  *star;
    size_t   head, tail;

    star = ngx_strlchr(pattern->data, pattern->data + pattern->len, '*');

    if (star == NULL) {
        return pattern->len == len
               && ngx_strncasecmp(pattern->data, p, len) == 0;
    }

    head = star - pattern->data;
    tail = pattern->len - head - 1;

    return len >= head + tail
           && ngx_strncasecmp(pattern->data, p, head) == 0
           && ngx_strncasecmp(star + 1, p + len - tail, tail) == 0;
}


/* the headers of an allowed request (and of a preflight's answer) */

static ngx_int_t
ngx_sos_cors_add(ngx_http_request_t *r, ngx_sos_cors_rule_t *rule,
    ngx_sos_cors_t *cors)
{
    u_char              *f;
    ngx_str_t            v, origin;
    ngx_uint_t           any;
    ngx_sos_cors_walk_t  w;

    static ngx_str_t  star = ngx_string("*");
    static ngx_str_t  yes = ngx_string("true");
    static ngx_str_t  vary = ngx_string(NGX_SOS_CORS_VARY);

    /* a rule for any origin answers "*", without credentials, as S3 */

    any = 0;
    w.pos = rule->start;
    w.end = rule->end;

    while ((f = w.pos, ngx_sos_cors_next(&w, &v))) {
        any |= (*f == NGX_SOS_CORS_ORIGIN && v.len == 1 && v.data[0] == '*');
    }

    origin = any ? star : cors->origin;

    if (ngx_sos_header_add(r, "Access-Control-Allow-Origin", &origin)
        != NGX_OK
        || ngx_sos_cors_join(r, "Access-Control-Allow-Methods", rule,
                             NGX_SOS_CORS_METHOD) != NGX_OK
        || ngx_sos_cors_join(r, "Access-Control-Expose-Headers", rule,
                             NGX_SOS_CORS_EXPOSE) != NGX_OK
        || ngx_sos_cors_join(r, "Access-Control-Max-Age", rule,
                             NGX_SOS_CORS_MAX_AGE) != NGX_OK
        || (!any
            && ngx_sos_header_add(r, "Access-Control-Allow-Credentials",
                                  &yes) != NGX_OK)
        || ngx_sos_header_add(r, "Vary", &vary) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the rule's values of one field, joined by ", "; none: no header */

static ngx_int_t
ngx_sos_cors_join(ngx_http_request_t *r, char *name,
    ngx_sos_cors_rule_t *rule, u_char tag)
{
    u_char               *p, *f;
    size_t                len;
    ngx_str_t             v, value;
    ngx_sos_cors_walk_t   w;

    len = 0;
    w.pos = rule->start;
    w.end = rule->end;

    while ((f = w.pos, ngx_sos_cors_next(&w, &v))) {
        if (*f == tag) {
            len += v.len + 2;
        }
    }

    if (len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;
    w.pos = rule->start;

    while ((f = w.pos, ngx_sos_cors_next(&w, &v))) {
        if (*f != tag) {
            continue;
        }

        if (p != value.data) {
            *p++ = ',';
            *p++ = ' ';
        }

        p = ngx_cpymem(p, v.data, v.len);
    }

    value.len = p - value.data;

    return ngx_sos_header_add(r, name, &value);
}


/* a preflight's Access-Control-Request-Headers, lower case, as S3 */

static ngx_int_t
ngx_sos_cors_allow_headers(ngx_http_request_t *r, ngx_sos_cors_t *cors)
{
    u_char     *p, *end, *d;
    ngx_str_t   item, value;

    if (cors->headers.data == NULL) {
        return NGX_OK;
    }

    d = ngx_pnalloc(r->pool, 2 * cors->headers.len);
    if (d == NULL) {
        return NGX_ERROR;
    }

    value.data = d;
    p = cors->headers.data;
    end = p + cors->headers.len;

    while (p < end) {
        p = ngx_sos_header_item(p, end, &item);

        if (item.len == 0) {
            continue;
        }

        if (d != value.data) {
            *d++ = ',';
            *d++ = ' ';
        }

        ngx_strlow(d, item.data, item.len);
        d += item.len;
    }

    value.len = d - value.data;

    if (value.len == 0) {
        return NGX_OK;
    }

    return ngx_sos_header_add(r, "Access-Control-Allow-Headers", &value);
}


static void
ngx_sos_cors_cleanup(void *data)
{
    ngx_sos_cors_t  *cors = data;

    sos_bucket_info_free(cors->bucket);
}
