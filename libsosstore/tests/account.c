/*
 * Organizations, access keys and buckets.
 */

#include <stdio.h>
#include <string.h>

#include "sos/store.h"
#include "tap.h"


static int
count_org(void *ctx, const sos_org_t *org)
{
    (void) org;
    (*(int *) ctx)++;
    return 0;
}


static int
count_key(void *ctx, const sos_key_t *key)
{
    (void) key;
    (*(int *) ctx)++;
    return 0;
}


typedef struct {
    int   n;
    char  names[8][64];
} bucket_names_t;


static int
collect_bucket(void *ctx, const sos_bucket_t *b)
{
    bucket_names_t  *names = ctx;

    if (names->n < 8) {
        snprintf(names->names[names->n], 64, "%s", b->name);
    }
    names->n++;
    return 0;
}


static void
put(sos_store_t *st, const char *bucket, const char *key, const char *data)
{
    sos_put_t       *p;
    sos_error_t      err;
    sos_put_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = bucket;
    opts.bucket_len = strlen(bucket);
    opts.key = key;
    opts.key_len = strlen(key);

    if (sos_put_begin(&p, st, &opts, &err) != SOS_OK
        || sos_put_write(p, data, strlen(data), &err) != SOS_OK
        || sos_put_commit(p, NULL, &err) != SOS_OK)
    {
        bail("put %s/%s: %s", bucket, key, err.msg);
    }
}


static void
test_orgs(sos_store_t *st)
{
    int          n = 0;
    size_t       i;
    sos_org_t    a, b, c, got;
    sos_error_t  err;

    is_int(SOS_OK, sos_org_create(st, "acme", 4, "ops@acme.example", 16, &a,
                                  &err), "create org");
    is_int(SOS_ID_LEN, strlen(a.id), "canonical id is 64 characters");
    for (i = 0; i < SOS_ID_LEN && strchr("0123456789abcdef", a.id[i]); i++) {
        /* count hex digits */
    }
    is_int(SOS_ID_LEN, i, "canonical id is lowercase hex");
    is_str("acme", a.name, "name kept");

    is_int(SOS_EEXIST, sos_org_create(st, "acme", 4, NULL, 0, &b, &err),
           "duplicate name refused");
    ok(strstr(err.msg, "acme") != NULL, "message names it: %s", err.msg);
    is_int(SOS_EEXIST, sos_org_create(st, "other", 5, "OPS@acme.example", 16,
                                      &b, &err),
           "duplicate e-mail refused, whatever its case");
    is_int(SOS_EINVAL, sos_org_create(st, "", 0, NULL, 0, &b, &err),
           "empty name refused");
    is_int(SOS_OK, sos_org_create(st, "beta", 4, NULL, 0, &b, &err),
           "second org without e-mail");
    is_int(SOS_OK, sos_org_create(st, "gamma", 5, NULL, 0, &c, &err),
           "third org without e-mail: empty e-mails never clash");

    is_int(SOS_OK, sos_org_get(st, a.id, SOS_ID_LEN, &got, &err), "get by id");
    is_str("ops@acme.example", got.email, "e-mail kept");
    ok(got.created > 1700000000, "creation time set");
    is_int(SOS_ENOTFOUND, sos_org_get(st, "nope", 4, &got, &err),
           "unknown id");
    is_int(SOS_OK, sos_org_find_by_name(st, "beta", 4, &got, &err),
           "find by name");
    is_str(b.id, got.id, "right org by name");
    is_int(SOS_OK, sos_org_find_by_email(st, "Ops@Acme.Example", 16, &got,
                                         &err), "find by e-mail, any case");
    is_str(a.id, got.id, "right org by e-mail");
    is_int(SOS_ENOTFOUND, sos_org_find_by_name(st, "zeta", 4, &got, &err),
           "unknown name");

    is_int(SOS_OK, sos_org_list(st, count_org, &n, &err), "list orgs");
    is_int(3, n, "three orgs");

    is_int(SOS_OK, sos_org_delete(st, c.id, SOS_ID_LEN, &err), "delete org");
    is_int(SOS_ENOTFOUND, sos_org_get(st, c.id, SOS_ID_LEN, &got, &err),
           "deleted org is gone");
    is_int(SOS_ENOTFOUND, sos_org_delete(st, c.id, SOS_ID_LEN, &err),
           "deleting twice");
}


static void
test_keys(sos_store_t *st)
{
    int          n = 0;
    size_t       i;
    sos_org_t    org;
    sos_key_t    k1, k2, got;
    sos_error_t  err;

    is_int(SOS_OK, sos_org_create(st, "keys", 4, NULL, 0, &org, &err),
           "org for keys");
    is_int(SOS_OK, sos_key_create(st, org.id, SOS_ID_LEN, 1, &k1, &err),
           "admin key");
    is_int(SOS_OK, sos_key_create(st, org.id, SOS_ID_LEN, 0, &k2, &err),
           "plain key");
    is_int(SOS_ACCESS_KEY_LEN, strlen(k1.access_key_id), "key id length");
    is_int(SOS_SECRET_LEN, strlen(k1.secret), "secret length");
    for (i = 0; i < SOS_ACCESS_KEY_LEN
                && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                          k1.access_key_id[i]); i++)
    {
        /* count valid characters */
    }
    is_int(SOS_ACCESS_KEY_LEN, i, "key id is upper-case alphanumeric");
    ok(strcmp(k1.access_key_id, k2.access_key_id) != 0
       && strcmp(k1.secret, k2.secret) != 0, "keys differ");

    is_int(SOS_OK, sos_key_get(st, k1.access_key_id, SOS_ACCESS_KEY_LEN, &got,
                               &err), "look up key");
    is_str(k1.secret, got.secret, "secret found");
    is_str(org.id, got.org_id, "organization found");
    is_int(1, got.admin, "admin flag kept");
    is_int(SOS_ENOTFOUND, sos_key_get(st, "AKIAIOSFODNN7EXAMPLE", 20, &got,
                                      &err), "unknown key");
    is_int(SOS_ENOTFOUND, sos_key_create(st, "0123", 4, 0, &got, &err),
           "key for unknown org");

    is_int(SOS_OK, sos_key_list(st, org.id, SOS_ID_LEN, count_key, &n, &err),
           "list keys of org");
    is_int(2, n, "two keys");

    is_int(SOS_OK, sos_key_revoke(st, k2.access_key_id, SOS_ACCESS_KEY_LEN,
                                  &err), "revoke");
    is_int(SOS_ENOTFOUND, sos_key_get(st, k2.access_key_id,
                                      SOS_ACCESS_KEY_LEN, &got, &err),
           "revoked key is gone at once");
    is_int(SOS_ENOTFOUND, sos_key_revoke(st, k2.access_key_id,
                                         SOS_ACCESS_KEY_LEN, &err),
           "revoke twice");

    is_int(SOS_OK, sos_org_delete(st, org.id, SOS_ID_LEN, &err),
           "delete org with keys");
    is_int(SOS_ENOTFOUND, sos_key_get(st, k1.access_key_id,
                                      SOS_ACCESS_KEY_LEN, &got, &err),
           "its keys are revoked");
}


static void
test_buckets(sos_store_t *st)
{
    sos_org_t           a, b;
    sos_error_t         err;
    sos_bucket_t        bk;
    bucket_names_t      names;
    sos_bucket_info_t  *info, *seen;

    sos_org_create(st, "owner-a", 7, NULL, 0, &a, &err);
    sos_org_create(st, "owner-b", 7, NULL, 0, &b, &err);

    is_int(SOS_OK, sos_bucket_create(st, "photos", 6, a.id, "us-east-1",
                                     "ACL1", 4, &bk, &err), "create bucket");
    is_str(a.id, bk.owner, "owner set");
    ok(bk.created > 1700000000, "creation time");
    is_int(SOS_EEXIST, sos_bucket_create(st, "photos", 6, b.id, "", NULL, 0,
                                         &bk, &err), "name taken");
    is_str(a.id, bk.owner, "EEXIST tells who owns it");
    is_int(SOS_ENOTFOUND, sos_bucket_create(st, "nobody", 6, "x", "", NULL,
                                            0, &bk, &err),
           "unknown owner");
    is_int(SOS_EINVAL, sos_bucket_create(st, "a/b", 3, a.id, "", NULL, 0,
                                         &bk, &err), "slash refused");
    is_int(SOS_EINVAL, sos_bucket_create(st, "", 0, a.id, "", NULL, 0, &bk,
                                         &err), "empty name refused");
    sos_bucket_create(st, "docs", 4, a.id, "eu-west-1", NULL, 0, NULL, &err);
    sos_bucket_create(st, "beta-logs", 9, b.id, "", NULL, 0, NULL, &err);

    is_int(SOS_OK, sos_bucket_get(st, "photos", 6, &info, &err), "get");
    is_str("us-east-1", info->bucket.region, "region kept");
    ok(info->acl.len == 4 && memcmp(info->acl.data, "ACL1", 4) == 0,
       "acl blob kept");
    is_int(0, info->bucket.object_count, "no objects yet");
    sos_bucket_info_free(info);
    is_int(SOS_ENOBUCKET, sos_bucket_get(st, "none", 4, &info, &err),
           "missing bucket");

    sos_bucket_get(st, "photos", 6, &seen, &err);
    is_int(SOS_OK, sos_bucket_set_acl(st, "photos", 6, seen, "ACL-two", 7,
                                      &err), "set acl of the bucket as read");
    sos_bucket_get(st, "photos", 6, &info, &err);
    ok(info->acl.len == 7 && memcmp(info->acl.data, "ACL-two", 7) == 0,
       "new acl read back");
    sos_bucket_info_free(info);
    is_int(SOS_ECHANGED, sos_bucket_set_acl(st, "photos", 6, seen,
                                            "ACL-three", 9, &err),
           "set acl refused once the ACL read has changed");
    ok(strstr(err.msg, "photos") != NULL, "message names the bucket: %s",
       err.msg);
    sos_bucket_get(st, "photos", 6, &info, &err);
    ok(info->acl.len == 7 && memcmp(info->acl.data, "ACL-two", 7) == 0,
       "refused: acl kept");
    sos_bucket_info_free(info);
    is_int(SOS_ENOBUCKET, sos_bucket_set_acl(st, "none", 4, seen, "", 0,
                                             &err),
           "set acl on missing bucket");
    sos_bucket_info_free(seen);

    memset(&names, 0, sizeof(names));
    is_int(SOS_OK, sos_bucket_list(st, a.id, collect_bucket, &names, &err),
           "list buckets of owner a");
    ok(names.n == 2 && strcmp(names.names[0], "docs") == 0
       && strcmp(names.names[1], "photos") == 0, "a's two, by name");
    memset(&names, 0, sizeof(names));
    sos_bucket_list(st, NULL, collect_bucket, &names, &err);
    is_int(3, names.n, "all buckets");

    put(st, "photos", "cat.jpg", "meow");
    put(st, "photos", "dir/dog.jpg", "woof!");
    sos_bucket_get(st, "photos", 6, &info, &err);
    is_int(2, info->bucket.object_count, "counter: objects");
    is_int(9, info->bucket.bytes, "counter: bytes");
    sos_bucket_info_free(info);

    put(st, "photos", "cat.jpg", "purr-purr");
    sos_bucket_get(st, "photos", 6, &info, &err);
    ok(info->bucket.object_count == 2 && info->bucket.bytes == 14,
       "overwrite counts bytes, not objects");
    sos_bucket_info_free(info);

    is_int(SOS_ENOTEMPTY, sos_bucket_delete(st, "photos", 6, &err),
           "delete non-empty bucket");
    is_int(SOS_ENOTEMPTY, sos_org_delete(st, a.id, SOS_ID_LEN, &err),
           "org owning buckets is kept");

    sos_object_delete(st, "photos", 6, "cat.jpg", 7, &err);
    sos_object_delete(st, "photos", 6, "dir/dog.jpg", 11, &err);
    sos_bucket_get(st, "photos", 6, &info, &err);
    ok(info->bucket.object_count == 0 && info->bucket.bytes == 0,
       "counters back to zero");
    sos_bucket_info_free(info);

    sos_bucket_get(st, "photos", 6, &seen, &err);
    is_int(SOS_OK, sos_bucket_delete(st, "photos", 6, &err),
           "delete emptied bucket");
    is_int(SOS_ENOBUCKET, sos_bucket_delete(st, "photos", 6, &err),
           "delete twice");
    is_int(SOS_ENOBUCKET, sos_bucket_set_acl(st, "photos", 6, seen, "", 0,
                                             &err),
           "set acl on the deleted bucket");
    is_int(SOS_OK, sos_bucket_create(st, "photos", 6, b.id, "", "ACL-two", 7,
                                     &bk, &err), "name is free again");
    sos_bucket_get(st, "photos", 6, &info, &err);
    is_int(0, info->bucket.object_count, "fresh counters");
    sos_bucket_info_free(info);
    is_int(SOS_ECHANGED, sos_bucket_set_acl(st, "photos", 6, seen, "ACL-a",
                                            5, &err),
           "set acl refused on the name's next bucket, same ACL, new owner");
    sos_bucket_get(st, "photos", 6, &info, &err);
    ok(info->acl.len == 7 && memcmp(info->acl.data, "ACL-two", 7) == 0,
       "refused: the new owner's acl kept");
    sos_bucket_info_free(info);
    sos_bucket_info_free(seen);
}


int
main(void)
{
    sos_error_t       err;
    sos_store_t      *st;
    sos_store_conf_t  conf;

    plan(0);

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = tmpdir();
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("open: %s", err.msg);
    }

    test_orgs(st);
    test_keys(st);
    test_buckets(st);

    sos_store_close(st);

    /* everything above is in the index, not in memory */
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("reopen: %s", err.msg);
    }
    {
        sos_org_t  org;

        is_int(SOS_OK, sos_org_find_by_name(st, "acme", 4, &org, &err),
               "orgs survive a reopen");
    }
    sos_store_close(st);

    done_testing();
}
