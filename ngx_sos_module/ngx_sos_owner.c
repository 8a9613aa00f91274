
/*
 * SOS: x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner.
 *
 * The client names the organization (its canonical id, as ListBuckets
 * and the ACLs show it) that must own the bucket, or the source bucket of
 * a copy; a bucket of anyone else is 403 AccessDenied, as S3 answers,
 * before the operation reads a body or changes anything.  A bucket that
 * does not exist is left to the operation (NoSuchBucket).  Requests
 * without these headers go straight on: no lookup is added.
 *
 * This is a job of its own rather than a part of the authorization step
 * (ngx_sos_authz.c): the step runs with the operation's first job, which
 * for an XML body comes after the body is read.
 */


#include "ngx_sos_op.h"


typedef struct {
    u_char                   name[SOS_MAX_BUCKET_LEN];
    size_t                   name_len;
    u_char                   owner[SOS_ID_LEN];
    size_t                   owner_len;  /* as sent: another length fails */
} ngx_sos_owner_want_t;


typedef struct {
    ngx_sos_owner_want_t     want[2];    /* the bucket, the copy source */
    ngx_uint_t               n;
    ngx_uint_t               denied;
} ngx_sos_owner_job_t;


static void ngx_sos_owner_want(ngx_sos_owner_job_t *oj, ngx_str_t *bucket,
    ngx_str_t *owner);
static void ngx_sos_owner_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_owner_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


ngx_int_t
ngx_sos_owner_check(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t               rc;
    ngx_sos_job_t          *job;
    ngx_table_elt_t        *h, *src_h;
    ngx_sos_owner_job_t    *oj;

    h = NULL;
    src_h = NULL;

    /*
     * every operation that looks a bucket up (not the one making it), and
     * those SOS does not serve: S3 would refuse them for another owner
     * before serving them
     */

    if (ctx->bucket.len
        && (ctx->op->bucket != NGX_SOS_PERM_NONE || ctx->op->handler == NULL))
    {
        h = ngx_sos_header_find(r, "x-amz-expected-bucket-owner");
    }

    if (ctx->op->source != NGX_SOS_PERM_NONE) {
        src_h = ngx_sos_header_find(r, "x-amz-source-expected-bucket-owner");
    }

    if (h == NULL && src_h == NULL) {
        return ngx_sos_handler_op(r, ctx);
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_owner_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    oj = job->data;

    if (h) {
        ngx_sos_owner_want(oj, &ctx->bucket, &h->value);
    }

    if (src_h) {
        rc = ngx_sos_copy_source(r, ctx);
        if (rc != NGX_OK) {
            return rc;
        }

        ngx_sos_owner_want(oj, &ctx->copy_source->bucket, &src_h->value);
    }

    job->run = ngx_sos_owner_run;
    job->done = ngx_sos_owner_done;

    return ngx_sos_job_start(r, job);
}


static void
ngx_sos_owner_want(ngx_sos_owner_job_t *oj, ngx_str_t *bucket,
    ngx_str_t *owner)
{
    ngx_sos_owner_want_t  *w;

    if (bucket->len > SOS_MAX_BUCKET_LEN) {
        /* too long to have been created: NoSuchBucket */
        return;
    }

    w = &oj->want[oj->n++];

    w->name_len = bucket->len;
    ngx_memcpy(w->name, bucket->data, bucket->len);

    w->owner_len = owner->len;
    ngx_memcpy(w->owner, owner->data, ngx_min(owner->len, SOS_ID_LEN));
}


/* the pool thread */

static void
ngx_sos_owner_run(ngx_sos_job_t *job)
{
    ngx_sos_owner_job_t  *oj = job->data;

    ngx_uint_t             i;
    sos_bucket_info_t     *info;
    ngx_sos_owner_want_t  *w;

    job->rc = SOS_OK;

    for (i = 0; i < oj->n; i++) {
        w = &oj->want[i];

        job->rc = sos_bucket_get(job->store, (const char *) w->name,
                                 w->name_len, &info, &job->err);

        if (job->rc == SOS_ENOBUCKET) {
            job->rc = SOS_OK;
            continue;
        }

        if (job->rc != SOS_OK) {
            return;
        }

        if (w->owner_len != ngx_strlen(info->bucket.owner)
            || ngx_memcmp(w->owner, info->bucket.owner, w->owner_len) != 0)
        {
            oj->denied = 1;
        }

        sos_bucket_info_free(info);

        if (oj->denied) {
            return;
        }
    }
}


static ngx_int_t
ngx_sos_owner_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_owner_job_t  *oj = job->data;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (oj->denied) {

        /*
         * answered as the authorization step refuses (HeadBucket names
         * the region), so that a caller the bucket refuses anyway cannot
         * tell a right guess of its owner from a wrong one
         */

        job->ctx->authz.state = NGX_SOS_AUTHZ_FAILED;
        job->ctx->authz.err = NGX_SOS_ERR_ACCESS_DENIED;

        return ngx_sos_authz_send(r, job->ctx);
    }

    return ngx_sos_handler_op(r, job->ctx);
}
