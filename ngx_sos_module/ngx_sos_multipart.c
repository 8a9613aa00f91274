
/*
 * SOS: multipart uploads: CreateMultipartUpload, UploadPart,
 * UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload,
 * ListParts, ListMultipartUploads; and the housekeeping that removes
 * uploads never completed.
 *
 * UploadPart streams through the upload engine (ngx_sos_put.c).
 * Completing writes no data: the object becomes a manifest of the part
 * files, so the answer is a normal one, sent once the index commit is
 * done, and every error has its own status (S3's 200-then-Error body is
 * only needed by a server that starts answering before it knows).
 */


#include "ngx_sos_module.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_acl.h"
#include <sosproto/checksum.h>


#define NGX_SOS_MP_BODY_MAX      (2 * 1024 * 1024)
#define NGX_SOS_MP_TEXT_MAX      1024
#define NGX_SOS_MP_COPY_BUF      (1024 * 1024)
#define NGX_SOS_MP_MAX_PARTS     10000
#define NGX_SOS_MP_LIST_MAX      1000


/* A part of a ListParts page, copied out of the store's callback. */
typedef struct {
    uint32_t                 number;
    uint64_t                 size;
    int64_t                  mtime;
    char                     etag[SOS_ETAG_MAX + 1];
    u_char                   cksum[SOS_CHECKSUM_MAX_B64 + 1];
} ngx_sos_mp_part_t;


/* An upload or a common prefix of a ListMultipartUploads page. */
typedef struct {
    u_char                  *key;        /* malloc()ed in the thread */
    size_t                   key_len;
    ngx_uint_t               is_prefix;
    char                     upload_id[SOS_UPLOAD_ID_LEN + 1];
    int64_t                  initiated;
    char                     owner[SOS_ID_LEN + 1];
} ngx_sos_mp_upload_t;


/* A part named in a CompleteMultipartUpload body. */
typedef struct {
    sos_part_ref_t           ref;
    ngx_str_t                cksum;      /* Checksum<ALG>, may be empty */
    ngx_uint_t               has_number;
} ngx_sos_mp_ref_t;


typedef struct {
    ngx_pool_t              *pool;
    ngx_array_t              refs;       /* of ngx_sos_mp_ref_t */
    ngx_sos_mp_ref_t        *cur;
    ngx_uint_t               failed;
} ngx_sos_mp_xml_t;


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    u_char                  *org_id;
    char                     upload_id[SOS_UPLOAD_ID_LEN + 1];

    /* create */
    sos_attrs_t              attrs;
    ngx_sos_acl_t           *acl;        /* x-amz-acl, x-amz-grant-* */
    ngx_sos_err_e            acl_err;

    /* upload stat: owner, checksum algorithm */
    sos_object_info_t        info;
    sos_checksum_alg_e       alg;

    /* ListParts */
    uint32_t                 marker;
    ngx_uint_t               max;
    int                      truncated;
    ngx_sos_mp_part_t       *parts;
    ngx_uint_t               n_parts;

    /* CompleteMultipartUpload */
    ngx_sos_mp_ref_t        *refs;
    ngx_uint_t               n_refs;
    ngx_uint_t               i_ref;      /* merge position */
    ngx_uint_t               cksum_missing;
    ngx_uint_t               cksum_mismatch;
    sos_checksum_t           composite;
    sos_put_opts_t           opts;
    char                     if_match[SOS_ETAG_MAX + 1];
    u_char                   cksum[SOS_CHECKSUM_MAX_B64 + 8];
    size_t                   cksum_len;
    char                     etag[SOS_ETAG_MAX + 1];
    ngx_uint_t               culprit;    /* 1 + index of the failed ref */
    uint64_t                 culprit_size;

    /* UploadPartCopy */
    ngx_str_t                src_bucket;
    ngx_str_t                src_key;
    ngx_uint_t               src_bad_version;
    uint32_t                 part_number;
    ngx_uint_t               has_range;
    uint64_t                 range_a;
    uint64_t                 range_b;
    ngx_uint_t               bad_range;
    ngx_str_t                if_match_src;
    ngx_str_t                if_none_match_src;
    time_t                   if_modified_since;
    time_t                   if_unmodified_since;
    ngx_uint_t               precondition;
    uint64_t                 max_size;
    int64_t                  mtime;

    /* ListMultipartUploads */
    ngx_str_t                prefix;
    ngx_str_t                delimiter;
    ngx_str_t                key_marker;
    char                     upload_id_marker[SOS_UPLOAD_ID_LEN + 1];
    ngx_uint_t               url;
    ngx_sos_mp_upload_t     *uploads;
    ngx_uint_t               n_uploads;
    ngx_uint_t               cap_uploads;
    ngx_uint_t               more;       /* an entry beyond max was seen */
    ngx_uint_t               oom;
    u_char                  *scan_key;   /* where the next page starts */
    size_t                   scan_key_len;
    char                     scan_id[SOS_UPLOAD_ID_LEN + 1];
} ngx_sos_mp_t;


static ngx_int_t ngx_sos_mp_max_arg(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *name, ngx_uint_t *max);
static ngx_int_t ngx_sos_mp_upload_id(ngx_http_request_t *r,
    ngx_sos_mp_t *mp);
static ngx_int_t ngx_sos_mp_part_number(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, uint32_t *n);
static ngx_int_t ngx_sos_mp_error(ngx_http_request_t *r, ngx_sos_job_t *job);
static void ngx_sos_mp_checksum_element(ngx_sos_xml_out_t *x,
    sos_checksum_alg_e alg, u_char *value, size_t len);
static void ngx_sos_mp_stat(ngx_sos_job_t *job, ngx_sos_mp_t *mp);

static void ngx_sos_mp_create_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_create_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_abort_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_abort_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static int ngx_sos_mp_part_cb(void *data, const sos_part_info_t *part);
static void ngx_sos_mp_parts_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_parts_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_complete_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_mp_complete_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static int ngx_sos_mp_composite_cb(void *data, const sos_part_info_t *part);
static int ngx_sos_mp_culprit_cb(void *data, const sos_part_info_t *part);
static void ngx_sos_mp_culprit(ngx_sos_job_t *job, ngx_sos_mp_t *mp);
static ngx_int_t ngx_sos_mp_complete_error(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_complete_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_complete_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_copy_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_copy_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static int ngx_sos_mp_uploads_cb(void *data, const sos_upload_entry_t *e);
static void ngx_sos_mp_uploads_run(ngx_sos_job_t *job);
static void ngx_sos_mp_uploads_free(void *data);
static ngx_int_t ngx_sos_mp_uploads_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);

static void ngx_sos_mp_expire_timer(ngx_event_t *ev);
static void ngx_sos_mp_expire_thread(void *data, ngx_log_t *log);
static void ngx_sos_mp_expire_done(ngx_event_t *ev);


/* ------------------------------------------------------------------ */
/* shared                                                             */


/* ?uploadId: SOS_UPLOAD_ID_LEN hex digits, else no such upload */

static ngx_int_t
ngx_sos_mp_upload_id(ngx_http_request_t *r, ngx_sos_mp_t *mp)
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

    ngx_memcpy(mp->upload_id, v.data, v.len);
    mp->upload_id[v.len] = '\0';

    return NGX_OK;
}


/* ?partNumber: 1..10000, else InvalidArgument */

static ngx_int_t
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


/* the answer for a failed store call */

static ngx_int_t
ngx_sos_mp_error(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    if (job->rc == SOS_EINVAL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    return NGX_DECLINED;
}


static void
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


/* pool thread: the upload the authorization step found */

static void
ngx_sos_mp_stat(ngx_sos_job_t *job, ngx_sos_mp_t *mp)
{
    sos_str_t  *a;

    mp->info = job->ctx->authz.object;

    a = &mp->info.attrs.checksum_algorithm;
    mp->alg = sos_checksum_lookup(a->data, a->len);
}


static ngx_sos_mp_t *
ngx_sos_mp_job(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_job_t **job)
{
    ngx_sos_mp_t        *mp;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    *job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_mp_t));
    if (*job == NULL) {
        return NULL;
    }

    mp = (*job)->data;
    mp->bucket = ctx->bucket;
    mp->key = ctx->key;
    mp->org_id = ctx->auth.org_id;

    /* what the thread may have left: listed uploads */

    cln->handler = ngx_sos_mp_uploads_free;
    cln->data = mp;

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

    h = ngx_sos_header_find(r, "x-amz-checksum-type");

    if (h && !(h->value.len == sizeof("COMPOSITE") - 1
               && ngx_strncasecmp(h->value.data, (u_char *) "COMPOSITE",
                                  h->value.len) == 0))
    {
        ngx_str_set(&ctx->error_message, "Only the COMPOSITE checksum type "
                    "is supported for multipart uploads.");
        ngx_str_set(&ctx->error_extra, "<Header>x-amz-checksum-type</Header>");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_NOT_IMPLEMENTED);
    }

    /* the ACL the object gets when the upload completes */

    err = ngx_sos_acl_from_headers(r, ctx, 0, &mp->acl);
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

    if (mp->acl) {
        mp->acl_err = ngx_sos_acl_build(job->store, mp->acl,
                                        (char *) mp->org_id,
                                        job->ctx->authz.bucket->bucket.owner,
                                        &job->rc, &job->err);
        if (mp->acl_err != NGX_SOS_OK || job->rc != SOS_OK) {
            return;
        }

        mp->attrs.acl.data = (char *) mp->acl->blob;
        mp->attrs.acl.len = mp->acl->blob_len;
    }

    job->rc = sos_upload_create(job->store, (char *) mp->bucket.data,
                                mp->bucket.len, (char *) mp->key.data,
                                mp->key.len, &mp->attrs, mp->upload_id,
                                &job->err);
}


static ngx_int_t
ngx_sos_mp_create_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_int_t          rc;
    ngx_str_t          v;
    ngx_sos_xml_out_t  x;

    rc = ngx_sos_mp_error(r, job);
    if (rc != NGX_DECLINED) {
        return rc;
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

        ngx_str_set(&v, "COMPOSITE");

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
    uint32_t       n;
    ngx_sos_mp_t   id;
    u_char        *p;

    if (ngx_sos_mp_part_number(r, ctx, &n) != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    if (ngx_sos_mp_upload_id(r, &id) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    p = ngx_pnalloc(r->pool, SOS_UPLOAD_ID_LEN + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(p, id.upload_id, SOS_UPLOAD_ID_LEN + 1);

    return ngx_sos_put_part(r, ctx, p, n);
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

    if (ngx_sos_mp_upload_id(r, mp) != NGX_OK) {
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
    ngx_int_t  rc;

    rc = ngx_sos_mp_error(r, job);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    return ngx_sos_send_xml(r, NGX_HTTP_NO_CONTENT, NULL);
}


/* max-parts / max-uploads: at most NGX_SOS_MP_LIST_MAX, the default */

static ngx_int_t
ngx_sos_mp_max_arg(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *name,
    ngx_uint_t *max)
{
    u_char     *p;
    size_t      len;
    ngx_int_t   n;
    ngx_str_t   v;

    *max = NGX_SOS_MP_LIST_MAX;

    if (ngx_sos_query_arg(r, name, &v) != NGX_OK) {
        return NGX_OK;
    }

    n = ngx_atoi(v.data, v.len);

    if (n == NGX_ERROR) {
        len = ngx_strlen(name);

        p = ngx_pnalloc(r->pool, 2 * len
                        + sizeof("Provided  not an integer or within "
                                 "integer range") - 1
                        + sizeof("<ArgumentName></ArgumentName>") - 1);
        if (p != NULL) {
            ctx->error_message.data = p;
            p = ngx_sprintf(p, "Provided %s not an integer or within "
                            "integer range", name);
            ctx->error_message.len = p - ctx->error_message.data;

            ctx->error_extra.data = p;
            p = ngx_sprintf(p, "<ArgumentName>%s</ArgumentName>", name);
            ctx->error_extra.len = p - ctx->error_extra.data;
        }

        return NGX_ERROR;
    }

    *max = ngx_min((ngx_uint_t) n, NGX_SOS_MP_LIST_MAX);

    return NGX_OK;
}


/* ------------------------------------------------------------------ */
/* ListParts                                                          */


ngx_int_t
ngx_sos_mp_list_parts(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t       n;
    ngx_str_t       v;
    ngx_sos_mp_t   *mp;
    ngx_sos_job_t  *job;

    mp = ngx_sos_mp_job(r, ctx, &job);
    if (mp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_sos_mp_max_arg(r, ctx, "max-parts", &mp->max) != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    if (ngx_sos_query_arg(r, "part-number-marker", &v) == NGX_OK && v.len) {
        n = ngx_atoi(v.data, v.len);

        if (n == NGX_ERROR) {
            ngx_str_set(&ctx->error_message, "Provided part-number-marker "
                        "not an integer or within integer range");
            ngx_str_set(&ctx->error_extra,
                        "<ArgumentName>part-number-marker</ArgumentName>");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        mp->marker = (uint32_t) ngx_min(n, NGX_SOS_MP_MAX_PARTS);
    }

    if (ngx_sos_mp_upload_id(r, mp) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    ctx->authz.upload_id = mp->upload_id;

    mp->parts = ngx_palloc(r->pool,
                           (mp->max + 1) * sizeof(ngx_sos_mp_part_t));
    if (mp->parts == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->run = ngx_sos_mp_parts_run;
    job->done = ngx_sos_mp_parts_done;

    return ngx_sos_job_start(r, job);
}


static int
ngx_sos_mp_part_cb(void *data, const sos_part_info_t *part)
{
    ngx_sos_mp_t *mp = data;

    ngx_sos_mp_part_t  *p;

    p = &mp->parts[mp->n_parts++];

    p->number = part->part_number;
    p->size = part->size;
    p->mtime = part->mtime;
    ngx_cpystrn((u_char *) p->etag, (u_char *) part->etag,
                sizeof(p->etag));

    p->cksum[0] = '\0';

    if (part->checksum_value.len <= SOS_CHECKSUM_MAX_B64) {
        ngx_memcpy(p->cksum, part->checksum_value.data,
                   part->checksum_value.len);
        p->cksum[part->checksum_value.len] = '\0';
    }

    return 0;
}


static void
ngx_sos_mp_parts_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_sos_mp_stat(job, mp);

    if (mp->max == 0) {
        return;
    }

    job->rc = sos_upload_list_parts(job->store, (char *) mp->bucket.data,
                                    mp->bucket.len, (char *) mp->key.data,
                                    mp->key.len, mp->upload_id, mp->marker,
                                    (unsigned) mp->max, ngx_sos_mp_part_cb,
                                    mp, &mp->truncated, &job->err);
}


static ngx_int_t
ngx_sos_mp_parts_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_int_t           rc;
    ngx_uint_t          i;
    ngx_sos_mp_part_t  *p;
    ngx_sos_xml_out_t   x;
    sos_str_t          *owner;

    rc = ngx_sos_mp_error(r, job);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    owner = &mp->info.attrs.owner;

    ngx_sos_xml_out_init(&x, r->pool, 4096);
    ngx_sos_xml_literal(&x,
                        "<ListPartsResult xmlns=\"" NGX_SOS_XMLNS "\">");
    ngx_sos_xml_element(&x, "Bucket", mp->bucket.data, mp->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", mp->key.data, mp->key.len, 0);
    ngx_sos_xml_element(&x, "UploadId", (u_char *) mp->upload_id,
                        SOS_UPLOAD_ID_LEN, 0);
    ngx_sos_xml_element_uint(&x, "PartNumberMarker", mp->marker);

    if (mp->n_parts) {
        ngx_sos_xml_element_uint(&x, "NextPartNumberMarker",
                                 mp->parts[mp->n_parts - 1].number);
    }

    ngx_sos_xml_element_uint(&x, "MaxParts", mp->max);

    if (mp->truncated) {
        ngx_sos_xml_literal(&x, "<IsTruncated>true</IsTruncated>");

    } else {
        ngx_sos_xml_literal(&x, "<IsTruncated>false</IsTruncated>");
    }

    for (i = 0; i < mp->n_parts; i++) {
        p = &mp->parts[i];

        ngx_sos_xml_literal(&x, "<Part>");
        ngx_sos_xml_element_uint(&x, "PartNumber", p->number);
        ngx_sos_xml_element_time(&x, "LastModified", (time_t) p->mtime, 0);
        ngx_sos_xml_element_etag(&x, p->etag);
        ngx_sos_xml_element_uint(&x, "Size", p->size);
        ngx_sos_mp_checksum_element(&x, mp->alg, p->cksum,
                                    ngx_strlen(p->cksum));
        ngx_sos_xml_literal(&x, "</Part>");
    }

    ngx_sos_xml_literal(&x, "<Initiator>");
    ngx_sos_xml_element(&x, "ID", (u_char *) owner->data, owner->len, 0);
    ngx_sos_xml_element(&x, "DisplayName", (u_char *) owner->data,
                        owner->len, 0);
    ngx_sos_xml_literal(&x, "</Initiator><Owner>");
    ngx_sos_xml_element(&x, "ID", (u_char *) owner->data, owner->len, 0);
    ngx_sos_xml_element(&x, "DisplayName", (u_char *) owner->data,
                        owner->len, 0);
    ngx_sos_xml_literal(&x, "</Owner><StorageClass>STANDARD</StorageClass>");

    if (mp->alg != SOS_CHECKSUM_NONE) {
        ngx_sos_xml_element(&x, "ChecksumAlgorithm",
                            (u_char *) sos_checksum_name(mp->alg),
                            ngx_strlen(sos_checksum_name(mp->alg)), 0);
        ngx_sos_xml_literal(&x, "<ChecksumType>COMPOSITE</ChecksumType>");
    }

    ngx_sos_xml_literal(&x, "</ListPartsResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* ------------------------------------------------------------------ */
/* CompleteMultipartUpload                                            */


ngx_int_t
ngx_sos_mp_complete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_body_read(r, ctx, NGX_SOS_MP_BODY_MAX,
                             ngx_sos_mp_complete_body);
}


static void
ngx_sos_mp_complete_body(ngx_http_request_t *r)
{
    ngx_str_t          v;
    ngx_uint_t         i;
    ngx_sos_mp_t      *mp;
    ngx_sos_ctx_t     *ctx;
    ngx_sos_err_e      err;
    ngx_sos_job_t     *job;
    ngx_table_elt_t   *h;
    ngx_sos_mp_xml_t   req;
    ngx_sos_mp_ref_t  *refs;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    mp = ngx_sos_mp_job(r, ctx, &job);
    if (mp == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (ngx_sos_mp_upload_id(r, mp) != NGX_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r,
                                                NGX_SOS_ERR_NO_SUCH_UPLOAD));
        return;
    }

    ctx->authz.upload_id = mp->upload_id;

    ngx_memzero(&req, sizeof(ngx_sos_mp_xml_t));
    req.pool = r->pool;

    if (ngx_array_init(&req.refs, r->pool, 16, sizeof(ngx_sos_mp_ref_t))
        != NGX_OK)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "CompleteMultipartUpload",
                            NGX_SOS_MP_TEXT_MAX, ngx_sos_mp_complete_xml,
                            &req);

    refs = req.refs.elts;

    if (err == NGX_SOS_OK) {
        if (req.refs.nelts == 0 || req.refs.nelts > NGX_SOS_MP_MAX_PARTS) {
            err = NGX_SOS_ERR_MALFORMED_XML;
        }

        for (i = 0; i < req.refs.nelts; i++) {
            if (!refs[i].has_number || refs[i].ref.etag == NULL) {
                err = NGX_SOS_ERR_MALFORMED_XML;
            }
        }
    }

    if (req.failed) {
        err = NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r, err));
        return;
    }

    mp->refs = refs;
    mp->n_refs = req.refs.nelts;

    mp->opts.bucket = (char *) ctx->bucket.data;
    mp->opts.bucket_len = ctx->bucket.len;
    mp->opts.key = (char *) ctx->key.data;
    mp->opts.key_len = ctx->key.len;

    /* conditional writes, as PutObject's */

    h = r->headers_in.if_none_match;

    if (h) {
        v = h->value;

        if (!(v.len == 1 && v.data[0] == '*')) {
            ngx_str_set(&ctx->error_message, "A header you provided implies "
                        "functionality that is not implemented");
            ngx_str_set(&ctx->error_extra, "<Header>If-None-Match</Header>");
            ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx,
                                                NGX_SOS_ERR_NOT_IMPLEMENTED));
            return;
        }

        mp->opts.if_none_match = 1;
    }

    h = r->headers_in.if_match;

    if (h) {
        v = h->value;

        if (v.len >= 2 && v.data[0] == '"' && v.data[v.len - 1] == '"') {
            v.data++;
            v.len -= 2;
        }

        if (v.len > SOS_ETAG_MAX) {
            ngx_http_finalize_request(r, ngx_sos_error_send(r,
                                          NGX_SOS_ERR_PRECONDITION_FAILED));
            return;
        }

        ngx_memcpy(mp->if_match, v.data, v.len);
        mp->if_match[v.len] = '\0';
        mp->opts.if_match = mp->if_match;
    }

    job->run = ngx_sos_mp_complete_run;
    job->done = ngx_sos_mp_complete_done;

    ngx_http_finalize_request(r, ngx_sos_job_start(r, job));
}


static ngx_int_t
ngx_sos_mp_complete_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_mp_xml_t *req = data;

    u_char     *p;
    ngx_int_t   n;

    if (ngx_sos_xml_path_is(path, "Part")) {
        if (text == NULL) {
            req->cur = ngx_array_push(&req->refs);
            if (req->cur == NULL) {
                req->failed = 1;
                return NGX_DECLINED;
            }

            ngx_memzero(req->cur, sizeof(ngx_sos_mp_ref_t));

        } else {
            req->cur = NULL;
        }

        return NGX_OK;
    }

    if (text == NULL) {
        return NGX_OK;
    }

    if (req->cur == NULL) {
        /* text outside a Part: only Part elements are known */
        return path->len > 5 && ngx_strncmp(path->data, "Part/", 5) == 0
               ? NGX_DECLINED : NGX_OK;
    }

    ngx_sos_xml_trim(text);

    if (ngx_sos_xml_path_is(path, "Part/PartNumber")) {
        n = ngx_atoi(text->data, text->len);

        if (n == NGX_ERROR || n > NGX_SOS_MP_MAX_PARTS) {
            return NGX_DECLINED;
        }

        req->cur->ref.part_number = (uint32_t) n;
        req->cur->has_number = 1;

    } else if (ngx_sos_xml_path_is(path, "Part/ETag")) {
        /* the text is the parser's: copied */
        p = ngx_pnalloc(req->pool, text->len + 1);
        if (p == NULL) {
            req->failed = 1;
            return NGX_DECLINED;
        }

        ngx_memcpy(p, text->data, text->len);
        req->cur->ref.etag = (char *) p;
        req->cur->ref.etag_len = text->len;

    } else if (path->len > sizeof("Part/Checksum") - 1
               && ngx_strncmp(path->data, "Part/Checksum",
                              sizeof("Part/Checksum") - 1) == 0)
    {
        p = ngx_pnalloc(req->pool, text->len + 1);
        if (p == NULL) {
            req->failed = 1;
            return NGX_DECLINED;
        }

        ngx_memcpy(p, text->data, text->len);
        req->cur->cksum.data = p;
        req->cur->cksum.len = text->len;
    }

    return NGX_OK;
}


/* pool thread: the parts' checksums, in the order of the request */

static int
ngx_sos_mp_composite_cb(void *data, const sos_part_info_t *part)
{
    ngx_sos_mp_t *mp = data;

    u_char             raw[SOS_CHECKSUM_MAX_SIZE + 4];
    ngx_str_t          src, dst;
    ngx_sos_mp_ref_t  *ref;

    mp->marker = part->part_number;

    while (mp->i_ref < mp->n_refs
           && mp->refs[mp->i_ref].ref.part_number < part->part_number)
    {
        /* named but not there: complete answers InvalidPart */
        mp->i_ref++;
    }

    if (mp->i_ref == mp->n_refs) {
        return 1;
    }

    ref = &mp->refs[mp->i_ref];

    if (ref->ref.part_number != part->part_number) {
        return 0;
    }

    mp->i_ref++;

    if (sos_checksum_lookup(part->checksum_algorithm.data,
                                part->checksum_algorithm.len)
        != mp->alg
        || part->checksum_value.len == 0
        || part->checksum_value.len > SOS_CHECKSUM_MAX_B64)
    {
        mp->cksum_missing = 1;
        return 0;
    }

    if (ref->cksum.len
        && (ref->cksum.len != part->checksum_value.len
            || ngx_strncmp(ref->cksum.data, part->checksum_value.data,
                           ref->cksum.len) != 0))
    {
        mp->cksum_mismatch = 1;
        return 1;
    }

    src.data = (u_char *) part->checksum_value.data;
    src.len = part->checksum_value.len;
    dst.data = raw;

    if (ngx_decode_base64(&dst, &src) != NGX_OK
        || dst.len != sos_checksum_size(mp->alg))
    {
        mp->cksum_missing = 1;
        return 0;
    }

    sos_checksum_update(&mp->composite, dst.data, dst.len);

    return 0;
}


static void
ngx_sos_mp_complete_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    u_char              digest[SOS_CHECKSUM_MAX_SIZE];
    uint32_t            marker;
    ngx_str_t           src, dst;
    ngx_uint_t          i;
    sos_attrs_t         attrs;
    sos_part_ref_t     *refs;
    sos_object_info_t   info;

    ngx_sos_mp_stat(job, mp);

    /* as S3: the parts' checksums hashed together, base64, then "-N" */

    if (mp->alg != SOS_CHECKSUM_NONE) {
        sos_checksum_start(&mp->composite, mp->alg);

        marker = 0;

        for ( ;; ) {
            mp->truncated = 0;

            job->rc = sos_upload_list_parts(job->store,
                                            (char *) mp->bucket.data,
                                            mp->bucket.len,
                                            (char *) mp->key.data,
                                            mp->key.len, mp->upload_id,
                                            marker, NGX_SOS_MP_LIST_MAX,
                                            ngx_sos_mp_composite_cb, mp,
                                            &mp->truncated, &job->err);
            if (job->rc != SOS_OK || mp->cksum_mismatch) {
                return;
            }

            if (!mp->truncated || mp->i_ref == mp->n_refs
                || mp->marker == marker)
            {
                break;
            }

            marker = mp->marker;
        }

        if (mp->i_ref != mp->n_refs) {
            /* a named part is missing: complete says which */
            mp->cksum_missing = 1;
        }

        if (!mp->cksum_missing) {
            src.data = digest;
            src.len = sos_checksum_final(&mp->composite, digest);
            dst.data = mp->cksum;
            ngx_encode_base64(&dst, &src);
            mp->cksum_len = ngx_sprintf(dst.data + dst.len, "-%ui",
                                        mp->n_refs)
                            - mp->cksum;
        }
    }

    refs = malloc(mp->n_refs * sizeof(sos_part_ref_t));
    if (refs == NULL) {
        job->rc = SOS_ENOMEM;
        return;
    }

    for (i = 0; i < mp->n_refs; i++) {
        refs[i] = mp->refs[i].ref;
    }

    ngx_memzero(&attrs, sizeof(sos_attrs_t));
    attrs.checksum_value.data = (char *) mp->cksum;
    attrs.checksum_value.len = mp->cksum_len;
    mp->opts.attrs = &attrs;

    ngx_memzero(&info, sizeof(sos_object_info_t));

    job->rc = sos_upload_complete(job->store, &mp->opts, mp->upload_id,
                                  refs, mp->n_refs, &info, &job->err);
    free(refs);

    mp->opts.attrs = NULL;

    if (job->rc == SOS_EINVALIDPART || job->rc == SOS_ETOOSMALL) {
        ngx_sos_mp_culprit(job, mp);
    }

    if (job->rc == SOS_EPRECONDITION && mp->opts.if_match) {
        /* as PutObject: If-Match on a missing key is 404 */
        sos_object_info_release(&info);
        ngx_memzero(&info, sizeof(sos_object_info_t));

        if (sos_object_stat(job->store, mp->opts.bucket,
                            mp->opts.bucket_len, mp->opts.key,
                            mp->opts.key_len, &info, &job->err)
            == SOS_ENOTFOUND)
        {
            job->rc = SOS_ENOTFOUND;
        }
    }

    if (job->rc == SOS_OK) {
        ngx_memcpy(mp->etag, info.etag, sizeof(mp->etag));
    }

    sos_object_info_release(&info);
}


/*
 * Pool thread, after InvalidPart or EntityTooSmall: which named part, as
 * S3 tells it (<PartNumber>, <ETag>, and the size of a small one).
 */

static int
ngx_sos_mp_culprit_cb(void *data, const sos_part_info_t *part)
{
    ngx_sos_mp_t *mp = data;

    size_t             len;
    u_char            *e;
    ngx_sos_mp_ref_t  *ref;

    mp->marker = part->part_number;

    for ( /* void */ ; mp->i_ref < mp->n_refs; mp->i_ref++) {
        ref = &mp->refs[mp->i_ref];

        if (ref->ref.part_number > part->part_number) {
            return 0;
        }

        if (ref->ref.part_number < part->part_number) {
            /* never uploaded */
            mp->culprit = mp->i_ref + 1;
            return 1;
        }

        e = (u_char *) ref->ref.etag;
        len = ref->ref.etag_len;

        if (len >= 2 && e[0] == '"' && e[len - 1] == '"') {
            e++;
            len -= 2;
        }

        if (len != ngx_strlen(part->etag)
            || ngx_strncasecmp(e, (u_char *) part->etag, len) != 0)
        {
            mp->culprit = mp->i_ref + 1;
            return 1;
        }

        if (mp->i_ref + 1 < mp->n_refs && part->size < 5 * 1024 * 1024) {
            mp->culprit = mp->i_ref + 1;
            mp->culprit_size = part->size;
            return 1;
        }

        mp->i_ref++;
        return 0;
    }

    return 1;
}


static void
ngx_sos_mp_culprit(ngx_sos_job_t *job, ngx_sos_mp_t *mp)
{
    int          truncated;
    uint32_t     marker;
    sos_error_t  err;

    mp->i_ref = 0;
    mp->marker = 0;
    marker = 0;

    do {
        truncated = 0;

        if (sos_upload_list_parts(job->store, (char *) mp->bucket.data,
                                  mp->bucket.len, (char *) mp->key.data,
                                  mp->key.len, mp->upload_id, marker,
                                  NGX_SOS_MP_LIST_MAX, ngx_sos_mp_culprit_cb,
                                  mp, &truncated, &err)
            != SOS_OK)
        {
            return;
        }

        if (mp->culprit || mp->marker == marker) {
            break;
        }

        marker = mp->marker;

    } while (truncated);

    if (mp->culprit == 0 && mp->i_ref < mp->n_refs) {
        /* named parts after the last one uploaded */
        mp->culprit = mp->i_ref + 1;
    }
}


static ngx_int_t
ngx_sos_mp_complete_error(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    u_char            *p;
    size_t             len;
    ngx_sos_err_e      err;
    ngx_sos_mp_ref_t  *ref;

    err = (job->rc == SOS_ETOOSMALL) ? NGX_SOS_ERR_ENTITY_TOO_SMALL
                                     : NGX_SOS_ERR_INVALID_PART;

    if (mp->culprit == 0 || mp->culprit > mp->n_refs) {
        return ngx_sos_error_send(r, err);
    }

    ref = &mp->refs[mp->culprit - 1];

    len = sizeof("<ProposedSize></ProposedSize><MinSizeAllowed>"
                 "</MinSizeAllowed><UploadId></UploadId><PartNumber>"
                 "</PartNumber><ETag></ETag>")
          + 2 * NGX_OFF_T_LEN + SOS_UPLOAD_ID_LEN + NGX_INT32_LEN
          + ngx_sos_xml_escape_len((u_char *) ref->ref.etag,
                                   ref->ref.etag_len);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->ctx->error_extra.data = p;

    if (err == NGX_SOS_ERR_ENTITY_TOO_SMALL) {
        p = ngx_sprintf(p, "<ProposedSize>%uL</ProposedSize>"
                        "<MinSizeAllowed>%d</MinSizeAllowed>",
                        mp->culprit_size, 5 * 1024 * 1024);

    } else {
        p = ngx_sprintf(p, "<UploadId>%s</UploadId>", mp->upload_id);
    }

    p = ngx_sprintf(p, "<PartNumber>%uD</PartNumber><ETag>",
                    ref->ref.part_number);
    p = ngx_sos_xml_escape(p, (u_char *) ref->ref.etag, ref->ref.etag_len);
    p = ngx_cpymem(p, "</ETag>", sizeof("</ETag>") - 1);

    job->ctx->error_extra.len = p - job->ctx->error_extra.data;

    return ngx_sos_error_send_ctx(r, job->ctx, err);
}


static ngx_int_t
ngx_sos_mp_complete_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_int_t          rc;
    ngx_str_t          v;
    ngx_sos_xml_out_t  x;

    if (mp->cksum_mismatch) {
        ngx_str_set(&job->ctx->error_message, "One or more of the specified "
                    "parts could not be found.  The part may not have been "
                    "uploaded, or the specified entity tag may not match "
                    "the part's entity tag.");
        return ngx_sos_error_send_ctx(r, job->ctx, NGX_SOS_ERR_INVALID_PART);
    }

    if (job->rc == SOS_EPRECONDITION) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_PRECONDITION_FAILED);
    }

    if (job->rc == SOS_EINVALIDPART || job->rc == SOS_ETOOSMALL) {
        return ngx_sos_mp_complete_error(r, job);
    }

    rc = ngx_sos_mp_error(r, job);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (mp->cksum_len) {
        v.data = mp->cksum;
        v.len = mp->cksum_len;

        if (ngx_sos_header_add(r, (char *) sos_checksum_header(mp->alg),
                               &v)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_sos_xml_out_init(&x, r->pool, 2048);
    ngx_sos_xml_literal(&x,
                        "<CompleteMultipartUploadResult xmlns=\""
                        NGX_SOS_XMLNS "\"><Location>");

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        ngx_sos_xml_literal(&x, "https://");

    } else
#endif
    {
        ngx_sos_xml_literal(&x, "http://");
    }

    if (r->headers_in.host) {
        ngx_sos_xml_text(&x, r->headers_in.host->value.data,
                         r->headers_in.host->value.len);

    } else {
        ngx_sos_xml_text(&x, r->headers_in.server.data,
                         r->headers_in.server.len);
    }

    if (!job->ctx->virtual_host) {
        ngx_sos_xml_literal(&x, "/");
        ngx_sos_xml_text(&x, mp->bucket.data, mp->bucket.len);
    }

    ngx_sos_xml_literal(&x, "/");
    ngx_sos_xml_text_url(&x, mp->key.data, mp->key.len);
    ngx_sos_xml_literal(&x, "</Location>");
    ngx_sos_xml_element(&x, "Bucket", mp->bucket.data, mp->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", mp->key.data, mp->key.len, 0);
    ngx_sos_xml_element_etag(&x, mp->etag);

    if (mp->cksum_len) {
        ngx_sos_mp_checksum_element(&x, mp->alg, mp->cksum, mp->cksum_len);
        ngx_sos_xml_literal(&x, "<ChecksumType>COMPOSITE</ChecksumType>");
    }

    ngx_sos_xml_literal(&x, "</CompleteMultipartUploadResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* ------------------------------------------------------------------ */
/* UploadPartCopy                                                     */


ngx_int_t
ngx_sos_mp_upload_part_copy(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char                 *p, *end;
    time_t                  t;
    ngx_int_t               rc;
    ngx_sos_mp_t           *mp;
    ngx_sos_job_t          *job;
    ngx_table_elt_t        *h;
    ngx_sos_main_conf_t    *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    mp = ngx_sos_mp_job(r, ctx, &job);
    if (mp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_sos_mp_part_number(r, ctx, &mp->part_number) != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    if (ngx_sos_mp_upload_id(r, mp) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    ctx->authz.upload_id = mp->upload_id;

    rc = ngx_sos_copy_source(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    mp->src_bucket = ctx->copy_source->bucket;
    mp->src_key = ctx->copy_source->key;
    mp->src_bad_version = ctx->copy_source->bad_version;

    /* the authorization step opens the source */
    ctx->authz.want_reader = 1;

    mp->max_size = smcf->max_object_size;

    /* bytes=first-last, both given */

    h = ngx_sos_header_find(r, "x-amz-copy-source-range");

    if (h) {
        p = h->value.data;
        end = p + h->value.len;

        if (end - p < 9 || ngx_strncmp(p, "bytes=", 6) != 0) {
            goto bad_range;
        }

        p += 6;
        mp->range_a = 0;

        if (p == end || *p < '0' || *p > '9') {
            goto bad_range;
        }

        while (p < end && *p >= '0' && *p <= '9') {
            mp->range_a = mp->range_a * 10 + (*p++ - '0');
        }

        if (p == end || *p++ != '-' || p == end) {
            goto bad_range;
        }

        mp->range_b = 0;

        while (p < end && *p >= '0' && *p <= '9') {
            mp->range_b = mp->range_b * 10 + (*p++ - '0');
        }

        if (p != end || mp->range_b < mp->range_a) {
            goto bad_range;
        }

        mp->has_range = 1;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-match");
    if (h) {
        mp->if_match_src = h->value;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-none-match");
    if (h) {
        mp->if_none_match_src = h->value;
    }

    mp->if_modified_since = -1;
    mp->if_unmodified_since = -1;

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-modified-since");
    if (h) {
        t = ngx_parse_http_time(h->value.data, h->value.len);
        mp->if_modified_since = (t == NGX_ERROR) ? -1 : t;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-unmodified-since");
    if (h) {
        t = ngx_parse_http_time(h->value.data, h->value.len);
        mp->if_unmodified_since = (t == NGX_ERROR) ? -1 : t;
    }

    job->run = ngx_sos_mp_copy_run;
    job->done = ngx_sos_mp_copy_done;

    return ngx_sos_job_start(r, job);

bad_range:

    ngx_str_set(&ctx->error_message, "The x-amz-copy-source-range value must "
                "be of the form bytes=first-last where first and last are "
                "the zero-based offsets of the first and last bytes to copy");
    return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
}


static void
ngx_sos_mp_copy_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    u_char              *buf, digest[SOS_CHECKSUM_MAX_SIZE];
    size_t               got;
    uint64_t             off, end;
    ngx_str_t            src, dst;
    ngx_uint_t           fail;
    sos_put_t           *put;
    sos_reader_t        *rd;
    sos_put_opts_t       opts;
    sos_object_info_t    info, out;
    sos_checksum_t       ck;

    ngx_sos_mp_stat(job, mp);

    if (mp->src_bad_version) {
        job->rc = SOS_ENOTFOUND;
        return;
    }

    /* opened by the authorization step (READ on it), closed with r */

    rd = job->ctx->authz.source_reader;
    info = job->ctx->authz.source;

    /* as CopyObject's: every failed condition is 412 */

    fail = 0;

    if (mp->if_match_src.len) {
        fail = !ngx_sos_etag_match(mp->if_match_src.data,
                                   mp->if_match_src.len, info.etag, 0);

    } else if (mp->if_unmodified_since != -1) {
        fail = info.mtime > mp->if_unmodified_since;
    }

    if (mp->if_none_match_src.len) {
        fail |= ngx_sos_etag_match(mp->if_none_match_src.data,
                                   mp->if_none_match_src.len, info.etag, 1);

    } else if (mp->if_modified_since != -1) {
        fail |= info.mtime <= mp->if_modified_since;
    }

    if (fail) {
        mp->precondition = 1;
        return;
    }

    off = 0;
    end = info.size;

    if (mp->has_range) {
        if (mp->range_b >= info.size) {
            mp->bad_range = 1;
            return;
        }

        off = mp->range_a;
        end = mp->range_b + 1;
    }

    ngx_memzero(&opts, sizeof(sos_put_opts_t));
    opts.bucket = (char *) mp->bucket.data;
    opts.bucket_len = mp->bucket.len;
    opts.key = (char *) mp->key.data;
    opts.key_len = mp->key.len;
    opts.max_size = mp->max_size;

    buf = malloc(NGX_SOS_MP_COPY_BUF);
    if (buf == NULL) {
        job->rc = SOS_ENOMEM;
        return;
    }

    put = NULL;

    job->rc = sos_part_begin(&put, job->store, &opts, mp->upload_id,
                             mp->part_number, &job->err);

    if (mp->alg != SOS_CHECKSUM_NONE) {
        sos_checksum_start(&ck, mp->alg);
    }

    while (job->rc == SOS_OK && off < end) {
        job->rc = sos_reader_read(rd, off, buf,
                                  ngx_min(end - off, NGX_SOS_MP_COPY_BUF),
                                  &got, &job->err);
        if (job->rc != SOS_OK) {
            break;
        }

        if (got == 0) {
            job->rc = SOS_ECORRUPT;
            break;
        }

        if (mp->alg != SOS_CHECKSUM_NONE) {
            sos_checksum_update(&ck, buf, got);
        }

        job->rc = sos_put_write(put, buf, got, &job->err);
        off += got;
    }

    free(buf);

    if (job->rc == SOS_OK && mp->alg != SOS_CHECKSUM_NONE) {
        src.data = digest;
        src.len = sos_checksum_final(&ck, digest);
        dst.data = mp->cksum;
        ngx_encode_base64(&dst, &src);
        mp->cksum_len = dst.len;

        job->rc = sos_put_set_checksum(put, sos_checksum_name(mp->alg),
                                       ngx_strlen(sos_checksum_name(
                                                                 mp->alg)),
                                       (char *) mp->cksum, mp->cksum_len,
                                       &job->err);
    }

    if (job->rc != SOS_OK) {
        sos_put_abort(put);
        return;
    }

    ngx_memzero(&out, sizeof(sos_object_info_t));

    job->rc = sos_put_commit(put, &out, &job->err);

    if (job->rc == SOS_OK) {
        ngx_memcpy(mp->etag, out.etag, sizeof(mp->etag));
        mp->mtime = out.mtime;
        sos_object_info_release(&out);
    }
}


static ngx_int_t
ngx_sos_mp_copy_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_int_t          rc;
    ngx_sos_xml_out_t  x;

    rc = ngx_sos_mp_error(r, job);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (mp->precondition) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_PRECONDITION_FAILED);
    }

    if (mp->bad_range) {
        ngx_str_set(&job->ctx->error_message, "The requested range is not "
                    "satisfiable");
        return ngx_sos_error_send_ctx(r, job->ctx, NGX_SOS_ERR_INVALID_RANGE);
    }

    ngx_sos_xml_out_init(&x, r->pool, 1024);
    ngx_sos_xml_literal(&x,
                        "<CopyPartResult xmlns=\"" NGX_SOS_XMLNS "\">");
    ngx_sos_xml_element_time(&x, "LastModified", (time_t) mp->mtime, 0);
    ngx_sos_xml_element_etag(&x, mp->etag);
    ngx_sos_mp_checksum_element(&x, mp->alg, mp->cksum, mp->cksum_len);
    ngx_sos_xml_literal(&x, "</CopyPartResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* ------------------------------------------------------------------ */
/* ListMultipartUploads                                               */


ngx_int_t
ngx_sos_mp_list_uploads(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t       v;
    ngx_sos_mp_t   *mp;
    ngx_sos_job_t  *job;

    mp = ngx_sos_mp_job(r, ctx, &job);
    if (mp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_sos_mp_max_arg(r, ctx, "max-uploads", &mp->max) != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    if (ngx_sos_query_arg(r, "encoding-type", &v) == NGX_OK) {
        if (!(v.len == 3 && ngx_strncmp(v.data, "url", 3) == 0)) {
            ngx_str_set(&ctx->error_message, "Invalid Encoding Method "
                        "specified in Request");
            ngx_str_set(&ctx->error_extra,
                        "<ArgumentName>encoding-type</ArgumentName>");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        mp->url = 1;
    }

    if (ngx_sos_query_arg(r, "prefix", &mp->prefix) == NGX_ERROR
        || ngx_sos_query_arg(r, "delimiter", &mp->delimiter) == NGX_ERROR
        || ngx_sos_query_arg(r, "key-marker", &mp->key_marker) == NGX_ERROR
        || ngx_sos_query_arg(r, "upload-id-marker", &v) == NGX_ERROR)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* as S3: the upload id marker counts only with a key marker */

    if (mp->key_marker.len && v.len && v.len <= SOS_UPLOAD_ID_LEN) {
        ngx_memcpy(mp->upload_id_marker, v.data, v.len);
        mp->upload_id_marker[v.len] = '\0';
    }

    job->run = ngx_sos_mp_uploads_run;
    job->done = ngx_sos_mp_uploads_done;

    return ngx_sos_job_start(r, job);
}


static ngx_sos_mp_upload_t *
ngx_sos_mp_uploads_push(ngx_sos_mp_t *mp, const char *key, size_t len)
{
    ngx_sos_mp_upload_t  *u, *grown;

    if (mp->n_uploads == mp->cap_uploads) {
        mp->cap_uploads = mp->cap_uploads ? 2 * mp->cap_uploads : 32;
        grown = realloc(mp->uploads,
                        mp->cap_uploads * sizeof(ngx_sos_mp_upload_t));
        if (grown == NULL) {
            mp->oom = 1;
            return NULL;
        }

        mp->uploads = grown;
    }

    u = &mp->uploads[mp->n_uploads];
    ngx_memzero(u, sizeof(ngx_sos_mp_upload_t));

    u->key = malloc(len + 1);
    if (u->key == NULL) {
        mp->oom = 1;
        return NULL;
    }

    ngx_memcpy(u->key, key, len);
    u->key_len = len;
    mp->n_uploads++;

    return u;
}


static int
ngx_sos_mp_uploads_cb(void *data, const sos_upload_entry_t *e)
{
    ngx_sos_mp_t *mp = data;

    u_char               *k, *d;
    size_t                len;
    ngx_sos_mp_upload_t  *u, *last;

    /* where the scan goes on if this page is not enough */

    free(mp->scan_key);
    mp->scan_key = malloc(e->key.len + 1);
    if (mp->scan_key == NULL) {
        mp->oom = 1;
        return 1;
    }

    ngx_memcpy(mp->scan_key, e->key.data, e->key.len);
    mp->scan_key_len = e->key.len;
    ngx_memcpy(mp->scan_id, e->upload_id, sizeof(mp->scan_id));

    k = (u_char *) e->key.data;
    len = e->key.len;

    if (mp->delimiter.len && len > mp->prefix.len) {
        for (d = k + mp->prefix.len; d + mp->delimiter.len <= k + len; d++) {
            if (ngx_memcmp(d, mp->delimiter.data, mp->delimiter.len) == 0) {
                break;
            }
        }

        if (d + mp->delimiter.len <= k + len) {
            len = d - k + mp->delimiter.len;

            /* a key marker that is this prefix: the prefix was listed */

            if (len == mp->key_marker.len
                && ngx_memcmp(k, mp->key_marker.data, len) == 0)
            {
                return 0;
            }

            last = mp->n_uploads ? &mp->uploads[mp->n_uploads - 1] : NULL;

            if (last && last->is_prefix && last->key_len == len
                && ngx_memcmp(last->key, k, len) == 0)
            {
                return 0;
            }

            if (mp->n_uploads == mp->max) {
                mp->more = 1;
                return 1;
            }

            u = ngx_sos_mp_uploads_push(mp, (char *) k, len);
            if (u == NULL) {
                return 1;
            }

            u->is_prefix = 1;

            return 0;
        }
    }

    if (mp->n_uploads == mp->max) {
        mp->more = 1;
        return 1;
    }

    u = ngx_sos_mp_uploads_push(mp, e->key.data, e->key.len);
    if (u == NULL) {
        return 1;
    }

    ngx_memcpy(u->upload_id, e->upload_id, sizeof(u->upload_id));
    u->initiated = e->initiated;
    ngx_memcpy(u->owner, e->owner.data,
               ngx_min(e->owner.len, SOS_ID_LEN));
    u->owner[ngx_min(e->owner.len, SOS_ID_LEN)] = '\0';

    return 0;
}


static void
ngx_sos_mp_uploads_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    int        truncated;
    sos_str_t  prefix, marker;

    if (mp->max == 0) {
        return;
    }

    prefix.data = (char *) mp->prefix.data;
    prefix.len = mp->prefix.len;
    marker.data = (char *) mp->key_marker.data;
    marker.len = mp->key_marker.len;

    job->rc = sos_upload_list(job->store, (char *) mp->bucket.data,
                              mp->bucket.len, &prefix, &marker,
                              mp->upload_id_marker, NGX_SOS_MP_LIST_MAX,
                              ngx_sos_mp_uploads_cb, mp, &truncated,
                              &job->err);

    /* common prefixes fold many uploads into one entry: more pages */

    while (job->rc == SOS_OK && truncated && !mp->more && !mp->oom) {
        marker.data = (char *) mp->scan_key;
        marker.len = mp->scan_key_len;

        job->rc = sos_upload_list(job->store, (char *) mp->bucket.data,
                                  mp->bucket.len, &prefix, &marker,
                                  mp->scan_id, NGX_SOS_MP_LIST_MAX,
                                  ngx_sos_mp_uploads_cb, mp, &truncated,
                                  &job->err);
    }

    if (job->rc == SOS_OK && mp->oom) {
        job->rc = SOS_ENOMEM;
    }
}


/* pool cleanup: what the thread allocated */

static void
ngx_sos_mp_uploads_free(void *data)
{
    ngx_sos_mp_t *mp = data;

    ngx_uint_t  i;

    for (i = 0; i < mp->n_uploads; i++) {
        free(mp->uploads[i].key);
    }

    free(mp->uploads);
    free(mp->scan_key);
    mp->uploads = NULL;
    mp->n_uploads = 0;
    mp->scan_key = NULL;
}


static ngx_int_t
ngx_sos_mp_uploads_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_t *mp = job->data;

    ngx_int_t             rc;
    ngx_uint_t            i, url;
    ngx_sos_xml_out_t     x;
    ngx_sos_mp_upload_t  *u, *last;

    rc = ngx_sos_mp_error(r, job);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    url = mp->url;

    ngx_sos_xml_out_init(&x, r->pool, 4096);
    ngx_sos_xml_literal(&x,
                        "<ListMultipartUploadsResult xmlns=\""
                        NGX_SOS_XMLNS "\">");
    ngx_sos_xml_element(&x, "Bucket", mp->bucket.data, mp->bucket.len, 0);
    ngx_sos_xml_element(&x, "KeyMarker", mp->key_marker.data,
                        mp->key_marker.len, url);
    ngx_sos_xml_element(&x, "UploadIdMarker", (u_char *) mp->upload_id_marker,
                        ngx_strlen(mp->upload_id_marker), 0);

    last = mp->n_uploads ? &mp->uploads[mp->n_uploads - 1] : NULL;

    if (mp->more && last) {
        ngx_sos_xml_element(&x, "NextKeyMarker", last->key, last->key_len,
                            url);
        ngx_sos_xml_element(&x, "NextUploadIdMarker",
                            (u_char *) last->upload_id,
                            ngx_strlen(last->upload_id), 0);
    }

    if (mp->delimiter.len) {
        ngx_sos_xml_element(&x, "Delimiter", mp->delimiter.data,
                            mp->delimiter.len, url);
    }

    ngx_sos_xml_element(&x, "Prefix", mp->prefix.data, mp->prefix.len, url);
    ngx_sos_xml_element_uint(&x, "MaxUploads", mp->max);

    if (mp->more) {
        ngx_sos_xml_literal(&x, "<IsTruncated>true</IsTruncated>");

    } else {
        ngx_sos_xml_literal(&x, "<IsTruncated>false</IsTruncated>");
    }

    for (i = 0; i < mp->n_uploads; i++) {
        u = &mp->uploads[i];

        if (u->is_prefix) {
            continue;
        }

        ngx_sos_xml_literal(&x, "<Upload>");
        ngx_sos_xml_element(&x, "Key", u->key, u->key_len, url);
        ngx_sos_xml_element(&x, "UploadId", (u_char *) u->upload_id,
                            ngx_strlen(u->upload_id), 0);
        ngx_sos_xml_literal(&x, "<Initiator>");
        ngx_sos_xml_element(&x, "ID", (u_char *) u->owner,
                            ngx_strlen(u->owner), 0);
        ngx_sos_xml_element(&x, "DisplayName", (u_char *) u->owner,
                            ngx_strlen(u->owner), 0);
        ngx_sos_xml_literal(&x, "</Initiator><Owner>");
        ngx_sos_xml_element(&x, "ID", (u_char *) u->owner,
                            ngx_strlen(u->owner), 0);
        ngx_sos_xml_element(&x, "DisplayName", (u_char *) u->owner,
                            ngx_strlen(u->owner), 0);
        ngx_sos_xml_literal(&x, "</Owner><StorageClass>STANDARD"
                            "</StorageClass>");
        ngx_sos_xml_element_time(&x, "Initiated", (time_t) u->initiated, 0);
        ngx_sos_xml_literal(&x, "</Upload>");
    }

    for (i = 0; i < mp->n_uploads; i++) {
        u = &mp->uploads[i];

        if (!u->is_prefix) {
            continue;
        }

        ngx_sos_xml_literal(&x, "<CommonPrefixes>");
        ngx_sos_xml_element(&x, "Prefix", u->key, u->key_len, url);
        ngx_sos_xml_literal(&x, "</CommonPrefixes>");
    }

    if (url) {
        ngx_sos_xml_literal(&x, "<EncodingType>url</EncodingType>");
    }

    ngx_sos_xml_literal(&x, "</ListMultipartUploadsResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
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
    }
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
