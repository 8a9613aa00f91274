
/*
 * SOS: the listings of multipart uploads: ListParts (the parts of one
 * upload) and ListMultipartUploads (the uploads in progress in a bucket).
 *
 * One job each, once the authorization step has checked the bucket (and
 * found the upload, for ListParts).  The store pages: ListParts through
 * sos_upload_list_parts(), ListMultipartUploads through
 * sos_list_uploads(), which also rolls keys up into common prefixes and
 * applies the markers; this file parses the arguments and writes the XML.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_multipart.h"


/* A part of a ListParts page, copied out of the store's callback. */
typedef struct {
    uint32_t                 number;
    uint64_t                 size;
    int64_t                  mtime;
    char                     etag[SOS_ETAG_MAX + 1];
    u_char                   cksum[SOS_CHECKSUM_MAX_B64 + 1];
} ngx_sos_mp_list_part_t;


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    char                     upload_id[SOS_UPLOAD_ID_LEN + 1];
    uint32_t                 marker;
    ngx_uint_t               max;

    /* the page */
    ngx_sos_mp_list_part_t  *parts;      /* max of them */
    ngx_uint_t               n_parts;
    int                      truncated;
} ngx_sos_mp_list_parts_t;


typedef struct {
    ngx_str_t                    bucket;
    sos_list_uploads_opts_t      opts;
    ngx_uint_t                   url;    /* encoding-type=url */
    sos_list_uploads_result_t   *result; /* the thread's, freed by done */
} ngx_sos_mp_list_uploads_t;


static ngx_int_t ngx_sos_mp_list_max(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *name, ngx_uint_t *max);
static int ngx_sos_mp_list_part_cb(void *data, const sos_part_info_t *part);
static void ngx_sos_mp_list_parts_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_list_parts_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_list_uploads_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_list_uploads_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_list_owner(ngx_sos_xml_out_t *x, sos_str_t *owner);
static void ngx_sos_mp_list_str(sos_str_t *dst, ngx_str_t *src);


/* max-parts / max-uploads: at most NGX_SOS_MP_LIST_MAX, the default */

static ngx_int_t
ngx_sos_mp_list_max(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *name,
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


/* <Initiator> and <Owner>: the organization, its id also its name */

static void
ngx_sos_mp_list_owner(ngx_sos_xml_out_t *x, sos_str_t *owner)
{
    ngx_sos_xml_literal(x, "<Initiator>");
    ngx_sos_xml_element(x, "ID", (u_char *) owner->data, owner->len, 0);
    ngx_sos_xml_element(x, "DisplayName", (u_char *) owner->data,
                        owner->len, 0);
    ngx_sos_xml_literal(x, "</Initiator><Owner>");
    ngx_sos_xml_element(x, "ID", (u_char *) owner->data, owner->len, 0);
    ngx_sos_xml_element(x, "DisplayName", (u_char *) owner->data,
                        owner->len, 0);
    ngx_sos_xml_literal(x, "</Owner><StorageClass>STANDARD</StorageClass>");
}


/* a query argument for the store: never a NULL pointer */

static void
ngx_sos_mp_list_str(sos_str_t *dst, ngx_str_t *src)
{
    dst->data = src->len ? (char *) src->data : "";
    dst->len = src->len;
}


/* ------------------------------------------------------------------ */
/* ListParts                                                          */


ngx_int_t
ngx_sos_mp_list_parts(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t                 n;
    ngx_str_t                 v;
    ngx_sos_job_t            *job;
    ngx_sos_mp_list_parts_t  *lp;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_mp_list_parts_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lp = job->data;
    lp->bucket = ctx->bucket;
    lp->key = ctx->key;

    if (ngx_sos_mp_list_max(r, ctx, "max-parts", &lp->max) != NGX_OK) {
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

        lp->marker = (uint32_t) ngx_min(n, NGX_SOS_MP_MAX_PARTS);
    }

    if (ngx_sos_mp_upload_id(r, lp->upload_id) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    ctx->authz.upload_id = lp->upload_id;

    lp->parts = ngx_palloc(r->pool,
                           (lp->max + 1) * sizeof(ngx_sos_mp_list_part_t));
    if (lp->parts == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->run = ngx_sos_mp_list_parts_run;
    job->done = ngx_sos_mp_list_parts_done;

    return ngx_sos_job_start(r, job);
}


static int
ngx_sos_mp_list_part_cb(void *data, const sos_part_info_t *part)
{
    ngx_sos_mp_list_parts_t *lp = data;

    ngx_sos_mp_list_part_t  *p;

    p = &lp->parts[lp->n_parts++];

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
ngx_sos_mp_list_parts_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_list_parts_t *lp = job->data;

    if (lp->max == 0) {
        return;
    }

    job->rc = sos_upload_list_parts(job->store, (char *) lp->bucket.data,
                                    lp->bucket.len, (char *) lp->key.data,
                                    lp->key.len, lp->upload_id, lp->marker,
                                    (unsigned) lp->max,
                                    ngx_sos_mp_list_part_cb, lp,
                                    &lp->truncated, &job->err);
}


static ngx_int_t
ngx_sos_mp_list_parts_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_list_parts_t *lp = job->data;

    ngx_uint_t               i;
    sos_str_t               *owner;
    ngx_sos_xml_out_t        x;
    sos_checksum_alg_e       alg;
    ngx_sos_mp_list_part_t  *p;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    /* the upload the authorization step found */

    owner = &job->ctx->authz.object.attrs.owner;
    alg = ngx_sos_mp_checksum_alg(job->ctx);

    ngx_sos_xml_out_init(&x, r->pool, 4096);
    ngx_sos_xml_literal(&x,
                        "<ListPartsResult xmlns=\"" NGX_SOS_XMLNS "\">");
    ngx_sos_xml_element(&x, "Bucket", lp->bucket.data, lp->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", lp->key.data, lp->key.len, 0);
    ngx_sos_xml_element(&x, "UploadId", (u_char *) lp->upload_id,
                        SOS_UPLOAD_ID_LEN, 0);
    ngx_sos_xml_element_uint(&x, "PartNumberMarker", lp->marker);

    if (lp->n_parts) {
        ngx_sos_xml_element_uint(&x, "NextPartNumberMarker",
                                 lp->parts[lp->n_parts - 1].number);
    }

    ngx_sos_xml_element_uint(&x, "MaxParts", lp->max);

    if (lp->truncated) {
        ngx_sos_xml_literal(&x, "<IsTruncated>true</IsTruncated>");

    } else {
        ngx_sos_xml_literal(&x, "<IsTruncated>false</IsTruncated>");
    }

    for (i = 0; i < lp->n_parts; i++) {
        p = &lp->parts[i];

        ngx_sos_xml_literal(&x, "<Part>");
        ngx_sos_xml_element_uint(&x, "PartNumber", p->number);
        ngx_sos_xml_element_time(&x, "LastModified", (time_t) p->mtime, 0);
        ngx_sos_xml_element_etag(&x, p->etag);
        ngx_sos_xml_element_uint(&x, "Size", p->size);
        ngx_sos_mp_checksum_element(&x, alg, p->cksum, ngx_strlen(p->cksum));
        ngx_sos_xml_literal(&x, "</Part>");
    }

    ngx_sos_mp_list_owner(&x, owner);

    if (alg != SOS_CHECKSUM_NONE) {
        ngx_sos_xml_element(&x, "ChecksumAlgorithm",
                            (u_char *) sos_checksum_name(alg),
                            ngx_strlen(sos_checksum_name(alg)), 0);

        if (ngx_sos_mp_checksum_full(&job->ctx->authz.object.attrs)) {
            ngx_sos_xml_literal(&x,
                                "<ChecksumType>FULL_OBJECT</ChecksumType>");

        } else {
            ngx_sos_xml_literal(&x, "<ChecksumType>COMPOSITE</ChecksumType>");
        }
    }

    ngx_sos_xml_literal(&x, "</ListPartsResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* ------------------------------------------------------------------ */
/* ListMultipartUploads                                               */


ngx_int_t
ngx_sos_mp_list_uploads(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t                   v, prefix, delimiter, key_marker;
    ngx_uint_t                  max;
    ngx_sos_job_t              *job;
    sos_list_uploads_opts_t    *opts;
    ngx_sos_mp_list_uploads_t  *lu;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_mp_list_uploads_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lu = job->data;
    lu->bucket = ctx->bucket;

    if (ngx_sos_mp_list_max(r, ctx, "max-uploads", &max) != NGX_OK) {
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

        lu->url = 1;
    }

    if (ngx_sos_query_arg(r, "prefix", &prefix) == NGX_ERROR
        || ngx_sos_query_arg(r, "delimiter", &delimiter) == NGX_ERROR
        || ngx_sos_query_arg(r, "key-marker", &key_marker) == NGX_ERROR
        || ngx_sos_query_arg(r, "upload-id-marker", &v) == NGX_ERROR)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    opts = &lu->opts;

    ngx_sos_mp_list_str(&opts->prefix, &prefix);
    ngx_sos_mp_list_str(&opts->delimiter, &delimiter);
    ngx_sos_mp_list_str(&opts->key_marker, &key_marker);
    opts->max_uploads = (unsigned) max;

    /* as S3: the upload id marker counts only with a key marker */

    if (key_marker.len == 0 || v.len > SOS_UPLOAD_ID_LEN) {
        ngx_str_null(&v);
    }

    ngx_sos_mp_list_str(&opts->upload_id_marker, &v);

    job->run = ngx_sos_mp_list_uploads_run;
    job->done = ngx_sos_mp_list_uploads_done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_mp_list_uploads_run(ngx_sos_job_t *job)
{
    ngx_sos_mp_list_uploads_t *lu = job->data;

    job->rc = sos_list_uploads(job->store, (char *) lu->bucket.data,
                               lu->bucket.len, &lu->opts, &lu->result,
                               &job->err);
}


static ngx_int_t
ngx_sos_mp_list_uploads_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_mp_list_uploads_t *lu = job->data;

    size_t                      i;
    ngx_uint_t                  url;
    sos_str_t                  *s;
    ngx_sos_xml_out_t           x;
    sos_upload_entry_t         *u;
    sos_list_uploads_opts_t    *opts;
    sos_list_uploads_result_t  *res;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    res = lu->result;
    opts = &lu->opts;
    url = lu->url;

    ngx_sos_xml_out_init(&x, r->pool, 4096);
    ngx_sos_xml_literal(&x,
                        "<ListMultipartUploadsResult xmlns=\""
                        NGX_SOS_XMLNS "\">");
    ngx_sos_xml_element(&x, "Bucket", lu->bucket.data, lu->bucket.len, 0);
    ngx_sos_xml_element(&x, "KeyMarker", (u_char *) opts->key_marker.data,
                        opts->key_marker.len, url);
    ngx_sos_xml_element(&x, "UploadIdMarker",
                        (u_char *) opts->upload_id_marker.data,
                        opts->upload_id_marker.len, 0);

    if (res->truncated) {
        ngx_sos_xml_element(&x, "NextKeyMarker",
                            (u_char *) res->next_key_marker.data,
                            res->next_key_marker.len, url);
        ngx_sos_xml_element(&x, "NextUploadIdMarker",
                            (u_char *) res->next_upload_id_marker.data,
                            res->next_upload_id_marker.len, 0);
    }

    if (opts->delimiter.len) {
        ngx_sos_xml_element(&x, "Delimiter", (u_char *) opts->delimiter.data,
                            opts->delimiter.len, url);
    }

    ngx_sos_xml_element(&x, "Prefix", (u_char *) opts->prefix.data,
                        opts->prefix.len, url);
    ngx_sos_xml_element_uint(&x, "MaxUploads", opts->max_uploads);

    if (res->truncated) {
        ngx_sos_xml_literal(&x, "<IsTruncated>true</IsTruncated>");

    } else {
        ngx_sos_xml_literal(&x, "<IsTruncated>false</IsTruncated>");
    }

    for (i = 0; i < res->n_uploads; i++) {
        u = &res->uploads[i];

        ngx_sos_xml_literal(&x, "<Upload>");
        ngx_sos_xml_element(&x, "Key", (u_char *) u->key.data, u->key.len,
                            url);
        ngx_sos_xml_element(&x, "UploadId", (u_char *) u->upload_id,
                            ngx_strlen(u->upload_id), 0);
        ngx_sos_mp_list_owner(&x, &u->owner);
        ngx_sos_xml_element_time(&x, "Initiated", (time_t) u->initiated, 0);
        ngx_sos_xml_literal(&x, "</Upload>");
    }

    for (i = 0; i < res->n_prefixes; i++) {
        s = &res->prefixes[i];

        ngx_sos_xml_literal(&x, "<CommonPrefixes>");
        ngx_sos_xml_element(&x, "Prefix", (u_char *) s->data, s->len, url);
        ngx_sos_xml_literal(&x, "</CommonPrefixes>");
    }

    if (url) {
        ngx_sos_xml_literal(&x, "<EncodingType>url</EncodingType>");
    }

    ngx_sos_xml_literal(&x, "</ListMultipartUploadsResult>");

    /* everything is copied into the document: the page can go */
    sos_list_uploads_result_free(res);
    lu->result = NULL;

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
