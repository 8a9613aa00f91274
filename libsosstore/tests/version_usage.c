/*
 * Usage in a versioned bucket: sos_usage counts every version's bytes
 * and every version but delete markers, as the bucket's counters do,
 * grouped by common prefix with the noncurrent versions in their key's
 * group.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B  "vuse"


typedef struct {
    int          n;
    char         prefix[8][16];
    sos_usage_t  u[8];
} groups_t;


static int
group_cb(void *ctx, const char *prefix, size_t prefix_len,
    const sos_usage_t *usage)
{
    groups_t  *g = ctx;

    if (g->n < 8 && prefix_len < 16) {
        memcpy(g->prefix[g->n], prefix, prefix_len);
        g->prefix[g->n][prefix_len] = '\0';
        g->u[g->n++] = *usage;
    }
    return 0;
}


int
main(void)
{
    char          dir[512];
    groups_t      g;
    sos_error_t   err;
    sos_store_t  *st;
    sos_usage_t   total;
    sos_bucket_t  b;

    plan(9);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);

    vu_put(st, B, "a/x", "1", NULL, NULL);          /* the null version */
    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "a/x", "22", NULL, NULL);
    vu_put(st, B, "a/y", "333", NULL, NULL);
    vu_put(st, B, "a0", "4444", NULL, NULL);
    vu_put(st, B, "b", "55555", NULL, NULL);
    if (sos_object_delete(st, B, 4, "a/y", 3, &err) != SOS_OK
        || sos_object_delete(st, B, 4, "b", 1, &err) != SOS_OK
        || sos_object_delete(st, B, 4, "c", 1, &err) != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }

    is_int(SOS_OK, sos_usage(st, B, strlen(B), "", 0, NULL, 0, NULL, NULL,
                             &total, &err), "usage of the bucket");
    is_int(5, (long long) total.objects, "five versions, markers not");
    is_int(15, (long long) total.bytes, "all their bytes");
    b = vu_counters(st, B);
    ok(b.object_count == total.objects && b.bytes == total.bytes,
       "as the bucket's counters");

    memset(&g, 0, sizeof(g));
    is_int(SOS_OK, sos_usage(st, B, strlen(B), "a", 1, "/", 1, group_cb, &g,
                             &total, &err), "grouped under a");
    is_int(1, g.n, "one group");
    is_str("a/", g.prefix[0], "a/");
    ok(g.u[0].objects == 3 && g.u[0].bytes == 6,
       "with the noncurrent versions of its keys");
    ok(total.objects == 4 && total.bytes == 10, "a0 in the total only");

    sos_store_close(st);
    return tap_exit_status();
}
