/*
 * sosctl bucket: the CDN settings of a bucket (docs/cdn.md), through the
 * admin API of the running server or on the data directory with nginx
 * stopped.
 *
 *   bucket cdn BUCKET [on|off]
 *   bucket cache-control BUCKET [VALUE|--clear]
 *
 * Both print the settings as they are then; the edge URL of the bucket's
 * public objects comes from the server's sos_cdn_url, so only online.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <sosproto/sigv4.h>

#include "sosctl.h"

#define SOSCTL_CDN_ON  "on"            /* as ngx_sos_cdn.h stores it */

static int sosctl_bucket_value(const char *value);
static int sosctl_bucket_online(sosctl_t *ctl, const char *bucket,
    const char *method, const char *what, const char *arg,
    const char *value);
static int sosctl_bucket_offline(sosctl_t *ctl, const char *bucket,
    int which, const char *value);
static void sosctl_bucket_print(json_t *doc);

int
sosctl_bucket(sosctl_t *ctl, int argc, char **argv)
{
    int          which;
    const char  *value, *bucket;

    if (argc < 2 || argc > 3) {
        return sosctl_usage_cmd("bucket",
                                argc < 2 ? "bucket %s needs a BUCKET"
                                         : "bucket %s: too many arguments",
                                argv[0]);
    }

    bucket = argv[1];
    value = NULL;

    if (strcmp(argv[0], "cdn") == 0) {
        which = SOS_BUCKET_CDN;

        if (argc == 3) {
            if (strcmp(argv[2], "on") != 0 && strcmp(argv[2], "off") != 0) {
                return sosctl_usage_cmd("bucket",
                                        "usage: bucket cdn BUCKET [on|off]");
            }

            value = argv[2];
        }

    } else if (strcmp(argv[0], "cache-control") == 0) {
        which = SOS_BUCKET_CACHE_CONTROL;

        if (argc == 3) {
            value = argv[2];

            if (value[0] == '\0' || strlen(value) > 1024
                || !sosctl_bucket_value(value))
            {
                return sosctl_usage_cmd("bucket", "a Cache-Control value "
                                        "is 1 to 1024 bytes without "
                                        "control characters");
            }
        }

    } else {
        return sosctl_usage_cmd("bucket", "unknown bucket command \"%s\"",
                                argv[0]);
    }

    if (!ctl->online) {
        return sosctl_bucket_offline(ctl, bucket, which, value);
    }

    if (value == NULL) {
        return sosctl_bucket_online(ctl, bucket, "GET", NULL, NULL, NULL);
    }

    if (which == SOS_BUCKET_CDN) {
        return sosctl_bucket_online(ctl, bucket, "PUT", "cdn", "state",
                                    value);
    }

    if (strcmp(value, "--clear") == 0) {
        return sosctl_bucket_online(ctl, bucket, "DELETE", "cache-control",
                                    NULL, NULL);
    }

    return sosctl_bucket_online(ctl, bucket, "PUT", "cache-control", "value",
                                value);
}

/* a header value: no control character but TAB, as the server checks */

static int
sosctl_bucket_value(const char *value)
{
    const unsigned char  *p;

    for (p = (const unsigned char *) value; *p; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return 0;
        }
    }

    return 1;
}

/* METHOD buckets/BUCKET[/what][?arg=value] and print the answer */

static int
sosctl_bucket_online(sosctl_t *ctl, const char *bucket, const char *method,
    const char *what, const char *arg, const char *value)
{
    int              rc;
    char            *path, *q;
    size_t           n;
    json_t          *doc;
    sosctl_answer_t  ans;

    path = malloc(3 * strlen(bucket) + 32);
    q = malloc(value ? 3 * strlen(value) + 16 : 1);

    if (path == NULL || q == NULL) {
        free(path);
        free(q);
        fprintf(stderr, "sosctl: out of memory\n");
        return SOSCTL_FAIL;
    }

    n = (size_t) sprintf(path, "buckets/");
    n += sos_sigv4_uri_encode(path + n, bucket, strlen(bucket), 0);
    path[n] = '\0';

    if (what != NULL) {
        strcat(path, "/");
        strcat(path, what);
    }

    q[0] = '\0';

    if (value != NULL) {
        n = (size_t) sprintf(q, "%s=", arg);
        n += sos_sigv4_uri_encode(q + n, value, strlen(value), 0);
        q[n] = '\0';
    }

    rc = sosctl_admin_call(ctl, method, path, q[0] ? q : NULL, &ans);
    free(path);
    free(q);

    if (rc != 0) {
        return SOSCTL_FAIL;
    }

    if (ans.status != 200) {
        return sosctl_admin_error(ctl, "bucket", &ans);
    }

    doc = sosctl_json_load(ctl, &ans);
    if (doc == NULL) {
        return SOSCTL_FAIL;
    }

    return sosctl_emit(ctl, doc, sosctl_bucket_print);
}

static int
sosctl_bucket_offline(sosctl_t *ctl, const char *bucket, int which,
    const char *value)
{
    size_t              len;
    json_t             *doc;
    sos_rc_e            rc;
    sos_error_t         err;
    sos_bucket_info_t  *bi;

    if (sosctl_open(ctl) != SOSCTL_OK) {
        return SOSCTL_FAIL;
    }

    rc = sos_bucket_get(ctl->store, bucket, strlen(bucket), &bi, &err);
    if (rc != SOS_OK) {
        return sosctl_fail(rc, bucket, &err);
    }

    if (value != NULL) {
        if (strcmp(value, "off") == 0 || strcmp(value, "--clear") == 0) {
            len = 0;

        } else {
            if (which == SOS_BUCKET_CDN) {
                value = SOSCTL_CDN_ON;
            }

            len = strlen(value);
        }

        rc = sos_bucket_set_conf(ctl->store, bucket, strlen(bucket), bi,
                                 (sos_bucket_conf_e) which, value, len,
                                 &err);
        if (rc != SOS_OK) {
            sos_bucket_info_free(bi);
            return sosctl_fail(rc, "cannot change the bucket", &err);
        }

        bi->conf[which].data = value;
        bi->conf[which].len = len;
    }

    /* the admin API's CDN document; no sos_cdn_url offline */

    len = bi->conf[SOS_BUCKET_CACHE_CONTROL].len;
    doc = json_pack("{s:s, s:b, s:o?, s:n}", "bucket", bucket,
                    "cdn", bi->conf[SOS_BUCKET_CDN].len != 0,
                    "cache_control",
                    len ? json_stringn(bi->conf[SOS_BUCKET_CACHE_CONTROL].data,
                                       len)
                        : json_null(),
                    "cdn_url");

    sos_bucket_info_free(bi);

    return sosctl_emit(ctl, doc, sosctl_bucket_print);
}

static void
sosctl_bucket_print(json_t *doc)
{
    int          cdn;
    const char  *cc, *url;

    cdn = json_is_true(json_object_get(doc, "cdn"));
    cc = json_string_value(json_object_get(doc, "cache_control"));
    url = json_string_value(json_object_get(doc, "cdn_url"));

    printf("bucket:         %s\n", sosctl_jstr(doc, "bucket"));
    printf("cdn:            %s\n", cdn ? "on" : "off");

    if (cc != NULL) {
        printf("cache-control:  %s\n", cc);

    } else {
        printf("cache-control:  (none: sos_cache_control applies)\n");
    }

    if (cdn && url != NULL) {
        printf("cdn-url:        %s<key>\n", url);
    }
}
