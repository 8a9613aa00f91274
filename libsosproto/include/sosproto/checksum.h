/*
 * libsosproto: the flexible checksums of S3 (x-amz-checksum-*).
 *
 * Plain C and OpenSSL, no nginx type, so that a pool thread may run them
 * and sosctl or a unit test can link them alone.
 *
 * Conventions
 * - Nothing here allocates or fails; inputs are borrowed for the call.
 * - Every function is reentrant once sos_checksum_init() has returned:
 *   a sos_checksum_t belongs to one thread at a time, and the CRC tables
 *   are read only.
 */

#ifndef SOS_PROTO_CHECKSUM_H
#define SOS_PROTO_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SOS_CHECKSUM_NONE = 0,
    SOS_CHECKSUM_CRC32,                  /* zlib's, reflected 0xEDB88320 */
    SOS_CHECKSUM_CRC32C,                 /* Castagnoli, reflected */
    SOS_CHECKSUM_CRC64NVME,              /* reflected 0x9a6c9329ac4bc9b5 */
    SOS_CHECKSUM_SHA1,
    SOS_CHECKSUM_SHA256,
    SOS_CHECKSUM_MAX
} sos_checksum_alg_e;

#define SOS_CHECKSUM_MAX_SIZE   32       /* raw digest bytes */
#define SOS_CHECKSUM_MAX_B64    44       /* base64 of 32 bytes */

/* A running checksum; set up by sos_checksum_start(). */
typedef struct {
    sos_checksum_alg_e   alg;
    union {
        uint32_t         crc32;
        uint64_t         crc64;
        SHA_CTX          sha1;
        SHA256_CTX       sha256;
    } u;
} sos_checksum_t;

/**
 * Build the CRC32C and CRC64NVME tables.  Idempotent and thread-safe
 * (pthread_once), but a thread may compute a CRC only once a call has
 * returned: call it at start-up, before the first CRC.
 */
void sos_checksum_init(void);

/**
 * The name of alg as S3 spells it in x-amz-checksum-algorithm ("CRC32",
 * "CRC32C", "CRC64NVME", "SHA1", "SHA256"), and its header
 * ("x-amz-checksum-crc32" ...).  Static strings; "" for NONE or an
 * out-of-range value.
 */
const char *sos_checksum_name(sos_checksum_alg_e alg);
const char *sos_checksum_header(sos_checksum_alg_e alg);

/**
 * The algorithm of a name in either case ("crc32c", "CRC32C"; not
 * NUL-terminated).  @return SOS_CHECKSUM_NONE if unknown
 */
sos_checksum_alg_e sos_checksum_lookup(const char *name, size_t len);

/** The raw digest length of alg: 4, 4, 8, 20, 32; 0 for NONE. */
size_t sos_checksum_size(sos_checksum_alg_e alg);

/** Start a checksum of alg in c (NONE: updates do nothing). */
void sos_checksum_start(sos_checksum_t *c, sos_checksum_alg_e alg);

/** Add n bytes at p (n may be 0). */
void sos_checksum_update(sos_checksum_t *c, const void *p, size_t n);

/**
 * Write the digest to out (SOS_CHECKSUM_MAX_SIZE bytes suffice),
 * big-endian for the CRCs, as S3 sends them base64-encoded.  c must be
 * started again before further use.
 * @return the digest length, sos_checksum_size(c->alg)
 */
size_t sos_checksum_final(sos_checksum_t *c, unsigned char *out);

/**
 * One-shot CRCs, also to continue a running one: crc is the value so far
 * (0 to start) and the result is the CRC of everything fed.
 */
uint32_t sos_checksum_crc32(uint32_t crc, const void *p, size_t n);
uint32_t sos_checksum_crc32c(uint32_t crc, const void *p, size_t n);
uint64_t sos_checksum_crc64nvme(uint64_t crc, const void *p, size_t n);

/**
 * The CRC of A followed by B from crc1 = CRC(A), crc2 = CRC(B) and B's
 * length, without B's bytes (zlib's crc32_combine): a multipart object's
 * full-object CRC from its parts' CRCs.  Some 64 carry-less
 * multiplications modulo the polynomial; no table, no sos_checksum_init.
 */
uint32_t sos_checksum_crc32_combine(uint32_t crc1, uint32_t crc2,
    uint64_t len2);
uint32_t sos_checksum_crc32c_combine(uint32_t crc1, uint32_t crc2,
    uint64_t len2);
uint64_t sos_checksum_crc64nvme_combine(uint64_t crc1, uint64_t crc2,
    uint64_t len2);

#ifdef __cplusplus
}
#endif

#endif /* SOS_PROTO_CHECKSUM_H */
