
/*
 * SOS: object operations: PutObject, GetObject, HeadObject, DeleteObject,
 * CopyObject.
 *
 * PutObject streams: the body is read unbuffered (no client-body temp
 * file) into nginx's one client_body_buffer_size buffer; each batch goes
 * to a job that decodes it (aws-chunked, signatures, checksums) and writes
 * it to every replica, and only when the job is back does nginx read more.
 * GetObject opens the object in a job, then answers in the loop with file
 * buffers for sendfile; the fds belong to the reader, closed with the
 * request pool.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"


#define NGX_SOS_META_MAX      2048
#define NGX_SOS_SEGS          8
#define NGX_SOS_OVERRIDES     6


typedef enum {
    NGX_SOS_RANGE_NONE = 0,
    NGX_SOS_RANGE_FROM,                  /* bytes=a-b, bytes=a- */
    NGX_SOS_RANGE_SUFFIX                 /* bytes=-n */
} ngx_sos_range_e;


/* The metadata a PUT (or a CopyObject with REPLACE) brings. */
typedef struct {
    sos_attrs_t              attrs;
    sos_kv_t                *meta;
    ngx_uint_t               n_meta;
} ngx_sos_object_attrs_t;


typedef struct {
    ngx_sos_ctx_t           *ctx;
    sos_put_t               *put;
    sos_put_opts_t           opts;
    ngx_sos_object_attrs_t   a;
    char                     if_match[SOS_ETAG_MAX + 1];
    ngx_sos_acl_t           *acl;        /* x-amz-acl, x-amz-grant-* */
    ngx_sos_err_e            acl_err;

    ngx_sos_job_t           *job;        /* one job at a time, reused */
    ngx_chain_t             *in;         /* buffers the job is writing */
    unsigned                 in_flight:1;
    unsigned                 last:1;     /* the body ended with this batch */
    unsigned                 committing:1;

    ngx_sos_err_e            err;        /* what the payload decoder said */
    sos_rc_e                 sink_rc;
    sos_error_t              sink_err;

    ngx_str_t                cksum_alg;
    ngx_str_t                cksum_value;
    sos_object_info_t        info;

    u_char                  *upload_id;  /* UploadPart; NULL: PutObject */
    uint32_t                 part_number;
} ngx_sos_put_t;


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    ngx_uint_t               head;
    ngx_uint_t               part_number;    /* ?partNumber, 0: none */
    ngx_uint_t               bad_part;

    ngx_sos_range_e          range;
    off_t                    range_a;    /* FROM: start; SUFFIX: length */
    off_t                    range_b;    /* FROM: end, or -1 */

    /* results */
    ngx_uint_t               unsatisfiable;
    off_t                    start;
    off_t                    len;
    sos_reader_t            *reader;
    sos_object_info_t        info;
    sos_segment_t            segs_small[NGX_SOS_SEGS];
    sos_segment_t           *segs;
    size_t                   n_segs;

    /* the response-* arguments, decoded; data NULL: not given */
    ngx_str_t                override[NGX_SOS_OVERRIDES];
} ngx_sos_get_t;


/* a response-* argument and the header it replaces */
typedef struct {
    ngx_str_t                arg;
    char                    *header;
} ngx_sos_override_t;


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    ngx_uint_t               other_version;
} ngx_sos_delete_t;


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


static ngx_int_t ngx_sos_object_acl_build(ngx_sos_job_t *job,
    ngx_sos_acl_t *acl, sos_attrs_t *attrs, ngx_sos_err_e *acl_err);
static ngx_sos_err_e ngx_sos_object_read_attrs(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_object_attrs_t *a);
static ngx_int_t ngx_sos_object_strip_encoding(ngx_http_request_t *r,
    ngx_str_t *value, ngx_str_t *out);
static void ngx_sos_etag_unquote(ngx_str_t *value);
static ngx_int_t ngx_sos_object_etag_header(ngx_http_request_t *r,
    const char *etag);
static ngx_int_t ngx_sos_object_checksum_header(ngx_http_request_t *r,
    ngx_str_t *alg, ngx_str_t *value);
static ngx_sos_err_e ngx_sos_object_store_error(sos_rc_e rc);
static ngx_sos_err_e ngx_sos_object_write_conditions(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, sos_put_opts_t *opts, char *if_match);
static void ngx_sos_object_precondition(ngx_sos_job_t *job,
    sos_put_opts_t *opts);

static ngx_int_t ngx_sos_put_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_put_t *st);
static void ngx_sos_put_cleanup(void *data);
static void ngx_sos_put_abort(sos_put_t *put);
static void ngx_sos_put_abort_thread(void *data, ngx_log_t *log);
static void ngx_sos_put_abort_done(ngx_event_t *ev);
static void ngx_sos_put_begin_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_begin_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_put_read(ngx_http_request_t *r);
static ngx_int_t ngx_sos_put_read_fail(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_int_t rc);
static ngx_int_t ngx_sos_put_sink(void *data, u_char *p, size_t n);
static void ngx_sos_put_write_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_write_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_put_commit_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_commit_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);

static void ngx_sos_get_parse_range(ngx_http_request_t *r, ngx_sos_get_t *g);
static void ngx_sos_get_cleanup(void *data);
static void ngx_sos_get_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_get_done(ngx_http_request_t *r, ngx_sos_job_t *job);
static ngx_int_t ngx_sos_get_conditions(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_get_t *g);
static ngx_int_t ngx_sos_get_headers(ngx_http_request_t *r,
    ngx_sos_get_t *g);
static ngx_sos_err_e ngx_sos_get_overrides(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_get_t *g);
static ngx_int_t ngx_sos_get_header(ngx_http_request_t *r, ngx_sos_get_t *g,
    char *header, ngx_str_t *value);

static void ngx_sos_delete_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_delete_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);

static void ngx_sos_copy_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_copy_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);

static ngx_uint_t ngx_sos_is_null_version(ngx_str_t *v);


/* in the order ngx_sos_get_headers() sends them */

static ngx_sos_override_t  ngx_sos_get_override[NGX_SOS_OVERRIDES] = {
    { ngx_string("response-content-type"), "Content-Type" },
    { ngx_string("response-content-language"), "Content-Language" },
    { ngx_string("response-expires"), "Expires" },
    { ngx_string("response-cache-control"), "Cache-Control" },
    { ngx_string("response-content-disposition"), "Content-Disposition" },
    { ngx_string("response-content-encoding"), "Content-Encoding" }
};


/* ------------------------------------------------------------------ */
/* shared                                                             */


/* pool thread: the ACL blob a write sets, canned ACLs expanded */

static ngx_int_t
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


static ngx_uint_t
ngx_sos_is_null_version(ngx_str_t *v)
{
    return v->len == 4 && ngx_strncmp(v->data, "null", 4) == 0;
}


static ngx_sos_err_e
ngx_sos_object_store_error(sos_rc_e rc)
{
    if (rc == SOS_EINVAL) {
        /* the store checks what the router let through: key length */
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    return ngx_sos_error_from_store(rc);
}


/*
 * Conditional writes, checked by the store atomically with the commit:
 * If-None-Match: * (no other value, as S3) and If-Match: <etag>.
 */

static ngx_sos_err_e
ngx_sos_object_write_conditions(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_put_opts_t *opts, char *if_match)
{
    ngx_str_t         v;
    ngx_table_elt_t  *h;

    h = r->headers_in.if_none_match;

    if (h) {
        v = h->value;
        ngx_sos_etag_unquote(&v);

        if (v.len != 1 || v.data[0] != '*') {
            ngx_str_set(&ctx->error_message, "A header you provided implies "
                        "functionality that is not implemented");
            ngx_str_set(&ctx->error_extra, "<Header>If-None-Match</Header>");
            return NGX_SOS_ERR_NOT_IMPLEMENTED;
        }

        opts->if_none_match = 1;
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

static void
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
 * Content-Type and friends, x-amz-meta-*: MetadataTooLarge, and
 * InvalidArgument for a value that could not be sent back as a header
 */

static ngx_sos_err_e
ngx_sos_object_read_attrs(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_object_attrs_t *a)
{
    char             *bad;
    u_char           *p, *q;
    size_t            size, n;
    ngx_str_t         v;
    ngx_uint_t        i, j;
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

    n = 0;
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

        if (h[i].key.len > sizeof("x-amz-meta-") - 1
            && ngx_strncmp(h[i].lowcase_key, "x-amz-meta-",
                           sizeof("x-amz-meta-") - 1) == 0)
        {
            n++;
        }
    }

    if (n) {
        a->meta = ngx_pcalloc(r->pool, n * sizeof(sos_kv_t));
        if (a->meta == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }
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

        for (j = 0; j < a->n_meta; j++) {
            if (a->meta[j].name.len == v.len
                && ngx_strncmp(a->meta[j].name.data, v.data, v.len) == 0)
            {
                break;
            }
        }

        if (j < a->n_meta) {
            p = ngx_pnalloc(r->pool, a->meta[j].value.len + 1
                                     + h[i].value.len);
            if (p == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            q = ngx_cpymem(p, a->meta[j].value.data, a->meta[j].value.len);
            *q++ = ',';
            q = ngx_cpymem(q, h[i].value.data, h[i].value.len);

            a->meta[j].value.data = (char *) p;
            a->meta[j].value.len = q - p;
            continue;
        }

        a->meta[a->n_meta].name.data = (char *) v.data;
        a->meta[a->n_meta].name.len = v.len;
        a->meta[a->n_meta].value.data = (char *) h[i].value.data;
        a->meta[a->n_meta].value.len = h[i].value.len;
        a->n_meta++;
    }

    if (size > NGX_SOS_META_MAX) {
        ctx->error_extra.data = ngx_pnalloc(r->pool,
                                            sizeof("<Size></Size>"
                                                   "<MaxSizeAllowed>"
                                                   "</MaxSizeAllowed>")
                                            + 2 * NGX_SIZE_T_LEN);
        if (ctx->error_extra.data == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        ctx->error_extra.len = ngx_sprintf(ctx->error_extra.data,
                                           "<Size>%uz</Size>"
                                           "<MaxSizeAllowed>%d"
                                           "</MaxSizeAllowed>",
                                           size, NGX_SOS_META_MAX)
                               - ctx->error_extra.data;

        return NGX_SOS_ERR_METADATA_TOO_LARGE;
    }

    a->attrs.user_meta = a->meta;
    a->attrs.n_user_meta = a->n_meta;

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
    u_char  *p, *end, *s, *e, *d;

    out->data = ngx_pnalloc(r->pool, value->len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    d = out->data;
    p = value->data;
    end = p + value->len;

    while (p < end) {
        e = ngx_strlchr(p, end, ',');
        if (e == NULL) {
            e = end;
        }

        s = p;
        p = e + 1;

        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }

        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }

        if (e == s
            || (e - s == sizeof("aws-chunked") - 1
                && ngx_strncasecmp(s, (u_char *) "aws-chunked",
                                   sizeof("aws-chunked") - 1) == 0))
        {
            continue;
        }

        if (d != out->data) {
            *d++ = ',';
        }

        d = ngx_cpymem(d, s, e - s);
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


static ngx_int_t
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

static ngx_int_t
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
/* PutObject                                                          */


ngx_int_t
ngx_sos_object_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_err_e         err;
    ngx_sos_put_t        *st;

    st = ngx_pcalloc(r->pool, sizeof(ngx_sos_put_t));
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->ctx = ctx;
    ctx->op_data = st;

    err = ngx_sos_object_read_attrs(r, ctx, &st->a);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    st->a.attrs.owner.data = (char *) ctx->auth.org_id;
    st->a.attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    st->opts.bucket = (char *) ctx->bucket.data;
    st->opts.bucket_len = ctx->bucket.len;
    st->opts.key = (char *) ctx->key.data;
    st->opts.key_len = ctx->key.len;
    st->opts.attrs = &st->a.attrs;

    err = ngx_sos_object_write_conditions(r, ctx, &st->opts, st->if_match);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    err = ngx_sos_acl_from_headers(r, ctx, 0, &st->acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    return ngx_sos_put_start(r, ctx, st);
}


/*
 * UploadPart: the body streams into a part exactly as PutObject's into an
 * object; the part keeps its MD5 and flexible checksum.
 */

ngx_int_t
ngx_sos_object_put_part(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    u_char *upload_id, uint32_t part_number)
{
    ngx_sos_put_t  *st;

    st = ngx_pcalloc(r->pool, sizeof(ngx_sos_put_t));
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->ctx = ctx;
    ctx->op_data = st;

    st->upload_id = upload_id;
    st->part_number = part_number;

    st->a.attrs.owner.data = (char *) ctx->auth.org_id;
    st->a.attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    st->opts.bucket = (char *) ctx->bucket.data;
    st->opts.bucket_len = ctx->bucket.len;
    st->opts.key = (char *) ctx->key.data;
    st->opts.key_len = ctx->key.len;

    return ngx_sos_put_start(r, ctx, st);
}


/* the body's size, then the begin job: the streaming common to both */

static ngx_int_t
ngx_sos_put_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_put_t *st)
{
    off_t                 len;
    ngx_sos_job_t        *job;
    ngx_pool_cleanup_t   *cln;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (r->headers_in.content_length_n < 0 && !r->headers_in.chunked) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_MISSING_CONTENT_LENGTH);
    }

    /* refuse before a byte is read, when the size is announced */

    len = ctx->payload ? ngx_sos_payload_length(ctx->payload) : -1;

    if (len < 0) {
        len = r->headers_in.content_length_n;
    }

    if (len > smcf->max_object_size) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_LARGE);
    }

    st->opts.max_size = smcf->max_object_size;

    /* the tmp files go with the request unless committed */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_sos_put_cleanup;
    cln->data = st;

    job = ngx_sos_job_create(r, ctx, 0);
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->data = st;
    job->run = ngx_sos_put_begin_run;
    job->done = ngx_sos_put_begin_done;

    st->job = job;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_put_cleanup(void *data)
{
    ngx_sos_put_t *st = data;

    if (st->put) {
        ngx_sos_put_abort(st->put);
        st->put = NULL;
    }
}


/*
 * Removing the tmp files is disk work: a task of its own that outlives
 * the request, so a client that goes away costs the loop nothing.
 */

static void
ngx_sos_put_abort(sos_put_t *put)
{
    ngx_thread_task_t    *task;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle, ngx_http_sos_module);

    task = ngx_calloc(sizeof(ngx_thread_task_t) + sizeof(sos_put_t *),
                      ngx_cycle->log);

    if (task == NULL) {
        sos_put_abort(put);
        return;
    }

    task->ctx = task + 1;
    *(sos_put_t **) task->ctx = put;

    task->handler = ngx_sos_put_abort_thread;
    task->event.handler = ngx_sos_put_abort_done;
    task->event.data = task;
    task->event.log = ngx_cycle->log;

    if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
        sos_put_abort(put);
        ngx_free(task);
    }
}


static void
ngx_sos_put_abort_thread(void *data, ngx_log_t *log)
{
    sos_put_abort(*(sos_put_t **) data);
}


static void
ngx_sos_put_abort_done(ngx_event_t *ev)
{
    ngx_free(ev->data);
}


static void
ngx_sos_put_begin_run(ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    if (ngx_sos_object_acl_build(job, st->acl, &st->a.attrs, &st->acl_err)
        != NGX_OK)
    {
        return;
    }

    if (st->upload_id) {
        job->rc = sos_part_begin(&st->put, job->store, &st->opts,
                                 (char *) st->upload_id, st->part_number,
                                 &job->err);
        return;
    }

    job->rc = sos_put_begin(&st->put, job->store, &st->opts, &job->err);
}


static ngx_int_t
ngx_sos_put_begin_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    ngx_int_t  rc;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_object_store_error(job->rc));
    }

    if (st->acl_err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, st->acl_err);
    }

    /* the request is accepted: nginx sends "100 Continue" now, if asked */

    r->request_body_no_buffering = 1;
    r->expect_tested = 0;

    rc = ngx_http_read_client_request_body(r, ngx_sos_put_read);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return ngx_sos_put_read_fail(r, st->ctx, rc);
    }

    /* the body reader holds the request now */

    return NGX_DONE;
}


static void
ngx_sos_put_read(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_chain_t   **ll;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_put_t  *st;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    st = ctx->op_data;

    r->read_event_handler = ngx_sos_put_read;

    if (st->in_flight || st->committing) {
        /* our buffer is busy: nginx reads no more meanwhile */
        return;
    }

    if (r->reading_body) {
        rc = ngx_http_read_unbuffered_request_body(r);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            ngx_http_finalize_request(r, ngx_sos_put_read_fail(r, ctx, rc));
            return;
        }
    }

    if (r->request_body->bufs) {
        for (ll = &st->in; *ll; ll = &(*ll)->next) { /* void */ }
        *ll = r->request_body->bufs;
        r->request_body->bufs = NULL;
    }

    if (r->reading_body && st->in == NULL) {
        return;
    }

    st->last = !r->reading_body;

    if (st->last) {
        r->read_event_handler = ngx_http_block_reading;
    }

    st->job->run = ngx_sos_put_write_run;
    st->job->done = ngx_sos_put_write_done;

    if (ngx_sos_job_post(st->job) != NGX_OK) {
        ngx_http_finalize_request(r,
                              ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN));
        return;
    }

    st->in_flight = 1;
}


static ngx_int_t
ngx_sos_put_read_fail(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_int_t rc)
{
    if (r->connection->error || rc == NGX_HTTP_REQUEST_TIME_OUT
        || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST)
    {
        /* the client is gone: the pool cleanup removes the tmp files */
        return rc;
    }

    switch (rc) {

    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_LARGE);

    case NGX_HTTP_BAD_REQUEST:
        ngx_str_set(&ctx->error_message,
                    "The request body is not valid chunked encoding.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);

    default:
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }
}


/* pool thread: decoded payload bytes go to every replica */

static ngx_int_t
ngx_sos_put_sink(void *data, u_char *p, size_t n)
{
    ngx_sos_put_t *st = data;

    st->sink_rc = sos_put_write(st->put, p, n, &st->sink_err);

    return st->sink_rc == SOS_OK ? NGX_OK : NGX_ERROR;
}


static void
ngx_sos_put_write_run(ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    ngx_buf_t      *b;
    ngx_chain_t    *cl;
    ngx_sos_err_e   err;

    for (cl = st->in; cl; cl = cl->next) {
        b = cl->buf;

        if (b->last == b->pos) {
            continue;
        }

        if (st->ctx->payload) {
            err = ngx_sos_payload_feed(st->ctx->payload, b->pos,
                                       b->last - b->pos, ngx_sos_put_sink,
                                       st);

        } else {
            err = ngx_sos_put_sink(st, b->pos, b->last - b->pos) == NGX_OK
                  ? NGX_SOS_OK : NGX_SOS_ERR_INTERNAL_ERROR;
        }

        if (st->sink_rc != SOS_OK) {
            job->rc = st->sink_rc;
            job->err = st->sink_err;
            return;
        }

        if (err != NGX_SOS_OK) {
            st->err = err;
            return;
        }
    }

    if (st->last && st->ctx->payload) {
        st->err = ngx_sos_payload_finish(st->ctx->payload);
    }
}


static ngx_int_t
ngx_sos_put_write_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    ngx_chain_t  *cl, *next;

    st->in_flight = 0;

    /* consumed: nginx may fill the buffer again */

    for (cl = st->in; cl; cl = next) {
        next = cl->next;
        cl->buf->pos = cl->buf->last;
        ngx_free_chain(r->pool, cl);
    }

    st->in = NULL;

    if (r->connection->error) {
        return NGX_ERROR;
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_object_store_error(job->rc));
    }

    if (st->err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, st->ctx, st->err);
    }

    if (!st->last) {
        ngx_sos_put_read(r);
        return NGX_SOS_CONTINUE;
    }

    /* the body is whole and verified: its flexible checksum, then commit */

    if (st->ctx->payload) {
        ngx_sos_payload_checksum(st->ctx->payload, &st->cksum_alg,
                                 &st->cksum_value);
    }

    st->committing = 1;

    job->run = ngx_sos_put_commit_run;
    job->done = ngx_sos_put_commit_done;

    if (ngx_sos_job_post(job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    return NGX_SOS_CONTINUE;
}


static void
ngx_sos_put_commit_run(ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    sos_put_t  *put;

    if (st->cksum_alg.len) {
        job->rc = sos_put_set_checksum(st->put,
                                       (char *) st->cksum_alg.data,
                                       st->cksum_alg.len,
                                       (char *) st->cksum_value.data,
                                       st->cksum_value.len, &job->err);
        if (job->rc != SOS_OK) {
            return;
        }
    }

    /* the commit frees the put whatever it returns */

    put = st->put;
    st->put = NULL;

    job->rc = sos_put_commit(put, &st->info, &job->err);

    if (job->rc == SOS_EPRECONDITION) {
        ngx_sos_object_precondition(job, &st->opts);
    }
}


static ngx_int_t
ngx_sos_put_commit_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    ngx_int_t  rc;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_object_store_error(job->rc));
    }

    if (ngx_sos_object_etag_header(r, st->info.etag) != NGX_OK
        || ngx_sos_object_checksum_header(r, &st->cksum_alg,
                                          &st->cksum_value)
           != NGX_OK)
    {
        sos_object_info_release(&st->info);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    sos_object_info_release(&st->info);

    rc = ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);

    return rc;
}


/* ------------------------------------------------------------------ */
/* GetObject, HeadObject                                              */


ngx_int_t
ngx_sos_object_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t            n;
    ngx_str_t            v;
    ngx_sos_err_e        err;
    ngx_sos_get_t       *g;
    ngx_sos_job_t       *job;
    ngx_pool_cleanup_t  *cln;

    /* registered first: whatever the job opens is closed with the pool */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_get_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    g = job->data;

    cln->handler = ngx_sos_get_cleanup;
    cln->data = g;

    g->bucket = ctx->bucket;
    g->key = ctx->key;
    g->head = (r->method == NGX_HTTP_HEAD);
    g->segs = g->segs_small;

    /* ?partNumber: one part of a multipart object, as a range */

    if (ngx_sos_arg(r, "partNumber", &v) == NGX_OK) {
        n = (v.len && v.len <= 5) ? ngx_atoi(v.data, v.len) : NGX_ERROR;

        if (n < 1 || n > 10000) {
            ngx_str_set(&ctx->error_message, "Part number must be an "
                        "integer between 1 and 10000, inclusive");
            ngx_str_set(&ctx->error_extra,
                        "<ArgumentName>partNumber</ArgumentName>");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        if (r->headers_in.range) {
            ngx_str_set(&ctx->error_message, "Cannot specify both Range "
                        "header and partNumber query parameter");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_REQUEST);
        }

        g->part_number = n;

    } else {
        ngx_sos_get_parse_range(r, g);
    }

    /* the authorization step opens the object for the bytes or a part */

    ctx->authz.want_reader = !g->head || g->part_number;

    if (r->args.len) {
        err = ngx_sos_get_overrides(r, ctx, g);
        if (err != NGX_SOS_OK) {
            return ngx_sos_error_send_ctx(r, ctx, err);
        }
    }

    job->run = ngx_sos_get_run;
    job->done = ngx_sos_get_done;

    return ngx_sos_job_start(r, job);
}


/*
 * One range: "bytes=a-b", "bytes=a-", "bytes=-n".  As S3 does, a header
 * that does not parse, or asks for several ranges, is ignored: the whole
 * object is sent.
 */

static void
ngx_sos_get_parse_range(ngx_http_request_t *r, ngx_sos_get_t *g)
{
    u_char     *p, *end;
    off_t       a, b;
    ngx_uint_t  digits;

    if (r->headers_in.range == NULL) {
        return;
    }

    p = r->headers_in.range->value.data;
    end = p + r->headers_in.range->value.len;

    if (end - p < 7 || ngx_strncasecmp(p, (u_char *) "bytes=", 6) != 0) {
        return;
    }

    p += 6;

    while (p < end && *p == ' ') {
        p++;
    }

    a = -1;
    b = -1;

    for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 18) {
            return;
        }

        a = (a < 0 ? 0 : a * 10) + (*p - '0');
    }

    if (p == end || *p++ != '-') {
        return;
    }

    for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 18) {
            return;
        }

        b = (b < 0 ? 0 : b * 10) + (*p - '0');
    }

    while (p < end && *p == ' ') {
        p++;
    }

    if (p != end) {
        return;                          /* a list of ranges, or junk */
    }

    if (a < 0) {
        if (b < 0) {
            return;
        }

        g->range = NGX_SOS_RANGE_SUFFIX;
        g->range_a = b;
        return;
    }

    if (b >= 0 && b < a) {
        return;
    }

    g->range = NGX_SOS_RANGE_FROM;
    g->range_a = a;
    g->range_b = b;
}


static void
ngx_sos_get_cleanup(void *data)
{
    ngx_sos_get_t *g = data;

    if (g->segs != g->segs_small) {
        ngx_free(g->segs);
        g->segs = g->segs_small;
    }
}


static void
ngx_sos_get_run(ngx_sos_job_t *job)
{
    ngx_sos_get_t *g = job->data;

    off_t           size;
    uint64_t        off, plen;
    size_t          n;
    sos_segment_t  *segs;

    /* opened by the authorization step, closed with the request */

    g->info = job->ctx->authz.object;
    g->reader = job->ctx->authz.reader;

    size = (off_t) g->info.size;

    g->start = 0;
    g->len = size;

    if (g->part_number) {
        if (sos_reader_part(g->reader, g->part_number, &off, &plen,
                            &job->err)
            != SOS_OK)
        {
            g->bad_part = 1;
            return;
        }

        g->range = NGX_SOS_RANGE_FROM;
        g->range_a = off;
        g->range_b = off + plen - 1;
    }

    switch (g->range) {

    case NGX_SOS_RANGE_FROM:
        if (g->range_a >= size) {
            g->unsatisfiable = 1;
            return;
        }

        g->start = g->range_a;
        g->len = ((g->range_b < 0 || g->range_b >= size) ? size - 1
                                                         : g->range_b)
                 - g->start + 1;
        break;

    case NGX_SOS_RANGE_SUFFIX:
        if (g->range_a == 0 || size == 0) {
            g->unsatisfiable = 1;
            return;
        }

        g->start = (g->range_a >= size) ? 0 : size - g->range_a;
        g->len = size - g->start;
        break;

    default:
        break;
    }

    if (g->head || g->len == 0) {
        return;
    }

    n = NGX_SOS_SEGS;

    job->rc = sos_reader_segments(g->reader, g->start, g->len, g->segs, &n,
                                  &job->err);

    if (job->rc == SOS_ERANGE && n > NGX_SOS_SEGS) {

        /* many parts: a bigger array, plain malloc() in this thread */

        segs = malloc(n * sizeof(sos_segment_t));
        if (segs == NULL) {
            job->rc = SOS_ENOMEM;
            return;
        }

        g->segs = segs;

        job->rc = sos_reader_segments(g->reader, g->start, g->len, g->segs,
                                      &n, &job->err);
    }

    g->n_segs = n;
}


static ngx_int_t
ngx_sos_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_get_t *g = job->data;

    u_char         *p;
    size_t          len;
    ngx_int_t       rc;
    ngx_uint_t      i;
    ngx_buf_t      *b;
    ngx_file_t     *file;
    ngx_chain_t    *out, **ll;
    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_object_store_error(job->rc));
    }

    rc = ngx_sos_get_conditions(r, ctx, g);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (g->bad_part) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_PART_NUMBER);
    }

    if (g->unsatisfiable) {
        len = sizeof("<RangeRequested></RangeRequested>"
                     "<ActualObjectSize></ActualObjectSize>") - 1
              + ngx_sos_xml_escape_len(r->headers_in.range->value.data,
                                       r->headers_in.range->value.len)
              + NGX_OFF_T_LEN;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->error_extra.data = p;
        p = ngx_cpymem(p, "<RangeRequested>", sizeof("<RangeRequested>") - 1);
        p = ngx_sos_xml_escape(p, r->headers_in.range->value.data,
                               r->headers_in.range->value.len);
        p = ngx_sprintf(p, "</RangeRequested><ActualObjectSize>%uL"
                        "</ActualObjectSize>", g->info.size);
        ctx->error_extra.len = p - ctx->error_extra.data;

        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_RANGE);
    }

    if (ngx_sos_get_headers(r, g) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* every buffer exists before the header is sent */

    out = NULL;
    ll = &out;

    if (!g->head) {
        for (i = 0; i < g->n_segs; i++) {
            b = ngx_calloc_buf(r->pool);
            if (b == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
            if (file == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            file->fd = g->segs[i].fd;
            file->name = g->key;
            file->log = r->connection->log;

            b->in_file = g->segs[i].len ? 1 : 0;
            b->file = file;
            b->file_pos = g->segs[i].offset;
            b->file_last = g->segs[i].offset + g->segs[i].len;

            *ll = ngx_alloc_chain_link(r->pool);
            if (*ll == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            (*ll)->buf = b;
            (*ll)->next = NULL;
            ll = &(*ll)->next;
        }
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return ngx_sos_sent(r, rc);
    }

    if (out == NULL) {
        return ngx_sos_sent(r, ngx_http_send_special(r, NGX_HTTP_LAST));
    }

    for (b = NULL, ll = &out; *ll; ll = &(*ll)->next) {
        b = (*ll)->buf;
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    return ngx_sos_sent(r, ngx_http_output_filter(r, out));
}


/*
 * S3 (RFC 7232) order: If-Match, else If-Unmodified-Since → 412;
 * If-None-Match, else If-Modified-Since → 304.  NGX_DECLINED: go on.
 */

static ngx_int_t
ngx_sos_get_conditions(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_get_t *g)
{
    time_t            t;
    ngx_table_elt_t  *h;

    h = r->headers_in.if_match;

    if (h) {
        if (!ngx_sos_etag_match(h->value.data, h->value.len, g->info.etag, 0))
        {
            ngx_str_set(&ctx->error_extra, "<Condition>If-Match</Condition>");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_PRECONDITION_FAILED);
        }

    } else if (r->headers_in.if_unmodified_since) {
        h = r->headers_in.if_unmodified_since;
        t = ngx_parse_http_time(h->value.data, h->value.len);

        if (t != NGX_ERROR && g->info.mtime > t) {
            ngx_str_set(&ctx->error_extra,
                        "<Condition>If-Unmodified-Since</Condition>");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_PRECONDITION_FAILED);
        }
    }

    h = r->headers_in.if_none_match;

    if (h) {
        if (!ngx_sos_etag_match(h->value.data, h->value.len, g->info.etag, 1))
        {
            return NGX_DECLINED;
        }

    } else if (r->headers_in.if_modified_since) {
        h = r->headers_in.if_modified_since;
        t = ngx_parse_http_time(h->value.data, h->value.len);

        if (t == NGX_ERROR || g->info.mtime > t) {
            return NGX_DECLINED;
        }

    } else {
        return NGX_DECLINED;
    }

    /* 304 carries the validators */

    r->headers_out.last_modified_time = g->info.mtime;

    if (ngx_sos_object_etag_header(r, g->info.etag) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_error_send(r, NGX_SOS_ERR_NOT_MODIFIED);
}


static ngx_int_t
ngx_sos_get_headers(ngx_http_request_t *r, ngx_sos_get_t *g)
{
    u_char             *p;
    ngx_str_t           v;
    sos_str_t           stored[NGX_SOS_OVERRIDES];
    ngx_uint_t          i;
    ngx_table_elt_t    *h;
    sos_attrs_t        *a;

    a = &g->info.attrs;

    r->headers_out.status = (g->range != NGX_SOS_RANGE_NONE)
                            ? NGX_HTTP_PARTIAL_CONTENT : NGX_HTTP_OK;
    r->headers_out.content_length_n = g->len;
    r->headers_out.last_modified_time = g->info.mtime;

    /* ranges and conditionals are S3's, answered above, not nginx's */

    r->allow_ranges = 0;
    r->disable_not_modified = 1;

    if (ngx_sos_common_headers(r) != NGX_OK
        || ngx_sos_object_etag_header(r, g->info.etag) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&v, "bytes");

    if (ngx_sos_header_add(r, "Accept-Ranges", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    if (g->range != NGX_SOS_RANGE_NONE) {
        p = ngx_pnalloc(r->pool, sizeof("bytes -/") + 3 * NGX_OFF_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v.data = p;
        v.len = ngx_sprintf(p, "bytes %O-%O/%uL", g->start,
                            g->start + g->len - 1, g->info.size)
                - p;

        if (ngx_sos_header_add(r, "Content-Range", &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (g->part_number && g->info.parts) {
        p = ngx_pnalloc(r->pool, NGX_INT32_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v.data = p;
        v.len = ngx_sprintf(p, "%uD", g->info.parts) - p;

        if (ngx_sos_header_add(r, "x-amz-mp-parts-count", &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /* stored metadata, each replaced by its response-* argument */

    stored[0] = a->content_type;
    stored[1] = a->content_language;
    stored[2] = a->expires;
    stored[3] = a->cache_control;
    stored[4] = a->content_disposition;
    stored[5] = a->content_encoding;

    for (i = 0; i < NGX_SOS_OVERRIDES; i++) {
        if (g->override[i].data) {
            v = g->override[i];

        } else {
            v.data = (u_char *) stored[i].data;
            v.len = stored[i].len;
        }

        if (ngx_sos_get_header(r, g, ngx_sos_get_override[i].header, &v)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    for (i = 0; i < a->n_user_meta; i++) {
        p = ngx_pnalloc(r->pool, sizeof("x-amz-meta-")
                                 + a->user_meta[i].name.len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, "x-amz-meta-", sizeof("x-amz-meta-") - 1);
        ngx_memcpy(p + sizeof("x-amz-meta-") - 1, a->user_meta[i].name.data,
                   a->user_meta[i].name.len);
        p[sizeof("x-amz-meta-") - 1 + a->user_meta[i].name.len] = '\0';

        v.data = (u_char *) a->user_meta[i].value.data;
        v.len = a->user_meta[i].value.len;

        if (ngx_sos_get_header(r, g, (char *) p, &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /*
     * as S3: the checksum only when asked for, and only with the whole
     * object (it is the whole object's: a client would check a range
     * against it)
     */

    h = ngx_sos_header_find(r, "x-amz-checksum-mode");

    if (h && g->range == NGX_SOS_RANGE_NONE
        && h->value.len == sizeof("ENABLED") - 1
        && ngx_strncasecmp(h->value.data, (u_char *) "ENABLED",
                           sizeof("ENABLED") - 1) == 0)
    {
        ngx_str_t  alg, value;

        alg.data = (u_char *) a->checksum_algorithm.data;
        alg.len = a->checksum_algorithm.len;
        value.data = (u_char *) a->checksum_value.data;
        value.len = a->checksum_value.len;

        if (ngx_sos_object_checksum_header(r, &alg, &value) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The response-* arguments, %XX decoded.  As S3: only a signed request may
 * set response headers, and a value is one header line.
 */

static ngx_sos_err_e
ngx_sos_get_overrides(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_get_t *g)
{
    ngx_str_t   q;
    ngx_uint_t  i;

    for (i = 0; i < NGX_SOS_OVERRIDES; i++) {
        if (ngx_sos_arg(r, (char *) ngx_sos_get_override[i].arg.data, &q)
            != NGX_OK)
        {
            continue;
        }

        if (ctx->auth.anonymous) {
            ngx_str_set(&ctx->error_message, "Request specific response "
                        "headers cannot be used for anonymous GET "
                        "requests.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        if (ngx_sos_uri_decode(r, q.data, q.len, &g->override[i])
            != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        if (ngx_sos_check_value(g->override[i].data, g->override[i].len)
            != NGX_OK)
        {
            return ngx_sos_check_error(r, ctx,
                                   (char *) ngx_sos_get_override[i].arg.data);
        }
    }

    return NGX_SOS_OK;
}


/*
 * Add a response header (Content-Type: the content type), unless value
 * is empty.  A stored value with a control character was written before
 * values were checked on the way in: it is not sent.
 */

static ngx_int_t
ngx_sos_get_header(ngx_http_request_t *r, ngx_sos_get_t *g, char *header,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    if (value->len == 0) {
        return NGX_OK;
    }

    if (ngx_sos_check_value(value->data, value->len) != NGX_OK
        || ngx_sos_check_value((u_char *) header, ngx_strlen(header))
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "sos: stored header \"%s\" of \"%V\" in bucket "
                      "\"%V\" has a control character, not sent",
                      header, &g->key, &g->bucket);
        return NGX_OK;
    }

    if (ngx_strcmp(header, "Content-Type") == 0) {
        r->headers_out.content_type = *value;
        r->headers_out.content_type_len = value->len;
        r->headers_out.content_type_lowcase = NULL;
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) header;
    h->key.len = ngx_strlen(header);
    h->value = *value;

    if (ngx_strcmp(header, "Content-Encoding") == 0) {
        r->headers_out.content_encoding = h;
    }

    return NGX_OK;
}


/* ------------------------------------------------------------------ */
/* DeleteObject                                                       */


ngx_int_t
ngx_sos_object_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_job_t     *job;
    ngx_sos_delete_t  *d;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_delete_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    d = job->data;
    d->bucket = ctx->bucket;
    d->key = ctx->key;

    /*
     * every object is its one "null" version; deleting a version that
     * does not exist deletes nothing and is a success, as in S3
     */

    d->other_version = ctx->version_id.data
                       && !ngx_sos_is_null_version(&ctx->version_id);

    job->run = ngx_sos_delete_run;
    job->done = ngx_sos_delete_done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_delete_run(ngx_sos_job_t *job)
{
    ngx_sos_delete_t *d = job->data;

    if (d->other_version) {
        return;
    }

    job->rc = sos_object_delete(job->store, (char *) d->bucket.data,
                                d->bucket.len, (char *) d->key.data,
                                d->key.len, &job->err);
}


static ngx_int_t
ngx_sos_delete_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    if (job->rc != SOS_OK && job->rc != SOS_ENOTFOUND) {
        return ngx_sos_error_send(r, ngx_sos_object_store_error(job->rc));
    }

    return ngx_sos_send_xml(r, NGX_HTTP_NO_CONTENT, NULL);
}


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
        return ngx_sos_error_send(r, ngx_sos_object_store_error(job->rc));
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
