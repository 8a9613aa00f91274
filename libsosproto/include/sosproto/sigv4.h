/*
 * libsosproto: AWS Signature Version 4 building blocks.
 *
 * Plain C and OpenSSL, no nginx type: the module verifies with these and
 * sosctl signs and presigns with them.
 *
 * Conventions
 * - Strings are pointer + length and need not be NUL-terminated, except
 *   the const char * arguments without a length, which are.
 * - Output goes to caller buffers of the documented sizes; nothing here
 *   allocates except sos_sigv4_presign(), which uses malloc() and frees.
 * - Every function is reentrant: no state is shared between calls.
 */

#ifndef SOS_PROTO_SIGV4_H
#define SOS_PROTO_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOS_SIGV4_ALGORITHM     "AWS4-HMAC-SHA256"
#define SOS_SIGV4_EMPTY_SHA256                                               \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SOS_SIGV4_DATE_LEN      16       /* 20130524T000000Z */
#define SOS_SIGV4_MAX_EXPIRES   604800   /* one week */
#define SOS_SIGV4_SCOPE_MAX     128      /* a scope buffer, NUL included */

/* One query parameter, pointing into sos_sigv4_canonical_query's work. */
typedef struct {
    const char  *name;                   /* URI-encoded, as canonicalised */
    size_t       name_len;
    const char  *value;
    size_t       value_len;
} sos_sigv4_param_t;

/** Lower-case hex of n bytes into dst (2n chars, no NUL). */
void sos_sigv4_hex(char *dst, const unsigned char *src, size_t n);

/**
 * 2n hex chars (either case) into n bytes.
 * @return 0, or -1 if a char is not hex (dst then partly written)
 */
int sos_sigv4_unhex(unsigned char *dst, const char *src, size_t n);

/** SHA-256 of n bytes at p. */
void sos_sigv4_sha256(unsigned char out[32], const void *p, size_t n);

/** HMAC-SHA256 and HMAC-SHA1 of n bytes at p; keys of any length. */
void sos_sigv4_hmac_sha256(unsigned char out[32], const void *key,
    size_t key_len, const void *p, size_t n);
void sos_sigv4_hmac_sha1(unsigned char out[20], const void *key,
    size_t key_len, const void *p, size_t n);

/**
 * kSigning: the HMAC chain over "AWS4" secret, date (its first 8 chars,
 * YYYYMMDD), region, service and "aws4_request".  A secret is used up to
 * its first 128 bytes (secrets are 40).
 */
void sos_sigv4_signing_key(unsigned char out[32], const char *secret,
    size_t secret_len, const char *date, const char *region,
    size_t region_len, const char *service, size_t service_len);

/**
 * S3's UriEncode: A-Z a-z 0-9 - . _ ~ kept, every other byte %XX in upper
 * case; '/' kept when keep_slash.  dst holds 3 * n bytes, or is NULL to
 * count only.  @return the encoded length (no NUL is written)
 */
size_t sos_sigv4_uri_encode(char *dst, const char *src, size_t n,
    int keep_slash);

/**
 * %XX decoded ('+' stays '+'); invalid escapes are kept as they are.
 * dst holds n bytes and may be src.  @return the decoded length
 */
size_t sos_sigv4_uri_decode(char *dst, const char *src, size_t n);

/**
 * The canonical URI of a path as received: each '/'-separated segment
 * decoded, then encoded with UriEncode (so "%2F" in a segment stays
 * "%2F"); no dot-segment removal, no double encoding (S3's rules).
 * dst must hold 3 * n bytes.  @return the length written
 */
size_t sos_sigv4_canonical_uri(char *dst, const char *path, size_t n);

/**
 * Number of parameters in a raw query string (an upper bound for
 * sos_sigv4_canonical_query's params array); 1 for an empty one.
 */
size_t sos_sigv4_query_count(const char *query, size_t n);

/**
 * The canonical query string of a raw query: every parameter (but
 * X-Amz-Signature when skip_signature) decoded and re-encoded, a missing
 * '=' read as an empty value, sorted by name then value.  work must hold
 * 3 * n bytes, params sos_sigv4_query_count() entries; dst must hold
 * 3 * n + count bytes.  @return the length written
 */
size_t sos_sigv4_canonical_query(char *dst, char *work,
    sos_sigv4_param_t *params, const char *query, size_t n,
    int skip_signature);

/**
 * The string to sign: "AWS4-HMAC-SHA256\n" date "\n" scope "\n"
 * hex(sha256(canonical request)), amz_date being SOS_SIGV4_DATE_LEN
 * chars.  dst must hold SOS_SIGV4_STS_LEN(scope_len) bytes.
 * @return the length written
 */
#define SOS_SIGV4_STS_LEN(scope_len)                                         \
    (sizeof(SOS_SIGV4_ALGORITHM "\n") - 1 + SOS_SIGV4_DATE_LEN + 1           \
     + (scope_len) + 1 + 64)
size_t sos_sigv4_string_to_sign(char *dst, const char *amz_date,
    const char *scope, size_t scope_len, const unsigned char creq_hash[32]);

/**
 * The date of now as amz_date ("20130524T000000Z" and a NUL) and the
 * credential scope "20130524/region/service/aws4_request" into scope,
 * NUL-terminated.  @return the scope length, or 0 if region and service
 * are too long for SOS_SIGV4_SCOPE_MAX or now cannot be converted
 */
size_t sos_sigv4_scope(char amz_date[SOS_SIGV4_DATE_LEN + 1],
    char scope[SOS_SIGV4_SCOPE_MAX], time_t now, const char *region,
    const char *service);

/**
 * The signature of a canonical request: hex(HMAC-SHA256(kSigning, string
 * to sign)), with kSigning for secret, the date of amz_date, region and
 * service, and scope as sos_sigv4_scope() made it.  sig gets 64
 * lower-case hex chars and a NUL; all '0', which matches nothing, if
 * scope_len is not below SOS_SIGV4_SCOPE_MAX.
 */
void sos_sigv4_sign(char sig[65], const char *secret, const char *amz_date,
    const char *region, const char *service, const char *scope,
    size_t scope_len, const char *creq, size_t creq_len);

/**
 * A chunk or trailer signature of the aws-chunked chain: the string to
 * sign is kind "\n" date "\n" scope "\n" prev "\n" [hex(sha256(""))
 * "\n"] hex(hash), the empty hash line for kind AWS4-HMAC-SHA256-PAYLOAD
 * only.  out is 64 lower-case hex chars (no NUL); all '0', which
 * matches nothing, if kind and scope overflow the 512-byte string to
 * sign (a real scope is under 100 bytes).
 */
void sos_sigv4_chain_sign(char out[64], const unsigned char key[32],
    const char *kind, const char *amz_date, const char *scope,
    size_t scope_len, const char prev[64], const unsigned char hash[32]);

/**
 * A presigned URL's query string (X-Amz-Algorithm ... X-Amz-Signature)
 * for method on host (as the client sends it: name[:port]) and path
 * (already URI-encoded, '/' kept), signed for service s3.  extra: more
 * query parameters to sign, already encoded ("" or NULL for none).
 * @return a malloc'd NUL-terminated string for the caller to free(), or
 *         NULL on allocation failure or an over-long key or region
 */
char *sos_sigv4_presign(const char *method, const char *host,
    const char *path, const char *extra, const char *access_key,
    const char *secret, const char *region, time_t now, long expires);

#ifdef __cplusplus
}
#endif

#endif /* SOS_PROTO_SIGV4_H */
