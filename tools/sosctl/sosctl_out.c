/*
 * sosctl: what every command prints with.  A command that prints data
 * builds one JSON document, from the admin API's answer or from the
 * store alike, and hands it to sosctl_emit: with --json the document is
 * printed as it is (the same fields online and offline), else the
 * command's printer makes a table of it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <sosproto/text.h>

#include "sosctl.h"


static void sosctl_printable_json(json_t *j);


int
sosctl_emit(sosctl_t *ctl, json_t *doc, sosctl_print_pt print)
{
    if (doc == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return SOSCTL_FAIL;
    }

    if (ctl->json) {
        if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
            != 0)
        {
            json_decref(doc);
            fprintf(stderr, "sosctl: cannot write the JSON\n");
            return SOSCTL_FAIL;
        }

        fputc('\n', stdout);

    } else {
        sosctl_printable_json(doc);
        print(doc);
    }

    json_decref(doc);

    return SOSCTL_OK;
}


/*
 * A string from the server or the store made safe for a terminal, in
 * place: a control character (C0, DEL, or C1 as UTF-8) becomes '?', so
 * that a key or a name cannot start an escape sequence.  Returns the new
 * length; --json keeps the exact strings.
 */

size_t
sosctl_printable(char *s, size_t len)
{
    unsigned char  *p, *d, *end;

    p = (unsigned char *) s;
    d = p;
    end = p + len;

    while (p < end) {
        if (*p < 0x20 || *p == 0x7f) {
            *d++ = '?';
            p++;

        } else if (*p == 0xc2 && end - p >= 2 && p[1] >= 0x80
                   && p[1] <= 0x9f)
        {
            *d++ = '?';
            p += 2;

        } else {
            *d++ = *p++;
        }
    }

    return (size_t) (d - (unsigned char *) s);
}


/* every string of a document printable, for the tables */

static void
sosctl_printable_json(json_t *j)
{
    char        *s;
    size_t       i, len, n;
    json_t      *v;
    const char  *k;

    if (json_is_object(j)) {
        json_object_foreach(j, k, v) {
            sosctl_printable_json(v);
        }

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            sosctl_printable_json(v);
        }

    } else if (json_is_string(j)) {
        len = json_string_length(j);

        s = malloc(len + 1);
        if (s == NULL) {
            json_string_set(j, "?");
            return;
        }

        memcpy(s, json_string_value(j), len);
        n = sosctl_printable(s, len);

        /* a string left as it was is not replaced (nor its copy kept) */
        if (n != len || memcmp(s, json_string_value(j), len) != 0) {
            json_string_setn(j, s, n);
        }

        memset(s, 0, len);
        free(s);
    }
}


/* 1.2 GiB: binary units, one decimal past bytes */

void
sosctl_size(uint64_t bytes, char *buf, size_t size)
{
    static const char  *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double              v = (double) bytes;
    unsigned            u = 0;

    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }

    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}


/*
 * A key (any bytes) as a JSON string, as the server sends it: a byte
 * that starts no UTF-8 character is the character U+00XX
 */

json_t *
sosctl_json_key(const char *s, size_t len)
{
    char                 *buf, *d;
    size_t                n;
    json_t               *j;
    const unsigned char  *p, *end;

    buf = malloc(2 * len + 1);
    if (buf == NULL) {
        return NULL;
    }

    d = buf;
    p = (const unsigned char *) s;
    end = p + len;

    while (p < end) {
        n = *p >= 0x80 ? sos_utf8_len(p, end) : 1;

        if (n) {
            memcpy(d, p, n);
            d += n;
            p += n;
            continue;
        }

        *d++ = (char) (0xc0 | (*p >> 6));
        *d++ = (char) (0x80 | (*p++ & 0x3f));
    }

    j = json_stringn(buf, (size_t) (d - buf));
    free(buf);

    return j;
}


/* the members that tables read */

const char *
sosctl_jstr(json_t *obj, const char *name)
{
    const char  *s;

    s = json_string_value(json_object_get(obj, name));

    return s ? s : "";
}


uint64_t
sosctl_jnum(json_t *obj, const char *name)
{
    json_int_t  v;

    v = json_integer_value(json_object_get(obj, name));

    return v > 0 ? (uint64_t) v : 0;
}


/* 2026-12-02 03:09 (UTC) for tables */

void
sosctl_date(int64_t t, char *buf, size_t size)
{
    time_t     tt = (time_t) t;
    struct tm  tm;

    if (gmtime_r(&tt, &tm) == NULL
        || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
    {
        snprintf(buf, size, "%lld", (long long) t);
    }
}


/*
 * The summary of an ACL blob, as the server's admin API gives it
 * (ngx_sos_admin_usage.c): 'A' 1 n, then n grants of (type, permission
 * [, 64-byte id]); an empty or unreadable blob is private.
 */

#define SOSCTL_GRANTEE_USER        1
#define SOSCTL_GRANTEE_ALL_USERS   2
#define SOSCTL_GRANTEE_AUTH_USERS  3
#define SOSCTL_ACL_READ            0x01
#define SOSCTL_ACL_WRITE           0x02
#define SOSCTL_ACL_FULL_CONTROL    0x0f

json_t *
sosctl_acl_summary(const unsigned char *blob, size_t len, const char *owner)
{
    unsigned              type, perm, all, auth, others, n, i;
    const char           *summary;
    const unsigned char  *p, *end;

    all = 0;
    auth = 0;
    others = 0;
    n = 1;

    if (len >= 3 && blob[0] == 'A' && blob[1] == 1) {
        p = blob + 3;
        end = blob + len;
        n = 0;

        for (i = 0; i < blob[2] && i < 100 && end - p >= 2; i++) {
            type = *p++;
            perm = *p++;

            if (type == SOSCTL_GRANTEE_ALL_USERS) {
                all |= perm;

            } else if (type == SOSCTL_GRANTEE_AUTH_USERS) {
                auth |= perm;

            } else if (type == SOSCTL_GRANTEE_USER) {
                if (end - p < SOS_ID_LEN) {
                    break;
                }

                if (perm != SOSCTL_ACL_FULL_CONTROL
                    || memcmp(p, owner, SOS_ID_LEN) != 0)
                {
                    others++;
                }

                p += SOS_ID_LEN;

            } else {
                others++;
            }

            n++;
        }
    }

    if (others || (all & ~(SOSCTL_ACL_READ | SOSCTL_ACL_WRITE))
        || (auth & ~SOSCTL_ACL_READ) || (all && auth))
    {
        summary = "custom";

    } else if (all == (SOSCTL_ACL_READ | SOSCTL_ACL_WRITE)) {
        summary = "public-read-write";

    } else if (all == SOSCTL_ACL_READ) {
        summary = "public-read";

    } else if (auth == SOSCTL_ACL_READ) {
        summary = "authenticated-read";

    } else if (all == 0) {
        summary = "private";

    } else {
        summary = "custom";
    }

    return json_pack("{s:s, s:I, s:b, s:b}", "summary", summary,
                     "grants", (json_int_t) n,
                     "public_read", (all & SOSCTL_ACL_READ) != 0,
                     "public_write", (all & SOSCTL_ACL_WRITE) != 0);
}
