
/*
 * SOS: a bucket setting (sos_bucket_set_conf: CORS rules, lifecycle
 * rules) read, stored or removed for the operations that keep one: the
 * caller parses its document into the form kept, this file stores it in
 * a job, or answers a read from the bucket the authorization step looked
 * up (the job runs that step) through the caller's writer.
 */


#include "ngx_sos_op.h"


typedef struct {
    ngx_str_t                     bucket;
    sos_bucket_conf_e             which;
    ngx_str_t                     blob;      /* len 0: removed */
    ngx_sos_err_e                 missing;   /* a read of none */
    ngx_sos_bucket_conf_send_pt   send;
} ngx_sos_bucket_conf_job_t;


static ngx_sos_job_t *ngx_sos_bucket_conf_job(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, sos_bucket_conf_e which);
static void ngx_sos_bucket_conf_set_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_conf_set_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_conf_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/* blob len 0: remove it (204); else store it (200) */

ngx_int_t
ngx_sos_bucket_conf_set(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_bucket_conf_e which, ngx_str_t *blob)
{
    ngx_sos_job_t              *job;
    ngx_sos_bucket_conf_job_t  *bj;

    job = ngx_sos_bucket_conf_job(r, ctx, which);
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    bj = job->data;
    bj->blob = *blob;
    job->run = ngx_sos_bucket_conf_set_run;
    job->done = ngx_sos_bucket_conf_set_done;

    return ngx_sos_job_start(r, job);
}


/* the setting written by send, or the error missing when there is none */

ngx_int_t
ngx_sos_bucket_conf_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_bucket_conf_e which, ngx_sos_err_e missing,
    ngx_sos_bucket_conf_send_pt send)
{
    ngx_sos_job_t              *job;
    ngx_sos_bucket_conf_job_t  *bj;

    job = ngx_sos_bucket_conf_job(r, ctx, which);
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    bj = job->data;
    bj->missing = missing;
    bj->send = send;
    job->done = ngx_sos_bucket_conf_get_done;

    return ngx_sos_job_start(r, job);
}


static ngx_sos_job_t *
ngx_sos_bucket_conf_job(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_bucket_conf_e which)
{
    ngx_sos_job_t              *job;
    ngx_sos_bucket_conf_job_t  *bj;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_bucket_conf_job_t));
    if (job == NULL) {
        return NULL;
    }

    bj = job->data;
    bj->bucket = ctx->bucket;
    bj->which = which;

    return job;
}


/* the bucket the step found and checked: SOS_ECHANGED if recreated */

static void
ngx_sos_bucket_conf_set_run(ngx_sos_job_t *job)
{
    ngx_sos_bucket_conf_job_t *bj = job->data;

    job->rc = sos_bucket_set_conf(job->store, (char *) bj->bucket.data,
                                  bj->bucket.len, job->ctx->authz.bucket,
                                  bj->which, bj->blob.data, bj->blob.len,
                                  &job->err);
}


static ngx_int_t
ngx_sos_bucket_conf_set_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_bucket_conf_job_t *bj = job->data;

    if (job->rc == SOS_ENOBUCKET) {
        return ngx_sos_error_send_bucket(r, job->ctx,
                                         NGX_SOS_ERR_NO_SUCH_BUCKET);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_send_xml(r, bj->blob.len ? NGX_HTTP_OK
                                            : NGX_HTTP_NO_CONTENT, NULL);
}


static ngx_int_t
ngx_sos_bucket_conf_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_bucket_conf_job_t *bj = job->data;

    ngx_sos_ctx_t  *ctx;
    sos_str_t      *conf;

    ctx = job->ctx;
    conf = &ctx->authz.bucket->conf[bj->which];

    if (conf->len == 0) {
        if (ngx_sos_error_element(r, ctx, "BucketName", ctx->bucket.data,
                                  ctx->bucket.len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_sos_error_send_ctx(r, ctx, bj->missing);
    }

    return bj->send(r, conf);
}
