
/*
 * SOS: PutBucketCors, GetBucketCors, DeleteBucketCors (?cors, the bucket's
 * owner only) and the form the rules are kept in.
 *
 * A CORSConfiguration is checked as S3 checks it (MalformedXML for what
 * the schema refuses, InvalidRequest with S3's messages for a method
 * other than GET, PUT, POST, DELETE and HEAD or a second wildcard) and
 * turned into a blob of tagged fields (ngx_sos_cors.h), stored in the
 * bucket's SOS_BUCKET_CORS setting.  What may reach a response header
 * (origins, header names) is refused here when it holds a control
 * character, so the request path sends it back as it is.  GetBucketCors
 * writes the document again from the blob.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_cors.h"


#define NGX_SOS_CORS_ID_MAX     255
#define NGX_SOS_CORS_FIELD_MAX  0xffff


typedef struct {
    u_char                   tag;
    ngx_str_t                value;
} ngx_sos_cors_field_t;


typedef struct {
    ngx_http_request_t      *request;
    ngx_sos_ctx_t           *ctx;
    ngx_array_t              fields;     /* of the rule being read */
    ngx_uint_t               rules;
    u_char                  *start;      /* the blob */
    u_char                  *last;
    u_char                  *end;
    ngx_sos_err_e            err;        /* beyond MalformedXML */
} ngx_sos_cors_parse_t;


static void ngx_sos_cors_put_body(ngx_http_request_t *r);
static char *ngx_sos_cors_element(u_char tag);
static ngx_int_t ngx_sos_cors_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_int_t ngx_sos_cors_field(ngx_sos_cors_parse_t *ps, u_char tag,
    ngx_str_t *text);
static ngx_int_t ngx_sos_cors_rule_end(ngx_sos_cors_parse_t *ps);
static ngx_int_t ngx_sos_cors_emit(ngx_sos_cors_parse_t *ps, u_char tag,
    ngx_str_t *value);
static ngx_int_t ngx_sos_cors_invalid(ngx_sos_cors_parse_t *ps,
    char *fmt, ngx_str_t *value);
static ngx_uint_t ngx_sos_cors_stars(ngx_str_t *s);


/* the methods a rule may allow */
static ngx_str_t  ngx_sos_cors_methods[] = {
    ngx_string("GET"),
    ngx_string("PUT"),
    ngx_string("POST"),
    ngx_string("DELETE"),
    ngx_string("HEAD"),
    ngx_null_string
};


/* the order fields are kept and written back in: S3's */
static u_char  ngx_sos_cors_order[] = {
    NGX_SOS_CORS_HEADER, NGX_SOS_CORS_METHOD, NGX_SOS_CORS_ORIGIN,
    NGX_SOS_CORS_EXPOSE, NGX_SOS_CORS_MAX_AGE, 0
};


ngx_int_t
ngx_sos_cors_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    /* S3 wants the document protected, as DeleteObjects' */

    if (!ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Missing required header for this request: Content-MD5");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_CORS_BODY_MAX,
                             ngx_sos_cors_put_body);
}


ngx_int_t
ngx_sos_cors_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_bucket_conf_get(r, ctx, SOS_BUCKET_CORS,
                                   NGX_SOS_ERR_NO_SUCH_CORS_CONFIGURATION,
                                   ngx_sos_cors_send);
}


ngx_int_t
ngx_sos_cors_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t  none = ngx_null_string;

    return ngx_sos_bucket_conf_set(r, ctx, SOS_BUCKET_CORS, &none);
}


static void
ngx_sos_cors_put_body(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_str_t       blob;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    err = ngx_sos_cors_parse(r, ctx, &blob);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    rc = ngx_sos_bucket_conf_set(r, ctx, SOS_BUCKET_CORS, &blob);
    ngx_http_finalize_request(r, rc);
}


ngx_int_t
ngx_sos_cors_send(ngx_http_request_t *r, const sos_str_t *conf)
{
    char                *name;
    u_char               tag;
    ngx_str_t            v;
    ngx_uint_t           in_rule;
    ngx_sos_xml_out_t    x;
    ngx_sos_cors_walk_t  w;

    ngx_sos_xml_out_init(&x, r->pool, 4096);
    ngx_sos_xml_literal(&x, "<CORSConfiguration xmlns=\"" NGX_SOS_XMLNS "\">");

    ngx_sos_cors_walk(&w, conf);
    in_rule = 0;

    while ((tag = ngx_sos_cors_next(&w, &v))) {

        if (tag == NGX_SOS_CORS_RULE) {
            if (in_rule) {
                ngx_sos_xml_literal(&x, "</CORSRule>");
            }

            ngx_sos_xml_literal(&x, "<CORSRule>");
            in_rule = 1;

            if (v.len) {
                ngx_sos_xml_element(&x, "ID", v.data, v.len, 0);
            }

            continue;
        }

        name = ngx_sos_cors_element(tag);

        if (in_rule && name) {
            ngx_sos_xml_element(&x, name, v.data, v.len, 0);
        }
    }

    if (in_rule) {
        ngx_sos_xml_literal(&x, "</CORSRule>");
    }

    ngx_sos_xml_literal(&x, "</CORSConfiguration>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static char *
ngx_sos_cors_element(u_char tag)
{
    switch (tag) {

    case NGX_SOS_CORS_HEADER:
        return "AllowedHeader";

    case NGX_SOS_CORS_METHOD:
        return "AllowedMethod";

    case NGX_SOS_CORS_ORIGIN:
        return "AllowedOrigin";

    case NGX_SOS_CORS_EXPOSE:
        return "ExposeHeader";

    case NGX_SOS_CORS_MAX_AGE:
        return "MaxAgeSeconds";

    default:
        return NULL;
    }
}


/* GET, PUT, POST, DELETE or HEAD, as S3 writes them */

ngx_uint_t
ngx_sos_cors_method(ngx_str_t *name)
{
    ngx_str_t  *m;

    for (m = ngx_sos_cors_methods; m->len; m++) {
        if (name->len == m->len
            && ngx_strncmp(name->data, m->data, m->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* the stored form */

void
ngx_sos_cors_walk(ngx_sos_cors_walk_t *w, const sos_str_t *conf)
{
    w->pos = (u_char *) conf->data;
    w->end = w->pos + conf->len;

    if (conf->len < sizeof(NGX_SOS_CORS_MAGIC) - 1
        || ngx_strncmp(w->pos, NGX_SOS_CORS_MAGIC,
                       sizeof(NGX_SOS_CORS_MAGIC) - 1) != 0)
    {
        /* not ours: no rule */
        w->pos = w->end;
        return;
    }

    w->pos += sizeof(NGX_SOS_CORS_MAGIC) - 1;
}


u_char
ngx_sos_cors_next(ngx_sos_cors_walk_t *w, ngx_str_t *value)
{
    u_char  tag;
    size_t  len;

    if (w->end - w->pos < 3) {
        return 0;
    }

    tag = w->pos[0];
    len = ((size_t) w->pos[1] << 8) | w->pos[2];

    if ((size_t) (w->end - w->pos) - 3 < len || tag == 0) {
        w->pos = w->end;
        return 0;
    }

    value->data = w->pos + 3;
    value->len = len;
    w->pos += 3 + len;

    return tag;
}


/* parsing */

ngx_sos_err_e
ngx_sos_cors_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *blob)
{
    size_t                 size;
    ngx_sos_err_e          err;
    ngx_sos_cors_parse_t   ps;

    ngx_memzero(&ps, sizeof(ngx_sos_cors_parse_t));
    ps.request = r;
    ps.ctx = ctx;
    ps.err = NGX_SOS_OK;

    if (ngx_array_init(&ps.fields, r->pool, 16, sizeof(ngx_sos_cors_field_t))
        != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    /*
     * a field takes 3 bytes and its text, which took more than that in
     * the document (entities only shrink): the blob is never larger
     */

    size = sizeof(NGX_SOS_CORS_MAGIC) - 1 + ctx->body.len;

    ps.start = ngx_pnalloc(r->pool, size);
    if (ps.start == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ps.last = ngx_cpymem(ps.start, NGX_SOS_CORS_MAGIC,
                         sizeof(NGX_SOS_CORS_MAGIC) - 1);
    ps.end = ps.start + size;

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "CORSConfiguration",
                            NGX_SOS_CORS_FIELD_MAX, ngx_sos_cors_xml, &ps);

    if (ps.err != NGX_SOS_OK) {
        return ps.err;
    }

    if (err != NGX_SOS_OK) {
        return err;
    }

    if (ps.rules == 0) {
        /* the schema wants one CORSRule at least */
        return NGX_SOS_ERR_MALFORMED_XML;
    }

    blob->data = ps.start;
    blob->len = ps.last - ps.start;

    return NGX_SOS_OK;
}


static ngx_int_t
ngx_sos_cors_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_cors_parse_t *ps = data;

    u_char     tag;
    ngx_str_t  name;

    if (ngx_sos_xml_path_is(path, "CORSRule")) {

        if (text) {
            return ngx_sos_cors_rule_end(ps);
        }

        if (++ps->rules > NGX_SOS_CORS_MAX_RULES) {
            return ngx_sos_cors_invalid(ps, "The CORS configuration can not "
                                        "have more than 100 rules.", NULL);
        }

        ps->fields.nelts = 0;
        return NGX_OK;
    }

    if (path->len <= sizeof("CORSRule/") - 1
        || ngx_strncmp(path->data, "CORSRule/", sizeof("CORSRule/") - 1)
           != 0)
    {
        return NGX_DECLINED;
    }

    name.data = path->data + sizeof("CORSRule/") - 1;
    name.len = path->len - (sizeof("CORSRule/") - 1);

    if (ngx_sos_xml_path_is(&name, "ID")) {
        tag = NGX_SOS_CORS_RULE;

    } else if (ngx_sos_xml_path_is(&name, "AllowedHeader")) {
        tag = NGX_SOS_CORS_HEADER;

    } else if (ngx_sos_xml_path_is(&name, "AllowedMethod")) {
        tag = NGX_SOS_CORS_METHOD;

    } else if (ngx_sos_xml_path_is(&name, "AllowedOrigin")) {
        tag = NGX_SOS_CORS_ORIGIN;

    } else if (ngx_sos_xml_path_is(&name, "ExposeHeader")) {
        tag = NGX_SOS_CORS_EXPOSE;

    } else if (ngx_sos_xml_path_is(&name, "MaxAgeSeconds")) {
        tag = NGX_SOS_CORS_MAX_AGE;

    } else {
        return NGX_DECLINED;
    }

    if (text == NULL) {
        return NGX_OK;
    }

    return ngx_sos_cors_field(ps, tag, text);
}


/* one element of a rule, checked and kept until the rule ends */

static ngx_int_t
ngx_sos_cors_field(ngx_sos_cors_parse_t *ps, u_char tag, ngx_str_t *text)
{
    u_char                *p;
    ngx_str_t              v;
    ngx_uint_t             i, n;
    ngx_sos_cors_field_t  *f;

    v = *text;
    ngx_sos_xml_trim(&v);

    f = ps->fields.elts;

    switch (tag) {

    case NGX_SOS_CORS_RULE:
    case NGX_SOS_CORS_MAX_AGE:

        for (i = 0; i < ps->fields.nelts; i++) {
            if (f[i].tag == tag) {
                return NGX_DECLINED;             /* one of each */
            }
        }

        if (tag == NGX_SOS_CORS_MAX_AGE) {
            n = (v.len && v.len < NGX_INT32_LEN)
                ? (ngx_uint_t) ngx_atoi(v.data, v.len) : (ngx_uint_t) -1;

            if (n > NGX_MAX_INT32_VALUE) {
                return NGX_DECLINED;             /* xsd:int, not negative */
            }

            break;
        }

        for (n = 0, p = v.data; p < v.data + v.len; p++) {
            n += ((*p & 0xc0) != 0x80);          /* characters */
        }

        if (n > NGX_SOS_CORS_ID_MAX) {
            ngx_str_set(&ps->ctx->error_message, "The ID of a CORS rule can "
                        "not be longer than 255 characters.");
            ps->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            return NGX_DECLINED;
        }

        break;

    case NGX_SOS_CORS_METHOD:

        if (!ngx_sos_cors_method(&v)) {
            return ngx_sos_cors_invalid(ps, "Found unsupported HTTP method "
                                        "in CORS config. Unsupported method "
                                        "is %V", &v);
        }

        break;

    default:

        /* sent back in response headers: nothing that could end one */

        if (ngx_sos_check_value(v.data, v.len) != NGX_OK) {
            return ngx_sos_cors_invalid(ps, "A CORS rule's origin or header "
                                        "name contains a control "
                                        "character.", NULL);
        }

        if (tag == NGX_SOS_CORS_ORIGIN && ngx_sos_cors_stars(&v) > 1) {
            return ngx_sos_cors_invalid(ps, "AllowedOrigin \"%V\" can not "
                                        "have more than one wildcard.", &v);
        }

        if (tag == NGX_SOS_CORS_HEADER && ngx_sos_cors_stars(&v) > 1) {
            return ngx_sos_cors_invalid(ps, "AllowedHeader \"%V\" can not "
                                        "have more than one wildcard.", &v);
        }

        break;
    }

    f = ngx_array_push(&ps->fields);
    if (f == NULL) {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_DECLINED;
    }

    f->tag = tag;
    f->value.len = v.len;
    f->value.data = ngx_pstrdup(ps->request->pool, &v);

    if (f->value.data == NULL && v.len) {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* a whole rule: an origin and a method at least, written in S3's order */

static ngx_int_t
ngx_sos_cors_rule_end(ngx_sos_cors_parse_t *ps)
{
    u_char                *t;
    ngx_str_t              id;
    ngx_uint_t             i, origins, methods;
    ngx_sos_cors_field_t  *f;

    f = ps->fields.elts;
    origins = 0;
    methods = 0;
    ngx_str_null(&id);

    for (i = 0; i < ps->fields.nelts; i++) {
        origins += (f[i].tag == NGX_SOS_CORS_ORIGIN);
        methods += (f[i].tag == NGX_SOS_CORS_METHOD);

        if (f[i].tag == NGX_SOS_CORS_RULE) {
            id = f[i].value;
        }
    }

    if (origins == 0 || methods == 0) {
        return NGX_DECLINED;
    }

    if (ngx_sos_cors_emit(ps, NGX_SOS_CORS_RULE, &id) != NGX_OK) {
        return NGX_DECLINED;
    }

    for (t = ngx_sos_cors_order; *t; t++) {
        for (i = 0; i < ps->fields.nelts; i++) {
            if (f[i].tag == *t
                && ngx_sos_cors_emit(ps, *t, &f[i].value) != NGX_OK)
            {
                return NGX_DECLINED;
            }
        }
    }

    ps->fields.nelts = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_sos_cors_emit(ngx_sos_cors_parse_t *ps, u_char tag, ngx_str_t *value)
{
    if (value->len > NGX_SOS_CORS_FIELD_MAX
        || (size_t) (ps->end - ps->last) < 3 + value->len)
    {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_ERROR;
    }

    *ps->last++ = tag;
    *ps->last++ = (u_char) (value->len >> 8);
    *ps->last++ = (u_char) (value->len & 0xff);

    if (value->len) {
        ps->last = ngx_cpymem(ps->last, value->data, value->len);
    }

    return NGX_OK;
}


/* InvalidRequest with S3's message: NGX_DECLINED stops the parse */

static ngx_int_t
ngx_sos_cors_invalid(ngx_sos_cors_parse_t *ps, char *fmt, ngx_str_t *value)
{
    size_t   len;
    u_char  *p;

    len = ngx_strlen(fmt) + (value ? value->len : 0);

    p = ngx_pnalloc(ps->request->pool, len);
    if (p == NULL) {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_DECLINED;
    }

    ps->ctx->error_message.data = p;
    ps->ctx->error_message.len = (value ? ngx_snprintf(p, len, fmt, value)
                                        : ngx_cpymem(p, fmt, len))
                                 - p;

    ps->err = NGX_SOS_ERR_INVALID_REQUEST;

    return NGX_DECLINED;
}


static ngx_uint_t
ngx_sos_cors_stars(ngx_str_t *s)
{
    size_t      i;
    ngx_uint_t  n;

    for (n = 0, i = 0; i < s->len; i++) {
        n += (s->data[i] == '*');
    }

    return n;
}
