
/*
 * SOS: DeleteObject, and what the operations that write objects share
 * (ngx_sos_object.h): the ACL a write sets, x-amz-meta-* and the other
 * stored headers, write conditions, the ETag and checksum headers.  The
 * authorization step (ngx_sos_authz.c) has checked WRITE on the bucket
 * before any of their jobs runs.
 *
 * PutObject's entry is in ngx_sos_put.c with the upload engine, GetObject
 * and HeadObject in ngx_sos_get.c, CopyObject in ngx_sos_copy.c.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"
#include "ngx_sos_cdn.h"


#define NGX_SOS_META_MAX      2048


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    ngx_str_t                version_id; /* ?versionId; data NULL: none */
    const char              *owner;      /* the deleter's organization */
    sos_delete_cond_t        cond;
    char                     etag[SOS_ETAG_MAX + 1];    /* cond's */
    ngx_uint_t               bypass;     /* x-amz-bypass-governance-... */
    sos_delete_result_t      res;
    ngx_uint_t               denied;     /* a version, not the owner */
} ngx_sos_delete_t;


static ngx_int_t ngx_sos_object_strip_encoding(ngx_http_request_t *r,
    ngx_str_t *value, ngx_str_t *out);
static void ngx_sos_etag_unquote(ngx_str_t *value);

static ngx_sos_err_e ngx_sos_delete_conditions(ngx_http_request_t *r,
    ngx_sos_delete_t *d);
static void ngx_sos_delete_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_delete_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/* ------------------------------------------------------------------ */
/* shared                                                             */


/* pool thread: the ACL blob a write sets, canned ACLs expanded */

ngx_int_t
ngx_sos_object_acl_build(ngx_sos_job_t *job, ngx_sos_acl_t *acl,
    sos_attrs_t *attrs, ngx_sos_err_e *acl_err)
{
    if (acl == NULL) {
        return NGX_OK;                   /* private: an empty blob */
    }

    /* the bucket the authorization step looked up */

    *acl_err = ngx_sos_acl_build(job->store, acl, attrs->owner.data,
                                 job->ctx->authz.bucket->bucket.owner,
                                 &job->rc, &job->err);
    if (*acl_err != NGX_SOS_OK || job->rc != SOS_OK) {
        return NGX_ERROR;
    }

    attrs->acl.data = (char *) acl->blob;
    attrs->acl.len = acl->blob_len;

    return NGX_OK;
}


/*
 * Conditional writes, checked by the store atomically with the commit:
 * If-None-Match: * or <etag> (the write proceeds unless the current
 * object has that ETag) and If-Match: <etag> or *.
 */

ngx_sos_err_e
ngx_sos_object_write_conditions(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_put_opts_t *opts, char *if_match)
{
    u_char           *p;
    ngx_str_t         v;
    ngx_table_elt_t  *h;

    h = r->headers_in.if_none_match;

    if (h) {
        v = h->value;
        ngx_sos_etag_unquote(&v);

        if (v.len == 1 && v.data[0] == '*') {
            opts->if_none_match = 1;

        } else if (v.len <= SOS_ETAG_MAX) {
            /* longer: no ETag can be equal, nothing to check */
            p = ngx_pnalloc(r->pool, v.len + 1);
            if (p == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }
            ngx_memcpy(p, v.data, v.len);
            p[v.len] = '\0';
            opts->if_none_match_etag = (char *) p;
        }
    }

    h = r->headers_in.if_match;

    if (h) {
        v = h->value;
        ngx_sos_etag_unquote(&v);

        if (v.len > SOS_ETAG_MAX) {
            return NGX_SOS_ERR_PRECONDITION_FAILED;
        }

        ngx_memcpy(if_match, v.data, v.len);
        if_match[v.len] = '\0';
        opts->if_match = if_match;
    }

    return NGX_SOS_OK;
}


/*
 * Pool thread, after SOS_EPRECONDITION: as S3, If-Match on a key that
 * does not exist is 404 NoSuchKey, not 412.
 */

void
ngx_sos_object_precondition(ngx_sos_job_t *job, sos_put_opts_t *opts)
{
    sos_error_t        err;
    sos_object_info_t  info;

    if (opts->if_match == NULL) {
        return;
    }

    ngx_memzero(&info, sizeof(sos_object_info_t));

    if (sos_object_stat(job->store, opts->bucket, opts->bucket_len,
                        opts->key, opts->key_len, &info, &err)
        == SOS_ENOTFOUND)
    {
        job->rc = SOS_ENOTFOUND;
    }

    sos_object_info_release(&info);
}


/*
 * Pool thread, before a write with If-Match: whether the object has that
 * ETag now.  One that had it when the write began and is gone at the
 * commit was deleted meanwhile: S3 answers that 409
 * ConditionalRequestConflict, to be retried (while another write that
 * comes between is the usual 412).
 */

ngx_uint_t
ngx_sos_object_write_held(ngx_sos_job_t *job, sos_put_opts_t *opts)
{
    ngx_uint_t         held;
    sos_error_t        err;
    sos_object_info_t  info;

    ngx_memzero(&info, sizeof(sos_object_info_t));

    held = sos_object_stat(job->store, opts->bucket, opts->bucket_len,
                           opts->key, opts->key_len, &info, &err)
           == SOS_OK
           && (ngx_strcmp(opts->if_match, "*") == 0
               || ngx_strcmp(opts->if_match, info.etag) == 0);

    sos_object_info_release(&info);

    return held;
}


/*
 * What a write says about its destination, PutObject's and CopyObject's
 * alike: the conditions (If-Match, If-None-Match), the Object Lock and
 * the ACL it sets.
 */

ngx_sos_err_e
ngx_sos_object_destination(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_put_opts_t *opts, char *if_match, ngx_sos_acl_t **acl)
{
    ngx_sos_err_e  err;

    err = ngx_sos_object_write_conditions(r, ctx, opts, if_match);
    if (err != NGX_SOS_OK) {
        return err;
    }

    /* Object Lock: PutObject's body must then be protected */

    err = ngx_sos_retention_headers(r, ctx, ctx->op->flags & NGX_SOS_OP_BODY,
                                    &opts->retention);
    if (err != NGX_SOS_OK) {
        return err;
    }

    return ngx_sos_acl_from_headers(r, ctx, 0, acl);
}


/*
 * Content-Type and friends, x-amz-meta-*, x-amz-tagging: MetadataTooLarge,
 * InvalidArgument for a value that could not be sent back as a header,
 * the tag set's errors (ngx_sos_tagging.c)
 */

ngx_sos_err_e
ngx_sos_object_read_attrs(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_object_attrs_t *a)
{
    char             *bad;
    u_char           *p, *q;
    size_t            size;
    sos_kv_t         *kv;
    ngx_str_t         v;
    ngx_uint_t        i, j;
    ngx_array_t       meta;
    ngx_sos_err_e     err;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    ngx_memzero(a, sizeof(ngx_sos_object_attrs_t));

    /* S3 stores what it was given, else binary/octet-stream */

    if (r->headers_in.content_type && r->headers_in.content_type->value.len) {
        a->attrs.content_type.data =
                          (char *) r->headers_in.content_type->value.data;
        a->attrs.content_type.len = r->headers_in.content_type->value.len;

    } else {
        a->attrs.content_type.data = "binary/octet-stream";
        a->attrs.content_type.len = sizeof("binary/octet-stream") - 1;
    }

#define ngx_sos_attr(field, name)                                            \
    h = ngx_sos_header_find(r, name);                                        \
    if (h && h->value.len) {                                                 \
        a->attrs.field.data = (char *) h->value.data;                        \
        a->attrs.field.len = h->value.len;                                   \
    }

    ngx_sos_attr(cache_control, "Cache-Control");
    ngx_sos_attr(content_disposition, "Content-Disposition");
    ngx_sos_attr(content_language, "Content-Language");
    ngx_sos_attr(expires, "Expires");

#undef ngx_sos_attr

    /* aws-chunked says how this request was framed, not what it holds */

    h = ngx_sos_header_find(r, "Content-Encoding");

    if (h) {
        if (ngx_sos_object_strip_encoding(r, &h->value, &v) != NGX_OK) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        a->attrs.content_encoding.data = (char *) v.data;
        a->attrs.content_encoding.len = v.len;
    }

    /* x-amz-meta-*, names lowercased; repeated names are joined by ',' */

    if (ngx_array_init(&meta, r->pool, 4, sizeof(sos_kv_t)) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    size = 0;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len <= sizeof("x-amz-meta-") - 1
            || ngx_strncmp(h[i].lowcase_key, "x-amz-meta-",
                           sizeof("x-amz-meta-") - 1) != 0)
        {
            continue;
        }

        v.data = h[i].lowcase_key + sizeof("x-amz-meta-") - 1;
        v.len = h[i].key.len - (sizeof("x-amz-meta-") - 1);

        size += v.len + h[i].value.len;

        kv = meta.elts;

        for (j = 0; j < meta.nelts; j++) {
            if (kv[j].name.len == v.len
                && ngx_strncmp(kv[j].name.data, v.data, v.len) == 0)
            {
                break;
            }
        }

        if (j < meta.nelts) {
            p = ngx_pnalloc(r->pool, kv[j].value.len + 1 + h[i].value.len);
            if (p == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            q = ngx_cpymem(p, kv[j].value.data, kv[j].value.len);
            *q++ = ',';
            q = ngx_cpymem(q, h[i].value.data, h[i].value.len);

            kv[j].value.data = (char *) p;
            kv[j].value.len = q - p;
            continue;
        }

        kv = ngx_array_push(&meta);
        if (kv == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        kv->name.data = (char *) v.data;
        kv->name.len = v.len;
        kv->value.data = (char *) h[i].value.data;
        kv->value.len = h[i].value.len;
    }

    a->meta = meta.elts;
    a->n_meta = meta.nelts;

    if (size > NGX_SOS_META_MAX) {
        return ngx_sos_error_too_large(r, ctx, NGX_SOS_ERR_METADATA_TOO_LARGE,
                                       size, NGX_SOS_META_MAX);
    }

    a->attrs.user_meta = a->meta;
    a->attrs.n_user_meta = a->n_meta;

    err = ngx_sos_object_read_redirect(r, &a->attrs.website_redirect);
    if (err != NGX_SOS_OK) {
        return err;
    }

    err = ngx_sos_tagging_header(r, ctx, &a->attrs.tags);
    if (err != NGX_SOS_OK) {
        return err;
    }

    /* nginx refuses CR and LF in a header, not the other controls */

    bad = ngx_sos_check_attrs(&a->attrs);

    if (bad) {
        return ngx_sos_check_error(r, ctx, bad);
    }

    return NGX_SOS_OK;
}



static ngx_int_t
ngx_sos_object_strip_encoding(ngx_http_request_t *r, ngx_str_t *value,
    ngx_str_t *out)
{
    u_char     *p, *start, *end, *d;
    ngx_str_t   item;

    out->data = ngx_pnalloc(r->pool, value->len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    d = out->data;

    for (p = value->data, end = p + value->len; p < end; /* void */ ) {
        start = p;
        p = ngx_sos_header_item(p, end, &item);

        if (item.len == 0
            || (item.len == sizeof("aws-chunked") - 1
                && ngx_strncasecmp(item.data, (u_char *) "aws-chunked",
                                   sizeof("aws-chunked") - 1) == 0))
        {
            continue;
        }

        /* the separator as sent: the comma and the spaces after it */

        if (d != out->data) {
            *d++ = ',';
            d = ngx_cpymem(d, start, item.data - start);
        }

        d = ngx_cpymem(d, item.data, item.len);
    }

    out->len = d - out->data;

    return NGX_OK;
}


static void
ngx_sos_etag_unquote(ngx_str_t *value)
{
    while (value->len && (value->data[0] == ' ' || value->data[0] == '\t')) {
        value->data++;
        value->len--;
    }

    while (value->len && (value->data[value->len - 1] == ' '
                          || value->data[value->len - 1] == '\t'))
    {
        value->len--;
    }

    if (value->len >= 2 && value->data[0] == '"'
        && value->data[value->len - 1] == '"')
    {
        value->data++;
        value->len -= 2;
    }
}


ngx_int_t
ngx_sos_object_etag_header(ngx_http_request_t *r, const char *etag)
{
    size_t            len;
    ngx_table_elt_t  *h;

    len = ngx_strlen(etag);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, len + 2);
    if (h->value.data == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "ETag");
    h->value.len = ngx_sprintf(h->value.data, "\"%s\"", etag)
                   - h->value.data;

    r->headers_out.etag = h;

    return NGX_OK;
}


/* x-amz-checksum-crc32: <base64>, as S3 echoes a flexible checksum */

ngx_int_t
ngx_sos_object_checksum_header(ngx_http_request_t *r, ngx_str_t *alg,
    ngx_str_t *value)
{
    u_char  *name, *p;

    if (alg->len == 0 || value->len == 0) {
        return NGX_OK;
    }

    name = ngx_pnalloc(r->pool, sizeof("x-amz-checksum-") + alg->len);
    if (name == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(name, "x-amz-checksum-", sizeof("x-amz-checksum-") - 1);
    ngx_strlow(p, alg->data, alg->len);
    p[alg->len] = '\0';

    return ngx_sos_header_add(r, (char *) name, value);
}


/* for CreateMultipartUpload: the metadata the final object gets */

/*
 * x-amz-website-redirect-location, which even a copy that keeps the
 * source's metadata takes from its request only, as S3
 */

ngx_sos_err_e
ngx_sos_object_read_redirect(ngx_http_request_t *r, sos_str_t *redirect)
{
    ngx_table_elt_t  *h;

    h = ngx_sos_header_find(r, "x-amz-website-redirect-location");

    if (h == NULL || h->value.len == 0) {
        redirect->data = "";
        redirect->len = 0;
        return NGX_SOS_OK;
    }

    if (!ngx_sos_check_redirect(h->value.data, h->value.len)) {
        return NGX_SOS_ERR_INVALID_REDIRECT_LOCATION;
    }

    redirect->data = (char *) h->value.data;
    redirect->len = h->value.len;

    return NGX_SOS_OK;
}


ngx_sos_err_e
ngx_sos_object_attrs(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_attrs_t *attrs)
{
    ngx_sos_err_e            err;
    ngx_sos_object_attrs_t  *a;

    a = ngx_palloc(r->pool, sizeof(ngx_sos_object_attrs_t));
    if (a == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    err = ngx_sos_object_read_attrs(r, ctx, a);

    if (err == NGX_SOS_OK) {
        *attrs = a->attrs;
    }

    return err;
}


/* ------------------------------------------------------------------ */
/* DeleteObject                                                       */


ngx_int_t
ngx_sos_object_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_err_e      err;
    ngx_sos_job_t     *job;
    ngx_sos_delete_t  *d;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_delete_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    d = job->data;
    d->bucket = ctx->bucket;
    d->key = ctx->key;
    d->owner = (const char *) ctx->auth.org_id;

    err = ngx_sos_delete_conditions(r, d);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /* a version: removed for good, its conditions not used (as S3) */

    d->version_id = ctx->version_id;
    d->bypass = ngx_sos_retention_bypass_asked(r);

    job->run = ngx_sos_delete_run;
    job->done = ngx_sos_delete_done;

    return ngx_sos_job_start(r, job);
}


/*
 * Conditional deletes, checked by the store in the delete's step: If-Match
 * (<etag> or *), x-amz-if-match-last-modified-time (an HTTP date) and
 * x-amz-if-match-size.
 */

static ngx_sos_err_e
ngx_sos_delete_conditions(ngx_http_request_t *r, ngx_sos_delete_t *d)
{
    off_t             size;
    time_t            t;
    ngx_str_t         v;
    ngx_table_elt_t  *h;

    h = r->headers_in.if_match;

    if (h) {
        v = h->value;
        ngx_sos_etag_unquote(&v);

        if (v.len > SOS_ETAG_MAX) {
            return NGX_SOS_ERR_PRECONDITION_FAILED;
        }

        ngx_memcpy(d->etag, v.data, v.len);
        d->etag[v.len] = '\0';
        d->cond.etag = d->etag;
    }

    h = ngx_sos_header_find(r, "x-amz-if-match-last-modified-time");

    if (h) {
        t = ngx_parse_http_time(h->value.data, h->value.len);
        if (t == NGX_ERROR) {
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }
        d->cond.mtime = (int64_t) t;
        d->cond.has_mtime = 1;
    }

    h = ngx_sos_header_find(r, "x-amz-if-match-size");

    if (h) {
        size = ngx_atoof(h->value.data, h->value.len);
        if (size == NGX_ERROR) {
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }
        d->cond.size = (uint64_t) size;
        d->cond.has_size = 1;
    }

    return NGX_SOS_OK;
}


static void
ngx_sos_delete_run(ngx_sos_job_t *job)
{
    ngx_sos_delete_t *d = job->data;

    ngx_uint_t  bypass;

    /* a version is deleted for good by the bucket's owner only */

    if (d->version_id.data && !ngx_sos_authz_owner(job->ctx)) {
        d->denied = 1;
        return;
    }

    /* GOVERNANCE retention gives way to the bucket owner's admin key */

    bypass = d->bypass && ngx_sos_retention_bypass_allowed(job->ctx);

    job->rc = sos_object_delete_version(job->store, (char *) d->bucket.data,
                                        d->bucket.len, (char *) d->key.data,
                                        d->key.len,
                                        (char *) d->version_id.data,
                                        d->version_id.len,
                                        d->version_id.data ? NULL : &d->cond,
                                        d->owner, (int) bypass, &d->res,
                                        &job->err);

    if (job->rc == SOS_EINVAL && d->version_id.data) {
        /* an id the store never made names no version */
        job->rc = SOS_ENOTFOUND;
    }
}


static ngx_int_t
ngx_sos_delete_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_delete_t *d = job->data;

    ngx_int_t  rc;
    ngx_str_t  v;

    if (d->denied) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ACCESS_DENIED);
    }

    /*
     * If-Match on a key that does not exist is 404 NoSuchKey; without it
     * (or with only the time and size conditions) a missing key is 204,
     * as S3 documents
     */

    if (job->rc == SOS_ENOTFOUND && d->cond.etag != NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_KEY);
    }

    if (job->rc != SOS_OK && job->rc != SOS_ENOTFOUND) {
        return ngx_sos_retention_error(r, job->ctx, job->rc);
    }

    /*
     * deleting a version that does not exist deletes nothing and is a
     * success, as in S3; what was done is in the headers ("Deleting
     * object versions": a marker made, or the version removed)
     */

    if (job->rc == SOS_OK && d->res.delete_marker) {
        ngx_str_set(&v, "true");

        if (ngx_sos_header_add(r, "x-amz-delete-marker", &v) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (job->rc == SOS_OK) {
        rc = ngx_sos_versioning_header(r, job->ctx, d->res.version_id);

    } else if (d->version_id.data) {
        rc = ngx_sos_header_add(r, "x-amz-version-id", &d->version_id);

    } else {
        rc = NGX_OK;
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_sos_cdn_purge(r, job->ctx, job->ctx->key.data, job->ctx->key.len);

    return ngx_sos_send_xml(r, NGX_HTTP_NO_CONTENT, NULL);
}

