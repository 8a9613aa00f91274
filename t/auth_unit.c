/*
 * Unit tests (TAP) of the SigV4 building blocks and the checksums against
 * published vectors: AWS's Signature Version 4 examples (signing key,
 * GET Object, presigned URL, aws-chunked chunk signatures) and the CRC
 * catalogue's check values.  Built and run by t/auth_unit.t.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_sos_checksum.h"
#include "ngx_sos_sigv4.h"

static int  test_n;
static int  test_failed;

static void
ok(int cond, const char *fmt, ...)
{
    va_list  ap;

    printf("%sok %d - ", cond ? "" : "not ", ++test_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');

    if (!cond) {
        test_failed++;
    }
}

static void
is_str(const char *got, const char *want, const char *name)
{
    ok(strcmp(got, want) == 0, "%s", name);

    if (strcmp(got, want) != 0) {
        printf("#   got:  '%s'\n#   want: '%s'\n", got, want);
    }
}

static const char  secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
static const char  scope[] = "20130524/us-east-1/s3/aws4_request";

static void
test_crc(void)
{
    size_t              i, split;
    uint32_t            a, b;
    uint64_t            c, d;
    unsigned char       out[32], buf[1000];
    char                hex[65];
    ngx_sos_checksum_t  ck;

    ok(ngx_sos_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC32 check");
    ok(ngx_sos_crc32c(0, "123456789", 9) == 0xe3069283u, "CRC32C check");
    ok(ngx_sos_crc64nvme(0, "123456789", 9) == 0xae8b14860a799888ull,
       "CRC64NVME check");
    ok(ngx_sos_crc32(0, "", 0) == 0, "CRC32 of nothing");

    for (i = 0; i < sizeof(buf); i++) {
        buf[i] = (unsigned char) (i * 131 + 7);
    }

    /* incremental at every split, unaligned starts included */

    for (split = 0; split <= 17; split++) {
        a = ngx_sos_crc32c(ngx_sos_crc32c(0, buf + 1, split), buf + 1 + split,
                           sizeof(buf) - 1 - split);
        b = ngx_sos_crc32c(0, buf + 1, sizeof(buf) - 1);
        c = ngx_sos_crc64nvme(ngx_sos_crc64nvme(0, buf + 3, split),
                              buf + 3 + split, sizeof(buf) - 3 - split);
        d = ngx_sos_crc64nvme(0, buf + 3, sizeof(buf) - 3);

        if (a != b || c != d) {
            break;
        }
    }

    ok(split == 18, "CRCs fed in two pieces equal one piece");

    ngx_sos_checksum_start(&ck, NGX_SOS_CHECKSUM_CRC32);
    ngx_sos_checksum_update(&ck, "1234", 4);
    ngx_sos_checksum_update(&ck, "56789", 5);
    ok(ngx_sos_checksum_final(&ck, out) == 4 && out[0] == 0xcb
       && out[1] == 0xf4 && out[2] == 0x39 && out[3] == 0x26,
       "CRC32 digest is big-endian");

    ngx_sos_checksum_start(&ck, NGX_SOS_CHECKSUM_SHA256);
    ngx_sos_checksum_update(&ck, "", 0);
    ngx_sos_checksum_final(&ck, out);
    sos_sigv4_hex(hex, out, 32);
    hex[64] = '\0';
    is_str(hex, SOS_SIGV4_EMPTY_SHA256, "SHA256 of nothing");

    ok(ngx_sos_checksum_lookup("crc64nvme", 9) == NGX_SOS_CHECKSUM_CRC64NVME
       && ngx_sos_checksum_lookup("CRC32C", 6) == NGX_SOS_CHECKSUM_CRC32C
       && ngx_sos_checksum_lookup("crc3", 4) == NGX_SOS_CHECKSUM_NONE
       && ngx_sos_checksum_lookup("md5", 3) == NGX_SOS_CHECKSUM_NONE,
       "algorithm names");
}

static void
test_encoding(void)
{
    char                buf[256], work[256];
    size_t              n;
    const char         *q;
    sos_sigv4_param_t   params[16];

    n = sos_sigv4_uri_encode(buf, "a b/c~d+e*é", 12, 1);
    buf[n] = '\0';
    is_str(buf, "a%20b/c~d%2Be%2A%C3%A9", "UriEncode, '/' kept");

    n = sos_sigv4_uri_encode(buf, "a/b", 3, 0);
    buf[n] = '\0';
    is_str(buf, "a%2Fb", "UriEncode, '/' encoded");

    n = sos_sigv4_canonical_uri(buf, "/b/a%2fb/c%7Ed%20e+f//x/../%zz", 30);
    buf[n] = '\0';
    is_str(buf, "/b/a%2Fb/c~d%20e%2Bf//x/../%25zz",
           "canonical URI: decoded, re-encoded, nothing normalised");

    q = "prefix=a%2fb&delimiter=/&acl&b=2&b=1&X-Amz-Signature=x&list-type=2";
    n = sos_sigv4_canonical_query(buf, work, params, q, strlen(q), 1);
    buf[n] = '\0';
    is_str(buf, "acl=&b=1&b=2&delimiter=%2F&list-type=2&prefix=a%2Fb",
           "canonical query: sorted, encoded, empty values");

    n = sos_sigv4_canonical_query(buf, work, params, "", 0, 0);
    ok(n == 0, "empty canonical query");
}

static void
test_sigv4(void)
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
    is_str(hex,
           "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
           "signing key (AWS example)");

    /* S3 "Example: GET Object" */
    n = (size_t) snprintf(creq, sizeof(creq),
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
        "range:bytes=0-9\nx-amz-content-sha256:%s\n"
        "x-amz-date:20130524T000000Z\n\n"
        "host;range;x-amz-content-sha256;x-amz-date\n%s",
        SOS_SIGV4_EMPTY_SHA256, SOS_SIGV4_EMPTY_SHA256);
    sos_sigv4_sha256(hash, creq, n);
    n = sos_sigv4_string_to_sign(sts, "20130524T000000Z", scope,
                                 strlen(scope), hash);
    sos_sigv4_signing_key(key, secret, 40, "20130524", "us-east-1", 9, "s3",
                          2);
    sos_sigv4_hmac_sha256(mac, key, 32, sts, n);
    sos_sigv4_hex(hex, mac, 32);
    is_str(hex,
           "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
           "GET Object signature (AWS example)");

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
    sos_sigv4_chain_sign(sig, key, "AWS4-HMAC-SHA256-PAYLOAD",
                         "20130524T000000Z", scope, strlen(scope),
                         "4f232c4386841ef735655705268965c44a0e4690baa4adea"
                         "153f7db9fa80a0a9", hash);
    sig[64] = '\0';
    is_str(sig,
           "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
           "first chunk signature (AWS example)");

    sos_sigv4_sha256(hash, chunk, 1024);
    sos_sigv4_chain_sign(sig, key, "AWS4-HMAC-SHA256-PAYLOAD",
                         "20130524T000000Z", scope, strlen(scope), sig, hash);
    is_str(sig,
           "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
           "second chunk signature (AWS example)");

    sos_sigv4_sha256(hash, "", 0);
    sos_sigv4_chain_sign(sig, key, "AWS4-HMAC-SHA256-PAYLOAD",
                         "20130524T000000Z", scope, strlen(scope), sig, hash);
    is_str(sig,
           "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
           "final chunk signature (AWS example)");

    sos_sigv4_hmac_sha1(mac, "key", 3,
                        "The quick brown fox jumps over the lazy dog", 43);
    sos_sigv4_hex(hex, mac, 20);
    hex[40] = '\0';
    is_str(hex, "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9",
           "HMAC-SHA1 (RFC 2104 style vector)");
}

int
main(void)
{
    ngx_sos_checksum_init();

    test_crc();
    test_encoding();
    test_sigv4();

    printf("1..%d\n", test_n);

    return test_failed ? 1 : 0;
}
