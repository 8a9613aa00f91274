/*
 * SigV4 building blocks against AWS's published Signature Version 4
 * examples: the signing key, "GET Object", the presigned URL and the
 * aws-chunked chunk signatures; S3's UriEncode and the canonical forms.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sosproto/sigv4.h>

#include "tap.h"

static const char  secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
static const char  scope[] = "20130524/us-east-1/s3/aws4_request";
static const char  date[] = "20130524T000000Z";

static void
test_hex(void)
{
    char           hex[9];
    unsigned char  raw[4];

    sos_sigv4_hex(hex, (const unsigned char *) "\x00\x9f\xa0\xff", 4);
    hex[8] = '\0';
    is_str("009fa0ff", hex, "hex is lower case");

    is_int(0, sos_sigv4_unhex(raw, "009FA0ff", 4), "unhex, either case");
    ok(memcmp(raw, "\x00\x9f\xa0\xff", 4) == 0, "unhex bytes");
    is_int(-1, sos_sigv4_unhex(raw, "0g", 1), "unhex refuses a non-hex");
}

static void
test_encoding(void)
{
    char                buf[256], work[256];
    size_t              n;
    const char         *q;
    sos_sigv4_param_t   params[16];

    n = sos_sigv4_uri_encode(buf, "a b/c~d+e*\xc3\xa9", 12, 1);
    buf[n] = '\0';
    is_str("a%20b/c~d%2Be%2A%C3%A9", buf, "UriEncode, '/' kept");
    is_int(n, sos_sigv4_uri_encode(NULL, "a b/c~d+e*\xc3\xa9", 12, 1),
           "UriEncode without dst counts");

    n = sos_sigv4_uri_encode(buf, "a/b", 3, 0);
    buf[n] = '\0';
    is_str("a%2Fb", buf, "UriEncode, '/' encoded");

    n = sos_sigv4_uri_decode(buf, "a%2fb+%zz%4", 11);
    buf[n] = '\0';
    is_str("a/b+%zz%4", buf, "decode: '+' kept, invalid escapes kept");

    n = sos_sigv4_canonical_uri(buf, "/b/a%2fb/c%7Ed%20e+f//x/../%zz", 30);
    buf[n] = '\0';
    is_str("/b/a%2Fb/c~d%20e%2Bf//x/../%25zz", buf,
           "canonical URI: decoded, re-encoded, nothing normalised");

    q = "prefix=a%2fb&delimiter=/&acl&b=2&b=1&X-Amz-Signature=x&list-type=2";
    is_int(7, sos_sigv4_query_count(q, strlen(q)), "query count");
    n = sos_sigv4_canonical_query(buf, work, params, q, strlen(q), 1);
    buf[n] = '\0';
    is_str("acl=&b=1&b=2&delimiter=%2F&list-type=2&prefix=a%2Fb", buf,
           "canonical query: sorted, encoded, empty values");

    n = sos_sigv4_canonical_query(buf, work, params, "", 0, 0);
    is_int(0, n, "empty canonical query");
}

static void
test_scope(void)
{
    char    amz_date[SOS_SIGV4_DATE_LEN + 1], scope_out[SOS_SIGV4_SCOPE_MAX];
    char    region[SOS_SIGV4_SCOPE_MAX];
    size_t  n;

    n = sos_sigv4_scope(amz_date, scope_out, 1369353600, "us-east-1", "s3");
    is_int(strlen(scope), n, "scope length");
    is_str(scope, scope_out, "scope");
    is_str(date, amz_date, "amz date");

    memset(region, 'r', sizeof(region) - 1);
    region[sizeof(region) - 1] = '\0';
    is_int(0, sos_sigv4_scope(amz_date, scope_out, 0, region, "s3"),
           "a region too long for a scope");
}

static void
test_sign(void)
{
    size_t          n;
    char            hex[65], sts[256], creq[1024], sig[65], *q;
    unsigned char   key[32], hash[32], mac[32];
    unsigned char   chunk[65536];

    /* "Deriving the signing key", the IAM example */
    sos_sigv4_signing_key(key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                          40, "20120215", "us-east-1", 9, "iam", 3);
    sos_sigv4_hex(hex, key, 32);
    hex[64] = '\0';
    is_str("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
           hex, "signing key (AWS example)");

    /* S3 "Example: GET Object" */
    n = (size_t) snprintf(creq, sizeof(creq),
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
        "range:bytes=0-9\nx-amz-content-sha256:%s\n"
        "x-amz-date:%s\n\n"
        "host;range;x-amz-content-sha256;x-amz-date\n%s",
        SOS_SIGV4_EMPTY_SHA256, date, SOS_SIGV4_EMPTY_SHA256);
    sos_sigv4_sha256(hash, creq, n);
    n = sos_sigv4_string_to_sign(sts, date, scope, strlen(scope), hash);
    is_int(SOS_SIGV4_STS_LEN(strlen(scope)), n, "string to sign length");
    sos_sigv4_signing_key(key, secret, 40, date, "us-east-1", 9, "s3", 2);
    sos_sigv4_hmac_sha256(mac, key, 32, sts, n);
    sos_sigv4_hex(hex, mac, 32);
    is_str("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
           hex, "GET Object signature (AWS example)");

    n = strlen(creq);
    sos_sigv4_sign(sig, secret, date, "us-east-1", "s3", scope, strlen(scope),
                   creq, n);
    is_str("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
           sig, "GET Object signature in one call");

    /* "Example: presigned URL" (GET /test.txt, 86400 s) */
    q = sos_sigv4_presign("GET", "examplebucket.s3.amazonaws.com",
                          "/test.txt", NULL, "AKIAIOSFODNN7EXAMPLE", secret,
                          "us-east-1", 1369353600, 86400);
    ok(q != NULL && strstr(q, "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d8"
                              "6835f995330da4c265957d157751f604d404") != NULL,
       "presigned URL signature (AWS example)");
    ok(q != NULL && strncmp(q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&"
                               "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F"
                               "20130524%2Fus-east-1%2Fs3%2Faws4_request&"
                               "X-Amz-Date=20130524T000000Z&"
                               "X-Amz-Expires=86400&"
                               "X-Amz-SignedHeaders=host&", 186) == 0,
       "presigned URL query");
    free(q);

    /* "Example: PUT object" with aws-chunked: 65536 + 1024 bytes of 'a' */
    memset(chunk, 'a', sizeof(chunk));

    sos_sigv4_sha256(hash, chunk, 65536);
    sos_sigv4_chain_sign(sig, key, "AWS4-HMAC-SHA256-PAYLOAD", date, scope,
                         strlen(scope),
                         "4f232c4386841ef735655705268965c44a0e4690baa4adea"
                         "153f7db9fa80a0a9", hash);
    sig[64] = '\0';
    is_str("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
           sig, "first chunk signature (AWS example)");

    sos_sigv4_sha256(hash, chunk, 1024);
    sos_sigv4_chain_sign(sig, key, "AWS4-HMAC-SHA256-PAYLOAD", date, scope,
                         strlen(scope), sig, hash);
    is_str("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
           sig, "second chunk signature (AWS example)");

    sos_sigv4_sha256(hash, "", 0);
    sos_sigv4_chain_sign(sig, key, "AWS4-HMAC-SHA256-PAYLOAD", date, scope,
                         strlen(scope), sig, hash);
    is_str("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
           sig, "final chunk signature (AWS example)");

    sos_sigv4_hmac_sha1(mac, "key", 3,
                        "The quick brown fox jumps over the lazy dog", 43);
    sos_sigv4_hex(hex, mac, 20);
    hex[40] = '\0';
    is_str("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", hex,
           "HMAC-SHA1 (RFC 2104 style vector)");
}

int
main(void)
{
    plan(0);

    test_hex();
    test_encoding();
    test_scope();
    test_sign();

    done_testing();
}
