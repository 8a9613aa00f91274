
/*
 * SOS: what the object operations share (ngx_sos_object.c): the metadata
 * a write brings, the checks of a write, and the headers that answer with
 * an object's ETag and checksum.  Used by ngx_sos_put.c, ngx_sos_get.c,
 * ngx_sos_copy.c, and by ngx_sos_multipart.c and ngx_sos_complete.c.
 */


#ifndef _NGX_SOS_OBJECT_H_INCLUDED_
#define _NGX_SOS_OBJECT_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"


/* The metadata a PUT (or a CopyObject with REPLACE) brings. */
typedef struct {
    sos_attrs_t              attrs;
    sos_kv_t                *meta;
    ngx_uint_t               n_meta;
} ngx_sos_object_attrs_t;


/*
 * Pool thread: the ACL blob a write sets into attrs->acl (acl NULL: none,
 * private), for the bucket the authorization step looked up.  NGX_OK, or
 * NGX_ERROR with job->rc or *acl_err set.
 */
ngx_int_t ngx_sos_object_acl_build(ngx_sos_job_t *job, ngx_sos_acl_t *acl,
    sos_attrs_t *attrs, ngx_sos_err_e *acl_err);

/*
 * Content-Type and friends, x-amz-meta-*, as a PUT brings them: NGX_SOS_OK,
 * or the error to answer with ctx's error_message or error_extra set.
 */
ngx_sos_err_e ngx_sos_object_read_attrs(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_object_attrs_t *a);

/* x-amz-website-redirect-location: NGX_SOS_OK (empty when absent) or
 * NGX_SOS_ERR_INVALID_REDIRECT_LOCATION */
ngx_sos_err_e ngx_sos_object_read_redirect(ngx_http_request_t *r,
    sos_str_t *redirect);

/*
 * If-None-Match: * or <etag> and If-Match: <etag> of a write, into opts
 * (if_match is the caller's buffer of SOS_ETAG_MAX + 1 bytes; an
 * If-None-Match ETag goes in r's pool).
 */
ngx_sos_err_e ngx_sos_object_write_conditions(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, sos_put_opts_t *opts, char *if_match);

/* The conditions and the ACL headers of a write's destination. */
ngx_sos_err_e ngx_sos_object_destination(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, sos_put_opts_t *opts, char *if_match,
    ngx_sos_acl_t **acl);

/* Pool thread, after SOS_EPRECONDITION: If-Match on no key is 404. */
void ngx_sos_object_precondition(ngx_sos_job_t *job, sos_put_opts_t *opts);

/* Pool thread, before a write with If-Match: whether it holds now. */
ngx_uint_t ngx_sos_object_write_held(ngx_sos_job_t *job,
    sos_put_opts_t *opts);

/* ETag: "<etag>" */
ngx_int_t ngx_sos_object_etag_header(ngx_http_request_t *r,
    const char *etag);

/* x-amz-checksum-<alg>: <value>; nothing when either is empty. */
ngx_int_t ngx_sos_object_checksum_header(ngx_http_request_t *r,
    ngx_str_t *alg, ngx_str_t *value);


#endif /* _NGX_SOS_OBJECT_H_INCLUDED_ */
