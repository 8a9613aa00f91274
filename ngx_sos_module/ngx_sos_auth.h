
/*
 * SOS: what the authentication files share (ngx_sos_auth.c, the entry
 * and the helpers; ngx_sos_auth_v4.c; ngx_sos_auth_v2.c), and what POST
 * Object's form signature takes from them (ngx_sos_post_policy.c): the
 * credential and its scope, the key, the cached signing key, the
 * constant-time comparison.
 *
 * The functions that answer an error set ctx->error_message (and
 * error_extra) and return the error; NGX_SOS_OK otherwise.
 */


#ifndef _NGX_SOS_AUTH_H_INCLUDED_
#define _NGX_SOS_AUTH_H_INCLUDED_


#include "ngx_sos_module.h"


#define NGX_SOS_AUTH_SKEW        900     /* seconds either way */


/* the authentication arguments of the query, as sent (not decoded) */
typedef struct {
    ngx_str_t            algorithm;      /* X-Amz-Algorithm */
    ngx_str_t            credential;
    ngx_str_t            date;
    ngx_str_t            expires;
    ngx_str_t            signed_headers;
    ngx_str_t            signature;
    ngx_str_t            v2_key;         /* AWSAccessKeyId */
    ngx_str_t            v2_signature;   /* Signature */
    ngx_str_t            v2_expires;     /* Expires */
    unsigned             v4:1;
    unsigned             v2:1;
} ngx_sos_auth_query_t;


/* AKID/yyyymmdd/region/service/aws4_request, split */
typedef struct {
    ngx_str_t            access_key_id;
    ngx_str_t            date;           /* yyyymmdd */
    ngx_str_t            region;
    ngx_str_t            service;
    ngx_str_t            terminal;
    ngx_str_t            scope;          /* date/region/service/terminal */
} ngx_sos_auth_cred_t;


/* ngx_sos_auth_v4.c: the Authorization header, the presigned URL */
ngx_sos_err_e ngx_sos_auth_v4_header(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *value);
ngx_sos_err_e ngx_sos_auth_v4_query(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_auth_query_t *q);
/* x-amz-content-sha256 into ctx->auth.payload_mode */
ngx_sos_err_e ngx_sos_auth_payload(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *value, ngx_uint_t sigv4);

/* ngx_sos_auth_v2.c: "Authorization: AWS ...", the query form */
ngx_sos_err_e ngx_sos_auth_v2_header(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *value);
ngx_sos_err_e ngx_sos_auth_v2_query(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_auth_query_t *q);
/* base64 HMAC-SHA1 of data with the key's secret: sig->data holds 28 */
void ngx_sos_auth_v2_sign(const sos_key_t *key, u_char *data, size_t len,
    ngx_str_t *sig);

/* ngx_sos_auth.c */
/* NGX_OK, or NGX_ERROR when not five non-empty parts */
ngx_int_t ngx_sos_auth_credential(ngx_str_t *value,
    ngx_sos_auth_cred_t *cred);
/*
 * The credential's date is amz_date's, its region ours, its service s3,
 * its terminal aws4_request; else code, the message after prefix (S3
 * says where the credential was).
 */
ngx_sos_err_e ngx_sos_auth_check_scope(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_auth_cred_t *cred, ngx_str_t *amz_date,
    ngx_sos_err_e code, const char *prefix);
/* the key, or NULL: the caller answers InvalidAccessKeyId */
const sos_key_t *ngx_sos_auth_key(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *access_key_id);
void ngx_sos_auth_set_key(ngx_sos_ctx_t *ctx, const sos_key_t *key);
/*
 * the SigV4 signing key of (key, date, region), 32 bytes, cached with the
 * key table: key is ngx_sos_auth_key()'s answer of the same turn
 */
u_char *ngx_sos_auth_signing_key(ngx_http_request_t *r, const sos_key_t *key,
    ngx_str_t *date, ngx_str_t *region);
/* 1 when the signature sent is the one computed, in constant time */
ngx_uint_t ngx_sos_auth_match(u_char *computed, size_t len,
    ngx_str_t *sent);
/*
 * ISO 8601 in UTC, NGX_ERROR if not: the basic form of X-Amz-Date
 * (20130524T000000Z), or the extended one of a POST policy's expiration
 * (2013-05-24T00:00:00Z, fractions of a second allowed)
 */
time_t ngx_sos_auth_parse_iso(u_char *p, size_t len, ngx_uint_t extended);
ngx_int_t ngx_sos_auth_days(ngx_int_t y, ngx_int_t m, ngx_int_t d);
/* the path as received, up to the query */
void ngx_sos_auth_path(ngx_http_request_t *r, ngx_str_t *path);
/* a header value trimmed, inner runs of spaces as one; returns its size */
size_t ngx_sos_auth_header_value(u_char *dst, ngx_str_t *value);
ngx_sos_err_e ngx_sos_auth_fail(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, const char *fmt, ...);
/* InvalidArgument about the Authorization header (value), quoted */
ngx_sos_err_e ngx_sos_auth_bad_header(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *value, char *message);
ngx_sos_err_e ngx_sos_auth_time_error(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_err_e err, char *message, char *name,
    u_char *value, size_t len, time_t expires, ngx_uint_t with_expires);
/* ngx_sos_error_element(), the value as S3 shows bytes: "41 57 53 34" */
ngx_int_t ngx_sos_auth_extra_bytes(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *name, u_char *value, size_t len);


#endif /* _NGX_SOS_AUTH_H_INCLUDED_ */
