
/*
 * SOS: what every operation reads from a request: headers, query
 * arguments, %XX decoding, ETag lists, the region this server answers
 * for.
 */


#include "ngx_sos_module.h"


static u_char *ngx_sos_request_unescape(u_char *dst, u_char *src, size_t len,
    ngx_uint_t plus);
static ngx_uint_t ngx_sos_etag_match(u_char *p, size_t len, const char *etag,
    ngx_uint_t weak);


ngx_table_elt_t *
ngx_sos_header_find(ngx_http_request_t *r, char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/*
 * A query argument as sent, its name matched in its exact case (S3's are
 * case-sensitive, unlike ngx_http_arg()): SigV2 signs "response-*",
 * "uploadId" and the other sub-resources only in that case, so another
 * case must not reach the operation unsigned.  NGX_OK or NGX_DECLINED.
 */

ngx_int_t
ngx_sos_arg(ngx_http_request_t *r, char *name, ngx_str_t *value)
{
    u_char     *p, *end;
    size_t      len;
    ngx_str_t   arg, v;

    len = ngx_strlen(name);

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &arg, &v);

        if (v.data && arg.len == len && ngx_strncmp(arg.data, name, len) == 0)
        {
            *value = v;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/*
 * The query argument at p (before end): its name, and its value as sent
 * (data NULL: no '=').  Returns where the next one starts.
 */

u_char *
ngx_sos_arg_next(u_char *p, u_char *end, ngx_str_t *name, ngx_str_t *value)
{
    u_char  *amp, *eq;

    amp = ngx_strlchr(p, end, '&');
    if (amp == NULL) {
        amp = end;
    }

    eq = ngx_strlchr(p, amp, '=');

    name->data = p;
    name->len = (eq ? eq : amp) - p;

    if (eq) {
        value->data = eq + 1;
        value->len = amp - eq - 1;

    } else {
        ngx_str_null(value);
    }

    return amp + 1;
}


/*
 * A query argument, decoded ('+' is a space, as S3 reads a query):
 * NGX_OK, NGX_DECLINED when absent, NGX_ERROR.
 */

ngx_int_t
ngx_sos_query_arg(ngx_http_request_t *r, char *name, ngx_str_t *value)
{
    ngx_str_t  raw;

    if (ngx_sos_arg(r, name, &raw) != NGX_OK) {
        ngx_str_null(value);
        return NGX_DECLINED;
    }

    value->data = ngx_pnalloc(r->pool, raw.len + 1);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    value->len = ngx_sos_request_unescape(value->data, raw.data, raw.len, 1)
                 - value->data;

    return NGX_OK;
}


/* %XX only: in an S3 path '+' is a plus sign, not a space */

ngx_int_t
ngx_sos_uri_decode(ngx_http_request_t *r, u_char *src, size_t len,
    ngx_str_t *dst)
{
    if (ngx_strlchr(src, src + len, '%') == NULL) {
        dst->data = src;
        dst->len = len;
        return NGX_OK;
    }

    dst->data = ngx_pnalloc(r->pool, len);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    dst->len = ngx_sos_request_unescape(dst->data, src, len, 0) - dst->data;

    return NGX_OK;
}


/* %XX decoded, a '%' without two hex digits kept; plus: '+' is a space */

static u_char *
ngx_sos_request_unescape(u_char *dst, u_char *src, size_t len,
    ngx_uint_t plus)
{
    u_char     *end;
    ngx_int_t   hi, lo;

    for (end = src + len; src < end; /* void */ ) {

        if (*src == '+' && plus) {
            *dst++ = ' ';
            src++;
            continue;
        }

        if (*src == '%' && end - src >= 3) {
            hi = ngx_hextoi(src + 1, 1);
            lo = ngx_hextoi(src + 2, 1);

            if (hi != NGX_ERROR && lo != NGX_ERROR) {
                *dst++ = (u_char) (hi << 4 | lo);
                src += 3;
                continue;
            }
        }

        *dst++ = *src++;
    }

    return dst;
}


/*
 * Does an If-Match or If-None-Match list ("*", or ETags, quoted or not,
 * separated by commas) name this ETag?  As RFC 7232, which S3 follows:
 * If-Match compares strongly, so a weak "W/" entry never matches (weak
 * 0); If-None-Match weakly, "W/" ignored (weak 1).  Our ETags are strong.
 */

static ngx_uint_t
ngx_sos_etag_match(u_char *p, size_t len, const char *etag, ngx_uint_t weak)
{
    u_char     *end;
    size_t      n;
    ngx_str_t   e;

    n = ngx_strlen(etag);

    for (end = p + len; p < end; /* void */ ) {
        p = ngx_sos_header_item(p, end, &e);

        if (e.len == 1 && e.data[0] == '*') {
            return 1;
        }

        if (e.len >= 2 && e.data[0] == 'W' && e.data[1] == '/') {
            if (!weak) {
                continue;
            }

            e.data += 2;
            e.len -= 2;
        }

        if (e.len >= 2 && e.data[0] == '"' && e.data[e.len - 1] == '"') {
            e.data++;
            e.len -= 2;
        }

        if (e.len == n && ngx_strncmp(e.data, etag, n) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * S3's (RFC 7232) order: If-Match, else If-Unmodified-Since; then
 * If-None-Match, else If-Modified-Since.
 */

ngx_sos_cond_e
ngx_sos_cond_eval(ngx_sos_cond_t *c, const char *etag, time_t mtime)
{
    if (c->if_match.data) {
        if (!ngx_sos_etag_match(c->if_match.data, c->if_match.len, etag, 0))
        {
            return NGX_SOS_COND_IF_MATCH;
        }

    } else if (c->if_unmodified_since != -1
               && mtime > c->if_unmodified_since)
    {
        return NGX_SOS_COND_IF_UNMODIFIED_SINCE;
    }

    if (c->if_none_match.data) {
        if (ngx_sos_etag_match(c->if_none_match.data, c->if_none_match.len,
                               etag, 1))
        {
            return NGX_SOS_COND_NOT_MODIFIED;
        }

    } else if (c->if_modified_since != -1
               && mtime <= c->if_modified_since)
    {
        return NGX_SOS_COND_NOT_MODIFIED;
    }

    return NGX_SOS_COND_PASS;
}


/*
 * The item of a comma-separated header value at p (before end), without
 * the blanks around it.  Returns where the next one starts.
 */

u_char *
ngx_sos_header_item(u_char *p, u_char *end, ngx_str_t *item)
{
    u_char  *e;

    e = ngx_strlchr(p, end, ',');
    if (e == NULL) {
        e = end;
    }

    item->data = p;
    item->len = e - p;

    while (item->len && (item->data[0] == ' ' || item->data[0] == '\t')) {
        item->data++;
        item->len--;
    }

    while (item->len && (item->data[item->len - 1] == ' '
                         || item->data[item->len - 1] == '\t'))
    {
        item->len--;
    }

    return e + 1;
}


/* sos_region, us-east-1 when empty */

void
ngx_sos_region(ngx_http_request_t *r, ngx_str_t *region)
{
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (smcf->region.len == 0) {
        ngx_str_set(region, NGX_SOS_US_EAST_1);
        return;
    }

    *region = smcf->region;
}
