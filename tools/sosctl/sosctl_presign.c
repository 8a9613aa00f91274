/*
 * sosctl presign: a presigned URL (SigV4 query form), made offline from
 * an access key and secret as "aws s3 presign" does.  It never opens the
 * data directory.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <sosproto/sigv4.h>

#include "sosctl.h"

#define SOSCTL_DEFAULT_ENDPOINT  "http://127.0.0.1:8080"
#define SOSCTL_DEFAULT_EXPIRES   3600

static char *sosctl_presign_trim(char *s);
static void sosctl_presign_print(json_t *doc);

/* credentials: the environment, else the shared credentials file */

int
sosctl_credentials(char *key, size_t key_size, char *secret,
    size_t secret_size)
{
    int          in_profile, found_key, found_secret;
    FILE        *f;
    char         line[1024], path[4096], *p, *name, *value;
    const char  *env_key, *env_secret, *file, *home, *profile;

    env_key = getenv("AWS_ACCESS_KEY_ID");
    env_secret = getenv("AWS_SECRET_ACCESS_KEY");

    if (env_key && env_key[0] && env_secret && env_secret[0]) {
        snprintf(key, key_size, "%s", env_key);
        snprintf(secret, secret_size, "%s", env_secret);
        return SOSCTL_OK;
    }

    file = getenv("AWS_SHARED_CREDENTIALS_FILE");

    if (file == NULL || file[0] == '\0') {
        home = getenv("HOME");
        if (home == NULL) {
            home = "";
        }

        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
        file = path;
    }

    profile = getenv("AWS_PROFILE");
    if (profile == NULL || profile[0] == '\0') {
        profile = "default";
    }

    f = fopen(file, "r");
    if (f == NULL) {
        fprintf(stderr, "sosctl: no credentials: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or write \"%s\" (%s)\n", file,
                strerror(errno));
        return SOSCTL_FAIL;
    }

    in_profile = 0;
    found_key = 0;
    found_secret = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        p = sosctl_presign_trim(line);

        if (p[0] == '#' || p[0] == ';' || p[0] == '\0') {
            continue;
        }

        if (p[0] == '[') {
            name = sosctl_presign_trim(p + 1);
            value = strchr(name, ']');
            if (value) {
                *value = '\0';
            }

            in_profile = strcmp(sosctl_presign_trim(name), profile) == 0;
            continue;
        }

        value = strchr(p, '=');
        if (!in_profile || value == NULL) {
            continue;
        }

        *value++ = '\0';
        name = sosctl_presign_trim(p);
        value = sosctl_presign_trim(value);

        if (strcmp(name, "aws_access_key_id") == 0) {
            snprintf(key, key_size, "%s", value);
            found_key = 1;

        } else if (strcmp(name, "aws_secret_access_key") == 0) {
            snprintf(secret, secret_size, "%s", value);
            found_secret = 1;
        }
    }

    fclose(f);

    if (!found_key || !found_secret) {
        fprintf(stderr, "sosctl: profile \"%s\" in \"%s\" has no "
                "aws_access_key_id and aws_secret_access_key\n", profile,
                file);
        return SOSCTL_FAIL;
    }

    return SOSCTL_OK;
}

static char *
sosctl_presign_trim(char *s)
{
    char  *e;

    while (isspace((unsigned char) *s)) {
        s++;
    }

    e = s + strlen(s);

    while (e > s && isspace((unsigned char) e[-1])) {
        *--e = '\0';
    }

    return s;
}

int
sosctl_presign(sosctl_t *ctl, int argc, char **argv)
{
    int          i, rc, https;
    long         expires;
    char        *end, *query, *path, *host, *url;
    json_t      *doc;
    time_t       now;
    char         key[256], secret[256];
    size_t       n, len, bucket_len;
    const char  *method, *uri, *endpoint, *region, *arg, *p, *slash;
    const char  *hostport, *hostend, *objkey;

    if (argc < 2) {
        return sosctl_usage_cmd("presign",
                                "presign needs METHOD and s3://BUCKET/KEY");
    }

    method = argv[0];
    uri = argv[1];

    if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0
        && strcmp(method, "HEAD") != 0 && strcmp(method, "DELETE") != 0)
    {
        return sosctl_usage_cmd("presign", "presign: METHOD is GET, PUT, "
                                "HEAD or DELETE");
    }

    if (strncmp(uri, "s3://", 5) != 0 || uri[5] == '\0' || uri[5] == '/') {
        return sosctl_usage_cmd("presign", "presign: the object is "
                                "s3://BUCKET[/KEY]");
    }

    expires = SOSCTL_DEFAULT_EXPIRES;

    endpoint = getenv("SOS_ENDPOINT");
    if (endpoint == NULL || endpoint[0] == '\0') {
        endpoint = SOSCTL_DEFAULT_ENDPOINT;
    }

    region = getenv("AWS_REGION");
    if (region == NULL || region[0] == '\0') {
        region = getenv("AWS_DEFAULT_REGION");
    }
    if (region == NULL || region[0] == '\0') {
        region = "us-east-1";
    }

    for (i = 2; i < argc; i++) {
        arg = argv[i];

        if (i + 1 >= argc) {
            return sosctl_usage_cmd("presign", "presign: %s needs a value",
                                    arg);
        }

        if (strcmp(arg, "--expires") == 0 || strcmp(arg, "--expires-in") == 0)
        {
            errno = 0;
            expires = strtol(argv[++i], &end, 10);

            if (errno || *end != '\0' || end == argv[i] || expires < 1
                || expires > SOS_SIGV4_MAX_EXPIRES)
            {
                return sosctl_usage_cmd("presign", "presign: --expires is 1 "
                                        "to %d seconds",
                                        SOS_SIGV4_MAX_EXPIRES);
            }

        } else if (strcmp(arg, "--endpoint") == 0
                   || strcmp(arg, "--endpoint-url") == 0)
        {
            endpoint = argv[++i];

        } else if (strcmp(arg, "--region") == 0) {
            region = argv[++i];

        } else {
            return sosctl_usage_cmd("presign", "presign: unknown option "
                                    "\"%s\"", arg);
        }
    }

    /* scheme://host[:port], the port kept unless it is the default */

    if (strncmp(endpoint, "http://", 7) == 0) {
        https = 0;
        hostport = endpoint + 7;

    } else if (strncmp(endpoint, "https://", 8) == 0) {
        https = 1;
        hostport = endpoint + 8;

    } else {
        return sosctl_usage_cmd("presign", "presign: the endpoint is "
                                "http://HOST[:PORT] or https://HOST[:PORT]");
    }

    hostend = hostport + strcspn(hostport, "/?#");

    if (hostend == hostport) {
        return sosctl_usage_cmd("presign", "presign: the endpoint has no "
                                "host");
    }

    len = (size_t) (hostend - hostport);

    if ((!https && len > 3 && strncmp(hostend - 3, ":80", 3) == 0)
        || (https && len > 4 && strncmp(hostend - 4, ":443", 4) == 0))
    {
        len -= https ? 4 : 3;
    }

    if (sosctl_credentials(key, sizeof(key), secret, sizeof(secret))
        != SOSCTL_OK)
    {
        return SOSCTL_FAIL;
    }

    /* path-style: /bucket/key, the key encoded as S3 canonicalises it */

    p = uri + 5;
    slash = strchr(p, '/');
    bucket_len = slash ? (size_t) (slash - p) : strlen(p);
    objkey = slash ? slash + 1 : "";

    host = malloc(len + 1);
    path = malloc(2 + bucket_len * 3 + strlen(objkey) * 3 + 1);

    if (host == NULL || path == NULL) {
        free(host);
        free(path);
        fprintf(stderr, "sosctl: out of memory\n");
        return SOSCTL_FAIL;
    }

    memcpy(host, hostport, len);
    host[len] = '\0';

    n = 0;
    path[n++] = '/';
    n += sos_sigv4_uri_encode(path + n, p, bucket_len, 0);

    if (slash) {
        path[n++] = '/';
        n += sos_sigv4_uri_encode(path + n, objkey, strlen(objkey), 1);
    }

    path[n] = '\0';

    now = time(NULL);
    query = sos_sigv4_presign(method, host, path, NULL, key, secret, region,
                              now, expires);
    memset(secret, 0, sizeof(secret));

    rc = SOSCTL_FAIL;

    if (query == NULL) {
        fprintf(stderr, "sosctl: cannot presign (out of memory or an "
                "over-long key or region)\n");

    } else {
        n = strlen(host) + strlen(path) + strlen(query) + 16;
        url = malloc(n);

        if (url != NULL) {
            snprintf(url, n, "%s://%s%s?%s", https ? "https" : "http", host,
                     path, query);

            doc = json_pack("{s:s, s:s, s:o?, s:o?, s:I, s:I}",
                            "url", url, "method", method,
                            "bucket", sosctl_json_key(p, bucket_len),
                            "key", sosctl_json_key(objkey, strlen(objkey)),
                            "expires", (json_int_t) expires,
                            "expires_at", (json_int_t) (now + expires));
            free(url);
            rc = sosctl_emit(ctl, doc, sosctl_presign_print);

        } else {
            fprintf(stderr, "sosctl: out of memory\n");
        }
    }

    free(query);
    free(host);
    free(path);

    return rc;
}


/* the URL alone, for $(sosctl presign ...) */

static void
sosctl_presign_print(json_t *doc)
{
    printf("%s\n", json_string_value(json_object_get(doc, "url")));
}
