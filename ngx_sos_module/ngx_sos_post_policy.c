
/*
 * SOS: the POST policy of a browser form.
 *
 * The policy field is base64 of a JSON document: an expiration and the
 * conditions every field must meet.  Its signature is SigV4's
 * (x-amz-credential ... x-amz-signature) or SigV2's (AWSAccessKeyId,
 * signature), checked as the Authorization header's are: the same
 * credential parsing and scope, key table, signing-key cache and
 * constant-time comparison (ngx_sos_auth.h).  The document is parsed by
 * jansson, strictly: a name given twice in an object is refused (which
 * one would count?), and so is nesting deeper than
 * NGX_SOS_POST_JSON_DEPTH.  The form bounds its size (20 KiB).
 */


#include "ngx_sos_post.h"
#include "ngx_sos_auth.h"
#include <sosproto/sigv4.h>

#include <jansson.h>


#define NGX_SOS_POST_JSON_DEPTH  8


static ngx_sos_err_e ngx_sos_post_policy_signature(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *policy);
static ngx_sos_err_e ngx_sos_post_policy_v4(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *policy, ngx_str_t *sig,
    const sos_key_t **key);
static ngx_sos_err_e ngx_sos_post_policy_v2(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *policy, const sos_key_t **key);
static ngx_int_t ngx_sos_post_policy_parse(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *doc);
static ngx_int_t ngx_sos_post_policy_depth(json_t *v, ngx_uint_t depth);
static void ngx_sos_post_policy_free(void *data);
static void ngx_sos_post_policy_str(json_t *v, ngx_str_t *s);
static ngx_int_t ngx_sos_post_policy_number(json_t *v, off_t *out);
static ngx_int_t ngx_sos_post_policy_value(ngx_sos_post_t *st,
    ngx_str_t *name, ngx_str_t *value);
static ngx_uint_t ngx_sos_post_policy_holds(ngx_str_t *value, ngx_str_t *s,
    ngx_uint_t prefix);
static void ngx_sos_post_policy_named(ngx_sos_post_t *st, u_char *named,
    ngx_str_t *name);
static ngx_sos_err_e ngx_sos_post_policy_failed(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *op, ngx_str_t *name, ngx_str_t *value);


/* fields the policy need not name */

static ngx_str_t  ngx_sos_post_policy_exempt[] = {
    ngx_string("file"),
    ngx_string("policy"),
    ngx_string("x-amz-signature"),
    ngx_string("signature"),
    ngx_string("awsaccesskeyid"),
    ngx_null_string
};


ngx_sos_err_e
ngx_sos_post_policy_read(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *policy)
{
    time_t          exp;
    json_t         *e, *conds;
    ngx_int_t       rc;
    ngx_str_t       decoded, s;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;

    ctx = st->ctx;

    err = ngx_sos_post_policy_signature(r, st, policy);
    if (err != NGX_SOS_OK) {
        return err;
    }

    decoded.data = ngx_pnalloc(r->pool, ngx_base64_decoded_length(
                                                            policy->len));
    if (decoded.data == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (ngx_decode_base64(&decoded, policy) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Invalid Base64 encoding.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    rc = ngx_sos_post_policy_parse(r, st, &decoded);

    if (rc == NGX_ERROR) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (rc == NGX_DECLINED) {
        ngx_str_set(&ctx->error_message, "Invalid Policy: Invalid JSON.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    e = json_object_get(st->policy, "expiration");

    if (!json_is_string(e)) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Policy missing expiration.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    ngx_sos_post_policy_str(e, &s);

    exp = ngx_sos_auth_parse_iso(s.data, s.len, 1);

    if (exp == NGX_ERROR) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Invalid 'expiration' value.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    if (exp < ngx_time()) {
        ngx_str_set(&ctx->error_message,
                    "Invalid according to Policy: Policy expired.");
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    /* an empty list names no field: S3 and RGW refuse it as missing */

    conds = json_object_get(st->policy, "conditions");

    if (!json_is_array(conds) || json_array_size(conds) == 0) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Policy missing conditions.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    return NGX_SOS_OK;
}


/* every condition holds, and every field is named by one */

ngx_sos_err_e
ngx_sos_post_policy_check(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    void                  *it;
    u_char                *named;
    off_t                  min, max;
    size_t                 i;
    json_t                *conds, *c, *m, *a1, *a2;
    ngx_str_t              name, value, op, s;
    ngx_uint_t             k, x, prefix;
    ngx_sos_ctx_t         *ctx;
    ngx_sos_post_field_t  *f;

    ctx = st->ctx;
    conds = json_object_get(st->policy, "conditions");
    f = st->fields.elts;

    named = ngx_pcalloc(r->pool, st->fields.nelts + 1);
    if (named == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    for (i = 0; i < json_array_size(conds); i++) {
        c = json_array_get(conds, i);

        if (json_is_object(c)) {

            /* {"field": "value"}: an exact match */

            for (it = json_object_iter(c);
                 it;
                 it = json_object_iter_next(c, it))
            {
                m = json_object_iter_value(it);

                if (!json_is_string(m)) {
                    goto invalid;
                }

                name.data = (u_char *) json_object_iter_key(it);
                name.len = json_object_iter_key_len(it);
                ngx_sos_post_policy_str(m, &s);

                if (ngx_sos_post_policy_value(st, &name, &value) != NGX_OK
                    || !ngx_sos_post_policy_holds(&value, &s, 0))
                {
                    return ngx_sos_post_policy_failed(r, ctx, "eq", &name,
                                                      &s);
                }

                ngx_sos_post_policy_named(st, named, &name);
            }

            continue;
        }

        if (!json_is_array(c) || json_array_size(c) != 3
            || !json_is_string(json_array_get(c, 0)))
        {
            goto invalid;
        }

        ngx_sos_post_policy_str(json_array_get(c, 0), &op);
        a1 = json_array_get(c, 1);
        a2 = json_array_get(c, 2);

        if (op.len == sizeof("content-length-range") - 1
            && ngx_strncasecmp(op.data, (u_char *) "content-length-range",
                               op.len) == 0)
        {
            if (ngx_sos_post_policy_number(a1, &min) != NGX_OK
                || ngx_sos_post_policy_number(a2, &max) != NGX_OK
                || min > max)
            {
                goto invalid;
            }

            st->min_size = ngx_max(st->min_size, min);
            st->max_size = (st->max_size < 0) ? max
                                              : ngx_min(st->max_size, max);
            continue;
        }

        if (!json_is_string(a1) || !json_is_string(a2)) {
            goto invalid;
        }

        ngx_sos_post_policy_str(a1, &name);
        ngx_sos_post_policy_str(a2, &s);

        if (name.len < 2 || name.data[0] != '$') {
            goto invalid;
        }

        name.data++;
        name.len--;

        if (ngx_sos_post_policy_value(st, &name, &value) != NGX_OK) {
            ngx_str_null(&value);
        }

        if (op.len == 2 && ngx_strncasecmp(op.data, (u_char *) "eq", 2) == 0)
        {
            prefix = 0;

        } else if (op.len == 11
                   && ngx_strncasecmp(op.data, (u_char *) "starts-with",
                                      11) == 0)
        {
            prefix = 1;

        } else {
            goto invalid;
        }

        if (!ngx_sos_post_policy_holds(&value, &s, prefix)) {
            return ngx_sos_post_policy_failed(r, ctx,
                                              prefix ? "starts-with" : "eq",
                                              &name, &s);
        }

        ngx_sos_post_policy_named(st, named, &name);
    }

    /* every field but the exempt ones is named by a condition */

    for (k = 0; k < st->fields.nelts; k++) {
        if (named[k]) {
            continue;
        }

        if (f[k].name.len >= 9
            && ngx_strncmp(f[k].name.data, "x-ignore-", 9) == 0)
        {
            continue;
        }

        for (x = 0; ngx_sos_post_policy_exempt[x].len; x++) {
            if (f[k].name.len == ngx_sos_post_policy_exempt[x].len
                && ngx_strncmp(f[k].name.data,
                               ngx_sos_post_policy_exempt[x].data,
                               f[k].name.len) == 0)
            {
                break;
            }
        }

        if (ngx_sos_post_policy_exempt[x].len) {
            continue;
        }

        ctx->error_message.data = ngx_pnalloc(r->pool,
                    sizeof("Invalid according to Policy: Extra input "
                           "fields: ") + f[k].name.len);
        if (ctx->error_message.data == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        ctx->error_message.len =
                    ngx_sprintf(ctx->error_message.data,
                                "Invalid according to Policy: Extra input "
                                "fields: %V", &f[k].name)
                    - ctx->error_message.data;

        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    return NGX_SOS_OK;

invalid:

    ngx_str_set(&ctx->error_message,
                "Invalid Policy: Invalid Simple-Condition: a condition is "
                "not {\"field\": \"value\"}, [\"eq\"|\"starts-with\", "
                "\"$field\", \"value\"] or [\"content-length-range\", "
                "min, max].");

    return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
}


/* SigV4 (x-amz-*) or SigV2 (AWSAccessKeyId, signature) of the policy */

static ngx_sos_err_e
ngx_sos_post_policy_signature(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *policy)
{
    ngx_str_t        *sig;
    ngx_sos_err_e     err;
    const sos_key_t  *key;

    sig = ngx_sos_post_form_field(st, "x-amz-signature", 15);

    if (sig) {
        err = ngx_sos_post_policy_v4(r, st, policy, sig, &key);

    } else {
        err = ngx_sos_post_policy_v2(r, st, policy, &key);
    }

    if (err != NGX_SOS_OK) {
        return err;
    }

    ngx_cpystrn((u_char *) st->org_id, (u_char *) key->org_id,
                sizeof(st->org_id));

    return NGX_SOS_OK;
}


static ngx_sos_err_e
ngx_sos_post_policy_v4(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *policy, ngx_str_t *sig, const sos_key_t **key)
{
    u_char               *skey, mac[32], hex[64], lower[64];
    ngx_str_t            *alg, *credential, *amz_date, sent;
    ngx_sos_err_e         err;
    ngx_sos_auth_cred_t   cred;

    alg = ngx_sos_post_form_field(st, "x-amz-algorithm", 15);
    credential = ngx_sos_post_form_field(st, "x-amz-credential", 16);
    amz_date = ngx_sos_post_form_field(st, "x-amz-date", 10);

    if (alg == NULL || credential == NULL || amz_date == NULL) {
        ngx_str_set(&st->ctx->error_message,
                    "Bucket POST must contain the fields "
                    "x-amz-algorithm, x-amz-credential and x-amz-date.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (alg->len != sizeof(SOS_SIGV4_ALGORITHM) - 1
        || ngx_strncmp(alg->data, SOS_SIGV4_ALGORITHM, alg->len) != 0)
    {
        ngx_str_set(&st->ctx->error_message,
                    "POST form x-amz-algorithm must be AWS4-HMAC-SHA256.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (ngx_sos_auth_credential(credential, &cred) != NGX_OK) {
        ngx_str_set(&st->ctx->error_message,
                    "Invalid x-amz-credential in the POST form.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    err = ngx_sos_auth_check_scope(r, st->ctx, &cred, amz_date,
                                   NGX_SOS_ERR_AUTH_QUERY_ERROR,
                                   "Error parsing the X-Amz-Credential "
                                   "parameter; ");
    if (err != NGX_SOS_OK) {
        return err;
    }

    *key = ngx_sos_auth_key(r, st->ctx, &cred.access_key_id);
    if (*key == NULL) {
        return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
    }

    skey = ngx_sos_auth_signing_key(r, *key, &cred.date, &cred.region);

    sos_sigv4_hmac_sha256(mac, skey, 32, policy->data, policy->len);
    sos_sigv4_hex((char *) hex, mac, 32);

    /* hex digits in either case */

    sent = *sig;

    if (sig->len == sizeof(lower)) {
        ngx_strlow(lower, sig->data, sizeof(lower));
        sent.data = lower;
    }

    if (!ngx_sos_auth_match(hex, sizeof(hex), &sent)) {
        return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
    }

    return NGX_SOS_OK;
}


static ngx_sos_err_e
ngx_sos_post_policy_v2(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *policy, const sos_key_t **key)
{
    u_char      b64[32];
    ngx_str_t  *akid, *sig, computed;

    akid = ngx_sos_post_form_field(st, "awsaccesskeyid", 14);
    sig = ngx_sos_post_form_field(st, "signature", 9);

    if (akid == NULL || sig == NULL) {
        ngx_str_set(&st->ctx->error_message,
                    "Bucket POST with a policy must be signed: "
                    "x-amz-signature or signature is missing.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    *key = ngx_sos_auth_key(r, st->ctx, akid);
    if (*key == NULL) {
        return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
    }

    computed.data = b64;
    ngx_sos_auth_v2_sign(*key, policy->data, policy->len, &computed);

    if (!ngx_sos_auth_match(computed.data, computed.len, sig)) {
        return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
    }

    return NGX_SOS_OK;
}


/* NGX_OK: st->policy, an object; NGX_DECLINED: not JSON as we take it */

static ngx_int_t
ngx_sos_post_policy_parse(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *doc)
{
    json_t              *v;
    json_error_t         error;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    /* a NUL escaped in a string is kept: values go with their lengths */

    v = json_loadb((char *) doc->data, doc->len,
                   JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);

    if (v == NULL) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "sos: POST policy: %s at byte %d", error.text,
                       error.position);
        return NGX_DECLINED;
    }

    cln->handler = ngx_sos_post_policy_free;
    cln->data = v;
    st->policy = v;

    if (!json_is_object(v) || ngx_sos_post_policy_depth(v, 0) != NGX_OK) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_post_policy_depth(json_t *v, ngx_uint_t depth)
{
    void    *it;
    size_t   i;

    if (depth > NGX_SOS_POST_JSON_DEPTH) {
        return NGX_ERROR;
    }

    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            if (ngx_sos_post_policy_depth(json_array_get(v, i), depth + 1)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

    } else if (json_is_object(v)) {
        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        {
            if (ngx_sos_post_policy_depth(json_object_iter_value(it),
                                          depth + 1)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


static void
ngx_sos_post_policy_free(void *data)
{
    json_decref(data);
}


static void
ngx_sos_post_policy_str(json_t *v, ngx_str_t *s)
{
    s->data = (u_char *) json_string_value(v);
    s->len = json_string_length(v);
}


/* a non-negative integer, as a JSON number or a string of digits */

static ngx_int_t
ngx_sos_post_policy_number(json_t *v, off_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return (*out < 0) ? NGX_ERROR : NGX_OK;
    }

    if (!json_is_string(v)) {
        return NGX_ERROR;
    }

    *out = ngx_atoof((u_char *) json_string_value(v), json_string_length(v));

    return (*out == NGX_ERROR) ? NGX_ERROR : NGX_OK;
}


/* what a condition compares: bucket, key (substituted), or a field */

static ngx_int_t
ngx_sos_post_policy_value(ngx_sos_post_t *st, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_str_t  *v;

    if (name->len == 6
        && ngx_strncasecmp(name->data, (u_char *) "bucket", 6) == 0)
    {
        *value = st->ctx->bucket;
        return NGX_OK;
    }

    if (name->len == 3
        && ngx_strncasecmp(name->data, (u_char *) "key", 3) == 0)
    {
        *value = st->key;
        return NGX_OK;
    }

    v = ngx_sos_post_form_field(st, (char *) name->data, name->len);
    if (v == NULL) {
        return NGX_DECLINED;
    }

    *value = *v;

    return NGX_OK;
}


/* value is s ("eq"), or starts with it (prefix: "starts-with") */

static ngx_uint_t
ngx_sos_post_policy_holds(ngx_str_t *value, ngx_str_t *s, ngx_uint_t prefix)
{
    if (prefix ? value->len < s->len : value->len != s->len) {
        return 0;
    }

    return s->len == 0 || ngx_memcmp(value->data, s->data, s->len) == 0;
}


/* the fields a condition names (any case) need no other */

static void
ngx_sos_post_policy_named(ngx_sos_post_t *st, u_char *named,
    ngx_str_t *name)
{
    ngx_uint_t             k;
    ngx_sos_post_field_t  *f;

    f = st->fields.elts;

    for (k = 0; k < st->fields.nelts; k++) {
        if (f[k].name.len == name->len
            && ngx_strncasecmp(f[k].name.data, name->data, name->len) == 0)
        {
            named[k] = 1;
        }
    }
}


/* 403: Invalid according to Policy: Policy Condition failed: [...] */

static ngx_sos_err_e
ngx_sos_post_policy_failed(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *op, ngx_str_t *name, ngx_str_t *value)
{
    u_char  *p;
    size_t   len;

    len = sizeof("Invalid according to Policy: Policy Condition failed: "
                 "[\"\", \"$\", \"\"]") + ngx_strlen(op) + name->len
          + value->len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = p;

    /* the name as the policy spelled it, lower case as S3 shows it */

    p = ngx_sprintf(p, "Invalid according to Policy: Policy Condition "
                    "failed: [\"%s\", \"$", op);
    ngx_strlow(p, name->data, name->len);
    p += name->len;
    p = ngx_sprintf(p, "\", \"%V\"]", value);

    ctx->error_message.len = p - ctx->error_message.data;

    return NGX_SOS_ERR_ACCESS_DENIED;
}
