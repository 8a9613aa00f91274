
/*
 * SOS: Signature Version 2, in the Authorization header ("AWS
 * AKID:signature") and in the query (AWSAccessKeyId, Expires,
 * Signature).
 *
 * The string to sign is the method, Content-MD5, Content-Type, the date
 * (the Date header, empty when x-amz-date is sent, or Expires), the
 * x-amz-* headers sorted and the resource: the path as received, the
 * bucket first for a virtual-hosted request, then the sub-resources of
 * the query, sorted, their values decoded.  A bucket's path-style
 * resource also verifies signed as "/bucket/": SDKs (botocore's
 * HmacV1QueryAuth) sign the virtual-hosted form of a bucket request and
 * send it path-style.
 */


#include "ngx_sos_auth.h"
#include <sosproto/sigv4.h>


typedef struct {
    ngx_str_t  name;                     /* lower case */
    ngx_str_t  value;
} ngx_sos_auth_kv_t;


static ngx_sos_err_e ngx_sos_auth_v2_verify(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *akid, ngx_str_t *sig, ngx_str_t *date,
    ngx_uint_t presigned);
static ngx_int_t ngx_sos_auth_v2_check(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, const sos_key_t *key, ngx_str_t *date,
    ngx_str_t *sig, ngx_uint_t slash, ngx_str_t *sts);
static ngx_int_t ngx_sos_auth_v2_string_to_sign(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *date, ngx_uint_t slash, ngx_str_t *sts);
static ngx_int_t ngx_sos_auth_v2_amz_headers(ngx_http_request_t *r,
    ngx_array_t *amz, size_t *len);
static ngx_int_t ngx_sos_auth_v2_sub_resources(ngx_http_request_t *r,
    ngx_array_t *sub, size_t *len);
static ngx_uint_t ngx_sos_auth_v2_is_sub_resource(u_char *name, size_t len);
static int ngx_sos_auth_v2_cmp(const void *one, const void *two);


/* S3's sub-resources that SigV2 signs, sorted */
static ngx_str_t  ngx_sos_auth_v2_sub[] = {
    ngx_string("accelerate"),
    ngx_string("acl"),
    ngx_string("analytics"),
    ngx_string("cors"),
    ngx_string("delete"),
    ngx_string("encryption"),
    ngx_string("inventory"),
    ngx_string("legal-hold"),
    ngx_string("lifecycle"),
    ngx_string("location"),
    ngx_string("logging"),
    ngx_string("metrics"),
    ngx_string("notification"),
    ngx_string("object-lock"),
    ngx_string("partNumber"),
    ngx_string("policy"),
    ngx_string("publicAccessBlock"),
    ngx_string("replication"),
    ngx_string("requestPayment"),
    ngx_string("response-cache-control"),
    ngx_string("response-content-disposition"),
    ngx_string("response-content-encoding"),
    ngx_string("response-content-language"),
    ngx_string("response-content-type"),
    ngx_string("response-expires"),
    ngx_string("restore"),
    ngx_string("retention"),
    ngx_string("select"),
    ngx_string("select-type"),
    ngx_string("tagging"),
    ngx_string("torrent"),
    ngx_string("uploadId"),
    ngx_string("uploads"),
    ngx_string("versionId"),
    ngx_string("versioning"),
    ngx_string("versions"),
    ngx_string("website"),
    ngx_null_string
};


/* Authorization: AWS AKID:signature, the time in x-amz-date or Date */

ngx_sos_err_e
ngx_sos_auth_v2_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *value)
{
    u_char           *p, *e, *colon;
    time_t            t;
    ngx_str_t         akid, sig, date;
    ngx_table_elt_t  *h, *xdate;

    p = value->data + sizeof("AWS ") - 1;
    e = value->data + value->len;

    while (p < e && *p == ' ') {
        p++;
    }

    colon = ngx_strlchr(p, e, ':');

    if (colon == NULL || colon == p || colon + 1 == e) {
        return ngx_sos_auth_bad_header(r, ctx, value,
                                       "AWS authorization header is "
                                       "invalid.  Expected "
                                       "AwsAccessKeyId:signature");
    }

    akid.data = p;
    akid.len = colon - p;
    sig.data = colon + 1;
    sig.len = e - sig.data;

    while (sig.len && sig.data[sig.len - 1] == ' ') {
        sig.len--;
    }

    xdate = ngx_sos_header_find(r, "x-amz-date");
    h = xdate ? xdate : r->headers_in.date;

    t = h ? ngx_parse_http_time(h->value.data, h->value.len) : NGX_ERROR;

    if (t == NGX_ERROR) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                 "AWS authentication requires a valid "
                                 "Date or x-amz-date header");
    }

    if (t < ngx_time() - NGX_SOS_AUTH_SKEW
        || t > ngx_time() + NGX_SOS_AUTH_SKEW)
    {
        return ngx_sos_auth_time_error(r, ctx,
                                       NGX_SOS_ERR_REQUEST_TIME_TOO_SKEWED,
                                       NULL, "RequestTime", h->value.data,
                                       h->value.len, 0, 0);
    }

    /* with x-amz-date the Date line is empty: x-amz-date is signed */

    if (xdate || r->headers_in.date == NULL) {
        ngx_str_null(&date);

    } else {
        date = r->headers_in.date->value;
    }

    return ngx_sos_auth_v2_verify(r, ctx, &akid, &sig, &date, 0);
}


/* ?AWSAccessKeyId=...&Expires=...&Signature=... */

ngx_sos_err_e
ngx_sos_auth_v2_query(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_auth_query_t *q)
{
    ngx_int_t  expiry;
    ngx_str_t  akid, sig;

    if (q->v2_key.len == 0 || q->v2_signature.len == 0
        || q->v2_expires.len == 0)
    {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                 "Query-string authentication requires "
                                 "the Signature, Expires and "
                                 "AWSAccessKeyId parameters");
    }

    if (ngx_sos_uri_decode(r, q->v2_key.data, q->v2_key.len, &akid)
        != NGX_OK
        || ngx_sos_uri_decode(r, q->v2_signature.data, q->v2_signature.len,
                              &sig)
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    expiry = ngx_atoi(q->v2_expires.data, q->v2_expires.len);

    if (expiry == NGX_ERROR || ngx_time() > expiry) {
        return ngx_sos_auth_time_error(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                       "Request has expired", NULL, NULL, 0,
                                       expiry == NGX_ERROR ? 0 : expiry, 1);
    }

    /* Expires, as sent, takes the place of the date */

    return ngx_sos_auth_v2_verify(r, ctx, &akid, &sig, &q->v2_expires, 1);
}


void
ngx_sos_auth_v2_sign(const sos_key_t *key, u_char *data, size_t len,
    ngx_str_t *sig)
{
    u_char     mac[20];
    ngx_str_t  raw;

    sos_sigv4_hmac_sha1(mac, key->secret, ngx_strlen(key->secret), data,
                        len);

    raw.data = mac;
    raw.len = sizeof(mac);

    ngx_encode_base64(sig, &raw);
}


static ngx_sos_err_e
ngx_sos_auth_v2_verify(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *akid, ngx_str_t *sig, ngx_str_t *date, ngx_uint_t presigned)
{
    ngx_int_t         rc;
    ngx_str_t         sts, path, other;
    ngx_table_elt_t  *h;
    const sos_key_t  *key;

    key = ngx_sos_auth_key(r, ctx, akid);
    if (key == NULL) {
        return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
    }

    rc = ngx_sos_auth_v2_check(r, ctx, key, date, sig, 0, &sts);

    /* a path-style bucket request signed as "/bucket/" */

    ngx_sos_auth_path(r, &path);

    if (rc == NGX_DECLINED && ctx->bucket.len && ctx->key.len == 0
        && !ctx->virtual_host && path.len && path.data[path.len - 1] != '/')
    {
        rc = ngx_sos_auth_v2_check(r, ctx, key, date, sig, 1, &other);
    }

    if (rc == NGX_ERROR) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "sos: SigV2 signature mismatch for key \"%V\"", akid);

        if (ngx_sos_error_element(r, ctx, "AWSAccessKeyId", akid->data,
                                  akid->len) != NGX_OK
            || ngx_sos_error_element(r, ctx, "StringToSign", sts.data, sts.len)
               != NGX_OK
            || ngx_sos_error_element(r, ctx, "SignatureProvided", sig->data,
                                     sig->len) != NGX_OK
            || ngx_sos_auth_extra_bytes(r, ctx, "StringToSignBytes",
                                        sts.data, sts.len) != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
    }

    ngx_sos_auth_set_key(ctx, key);
    ctx->auth.sigv2 = 1;
    ctx->auth.presigned = presigned;

    h = ngx_sos_header_find(r, "x-amz-content-sha256");
    if (h) {
        return ngx_sos_auth_payload(r, ctx, &h->value, 0);
    }

    return NGX_SOS_OK;
}


/* NGX_OK when sig signs the string to sign, NGX_DECLINED when not */

static ngx_int_t
ngx_sos_auth_v2_check(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    const sos_key_t *key, ngx_str_t *date, ngx_str_t *sig, ngx_uint_t slash,
    ngx_str_t *sts)
{
    u_char     b64[32];
    ngx_str_t  computed;

    if (ngx_sos_auth_v2_string_to_sign(r, ctx, date, slash, sts) != NGX_OK) {
        return NGX_ERROR;
    }

    computed.data = b64;
    ngx_sos_auth_v2_sign(key, sts->data, sts->len, &computed);

    return ngx_sos_auth_match(computed.data, computed.len, sig)
           ? NGX_OK : NGX_DECLINED;
}


/* slash: a '/' after the path (a bucket's resource as "/bucket/") */

static ngx_int_t
ngx_sos_auth_v2_string_to_sign(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *date, ngx_uint_t slash, ngx_str_t *sts)
{
    u_char             *p;
    size_t              len;
    ngx_str_t           md5, type, path;
    ngx_uint_t          i;
    ngx_array_t         amz, sub;
    ngx_table_elt_t    *h;
    ngx_sos_auth_kv_t  *a, *s;

    h = ngx_sos_header_find(r, "content-md5");
    if (h) {
        md5 = h->value;

    } else {
        ngx_str_null(&md5);
    }

    if (r->headers_in.content_type) {
        type = r->headers_in.content_type->value;

    } else {
        ngx_str_null(&type);
    }

    len = 0;

    if (ngx_sos_auth_v2_amz_headers(r, &amz, &len) != NGX_OK
        || ngx_sos_auth_v2_sub_resources(r, &sub, &len) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_sos_auth_path(r, &path);

    len += r->method_name.len + md5.len + type.len + date->len + 4
           + path.len + 2 + (ctx->virtual_host ? ctx->bucket.len + 1 : 0);

    sts->data = ngx_pnalloc(r->pool, len);
    if (sts->data == NULL) {
        return NGX_ERROR;
    }

    /* empty strings may have NULL data: no memcpy() from NULL */

    p = ngx_cpymem(sts->data, r->method_name.data, r->method_name.len);
    *p++ = '\n';
    p = md5.len ? ngx_cpymem(p, md5.data, md5.len) : p;
    *p++ = '\n';
    p = type.len ? ngx_cpymem(p, type.data, type.len) : p;
    *p++ = '\n';
    p = date->len ? ngx_cpymem(p, date->data, date->len) : p;
    *p++ = '\n';

    /* x-amz-* headers, sorted, values of a repeated name joined by ',' */

    a = amz.elts;

    for (i = 0; i < amz.nelts; i++) {
        if (i && a[i].name.len == a[i - 1].name.len
            && ngx_strncmp(a[i].name.data, a[i - 1].name.data,
                           a[i].name.len) == 0)
        {
            p[-1] = ',';

        } else {
            p = ngx_cpymem(p, a[i].name.data, a[i].name.len);
            *p++ = ':';
        }

        p += ngx_sos_auth_header_value(p, &a[i].value);
        *p++ = '\n';
    }

    /* the resource */

    if (ctx->virtual_host) {
        *p++ = '/';
        p = ngx_cpymem(p, ctx->bucket.data, ctx->bucket.len);
    }

    p = ngx_cpymem(p, path.data, path.len);

    if ((path.len == 0 && !ctx->virtual_host) || slash) {
        *p++ = '/';
    }

    s = sub.elts;

    for (i = 0; i < sub.nelts; i++) {
        *p++ = i ? '&' : '?';
        p = ngx_cpymem(p, s[i].name.data, s[i].name.len);

        if (s[i].value.data) {
            *p++ = '=';
            p = ngx_cpymem(p, s[i].value.data, s[i].value.len);
        }
    }

    sts->len = p - sts->data;

    return NGX_OK;
}


/* the x-amz-* headers, sorted by name (stable); *len grows by their size */

static ngx_int_t
ngx_sos_auth_v2_amz_headers(ngx_http_request_t *r, ngx_array_t *amz,
    size_t *len)
{
    size_t              i, j;
    ngx_uint_t          k;
    ngx_list_part_t    *part;
    ngx_table_elt_t    *h;
    ngx_sos_auth_kv_t  *a, tmp;

    if (ngx_array_init(amz, r->pool, 8, sizeof(ngx_sos_auth_kv_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (k = 0; /* void */ ; k++) {

        if (k >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            k = 0;
        }

        if (h[k].key.len > sizeof("x-amz-") - 1
            && ngx_strncmp(h[k].lowcase_key, "x-amz-",
                           sizeof("x-amz-") - 1) == 0)
        {
            a = ngx_array_push(amz);
            if (a == NULL) {
                return NGX_ERROR;
            }

            a->name.data = h[k].lowcase_key;
            a->name.len = h[k].key.len;
            a->value = h[k].value;

            *len += h[k].key.len + h[k].value.len + 2;
        }
    }

    /* stable order for repeated names: insertion sort by name only */

    a = amz->elts;

    for (i = 1; i < amz->nelts; i++) {
        tmp = a[i];

        for (j = i; j > 0 && ngx_sos_auth_v2_cmp(&a[j - 1], &tmp) > 0; j--) {
            a[j] = a[j - 1];
        }

        a[j] = tmp;
    }

    return NGX_OK;
}


/* the sub-resources of the query, values decoded, sorted by name */

static ngx_int_t
ngx_sos_auth_v2_sub_resources(ngx_http_request_t *r, ngx_array_t *sub,
    size_t *len)
{
    u_char             *p, *end;
    ngx_str_t           name, value;
    ngx_sos_auth_kv_t  *kv;

    if (ngx_array_init(sub, r->pool, 4, sizeof(ngx_sos_auth_kv_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &name, &value);

        if (name.len && ngx_sos_auth_v2_is_sub_resource(name.data, name.len))
        {
            kv = ngx_array_push(sub);
            if (kv == NULL) {
                return NGX_ERROR;
            }

            kv->name = name;

            if (value.data) {
                if (ngx_sos_uri_decode(r, value.data, value.len, &kv->value)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

            } else {
                ngx_str_null(&kv->value);
            }

            *len += name.len + kv->value.len + 2;
        }
    }

    if (sub->nelts > 1) {
        ngx_qsort(sub->elts, sub->nelts, sizeof(ngx_sos_auth_kv_t),
                  ngx_sos_auth_v2_cmp);
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_sos_auth_v2_is_sub_resource(u_char *name, size_t len)
{
    ngx_str_t  *s;

    for (s = ngx_sos_auth_v2_sub; s->len; s++) {
        if (s->len == len && ngx_strncmp(s->data, name, len) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
ngx_sos_auth_v2_cmp(const void *one, const void *two)
{
    int                       rc;
    const ngx_sos_auth_kv_t  *a = one, *b = two;

    rc = ngx_memcmp(a->name.data, b->name.data,
                    ngx_min(a->name.len, b->name.len));

    if (rc == 0 && a->name.len != b->name.len) {
        rc = a->name.len < b->name.len ? -1 : 1;
    }

    return rc;
}
