
/*
 * SOS: multipart uploads: CreateMultipartUpload, UploadPart's entry,
 * AbortMultipartUpload, what the multipart operations share
 * (ngx_sos_multipart.h), and the housekeeping that removes uploads never
 * completed.  The other operations on uploads have files of their own:
 * ngx_sos_complete.c (CompleteMultipartUpload), ngx_sos_mp_list.c
 * (ListParts, ListMultipartUploads) and ngx_sos_copy.c (UploadPartCopy,
 * beside CopyObject).
 *
 * UploadPart streams through the upload engine (ngx_sos_put.c).  The
 * upload an operation names is looked up by the authorization step
 * (ngx_sos_authz.c) for the rows that say so (NGX_SOS_OP_UPLOAD).
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"
#include "ngx_sos_multipart.h"


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    char                     upload_id[SOS_UPLOAD_ID_LEN + 1];

    /* CreateMultipartUpload */
    sos_attrs_t              attrs;
    ngx_sos_acl_t           *acl;        /* x-amz-acl, x-amz-grant-* */
    ngx_sos_err_e            acl_err;
    const sos_retention_t   *retention;  /* x-amz-object-lock-*: NULL */
} ngx_sos_mp_t;


static ngx_sos_mp_t *ngx_sos_mp_job(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_job_t **job);
static void ngx_sos_mp_create_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_create_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_abort_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_abort_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);

static void ngx_sos_mp_expire_timer(ngx_event_t *ev);
static void ngx_sos_mp_expire_thread(void *data, ngx_log_t *log);
static void ngx_sos_mp_expire_done(ngx_event_t *ev);


/* ------------------------------------------------------------------ */
/* shared                                                             */


ngx_int_t
ngx_sos_mp_upload_id(ngx_http_request_t *r, char *upload_id)
{
    ngx_str_t   v;
    ngx_uint_t  i;

    if (ngx_sos_arg(r, "uploadId", &v) != NGX_OK
        || v.len != SOS_UPLOAD_ID_LEN)
    {
        return NGX_DECLINED;
    }

    for (i = 0; i < v.len; i++) {
        if (!((v.data[i] >= '0' && v.data[i] <= '9')
              || (v.data[i] >= 'a' && v.data[i] <= 'f')))
        {
            return NGX_DECLINED;
        }
    }

    ngx_memcpy(upload_id, v.data, v.len);
    upload_id[v.len] = '\0';

    return NGX_OK;
}


ngx_int_t
ngx_sos_mp_part_number(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    uint32_t *n)
{
    ngx_int_t  v;
    ngx_str_t  s;

    v = NGX_ERROR;

    if (ngx_sos_arg(r, "partNumber", &s) == NGX_OK
        && s.len && s.len <= 5)
    {
        v = ngx_atoi(s.data, s.len);
    }

    if (v < 1 || v > NGX_SOS_MP_MAX_PARTS) {
        ngx_str_set(&ctx->error_message, "Part number must be an integer "
                    "between 1 and 10000, inclusive");
        ngx_str_set(&ctx->error_extra,
                    "<ArgumentName>partNumber</ArgumentName>");
        return NGX_DECLINED;
    }

    *n = (uint32_t) v;

    return NGX_OK;
}


sos_checksum_alg_e
ngx_sos_mp_checksum_alg(ngx_sos_ctx_t *ctx)
{
    sos_str_t  *a;

    a = &ctx->authz.object.attrs.checksum_algorithm;

    return sos_checksum_lookup(a->data, a->len);
}


/*
 * x-amz-checksum-type: COMPOSITE (the default), or FULL_OBJECT for the
 * CRCs, which an upload keeps as its checksum value until it completes.
 * CRC64NVME is FULL_OBJECT only (its default), SHA1 and SHA256 COMPOSITE
 * only; a type without an algorithm is refused.  The messages are those
 * of S3 (versity/versitygw tests/test_rest_multipart*.sh, run against
 * AWS).
 */

ngx_sos_err_e
ngx_sos_mp_checksum_type(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_attrs_t *attrs)
{
    ngx_uint_t           full;
    ngx_table_elt_t     *h;
    sos_checksum_alg_e   alg;

    alg = sos_checksum_lookup(attrs->checksum_algorithm.data,
                              attrs->checksum_algorithm.len);

    h = ngx_sos_header_find(r, "x-amz-checksum-type");

    if (h == NULL) {
        full = (alg == SOS_CHECKSUM_CRC64NVME);

    } else if (h->value.len == sizeof("COMPOSITE") - 1
               && ngx_strncasecmp(h->value.data, (u_char *) "COMPOSITE",
                                  h->value.len) == 0)
    {
        full = 0;

    } else if (h->value.len == sizeof("FULL_OBJECT") - 1
               && ngx_strncasecmp(h->value.data, (u_char *) "FULL_OBJECT",
                                  h->value.len) == 0)
    {
        full = 1;

    } else {
        ngx_str_set(&ctx->error_message,
                    "Value for x-amz-checksum-type header is invalid.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (h != NULL && alg == SOS_CHECKSUM_NONE) {
        ngx_str_set(&ctx->error_message, "The x-amz-checksum-type header can "
                    "only be used with the x-amz-checksum-algorithm header.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (!full && alg == SOS_CHECKSUM_CRC64NVME) {
        ngx_str_set(&ctx->error_message, "The COMPOSITE checksum type cannot "
                    "be used with the crc64nvme checksum algorithm.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (full && alg == SOS_CHECKSUM_SHA1) {
        ngx_str_set(&ctx->error_message, "The FULL_OBJECT checksum type "
                    "cannot be used with the sha1 checksum algorithm.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (full && alg == SOS_CHECKSUM_SHA256) {
        ngx_str_set(&ctx->error_message, "The FULL_OBJECT checksum type "
                    "cannot be used with the sha256 checksum algorithm.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (full) {
        attrs->checksum_value.data = "FULL_OBJECT";
        attrs->checksum_value.len = sizeof("FULL_OBJECT") - 1;
    }

    return NGX_SOS_OK;
}


ngx_uint_t
ngx_sos_mp_checksum_full(sos_attrs_t *attrs)
{
    return attrs->checksum_value.len == sizeof("FULL_OBJECT") - 1
           && ngx_strncmp(attrs->checksum_value.data, "FULL_OBJECT",
                          attrs->checksum_value.len) == 0;
}


void
ngx_sos_mp_checksum_element(ngx_sos_xml_out_t *x, sos_checksum_alg_e alg,
    u_char *value, size_t len)
{
    u_char  name[32];

    if (alg == SOS_CHECKSUM_NONE || len == 0) {
        return;
    }

    /* ChecksumCRC32, ChecksumCRC64NVME, ChecksumSHA256 ... */

    ngx_sprintf(name, "Checksum%s%Z", sos_checksum_name(alg));

    ngx_sos_xml_element(x, (char *) name, value, len, 0);
}


static ngx_sos_mp_t *
ngx_sos_mp_job(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_job_t **job)
{
    ngx_sos_mp_t  *mp;

    *job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_mp_t));
    if (*job == NULL) {
        return NULL;
    }

    mp = (*job)->data;
    mp->bucket = ctx->bucket;
    mp->key = ctx->key;

    return mp;
}


/* ------------------------------------------------------------------ */
/* CreateMultipartUpload                                              */


ngx_int_t
ngx_sos_mp_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_mp_t            *mp;
    ngx_sos_err_e            err;
    ngx_sos_job_t           *job;
    ngx_table_elt_t         *h;
    sos_checksum_alg_e       alg;

    mp = ngx_sos_mp_job(r, ctx, &job);
    if (mp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    err = ngx_sos_object_attrs(r, ctx, &mp->attrs);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    mp->attrs.owner.data = (char *) ctx->auth.org_id;
    mp->attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    /* the parts' checksum, combined into the object's at completion */

    h = ngx_sos_header_find(r, "x-amz-checksum-algorithm");

    if (h) {
        alg = sos_checksum_lookup((char *) h->value.data, h->value.len);

        if (alg == SOS_CHECKSUM_NONE) {
            ngx_str_set(&ctx->error_message, "Checksum algorithm provided "
                        "is unsupported. Please try again with any of the "
                        "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, "
                        "SHA256]");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_REQUEST);
        }

        mp->attrs.checksum_algorithm.data =
                                       (char *) sos_checksum_name(alg);
        mp->attrs.checksum_algorithm.len =
                                       ngx_strlen(sos_checksum_name(alg));
    }

    err = ngx_sos_mp_checksum_type(r, ctx, &mp->attrs);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /* the ACL the object gets when the upload completes */

    err = ngx_sos_acl_from_headers(r, ctx, 0, &mp->acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /* the Object Lock the object gets when the upload completes */

    err = ngx_sos_retention_headers(r, ctx, 0, &mp->retention);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    job->run = ngx_sos_mp_create_run;
    job->done = ngx_sos_mp_create_done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_mp_create_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    if (ngx_sos_object_acl_build(job, mp->acl, &mp->attrs, &mp->acl_err)
        != NGX_OK)
    {
        return;
    }

    job->rc = sos_upload_create_retention(job->store,
                                          (char *) mp->bucket.data,
                                          mp->bucket.len,
                                          (char *) mp->key.data, mp->key.len,
                                          &mp->attrs, mp->retention,
                                          mp->upload_id, &job->err);
}


static ngx_int_t
ngx_sos_mp_create_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_str_t          v;
    ngx_sos_xml_out_t  x;

    if (job->rc != SOS_OK) {
        return ngx_sos_retention_error(r, job->ctx, job->rc);
    }

    if (mp->acl_err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, job->ctx, mp->acl_err);
    }

    if (mp->attrs.checksum_algorithm.len) {
        v.data = (u_char *) mp->attrs.checksum_algorithm.data;
        v.len = mp->attrs.checksum_algorithm.len;

        if (ngx_sos_header_add(r, "x-amz-checksum-algorithm", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_sos_mp_checksum_full(&mp->attrs)) {
            ngx_str_set(&v, "FULL_OBJECT");

        } else {
            ngx_str_set(&v, "COMPOSITE");
        }

        if (ngx_sos_header_add(r, "x-amz-checksum-type", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_sos_xml_out_init(&x, r->pool, 1024);
    ngx_sos_xml_literal(&x,
                        "<InitiateMultipartUploadResult xmlns=\""
                        NGX_SOS_XMLNS "\">");
    ngx_sos_xml_element(&x, "Bucket", mp->bucket.data, mp->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", mp->key.data, mp->key.len, 0);
    ngx_sos_xml_element(&x, "UploadId", (u_char *) mp->upload_id,
                        SOS_UPLOAD_ID_LEN, 0);
    ngx_sos_xml_literal(&x, "</InitiateMultipartUploadResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* ------------------------------------------------------------------ */
/* UploadPart                                                         */


ngx_int_t
ngx_sos_mp_upload_part(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    char      *id;
    uint32_t   n;

    if (ngx_sos_mp_part_number(r, ctx, &n) != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    id = ngx_pnalloc(r->pool, SOS_UPLOAD_ID_LEN + 1);
    if (id == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_sos_mp_upload_id(r, id) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    return ngx_sos_put_part(r, ctx, (u_char *) id, n);
}


/* ------------------------------------------------------------------ */
/* AbortMultipartUpload                                               */


ngx_int_t
ngx_sos_mp_abort(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_mp_t   *mp;
    ngx_sos_job_t  *job;

    mp = ngx_sos_mp_job(r, ctx, &job);
    if (mp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_sos_mp_upload_id(r, mp->upload_id) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    job->run = ngx_sos_mp_abort_run;
    job->done = ngx_sos_mp_abort_done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_mp_abort_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    job->rc = sos_upload_abort(job->store, (char *) mp->bucket.data,
                               mp->bucket.len, (char *) mp->key.data,
                               mp->key.len, mp->upload_id, &job->err);
}


static ngx_int_t
ngx_sos_mp_abort_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_send_xml(r, NGX_HTTP_NO_CONTENT, NULL);
}


/* ------------------------------------------------------------------ */
/* Housekeeping: uploads never completed                              */


/*
 * A timer in the worker posts one sweep at a time to the thread pool:
 * uploads initiated more than sos_upload_expiry ago are aborted, their
 * part files removed.  The sweep runs every quarter of the expiry, at
 * least every second and at most every hour.
 */

static ngx_event_t         ngx_sos_mp_expire_ev;
static ngx_thread_task_t  *ngx_sos_mp_expire_task;


typedef struct {
    sos_store_t             *store;
    int64_t                  older_than;
    uint64_t                 removed;
    sos_rc_e                 rc;
    sos_error_t              err;
} ngx_sos_mp_expire_t;


static ngx_msec_t
ngx_sos_mp_expire_period(ngx_sos_main_conf_t *smcf)
{
    time_t  t;

    t = smcf->upload_expiry / 4;

    if (t < 1) {
        t = 1;
    }

    if (t > 3600) {
        t = 3600;
    }

    return (ngx_msec_t) t * 1000;
}


ngx_int_t
ngx_sos_mp_init_process(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf)
{
    ngx_sos_mp_expire_task = ngx_thread_task_alloc(cycle->pool,
                                              sizeof(ngx_sos_mp_expire_t));
    if (ngx_sos_mp_expire_task == NULL) {
        return NGX_ERROR;
    }

    ngx_sos_mp_expire_task->handler = ngx_sos_mp_expire_thread;
    ngx_sos_mp_expire_task->event.handler = ngx_sos_mp_expire_done;
    ngx_sos_mp_expire_task->event.data = smcf;
    ngx_sos_mp_expire_task->event.log = cycle->log;

    ngx_sos_mp_expire_ev.handler = ngx_sos_mp_expire_timer;
    ngx_sos_mp_expire_ev.data = smcf;
    ngx_sos_mp_expire_ev.log = cycle->log;
    ngx_sos_mp_expire_ev.cancelable = 1;

    ngx_add_timer(&ngx_sos_mp_expire_ev, ngx_sos_mp_expire_period(smcf));

    return NGX_OK;
}


static void
ngx_sos_mp_expire_timer(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_sos_mp_expire_t  *ex;

    if (smcf->store == NULL || ngx_exiting || ngx_quit || ngx_terminate) {
        if (!ngx_exiting && !ngx_quit && !ngx_terminate) {
            ngx_add_timer(ev, ngx_sos_mp_expire_period(smcf));
        }

        return;
    }

    ex = ngx_sos_mp_expire_task->ctx;
    ngx_memzero(ex, sizeof(ngx_sos_mp_expire_t));
    ex->store = smcf->store;
    ex->older_than = (int64_t) ngx_time() - smcf->upload_expiry;

    if (ngx_thread_task_post(smcf->thread_pool, ngx_sos_mp_expire_task)
        != NGX_OK)
    {
        ngx_add_timer(ev, ngx_sos_mp_expire_period(smcf));
        return;
    }

    ngx_sos_store_hold();
}


static void
ngx_sos_mp_expire_thread(void *data, ngx_log_t *log)
{
    ngx_sos_mp_expire_t *ex = data;

    ex->rc = sos_upload_expire(ex->store, ex->older_than, &ex->removed,
                               &ex->err);
}


static void
ngx_sos_mp_expire_done(ngx_event_t *ev)
{
    ngx_sos_main_conf_t *smcf = ev->data;

    ngx_sos_mp_expire_t  *ex;

    ex = ngx_sos_mp_expire_task->ctx;

    ngx_sos_store_unhold();

    if (ex->rc != SOS_OK) {
        ngx_log_error(NGX_LOG_ERR, ev->log, ex->err.sys_errno,
                      "sos: expiring stale uploads: %s", ex->err.msg);

    } else if (ex->removed) {
        ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                      "sos: removed %uL upload(s) older than %T s",
                      ex->removed, smcf->upload_expiry);
    }

    if (!ngx_exiting && !ngx_quit && !ngx_terminate) {
        ngx_add_timer(&ngx_sos_mp_expire_ev, ngx_sos_mp_expire_period(smcf));
    }
}
