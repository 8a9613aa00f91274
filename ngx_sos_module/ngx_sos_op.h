
/*
 * SOS: the S3 operations, one row each (ngx_sos_op.c): how the router
 * finds it, its handler, what it reads and who may call it.  The router
 * (ngx_sos_route.c) picks the row; everything else reads the row's fields
 * and never names an operation.  Adding an operation is adding a row and
 * its handler.
 */


#ifndef _NGX_SOS_OP_H_INCLUDED_
#define _NGX_SOS_OP_H_INCLUDED_


#include "ngx_sos_module.h"


/* the resource a request names */
#define NGX_SOS_LEVEL_SERVICE   0x01     /* "/" */
#define NGX_SOS_LEVEL_BUCKET    0x02     /* "/bucket" */
#define NGX_SOS_LEVEL_OBJECT    0x04     /* "/bucket/key" */

/*
 * Sub-resources (?acl, ?uploads ...) that select an operation, in the
 * order they take precedence when a request names several: the lowest
 * bit that some row of the request's level knows selects the rows.
 */
#define NGX_SOS_SUB_OTHER       0x01     /* one SOS does not serve yet */
#define NGX_SOS_SUB_ACL         0x02
#define NGX_SOS_SUB_UPLOAD_ID   0x04     /* ?uploadId= */
#define NGX_SOS_SUB_UPLOADS     0x08
#define NGX_SOS_SUB_LOCATION    0x10
#define NGX_SOS_SUB_VERSIONING  0x20
#define NGX_SOS_SUB_VERSIONS    0x40
#define NGX_SOS_SUB_DELETE      0x80
#define NGX_SOS_SUB_CORS        0x200
#define NGX_SOS_SUB_WEBSITE     0x100
#define NGX_SOS_SUB_ATTRIBUTES  0x400
#define NGX_SOS_SUB_TAGGING     0x800
#define NGX_SOS_SUB_OBJECT_LOCK 0x1000
#define NGX_SOS_SUB_RETENTION   0x2000
#define NGX_SOS_SUB_LEGAL_HOLD  0x4000
#define NGX_SOS_SUB_LIFECYCLE   0x8000

/* flags */
#define NGX_SOS_OP_BODY         0x0001   /* a body, decoded and verified */
#define NGX_SOS_OP_XML          0x0002   /* a document: too large is
                                            MalformedXML, not
                                            EntityTooLarge */
#define NGX_SOS_OP_ANONYMOUS    0x0004   /* anonymous callers reach it: the
                                            ACLs decide */
#define NGX_SOS_OP_FORM         0x0008   /* the credentials are in the body
                                            (POST Object), read and checked
                                            by the handler before its first
                                            store write */
#define NGX_SOS_OP_VERSION      0x0010   /* ?versionId other than "null"
                                            names no object: NoSuchVersion */
#define NGX_SOS_OP_ANY_KEY      0x0020   /* any key the store may hold, even
                                            one the router now refuses */
#define NGX_SOS_OP_REGION       0x0040   /* a refusal names the region */
#define NGX_SOS_OP_UPLOAD       0x0080   /* the upload ?uploadId names is
                                            looked up, as an object is */
#define NGX_SOS_OP_PREFLIGHT    0x0100   /* never signed: the handler
                                            answers from the bucket's CORS
                                            rules, before any check of
                                            credentials */

#define NGX_SOS_OP_OBJECT_SUM   0x0200   /* x-amz-checksum-* is the
                                            object's (the handler checks
                                            it), not the body's */

/* request headers (and form fields) refused, not ignored: unsupported.c */
#define NGX_SOS_HDR_CREATE      0x0001   /* properties of a new object */
#define NGX_SOS_HDR_SSE         0x0002   /* encryption of the object */
#define NGX_SOS_HDR_SOURCE_SSE  0x0004   /* ... of a copy's source */
#define NGX_SOS_HDR_BUCKET      0x0010   /* object ownership */
#define NGX_SOS_HDR_APPEND      0x0020   /* x-amz-write-offset-bytes */
#define NGX_SOS_HDR_MP_SIZE     0x0040   /* x-amz-mp-object-size */
#define NGX_SOS_HDR_FORM        0x0080   /* checks a form does not make */

/*
 * What a row needs on the bucket, the object and a copy's source:
 * NGX_SOS_PERM_NONE (not looked up), NGX_SOS_PERM_EXISTS (looked up, any
 * caller), NGX_SOS_PERM_OWNER (the bucket's owner only), or what the ACL
 * must grant (NGX_SOS_ACL_READ, _WRITE, _READ_ACP, _WRITE_ACP).
 * ngx_sos_authz.c checks them.
 */
#define NGX_SOS_PERM_NONE       0
#define NGX_SOS_PERM_EXISTS     0x10
#define NGX_SOS_PERM_OWNER      0x20


struct ngx_sos_op_s {
    ngx_str_t                name;       /* S3's: "PutObject" */
    ngx_uint_t               level;      /* NGX_SOS_LEVEL_* served */
    ngx_uint_t               sub;        /* NGX_SOS_SUB_* selecting it */
    ngx_uint_t               methods;    /* NGX_HTTP_GET ... */
    ngx_uint_t             (*match)(ngx_http_request_t *r); /* or NULL */
    ngx_sos_op_handler_pt    handler;    /* NULL: 501 NotImplemented */
    ngx_uint_t               flags;      /* NGX_SOS_OP_* */
    ngx_uint_t               headers;    /* NGX_SOS_HDR_* refused */
    ngx_uint_t               bucket;     /* NGX_SOS_PERM_*, ACL perm */
    ngx_uint_t               object;
    ngx_uint_t               source;     /* x-amz-copy-source */
};


/* the rows, in the order the router tries them; ends with an empty name */
extern const ngx_sos_op_t  ngx_sos_ops[];


#endif /* _NGX_SOS_OP_H_INCLUDED_ */
