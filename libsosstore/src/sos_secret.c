/*
 * Secrets at rest.  SigV4 needs each access key's plaintext secret, so
 * the index cannot keep a hash; it keeps the secret sealed with
 * AES-256-GCM under a 32-byte key that lives in a file of its own (0600,
 * created at the first open, outside the index directory).  A copy of the
 * index alone, or a backup of it, then gives no secret away.
 *
 * Each sealed secret has a fresh random nonce and is bound to its record's
 * index key (K<access key id>) as additional data, so a ciphertext moved
 * to another key's record does not open.  K records of version 1 hold the
 * secret in plaintext: open seals them and compacts the index, so that no
 * file of the index keeps the plaintext.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sos_internal.h"


/* What the scan at open found among the K records. */
typedef struct {
    sos_store_t           *store;
    leveldb_writebatch_t  *batch;       /* plaintext records, sealed */
    uint64_t               plaintext;
    uint64_t               sealed;
    uint64_t               opened;      /* sealed and opened with the key */
    char                   first_bad[SOS_ACCESS_KEY_LEN + 1];
    int                    failed;      /* out of memory or crypto error */
} sos_secret_scan_t;


static int sos_secret_seal(const sos_store_t *st, const void *aad,
    size_t aad_len, const char *secret, size_t len, unsigned char *out);
static int sos_secret_unseal(const sos_store_t *st, const void *aad,
    size_t aad_len, const unsigned char *in, size_t in_len, char *out);
static int sos_secret_gcm(const sos_store_t *st, int enc,
    const unsigned char *nonce, const void *aad, size_t aad_len,
    const unsigned char *in, size_t len, unsigned char *out,
    unsigned char *tag);
static sos_rc_e sos_key_file_read(const char *path,
    unsigned char key[SOS_SECRET_KEY_LEN], sos_error_t *err);
static sos_rc_e sos_key_file_create(sos_store_t *st, const char *path,
    sos_error_t *err);
static sos_rc_e sos_secret_visit(void *ctx, const char *key, size_t key_len,
    const char *val, size_t val_len);


/*
 * out (SOS_SEALED_LEN(len) bytes) = nonce | AES-256-GCM(secret) | tag,
 * bound to aad (the record's index key).  0, or -1 on a crypto failure.
 */
static int
sos_secret_seal(const sos_store_t *st, const void *aad, size_t aad_len,
    const char *secret, size_t len, unsigned char *out)
{
    if (RAND_bytes(out, SOS_SEAL_NONCE_LEN) != 1) {
        return -1;
    }

    return sos_secret_gcm(st, 1, out, aad, aad_len,
                          (const unsigned char *) secret, len,
                          out + SOS_SEAL_NONCE_LEN,
                          out + SOS_SEAL_NONCE_LEN + len);
}


/* The secret (in_len - SOS_SEALED_LEN(0) bytes) into out; -1 when the
 * tag does not verify: wrong key, or another record's ciphertext. */
static int
sos_secret_unseal(const sos_store_t *st, const void *aad, size_t aad_len,
    const unsigned char *in, size_t in_len, char *out)
{
    size_t           len;
    unsigned char    tag[SOS_SEAL_TAG_LEN];

    if (in_len < SOS_SEALED_LEN(1)) {
        return -1;
    }

    len = in_len - SOS_SEALED_LEN(0);
    memcpy(tag, in + SOS_SEAL_NONCE_LEN + len, SOS_SEAL_TAG_LEN);

    if (sos_secret_gcm(st, 0, in, aad, aad_len, in + SOS_SEAL_NONCE_LEN, len,
                       (unsigned char *) out, tag)
        != 0)
    {
        OPENSSL_cleanse(out, len);
        return -1;
    }

    return 0;
}


/*
 * AES-256-GCM with the store's key of len bytes from in into out, bound
 * to aad: enc 1 seals and writes the tag, enc 0 opens and checks it.
 * 0, or -1 on a failure (or a tag that does not verify).
 */
static int
sos_secret_gcm(const sos_store_t *st, int enc, const unsigned char *nonce,
    const void *aad, size_t aad_len, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char *tag)
{
    int              n, ok;
    EVP_CIPHER_CTX  *c;

    c = EVP_CIPHER_CTX_new();

    ok = c != NULL
         && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc)
         && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN,
                                SOS_SEAL_NONCE_LEN, NULL)
         && EVP_CipherInit_ex(c, NULL, NULL, st->secret_key, nonce, enc)
         && EVP_CipherUpdate(c, NULL, &n, aad, (int) aad_len)
         && EVP_CipherUpdate(c, out, &n, in, (int) len)
         && (size_t) n == len
         && (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG,
                                        SOS_SEAL_TAG_LEN, tag))
         && EVP_CipherFinal_ex(c, out + n, &n) > 0
         && (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG,
                                         SOS_SEAL_TAG_LEN, tag));

    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}


int
sos_key_encode(const sos_store_t *st, sos_buf_t *val, const sos_key_t *key)
{
    char           aad[1 + SOS_ACCESS_KEY_LEN];
    size_t         len = strlen(key->secret);
    unsigned char  sealed[SOS_SEALED_LEN(SOS_SECRET_LEN)];

    aad[0] = SOS_K_KEY;
    memcpy(aad + 1, key->access_key_id, SOS_ACCESS_KEY_LEN);

    if (len == 0 || len > SOS_SECRET_LEN
        || sos_secret_seal(st, aad, sizeof(aad), key->secret, len, sealed)
           != 0)
    {
        return -1;
    }

    sos_buf_add_u8(val, SOS_KEY_RECORD_SEALED);
    sos_buf_add_bytes(val, sealed, SOS_SEALED_LEN(len));
    sos_buf_add_bytes(val, key->org_id, strlen(key->org_id));
    sos_buf_add_varint(val, (uint64_t) key->admin);
    sos_buf_add_svarint(val, key->created);
    return val->oom ? -1 : 0;
}


int
sos_key_decode(const sos_store_t *st, const char *akid, size_t akid_len,
    const char *val, size_t len, sos_key_t *key)
{
    char        aad[1 + SOS_ACCESS_KEY_LEN];
    unsigned    version;
    sos_str_t   sealed;
    sos_rbuf_t  r;

    memset(key, 0, sizeof(*key));
    if (akid_len != SOS_ACCESS_KEY_LEN) {
        return -1;
    }
    memcpy(key->access_key_id, akid, akid_len);

    sos_rbuf_init(&r, val, len);
    version = sos_rbuf_u8(&r);

    if (version == SOS_RECORD_VERSION) {
        sos_rbuf_cstr(&r, key->secret, sizeof(key->secret));

    } else if (version == SOS_KEY_RECORD_SEALED) {
        sealed = sos_rbuf_bytes(&r);
        aad[0] = SOS_K_KEY;
        memcpy(aad + 1, akid, SOS_ACCESS_KEY_LEN);

        if (r.bad || sealed.len > SOS_SEALED_LEN(SOS_SECRET_LEN)
            || sos_secret_unseal(st, aad, sizeof(aad),
                                 (const unsigned char *) sealed.data,
                                 sealed.len, key->secret) != 0)
        {
            return -1;
        }

    } else {
        return -1;
    }

    sos_rbuf_cstr(&r, key->org_id, sizeof(key->org_id));
    key->admin = (int) sos_rbuf_varint(&r);
    key->created = sos_rbuf_svarint(&r);

    if (r.bad) {
        OPENSSL_cleanse(key->secret, sizeof(key->secret));
        return -1;
    }

    return 0;
}


/* SOS_ENOTFOUND (err untouched) when the file does not exist. */
static sos_rc_e
sos_key_file_read(const char *path, unsigned char key[SOS_SECRET_KEY_LEN],
    sos_error_t *err)
{
    int          fd, saved;
    size_t       got;
    ssize_t      n;
    sos_rc_e     rc;
    struct stat  sb;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ENOENT) {
            return SOS_ENOTFOUND;
        }
        return sos_err_sys(err, errno, "open(\"%s\") of the key file failed",
                           path);
    }

    if (fstat(fd, &sb) == -1) {
        saved = errno;
        close(fd);
        return sos_err_sys(err, saved, "fstat(\"%s\") failed", path);
    }

    rc = SOS_OK;

    if (!S_ISREG(sb.st_mode)) {
        rc = sos_err(err, SOS_EINVAL, 0, "key file \"%s\" is not a regular "
                     "file", path);

    } else if (sb.st_mode & 077) {
        rc = sos_err(err, SOS_EINVAL, 0, "key file \"%s\" has mode %04o: "
                     "other users may read or change it; it must be the "
                     "owner's alone (chmod 600)", path,
                     (unsigned) (sb.st_mode & 07777));

    } else if (sb.st_size != SOS_SECRET_KEY_LEN) {
        rc = sos_err(err, SOS_EINVAL, 0, "key file \"%s\" holds %lld bytes, "
                     "not %d: not a key file of this store", path,
                     (long long) sb.st_size, SOS_SECRET_KEY_LEN);
    }

    for (got = 0; rc == SOS_OK && got < SOS_SECRET_KEY_LEN; got += n) {
        n = read(fd, key + got, SOS_SECRET_KEY_LEN - got);
        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }
        if (n <= 0) {
            rc = n == 0 ? sos_err(err, SOS_EINVAL, 0, "key file \"%s\" is "
                                  "shorter than %d bytes", path,
                                  SOS_SECRET_KEY_LEN)
                        : sos_err_sys(err, errno, "read(\"%s\") failed",
                                      path);
        }
    }

    close(fd);
    return rc;
}


static sos_rc_e
sos_key_file_create(sos_store_t *st, const char *path, sos_error_t *err)
{
    int       fd, saved;
    char      dir[4096], *slash;
    size_t    done;
    ssize_t   n;
    sos_rc_e  rc;

    if (RAND_bytes(st->secret_key, SOS_SECRET_KEY_LEN) != 1) {
        return sos_err(err, SOS_EIO, 0, "no random bytes for the key file");
    }

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, SOS_FILE_MODE);
    if (fd == -1) {
        return sos_err_sys(err, errno, "cannot create the key file \"%s\"",
                           path);
    }

    rc = SOS_OK;

    for (done = 0; done < SOS_SECRET_KEY_LEN; done += (size_t) n) {
        n = write(fd, st->secret_key + done, SOS_SECRET_KEY_LEN - done);
        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }
        if (n == -1) {
            rc = sos_err_sys(err, errno, "write(\"%s\") failed", path);
            break;
        }
    }

    if (rc == SOS_OK && !st->no_fsync && sos_sync_timed(st, fd, 0) == -1) {
        rc = sos_err_sys(err, errno, "fsync(\"%s\") failed", path);
    }

    if (close(fd) == -1 && rc == SOS_OK) {
        rc = sos_err_sys(err, errno, "close(\"%s\") failed", path);
    }

    /* the key must survive a crash as surely as what it seals */

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof(dir), slash ? "/" : ".");
    }

    if (rc == SOS_OK && !st->no_fsync && sos_fsync_dir(st, dir) == -1) {
        rc = sos_err_sys(err, errno, "fsync(\"%s\") failed", dir);
    }

    if (rc != SOS_OK) {
        saved = errno;
        unlink(path);
        errno = saved;
        return rc;
    }

    sos_notice(st, SOS_NOTICE_INFO, "created the key file \"%s\" that seals "
               "the access key secrets: back it up, apart from the index",
               path);
    return SOS_OK;
}


static sos_rc_e
sos_secret_visit(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    char                ikey[1 + SOS_ACCESS_KEY_LEN];
    sos_key_t           k;
    sos_buf_t           b;
    sos_secret_scan_t  *scan = ctx;

    if (val_len == 0 || key_len != SOS_ACCESS_KEY_LEN) {
        return SOS_OK;
    }

    if ((unsigned char) val[0] == SOS_KEY_RECORD_SEALED) {
        scan->sealed++;

        if (scan->batch == NULL) {
            return SOS_OK;
        }

        if (sos_key_decode(scan->store, key, key_len, val, val_len, &k)
            == 0)
        {
            scan->opened++;

        } else if (scan->first_bad[0] == '\0') {
            memcpy(scan->first_bad, key, key_len);
        }

        OPENSSL_cleanse(&k, sizeof(k));
        return SOS_OK;
    }

    if (scan->batch == NULL
        || sos_key_decode(scan->store, key, key_len, val, val_len, &k) != 0)
    {
        return SOS_OK;
    }

    /* a version 1 record: seal its secret */

    scan->plaintext++;

    sos_buf_init(&b);
    if (sos_key_encode(scan->store, &b, &k) == 0) {
        ikey[0] = SOS_K_KEY;
        memcpy(ikey + 1, key, key_len);
        leveldb_writebatch_put(scan->batch, ikey, sizeof(ikey),
                               (const char *) b.data, b.len);
    } else {
        scan->failed = 1;
    }

    OPENSSL_cleanse(&k, sizeof(k));
    sos_buf_free(&b);

    return scan->failed ? SOS_SCAN_STOP : SOS_OK;
}


sos_rc_e
sos_secret_init(sos_store_t *st, const char *key_file, sos_error_t *err)
{
    char                path[4096], index[4096];
    size_t              n;
    sos_rc_e            rc;
    sos_secret_scan_t   scan;

    if (key_file == NULL || key_file[0] == '\0') {
        snprintf(path, sizeof(path), "%s/secret.key", st->data_dir);
        key_file = path;
    }

    /* a copy of the index must not carry the key that opens it */

    n = (size_t) snprintf(index, sizeof(index), "%s/index", st->data_dir);
    if (strncmp(key_file, index, n) == 0
        && (key_file[n] == '/' || key_file[n] == '\0'))
    {
        return sos_err(err, SOS_EINVAL, 0, "key file \"%s\" is inside the "
                       "index directory \"%s\": keep it apart", key_file,
                       index);
    }

    memset(&scan, 0, sizeof(scan));
    scan.store = st;

    rc = sos_key_file_read(key_file, st->secret_key, err);

    if (rc == SOS_ENOTFOUND) {

        /* a new key would open nothing sealed before: refuse, not lose */

        rc = sos_idx_scan(st, SOS_K_KEY, sos_secret_visit, &scan, err);
        if (rc != SOS_OK) {
            return rc;
        }

        if (scan.sealed) {
            return sos_err(err, SOS_EINVAL, 0, "key file \"%s\" is missing, "
                           "and the index holds %llu secrets sealed with "
                           "it: restore it (sos_key_file, sosctl "
                           "--key-file)", key_file,
                           (unsigned long long) scan.sealed);
        }

        rc = sos_key_file_create(st, key_file, err);
    }

    if (rc != SOS_OK) {
        return rc;
    }

    memset(&scan, 0, sizeof(scan));
    scan.store = st;
    scan.batch = leveldb_writebatch_create();

    rc = sos_idx_scan(st, SOS_K_KEY, sos_secret_visit, &scan, err);

    if (rc == SOS_OK && scan.failed) {
        rc = sos_err(err, SOS_ENOMEM, 0, "cannot seal the secrets of the "
                     "index: out of memory or no random bytes");
    }

    if (rc == SOS_OK && scan.sealed && scan.opened == 0) {
        rc = sos_err(err, SOS_EINVAL, 0, "key file \"%s\" opens none of "
                     "the %llu sealed secrets of the index: wrong key "
                     "file?", key_file, (unsigned long long) scan.sealed);
    }

    if (rc == SOS_OK && scan.plaintext) {
        rc = sos_idx_write(st, scan.batch, 1, err);
    }

    leveldb_writebatch_destroy(scan.batch);

    if (rc != SOS_OK) {
        return rc;
    }

    if (scan.plaintext) {
        /* rewrite every file of the index: the old values go with them */
        leveldb_compact_range(st->db, NULL, 0, NULL, 0);

        st->info.secrets_sealed = scan.plaintext;
        sos_notice(st, SOS_NOTICE_WARN, "sealed %llu plaintext access key "
                   "secrets of the index with the key file \"%s\"; copies "
                   "of the index made before still hold them",
                   (unsigned long long) scan.plaintext, key_file);
    }

    if (scan.opened < scan.sealed) {
        sos_notice(st, SOS_NOTICE_WARN, "%llu of %llu sealed secrets do not "
                   "open with the key file \"%s\" (the first: access key "
                   "%s): those keys are refused",
                   (unsigned long long) (scan.sealed - scan.opened),
                   (unsigned long long) scan.sealed, key_file,
                   scan.first_bad);
    }

    return SOS_OK;
}
