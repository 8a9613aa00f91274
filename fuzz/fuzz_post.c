
/*
 * Fuzz target: POST Object, the browser form: the multipart/form-data
 * parser, the policy (base64, JSON, expiration, conditions) and its
 * SigV4 or SigV2 signature, through the module's handler.
 *
 * Input: one mode byte, then
 *   mode 0: a raw HTTP/1.1 request (head and form body);
 *   mode 1: the same, the form's x-amz-signature (64 hex) or signature
 *           (SigV2) value replaced by the right one for its policy, so
 *           the policy checks are reached;
 *   mode 2: a policy document (JSON), put in a signed form built here.
 *
 * The harness runs no store job, so the target completes POST's as the
 * task layer would, each a success: the bucket lookup before the form is
 * read ("the bucket is there"), so that the form, the policy and its
 * signature are reached; then the upload engine's begin, write and
 * commit jobs, so that the file part, the form's end and the answer
 * (ETag, Location, success_action_*) are reached too.
 */


#include "fuzz.h"
#include "ngx_sos_op.h"
#include "ngx_sos_post.h"
#include <sosproto/sigv4.h>

#include <stdio.h>


static void fuzz_post_resign(u_char *p, size_t len);
static u_char *fuzz_post_value(u_char *p, u_char *end, char *name,
    size_t *len);
static u_char *fuzz_post_form(const u_char *json, size_t json_len,
    size_t *len);
static void fuzz_post_v4(u_char *hex, u_char *policy, size_t len);
static void fuzz_post_jobs(ngx_http_request_t *r);


#define FUZZ_BOUNDARY  "9431149156168"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char      *req;
    size_t       len;
    fuzz_req_t   fr;

    if (size < 1) {
        return 0;
    }

    switch (data[0] % 3) {

    case 2:
        req = fuzz_post_form(data + 1, size - 1, &len);
        break;

    default:
        len = size - 1;
        req = malloc(len ? len : 1);
        if (req && len) {
            ngx_memcpy(req, data + 1, len);
        }

        if (req && data[0] % 3 == 1) {
            fuzz_post_resign(req, len);
        }
    }

    if (req == NULL) {
        return 0;
    }

    if (fuzz_request(&fr, req, len) == NGX_OK
        && fuzz_handler(fr.r) == NGX_DONE)
    {
        fuzz_post_jobs(fr.r);
    }

    fuzz_request_free(&fr);
    free(req);

    return 0;
}


/* POST Object's pending job, done as a success, until none is left */

static void
fuzz_post_jobs(ngx_http_request_t *r)
{
    ngx_uint_t       commit;
    ngx_sos_ctx_t   *ctx;
    ngx_sos_job_t   *job;
    ngx_sos_post_t  *st;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    if (ctx == NULL || ctx->op == NULL
        || !(ctx->op->flags & NGX_SOS_OP_FORM) || ctx->op_data == NULL)
    {
        return;
    }

    st = ctx->op_data;

    /*
     * as the authorization step and the job's event would (whose logging
     * wants a real connection); an answer sent means no job is pending
     */

    if (ctx->authz.state == NGX_SOS_AUTHZ_LOOKUP && !r->header_sent) {
        ctx->authz.state = NGX_SOS_AUTHZ_IDENTITY;
        st->job->rc = SOS_OK;
        (void) st->job->done(r, st->job);
    }

    commit = 0;

    while (st->up && st->up->busy && !r->header_sent) {
        if (fuzz_debug) {
            fprintf(stderr, "sos-fuzz: upload job done: %s\n",
                    ctx->authz.state != NGX_SOS_AUTHZ_PASSED ? "begin"
                    : commit ? "commit" : "write");
        }

        ctx->authz.state = NGX_SOS_AUTHZ_PASSED;

        /* the write of the last bytes is followed by the commit */
        commit = st->up->last;

        job = st->up->job;
        job->rc = SOS_OK;
        (void) job->done(r, job);
    }
}


/* the value of the form field "name": after its part's blank line */

static u_char *
fuzz_post_value(u_char *p, u_char *end, char *name, size_t *len)
{
    u_char  *v, *e;
    size_t   n;
    char     pat[64];

    n = snprintf(pat, sizeof(pat), "name=\"%s\"", name);

    p = ngx_strlcasestrn(p, end, (u_char *) pat, n - 1);
    if (p == NULL) {
        return NULL;
    }

    v = ngx_strlcasestrn(p, end, (u_char *) "\r\n\r\n", 4 - 1);
    if (v == NULL) {
        return NULL;
    }

    v += 4;

    e = ngx_strlcasestrn(v, end, (u_char *) "\r\n--", 4 - 1);
    if (e == NULL) {
        return NULL;
    }

    *len = e - v;

    return v;
}


static void
fuzz_post_resign(u_char *p, size_t len)
{
    u_char      *end, *policy, *sig, mac[20];
    size_t       policy_len, sig_len;
    ngx_str_t    src, dst;
    u_char       b64[32];

    end = p + len;

    policy = fuzz_post_value(p, end, "policy", &policy_len);
    if (policy == NULL) {
        return;
    }

    sig = fuzz_post_value(p, end, "x-amz-signature", &sig_len);

    if (sig && sig_len == 64) {
        fuzz_post_v4(sig, policy, policy_len);
        return;
    }

    sig = fuzz_post_value(p, end, "signature", &sig_len);

    if (sig && sig_len == 28) {
        sos_sigv4_hmac_sha1(mac, FUZZ_SECRET, sizeof(FUZZ_SECRET) - 1,
                            policy, policy_len);
        src.data = mac;
        src.len = 20;
        dst.data = b64;
        ngx_encode_base64(&dst, &src);
        ngx_memcpy(sig, b64, 28);
    }
}


/* hex HMAC of the policy with the key of 20130524/us-east-1/s3 */

static void
fuzz_post_v4(u_char *hex, u_char *policy, size_t len)
{
    u_char  key[32], mac[32];

    sos_sigv4_signing_key(key, FUZZ_SECRET, sizeof(FUZZ_SECRET) - 1,
                          "20130524", "us-east-1", 9, "s3", 2);
    sos_sigv4_hmac_sha256(mac, key, 32, policy, len);
    sos_sigv4_hex((char *) hex, mac, 32);
}


static u_char *
fuzz_post_form(const u_char *json, size_t json_len, size_t *len)
{
    int          n;
    u_char      *req, *p, sig[64];
    size_t       body_len, size;
    ngx_str_t    src, policy;

    src.data = (u_char *) json;
    src.len = json_len;
    policy.len = ngx_base64_encoded_length(json_len);
    policy.data = malloc(policy.len + 1);

    if (policy.data == NULL) {
        return NULL;
    }

    ngx_encode_base64(&policy, &src);
    fuzz_post_v4(sig, policy.data, policy.len);

#define FUZZ_FIELD(name)                                                      \
    "--" FUZZ_BOUNDARY "\r\n"                                                 \
    "Content-Disposition: form-data; name=\"" name "\"\r\n\r\n"

    size = 2048 + policy.len;
    req = malloc(size);

    if (req == NULL) {
        free(policy.data);
        return NULL;
    }

    /* the body first, after room for the head; then the head before it */

    p = req + 512;
    n = snprintf((char *) p, size - 512,
                 FUZZ_FIELD("key") "uploads/${filename}\r\n"
                 FUZZ_FIELD("acl") "public-read\r\n"
                 FUZZ_FIELD("success_action_status") "201\r\n"
                 FUZZ_FIELD("Content-Type") "image/jpeg\r\n"
                 FUZZ_FIELD("x-amz-meta-uuid") "14365123651274\r\n"
                 FUZZ_FIELD("X-Amz-Credential")
                 FUZZ_ACCESS_KEY "/20130524/us-east-1/s3/aws4_request\r\n"
                 FUZZ_FIELD("X-Amz-Algorithm") "AWS4-HMAC-SHA256\r\n"
                 FUZZ_FIELD("X-Amz-Date") "20130524T000000Z\r\n"
                 FUZZ_FIELD("Policy") "%.*s\r\n"
                 FUZZ_FIELD("X-Amz-Signature") "%.64s\r\n"
                 "--" FUZZ_BOUNDARY "\r\n"
                 "Content-Disposition: form-data; name=\"file\"; "
                 "filename=\"a.jpg\"\r\n"
                 "Content-Type: image/jpeg\r\n\r\n"
                 "0123456789\r\n"
                 "--" FUZZ_BOUNDARY "--\r\n",
                 (int) policy.len, policy.data, sig);

    free(policy.data);

#undef FUZZ_FIELD

    body_len = n;

    n = snprintf((char *) req, 512,
                 "POST /examplebucket HTTP/1.1\r\n"
                 "Host: s3.amazonaws.com\r\n"
                 "Content-Type: multipart/form-data; boundary="
                 FUZZ_BOUNDARY "\r\n"
                 "Content-Length: %zu\r\n\r\n", body_len);

    ngx_memmove(req + n, req + 512, body_len);
    *len = n + body_len;

    return req;
}
