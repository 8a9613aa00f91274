
/*
 * SOS: request routing.
 *
 * The bucket comes from the Host header (virtual-hosted style,
 * "bucket.<sos_domain>") or from the first path segment (path style); the
 * key is the rest of the path exactly as the client encoded it, with only
 * %XX decoded.  nginx's normalised r->uri is not used: S3 keys may hold
 * "//", "../" and "+", which must reach the store unchanged.  The level
 * (service, bucket, object), the query sub-resources and the method then
 * select one row of the operation table (ngx_sos_op.c).
 */


#include "ngx_sos_op.h"


static ngx_uint_t ngx_sos_route_query(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
static ngx_sos_err_e ngx_sos_route_op(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_uint_t sub);
static ngx_sos_err_e ngx_sos_route_not_allowed(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_uint_t level);
static ngx_uint_t ngx_sos_route_version_ok(ngx_str_t *v);
static ngx_uint_t ngx_sos_route_host_differs(ngx_str_t *server,
    ngx_str_t *header);


/*
 * S3 sub-resources SOS does not serve yet: a request naming one is
 * answered 501 rather than mistaken for a plain object or bucket request.
 * Other query parameters (prefix, x-id, response-*, X-Amz-*, ...) are
 * arguments of an operation and do not change the routing.
 */

static ngx_str_t  ngx_sos_route_unserved[] = {
    ngx_string("accelerate"),
    ngx_string("analytics"),
    ngx_string("encryption"),
    ngx_string("intelligent-tiering"),
    ngx_string("inventory"),
    ngx_string("logging"),
    ngx_string("metadataConfiguration"),
    ngx_string("metadataTable"),
    ngx_string("metrics"),
    ngx_string("notification"),
    ngx_string("ownershipControls"),
    ngx_string("policy"),
    ngx_string("policyStatus"),
    ngx_string("publicAccessBlock"),
    ngx_string("renameObject"),
    ngx_string("replication"),
    ngx_string("requestPayment"),
    ngx_string("restore"),
    ngx_string("select"),
    ngx_string("session"),
    ngx_string("torrent"),
    ngx_null_string
};


/*
 * Virtual-hosted style: 1 and the bucket when the Host is
 * "bucket.<domain>" of a sos_domain (port already stripped), else 0.
 * The admin API refuses such a request: its path is a key of that
 * bucket, whatever location nginx matched it to.
 */

ngx_uint_t
ngx_sos_route_virtual_host(ngx_http_request_t *r, ngx_str_t *bucket)
{
    size_t                len;
    ngx_str_t            *domain, host;
    ngx_uint_t            i;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    host = r->headers_in.server;

    if (smcf->domains == NULL || host.len == 0) {
        return 0;
    }

    domain = smcf->domains->elts;

    for (i = 0; i < smcf->domains->nelts; i++) {
        if (host.len <= domain[i].len + 1) {
            continue;
        }

        len = host.len - domain[i].len;

        if (host.data[len - 1] != '.'
            || ngx_strncasecmp(host.data + len, domain[i].data, domain[i].len)
               != 0)
        {
            continue;
        }

        bucket->len = len - 1;
        bucket->data = host.data;

        return 1;
    }

    return 0;
}


ngx_sos_err_e
ngx_sos_route(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char         *p, *end, *slash;
    ngx_uint_t      sub;
    ngx_sos_err_e   err;

    /* the path as received: the request target up to the query */

    p = r->unparsed_uri.data;
    end = p + r->unparsed_uri.len;

    if (p == NULL || p == end || *p != '/') {
        ngx_str_set(&ctx->error_message, "Invalid URI.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    slash = ngx_strlchr(p, end, '?');
    if (slash) {
        end = slash;
    }

    p++;

    /*
     * an absolute request target ("GET http://other.s3.example.com/k")
     * names the host nginx serves, but SigV4 signs the Host header: the
     * two must agree, else a signature made for one virtual-hosted bucket
     * would act on another
     */

    if (r->host_start && r->headers_in.host
        && ngx_sos_route_host_differs(&r->headers_in.server,
                                      &r->headers_in.host->value))
    {
        ngx_str_set(&ctx->error_message, "The host of the request target "
                    "is not the one in the Host header.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    ctx->virtual_host = ngx_sos_route_virtual_host(r, &ctx->bucket);

    if (!ctx->virtual_host) {
        slash = ngx_strlchr(p, end, '/');

        if (ngx_sos_uri_decode(r, p, (slash ? slash : end) - p,
                                 &ctx->bucket)
            != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        p = slash ? slash + 1 : end;

        if (ctx->bucket.len == 0 && p != end) {
            return NGX_SOS_ERR_INVALID_BUCKET_NAME;
        }
    }

    if (ngx_sos_uri_decode(r, p, end - p, &ctx->key) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (ctx->key.len > SOS_MAX_KEY_LEN) {
        return ngx_sos_error_too_large(r, ctx, NGX_SOS_ERR_KEY_TOO_LONG,
                                       ctx->key.len, SOS_MAX_KEY_LEN);
    }

    sub = ngx_sos_route_query(r, ctx);

    if (sub == (ngx_uint_t) NGX_ERROR) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    err = ngx_sos_route_op(r, ctx, sub);
    if (err != NGX_SOS_OK) {
        return err;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "sos operation: %V", &ctx->op->name);

    /*
     * a key that no request could name again, or that no XML listing
     * could show; DeleteObject takes any key the store may hold, so an
     * object written before this check can still be removed
     */

    if (ctx->key.len && !(ctx->op->flags & NGX_SOS_OP_ANY_KEY)
        && ngx_sos_check_key(ctx->key.data, ctx->key.len) != NGX_OK)
    {
        ngx_str_set(&ctx->error_message,
                    "Object key is not valid UTF-8 or contains a control "
                    "character other than tab, line feed and carriage "
                    "return.");
        return NGX_SOS_ERR_INVALID_URI;
    }

    if (ctx->version_id.data && !ngx_sos_route_version_ok(&ctx->version_id))
    {
        ngx_str_set(&ctx->error_message, "Invalid version id specified");
        ngx_str_set(&ctx->error_extra,
                    "<ArgumentName>versionId</ArgumentName>");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    return NGX_SOS_OK;
}


/*
 * A versionId a store could have given: AWS documents version IDs as
 * URL-ready strings of at most 1,024 bytes ("Retaining multiple versions
 * of objects with S3 Versioning"), and answers 400 InvalidArgument to
 * one that cannot be (empty, a control character or a space).
 */

static ngx_uint_t
ngx_sos_route_version_ok(ngx_str_t *v)
{
    size_t  i;

    if (v->len == 0 || v->len > 1024) {
        return 0;
    }

    for (i = 0; i < v->len; i++) {
        if (v->data[i] <= 0x20 || v->data[i] >= 0x7f) {
            return 0;
        }
    }

    return 1;
}


/*
 * The Host header is nginx's server name (lower case, without port or
 * final dot) unless, past that name, it holds more than "." and ":port".
 */

static ngx_uint_t
ngx_sos_route_host_differs(ngx_str_t *server, ngx_str_t *header)
{
    u_char  *p, *end;

    if (header->len < server->len
        || ngx_strncasecmp(header->data, server->data, server->len) != 0)
    {
        return 1;
    }

    p = header->data + server->len;
    end = header->data + header->len;

    if (p < end && *p == '.') {
        p++;
    }

    if (p < end && *p == ':') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) { /* void */ }
    }

    return p != end;
}


static ngx_uint_t
ngx_sos_route_query(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char     *p, *end;
    ngx_str_t   name, value, *s;
    ngx_uint_t  sub;

    sub = 0;

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &name, &value);

#define ngx_sos_arg_is(s)                                                     \
    (name.len == sizeof(s) - 1 && ngx_strncmp(name.data, s, name.len) == 0)

        if (ngx_sos_arg_is("location")) {
            sub |= NGX_SOS_SUB_LOCATION;

        } else if (ngx_sos_arg_is("acl")) {
            sub |= NGX_SOS_SUB_ACL;

        } else if (ngx_sos_arg_is("versioning")) {
            sub |= NGX_SOS_SUB_VERSIONING;

        } else if (ngx_sos_arg_is("versions")) {
            sub |= NGX_SOS_SUB_VERSIONS;

        } else if (ngx_sos_arg_is("delete")) {
            sub |= NGX_SOS_SUB_DELETE;

        } else if (ngx_sos_arg_is("cors")) {
            sub |= NGX_SOS_SUB_CORS;
        } else if (ngx_sos_arg_is("website")) {
            sub |= NGX_SOS_SUB_WEBSITE;

        } else if (ngx_sos_arg_is("lifecycle")) {
            sub |= NGX_SOS_SUB_LIFECYCLE;

        } else if (ngx_sos_arg_is("tagging")) {
            sub |= NGX_SOS_SUB_TAGGING;

        } else if (ngx_sos_arg_is("object-lock")) {
            sub |= NGX_SOS_SUB_OBJECT_LOCK;

        } else if (ngx_sos_arg_is("retention")) {
            sub |= NGX_SOS_SUB_RETENTION;

        } else if (ngx_sos_arg_is("legal-hold")) {
            sub |= NGX_SOS_SUB_LEGAL_HOLD;

        } else if (ngx_sos_arg_is("attributes")) {
            sub |= NGX_SOS_SUB_ATTRIBUTES;

        } else if (ngx_sos_arg_is("uploads")) {
            sub |= NGX_SOS_SUB_UPLOADS;

        } else if (ngx_sos_arg_is("uploadId")) {
            sub |= NGX_SOS_SUB_UPLOAD_ID;

        } else if (ngx_sos_arg_is("versionId")) {
            if (ngx_sos_uri_decode(r, value.data, value.len,
                                     &ctx->version_id)
                != NGX_OK)
            {
                return (ngx_uint_t) NGX_ERROR;
            }

            if (ctx->version_id.data == NULL) {
                ctx->version_id.data = (u_char *) "";
            }

        } else {
            for (s = ngx_sos_route_unserved; s->len; s++) {
                if (name.len == s->len
                    && ngx_strncmp(name.data, s->data, s->len) == 0)
                {
                    sub |= NGX_SOS_SUB_OTHER;
                    break;
                }
            }
        }

#undef ngx_sos_arg_is
    }

    return sub;
}


/*
 * The row: of the request's level, selected by the first sub-resource
 * that level knows (or by none), with the method and the match function
 * agreeing.  None: 405.
 */

static ngx_sos_err_e
ngx_sos_route_op(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, ngx_uint_t sub)
{
    ngx_uint_t           level, known;
    const ngx_sos_op_t  *op;

    if (ctx->bucket.len == 0) {
        level = NGX_SOS_LEVEL_SERVICE;

    } else {
        level = ctx->key.len ? NGX_SOS_LEVEL_OBJECT : NGX_SOS_LEVEL_BUCKET;
    }

    if (r->method == NGX_HTTP_OPTIONS) {
        /* a preflight names the URL it asks about, query and all */
        sub = 0;
    }

    known = 0;

    for (op = ngx_sos_ops; op->name.len; op++) {
        if (op->level & level) {
            known |= op->sub;
        }
    }

    sub &= known;
    sub &= ~sub + 1;                     /* the lowest bit: it comes first */

    for (op = ngx_sos_ops; op->name.len; op++) {
        if ((op->level & level) && op->sub == sub
            && (op->methods & r->method)
            && (op->match == NULL || op->match(r)))
        {
            ctx->op = op;
            return NGX_SOS_OK;
        }
    }

    return ngx_sos_route_not_allowed(r, ctx, level);
}


static ngx_sos_err_e
ngx_sos_route_not_allowed(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_uint_t level)
{
    char  *type;

    switch (level) {

    case NGX_SOS_LEVEL_SERVICE:
        type = "SERVICE";
        break;

    case NGX_SOS_LEVEL_BUCKET:
        type = "BUCKET";
        break;

    default:
        type = "OBJECT";
        break;
    }

    if (ngx_sos_error_element(r, ctx, "Method", r->method_name.data,
                              r->method_name.len)
        != NGX_OK
        || ngx_sos_error_element(r, ctx, "ResourceType", (u_char *) type,
                                 ngx_strlen(type))
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_METHOD_NOT_ALLOWED;
}
