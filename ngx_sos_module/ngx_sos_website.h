
/*
 * SOS: static websites.  The bucket's website configuration (Put, Get and
 * DeleteBucketWebsite, ngx_sos_website_conf.c) and the website endpoint
 * that serves it (ngx_sos_website.c, "sos_website on;").
 */


#ifndef _NGX_SOS_WEBSITE_H_INCLUDED_
#define _NGX_SOS_WEBSITE_H_INCLUDED_


#include "ngx_sos_module.h"


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


/* ngx_sos_website_conf.c: the stored form; any thread, no allocation */
ngx_int_t ngx_sos_website_conf_decode(const u_char *p, size_t len,
    ngx_sos_website_conf_t *wc);

/* A host name as a Location may carry it: NGX_OK or NGX_DECLINED */
ngx_int_t ngx_sos_website_check_host(u_char *p, size_t len);

/* The operations (op rows) */
ngx_int_t ngx_sos_website_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_website_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_website_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* ngx_sos_website.c: the endpoint's content handler ("sos_website on;") */
ngx_int_t ngx_sos_website_handler(ngx_http_request_t *r);

/*
 * Whether r is served by the website endpoint: its errors are HTML pages
 * (ngx_sos_website_error_send), not XML.
 */
ngx_uint_t ngx_sos_website_enabled(ngx_http_request_t *r);
ngx_int_t ngx_sos_website_error_send(ngx_http_request_t *r,
    ngx_sos_error_t *e, ngx_str_t *message);


#endif /* _NGX_SOS_WEBSITE_H_INCLUDED_ */
