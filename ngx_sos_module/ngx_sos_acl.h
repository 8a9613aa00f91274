
/*
 * SOS: access control lists as S3 has them: an owner, up to 100 grants of
 * READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL to an organization
 * (canonical user) or to the AllUsers / AuthenticatedUsers groups.
 *
 * The store keeps an ACL as an opaque blob beside the bucket or object;
 * the owner is the bucket's or the object's own (not in the blob).  An
 * empty blob is the "private" ACL: the owner has FULL_CONTROL.
 *
 * Blob: 'A' 1 n, then n grants of (type, permission[, 64-byte id]).
 */


#ifndef _NGX_SOS_ACL_H_INCLUDED_
#define _NGX_SOS_ACL_H_INCLUDED_


#include "ngx_sos_module.h"


#define NGX_SOS_ACL_READ          0x01
#define NGX_SOS_ACL_WRITE         0x02
#define NGX_SOS_ACL_READ_ACP      0x04
#define NGX_SOS_ACL_WRITE_ACP     0x08
#define NGX_SOS_ACL_FULL_CONTROL  0x0f

#define NGX_SOS_ACL_MAX_GRANTS    100

#define NGX_SOS_URI_ALL_USERS                                                 \
    "http://acs.amazonaws.com/groups/global/AllUsers"
#define NGX_SOS_URI_AUTH_USERS                                                \
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
#define NGX_SOS_URI_LOG_DELIVERY                                              \
    "http://acs.amazonaws.com/groups/s3/LogDelivery"
#define NGX_SOS_ACL_BLOB_MAX                                                  \
    (3 + NGX_SOS_ACL_MAX_GRANTS * (2 + SOS_ID_LEN))


typedef enum {
    NGX_SOS_GRANTEE_USER = 1,            /* CanonicalUser: id */
    NGX_SOS_GRANTEE_ALL_USERS,
    NGX_SOS_GRANTEE_AUTH_USERS,
    NGX_SOS_GRANTEE_LOG_DELIVERY,
    NGX_SOS_GRANTEE_EMAIL,               /* resolved to USER at set time */
    NGX_SOS_GRANTEE_BUCKET_OWNER         /* canned bucket-owner-*: USER */
} ngx_sos_grantee_e;


typedef struct {
    ngx_uint_t               type;       /* ngx_sos_grantee_e */
    ngx_uint_t               perm;       /* one NGX_SOS_ACL_* value */
    char                     id[SOS_ID_LEN + 1];
    char                     email[256];
} ngx_sos_grant_t;


/* An ACL a request sets (headers or XML body), or one decoded. */
typedef struct {
    ngx_uint_t               canned;     /* 0: none; else canned index + 1 */
    ngx_uint_t               has_owner;  /* the XML body named an owner */
    char                     owner[SOS_ID_LEN + 1];
    ngx_uint_t               validate_ids;
    ngx_uint_t               n;
    ngx_sos_grant_t          grants[NGX_SOS_ACL_MAX_GRANTS];
    ngx_sos_err_e            err;        /* parse: a specific error */

    /* built in a pool thread */
    u_char                   blob[NGX_SOS_ACL_BLOB_MAX];
    size_t                   blob_len;
} ngx_sos_acl_t;


/*
 * In the loop: the ACL that x-amz-acl or x-amz-grant-* headers set;
 * *out NULL when there is none.  bucket: a bucket's ACL (public write is
 * then checked against sos_allow_public_write and logged).
 */
ngx_sos_err_e ngx_sos_acl_from_headers(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_uint_t bucket, ngx_sos_acl_t **out);

/*
 * In the loop: the ACL of the AccessControlPolicy document in ctx->body
 * (MalformedACLError, InvalidArgument ... for a bad one).
 */
ngx_sos_err_e ngx_sos_acl_from_body(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_uint_t bucket, ngx_sos_acl_t **out);

/*
 * In a pool thread: expand canned ACLs, resolve e-mail grantees, check
 * ids, encode acl->blob.  acl NULL: nothing to do (private, empty blob).
 * NGX_SOS_OK, or the S3 error; *rc is the store failure (SOS_OK if none).
 */
ngx_sos_err_e ngx_sos_acl_build(sos_store_t *store, ngx_sos_acl_t *acl,
    const char *owner, const char *bucket_owner, sos_rc_e *rc,
    sos_error_t *err);

/*
 * May "who" (an organization id, "" for anonymous) do perm on a resource
 * of this owner with this ACL blob?  Any thread.
 */
ngx_uint_t ngx_sos_acl_allows(const u_char *blob, size_t len,
    const char *owner, size_t owner_len, const char *who, ngx_uint_t perm);


/*
 * Any thread: the grants of a blob into acl; an empty or unreadable blob
 * is "private", the owner's FULL_CONTROL.
 */
void ngx_sos_acl_decode(const u_char *blob, size_t len, const char *owner,
    ngx_sos_acl_t *acl);

/* "READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL" */
char *ngx_sos_acl_perm_name(ngx_uint_t perm);

/* The canned ACL of that name: its index + 1 (ngx_sos_acl_t.canned), or 0. */
ngx_uint_t ngx_sos_acl_canned_find(ngx_str_t *name);


#endif /* _NGX_SOS_ACL_H_INCLUDED_ */
