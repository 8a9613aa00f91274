
/*
 * SOS: the website endpoint ("sos_website on;").
 *
 * A location that serves a bucket as a static website, as S3's website
 * endpoint does: the bucket is named by the Host ("<bucket>.<website
 * domain>", or the whole host for a custom domain), every request is
 * anonymous (credentials are ignored, not checked), only GET and HEAD
 * are served, and only objects whose ACL lets everyone read them.
 *
 * One job does the whole lookup in the pool thread: the bucket and its
 * configuration (decoded there with no allocation), the routing rules
 * that a key prefix selects, the object (the index document for "/" and
 * "dir/"), "dir" -> "dir/" when "dir/<index>" exists, the rules selected
 * by the error, and the error document.  Back in the loop the answer is a
 * redirect, the object (its headers, Range and conditions as GetObject
 * answers them: ngx_sos_get.c), or an HTML error page.
 *
 * As S3: a key that is not there is 404 only when everyone may list the
 * bucket, 403 otherwise, so that a private object's existence is not told
 * to anonymous readers.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_get.h"
#include "ngx_sos_website.h"


static ngx_int_t ngx_sos_website_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
static void ngx_sos_website_cleanup(void *data);
static void ngx_sos_website_run(ngx_sos_job_t *job);
static ngx_sos_err_e ngx_sos_website_open(ngx_sos_job_t *job,
    ngx_sos_website_t *w, u_char *key, size_t len);
static void ngx_sos_website_failed(ngx_sos_job_t *job, ngx_sos_website_t *w);
static ngx_uint_t ngx_sos_website_rule_matches(ngx_sos_website_rule_t *rule,
    ngx_str_t *key);
static ngx_uint_t ngx_sos_website_status(ngx_sos_err_e err);
static ngx_int_t ngx_sos_website_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_website_redirect(ngx_http_request_t *r,
    ngx_sos_website_t *w);
static void ngx_sos_website_host(ngx_http_request_t *r, ngx_str_t *host);
static u_char *ngx_sos_website_escape(u_char *dst, u_char *src, size_t len);


ngx_uint_t
ngx_sos_website_enabled(ngx_http_request_t *r)
{
    ngx_sos_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sos_module);

    return slcf->website == 1;
}


ngx_int_t
ngx_sos_website_handler(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_sos_ctx_t  *ctx;

    ctx = ngx_sos_handler_start(r, &rc);
    if (ctx == NULL) {
        return rc;
    }

    /* whatever credentials come with it, a website request is anonymous */

    ctx->auth.anonymous = 1;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_METHOD_NOT_ALLOWED);
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_sos_website_start(r, ctx);
}


/* the bucket from the Host, the key from the path; then the job */

static ngx_int_t
ngx_sos_website_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char               *p, *end, *q;
    size_t                len;
    ngx_str_t             host, *domain;
    ngx_sos_job_t        *job;
    ngx_sos_website_t    *w;
    ngx_pool_cleanup_t   *cln;
    ngx_sos_loc_conf_t   *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_sos_module);

    /* nginx's server name: lower case, without port or final dot */

    host = r->headers_in.server;
    domain = &slcf->website_domain;

    ctx->bucket = host;

    if (domain->len && host.len > domain->len + 1) {
        len = host.len - domain->len;

        if (host.data[len - 1] == '.'
            && ngx_strncmp(host.data + len, domain->data, domain->len) == 0)
        {
            ctx->bucket.len = len - 1;
        }
    }

    if (ngx_sos_bucket_name_check(r, ctx) != NGX_SOS_OK) {
        ngx_str_null(&ctx->error_message);
        return ngx_sos_error_send_bucket(r, ctx, NGX_SOS_ERR_NO_SUCH_BUCKET);
    }

    /* the key as the client encoded it, %XX decoded, as the S3 API does */

    p = r->unparsed_uri.data;
    end = p + r->unparsed_uri.len;

    q = ngx_strlchr(p, end, '?');
    if (q) {
        end = q;
    }

    if (p < end && *p == '/') {
        p++;
    }

    if (ngx_sos_uri_decode(r, p, end - p, &ctx->key) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->key.len > SOS_MAX_KEY_LEN) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_KEY_TOO_LONG);
    }

    if (ngx_sos_check_key(ctx->key.data, ctx->key.len) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_URI);
    }

    /* registered first: whatever the job opens is closed with the pool */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_website_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    w = job->data;

    cln->handler = ngx_sos_website_cleanup;
    cln->data = w;

    ctx->website = w;
    ctx->op_data = &w->get.read;

    w->bucket = ctx->bucket;
    w->key = ctx->key;
    w->get.bucket = ctx->bucket;
    w->get.key = ctx->key;
    w->get.head = (r->method == NGX_HTTP_HEAD);

    ngx_sos_read_init(&w->get.read, job);
    ngx_sos_get_parse_range(r, &w->get);

    job->run = ngx_sos_website_run;
    job->done = ngx_sos_website_done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_website_cleanup(void *data)
{
    ngx_sos_website_t *w = data;

    ngx_sos_read_cleanup(&w->get.read);
    sos_reader_close(w->get.reader);
    sos_object_info_release(&w->get.info);
    sos_bucket_info_free(w->info);
}


/* ------------------------------------------------------------------ */
/* the pool thread                                                    */


static void
ngx_sos_website_run(ngx_sos_job_t *job)
{
    ngx_sos_website_t *w = job->data;

    u_char                  *p;
    sos_str_t               *blob, *to;
    ngx_uint_t               i;
    ngx_sos_err_e            err;
    ngx_sos_website_conf_t  *wc;

    wc = &w->wc;

    job->rc = sos_bucket_get(job->store, (char *) w->bucket.data,
                             w->bucket.len, &w->info, &job->err);
    if (job->rc != SOS_OK) {
        w->err = ngx_sos_error_from_store(job->rc);
        return;
    }

    blob = &w->info->conf[SOS_BUCKET_WEBSITE];

    if (blob->len == 0) {
        w->err = NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION;
        return;
    }

    if (ngx_sos_website_conf_decode((u_char *) blob->data, blob->len, wc)
        != NGX_OK)
    {
        w->corrupt = 1;
        w->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return;
    }

    if (wc->all_host.data) {
        w->action = NGX_SOS_WEBSITE_REDIRECT_ALL;
        return;
    }

    /* rules a key prefix selects apply before the lookup */

    for (i = 0; i < wc->n_rules; i++) {
        if (wc->rules[i].error_code == 0
            && ngx_sos_website_rule_matches(&wc->rules[i], &w->key))
        {
            w->rule = &wc->rules[i];
            w->action = NGX_SOS_WEBSITE_REDIRECT_RULE;
            return;
        }
    }

    /* "/" and "dir/": the index document; a key longer than any is none */

    p = ngx_cpymem(w->lookup, w->key.data, w->key.len);

    if (w->key.len == 0 || w->key.data[w->key.len - 1] == '/') {

        if (w->key.len + wc->suffix.len > SOS_MAX_KEY_LEN) {
            w->err = NGX_SOS_ERR_NO_SUCH_KEY;
            ngx_sos_website_failed(job, w);
            return;
        }

        p = ngx_cpymem(p, wc->suffix.data, wc->suffix.len);
    }

    w->lookup_len = p - w->lookup;

    err = ngx_sos_website_open(job, w, w->lookup, w->lookup_len);

    if (err == NGX_SOS_OK) {
        to = &w->get.info.attrs.website_redirect;

        if (to->len
            && ngx_sos_check_value((u_char *) to->data, to->len) == NGX_OK)
        {
            w->action = NGX_SOS_WEBSITE_REDIRECT_OBJECT;
            return;
        }

        w->action = NGX_SOS_WEBSITE_SERVE;
        ngx_sos_get_prepare(job, &w->get);
        return;
    }

    /* "dir": "dir/" when everyone may read "dir/<index>" */

    if (err == NGX_SOS_ERR_NO_SUCH_KEY && w->key.len
        && w->lookup_len == w->key.len
        && w->key.len + 1 + wc->suffix.len <= SOS_MAX_KEY_LEN)
    {
        p = w->lookup + w->lookup_len;
        *p++ = '/';
        p = ngx_cpymem(p, wc->suffix.data, wc->suffix.len);

        if (ngx_sos_website_open(job, w, w->lookup, p - w->lookup)
            == NGX_SOS_OK)
        {
            w->action = NGX_SOS_WEBSITE_REDIRECT_DIR;
            return;
        }
    }

    w->err = err;

    ngx_sos_website_failed(job, w);
}


/*
 * Open key into w->get (closing what it held): NGX_SOS_OK when everyone
 * may read it; a missing key is NoSuchKey (the caller decides on 404 or
 * 403), any other failure its error.
 */

static ngx_sos_err_e
ngx_sos_website_open(ngx_sos_job_t *job, ngx_sos_website_t *w, u_char *key,
    size_t len)
{
    sos_attrs_t  *a;

    sos_reader_close(w->get.reader);
    w->get.reader = NULL;
    sos_object_info_release(&w->get.info);
    ngx_memzero(&w->get.info, sizeof(sos_object_info_t));

    job->rc = sos_object_open(job->store, (char *) w->bucket.data,
                              w->bucket.len, (char *) key, len,
                              &w->get.reader, &w->get.info, &job->err);

    if (job->rc == SOS_ENOTFOUND) {
        return NGX_SOS_ERR_NO_SUCH_KEY;
    }

    if (job->rc != SOS_OK) {
        w->unreadable = (job->rc == SOS_ECORRUPT);
        return ngx_sos_error_from_store(job->rc);
    }

    a = &w->get.info.attrs;

    if (!ngx_sos_acl_allows((u_char *) a->acl.data, a->acl.len,
                            a->owner.data, a->owner.len, "",
                            NGX_SOS_ACL_READ))
    {
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    return NGX_SOS_OK;
}


/* w->err happened: the rules it selects, else the error document */

static void
ngx_sos_website_failed(ngx_sos_job_t *job, ngx_sos_website_t *w)
{
    sos_str_t               *acl;
    ngx_uint_t               i, status;
    ngx_sos_err_e            err;
    sos_bucket_t            *b;
    ngx_sos_website_conf_t  *wc;

    wc = &w->wc;
    b = &w->info->bucket;
    acl = &w->info->acl;

    if (w->err == NGX_SOS_ERR_NO_SUCH_KEY
        && !ngx_sos_acl_allows((u_char *) acl->data, acl->len, b->owner,
                               ngx_strlen(b->owner), "", NGX_SOS_ACL_READ))
    {
        w->err = NGX_SOS_ERR_ACCESS_DENIED;
    }

    status = ngx_sos_website_status(w->err);

    for (i = 0; i < wc->n_rules; i++) {
        if (wc->rules[i].error_code == status
            && ngx_sos_website_rule_matches(&wc->rules[i], &w->key))
        {
            w->rule = &wc->rules[i];
            w->action = NGX_SOS_WEBSITE_REDIRECT_RULE;
            return;
        }
    }

    w->action = NGX_SOS_WEBSITE_ERROR;

    if (wc->error_key.data == NULL || status < 400 || status > 499) {
        return;
    }

    err = ngx_sos_website_open(job, w, wc->error_key.data, wc->error_key.len);

    if (err == NGX_SOS_OK) {
        w->action = NGX_SOS_WEBSITE_SERVE;
        w->get.status = status;
        w->get.range = NGX_SOS_RANGE_NONE;
        ngx_sos_get_prepare(job, &w->get);
        return;
    }

    if (err == NGX_SOS_ERR_NO_SUCH_KEY
        && !ngx_sos_acl_allows((u_char *) acl->data, acl->len, b->owner,
                               ngx_strlen(b->owner), "", NGX_SOS_ACL_READ))
    {
        err = NGX_SOS_ERR_ACCESS_DENIED;
    }

    w->doc_err = err;

    /* the store's failure about the error document is only shown */
    job->rc = SOS_OK;
}


/* a rule's KeyPrefixEquals, if any, begins the key */

static ngx_uint_t
ngx_sos_website_rule_matches(ngx_sos_website_rule_t *rule, ngx_str_t *key)
{
    return rule->prefix.data == NULL
           || (key->len >= rule->prefix.len
               && ngx_memcmp(key->data, rule->prefix.data, rule->prefix.len)
                  == 0);
}


static ngx_uint_t
ngx_sos_website_status(ngx_sos_err_e err)
{
    switch (err) {

    case NGX_SOS_ERR_NO_SUCH_KEY:
    case NGX_SOS_ERR_NO_SUCH_BUCKET:
    case NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION:
        return NGX_HTTP_NOT_FOUND;

    case NGX_SOS_ERR_ACCESS_DENIED:
        return NGX_HTTP_FORBIDDEN;

    case NGX_SOS_ERR_SLOW_DOWN:
    case NGX_SOS_ERR_SERVICE_UNAVAILABLE:
        return NGX_HTTP_SERVICE_UNAVAILABLE;

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/* ------------------------------------------------------------------ */
/* the loop: the answer                                               */


static ngx_int_t
ngx_sos_website_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_website_t *w = job->data;

    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    if (w->corrupt) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sos: website configuration of bucket \"%V\" does "
                      "not decode", &w->bucket);
    }

    switch (w->action) {

    case NGX_SOS_WEBSITE_SERVE:

        /* the error document: with the error's status and code */

        if (ngx_sos_website_headers(r, w, w->err != NGX_SOS_OK
                                          ? ngx_sos_error_get(w->err) : NULL,
                                    NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_sos_get_send(r, ctx, &w->get);

    case NGX_SOS_WEBSITE_ERROR:

        if (w->unreadable) {
            ngx_str_set(&ctx->error_message, NGX_SOS_UNREADABLE);
        }

        return ngx_sos_error_send_ctx(r, ctx, w->err);

    default:
        return ngx_sos_website_redirect(r, w);
    }
}


static ngx_int_t
ngx_sos_website_redirect(ngx_http_request_t *r, ngx_sos_website_t *w)
{
    u_char                  *p;
    size_t                   len;
    ngx_str_t                location, proto, host, path, rest;
    ngx_uint_t               status;
    ngx_sos_website_rule_t  *rule;

    rule = w->rule;
    status = NGX_HTTP_MOVED_PERMANENTLY;

    if (w->action == NGX_SOS_WEBSITE_REDIRECT_OBJECT) {
        location.data = (u_char *) w->get.info.attrs.website_redirect.data;
        location.len = w->get.info.attrs.website_redirect.len;
        goto send;
    }

    /* the request's scheme and host, unless the configuration says */

    ngx_str_set(&proto, "http");

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        ngx_str_set(&proto, "https");
    }
#endif

    ngx_sos_website_host(r, &host);

    path = w->key;
    ngx_str_null(&rest);

    switch (w->action) {

    case NGX_SOS_WEBSITE_REDIRECT_DIR:

        /* relative, as S3 sends it */

        len = 2 + 3 * w->key.len;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        location.data = p;
        *p++ = '/';

        /* "//host/": another site's URL; "/%2F" is the same key */

        if (w->key.data[0] == '/') {
            p = ngx_cpymem(p, "%2F", 3);
            p = ngx_sos_website_escape(p, w->key.data + 1, w->key.len - 1);

        } else {
            p = ngx_sos_website_escape(p, w->key.data, w->key.len);
        }

        *p++ = '/';
        location.len = p - location.data;

        status = NGX_HTTP_MOVED_TEMPORARILY;
        goto send;

    case NGX_SOS_WEBSITE_REDIRECT_ALL:

        host = w->wc.all_host;

        if (w->wc.all_protocol.data) {
            proto = w->wc.all_protocol;
        }

        /* the query goes along: nginx let only URI characters in */
        rest = r->args;
        break;

    default: /* NGX_SOS_WEBSITE_REDIRECT_RULE */

        if (rule->protocol.data) {
            proto = rule->protocol;
        }

        if (rule->host.data) {
            host = rule->host;
        }

        if (rule->code) {
            status = rule->code;
        }

        if (rule->replace_key.data) {
            path = rule->replace_key;

        } else if (rule->replace_prefix.data) {
            path = rule->replace_prefix;
            rest.data = w->key.data + rule->prefix.len;
            rest.len = w->key.len - rule->prefix.len;
        }

        break;
    }

    len = proto.len + sizeof("://") - 1 + host.len + 1 + 3 * path.len
          + 3 * rest.len + 1;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    location.data = p;
    p = ngx_sprintf(p, "%V://%V/", &proto, &host);
    p = ngx_sos_website_escape(p, path.data, path.len);

    if (w->action == NGX_SOS_WEBSITE_REDIRECT_ALL) {
        if (rest.len) {
            *p++ = '?';
            p = ngx_cpymem(p, rest.data, rest.len);
        }

    } else {
        p = ngx_sos_website_escape(p, rest.data, rest.len);
    }

    location.len = p - location.data;

send:

    if (ngx_sos_header_add(r, "Location", &location) != NGX_OK
        || ngx_sos_website_headers(r, w, NULL, NULL) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_send(r, status, NULL, NULL, 0);
}


/*
 * The host a redirect within the site goes to: the Host header as the
 * client wrote it (case, port), when it names the server the request is
 * for; else that server.  A request line with an absolute URI names the
 * server itself, and a Host header naming another is not followed.
 */

static void
ngx_sos_website_host(ngx_http_request_t *r, ngx_str_t *host)
{
    u_char     *p, *end;
    ngx_str_t  *server;

    server = &r->headers_in.server;
    *host = *server;

    if (r->headers_in.host == NULL) {
        return;
    }

    p = r->headers_in.host->value.data;
    end = p + r->headers_in.host->value.len;

    if ((size_t) (end - p) < server->len
        || ngx_strncasecmp(p, server->data, server->len) != 0)
    {
        return;
    }

    /* then only nginx's final dot and the port it took off */

    p += server->len;

    if (p < end && *p == '.') {
        p++;
    }

    if (p < end && *p++ != ':') {
        return;
    }

    while (p < end && *p >= '0' && *p <= '9') {
        p++;
    }

    if (p == end
        && ngx_sos_website_check_host(r->headers_in.host->value.data,
                                      r->headers_in.host->value.len)
           == NGX_OK)
    {
        *host = r->headers_in.host->value;
    }
}


/* a key in a URL path: all but unreserved characters and '/' escaped */

static u_char *
ngx_sos_website_escape(u_char *dst, u_char *src, size_t len)
{
    u_char  c, *end;

    static u_char  hex[] = "0123456789ABCDEF";

    for (end = src + len; src < end; src++) {
        c = *src;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
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
