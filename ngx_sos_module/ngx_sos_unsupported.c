
/*
 * SOS: request headers (and POST form fields) that ask for something SOS
 * does not do.  Ignoring them would tell the client a guarantee holds
 * that does not: a backup "locked" against deletion, an object
 * "encrypted", "archived".  One table says, for each, on which
 * operations it counts and which values ask for nothing missing; any
 * other value of S3's is answered 501 NotImplemented, naming the header,
 * and a value S3 does not know gets S3's 400.
 *
 * The check runs once auth is done and before any body is read, so a
 * refused client never gets "100 Continue".  docs/clients.md lists every
 * x-amz-* header and what SOS does with it.
 */


#include "ngx_sos_op.h"


/*
 * Each entry counts on the operations whose row (ngx_sos_op.c) names its
 * group: NGX_SOS_HDR_CREATE on the writes that create an object, and
 * with it its properties; NGX_SOS_HDR_SSE on every request on an
 * object's bytes (SSE-C keys come with each).
 */

typedef struct {
    ngx_str_t                name;       /* lower case */
    ngx_uint_t               prefix;     /* name is a prefix */
    ngx_uint_t               group;      /* NGX_SOS_HDR_* */
    ngx_str_t               *accepted;   /* values that ask for nothing */
    ngx_str_t               *known;      /* S3's others; NULL: any is 501 */
    ngx_sos_err_e            unknown;    /* a value in neither list */
    char                    *unknown_msg;
} ngx_sos_unsupported_t;


static ngx_uint_t ngx_sos_unsupported_in(ngx_str_t *list, ngx_str_t *value);
static ngx_sos_err_e ngx_sos_unsupported_refuse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *name, ngx_uint_t header);


/* objects are kept as they are written, on the replicas configured */

static ngx_str_t  ngx_sos_unsupported_standard[] = {
    ngx_string("STANDARD"),
    ngx_null_string
};

static ngx_str_t  ngx_sos_unsupported_classes[] = {
    ngx_string("REDUCED_REDUNDANCY"),
    ngx_string("STANDARD_IA"),
    ngx_string("ONEZONE_IA"),
    ngx_string("INTELLIGENT_TIERING"),
    ngx_string("GLACIER"),
    ngx_string("DEEP_ARCHIVE"),
    ngx_string("OUTPOSTS"),
    ngx_string("GLACIER_IR"),
    ngx_string("SNOW"),
    ngx_string("EXPRESS_ONEZONE"),
    ngx_string("FSX_OPENZFS"),
    ngx_null_string
};

/* ACLs are on and the writer owns the object: ObjectWriter */

static ngx_str_t  ngx_sos_unsupported_writer[] = {
    ngx_string("ObjectWriter"),
    ngx_null_string
};

static ngx_str_t  ngx_sos_unsupported_ownerships[] = {
    ngx_string("BucketOwnerPreferred"),
    ngx_string("BucketOwnerEnforced"),
    ngx_null_string
};


static ngx_sos_unsupported_t  ngx_sos_unsupported[] = {

    /* encryption at rest: SSE-S3, SSE-KMS, DSSE-KMS, SSE-C */

    { ngx_string("x-amz-server-side-encryption"), 1,
      NGX_SOS_HDR_SSE,
      NULL, NULL, 0, NULL },

    { ngx_string("x-amz-copy-source-server-side-encryption"), 1,
      NGX_SOS_HDR_SOURCE_SSE,
      NULL, NULL, 0, NULL },

    { ngx_string("x-amz-storage-class"), 0,
      NGX_SOS_HDR_CREATE,
      ngx_sos_unsupported_standard, ngx_sos_unsupported_classes,
      NGX_SOS_ERR_INVALID_STORAGE_CLASS, NULL },

    { ngx_string("x-amz-object-ownership"), 0,
      NGX_SOS_HDR_BUCKET,
      ngx_sos_unsupported_writer, ngx_sos_unsupported_ownerships,
      NGX_SOS_ERR_INVALID_ARGUMENT, "Invalid x-amz-object-ownership." },

    /* appends: ignored, the write would replace the object */

    { ngx_string("x-amz-write-offset-bytes"), 0,
      NGX_SOS_HDR_APPEND,
      NULL, NULL, 0, NULL },

    /* the size CompleteMultipartUpload should check */

    { ngx_string("x-amz-mp-object-size"), 0,
      NGX_SOS_HDR_MP_SIZE,
      NULL, NULL, 0, NULL },

    /* integrity checks a form upload does not make (PutObject does) */

    { ngx_string("x-amz-checksum-"), 1,
      NGX_SOS_HDR_FORM,
      NULL, NULL, 0, NULL },

    { ngx_string("content-md5"), 0,
      NGX_SOS_HDR_FORM,
      NULL, NULL, 0, NULL },

    { ngx_null_string, 0, 0, NULL, NULL, 0, NULL }
};


ngx_sos_err_e
ngx_sos_unsupported_headers(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;
    ngx_sos_err_e     err;
    ngx_str_t         name;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        name.data = h[i].lowcase_key;
        name.len = h[i].key.len;

        err = ngx_sos_unsupported_check(r, ctx, &name, &h[i].value, 1);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    return NGX_SOS_OK;
}


ngx_sos_err_e
ngx_sos_unsupported_check(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *name, ngx_str_t *value, ngx_uint_t header)
{
    ngx_sos_unsupported_t  *u;

    for (u = ngx_sos_unsupported; u->name.len; u++) {

        if (!(u->group & ctx->op->headers)
            || name->len < u->name.len
            || (!u->prefix && name->len != u->name.len)
            || ngx_strncmp(name->data, u->name.data, u->name.len) != 0)
        {
            continue;
        }

        if (u->accepted && ngx_sos_unsupported_in(u->accepted, value)) {
            return NGX_SOS_OK;
        }

        if (u->known == NULL || ngx_sos_unsupported_in(u->known, value)) {
            return ngx_sos_unsupported_refuse(r, ctx, name, header);
        }

        ctx->error_message.data = (u_char *) u->unknown_msg;
        ctx->error_message.len = u->unknown_msg
                                 ? ngx_strlen(u->unknown_msg) : 0;

        return u->unknown;
    }

    return NGX_SOS_OK;
}


static ngx_uint_t
ngx_sos_unsupported_in(ngx_str_t *list, ngx_str_t *value)
{
    for ( /* void */ ; list->data; list++) {
        if (value->len == list->len
            && ngx_strncasecmp(value->data, list->data, list->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* 501 as S3 sends it for a header: the message and <Header> name it */

static ngx_sos_err_e
ngx_sos_unsupported_refuse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *name, ngx_uint_t header)
{
    u_char  *p;
    size_t   len;

    len = sizeof("A form field you provided implies functionality that is "
                 "not implemented: .") - 1
          + name->len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = p;
    ctx->error_message.len = ngx_sprintf(p, "A %s you provided implies "
                                         "functionality that is not "
                                         "implemented: %V.",
                                         header ? "header" : "form field",
                                         name)
                             - p;

    if (header
        && ngx_sos_error_element(r, ctx, "Header", name->data, name->len)
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_NOT_IMPLEMENTED;
}
