/*
 * Bucket settings: set, replaced and removed one at a time, kept across
 * ACL changes and a reopen, refused for a bucket created again, gone with
 * the bucket; a record written before settings existed still reads.
 */

#include "sos/store.h"
#include "tap.h"

#define BUCKET      "site"
#define BUCKET_LEN  4


static sos_store_t  *st;
static sos_error_t   err;


static sos_bucket_info_t *
bucket_read(void)
{
    sos_bucket_info_t  *info;

    if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &info, &err) != SOS_OK) {
        bail("sos_bucket_get: %s", err.msg);
    }
    return info;
}


static int
conf_is(sos_bucket_conf_e which, const char *want)
{
    int                 same;
    sos_bucket_info_t  *info;

    info = bucket_read();
    same = info->conf[which].len == strlen(want)
           && memcmp(info->conf[which].data, want, strlen(want)) == 0;
    sos_bucket_info_free(info);
    return same;
}


static sos_rc_e
conf_set(sos_bucket_conf_e which, const char *val)
{
    sos_rc_e            rc;
    sos_bucket_info_t  *info;

    info = bucket_read();
    rc = sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, info, which, val,
                             strlen(val), &err);
    sos_bucket_info_free(info);
    return rc;
}


static void
store_open(const char *dir)
{
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("sos_store_open(%s): %s", dir, err.msg);
    }
}


int
main(void)
{
    char                dir[512], *big;
    sos_org_t           org1, org2;
    sos_bucket_t        b;
    sos_bucket_info_t  *old, *info;

    plan(21);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    store_open(dir);

    if (sos_org_create(st, "one", 3, NULL, 0, &org1, &err) != SOS_OK
        || sos_org_create(st, "two", 3, NULL, 0, &org2, &err) != SOS_OK
        || sos_bucket_create(st, BUCKET, BUCKET_LEN, org1.id, "", "acl-1", 5,
                             &b, &err) != SOS_OK)
    {
        bail("setup: %s", err.msg);
    }

    /* a bucket as created has no setting: its record is the old form */

    ok(conf_is(SOS_BUCKET_WEBSITE, "") && conf_is(SOS_BUCKET_CORS, "")
       && conf_is(SOS_BUCKET_CDN, "") && conf_is(SOS_BUCKET_CACHE_CONTROL, ""),
       "a new bucket has no settings");

    /* set one at a time; the others and the ACL stay */

    is_int(SOS_OK, conf_set(SOS_BUCKET_CORS, "<cors/>"), "set CORS");
    is_int(SOS_OK, conf_set(SOS_BUCKET_CACHE_CONTROL, "max-age=60"),
           "set the last slot");
    ok(conf_is(SOS_BUCKET_CORS, "<cors/>")
       && conf_is(SOS_BUCKET_CACHE_CONTROL, "max-age=60")
       && conf_is(SOS_BUCKET_WEBSITE, ""), "both read back, none else");

    info = bucket_read();
    ok(info->acl.len == 5 && memcmp(info->acl.data, "acl-1", 5) == 0,
       "the ACL is kept");
    is_int(SOS_OK, sos_bucket_set_acl(st, BUCKET, BUCKET_LEN, info, "acl-22",
                                      6, &err), "change the ACL");
    sos_bucket_info_free(info);
    ok(conf_is(SOS_BUCKET_CORS, "<cors/>")
       && conf_is(SOS_BUCKET_CACHE_CONTROL, "max-age=60"),
       "an ACL change keeps the settings");

    /* a stale read may still change a setting, not the ACL */

    old = bucket_read();
    is_int(SOS_OK, conf_set(SOS_BUCKET_WEBSITE, "<website/>"), "set website");
    is_int(SOS_OK, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, old,
                                       SOS_BUCKET_CDN, "on", 2, &err),
           "a setting from a read before another setting changed");
    is_int(SOS_OK, sos_bucket_set_acl(st, BUCKET, BUCKET_LEN, old, "acl-3", 5,
                                      &err),
           "the ACL from that read still matches");
    ok(conf_is(SOS_BUCKET_WEBSITE, "<website/>") && conf_is(SOS_BUCKET_CDN, "on")
       && conf_is(SOS_BUCKET_CORS, "<cors/>"), "all four kept");

    /* replace and remove */

    is_int(SOS_OK, conf_set(SOS_BUCKET_CORS, "<cors>2</cors>"), "replace");
    is_int(SOS_OK, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, old,
                                       SOS_BUCKET_CACHE_CONTROL, NULL, 0,
                                       &err), "remove the last slot");
    ok(conf_is(SOS_BUCKET_CORS, "<cors>2</cors>")
       && conf_is(SOS_BUCKET_CACHE_CONTROL, ""), "replaced and removed");

    /* limits */

    big = malloc(SOS_BUCKET_CONF_MAX + 1);
    if (big == NULL) {
        bail("no memory");
    }
    memset(big, 'x', SOS_BUCKET_CONF_MAX + 1);
    is_int(SOS_EINVAL, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, old,
                                           SOS_BUCKET_CORS, big,
                                           SOS_BUCKET_CONF_MAX + 1, &err),
           "a setting over the limit is refused");
    is_int(SOS_EINVAL, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, old,
                                           SOS_BUCKET_NCONF, "x", 1, &err),
           "a slot out of range is refused");
    is_int(SOS_OK, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, old,
                                       SOS_BUCKET_WEBSITE, big,
                                       SOS_BUCKET_CONF_MAX, &err),
           "a setting at the limit is kept");
    free(big);
    sos_bucket_info_free(old);

    /* a reopen reads them back */

    sos_store_close(st);
    store_open(dir);
    info = bucket_read();
    ok(info->conf[SOS_BUCKET_WEBSITE].len == SOS_BUCKET_CONF_MAX
       && conf_is(SOS_BUCKET_CDN, "on") && conf_is(SOS_BUCKET_CORS,
                                                   "<cors>2</cors>"),
       "settings survive a reopen");

    /* deleted and created again by another organization: the old read is
     * refused, and the new bucket starts with none */

    if (sos_bucket_delete(st, BUCKET, BUCKET_LEN, &err) != SOS_OK
        || sos_bucket_create(st, BUCKET, BUCKET_LEN, org2.id, "", NULL, 0, &b,
                             &err) != SOS_OK)
    {
        bail("delete and create: %s", err.msg);
    }
    is_int(SOS_ECHANGED, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, info,
                                             SOS_BUCKET_CORS, "x", 1, &err),
           "a read of the bucket before it was created again is refused");
    sos_bucket_info_free(info);
    ok(conf_is(SOS_BUCKET_WEBSITE, "") && conf_is(SOS_BUCKET_CDN, "")
       && conf_is(SOS_BUCKET_CORS, ""), "the new bucket has no settings");

    if (sos_bucket_delete(st, BUCKET, BUCKET_LEN, &err) != SOS_OK) {
        bail("delete: %s", err.msg);
    }
    info = calloc(1, sizeof(*info));
    if (info == NULL) {
        bail("no memory");
    }
    is_int(SOS_ENOBUCKET, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, info,
                                              SOS_BUCKET_CORS, "x", 1, &err),
           "no bucket");
    free(info);

    sos_store_close(st);
    done_testing();
}
