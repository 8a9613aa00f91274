
/*
 * SOS: what may enter the store.
 *
 * Object keys: every key a request can create must be one that a later
 * request can name again and that an XML listing can carry exactly, so
 * a key is valid UTF-8 without NUL and without the C0 controls XML 1.0
 * cannot hold (TAB, LF and CR stay allowed: listings write them as
 * character references).
 *
 * Header values: what a response will carry as a header (Content-Type,
 * Cache-Control, x-amz-meta-*, response-* overrides) has no control
 * character other than TAB, so no value can split or forge a response.
 * UTF-8 and other bytes above 0x7f stay allowed, as S3 allows them.
 */


#include "ngx_sos_module.h"

#include <sosproto/text.h>


static ngx_uint_t ngx_sos_check_token(u_char *p, size_t len);


/* RFC 9110 tchar: the bytes of a header name */

static uint32_t  ngx_sos_check_tchar[] = {
    0x00000000, /* control */
                /* ?>=< ;:98 7654 3210  /.-, +*)( '&%$ #"!  */
    0x03ff6cfa, /* 0000 0011 1111 1111  0110 1100 1111 1010 */
                /* _^]\ [ZYX WVUT SRQP  ONML KJIH GFED CBA@ */
    0xc7fffffe, /* 1100 0111 1111 1111  1111 1111 1111 1110 */
                /*  ~}| {zyx wvut srqp  onml kjih gfed cba` */
    0x57ffffff, /* 0101 0111 1111 1111  1111 1111 1111 1111 */
    0x00000000,
    0x00000000,
    0x00000000,
    0x00000000
};


ngx_int_t
ngx_sos_check_key(u_char *p, size_t len)
{
    u_char  *end;
    size_t   n;

    end = p + len;

    while (p < end) {

        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
                return NGX_DECLINED;
            }

            p++;
            continue;
        }

        n = sos_utf8_len(p, end);

        if (n == 0) {
            return NGX_DECLINED;
        }

        p += n;
    }

    return NGX_OK;
}


ngx_int_t
ngx_sos_check_value(u_char *p, size_t len)
{
    u_char  *end;

    for (end = p + len; p < end; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_sos_check_token(u_char *p, size_t len)
{
    u_char  *end;

    if (len == 0) {
        return 0;
    }

    for (end = p + len; p < end; p++) {
        if (!(ngx_sos_check_tchar[*p >> 5] & (1U << (*p & 0x1f)))) {
            return 0;
        }
    }

    return 1;
}


char *
ngx_sos_check_attrs(sos_attrs_t *a)
{
    size_t  i;

#define ngx_sos_check_attr(field, name)                                       \
    if (ngx_sos_check_value((u_char *) a->field.data, a->field.len)           \
        != NGX_OK)                                                            \
    {                                                                         \
        return name;                                                          \
    }

    ngx_sos_check_attr(content_type, "Content-Type");
    ngx_sos_check_attr(cache_control, "Cache-Control");
    ngx_sos_check_attr(content_disposition, "Content-Disposition");
    ngx_sos_check_attr(content_encoding, "Content-Encoding");
    ngx_sos_check_attr(content_language, "Content-Language");
    ngx_sos_check_attr(expires, "Expires");
    ngx_sos_check_attr(website_redirect, "x-amz-website-redirect-location");

#undef ngx_sos_check_attr

    for (i = 0; i < a->n_user_meta; i++) {
        if (!ngx_sos_check_token((u_char *) a->user_meta[i].name.data,
                                 a->user_meta[i].name.len)
            || ngx_sos_check_value((u_char *) a->user_meta[i].value.data,
                                   a->user_meta[i].value.len)
               != NGX_OK)
        {
            return "x-amz-meta-*";
        }
    }

    return NULL;
}


/* S3's limit on x-amz-website-redirect-location */
#define NGX_SOS_REDIRECT_MAX  2048


ngx_uint_t
ngx_sos_check_redirect(u_char *p, size_t len)
{
    if (len == 0 || len > NGX_SOS_REDIRECT_MAX
        || ngx_sos_check_value(p, len) != NGX_OK)
    {
        return 0;
    }

    return p[0] == '/'
           || (len > sizeof("http://") - 1
               && ngx_strncmp(p, "http://", sizeof("http://") - 1) == 0)
           || (len > sizeof("https://") - 1
               && ngx_strncmp(p, "https://", sizeof("https://") - 1) == 0);
}


ngx_sos_err_e
ngx_sos_check_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *name)
{
    u_char  *p;
    size_t   len;

    len = sizeof("Header value of  contains a control character.")
          + ngx_strlen(name);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = p;
    ctx->error_message.len = ngx_sprintf(p, "Header value of %s contains "
                                         "a control character.", name)
                             - p;

    return NGX_SOS_ERR_INVALID_ARGUMENT;
}
