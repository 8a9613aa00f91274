
/*
 * SOS: static websites.  The bucket's website configuration (Put, Get and
 * DeleteBucketWebsite, ngx_sos_website_conf.c) and the website endpoint
 * that serves it (ngx_sos_website.c, "sos_website on;").
 */


#ifndef _NGX_SOS_WEBSITE_H_INCLUDED_
#define _NGX_SOS_WEBSITE_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_get.h"


#define NGX_SOS_WEBSITE_MAX_RULES  50


/* a string of the configuration; data NULL: the element is absent */

typedef struct {
    ngx_str_t                prefix;         /* KeyPrefixEquals */
    ngx_uint_t               error_code;     /* HttpErrorCodeReturnedEquals,
                                                0: none */
    ngx_uint_t               condition;      /* a Condition element */

    ngx_str_t                protocol;       /* Redirect/... */
    ngx_str_t                host;
    ngx_str_t                replace_prefix;
    ngx_str_t                replace_key;
    ngx_uint_t               code;           /* HttpRedirectCode, 0: 301 */
} ngx_sos_website_rule_t;


/*
 * A website configuration, as PutBucketWebsite validated it.  Decoded
 * from the stored form its strings point into the blob, so the pool
 * thread decodes it with no allocation.
 */

typedef struct {
    ngx_str_t                suffix;         /* IndexDocument/Suffix */
    ngx_str_t                error_key;      /* ErrorDocument/Key */
    ngx_str_t                all_host;       /* RedirectAllRequestsTo */
    ngx_str_t                all_protocol;
    ngx_uint_t               n_rules;
    ngx_sos_website_rule_t   rules[NGX_SOS_WEBSITE_MAX_RULES];
} ngx_sos_website_conf_t;


/*
 * ngx_sos_website_form.c: the stored form, from the pool (encode); into
 * wc, in any thread, with no allocation (decode: NGX_OK, NGX_ERROR); the
 * XML of GetBucketWebsite
 */
ngx_int_t ngx_sos_website_encode(ngx_pool_t *pool,
    ngx_sos_website_conf_t *wc, ngx_str_t *out);
ngx_int_t ngx_sos_website_conf_decode(const u_char *p, size_t len,
    ngx_sos_website_conf_t *wc);
void ngx_sos_website_conf_xml(ngx_sos_xml_out_t *x,
    ngx_sos_website_conf_t *wc);

/*
 * ngx_sos_website_conf.c: a host name as a Location may carry it (NGX_OK
 * or NGX_DECLINED); the operations of the op rows
 */
ngx_int_t ngx_sos_website_check_host(u_char *p, size_t len);
ngx_int_t ngx_sos_website_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_website_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_website_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* ngx_sos_website.c: the endpoint ("sos_website on;") */

typedef enum {
    NGX_SOS_WEBSITE_ERROR = 0,           /* err: the page */
    NGX_SOS_WEBSITE_SERVE,               /* get: the object, or (err set)
                                            the error document */
    NGX_SOS_WEBSITE_REDIRECT_ALL,        /* RedirectAllRequestsTo */
    NGX_SOS_WEBSITE_REDIRECT_RULE,       /* rule */
    NGX_SOS_WEBSITE_REDIRECT_OBJECT,     /* x-amz-website-redirect-location */
    NGX_SOS_WEBSITE_REDIRECT_DIR         /* "dir" -> "dir/" */
} ngx_sos_website_action_e;


/* one request: the data of its job */

typedef struct {
    ngx_sos_get_t              get;
    ngx_str_t                  bucket;
    ngx_str_t                  key;        /* as requested, decoded */

    u_char                     lookup[SOS_MAX_KEY_LEN]; /* the key read */
    size_t                     lookup_len;

    sos_bucket_info_t         *info;
    ngx_sos_website_conf_t     wc;         /* points into info */

    /* results */
    ngx_sos_website_action_e   action;
    ngx_sos_website_rule_t    *rule;
    ngx_sos_err_e              err;        /* the error, NGX_SOS_OK: none */
    ngx_sos_err_e              doc_err;    /* ... of the error document */
    ngx_uint_t                 unreadable; /* no replica's data opens */
    ngx_uint_t                 corrupt;    /* the configuration */
    ngx_uint_t                 finished;   /* ngx_sos_website_headers() */
} ngx_sos_website_t;


/* its content handler */
ngx_int_t ngx_sos_website_handler(ngx_http_request_t *r);

/*
 * Whether r is served by the website endpoint: its errors are HTML pages
 * (ngx_sos_website_error_send), not XML.
 */
ngx_uint_t ngx_sos_website_enabled(ngx_http_request_t *r);

/*
 * ngx_sos_website_page.c: the HTML error page (ngx_sos_error_send_ex()
 * sends it for every error of a website request); the end of every
 * website response's headers
 */
ngx_int_t ngx_sos_website_error_send(ngx_http_request_t *r,
    ngx_sos_error_t *e, ngx_str_t *message);
ngx_int_t ngx_sos_website_headers(ngx_http_request_t *r,
    ngx_sos_website_t *w, ngx_sos_error_t *e, ngx_str_t *message);


#endif /* _NGX_SOS_WEBSITE_H_INCLUDED_ */
