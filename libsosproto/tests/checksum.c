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

int
main(void)
{
    plan(0);

    sos_checksum_init();

    test_check_values();
    test_reference();
    test_digests();
    test_names();

    done_testing();
}
