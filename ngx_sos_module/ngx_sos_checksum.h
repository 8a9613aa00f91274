
/*
 * SOS: the flexible checksums of S3 (x-amz-checksum-*).
 *
 * Plain C and OpenSSL, no nginx type, so that a pool thread may run them
 * and the unit test can link them alone.
 */


#ifndef _NGX_SOS_CHECKSUM_H_INCLUDED_
#define _NGX_SOS_CHECKSUM_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>


typedef enum {
    NGX_SOS_CHECKSUM_NONE = 0,
    NGX_SOS_CHECKSUM_CRC32,              /* zlib's, reflected 0xEDB88320 */
    NGX_SOS_CHECKSUM_CRC32C,             /* Castagnoli, reflected */
    NGX_SOS_CHECKSUM_CRC64NVME,          /* reflected 0x9a6c9329ac4bc9b5 */
    NGX_SOS_CHECKSUM_SHA1,
    NGX_SOS_CHECKSUM_SHA256,
    NGX_SOS_CHECKSUM_MAX
} ngx_sos_checksum_alg_e;


#define NGX_SOS_CHECKSUM_MAX_SIZE   32   /* raw digest bytes */
#define NGX_SOS_CHECKSUM_MAX_B64    44   /* base64 of 32 bytes */


typedef struct {
    ngx_sos_checksum_alg_e   alg;
    union {
        uint32_t             crc32;
        uint64_t             crc64;
        SHA_CTX              sha1;
        SHA256_CTX           sha256;
    } u;
} ngx_sos_checksum_t;


/* Build the CRC tables; call once before any thread computes a CRC. */
void ngx_sos_checksum_init(void);

/* "CRC32" ... as S3 spells it in headers' suffix: "crc32" ... */
const char *ngx_sos_checksum_name(ngx_sos_checksum_alg_e alg);
const char *ngx_sos_checksum_header(ngx_sos_checksum_alg_e alg);
/* by name, either case ("crc32c", "CRC32C"); NONE if unknown */
ngx_sos_checksum_alg_e ngx_sos_checksum_lookup(const char *name,
    size_t len);
/* raw digest length: 4, 4, 8, 20, 32 */
size_t ngx_sos_checksum_size(ngx_sos_checksum_alg_e alg);

void ngx_sos_checksum_start(ngx_sos_checksum_t *c,
    ngx_sos_checksum_alg_e alg);
void ngx_sos_checksum_update(ngx_sos_checksum_t *c, const void *p,
    size_t n);
/* the digest, big-endian for CRCs; returns its length */
size_t ngx_sos_checksum_final(ngx_sos_checksum_t *c, unsigned char *out);

/* one-shot CRCs (crc is the running value: 0 to start) */
uint32_t ngx_sos_crc32(uint32_t crc, const void *p, size_t n);
uint32_t ngx_sos_crc32c(uint32_t crc, const void *p, size_t n);
uint64_t ngx_sos_crc64nvme(uint64_t crc, const void *p, size_t n);


#endif /* _NGX_SOS_CHECKSUM_H_INCLUDED_ */
