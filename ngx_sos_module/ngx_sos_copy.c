
/*
 * SOS: CopyObject, and the x-amz-copy-source header it shares with
 * UploadPartCopy (ngx_sos_multipart.c).
 *
 * One job, once its authorization step has checked WRITE on the
 * destination bucket and READ on the source (ngx_sos_authz.c), evaluates
 * the x-amz-copy-source-if-* conditions and has the store copy the object
 * (COPY keeps the source's metadata, REPLACE takes the request's); the
 * destination's own conditions are PutObject's.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"


typedef struct {
    ngx_str_t                src_bucket;
    ngx_str_t                src_key;
    ngx_uint_t               src_bad_version;
    ngx_uint_t               replace;
    ngx_sos_object_attrs_t   a;
    sos_put_opts_t           opts;

    char                     dst_if_match[SOS_ETAG_MAX + 1];

    ngx_str_t                if_match;
    ngx_str_t                if_none_match;
    time_t                   if_modified_since;      /* -1: none */
    time_t                   if_unmodified_since;

    ngx_sos_acl_t           *acl;
    ngx_sos_err_e            acl_err;

    /* results */
    ngx_uint_t               precondition;
    ngx_uint_t               src_missing;
    char                     etag[SOS_ETAG_MAX + 1];
    int64_t                  mtime;
} ngx_sos_copy_t;


static void ngx_sos_copy_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_copy_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/* ------------------------------------------------------------------ */
/* CopyObject                                                         */


ngx_int_t
ngx_sos_object_copy(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    time_t                  t;
    ngx_int_t               rc;
    ngx_sos_err_e           err;
    ngx_sos_job_t          *job;
    ngx_sos_copy_t         *cp;
    ngx_table_elt_t        *h;
    ngx_sos_main_conf_t    *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_copy_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cp = job->data;

    rc = ngx_sos_copy_source(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    cp->src_bucket = ctx->copy_source->bucket;
    cp->src_key = ctx->copy_source->key;
    cp->src_bad_version = ctx->copy_source->bad_version;

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

    if (!cp->replace
        && cp->src_bucket.len == ctx->bucket.len
        && cp->src_key.len == ctx->key.len
        && ngx_strncmp(cp->src_bucket.data, ctx->bucket.data,
                       ctx->bucket.len) == 0
        && ngx_memcmp(cp->src_key.data, ctx->key.data, ctx->key.len) == 0)
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
    }

    cp->a.attrs.owner.data = (char *) ctx->auth.org_id;
    cp->a.attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    cp->opts.bucket = (char *) ctx->bucket.data;
    cp->opts.bucket_len = ctx->bucket.len;
    cp->opts.key = (char *) ctx->key.data;
    cp->opts.key_len = ctx->key.len;
    cp->opts.attrs = &cp->a.attrs;
    cp->opts.max_size = smcf->max_object_size;

    /* the destination's, as PutObject's; then the source's */

    err = ngx_sos_object_write_conditions(r, ctx, &cp->opts,
                                          cp->dst_if_match);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    err = ngx_sos_acl_from_headers(r, ctx, 0, &cp->acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }


    h = ngx_sos_header_find(r, "x-amz-copy-source-if-match");
    if (h) {
        cp->if_match = h->value;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-none-match");
    if (h) {
        cp->if_none_match = h->value;
    }

    cp->if_modified_since = -1;
    cp->if_unmodified_since = -1;

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-modified-since");
    if (h) {
        t = ngx_parse_http_time(h->value.data, h->value.len);
        cp->if_modified_since = (t == NGX_ERROR) ? -1 : t;
    }

    h = ngx_sos_header_find(r, "x-amz-copy-source-if-unmodified-since");
    if (h) {
        t = ngx_parse_http_time(h->value.data, h->value.len);
        cp->if_unmodified_since = (t == NGX_ERROR) ? -1 : t;
    }

    job->run = ngx_sos_copy_run;
    job->done = ngx_sos_copy_done;

    return ngx_sos_job_start(r, job);
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

    q = ngx_strlchr(p, end, '?');

    if (q) {
        version.data = NULL;

        if (end - q > (ssize_t) sizeof("?versionId=") - 1
            && ngx_strncmp(q, "?versionId=", sizeof("?versionId=") - 1) == 0)
        {
            version.data = q + sizeof("?versionId=") - 1;
            version.len = end - version.data;
        }

        src->bad_version = (version.data == NULL
                               || !ngx_sos_is_null_version(&version));
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


static void
ngx_sos_copy_run(ngx_sos_job_t *job)
{
    ngx_sos_copy_t *cp = job->data;

    ngx_uint_t          fail;
    sos_put_opts_t      opts;
    sos_attrs_t         attrs;
    sos_object_info_t   src, dst;

    if (ngx_sos_object_acl_build(job, cp->acl, &cp->a.attrs, &cp->acl_err)
        != NGX_OK)
    {
        return;
    }

    if (cp->src_bad_version) {
        cp->src_missing = 1;
        return;
    }

    /* the source the authorization step found readable */

    src = job->ctx->authz.source;
    ngx_memzero(&dst, sizeof(sos_object_info_t));

    /* as GET's, but both answer 412 */

    fail = 0;

    if (cp->if_match.len) {
        fail = !ngx_sos_etag_match(cp->if_match.data, cp->if_match.len,
                                   src.etag, 0);

    } else if (cp->if_unmodified_since != -1) {
        fail = src.mtime > cp->if_unmodified_since;
    }

    if (cp->if_none_match.len) {
        fail |= ngx_sos_etag_match(cp->if_none_match.data,
                                   cp->if_none_match.len, src.etag, 1);

    } else if (cp->if_modified_since != -1) {
        fail |= src.mtime <= cp->if_modified_since;
    }

    if (fail) {
        cp->precondition = 1;
        return;
    }

    opts = cp->opts;

    if (!cp->replace) {
        /* COPY: the source's metadata, owned by whoever copied it */
        attrs = src.attrs;
        attrs.owner = cp->a.attrs.owner;
        attrs.acl = cp->a.attrs.acl;     /* ACLs are not copied, as S3 */
        opts.attrs = &attrs;
    }

    job->rc = sos_object_copy(job->store, (char *) cp->src_bucket.data,
                              cp->src_bucket.len, (char *) cp->src_key.data,
                              cp->src_key.len, &opts, &dst, &job->err);

    if (job->rc == SOS_EPRECONDITION) {
        ngx_sos_object_precondition(job, &cp->opts);
    }

    if (job->rc == SOS_OK) {
        ngx_memcpy(cp->etag, dst.etag, sizeof(cp->etag));
        cp->mtime = dst.mtime;
        sos_object_info_release(&dst);
    }
}


static ngx_int_t
ngx_sos_copy_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_copy_t *cp = job->data;

    u_char     *p;
    ngx_buf_t  *b;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (cp->acl_err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, cp->acl_err);
    }

    if (cp->src_missing) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_VERSION);
    }

    if (cp->precondition) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_PRECONDITION_FAILED);
    }

    b = ngx_create_temp_buf(r->pool,
                            sizeof("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                   CRLF "<CopyObjectResult xmlns=\"http://"
                                   "s3.amazonaws.com/doc/2006-03-01/\">"
                                   "<LastModified></LastModified>"
                                   "<ETag>&quot;&quot;</ETag>"
                                   "</CopyObjectResult>" CRLF)
                            + NGX_SOS_ISO8601_LEN + SOS_ETAG_MAX);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(b->last, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" CRLF
                   "<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/"
                   "2006-03-01/\"><LastModified>",
                   sizeof("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" CRLF
                          "<CopyObjectResult xmlns=\"http://s3.amazonaws.com/"
                          "doc/2006-03-01/\"><LastModified>") - 1);
    p = ngx_sos_time_iso8601(p, (time_t) cp->mtime);
    p = ngx_sprintf(p, "</LastModified><ETag>&quot;%s&quot;</ETag>"
                    "</CopyObjectResult>" CRLF, cp->etag);
    b->last = p;

    return ngx_sos_send_xml(r, NGX_HTTP_OK, b);
}
