
/*
 * SOS: ListObjects (v1) and ListObjectsV2; the arguments they share with
 * ListObjectVersions (ngx_sos_versions.c).
 *
 * One job per page: once the authorization step allowed READ on the
 * bucket, the pool thread takes one page from sos_list_objects() and
 * looks up the owners' display names; the completion writes the XML.
 */


#include "ngx_sos_xml.h"


#define NGX_SOS_LIST_MAX_KEYS  1000


/* which listing: the entry functions say */
typedef enum {
    NGX_SOS_LIST_V1 = 0,
    NGX_SOS_LIST_V2
} ngx_sos_list_kind_e;


/* What the client asked for, decoded: used in the event loop only. */
typedef struct {
    ngx_sos_list_kind_e  kind;
    ngx_str_t            prefix;
    ngx_str_t            delimiter;
    ngx_str_t            marker;         /* v1 marker, v2 start */
    ngx_str_t            token;          /* v2 continuation-token, as sent */
    ngx_str_t            start_after;
    ngx_uint_t           has_token;
    ngx_uint_t           has_start_after;
    ngx_uint_t           max_keys;
    ngx_uint_t           url;            /* 1: encoding-type=url, or
                                            NGX_SOS_XML_REFS */
    ngx_uint_t           fetch_owner;
} ngx_sos_list_req_t;


/* The job's inputs (copied) and results. */
typedef struct {
    ngx_str_t              bucket;   /* ctx->bucket */
    sos_list_opts_t        opts;     /* strings follow this struct */
    ngx_uint_t             owners_wanted;

    sos_list_result_t     *result;
    ngx_sos_owner_names_t  owners;
} ngx_sos_list_job_t;


static ngx_int_t ngx_sos_list_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_list_kind_e kind);
static ngx_sos_err_e ngx_sos_list_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_list_req_t *req);
static void ngx_sos_list_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_list_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_list_entry(ngx_sos_xml_out_t *x, ngx_sos_list_req_t *req,
    ngx_sos_list_job_t *lj, sos_list_entry_t *e, ngx_uint_t owner);
static void ngx_sos_list_element(ngx_sos_xml_out_t *x, char *name,
    ngx_str_t *s, ngx_uint_t url);
static u_char *ngx_sos_list_copy(u_char *dst, ngx_str_t *s);


ngx_int_t
ngx_sos_list_objects(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_list_start(r, ctx, NGX_SOS_LIST_V1);
}


ngx_int_t
ngx_sos_list_objects_v2(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_list_start(r, ctx, NGX_SOS_LIST_V2);
}


static ngx_int_t
ngx_sos_list_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_list_kind_e kind)
{
    u_char              *p;
    ngx_sos_err_e        err;
    ngx_sos_job_t       *job;
    ngx_sos_list_req_t  *req;
    ngx_sos_list_job_t  *lj;

    req = ngx_pcalloc(r->pool, sizeof(ngx_sos_list_req_t));
    if (req == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    req->kind = kind;
    ctx->op_data = req;

    err = ngx_sos_list_parse(r, ctx, req);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_list_job_t)
                                     + req->prefix.len + req->delimiter.len
                                     + req->marker.len);
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    lj = job->data;
    lj->bucket = ctx->bucket;

    p = (u_char *) lj + sizeof(ngx_sos_list_job_t);

    lj->opts.prefix.data = (const char *) p;
    lj->opts.prefix.len = req->prefix.len;
    p = ngx_sos_list_copy(p, &req->prefix);

    lj->opts.delimiter.data = (const char *) p;
    lj->opts.delimiter.len = req->delimiter.len;
    p = ngx_sos_list_copy(p, &req->delimiter);

    lj->opts.marker.data = (const char *) p;
    lj->opts.marker.len = req->marker.len;
    (void) ngx_sos_list_copy(p, &req->marker);

    lj->opts.max_keys = req->max_keys;
    lj->owners_wanted = (kind != NGX_SOS_LIST_V2) || req->fetch_owner;

    job->run = ngx_sos_list_run;
    job->done = ngx_sos_list_done;

    return ngx_sos_job_start(r, job);
}


/* InvalidArgument naming the argument, as S3 does */

ngx_sos_err_e
ngx_sos_list_bad_arg(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *name,
    ngx_str_t *value, char *message)
{
    if (ngx_sos_error_element(r, ctx, "ArgumentName", (u_char *) name,
                              ngx_strlen(name))
        != NGX_OK
        || ngx_sos_error_element(r, ctx, "ArgumentValue", value->data,
                                 value->len)
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = (u_char *) message;
    ctx->error_message.len = ngx_strlen(message);

    return NGX_SOS_ERR_INVALID_ARGUMENT;
}


/*
 * What every listing takes: prefix, delimiter, max-keys (at most 1000),
 * encoding-type (url 1, else 0), allow-unordered.  NGX_SOS_OK, or the
 * error to answer (ctx says the details).
 */

ngx_sos_err_e
ngx_sos_list_args(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *prefix, ngx_str_t *delimiter, ngx_uint_t *max_keys,
    ngx_uint_t *url)
{
    u_char      *p;
    ngx_int_t    rc;
    ngx_str_t    v;
    ngx_uint_t   n;

    if (ngx_sos_query_arg(r, "prefix", prefix) == NGX_ERROR
        || ngx_sos_query_arg(r, "delimiter", delimiter) == NGX_ERROR)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    /*
     * allow-unordered=true (an RGW extension): our order is one an
     * unordered listing may have; with a delimiter RGW refuses it,
     * 400 InvalidArgument
     */

    rc = ngx_sos_query_arg(r, "allow-unordered", &v);

    if (rc == NGX_ERROR) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (rc == NGX_OK && delimiter->len && v.len == 4
        && ngx_strncasecmp(v.data, (u_char *) "true", 4) == 0)
    {
        return ngx_sos_list_bad_arg(r, ctx, "allow-unordered", &v,
                                    "Unordered listing cannot be combined "
                                    "with a delimiter");
    }

    /* max-keys */

    *max_keys = NGX_SOS_LIST_MAX_KEYS;

    rc = ngx_sos_query_arg(r, "max-keys", &v);

    if (rc == NGX_ERROR) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (rc == NGX_OK) {
        if (v.len && v.data[0] == '-' && v.len > 1) {
            for (p = v.data + 1; p < v.data + v.len; p++) {
                if (*p < '0' || *p > '9') {
                    goto bad_max_keys;
                }
            }

            return ngx_sos_list_bad_arg(r, ctx, "max-keys", &v,
                                        "Argument maxKeys must be an "
                                        "integer between 0 and "
                                        "2147483647");
        }

        if (v.len == 0 || v.len > 10) {
            goto bad_max_keys;
        }

        n = 0;

        for (p = v.data; p < v.data + v.len; p++) {
            if (*p < '0' || *p > '9') {
                goto bad_max_keys;
            }

            n = n * 10 + (*p - '0');
        }

        if (n > 2147483647) {
            goto bad_max_keys;
        }

        *max_keys = ngx_min(n, NGX_SOS_LIST_MAX_KEYS);
    }

    /* encoding-type */

    rc = ngx_sos_query_arg(r, "encoding-type", &v);

    if (rc == NGX_ERROR) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (rc == NGX_OK) {
        if (v.len != 3 || ngx_strncasecmp(v.data, (u_char *) "url", 3) != 0)
        {
            return ngx_sos_list_bad_arg(r, ctx, "encoding-type", &v,
                                        "Invalid Encoding Method specified "
                                        "in Request");
        }

        *url = 1;
    }

    return NGX_SOS_OK;

bad_max_keys:

    return ngx_sos_list_bad_arg(r, ctx, "max-keys", &v,
                                "Provided max-keys not an integer or within "
                                "integer range");
}


/* NGX_SOS_OK, or the error to answer (ctx says the details) */

static ngx_sos_err_e
ngx_sos_list_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_list_req_t *req)
{
    ngx_int_t      rc;
    ngx_str_t      v, token;
    ngx_sos_err_e  err;

    err = ngx_sos_list_args(r, ctx, &req->prefix, &req->delimiter,
                            &req->max_keys, &req->url);
    if (err != NGX_SOS_OK) {
        return err;
    }

    switch (req->kind) {

    case NGX_SOS_LIST_V1:
        if (!req->url) {
            /* keys, prefixes, markers as sent, controls as references */
            req->url = NGX_SOS_XML_REFS;
        }

        if (ngx_sos_query_arg(r, "marker", &req->marker) == NGX_ERROR) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        break;

    case NGX_SOS_LIST_V2:
        rc = ngx_sos_query_arg(r, "fetch-owner", &v);

        if (rc == NGX_OK && v.len == 4
            && ngx_strncasecmp(v.data, (u_char *) "true", 4) == 0)
        {
            req->fetch_owner = 1;
        }

        if (rc == NGX_ERROR) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        rc = ngx_sos_query_arg(r, "start-after", &req->start_after);

        if (rc == NGX_ERROR) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        if (rc == NGX_OK) {
            req->has_start_after = 1;
            req->marker = req->start_after;
        }

        rc = ngx_sos_query_arg(r, "continuation-token", &req->token);

        if (rc == NGX_ERROR) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        /* an empty token is a first page, echoed as sent (as S3) */

        if (rc == NGX_OK) {
            req->has_token = 1;
        }

        if (rc == NGX_OK && req->token.len) {

            /* our tokens are base64url of the last key or prefix */
            token.data = ngx_pnalloc(r->pool,
                                     ngx_base64_decoded_length(req->token.len)
                                     + 1);
            if (token.data == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            if (ngx_decode_base64url(&token, &req->token) != NGX_OK
                || token.len == 0 || token.len > SOS_MAX_KEY_LEN)
            {
                return ngx_sos_list_bad_arg(r, ctx, "continuation-token",
                                            &req->token,
                                            "The continuation token "
                                            "provided is incorrect");
            }

            req->marker = token;
        }

        break;
    }

    return NGX_SOS_OK;
}


/* the pool thread */

static void
ngx_sos_list_run(ngx_sos_job_t *job)
{
    ngx_sos_list_job_t  *lj = job->data;

    job->rc = sos_list_objects(job->store, (const char *) lj->bucket.data,
                               lj->bucket.len, &lj->opts, &lj->result,
                               &job->err);

    if (job->rc == SOS_OK && lj->owners_wanted) {
        job->rc = ngx_sos_owner_names_load(&lj->owners, job->store,
                                           lj->result->entries,
                                           lj->result->n_entries,
                                           sizeof(sos_list_entry_t),
                                           offsetof(sos_list_entry_t, owner),
                                           &job->err);
    }
}


static ngx_int_t
ngx_sos_list_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_list_job_t  *lj = job->data;

    size_t               i;
    ngx_str_t            next, src, token;
    ngx_sos_ctx_t       *ctx;
    sos_list_result_t   *res;
    ngx_sos_xml_out_t    x;
    ngx_sos_list_req_t  *req;

    ctx = job->ctx;
    req = ctx->op_data;
    res = lj->result;

    if (job->rc != SOS_OK) {
        sos_list_result_free(res);
        ngx_sos_owner_names_free(&lj->owners);

        if (job->rc == SOS_EINVAL) {
            /* a prefix, delimiter or marker beyond the key length */
            return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        return ngx_sos_error_send_bucket(r, ctx,
                                         ngx_sos_error_from_store(job->rc));
    }

    next.data = (u_char *) res->next_marker.data;
    next.len = res->truncated ? res->next_marker.len : 0;

    /* a page of keys may hold 1000 keys of 1024 bytes each */
    ngx_sos_xml_out_init(&x, r->pool, 16384);

    ngx_sos_xml_literal(&x, "<ListBucketResult xmlns=\"" NGX_SOS_XMLNS "\">");

    ngx_sos_list_element(&x, "Name", &ctx->bucket, 0);
    ngx_sos_list_element(&x, "Prefix", &req->prefix, req->url);

    switch (req->kind) {

    case NGX_SOS_LIST_V1:
        ngx_sos_list_element(&x, "Marker", &req->marker, req->url);

        /* S3 gives NextMarker only with a delimiter: else the last key */
        if (next.len && req->delimiter.len) {
            ngx_sos_list_element(&x, "NextMarker", &next, req->url);
        }

        break;

    default: /* NGX_SOS_LIST_V2 */
        if (req->has_token) {
            ngx_sos_list_element(&x, "ContinuationToken", &req->token, 0);
        }

        if (next.len) {
            src = next;
            token.len = ngx_base64_encoded_length(src.len);
            token.data = ngx_pnalloc(r->pool, token.len);
            if (token.data == NULL) {
                x.failed = 1;

            } else {
                ngx_encode_base64url(&token, &src);
                ngx_sos_list_element(&x, "NextContinuationToken", &token, 0);
            }
        }

        if (req->has_start_after) {
            ngx_sos_list_element(&x, "StartAfter", &req->start_after,
                                 req->url);
        }

        ngx_sos_xml_element_uint(&x, "KeyCount",
                                 res->n_entries + res->n_prefixes);
        break;
    }

    ngx_sos_xml_element_uint(&x, "MaxKeys", req->max_keys);

    if (req->delimiter.len) {
        ngx_sos_list_element(&x, "Delimiter", &req->delimiter, req->url);
    }

    if (res->truncated) {
        ngx_sos_xml_literal(&x, "<IsTruncated>true</IsTruncated>");
    } else {
        ngx_sos_xml_literal(&x, "<IsTruncated>false</IsTruncated>");
    }

    if (req->url == 1) {
        ngx_sos_xml_literal(&x, "<EncodingType>url</EncodingType>");
    }

    for (i = 0; i < res->n_entries; i++) {
        ngx_sos_list_entry(&x, req, lj, &res->entries[i],
                           lj->owners_wanted);
    }

    for (i = 0; i < res->n_prefixes; i++) {
        src.data = (u_char *) res->prefixes[i].data;
        src.len = res->prefixes[i].len;

        ngx_sos_xml_literal(&x, "<CommonPrefixes>");
        ngx_sos_list_element(&x, "Prefix", &src, req->url);
        ngx_sos_xml_literal(&x, "</CommonPrefixes>");
    }

    ngx_sos_xml_literal(&x, "</ListBucketResult>");

    /* everything is copied into the document: the page can go */
    sos_list_result_free(res);
    ngx_sos_owner_names_free(&lj->owners);
    lj->result = NULL;

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static void
ngx_sos_list_entry(ngx_sos_xml_out_t *x, ngx_sos_list_req_t *req,
    ngx_sos_list_job_t *lj, sos_list_entry_t *e, ngx_uint_t owner)
{
    ngx_str_t  key;

    key.data = (u_char *) e->key.data;
    key.len = e->key.len;

    ngx_sos_xml_literal(x, "<Contents>");
    ngx_sos_list_element(x, "Key", &key, req->url);

    ngx_sos_xml_element_time(x, "LastModified", (time_t) e->mtime,
                             (ngx_uint_t) e->mtime_nsec);
    ngx_sos_xml_element_etag(x, e->etag);
    ngx_sos_xml_element_uint(x, "Size", e->size);

    if (owner && e->owner.len) {
        ngx_sos_owner_names_xml(x, &lj->owners, &e->owner);
    }

    ngx_sos_xml_literal(x, "<StorageClass>STANDARD</StorageClass>");

    ngx_sos_xml_literal(x, "</Contents>");
}


static void
ngx_sos_list_element(ngx_sos_xml_out_t *x, char *name, ngx_str_t *s,
    ngx_uint_t url)
{
    ngx_sos_xml_element(x, name, s->data, s->len, url);
}


/* an absent argument has no data pointer: memcpy() must not see it */

static u_char *
ngx_sos_list_copy(u_char *dst, ngx_str_t *s)
{
    return s->len ? ngx_cpymem(dst, s->data, s->len) : dst;
}
