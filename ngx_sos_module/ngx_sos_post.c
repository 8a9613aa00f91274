
/*
 * SOS: POST Object, the browser form upload.
 *
 * A POST to a bucket with a multipart/form-data body.  The bucket is looked
 * up before the body is read.  The form is parsed as it arrives
 * (ngx_sos_post_form.c); the fields before the "file" part are kept, and
 * when the file part begins they are checked in the event loop: the POST
 * policy (signature, expiration, conditions, fields covered:
 * ngx_sos_post_policy.c), the key, the ACL and the object's attributes.
 * Then the file part streams into the store through a bounded buffer
 * written by pool thread jobs, as PutObject's body does, so memory is
 * bounded whatever the file size.  Fields after the file are ignored, as
 * S3 does.
 */


#include "ngx_sos_post.h"
#include "ngx_sos_xml.h"


#define NGX_SOS_POST_WBUF        (256 * 1024)


static ngx_int_t ngx_sos_post_bucket_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_post_read(ngx_http_request_t *r);
static ngx_int_t ngx_sos_post_fail(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_int_t rc);
static ngx_sos_err_e ngx_sos_post_fields(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_attrs(ngx_http_request_t *r,
    ngx_sos_post_t *st);

static void ngx_sos_post_cleanup(void *data);
static void ngx_sos_post_abort_thread(void *data, ngx_log_t *log);
static void ngx_sos_post_abort_done(ngx_event_t *ev);
static void ngx_sos_post_begin_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_begin_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_write_post(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static void ngx_sos_post_write_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_write_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_finish(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static void ngx_sos_post_commit_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_commit_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


ngx_int_t
ngx_sos_post_object(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_post_t      *st;
    ngx_pool_cleanup_t  *cln;

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

    /* the tmp files of an upload not committed go with the request */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_sos_post_cleanup;
    cln->data = st;

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

    st->busy = 1;

    return ngx_sos_job_start(r, st->job);
}


static ngx_int_t
ngx_sos_post_bucket_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    ngx_int_t  rc;

    st->busy = 0;

    /* the form is the authentication: read it (and "100 Continue") */

    r->request_body_no_buffering = 1;
    r->expect_tested = 0;

    rc = ngx_http_read_client_request_body(r, ngx_sos_post_read);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return ngx_sos_post_fail(r, st, rc);
    }

    /* the body reader holds the request now */

    return NGX_DONE;
}


/* post handler and read event handler: parse what arrived */

static void
ngx_sos_post_read(ngx_http_request_t *r)
{
    ngx_int_t        rc;
    ngx_chain_t    **ll;
    ngx_sos_ctx_t   *ctx;
    ngx_sos_err_e    err;
    ngx_sos_post_t  *st;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    st = ctx->op_data;

    r->read_event_handler = ngx_sos_post_read;

    if (st->busy) {
        return;
    }

    for ( ;; ) {
        if (r->reading_body) {
            rc = ngx_http_read_unbuffered_request_body(r);

            if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
                ngx_http_finalize_request(r, ngx_sos_post_fail(r, st, rc));
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

        if (rc == NGX_ERROR) {
            r->keepalive = 0;
            ngx_http_finalize_request(r,
                                 ngx_sos_error_send_ctx(r, ctx, st->err));
            return;
        }

        if (rc == NGX_SOS_POST_BEGIN) {
            err = ngx_sos_post_fields(r, st);

            if (err != NGX_SOS_OK) {
                r->keepalive = 0;
                ngx_http_finalize_request(r,
                                       ngx_sos_error_send_ctx(r, ctx, err));
                return;
            }

            /* the signer, whose WRITE the begin job's step checks */

            ngx_sos_authz_identity(ctx, st->org_id);

            st->job->run = ngx_sos_post_begin_run;
            st->job->done = ngx_sos_post_begin_done;

            if (ngx_sos_job_post(st->job) != NGX_OK) {
                ngx_http_finalize_request(r,
                              ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN));
                return;
            }

            st->busy = 1;
            return;
        }

        if (rc == NGX_SOS_POST_FLUSH) {
            rc = ngx_sos_post_write_post(r, st);
            if (rc != NGX_SOS_CONTINUE) {
                ngx_http_finalize_request(r, rc);
            }
            return;
        }

        /* NGX_AGAIN: all consumed */

        if (!r->reading_body) {
            r->read_event_handler = ngx_http_block_reading;

            rc = ngx_sos_post_finish(r, st);
            if (rc != NGX_SOS_CONTINUE) {
                ngx_http_finalize_request(r, rc);
            }
            return;
        }
    }
}


static ngx_int_t
ngx_sos_post_fail(ngx_http_request_t *r, ngx_sos_post_t *st, ngx_int_t rc)
{
    if (r->connection->error || rc == NGX_HTTP_REQUEST_TIME_OUT
        || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST)
    {
        return rc;
    }

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_LARGE);
    }

    if (rc == NGX_HTTP_BAD_REQUEST) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_MALFORMED_POST_REQUEST);
    }

    return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
}


/* ------------------------------------------------------------------ */
/* The fields                                                         */

/* the file part begins: the fields before it say what to store */

static ngx_sos_err_e
ngx_sos_post_fields(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    char                  *bad;
    u_char                *p, *d;
    ngx_str_t             *key, *policy, *v;
    ngx_uint_t             i, canned;
    ngx_sos_ctx_t         *ctx;
    ngx_sos_err_e          err;
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

        st->acl = ngx_pcalloc(r->pool, sizeof(ngx_sos_acl_t));
        if (st->acl == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        st->acl->canned = canned;
    }

    /* a field asking for what SOS does not do: refused, not ignored */

    f = st->fields.elts;

    for (i = 0; i < st->fields.nelts; i++) {
        err = ngx_sos_unsupported_check(r, ctx, &f[i].name, &f[i].value, 0);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    if (ngx_sos_post_attrs(r, st) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    bad = ngx_sos_check_attrs(&st->attrs);
    if (bad) {
        return ngx_sos_check_error(r, ctx, bad);
    }

    return NGX_SOS_OK;
}


/* the object's attributes from the fields */

static ngx_int_t
ngx_sos_post_attrs(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_str_t             *v;
    sos_kv_t              *meta;
    ngx_uint_t             i, n;
    ngx_sos_post_field_t  *f;

    st->attrs.owner.data = st->org_id;
    st->attrs.owner.len = ngx_strlen(st->org_id);

#define ngx_sos_post_attr(field, name)                                        \
    v = ngx_sos_post_form_field(st, name, sizeof(name) - 1);                  \
    if (v) {                                                                  \
        st->attrs.field.data = (char *) v->data;                              \
        st->attrs.field.len = v->len;                                         \
    }

    ngx_sos_post_attr(content_type, "content-type");
    ngx_sos_post_attr(cache_control, "cache-control");
    ngx_sos_post_attr(content_disposition, "content-disposition");
    ngx_sos_post_attr(content_encoding, "content-encoding");
    ngx_sos_post_attr(expires, "expires");

#undef ngx_sos_post_attr

    if (st->attrs.content_type.len == 0) {
        st->attrs.content_type.data = "binary/octet-stream";
        st->attrs.content_type.len = sizeof("binary/octet-stream") - 1;
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

        st->attrs.user_meta = meta;
        st->attrs.n_user_meta = n;

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

    st->opts.bucket = (char *) st->ctx->bucket.data;
    st->opts.bucket_len = st->ctx->bucket.len;
    st->opts.key = (char *) st->key.data;
    st->opts.key_len = st->key.len;
    st->opts.attrs = &st->attrs;

    return NGX_OK;
}


/* ------------------------------------------------------------------ */
/* Store jobs                                                         */

static void
ngx_sos_post_cleanup(void *data)
{
    ngx_sos_post_t *st = data;

    ngx_thread_task_t    *task;
    ngx_sos_main_conf_t  *smcf;

    if (st->put == NULL) {
        return;
    }

    /* removing the tmp files is disk work: a task that outlives r */

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle, ngx_http_sos_module);

    task = ngx_calloc(sizeof(ngx_thread_task_t) + sizeof(sos_put_t *),
                      ngx_cycle->log);

    if (task == NULL) {
        sos_put_abort(st->put);
        st->put = NULL;
        return;
    }

    task->ctx = task + 1;
    *(sos_put_t **) task->ctx = st->put;
    st->put = NULL;

    task->handler = ngx_sos_post_abort_thread;
    task->event.handler = ngx_sos_post_abort_done;
    task->event.data = task;
    task->event.log = ngx_cycle->log;

    if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
        sos_put_abort(*(sos_put_t **) task->ctx);
        ngx_free(task);
    }
}


static void
ngx_sos_post_abort_thread(void *data, ngx_log_t *log)
{
    sos_put_abort(*(sos_put_t **) data);
}


static void
ngx_sos_post_abort_done(ngx_event_t *ev)
{
    ngx_free(ev->data);
}


static void
ngx_sos_post_begin_run(ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    /* the bucket the step looked up, WRITE checked for the signer */

    if (st->acl) {
        st->acl_err = ngx_sos_acl_build(job->store, st->acl, st->org_id,
                                        job->ctx->authz.bucket->bucket.owner,
                                        &job->rc, &job->err);

        if (st->acl_err == NGX_SOS_OK && job->rc == SOS_OK) {
            st->attrs.acl.data = (char *) st->acl->blob;
            st->attrs.acl.len = st->acl->blob_len;
        }
    }

    if (st->acl_err != NGX_SOS_OK || job->rc != SOS_OK) {
        return;
    }

    job->rc = sos_put_begin(&st->put, job->store, &st->opts, &job->err);
}


static ngx_int_t
ngx_sos_post_begin_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    st->busy = 0;

    if (job->rc != SOS_OK) {
        r->keepalive = 0;
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (st->acl_err != NGX_SOS_OK) {
        r->keepalive = 0;
        return ngx_sos_error_send(r, st->acl_err);
    }

    ngx_sos_post_read(r);

    return NGX_SOS_CONTINUE;
}


/* NGX_SOS_CONTINUE once posted, else what to finalize with */

static ngx_int_t
ngx_sos_post_write_post(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    st->job->run = ngx_sos_post_write_run;
    st->job->done = ngx_sos_post_write_done;

    if (ngx_sos_job_post(st->job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    st->busy = 1;

    return NGX_SOS_CONTINUE;
}


static void
ngx_sos_post_write_run(ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    job->rc = sos_put_write(st->put, st->wbuf, st->wlen, &job->err);
}


static ngx_int_t
ngx_sos_post_write_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    st->busy = 0;
    st->wlen = 0;

    if (r->connection->error) {
        return NGX_ERROR;
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (st->last) {
        job->run = ngx_sos_post_commit_run;
        job->done = ngx_sos_post_commit_done;

        if (ngx_sos_job_post(job) != NGX_OK) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
        }

        st->busy = 1;
        return NGX_SOS_CONTINUE;
    }

    ngx_sos_post_read(r);

    return NGX_SOS_CONTINUE;
}


/* the body is read: the last bytes, then the commit (NGX_SOS_CONTINUE) */

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

    st->last = 1;

    if (st->wlen) {
        return ngx_sos_post_write_post(r, st);
    }

    st->job->run = ngx_sos_post_commit_run;
    st->job->done = ngx_sos_post_commit_done;

    if (ngx_sos_job_post(st->job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    st->busy = 1;

    return NGX_SOS_CONTINUE;
}


static void
ngx_sos_post_commit_run(ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    sos_put_t  *put;

    /* the commit frees the put whatever it returns */

    put = st->put;
    st->put = NULL;

    job->rc = sos_put_commit(put, &st->info, &job->err);
}


static ngx_int_t
ngx_sos_post_commit_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    u_char             *p;
    size_t              len;
    ngx_str_t           etag, location;
    ngx_uint_t          status;
    ngx_table_elt_t    *h;
    ngx_sos_xml_out_t   x;

    st->busy = 0;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    len = ngx_strlen(st->info.etag);
    etag.data = ngx_pnalloc(r->pool, len + 2);
    if (etag.data == NULL) {
        sos_object_info_release(&st->info);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    etag.len = ngx_sprintf(etag.data, "\"%s\"", st->info.etag) - etag.data;

    sos_object_info_release(&st->info);

    if (ngx_sos_header_add(r, "ETag", &etag) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Location: the object's URL, path style */

    location.data = ngx_pnalloc(r->pool, sizeof("https://") - 1
                                + r->headers_in.server.len
                                + (r->headers_in.host
                                   ? r->headers_in.host->value.len : 0)
                                + 3 * (st->ctx->bucket.len + st->key.len)
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
    p = (u_char *) ngx_escape_uri(p, st->ctx->bucket.data,
                                  st->ctx->bucket.len, NGX_ESCAPE_ARGS);
    *p++ = '/';
    p = (u_char *) ngx_escape_uri(p, st->key.data, st->key.len,
                                  NGX_ESCAPE_ARGS);
    location.len = p - location.data;

    if (st->redirect.len) {

        /* 303 to the URL with bucket, key and etag */

        len = st->redirect.len + sizeof("?bucket=&key=&etag=")
              + 3 * (st->ctx->bucket.len + st->key.len + etag.len);

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
        p = (u_char *) ngx_escape_uri(p, st->ctx->bucket.data,
                                      st->ctx->bucket.len, NGX_ESCAPE_ARGS);
        p = ngx_cpymem(p, "&key=", 5);
        p = (u_char *) ngx_escape_uri(p, st->key.data, st->key.len,
                                      NGX_ESCAPE_ARGS);
        p = ngx_cpymem(p, "&etag=", 6);
        p = (u_char *) ngx_escape_uri(p, etag.data, etag.len,
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

    ngx_sos_xml_literal(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                            CRLF "<PostResponse>");
    ngx_sos_xml_element(&x, "Location", location.data, location.len, 0);
    ngx_sos_xml_element(&x, "Bucket", st->ctx->bucket.data,
                        st->ctx->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", st->key.data, st->key.len, 0);
    ngx_sos_xml_element(&x, "ETag", etag.data, etag.len, 0);
    ngx_sos_xml_literal(&x, "</PostResponse>");

    return ngx_sos_xml_send(r, NGX_HTTP_CREATED, &x);
}
