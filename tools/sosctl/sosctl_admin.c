/*
 * sosctl online: organizations and keys through the admin API of a
 * running server (docs/admin.md).
 *
 * Each call is one HTTP/1.1 request made with libcurl, to an http:// or
 * https:// endpoint (AWS_CA_BUNDLE names the CA certificates to trust, as
 * for the aws cli), signed with SigV4 in the Authorization header with the
 * usual AWS credentials.  Never as a presigned URL: the server refuses
 * those for the admin API, since a URL in a log could be replayed.
 * Answers are JSON, read with jansson; errors are S3 XML error documents.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include <sosproto/sigv4.h>

#include "sosctl.h"

#define SOSCTL_DEFAULT_ENDPOINT    "http://127.0.0.1:8080"
#define SOSCTL_DEFAULT_ADMIN_PATH  "/sos-admin/"
#define SOSCTL_TIMEOUT             30L
#define SOSCTL_MAX_ANSWER          (64 * 1024 * 1024)

static CURL *sosctl_admin_curl(const char *url, char *errbuf);
static char *sosctl_admin_authorization(const char *method,
    const char *host, const char *path, const char *query, const char *key,
    const char *secret, const char *region, time_t now, char *amz_date);
static int sosctl_admin_header(struct curl_slist **list, const char *name,
    const char *value);
static size_t sosctl_admin_write(char *data, size_t size, size_t n,
    void *arg);
static size_t sosctl_encode(char *dst, const char *src, int slash);

/*
 * SOS_ENDPOINT, "http[s]://host[:port]"; SOS_ADMIN_PATH, the location.
 * Sets up libcurl for the process.
 */

int
sosctl_admin_endpoint(sosctl_t *ctl)
{
    int          https;
    size_t       len;
    const char  *p, *end, *path;

    ctl->endpoint = getenv("SOS_ENDPOINT");
    if (ctl->endpoint == NULL || ctl->endpoint[0] == '\0') {
        ctl->endpoint = SOSCTL_DEFAULT_ENDPOINT;
    }

    path = getenv("SOS_ADMIN_PATH");
    if (path == NULL || path[0] != '/') {
        path = SOSCTL_DEFAULT_ADMIN_PATH;
    }

    ctl->admin_path = path;

    if (strncmp(ctl->endpoint, "http://", 7) == 0) {
        https = 0;

    } else if (strncmp(ctl->endpoint, "https://", 8) == 0) {
        https = 1;

    } else {
        fprintf(stderr, "sosctl: SOS_ENDPOINT \"%s\": the admin client "
                "speaks http:// and https:// only\n", ctl->endpoint);
        return SOSCTL_FAIL;
    }

    p = ctl->endpoint + (https ? 8 : 7);
    end = p + strcspn(p, "/?#");
    len = (size_t) (end - p);

    if (len == 0 || len >= sizeof(ctl->host)) {
        fprintf(stderr, "sosctl: SOS_ENDPOINT \"%s\" has no host\n",
                ctl->endpoint);
        return SOSCTL_FAIL;
    }

    memcpy(ctl->host, p, len);
    ctl->host[len] = '\0';

    snprintf(ctl->origin, sizeof(ctl->origin), "%.*s",
             (int) (end - ctl->endpoint), ctl->endpoint);

    /* the Host header as a presigning client sends it: no default port */

    if (!https && len > 3 && strcmp(ctl->host + len - 3, ":80") == 0) {
        ctl->host[len - 3] = '\0';

    } else if (https && len > 4 && strcmp(ctl->host + len - 4, ":443") == 0)
    {
        ctl->host[len - 4] = '\0';
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK
        || atexit(curl_global_cleanup) != 0)
    {
        fprintf(stderr, "sosctl: cannot initialise libcurl\n");
        return SOSCTL_FAIL;
    }

    return SOSCTL_OK;
}

/*
 * 1 when something listens on the endpoint: a connection (and for
 * https://, a TLS handshake) is made; a failure past the connection, such
 * as a certificate not trusted, counts as listening, so the call says it.
 */

int
sosctl_admin_reachable(sosctl_t *ctl)
{
    CURL      *curl;
    CURLcode   rc;
    char       errbuf[CURL_ERROR_SIZE];

    curl = sosctl_admin_curl(ctl->origin, errbuf);
    if (curl == NULL) {
        return 1;
    }

    rc = curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(curl);
    }

    curl_easy_cleanup(curl);

    return rc != CURLE_COULDNT_RESOLVE_HOST && rc != CURLE_COULDNT_CONNECT
           && rc != CURLE_OPERATION_TIMEDOUT;
}

/*
 * A handle for url with what every call sets: HTTP/1.1, the path sent as
 * given (it is signed so), no proxy (the admin API is reached directly),
 * 30 seconds to connect and at most 30 idle; NULL: no memory.
 */

static CURL *
sosctl_admin_curl(const char *url, char *errbuf)
{
    CURL        *curl;
    const char  *ca;

    curl = curl_easy_init();
    if (curl == NULL) {
        return NULL;
    }

    errbuf[0] = '\0';
    ca = getenv("AWS_CA_BUNDLE");

    if (curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
                            (long) CURL_HTTP_VERSION_1_1) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_PROXY, "") != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, SOSCTL_TIMEOUT)
           != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, SOSCTL_TIMEOUT)
           != CURLE_OK
        || (ca != NULL && ca[0] != '\0'
            && curl_easy_setopt(curl, CURLOPT_CAINFO, ca) != CURLE_OK))
    {
        curl_easy_cleanup(curl);
        return NULL;
    }

    return curl;
}

/*
 * The Authorization header of a SigV4 request without a body, signing
 * host, x-amz-content-sha256 and x-amz-date (amz_date: 17 bytes out).
 * path and query are as sent (URI-encoded).  malloc'd; NULL: no memory,
 * or a region too long for a scope.
 */

static char *
sosctl_admin_authorization(const char *method, const char *host,
    const char *path, const char *query, const char *key, const char *secret,
    const char *region, time_t now, char *amz_date)
{
    char               *cquery, *work, *cpath, *creq, *auth;
    char                scope[SOS_SIGV4_SCOPE_MAX], sig[65];
    size_t              n, qlen, plen, cqlen, cplen, clen, scope_len;
    sos_sigv4_param_t  *params;

    scope_len = sos_sigv4_scope(amz_date, scope, now, region, "s3");
    if (scope_len == 0) {
        return NULL;
    }

    qlen = query ? strlen(query) : 0;
    plen = strlen(path);
    n = sos_sigv4_query_count(query ? query : "", qlen);

    cquery = malloc(3 * qlen + n + 1);
    work = malloc(3 * qlen + 1);
    params = malloc((n + 1) * sizeof(sos_sigv4_param_t));
    cpath = malloc(3 * plen + 1);
    clen = strlen(method) + 3 * plen + 3 * qlen + n + strlen(host) + 256;
    creq = malloc(clen);
    auth = NULL;

    if (cquery == NULL || work == NULL || params == NULL || cpath == NULL
        || creq == NULL)
    {
        goto done;
    }

    cqlen = sos_sigv4_canonical_query(cquery, work, params,
                                      query ? query : "", qlen, 0);
    cplen = sos_sigv4_canonical_uri(cpath, path, plen);

    clen = (size_t) snprintf(creq, clen,
                             "%s\n%.*s\n%.*s\nhost:%s\n"
                             "x-amz-content-sha256:" SOS_SIGV4_EMPTY_SHA256
                             "\nx-amz-date:%s\n\n"
                             "host;x-amz-content-sha256;x-amz-date\n"
                             SOS_SIGV4_EMPTY_SHA256,
                             method, (int) cplen, cpath, (int) cqlen, cquery,
                             host, amz_date);

    sos_sigv4_sign(sig, secret, amz_date, region, "s3", scope, scope_len,
                   creq, clen);

    n = strlen(key) + scope_len + 256;
    auth = malloc(n);
    if (auth != NULL) {
        snprintf(auth, n, SOS_SIGV4_ALGORITHM " Credential=%s/%s, "
                 "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                 "Signature=%s", key, scope, sig);
    }

done:

    free(cquery);
    free(work);
    free(params);
    free(cpath);
    free(creq);

    return auth;
}

/* "name: value" added to a header list; 0 or -1 (no memory, too long) */

static int
sosctl_admin_header(struct curl_slist **list, const char *name,
    const char *value)
{
    char                line[1024];
    size_t              n;
    struct curl_slist  *l;

    n = (size_t) snprintf(line, sizeof(line), "%s: %s", name, value);
    if (n >= sizeof(line)) {
        return -1;
    }

    l = curl_slist_append(*list, line);
    if (l == NULL) {
        return -1;
    }

    *list = l;

    return 0;
}

/* libcurl's write callback: the body into ans, NUL-terminated */

static size_t
sosctl_admin_write(char *data, size_t size, size_t n, void *arg)
{
    sosctl_answer_t *ans = arg;

    char    *p;
    size_t   len, cap;

    len = size * n;

    if (len > SOSCTL_MAX_ANSWER - ans->len) {
        ans->failed = "the answer is too long";
        return 0;
    }

    if (ans->len + len >= ans->size) {
        for (cap = ans->size; cap <= ans->len + len; cap *= 2) {
            /* void */
        }

        p = realloc(ans->body, cap);
        if (p == NULL) {
            ans->failed = "out of memory";
            return 0;
        }

        ans->body = p;
        ans->size = cap;
    }

    memcpy(ans->body + ans->len, data, len);
    ans->len += len;
    ans->body[ans->len] = '\0';

    return len;
}

/* method on admin_path + path, query already encoded; 0 or -1 */

int
sosctl_admin_call(sosctl_t *ctl, const char *method, const char *path,
    const char *query, sosctl_answer_t *ans)
{
    int                 rc;
    long                status;
    CURL               *curl;
    char               *full, *auth, *url;
    char                key[256], secret[256];
    char                amz_date[SOS_SIGV4_DATE_LEN + 1];
    char                errbuf[CURL_ERROR_SIZE];
    size_t              len, n;
    CURLcode            crc;
    const char         *region;
    struct curl_slist  *headers;

    memset(ans, 0, sizeof(*ans));

    if (sosctl_credentials(key, sizeof(key), secret, sizeof(secret))
        != SOSCTL_OK)
    {
        return -1;
    }

    region = getenv("AWS_REGION");
    if (region == NULL || region[0] == '\0') {
        region = getenv("AWS_DEFAULT_REGION");
    }
    if (region == NULL || region[0] == '\0') {
        region = "us-east-1";
    }

    if (query == NULL) {
        query = "";
    }

    len = strlen(ctl->admin_path) + strlen(path) + 2;
    full = malloc(len);
    auth = NULL;
    url = NULL;
    curl = NULL;
    headers = NULL;
    rc = -1;

    if (full == NULL) {
        memset(secret, 0, sizeof(secret));
        goto nomem;
    }

    n = strlen(ctl->admin_path);
    snprintf(full, len, ctl->admin_path[n - 1] == '/' ? "%s%s" : "%s/%s",
             ctl->admin_path, path);

    auth = sosctl_admin_authorization(method, ctl->host, full, query, key,
                                      secret, region, time(NULL), amz_date);
    memset(secret, 0, sizeof(secret));

    len = strlen(ctl->origin) + strlen(full) + strlen(query) + 2;
    url = malloc(len);
    ans->size = 16384;
    ans->body = malloc(ans->size);

    if (auth == NULL || url == NULL || ans->body == NULL) {
        goto nomem;
    }

    ans->body[0] = '\0';
    snprintf(url, len, "%s%s%s%s", ctl->origin, full, query[0] ? "?" : "",
             query);

    curl = sosctl_admin_curl(url, errbuf);

    if (curl == NULL
        || sosctl_admin_header(&headers, "Host", ctl->host) != 0
        || sosctl_admin_header(&headers, "Authorization", auth) != 0
        || sosctl_admin_header(&headers, "x-amz-content-sha256",
                               SOS_SIGV4_EMPTY_SHA256) != 0
        || sosctl_admin_header(&headers, "x-amz-date", amz_date) != 0
        || sosctl_admin_header(&headers, "Content-Length", "0") != 0
        || curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_USERAGENT, "sosctl") != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sosctl_admin_write)
           != CURLE_OK
        || curl_easy_setopt(curl, CURLOPT_WRITEDATA, ans) != CURLE_OK)
    {
        goto nomem;
    }

    crc = curl_easy_perform(curl);

    if (crc == CURLE_OK) {
        crc = curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        ans->status = (int) status;
        rc = 0;

    } else if (ans->failed) {
        fprintf(stderr, "sosctl: %s\n", ans->failed);

    } else if (crc == CURLE_COULDNT_RESOLVE_HOST
               || crc == CURLE_COULDNT_CONNECT)
    {
        fprintf(stderr, "sosctl: cannot connect to %s: %s\n", ctl->endpoint,
                errbuf[0] ? errbuf : curl_easy_strerror(crc));

    } else {
        fprintf(stderr, "sosctl: %s: %s\n", ctl->endpoint,
                errbuf[0] ? errbuf : curl_easy_strerror(crc));
    }

    goto done;

nomem:

    fprintf(stderr, "sosctl: out of memory\n");

done:

    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    free(full);
    free(auth);
    free(url);

    if (rc != 0) {
        free(ans->body);
        ans->body = NULL;
    }

    return rc;
}

/* an S3 error document: "<Code>X</Code><Message>Y</Message>" */

int
sosctl_admin_error(sosctl_t *ctl, const char *what, sosctl_answer_t *ans)
{
    char        code[128], message[512];
    const char *s, *e;

    code[0] = '\0';
    message[0] = '\0';

    s = strstr(ans->body, "<Code>");
    e = s ? strstr(s, "</Code>") : NULL;
    if (s && e && e - s - 6 < (long) sizeof(code)) {
        snprintf(code, sizeof(code), "%.*s", (int) (e - s - 6), s + 6);
    }

    s = strstr(ans->body, "<Message>");
    e = s ? strstr(s, "</Message>") : NULL;
    if (s && e && e - s - 9 < (long) sizeof(message)) {
        snprintf(message, sizeof(message), "%.*s", (int) (e - s - 9), s + 9);
    }

    /* the server's words, not its escape sequences */
    code[sosctl_printable(code, strlen(code))] = '\0';
    message[sosctl_printable(message, strlen(message))] = '\0';

    if (code[0] == '\0' || strcmp(code, "NoSuchBucket") == 0) {
        fprintf(stderr, "sosctl: %s: %s answers %d without the admin API at "
                "%s (enable it with \"sos_admin;\", see docs/admin.md)\n",
                what, ctl->endpoint, ans->status, ctl->admin_path);

    } else {
        fprintf(stderr, "sosctl: %s: %s (%d %s)\n", what,
                message[0] ? message : code, ans->status, code);
    }

    free(ans->body);

    return SOSCTL_FAIL;
}

/* URI-encode a path segment or query value; dst holds 3 * len + 1 */

static size_t
sosctl_encode(char *dst, const char *src, int slash)
{
    size_t  n;

    n = sos_sigv4_uri_encode(dst, src, strlen(src), slash);
    dst[n] = '\0';

    return n;
}

/* ------------------------------------------------------------------ */
/* The server's JSON                                                  */

/*
 * The answer as a JSON object, or NULL having said why; the body is
 * wiped (the answer of key create holds a secret) and freed either way.
 */

json_t *
sosctl_json_load(sosctl_t *ctl, sosctl_answer_t *ans)
{
    json_t        *doc;
    json_error_t   error;

    doc = json_loadb(ans->body, ans->len, 0, &error);

    memset(ans->body, 0, ans->len);
    free(ans->body);
    ans->body = NULL;

    if (doc != NULL && json_is_object(doc)) {
        return doc;
    }

    fprintf(stderr, "sosctl: unexpected answer from %s: %s\n", ctl->endpoint,
            doc ? "not a JSON object" : error.text);
    json_decref(doc);

    return NULL;
}

/* ------------------------------------------------------------------ */
/* Commands                                                           */

int
sosctl_admin_org(sosctl_t *ctl, int argc, char **argv)
{
    int              rc;
    char            *q, *seg;
    json_t          *doc;
    const char      *sub, *email;
    sosctl_answer_t  ans;

    if (argc < 1) {
        return sosctl_usage_cmd("org", "org needs a subcommand");
    }

    sub = argv[0];

    if (strcmp(sub, "create") == 0) {
        rc = sosctl_org_create_args(argc, argv, &email);
        if (rc != SOSCTL_OK) {
            return rc;
        }

        q = malloc(3 * (strlen(argv[1]) + strlen(email)) + 32);
        if (q == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return SOSCTL_FAIL;
        }

        /* signed query parameters in canonical (sorted) order */

        seg = q;
        if (email[0]) {
            seg += sprintf(seg, "email=");
            seg += sosctl_encode(seg, email, 0);
            *seg++ = '&';
        }
        seg += sprintf(seg, "name=");
        sosctl_encode(seg, argv[1], 0);

        rc = sosctl_admin_call(ctl, "POST", "orgs", q, &ans);
        free(q);

        if (rc != 0) {
            return SOSCTL_FAIL;
        }

        if (ans.status != 201) {
            return sosctl_admin_error(ctl, "cannot create the organization",
                                      &ans);
        }

        doc = sosctl_json_load(ctl, &ans);
        if (doc == NULL) {
            return SOSCTL_FAIL;
        }

        return sosctl_emit(ctl, doc, sosctl_org_show);
    }

    if (strcmp(sub, "list") == 0) {
        if (argc != 1) {
            return sosctl_usage_cmd("org", "usage: org list");
        }

        if (sosctl_admin_call(ctl, "GET", "orgs", NULL, &ans) != 0) {
            return SOSCTL_FAIL;
        }

        if (ans.status != 200) {
            return sosctl_admin_error(ctl, "cannot list organizations", &ans);
        }

        doc = sosctl_json_load(ctl, &ans);
        if (doc == NULL) {
            return SOSCTL_FAIL;
        }

        return sosctl_emit(ctl, doc, sosctl_org_table);
    }

    if (strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0) {
        if (argc != 2) {
            return sosctl_usage_cmd("org", "usage: org %s NAME|ID", sub);
        }

        q = malloc(3 * strlen(argv[1]) + 16);
        if (q == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return SOSCTL_FAIL;
        }

        seg = q + sprintf(q, "orgs/");
        sosctl_encode(seg, argv[1], 0);

        rc = sosctl_admin_call(ctl, sub[0] == 's' ? "GET" : "DELETE", q,
                               NULL, &ans);
        free(q);

        if (rc != 0) {
            return SOSCTL_FAIL;
        }

        if (ans.status != 200) {
            return sosctl_admin_error(ctl, sub[0] == 's'
                                      ? "cannot show the organization"
                                      : "cannot delete the organization",
                                      &ans);
        }

        doc = sosctl_json_load(ctl, &ans);
        if (doc == NULL) {
            return SOSCTL_FAIL;
        }

        return sosctl_emit(ctl, doc, sub[0] == 's' ? sosctl_org_show
                                                   : sosctl_org_deleted);
    }

    return sosctl_usage_cmd("org", "unknown org subcommand \"%s\"", sub);
}

int
sosctl_admin_key(sosctl_t *ctl, int argc, char **argv)
{
    int              rc, admin;
    char            *q, *seg;
    json_t          *doc, *key, *secret;
    const char      *sub, *id;
    sosctl_answer_t  ans;

    if (argc < 1) {
        return sosctl_usage_cmd("key", "key needs a subcommand");
    }

    sub = argv[0];

    if (strcmp(sub, "create") == 0 || strcmp(sub, "list") == 0) {
        admin = 0;

        if (sub[0] == 'c' && argc == 3 && strcmp(argv[2], "--admin") == 0) {
            admin = 1;

        } else if (argc != 2) {
            return sosctl_usage_cmd("key", sub[0] == 'c'
                                    ? "usage: key create ORG [--admin]"
                                    : "usage: key list ORG");
        }

        q = malloc(3 * strlen(argv[1]) + 16);
        if (q == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return SOSCTL_FAIL;
        }

        seg = q + sprintf(q, "orgs/");
        seg += sosctl_encode(seg, argv[1], 0);
        sprintf(seg, "/keys");

        rc = sosctl_admin_call(ctl, sub[0] == 'c' ? "POST" : "GET", q,
                               admin ? "admin=1" : NULL, &ans);
        free(q);

        if (rc != 0) {
            return SOSCTL_FAIL;
        }

        if (ans.status != (sub[0] == 'l' ? 200 : 201)) {
            return sosctl_admin_error(ctl, sub[0] == 'l'
                                      ? "cannot list keys"
                                      : "cannot create the key", &ans);
        }

        doc = sosctl_json_load(ctl, &ans);
        if (doc == NULL) {
            return SOSCTL_FAIL;
        }

        if (sub[0] == 'l') {
            return sosctl_emit(ctl, doc, sosctl_key_table);
        }

        key = json_object_get(doc, "key");
        id = json_string_value(json_object_get(key, "access_key_id"));
        secret = json_object_get(key, "secret_access_key");

        if (id == NULL || !json_is_string(secret)) {
            fprintf(stderr, "sosctl: unexpected answer from %s: no key\n",
                    ctl->endpoint);
            json_decref(doc);
            return SOSCTL_FAIL;
        }

        /* no copy of the secret outlives the call */
        json_incref(doc);
        rc = sosctl_emit(ctl, doc, sosctl_key_created);
        memset((char *) json_string_value(secret), 0,
               json_string_length(secret));
        json_decref(doc);
        return rc;
    }

    if (strcmp(sub, "revoke") == 0) {
        if (argc != 2) {
            return sosctl_usage_cmd("key", "usage: key revoke KEYID");
        }

        q = malloc(3 * strlen(argv[1]) + 16);
        if (q == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return SOSCTL_FAIL;
        }

        seg = q + sprintf(q, "keys/");
        sosctl_encode(seg, argv[1], 0);

        rc = sosctl_admin_call(ctl, "DELETE", q, NULL, &ans);
        free(q);

        if (rc != 0) {
            return SOSCTL_FAIL;
        }

        if (ans.status == 404 && strstr(ans.body, "NoSuchEntity")) {
            fprintf(stderr, "sosctl: no key \"%s\"\n", argv[1]);
            free(ans.body);
            return SOSCTL_FAIL;
        }

        if (ans.status != 200) {
            return sosctl_admin_error(ctl, "cannot revoke the key", &ans);
        }

        doc = sosctl_json_load(ctl, &ans);
        if (doc == NULL) {
            return SOSCTL_FAIL;
        }

        return sosctl_emit(ctl, doc, sosctl_key_revoked);
    }

    return sosctl_usage_cmd("key", "unknown key subcommand \"%s\"", sub);
}
