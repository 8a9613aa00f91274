
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
    char                     owner_name[sizeof(((sos_org_t *) 0)->name)];
    ngx_sos_mp_list_part_t  *parts;      /* max of them */
    ngx_uint_t               n_parts;
    int                      truncated;
} ngx_sos_mp_list_parts_t;


/* An organization's display name, looked up by the pool thread. */
typedef struct {
    char                         id[SOS_ID_LEN + 1];
    char                         name[sizeof(((sos_org_t *) 0)->name)];
} ngx_sos_mp_list_name_t;


typedef struct {
    ngx_str_t                    bucket;
    sos_list_uploads_opts_t      opts;
    ngx_uint_t                   url;    /* encoding-type=url */
    sos_list_uploads_result_t   *result; /* the thread's, freed by done */
    ngx_sos_mp_list_name_t      *names;  /* of the page's owners, malloc'd */
    ngx_uint_t                   n_names;
} ngx_sos_mp_list_uploads_t;


static ngx_int_t ngx_sos_mp_list_max(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *name, ngx_uint_t *max);
static int ngx_sos_mp_list_part_cb(void *data, const sos_part_info_t *part);
static void ngx_sos_mp_list_parts_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_mp_list_parts_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_list_uploads_run(ngx_sos_job_t *job);
static void ngx_sos_mp_list_name(ngx_sos_job_t *job, const sos_str_t *id,
    char *name, size_t size);
static const char *ngx_sos_mp_list_name_of(ngx_sos_mp_list_uploads_t *lu,
    const sos_str_t *id);
static ngx_int_t ngx_sos_mp_list_uploads_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_mp_list_owner(ngx_sos_xml_out_t *x, sos_str_t *owner,
    const char *name);
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


/*
 * <Initiator> and <Owner>: the organization's id and display name (none
 * when the organization is gone), as S3 gives the account's.
 */

static void
ngx_sos_mp_list_owner(ngx_sos_xml_out_t *x, sos_str_t *owner,
    const char *name)
{
    size_t  len;

    len = (name != NULL) ? ngx_strlen(name) : 0;

    ngx_sos_xml_literal(x, "<Initiator>");
    ngx_sos_xml_element(x, "ID", (u_char *) owner->data, owner->len, 0);
    if (len) {
        ngx_sos_xml_element(x, "DisplayName", (u_char *) name, len, 0);
    }
    ngx_sos_xml_literal(x, "</Initiator><Owner>");
    ngx_sos_xml_element(x, "ID", (u_char *) owner->data, owner->len, 0);
    if (len) {
        ngx_sos_xml_element(x, "DisplayName", (u_char *) name, len, 0);
    }
    ngx_sos_xml_literal(x, "</Owner><StorageClass>STANDARD</StorageClass>");
}


/*
 * Pool thread: the display name of the organization id into name; empty
 * when it is gone or cannot be read (the listing is still right without
 * it).
 */

static void
ngx_sos_mp_list_name(ngx_sos_job_t *job, const sos_str_t *id, char *name,
    size_t size)
{
    sos_org_t    org;
    sos_error_t  err;

    name[0] = '\0';

    if (id->len == 0
        || sos_org_get(job->store, id->data, id->len, &org, &err) != SOS_OK)
    {
        return;
    }

    ngx_cpystrn((u_char *) name, (u_char *) org.name, size);
}


static const char *
ngx_sos_mp_list_name_of(ngx_sos_mp_list_uploads_t *lu, const sos_str_t *id)
{
    ngx_uint_t  i;

    for (i = 0; i < lu->n_names; i++) {
        if (ngx_strlen(lu->names[i].id) == id->len
            && ngx_memcmp(lu->names[i].id, id->data, id->len) == 0)
        {
            return lu->names[i].name;
        }
    }

    return NULL;
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

    if (job->rc == SOS_OK) {
        ngx_sos_mp_list_name(job, &job->ctx->authz.object.attrs.owner,
                             lp->owner_name, sizeof(lp->owner_name));
    }
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

    ngx_sos_mp_list_owner(&x, owner, lp->owner_name);

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

    size_t                   i;
    sos_str_t               *id;
    ngx_sos_mp_list_name_t  *n;

    job->rc = sos_list_uploads(job->store, (char *) lu->bucket.data,
                               lu->bucket.len, &lu->opts, &lu->result,
                               &job->err);

    if (job->rc != SOS_OK || lu->result->n_uploads == 0) {
        return;
    }

    /* the display names of the page's owners, each looked up once */

    lu->names = malloc(lu->result->n_uploads
                       * sizeof(ngx_sos_mp_list_name_t));
    if (lu->names == NULL) {
        return;
    }

    for (i = 0; i < lu->result->n_uploads; i++) {
        id = &lu->result->uploads[i].owner;

        if (id->len > SOS_ID_LEN || ngx_sos_mp_list_name_of(lu, id)) {
            continue;
        }

        n = &lu->names[lu->n_names++];
        ngx_memcpy(n->id, id->data, id->len);
        n->id[id->len] = '\0';
        ngx_sos_mp_list_name(job, id, n->name, sizeof(n->name));
    }
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
        ngx_sos_mp_list_owner(&x, &u->owner,
                              ngx_sos_mp_list_name_of(lu, &u->owner));
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
    free(lu->names);
    lu->names = NULL;

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
