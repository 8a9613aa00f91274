
/*
 * SOS: who sent the request.
 *
 * SigV4 in the Authorization header and in the query (presigned URLs,
 * ngx_sos_auth_v4.c), SigV2 in both forms (ngx_sos_auth_v2.c), or nobody
 * (anonymous).  Everything runs in the event loop from the request
 * headers and the key table in memory.  This file holds the entry, what
 * both versions share (the credential and its scope, the key, its
 * signing key, the time checks, the error details) and what POST
 * Object's form signature takes from them.
 */


#include "ngx_sos_auth.h"

#include <openssl/crypto.h>


/* an authentication argument of the query */

typedef struct {
    ngx_str_t            name;
    size_t               offset;         /* in ngx_sos_auth_query_t */
    unsigned             v4:1;           /* says "SigV4" */
    unsigned             v2:1;           /* says "SigV2" */
} ngx_sos_auth_arg_t;


static void ngx_sos_auth_scan_query(ngx_http_request_t *r,
    ngx_sos_auth_query_t *q);


/* the query arguments of authentication, matched in their exact case */

static ngx_sos_auth_arg_t  ngx_sos_auth_args[] = {
    { ngx_string("X-Amz-Algorithm"),
      offsetof(ngx_sos_auth_query_t, algorithm), 1, 0 },
    { ngx_string("X-Amz-Credential"),
      offsetof(ngx_sos_auth_query_t, credential), 0, 0 },
    { ngx_string("X-Amz-Date"),
      offsetof(ngx_sos_auth_query_t, date), 0, 0 },
    { ngx_string("X-Amz-Expires"),
      offsetof(ngx_sos_auth_query_t, expires), 0, 0 },
    { ngx_string("X-Amz-SignedHeaders"),
      offsetof(ngx_sos_auth_query_t, signed_headers), 0, 0 },
    { ngx_string("X-Amz-Signature"),
      offsetof(ngx_sos_auth_query_t, signature), 0, 0 },
    { ngx_string("AWSAccessKeyId"),
      offsetof(ngx_sos_auth_query_t, v2_key), 0, 1 },
    { ngx_string("Signature"),
      offsetof(ngx_sos_auth_query_t, v2_signature), 0, 1 },
    { ngx_string("Expires"),
      offsetof(ngx_sos_auth_query_t, v2_expires), 0, 0 },
    { ngx_null_string, 0, 0, 0 }
};


ngx_sos_err_e
ngx_sos_auth(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t              *value;
    ngx_table_elt_t        *h;
    ngx_sos_auth_query_t    q;

    ngx_memzero(&ctx->auth, sizeof(ngx_sos_auth_t));
    ctx->auth.payload_mode = NGX_SOS_PAYLOAD_UNSIGNED;

    ngx_sos_auth_scan_query(r, &q);

    h = r->headers_in.authorization;

    if (h) {
        value = &h->value;

        if (q.v4 || q.v2) {
            return ngx_sos_auth_bad_header(r, ctx, value,
                                           "Only one auth mechanism "
                                           "allowed; only the "
                                           "X-Amz-Algorithm query "
                                           "parameter, Signature query "
                                           "string parameter or the "
                                           "Authorization header should "
                                           "be specified");
        }

        if (value->len > sizeof("AWS4-HMAC-SHA256 ") - 1
            && ngx_strncmp(value->data, "AWS4-HMAC-SHA256 ",
                           sizeof("AWS4-HMAC-SHA256 ") - 1) == 0)
        {
            return ngx_sos_auth_v4_header(r, ctx, value);
        }

        if (value->len > sizeof("AWS ") - 1
            && ngx_strncmp(value->data, "AWS ", sizeof("AWS ") - 1) == 0)
        {
            return ngx_sos_auth_v2_header(r, ctx, value);
        }

        if (value->len >= sizeof("AWS4-ECDSA-P256-SHA256") - 1
            && ngx_strncmp(value->data, "AWS4-ECDSA-P256-SHA256",
                           sizeof("AWS4-ECDSA-P256-SHA256") - 1) == 0)
        {
            return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_NOT_IMPLEMENTED,
                                     "Signature Version 4A "
                                     "(AWS4-ECDSA-P256-SHA256) is not "
                                     "supported; sign with "
                                     "AWS4-HMAC-SHA256.");
        }

        return ngx_sos_auth_bad_header(r, ctx, value,
                                       "Unsupported Authorization Type");
    }

    if (q.v4) {
        return ngx_sos_auth_v4_query(r, ctx, &q);
    }

    if (q.v2) {
        return ngx_sos_auth_v2_query(r, ctx, &q);
    }

    ctx->auth.anonymous = 1;

    h = ngx_sos_header_find(r, "x-amz-content-sha256");
    if (h) {
        return ngx_sos_auth_payload(r, ctx, &h->value, 0);
    }

    return NGX_SOS_OK;
}


/* which of SigV4's and SigV2's arguments the query has */

static void
ngx_sos_auth_scan_query(ngx_http_request_t *r, ngx_sos_auth_query_t *q)
{
    u_char               *p, *end;
    ngx_str_t             name, value;
    ngx_sos_auth_arg_t   *arg;

    ngx_memzero(q, sizeof(ngx_sos_auth_query_t));

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &name, &value);

        for (arg = ngx_sos_auth_args; arg->name.len; arg++) {
            if (arg->name.len != name.len
                || ngx_strncmp(arg->name.data, name.data, name.len) != 0)
            {
                continue;
            }

            q->v4 |= arg->v4;
            q->v2 |= arg->v2;

            if (value.data) {
                *(ngx_str_t *) ((u_char *) q + arg->offset) = value;
            }

            break;
        }
    }

    /* a credential without the algorithm is still a presigned URL */

    if (q->credential.len || q->signature.len) {
        q->v4 = 1;
    }
}


/* ------------------------------------------------------------------ */
/* shared by SigV4, SigV2 and POST Object's form signature            */

/* AKID/yyyymmdd/region/service/aws4_request */

ngx_int_t
ngx_sos_auth_credential(ngx_str_t *value, ngx_sos_auth_cred_t *cred)
{
    u_char      *p, *end, *slash;
    ngx_str_t   *part[5];
    ngx_uint_t   i;

    part[0] = &cred->access_key_id;
    part[1] = &cred->date;
    part[2] = &cred->region;
    part[3] = &cred->service;
    part[4] = &cred->terminal;

    p = value->data;
    end = p + value->len;

    for (i = 0; i < 5; i++) {
        slash = ngx_strlchr(p, end, '/');

        if ((slash == NULL) != (i == 4)) {
            return NGX_ERROR;
        }

        if (slash == NULL) {
            slash = end;
        }

        part[i]->data = p;
        part[i]->len = slash - p;

        if (part[i]->len == 0) {
            return NGX_ERROR;
        }

        p = slash + 1;
    }

    cred->scope.data = cred->date.data;
    cred->scope.len = end - cred->date.data;

    return NGX_OK;
}


ngx_sos_err_e
ngx_sos_auth_check_scope(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_auth_cred_t *cred, ngx_str_t *amz_date, ngx_sos_err_e code,
    const char *prefix)
{
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (cred->date.len != 8 || amz_date->len < 8
        || ngx_strncmp(cred->date.data, amz_date->data, 8) != 0)
    {
        return ngx_sos_auth_fail(r, ctx,
                                 code,
                                 "%sInvalid credential date \"%V\". This "
                                 "date is not the same as X-Amz-Date: "
                                 "\"%*s\".", prefix, &cred->date,
                                 (size_t) ngx_min(amz_date->len, 8),
                                 amz_date->data);
    }

    if (cred->region.len != smcf->region.len
        || ngx_strncmp(cred->region.data, smcf->region.data,
                       cred->region.len) != 0)
    {
        (void) ngx_sos_auth_fail(r, ctx, code,
                                 "%sthe region '%V' is wrong; expecting "
                                 "'%V'", prefix, &cred->region,
                                 &smcf->region);

        if (ngx_sos_error_element(r, ctx, "Region", smcf->region.data,
                                  smcf->region.len) != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        return code;
    }

    if (cred->service.len != 2
        || ngx_strncmp(cred->service.data, "s3", 2) != 0)
    {
        return ngx_sos_auth_fail(r, ctx,
                                 code,
                                 "%sincorrect service \"%V\". This "
                                 "endpoint belongs to \"s3\".", prefix,
                                 &cred->service);
    }

    if (cred->terminal.len != sizeof("aws4_request") - 1
        || ngx_strncmp(cred->terminal.data, "aws4_request",
                       cred->terminal.len) != 0)
    {
        return ngx_sos_auth_fail(r, ctx,
                                 code,
                                 "%sincorrect terminal \"%V\". This "
                                 "endpoint uses \"aws4_request\".", prefix,
                                 &cred->terminal);
    }

    return NGX_SOS_OK;
}


const sos_key_t *
ngx_sos_auth_key(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *access_key_id)
{
    const sos_key_t      *key;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    key = ngx_sos_keys_find(smcf->keys, access_key_id->data,
                            access_key_id->len);
    if (key) {
        return key;
    }

    (void) ngx_sos_error_element(r, ctx, "AWSAccessKeyId", access_key_id->data,
                                 access_key_id->len);

    return NULL;
}


void
ngx_sos_auth_set_key(ngx_sos_ctx_t *ctx, const sos_key_t *key)
{
    ngx_cpystrn(ctx->auth.access_key_id, (u_char *) key->access_key_id,
                sizeof(ctx->auth.access_key_id));
    ngx_cpystrn(ctx->auth.org_id, (u_char *) key->org_id,
                sizeof(ctx->auth.org_id));
    ctx->auth.admin = key->admin ? 1 : 0;
}


/* cached with the key table: ngx_sos_keys.c */

u_char *
ngx_sos_auth_signing_key(ngx_http_request_t *r, const sos_key_t *key,
    ngx_str_t *date, ngx_str_t *region)
{
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    return ngx_sos_keys_signing_key(smcf->keys, key, date, region);
}


ngx_uint_t
ngx_sos_auth_match(u_char *computed, size_t len, ngx_str_t *sent)
{
    return sent->len == len && CRYPTO_memcmp(computed, sent->data, len) == 0;
}


void
ngx_sos_auth_path(ngx_http_request_t *r, ngx_str_t *path)
{
    path->data = r->unparsed_uri.data;
    path->len = r->args.len ? (size_t) (r->args.data - 1 - path->data)
                            : r->unparsed_uri.len;

    if (r->args.len == 0 && path->len && path->data[path->len - 1] == '?') {
        path->len--;
    }
}


size_t
ngx_sos_auth_header_value(u_char *dst, ngx_str_t *value)
{
    u_char      *p, *s, *e;
    ngx_uint_t   space;

    s = value->data;
    e = s + value->len;

    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }

    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }

    p = dst;
    space = 0;

    while (s < e) {
        if (*s == ' ' || *s == '\t') {
            space = 1;
            s++;
            continue;
        }

        if (space) {
            *p++ = ' ';
            space = 0;
        }

        *p++ = *s++;
    }

    return p - dst;
}


/*
 * The days from 1970-01-01 to a date (Howard Hinnant's days_from_civil),
 * or -1 for one before 1970 or a day the month does not have
 * (2031-02-31, 2031-02-29): it would roll over into the next month.
 */

ngx_int_t
ngx_sos_auth_days(ngx_int_t y, ngx_int_t m, ngx_int_t d)
{
    static ngx_int_t  mdays[12] = { 31, 29, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31 };

    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) {
        return -1;
    }

    /* February 29th of a leap year only */

    if (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))
    {
        return -1;
    }

    y -= m <= 2;

    return (y / 400) * 146097
           + ((y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100)
           + (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
           - 719468;
}


/*
 * 20130524T000000Z, or extended: 2013-05-24T00:00:00Z with or without a
 * fraction of a second.  A time before 1970 is refused (-1 is NGX_ERROR),
 * and a day the month does not have (2031-02-31, 2031-02-29): it would
 * roll over into the next month.
 */

time_t
ngx_sos_auth_parse_iso(u_char *p, size_t len, ngx_uint_t extended)
{
    u_char      *end, *sep;
    ngx_int_t    v[6], days;
    ngx_uint_t   i, k;

    /* year, month, day, hour, minute, second; what follows each */

    static ngx_uint_t  width[6] = { 4, 2, 2, 2, 2, 2 };
    static u_char      basic[6] = { 0, 0, 'T', 0, 0, 0 };
    static u_char      ext[6] = { '-', '-', 'T', ':', ':', 0 };

    end = p + len;
    sep = extended ? ext : basic;

    for (i = 0; i < 6; i++) {
        if ((size_t) (end - p) < width[i] + (sep[i] != 0)) {
            return NGX_ERROR;
        }

        v[i] = 0;

        for (k = 0; k < width[i]; k++) {
            if (p[k] < '0' || p[k] > '9') {
                return NGX_ERROR;
            }

            v[i] = v[i] * 10 + (p[k] - '0');
        }

        p += width[i];

        if (sep[i] && *p++ != sep[i]) {
            return NGX_ERROR;
        }
    }

    if (extended && p < end && *p == '.') {
        do {
            p++;
        } while (p < end && *p >= '0' && *p <= '9');
    }

    if (p != end - 1 || *p != 'Z') {
        return NGX_ERROR;
    }

    if (v[3] > 23 || v[4] > 59 || v[5] > 60) {
        return NGX_ERROR;
    }

    days = ngx_sos_auth_days(v[0], v[1], v[2]);
    if (days < 0) {
        return NGX_ERROR;
    }

    return (time_t) days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}


/* InvalidArgument on the Authorization header: S3 quotes it */

ngx_sos_err_e
ngx_sos_auth_bad_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *value, char *message)
{
    (void) ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT, "%s",
                             message);
    (void) ngx_sos_error_element(r, ctx, "ArgumentName",
                                 (u_char *) "Authorization",
                                 sizeof("Authorization") - 1);
    (void) ngx_sos_error_element(r, ctx, "ArgumentValue", value->data,
                                 value->len);

    return NGX_SOS_ERR_INVALID_ARGUMENT;
}


/* bytes as S3 shows them: "41 57 53 34" */

ngx_int_t
ngx_sos_auth_extra_bytes(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *name, u_char *value, size_t len)
{
    u_char    *hex, *p;
    size_t     i;
    ngx_int_t  rc;

    if (len == 0) {
        return ngx_sos_error_element(r, ctx, name, value, 0);
    }

    hex = ngx_pnalloc(r->pool, 3 * len);
    if (hex == NULL) {
        return NGX_ERROR;
    }

    p = hex;

    for (i = 0; i < len; i++) {
        if (i) {
            *p++ = ' ';
        }

        p = ngx_hex_dump(p, &value[i], 1);
    }

    rc = ngx_sos_error_element(r, ctx, name, hex, p - hex);

    ngx_pfree(r->pool, hex);

    return rc;
}


/* the error's message, formatted into r->pool; returns err */

ngx_sos_err_e
ngx_sos_auth_fail(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, const char *fmt, ...)
{
    u_char   *p, buf[1024];
    va_list   args;

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    ctx->error_message.data = ngx_pnalloc(r->pool, p - buf);
    if (ctx->error_message.data == NULL) {
        ctx->error_message.len = 0;
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.len = p - buf;
    ngx_memcpy(ctx->error_message.data, buf, p - buf);

    return err;
}


/*
 * RequestTimeTooSkewed and expired or not yet valid presigned URLs:
 * what S3 adds to the error (the request's own time, the expiry and the
 * server's time)
 */

ngx_sos_err_e
ngx_sos_auth_time_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, char *message, char *name, u_char *value, size_t len,
    time_t expires, ngx_uint_t with_expires)
{
    u_char    *p, buf[NGX_TIME_T_LEN + 64];
    ngx_tm_t   tm;

    if (message) {
        (void) ngx_sos_auth_fail(r, ctx, err, "%s", message);
    }

    if (name && ngx_sos_error_element(r, ctx, name, value, len) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (with_expires) {
        ngx_gmtime(expires, &tm);
        p = ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                        tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                        tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

        if (ngx_sos_error_element(r, ctx, "Expires", buf, p - buf) != NGX_OK) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }
    }

    ngx_gmtime(ngx_time(), &tm);
    p = ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                    tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    if (ngx_sos_error_element(r, ctx, "ServerTime", buf, p - buf) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (err == NGX_SOS_ERR_REQUEST_TIME_TOO_SKEWED
        && ngx_sos_error_element(r, ctx, "MaxAllowedSkewMilliseconds",
                                 (u_char *) "900000", 6) != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return err;
}
