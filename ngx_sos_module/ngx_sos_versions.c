
/*
 * SOS: ListObjectVersions.
 *
 * One job per page, as the other listings (ngx_sos_list.c, whose
 * arguments it shares): once the authorization step allowed READ on the
 * bucket, the pool thread takes one page from sos_list_versions() and
 * looks up the owners' display names; the completion writes the XML.
 * Each key's versions come newest first, a Version or a DeleteMarker
 * each; a bucket never versioned lists every object as its "null"
 * version, the latest.
 */


#include "ngx_sos_xml.h"


/* What the client asked for, decoded: used in the event loop only. */
typedef struct {
    ngx_str_t            prefix;
    ngx_str_t            delimiter;
    ngx_str_t            key_marker;
    ngx_str_t            version_marker;
    ngx_uint_t           max_keys;
    ngx_uint_t           url;            /* encoding-type=url */
} ngx_sos_versions_req_t;


/* The job's inputs (copied) and results. */
typedef struct {
    ngx_str_t                    bucket;     /* ctx->bucket */
    sos_list_versions_opts_t     opts;       /* strings follow this struct */

    sos_list_versions_result_t  *result;
    ngx_sos_owner_names_t        owners;
} ngx_sos_versions_job_t;


static ngx_sos_err_e ngx_sos_versions_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_versions_req_t *req);
static ngx_uint_t ngx_sos_versions_id_ok(ngx_str_t *v);
static void ngx_sos_versions_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_versions_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_versions_entry(ngx_sos_xml_out_t *x,
    ngx_sos_versions_req_t *req, ngx_sos_versions_job_t *vj,
    sos_version_entry_t *e);
static void ngx_sos_versions_element(ngx_sos_xml_out_t *x, char *name,
    ngx_str_t *s, ngx_uint_t url);
static const char *ngx_sos_versions_copy(u_char **p, ngx_str_t *s);


ngx_int_t
ngx_sos_versions_list(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char                  *p;
    ngx_sos_err_e            err;
    ngx_sos_job_t           *job;
    ngx_sos_versions_req_t  *req;
    ngx_sos_versions_job_t  *vj;

    req = ngx_pcalloc(r->pool, sizeof(ngx_sos_versions_req_t));
    if (req == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    ctx->op_data = req;

    err = ngx_sos_versions_parse(r, ctx, req);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_versions_job_t)
                                     + req->prefix.len + req->delimiter.len
                                     + req->key_marker.len
                                     + req->version_marker.len);
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    vj = job->data;
    vj->bucket = ctx->bucket;

    p = (u_char *) vj + sizeof(ngx_sos_versions_job_t);

    vj->opts.prefix.len = req->prefix.len;
    vj->opts.prefix.data = ngx_sos_versions_copy(&p, &req->prefix);
    vj->opts.delimiter.len = req->delimiter.len;
    vj->opts.delimiter.data = ngx_sos_versions_copy(&p, &req->delimiter);
    vj->opts.key_marker.len = req->key_marker.len;
    vj->opts.key_marker.data = ngx_sos_versions_copy(&p, &req->key_marker);
    vj->opts.version_id_marker.len = req->version_marker.len;
    vj->opts.version_id_marker.data =
                             ngx_sos_versions_copy(&p, &req->version_marker);
    vj->opts.max_keys = (unsigned) req->max_keys;

    job->run = ngx_sos_versions_run;
    job->done = ngx_sos_versions_done;

    return ngx_sos_job_start(r, job);
}


/* NGX_SOS_OK, or the error to answer (ctx says the details) */

static ngx_sos_err_e
ngx_sos_versions_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_versions_req_t *req)
{
    ngx_sos_err_e  err;

    err = ngx_sos_list_args(r, ctx, &req->prefix, &req->delimiter,
                            &req->max_keys, &req->url);
    if (err != NGX_SOS_OK) {
        return err;
    }

    if (ngx_sos_query_arg(r, "key-marker", &req->key_marker) == NGX_ERROR
        || ngx_sos_query_arg(r, "version-id-marker", &req->version_marker)
           == NGX_ERROR)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (req->version_marker.len == 0) {
        return NGX_SOS_OK;
    }

    /* S3: 400 InvalidArgument for either ("ListObjectVersions") */

    if (req->key_marker.len == 0) {
        return ngx_sos_list_bad_arg(r, ctx, "version-id-marker",
                                    &req->version_marker,
                                    "A version-id marker cannot be "
                                    "specified without a key marker.");
    }

    if (!ngx_sos_versions_id_ok(&req->version_marker)) {
        return ngx_sos_list_bad_arg(r, ctx, "version-id-marker",
                                    &req->version_marker,
                                    "Invalid version id specified");
    }

    return NGX_SOS_OK;
}


/* "null", or an id as the store makes them */

static ngx_uint_t
ngx_sos_versions_id_ok(ngx_str_t *v)
{
    size_t  i;

    if (v->len == 4 && ngx_strncmp(v->data, "null", 4) == 0) {
        return 1;
    }

    if (v->len != SOS_VERSION_ID_LEN) {
        return 0;
    }

    for (i = 0; i < v->len; i++) {
        if (!((v->data[i] >= '0' && v->data[i] <= '9')
              || (v->data[i] >= 'a' && v->data[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


/* the pool thread */

static void
ngx_sos_versions_run(ngx_sos_job_t *job)
{
    ngx_sos_versions_job_t  *vj = job->data;

    job->rc = sos_list_versions(job->store, (const char *) vj->bucket.data,
                                vj->bucket.len, &vj->opts, &vj->result,
                                &job->err);

    if (job->rc == SOS_OK) {
        job->rc = ngx_sos_owner_names_load(&vj->owners, job->store,
                                           vj->result->versions,
                                           vj->result->n_versions,
                                           sizeof(sos_version_entry_t),
                                           offsetof(sos_version_entry_t, owner),
                                           &job->err);
    }
}


static ngx_int_t
ngx_sos_versions_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_versions_job_t  *vj = job->data;

    size_t                       i;
    ngx_str_t                    s;
    ngx_sos_ctx_t               *ctx;
    ngx_sos_xml_out_t            x;
    ngx_sos_versions_req_t      *req;
    sos_list_versions_result_t  *res;

    ctx = job->ctx;
    req = ctx->op_data;
    res = vj->result;

    if (job->rc != SOS_OK) {
        sos_list_versions_result_free(res);
        ngx_sos_owner_names_free(&vj->owners);

        if (job->rc == SOS_EINVAL) {
            /* a prefix, delimiter or marker beyond the key length */
            return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        return ngx_sos_error_send_bucket(r, ctx,
                                         ngx_sos_error_from_store(job->rc));
    }

    /* a page may hold 1000 versions of keys of 1024 bytes each */
    ngx_sos_xml_out_init(&x, r->pool, 16384);

    ngx_sos_xml_literal(&x, "<ListVersionsResult xmlns=\""
                            NGX_SOS_XMLNS "\">");

    ngx_sos_versions_element(&x, "Name", &ctx->bucket, 0);
    ngx_sos_versions_element(&x, "Prefix", &req->prefix, req->url);
    ngx_sos_versions_element(&x, "KeyMarker", &req->key_marker, req->url);
    ngx_sos_versions_element(&x, "VersionIdMarker", &req->version_marker, 0);

    if (res->truncated) {
        s.data = (u_char *) res->next_key_marker.data;
        s.len = res->next_key_marker.len;
        ngx_sos_versions_element(&x, "NextKeyMarker", &s, req->url);

        /* after a version, the version to go on from; none after a prefix */
        if (res->next_version_id_marker.len) {
            s.data = (u_char *) res->next_version_id_marker.data;
            s.len = res->next_version_id_marker.len;
            ngx_sos_versions_element(&x, "NextVersionIdMarker", &s, 0);
        }
    }

    ngx_sos_xml_element_uint(&x, "MaxKeys", req->max_keys);

    if (req->delimiter.len) {
        ngx_sos_versions_element(&x, "Delimiter", &req->delimiter, req->url);
    }

    if (res->truncated) {
        ngx_sos_xml_literal(&x, "<IsTruncated>true</IsTruncated>");
    } else {
        ngx_sos_xml_literal(&x, "<IsTruncated>false</IsTruncated>");
    }

    if (req->url) {
        ngx_sos_xml_literal(&x, "<EncodingType>url</EncodingType>");
    }

    for (i = 0; i < res->n_versions; i++) {
        ngx_sos_versions_entry(&x, req, vj, &res->versions[i]);
    }

    for (i = 0; i < res->n_prefixes; i++) {
        s.data = (u_char *) res->prefixes[i].data;
        s.len = res->prefixes[i].len;

        ngx_sos_xml_literal(&x, "<CommonPrefixes>");
        ngx_sos_versions_element(&x, "Prefix", &s, req->url);
        ngx_sos_xml_literal(&x, "</CommonPrefixes>");
    }

    ngx_sos_xml_literal(&x, "</ListVersionsResult>");

    /* everything is copied into the document: the page can go */
    sos_list_versions_result_free(res);
    ngx_sos_owner_names_free(&vj->owners);
    vj->result = NULL;

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* a Version or a DeleteMarker, in the order of S3's examples */

static void
ngx_sos_versions_entry(ngx_sos_xml_out_t *x, ngx_sos_versions_req_t *req,
    ngx_sos_versions_job_t *vj, sos_version_entry_t *e)
{
    ngx_str_t  key;

    key.data = (u_char *) e->key.data;
    key.len = e->key.len;

    if (e->delete_marker) {
        ngx_sos_xml_literal(x, "<DeleteMarker>");
    } else {
        ngx_sos_xml_literal(x, "<Version>");
    }

    ngx_sos_versions_element(x, "Key", &key, req->url);

    if (e->version_id[0]) {
        ngx_sos_xml_element(x, "VersionId", (u_char *) e->version_id,
                            ngx_strlen(e->version_id), 0);
    } else {
        ngx_sos_xml_literal(x, "<VersionId>null</VersionId>");
    }

    if (e->is_latest) {
        ngx_sos_xml_literal(x, "<IsLatest>true</IsLatest>");
    } else {
        ngx_sos_xml_literal(x, "<IsLatest>false</IsLatest>");
    }

    ngx_sos_xml_element_time(x, "LastModified", (time_t) e->mtime,
                             (ngx_uint_t) e->mtime_nsec);

    if (!e->delete_marker) {
        ngx_sos_xml_element_etag(x, e->etag);
        ngx_sos_xml_element_uint(x, "Size", e->size);
    }

    if (e->owner.len) {
        ngx_sos_owner_names_xml(x, &vj->owners, &e->owner);
    }

    if (e->delete_marker) {
        ngx_sos_xml_literal(x, "</DeleteMarker>");
    } else {
        ngx_sos_xml_literal(x, "<StorageClass>STANDARD</StorageClass>"
                               "</Version>");
    }
}


static void
ngx_sos_versions_element(ngx_sos_xml_out_t *x, char *name, ngx_str_t *s,
    ngx_uint_t url)
{
    ngx_sos_xml_element(x, name, s->data, s->len, url);
}


/* into the job; an absent argument has no data pointer to copy from */

static const char *
ngx_sos_versions_copy(u_char **p, ngx_str_t *s)
{
    const char  *start;

    start = (const char *) *p;

    if (s->len) {
        *p = ngx_cpymem(*p, s->data, s->len);
    }

    return start;
}
