/*
 * sosctl: what the store holds, through the admin API (GET usage,
 * buckets/B/info, buckets/B/usage: ngx_sos_admin_usage.c) or on the data
 * directory, as the same JSON document either way:
 *
 *   bucket list                    every bucket: owner, objects, bytes
 *   bucket show BUCKET             owner, ACL summary, counts, settings
 *   du BUCKET [PREFIX] [--depth 0|1] [--delimiter D]
 *                                  objects, bytes and uploads under
 *                                  PREFIX, per folder one level down
 *
 * and the usage part of status (sosctl_usage_doc).
 */

#define _XOPEN_SOURCE  700             /* realpath */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <sosproto/sigv4.h>

#include "sosctl.h"

#define SOSCTL_DU_MAX_GROUPS  1000     /* as the server lists at most */

typedef struct {
    sos_bucket_t  *list;
    size_t         n;
    size_t         size;
    int            nomem;
} sosctl_buckets_t;

typedef struct {
    json_t        *groups;
    unsigned       n;
    int            truncated;
} sosctl_du_t;

static json_t *sosctl_admin_get(sosctl_t *ctl, const char *path,
    const char *query, const char *what);
static int sosctl_usage_list_cb(void *ctx, const sos_bucket_t *bucket);
static json_t *sosctl_usage_bucket(sosctl_t *ctl, const sos_bucket_t *b,
    uint64_t uploads);
static json_t *sosctl_usage_info(sosctl_t *ctl, const char *bucket);
static json_t *sosctl_du_doc(sosctl_t *ctl, const char *bucket,
    const char *prefix, const char *delimiter);
static int sosctl_du_cb(void *ctx, const char *prefix, size_t prefix_len,
    const sos_usage_t *usage);
static void sosctl_bucket_list_print(json_t *doc);
static void sosctl_bucket_show_print(json_t *doc);
static void sosctl_du_print(json_t *doc);
static char *sosctl_bucket_path(const char *bucket, const char *what);


/* GET path?query as a JSON object; NULL having said why */

static json_t *
sosctl_admin_get(sosctl_t *ctl, const char *path, const char *query,
    const char *what)
{
    sosctl_answer_t  ans;

    if (sosctl_admin_call(ctl, "GET", path, query, &ans) != 0) {
        return NULL;
    }

    if (ans.status != 200) {
        sosctl_admin_error(ctl, what, &ans);
        return NULL;
    }

    return sosctl_json_load(ctl, &ans);
}


/* "buckets/<encoded name>/what" */

static char *
sosctl_bucket_path(const char *bucket, const char *what)
{
    char    *path;
    size_t   n;

    path = malloc(3 * strlen(bucket) + strlen(what) + 16);
    if (path == NULL) {
        return NULL;
    }

    n = (size_t) sprintf(path, "buckets/");
    n += sos_sigv4_uri_encode(path + n, bucket, strlen(bucket), 0);
    sprintf(path + n, "/%s", what);

    return path;
}


/*
 * {"buckets":[BUCKET...],"data_dir":D,"objects":N,"bytes":N,"uploads":N}
 * (GET usage's answer); NULL having said why
 */

json_t *
sosctl_usage_doc(sosctl_t *ctl)
{
    char              *dir;
    size_t             i;
    json_t            *doc, *arr, *b;
    uint64_t           objects, bytes, uploads, n;
    sos_rc_e           rc;
    sos_error_t        err;
    sosctl_buckets_t   bl;

    if (ctl->online) {
        return sosctl_admin_get(ctl, "usage", NULL,
                                "cannot get the store's usage");
    }

    memset(&bl, 0, sizeof(bl));
    memset(&err, 0, sizeof(err));

    rc = sos_bucket_list(ctl->store, NULL, sosctl_usage_list_cb, &bl, &err);
    if (rc == SOS_OK && bl.nomem) {
        rc = SOS_ENOMEM;
    }

    if (rc != SOS_OK) {
        free(bl.list);
        sosctl_fail(rc, "cannot list the buckets", &err);
        return NULL;
    }

    arr = json_array();
    objects = 0;
    bytes = 0;
    uploads = 0;

    for (i = 0; arr != NULL && i < bl.n; i++) {
        rc = sos_uploads_count(ctl->store, bl.list[i].name,
                               strlen(bl.list[i].name), "", 0, &n, &err);
        if (rc != SOS_OK) {
            free(bl.list);
            json_decref(arr);
            sosctl_fail(rc, "cannot count the uploads", &err);
            return NULL;
        }

        b = sosctl_usage_bucket(ctl, &bl.list[i], n);
        if (b == NULL || json_array_append_new(arr, b) != 0) {
            json_decref(arr);
            arr = NULL;
            break;
        }

        objects += bl.list[i].object_count;
        bytes += bl.list[i].bytes;
        uploads += n;
    }

    free(bl.list);

    /* absolute, as the server's sos_data_dir is */
    dir = realpath(ctl->data_dir, NULL);

    doc = json_pack("{s:o?, s:s, s:I, s:I, s:I}", "buckets", arr,
                    "data_dir", dir ? dir : ctl->data_dir,
                    "objects", (json_int_t) objects,
                    "bytes", (json_int_t) bytes,
                    "uploads", (json_int_t) uploads);
    free(dir);

    if (arr == NULL || doc == NULL) {
        json_decref(doc);
        fprintf(stderr, "sosctl: out of memory\n");
        return NULL;
    }

    return doc;
}


static int
sosctl_usage_list_cb(void *ctx, const sos_bucket_t *bucket)
{
    sosctl_buckets_t *bl = ctx;

    size_t         size;
    sos_bucket_t  *p;

    if (bl->n == bl->size) {
        size = bl->size ? 2 * bl->size : 64;

        p = realloc(bl->list, size * sizeof(sos_bucket_t));
        if (p == NULL) {
            bl->nomem = 1;
            return 1;
        }

        bl->list = p;
        bl->size = size;
    }

    bl->list[bl->n++] = *bucket;

    return 0;
}


/* BUCKET as GET usage has it; NULL: no memory */

static json_t *
sosctl_usage_bucket(sosctl_t *ctl, const sos_bucket_t *b, uint64_t uploads)
{
    sos_org_t    org;
    sos_error_t  err;

    if (sos_org_get(ctl->store, b->owner, strlen(b->owner), &org, &err)
        != SOS_OK)
    {
        org.name[0] = '\0';
    }

    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
                     "name", b->name, "owner_id", b->owner,
                     "owner_name", org.name, "region", b->region,
                     "created", (json_int_t) b->created,
                     "objects", (json_int_t) b->object_count,
                     "bytes", (json_int_t) b->bytes,
                     "uploads", (json_int_t) uploads);
}


/* the buckets of usage as a table */

void
sosctl_usage_table(json_t *doc)
{
    char     size[32], t[32];
    size_t   i;
    json_t  *b;

    printf("%-24s %-16s %10s %10s %8s  %s\n", "BUCKET", "OWNER", "OBJECTS",
           "SIZE", "UPLOADS", "CREATED");

    json_array_foreach(json_object_get(doc, "buckets"), i, b) {
        sosctl_size(sosctl_jnum(b, "bytes"), size, sizeof(size));
        sosctl_date((int64_t) sosctl_jnum(b, "created"), t, sizeof(t));
        printf("%-24s %-16s %10llu %10s %8llu  %s\n", sosctl_jstr(b, "name"),
               sosctl_jstr(b, "owner_name")[0] ? sosctl_jstr(b, "owner_name")
                                               : "-",
               (unsigned long long) sosctl_jnum(b, "objects"), size,
               (unsigned long long) sosctl_jnum(b, "uploads"), t);
    }

    sosctl_size(sosctl_jnum(doc, "bytes"), size, sizeof(size));
    printf("%-24s %-16s %10llu %10s %8llu\n", "TOTAL", "",
           (unsigned long long) sosctl_jnum(doc, "objects"), size,
           (unsigned long long) sosctl_jnum(doc, "uploads"));
}


static void
sosctl_bucket_list_print(json_t *doc)
{
    sosctl_usage_table(doc);
}


/* bucket list | bucket show BUCKET */

int
sosctl_bucket_usage(sosctl_t *ctl, int argc, char **argv)
{
    json_t  *doc;

    if (strcmp(argv[0], "list") == 0) {
        if (argc != 1) {
            return sosctl_usage_cmd("bucket", "bucket list takes no "
                                    "arguments");
        }

        if (!ctl->online && sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        doc = sosctl_usage_doc(ctl);
        if (doc == NULL) {
            return SOSCTL_FAIL;
        }

        return sosctl_emit(ctl, doc, sosctl_bucket_list_print);
    }

    if (argc != 2) {
        return sosctl_usage_cmd("bucket", "usage: bucket show BUCKET");
    }

    if (!ctl->online && sosctl_open(ctl) != SOSCTL_OK) {
        return SOSCTL_FAIL;
    }

    doc = sosctl_usage_info(ctl, argv[1]);
    if (doc == NULL) {
        return SOSCTL_FAIL;
    }

    return sosctl_emit(ctl, doc, sosctl_bucket_show_print);
}


/* GET buckets/B/info's answer; NULL having said why */

static json_t *
sosctl_usage_info(sosctl_t *ctl, const char *bucket)
{
    char                *path;
    json_t              *doc, *b, *acl;
    size_t               n;
    uint64_t             uploads;
    sos_rc_e             rc;
    sos_error_t          err;
    sos_bucket_info_t   *bi;

    if (ctl->online) {
        path = sosctl_bucket_path(bucket, "info");
        if (path == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return NULL;
        }

        doc = sosctl_admin_get(ctl, path, NULL, bucket);
        free(path);
        return doc;
    }

    memset(&err, 0, sizeof(err));

    rc = sos_bucket_get(ctl->store, bucket, strlen(bucket), &bi, &err);
    if (rc == SOS_OK) {
        rc = sos_uploads_count(ctl->store, bucket, strlen(bucket), "", 0,
                               &uploads, &err);
        if (rc != SOS_OK) {
            sos_bucket_info_free(bi);
        }
    }

    if (rc != SOS_OK) {
        sosctl_fail(rc, bucket, &err);
        return NULL;
    }

    b = sosctl_usage_bucket(ctl, &bi->bucket, uploads);
    acl = sosctl_acl_summary((const unsigned char *) bi->acl.data,
                             bi->acl.len, bi->bucket.owner);

    n = bi->conf[SOS_BUCKET_CACHE_CONTROL].len;

    if (b == NULL || acl == NULL
        || json_object_set_new(b, "acl", acl) != 0
        || json_object_set_new(b, "website",
               json_boolean(bi->conf[SOS_BUCKET_WEBSITE].len != 0)) != 0
        || json_object_set_new(b, "cors",
               json_boolean(bi->conf[SOS_BUCKET_CORS].len != 0)) != 0
        || json_object_set_new(b, "cdn",
               json_boolean(bi->conf[SOS_BUCKET_CDN].len != 0)) != 0
        || json_object_set_new(b, "cache_control",
               n ? json_stringn(bi->conf[SOS_BUCKET_CACHE_CONTROL].data, n)
                 : json_null()) != 0)
    {
        json_decref(b);
        sos_bucket_info_free(bi);
        fprintf(stderr, "sosctl: out of memory\n");
        return NULL;
    }

    sos_bucket_info_free(bi);

    return b;
}


static void
sosctl_bucket_show_print(json_t *doc)
{
    char         size[32], t[64];
    json_t      *acl;
    const char  *cc;

    acl = json_object_get(doc, "acl");
    sosctl_size(sosctl_jnum(doc, "bytes"), size, sizeof(size));
    sosctl_time((int64_t) sosctl_jnum(doc, "created"), t, sizeof(t));
    cc = json_string_value(json_object_get(doc, "cache_control"));

    printf("bucket:         %s\n", sosctl_jstr(doc, "name"));
    printf("owner:          %s (%s)\n", sosctl_jstr(doc, "owner_name"),
           sosctl_jstr(doc, "owner_id"));
    printf("region:         %s\n", sosctl_jstr(doc, "region"));
    printf("created:        %s\n", t);
    printf("objects:        %llu\n",
           (unsigned long long) sosctl_jnum(doc, "objects"));
    printf("size:           %s (%llu bytes)\n", size,
           (unsigned long long) sosctl_jnum(doc, "bytes"));
    printf("uploads:        %llu in progress\n",
           (unsigned long long) sosctl_jnum(doc, "uploads"));
    printf("acl:            %s (%llu grant%s)\n", sosctl_jstr(acl, "summary"),
           (unsigned long long) sosctl_jnum(acl, "grants"),
           sosctl_jnum(acl, "grants") == 1 ? "" : "s");
    printf("website:        %s\n",
           json_is_true(json_object_get(doc, "website")) ? "yes" : "no");
    printf("cors:           %s\n",
           json_is_true(json_object_get(doc, "cors")) ? "yes" : "no");
    printf("cdn:            %s\n",
           json_is_true(json_object_get(doc, "cdn")) ? "on" : "off");
    printf("cache-control:  %s\n", cc ? cc : "(none)");
}


/* du BUCKET [PREFIX] [--depth 0|1] [--delimiter D] */

int
sosctl_du(sosctl_t *ctl, int argc, char **argv)
{
    int          i;
    json_t      *doc;
    const char  *bucket, *prefix, *delimiter;

    bucket = NULL;
    prefix = "";
    delimiter = "";

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc) {
            i++;

            if (strcmp(argv[i], "0") == 0) {
                delimiter = "";

            } else if (strcmp(argv[i], "1") == 0) {
                if (delimiter[0] == '\0') {
                    delimiter = "/";
                }

            } else {
                return sosctl_usage_cmd("du", "--depth is 0 or 1");
            }

        } else if (strcmp(argv[i], "--delimiter") == 0 && i + 1 < argc) {
            delimiter = argv[++i];

            if (delimiter[0] == '\0' || strlen(delimiter) > 64) {
                return sosctl_usage_cmd("du", "a delimiter is 1 to 64 "
                                        "bytes");
            }

        } else if (strcmp(argv[i], "--depth") == 0
                   || strcmp(argv[i], "--delimiter") == 0)
        {
            return sosctl_usage_cmd("du", "%s needs a value", argv[i]);

        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return sosctl_usage_cmd("du", "unknown option \"%s\"", argv[i]);

        } else if (bucket == NULL) {
            bucket = argv[i];

        } else if (prefix[0] == '\0') {
            prefix = argv[i];

        } else {
            return sosctl_usage_cmd("du", "usage: du BUCKET [PREFIX]");
        }
    }

    if (bucket == NULL || bucket[0] == '\0') {
        return sosctl_usage_cmd("du", "du needs a BUCKET");
    }

    if (strlen(prefix) > SOS_MAX_KEY_LEN) {
        return sosctl_usage_cmd("du", "a prefix is at most %d bytes",
                                SOS_MAX_KEY_LEN);
    }

    if (!ctl->online && sosctl_open(ctl) != SOSCTL_OK) {
        return SOSCTL_FAIL;
    }

    doc = sosctl_du_doc(ctl, bucket, prefix, delimiter);
    if (doc == NULL) {
        return SOSCTL_FAIL;
    }

    return sosctl_emit(ctl, doc, sosctl_du_print);
}


/* GET buckets/B/usage's answer; NULL having said why */

static json_t *
sosctl_du_doc(sosctl_t *ctl, const char *bucket, const char *prefix,
    const char *delimiter)
{
    char         *path, *q;
    size_t        n;
    json_t       *doc;
    sos_rc_e      rc;
    sos_usage_t   total;
    sos_error_t   err;
    sosctl_du_t   du;

    if (ctl->online) {
        path = sosctl_bucket_path(bucket, "usage");
        q = malloc(3 * (strlen(prefix) + strlen(delimiter)) + 32);

        if (path == NULL || q == NULL) {
            free(path);
            free(q);
            fprintf(stderr, "sosctl: out of memory\n");
            return NULL;
        }

        /* in canonical (sorted) order, as signed */

        n = (size_t) sprintf(q, "delimiter=");
        n += sos_sigv4_uri_encode(q + n, delimiter, strlen(delimiter), 0);
        n += (size_t) sprintf(q + n, "&prefix=");
        n += sos_sigv4_uri_encode(q + n, prefix, strlen(prefix), 0);
        q[n] = '\0';

        doc = sosctl_admin_get(ctl, path, q, bucket);
        free(path);
        free(q);
        return doc;
    }

    memset(&err, 0, sizeof(err));

    du.groups = json_array();
    du.n = 0;
    du.truncated = 0;

    if (du.groups == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return NULL;
    }

    rc = sos_usage(ctl->store, bucket, strlen(bucket), prefix,
                   strlen(prefix), delimiter, strlen(delimiter),
                   sosctl_du_cb, &du, &total, &err);
    if (rc != SOS_OK) {
        json_decref(du.groups);
        sosctl_fail(rc, bucket, &err);
        return NULL;
    }

    doc = json_pack("{s:o?, s:o?, s:o?, s:o, s:b, s:I, s:I, s:I}",
                    "bucket", sosctl_json_key(bucket, strlen(bucket)),
                    "prefix", sosctl_json_key(prefix, strlen(prefix)),
                    "delimiter", sosctl_json_key(delimiter,
                                                 strlen(delimiter)),
                    "groups", du.groups, "truncated", du.truncated,
                    "objects", (json_int_t) total.objects,
                    "bytes", (json_int_t) total.bytes,
                    "uploads", (json_int_t) total.uploads);

    if (doc == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
    }

    return doc;
}


static int
sosctl_du_cb(void *ctx, const char *prefix, size_t prefix_len,
    const sos_usage_t *usage)
{
    sosctl_du_t *du = ctx;

    json_t  *g;

    if (du->n == SOSCTL_DU_MAX_GROUPS) {
        du->truncated = 1;
        return 1;
    }

    g = json_pack("{s:o?, s:I, s:I}",
                  "prefix", sosctl_json_key(prefix, prefix_len),
                  "objects", (json_int_t) usage->objects,
                  "bytes", (json_int_t) usage->bytes);

    if (g == NULL || json_array_append_new(du->groups, g) != 0) {
        du->truncated = 1;
        return 1;
    }

    du->n++;

    return 0;
}


static void
sosctl_du_print(json_t *doc)
{
    char         size[32];
    size_t       i;
    json_t      *g;
    uint64_t     objects, bytes;
    const char  *prefix;

    prefix = sosctl_jstr(doc, "prefix");
    objects = sosctl_jnum(doc, "objects");
    bytes = sosctl_jnum(doc, "bytes");

    printf("%-40s %10s %10s\n", "PREFIX", "OBJECTS", "SIZE");

    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        sosctl_size(sosctl_jnum(g, "bytes"), size, sizeof(size));
        printf("%-40s %10llu %10s\n", sosctl_jstr(g, "prefix"),
               (unsigned long long) sosctl_jnum(g, "objects"), size);
        objects -= sosctl_jnum(g, "objects");
        bytes -= sosctl_jnum(g, "bytes");
    }

    if (json_array_size(json_object_get(doc, "groups"))
        && !json_is_true(json_object_get(doc, "truncated")) && objects)
    {
        sosctl_size(bytes, size, sizeof(size));
        printf("%-40s %10llu %10s\n", "(objects at this level)",
               (unsigned long long) objects, size);
    }

    if (json_is_true(json_object_get(doc, "truncated"))) {
        printf("(more folders not listed)\n");
    }

    sosctl_size(sosctl_jnum(doc, "bytes"), size, sizeof(size));
    printf("%-40s %10llu %10s\n", "TOTAL",
           (unsigned long long) sosctl_jnum(doc, "objects"), size);
    printf("bucket %s, prefix \"%s\": %llu bytes, %llu upload%s in "
           "progress\n", sosctl_jstr(doc, "bucket"), prefix,
           (unsigned long long) sosctl_jnum(doc, "bytes"),
           (unsigned long long) sosctl_jnum(doc, "uploads"),
           sosctl_jnum(doc, "uploads") == 1 ? "" : "s");
}
