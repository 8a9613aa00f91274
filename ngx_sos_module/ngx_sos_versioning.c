
/*
 * SOS: GetBucketVersioning and PutBucketVersioning, the bucket owner's.
 *
 * The body is checked in the loop as S3 checks it ("PutBucketVersioning",
 * "VersioningConfiguration" in the S3 API reference): Status is Enabled
 * or Suspended, MfaDelete Enabled or Disabled, anything else MalformedXML.
 * MFA delete needs a hardware token SOS has no notion of: asking for it
 * is 501 NotImplemented.  A bucket never configured answers an empty
 * VersioningConfiguration, with no Status; once versioned, a bucket is
 * Enabled or Suspended for good (the store refuses to turn it off).
 */


#include "ngx_sos_xml.h"


#define NGX_SOS_VERSIONING_BODY_MAX   (64 * 1024)
#define NGX_SOS_VERSIONING_TEXT_MAX   1024


typedef struct {
    ngx_uint_t       status;             /* sos_versioning_e; OFF: none */
    ngx_uint_t       mfa_enabled;
    ngx_str_t        name;               /* ctx->bucket */
} ngx_sos_versioning_body_t;


static ngx_str_t  ngx_sos_versioning_true = ngx_string("true");
static ngx_str_t  ngx_sos_versioning_null = ngx_string("null");
static ngx_str_t  ngx_sos_versioning_delete = ngx_string("DELETE");


static ngx_int_t ngx_sos_versioning_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx,
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job),
    ngx_sos_versioning_body_t *cfg);
static void ngx_sos_versioning_put_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_versioning_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_versioning_put_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_versioning_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_versioning_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);


ngx_int_t
ngx_sos_versioning_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_versioning_start(r, ctx, ngx_sos_versioning_get_done,
                                    NULL);
}


ngx_int_t
ngx_sos_versioning_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_body_read(r, ctx, NGX_SOS_VERSIONING_BODY_MAX,
                             ngx_sos_versioning_body);
}


/*
 * x-amz-version-id of the version a request read or wrote: its id, or
 * "null" in a bucket that is or was versioned; nothing in a bucket never
 * versioned, as S3.
 */

ngx_int_t
ngx_sos_versioning_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    const char *version_id)
{
    ngx_str_t  v;

    if (version_id[0] == '\0') {
        if (ctx->authz.bucket == NULL
            || ctx->authz.bucket->bucket.versioning == SOS_VERSIONING_OFF)
        {
            return NGX_OK;
        }

        return ngx_sos_header_add(r, "x-amz-version-id",
                                  &ngx_sos_versioning_null);
    }

    v.data = (u_char *) version_id;
    v.len = ngx_strlen(version_id);

    return ngx_sos_header_add(r, "x-amz-version-id", &v);
}


/*
 * A delete marker a request found ("Working with delete markers"):
 * x-amz-delete-marker and its version id; named by its id (405), also
 * when it was made and the one method it allows.
 */

ngx_int_t
ngx_sos_versioning_marker(ngx_http_request_t *r, sos_object_info_t *marker,
    ngx_uint_t by_id)
{
    u_char    *p;
    ngx_str_t  v;

    if (marker->version_id[0]) {
        v.data = (u_char *) marker->version_id;
        v.len = ngx_strlen(marker->version_id);

    } else {
        v = ngx_sos_versioning_null;
    }

    if (ngx_sos_header_add(r, "x-amz-delete-marker",
                           &ngx_sos_versioning_true)
        != NGX_OK
        || ngx_sos_header_add(r, "x-amz-version-id", &v) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!by_id) {
        return NGX_OK;
    }

    /* nginx sends last_modified_time with a 200 only: a header of ours */

    p = ngx_pnalloc(r->pool, sizeof("Mon, 28 Sep 1970 06:00:00 GMT") - 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v.data = p;
    v.len = ngx_http_time(p, (time_t) marker->mtime) - p;

    if (ngx_sos_header_add(r, "Last-Modified", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_sos_header_add(r, "Allow", &ngx_sos_versioning_delete);
}


/*
 * The authorization step (the owner only) looks the bucket up in the
 * pool thread; done answers in the loop.  NGX_DONE once posted.
 */

static ngx_int_t
ngx_sos_versioning_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job),
    ngx_sos_versioning_body_t *cfg)
{
    ngx_sos_job_t  *job;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_versioning_body_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    if (cfg) {
        ngx_memcpy(job->data, cfg, sizeof(ngx_sos_versioning_body_t));
        cfg = job->data;
        cfg->name = ctx->bucket;

        if (cfg->status != SOS_VERSIONING_OFF && !cfg->mfa_enabled) {
            job->run = ngx_sos_versioning_put_run;
        }
    }

    job->done = done;

    return ngx_sos_job_start(r, job);
}


/* the pool thread: the bucket as the step found it, or nothing */

static void
ngx_sos_versioning_put_run(ngx_sos_job_t *job)
{
    ngx_sos_versioning_body_t  *cfg = job->data;

    job->rc = sos_bucket_set_versioning(job->store, (char *) cfg->name.data,
                                        cfg->name.len, job->ctx->authz.bucket,
                                        (sos_versioning_e) cfg->status,
                                        &job->err);
}


static ngx_int_t
ngx_sos_versioning_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    sos_bucket_t       *b;
    ngx_sos_xml_out_t   x;

    b = &job->ctx->authz.bucket->bucket;

    ngx_sos_xml_out_init(&x, r->pool, 256);

    switch (b->versioning) {

    case SOS_VERSIONING_ENABLED:
        ngx_sos_xml_literal(&x, "<VersioningConfiguration xmlns=\""
                                NGX_SOS_XMLNS "\"><Status>Enabled</Status>"
                                "</VersioningConfiguration>");
        break;

    case SOS_VERSIONING_SUSPENDED:
        ngx_sos_xml_literal(&x, "<VersioningConfiguration xmlns=\""
                                NGX_SOS_XMLNS "\"><Status>Suspended</Status>"
                                "</VersioningConfiguration>");
        break;

    default:
        /* versioning has never been enabled: no Status at all */
        ngx_sos_xml_literal(&x, "<VersioningConfiguration xmlns=\""
                                NGX_SOS_XMLNS "\"/>");
    }

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static ngx_int_t
ngx_sos_versioning_put_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_versioning_body_t  *cfg = job->data;

    if (cfg->mfa_enabled) {
        ngx_str_set(&job->ctx->error_message,
                    "MFA delete is not implemented.");
        return ngx_sos_error_send_ctx(r, job->ctx,
                                      NGX_SOS_ERR_NOT_IMPLEMENTED);
    }

    /* a Status was set (or none asked for: nothing to change) */

    if (job->run && job->rc == SOS_ESTATE) {

        /* the only state refused: Suspended with Object Lock (S3) */

        ngx_str_set(&job->ctx->error_message,
                    "An Object Lock configuration is present on this "
                    "bucket, so the versioning state cannot be changed.");
        return ngx_sos_error_send_ctx(r, job->ctx,
                                      NGX_SOS_ERR_INVALID_BUCKET_STATE);
    }

    if (job->run && job->rc != SOS_OK) {
        return ngx_sos_error_send_ctx(r, job->ctx,
                                      ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);
}


/* PutBucketVersioning, once the body is read */

static void
ngx_sos_versioning_body(ngx_http_request_t *r)
{
    ngx_sos_ctx_t              *ctx;
    ngx_sos_err_e               err;
    ngx_sos_versioning_body_t   cfg;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    ngx_memzero(&cfg, sizeof(ngx_sos_versioning_body_t));

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "VersioningConfiguration",
                            NGX_SOS_VERSIONING_TEXT_MAX,
                            ngx_sos_versioning_xml, &cfg);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r, err));
        return;
    }

    ngx_http_finalize_request(r, ngx_sos_versioning_start(r, ctx,
                                        ngx_sos_versioning_put_done, &cfg));
}


static ngx_int_t
ngx_sos_versioning_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_versioning_body_t  *cfg = data;

    ngx_str_t  t;

    if (text == NULL) {
        return (ngx_sos_xml_path_is(path, "Status")
                || ngx_sos_xml_path_is(path, "MfaDelete"))
               ? NGX_OK : NGX_DECLINED;
    }

    t = *text;
    ngx_sos_xml_trim(&t);

    if (ngx_sos_xml_path_is(path, "Status")) {
        if (t.len == 7 && ngx_strncmp(t.data, "Enabled", 7) == 0) {
            cfg->status = SOS_VERSIONING_ENABLED;
            return NGX_OK;
        }

        if (t.len == 9 && ngx_strncmp(t.data, "Suspended", 9) == 0) {
            cfg->status = SOS_VERSIONING_SUSPENDED;
            return NGX_OK;
        }

        return NGX_DECLINED;
    }

    /* MfaDelete */

    if (t.len == 7 && ngx_strncmp(t.data, "Enabled", 7) == 0) {
        cfg->mfa_enabled = 1;
        return NGX_OK;
    }

    if (t.len == 8 && ngx_strncmp(t.data, "Disabled", 8) == 0) {
        return NGX_OK;
    }

    return NGX_DECLINED;
}
