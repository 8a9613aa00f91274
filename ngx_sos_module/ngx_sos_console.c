
/*
 * SOS: the web console (docs/console.md).  "sos_console;" in a prefix
 * location serves the single-page console embedded in the module
 * (ngx_sos_console.h): GET and HEAD only, no store, no session.  The
 * page signs its own S3 and admin requests in the browser; this file
 * only hands out its files, with headers that keep them from being
 * framed, sniffed or made to run a script from anywhere but here.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_console.h"


static ngx_int_t ngx_sos_console_handler(ngx_http_request_t *r);
static ngx_sos_console_file_t *ngx_sos_console_find(ngx_http_request_t *r);
static ngx_int_t ngx_sos_console_headers(ngx_http_request_t *r);
static ngx_int_t ngx_sos_console_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value, ngx_table_elt_t **out);


/* scripts, styles, requests and images from this origin only */
static ngx_str_t  ngx_sos_console_csp = ngx_string(
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'");


typedef struct {
    ngx_str_t                key;
    ngx_str_t                value;
} ngx_sos_console_kv_t;


static ngx_sos_console_kv_t  ngx_sos_console_security[] = {
    { ngx_string("Content-Security-Policy"), ngx_null_string },
    { ngx_string("X-Content-Type-Options"), ngx_string("nosniff") },
    { ngx_string("X-Frame-Options"), ngx_string("DENY") },
    { ngx_string("Referrer-Policy"), ngx_string("no-referrer") },
    { ngx_string("Cache-Control"), ngx_string("no-cache") },
    { ngx_null_string, ngx_null_string }
};


static ngx_str_t  ngx_sos_console_etag = ngx_string("ETag");
static ngx_str_t  ngx_sos_console_allow_key = ngx_string("Allow");
static ngx_str_t  ngx_sos_console_allow = ngx_string("GET, HEAD");

static ngx_str_t  ngx_sos_console_not_found =
    ngx_string("404 Not Found: no such file in the console\n");


/*
 * "sos_console;": the location serves the console; its first path
 * segment can no longer name a bucket (ngx_sos_bucket_name.c)
 */

char *
ngx_sos_console_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_main_conf_t       *smcf;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate";
    }

    if (clcf->regex || clcf->named || clcf->exact_match) {
        return "needs a prefix location";
    }

    if (ngx_sos_bucket_name_reserve(cf, clcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);
    smcf->console = 1;

    clcf->handler = ngx_sos_console_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_sos_console_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_buf_t               *b;
    ngx_chain_t              out;
    ngx_table_elt_t         *etag;
    ngx_sos_console_file_t  *f;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        if (ngx_sos_console_header(r, &ngx_sos_console_allow_key,
                                   &ngx_sos_console_allow, NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_sos_console_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    f = ngx_sos_console_find(r);

    if (f == NULL) {
        r->headers_out.status = NGX_HTTP_NOT_FOUND;
        ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");
        r->headers_out.content_type_len = r->headers_out.content_type.len;
        r->headers_out.content_length_n = ngx_sos_console_not_found.len;

        b = ngx_calloc_buf(r->pool);
        if (b == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b->pos = ngx_sos_console_not_found.data;
        b->last = b->pos + ngx_sos_console_not_found.len;

    } else {
        r->headers_out.status = NGX_HTTP_OK;
        r->headers_out.content_type = f->type;
        r->headers_out.content_type_len = f->type.len;
        r->headers_out.content_length_n = f->len;

        /* If-None-Match: nginx's not_modified filter answers 304 */
        if (ngx_sos_console_header(r, &ngx_sos_console_etag, &f->etag, &etag)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.etag = etag;

        b = ngx_calloc_buf(r->pool);
        if (b == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b->pos = (u_char *) f->data;
        b->last = b->pos + f->len;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->memory = (b->last > b->pos);
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * The file the URI names below the location: "" is index.html.  Only
 * the embedded table's exact paths match, so no "..", "%2e" or query
 * can reach anything else.
 */

static ngx_sos_console_file_t *
ngx_sos_console_find(ngx_http_request_t *r)
{
    ngx_str_t                  path;
    ngx_sos_console_file_t    *f;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->uri.len < clcf->name.len) {
        return NULL;
    }

    path.data = r->uri.data + clcf->name.len;
    path.len = r->uri.len - clcf->name.len;

    if (clcf->name.len == 0 || clcf->name.data[clcf->name.len - 1] != '/') {
        /* "location /console": "/console/x" leaves "/x" */
        if (path.len == 0 || path.data[0] != '/') {
            return NULL;
        }

        path.data++;
        path.len--;
    }

    if (path.len == 0) {
        ngx_str_set(&path, "index.html");
    }

    for (f = ngx_sos_console_files; f->path.len; f++) {
        if (f->path.len == path.len
            && ngx_strncmp(f->path.data, path.data, path.len) == 0)
        {
            return f;
        }
    }

    return NULL;
}


static ngx_int_t
ngx_sos_console_headers(ngx_http_request_t *r)
{
    ngx_sos_console_kv_t  *h;

    for (h = ngx_sos_console_security; h->key.len; h++) {
        if (ngx_sos_console_header(r, &h->key,
                                   h->value.len ? &h->value
                                                : &ngx_sos_console_csp,
                                   NULL)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_console_header(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *value, ngx_table_elt_t **out)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *key;
    h->value = *value;

    if (out) {
        *out = h;
    }

    return NGX_OK;
}


ngx_int_t
ngx_sos_console_sandbox(ngx_http_request_t *r)
{
    u_char               *semi;
    ngx_str_t             type, csp;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (smcf->console != 1) {
        return NGX_OK;
    }

    type = r->headers_out.content_type;

    semi = ngx_strlchr(type.data, type.data + type.len, ';');
    if (semi) {
        type.len = semi - type.data;
    }

    while (type.len && type.data[type.len - 1] == ' ') {
        type.len--;
    }

    /* text/html, text/xml, application/xml, image/svg+xml, *+xml... */

    if (!((type.len == sizeof("text/html") - 1
           && ngx_strncasecmp(type.data, (u_char *) "text/html",
                              type.len) == 0)
          || (type.len >= 3
              && ngx_strncasecmp(type.data + type.len - 3, (u_char *) "xml",
                                 3) == 0)
          || (type.len == sizeof("text/xsl") - 1
              && ngx_strncasecmp(type.data, (u_char *) "text/xsl",
                                 type.len) == 0)))
    {
        return NGX_OK;
    }

    ngx_str_set(&csp, "sandbox allow-scripts allow-forms allow-popups "
                      "allow-modals allow-downloads");

    return ngx_sos_header_add(r, "Content-Security-Policy", &csp);
}
