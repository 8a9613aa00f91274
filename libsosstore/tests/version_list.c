/*
 * ListObjectVersions (AWS ListObjectVersions: "Returns metadata about
 * all versions of the objects in a bucket"; versions of a key newest
 * first, IsLatest, delete markers, KeyMarker / VersionIdMarker paging,
 * NextVersionIdMarker "null" for the null version): O and V records
 * merged in key order, pages of any size giving the whole listing,
 * common prefixes, a bucket never versioned; a prefix or key marker
 * holding a NUL, which no key holds (the V records' keys do: key \0
 * sort id).
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B    "vlist"
#define VID  (SOS_VERSION_ID_LEN + 1)


static sos_store_t  *st;
static sos_error_t   err;


/* The listing as one line: key:vid-or-null:L(atest):M(arker) per entry
 * and key/ per prefix, through pages of max entries. */
static int
listing(const char *prefix, const char *delim, unsigned max, char *out,
    size_t size)
{
    int                          pages;
    char                         km[64], vm[64];
    size_t                       i, n;
    sos_version_entry_t         *e;
    sos_list_versions_opts_t     o;
    sos_list_versions_result_t  *r;

    out[0] = '\0';
    n = 0;
    km[0] = '\0';
    vm[0] = '\0';

    for (pages = 1; pages < 100; pages++) {
        memset(&o, 0, sizeof(o));
        o.prefix.data = prefix;
        o.prefix.len = strlen(prefix);
        o.delimiter.data = delim;
        o.delimiter.len = strlen(delim);
        o.key_marker.data = km;
        o.key_marker.len = strlen(km);
        o.version_id_marker.data = vm;
        o.version_id_marker.len = strlen(vm);
        o.max_keys = max;
        if (sos_list_versions(st, B, strlen(B), &o, &r, &err) != SOS_OK) {
            bail("list: %s", err.msg);
        }
        for (i = 0; i < r->n_versions; i++) {
            e = &r->versions[i];
            n += (size_t) snprintf(out + n, size - n, "%.*s:%s%s%s ",
                                   (int) e->key.len, e->key.data,
                                   e->version_id[0] ? e->version_id + 28
                                                    : "null",
                                   e->is_latest ? ":L" : "",
                                   e->delete_marker ? ":M" : "");
        }
        for (i = 0; i < r->n_prefixes; i++) {
            n += (size_t) snprintf(out + n, size - n, "%.*s ",
                                   (int) r->prefixes[i].len,
                                   r->prefixes[i].data);
        }
        if (!r->truncated) {
            sos_list_versions_result_free(r);
            return pages;
        }
        snprintf(km, sizeof(km), "%.*s", (int) r->next_key_marker.len,
                 r->next_key_marker.data);
        snprintf(vm, sizeof(vm), "%.*s",
                 (int) r->next_version_id_marker.len,
                 r->next_version_id_marker.data);
        sos_list_versions_result_free(r);
    }
    return pages;
}


/* One page of up to 1000 entries, "key:L" or "key" each, for a prefix,
 * key marker and version id marker given with their lengths. */
static void
page(const char *prefix, size_t prefix_len, const char *delim,
    const char *km, size_t km_len, const char *vm, char *out, size_t size)
{
    size_t                       i, n;
    sos_list_versions_opts_t     o;
    sos_list_versions_result_t  *r;

    memset(&o, 0, sizeof(o));
    o.prefix.data = prefix;
    o.prefix.len = prefix_len;
    o.delimiter.data = delim;
    o.delimiter.len = strlen(delim);
    o.key_marker.data = km;
    o.key_marker.len = km_len;
    o.version_id_marker.data = vm;
    o.version_id_marker.len = strlen(vm);
    o.max_keys = 1000;
    if (sos_list_versions(st, B, strlen(B), &o, &r, &err) != SOS_OK) {
        bail("list: %s", err.msg);
    }

    out[0] = '\0';
    n = 0;
    for (i = 0; i < r->n_versions && n < size; i++) {
        n += (size_t) snprintf(out + n, size - n, "%.*s%s ",
                               (int) r->versions[i].key.len,
                               r->versions[i].key.data,
                               r->versions[i].is_latest ? ":L" : "");
    }
    for (i = 0; i < r->n_prefixes && n < size; i++) {
        n += (size_t) snprintf(out + n, size - n, "%.*s ",
                               (int) r->prefixes[i].len, r->prefixes[i].data);
    }
    sos_list_versions_result_free(r);
}


static void
del(const char *key)
{
    if (sos_object_delete(st, B, strlen(B), key, strlen(key), &err)
        != SOS_OK)
    {
        bail("delete %s: %s", key, err.msg);
    }
}


int
main(void)
{
    char                         dir[512], want[1024], got[1024], one[1024];
    char                         a1[VID], a2[VID], b1[VID], b2[VID], c1[VID];
    unsigned                     max;
    sos_bucket_t                 b;
    sos_delete_key_t             dk;
    sos_delete_result_t          dr;
    sos_list_versions_opts_t     o;
    sos_list_versions_result_t  *r;

    plan(20);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);

    vu_put(st, B, "a", "a0", NULL, NULL);
    vu_put(st, B, "b/2", "b0", NULL, NULL);
    listing("", "", 1000, got, sizeof(got));
    is_str("a:null:L b/2:null:L ", got, "never versioned: null versions");

    vu_versioning(st, B, SOS_VERSIONING_ENABLED);
    vu_put(st, B, "a", "a1", a1, NULL);
    vu_put(st, B, "a", "a2", a2, NULL);
    vu_put(st, B, "b/1", "b1", b1, NULL);
    vu_put(st, B, "b/2", "b2", b2, NULL);
    del("b/2");
    vu_put(st, B, "c", "c1", c1, NULL);
    del("c");
    del("d");

    /* the ids' last four characters name them; markers' are unknown */

    listing("", "", 1000, got, sizeof(got));
    ok(strncmp(got, "a:", 2) == 0, "starts with a");
    snprintf(want, sizeof(want), "a:%s:L a:%s a:null b/1:%s:L ", a2 + 28,
             a1 + 28, b1 + 28);
    ok(strncmp(got, want, strlen(want)) == 0, "a newest first, then b/1: %s",
       got);
    ok(strstr(got, " b/2:null ") != NULL, "b/2's null version");
    snprintf(want, sizeof(want), "b/2:%s b/2:null c:", b2 + 28);
    ok(strstr(got, want) != NULL, "after b/2's version, under its marker");
    ok(strstr(got, ":L:M c:") != NULL, "b/2's marker is latest");
    snprintf(want, sizeof(want), ":L:M c:%s d:", c1 + 28);
    ok(strstr(got, want) != NULL, "c's marker, then c's version");
    ok(strlen(got) > 2 && strcmp(got + strlen(got) - 5, ":L:M ") == 0,
       "d: a marker alone");
    memcpy(one, got, sizeof(one));

    /* pages of every size give the same listing */

    for (max = 1; max <= 4; max++) {
        listing("", "", max, got, sizeof(got));
        if (strcmp(got, one) != 0) {
            break;
        }
    }
    is_int(5, max, "pages of 1 to 4 entries give the whole listing");
    is_int(10, listing("", "", 1, got, sizeof(got)), "ten pages of one");

    /* prefix and delimiter */

    listing("", "/", 1000, got, sizeof(got));
    ok(strstr(got, "b/1") == NULL && strstr(got, "b/ ") != NULL,
       "b/ rolled up: %s", got);
    listing("", "/", 1, got, sizeof(got));
    ok(strstr(got, "b/1") == NULL && strstr(got, "b/ ") != NULL,
       "also in pages of one");
    listing("b/", "", 1000, got, sizeof(got));
    ok(strncmp(got, "b/1:", 4) == 0 && strstr(got, " c:") == NULL
       && strstr(got, " d:") == NULL, "under b/ only: %s", got);

    /*
     * a NUL in the prefix or key marker (ListObjectVersions: keys that
     * begin with the prefix, after the key marker): no key begins with
     * "a\0", and "a\0" sorts after "a" and before "b/1"
     */

    page("a\0", 2, "", "", 0, "", got, sizeof(got));
    is_str("", got, "prefix a\\0: nothing");
    page("a\0", 2, "zz", "", 0, "", got, sizeof(got));
    is_str("", got, "prefix a\\0 and a delimiter: nothing");
    page("", 0, "", "a\0", 2, "", got, sizeof(got));
    ok(strncmp(got, "b/1:L ", 6) == 0 && strstr(got, "a") == NULL,
       "key marker a\\0: from b/1: %s", got);
    page("", 0, "", "a\0", 2, a2, one, sizeof(one));
    is_str(got, one, "... with a version id marker too");
    page("", 0, "/", "a\0", 2, "", got, sizeof(got));
    ok(strncmp(got, "b/ ", 3) == 0 || strstr(got, " b/ ") != NULL,
       "key marker a\\0 and a delimiter: b/ rolled up: %s", got);

    b = vu_counters(st, B);
    is_int(7, (long long) b.object_count, "seven versions, four markers");

    /* a marker keeps its deleter as owner */

    memset(&dk, 0, sizeof(dk));
    dk.key.data = "e";
    dk.key.len = 1;
    dk.owner.data = "deleter";
    dk.owner.len = 7;
    if (sos_objects_delete_versions(st, B, strlen(B), &dk, 1, &dr, &err)
        != SOS_OK)
    {
        bail("delete: %s", err.msg);
    }
    memset(&o, 0, sizeof(o));
    o.prefix.data = "e";
    o.prefix.len = 1;
    o.max_keys = 10;
    if (sos_list_versions(st, B, strlen(B), &o, &r, &err) != SOS_OK) {
        bail("list: %s", err.msg);
    }
    ok(r->n_versions == 1 && r->versions[0].delete_marker
       && r->versions[0].owner.len == 7
       && memcmp(r->versions[0].owner.data, "deleter", 7) == 0,
       "a marker lists its owner");
    sos_list_versions_result_free(r);

    sos_store_close(st);
    return tap_exit_status();
}
