
/*
 * SOS: GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl.
 *
 * The ACL comes from x-amz-acl / x-amz-grant-* or from the body (the
 * model in ngx_sos_acl.c); one job reads or replaces the blob of the
 * bucket or object the authorization step found and allowed (READ_ACP,
 * WRITE_ACP; their owner always may).  The store replaces it only while
 * the bucket or object is still the one the step checked: an overwrite,
 * a bucket created again or another ACL change in between is answered
 * 409 OperationAborted, and the client may send the request again.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_cdn.h"


#define NGX_SOS_ACL_BODY_MAX     (256 * 1024)

#define NGX_SOS_XSI                                                           \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""


typedef struct {
    ngx_uint_t               object;     /* an object's ACL, not a bucket's */
    ngx_str_t                bucket;
    ngx_str_t                key;
    ngx_str_t                version_id; /* ?versionId; data NULL: none */
    ngx_sos_acl_t           *acl;        /* Put: what to set */

    /* results */
    ngx_uint_t               denied;     /* Put: another owner named */
    ngx_sos_err_e            acl_err;
    char                     owner[SOS_ID_LEN + 1];
    char                     owner_name[128];
    ngx_sos_acl_t           *cur;        /* Get: the decoded ACL */
    char                   (*names)[128];
} ngx_sos_acl_job_t;


static void ngx_sos_acl_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_acl_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_acl_t *acl);
static void ngx_sos_acl_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_acl_done(ngx_http_request_t *r, ngx_sos_job_t *job);
static ngx_int_t ngx_sos_acl_send(ngx_http_request_t *r,
    ngx_sos_acl_job_t *aj);


ngx_int_t
ngx_sos_acl_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_acl_start(r, ctx, NULL);
}


ngx_int_t
ngx_sos_acl_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t       rc;
    ngx_sos_err_e   err;
    ngx_sos_acl_t  *acl;

    err = ngx_sos_acl_from_headers(r, ctx,
                                   ctx->op->level == NGX_SOS_LEVEL_BUCKET,
                                   &acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    if (acl) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_sos_acl_start(r, ctx, acl);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_ACL_BODY_MAX, ngx_sos_acl_body);
}


/* PutBucketAcl, PutObjectAcl: the AccessControlPolicy document */

static void
ngx_sos_acl_body(ngx_http_request_t *r)
{
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;
    ngx_sos_acl_t  *acl;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    err = ngx_sos_acl_from_body(r, ctx,
                                ctx->op->level == NGX_SOS_LEVEL_BUCKET, &acl);

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    ngx_http_finalize_request(r, ngx_sos_acl_start(r, ctx, acl));
}


static ngx_int_t
ngx_sos_acl_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_acl_t *acl)
{
    ngx_sos_job_t      *job;
    ngx_sos_acl_job_t  *aj;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_acl_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    aj = job->data;
    aj->object = (ctx->op->level == NGX_SOS_LEVEL_OBJECT);
    aj->bucket = ctx->bucket;
    aj->key = ctx->key;
    aj->version_id = ctx->version_id;
    aj->acl = acl;

    if (acl == NULL) {
        aj->cur = ngx_pcalloc(r->pool, sizeof(ngx_sos_acl_t));
        aj->names = ngx_pcalloc(r->pool,
                                NGX_SOS_ACL_MAX_GRANTS * sizeof(*aj->names));
        if (aj->cur == NULL || aj->names == NULL) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
        }
    }

    job->run = ngx_sos_acl_run;
    job->done = ngx_sos_acl_done;

    return ngx_sos_job_start(r, job);
}


/* the bucket or object the authorization step found and allowed */

static void
ngx_sos_acl_run(ngx_sos_job_t *job)
{
    ngx_sos_acl_job_t *aj = job->data;

    sos_rc_e            rc;
    ngx_uint_t          i;
    sos_org_t           org;
    sos_bucket_t       *bucket;
    ngx_sos_authz_t    *az;
    sos_attrs_t        *a;
    const u_char       *blob;
    size_t              blob_len;

    az = &job->ctx->authz;
    bucket = &az->bucket->bucket;

    if (aj->object) {
        a = &az->object.attrs;
        blob = (u_char *) a->acl.data;
        blob_len = a->acl.len;
        ngx_memcpy(aj->owner, a->owner.data,
                   ngx_min(a->owner.len, SOS_ID_LEN));

    } else {
        blob = (u_char *) az->bucket->acl.data;
        blob_len = az->bucket->acl.len;
        ngx_cpystrn((u_char *) aj->owner, (u_char *) bucket->owner,
                    SOS_ID_LEN + 1);
    }

    if (aj->acl == NULL) {

        /* Get: decode, with display names */

        ngx_sos_acl_decode(blob, blob_len, aj->owner, aj->cur);

        /* a display name is optional; an index that fails is not */

        rc = sos_org_get(job->store, aj->owner, ngx_strlen(aj->owner), &org,
                         &job->err);
        if (rc == SOS_OK) {
            ngx_cpystrn((u_char *) aj->owner_name, (u_char *) org.name,
                        sizeof(aj->owner_name));

        } else if (rc != SOS_ENOTFOUND) {
            job->rc = rc;
            return;
        }

        for (i = 0; i < aj->cur->n; i++) {
            if (aj->cur->grants[i].type != NGX_SOS_GRANTEE_USER) {
                continue;
            }

            rc = sos_org_get(job->store, aj->cur->grants[i].id, SOS_ID_LEN,
                             &org, &job->err);
            if (rc == SOS_OK) {
                ngx_cpystrn((u_char *) aj->names[i], (u_char *) org.name,
                            sizeof(aj->names[i]));

            } else if (rc != SOS_ENOTFOUND) {
                job->rc = rc;
                return;
            }
        }

        return;
    }

    /* Put */

    if (aj->acl->has_owner && ngx_strcmp(aj->acl->owner, aj->owner) != 0) {
        aj->denied = 1;
        return;
    }

    aj->acl_err = ngx_sos_acl_build(job->store, aj->acl, aj->owner,
                                    bucket->owner, &job->rc, &job->err);
    if (aj->acl_err != NGX_SOS_OK || job->rc != SOS_OK) {
        return;
    }

    /* only on what the step checked, else SOS_ECHANGED */

    if (aj->object && aj->version_id.data) {
        job->rc = sos_object_set_acl_version(job->store,
                                             (char *) aj->bucket.data,
                                             aj->bucket.len,
                                             (char *) aj->key.data,
                                             aj->key.len,
                                             (char *) aj->version_id.data,
                                             aj->version_id.len, &az->object,
                                             aj->acl->blob, aj->acl->blob_len,
                                             &job->err);

    } else if (aj->object) {
        job->rc = sos_object_set_acl(job->store, (char *) aj->bucket.data,
                                     aj->bucket.len, (char *) aj->key.data,
                                     aj->key.len, &az->object, aj->acl->blob,
                                     aj->acl->blob_len, &job->err);
    } else {
        job->rc = sos_bucket_set_acl(job->store, (char *) aj->bucket.data,
                                     aj->bucket.len, az->bucket, aj->acl->blob,
                                     aj->acl->blob_len, &job->err);
    }
}


static ngx_int_t
ngx_sos_acl_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_acl_job_t *aj = job->data;

    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    if (job->rc == SOS_ENOBUCKET) {
        return ngx_sos_error_send_bucket(r, ctx, NGX_SOS_ERR_NO_SUCH_BUCKET);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (aj->denied) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ACCESS_DENIED);
    }

    if (aj->acl_err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, aj->acl_err);
    }

    if (aj->acl) {
        ngx_sos_cdn_purge(r, ctx, ctx->key.data, ctx->key.len);

        r->headers_out.content_length_n = 0;
        return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);
    }

    return ngx_sos_acl_send(r, aj);
}


static ngx_int_t
ngx_sos_acl_send(ngx_http_request_t *r, ngx_sos_acl_job_t *aj)
{
    char               *perm;
    ngx_uint_t          i;
    ngx_sos_grant_t    *g;
    ngx_sos_xml_out_t   x;

    ngx_sos_xml_out_init(&x, r->pool, 4096);

    ngx_sos_xml_literal(&x, "<AccessControlPolicy xmlns=\"" NGX_SOS_XMLNS "\">"
                        "<Owner>");
    ngx_sos_xml_element(&x, "ID", (u_char *) aj->owner,
                        ngx_strlen(aj->owner), 0);
    if (aj->owner_name[0]) {
        ngx_sos_xml_element(&x, "DisplayName", (u_char *) aj->owner_name,
                            ngx_strlen(aj->owner_name), 0);
    }
    ngx_sos_xml_literal(&x, "</Owner><AccessControlList>");

    for (i = 0; i < aj->cur->n; i++) {
        g = &aj->cur->grants[i];

        ngx_sos_xml_literal(&x, "<Grant><Grantee " NGX_SOS_XSI);

        switch (g->type) {

        case NGX_SOS_GRANTEE_USER:
            ngx_sos_xml_literal(&x, " xsi:type=\"CanonicalUser\">");
            ngx_sos_xml_element(&x, "ID", (u_char *) g->id,
                                ngx_strlen(g->id), 0);
            if (aj->names[i][0]) {
                ngx_sos_xml_element(&x, "DisplayName",
                                    (u_char *) aj->names[i],
                                    ngx_strlen(aj->names[i]), 0);
            }
            break;

        case NGX_SOS_GRANTEE_ALL_USERS:
            ngx_sos_xml_literal(&x, " xsi:type=\"Group\"><URI>"
                                NGX_SOS_URI_ALL_USERS "</URI>");
            break;

        case NGX_SOS_GRANTEE_AUTH_USERS:
            ngx_sos_xml_literal(&x, " xsi:type=\"Group\"><URI>"
                                NGX_SOS_URI_AUTH_USERS "</URI>");
            break;

        default:
            ngx_sos_xml_literal(&x, " xsi:type=\"Group\"><URI>"
                                NGX_SOS_URI_LOG_DELIVERY "</URI>");
            break;
        }

        perm = ngx_sos_acl_perm_name(g->perm);

        ngx_sos_xml_literal(&x, "</Grantee>");
        ngx_sos_xml_element(&x, "Permission", (u_char *) perm,
                            ngx_strlen(perm), 0);
        ngx_sos_xml_literal(&x, "</Grant>");
    }

    ngx_sos_xml_literal(&x, "</AccessControlList></AccessControlPolicy>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
