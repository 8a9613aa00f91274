/*
 * sosctl online: organizations and keys through the admin API of a
 * running server (docs/admin.md).
 *
 * Each call is one HTTP/1.1 request over a plain TCP connection (http://
 * only: put TLS in front of a remote server and reach it via a tunnel),
 * signed with SigV4 in the Authorization header with the usual AWS
 * credentials.  Never as a presigned URL: the server refuses those for
 * the admin API, since a URL in a log could be replayed.  Answers are
 * JSON; errors are S3 XML error documents.
 */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sosproto/sigv4.h>

#include "sosctl.h"

#define SOSCTL_DEFAULT_ENDPOINT    "http://127.0.0.1:8080"
#define SOSCTL_DEFAULT_ADMIN_PATH  "/sos-admin/"
#define SOSCTL_TIMEOUT             30
#define SOSCTL_MAX_ANSWER          (64 * 1024 * 1024)

typedef struct {
    int     status;
    char   *body;                      /* NUL-terminated */
    size_t  len;
} sosctl_answer_t;

static int sosctl_admin_connect(sosctl_t *ctl, int quiet);
static char *sosctl_admin_authorization(const char *method,
    const char *host, const char *path, const char *query, const char *key,
    const char *secret, const char *region, time_t now, char *amz_date);
static int sosctl_admin_call(sosctl_t *ctl, const char *method,
    const char *path, const char *query, sosctl_answer_t *ans);
static int sosctl_admin_error(sosctl_t *ctl, const char *what,
    sosctl_answer_t *ans);
static size_t sosctl_encode(char *dst, const char *src, int slash);
static const char *sosctl_json_skip(const char *p, const char *end);
static int sosctl_json_next(const char **p, const char *end,
    const char **obj, const char **obj_end);
static int sosctl_json_get(const char *p, const char *end, const char *name,
    char *out, size_t size);
static void sosctl_admin_org_print(const char *p, const char *end);
static void sosctl_admin_org_line(const char *p, const char *end);
static void sosctl_admin_key_line(const char *p, const char *end);

/* SOS_ENDPOINT, "http://host[:port]"; SOS_ADMIN_PATH, the location */

int
sosctl_admin_endpoint(sosctl_t *ctl)
{
    size_t       len;
    const char  *p, *end, *colon, *path;

    ctl->endpoint = getenv("SOS_ENDPOINT");
    if (ctl->endpoint == NULL || ctl->endpoint[0] == '\0') {
        ctl->endpoint = SOSCTL_DEFAULT_ENDPOINT;
    }

    path = getenv("SOS_ADMIN_PATH");
    if (path == NULL || path[0] != '/') {
        path = SOSCTL_DEFAULT_ADMIN_PATH;
    }

    ctl->admin_path = path;

    if (strncmp(ctl->endpoint, "http://", 7) != 0) {
        fprintf(stderr, "sosctl: SOS_ENDPOINT \"%s\": the admin client "
                "speaks http:// only\n", ctl->endpoint);
        return SOSCTL_FAIL;
    }

    p = ctl->endpoint + 7;
    end = p + strcspn(p, "/?#");
    len = (size_t) (end - p);

    if (len == 0 || len >= sizeof(ctl->host)) {
        fprintf(stderr, "sosctl: SOS_ENDPOINT \"%s\" has no host\n",
                ctl->endpoint);
        return SOSCTL_FAIL;
    }

    memcpy(ctl->host, p, len);
    ctl->host[len] = '\0';

    if (ctl->host[0] == '[') {
        colon = strchr(ctl->host, ']');
        colon = (colon && colon[1] == ':') ? colon + 1 : NULL;
    } else {
        colon = strrchr(ctl->host, ':');
    }

    if (colon) {
        snprintf(ctl->port, sizeof(ctl->port), "%s", colon + 1);
        len = (size_t) (colon - ctl->host);
    } else {
        snprintf(ctl->port, sizeof(ctl->port), "80");
        len = strlen(ctl->host);
    }

    if (ctl->host[0] == '[' && len >= 2) {
        snprintf(ctl->node, sizeof(ctl->node), "%.*s", (int) len - 2,
                 ctl->host + 1);
    } else {
        snprintf(ctl->node, sizeof(ctl->node), "%.*s", (int) len, ctl->host);
    }

    /* the Host header as a presigning client sends it: no ":80" */

    len = strlen(ctl->host);
    if (len > 3 && strcmp(ctl->host + len - 3, ":80") == 0) {
        ctl->host[len - 3] = '\0';
    }

    return SOSCTL_OK;
}

/* 1 when something listens on the endpoint */

int
sosctl_admin_reachable(sosctl_t *ctl)
{
    int  fd;

    fd = sosctl_admin_connect(ctl, 1);
    if (fd < 0) {
        return 0;
    }

    close(fd);
    return 1;
}

static int
sosctl_admin_connect(sosctl_t *ctl, int quiet)
{
    int               fd, rc, saved;
    struct timeval    tv;
    struct addrinfo   hints, *res, *ai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(ctl->node, ctl->port, &hints, &res);
    if (rc != 0) {
        if (!quiet) {
            fprintf(stderr, "sosctl: %s: %s\n", ctl->node, gai_strerror(rc));
        }
        return -1;
    }

    fd = -1;
    saved = 0;

    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }

        tv.tv_sec = SOSCTL_TIMEOUT;
        tv.tv_usec = 0;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }

        saved = errno;
        close(fd);
        fd = -1;
    }

    freeaddrinfo(res);

    if (fd < 0 && !quiet) {
        fprintf(stderr, "sosctl: cannot connect to %s: %s\n", ctl->endpoint,
                strerror(saved));
    }

    return fd;
}

/*
 * The Authorization header of a SigV4 request without a body, signing
 * host, x-amz-content-sha256 and x-amz-date (amz_date: 17 bytes out).
 * path and query are as sent (URI-encoded).  malloc'd; NULL: no memory.
 */

static char *
sosctl_admin_authorization(const char *method, const char *host,
    const char *path, const char *query, const char *key, const char *secret,
    const char *region, time_t now, char *amz_date)
{
    char               *cquery, *work, *cpath, *creq, *auth;
    char                scope[128], sts[SOS_SIGV4_STS_LEN(128)], sig[65];
    size_t              n, qlen, plen, cqlen, cplen, clen, slen, scope_len;
    struct tm           tm;
    unsigned char       skey[32], hash[32], mac[32];
    sos_sigv4_param_t  *params;

    if (gmtime_r(&now, &tm) == NULL) {
        return NULL;
    }

    strftime(amz_date, SOS_SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);

    scope_len = (size_t) snprintf(scope, sizeof(scope),
                                  "%.8s/%s/s3/aws4_request", amz_date,
                                  region);
    if (scope_len >= sizeof(scope)) {
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

    sos_sigv4_sha256(hash, creq, clen);
    slen = sos_sigv4_string_to_sign(sts, amz_date, scope, scope_len, hash);

    sos_sigv4_signing_key(skey, secret, strlen(secret), amz_date, region,
                          strlen(region), "s3", 2);
    sos_sigv4_hmac_sha256(mac, skey, 32, sts, slen);
    sos_sigv4_hex(sig, mac, 32);
    sig[64] = '\0';
    memset(skey, 0, sizeof(skey));

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

/* method on admin_path + path, query already encoded; 0 or -1 */

static int
sosctl_admin_call(sosctl_t *ctl, const char *method, const char *path,
    const char *query, sosctl_answer_t *ans)
{
    int          fd;
    char        *full, *auth, *req, *buf, *p, *hdr_end;
    char         key[256], secret[256], amz_date[SOS_SIGV4_DATE_LEN + 1];
    size_t       len, size, n;
    ssize_t      got;
    const char  *region;

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

    len = strlen(ctl->admin_path) + strlen(path) + 2;
    full = malloc(len);
    if (full == NULL) {
        goto nomem;
    }

    n = strlen(ctl->admin_path);
    snprintf(full, len, ctl->admin_path[n - 1] == '/' ? "%s%s" : "%s/%s",
             ctl->admin_path, path);

    auth = sosctl_admin_authorization(method, ctl->host, full, query, key,
                                      secret, region, time(NULL), amz_date);
    memset(secret, 0, sizeof(secret));

    if (auth == NULL) {
        free(full);
        goto nomem;
    }

    if (query == NULL) {
        query = "";
    }

    len = strlen(method) + strlen(full) + strlen(query) + strlen(auth)
          + strlen(ctl->host) + 256;
    req = malloc(len);
    if (req == NULL) {
        free(full);
        free(auth);
        goto nomem;
    }

    n = (size_t) snprintf(req, len, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n"
                          "Authorization: %s\r\n"
                          "x-amz-content-sha256: " SOS_SIGV4_EMPTY_SHA256
                          "\r\nx-amz-date: %s\r\n"
                          "Connection: close\r\nContent-Length: 0\r\n"
                          "User-Agent: sosctl\r\n\r\n",
                          method, full, query[0] ? "?" : "", query,
                          ctl->host, auth, amz_date);
    free(full);
    free(auth);

    fd = sosctl_admin_connect(ctl, 0);
    if (fd < 0) {
        free(req);
        return -1;
    }

    for (p = req; n; ) {
        got = send(fd, p, n, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "sosctl: send to %s: %s\n", ctl->endpoint,
                    strerror(errno));
            free(req);
            close(fd);
            return -1;
        }
        p += got;
        n -= (size_t) got;
    }

    free(req);

    /* the whole answer, until the server closes */

    size = 16384;
    len = 0;
    buf = malloc(size + 1);
    if (buf == NULL) {
        close(fd);
        goto nomem;
    }

    for ( ;; ) {
        if (len == size) {
            if (size >= SOSCTL_MAX_ANSWER) {
                fprintf(stderr, "sosctl: the answer is too long\n");
                goto failed;
            }
            size *= 2;
            p = realloc(buf, size + 1);
            if (p == NULL) {
                fprintf(stderr, "sosctl: out of memory\n");
                goto failed;
            }
            buf = p;
        }

        got = recv(fd, buf + len, size - len, 0);
        if (got == 0) {
            break;
        }
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "sosctl: reading from %s: %s\n", ctl->endpoint,
                    errno == EAGAIN ? "timed out" : strerror(errno));
            goto failed;
        }
        len += (size_t) got;
    }

    close(fd);
    buf[len] = '\0';

    if (sscanf(buf, "HTTP/1.%*1[01] %3d", &ans->status) != 1) {
        fprintf(stderr, "sosctl: %s did not answer HTTP\n", ctl->endpoint);
        free(buf);
        return -1;
    }

    hdr_end = strstr(buf, "\r\n\r\n");
    if (hdr_end == NULL) {
        fprintf(stderr, "sosctl: truncated answer from %s\n", ctl->endpoint);
        free(buf);
        return -1;
    }

    hdr_end += 4;
    ans->len = len - (size_t) (hdr_end - buf);
    memmove(buf, hdr_end, ans->len + 1);
    ans->body = buf;

    return 0;

failed:

    free(buf);
    close(fd);
    return -1;

nomem:

    fprintf(stderr, "sosctl: out of memory\n");
    return -1;
}

/* an S3 error document: "<Code>X</Code><Message>Y</Message>" */

static int
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
/* A reader of the server's JSON: objects of strings, numbers, booleans */

/* past one value (string, number, literal, object or array) */

static const char *
sosctl_json_skip(const char *p, const char *end)
{
    int  depth, in_string;

    depth = 0;
    in_string = 0;

    for ( /* void */ ; p < end; p++) {
        if (in_string) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                in_string = 0;
                if (depth == 0) {
                    return p + 1;
                }
            }
            continue;
        }

        switch (*p) {
        case '"':
            in_string = 1;
            break;
        case '{':
        case '[':
            depth++;
            break;
        case '}':
        case ']':
            if (depth == 0) {
                return p;
            }
            if (--depth == 0) {
                return p + 1;
            }
            break;
        case ',':
            if (depth == 0) {
                return p;
            }
            break;
        default:
            break;
        }
    }

    return end;
}

/* the next {...} at *p (inside an array): 1, or 0 at the end */

static int
sosctl_json_next(const char **p, const char *end, const char **obj,
    const char **obj_end)
{
    const char  *s;

    for (s = *p; s < end && *s != '{' && *s != ']'; s++) { /* void */ }

    if (s >= end || *s == ']') {
        *p = end;
        return 0;
    }

    *obj = s;
    *obj_end = sosctl_json_skip(s, end);
    *p = *obj_end;

    return 1;
}

/* the member "name" of the object at p, as text (strings unescaped) */

static int
sosctl_json_get(const char *p, const char *end, const char *name,
    char *out, size_t size)
{
    int          depth;
    size_t       n, len;
    unsigned     u;
    const char  *v, *vend;

    len = strlen(name);
    depth = 0;
    out[0] = '\0';

    for ( /* void */ ; p < end; p++) {
        if (*p == '{' || *p == '[') {
            depth++;
            continue;
        }

        if (*p == '}' || *p == ']') {
            depth--;
            continue;
        }

        if (*p != '"') {
            continue;
        }

        v = sosctl_json_skip(p, end);          /* past the string */

        if (depth != 1 || (size_t) (v - p) != len + 2
            || strncmp(p + 1, name, len) != 0 || v >= end || *v != ':')
        {
            /* another member's name or value: skip the value too */
            if (v < end && *v == ':') {
                v = sosctl_json_skip(v + 1, end);
            }
            p = v - 1;
            continue;
        }

        v++;
        vend = sosctl_json_skip(v, end);
        n = 0;

        if (*v != '"') {
            while (v < vend && n + 1 < size) {
                out[n++] = *v++;
            }
            out[n] = '\0';
            return 1;
        }

        for (v++; v < vend - 1 && n + 1 < size; v++) {
            if (*v != '\\') {
                out[n++] = *v;
                continue;
            }

            v++;

            switch (*v) {
            case 'n': out[n++] = '\n'; break;
            case 't': out[n++] = '\t'; break;
            case 'r': out[n++] = '\r'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'u':
                if (vend - v > 4 && sscanf(v + 1, "%4x", &u) == 1) {
                    out[n++] = (u < 0x80) ? (char) u : '?';
                    v += 4;
                }
                break;
            default: out[n++] = *v; break;
            }
        }

        out[n] = '\0';
        return 1;
    }

    return 0;
}

static void
sosctl_admin_org_print(const char *p, const char *end)
{
    char  id[80], name[256], email[512], created[64], t[64];

    sosctl_json_get(p, end, "id", id, sizeof(id));
    sosctl_json_get(p, end, "name", name, sizeof(name));
    sosctl_json_get(p, end, "email", email, sizeof(email));
    sosctl_json_get(p, end, "created", created, sizeof(created));
    sosctl_time(strtoll(created, NULL, 10), t, sizeof(t));

    printf("id:       %s\n", id);
    printf("name:     %s\n", name);
    printf("email:    %s\n", email);
    printf("created:  %s\n", t);
}

static void
sosctl_admin_org_line(const char *p, const char *end)
{
    char  id[80], name[256], email[512], created[64], t[64];

    sosctl_json_get(p, end, "id", id, sizeof(id));
    sosctl_json_get(p, end, "name", name, sizeof(name));
    sosctl_json_get(p, end, "email", email, sizeof(email));
    sosctl_json_get(p, end, "created", created, sizeof(created));
    sosctl_time(strtoll(created, NULL, 10), t, sizeof(t));

    printf("%s  %-20s  %-20s  %s\n", id, name, email[0] ? email : "-", t);
}

static void
sosctl_admin_key_line(const char *p, const char *end)
{
    char  id[64], admin[16], created[64], t[64];

    sosctl_json_get(p, end, "access_key_id", id, sizeof(id));
    sosctl_json_get(p, end, "admin", admin, sizeof(admin));
    sosctl_json_get(p, end, "created", created, sizeof(created));
    sosctl_time(strtoll(created, NULL, 10), t, sizeof(t));

    printf("%-20s  %-5s  %s\n", id, strcmp(admin, "true") == 0 ? "yes" : "no",
           t);
}

/* ------------------------------------------------------------------ */
/* Commands                                                           */

int
sosctl_admin_org(sosctl_t *ctl, int argc, char **argv)
{
    int              rc;
    char            *q, *seg, name[256], id[80];
    const char      *sub, *email, *p, *end, *obj, *obj_end;
    sosctl_answer_t  ans;

    if (argc < 1) {
        return sosctl_usage("org needs a subcommand");
    }

    sub = argv[0];

    if (strcmp(sub, "create") == 0) {
        email = "";

        if (argc == 4 && strcmp(argv[2], "--email") == 0) {
            email = argv[3];

        } else if (argc != 2) {
            return sosctl_usage("usage: org create NAME [--email ADDR]");
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

        sosctl_admin_org_print(ans.body, ans.body + ans.len);
        free(ans.body);
        return SOSCTL_OK;
    }

    if (strcmp(sub, "list") == 0) {
        if (argc != 1) {
            return sosctl_usage("usage: org list");
        }

        if (sosctl_admin_call(ctl, "GET", "orgs", NULL, &ans) != 0) {
            return SOSCTL_FAIL;
        }

        if (ans.status != 200) {
            return sosctl_admin_error(ctl, "cannot list organizations", &ans);
        }

        printf("%-64s  %-20s  %-20s  %s\n", "ID", "NAME", "EMAIL", "CREATED");

        p = strchr(ans.body, '[');
        end = ans.body + ans.len;

        while (p && sosctl_json_next(&p, end, &obj, &obj_end)) {
            sosctl_admin_org_line(obj, obj_end);
        }

        free(ans.body);
        return SOSCTL_OK;
    }

    if (strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0) {
        if (argc != 2) {
            return sosctl_usage("usage: org %s NAME|ID", sub);
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

        if (sub[0] == 's') {
            sosctl_admin_org_print(ans.body, ans.body + ans.len);

        } else {
            sosctl_json_get(ans.body, ans.body + ans.len, "name", name,
                            sizeof(name));
            sosctl_json_get(ans.body, ans.body + ans.len, "id", id,
                            sizeof(id));
            printf("deleted organization %s (%s)\n", name, id);
        }

        free(ans.body);
        return SOSCTL_OK;
    }

    return sosctl_usage("unknown org subcommand \"%s\"", sub);
}

int
sosctl_admin_key(sosctl_t *ctl, int argc, char **argv)
{
    int              rc, admin;
    char            *q, *seg, name[256], id[64], secret[128];
    const char      *sub, *p, *end, *obj, *obj_end;
    sosctl_answer_t  ans;

    if (argc < 1) {
        return sosctl_usage("key needs a subcommand");
    }

    sub = argv[0];

    if (strcmp(sub, "create") == 0 || strcmp(sub, "list") == 0) {
        admin = 0;

        if (sub[0] == 'c' && argc == 3 && strcmp(argv[2], "--admin") == 0) {
            admin = 1;

        } else if (argc != 2) {
            return sosctl_usage(sub[0] == 'c'
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

        if (sub[0] == 'l') {
            if (ans.status != 200) {
                return sosctl_admin_error(ctl, "cannot list keys", &ans);
            }

            printf("%-20s  %-5s  %s\n", "ACCESS KEY ID", "ADMIN", "CREATED");

            p = strchr(ans.body, '[');
            end = ans.body + ans.len;

            while (p && sosctl_json_next(&p, end, &obj, &obj_end)) {
                sosctl_admin_key_line(obj, obj_end);
            }

            free(ans.body);
            return SOSCTL_OK;
        }

        if (ans.status != 201) {
            return sosctl_admin_error(ctl, "cannot create the key", &ans);
        }

        end = ans.body + ans.len;
        sosctl_json_get(ans.body, end, "org_name", name, sizeof(name));

        p = strstr(ans.body, "\"key\":");
        if (p == NULL
            || !sosctl_json_get(p + 6, sosctl_json_skip(p + 6, end),
                                "access_key_id", id, sizeof(id))
            || !sosctl_json_get(p + 6, sosctl_json_skip(p + 6, end),
                                "secret_access_key", secret, sizeof(secret)))
        {
            fprintf(stderr, "sosctl: unexpected answer: %s\n", ans.body);
            free(ans.body);
            return SOSCTL_FAIL;
        }

        /* an AWS shared-credentials block, ready to paste */

        printf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
               name, id, secret);

        memset(secret, 0, sizeof(secret));
        memset(ans.body, 0, ans.len);
        free(ans.body);
        return SOSCTL_OK;
    }

    if (strcmp(sub, "revoke") == 0) {
        if (argc != 2) {
            return sosctl_usage("usage: key revoke KEYID");
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

        printf("revoked %s\n", argv[1]);
        free(ans.body);
        return SOSCTL_OK;
    }

    return sosctl_usage("unknown key subcommand \"%s\"", sub);
}
