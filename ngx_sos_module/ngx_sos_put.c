
/*
 * SOS: the upload engine (API and use: ngx_sos_put.h): PutObject's and
 * UploadPart's body, and the bytes a caller pushes (POST Object's file
 * part), streamed into the store.
 *
 * A body is read unbuffered (no client-body temp file) into nginx's one
 * client_body_buffer_size buffer; each batch goes to a job that decodes it
 * (aws-chunked, signatures, checksums) and writes it to every replica, and
 * only when the job is back does nginx read more.  Bytes pushed by a
 * caller take the same jobs, one at a time.  An upload that is not
 * committed is aborted by a task of its own, with the request pool.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_object.h"
#include "ngx_sos_put.h"
#include "ngx_sos_cdn.h"
#include "ngx_sos_lifecycle.h"


static ngx_int_t ngx_sos_put_next(ngx_http_request_t *r, ngx_sos_put_t *st,
    void (*run)(ngx_sos_job_t *job),
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job));
static void ngx_sos_put_cleanup(void *data);
static void ngx_sos_put_abort(sos_put_t *put);
static void ngx_sos_put_abort_thread(void *data, ngx_log_t *log);
static void ngx_sos_put_abort_done(ngx_event_t *ev);
static void ngx_sos_put_begin_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_begin_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_put_read(ngx_http_request_t *r);
static ngx_int_t ngx_sos_put_sink(void *data, u_char *p, size_t n);
static void ngx_sos_put_write_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_write_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_put_commit_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_commit_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_put_ok(ngx_http_request_t *r, ngx_sos_put_t *st);


ngx_sos_put_t *
ngx_sos_put_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_put_t       *st;
    ngx_pool_cleanup_t  *cln;

    st = ngx_pcalloc(r->pool, sizeof(ngx_sos_put_t));
    if (st == NULL) {
        return NULL;
    }

    /* the tmp files go with the request unless committed */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_sos_put_cleanup;
    cln->data = st;

    st->job = ngx_sos_job_create(r, ctx, 0);
    if (st->job == NULL) {
        return NULL;
    }

    st->job->data = st;

    st->ctx = ctx;
    st->done = ngx_sos_put_ok;

    st->opts.bucket = (char *) ctx->bucket.data;
    st->opts.bucket_len = ctx->bucket.len;
    st->opts.key = (char *) ctx->key.data;
    st->opts.key_len = ctx->key.len;

    return st;
}


/* ------------------------------------------------------------------ */
/* PutObject                                                          */


ngx_int_t
ngx_sos_object_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_err_e         err;
    ngx_sos_put_t        *st;

    st = ngx_sos_put_create(r, ctx);
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    err = ngx_sos_object_read_attrs(r, ctx, &st->a);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    st->a.attrs.owner.data = (char *) ctx->auth.org_id;
    st->a.attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    st->opts.attrs = &st->a.attrs;

    err = ngx_sos_object_destination(r, ctx, &st->opts, st->if_match,
                                     &st->acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    return ngx_sos_put_body(r, st);
}


/*
 * UploadPart: the body streams into a part exactly as PutObject's into an
 * object; the part keeps its MD5 and flexible checksum.
 */

ngx_int_t
ngx_sos_put_part(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    u_char *upload_id, uint32_t part_number)
{
    ngx_sos_put_t  *st;

    st = ngx_sos_put_create(r, ctx);
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->upload_id = upload_id;
    st->part_number = part_number;

    st->a.attrs.owner.data = (char *) ctx->auth.org_id;
    st->a.attrs.owner.len = ngx_strlen(ctx->auth.org_id);

    return ngx_sos_put_body(r, st);
}


/* the body's size, then the begin job; the body is read once it is back */

ngx_int_t
ngx_sos_put_body(ngx_http_request_t *r, ngx_sos_put_t *st)
{
    off_t                 len;
    ngx_sos_ctx_t        *ctx;
    ngx_sos_job_t        *job;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);
    ctx = st->ctx;

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

    /* ngx_sos_put_read() finds the upload in ctx */

    st->read_body = 1;
    st->payload = ctx->payload;
    st->resume = ngx_sos_put_read;
    ctx->op_data = st;

    job = st->job;
    job->run = ngx_sos_put_begin_run;
    job->done = ngx_sos_put_begin_done;

    st->busy = 1;

    return ngx_sos_job_start(r, job);
}


/* the caller reads the body and holds r: no reference is taken here */

ngx_int_t
ngx_sos_put_begin(ngx_http_request_t *r, ngx_sos_put_t *st)
{
    return ngx_sos_put_next(r, st, ngx_sos_put_begin_run,
                            ngx_sos_put_begin_done);
}


ngx_int_t
ngx_sos_put_feed(ngx_http_request_t *r, ngx_sos_put_t *st, ngx_chain_t *in,
    ngx_uint_t last)
{
    st->in = in;
    st->last = last;

    return ngx_sos_put_next(r, st, ngx_sos_put_write_run,
                            ngx_sos_put_write_done);
}


/*
 * The upload's job again, from the loop (r is held by its body reader):
 * NGX_SOS_CONTINUE, or 503 SlowDown sent
 */

static ngx_int_t
ngx_sos_put_next(ngx_http_request_t *r, ngx_sos_put_t *st,
    void (*run)(ngx_sos_job_t *job),
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job))
{
    st->job->run = run;
    st->job->done = done;

    if (ngx_sos_job_post(st->job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    st->busy = 1;

    return NGX_SOS_CONTINUE;
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
        return;
    }

    /* the store stays open for it through a shutdown */
    ngx_sos_store_hold();
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
    ngx_sos_store_unhold();
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

    if (st->opts.if_match) {
        st->cond_held = ngx_sos_object_write_held(job, &st->opts);
    }

    job->rc = sos_put_begin(&st->put, job->store, &st->opts, &job->err);
}


static ngx_int_t
ngx_sos_put_begin_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    st->busy = 0;

    if (job->rc != SOS_OK) {
        return ngx_sos_retention_error(r, job->ctx, job->rc);
    }

    if (st->acl_err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, st->acl_err);
    }

    if (!st->read_body) {
        /* feed mode: the caller reads the body and pushes the bytes */
        st->resume(r);
        return NGX_SOS_CONTINUE;
    }

    /* the request is accepted: the body reader holds it from now on */

    return ngx_sos_body_stream(r, st->ctx, ngx_sos_put_read);
}


/* body mode: the body's post handler and read event handler */

static void
ngx_sos_put_read(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_chain_t    *in;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_put_t  *st;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    st = ctx->op_data;

    r->read_event_handler = ngx_sos_put_read;

    if (st->busy) {
        /* our buffer is busy: nginx reads no more meanwhile */
        return;
    }

    if (r->reading_body) {
        rc = ngx_http_read_unbuffered_request_body(r);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            ngx_http_finalize_request(r, ngx_sos_body_error(r, ctx, rc));
            return;
        }
    }

    in = r->request_body->bufs;
    r->request_body->bufs = NULL;

    if (r->reading_body && in == NULL) {
        return;
    }

    if (!r->reading_body) {
        r->read_event_handler = ngx_http_block_reading;
    }

    rc = ngx_sos_put_feed(r, st, in, !r->reading_body);

    if (rc != NGX_SOS_CONTINUE) {
        ngx_http_finalize_request(r, rc);
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

        if (st->payload) {
            err = ngx_sos_payload_feed(st->payload, b->pos,
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

    if (st->last && st->payload) {
        st->err = ngx_sos_payload_finish(st->payload);
    }
}


static ngx_int_t
ngx_sos_put_write_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_put_t *st = job->data;

    ngx_chain_t  *cl, *next;

    st->busy = 0;

    /* consumed: nginx (or the caller) may fill the buffers again */

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
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (st->err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, st->ctx, st->err);
    }

    if (!st->last) {
        st->resume(r);
        return NGX_SOS_CONTINUE;
    }

    /* the body is whole and verified: its flexible checksum, then commit */

    if (st->payload) {
        ngx_sos_payload_checksum(st->payload, &st->cksum_alg,
                                 &st->cksum_value);
    }

    /* busy from now on: nothing more is fed */

    return ngx_sos_put_next(r, st, ngx_sos_put_commit_run,
                            ngx_sos_put_commit_done);
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

    st->busy = 0;

    if (job->rc == SOS_ENOTFOUND && st->cond_held) {
        /*
         * If-Match held when the write began, then a delete came
         * between: S3's 409, to be retried
         */
        return ngx_sos_error_send(r,
                                  NGX_SOS_ERR_CONDITIONAL_REQUEST_CONFLICT);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_retention_error(r, job->ctx, job->rc);
    }

    ngx_sos_cdn_purge(r, st->ctx, (u_char *) st->opts.key, st->opts.key_len);

    rc = st->done(r, st);

    sos_object_info_release(&st->info);

    return rc;
}


/* PutObject's and UploadPart's answer; an object's version, not a part's */

static ngx_int_t
ngx_sos_put_ok(ngx_http_request_t *r, ngx_sos_put_t *st)
{
    if (ngx_sos_object_etag_header(r, st->info.etag) != NGX_OK
        || ngx_sos_object_checksum_header(r, &st->cksum_alg,
                                          &st->cksum_value)
           != NGX_OK
        || (st->upload_id == NULL
            && (ngx_sos_versioning_header(r, st->ctx, st->info.version_id)
                != NGX_OK
                || ngx_sos_lifecycle_header(r, st->ctx, &st->info)
                   != NGX_OK)))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);
}
