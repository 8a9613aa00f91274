
/*
 * SOS: who sent the request.
 *
 * SigV4 in the Authorization header and in the query (presigned URLs),
 * SigV2 in both forms, or nobody (anonymous).  Everything runs in the
 * event loop from the request headers and the key table in memory; the
 * canonical request is built exactly as AWS does, so the
 * SignatureDoesNotMatch body can show the client what we signed.
 */


#include "ngx_sos_module.h"
#include <sosproto/sigv4.h>

#include <openssl/crypto.h>


#define NGX_SOS_AUTH_SKEW        900     /* seconds either way */
#define NGX_SOS_AUTH_CACHE       16      /* derived signing keys */


typedef struct {
    ngx_str_t            algorithm;      /* X-Amz-Algorithm */
    ngx_str_t            credential;
    ngx_str_t            date;
    ngx_str_t            expires;
    ngx_str_t            signed_headers;
    ngx_str_t            signature;
    ngx_str_t            v2_key;         /* AWSAccessKeyId */
    ngx_str_t            v2_signature;   /* Signature */
    ngx_str_t            v2_expires;     /* Expires */
    unsigned             v4:1;
    unsigned             v2:1;
} ngx_sos_auth_query_t;


typedef struct {
    ngx_str_t            access_key_id;
    ngx_str_t            date;           /* yyyymmdd */
    ngx_str_t            region;
    ngx_str_t            service;
    ngx_str_t            terminal;
    ngx_str_t            scope;          /* date/region/service/terminal */
} ngx_sos_auth_cred_t;


typedef struct {
    u_char               access_key_id[SOS_ACCESS_KEY_LEN + 1];
    u_char               secret[SOS_SECRET_LEN + 1];
    u_char               date[8];
    u_char               region[64];
    size_t               region_len;
    u_char               key[32];
    ngx_uint_t           used;
} ngx_sos_auth_key_cache_t;


static ngx_sos_err_e ngx_sos_auth_v4_header(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *value);
static ngx_sos_err_e ngx_sos_auth_v4_query(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_auth_query_t *q);
static ngx_sos_err_e ngx_sos_auth_v4_verify(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, const sos_key_t *key, ngx_sos_auth_cred_t *cred,
    ngx_str_t *amz_date, ngx_str_t *signed_headers, ngx_str_t *signature,
    ngx_str_t *payload_hash, ngx_uint_t presigned);
static ngx_uint_t ngx_sos_auth_signed(ngx_str_t *signed_headers,
    u_char *name, size_t len);
static ngx_sos_err_e ngx_sos_auth_unsigned(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *signed_headers, ngx_uint_t presigned);
static ngx_uint_t ngx_sos_auth_must_sign(ngx_table_elt_t *h,
    ngx_uint_t presigned);
static ngx_sos_err_e ngx_sos_auth_v2(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *access_key_id, ngx_str_t *signature,
    ngx_str_t *expires);
static ngx_sos_err_e ngx_sos_auth_payload(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *value, ngx_uint_t sigv4);
static ngx_int_t ngx_sos_auth_credential(ngx_str_t *value,
    ngx_sos_auth_cred_t *cred);
static ngx_sos_err_e ngx_sos_auth_check_scope(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_auth_cred_t *cred, ngx_str_t *amz_date,
    const char *prefix);
static const sos_key_t *ngx_sos_auth_key(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *access_key_id);
static void ngx_sos_auth_set_key(ngx_sos_ctx_t *ctx, const sos_key_t *key);
static u_char *ngx_sos_auth_signing_key(const sos_key_t *key,
    ngx_str_t *date, ngx_str_t *region);
static void ngx_sos_auth_scan_query(ngx_http_request_t *r,
    ngx_sos_auth_query_t *q);
static size_t ngx_sos_auth_header_value(u_char *dst, ngx_str_t *value);
static time_t ngx_sos_auth_parse_iso(u_char *p, size_t len);
static u_char *ngx_sos_auth_format_iso(u_char *p, time_t t);
static ngx_int_t ngx_sos_auth_decode(ngx_http_request_t *r, ngx_str_t *src,
    ngx_str_t *dst);
static ngx_int_t ngx_sos_auth_extra(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *name, u_char *value, size_t len);
static ngx_int_t ngx_sos_auth_extra_bytes(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *name, u_char *value, size_t len);
static ngx_sos_err_e ngx_sos_auth_fail(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_err_e err, const char *fmt, ...);
static ngx_sos_err_e ngx_sos_auth_time_error(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_err_e err, char *message, char *name,
    u_char *value, size_t len, time_t expires, ngx_uint_t with_expires);
static ngx_int_t ngx_sos_auth_v2_subresource(u_char *name, size_t len);
static int ngx_sos_auth_v2_cmp(const void *one, const void *two);


static ngx_sos_auth_key_cache_t  ngx_sos_auth_cache[NGX_SOS_AUTH_CACHE];
static ngx_uint_t                ngx_sos_auth_cache_clock;


/* S3's sub-resources that SigV2 signs, sorted */
static ngx_str_t  ngx_sos_auth_v2_subresources[] = {
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
            ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                              "Only one auth mechanism allowed; only the "
                              "X-Amz-Algorithm query parameter, Signature "
                              "query string parameter or the Authorization "
                              "header should be specified");
            (void) ngx_sos_auth_extra(r, ctx, "ArgumentName",
                                      (u_char *) "Authorization",
                                      sizeof("Authorization") - 1);
            (void) ngx_sos_auth_extra(r, ctx, "ArgumentValue",
                                      value->data, value->len);
            return NGX_SOS_ERR_INVALID_ARGUMENT;
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
            return ngx_sos_auth_v2(r, ctx, value, NULL, NULL);
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

        ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                          "Unsupported Authorization Type");
        (void) ngx_sos_auth_extra(r, ctx, "ArgumentName",
                                  (u_char *) "Authorization",
                                  sizeof("Authorization") - 1);
        (void) ngx_sos_auth_extra(r, ctx, "ArgumentValue",
                                  value->data, value->len);
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (q.v4) {
        return ngx_sos_auth_v4_query(r, ctx, &q);
    }

    if (q.v2) {
        if (q.v2_key.len == 0 || q.v2_signature.len == 0
            || q.v2_expires.len == 0)
        {
            return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                     "Query-string authentication requires "
                                     "the Signature, Expires and "
                                     "AWSAccessKeyId parameters");
        }

        return ngx_sos_auth_v2(r, ctx, &q.v2_key, &q.v2_signature,
                               &q.v2_expires);
    }

    ctx->auth.anonymous = 1;

    h = ngx_sos_header_find(r, "x-amz-content-sha256");
    if (h) {
        return ngx_sos_auth_payload(r, ctx, &h->value, 0);
    }

    return NGX_SOS_OK;
}


/* ------------------------------------------------------------------ */
/* SigV4                                                              */

static ngx_sos_err_e
ngx_sos_auth_v4_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *value)
{
    u_char               *p, *end, *k, *v;
    size_t                klen, vlen;
    time_t                t;
    ngx_str_t             credential, signed_headers, signature, amz_date;
    ngx_str_t             payload;
    ngx_sos_err_e         err;
    ngx_table_elt_t      *h;
    const sos_key_t      *key;
    ngx_sos_auth_cred_t   cred;

    ngx_str_null(&credential);
    ngx_str_null(&signed_headers);
    ngx_str_null(&signature);

    p = value->data + sizeof("AWS4-HMAC-SHA256 ") - 1;
    end = value->data + value->len;

    /* Credential=..., SignedHeaders=..., Signature=... in any order */

    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\t')) {
            p++;
        }

        if (p == end) {
            break;
        }

        k = p;

        while (p < end && *p != '=' && *p != ',' && *p != ' ') {
            p++;
        }

        if (p == end || *p != '=') {
            return ngx_sos_auth_fail(r, ctx,
                                     NGX_SOS_ERR_AUTH_HEADER_MALFORMED,
                                     "The authorization header is "
                                     "malformed; the authorization "
                                     "component \"%*s\" is malformed.",
                                     (size_t) (p - k), k);
        }

        klen = p - k;
        v = ++p;

        while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
            p++;
        }

        vlen = p - v;

        if (klen == sizeof("Credential") - 1
            && ngx_strncmp(k, "Credential", klen) == 0)
        {
            credential.data = v;
            credential.len = vlen;

        } else if (klen == sizeof("SignedHeaders") - 1
                   && ngx_strncmp(k, "SignedHeaders", klen) == 0)
        {
            signed_headers.data = v;
            signed_headers.len = vlen;

        } else if (klen == sizeof("Signature") - 1
                   && ngx_strncmp(k, "Signature", klen) == 0)
        {
            signature.data = v;
            signature.len = vlen;

        } else {
            return ngx_sos_auth_fail(r, ctx,
                                     NGX_SOS_ERR_AUTH_HEADER_MALFORMED,
                                     "The authorization header is "
                                     "malformed; the authorization "
                                     "component \"%*s\" is malformed.",
                                     (size_t) (p - k), k);
        }
    }

    if (credential.len == 0 || signed_headers.len == 0
        || signature.len == 0)
    {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_HEADER_MALFORMED,
                                 "The authorization header is malformed; "
                                 "the authorization header requires three "
                                 "components: Credential, SignedHeaders, "
                                 "and Signature.");
    }

    if (ngx_sos_auth_credential(&credential, &cred) != NGX_OK) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_HEADER_MALFORMED,
                                 "The authorization header is malformed; "
                                 "the Credential is mal-formed; expecting "
                                 "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/"
                                 "aws4_request\".");
    }

    /* the request time: x-amz-date, else Date */

    h = ngx_sos_header_find(r, "x-amz-date");

    if (h) {
        amz_date = h->value;
        t = ngx_sos_auth_parse_iso(amz_date.data, amz_date.len);

    } else if (r->headers_in.date) {
        t = ngx_parse_http_time(r->headers_in.date->value.data,
                                r->headers_in.date->value.len);

        if (t != NGX_ERROR) {
            amz_date.data = ngx_pnalloc(r->pool, SOS_SIGV4_DATE_LEN);
            if (amz_date.data == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            amz_date.len = ngx_sos_auth_format_iso(amz_date.data, t)
                           - amz_date.data;
        }

    } else {
        t = NGX_ERROR;
    }

    if (t == NGX_ERROR) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                 "AWS authentication requires a valid Date "
                                 "or x-amz-date header");
    }

    err = ngx_sos_auth_check_scope(r, ctx, &cred, &amz_date,
                                   "The authorization header is "
                                   "malformed; ");
    if (err != NGX_SOS_OK) {
        return err;
    }

    if (t < ngx_time() - NGX_SOS_AUTH_SKEW
        || t > ngx_time() + NGX_SOS_AUTH_SKEW)
    {
        return ngx_sos_auth_time_error(r, ctx,
                                       NGX_SOS_ERR_REQUEST_TIME_TOO_SKEWED,
                                       NULL, "RequestTime",
                                       h ? h->value.data
                                         : r->headers_in.date->value.data,
                                       h ? h->value.len
                                         : r->headers_in.date->value.len,
                                       0, 0);
    }

    key = ngx_sos_auth_key(r, ctx, &cred.access_key_id);
    if (key == NULL) {
        return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
    }

    /* S3 requires the payload hash header with a SigV4 header */

    h = ngx_sos_header_find(r, "x-amz-content-sha256");
    if (h == NULL) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_INVALID_REQUEST,
                                 "Missing required header for this request: "
                                 "x-amz-content-sha256");
    }

    payload = h->value;

    err = ngx_sos_auth_payload(r, ctx, &payload, 1);
    if (err != NGX_SOS_OK) {
        return err;
    }

    return ngx_sos_auth_v4_verify(r, ctx, key, &cred, &amz_date,
                                  &signed_headers, &signature, &payload, 0);
}


static ngx_sos_err_e
ngx_sos_auth_v4_query(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_auth_query_t *q)
{
    time_t                t, now;
    ngx_int_t             expires;
    ngx_str_t             credential, signed_headers, signature, payload;
    ngx_str_t             algorithm, amz_date;
    ngx_sos_err_e         err;
    ngx_table_elt_t      *h;
    const sos_key_t      *key;
    ngx_sos_auth_cred_t   cred;

    if (ngx_sos_auth_decode(r, &q->algorithm, &algorithm) != NGX_OK
        || ngx_sos_auth_decode(r, &q->credential, &credential) != NGX_OK
        || ngx_sos_auth_decode(r, &q->signed_headers, &signed_headers)
           != NGX_OK
        || ngx_sos_auth_decode(r, &q->signature, &signature) != NGX_OK
        || ngx_sos_auth_decode(r, &q->date, &amz_date) != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (algorithm.len == sizeof("AWS4-ECDSA-P256-SHA256") - 1
        && ngx_strncmp(algorithm.data, "AWS4-ECDSA-P256-SHA256",
                       algorithm.len) == 0)
    {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_NOT_IMPLEMENTED,
                                 "Signature Version 4A "
                                 "(AWS4-ECDSA-P256-SHA256) is not "
                                 "supported; sign with AWS4-HMAC-SHA256.");
    }

    if (algorithm.len != sizeof(SOS_SIGV4_ALGORITHM) - 1
        || ngx_strncmp(algorithm.data, SOS_SIGV4_ALGORITHM,
                       algorithm.len) != 0)
    {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "X-Amz-Algorithm only supports "
                                 "\"AWS4-HMAC-SHA256\"");
    }

    if (credential.len == 0 || signed_headers.len == 0
        || signature.len == 0 || amz_date.len == 0 || q->expires.len == 0)
    {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "Query-string authentication version 4 "
                                 "requires the X-Amz-Algorithm, "
                                 "X-Amz-Credential, X-Amz-Signature, "
                                 "X-Amz-Date, X-Amz-SignedHeaders, and "
                                 "X-Amz-Expires parameters.");
    }

    t = ngx_sos_auth_parse_iso(amz_date.data, amz_date.len);
    if (t == NGX_ERROR) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "X-Amz-Date must be in the ISO8601 Long "
                                 "Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }

    if (q->expires.data[0] == '-') {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "X-Amz-Expires must be non-negative");
    }

    expires = ngx_atoi(q->expires.data, q->expires.len);
    if (expires == NGX_ERROR) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "X-Amz-Expires should be a number");
    }

    if (expires > SOS_SIGV4_MAX_EXPIRES) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "X-Amz-Expires must be less than a week "
                                 "(in seconds) that is 604800");
    }

    if (ngx_sos_auth_credential(&credential, &cred) != NGX_OK) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                 "Error parsing the X-Amz-Credential "
                                 "parameter; the Credential is mal-formed; "
                                 "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/"
                                 "SERVICE/aws4_request\".");
    }

    err = ngx_sos_auth_check_scope(r, ctx, &cred, &amz_date,
                                   "Error parsing the X-Amz-Credential "
                                   "parameter; ");
    if (err != NGX_SOS_OK) {
        return err;
    }

    now = ngx_time();

    if (t > now + NGX_SOS_AUTH_SKEW) {
        return ngx_sos_auth_time_error(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                       "Request is not yet valid",
                                       "X-Amz-Date", amz_date.data,
                                       amz_date.len, t + expires, 1);
    }

    if (now > t + expires) {
        return ngx_sos_auth_time_error(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                       "Request has expired",
                                       "X-Amz-Expires", q->expires.data,
                                       q->expires.len, t + expires, 1);
    }

    key = ngx_sos_auth_key(r, ctx, &cred.access_key_id);
    if (key == NULL) {
        return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
    }

    /* a presigned URL signs no payload unless the client says so */

    h = ngx_sos_header_find(r, "x-amz-content-sha256");
    if (h) {
        payload = h->value;

        err = ngx_sos_auth_payload(r, ctx, &payload, 1);
        if (err != NGX_SOS_OK) {
            return err;
        }

    } else {
        ngx_str_set(&payload, "UNSIGNED-PAYLOAD");
    }

    ctx->auth.presigned = 1;

    return ngx_sos_auth_v4_verify(r, ctx, key, &cred, &amz_date,
                                  &signed_headers, &signature, &payload, 1);
}


static ngx_sos_err_e
ngx_sos_auth_v4_verify(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    const sos_key_t *key, ngx_sos_auth_cred_t *cred, ngx_str_t *amz_date,
    ngx_str_t *signed_headers, ngx_str_t *signature, ngx_str_t *payload,
    ngx_uint_t presigned)
{
    u_char              *p, *s, *e, *semi, *creq, *work, *sts, *skey;
    u_char              *path;
    size_t               len, path_len, nparams, hlen, sts_len;
    ngx_uint_t           i, found;
    ngx_sos_err_e        err;
    ngx_list_part_t     *part;
    ngx_table_elt_t     *h;
    u_char               hash[32], mac[32], hex[64];
    sos_sigv4_param_t   *params;

    /* the path as received, up to the query */

    path = r->unparsed_uri.data;
    path_len = r->args.len ? (size_t) (r->args.data - 1 - path)
                           : r->unparsed_uri.len;

    if (r->args.len == 0 && path_len && path[path_len - 1] == '?') {
        path_len--;
    }

    nparams = sos_sigv4_query_count((char *) r->args.data, r->args.len);

    err = ngx_sos_auth_unsigned(r, ctx, signed_headers, presigned);
    if (err != NGX_SOS_OK) {
        return err;
    }

    e = signed_headers->data + signed_headers->len;

    /* the length of the canonical headers, a name listed twice included */

    hlen = 0;

    for (s = signed_headers->data; s < e; s = semi + 1) {

        semi = ngx_strlchr(s, e, ';');
        if (semi == NULL) {
            semi = e;
        }

        hlen += (semi - s) + 2;

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

            if (h[i].key.len == (size_t) (semi - s)
                && ngx_strncmp(h[i].lowcase_key, s, semi - s) == 0)
            {
                hlen += h[i].value.len + 1;
            }
        }
    }

    len = r->method_name.len + 1
          + 3 * path_len + 2
          + 3 * r->args.len + nparams + 1
          + hlen + 1
          + signed_headers->len + 1
          + payload->len;

    sts_len = SOS_SIGV4_STS_LEN(cred->scope.len);

    /* one allocation: canonical request, query work area, string to sign */

    creq = ngx_pnalloc(r->pool, len + 3 * r->args.len + sts_len
                                + nparams * sizeof(sos_sigv4_param_t)
                                + sizeof(void *));
    if (creq == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    work = creq + len;
    sts = work + 3 * r->args.len;
    params = (sos_sigv4_param_t *) ngx_align_ptr(sts + sts_len,
                                                 sizeof(void *));

    p = ngx_cpymem(creq, r->method_name.data, r->method_name.len);
    *p++ = '\n';

    if (path_len == 0) {
        *p++ = '/';

    } else {
        p += sos_sigv4_canonical_uri((char *) p, (char *) path, path_len);
    }

    *p++ = '\n';

    p += sos_sigv4_canonical_query((char *) p, (char *) work, params,
                                   (char *) r->args.data, r->args.len,
                                   presigned);
    *p++ = '\n';

    /* canonical headers: name:value, repeated headers joined by ',' */

    for (s = signed_headers->data; s < e; s = semi + 1) {

        semi = ngx_strlchr(s, e, ';');
        if (semi == NULL) {
            semi = e;
        }

        p = ngx_cpymem(p, s, semi - s);
        *p++ = ':';

        found = 0;
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

            if (h[i].key.len == (size_t) (semi - s)
                && ngx_strncmp(h[i].lowcase_key, s, semi - s) == 0)
            {
                if (found++) {
                    *p++ = ',';
                }

                p += ngx_sos_auth_header_value(p, &h[i].value);
            }
        }

        *p++ = '\n';
    }

    *p++ = '\n';
    p = ngx_cpymem(p, signed_headers->data, signed_headers->len);
    *p++ = '\n';
    p = ngx_cpymem(p, payload->data, payload->len);

    len = p - creq;

    sos_sigv4_sha256(hash, creq, len);
    sts_len = sos_sigv4_string_to_sign((char *) sts, (char *) amz_date->data,
                                       (char *) cred->scope.data,
                                       cred->scope.len, hash);

    skey = ngx_sos_auth_signing_key(key, &cred->date, &cred->region);

    sos_sigv4_hmac_sha256(mac, skey, 32, sts, sts_len);
    sos_sigv4_hex((char *) hex, mac, 32);

    if (signature->len != 64
        || CRYPTO_memcmp(hex, signature->data, 64) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "sos: SigV4 signature mismatch for key \"%V\"",
                      &cred->access_key_id);

        if (ngx_sos_auth_extra(r, ctx, "AWSAccessKeyId",
                               cred->access_key_id.data,
                               cred->access_key_id.len) != NGX_OK
            || ngx_sos_auth_extra(r, ctx, "StringToSign", sts, sts_len)
               != NGX_OK
            || ngx_sos_auth_extra(r, ctx, "SignatureProvided",
                                  signature->data, signature->len)
               != NGX_OK
            || ngx_sos_auth_extra_bytes(r, ctx, "StringToSignBytes", sts,
                                        sts_len) != NGX_OK
            || ngx_sos_auth_extra(r, ctx, "CanonicalRequest", creq, len)
               != NGX_OK
            || ngx_sos_auth_extra_bytes(r, ctx, "CanonicalRequestBytes",
                                        creq, len) != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
    }

    ngx_sos_auth_set_key(ctx, key);

    /* what the aws-chunked signatures chain from */

    ngx_memcpy(ctx->auth.signing_key, skey, 32);
    ngx_memcpy(ctx->auth.seed_signature, hex, 64);
    ctx->auth.amz_date = *amz_date;
    ctx->auth.scope = cred->scope;

    return NGX_SOS_OK;
}


static ngx_uint_t
ngx_sos_auth_signed(ngx_str_t *signed_headers, u_char *name, size_t len)
{
    u_char  *s, *e, *semi;

    e = signed_headers->data + signed_headers->len;

    for (s = signed_headers->data; s < e; s = semi + 1) {
        semi = ngx_strlchr(s, e, ';');
        if (semi == NULL) {
            semi = e;
        }

        if ((size_t) (semi - s) == len && ngx_strncmp(s, name, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * S3 refuses a signature that leaves out host or an x-amz-* header of the
 * request, in the header and in the query (presigned URL) forms alike:
 * unsigned, x-amz-copy-source or x-amz-acl would change what a presigned
 * PUT does, and an unsigned host would let a signature made for one
 * virtual-hosted bucket be replayed against another of the signer's.
 */

static ngx_sos_err_e
ngx_sos_auth_unsigned(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *signed_headers, ngx_uint_t presigned)
{
    u_char           *list, *p;
    size_t            size;
    ngx_uint_t        i, host;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    host = !ngx_sos_auth_signed(signed_headers, (u_char *) "host",
                                sizeof("host") - 1);

    size = host ? sizeof("host") - 1 + 1 : 0;
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

        if (ngx_sos_auth_must_sign(&h[i], presigned)
            && !ngx_sos_auth_signed(signed_headers, h[i].lowcase_key,
                                    h[i].key.len))
        {
            size += h[i].key.len + 1;
        }
    }

    if (size == 0) {
        return NGX_SOS_OK;
    }

    list = ngx_pnalloc(r->pool, size);
    if (list == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    p = list;

    if (host) {
        p = ngx_cpymem(p, "host", sizeof("host") - 1);
    }

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

        if (ngx_sos_auth_must_sign(&h[i], presigned)
            && !ngx_sos_auth_signed(signed_headers, h[i].lowcase_key,
                                    h[i].key.len))
        {
            if (p != list) {
                *p++ = ',';           /* as S3: "x-amz-a,x-amz-b" */
            }

            p = ngx_cpymem(p, h[i].lowcase_key, h[i].key.len);
        }
    }

    (void) ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                             "There were headers present in the request "
                             "which were not signed");

    if (ngx_sos_auth_extra(r, ctx, "HeadersNotSigned", list, p - list)
        != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_ACCESS_DENIED;
}


/*
 * Every x-amz-* header, but for a presigned URL x-amz-content-sha256: the
 * canonical request is built with its value as the payload hash, so it is
 * bound to the signature anyway (S3 takes it unsigned there too).
 */

static ngx_uint_t
ngx_sos_auth_must_sign(ngx_table_elt_t *h, ngx_uint_t presigned)
{
    if (h->key.len <= sizeof("x-amz-") - 1
        || ngx_strncmp(h->lowcase_key, "x-amz-", sizeof("x-amz-") - 1) != 0)
    {
        return 0;
    }

    return !(presigned
             && h->key.len == sizeof("x-amz-content-sha256") - 1
             && ngx_strncmp(h->lowcase_key, "x-amz-content-sha256",
                            sizeof("x-amz-content-sha256") - 1) == 0);
}


static ngx_sos_err_e
ngx_sos_auth_payload(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *value, ngx_uint_t sigv4)
{
    ngx_str_t               *v;
    ngx_sos_payload_mode_e   mode;

    static ngx_str_t  modes[] = {
        ngx_string("UNSIGNED-PAYLOAD"),
        ngx_null_string,
        ngx_string("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ngx_string("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
        ngx_string("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
    };

    v = value;

    if (v->len == 64
        && sos_sigv4_unhex(ctx->auth.payload_sha256, (char *) v->data, 32)
           == 0)
    {
        ctx->auth.payload_mode = NGX_SOS_PAYLOAD_SHA256;
        return NGX_SOS_OK;
    }

    for (mode = NGX_SOS_PAYLOAD_UNSIGNED;
         mode <= NGX_SOS_PAYLOAD_UNSIGNED_TRAILER;
         mode++)
    {
        /* the hex SHA-256 slot is empty: an empty value is no mode */

        if (modes[mode].len != 0
            && modes[mode].len == v->len
            && ngx_strncmp(modes[mode].data, v->data, v->len) == 0)
        {
            if (!sigv4 && (mode == NGX_SOS_PAYLOAD_CHUNKED
                           || mode == NGX_SOS_PAYLOAD_CHUNKED_TRAILER))
            {
                return ngx_sos_auth_fail(r, ctx,
                                         NGX_SOS_ERR_INVALID_REQUEST,
                                         "%*s requires a request signed "
                                         "with AWS4-HMAC-SHA256",
                                         (size_t) v->len, v->data);
            }

            ctx->auth.payload_mode = mode;
            return NGX_SOS_OK;
        }
    }

    /* SigV4a streaming: a known mode we do not implement, never stored */

    if (v->len > sizeof("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD") - 2
        && ngx_strncmp(v->data, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
                       sizeof("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
                       - 1) == 0)
    {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_NOT_IMPLEMENTED,
                                 "Signature Version 4A payloads (%*s) are "
                                 "not supported; sign with "
                                 "AWS4-HMAC-SHA256.",
                                 (size_t) v->len, v->data);
    }

    ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                      "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
                      "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
                      "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or "
                      "a valid sha256 value.");

    if (ngx_sos_auth_extra(r, ctx, "ArgumentName",
                           (u_char *) "x-amz-content-sha256",
                           sizeof("x-amz-content-sha256") - 1) != NGX_OK
        || ngx_sos_auth_extra(r, ctx, "ArgumentValue", v->data, v->len)
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_INVALID_ARGUMENT;
}


/* AKID/yyyymmdd/region/service/aws4_request */

static ngx_int_t
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


static ngx_sos_err_e
ngx_sos_auth_check_scope(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_auth_cred_t *cred, ngx_str_t *amz_date, const char *prefix)
{
    ngx_sos_err_e         code;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    /* "The authorization header is malformed; ..." or the query's error */

    code = prefix[0] == 'T' ? NGX_SOS_ERR_AUTH_HEADER_MALFORMED
                            : NGX_SOS_ERR_AUTH_QUERY_ERROR;

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

        if (ngx_sos_auth_extra(r, ctx, "Region", smcf->region.data,
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


static const sos_key_t *
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

    (void) ngx_sos_auth_extra(r, ctx, "AWSAccessKeyId", access_key_id->data,
                              access_key_id->len);

    return NULL;
}


static void
ngx_sos_auth_set_key(ngx_sos_ctx_t *ctx, const sos_key_t *key)
{
    ngx_cpystrn(ctx->auth.access_key_id, (u_char *) key->access_key_id,
                sizeof(ctx->auth.access_key_id));
    ngx_cpystrn(ctx->auth.org_id, (u_char *) key->org_id,
                sizeof(ctx->auth.org_id));
    ctx->auth.admin = key->admin ? 1 : 0;
}


/*
 * Derived signing keys per (access key, date, region): four HMACs saved
 * on all but the first request of a day.  The secret is kept with the
 * entry, so a key whose secret changed derives again.
 */

static u_char *
ngx_sos_auth_signing_key(const sos_key_t *key, ngx_str_t *date,
    ngx_str_t *region)
{
    size_t                     id_len, secret_len;
    ngx_uint_t                 i, victim;
    ngx_sos_auth_key_cache_t  *c;

    id_len = ngx_strlen(key->access_key_id);
    secret_len = ngx_strlen(key->secret);
    victim = 0;

    for (i = 0; i < NGX_SOS_AUTH_CACHE; i++) {
        c = &ngx_sos_auth_cache[i];

        if (c->used
            && ngx_strncmp(c->access_key_id, key->access_key_id, id_len + 1)
               == 0
            && ngx_memcmp(c->date, date->data, 8) == 0
            && c->region_len == region->len
            && ngx_memcmp(c->region, region->data, region->len) == 0
            && ngx_strncmp(c->secret, key->secret, secret_len + 1) == 0)
        {
            c->used = ++ngx_sos_auth_cache_clock;
            return c->key;
        }

        if (c->used < ngx_sos_auth_cache[victim].used) {
            victim = i;
        }
    }

    c = &ngx_sos_auth_cache[victim];

    sos_sigv4_signing_key(c->key, key->secret, secret_len,
                          (char *) date->data, (char *) region->data,
                          region->len, "s3", 2);

    if (region->len > sizeof(c->region)) {
        /* not cached: the region cannot be kept whole */
        c->used = 0;
        return c->key;
    }

    ngx_cpystrn(c->access_key_id, (u_char *) key->access_key_id,
                sizeof(c->access_key_id));
    ngx_cpystrn(c->secret, (u_char *) key->secret, sizeof(c->secret));
    ngx_memcpy(c->date, date->data, 8);
    ngx_memcpy(c->region, region->data, region->len);
    c->region_len = region->len;
    c->used = ++ngx_sos_auth_cache_clock;

    return c->key;
}


/* ------------------------------------------------------------------ */
/* SigV2                                                              */

typedef struct {
    ngx_str_t  name;                     /* lower case */
    ngx_str_t  value;
} ngx_sos_auth_kv_t;


static ngx_sos_err_e
ngx_sos_auth_v2(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *access_key_id, ngx_str_t *signature, ngx_str_t *expires)
{
    u_char             *p, *colon, *sts, *path, *s, *e, *amp, *eq;
    size_t              len, path_len, n_amz, n_sub, i, j;
    time_t              t, now;
    ngx_int_t           expiry;
    ngx_str_t           akid, sig, date, md5, type, name, value;
    ngx_uint_t          k;
    ngx_list_part_t    *part;
    ngx_table_elt_t    *h, *xdate;
    const sos_key_t    *key;
    ngx_sos_auth_kv_t  *amz, *sub;
    u_char              mac[20], b64[32];
    ngx_str_t           computed, raw;

    if (expires == NULL) {

        /* Authorization: AWS AKID:signature */

        p = access_key_id->data + sizeof("AWS ") - 1;
        e = access_key_id->data + access_key_id->len;

        while (p < e && *p == ' ') {
            p++;
        }

        colon = ngx_strlchr(p, e, ':');

        if (colon == NULL || colon == p || colon + 1 == e) {
            ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                              "AWS authorization header is invalid.  "
                              "Expected AwsAccessKeyId:signature");
            (void) ngx_sos_auth_extra(r, ctx, "ArgumentName",
                                      (u_char *) "Authorization",
                                      sizeof("Authorization") - 1);
            (void) ngx_sos_auth_extra(r, ctx, "ArgumentValue",
                                      access_key_id->data,
                                      access_key_id->len);
            return NGX_SOS_ERR_INVALID_ARGUMENT;
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

        t = h ? ngx_parse_http_time(h->value.data, h->value.len)
              : NGX_ERROR;

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

    } else {

        /* ?AWSAccessKeyId=...&Expires=...&Signature=... */

        if (ngx_sos_auth_decode(r, access_key_id, &akid) != NGX_OK
            || ngx_sos_auth_decode(r, signature, &sig) != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        expiry = ngx_atoi(expires->data, expires->len);
        now = ngx_time();

        if (expiry == NGX_ERROR || now > expiry) {
            return ngx_sos_auth_time_error(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                                           "Request has expired", NULL,
                                           NULL, 0,
                                           expiry == NGX_ERROR ? 0 : expiry,
                                           1);
        }

        date = *expires;
    }

    key = ngx_sos_auth_key(r, ctx, &akid);
    if (key == NULL) {
        return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
    }

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

    /* x-amz-* headers, sorted, values of a repeated name joined by ',' */

    n_amz = 0;
    len = 0;
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
            n_amz++;
            len += h[k].key.len + h[k].value.len + 2;
        }
    }

    n_sub = sos_sigv4_query_count((char *) r->args.data, r->args.len);

    amz = ngx_palloc(r->pool, (n_amz + n_sub) * sizeof(ngx_sos_auth_kv_t));
    if (amz == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    sub = amz + n_amz;
    n_amz = 0;
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
            amz[n_amz].name.data = h[k].lowcase_key;
            amz[n_amz].name.len = h[k].key.len;
            amz[n_amz].value = h[k].value;
            n_amz++;
        }
    }

    /* stable order for repeated names: insertion sort by name only */

    for (i = 1; i < n_amz; i++) {
        ngx_sos_auth_kv_t  tmp = amz[i];

        for (j = i; j > 0 && ngx_sos_auth_v2_cmp(&amz[j - 1], &tmp) > 0; j--)
        {
            amz[j] = amz[j - 1];
        }

        amz[j] = tmp;
    }

    /* sub-resources from the query, values decoded */

    n_sub = 0;
    s = r->args.data;
    e = s + r->args.len;

    while (s < e) {
        amp = ngx_strlchr(s, e, '&');
        if (amp == NULL) {
            amp = e;
        }

        eq = ngx_strlchr(s, amp, '=');

        name.data = s;
        name.len = (eq ? eq : amp) - s;

        if (name.len && ngx_sos_auth_v2_subresource(name.data, name.len)) {
            sub[n_sub].name = name;

            if (eq) {
                raw.data = eq + 1;
                raw.len = amp - raw.data;

                if (ngx_sos_auth_decode(r, &raw, &value) != NGX_OK) {
                    return NGX_SOS_ERR_INTERNAL_ERROR;
                }

                sub[n_sub].value = value;

            } else {
                sub[n_sub].value.data = NULL;
                sub[n_sub].value.len = 0;
            }

            len += name.len + sub[n_sub].value.len + 2;
            n_sub++;
        }

        s = amp + 1;
    }

    if (n_sub > 1) {
        ngx_qsort(sub, n_sub, sizeof(ngx_sos_auth_kv_t), ngx_sos_auth_v2_cmp);
    }

    path = r->unparsed_uri.data;
    path_len = r->args.len ? (size_t) (r->args.data - 1 - path)
                           : r->unparsed_uri.len;

    if (r->args.len == 0 && path_len && path[path_len - 1] == '?') {
        path_len--;
    }

    len += r->method_name.len + md5.len + type.len + date.len + 4
           + path_len + 1 + (ctx->virtual_host ? ctx->bucket.len + 1 : 0);

    sts = ngx_pnalloc(r->pool, len);
    if (sts == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    /* empty strings may have NULL data: no memcpy() from NULL */

    p = ngx_cpymem(sts, r->method_name.data, r->method_name.len);
    *p++ = '\n';
    p = md5.len ? ngx_cpymem(p, md5.data, md5.len) : p;
    *p++ = '\n';
    p = type.len ? ngx_cpymem(p, type.data, type.len) : p;
    *p++ = '\n';
    p = date.len ? ngx_cpymem(p, date.data, date.len) : p;
    *p++ = '\n';

    for (i = 0; i < n_amz; i++) {
        if (i && amz[i].name.len == amz[i - 1].name.len
            && ngx_strncmp(amz[i].name.data, amz[i - 1].name.data,
                           amz[i].name.len) == 0)
        {
            p[-1] = ',';

        } else {
            p = ngx_cpymem(p, amz[i].name.data, amz[i].name.len);
            *p++ = ':';
        }

        p += ngx_sos_auth_header_value(p, &amz[i].value);
        *p++ = '\n';
    }

    if (ctx->virtual_host) {
        *p++ = '/';
        p = ngx_cpymem(p, ctx->bucket.data, ctx->bucket.len);
    }

    p = ngx_cpymem(p, path, path_len);

    if (path_len == 0 && !ctx->virtual_host) {
        *p++ = '/';
    }

    for (i = 0; i < n_sub; i++) {
        *p++ = i ? '&' : '?';
        p = ngx_cpymem(p, sub[i].name.data, sub[i].name.len);

        if (sub[i].value.data) {
            *p++ = '=';
            p = ngx_cpymem(p, sub[i].value.data, sub[i].value.len);
        }
    }

    len = p - sts;

    sos_sigv4_hmac_sha1(mac, key->secret, ngx_strlen(key->secret), sts, len);

    raw.data = mac;
    raw.len = 20;
    computed.data = b64;
    ngx_encode_base64(&computed, &raw);

    if (sig.len != computed.len
        || CRYPTO_memcmp(sig.data, computed.data, computed.len) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "sos: SigV2 signature mismatch for key \"%V\"", &akid);

        if (ngx_sos_auth_extra(r, ctx, "AWSAccessKeyId", akid.data, akid.len)
            != NGX_OK
            || ngx_sos_auth_extra(r, ctx, "StringToSign", sts, len)
               != NGX_OK
            || ngx_sos_auth_extra(r, ctx, "SignatureProvided", sig.data,
                                  sig.len) != NGX_OK
            || ngx_sos_auth_extra_bytes(r, ctx, "StringToSignBytes", sts,
                                        len) != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
    }

    ngx_sos_auth_set_key(ctx, key);
    ctx->auth.sigv2 = 1;
    ctx->auth.presigned = expires ? 1 : 0;

    h = ngx_sos_header_find(r, "x-amz-content-sha256");
    if (h) {
        return ngx_sos_auth_payload(r, ctx, &h->value, 0);
    }

    return NGX_SOS_OK;
}


static ngx_int_t
ngx_sos_auth_v2_subresource(u_char *name, size_t len)
{
    ngx_str_t  *s;

    for (s = ngx_sos_auth_v2_subresources; s->len; s++) {
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


/* ------------------------------------------------------------------ */
/* helpers                                                            */

static void
ngx_sos_auth_scan_query(ngx_http_request_t *r, ngx_sos_auth_query_t *q)
{
    u_char      *s, *e, *amp, *eq;
    size_t       len;
    ngx_str_t   *v;

    ngx_memzero(q, sizeof(ngx_sos_auth_query_t));

    s = r->args.data;
    e = s + r->args.len;

    while (s < e) {
        amp = ngx_strlchr(s, e, '&');
        if (amp == NULL) {
            amp = e;
        }

        eq = ngx_strlchr(s, amp, '=');
        len = (eq ? eq : amp) - s;
        v = NULL;

        if (len > 6 && ngx_strncmp(s, "X-Amz-", 6) == 0) {

            switch (len) {

            case sizeof("X-Amz-Date") - 1:
                if (ngx_strncmp(s, "X-Amz-Date", len) == 0) {
                    v = &q->date;
                }
                break;

            case sizeof("X-Amz-Expires") - 1:
                if (ngx_strncmp(s, "X-Amz-Expires", len) == 0) {
                    v = &q->expires;
                }
                break;

            case sizeof("X-Amz-Algorithm") - 1:
                if (ngx_strncmp(s, "X-Amz-Algorithm", len) == 0) {
                    v = &q->algorithm;
                    q->v4 = 1;

                } else if (ngx_strncmp(s, "X-Amz-Signature", len) == 0) {
                    v = &q->signature;
                }
                break;

            case sizeof("X-Amz-Credential") - 1:
                if (ngx_strncmp(s, "X-Amz-Credential", len) == 0) {
                    v = &q->credential;
                }
                break;

            case sizeof("X-Amz-SignedHeaders") - 1:
                if (ngx_strncmp(s, "X-Amz-SignedHeaders", len) == 0) {
                    v = &q->signed_headers;
                }
                break;
            }

        } else if (len == sizeof("AWSAccessKeyId") - 1
                   && ngx_strncmp(s, "AWSAccessKeyId", len) == 0)
        {
            v = &q->v2_key;
            q->v2 = 1;

        } else if (len == sizeof("Signature") - 1
                   && ngx_strncmp(s, "Signature", len) == 0)
        {
            v = &q->v2_signature;
            q->v2 = 1;

        } else if (len == sizeof("Expires") - 1
                   && ngx_strncmp(s, "Expires", len) == 0)
        {
            v = &q->v2_expires;
        }

        if (v && eq) {
            v->data = eq + 1;
            v->len = amp - v->data;
        }

        s = amp + 1;
    }

    /* a credential without the algorithm is still a presigned URL */

    if (q->credential.len || q->signature.len) {
        q->v4 = 1;
    }
}


/* a header value trimmed, inner runs of spaces as one */

static size_t
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


/* 20130524T000000Z */

static time_t
ngx_sos_auth_parse_iso(u_char *p, size_t len)
{
    ngx_uint_t  i;
    ngx_int_t   year, month, day, hour, min, sec, days;

    if (len != SOS_SIGV4_DATE_LEN || p[8] != 'T' || p[15] != 'Z') {
        return NGX_ERROR;
    }

    for (i = 0; i < 15; i++) {
        if (i != 8 && (p[i] < '0' || p[i] > '9')) {
            return NGX_ERROR;
        }
    }

    year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10
           + (p[3] - '0');
    month = (p[4] - '0') * 10 + (p[5] - '0');
    day = (p[6] - '0') * 10 + (p[7] - '0');
    hour = (p[9] - '0') * 10 + (p[10] - '0');
    min = (p[11] - '0') * 10 + (p[12] - '0');
    sec = (p[13] - '0') * 10 + (p[14] - '0');

    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31
        || hour > 23 || min > 59 || sec > 60)
    {
        return NGX_ERROR;
    }

    /* days since the epoch (Howard Hinnant's days_from_civil) */

    year -= month <= 2;
    days = (year / 400) * 146097
           + ((year % 400) * 365 + (year % 400) / 4 - (year % 400) / 100)
           + (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
           - 719468;

    return (time_t) days * 86400 + hour * 3600 + min * 60 + sec;
}


static u_char *
ngx_sos_auth_format_iso(u_char *p, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(p, "%4d%02d%02dT%02d%02d%02dZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}


/* a query value percent-decoded ('+' kept), from r->pool when needed */

static ngx_int_t
ngx_sos_auth_decode(ngx_http_request_t *r, ngx_str_t *src, ngx_str_t *dst)
{
    if (ngx_strlchr(src->data, src->data + src->len, '%') == NULL) {
        *dst = *src;
        return NGX_OK;
    }

    dst->data = ngx_pnalloc(r->pool, src->len);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    dst->len = sos_sigv4_uri_decode((char *) dst->data, (char *) src->data,
                                    src->len);

    return NGX_OK;
}


/* append <name>escaped value</name> to ctx->error_extra */

static ngx_int_t
ngx_sos_auth_extra(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *name,
    u_char *value, size_t len)
{
    u_char  *p, *start;
    size_t   nlen, size;

    nlen = ngx_strlen(name);
    size = ctx->error_extra.len + 2 * nlen + 5
           + ngx_sos_xml_escape_len(value, len);

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    start = p;

    if (ctx->error_extra.len) {
        p = ngx_cpymem(p, ctx->error_extra.data, ctx->error_extra.len);
    }

    *p++ = '<';
    p = ngx_cpymem(p, name, nlen);
    *p++ = '>';
    p = ngx_sos_xml_escape(p, value, len);
    *p++ = '<';
    *p++ = '/';
    p = ngx_cpymem(p, name, nlen);
    *p++ = '>';

    ctx->error_extra.data = start;
    ctx->error_extra.len = p - start;

    return NGX_OK;
}


/* bytes as S3 shows them: "41 57 53 34" */

static ngx_int_t
ngx_sos_auth_extra_bytes(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *name, u_char *value, size_t len)
{
    u_char    *hex, *p;
    size_t     i;
    ngx_int_t  rc;

    if (len == 0) {
        return ngx_sos_auth_extra(r, ctx, name, value, 0);
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

    rc = ngx_sos_auth_extra(r, ctx, name, hex, p - hex);

    ngx_pfree(r->pool, hex);

    return rc;
}


/* the error's message, formatted into r->pool; returns err */

static ngx_sos_err_e
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

static ngx_sos_err_e
ngx_sos_auth_time_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, char *message, char *name, u_char *value, size_t len,
    time_t expires, ngx_uint_t with_expires)
{
    u_char    *p, buf[NGX_TIME_T_LEN + 64];
    ngx_tm_t   tm;

    if (message) {
        (void) ngx_sos_auth_fail(r, ctx, err, "%s", message);
    }

    if (name && ngx_sos_auth_extra(r, ctx, name, value, len) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (with_expires) {
        ngx_gmtime(expires, &tm);
        p = ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                        tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                        tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

        if (ngx_sos_auth_extra(r, ctx, "Expires", buf, p - buf) != NGX_OK) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }
    }

    ngx_gmtime(ngx_time(), &tm);
    p = ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                    tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    if (ngx_sos_auth_extra(r, ctx, "ServerTime", buf, p - buf) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (err == NGX_SOS_ERR_REQUEST_TIME_TOO_SKEWED
        && ngx_sos_auth_extra(r, ctx, "MaxAllowedSkewMilliseconds",
                              (u_char *) "900000", 6) != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return err;
}
