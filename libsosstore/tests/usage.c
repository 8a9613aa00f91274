/*
 * sos_usage: objects, bytes and uploads under a prefix, and the groups
 * one level down, checked against a bucket whose sizes are known; a
 * neighbouring bucket whose name extends this one's counts for nothing.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

#define MAX_GROUPS  8

typedef struct {
    char         prefix[64];
    sos_usage_t  usage;
} group_t;

static sos_store_t  *st;
static group_t       groups[MAX_GROUPS];
static size_t        n_groups;
static int           stop_after;


static int
group_cb(void *ctx, const char *prefix, size_t prefix_len,
    const sos_usage_t *usage)
{
    (void) ctx;

    if (n_groups == MAX_GROUPS) {
        bail("too many groups");
    }
    snprintf(groups[n_groups].prefix, sizeof(groups[0].prefix), "%.*s",
             (int) prefix_len, prefix);
    groups[n_groups].usage = *usage;
    n_groups++;

    return stop_after != 0 && (int) n_groups == stop_after;
}


static sos_rc_e
usage(const char *bucket, const char *prefix, const char *delim,
    sos_usage_t *total, sos_error_t *err)
{
    n_groups = 0;
    return sos_usage(st, bucket, strlen(bucket), prefix, strlen(prefix),
                     delim, strlen(delim), group_cb, NULL, total, err);
}


static void
put(const char *bucket, const char *key, size_t len)
{
    unsigned char  *data;

    data = util_make(len, 7);
    util_put(st, bucket, key, data, len, NULL);
    free(data);
}


int
main(void)
{
    char         id[SOS_UPLOAD_ID_LEN + 1], big[SOS_MAX_KEY_LEN + 2];
    uint64_t     n;
    sos_org_t    org;
    sos_attrs_t  attrs;
    sos_error_t  err;
    sos_usage_t  t;

    plan(39);

    st = util_store_open(tmpdir(), 0, 0);
    util_org_bucket(st, "acme", "b", &org);
    util_bucket_make(st, org.id, "b2");
    util_bucket_make(st, org.id, "empty");

    put("b", "a.txt", 10);
    put("b", "docs/x", 100);
    put("b", "docs/y/z", 1000);
    put("b", "img/p.png", 20000);
    put("b", "img/q.png", 30000);
    put("b", "zz", 3);
    put("b2", "docs/other", 77777);

    memset(&attrs, 0, sizeof(attrs));
    attrs.owner.data = org.id;
    attrs.owner.len = strlen(org.id);
    if (sos_upload_create(st, "b", 1, "img/r.png", 9, &attrs, id, &err)
        != SOS_OK
        || sos_upload_create(st, "b", 1, "new", 3, &attrs, id, &err)
           != SOS_OK)
    {
        bail("upload create: %s", err.msg);
    }

    is_int(SOS_OK, usage("b", "", "", &t, &err), "whole bucket");
    is_int(6, (long long) t.objects, "objects");
    is_int(51113, (long long) t.bytes, "bytes");
    is_int(2, (long long) t.uploads, "uploads in progress");
    is_int(0, (long long) n_groups, "no delimiter: no groups");

    is_int(SOS_OK, usage("b", "", "/", &t, &err), "whole bucket by folder");
    is_int(6, (long long) t.objects, "the total counts every key");
    is_int(2, (long long) n_groups, "two folders");
    is_str("docs/", groups[0].prefix, "first folder");
    is_int(2, (long long) groups[0].usage.objects, "docs/ objects, deep too");
    is_int(1100, (long long) groups[0].usage.bytes, "docs/ bytes");
    is_str("img/", groups[1].prefix, "second folder");
    is_int(2, (long long) groups[1].usage.objects, "img/ objects");
    is_int(50000, (long long) groups[1].usage.bytes, "img/ bytes");
    is_int(0, (long long) groups[1].usage.uploads, "groups count no upload");

    is_int(SOS_OK, usage("b", "docs/", "/", &t, &err), "prefix docs/");
    is_int(2, (long long) t.objects, "docs/ total objects");
    is_int(1100, (long long) t.bytes, "docs/ total bytes");
    is_int(1, (long long) n_groups, "one folder below docs/");
    is_str("docs/y/", groups[0].prefix, "docs/y/");
    is_int(1000, (long long) groups[0].usage.bytes, "docs/y/ bytes");

    is_int(SOS_OK, usage("b", "img", "", &t, &err), "prefix img, no slash");
    is_int(2, (long long) t.objects, "img objects");
    is_int(1, (long long) t.uploads, "img upload");

    is_int(SOS_OK, usage("b", "nothing/", "/", &t, &err), "empty prefix");
    ok(t.objects == 0 && t.bytes == 0 && n_groups == 0, "nothing there");

    is_int(SOS_OK, usage("empty", "", "/", &t, &err), "empty bucket");
    ok(t.objects == 0 && t.uploads == 0, "empty bucket holds nothing");

    stop_after = 1;
    is_int(SOS_OK, usage("b", "", "/", &t, &err), "callback stops");
    ok(n_groups == 1 && t.objects == 6, "one group, the total still whole");
    stop_after = 0;

    is_int(SOS_ENOBUCKET, usage("nope", "", "", &t, &err), "no bucket");
    ok(strstr(err.msg, "nope") != NULL, "the message names the bucket");

    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    is_int(SOS_EINVAL, usage("b", big, "", &t, &err), "prefix too long");

    is_int(SOS_OK, sos_uploads_count(st, "b", 1, "", 0, &n, &err),
           "uploads of the bucket");
    is_int(2, (long long) n, "two uploads");
    is_int(SOS_OK, sos_uploads_count(st, "b", 1, "ne", 2, &n, &err),
           "uploads under a prefix");
    is_int(1, (long long) n, "one upload under ne");

    is_int(SOS_OK, usage("b2", "", "", &t, &err), "the other bucket");
    is_int(1, (long long) t.objects, "b2 is not part of b, nor b of b2");

    sos_store_close(st);

    done_testing();
}
