
/*
 * SOS: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
 * DeleteBucketLifecycle (?lifecycle, the bucket's owner only): the
 * document checked and turned into the form the rules are kept in by
 * ngx_sos_lifecycle_parse.c, stored as a bucket setting, read back and
 * written out by ngx_sos_lifecycle_rule.c.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_lifecycle.h"


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                blob;       /* len 0: DeleteBucketLifecycle */
} ngx_sos_lc_job_t;


static void ngx_sos_lc_put_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_lc_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *blob, ngx_int_t (*done)(ngx_http_request_t *r,
    ngx_sos_job_t *job));
static void ngx_sos_lc_set_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_lc_set_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_lc_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


ngx_int_t
ngx_sos_lifecycle_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    /* S3 wants the document protected, as PutBucketCors' */

    if (!ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Missing required header for this request: Content-MD5");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_LC_BODY_MAX,
                             ngx_sos_lc_put_body);
}


ngx_int_t
ngx_sos_lifecycle_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_lc_start(r, ctx, NULL, ngx_sos_lc_get_done);
}


ngx_int_t
ngx_sos_lifecycle_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t  none = ngx_null_string;

    return ngx_sos_lc_start(r, ctx, &none, ngx_sos_lc_set_done);
}


static void
ngx_sos_lc_put_body(ngx_http_request_t *r)
{
    ngx_str_t       blob;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    err = ngx_sos_lc_parse(r, ctx, &blob);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    ngx_http_finalize_request(r, ngx_sos_lc_start(r, ctx, &blob,
                                                  ngx_sos_lc_set_done));
}


/* blob NULL: read only (the authorization step looked the bucket up) */

static ngx_int_t
ngx_sos_lc_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, ngx_str_t *blob,
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job))
{
    ngx_sos_job_t     *job;
    ngx_sos_lc_job_t  *lj;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_lc_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    lj = job->data;
    lj->bucket = ctx->bucket;

    if (blob) {
        lj->blob = *blob;
        job->run = ngx_sos_lc_set_run;
    }

    job->done = done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_lc_set_run(ngx_sos_job_t *job)
{
    ngx_sos_lc_job_t *lj = job->data;

    job->rc = sos_bucket_set_conf(job->store, (char *) lj->bucket.data,
                                  lj->bucket.len, job->ctx->authz.bucket,
                                  SOS_BUCKET_LIFECYCLE, lj->blob.data,
                                  lj->blob.len, &job->err);
}


static ngx_int_t
ngx_sos_lc_set_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_lc_job_t *lj = job->data;

    if (job->rc == SOS_ENOBUCKET) {
        return ngx_sos_error_send_bucket(r, job->ctx,
                                         NGX_SOS_ERR_NO_SUCH_BUCKET);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_send_xml(r, lj->blob.len ? NGX_HTTP_OK
                                            : NGX_HTTP_NO_CONTENT, NULL);
}


static ngx_int_t
ngx_sos_lc_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_ctx_t  *ctx;
    sos_str_t      *conf;

    ctx = job->ctx;
    conf = &ctx->authz.bucket->conf[SOS_BUCKET_LIFECYCLE];

    if (conf->len == 0) {
        if (ngx_sos_error_element(r, ctx, "BucketName", ctx->bucket.data,
                                  ctx->bucket.len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_sos_error_send_ctx(r, ctx,
                               NGX_SOS_ERR_NO_SUCH_LIFECYCLE_CONFIGURATION);
    }

    return ngx_sos_lc_send(r, conf);
}
