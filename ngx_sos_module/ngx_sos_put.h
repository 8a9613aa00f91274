
/*
 * SOS: the upload engine (ngx_sos_put.c).  One upload streamed into the
 * store (sos_put_begin or sos_part_begin, sos_put_write, sos_put_commit)
 * with one job in flight: the ACL the upload sets, the tmp files aborted
 * with the request pool unless committed, store errors answered as S3's.
 * WRITE on the bucket is the authorization step's (ngx_sos_authz.c),
 * before the first job of the request.
 *
 * Its bytes come either from r's body, read unbuffered and decoded by the
 * payload decoder (aws-chunked, signatures, Content-MD5, flexible
 * checksums: body mode, ngx_sos_put_body), or from a caller that reads
 * the body itself and pushes the object's bytes (feed mode,
 * ngx_sos_put_begin and ngx_sos_put_feed).  Either way the engine writes
 * one batch at a time: the next is taken only once the job writing the
 * last one is back, and that is the back-pressure that bounds memory.
 *
 * Body mode (PutObject in ngx_sos_object.c, UploadPart):
 *
 *     st = ngx_sos_put_create(r, ctx);
 *     st->a = the metadata; st->a.attrs.owner = the writer;
 *     st->opts.attrs = &st->a.attrs; conditions, st->acl ...
 *     return ngx_sos_put_body(r, st);
 *
 * Feed mode.  POST Object (ngx_sos_post.c) parses the form as it reads the
 * body (ngx_sos_post_read, the body's post and read event handler) and
 * hands the engine the file part:
 *
 *   1. when the file part begins it creates the upload and checks the
 *      fields into it, then names the signer (ngx_sos_authz_identity()),
 *      so that the begin job's authorization step checks WRITE on the
 *      bucket for it (a refusal is answered by the task layer):
 *
 *          up = ngx_sos_put_create(r, ctx);
 *          up->a.attrs = the form's attributes, owner the signer ("" for
 *              an anonymous form); up->acl = the acl field (NULL:
 *              private);
 *          up->opts.key, key_len = the form's key (bucket: ctx's),
 *              opts.attrs = &up->a.attrs, opts.max_size = the policy's
 *              bound (at most sos_max_object_size);
 *          up->resume = ngx_sos_post_read;
 *          up->done = its answer (ETag, Location, 303 to
 *              success_action_redirect, or success_action_status);
 *          rc = ngx_sos_put_begin(r, up);
 *
 *      and finalizes r with rc unless it is NGX_SOS_CONTINUE.  Its own
 *      state stays in ctx->op_data (the engine takes it in body mode
 *      only), where resume and done find it.  The begin job builds the
 *      ACL as PutObject's; once the upload is accepted the engine calls
 *      resume(r) and the form is parsed on;
 *
 *   2. ngx_sos_post_read returns at once while up->busy;
 *
 *   3. when its write buffer is full it feeds it: one buffer over it in a
 *      fresh chain link, ngx_sos_put_feed(r, up, cl, 0); once written the
 *      engine calls resume(r) again and parsing goes on;
 *
 *   4. at the end of the body, the form's end checked (one file part,
 *      whole, EntityTooSmall), it feeds what is left with last = 1 (cl
 *      NULL when nothing is); the engine commits and calls up->done(r,
 *      up), whose result finalizes r;
 *
 *   5. nginx's body-read errors go through ngx_sos_body_error(), which
 *      answers POST's 400 as MalformedPOSTRequest.
 *
 * The engine answers a store error with ngx_sos_error_from_store(); an
 * error at begin leaves r->keepalive to nginx, which closes the
 * connection when the body is still being read.
 */


#ifndef _NGX_SOS_PUT_H_INCLUDED_
#define _NGX_SOS_PUT_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"


typedef struct ngx_sos_put_s  ngx_sos_put_t;

/*
 * In the loop, once the upload is committed: the response, returned as a
 * job's done() returns (NGX_DONE once sent, or the final rc).  st->info
 * is released after it.
 */
typedef ngx_int_t (*ngx_sos_put_done_pt)(ngx_http_request_t *r,
    ngx_sos_put_t *st);


struct ngx_sos_put_s {
    /* the caller's, set between ngx_sos_put_create() and the start */
    sos_put_opts_t           opts;       /* bucket and key: ctx's */
    ngx_sos_object_attrs_t   a;          /* a.attrs.owner: the writer */
    char                     if_match[SOS_ETAG_MAX + 1];    /* opts' */
    ngx_sos_acl_t           *acl;        /* the ACL set; NULL: private */
    u_char                  *upload_id;  /* UploadPart; NULL: an object */
    uint32_t                 part_number;
    ngx_sos_put_done_pt      done;       /* PutObject's: 200, ETag... */

    /* feed mode: the engine takes bytes again (ngx_sos_put_feed) */
    void                   (*resume)(ngx_http_request_t *r);

    /* what the caller may read */
    unsigned                 busy:1;     /* a job in flight: feed nothing */
    sos_object_info_t        info;       /* committed: etag, size, mtime */
    ngx_str_t                cksum_alg;      /* the flexible checksum */
    ngx_str_t                cksum_value;    /* stored, or empty */

    /* the engine's */
    ngx_sos_ctx_t           *ctx;
    ngx_sos_payload_t       *payload;    /* body mode: r's body decoder */
    sos_put_t               *put;
    ngx_sos_err_e            acl_err;

    ngx_sos_job_t           *job;        /* one job at a time, reused */
    ngx_chain_t             *in;         /* buffers the job is writing */
    unsigned                 read_body:1;    /* body mode */
    unsigned                 last:1;     /* the body ended with this batch */
    unsigned                 cond_held:1;    /* If-Match, when it began */

    ngx_sos_err_e            err;        /* what the payload decoder said */
    sos_rc_e                 sink_rc;
    sos_error_t              sink_err;
};


/*
 * A new upload of r, zeroed but for opts' bucket and key (ctx's) and
 * done (PutObject's answer: 200 with ETag and x-amz-checksum-*); its tmp
 * files go with r's pool unless committed.  NULL: out of memory.
 */
ngx_sos_put_t *ngx_sos_put_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/*
 * Body mode, from a content handler (the body not read yet): refuse a
 * body announced larger than sos_max_object_size (opts.max_size), post
 * the begin job, then read r's body into the upload and commit it.
 * ctx->op_data becomes st.  Returns as a content handler.
 */
ngx_int_t ngx_sos_put_body(ngx_http_request_t *r, ngx_sos_put_t *st);

/*
 * Feed mode, in the loop while the caller reads r's body (whose reader
 * holds r): post the begin job; st->resume(r) once the upload is
 * accepted, else the refusal is answered.  NGX_SOS_CONTINUE, or what to
 * finalize r with (the error sent).
 */
ngx_int_t ngx_sos_put_begin(ngx_http_request_t *r, ngx_sos_put_t *st);

/*
 * Write in (last: the upload ends with it; in may then be NULL), only
 * while !st->busy.  The chain links become the engine's (freed to r's
 * pool); the buffers stay the caller's and are read until the engine is
 * back: then each has pos == last and resume(r) is called, or, after the
 * last, the upload is committed and done() answers.  NGX_SOS_CONTINUE, or
 * what to finalize r with (the error sent).
 */
ngx_int_t ngx_sos_put_feed(ngx_http_request_t *r, ngx_sos_put_t *st,
    ngx_chain_t *in, ngx_uint_t last);


#endif /* _NGX_SOS_PUT_H_INCLUDED_ */
