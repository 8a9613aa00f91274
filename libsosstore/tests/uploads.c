/*
 * Listing multipart uploads a page at a time (sos_list_uploads): prefix,
 * delimiter, key and upload id markers, max-uploads, common prefixes,
 * truncation and next markers; checked on hand-picked cases and against a
 * naive implementation over random keys.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define MAX_UPLOADS  2000
#define RENDER_MAX   65536

typedef struct {
    char  key[16];
    char  id[SOS_UPLOAD_ID_LEN + 1];
} upload_t;

static sos_store_t  *st;
static sos_org_t     org;
static upload_t      ups[MAX_UPLOADS];     /* the bucket's, sorted */
static size_t        n_ups;
static char          out_a[RENDER_MAX], out_b[RENDER_MAX];


static sos_str_t
str(const char *s)
{
    sos_str_t  r;

    r.data = s ? s : "";
    r.len = s ? strlen(s) : 0;
    return r;
}



/* (key, upload id) in byte order, as the index orders uploads. */
static int
upload_cmp(const void *a, const void *b)
{
    const upload_t  *x = a, *y = b;
    int              c;

    c = strcmp(x->key, y->key);
    return c != 0 ? c : strcmp(x->id, y->id);
}


static void
create(const char *bucket, const char *key)
{
    sos_error_t  err;
    sos_attrs_t  attrs;

    if (n_ups == MAX_UPLOADS) {
        bail("too many uploads");
    }
    memset(&attrs, 0, sizeof(attrs));
    attrs.owner = str(org.id);
    snprintf(ups[n_ups].key, sizeof(ups[0].key), "%s", key);
    if (sos_upload_create(st, bucket, strlen(bucket), key, strlen(key),
                          &attrs, ups[n_ups].id, &err) != SOS_OK)
    {
        bail("upload create %s: %s", key, err.msg);
    }
    n_ups++;
    qsort(ups, n_ups, sizeof(upload_t), upload_cmp);
}


static void
abort_all(const char *bucket)
{
    size_t       i;
    sos_error_t  err;

    for (i = 0; i < n_ups; i++) {
        if (sos_upload_abort(st, bucket, strlen(bucket), ups[i].key,
                             strlen(ups[i].key), ups[i].id, &err) != SOS_OK)
        {
            bail("abort %s: %s", ups[i].key, err.msg);
        }
    }
    n_ups = 0;
}


/* The index of an upload id in ups, to render it: "key#i". */
static long
upload_index(const char *id)
{
    size_t  i;

    for (i = 0; i < n_ups; i++) {
        if (strcmp(ups[i].id, id) == 0) {
            return (long) i;
        }
    }
    return -1;
}


static void
render_add(char **p, char *end, const char *s, size_t len)
{
    if (*p + len < end) {
        memcpy(*p, s, len);
        *p += len;
        **p = '\0';
    }
}


static void
render_upload(char **p, char *end, const char *key, size_t key_len,
    const char *id)
{
    char  n[32];

    render_add(p, end, key, key_len);
    snprintf(n, sizeof(n), "#%ld ", upload_index(id));
    render_add(p, end, n, strlen(n));
}


/* "k#i k#i | p1 p2 | more <key>[#i]" or "... | end" */
static const char *
render(const sos_list_uploads_result_t *r, char *buf)
{
    char    *p = buf, *end = buf + RENDER_MAX, id[SOS_UPLOAD_ID_LEN + 1];
    size_t   i;

    *p = '\0';
    for (i = 0; i < r->n_uploads; i++) {
        render_upload(&p, end, r->uploads[i].key.data, r->uploads[i].key.len,
                      r->uploads[i].upload_id);
    }
    render_add(&p, end, "|", 1);
    for (i = 0; i < r->n_prefixes; i++) {
        render_add(&p, end, " ", 1);
        render_add(&p, end, r->prefixes[i].data, r->prefixes[i].len);
    }
    if (!r->truncated) {
        render_add(&p, end, " | end", 6);
        return buf;
    }
    render_add(&p, end, " | more ", 8);
    if (r->next_upload_id_marker.len == 0) {
        render_add(&p, end, r->next_key_marker.data, r->next_key_marker.len);
        return buf;
    }
    snprintf(id, sizeof(id), "%.*s", (int) r->next_upload_id_marker.len,
             r->next_upload_id_marker.data);
    render_upload(&p, end, r->next_key_marker.data, r->next_key_marker.len,
                  id);
    p[-1] = '\0';
    return buf;
}


static sos_rc_e
page(const char *bucket, const char *prefix, const char *delim,
    const char *km, const char *idm, unsigned max,
    sos_list_uploads_result_t **res)
{
    sos_error_t              err;
    sos_list_uploads_opts_t  opts;

    opts.prefix = str(prefix);
    opts.delimiter = str(delim);
    opts.key_marker = str(km);
    opts.upload_id_marker = str(idm);
    opts.max_uploads = max;
    return sos_list_uploads(st, bucket, strlen(bucket), &opts, res, &err);
}


/* One page rendered, or "error <code>". */
static const char *
page_s(const char *bucket, const char *prefix, const char *delim,
    const char *km, const char *idm, unsigned max)
{
    sos_rc_e                    rc;
    sos_list_uploads_result_t  *res;

    rc = page(bucket, prefix, delim, km, idm, max, &res);
    if (rc != SOS_OK) {
        snprintf(out_a, sizeof(out_a), "error %s", sos_strerror(rc));
        return out_a;
    }
    render(res, out_a);
    sos_list_uploads_result_free(res);
    return out_a;
}


/* The common prefix of key, written apart from the library's; 0: none. */
static size_t
rollup(const char *prefix, const char *delim, const char *key)
{
    size_t  i, plen, dlen, klen;

    plen = strlen(prefix);
    dlen = strlen(delim);
    klen = strlen(key);
    if (dlen == 0) {
        return 0;
    }
    for (i = plen; i + dlen <= klen; i++) {
        if (memcmp(key + i, delim, dlen) == 0) {
            return i + dlen;
        }
    }
    return 0;
}


/* An entry of the naive listing. */
typedef struct {
    char   text[24];                    /* key or common prefix */
    long   idx;                         /* upload index; -1: a prefix */
} entry_t;


/* The page the rules give: entries in key order, and truncation. */
static size_t
oracle(const char *prefix, const char *delim, const char *km,
    const char *idm, unsigned max, entry_t *e, int *truncated)
{
    size_t  i, cp, n;

    n = 0;
    *truncated = 0;

    if (max > 1000) {
        max = 1000;
    }

    for (i = 0; max > 0 && i < n_ups; i++) {
        if (strncmp(ups[i].key, prefix, strlen(prefix)) != 0) {
            continue;
        }
        if (km[0] != '\0'
            && (strcmp(ups[i].key, km) < 0
                || (strcmp(ups[i].key, km) == 0
                    && (idm[0] == '\0' || strcmp(ups[i].id, idm) <= 0))))
        {
            continue;
        }

        cp = rollup(prefix, delim, ups[i].key);

        /* a key marker that is a common prefix: listed before */
        if (cp > 0 && cp == strlen(km) && strncmp(ups[i].key, km, cp) == 0) {
            continue;
        }
        /* the common prefix just listed */
        if (cp > 0 && n > 0 && e[n - 1].idx == -1
            && strlen(e[n - 1].text) == cp
            && strncmp(ups[i].key, e[n - 1].text, cp) == 0)
        {
            continue;
        }

        if (n == max) {
            *truncated = 1;
            break;
        }

        if (cp > 0) {
            snprintf(e[n].text, sizeof(e[0].text), "%.*s", (int) cp,
                     ups[i].key);
            e[n].idx = -1;
        } else {
            snprintf(e[n].text, sizeof(e[0].text), "%s", ups[i].key);
            e[n].idx = (long) i;
        }
        n++;
    }

    return n;
}


/* The naive page rendered like render(). */
static const char *
oracle_page(const char *prefix, const char *delim, const char *km,
    const char *idm, unsigned max, char *buf)
{
    int             truncated;
    char           *p, *end;
    size_t          i, n;
    static entry_t  e[MAX_UPLOADS];

    n = oracle(prefix, delim, km, idm, max, e, &truncated);

    p = buf;
    end = buf + RENDER_MAX;
    *p = '\0';
    for (i = 0; i < n; i++) {
        if (e[i].idx != -1) {
            p += snprintf(p, end - p, "%s#%ld ", e[i].text, e[i].idx);
        }
    }
    render_add(&p, end, "|", 1);
    for (i = 0; i < n; i++) {
        if (e[i].idx == -1) {
            p += snprintf(p, end - p, " %s", e[i].text);
        }
    }
    if (!truncated) {
        render_add(&p, end, " | end", 6);
    } else if (e[n - 1].idx == -1) {
        p += snprintf(p, end - p, " | more %s", e[n - 1].text);
    } else {
        p += snprintf(p, end - p, " | more %s#%ld", e[n - 1].text,
                      e[n - 1].idx);
    }
    return buf;
}


static void
test_basics(void)
{
    char                        id[SOS_UPLOAD_ID_LEN + 1], km[64];
    size_t                      i;
    sos_error_t                 err;
    sos_list_uploads_opts_t     opts;
    sos_list_uploads_result_t  *res;
    static const char  *keys[] = {
        "a", "b/1", "b/2", "b/2", "b/2", "b/x/y", "c", "d/e/f", "d/g", NULL
    };

    util_bucket_make(st, org.id, "ls");
    for (i = 0; keys[i] != NULL; i++) {
        create("ls", keys[i]);
    }

    is_str("a#0 b/1#1 b/2#2 b/2#3 b/2#4 b/x/y#5 c#6 d/e/f#7 d/g#8 | | end",
           page_s("ls", "", "", "", "", 1000),
           "no delimiter: every upload in (key, upload id) order");
    is_str("a#0 c#6 | b/ d/ | end", page_s("ls", "", "/", "", "", 1000),
           "delimiter: keys and common prefixes");
    is_str("b/1#1 b/2#2 b/2#3 b/2#4 | b/x/ | end",
           page_s("ls", "b/", "/", "", "", 1000),
           "prefix and delimiter: the prefix's own common prefixes");
    is_str("| | end", page_s("ls", "zzz", "/", "", "", 1000),
           "a prefix nothing starts with");
    is_str("d/e/f#7 | | end", page_s("ls", "d/e", "", "", "", 1000),
           "a prefix that is not a whole segment");
    is_str("c#6 | b/ d/ | end", page_s("ls", "", "/", "b/2", "", 1000),
           "a key marker inside a common prefix lists the prefix again");

    /* page by page, each from the last page's next markers */
    is_str("a#0 | | more a#0", page_s("ls", "", "/", "", "", 1),
           "max 1: the first upload, truncated");
    is_str("| b/ | more b/", page_s("ls", "", "/", "a", ups[0].id, 1),
           "from a: the prefix b/, truncated, next marker the prefix");
    is_str("c#6 | | more c#6", page_s("ls", "", "/", "b/", "", 1),
           "from b/: every upload under b/ skipped");
    is_str("| d/ | end", page_s("ls", "", "/", "c", ups[6].id, 1),
           "from c: the last prefix, not truncated");
    is_str("a#0 | b/ | more b/", page_s("ls", "", "/", "", "", 2),
           "a prefix of many uploads is one entry against max");
    is_str("| | end", page_s("ls", "", "/", "", "", 0),
           "max 0: an empty page, not truncated");
    is_str("a#0 c#6 | b/ d/ | end", page_s("ls", "", "/", "", "", 5000),
           "max above 1000 is 1000");

    /* markers */
    is_str("b/2#2 b/2#3 b/2#4 b/x/y#5 c#6 d/e/f#7 d/g#8 | | end",
           page_s("ls", "", "", "b/1", "", 1000),
           "key marker: the keys after it");
    is_str("b/x/y#5 c#6 d/e/f#7 d/g#8 | | end",
           page_s("ls", "", "", "b/2", "", 5),
           "key marker alone: no upload of that key");
    is_str("b/2#4 b/x/y#5 | | more b/x/y#5",
           page_s("ls", "", "", "b/2", ups[3].id, 2),
           "upload id marker: the key's later uploads first");
    is_str("a#0 b/1#1 | | more b/1#1",
           page_s("ls", "", "", "", ups[3].id, 2),
           "an upload id marker without a key marker counts for nothing");
    is_str("b/1#1 b/2#2 b/2#3 b/2#4 | b/x/ | end",
           page_s("ls", "b/", "/", "a", "", 1000),
           "a key marker before the prefix: the whole prefix");
    is_str("| | end", page_s("ls", "b/", "/", "c", "", 1000),
           "a key marker after the prefix: nothing");
    is_str("c#6 | b/ d/ | end", page_s("ls", "", "/", "a", "", 1000),
           "a key marker of a key");
    is_str("b/1#1 b/2#2 b/2#3 b/2#4 b/x/y#5 c#6 d/e/f#7 d/g#8 | | end",
           page_s("ls", "", "", "b", "", 1000),
           "a key marker that only begins keys: those keys follow");
    is_str("a#0 b/1#1 b/2#2 b/2#3 b/2#4 b/x/y#5 c#6 d/g#8 | d/e | end",
           page_s("ls", "", "/e", "", "", 1000),
           "a delimiter of two bytes");

    /* what a page holds */
    if (page("ls", "", "/", "", "", 1, &res) != SOS_OK) {
        bail("list");
    }
    ok(res->n_uploads == 1
       && res->uploads[0].owner.len == strlen(org.id)
       && memcmp(res->uploads[0].owner.data, org.id, strlen(org.id)) == 0,
       "an upload's owner is the organization");
    ok(res->n_uploads == 1 && res->uploads[0].initiated > 1700000000,
       "an upload's initiated time");
    ok(res->next_upload_id_marker.len == SOS_UPLOAD_ID_LEN
       && memcmp(res->next_upload_id_marker.data, ups[0].id,
                 SOS_UPLOAD_ID_LEN) == 0,
       "next upload id marker is the last upload's");
    snprintf(id, sizeof(id), "%s", res->uploads[0].upload_id);
    is_str(ups[0].id, id, "upload id");
    sos_list_uploads_result_free(res);
    sos_list_uploads_result_free(NULL);

    /* errors */
    is_str("error SOS_ENOBUCKET", page_s("nobucket", "", "", "", "", 10),
           "a missing bucket");
    memset(km, 'k', sizeof(km));
    km[sizeof(km) - 1] = '\0';
    is_str("error SOS_EINVAL", page_s("ls", "", "", "a", km, 10),
           "an upload id marker longer than any upload id");
    memset(&opts, 0, sizeof(opts));
    opts.prefix.data = "";
    opts.prefix.len = SOS_MAX_KEY_LEN + 1;
    is_int(SOS_EINVAL, sos_list_uploads(st, "ls", 2, &opts, &res, &err),
           "a prefix longer than a key");
    ok(strstr(err.msg, "\"ls\"") != NULL, "the message names the bucket");

    abort_all("ls");
    is_str("| | end", page_s("ls", "", "/", "", "", 1000),
           "all aborted: nothing listed");
}


/*
 * Every page from the last one's next markers, all the way: each page's
 * uploads and prefixes merged in key order, as "key#i" and "prefix".
 */
static const char *
walk(const char *bucket, const char *prefix, const char *delim,
    unsigned max, char *buf)
{
    int                         c;
    char                        km[64], idm[SOS_UPLOAD_ID_LEN + 1], *p;
    size_t                      i, j, pages;
    sos_str_t                  *k, *q;
    sos_list_uploads_result_t  *res;

    p = buf;
    *p = '\0';
    km[0] = '\0';
    idm[0] = '\0';

    for (pages = 0; pages < 10000; pages++) {
        if (page(bucket, prefix, delim, km, idm, max, &res) != SOS_OK) {
            return "error";
        }

        i = 0;
        j = 0;
        while (i < res->n_uploads || j < res->n_prefixes) {
            k = i < res->n_uploads ? &res->uploads[i].key : NULL;
            q = j < res->n_prefixes ? &res->prefixes[j] : NULL;
            c = (k == NULL) ? 1 : (q == NULL) ? -1
                : memcmp(k->data, q->data, k->len < q->len ? k->len : q->len);
            if (c == 0) {
                c = k->len < q->len ? -1 : 1;
            }
            if (c < 0) {
                p += snprintf(p, buf + RENDER_MAX - p, "%.*s#%ld ",
                              (int) k->len, k->data,
                              upload_index(res->uploads[i].upload_id));
                i++;
            } else {
                p += snprintf(p, buf + RENDER_MAX - p, "%.*s ",
                              (int) q->len, q->data);
                j++;
            }
        }

        if (!res->truncated) {
            sos_list_uploads_result_free(res);
            return buf;
        }
        snprintf(km, sizeof(km), "%.*s", (int) res->next_key_marker.len,
                 res->next_key_marker.data);
        snprintf(idm, sizeof(idm), "%.*s",
                 (int) res->next_upload_id_marker.len,
                 res->next_upload_id_marker.data);
        sos_list_uploads_result_free(res);
    }
    return "endless";
}


/* The whole naive listing in walk()'s form. */
static const char *
walk_oracle(const char *prefix, const char *delim, char *buf)
{
    int             truncated;
    char           *p;
    size_t          i, n;
    static entry_t  e[MAX_UPLOADS];

    n = oracle(prefix, delim, "", "", 1000, e, &truncated);
    p = buf;
    *p = '\0';
    for (i = 0; i < n; i++) {
        if (e[i].idx == -1) {
            p += snprintf(p, buf + RENDER_MAX - p, "%s ", e[i].text);
        } else {
            p += snprintf(p, buf + RENDER_MAX - p, "%s#%ld ", e[i].text,
                          e[i].idx);
        }
    }
    return buf;
}


static void
test_oracle(void)
{
    int          bad, walks_bad;
    char         key[16], km[16], want[RENDER_MAX];
    size_t       i, j, len, m;
    unsigned     max, seed;
    const char  *s, *got, *idm;
    static const char  alphabet[] = "ab/-";
    static const char  *delims[] = { "", "/", "-", "/a", "ab" };
    static const char  *prefixes[] = { "", "a", "a/", "b/b", "/", "zz" };

    util_bucket_make(st, org.id, "rnd");

    s = getenv("SOS_TEST_SEED");
    seed = s ? (unsigned) atoi(s) : 42;
    srand(seed);

    for (i = 0; i < 150; i++) {
        len = 1 + (size_t) rand() % 6;
        for (j = 0; j < len; j++) {
            key[j] = alphabet[rand() % 4];
        }
        key[len] = '\0';
        create("rnd", key);
        /* a few keys with several uploads */
        if (rand() % 8 == 0) {
            create("rnd", key);
        }
    }
    diag("%zu uploads, SOS_TEST_SEED=%u", n_ups, seed);

    bad = 0;
    for (i = 0; i < 4000; i++) {
        /* markers: an upload's key, its prefix, or random bytes */
        m = (size_t) rand() % n_ups;
        switch (rand() % 4) {
        case 0:
            km[0] = '\0';
            break;
        case 1:
            snprintf(km, sizeof(km), "%s", ups[m].key);
            break;
        case 2:
            snprintf(km, sizeof(km), "%.*s",
                     (int) (1 + (size_t) rand() % strlen(ups[m].key)),
                     ups[m].key);
            break;
        default:
            len = 1 + (size_t) rand() % 4;
            for (j = 0; j < len; j++) {
                km[j] = alphabet[rand() % 4];
            }
            km[len] = '\0';
        }
        idm = (rand() % 3 == 0) ? ups[m].id : "";
        max = (unsigned) rand() % 12;

        s = prefixes[rand() % 6];
        got = page_s("rnd", s, delims[i % 5], km, idm, max);
        oracle_page(s, delims[i % 5], km, idm, max, want);
        if (strcmp(got, want) != 0) {
            if (bad++ < 5) {
                diag("prefix \"%s\" delimiter \"%s\" marker \"%s\" id %ld "
                     "max %u", s, delims[i % 5], km, upload_index(idm),
                     max);
                diag("  got:  %s", got);
                diag("  want: %s", want);
            }
        }
    }
    is_int(0, bad, "4000 random pages agree with the naive listing");

    /* walking with the next markers lists everything once, in order */
    walks_bad = 0;
    for (i = 0; i < 6; i++) {
        for (j = 0; j < 5; j++) {
            for (max = 1; max <= 7; max += 3) {
                got = walk("rnd", prefixes[i], delims[j], max, out_b);
                walk_oracle(prefixes[i], delims[j], want);
                if (strcmp(got, want) != 0 && walks_bad++ < 3) {
                    diag("walk prefix \"%s\" delimiter \"%s\" max %u",
                         prefixes[i], delims[j], max);
                    diag("  got:  %s", got);
                    diag("  want: %s", want);
                }
            }
        }
    }
    is_int(0, walks_bad, "paging with the next markers lists each upload "
           "and common prefix once, in order");

    abort_all("rnd");
}


static void
test_big(void)
{
    int                         i;
    char                        key[32];
    sos_list_uploads_result_t  *res;

    util_bucket_make(st, org.id, "big");
    for (i = 0; i < 1005; i++) {
        snprintf(key, sizeof(key), "k%04d", i);
        create("big", key);
    }

    if (page("big", "", "", "", "", 5000, &res) != SOS_OK) {
        bail("list big");
    }
    is_int(1000, res->n_uploads, "at most 1000 uploads a page");
    is_int(1, res->truncated, "truncated");
    ok(res->next_key_marker.len == 5
       && memcmp(res->next_key_marker.data, "k0999", 5) == 0,
       "next key marker is the 1000th key");
    sos_list_uploads_result_free(res);

    is_str("k1000#1000 k1001#1001 k1002#1002 k1003#1003 k1004#1004 | | end",
           page_s("big", "", "", "k0999", "", 1000), "then the rest");
    is_str("| k0 k10 | end", page_s("big", "", "0", "", "", 1000),
           "1005 uploads under two common prefixes: one page of two");

    abort_all("big");
}


int
main(void)
{
    sos_error_t       err;
    sos_store_conf_t  conf;

    plan(0);
    alarm(600);

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = tmpdir();
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bail("open: %s", err.msg);
    }
    if (sos_org_create(st, "lister", 6, "", 0, &org, &err) != SOS_OK) {
        bail("org: %s", err.msg);
    }

    test_basics();
    test_oracle();
    test_big();

    sos_store_close(st);
    done_testing();
}
