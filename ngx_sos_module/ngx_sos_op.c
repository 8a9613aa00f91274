
/*
 * SOS: the operation table.
 *
 * Within the rows of one level and sub-resource the router takes the
 * first whose method and match function agree, so a row with a match
 * function comes before the plain one of the same method.  A request
 * that no row takes is 405 MethodNotAllowed.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_cors.h"
#include "ngx_sos_lifecycle.h"
#include "ngx_sos_website.h"


#define NGX_SOS_METHODS                                                       \
    (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_PUT|NGX_HTTP_POST|NGX_HTTP_DELETE)


static ngx_uint_t ngx_sos_op_copy(ngx_http_request_t *r);
static ngx_uint_t ngx_sos_op_form(ngx_http_request_t *r);
static ngx_uint_t ngx_sos_op_list_v2(ngx_http_request_t *r);


const ngx_sos_op_t  ngx_sos_ops[] = {

    { ngx_string("ListBuckets"),
      NGX_SOS_LEVEL_SERVICE, 0, NGX_HTTP_GET, NULL,
      ngx_sos_bucket_list_all,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* a sub-resource not served: 501, rather than a plain GET or PUT */

    { ngx_string("NotImplemented"),
      NGX_SOS_LEVEL_BUCKET|NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_OTHER,
      NGX_SOS_METHODS, NULL,
      NULL,
      0, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /*
     * Object Lock's sub-resources at the other level: 501, never a plain
     * PutObject of the document or ListObjects
     */

    { ngx_string("NotImplemented"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_OBJECT_LOCK, NGX_SOS_METHODS, NULL,
      NULL,
      0, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("NotImplemented"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_RETENTION, NGX_SOS_METHODS, NULL,
      NULL,
      0, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("NotImplemented"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_LEGAL_HOLD, NGX_SOS_METHODS, NULL,
      NULL,
      0, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* ACLs: the owner may always read and change them */

    { ngx_string("GetBucketAcl"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_ACL, NGX_HTTP_GET, NULL,
      ngx_sos_acl_get,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_READ_ACP, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutBucketAcl"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_ACL, NGX_HTTP_PUT, NULL,
      ngx_sos_acl_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_WRITE_ACP, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("GetObjectAcl"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_ACL, NGX_HTTP_GET, NULL,
      ngx_sos_acl_get,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_READ_ACP, NGX_SOS_PERM_NONE },

    { ngx_string("PutObjectAcl"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_ACL, NGX_HTTP_PUT, NULL,
      ngx_sos_acl_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_WRITE_ACP, NGX_SOS_PERM_NONE },

    /* tags: an object's are changed with what changes its ACL */

    { ngx_string("GetObjectTagging"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_TAGGING, NGX_HTTP_GET, NULL,
      ngx_sos_tagging_get,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE },

    { ngx_string("PutObjectTagging"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_TAGGING, NGX_HTTP_PUT, NULL,
      ngx_sos_tagging_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML|NGX_SOS_OP_ANONYMOUS
      |NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_WRITE_ACP, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteObjectTagging"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_TAGGING, NGX_HTTP_DELETE, NULL,
      ngx_sos_tagging_delete,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_WRITE_ACP, NGX_SOS_PERM_NONE },

    { ngx_string("GetBucketTagging"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_TAGGING, NGX_HTTP_GET, NULL,
      ngx_sos_tagging_get,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutBucketTagging"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_TAGGING, NGX_HTTP_PUT, NULL,
      ngx_sos_tagging_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteBucketTagging"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_TAGGING, NGX_HTTP_DELETE, NULL,
      ngx_sos_tagging_delete,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /*
     * Object Lock: a bucket's configuration is its owner's; any writer of
     * the bucket may lock a version, only the owner's admin key unlock
     * one (ngx_sos_retention.c)
     */

    { ngx_string("GetObjectLockConfiguration"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_OBJECT_LOCK, NGX_HTTP_GET, NULL,
      ngx_sos_lock_conf_get,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutObjectLockConfiguration"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_OBJECT_LOCK, NGX_HTTP_PUT, NULL,
      ngx_sos_lock_conf_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /*
     * a version's lock: the bucket owner's organization only, as S3
     * grants s3:Get/PutObjectRetention and s3:Get/PutObjectLegalHold by
     * policy and no ACL ("Mapping of ACL permissions and access policy
     * permissions")
     */

    { ngx_string("GetObjectRetention"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_RETENTION, NGX_HTTP_GET, NULL,
      ngx_sos_retention_get,
      NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_EXISTS, NGX_SOS_PERM_NONE },

    { ngx_string("PutObjectRetention"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_RETENTION, NGX_HTTP_PUT, NULL,
      ngx_sos_retention_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML|NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_EXISTS, NGX_SOS_PERM_NONE },

    { ngx_string("GetObjectLegalHold"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_LEGAL_HOLD, NGX_HTTP_GET, NULL,
      ngx_sos_legal_hold_get,
      NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_EXISTS, NGX_SOS_PERM_NONE },

    { ngx_string("PutObjectLegalHold"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_LEGAL_HOLD, NGX_HTTP_PUT, NULL,
      ngx_sos_legal_hold_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML|NGX_SOS_OP_VERSION, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_EXISTS, NGX_SOS_PERM_NONE },

    /* multipart uploads */

    { ngx_string("UploadPartCopy"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_UPLOAD_ID, NGX_HTTP_PUT,
      ngx_sos_op_copy,
      ngx_sos_mp_upload_part_copy,
      NGX_SOS_OP_UPLOAD, NGX_SOS_HDR_SSE|NGX_SOS_HDR_SOURCE_SSE,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_ACL_READ },

    { ngx_string("UploadPart"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_UPLOAD_ID, NGX_HTTP_PUT, NULL,
      ngx_sos_mp_upload_part,
      NGX_SOS_OP_BODY|NGX_SOS_OP_ANONYMOUS, NGX_SOS_HDR_SSE,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("CompleteMultipartUpload"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_UPLOAD_ID, NGX_HTTP_POST, NULL,
      ngx_sos_mp_complete,
      NGX_SOS_OP_BODY|NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_UPLOAD
      |NGX_SOS_OP_OBJECT_SUM,
      NGX_SOS_HDR_SSE|NGX_SOS_HDR_MP_SIZE,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("ListParts"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_UPLOAD_ID, NGX_HTTP_GET, NULL,
      ngx_sos_mp_list_parts,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_UPLOAD, 0,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("AbortMultipartUpload"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_UPLOAD_ID, NGX_HTTP_DELETE, NULL,
      ngx_sos_mp_abort,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("CreateMultipartUpload"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_UPLOADS, NGX_HTTP_POST, NULL,
      ngx_sos_mp_create,
      NGX_SOS_OP_ANONYMOUS, NGX_SOS_HDR_CREATE|NGX_SOS_HDR_SSE,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("ListMultipartUploads"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_UPLOADS, NGX_HTTP_GET, NULL,
      ngx_sos_mp_list_uploads,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* objects */

    { ngx_string("GetObject"),
      NGX_SOS_LEVEL_OBJECT, 0, NGX_HTTP_GET, NULL,
      ngx_sos_object_get,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, NGX_SOS_HDR_SSE,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE },

    { ngx_string("HeadObject"),
      NGX_SOS_LEVEL_OBJECT, 0, NGX_HTTP_HEAD, NULL,
      ngx_sos_object_get,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, NGX_SOS_HDR_SSE,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE },

    { ngx_string("GetObjectAttributes"),
      NGX_SOS_LEVEL_OBJECT, NGX_SOS_SUB_ATTRIBUTES, NGX_HTTP_GET, NULL,
      ngx_sos_object_attributes,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_VERSION, NGX_SOS_HDR_SSE,
      NGX_SOS_PERM_EXISTS, NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE },

    { ngx_string("CopyObject"),
      NGX_SOS_LEVEL_OBJECT, 0, NGX_HTTP_PUT, ngx_sos_op_copy,
      ngx_sos_object_copy,
      NGX_SOS_OP_ANONYMOUS,
      NGX_SOS_HDR_CREATE|NGX_SOS_HDR_SSE|NGX_SOS_HDR_SOURCE_SSE,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_ACL_READ },

    { ngx_string("PutObject"),
      NGX_SOS_LEVEL_OBJECT, 0, NGX_HTTP_PUT, NULL,
      ngx_sos_object_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_ANONYMOUS,
      NGX_SOS_HDR_CREATE|NGX_SOS_HDR_SSE|NGX_SOS_HDR_APPEND,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteObject"),
      NGX_SOS_LEVEL_OBJECT, 0, NGX_HTTP_DELETE, NULL,
      ngx_sos_object_delete,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_ANY_KEY, 0,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* buckets */

    { ngx_string("GetBucketLocation"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_LOCATION, NGX_HTTP_GET, NULL,
      ngx_sos_bucket_location,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("GetBucketVersioning"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_VERSIONING, NGX_HTTP_GET, NULL,
      ngx_sos_versioning_get,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutBucketVersioning"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_VERSIONING, NGX_HTTP_PUT, NULL,
      ngx_sos_versioning_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("GetBucketWebsite"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_WEBSITE, NGX_HTTP_GET, NULL,
      ngx_sos_website_get,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutBucketWebsite"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_WEBSITE, NGX_HTTP_PUT, NULL,
      ngx_sos_website_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteBucketWebsite"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_WEBSITE, NGX_HTTP_DELETE, NULL,
      ngx_sos_website_delete,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("ListObjectVersions"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_VERSIONS, NGX_HTTP_GET, NULL,
      ngx_sos_versions_list,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteObjects"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_DELETE, NGX_HTTP_POST, NULL,
      ngx_sos_delete_objects,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("ListObjectsV2"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_GET, ngx_sos_op_list_v2,
      ngx_sos_list_objects_v2,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("ListObjects"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_GET, NULL,
      ngx_sos_list_objects,
      NGX_SOS_OP_ANONYMOUS, 0,
      NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("HeadBucket"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_HEAD, NULL,
      ngx_sos_bucket_head,
      NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_REGION, 0,
      NGX_SOS_ACL_READ, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* CORS: the rules are the owner's; a preflight is anyone's */

    { ngx_string("GetBucketCors"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_CORS, NGX_HTTP_GET, NULL,
      ngx_sos_cors_get,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutBucketCors"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_CORS, NGX_HTTP_PUT, NULL,
      ngx_sos_cors_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteBucketCors"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_CORS, NGX_HTTP_DELETE, NULL,
      ngx_sos_cors_delete,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* lifecycle rules: the owner's */

    { ngx_string("GetBucketLifecycleConfiguration"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_LIFECYCLE, NGX_HTTP_GET, NULL,
      ngx_sos_lifecycle_get,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("PutBucketLifecycleConfiguration"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_LIFECYCLE, NGX_HTTP_PUT, NULL,
      ngx_sos_lifecycle_put,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteBucketLifecycle"),
      NGX_SOS_LEVEL_BUCKET, NGX_SOS_SUB_LIFECYCLE, NGX_HTTP_DELETE, NULL,
      ngx_sos_lifecycle_delete,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* OPTIONS, whatever the query (the router ignores sub-resources) */

    { ngx_string("PreflightRequest"),
      NGX_SOS_LEVEL_BUCKET|NGX_SOS_LEVEL_OBJECT, 0, NGX_HTTP_OPTIONS, NULL,
      ngx_sos_cors_preflight,
      NGX_SOS_OP_PREFLIGHT|NGX_SOS_OP_ANY_KEY, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* the bucket does not exist yet: the store says whose it is */

    { ngx_string("CreateBucket"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_PUT, NULL,
      ngx_sos_bucket_create,
      NGX_SOS_OP_BODY|NGX_SOS_OP_XML, NGX_SOS_HDR_BUCKET,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("DeleteBucket"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_DELETE, NULL,
      ngx_sos_bucket_delete,
      0, 0,
      NGX_SOS_PERM_OWNER, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    /* the browser form upload; any other POST to a bucket is not served */

    { ngx_string("PostObject"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_POST, ngx_sos_op_form,
      ngx_sos_post_object,
      NGX_SOS_OP_FORM,
      NGX_SOS_HDR_CREATE|NGX_SOS_HDR_SSE|NGX_SOS_HDR_FORM,
      NGX_SOS_ACL_WRITE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_string("NotImplemented"),
      NGX_SOS_LEVEL_BUCKET, 0, NGX_HTTP_POST, NULL,
      NULL,
      0, 0,
      NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE, NGX_SOS_PERM_NONE },

    { ngx_null_string, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0 }
};


static ngx_uint_t
ngx_sos_op_copy(ngx_http_request_t *r)
{
    return ngx_sos_header_find(r, "x-amz-copy-source") != NULL;
}


static ngx_uint_t
ngx_sos_op_form(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = r->headers_in.content_type;

    return h && h->value.len >= sizeof("multipart/form-data") - 1
           && ngx_strncasecmp(h->value.data, (u_char *) "multipart/form-data",
                              sizeof("multipart/form-data") - 1)
              == 0;
}


/* any "list-type=2", wherever it is in the query */

static ngx_uint_t
ngx_sos_op_list_v2(ngx_http_request_t *r)
{
    u_char     *p, *end;
    ngx_str_t   name, v;

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &name, &v);

        if (name.len == sizeof("list-type") - 1
            && ngx_strncmp(name.data, "list-type", name.len) == 0
            && v.len == 1 && v.data[0] == '2')
        {
            return 1;
        }
    }

    return 0;
}
