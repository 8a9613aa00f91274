
/*
 * SOS: the authorization step.
 *
 * Every request whose operation (its row in ngx_sos_op.c) names a bucket
 * permission goes through this step once, in the pool thread, before the
 * first job of the request runs (ngx_sos_task.c); a failure is answered
 * by the task layer and the job's own run() and done() never see it.
 * What the step looked up (the bucket, the object, an open reader, the
 * copy source) stays in ctx->authz for the handler, freed with the
 * request pool.
 *
 * The rules, from the row's bucket, object and source fields:
 *
 *   bucket   looked up unless NGX_SOS_PERM_NONE (ListBuckets, CreateBucket
 *            and what is not served): missing is 404 NoSuchBucket; then
 *            NGX_SOS_PERM_OWNER wants the bucket's owner (DeleteBucket,
 *            GetBucketLocation, Get/PutBucketVersioning), an ACL perm
 *            wants that grant on the bucket (READ: HeadBucket, listings,
 *            ListMultipartUploads; WRITE: PutObject, CopyObject,
 *            DeleteObject, DeleteObjects, POST Object and every multipart
 *            operation on an upload; READ_ACP/WRITE_ACP: Get/PutBucketAcl),
 *            NGX_SOS_PERM_EXISTS any caller.  Refused: 403 AccessDenied
 *            (HeadBucket names the region in x-amz-bucket-region).  A
 *            write asking for Object Lock (az->lock: x-amz-object-lock-*)
 *            wants the bucket's owner as well, as S3 grants
 *            s3:PutObjectRetention and s3:PutObjectLegalHold by policy.
 *   upload   (NGX_SOS_OP_UPLOAD: ListParts, CompleteMultipartUpload,
 *            UploadPartCopy) the upload ?uploadId names, as the handler
 *            parsed it: missing is 404 NoSuchUpload.
 *   object   (GetObject, HeadObject: READ; Get/PutObjectAcl: READ_ACP,
 *            WRITE_ACP) with NGX_SOS_OP_VERSION, the version ?versionId
 *            names, else the current one: a versionId the store never
 *            made is 404 NoSuchVersion, whoever asks; a missing key is
 *            404 NoSuchKey, a missing version (other than "null") 404
 *            NoSuchVersion, a delete marker that is the latest 404
 *            NoSuchKey and one named by its id 405 MethodNotAllowed (as
 *            S3, "Working with delete markers": az->object says which
 *            marker), to whoever may list the bucket (READ on it), 403
 *            to anyone else; else the object's ACL must grant the perm
 *            (its owner always has READ_ACP and WRITE_ACP).
 *   source   (CopyObject, UploadPartCopy: READ) unless the source names a
 *            malformed version (the handler answers that): as an object,
 *            the version ?versionId names in x-amz-copy-source: a missing
 *            source bucket is 404 NoSuchBucket; then as above, with READ
 *            on the source object.  The source is opened (source_reader):
 *            the bytes copied are those of the version checked, and the
 *            index is read once.
 *
 * POST Object (NGX_SOS_OP_FORM) learns who signed only from its form: its
 * first job, before the body is read, only looks the bucket up; its
 * handler then names the signer (ngx_sos_authz_identity()) and the next
 * job runs the whole step.  A job posted before that is refused.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_acl.h"


static ngx_sos_err_e ngx_sos_authz_check(ngx_sos_job_t *job,
    ngx_sos_ctx_t *ctx);
static ngx_sos_err_e ngx_sos_authz_object(ngx_sos_job_t *job,
    const char *who, ngx_str_t *bucket, ngx_str_t *key, ngx_str_t *version,
    sos_bucket_info_t *bi, ngx_uint_t perm, sos_reader_t **reader,
    sos_object_info_t *info);
static ngx_sos_err_e ngx_sos_authz_missing(ngx_str_t *version,
    sos_object_info_t *info);
static sos_rc_e ngx_sos_authz_bucket(ngx_sos_job_t *job,
    ngx_sos_authz_t *az, ngx_str_t *name);
static ngx_uint_t ngx_sos_authz_allows(sos_str_t *acl, const char *owner,
    size_t owner_len, const char *who, ngx_uint_t perm);
static void ngx_sos_authz_cleanup(void *data);


ngx_int_t
ngx_sos_authz_init(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_pool_cleanup_t  *cln;

    if (ctx->op->bucket == NGX_SOS_PERM_NONE) {
        return NGX_OK;
    }

    /* registered before the first job may look anything up */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_sos_authz_cleanup;
    cln->data = &ctx->authz;

    ctx->authz.who = (char *) ctx->auth.org_id;
    ctx->authz.state = (ctx->op->flags & NGX_SOS_OP_FORM)
                       ? NGX_SOS_AUTHZ_LOOKUP : NGX_SOS_AUTHZ_PENDING;

    return NGX_OK;
}


void
ngx_sos_authz_identity(ngx_sos_ctx_t *ctx, const char *who)
{
    ctx->authz.who = who;
    ctx->authz.state = NGX_SOS_AUTHZ_PENDING;
}


/* the pool thread, before the job's run(): NGX_OK, or NGX_DECLINED */

ngx_int_t
ngx_sos_authz_run(ngx_sos_job_t *job)
{
    ngx_sos_ctx_t    *ctx;
    ngx_sos_err_e     err;
    ngx_sos_authz_t  *az;

    ctx = job->ctx;
    az = &ctx->authz;

    switch (az->state) {

    case NGX_SOS_AUTHZ_PENDING:
        err = ngx_sos_authz_check(job, ctx);
        break;

    case NGX_SOS_AUTHZ_LOOKUP:

        /* a form: no body is read for a bucket that is not there */

        if (ngx_sos_authz_bucket(job, az, &ctx->bucket) == SOS_OK) {
            az->state = NGX_SOS_AUTHZ_IDENTITY;
            return NGX_OK;
        }

        err = ngx_sos_error_from_store(job->rc);
        break;

    case NGX_SOS_AUTHZ_IDENTITY:

        /* the form's signer was never named: nothing is written */

        err = NGX_SOS_ERR_ACCESS_DENIED;
        break;

    case NGX_SOS_AUTHZ_FAILED:

        /* refused once: no later job of the request runs either */

        return NGX_DECLINED;

    default:
        return NGX_OK;
    }

    if (err != NGX_SOS_OK) {
        az->err = err;
        az->state = NGX_SOS_AUTHZ_FAILED;
        return NGX_DECLINED;
    }

    az->state = NGX_SOS_AUTHZ_PASSED;

    return NGX_OK;
}


static ngx_sos_err_e
ngx_sos_authz_check(ngx_sos_job_t *job, ngx_sos_ctx_t *ctx)
{
    ngx_str_t              *version, current;
    ngx_sos_err_e           err;
    sos_bucket_t           *b;
    ngx_sos_authz_t        *az;
    const ngx_sos_op_t     *op;
    ngx_sos_copy_source_t  *src;

    op = ctx->op;
    az = &ctx->authz;

    if (ngx_sos_authz_bucket(job, az, &ctx->bucket) != SOS_OK) {
        return ngx_sos_error_from_store(job->rc);
    }

    b = &az->bucket->bucket;

    if (!ngx_sos_authz_allows(&az->bucket->acl, b->owner,
                              ngx_strlen(b->owner), az->who, op->bucket))
    {
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    if (az->lock && !ngx_sos_authz_allows(NULL, b->owner,
                                          ngx_strlen(b->owner), az->who,
                                          NGX_SOS_PERM_OWNER))
    {
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    if (op->flags & NGX_SOS_OP_UPLOAD) {

        if (az->upload_id == NULL) {
            /* the handler posted a job before it parsed ?uploadId */
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        job->rc = sos_upload_stat(job->store, (char *) ctx->bucket.data,
                                  ctx->bucket.len, (char *) ctx->key.data,
                                  ctx->key.len, az->upload_id, &az->object,
                                  &job->err);
        if (job->rc != SOS_OK) {
            return ngx_sos_error_from_store(job->rc);
        }

    } else if (op->object != NGX_SOS_PERM_NONE) {

        /*
         * a bucket never versioned has its objects only: the plain open
         * (NULL) reads the current one, the same seek as always
         */

        ngx_str_null(&current);
        version = NULL;

        if (op->flags & NGX_SOS_OP_VERSION) {
            if (ctx->version_id.data) {
                version = &ctx->version_id;

            } else if (b->versioning != SOS_VERSIONING_OFF) {
                version = &current;
            }
        }

        err = ngx_sos_authz_object(job, az->who, &ctx->bucket, &ctx->key,
                                   version, az->bucket, op->object,
                                   az->want_reader ? &az->reader : NULL,
                                   &az->object);
        if (err != NGX_SOS_OK) {

            /* GET and HEAD: the record is there, no replica of its data */

            az->unreadable = (az->want_reader && job->rc == SOS_ECORRUPT);
            return err;
        }
    }

    if (op->source == NGX_SOS_PERM_NONE) {
        return NGX_SOS_OK;
    }

    src = ctx->copy_source;

    if (src == NULL) {
        /* the handler posted a job before it parsed x-amz-copy-source */
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (src->bad_version) {
        /* no such version: the handler answers, reading nothing */
        return NGX_SOS_OK;
    }

    /* opened: the copy reads the version whose ACL was checked */

    err = ngx_sos_authz_object(job, az->who, &src->bucket, &src->key,
                               src->version_id.data ? &src->version_id
                                                    : NULL,
                               NULL, op->source, &az->source_reader,
                               &az->source);

    az->source_err = (err != NGX_SOS_OK);

    if (err == NGX_SOS_ERR_METHOD_NOT_ALLOWED) {
        /* S3 (CopyObject): a delete marker named by id is no source */
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    return err;
}


/*
 * An object and perm on it: version NULL the current one (the plain
 * open), else the version it names (data NULL: the current one, or the
 * delete marker that is the latest).  A missing one is 404 only to who
 * may list its bucket, as S3; bi is that bucket, NULL: looked up then.
 */

static ngx_sos_err_e
ngx_sos_authz_object(ngx_sos_job_t *job, const char *who, ngx_str_t *bucket,
    ngx_str_t *key, ngx_str_t *version, sos_bucket_info_t *bi,
    ngx_uint_t perm, sos_reader_t **reader, sos_object_info_t *info)
{
    ngx_uint_t          may_list;
    sos_attrs_t        *a;
    sos_bucket_info_t  *found;

    if (version == NULL) {
        job->rc = sos_object_open(job->store, (char *) bucket->data,
                                  bucket->len, (char *) key->data, key->len,
                                  reader, info, &job->err);

    } else {
        job->rc = sos_object_open_version(job->store, (char *) bucket->data,
                                          bucket->len, (char *) key->data,
                                          key->len, (char *) version->data,
                                          version->len, reader, info,
                                          &job->err);

        if (job->rc == SOS_EINVAL && version->data) {
            /* no id the store could have made: none, whoever asks */
            job->rc = SOS_ENOTFOUND;
            return NGX_SOS_ERR_NO_SUCH_VERSION;
        }
    }

    if (job->rc == SOS_ENOTFOUND) {
        found = NULL;

        if (bi == NULL) {
            job->rc = sos_bucket_get(job->store, (char *) bucket->data,
                                     bucket->len, &found, &job->err);
            if (job->rc != SOS_OK) {
                return ngx_sos_error_from_store(job->rc);
            }

            bi = found;
        }

        may_list = ngx_sos_authz_allows(&bi->acl, bi->bucket.owner,
                                        ngx_strlen(bi->bucket.owner), who,
                                        NGX_SOS_ACL_READ);

        sos_bucket_info_free(found);
        job->rc = SOS_ENOTFOUND;

        if (!may_list) {
            return NGX_SOS_ERR_ACCESS_DENIED;
        }

        return ngx_sos_authz_missing(version, info);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_from_store(job->rc);
    }

    a = &info->attrs;

    if (!ngx_sos_authz_allows(&a->acl, a->owner.data, a->owner.len, who,
                              perm))
    {
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    return NGX_SOS_OK;
}


/* what a lister is told of a missing object, version or marker */

static ngx_sos_err_e
ngx_sos_authz_missing(ngx_str_t *version, sos_object_info_t *info)
{
    if (version == NULL || version->data == NULL) {
        /* no current version: none, or a delete marker is the latest */
        return NGX_SOS_ERR_NO_SUCH_KEY;
    }

    if (info->delete_marker) {
        return NGX_SOS_ERR_METHOD_NOT_ALLOWED;
    }

    if (version->len == 4 && ngx_strncmp(version->data, "null", 4) == 0) {
        return NGX_SOS_ERR_NO_SUCH_KEY;
    }

    return NGX_SOS_ERR_NO_SUCH_VERSION;
}


/* the bucket into az->bucket, replacing one looked up before */

static sos_rc_e
ngx_sos_authz_bucket(ngx_sos_job_t *job, ngx_sos_authz_t *az,
    ngx_str_t *name)
{
    if (az->bucket) {
        sos_bucket_info_free(az->bucket);
        az->bucket = NULL;
    }

    job->rc = sos_bucket_get(job->store, (char *) name->data, name->len,
                             &az->bucket, &job->err);

    return job->rc;
}


static ngx_uint_t
ngx_sos_authz_allows(sos_str_t *acl, const char *owner, size_t owner_len,
    const char *who, ngx_uint_t perm)
{
    switch (perm) {

    case NGX_SOS_PERM_EXISTS:
        return 1;

    case NGX_SOS_PERM_OWNER:
        return owner_len == ngx_strlen(who)
               && ngx_strncmp(owner, who, owner_len) == 0;

    default:
        return ngx_sos_acl_allows((u_char *) acl->data, acl->len, owner,
                                  owner_len, who, perm);
    }
}


/*
 * Whether the caller owns the bucket the step looked up: in the pool
 * thread, after the step.  Deleting a version for good is the owner's
 * (S3 user guide, "Access control list (ACL) overview": bucket WRITE
 * allows s3:DeleteObjectVersion only when the grantee is the bucket
 * owner); any other WRITE grantee makes delete markers.
 */

ngx_uint_t
ngx_sos_authz_owner(ngx_sos_ctx_t *ctx)
{
    sos_bucket_t  *b;

    if (ctx->authz.bucket == NULL) {
        return 0;
    }

    b = &ctx->authz.bucket->bucket;

    return ngx_sos_authz_allows(NULL, b->owner, ngx_strlen(b->owner),
                                ctx->authz.who, NGX_SOS_PERM_OWNER);
}


/* back in the loop: the answer to a caller the step refused */

ngx_int_t
ngx_sos_authz_send(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t         region;
    ngx_sos_authz_t  *az;

    az = &ctx->authz;

    if (r->request_body && r->request_body_no_buffering) {
        /* in the middle of a form: the rest of it is not read */
        r->keepalive = 0;
    }

    if (az->err == NGX_SOS_ERR_ACCESS_DENIED
        && (ctx->op->flags & NGX_SOS_OP_REGION))
    {
        /* S3 names the region even when it refuses */

        ngx_sos_region(r, &region);

        if (ngx_sos_header_add(r, "x-amz-bucket-region", &region) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (az->unreadable) {
        ngx_str_set(&ctx->error_message, NGX_SOS_UNREADABLE);
        return ngx_sos_error_send_ctx(r, ctx, az->err);
    }

    if (az->source_err && az->err == NGX_SOS_ERR_INVALID_REQUEST) {
        ngx_str_set(&ctx->error_message,
                    "The source of a copy request may not specifically "
                    "refer to a delete marker by version id.");
        return ngx_sos_error_send_ctx(r, ctx, az->err);
    }

    if (az->object.delete_marker
        && (az->err == NGX_SOS_ERR_NO_SUCH_KEY
            || az->err == NGX_SOS_ERR_METHOD_NOT_ALLOWED))
    {
        /* who may list learns of the marker, as S3 tells */
        if (ngx_sos_versioning_marker(r, &az->object,
                                      az->err
                                      == NGX_SOS_ERR_METHOD_NOT_ALLOWED)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (az->err == NGX_SOS_ERR_NO_SUCH_BUCKET && !az->source_err) {
        return ngx_sos_error_send_bucket(r, ctx, az->err);
    }

    return ngx_sos_error_send(r, az->err);
}


static void
ngx_sos_authz_cleanup(void *data)
{
    ngx_sos_authz_t  *az = data;

    sos_reader_close(az->reader);
    sos_reader_close(az->source_reader);
    sos_object_info_release(&az->object);
    sos_object_info_release(&az->source);
    sos_bucket_info_free(az->bucket);
}
