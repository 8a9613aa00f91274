
/*
 * SOS: POST Object, the browser form upload.
 *
 * A POST to a bucket with a multipart/form-data body.  The bucket is looked
 * up before the body is read.  The form is parsed as it arrives
 * (ngx_sos_post_form.c); the fields before the "file" part are kept, and
 * when the file part begins they are checked in the event loop: the POST
 * policy (signature, expiration, conditions, fields covered:
 * ngx_sos_post_policy.c), the key, the ACL and the object's attributes.
 * Then the file part streams into the store through the upload engine
 * (ngx_sos_put.h, feed mode), one bounded buffer at a time, so memory is
 * bounded whatever the file size; the form's end is checked before the
 * commit.  An x-amz-checksum-* field gives the engine a payload verifier
 * (up->payload, feed mode too), so the file part is checked and its
 * checksum stored as PutObject's.  Fields after the file are ignored, as
 * S3 does.
 */


#include "ngx_sos_post.h"
#include "ngx_sos_xml.h"


#define NGX_SOS_POST_WBUF        (256 * 1024)


static ngx_int_t ngx_sos_post_bucket_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_post_read(ngx_http_request_t *r);
static ngx_int_t ngx_sos_post_begin(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_write(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_uint_t last);
static ngx_int_t ngx_sos_post_finish(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_sos_err_e ngx_sos_post_fields(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_attrs(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_sos_err_e ngx_sos_post_checksum(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_done(ngx_http_request_t *r,
    ngx_sos_put_t *up);


ngx_int_t
ngx_sos_post_object(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_post_t  *st;

    if (r->headers_in.content_length_n < 0 && !r->headers_in.chunked) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_MISSING_CONTENT_LENGTH);
    }

    st = ngx_pcalloc(r->pool, sizeof(ngx_sos_post_t));
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->ctx = ctx;
    ctx->op_data = st;

    if (ngx_sos_post_form_boundary(r, st) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "The body of your POST request is not well-formed "
                    "multipart/form-data: no boundary.");
        return ngx_sos_error_send_ctx(r, ctx,
                                      NGX_SOS_ERR_MALFORMED_POST_REQUEST);
    }

    st->fbuf = ngx_pnalloc(r->pool, NGX_SOS_POST_PRE_MAX);
    st->line = ngx_pnalloc(r->pool, NGX_SOS_POST_LINE_MAX);
    st->wbuf = ngx_pnalloc(r->pool, NGX_SOS_POST_WBUF);
    st->wsize = NGX_SOS_POST_WBUF;

    st->job = ngx_sos_job_create(r, ctx, 0);

    if (st->fbuf == NULL || st->line == NULL || st->wbuf == NULL
        || st->job == NULL
        || ngx_array_init(&st->fields, r->pool, 16,
                          sizeof(ngx_sos_post_field_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->job->data = st;

    st->wb.start = st->wbuf;
    st->wb.end = st->wbuf + st->wsize;
    st->wb.temporary = 1;

    /* the first delimiter has no CRLF before it: as if already matched */

    st->match = 2;
    st->state = NGX_SOS_MP_BODY;
    st->sink = NGX_SOS_SINK_DISCARD;
    st->min_size = 0;
    st->max_size = -1;

    /*
     * no body is read for a bucket that is not there: this job only runs
     * the authorization step, which looks the bucket up
     */

    st->job->run = NULL;
    st->job->done = ngx_sos_post_bucket_done;

    return ngx_sos_job_start(r, st->job);
}


static ngx_int_t
ngx_sos_post_bucket_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    /* the form is the authentication: read it (and "100 Continue") */

    return ngx_sos_body_stream(r, st->ctx, ngx_sos_post_read);
}


/*
 * The body's post handler and read event handler, and the upload's
 * resume(): parse what arrived, unless the upload's job is in flight.
 */

static void
ngx_sos_post_read(ngx_http_request_t *r)
{
    ngx_int_t        rc;
    ngx_chain_t    **ll;
    ngx_sos_ctx_t   *ctx;
    ngx_sos_post_t  *st;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    st = ctx->op_data;

    r->read_event_handler = ngx_sos_post_read;

    if (st->up && st->up->busy) {
        return;
    }

    for ( ;; ) {
        if (r->reading_body) {
            rc = ngx_http_read_unbuffered_request_body(r);

            if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
                ngx_http_finalize_request(r, ngx_sos_body_error(r, ctx, rc));
                return;
            }
        }

        if (r->request_body->bufs == NULL && st->in == NULL
            && r->reading_body)
        {
            return;
        }

        if (r->request_body->bufs) {
            for (ll = &st->in; *ll; ll = &(*ll)->next) { /* void */ }
            *ll = r->request_body->bufs;
            r->request_body->bufs = NULL;
        }

        rc = ngx_sos_post_form_parse(r, st);

        switch (rc) {

        case NGX_ERROR:
            r->keepalive = 0;
            rc = ngx_sos_error_send_ctx(r, ctx, st->err);
            break;

        case NGX_SOS_POST_BEGIN:
            rc = ngx_sos_post_begin(r, st);
            break;

        case NGX_SOS_POST_FLUSH:
            rc = ngx_sos_post_write(r, st, 0);
            break;

        default: /* NGX_AGAIN: all consumed */

            if (r->reading_body) {
                continue;
            }

            r->read_event_handler = ngx_http_block_reading;

            rc = ngx_sos_post_finish(r, st);
        }

        if (rc != NGX_SOS_CONTINUE) {
            ngx_http_finalize_request(r, rc);
        }

        return;
    }
}


/*
 * The file part begins: the fields before it say what to store, and the
 * upload begins for the form's signer (NGX_SOS_CONTINUE, else what to
 * finalize with)
 */

static ngx_int_t
ngx_sos_post_begin(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_sos_err_e   err;
    ngx_sos_put_t  *up;

    up = ngx_sos_put_create(r, st->ctx);
    if (up == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->up = up;

    err = ngx_sos_post_fields(r, st);

    if (err != NGX_SOS_OK) {
        r->keepalive = 0;
        return ngx_sos_error_send_ctx(r, st->ctx, err);
    }

    /* the signer, whose WRITE the begin job's authorization step checks */

    ngx_sos_authz_identity(st->ctx, st->org_id);

    up->opts.key = (char *) st->key.data;
    up->opts.key_len = st->key.len;
    up->opts.attrs = &up->a.attrs;
    up->opts.max_size = st->max_size;
    up->resume = ngx_sos_post_read;
    up->done = ngx_sos_post_done;

    return ngx_sos_put_begin(r, up);
}


/*
 * The write buffer's bytes to the upload, last: the upload ends with them
 * (NGX_SOS_CONTINUE, else what to finalize with)
 */

static ngx_int_t
ngx_sos_post_write(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_uint_t last)
{
    ngx_chain_t  *cl;

    cl = NULL;

    if (st->wlen) {
        cl = ngx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        st->wb.pos = st->wbuf;
        st->wb.last = st->wbuf + st->wlen;

        cl->buf = &st->wb;
        cl->next = NULL;

        /* the parser fills wbuf again only once the upload is back */

        st->wlen = 0;
    }

    return ngx_sos_put_feed(r, st->up, cl, last);
}


/* the body is read: the form's end is checked, then the upload ends */

static ngx_int_t
ngx_sos_post_finish(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    if (!st->file_seen) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INCORRECT_NUMBER_OF_FILES);
    }

    if (!st->file_done) {
        ngx_str_set(&st->ctx->error_message,
                    "The body of your POST request is not well-formed "
                    "multipart/form-data: the file part does not end.");
        return ngx_sos_error_send_ctx(r, st->ctx,
                                      NGX_SOS_ERR_MALFORMED_POST_REQUEST);
    }

    if (st->file_size < st->min_size) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_SMALL);
    }

    return ngx_sos_post_write(r, st, 1);
}


/* ------------------------------------------------------------------ */
/* The fields                                                         */

/* the fields before the file: the key, the policy, what st->up stores */

static ngx_sos_err_e
ngx_sos_post_fields(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    char                  *bad;
    u_char                *p, *d;
    ngx_str_t             *key, *policy, *v;
    ngx_uint_t             i, canned;
    ngx_sos_ctx_t         *ctx;
    ngx_sos_err_e          err;
    sos_retention_t       *rt;
    ngx_sos_main_conf_t   *smcf;
    ngx_sos_post_field_t  *f;

    ctx = st->ctx;
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    key = ngx_sos_post_form_field(st, "key", 3);

    if (key == NULL) {
        ngx_str_set(&ctx->error_message,
                    "Bucket POST must contain a field named 'key'.  If it "
                    "is specified, please check the order of the fields.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    policy = ngx_sos_post_form_field(st, "policy", 6);

    if (policy) {
        err = ngx_sos_post_policy_read(r, st, policy);
        if (err != NGX_SOS_OK) {
            return err;
        }

    } else {
        /*
         * an anonymous form (AllUsers): no policy to check, the bucket
         * ACL must grant WRITE to everyone (checked in the begin job)
         */
        st->org_id[0] = '\0';
    }

    /* the key: ${filename} is the file part's name */

    st->key = *key;

    p = ngx_strlcasestrn(key->data, key->data + key->len,
                         (u_char *) "${filename}", 11 - 1);
    if (p) {
        st->key.len = key->len - 11 + st->filename.len;
        st->key.data = ngx_pnalloc(r->pool, st->key.len + 1);
        if (st->key.data == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        d = ngx_cpymem(st->key.data, key->data, p - key->data);
        if (st->filename.len) {
            d = ngx_cpymem(d, st->filename.data, st->filename.len);
        }
        ngx_memcpy(d, p + 11, key->data + key->len - p - 11);
    }

    if (st->key.len == 0 || st->key.len > SOS_MAX_KEY_LEN) {
        ngx_str_set(&ctx->error_message,
                    "User key must have a length greater than 0 and at "
                    "most 1024.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (ngx_sos_check_key(st->key.data, st->key.len) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "The key field is not valid UTF-8 or contains a control "
                    "character other than tab, line feed and carriage "
                    "return.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (policy) {
        err = ngx_sos_post_policy_check(r, st);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    if (st->max_size < 0 || st->max_size > smcf->max_object_size) {
        st->max_size = smcf->max_object_size;
    }

    v = ngx_sos_post_form_field(st, "success_action_status", 21);
    if (v) {
        st->status = *v;
    }

    v = ngx_sos_post_form_field(st, "success_action_redirect", 23);
    if (v == NULL) {
        v = ngx_sos_post_form_field(st, "redirect", 8);
    }
    if (v) {
        if (ngx_sos_check_value(v->data, v->len) != NGX_OK) {
            return ngx_sos_check_error(r, ctx, "success_action_redirect");
        }

        st->redirect = *v;
    }

    v = ngx_sos_post_form_field(st, "acl", 3);

    if (v) {
        canned = ngx_sos_acl_canned_find(v);

        if (canned == 0) {
            ngx_str_set(&ctx->error_message,
                        "The acl field is not a canned ACL.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        st->up->acl = ngx_pcalloc(r->pool, sizeof(ngx_sos_acl_t));
        if (st->up->acl == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        st->up->acl->canned = canned;
    }

    /* a field asking for what SOS does not do: refused, not ignored */

    f = st->fields.elts;

    for (i = 0; i < st->fields.nelts; i++) {

        /* checksum fields are verified (ngx_sos_post_checksum) */

        if (f[i].name.len > sizeof("x-amz-checksum-") - 1
            && ngx_strncmp(f[i].name.data, "x-amz-checksum-",
                           sizeof("x-amz-checksum-") - 1) == 0)
        {
            continue;
        }

        err = ngx_sos_unsupported_check(r, ctx, &f[i].name, &f[i].value, 0);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    err = ngx_sos_post_checksum(r, st);
    if (err != NGX_SOS_OK) {
        return err;
    }

    if (ngx_sos_post_attrs(r, st) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    bad = ngx_sos_check_attrs(&st->up->a.attrs);
    if (bad) {
        return ngx_sos_check_error(r, ctx, bad);
    }

    /* the object's tags: a Tagging document, as S3 takes the field */

    v = ngx_sos_post_form_field(st, "tagging", 7);

    if (v) {
        err = ngx_sos_tagging_document(r, ctx, v, NGX_SOS_TAGS_OBJECT_MAX,
                                       &st->up->a.attrs.tags);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    /* Object Lock, as PutObject's x-amz-object-lock-* headers */

    err = ngx_sos_retention_parse(r, ctx,
              ngx_sos_post_form_field(st, "x-amz-object-lock-mode",
                                      sizeof("x-amz-object-lock-mode") - 1),
              ngx_sos_post_form_field(st,
                           "x-amz-object-lock-retain-until-date",
                           sizeof("x-amz-object-lock-retain-until-date") - 1),
              ngx_sos_post_form_field(st, "x-amz-object-lock-legal-hold",
                                sizeof("x-amz-object-lock-legal-hold") - 1),
              &rt);
    if (err != NGX_SOS_OK) {
        return err;
    }

    st->up->opts.retention = rt;

    if (st->up->a.attrs.website_redirect.len
        && !ngx_sos_check_redirect(
                          (u_char *) st->up->a.attrs.website_redirect.data,
                          st->up->a.attrs.website_redirect.len))
    {
        return NGX_SOS_ERR_INVALID_REDIRECT_LOCATION;
    }

    return NGX_SOS_OK;
}


/* the object's attributes from the fields, its owner the signer */

static ngx_int_t
ngx_sos_post_attrs(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_str_t             *v;
    sos_kv_t              *meta;
    sos_attrs_t           *a;
    ngx_uint_t             i, n;
    ngx_sos_post_field_t  *f;

    a = &st->up->a.attrs;

    a->owner.data = st->org_id;
    a->owner.len = ngx_strlen(st->org_id);

#define ngx_sos_post_attr(field, name)                                        \
    v = ngx_sos_post_form_field(st, name, sizeof(name) - 1);                  \
    if (v) {                                                                  \
        a->field.data = (char *) v->data;                                     \
        a->field.len = v->len;                                                \
    }

    ngx_sos_post_attr(content_type, "content-type");
    ngx_sos_post_attr(cache_control, "cache-control");
    ngx_sos_post_attr(content_disposition, "content-disposition");
    ngx_sos_post_attr(content_encoding, "content-encoding");
    ngx_sos_post_attr(expires, "expires");
    ngx_sos_post_attr(website_redirect, "x-amz-website-redirect-location");

#undef ngx_sos_post_attr

    if (a->content_type.len == 0) {
        a->content_type.data = "binary/octet-stream";
        a->content_type.len = sizeof("binary/octet-stream") - 1;
    }

    f = st->fields.elts;
    n = 0;

    for (i = 0; i < st->fields.nelts; i++) {
        if (f[i].name.len > 11
            && ngx_strncmp(f[i].name.data, "x-amz-meta-", 11) == 0)
        {
            n++;
        }
    }

    if (n) {
        meta = ngx_palloc(r->pool, n * sizeof(sos_kv_t));
        if (meta == NULL) {
            return NGX_ERROR;
        }

        a->user_meta = meta;
        a->n_user_meta = n;

        for (i = 0; i < st->fields.nelts; i++) {
            if (f[i].name.len > 11
                && ngx_strncmp(f[i].name.data, "x-amz-meta-", 11) == 0)
            {
                meta->name.data = (char *) f[i].name.data + 11;
                meta->name.len = f[i].name.len - 11;
                meta->value.data = (char *) f[i].value.data;
                meta->value.len = f[i].value.len;
                meta++;
            }
        }
    }

    return NGX_OK;
}


/*
 * An x-amz-checksum-<alg> field (one at most): the upload engine verifies
 * the file part against it (BadDigest) and stores it, as PutObject's
 * header.  x-amz-checksum-algorithm and -type name no value to verify.
 */

static ngx_sos_err_e
ngx_sos_post_checksum(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_sos_post_field_t  *f, *given;

    len = sizeof("x-amz-checksum-") - 1;
    f = st->fields.elts;
    given = NULL;

    for (i = 0; i < st->fields.nelts; i++) {
        if (f[i].name.len <= len
            || ngx_strncmp(f[i].name.data, "x-amz-checksum-", len) != 0
            || (f[i].name.len == sizeof("x-amz-checksum-algorithm") - 1
                && ngx_strncmp(f[i].name.data, "x-amz-checksum-algorithm",
                               f[i].name.len) == 0)
            || (f[i].name.len == sizeof("x-amz-checksum-type") - 1
                && ngx_strncmp(f[i].name.data, "x-amz-checksum-type",
                               f[i].name.len) == 0))
        {
            continue;
        }

        if (given) {
            ngx_str_set(&st->ctx->error_message,
                        "Expecting a single x-amz-checksum- header. "
                        "Multiple checksum Types are not allowed.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        given = &f[i];
    }

    if (given == NULL) {
        return NGX_SOS_OK;
    }

    return ngx_sos_payload_create_field(r, st->ctx, &given->name,
                                        &given->value, &st->up->payload);
}


/* ------------------------------------------------------------------ */
/* The answer                                                         */

/*
 * The upload's done(): ETag, the checksum and Location (the object's URL,
 * path style), then a 303 to success_action_redirect, or success_action_status
 */

static ngx_int_t
ngx_sos_post_done(ngx_http_request_t *r, ngx_sos_put_t *up)
{
    u_char             *p;
    size_t              len;
    ngx_str_t           location, *etag;
    ngx_uint_t          status;
    ngx_sos_ctx_t      *ctx;
    ngx_sos_post_t     *st;
    ngx_table_elt_t    *h;
    ngx_sos_xml_out_t   x;

    ctx = up->ctx;
    st = ctx->op_data;

    if (ngx_sos_object_etag_header(r, up->info.etag) != NGX_OK
        || ngx_sos_object_checksum_header(r, &up->cksum_alg,
                                          &up->cksum_value)
           != NGX_OK
        || ngx_sos_versioning_header(r, ctx, up->info.version_id) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    etag = &r->headers_out.etag->value;

    location.data = ngx_pnalloc(r->pool, sizeof("https://") - 1
                                + r->headers_in.server.len
                                + (r->headers_in.host
                                   ? r->headers_in.host->value.len : 0)
                                + 3 * (ctx->bucket.len + st->key.len)
                                + 2);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(location.data, "%s://%V",
#if (NGX_HTTP_SSL)
                    r->connection->ssl ? "https" :
#endif
                    "http",
                    r->headers_in.host ? &r->headers_in.host->value
                                       : &r->headers_in.server);

    *p++ = '/';
    p = (u_char *) ngx_escape_uri(p, ctx->bucket.data, ctx->bucket.len,
                                  NGX_ESCAPE_ARGS);
    *p++ = '/';
    p = (u_char *) ngx_escape_uri(p, st->key.data, st->key.len,
                                  NGX_ESCAPE_ARGS);
    location.len = p - location.data;

    if (st->redirect.len) {

        /* 303 to the URL with bucket, key and etag */

        len = st->redirect.len + sizeof("?bucket=&key=&etag=")
              + 3 * (ctx->bucket.len + st->key.len + etag->len);

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Location");
        h->value.data = p;

        p = ngx_cpymem(p, st->redirect.data, st->redirect.len);
        *p++ = ngx_strlchr(st->redirect.data,
                           st->redirect.data + st->redirect.len, '?')
               ? '&' : '?';
        p = ngx_cpymem(p, "bucket=", 7);
        p = (u_char *) ngx_escape_uri(p, ctx->bucket.data, ctx->bucket.len,
                                      NGX_ESCAPE_ARGS);
        p = ngx_cpymem(p, "&key=", 5);
        p = (u_char *) ngx_escape_uri(p, st->key.data, st->key.len,
                                      NGX_ESCAPE_ARGS);
        p = ngx_cpymem(p, "&etag=", 6);
        p = (u_char *) ngx_escape_uri(p, etag->data, etag->len,
                                      NGX_ESCAPE_ARGS);
        h->value.len = p - h->value.data;

        return ngx_sos_send_xml(r, NGX_HTTP_SEE_OTHER, NULL);
    }

    if (ngx_sos_header_add(r, "Location", &location) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    status = NGX_HTTP_NO_CONTENT;

    if (st->status.len == 3) {
        if (ngx_strncmp(st->status.data, "200", 3) == 0) {
            status = NGX_HTTP_OK;

        } else if (ngx_strncmp(st->status.data, "201", 3) == 0) {
            status = NGX_HTTP_CREATED;
        }
    }

    if (status != NGX_HTTP_CREATED) {
        return ngx_sos_send_xml(r, status, NULL);
    }

    ngx_sos_xml_out_init(&x, r->pool, 512);

    /* out_init wrote the declaration: a second one is not XML */
    ngx_sos_xml_literal(&x, "<PostResponse>");
    ngx_sos_xml_element(&x, "Location", location.data, location.len, 0);
    ngx_sos_xml_element(&x, "Bucket", ctx->bucket.data, ctx->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", st->key.data, st->key.len, 0);
    ngx_sos_xml_element(&x, "ETag", etag->data, etag->len, 0);
    ngx_sos_xml_literal(&x, "</PostResponse>");

    return ngx_sos_xml_send(r, NGX_HTTP_CREATED, &x);
}
