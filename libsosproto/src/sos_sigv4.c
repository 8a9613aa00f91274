/*
 * libsosproto: AWS Signature Version 4 building blocks (plain C, OpenSSL).
 *
 * HMAC is computed over the low-level SHA contexts: OpenSSL 3's HMAC()
 * fetches an implementation on every call, several times slower for the
 * short strings SigV4 signs on every request.
 */


#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include <sosproto/sigv4.h>


static int sos_sigv4_param_cmp(const void *one, const void *two);


static const char  sos_sigv4_hexdigits[] = "0123456789abcdef";
static const char  sos_sigv4_uphex[] = "0123456789ABCDEF";


void
sos_sigv4_hex(char *dst, const unsigned char *src, size_t n)
{
    while (n--) {
        *dst++ = sos_sigv4_hexdigits[*src >> 4];
        *dst++ = sos_sigv4_hexdigits[*src++ & 0xf];
    }
}


static int
sos_sigv4_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


int
sos_sigv4_unhex(unsigned char *dst, const char *src, size_t n)
{
    int  hi, lo;

    while (n--) {
        hi = sos_sigv4_hexval((unsigned char) *src++);
        lo = sos_sigv4_hexval((unsigned char) *src++);

        if (hi < 0 || lo < 0) {
            return -1;
        }

        *dst++ = (unsigned char) (hi << 4 | lo);
    }

    return 0;
}


void
sos_sigv4_sha256(unsigned char out[32], const void *p, size_t n)
{
    SHA256_CTX  sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, p, n);
    SHA256_Final(out, &sha);
}


/*
 * HMAC (RFC 2104) over the low-level SHA API rather than OpenSSL's HMAC():
 * OpenSSL 3 fetches the digest on every HMAC() call, which made one
 * HMAC-SHA256 of a 400-byte string to sign 1.14 us against 0.33 us here,
 * and a request makes up to five (key derivation, signature, chunks).
 */

void
sos_sigv4_hmac_sha256(unsigned char out[32], const void *key, size_t key_len,
    const void *p, size_t n)
{
    size_t          i;
    SHA256_CTX      sha;
    unsigned char   k[SHA256_CBLOCK], pad[SHA256_CBLOCK], inner[32];

    memset(k, 0, sizeof(k));

    if (key_len > SHA256_CBLOCK) {
        sos_sigv4_sha256(k, key, key_len);

    } else {
        memcpy(k, key, key_len);
    }

    for (i = 0; i < SHA256_CBLOCK; i++) {
        pad[i] = k[i] ^ 0x36;
    }

    SHA256_Init(&sha);
    SHA256_Update(&sha, pad, SHA256_CBLOCK);
    SHA256_Update(&sha, p, n);
    SHA256_Final(inner, &sha);

    for (i = 0; i < SHA256_CBLOCK; i++) {
        pad[i] = k[i] ^ 0x5c;
    }

    SHA256_Init(&sha);
    SHA256_Update(&sha, pad, SHA256_CBLOCK);
    SHA256_Update(&sha, inner, sizeof(inner));
    SHA256_Final(out, &sha);
}


void
sos_sigv4_hmac_sha1(unsigned char out[20], const void *key, size_t key_len,
    const void *p, size_t n)
{
    size_t          i;
    SHA_CTX         sha;
    unsigned char   k[SHA_CBLOCK], pad[SHA_CBLOCK], inner[20];

    memset(k, 0, sizeof(k));

    if (key_len > SHA_CBLOCK) {
        SHA1(key, key_len, k);

    } else {
        memcpy(k, key, key_len);
    }

    for (i = 0; i < SHA_CBLOCK; i++) {
        pad[i] = k[i] ^ 0x36;
    }

    SHA1_Init(&sha);
    SHA1_Update(&sha, pad, SHA_CBLOCK);
    SHA1_Update(&sha, p, n);
    SHA1_Final(inner, &sha);

    for (i = 0; i < SHA_CBLOCK; i++) {
        pad[i] = k[i] ^ 0x5c;
    }

    SHA1_Init(&sha);
    SHA1_Update(&sha, pad, SHA_CBLOCK);
    SHA1_Update(&sha, inner, sizeof(inner));
    SHA1_Final(out, &sha);
}


void
sos_sigv4_signing_key(unsigned char out[32], const char *secret,
    size_t secret_len, const char *date, const char *region,
    size_t region_len, const char *service, size_t service_len)
{
    size_t         len;
    unsigned char  k[32];
    char           buf[4 + 128];

    /* secrets are 40 characters; a longer one is hashed by HMAC anyway */

    if (secret_len > sizeof(buf) - 4) {
        secret_len = sizeof(buf) - 4;
    }

    memcpy(buf, "AWS4", 4);
    memcpy(buf + 4, secret, secret_len);
    len = 4 + secret_len;

    sos_sigv4_hmac_sha256(k, buf, len, date, 8);
    sos_sigv4_hmac_sha256(k, k, 32, region, region_len);
    sos_sigv4_hmac_sha256(k, k, 32, service, service_len);
    sos_sigv4_hmac_sha256(out, k, 32, "aws4_request",
                          sizeof("aws4_request") - 1);
}


static int
sos_sigv4_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}


size_t
sos_sigv4_uri_encode(char *dst, const char *src, size_t n, int keep_slash)
{
    size_t          len;
    unsigned char   c;

    len = 0;

    while (n--) {
        c = (unsigned char) *src++;

        if (sos_sigv4_unreserved(c) || (c == '/' && keep_slash)) {
            if (dst) {
                *dst++ = (char) c;
            }

            len++;
            continue;
        }

        if (dst) {
            *dst++ = '%';
            *dst++ = sos_sigv4_uphex[c >> 4];
            *dst++ = sos_sigv4_uphex[c & 0xf];
        }

        len += 3;
    }

    return len;
}


size_t
sos_sigv4_uri_decode(char *dst, const char *src, size_t n)
{
    int      hi, lo;
    char    *start;

    start = dst;

    while (n) {
        if (*src == '%' && n >= 3) {
            hi = sos_sigv4_hexval((unsigned char) src[1]);
            lo = sos_sigv4_hexval((unsigned char) src[2]);

            if (hi >= 0 && lo >= 0) {
                *dst++ = (char) (hi << 4 | lo);
                src += 3;
                n -= 3;
                continue;
            }
        }

        *dst++ = *src++;
        n--;
    }

    return (size_t) (dst - start);
}


size_t
sos_sigv4_canonical_uri(char *dst, const char *path, size_t n)
{
    char        *p, *tmp;
    size_t       seg, dec;
    const char  *end, *slash;

    /* the decoded segment is written at the end of dst, then encoded over */

    p = dst;
    end = path + n;

    while (path < end) {
        slash = memchr(path, '/', (size_t) (end - path));
        seg = (slash ? slash : end) - path;

        /* decoding only shrinks: the encoded form starts no later */
        tmp = dst + 3 * n - seg;
        dec = sos_sigv4_uri_decode(tmp, path, seg);

        /*
         * byte i of the segment is read before the output passes it:
         * the output so far is at most 3 * offset bytes
         */

        p += sos_sigv4_uri_encode(p, tmp, dec, 0);

        if (slash == NULL) {
            break;
        }

        *p++ = '/';
        path = slash + 1;
    }

    return (size_t) (p - dst);
}


size_t
sos_sigv4_query_count(const char *query, size_t n)
{
    size_t  count;

    count = 1;

    while (n--) {
        if (*query++ == '&') {
            count++;
        }
    }

    return count;
}


static int
sos_sigv4_param_cmp(const void *one, const void *two)
{
    int                       rc;
    size_t                    len;
    const sos_sigv4_param_t  *a = one, *b = two;

    len = a->name_len < b->name_len ? a->name_len : b->name_len;
    rc = memcmp(a->name, b->name, len);

    if (rc || a->name_len != b->name_len) {
        return rc ? rc : (a->name_len < b->name_len ? -1 : 1);
    }

    len = a->value_len < b->value_len ? a->value_len : b->value_len;
    rc = memcmp(a->value, b->value, len);

    if (rc || a->value_len != b->value_len) {
        return rc ? rc : (a->value_len < b->value_len ? -1 : 1);
    }

    return 0;
}


size_t
sos_sigv4_canonical_query(char *dst, char *work, sos_sigv4_param_t *params,
    const char *query, size_t n, int skip_signature)
{
    char        *w, *p, *tmp;
    size_t       i, np, len, dec;
    const char  *end, *amp, *eq, *name, *value;
    size_t       name_len, value_len;

    /*
     * work is 3n bytes: the encoded names and values go to its start;
     * each decoded piece is first put where dst will be written last
     */

    w = work;
    np = 0;
    end = query + n;
    tmp = dst + 2 * n + sos_sigv4_query_count(query, n);

    while (query < end) {
        amp = memchr(query, '&', (size_t) (end - query));
        len = (amp ? amp : end) - query;

        if (len == 0) {
            query++;
            continue;
        }

        name = query;
        eq = memchr(query, '=', len);
        name_len = eq ? (size_t) (eq - query) : len;
        value = eq ? eq + 1 : query + len;
        value_len = eq ? len - name_len - 1 : 0;

        query += len + (amp ? 1 : 0);

        if (skip_signature
            && name_len == sizeof("X-Amz-Signature") - 1
            && memcmp(name, "X-Amz-Signature", name_len) == 0)
        {
            continue;
        }

        dec = sos_sigv4_uri_decode(tmp, name, name_len);
        params[np].name = w;
        params[np].name_len = sos_sigv4_uri_encode(w, tmp, dec, 0);
        w += params[np].name_len;

        dec = sos_sigv4_uri_decode(tmp, value, value_len);
        params[np].value = w;
        params[np].value_len = sos_sigv4_uri_encode(w, tmp, dec, 0);
        w += params[np].value_len;

        np++;
    }

    if (np > 1) {
        qsort(params, np, sizeof(sos_sigv4_param_t), sos_sigv4_param_cmp);
    }

    p = dst;

    for (i = 0; i < np; i++) {
        if (i) {
            *p++ = '&';
        }

        memcpy(p, params[i].name, params[i].name_len);
        p += params[i].name_len;
        *p++ = '=';
        memcpy(p, params[i].value, params[i].value_len);
        p += params[i].value_len;
    }

    return (size_t) (p - dst);
}


size_t
sos_sigv4_string_to_sign(char *dst, const char *amz_date, const char *scope,
    size_t scope_len, const unsigned char creq_hash[32])
{
    char  *p;

    p = dst;

    memcpy(p, SOS_SIGV4_ALGORITHM "\n", sizeof(SOS_SIGV4_ALGORITHM "\n") - 1);
    p += sizeof(SOS_SIGV4_ALGORITHM "\n") - 1;
    memcpy(p, amz_date, SOS_SIGV4_DATE_LEN);
    p += SOS_SIGV4_DATE_LEN;
    *p++ = '\n';
    memcpy(p, scope, scope_len);
    p += scope_len;
    *p++ = '\n';
    sos_sigv4_hex(p, creq_hash, 32);
    p += 64;

    return (size_t) (p - dst);
}


void
sos_sigv4_chain_sign(char out[64], const unsigned char key[32],
    const char *kind, const char *amz_date, const char *scope,
    size_t scope_len, const char prev[64], const unsigned char hash[32])
{
    char           *p, buf[512];
    size_t          kind_len;
    unsigned char   mac[32];

    kind_len = strlen(kind);

    if (kind_len + SOS_SIGV4_DATE_LEN + scope_len + 64 * 3 + 5 > sizeof(buf))
    {
        /* scopes are short (date/region/s3/aws4_request) */
        memset(out, '0', 64);
        return;
    }

    p = buf;
    memcpy(p, kind, kind_len);
    p += kind_len;
    *p++ = '\n';
    memcpy(p, amz_date, SOS_SIGV4_DATE_LEN);
    p += SOS_SIGV4_DATE_LEN;
    *p++ = '\n';
    memcpy(p, scope, scope_len);
    p += scope_len;
    *p++ = '\n';
    memcpy(p, prev, 64);
    p += 64;
    *p++ = '\n';

    if (strcmp(kind, "AWS4-HMAC-SHA256-PAYLOAD") == 0) {
        memcpy(p, SOS_SIGV4_EMPTY_SHA256, 64);
        p += 64;
        *p++ = '\n';
    }

    sos_sigv4_hex(p, hash, 32);
    p += 64;

    sos_sigv4_hmac_sha256(mac, key, 32, buf, (size_t) (p - buf));
    sos_sigv4_hex(out, mac, 32);
}


size_t
sos_sigv4_scope(char amz_date[SOS_SIGV4_DATE_LEN + 1],
    char scope[SOS_SIGV4_SCOPE_MAX], time_t now, const char *region,
    const char *service)
{
    size_t     n;
    struct tm  tm;

    if (gmtime_r(&now, &tm) == NULL) {
        return 0;
    }

    strftime(amz_date, SOS_SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);

    n = (size_t) snprintf(scope, SOS_SIGV4_SCOPE_MAX,
                          "%.8s/%s/%s/aws4_request", amz_date, region,
                          service);

    return n < SOS_SIGV4_SCOPE_MAX ? n : 0;
}


void
sos_sigv4_sign(char sig[65], const char *secret, const char *amz_date,
    const char *region, const char *service, const char *scope,
    size_t scope_len, const char *creq, size_t creq_len)
{
    char           sts[SOS_SIGV4_STS_LEN(SOS_SIGV4_SCOPE_MAX)];
    size_t         n;
    unsigned char  key[32], hash[32], mac[32];

    sig[64] = '\0';

    if (scope_len >= SOS_SIGV4_SCOPE_MAX) {
        memset(sig, '0', 64);
        return;
    }

    sos_sigv4_sha256(hash, creq, creq_len);
    n = sos_sigv4_string_to_sign(sts, amz_date, scope, scope_len, hash);

    sos_sigv4_signing_key(key, secret, strlen(secret), amz_date, region,
                          strlen(region), service, strlen(service));
    sos_sigv4_hmac_sha256(mac, key, 32, sts, n);
    sos_sigv4_hex(sig, mac, 32);

    memset(key, 0, sizeof(key));
}


char *
sos_sigv4_presign(const char *method, const char *host, const char *path,
    const char *extra, const char *access_key, const char *secret,
    const char *region, time_t now, long expires)
{
    char               *query, *cquery, *work, *creq, *result, *p;
    char                amz_date[SOS_SIGV4_DATE_LEN + 1];
    char                scope[SOS_SIGV4_SCOPE_MAX], sig[65];
    char                cred[4 * 160];
    size_t              n, qlen, clen, cqlen, scope_len, cap;
    sos_sigv4_param_t  *params;

    scope_len = sos_sigv4_scope(amz_date, scope, now, region, "s3");
    if (scope_len == 0) {
        return NULL;
    }

    n = (size_t) snprintf(cred, sizeof(cred), "%s/%s", access_key, scope);
    if (n >= 160) {
        return NULL;
    }

    p = cred + n + 1;
    p[sos_sigv4_uri_encode(p, cred, n, 0)] = '\0';

    if (extra == NULL) {
        extra = "";
    }

    cap = strlen(p) + strlen(extra) + 256;

    query = malloc(cap);
    if (query == NULL) {
        return NULL;
    }

    qlen = (size_t) snprintf(query, cap,
                             "X-Amz-Algorithm=" SOS_SIGV4_ALGORITHM
                             "&X-Amz-Credential=%s&X-Amz-Date=%s"
                             "&X-Amz-Expires=%ld&X-Amz-SignedHeaders=host"
                             "%s%s", p, amz_date, expires,
                             extra[0] ? "&" : "", extra);

    n = sos_sigv4_query_count(query, qlen);

    cquery = malloc(3 * qlen + n);
    work = malloc(3 * qlen);
    params = malloc(n * sizeof(sos_sigv4_param_t));

    clen = strlen(method) + strlen(path) + 3 * qlen + n + strlen(host)
           + sizeof("\n\n\nhost:\n\nhost\nUNSIGNED-PAYLOAD");
    creq = malloc(clen);

    result = NULL;

    if (cquery == NULL || work == NULL || params == NULL || creq == NULL) {
        goto done;
    }

    cqlen = sos_sigv4_canonical_query(cquery, work, params, query, qlen, 0);

    clen = (size_t) snprintf(creq, clen,
                             "%s\n%s\n%.*s\nhost:%s\n\nhost\n"
                             "UNSIGNED-PAYLOAD",
                             method, path, (int) cqlen, cquery, host);

    sos_sigv4_sign(sig, secret, amz_date, region, "s3", scope, scope_len,
                   creq, clen);

    cap = qlen + sizeof("&X-Amz-Signature=") + 64;

    result = malloc(cap);
    if (result != NULL) {
        snprintf(result, cap, "%.*s&X-Amz-Signature=%s", (int) qlen, query,
                 sig);
    }

done:

    free(query);
    free(cquery);
    free(work);
    free(params);
    free(creq);

    return result;
}
