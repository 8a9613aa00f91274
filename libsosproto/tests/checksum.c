/*
 * The flexible checksums: the CRC catalogue's check values, every CRC
 * against a bit-at-a-time reference over all lengths and alignments and
 * fed in pieces, the digests (big-endian CRCs, FIPS 180 SHA vectors),
 * and the algorithm names.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sosproto/checksum.h>
#include <sosproto/sigv4.h>

#include "tap.h"

/* the CRCs one bit at a time, from the reflected polynomials */

static uint64_t
ref_crc(uint64_t poly, uint64_t mask, uint64_t crc, const unsigned char *p,
    size_t n)
{
    int  k;

    crc = ~crc & mask;

    while (n--) {
        crc ^= *p++;

        for (k = 0; k < 8; k++) {
            crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
        }
    }

    return ~crc & mask;
}

static uint64_t
ref_crc32(const unsigned char *p, size_t n)
{
    return ref_crc(0xEDB88320u, 0xffffffffu, 0, p, n);
}

static uint64_t
ref_crc32c(const unsigned char *p, size_t n)
{
    return ref_crc(0x82F63B78u, 0xffffffffu, 0, p, n);
}

static uint64_t
ref_crc64nvme(const unsigned char *p, size_t n)
{
    return ref_crc(0x9A6C9329AC4BC9B5ull, UINT64_MAX, 0, p, n);
}

static void
digest_hex(char *hex, sos_checksum_alg_e alg, const char *s)
{
    size_t          n;
    unsigned char   out[SOS_CHECKSUM_MAX_SIZE];
    sos_checksum_t  ck;

    sos_checksum_start(&ck, alg);
    sos_checksum_update(&ck, s, strlen(s));
    n = sos_checksum_final(&ck, out);
    sos_sigv4_hex(hex, out, n);
    hex[2 * n] = '\0';
}

static void
test_check_values(void)
{
    ok(sos_checksum_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC32 check");
    ok(sos_checksum_crc32c(0, "123456789", 9) == 0xe3069283u,
       "CRC32C check");
    ok(sos_checksum_crc64nvme(0, "123456789", 9) == 0xae8b14860a799888ull,
       "CRC64NVME check");
    ok(sos_checksum_crc32(0, "", 0) == 0 && sos_checksum_crc32c(0, "", 0) == 0
       && sos_checksum_crc64nvme(0, "", 0) == 0, "CRCs of nothing are 0");
}

static void
test_reference(void)
{
    size_t          i, n, off, split, bad32, bad32c, bad64, badsplit;
    uint32_t        c32, c32c;
    uint64_t        c64;
    unsigned char  *p;
    unsigned char   buf[4096 + 8];

    for (i = 0; i < sizeof(buf); i++) {
        buf[i] = (unsigned char) (i * 131 + 7 + (i >> 8));
    }

    bad32 = bad32c = bad64 = badsplit = 0;

    /* every length to 300 at every alignment, then a few long ones */

    for (off = 0; off < 8; off++) {
        for (n = 0; n <= 4096; n = n < 300 ? n + 1 : n * 2 + 5) {
            p = buf + off;

            bad32 += sos_checksum_crc32(0, p, n) != ref_crc32(p, n);
            bad32c += sos_checksum_crc32c(0, p, n) != ref_crc32c(p, n);
            bad64 += sos_checksum_crc64nvme(0, p, n) != ref_crc64nvme(p, n);

            split = n / 3 + off;
            if (split > n) {
                continue;
            }

            c32 = sos_checksum_crc32(sos_checksum_crc32(0, p, split),
                                     p + split, n - split);
            c32c = sos_checksum_crc32c(sos_checksum_crc32c(0, p, split),
                                       p + split, n - split);
            c64 = sos_checksum_crc64nvme(sos_checksum_crc64nvme(0, p, split),
                                         p + split, n - split);

            badsplit += c32 != ref_crc32(p, n) || c32c != ref_crc32c(p, n)
                        || c64 != ref_crc64nvme(p, n);
        }
    }

    is_int(0, bad32, "CRC32 equals the bitwise reference");
    is_int(0, bad32c, "CRC32C equals the bitwise reference");
    is_int(0, bad64, "CRC64NVME equals the bitwise reference");
    is_int(0, badsplit, "CRCs fed in two pieces equal one piece");
}

static void
test_digests(void)
{
    char            hex[2 * SOS_CHECKSUM_MAX_SIZE + 1];
    size_t          n;
    unsigned char   out[SOS_CHECKSUM_MAX_SIZE];
    sos_checksum_t  ck;

    sos_checksum_start(&ck, SOS_CHECKSUM_CRC32);
    sos_checksum_update(&ck, "1234", 4);
    sos_checksum_update(&ck, "56789", 5);
    n = sos_checksum_final(&ck, out);
    ok(n == 4 && memcmp(out, "\xcb\xf4\x39\x26", 4) == 0,
       "CRC32 digest is big-endian");

    digest_hex(hex, SOS_CHECKSUM_CRC32C, "123456789");
    is_str("e3069283", hex, "CRC32C digest");
    digest_hex(hex, SOS_CHECKSUM_CRC64NVME, "123456789");
    is_str("ae8b14860a799888", hex, "CRC64NVME digest");
    digest_hex(hex, SOS_CHECKSUM_SHA1, "abc");
    is_str("a9993e364706816aba3e25717850c26c9cd0d89d", hex, "SHA1 of abc");
    digest_hex(hex, SOS_CHECKSUM_SHA256, "");
    is_str(SOS_SIGV4_EMPTY_SHA256, hex, "SHA256 of nothing");
    digest_hex(hex, SOS_CHECKSUM_NONE, "abc");
    is_str("", hex, "NONE has no digest");
}

static void
test_names(void)
{
    is_str("CRC64NVME", sos_checksum_name(SOS_CHECKSUM_CRC64NVME), "name");
    is_str("x-amz-checksum-crc32c", sos_checksum_header(SOS_CHECKSUM_CRC32C),
           "header");
    is_str("", sos_checksum_name(SOS_CHECKSUM_MAX), "no name out of range");
    ok(sos_checksum_size(SOS_CHECKSUM_CRC32) == 4
       && sos_checksum_size(SOS_CHECKSUM_CRC64NVME) == 8
       && sos_checksum_size(SOS_CHECKSUM_SHA1) == 20
       && sos_checksum_size(SOS_CHECKSUM_SHA256) == 32
       && sos_checksum_size(SOS_CHECKSUM_NONE) == 0, "digest sizes");

    ok(sos_checksum_lookup("crc64nvme", 9) == SOS_CHECKSUM_CRC64NVME
       && sos_checksum_lookup("CRC32C", 6) == SOS_CHECKSUM_CRC32C
       && sos_checksum_lookup("Sha256", 6) == SOS_CHECKSUM_SHA256
       && sos_checksum_lookup("crc3", 4) == SOS_CHECKSUM_NONE
       && sos_checksum_lookup("crc32cx", 7) == SOS_CHECKSUM_NONE
       && sos_checksum_lookup("md5", 3) == SOS_CHECKSUM_NONE,
       "algorithm names, either case");
}

/*
 * Combining: CRC(A) and CRC(B) with B's length give CRC(A.B), for every
 * split of buffers of many lengths, for parts folded one by one as a
 * multipart object's are, and for a part of 5 MiB + 1 bytes.
 */
static void
test_combine(void)
{
    size_t           n, cut, off, i, bad32, bad32c, bad64;
    uint32_t         c32, c32c, seed;
    uint64_t         c64;
    static unsigned char  buf[5 * 1024 * 1024 + 600];

    seed = 12345;
    for (i = 0; i < sizeof(buf); i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char) (seed >> 16);
    }

    bad32 = bad32c = bad64 = 0;

    for (n = 0; n <= 300; n += (n < 40 ? 1 : 13)) {
        for (cut = 0; cut <= n; cut++) {
            c32 = sos_checksum_crc32_combine(sos_checksum_crc32(0, buf, cut),
                      sos_checksum_crc32(0, buf + cut, n - cut), n - cut);
            c32c = sos_checksum_crc32c_combine(
                       sos_checksum_crc32c(0, buf, cut),
                       sos_checksum_crc32c(0, buf + cut, n - cut), n - cut);
            c64 = sos_checksum_crc64nvme_combine(
                      sos_checksum_crc64nvme(0, buf, cut),
                      sos_checksum_crc64nvme(0, buf + cut, n - cut),
                      n - cut);

            bad32 += (c32 != ref_crc32(buf, n));
            bad32c += (c32c != ref_crc32c(buf, n));
            bad64 += (c64 != ref_crc64nvme(buf, n));
        }
    }

    ok(bad32 == 0, "CRC32 combined at every cut of 0..300 bytes");
    ok(bad32c == 0, "CRC32C combined at every cut of 0..300 bytes");
    ok(bad64 == 0, "CRC64NVME combined at every cut of 0..300 bytes");

    /* parts of 5 MiB + 1, 7 and 592 bytes, folded left to right */

    {
        size_t  parts[] = { 5 * 1024 * 1024 + 1, 7, 592 };

        c32 = c32c = 0;
        c64 = 0;
        off = 0;

        for (i = 0; i < 3; i++) {
            c32 = sos_checksum_crc32_combine(c32,
                      sos_checksum_crc32(0, buf + off, parts[i]), parts[i]);
            c32c = sos_checksum_crc32c_combine(c32c,
                       sos_checksum_crc32c(0, buf + off, parts[i]),
                       parts[i]);
            c64 = sos_checksum_crc64nvme_combine(c64,
                      sos_checksum_crc64nvme(0, buf + off, parts[i]),
                      parts[i]);
            off += parts[i];
        }

        ok(off == sizeof(buf), "the parts cover the buffer");
        ok(c32 == sos_checksum_crc32(0, buf, sizeof(buf)),
           "CRC32 of three parts folded = the whole buffer's");
        ok(c32c == sos_checksum_crc32c(0, buf, sizeof(buf)),
           "CRC32C of three parts folded = the whole buffer's");
        ok(c64 == sos_checksum_crc64nvme(0, buf, sizeof(buf)),
           "CRC64NVME of three parts folded = the whole buffer's");
        ok(c64 == ref_crc64nvme(buf, sizeof(buf)),
           "... and the bit-at-a-time reference's");
    }

    ok(sos_checksum_crc32_combine(0x12345678u, 0, 0) == 0x12345678u
       && sos_checksum_crc64nvme_combine(42, 0, 0) == 42,
       "an empty second part leaves the CRC");
}

int
main(void)
{
    plan(0);

    sos_checksum_init();

    test_check_values();
    test_reference();
    test_digests();
    test_names();
    test_combine();

    done_testing();
}
