
/*
 * SOS: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
 * DeleteBucketLifecycle (?lifecycle, the bucket's owner only): the
 * document checked and turned into the form the rules are kept in by
 * ngx_sos_lifecycle_parse.c, stored as a bucket setting, read back and
 * written out by ngx_sos_lifecycle_rule.c.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_lifecycle.h"


static void ngx_sos_lc_put_body(ngx_http_request_t *r);


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
    return ngx_sos_bucket_conf_get(r, ctx, SOS_BUCKET_LIFECYCLE,
                                   NGX_SOS_ERR_NO_SUCH_LIFECYCLE_CONFIGURATION,
                                   ngx_sos_lc_send);
}


ngx_int_t
ngx_sos_lifecycle_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t  none = ngx_null_string;

    return ngx_sos_bucket_conf_set(r, ctx, SOS_BUCKET_LIFECYCLE, &none);
}


static void
ngx_sos_lc_put_body(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_str_t       blob;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    err = ngx_sos_lc_parse(r, ctx, &blob);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    rc = ngx_sos_bucket_conf_set(r, ctx, SOS_BUCKET_LIFECYCLE, &blob);
    ngx_http_finalize_request(r, rc);
}


