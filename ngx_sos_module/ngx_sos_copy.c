
/*
 * SOS: the server-side copies: CopyObject and UploadPartCopy, and the
 * x-amz-copy-source header they share.
 *
 * One job each, the same for both.  Its authorization step has checked
 * WRITE on the destination bucket (and found the upload, for a part) and
 * READ on the source, and opened the source (ngx_sos_authz.c): the
 * x-amz-copy-source-if-* conditions are evaluated on that version and
 * the store copies that version's bytes (sos_put_copy) into a new object
 * (CopyObject: COPY keeps the source's metadata, REPLACE takes the
 * request's; the tags likewise, by x-amz-tagging-directive) or a part
 * (UploadPartCopy: the whole source or the range
 * x-amz-copy-source-range names, with the checksum the upload asks for).
 * The destination's own conditions are PutObject's.  The source may be
 * a version (?versionId= in x-amz-copy-source), named back in
 * x-amz-copy-source-version-id; a copy to a versioned bucket makes a
 * version, named in x-amz-version-id.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"
#include "ngx_sos_multipart.h"
#include "ngx_sos_cdn.h"


typedef struct {
    /* the destination */
    sos_put_opts_t           opts;
    char                     if_match[SOS_ETAG_MAX + 1];    /* opts' */
    ngx_uint_t               cond_held;  /* If-Match held before the data
                                            was copied */
    ngx_sos_object_attrs_t   a;          /* REPLACE's; a.attrs.owner */
    ngx_uint_t               replace;
    ngx_uint_t               tags_replace;   /* x-amz-tagging-directive */
    sos_str_t                tags;       /* ... REPLACE's x-amz-tagging */
    ngx_sos_acl_t           *acl;        /* NULL: private */
    char                     upload_id[SOS_UPLOAD_ID_LEN + 1];  /* or "" */
    uint32_t                 part_number;

    /* the source */
    ngx_sos_err_e            version_err;    /* a malformed versionId */
    ngx_uint_t               has_range;
    uint64_t                 first;      /* x-amz-copy-source-range */
    uint64_t                 last;
    ngx_sos_cond_t           cond;       /* x-amz-copy-source-if-* */

    /* the pool thread's */
    sos_checksum_alg_e       alg;        /* a part's, the upload's */
    sos_checksum_t           ck;
    ngx_sos_err_e            err;        /* the answer, but a store error */
    uint64_t                 src_size;   /* for a range past its end */
    char                     etag[SOS_ETAG_MAX + 1];
    int64_t                  mtime;
    char                     version_id[SOS_VERSION_ID_LEN + 1];
    u_char                   cksum[SOS_CHECKSUM_MAX_B64 + 1];
    size_t                   cksum_len;
} ngx_sos_copy_t;


static ngx_sos_copy_t *ngx_sos_copy_job(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_job_t **job);
static ngx_int_t ngx_sos_copy_prepare(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_copy_t *cp);
static ngx_int_t ngx_sos_copy_range(ngx_http_request_t *r,
    ngx_sos_copy_t *cp);
static time_t ngx_sos_copy_time(ngx_http_request_t *r, char *name);
static void ngx_sos_copy_checksum(void *data, const void *p, size_t n);
static void ngx_sos_copy_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_copy_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_copy_versions(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/* ------------------------------------------------------------------ */
/* CopyObject                                                         */


ngx_int_t
ngx_sos_object_copy(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t                rc;
    ngx_sos_err_e            err;
    ngx_sos_job_t           *job;
    ngx_sos_copy_t          *cp;
    ngx_table_elt_t         *h;
    ngx_sos_copy_source_t   *src;

    cp = ngx_sos_copy_job(r, ctx, &job);
    if (cp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_sos_copy_prepare(r, ctx, cp);
    if (rc != NGX_OK) {
        return rc;
    }

    src = ctx->copy_source;

    if (src->bad_version) {
        cp->version_err = NGX_SOS_ERR_NO_SUCH_VERSION;
    }

    h = ngx_sos_header_find(r, "x-amz-metadata-directive");

    if (h) {
        if (h->value.len == sizeof("REPLACE") - 1
            && ngx_strncmp(h->value.data, "REPLACE", h->value.len) == 0)
        {
            cp->replace = 1;

        } else if (h->value.len != sizeof("COPY") - 1
                   || ngx_strncmp(h->value.data, "COPY", h->value.len) != 0)
        {
            ngx_str_set(&ctx->error_message, "Unknown metadata directive.");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }
    }

    /* the tags: the source's (COPY, the default) or x-amz-tagging's */

    h = ngx_sos_header_find(r, "x-amz-tagging-directive");

    if (h) {
        if (h->value.len == sizeof("REPLACE") - 1
            && ngx_strncmp(h->value.data, "REPLACE", h->value.len) == 0)
        {
            cp->tags_replace = 1;

        } else if (h->value.len != sizeof("COPY") - 1
                   || ngx_strncmp(h->value.data, "COPY", h->value.len) != 0)
        {
            ngx_str_set(&ctx->error_message, "Unknown tagging directive.");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }
    }

    if (cp->tags_replace) {
        err = ngx_sos_tagging_header(r, ctx, &cp->tags);
        if (err != NGX_SOS_OK) {
            return ngx_sos_error_send_ctx(r, ctx, err);
        }
    }

    err = ngx_sos_object_read_redirect(r, &cp->a.attrs.website_redirect);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /*
     * a copy onto itself changing nothing is refused, unless the source
     * names a version: that restores it ("Restoring previous versions",
     * S3 user guide; RGW refuses only a copy naming no version instance)
     */

    if (!cp->replace
        && cp->a.attrs.website_redirect.len == 0
        && src->version_id.data == NULL
        && src->bucket.len == ctx->bucket.len
        && src->key.len == ctx->key.len
        && ngx_strncmp(src->bucket.data, ctx->bucket.data,
                       ctx->bucket.len) == 0
        && ngx_memcmp(src->key.data, ctx->key.data, ctx->key.len) == 0)
    {
        ngx_str_set(&ctx->error_message,
                    "This copy request is illegal because it is trying to "
                    "copy an object to itself without changing the object's "
                    "metadata, storage class, website redirect location or "
                    "encryption attributes.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    if (cp->replace) {
        err = ngx_sos_object_read_attrs(r, ctx, &cp->a);
        if (err != NGX_SOS_OK) {
            return ngx_sos_error_send_ctx(r, ctx, err);
        }

        cp->opts.attrs = &cp->a.attrs;
    }

    cp->a.attrs.owner.data = (char *) ctx->auth.org_id;
    cp->a.attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    /* the destination's, as PutObject's */

    err = ngx_sos_object_destination(r, ctx, &cp->opts, cp->if_match,
                                     &cp->acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    return ngx_sos_job_start(r, job);
}


/* ------------------------------------------------------------------ */
/* UploadPartCopy                                                     */


ngx_int_t
ngx_sos_mp_upload_part_copy(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t        rc;
    ngx_sos_job_t   *job;
    ngx_sos_copy_t  *cp;

    cp = ngx_sos_copy_job(r, ctx, &job);
    if (cp == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_sos_mp_part_number(r, ctx, &cp->part_number) != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    if (ngx_sos_mp_upload_id(r, cp->upload_id) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_UPLOAD);
    }

    ctx->authz.upload_id = cp->upload_id;

    rc = ngx_sos_copy_prepare(r, ctx, cp);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ctx->copy_source->bad_version) {
        cp->version_err = NGX_SOS_ERR_NO_SUCH_KEY;
    }

    if (ngx_sos_copy_range(r, cp) != NGX_OK) {
        ngx_str_set(&ctx->error_message, "The x-amz-copy-source-range value "
                    "must be of the form bytes=first-last where first and "
                    "last are the zero-based offsets of the first and last "
                    "bytes to copy");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    return ngx_sos_job_start(r, job);
}


/* ------------------------------------------------------------------ */
/* shared                                                             */


static ngx_sos_copy_t *
ngx_sos_copy_job(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_job_t **job)
{
    ngx_sos_copy_t  *cp;

    *job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_copy_t));
    if (*job == NULL) {
        return NULL;
    }

    (*job)->run = ngx_sos_copy_run;
    (*job)->done = ngx_sos_copy_done;

    cp = (*job)->data;

    cp->opts.bucket = (char *) ctx->bucket.data;
    cp->opts.bucket_len = ctx->bucket.len;
    cp->opts.key = (char *) ctx->key.data;
    cp->opts.key_len = ctx->key.len;

    return cp;
}


/*
 * The source and its conditions, as both copies read them: NGX_OK, or
 * what the handler returns (the error sent).
 */

static ngx_int_t
ngx_sos_copy_prepare(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_copy_t *cp)
{
    ngx_int_t               rc;
    ngx_table_elt_t        *h;
    ngx_sos_main_conf_t    *smcf;

    rc = ngx_sos_copy_source(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);
    cp->opts.max_size = smcf->max_object_size;

    /* an empty ETag list is no condition */

    ngx_str_null(&cp->cond.if_match);
    ngx_str_null(&cp->cond.if_none_match);

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-match");
    if (h && h->value.len) {
        cp->cond.if_match = h->value;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-none-match");
    if (h && h->value.len) {
        cp->cond.if_none_match = h->value;
    }

    cp->cond.if_modified_since =
        ngx_sos_copy_time(r, "x-amz-copy-source-if-modified-since");
    cp->cond.if_unmodified_since =
        ngx_sos_copy_time(r, "x-amz-copy-source-if-unmodified-since");

    return NGX_OK;
}


/* a date header: -1 when absent or not a date */

static time_t
ngx_sos_copy_time(ngx_http_request_t *r, char *name)
{
    ngx_table_elt_t  *h;

    h = ngx_sos_header_find(r, name);
    if (h == NULL) {
        return -1;
    }

    return ngx_parse_http_time(h->value.data, h->value.len);
}


/* "[/]bucket/key[?versionId=...]", URL-encoded */

ngx_int_t
ngx_sos_copy_source(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char                 *p, *end, *q, *slash;
    ngx_str_t               version, decoded;
    ngx_table_elt_t        *h;
    ngx_sos_copy_source_t  *src;

    if (ctx->copy_source) {
        return NGX_OK;
    }

    src = ngx_palloc(r->pool, sizeof(ngx_sos_copy_source_t));
    if (src == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source");

    p = h->value.data;
    end = p + h->value.len;

    src->bad_version = 0;
    ngx_str_null(&src->version_id);

    q = ngx_strlchr(p, end, '?');

    if (q) {
        version.data = NULL;

        if (end - q > (ssize_t) sizeof("?versionId=") - 1
            && ngx_strncmp(q, "?versionId=", sizeof("?versionId=") - 1) == 0)
        {
            version.data = q + sizeof("?versionId=") - 1;
            version.len = end - version.data;
        }

        /* an id the store never made is the authorization step's */
        if (version.data) {
            src->version_id = version;

        } else {
            src->bad_version = 1;
        }

        end = q;
    }

    if (ngx_sos_uri_decode(r, p, end - p, &decoded) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = decoded.data;
    end = p + decoded.len;

    if (p < end && *p == '/') {
        p++;
    }

    slash = ngx_strlchr(p, end, '/');

    if (slash == NULL || slash == p || slash + 1 == end) {
        ngx_str_set(&ctx->error_message, "Copy Source must mention the "
                    "source bucket and key: sourcebucket/sourcekey");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    src->bucket.data = p;
    src->bucket.len = slash - p;
    src->key.data = slash + 1;
    src->key.len = end - slash - 1;

    if (src->key.len > SOS_MAX_KEY_LEN) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_KEY_TOO_LONG);
    }

    if (ngx_sos_check_key(src->key.data, src->key.len) != NGX_OK) {
        ngx_str_set(&ctx->error_message, "The source key in "
                    "x-amz-copy-source is not valid UTF-8 or contains a "
                    "control character.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    ctx->copy_source = src;

    return NGX_OK;
}


/* x-amz-copy-source-range: bytes=first-last, both given; NGX_ERROR */

static ngx_int_t
ngx_sos_copy_range(ngx_http_request_t *r, ngx_sos_copy_t *cp)
{
    u_char           *p, *end;
    ngx_uint_t        n;
    ngx_table_elt_t  *h;

    h = ngx_sos_header_find(r, "x-amz-copy-source-range");

    if (h == NULL) {
        return NGX_OK;
    }

    p = h->value.data;
    end = p + h->value.len;

    if (end - p < 9 || ngx_strncmp(p, "bytes=", 6) != 0) {
        return NGX_ERROR;
    }

    p += 6;

    if (p == end || *p < '0' || *p > '9') {
        return NGX_ERROR;
    }

    /* 18 digits at most: no offset can wrap around (as GET's Range) */

    for (n = 0; p < end && *p >= '0' && *p <= '9'; n++) {
        if (n == 18) {
            return NGX_ERROR;
        }

        cp->first = cp->first * 10 + (*p++ - '0');
    }

    if (p == end || *p++ != '-' || p == end) {
        return NGX_ERROR;
    }

    for (n = 0; p < end && *p >= '0' && *p <= '9'; n++) {
        if (n == 18) {
            return NGX_ERROR;
        }

        cp->last = cp->last * 10 + (*p++ - '0');
    }

    if (p != end || cp->last < cp->first) {
        return NGX_ERROR;
    }

    cp->has_range = 1;

    return NGX_OK;
}


/* pool thread: each chunk sos_put_copy() wrote */

static void
ngx_sos_copy_checksum(void *data, const void *p, size_t n)
{
    ngx_sos_copy_t *cp = data;

    sos_checksum_update(&cp->ck, p, n);
}


static void
ngx_sos_copy_run(ngx_sos_job_t *job)
{
    ngx_sos_copy_t *cp = job->data;

    u_char              digest[SOS_CHECKSUM_MAX_SIZE];
    uint64_t            offset, len;
    ngx_str_t           src, dst;
    sos_put_t          *put;
    sos_attrs_t         attrs;
    sos_put_opts_t      opts;
    ngx_sos_authz_t    *az;
    sos_object_info_t  *info, out;

    az = &job->ctx->authz;

    if (ngx_sos_object_acl_build(job, cp->acl, &cp->a.attrs, &cp->err)
        != NGX_OK)
    {
        return;
    }

    if (cp->version_err != NGX_SOS_OK) {
        cp->err = cp->version_err;
        return;
    }

    /* the source the authorization step found readable, and opened */

    info = &az->source;

    /* the x-amz-copy-source-if-* that fail, as GET's, all answer 412 */

    if (ngx_sos_cond_eval(&cp->cond, info->etag, info->mtime)
        != NGX_SOS_COND_PASS)
    {
        cp->err = NGX_SOS_ERR_PRECONDITION_FAILED;
        return;
    }

    offset = 0;
    len = info->size;

    if (cp->has_range) {
        if (cp->last >= info->size) {
            /* 400, not 416: AWS, UploadPartCopy (and RGW) */
            cp->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            cp->src_size = info->size;
            return;
        }

        offset = cp->first;
        len = cp->last - cp->first + 1;
    }

    if (cp->upload_id[0]) {
        cp->alg = ngx_sos_mp_checksum_alg(job->ctx);

        job->rc = sos_part_begin(&put, job->store, &cp->opts, cp->upload_id,
                                 cp->part_number, &job->err);

    } else {
        opts = cp->opts;

        if (cp->replace) {
            attrs = cp->a.attrs;

        } else {
            /* COPY: the source's metadata, owned by whoever copied it */
            attrs = info->attrs;
            attrs.owner = cp->a.attrs.owner;
            attrs.acl = cp->a.attrs.acl;     /* ACLs are not copied, as S3 */
            attrs.website_redirect = cp->a.attrs.website_redirect;
        }

        attrs.tags = cp->tags_replace ? cp->tags : info->attrs.tags;
        opts.attrs = &attrs;

        if (opts.if_match) {
            cp->cond_held = ngx_sos_object_write_held(job, &opts);
        }

        job->rc = sos_put_begin(&put, job->store, &opts, &job->err);
    }

    if (job->rc != SOS_OK) {
        return;
    }

    sos_checksum_start(&cp->ck, cp->alg);

    job->rc = sos_put_copy(put, az->source_reader, offset, len,
                           cp->alg != SOS_CHECKSUM_NONE
                           ? ngx_sos_copy_checksum : NULL,
                           cp, &job->err);

    if (job->rc == SOS_OK && cp->alg != SOS_CHECKSUM_NONE) {
        src.data = digest;
        src.len = sos_checksum_final(&cp->ck, digest);
        dst.data = cp->cksum;
        ngx_encode_base64(&dst, &src);
        cp->cksum_len = dst.len;

        job->rc = sos_put_set_checksum(put, sos_checksum_name(cp->alg),
                                       ngx_strlen(sos_checksum_name(cp->alg)),
                                       (char *) cp->cksum, cp->cksum_len,
                                       &job->err);
    }

    if (job->rc != SOS_OK) {
        sos_put_abort(put);
        return;
    }

    ngx_memzero(&out, sizeof(sos_object_info_t));

    job->rc = sos_put_commit(put, &out, &job->err);

    if (job->rc == SOS_EPRECONDITION) {
        ngx_sos_object_precondition(job, &cp->opts);
    }

    if (job->rc == SOS_OK) {
        ngx_memcpy(cp->etag, out.etag, sizeof(cp->etag));
        ngx_memcpy(cp->version_id, out.version_id, sizeof(cp->version_id));
        cp->mtime = out.mtime;
        sos_object_info_release(&out);
    }
}


static ngx_int_t
ngx_sos_copy_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_copy_t *cp = job->data;

    u_char            *p;
    ngx_sos_xml_out_t  x;

    if (job->rc == SOS_ENOTFOUND && cp->cond_held) {
        /*
         * If-Match held when the copy began, then a delete came before
         * its commit: S3's 409, as PutObject's
         */
        return ngx_sos_error_send(r,
                                  NGX_SOS_ERR_CONDITIONAL_REQUEST_CONFLICT);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_retention_error(r, job->ctx, job->rc);
    }

    if (cp->err == NGX_SOS_ERR_INVALID_ARGUMENT) {
        p = ngx_pnalloc(r->pool, sizeof("Range specified is not valid for "
                                        "source object of size: ")
                                 + NGX_OFF_T_LEN);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        job->ctx->error_message.data = p;
        job->ctx->error_message.len = ngx_sprintf(p, "Range specified is "
                                                  "not valid for source "
                                                  "object of size: %uL",
                                                  cp->src_size)
                                      - p;

        return ngx_sos_error_send_ctx(r, job->ctx, cp->err);
    }

    if (cp->err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, cp->err);
    }

    ngx_sos_cdn_purge(r, job->ctx, job->ctx->key.data, job->ctx->key.len);

    if (ngx_sos_copy_versions(r, job) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_sos_xml_out_init(&x, r->pool, 1024);

    if (cp->upload_id[0]) {
        ngx_sos_xml_literal(&x,
                            "<CopyPartResult xmlns=\"" NGX_SOS_XMLNS "\">");

    } else {
        ngx_sos_xml_literal(&x,
                            "<CopyObjectResult xmlns=\"" NGX_SOS_XMLNS "\">");
    }

    ngx_sos_xml_element_time(&x, "LastModified", (time_t) cp->mtime, 0);
    ngx_sos_xml_element_etag(&x, cp->etag);
    ngx_sos_mp_checksum_element(&x, cp->alg, cp->cksum, cp->cksum_len);

    if (cp->upload_id[0]) {
        ngx_sos_xml_literal(&x, "</CopyPartResult>");

    } else {
        ngx_sos_xml_literal(&x, "</CopyObjectResult>");
    }

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/*
 * x-amz-copy-source-version-id: the source version copied, when it has
 * an id or was named; x-amz-version-id: the version CopyObject made
 */

static ngx_int_t
ngx_sos_copy_versions(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_copy_t *cp = job->data;

    ngx_str_t               v;
    sos_object_info_t      *src;
    ngx_sos_copy_source_t  *cs;

    src = &job->ctx->authz.source;
    cs = job->ctx->copy_source;

    if (src->version_id[0]) {
        v.data = (u_char *) src->version_id;
        v.len = ngx_strlen(src->version_id);

    } else {
        ngx_str_set(&v, "null");
    }

    if ((src->version_id[0] || cs->version_id.data)
        && ngx_sos_header_add(r, "x-amz-copy-source-version-id", &v)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (cp->upload_id[0]) {
        return NGX_OK;
    }

    return ngx_sos_versioning_header(r, job->ctx, cp->version_id);
}
