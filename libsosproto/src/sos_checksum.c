/*
 * libsosproto: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256.
 *
 * CRC32 and CRC32C are ISA-L's (libisal): carry-less multiplication, tens
 * of GB/s a core, where zlib's table CRC32 does 2 to 3.5.  ISA-L 2.30
 * (Debian 12) has no CRC64 of the NVMe polynomial, nor any other Debian
 * library we depend on: CRC64NVME is computed here, slicing by 8, with
 * tables built once from the reflected polynomial.
 */

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif

#include <pthread.h>
#include <string.h>

#include <isa-l/crc.h>

#include <sosproto/checksum.h>


static void sos_checksum_tables(void);
static uint64_t sos_checksum_multmodp(uint64_t poly, uint64_t top,
    uint64_t a, uint64_t b);
static uint64_t sos_checksum_combine(uint64_t poly, unsigned width,
    uint64_t crc1, uint64_t crc2, uint64_t len2);


static uint64_t  sos_crc64_table[8][256];

static pthread_once_t  sos_checksum_once = PTHREAD_ONCE_INIT;


static const struct {
    const char  *name;
    const char  *header;
    size_t       size;
} sos_checksum_algs[] = {
    { "", "", 0 },
    { "CRC32", "x-amz-checksum-crc32", 4 },
    { "CRC32C", "x-amz-checksum-crc32c", 4 },
    { "CRC64NVME", "x-amz-checksum-crc64nvme", 8 },
    { "SHA1", "x-amz-checksum-sha1", 20 },
    { "SHA256", "x-amz-checksum-sha256", 32 },
};


static void
sos_checksum_tables(void)
{
    int       i, j, k;
    uint64_t  c64;

    for (i = 0; i < 256; i++) {
        c64 = (uint64_t) i;

        for (k = 0; k < 8; k++) {
            c64 = (c64 & 1) ? (c64 >> 1) ^ 0x9A6C9329AC4BC9B5ull : c64 >> 1;
        }

        sos_crc64_table[0][i] = c64;
    }

    for (i = 0; i < 256; i++) {
        for (j = 1; j < 8; j++) {
            c64 = sos_crc64_table[j - 1][i];
            sos_crc64_table[j][i] = (c64 >> 8)
                                    ^ sos_crc64_table[0][c64 & 0xff];
        }
    }
}


void
sos_checksum_init(void)
{
    (void) pthread_once(&sos_checksum_once, sos_checksum_tables);
}


uint32_t
sos_checksum_crc32(uint32_t crc, const void *p, size_t n)
{
    return n == 0 ? crc : crc32_gzip_refl(crc, p, n);
}


/*
 * ISA-L's iSCSI CRC takes and gives the register, not inverted, and an
 * int length: fed in pieces of at most 1 GiB.
 */
uint32_t
sos_checksum_crc32c(uint32_t crc, const void *data, size_t n)
{
    size_t          len;
    unsigned char  *p = (unsigned char *) data;

    crc = ~crc;

    while (n > 0) {
        len = n < (1u << 30) ? n : (1u << 30);
        crc = crc32_iscsi(p, (int) len, crc);
        p += len;
        n -= len;
    }

    return ~crc;
}


uint64_t
sos_checksum_crc64nvme(uint64_t crc, const void *data, size_t n)
{
    uint64_t              (*t)[256] = sos_crc64_table;
    uint64_t               v;
    const unsigned char   *p = data;

    crc = ~crc;

    while (n >= 8) {
        v = crc ^ ((uint64_t) p[0] | (uint64_t) p[1] << 8
                   | (uint64_t) p[2] << 16 | (uint64_t) p[3] << 24
                   | (uint64_t) p[4] << 32 | (uint64_t) p[5] << 40
                   | (uint64_t) p[6] << 48 | (uint64_t) p[7] << 56);

        crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff]
              ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff]
              ^ t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff]
              ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];

        p += 8;
        n -= 8;
    }

    while (n--) {
        crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }

    return ~crc;
}


/*
 * CRC combination, as zlib's crc32_combine: in the reflected
 * representation of a width-bit CRC the top bit is x^0.  CRC(A.B) is
 * CRC(A) times x^(8 * len(B)) modulo the polynomial, plus CRC(B): the
 * initial and final inversions cancel out.
 */

uint32_t
sos_checksum_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
    return (uint32_t) sos_checksum_combine(0xEDB88320u, 32, crc1, crc2, len2);
}


uint32_t
sos_checksum_crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
    return (uint32_t) sos_checksum_combine(0x82F63B78u, 32, crc1, crc2, len2);
}


uint64_t
sos_checksum_crc64nvme_combine(uint64_t crc1, uint64_t crc2, uint64_t len2)
{
    return sos_checksum_combine(0x9A6C9329AC4BC9B5ull, 64, crc1, crc2, len2);
}


/* a times b modulo the polynomial; top is x^0 */

static uint64_t
sos_checksum_multmodp(uint64_t poly, uint64_t top, uint64_t a, uint64_t b)
{
    uint64_t  m, p;

    p = 0;

    for (m = top; m; m >>= 1) {
        if (a & m) {
            p ^= b;
        }

        if ((a & (m - 1)) == 0) {
            break;
        }

        b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
    }

    return p;
}


static uint64_t
sos_checksum_combine(uint64_t poly, unsigned width, uint64_t crc1,
    uint64_t crc2, uint64_t len2)
{
    int       k;
    uint64_t  top, sq, xn;

    top = 1ull << (width - 1);

    /* sq: x^8, the shift of one byte; xn: x^(8 * len2) */

    sq = top >> 1;

    for (k = 0; k < 3; k++) {
        sq = sos_checksum_multmodp(poly, top, sq, sq);
    }

    xn = top;

    while (len2) {
        if (len2 & 1) {
            xn = sos_checksum_multmodp(poly, top, sq, xn);
        }

        len2 >>= 1;

        if (len2) {
            sq = sos_checksum_multmodp(poly, top, sq, sq);
        }
    }

    return sos_checksum_multmodp(poly, top, xn, crc1) ^ crc2;
}


const char *
sos_checksum_name(sos_checksum_alg_e alg)
{
    return alg < SOS_CHECKSUM_MAX ? sos_checksum_algs[alg].name : "";
}


const char *
sos_checksum_header(sos_checksum_alg_e alg)
{
    return alg < SOS_CHECKSUM_MAX ? sos_checksum_algs[alg].header : "";
}


size_t
sos_checksum_size(sos_checksum_alg_e alg)
{
    return alg < SOS_CHECKSUM_MAX ? sos_checksum_algs[alg].size : 0;
}


sos_checksum_alg_e
sos_checksum_lookup(const char *name, size_t len)
{
    int          a;
    size_t       i;
    const char  *s;

    for (a = SOS_CHECKSUM_CRC32; a < SOS_CHECKSUM_MAX; a++) {
        s = sos_checksum_algs[a].name;

        if (strlen(s) != len) {
            continue;
        }

        for (i = 0; i < len; i++) {
            if ((name[i] & ~0x20) != s[i] && name[i] != s[i]) {
                break;
            }
        }

        if (i == len) {
            return (sos_checksum_alg_e) a;
        }
    }

    return SOS_CHECKSUM_NONE;
}


void
sos_checksum_start(sos_checksum_t *c, sos_checksum_alg_e alg)
{
    c->alg = alg;

    switch (alg) {

    case SOS_CHECKSUM_SHA1:
        SHA1_Init(&c->u.sha1);
        break;

    case SOS_CHECKSUM_SHA256:
        SHA256_Init(&c->u.sha256);
        break;

    case SOS_CHECKSUM_CRC64NVME:
        c->u.crc64 = 0;
        break;

    default:
        c->u.crc32 = 0;
        break;
    }
}


void
sos_checksum_update(sos_checksum_t *c, const void *p, size_t n)
{
    switch (c->alg) {

    case SOS_CHECKSUM_CRC32:
        c->u.crc32 = sos_checksum_crc32(c->u.crc32, p, n);
        break;

    case SOS_CHECKSUM_CRC32C:
        c->u.crc32 = sos_checksum_crc32c(c->u.crc32, p, n);
        break;

    case SOS_CHECKSUM_CRC64NVME:
        c->u.crc64 = sos_checksum_crc64nvme(c->u.crc64, p, n);
        break;

    case SOS_CHECKSUM_SHA1:
        SHA1_Update(&c->u.sha1, p, n);
        break;

    case SOS_CHECKSUM_SHA256:
        SHA256_Update(&c->u.sha256, p, n);
        break;

    default:
        break;
    }
}


size_t
sos_checksum_final(sos_checksum_t *c, unsigned char *out)
{
    int       i;
    uint64_t  v;

    switch (c->alg) {

    case SOS_CHECKSUM_CRC32:
    case SOS_CHECKSUM_CRC32C:
        v = c->u.crc32;

        for (i = 3; i >= 0; i--) {
            out[i] = (unsigned char) (v & 0xff);
            v >>= 8;
        }

        return 4;

    case SOS_CHECKSUM_CRC64NVME:
        v = c->u.crc64;

        for (i = 7; i >= 0; i--) {
            out[i] = (unsigned char) (v & 0xff);
            v >>= 8;
        }

        return 8;

    case SOS_CHECKSUM_SHA1:
        SHA1_Final(out, &c->u.sha1);
        return 20;

    case SOS_CHECKSUM_SHA256:
        SHA256_Final(out, &c->u.sha256);
        return 32;

    default:
        return 0;
    }
}
