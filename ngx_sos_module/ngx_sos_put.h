
/*
 * SOS: the upload engine (ngx_sos_put.c): a request body streamed into
 * the store, for PutObject (ngx_sos_object.c) and UploadPart.
 */


#ifndef _NGX_SOS_PUT_H_INCLUDED_
#define _NGX_SOS_PUT_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"


typedef struct {
    ngx_sos_ctx_t           *ctx;
    sos_put_t               *put;
    sos_put_opts_t           opts;
    ngx_sos_object_attrs_t   a;
    char                     if_match[SOS_ETAG_MAX + 1];
    ngx_uint_t               denied;
    ngx_sos_acl_t           *acl;        /* x-amz-acl, x-amz-grant-* */
    ngx_sos_err_e            acl_err;

    ngx_sos_job_t           *job;        /* one job at a time, reused */
    ngx_chain_t             *in;         /* buffers the job is writing */
    unsigned                 in_flight:1;
    unsigned                 last:1;     /* the body ended with this batch */
    unsigned                 committing:1;

    ngx_sos_err_e            err;        /* what the payload decoder said */
    sos_rc_e                 sink_rc;
    sos_error_t              sink_err;

    ngx_str_t                cksum_alg;
    ngx_str_t                cksum_value;
    sos_object_info_t        info;

    u_char                  *upload_id;  /* UploadPart; NULL: PutObject */
    uint32_t                 part_number;
} ngx_sos_put_t;


/* the body's size, then the begin job: as a content handler returns */
ngx_int_t ngx_sos_put_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_put_t *st);


#endif /* _NGX_SOS_PUT_H_INCLUDED_ */
