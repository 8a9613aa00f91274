
/*
 * SOS: CORS, as S3 does it.  A bucket's rules (PutBucketCors) are kept in
 * its SOS_BUCKET_CORS setting in a compact form (ngx_sos_cors_conf.c)
 * that the request path walks without parsing XML: a browser's preflight
 * (OPTIONS) is answered from them, and every response to a request with
 * an Origin header that a rule allows carries the Access-Control-*
 * headers (ngx_sos_cors.c).
 */


#ifndef _NGX_SOS_CORS_H_INCLUDED_
#define _NGX_SOS_CORS_H_INCLUDED_


#include "ngx_sos_module.h"


/* a request's CORS state, ctx->cors: NULL without an Origin header */
typedef struct ngx_sos_cors_s  ngx_sos_cors_t;


/*
 * The actual-response headers (Access-Control-Allow-Origin, -Methods,
 * -Expose-Headers, -Max-Age, -Allow-Credentials, Vary) for the request's
 * Origin under a bucket's rules, conf being its SOS_BUCKET_CORS setting
 * (len 0: none).  Nothing is added without an Origin header or when no
 * rule allows it.  For the website endpoint, which looks its bucket up
 * itself; the S3 endpoint adds them to every response on its own.
 * NGX_OK, or NGX_ERROR (memory).
 */
ngx_int_t ngx_sos_cors_apply(ngx_http_request_t *r, const sos_str_t *conf);


/* ---- within the module ---- */

/* after routing: ctx->cors set when the request has an Origin header */
ngx_int_t ngx_sos_cors_init(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/* ngx_sos_common_headers(): the headers, when the rules are known */
ngx_int_t ngx_sos_cors_headers(ngx_http_request_t *r);
/*
 * ngx_sos_error_send*(): when the bucket's rules are not known yet, a job
 * reads them and sends this error again (NGX_DONE); NGX_DECLINED: send it
 * now
 */
ngx_int_t ngx_sos_cors_error(ngx_http_request_t *r, ngx_sos_err_e err,
    ngx_str_t *message, ngx_str_t *extra);

/* the operations: OPTIONS, Put/Get/DeleteBucketCors */
ngx_int_t ngx_sos_cors_preflight(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_cors_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_cors_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_cors_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);


/*
 * ngx_sos_cors_conf.c: the stored form.  A blob is "C1" then, for each
 * rule, its fields: a tag byte, a 2-byte big-endian length, the value.
 * A rule opens with NGX_SOS_CORS_RULE (its ID, maybe empty), then its
 * AllowedHeader, AllowedMethod, AllowedOrigin, ExposeHeader fields and at
 * most one MaxAgeSeconds, in that order, each list in the order sent.
 */
#define NGX_SOS_CORS_RULE     'R'
#define NGX_SOS_CORS_HEADER   'H'
#define NGX_SOS_CORS_METHOD   'M'
#define NGX_SOS_CORS_ORIGIN   'O'
#define NGX_SOS_CORS_EXPOSE   'E'
#define NGX_SOS_CORS_MAX_AGE  'A'

#define NGX_SOS_CORS_MAGIC    "C1"
#define NGX_SOS_CORS_MAX_RULES  100
/* S3's limit on a configuration document */
#define NGX_SOS_CORS_BODY_MAX   (64 * 1024)

typedef struct {
    u_char                  *pos;
    u_char                  *end;
} ngx_sos_cors_walk_t;

/* the fields of conf, a SOS_BUCKET_CORS setting (none if not a blob) */
void ngx_sos_cors_walk(ngx_sos_cors_walk_t *w, const sos_str_t *conf);
/* the next field of a blob: its tag, 0 at the end (or a bad blob) */
u_char ngx_sos_cors_next(ngx_sos_cors_walk_t *w, ngx_str_t *value);
/* a CORSConfiguration document into a blob, ctx->error_message set */
ngx_sos_err_e ngx_sos_cors_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *blob);
/* a method a rule may allow: GET, PUT, POST, DELETE, HEAD */
ngx_uint_t ngx_sos_cors_method(ngx_str_t *name);
/* a blob as GetBucketCors answers it */
ngx_int_t ngx_sos_cors_send(ngx_http_request_t *r, const sos_str_t *conf);


#endif /* _NGX_SOS_CORS_H_INCLUDED_ */
