
/*
 * SOS: GetObjectLockConfiguration and PutObjectLockConfiguration
 * (?object-lock on a bucket, its owner's only).
 *
 * The document is checked as S3 checks it ("PutObjectLockConfiguration"
 * in the S3 API reference, and s3-tests' test_object_lock_put_obj_lock_*):
 * ObjectLockEnabled is "Enabled"; a Rule holds one DefaultRetention with
 * a Mode (GOVERNANCE or COMPLIANCE, upper case) and either Days or Years,
 * never both; anything else is MalformedXML, a period that is not a
 * positive integer InvalidRetentionPeriod.  A document without a Rule
 * removes the default retention.  As S3 the request needs Content-MD5 or
 * a checksum.
 *
 * Object Lock goes on a bucket at its creation
 * (x-amz-bucket-object-lock-enabled) or later on a bucket whose
 * versioning is Enabled (S3 "Configuring Object Lock"); a bucket never
 * versioned or Suspended is 409 InvalidBucketState, as S3 and RGW.  It
 * never goes off.  A bucket without it answers GET with 404
 * ObjectLockConfigurationNotFoundError.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"


#define NGX_SOS_LOCK_CONF_BODY_MAX   (64 * 1024)
#define NGX_SOS_LOCK_CONF_TEXT_MAX   1024

/* S3 takes no period past 100 years: more is InvalidRetentionPeriod */
#define NGX_SOS_LOCK_DAYS_MAX        36500
#define NGX_SOS_LOCK_YEARS_MAX       100


typedef struct {
    ngx_uint_t               enabled;    /* ObjectLockEnabled: Enabled */
    ngx_uint_t               rule;       /* a Rule */
    ngx_uint_t               retention;  /* ... with a DefaultRetention */
    ngx_uint_t               mode;       /* sos_lock_mode_e */
    ngx_int_t                days;       /* -1: none */
    ngx_int_t                years;      /* -1: none */
    ngx_sos_err_e            err;        /* beyond MalformedXML */
} ngx_sos_lock_conf_t;


static void ngx_sos_lock_conf_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_lock_conf_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_int_t ngx_sos_lock_conf_period(ngx_sos_lock_conf_t *cf,
    ngx_str_t *text, ngx_int_t max, ngx_int_t *out);
static void ngx_sos_lock_conf_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_lock_conf_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_lock_conf_put_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


ngx_int_t
ngx_sos_lock_conf_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_job_t  *job;

    job = ngx_sos_job_create(r, ctx, 0);
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    /* the authorization step reads the bucket: nothing more */

    job->done = ngx_sos_lock_conf_get_done;

    return ngx_sos_job_start(r, job);
}


ngx_int_t
ngx_sos_lock_conf_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    if (!ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Missing required header for this request: Content-MD5");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_LOCK_CONF_BODY_MAX,
                             ngx_sos_lock_conf_body);
}


static void
ngx_sos_lock_conf_body(ngx_http_request_t *r)
{
    ngx_sos_ctx_t        *ctx;
    ngx_sos_job_t        *job;
    ngx_sos_err_e         err;
    ngx_sos_lock_conf_t  *cf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_lock_conf_t));
    if (job == NULL) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r,
                                               NGX_SOS_ERR_INTERNAL_ERROR));
        return;
    }

    cf = job->data;
    cf->days = -1;
    cf->years = -1;
    cf->err = NGX_SOS_OK;

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "ObjectLockConfiguration",
                            NGX_SOS_LOCK_CONF_TEXT_MAX,
                            ngx_sos_lock_conf_xml, cf);

    if (err == NGX_SOS_OK) {

        /* one period, a mode, and a Rule only with its DefaultRetention */

        if (!cf->enabled
            || (cf->rule && !cf->retention)
            || (cf->retention
                && (cf->mode == SOS_LOCK_NONE
                    || (cf->days < 0 && cf->years < 0)
                    || (cf->days >= 0 && cf->years >= 0))))
        {
            err = NGX_SOS_ERR_MALFORMED_XML;

        } else if (cf->err != NGX_SOS_OK) {
            ngx_str_set(&ctx->error_message,
                        "Default retention period must be a positive "
                        "integer value.");
            err = cf->err;
        }
    }

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    job->run = ngx_sos_lock_conf_run;
    job->done = ngx_sos_lock_conf_put_done;

    ngx_http_finalize_request(r, ngx_sos_job_start(r, job));
}


static ngx_int_t
ngx_sos_lock_conf_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_lock_conf_t  *cf = data;

    ngx_str_t  t;

    if (text == NULL) {

        if (ngx_sos_xml_path_is(path, "Rule")) {
            if (cf->rule) {
                return NGX_DECLINED;
            }

            cf->rule = 1;
            return NGX_OK;
        }

        if (ngx_sos_xml_path_is(path, "Rule/DefaultRetention")) {
            if (cf->retention) {
                return NGX_DECLINED;
            }

            cf->retention = 1;
            return NGX_OK;
        }

        return (ngx_sos_xml_path_is(path, "ObjectLockEnabled")
                || ngx_sos_xml_path_is(path, "Rule/DefaultRetention/Mode")
                || ngx_sos_xml_path_is(path, "Rule/DefaultRetention/Days")
                || ngx_sos_xml_path_is(path, "Rule/DefaultRetention/Years"))
               ? NGX_OK : NGX_DECLINED;
    }

    t = *text;
    ngx_sos_xml_trim(&t);

    if (ngx_sos_xml_path_is(path, "ObjectLockEnabled")) {
        if (t.len == 7 && ngx_strncmp(t.data, "Enabled", 7) == 0) {
            cf->enabled = 1;
            return NGX_OK;
        }

        return NGX_DECLINED;
    }

    if (ngx_sos_xml_path_is(path, "Rule/DefaultRetention/Mode")) {
        cf->mode = ngx_sos_lock_mode(&t);
        return cf->mode == SOS_LOCK_NONE ? NGX_DECLINED : NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "Rule/DefaultRetention/Days")) {
        return ngx_sos_lock_conf_period(cf, &t, NGX_SOS_LOCK_DAYS_MAX,
                                        &cf->days);
    }

    if (ngx_sos_xml_path_is(path, "Rule/DefaultRetention/Years")) {
        return ngx_sos_lock_conf_period(cf, &t, NGX_SOS_LOCK_YEARS_MAX,
                                        &cf->years);
    }

    return NGX_OK;
}


/*
 * An integer (an optional '-', digits): not one is MalformedXML; 0, a
 * negative one or one past max is InvalidRetentionPeriod (s3-tests'
 * test_object_lock_put_obj_lock_invalid_days, _invalid_years1).
 */

static ngx_int_t
ngx_sos_lock_conf_period(ngx_sos_lock_conf_t *cf, ngx_str_t *text,
    ngx_int_t max, ngx_int_t *out)
{
    u_char     *p, *end;
    ngx_int_t   v;
    ngx_uint_t  neg;

    if (*out >= 0) {
        return NGX_DECLINED;
    }

    p = text->data;
    end = p + text->len;

    neg = (p < end && *p == '-');
    p += neg;

    if (p == end || end - p > 9) {
        return NGX_DECLINED;
    }

    for (v = 0; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_DECLINED;
        }

        v = v * 10 + (*p - '0');
    }

    if (neg || v == 0 || v > max) {
        cf->err = NGX_SOS_ERR_INVALID_RETENTION_PERIOD;

        /* still a period: Days and Years both stay MalformedXML */
        v = 0;
    }

    *out = v;

    return NGX_OK;
}


/* the pool thread: the bucket the authorization step read and allowed */

static void
ngx_sos_lock_conf_run(ngx_sos_job_t *job)
{
    ngx_sos_lock_conf_t  *cf = job->data;

    ngx_sos_ctx_t      *ctx;
    sos_bucket_lock_t   lock;

    ctx = job->ctx;

    ngx_memzero(&lock, sizeof(sos_bucket_lock_t));
    lock.enabled = 1;

    if (cf->retention) {
        lock.mode = (sos_lock_mode_e) cf->mode;
        lock.days = cf->days > 0 ? (uint32_t) cf->days : 0;
        lock.years = cf->years > 0 ? (uint32_t) cf->years : 0;
    }

    job->rc = sos_bucket_set_lock(job->store, (char *) ctx->bucket.data,
                                  ctx->bucket.len, ctx->authz.bucket, &lock,
                                  &job->err);
}


static ngx_int_t
ngx_sos_lock_conf_put_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    switch (job->rc) {

    case SOS_OK:
        r->headers_out.content_length_n = 0;
        return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);

    case SOS_ESTATE:

        /* S3: "Versioning must be 'Enabled' on the bucket ..." */

        ngx_str_set(&ctx->error_message,
                    "Versioning must be 'Enabled' on the bucket to apply a "
                    "Object Lock configuration");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_BUCKET_STATE);

    case SOS_ENOBUCKET:
        return ngx_sos_error_send_bucket(r, ctx, NGX_SOS_ERR_NO_SUCH_BUCKET);

    default:
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }
}


static ngx_int_t
ngx_sos_lock_conf_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    sos_bucket_t       *b;
    ngx_sos_ctx_t      *ctx;
    ngx_sos_xml_out_t   x;

    ctx = job->ctx;
    b = &ctx->authz.bucket->bucket;

    if (!b->lock.enabled) {
        if (ngx_sos_error_element(r, ctx, "BucketName", ctx->bucket.data,
                                  ctx->bucket.len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_sos_error_send_ctx(r, ctx,
                              NGX_SOS_ERR_OBJECT_LOCK_CONFIGURATION_NOT_FOUND);
    }

    ngx_sos_xml_out_init(&x, r->pool, 512);
    ngx_sos_xml_literal(&x, "<ObjectLockConfiguration xmlns=\""
                            NGX_SOS_XMLNS "\"><ObjectLockEnabled>Enabled"
                            "</ObjectLockEnabled>");

    if (b->lock.mode != SOS_LOCK_NONE) {
        ngx_sos_xml_literal(&x, "<Rule><DefaultRetention><Mode>");

        if (b->lock.mode == SOS_LOCK_COMPLIANCE) {
            ngx_sos_xml_literal(&x, "COMPLIANCE");

        } else {
            ngx_sos_xml_literal(&x, "GOVERNANCE");
        }

        ngx_sos_xml_literal(&x, "</Mode>");

        if (b->lock.years) {
            ngx_sos_xml_element_uint(&x, "Years", b->lock.years);

        } else {
            ngx_sos_xml_element_uint(&x, "Days", b->lock.days);
        }

        ngx_sos_xml_literal(&x, "</DefaultRetention></Rule>");
    }

    ngx_sos_xml_literal(&x, "</ObjectLockConfiguration>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
