/*
 * Secrets at rest: access key secrets sealed under the key file, never in
 * plaintext in any file of the index; the key file's checks; sealing the
 * plaintext records of an older index.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <leveldb/c.h>

#include "sos/store.h"
#include "tap.h"


static char  data[300], keyfile[1024], index_dir[1024];


static sos_rc_e
open_store(sos_store_t **st, const char *key_file, sos_error_t *err)
{
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    memset(err, 0, sizeof(*err));
    conf.data_dir = data;
    conf.key_file = key_file;
    conf.no_fsync = 1;

    return sos_store_open(st, &conf, err);
}


static sos_store_t *
must_open(void)
{
    sos_error_t   err;
    sos_store_t  *st;

    if (open_store(&st, NULL, &err) != SOS_OK) {
        bail("open %s: %s", data, err.msg);
    }
    return st;
}


/* 1 when any file of dir holds the bytes of s */
static int
dir_holds(const char *dir, const char *s)
{
    int             found = 0;
    DIR            *d;
    char            path[2048], *buf;
    size_t          n = strlen(s);
    FILE           *f;
    long            len;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        bail("opendir %s", dir);
    }

    while (!found && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        f = fopen(path, "rb");
        if (f == NULL) {
            continue;
        }
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        buf = malloc((size_t) len + 1);
        if (buf == NULL || fread(buf, 1, (size_t) len, f) != (size_t) len) {
            bail("read %s", path);
        }
        fclose(f);
        found = memmem(buf, (size_t) len, s, n) != NULL;
        free(buf);
    }

    closedir(d);
    return found;
}


static void
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
    int  fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd == -1 || write(fd, p, n) != (ssize_t) n || fchmod(fd, mode) != 0) {
        bail("cannot write %s", path);
    }
    close(fd);
}


static int
has_notice(sos_store_t *st, sos_notice_level_e level, const char *s1,
    const char *s2)
{
    size_t            i;
    sos_store_info_t  info;

    sos_store_info(st, &info);
    for (i = 0; i < info.n_notices; i++) {
        if (info.notices[i].level == level
            && strstr(info.notices[i].msg, s1) != NULL
            && (s2 == NULL || strstr(info.notices[i].msg, s2) != NULL))
        {
            return 1;
        }
    }
    return 0;
}


/* A version 1 K record, as stores before sealing wrote it. */
static void
put_plaintext_key(const char *akid, const char *secret, const char *org)
{
    char                 key[1 + 20], val[256], *errptr = NULL;
    size_t               n = 0;
    leveldb_t           *db;
    leveldb_options_t   *o;
    leveldb_writeoptions_t  *wo;

    key[0] = 'K';
    memcpy(key + 1, akid, 20);

    val[n++] = 1;
    val[n++] = (char) strlen(secret);
    memcpy(val + n, secret, strlen(secret));
    n += strlen(secret);
    val[n++] = (char) strlen(org);
    memcpy(val + n, org, strlen(org));
    n += strlen(org);
    val[n++] = 1;                       /* admin */
    val[n++] = 2;                       /* created: zig-zag 1 */

    o = leveldb_options_create();
    db = leveldb_open(o, index_dir, &errptr);
    if (errptr != NULL) {
        bail("leveldb_open: %s", errptr);
    }
    wo = leveldb_writeoptions_create();
    leveldb_put(db, wo, key, sizeof(key), val, n, &errptr);
    if (errptr != NULL) {
        bail("leveldb_put: %s", errptr);
    }
    leveldb_writeoptions_destroy(wo);
    leveldb_close(db);
    leveldb_options_destroy(o);
}


/* Copy the value of K<from> over K<to>, bypassing the store. */
static void
swap_record(const char *from, const char *to)
{
    char                    kf[21], kt[21], *val, *errptr = NULL;
    size_t                  n;
    leveldb_t              *db;
    leveldb_options_t      *o;
    leveldb_readoptions_t  *ro;
    leveldb_writeoptions_t *wo;

    kf[0] = 'K';
    memcpy(kf + 1, from, 20);
    kt[0] = 'K';
    memcpy(kt + 1, to, 20);

    o = leveldb_options_create();
    db = leveldb_open(o, index_dir, &errptr);
    if (errptr != NULL) {
        bail("leveldb_open: %s", errptr);
    }
    ro = leveldb_readoptions_create();
    wo = leveldb_writeoptions_create();
    val = leveldb_get(db, ro, kf, sizeof(kf), &n, &errptr);
    if (val == NULL) {
        bail("no record %s", from);
    }
    leveldb_put(db, wo, kt, sizeof(kt), val, n, &errptr);
    leveldb_free(val);
    leveldb_readoptions_destroy(ro);
    leveldb_writeoptions_destroy(wo);
    leveldb_close(db);
    leveldb_options_destroy(o);
}


int
main(void)
{
    char           other[1024], inside[1024];
    sos_org_t      org;
    sos_key_t      k1, k2, got;
    struct stat    sb;
    sos_error_t    err;
    sos_store_t   *st;
    unsigned char  rnd[32];
    const char    *plain = "PlainSecretOfAnOlderStore0123456789+/abc";

    plan(0);

    snprintf(data, sizeof(data), "%s/data", tmpdir());
    snprintf(keyfile, sizeof(keyfile), "%s/secret.key", data);
    snprintf(index_dir, sizeof(index_dir), "%s/index", data);

    /* the first open creates the key file */

    st = must_open();
    ok(stat(keyfile, &sb) == 0, "key file created at <data>/secret.key");
    is_int(0600, sb.st_mode & 07777, "key file mode 0600");
    is_int(32, sb.st_size, "key file holds 32 bytes");
    ok(has_notice(st, SOS_NOTICE_INFO, keyfile, "back it up"),
       "a notice names the new key file");

    is_int(SOS_OK, sos_org_create(st, "acme", 4, NULL, 0, &org, &err),
           "org");
    is_int(SOS_OK, sos_key_create(st, org.id, SOS_ID_LEN, 1, &k1, &err),
           "key 1");
    is_int(SOS_OK, sos_key_create(st, org.id, SOS_ID_LEN, 0, &k2, &err),
           "key 2");
    sos_store_close(st);

    ok(!dir_holds(index_dir, k1.secret), "no file of the index holds "
       "secret 1");
    ok(!dir_holds(index_dir, k2.secret), "nor secret 2");
    ok(dir_holds(index_dir, k1.access_key_id), "(the scan does see the "
       "access key id)");

    st = must_open();
    is_int(SOS_OK, sos_key_get(st, k1.access_key_id, 20, &got, &err),
           "reopen: key 1");
    is_str(k1.secret, got.secret, "its secret opens");
    is_int(1, got.admin, "admin flag kept");
    is_str(org.id, got.org_id, "org kept");
    {
        sos_store_info_t  info;

        sos_store_info(st, &info);
        is_int(0, info.n_notices, "a clean reopen has nothing to say");
    }
    sos_store_close(st);

    /* key file checks */

    snprintf(other, sizeof(other), "%s/other.key", tmpdir());
    memset(rnd, 0x5a, sizeof(rnd));
    write_file(other, rnd, sizeof(rnd), 0600);
    is_int(SOS_EINVAL, open_store(&st, other, &err), "another key file");
    ok(strstr(err.msg, "wrong key file") != NULL
       && strstr(err.msg, other) != NULL, "says so: %s", err.msg);

    chmod(keyfile, 0640);
    is_int(SOS_EINVAL, open_store(&st, NULL, &err),
           "key file readable by the group");
    ok(strstr(err.msg, "0640") != NULL && strstr(err.msg, "chmod 600"),
       "says so: %s", err.msg);
    chmod(keyfile, 0600);

    write_file(other, rnd, 31, 0600);
    is_int(SOS_EINVAL, open_store(&st, other, &err), "a 31-byte key file");
    ok(strstr(err.msg, "31 bytes") != NULL, "says so: %s", err.msg);

    unlink(other);
    is_int(SOS_EINVAL, open_store(&st, other, &err),
           "a missing key file while secrets are sealed");
    ok(strstr(err.msg, "missing") != NULL && stat(other, &sb) == -1,
       "says so, creates nothing: %s", err.msg);

    snprintf(inside, sizeof(inside), "%s/index/secret.key", data);
    is_int(SOS_EINVAL, open_store(&st, inside, &err),
           "a key file inside the index");
    ok(strstr(err.msg, "inside the index") != NULL, "says so: %s", err.msg);

    /* a ciphertext moved to another record does not open */

    swap_record(k1.access_key_id, k2.access_key_id);
    st = must_open();
    is_int(SOS_ECORRUPT, sos_key_get(st, k2.access_key_id, 20, &got, &err),
           "key 1's sealed secret under key 2's record");
    ok(has_notice(st, SOS_NOTICE_WARN, "1 of 2 sealed secrets",
                  k2.access_key_id), "open names the key that does not open");
    is_int(SOS_OK, sos_key_revoke(st, k2.access_key_id, 20, &err),
           "it can still be revoked");
    sos_store_close(st);

    /* a plaintext record of an older store is sealed at open */

    put_plaintext_key("SOSPLAINTEXTKEY00001", plain, org.id);
    ok(dir_holds(index_dir, plain), "(the old record is in plaintext)");

    st = must_open();
    {
        sos_store_info_t  info;

        sos_store_info(st, &info);
        is_int(1, info.secrets_sealed, "open sealed one secret");
    }
    ok(has_notice(st, SOS_NOTICE_WARN, "sealed 1 plaintext", keyfile),
       "and says so");
    is_int(SOS_OK, sos_key_get(st, "SOSPLAINTEXTKEY00001", 20, &got, &err),
           "the migrated key");
    is_str(plain, got.secret, "keeps its secret");
    is_int(1, got.admin, "and its admin flag");
    sos_store_close(st);

    ok(!dir_holds(index_dir, plain), "no file of the index keeps the "
       "plaintext");

    st = must_open();
    ok(!has_notice(st, SOS_NOTICE_WARN, "sealed 1", NULL),
       "sealed once, not again");
    sos_store_close(st);

    done_testing();
}
