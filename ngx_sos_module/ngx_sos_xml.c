
/*
 * SOS: XML out (listings of any size, into a chain of pool buffers) and
 * XML in (small request bodies through expat, element paths only).
 */


#include "ngx_sos_xml.h"

#include <expat.h>
#include <sosproto/text.h>


typedef struct {
    XML_Parser               parser;
    ngx_sos_xml_handler_pt   handler;
    void                    *data;
    char                    *root;
    ngx_uint_t               depth;
    ngx_uint_t               seen_root;
    size_t                   plen[NGX_SOS_XML_MAX_DEPTH + 1];
    u_char                   path[NGX_SOS_XML_MAX_PATH];
    size_t                   path_len;
    u_char                  *text;
    size_t                   text_len;
    size_t                   max_text;
    ngx_sos_err_e            err;
} ngx_sos_xml_parse_t;


static u_char *ngx_sos_xml_reserve(ngx_sos_xml_out_t *x, size_t n);
static size_t ngx_sos_xml_url_len(u_char *p, size_t n);
static u_char *ngx_sos_xml_url_encode(u_char *dst, u_char *p, size_t n);
static size_t ngx_sos_xml_escape_next(u_char *src, u_char *end,
    ngx_str_t *out);
static void ngx_sos_xml_fail(ngx_sos_xml_parse_t *ps, ngx_sos_err_e err);
static void XMLCALL ngx_sos_xml_start(void *data, const XML_Char *name,
    const XML_Char **atts);
static void XMLCALL ngx_sos_xml_end(void *data, const XML_Char *name);
static void XMLCALL ngx_sos_xml_chars(void *data, const XML_Char *s,
    int len);
static void XMLCALL ngx_sos_xml_doctype(void *data,
    const XML_Char *doctype_name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset);


void
ngx_sos_xml_out_init(ngx_sos_xml_out_t *x, ngx_pool_t *pool, size_t chunk)
{
    x->pool = pool;
    x->out = NULL;
    x->last = &x->out;
    x->buf = NULL;
    x->chunk = chunk ? chunk : 4096;
    x->length = 0;
    x->failed = 0;

    ngx_sos_xml_literal(x, NGX_SOS_XML_DECL);
}


/* room for n bytes at the end of the document, or NULL */

static u_char *
ngx_sos_xml_reserve(ngx_sos_xml_out_t *x, size_t n)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (x->failed) {
        return NULL;
    }

    if (x->buf && (size_t) (x->buf->end - x->buf->last) >= n) {
        return x->buf->last;
    }

    b = ngx_create_temp_buf(x->pool, ngx_max(n, x->chunk));
    if (b == NULL) {
        x->failed = 1;
        return NULL;
    }

    cl = ngx_alloc_chain_link(x->pool);
    if (cl == NULL) {
        x->failed = 1;
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;
    *x->last = cl;
    x->last = &cl->next;
    x->buf = b;

    return b->last;
}


void
ngx_sos_xml_raw(ngx_sos_xml_out_t *x, u_char *p, size_t n)
{
    if (n == 0 || ngx_sos_xml_reserve(x, n) == NULL) {
        return;
    }

    x->buf->last = ngx_cpymem(x->buf->last, p, n);
    x->length += n;
}


void
ngx_sos_xml_text(ngx_sos_xml_out_t *x, u_char *p, size_t n)
{
    size_t   len;
    u_char  *last;

    len = ngx_sos_xml_escape_len(p, n);

    if (ngx_sos_xml_reserve(x, len) == NULL) {
        return;
    }

    last = ngx_sos_xml_escape(x->buf->last, p, n);
    x->length += last - x->buf->last;
    x->buf->last = last;
}


/*
 * As S3 writes a key in a listing without encoding-type: a control
 * character (U+0001..U+001F but tab, LF, CR) as a character reference,
 * "&#x1;", so that the key comes back byte for byte to a client that
 * reads such references (XML 1.1 parsers, or lenient ones); the rest as
 * ngx_sos_xml_text()
 */

void
ngx_sos_xml_text_refs(ngx_sos_xml_out_t *x, u_char *p, size_t n)
{
    u_char  *q, *end, *last, ref[sizeof("&#x1F;")];

    end = p + n;

    for (q = p; q < end; q++) {
        if (*q == 0 || *q >= 0x20 || *q == '\t' || *q == '\n' || *q == '\r')
        {
            continue;
        }

        ngx_sos_xml_text(x, p, q - p);

        last = ngx_sprintf(ref, "&#x%Xd;", (ngx_uint_t) *q);
        ngx_sos_xml_raw(x, ref, last - ref);

        p = q + 1;
    }

    ngx_sos_xml_text(x, p, end - p);
}


/*
 * XML text: escape the five special characters, and CR as a character
 * reference, which a parser returns as it is (it turns a literal CR or
 * CRLF into LF; tab and LF come back as they are); what XML 1.0 cannot
 * carry (the other controls, a byte that starts no valid UTF-8 sequence)
 * becomes U+FFFD, so a response is always well-formed whatever a client
 * sent or an older store holds
 */

size_t
ngx_sos_xml_escape_len(u_char *src, size_t size)
{
    u_char     *end;
    size_t      len;
    ngx_str_t   out;

    len = 0;

    for (end = src + size; src < end; /* void */ ) {
        src += ngx_sos_xml_escape_next(src, end, &out);
        len += out.len;
    }

    return len;
}


u_char *
ngx_sos_xml_escape(u_char *dst, u_char *src, size_t size)
{
    u_char     *end;
    ngx_str_t   out;

    for (end = src + size; src < end; /* void */ ) {
        src += ngx_sos_xml_escape_next(src, end, &out);
        dst = ngx_cpymem(dst, out.data, out.len);
    }

    return dst;
}


/* what one character at src becomes in XML text; returns its length */

static size_t
ngx_sos_xml_escape_next(u_char *src, u_char *end, ngx_str_t *out)
{
    size_t  n;

    static ngx_str_t  lt = ngx_string("&lt;");
    static ngx_str_t  gt = ngx_string("&gt;");
    static ngx_str_t  amp = ngx_string("&amp;");
    static ngx_str_t  quot = ngx_string("&quot;");
    static ngx_str_t  apos = ngx_string("&apos;");
    static ngx_str_t  cr = ngx_string("&#xD;");
    static ngx_str_t  bad = ngx_string("&#xFFFD;");

    switch (*src) {

    case '<':
        *out = lt;
        return 1;

    case '>':
        *out = gt;
        return 1;

    case '&':
        *out = amp;
        return 1;

    case '"':
        *out = quot;
        return 1;

    case '\'':
        *out = apos;
        return 1;

    case '\r':
        *out = cr;
        return 1;
    }

    if (*src >= 0x80) {
        n = sos_utf8_len(src, end);

    } else if (*src < 0x20 && *src != '\t' && *src != '\n') {
        n = 0;

    } else {
        n = 1;
    }

    if (n == 0) {
        *out = bad;
        return 1;
    }

    out->data = src;
    out->len = n;

    return n;
}


/*
 * S3's encoding-type=url: what is not unreserved becomes %XX, and '/'
 * stays as it is (a space is %20, never '+', so "a b" and "a+b" differ)
 */

static uint32_t  ngx_sos_url_safe[] = {
    0x00000000, /* control */
                /* ?>=< ;:98 7654 3210  /.-, +*)( '&%$ #"!  */
    0x03ffe000, /* 0000 0011 1111 1111  1110 0000 0000 0000 */
                /* _^]\ [ZYX WVUT SRQP  ONML KJIH GFED CBA@ */
    0x87fffffe, /* 1000 0111 1111 1111  1111 1111 1111 1110 */
                /*  ~}| {zyx wvut srqp  onml kjih gfed cba` */
    0x47fffffe, /* 0100 0111 1111 1111  1111 1111 1111 1110 */
    0x00000000,
    0x00000000,
    0x00000000,
    0x00000000
};


/* the length of the URL encoding of p */

static size_t
ngx_sos_xml_url_len(u_char *p, size_t n)
{
    size_t  len;

    len = n;

    while (n--) {
        if (!(ngx_sos_url_safe[*p >> 5] & (1U << (*p & 0x1f)))) {
            len += 2;
        }
        p++;
    }

    return len;
}


static u_char *
ngx_sos_xml_url_encode(u_char *dst, u_char *p, size_t n)
{
    static u_char  hex[] = "0123456789ABCDEF";

    while (n--) {
        if (ngx_sos_url_safe[*p >> 5] & (1U << (*p & 0x1f))) {
            *dst++ = *p++;
            continue;
        }

        *dst++ = '%';
        *dst++ = hex[*p >> 4];
        *dst++ = hex[*p & 0xf];
        p++;
    }

    return dst;
}


void
ngx_sos_xml_text_url(ngx_sos_xml_out_t *x, u_char *p, size_t n)
{
    size_t   len;
    u_char  *last;

    len = ngx_sos_xml_url_len(p, n);

    if (ngx_sos_xml_reserve(x, len) == NULL) {
        return;
    }

    last = ngx_sos_xml_url_encode(x->buf->last, p, n);
    x->length += last - x->buf->last;
    x->buf->last = last;
}


void
ngx_sos_xml_element(ngx_sos_xml_out_t *x, char *name, u_char *p, size_t n,
    ngx_uint_t url)
{
    size_t  len;

    len = ngx_strlen(name);

    ngx_sos_xml_literal(x, "<");
    ngx_sos_xml_raw(x, (u_char *) name, len);
    ngx_sos_xml_literal(x, ">");

    if (url == NGX_SOS_XML_REFS) {
        ngx_sos_xml_text_refs(x, p, n);

    } else if (url) {
        ngx_sos_xml_text_url(x, p, n);

    } else {
        ngx_sos_xml_text(x, p, n);
    }

    ngx_sos_xml_literal(x, "</");
    ngx_sos_xml_raw(x, (u_char *) name, len);
    ngx_sos_xml_literal(x, ">");
}


void
ngx_sos_xml_element_uint(ngx_sos_xml_out_t *x, char *name, uint64_t value)
{
    u_char  *last, buf[NGX_INT64_LEN];

    last = ngx_sprintf(buf, "%uL", value);
    ngx_sos_xml_element(x, name, buf, last - buf, 0);
}


void
ngx_sos_xml_element_time(ngx_sos_xml_out_t *x, char *name, time_t sec,
    ngx_uint_t nsec)
{
    u_char    *last, buf[NGX_SOS_ISO8601_LEN + 1];
    ngx_tm_t   tm;

    ngx_gmtime(sec, &tm);

    last = ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02d.%03uiZ",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                       (nsec / 1000000) % 1000);

    ngx_sos_xml_element(x, name, buf, last - buf, 0);
}


void
ngx_sos_xml_element_etag(ngx_sos_xml_out_t *x, char *etag)
{
    ngx_sos_xml_literal(x, "<ETag>&quot;");
    ngx_sos_xml_text(x, (u_char *) etag, ngx_strlen(etag));
    ngx_sos_xml_literal(x, "&quot;</ETag>");
}


ngx_int_t
ngx_sos_xml_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_sos_xml_out_t *x)
{
    if (x->failed || x->out == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    return ngx_sos_send(r, status, "application/xml", x->out, x->length);
}


/* parsing */

ngx_sos_err_e
ngx_sos_xml_parse(ngx_pool_t *pool, ngx_str_t *body, char *root,
    size_t max_text, ngx_sos_xml_handler_pt handler, void *data)
{
    XML_Parser           parser;
    ngx_sos_xml_parse_t  ps;

    if (body->len == 0 || body->len > INT_MAX) {
        return NGX_SOS_ERR_MALFORMED_XML;
    }

    ngx_memzero(&ps, sizeof(ngx_sos_xml_parse_t));

    ps.handler = handler;
    ps.data = data;
    ps.root = root;
    ps.max_text = max_text;
    ps.err = NGX_SOS_OK;

    ps.text = ngx_pnalloc(pool, max_text + 1);
    if (ps.text == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    /* names arrive as "namespace|local": any namespace (or none) will do */
    parser = XML_ParserCreateNS(NULL, '|');
    if (parser == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ps.parser = parser;

    XML_SetUserData(parser, &ps);
    XML_SetElementHandler(parser, ngx_sos_xml_start, ngx_sos_xml_end);
    XML_SetCharacterDataHandler(parser, ngx_sos_xml_chars);
    XML_SetStartDoctypeDeclHandler(parser, ngx_sos_xml_doctype);

    if (XML_Parse(parser, (const char *) body->data, (int) body->len, 1)
        != XML_STATUS_OK)
    {
        if (ps.err == NGX_SOS_OK) {
            ps.err = NGX_SOS_ERR_MALFORMED_XML;
        }
    }

    XML_ParserFree(parser);

    if (ps.err == NGX_SOS_OK && !ps.seen_root) {
        ps.err = NGX_SOS_ERR_MALFORMED_XML;
    }

    return ps.err;
}


static void
ngx_sos_xml_fail(ngx_sos_xml_parse_t *ps, ngx_sos_err_e err)
{
    if (ps->err == NGX_SOS_OK) {
        ps->err = err;
    }

    XML_StopParser(ps->parser, XML_FALSE);
}


static void XMLCALL
ngx_sos_xml_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    ngx_sos_xml_parse_t  *ps = data;

    size_t      len;
    ngx_str_t   path;
    const char *local;

    if (ps->err != NGX_SOS_OK) {
        return;
    }

    local = strrchr(name, '|');
    local = local ? local + 1 : name;
    len = ngx_strlen(local);

    ps->text_len = 0;

    if (ps->depth == 0) {
        if (ngx_strcmp(local, ps->root) != 0) {
            ngx_sos_xml_fail(ps, NGX_SOS_ERR_MALFORMED_XML);
            return;
        }

        ps->seen_root = 1;
        ps->depth = 1;
        ps->path_len = 0;
        ps->plen[1] = 0;
        return;
    }

    if (ps->depth >= NGX_SOS_XML_MAX_DEPTH
        || ps->path_len + 1 + len > NGX_SOS_XML_MAX_PATH)
    {
        ngx_sos_xml_fail(ps, NGX_SOS_ERR_MALFORMED_XML);
        return;
    }

    if (ps->depth > 1) {
        ps->path[ps->path_len++] = '/';
    }

    ngx_memcpy(ps->path + ps->path_len, local, len);
    ps->path_len += len;
    ps->depth++;
    ps->plen[ps->depth] = ps->path_len;

    path.data = ps->path;
    path.len = ps->path_len;

    if (ps->handler(ps->data, &path, NULL) != NGX_OK) {
        ngx_sos_xml_fail(ps, NGX_SOS_ERR_MALFORMED_XML);
    }
}


static void XMLCALL
ngx_sos_xml_end(void *data, const XML_Char *name)
{
    ngx_sos_xml_parse_t  *ps = data;

    ngx_str_t  path, text;

    if (ps->err != NGX_SOS_OK) {
        return;
    }

    if (ps->depth > 1) {
        path.data = ps->path;
        path.len = ps->path_len;
        text.data = ps->text;
        text.len = ps->text_len;

        if (ps->handler(ps->data, &path, &text) != NGX_OK) {
            ngx_sos_xml_fail(ps, NGX_SOS_ERR_MALFORMED_XML);
            return;
        }

        /* back to the parent's path, without its '/' */
        ps->depth--;
        ps->path_len = ps->plen[ps->depth];

    } else {
        ps->depth = 0;
    }

    ps->text_len = 0;
}


static void XMLCALL
ngx_sos_xml_chars(void *data, const XML_Char *s, int len)
{
    ngx_sos_xml_parse_t  *ps = data;

    if (ps->err != NGX_SOS_OK) {
        return;
    }

    if (ps->text_len + len > ps->max_text) {
        ngx_sos_xml_fail(ps, NGX_SOS_ERR_MALFORMED_XML);
        return;
    }

    ngx_memcpy(ps->text + ps->text_len, s, len);
    ps->text_len += len;
}


/* no DTD: no entity expansion games with a request body */

static void XMLCALL
ngx_sos_xml_doctype(void *data, const XML_Char *doctype_name,
    const XML_Char *sysid, const XML_Char *pubid, int has_internal_subset)
{
    ngx_sos_xml_fail(data, NGX_SOS_ERR_MALFORMED_XML);
}


void
ngx_sos_xml_trim(ngx_str_t *text)
{
    while (text->len
           && (text->data[0] == ' ' || text->data[0] == '\t'
               || text->data[0] == '\r' || text->data[0] == '\n'))
    {
        text->data++;
        text->len--;
    }

    while (text->len
           && (text->data[text->len - 1] == ' '
               || text->data[text->len - 1] == '\t'
               || text->data[text->len - 1] == '\r'
               || text->data[text->len - 1] == '\n'))
    {
        text->len--;
    }
}


ngx_int_t
ngx_sos_xml_bool(ngx_str_t *text, ngx_uint_t *value)
{
    ngx_str_t  t;

    t = *text;
    ngx_sos_xml_trim(&t);

    if ((t.len == 4 && ngx_strncmp(t.data, "true", 4) == 0)
        || (t.len == 1 && t.data[0] == '1'))
    {
        *value = 1;
        return NGX_OK;
    }

    if ((t.len == 5 && ngx_strncmp(t.data, "false", 5) == 0)
        || (t.len == 1 && t.data[0] == '0'))
    {
        *value = 0;
        return NGX_OK;
    }

    return NGX_DECLINED;
}
