/*
 * A write commits into the bucket it began in: not into one of the same
 * name created since by another organization, nor into none.
 */

#include "sos/store.h"
#include "tap.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static sos_store_t  *st;
static sos_error_t   err;


static void
org_make(const char *name, sos_org_t *org)
{
    if (sos_org_create(st, name, strlen(name), NULL, 0, org, &err) != SOS_OK)
    {
        bail("sos_org_create(%s): %s", name, err.msg);
    }
}


static void
bucket_make(const sos_org_t *org)
{
    sos_bucket_t  b;

    if (sos_bucket_create(st, BUCKET, BUCKET_LEN, org->id, "", NULL, 0, &b,
                          &err) != SOS_OK)
    {
        bail("sos_bucket_create: %s", err.msg);
    }
}


static void
bucket_drop(void)
{
    if (sos_bucket_delete(st, BUCKET, BUCKET_LEN, &err) != SOS_OK) {
        bail("sos_bucket_delete: %s", err.msg);
    }
}


static sos_put_t *
put_start(const char *key)
{
    sos_put_t       *put;
    sos_put_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = key;
    opts.key_len = strlen(key);

    if (sos_put_begin(&put, st, &opts, &err) != SOS_OK
        || sos_put_write(put, "bytes", 5, &err) != SOS_OK)
    {
        bail("put %s: %s", key, err.msg);
    }
    return put;
}


static uint64_t
bucket_objects(void)
{
    uint64_t            n;
    sos_bucket_info_t  *info;

    if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &info, &err) != SOS_OK) {
        bail("sos_bucket_get: %s", err.msg);
    }
    n = info->bucket.object_count;
    sos_bucket_info_free(info);
    return n;
}


int
main(void)
{
    char                dir[512];
    sos_org_t           org1, org2;
    sos_put_t          *put;
    sos_reader_t       *rd;
    sos_store_conf_t    conf;
    sos_object_info_t   info;

    plan(6);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
    org_make("org-one", &org1);
    org_make("org-two", &org2);

    /* deleted, then created again by another organization */

    bucket_make(&org1);
    put = put_start("long");
    bucket_drop();
    bucket_make(&org2);

    is_int(SOS_ENOBUCKET, sos_put_commit(put, NULL, &err),
           "a write into a bucket created again is NoSuchBucket");
    is_int(SOS_ENOTFOUND,
           sos_object_open(st, BUCKET, BUCKET_LEN, "long", 4, &rd, &info,
                           &err),
           "the new bucket does not hold the object");
    is_int(0, bucket_objects(), "nor count it");

    /* deleted and not created again */

    put = put_start("gone");
    bucket_drop();
    is_int(SOS_ENOBUCKET, sos_put_commit(put, NULL, &err),
           "a write into a deleted bucket is NoSuchBucket");

    /* the same bucket throughout */

    bucket_make(&org1);
    put = put_start("kept");
    is_int(SOS_OK, sos_put_commit(put, NULL, &err),
           "a write into the same bucket commits");
    is_int(1, bucket_objects(), "and counts");

    sos_store_close(st);
    done_testing();
}
