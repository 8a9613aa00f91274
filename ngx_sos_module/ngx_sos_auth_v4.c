
/*
 * SOS: Signature Version 4, in the Authorization header and in the query
 * (presigned URLs), and the payload modes of x-amz-content-sha256.
 *
 * The canonical request is built exactly as AWS does, so the
 * SignatureDoesNotMatch body can show the client what we signed.
 */


#include "ngx_sos_auth.h"
#include <sosproto/sigv4.h>


static ngx_sos_err_e ngx_sos_auth_v4_verify(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, const sos_key_t *key, ngx_sos_auth_cred_t *cred,
    ngx_str_t *amz_date, ngx_str_t *signed_headers, ngx_str_t *signature,
    ngx_str_t *payload, ngx_uint_t presigned);
static size_t ngx_sos_auth_v4_canonical_headers(ngx_http_request_t *r,
    ngx_str_t *signed_headers, u_char *p);
static ngx_uint_t ngx_sos_auth_v4_signed(ngx_str_t *signed_headers,
    u_char *name, size_t len);
static ngx_sos_err_e ngx_sos_auth_v4_unsigned(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *signed_headers, ngx_uint_t presigned);
static size_t ngx_sos_auth_v4_unsigned_list(ngx_http_request_t *r,
    ngx_str_t *signed_headers, ngx_uint_t presigned, u_char *list);
static size_t ngx_sos_auth_v4_list_add(u_char *list, size_t len,
    u_char *name, size_t n);
static ngx_uint_t ngx_sos_auth_v4_must_sign(ngx_table_elt_t *h,
    ngx_uint_t presigned);
static u_char *ngx_sos_auth_v4_format_iso(u_char *p, time_t t);


/* Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., ... */

ngx_sos_err_e
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
        t = ngx_sos_auth_parse_iso(amz_date.data, amz_date.len, 0);

    } else if (r->headers_in.date) {
        t = ngx_parse_http_time(r->headers_in.date->value.data,
                                r->headers_in.date->value.len);

        if (t != NGX_ERROR) {
            amz_date.data = ngx_pnalloc(r->pool, SOS_SIGV4_DATE_LEN);
            if (amz_date.data == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            amz_date.len = ngx_sos_auth_v4_format_iso(amz_date.data, t)
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
                                   NGX_SOS_ERR_AUTH_HEADER_MALFORMED,
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


/* X-Amz-Algorithm, X-Amz-Credential ... X-Amz-Signature: a presigned URL */

ngx_sos_err_e
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

    if (ngx_sos_uri_decode(r, q->algorithm.data, q->algorithm.len,
                           &algorithm) != NGX_OK
        || ngx_sos_uri_decode(r, q->credential.data, q->credential.len,
                              &credential) != NGX_OK
        || ngx_sos_uri_decode(r, q->signed_headers.data,
                              q->signed_headers.len, &signed_headers)
           != NGX_OK
        || ngx_sos_uri_decode(r, q->signature.data, q->signature.len,
                              &signature) != NGX_OK
        || ngx_sos_uri_decode(r, q->date.data, q->date.len, &amz_date)
           != NGX_OK)
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

    t = ngx_sos_auth_parse_iso(amz_date.data, amz_date.len, 0);
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

    /* S3 answers 403 to an expiry above a week */

    if (expires > SOS_SIGV4_MAX_EXPIRES) {
        return ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_AUTH_QUERY_FORBIDDEN,
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
                                   NGX_SOS_ERR_AUTH_QUERY_ERROR,
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

    /* X-Amz-Expires=0 has expired when it is made */

    if (expires == 0 || now > t + expires) {
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
    u_char              *p, *creq, *work, *sts, *skey;
    size_t               len, nparams, hlen, sts_len;
    ngx_str_t            path;
    ngx_sos_err_e        err;
    u_char               hash[32], mac[32], hex[64];
    sos_sigv4_param_t   *params;

    ngx_sos_auth_path(r, &path);

    nparams = sos_sigv4_query_count((char *) r->args.data, r->args.len);

    err = ngx_sos_auth_v4_unsigned(r, ctx, signed_headers, presigned);
    if (err != NGX_SOS_OK) {
        return err;
    }

    hlen = ngx_sos_auth_v4_canonical_headers(r, signed_headers, NULL);

    len = r->method_name.len + 1
          + 3 * path.len + 2
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

    if (path.len == 0) {
        *p++ = '/';

    } else {
        p += sos_sigv4_canonical_uri((char *) p, (char *) path.data,
                                     path.len);
    }

    *p++ = '\n';

    p += sos_sigv4_canonical_query((char *) p, (char *) work, params,
                                   (char *) r->args.data, r->args.len,
                                   presigned);
    *p++ = '\n';

    p += ngx_sos_auth_v4_canonical_headers(r, signed_headers, p);

    *p++ = '\n';
    p = ngx_cpymem(p, signed_headers->data, signed_headers->len);
    *p++ = '\n';
    p = ngx_cpymem(p, payload->data, payload->len);

    len = p - creq;

    sos_sigv4_sha256(hash, creq, len);
    sts_len = sos_sigv4_string_to_sign((char *) sts, (char *) amz_date->data,
                                       (char *) cred->scope.data,
                                       cred->scope.len, hash);

    skey = ngx_sos_auth_signing_key(r, key, &cred->date, &cred->region);

    sos_sigv4_hmac_sha256(mac, skey, 32, sts, sts_len);
    sos_sigv4_hex((char *) hex, mac, 32);

    if (!ngx_sos_auth_match(hex, 64, signature)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "sos: SigV4 signature mismatch for key \"%V\"",
                      &cred->access_key_id);

        if (ngx_sos_error_element(r, ctx, "AWSAccessKeyId",
                                  cred->access_key_id.data,
                                  cred->access_key_id.len) != NGX_OK
            || ngx_sos_error_element(r, ctx, "StringToSign", sts, sts_len)
               != NGX_OK
            || ngx_sos_error_element(r, ctx, "SignatureProvided",
                                     signature->data, signature->len)
               != NGX_OK
            || ngx_sos_auth_extra_bytes(r, ctx, "StringToSignBytes", sts,
                                        sts_len) != NGX_OK
            || ngx_sos_error_element(r, ctx, "CanonicalRequest", creq, len)
               != NGX_OK
            || ngx_sos_auth_extra_bytes(r, ctx, "CanonicalRequestBytes",
                                        creq, len) != NGX_OK)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
    }

    ngx_sos_auth_set_key(ctx, key);

    /*
     * what the aws-chunked signatures chain from; the signing key is
     * copied into the request only for them
     */

    if (ctx->auth.payload_mode == NGX_SOS_PAYLOAD_CHUNKED
        || ctx->auth.payload_mode == NGX_SOS_PAYLOAD_CHUNKED_TRAILER)
    {
        ngx_memcpy(ctx->auth.signing_key, skey, 32);
    }

    ngx_memcpy(ctx->auth.seed_signature, hex, 64);
    ctx->auth.amz_date = *amz_date;
    ctx->auth.scope = cred->scope;

    return NGX_SOS_OK;
}


/*
 * The canonical headers: a line name:value for each signed header, the
 * values of a repeated header joined by ','.  Written to p, their length;
 * with p NULL, not written, and the length they may take at the most (a
 * value's white space is folded as it is written).
 */

static size_t
ngx_sos_auth_v4_canonical_headers(ngx_http_request_t *r,
    ngx_str_t *signed_headers, u_char *p)
{
    u_char           *s, *e, *semi;
    size_t            len, n;
    ngx_uint_t        i, found;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = 0;
    e = signed_headers->data + signed_headers->len;

    for (s = signed_headers->data; s < e; s = semi + 1) {

        semi = ngx_strlchr(s, e, ';');
        if (semi == NULL) {
            semi = e;
        }

        len += (semi - s) + 2;

        if (p) {
            p = ngx_cpymem(p, s, semi - s);
            *p++ = ':';
        }

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

            if (h[i].key.len != (size_t) (semi - s)
                || ngx_strncmp(h[i].lowcase_key, s, semi - s) != 0)
            {
                continue;
            }

            if (found++) {
                len++;

                if (p) {
                    *p++ = ',';
                }
            }

            if (p) {
                n = ngx_sos_auth_header_value(p, &h[i].value);
                p += n;

            } else {
                n = h[i].value.len;
            }

            len += n;
        }

        if (p) {
            *p++ = '\n';
        }
    }

    return len;
}


static ngx_uint_t
ngx_sos_auth_v4_signed(ngx_str_t *signed_headers, u_char *name, size_t len)
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
ngx_sos_auth_v4_unsigned(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *signed_headers, ngx_uint_t presigned)
{
    u_char  *list;
    size_t   len;

    len = ngx_sos_auth_v4_unsigned_list(r, signed_headers, presigned, NULL);
    if (len == 0) {
        return NGX_SOS_OK;
    }

    list = ngx_pnalloc(r->pool, len);
    if (list == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    (void) ngx_sos_auth_v4_unsigned_list(r, signed_headers, presigned, list);

    (void) ngx_sos_auth_fail(r, ctx, NGX_SOS_ERR_ACCESS_DENIED,
                             "There were headers present in the request "
                             "which were not signed");

    if (ngx_sos_error_element(r, ctx, "HeadersNotSigned", list, len)
        != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_ACCESS_DENIED;
}


/*
 * The headers that must be signed and are not, as S3 lists them: host
 * first, then "x-amz-a,x-amz-b".  Written to list unless it is NULL; their
 * length.
 */

static size_t
ngx_sos_auth_v4_unsigned_list(ngx_http_request_t *r,
    ngx_str_t *signed_headers, ngx_uint_t presigned, u_char *list)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = 0;

    if (!ngx_sos_auth_v4_signed(signed_headers, (u_char *) "host",
                                sizeof("host") - 1))
    {
        len = ngx_sos_auth_v4_list_add(list, len, (u_char *) "host",
                                       sizeof("host") - 1);
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

        if (ngx_sos_auth_v4_must_sign(&h[i], presigned)
            && !ngx_sos_auth_v4_signed(signed_headers, h[i].lowcase_key,
                                       h[i].key.len))
        {
            len = ngx_sos_auth_v4_list_add(list, len, h[i].lowcase_key,
                                           h[i].key.len);
        }
    }

    return len;
}


/* name appended to the comma-separated list of len bytes (NULL: counted) */

static size_t
ngx_sos_auth_v4_list_add(u_char *list, size_t len, u_char *name, size_t n)
{
    if (len > 0) {
        if (list) {
            list[len] = ',';
        }

        len++;
    }

    if (list) {
        ngx_memcpy(list + len, name, n);
    }

    return len + n;
}


/*
 * Every x-amz-* header, but for a presigned URL x-amz-content-sha256: the
 * canonical request is built with its value as the payload hash, so it is
 * bound to the signature anyway (S3 takes it unsigned there too).
 */

static ngx_uint_t
ngx_sos_auth_v4_must_sign(ngx_table_elt_t *h, ngx_uint_t presigned)
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


/* x-amz-content-sha256: a hex SHA-256 or one of the modes */

ngx_sos_err_e
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

    if (ngx_sos_error_element(r, ctx, "ArgumentName",
                              (u_char *) "x-amz-content-sha256",
                              sizeof("x-amz-content-sha256") - 1) != NGX_OK
        || ngx_sos_error_element(r, ctx, "ArgumentValue", v->data, v->len)
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_INVALID_ARGUMENT;
}


/* the Date header's time as X-Amz-Date: 20130524T000000Z */

static u_char *
ngx_sos_auth_v4_format_iso(u_char *p, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(p, "%4d%02d%02dT%02d%02d%02dZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}
