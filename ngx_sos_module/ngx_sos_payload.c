
/*
 * SOS: the request body as the client protected it.
 *
 * create() reads the body headers in the event loop and allocates all;
 * feed() and finish() may run in a pool thread, so they use no pool and
 * no log: errors name static messages, or text formatted into the
 * decoder's own buffer, through ctx->error_message / ctx->error_extra.
 *
 * aws-chunked is decoded by a resumable state machine (the shape of
 * ngx_http_parse_chunked): "<hex size>[;chunk-signature=<sig>]\r\n"
 * <data> "\r\n" ..., a zero-size chunk, then trailer lines and an empty
 * line.  The framing never reaches the sink: bytes out are bytes in.
 */


#include "ngx_sos_op.h"
#include <sosproto/checksum.h>
#include <ngx_md5.h>
#include <sosproto/sigv4.h>

#include <openssl/crypto.h>


#define NGX_SOS_PAYLOAD_LINE     256     /* chunk header or trailer line */
#define NGX_SOS_PAYLOAD_TRAILER  512     /* canonical trailer lines */


typedef enum {
    ngx_sos_pl_line = 0,                 /* a chunk header line */
    ngx_sos_pl_data,
    ngx_sos_pl_data_cr,
    ngx_sos_pl_data_lf,
    ngx_sos_pl_trailer,                  /* trailer lines, empty ends */
    ngx_sos_pl_done
} ngx_sos_payload_state_e;


struct ngx_sos_payload_s {
    ngx_sos_ctx_t              *ctx;
    ngx_sos_payload_mode_e      mode;

    unsigned                    chunked:1;
    unsigned                    signed_chunks:1;
    unsigned                    trailer:1;
    unsigned                    last_chunk:1;
    unsigned                    md5:1;
    unsigned                    checksum_given:1;    /* header or trailer */
    unsigned                    checksum_in_trailer:1;
    unsigned                    trailer_signature:1;
    unsigned                    finished:1;

    off_t                       length;      /* decoded, -1: unknown */
    off_t                       received;    /* decoded bytes */

    /* framing */
    ngx_sos_payload_state_e     state;
    u_char                      line[NGX_SOS_PAYLOAD_LINE];
    size_t                      line_len;
    off_t                       chunk_left;
    SHA256_CTX                  chunk_sha;
    char                        chunk_sig[64];
    char                        prev_sig[64];
    u_char                      trailer_lines[NGX_SOS_PAYLOAD_TRAILER];
    size_t                      trailer_len;
    char                        trailer_sig[64];

    /* what chunk signatures chain from */
    u_char                      key[32];
    u_char                      amz_date[SOS_SIGV4_DATE_LEN];
    u_char                      scope[128];
    size_t                      scope_len;

    /* hashes of the decoded bytes */
    SHA256_CTX                  sha;
    ngx_md5_t                   md5_ctx;
    u_char                      md5_expected[16];
    sos_checksum_t              checksum;
    u_char                      checksum_expected[SOS_CHECKSUM_MAX_SIZE];
    u_char                      checksum_b64[SOS_CHECKSUM_MAX_B64 + 1];
    size_t                      checksum_b64_len;

    /* error text, written in the thread */
    u_char                      message[160];
    u_char                      extra[320];
};


static ngx_sos_err_e ngx_sos_payload_checksum_header(ngx_http_request_t *r,
    ngx_sos_payload_t *pl);
static ngx_int_t ngx_sos_payload_decode_b64(u_char *dst, size_t size,
    u_char *src, size_t len);
static ngx_sos_err_e ngx_sos_payload_data(ngx_sos_payload_t *pl, u_char *p,
    size_t n, ngx_sos_payload_sink_pt sink, void *data);
static ngx_sos_err_e ngx_sos_payload_chunk_line(ngx_sos_payload_t *pl);
static ngx_sos_err_e ngx_sos_payload_chunk_end(ngx_sos_payload_t *pl);
static ngx_sos_err_e ngx_sos_payload_trailer_line(ngx_sos_payload_t *pl);
static ngx_sos_err_e ngx_sos_payload_fail(ngx_sos_payload_t *pl,
    ngx_sos_err_e err, const char *fmt, ...);


ngx_sos_err_e
ngx_sos_payload_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t           n;
    ngx_table_elt_t    *h;
    ngx_sos_payload_t  *pl;

    sos_checksum_init();

    pl = ngx_pcalloc(r->pool, sizeof(ngx_sos_payload_t));
    if (pl == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    pl->ctx = ctx;
    pl->mode = ctx->auth.payload_mode;
    pl->length = r->headers_in.content_length_n;

    switch (pl->mode) {

    case NGX_SOS_PAYLOAD_CHUNKED_TRAILER:
        pl->trailer = 1;
        /* fall through */

    case NGX_SOS_PAYLOAD_CHUNKED:
        pl->signed_chunks = 1;
        pl->chunked = 1;
        break;

    case NGX_SOS_PAYLOAD_UNSIGNED_TRAILER:
        pl->trailer = 1;
        pl->chunked = 1;
        break;

    case NGX_SOS_PAYLOAD_SHA256:
        SHA256_Init(&pl->sha);
        break;

    default:
        break;
    }

    if (pl->chunked) {

        /* the framed length is on the wire; the object's is announced */

        h = ngx_sos_header_find(r, "x-amz-decoded-content-length");
        if (h == NULL) {
            return NGX_SOS_ERR_MISSING_CONTENT_LENGTH;
        }

        n = ngx_atoof(h->value.data, h->value.len);
        if (n == NGX_ERROR) {
            ngx_str_set(&ctx->error_message,
                        "Invalid x-amz-decoded-content-length.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        pl->length = n;
    }

    if (pl->signed_chunks) {
        if (ctx->auth.scope.len > sizeof(pl->scope)
            || ctx->auth.amz_date.len != SOS_SIGV4_DATE_LEN)
        {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        ngx_memcpy(pl->key, ctx->auth.signing_key, 32);
        ngx_memcpy(pl->prev_sig, ctx->auth.seed_signature, 64);
        ngx_memcpy(pl->amz_date, ctx->auth.amz_date.data,
                   SOS_SIGV4_DATE_LEN);
        ngx_memcpy(pl->scope, ctx->auth.scope.data, ctx->auth.scope.len);
        pl->scope_len = ctx->auth.scope.len;
    }

    /* Content-MD5: base64 of 16 bytes */

    h = ngx_sos_header_find(r, "content-md5");
    if (h) {
        if (ngx_sos_payload_decode_b64(pl->md5_expected, 16, h->value.data,
                                       h->value.len)
            != NGX_OK)
        {
            return NGX_SOS_ERR_INVALID_DIGEST;
        }

        pl->md5 = 1;
        ngx_md5_init(&pl->md5_ctx);
    }

    ctx->payload = pl;

    return ngx_sos_payload_checksum_header(r, pl);
}


ngx_sos_err_e
ngx_sos_payload_create_field(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *name, ngx_str_t *value, ngx_sos_payload_t **out)
{
    size_t               len;
    sos_checksum_alg_e   alg;
    ngx_sos_payload_t   *pl;

    sos_checksum_init();

    len = sizeof("x-amz-checksum-") - 1;

    alg = (name->len > len)
          ? sos_checksum_lookup((char *) name->data + len, name->len - len)
          : SOS_CHECKSUM_NONE;

    if (alg == SOS_CHECKSUM_NONE) {
        ngx_str_set(&ctx->error_message,
                    "The algorithm of the x-amz-checksum- field is not "
                    "supported.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    pl = ngx_pcalloc(r->pool, sizeof(ngx_sos_payload_t));
    if (pl == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    pl->ctx = ctx;
    pl->mode = NGX_SOS_PAYLOAD_UNSIGNED;
    pl->length = -1;

    if (ngx_sos_payload_decode_b64(pl->checksum_expected,
                                   sos_checksum_size(alg), value->data,
                                   value->len)
        != NGX_OK)
    {
        ctx->error_message.data = ngx_pnalloc(r->pool, 64);
        if (ctx->error_message.data == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        ctx->error_message.len = ngx_sprintf(ctx->error_message.data,
                                             "Value for %s header is "
                                             "invalid.",
                                             sos_checksum_header(alg))
                                 - ctx->error_message.data;

        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    pl->checksum_given = 1;
    sos_checksum_start(&pl->checksum, alg);

    *out = pl;

    return NGX_SOS_OK;
}


/*
 * x-amz-checksum-<alg> (one at most), or x-amz-trailer naming one that
 * comes after the body; x-amz-sdk-checksum-algorithm must agree
 */

static ngx_sos_err_e
ngx_sos_payload_checksum_header(ngx_http_request_t *r, ngx_sos_payload_t *pl)
{
    size_t                   len;
    ngx_uint_t               i;
    ngx_str_t               *msg;
    ngx_list_part_t         *part;
    ngx_table_elt_t         *h, *given, *trailer, *sdk;
    sos_checksum_alg_e       alg, sdk_alg;

    if (pl->ctx->op->flags & NGX_SOS_OP_OBJECT_SUM) {
        return NGX_SOS_OK;
    }

    msg = &pl->ctx->error_message;
    given = NULL;
    alg = SOS_CHECKSUM_NONE;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        len = sizeof("x-amz-checksum-") - 1;

        if (h[i].key.len <= len
            || ngx_strncmp(h[i].lowcase_key, "x-amz-checksum-", len) != 0)
        {
            continue;
        }

        /* x-amz-checksum-type and -algorithm are not values */

        if (h[i].key.len == sizeof("x-amz-checksum-type") - 1
            && ngx_strncmp(h[i].lowcase_key, "x-amz-checksum-type",
                           h[i].key.len) == 0)
        {
            continue;
        }

        if (given) {
            ngx_str_set(msg, "Expecting a single x-amz-checksum- header. "
                             "Multiple checksum Types are not allowed.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        alg = sos_checksum_lookup((char *) h[i].lowcase_key + len,
                                  h[i].key.len - len);
        if (alg == SOS_CHECKSUM_NONE) {
            continue;
        }

        given = &h[i];
    }

    if (given) {
        if (ngx_sos_payload_decode_b64(pl->checksum_expected,
                                       sos_checksum_size(alg),
                                       given->value.data, given->value.len)
            != NGX_OK)
        {
            (void) ngx_sos_payload_fail(pl, NGX_SOS_ERR_INVALID_REQUEST,
                                        "Value for %s header is invalid.",
                                        sos_checksum_header(alg));
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        pl->checksum_given = 1;
    }

    trailer = ngx_sos_header_find(r, "x-amz-trailer");
    if (trailer) {
        len = sizeof("x-amz-checksum-") - 1;

        if (!pl->trailer) {
            ngx_str_set(msg, "The x-amz-trailer header needs a "
                             "STREAMING-*-TRAILER x-amz-content-sha256.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        if (given || trailer->value.len <= len
            || ngx_strncasecmp(trailer->value.data,
                               (u_char *) "x-amz-checksum-", len) != 0
            || (alg = sos_checksum_lookup((char *) trailer->value.data
                                          + len,
                                          trailer->value.len - len))
               == SOS_CHECKSUM_NONE)
        {
            ngx_str_set(msg, "The value specified in the x-amz-trailer "
                             "header is not supported");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        pl->checksum_in_trailer = 1;
    }

    sdk = ngx_sos_header_find(r, "x-amz-sdk-checksum-algorithm");
    if (sdk) {
        sdk_alg = sos_checksum_lookup((char *) sdk->value.data,
                                      sdk->value.len);

        if (sdk_alg == SOS_CHECKSUM_NONE) {
            ngx_str_set(msg, "Value for x-amz-sdk-checksum-algorithm header "
                             "is invalid.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        if (alg == SOS_CHECKSUM_NONE || sdk_alg != alg) {
            ngx_str_set(msg, "x-amz-sdk-checksum-algorithm specified, but "
                             "no corresponding x-amz-checksum-* or "
                             "x-amz-trailer headers were found.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }
    }

    if (alg != SOS_CHECKSUM_NONE) {
        sos_checksum_start(&pl->checksum, alg);
    }

    return NGX_SOS_OK;
}


static ngx_int_t
ngx_sos_payload_decode_b64(u_char *dst, size_t size, u_char *src, size_t len)
{
    u_char     buf[64];
    ngx_str_t  in, out;

    /* exactly size bytes, padded base64 */

    if (len != 4 * ((size + 2) / 3) || len > 4 * sizeof(buf) / 3) {
        return NGX_ERROR;
    }

    in.data = src;
    in.len = len;
    out.data = buf;

    if (ngx_decode_base64(&out, &in) != NGX_OK || out.len != size) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst, buf, size);

    return NGX_OK;
}


off_t
ngx_sos_payload_length(ngx_sos_payload_t *pl)
{
    return pl->length;
}


void
ngx_sos_payload_checksum(ngx_sos_payload_t *pl, ngx_str_t *algorithm,
    ngx_str_t *value)
{
    if (pl == NULL || pl->checksum.alg == SOS_CHECKSUM_NONE
        || !pl->finished)
    {
        ngx_str_null(algorithm);
        ngx_str_null(value);
        return;
    }

    algorithm->data = (u_char *) sos_checksum_name(pl->checksum.alg);
    algorithm->len = ngx_strlen(algorithm->data);
    value->data = pl->checksum_b64;
    value->len = pl->checksum_b64_len;
}


ngx_sos_err_e
ngx_sos_payload_feed(ngx_sos_payload_t *pl, u_char *p, size_t n,
    ngx_sos_payload_sink_pt sink, void *data)
{
    u_char          ch, *end;
    size_t          size;
    ngx_sos_err_e   err;

    if (!pl->chunked) {
        return ngx_sos_payload_data(pl, p, n, sink, data);
    }

    end = p + n;

    while (p < end) {

        switch (pl->state) {

        case ngx_sos_pl_line:
        case ngx_sos_pl_trailer:
            ch = *p++;

            if (ch != LF) {
                if (pl->line_len == NGX_SOS_PAYLOAD_LINE) {
                    return ngx_sos_payload_fail(pl,
                                               NGX_SOS_ERR_INCOMPLETE_BODY,
                                               "The aws-chunked %s line is "
                                               "too long.",
                                               pl->state == ngx_sos_pl_line
                                               ? "chunk header" : "trailer");
                }

                pl->line[pl->line_len++] = ch;
                break;
            }

            if (pl->line_len && pl->line[pl->line_len - 1] == CR) {
                pl->line_len--;
            }

            err = (pl->state == ngx_sos_pl_line)
                  ? ngx_sos_payload_chunk_line(pl)
                  : ngx_sos_payload_trailer_line(pl);

            pl->line_len = 0;

            if (err != NGX_SOS_OK) {
                return err;
            }

            break;

        case ngx_sos_pl_data:
            size = ngx_min((off_t) (end - p), pl->chunk_left);

            if (pl->signed_chunks) {
                SHA256_Update(&pl->chunk_sha, p, size);
            }

            err = ngx_sos_payload_data(pl, p, size, sink, data);
            if (err != NGX_SOS_OK) {
                return err;
            }

            p += size;
            pl->chunk_left -= size;

            if (pl->chunk_left == 0) {
                pl->state = ngx_sos_pl_data_cr;
            }

            break;

        case ngx_sos_pl_data_cr:
        case ngx_sos_pl_data_lf:
            ch = *p++;

            if (ch != (pl->state == ngx_sos_pl_data_cr ? CR : LF)) {
                return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                            "An aws-chunked chunk is not "
                                            "followed by CRLF: the chunk "
                                            "is longer than its size.");
            }

            if (pl->state == ngx_sos_pl_data_cr) {
                pl->state = ngx_sos_pl_data_lf;
                break;
            }

            err = ngx_sos_payload_chunk_end(pl);
            if (err != NGX_SOS_OK) {
                return err;
            }

            pl->state = ngx_sos_pl_line;
            break;

        case ngx_sos_pl_done:
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                        "Data follows the end of the "
                                        "aws-chunked body.");
        }
    }

    return NGX_SOS_OK;
}


static ngx_sos_err_e
ngx_sos_payload_data(ngx_sos_payload_t *pl, u_char *p, size_t n,
    ngx_sos_payload_sink_pt sink, void *data)
{
    if (n == 0) {
        return NGX_SOS_OK;
    }

    pl->received += n;

    if (pl->length >= 0 && pl->received > pl->length) {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                    "The body is longer than the %s "
                                    "announced.",
                                    pl->chunked
                                    ? "x-amz-decoded-content-length"
                                    : "Content-Length");
    }

    if (pl->mode == NGX_SOS_PAYLOAD_SHA256) {
        SHA256_Update(&pl->sha, p, n);
    }

    if (pl->md5) {
        ngx_md5_update(&pl->md5_ctx, p, n);
    }

    if (pl->checksum.alg != SOS_CHECKSUM_NONE) {
        sos_checksum_update(&pl->checksum, p, n);
    }

    if (sink(data, p, n) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_OK;
}


/* "<hex>[;chunk-signature=<64 hex>]" */

static ngx_sos_err_e
ngx_sos_payload_chunk_line(ngx_sos_payload_t *pl)
{
    u_char      *p, *end, *sig;
    off_t        size;
    ngx_int_t    d;
    ngx_uint_t   digits;

    p = pl->line;
    end = p + pl->line_len;
    size = 0;
    digits = 0;

    for ( /* void */ ; p < end && *p != ';'; p++) {
        d = ngx_hextoi(p, 1);

        if (d == NGX_ERROR || ++digits > 15) {
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                        "Invalid aws-chunked chunk size "
                                        "line.");
        }

        size = size * 16 + d;
    }

    if (digits == 0) {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                    "Invalid aws-chunked chunk size line.");
    }

    if (pl->signed_chunks) {
        sig = ngx_strlcasestrn(p, end, (u_char *) ";chunk-signature=",
                               sizeof(";chunk-signature=") - 2);

        if (sig == NULL
            || end - sig != sizeof(";chunk-signature=") - 1 + 64)
        {
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                        "An aws-chunked chunk has no "
                                        "chunk-signature.");
        }

        ngx_memcpy(pl->chunk_sig, sig + sizeof(";chunk-signature=") - 1, 64);
    }

    if (pl->length >= 0 && size > pl->length - pl->received) {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                    "The body is longer than the "
                                    "x-amz-decoded-content-length "
                                    "announced.");
    }

    pl->chunk_left = size;

    if (pl->signed_chunks) {
        SHA256_Init(&pl->chunk_sha);
    }

    if (size) {
        pl->state = ngx_sos_pl_data;
        return NGX_SOS_OK;
    }

    /* the last chunk: its signature, then trailers or the empty line */

    pl->last_chunk = 1;
    pl->state = ngx_sos_pl_trailer;

    return ngx_sos_payload_chunk_end(pl);
}


static ngx_sos_err_e
ngx_sos_payload_chunk_end(ngx_sos_payload_t *pl)
{
    char           sig[64];
    unsigned char  hash[32];

    if (!pl->signed_chunks) {
        return NGX_SOS_OK;
    }

    SHA256_Final(hash, &pl->chunk_sha);

    sos_sigv4_chain_sign(sig, pl->key, "AWS4-HMAC-SHA256-PAYLOAD",
                         (char *) pl->amz_date, (char *) pl->scope,
                         pl->scope_len, pl->prev_sig, hash);

    if (CRYPTO_memcmp(sig, pl->chunk_sig, 64) != 0) {
        return ngx_sos_payload_fail(pl,
                                    NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH,
                                    "The chunk signature of an aws-chunked "
                                    "chunk does not match (chunk ending at "
                                    "byte %O).", pl->received);
    }

    ngx_memcpy(pl->prev_sig, sig, 64);

    return NGX_SOS_OK;
}


/* "name:value" lines after the last chunk; the empty line ends the body */

static ngx_sos_err_e
ngx_sos_payload_trailer_line(ngx_sos_payload_t *pl)
{
    u_char                  *p, *colon, *end, *v;
    size_t                   nlen, vlen, len;
    sos_checksum_alg_e       alg;

    if (pl->line_len == 0) {
        pl->state = ngx_sos_pl_done;
        return NGX_SOS_OK;
    }

    p = pl->line;
    end = p + pl->line_len;

    colon = ngx_strlchr(p, end, ':');

    if (!pl->trailer || colon == NULL) {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_MALFORMED_TRAILER,
                                    NULL);
    }

    nlen = colon - p;
    v = colon + 1;

    while (v < end && *v == ' ') {
        v++;
    }

    vlen = end - v;

    while (vlen && v[vlen - 1] == ' ') {
        vlen--;
    }

    if (nlen == sizeof("x-amz-trailer-signature") - 1
        && ngx_strncasecmp(p, (u_char *) "x-amz-trailer-signature", nlen)
           == 0)
    {
        if (vlen != 64) {
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_MALFORMED_TRAILER,
                                        NULL);
        }

        ngx_memcpy(pl->trailer_sig, v, 64);
        pl->trailer_signature = 1;
        return NGX_SOS_OK;
    }

    /* canonical: "name:value\n", the name in lower case */

    len = nlen + 1 + vlen + 1;

    if (len > NGX_SOS_PAYLOAD_TRAILER - pl->trailer_len) {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_MALFORMED_TRAILER, NULL);
    }

    ngx_strlow(pl->trailer_lines + pl->trailer_len, p, nlen);
    pl->trailer_lines[pl->trailer_len + nlen] = ':';
    ngx_memcpy(pl->trailer_lines + pl->trailer_len + nlen + 1, v, vlen);
    pl->trailer_lines[pl->trailer_len + len - 1] = '\n';

    p = pl->trailer_lines + pl->trailer_len;
    pl->trailer_len += len;

    if (nlen <= sizeof("x-amz-checksum-") - 1
        || ngx_strncmp(p, "x-amz-checksum-", sizeof("x-amz-checksum-") - 1)
           != 0)
    {
        /* another trailing header: signed, otherwise ignored */
        return NGX_SOS_OK;
    }

    alg = sos_checksum_lookup((char *) p + sizeof("x-amz-checksum-") - 1,
                              nlen - (sizeof("x-amz-checksum-") - 1));

    if (!pl->checksum_in_trailer || alg != pl->checksum.alg
        || pl->checksum_given)
    {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_MALFORMED_TRAILER, NULL);
    }

    if (ngx_sos_payload_decode_b64(pl->checksum_expected,
                                   sos_checksum_size(alg), v, vlen)
        != NGX_OK)
    {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INVALID_REQUEST,
                                    "Value for %s trailing header is "
                                    "invalid.",
                                    sos_checksum_header(alg));
    }

    pl->checksum_given = 1;

    return NGX_SOS_OK;
}


ngx_sos_err_e
ngx_sos_payload_finish(ngx_sos_payload_t *pl)
{
    u_char         *p;
    char            sig[64];
    size_t          n;
    ngx_str_t       src, dst;
    unsigned char   hash[32], digest[SOS_CHECKSUM_MAX_SIZE];
    u_char          b64a[32], b64b[32];

    if (pl->chunked) {

        /* the empty line after the last chunk may be missing */

        if (pl->state != ngx_sos_pl_done
            && !(pl->state == ngx_sos_pl_trailer && pl->line_len == 0
                 && pl->trailer_len == 0 && !pl->trailer_signature))
        {
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY,
                                        NULL);
        }
    }

    if (pl->length >= 0 && pl->received != pl->length) {
        return ngx_sos_payload_fail(pl, NGX_SOS_ERR_INCOMPLETE_BODY, NULL);
    }

    if (pl->mode == NGX_SOS_PAYLOAD_SHA256) {
        SHA256_Final(hash, &pl->sha);

        if (CRYPTO_memcmp(hash, pl->ctx->auth.payload_sha256, 32) != 0) {
            p = ngx_cpymem(pl->extra, "<ClientComputedContentSHA256>",
                           sizeof("<ClientComputedContentSHA256>") - 1);
            p = ngx_hex_dump(p, pl->ctx->auth.payload_sha256, 32);
            p = ngx_cpymem(p, "</ClientComputedContentSHA256>"
                              "<S3ComputedContentSHA256>",
                           sizeof("</ClientComputedContentSHA256>"
                                  "<S3ComputedContentSHA256>") - 1);
            p = ngx_hex_dump(p, hash, 32);
            p = ngx_cpymem(p, "</S3ComputedContentSHA256>",
                           sizeof("</S3ComputedContentSHA256>") - 1);

            pl->ctx->error_extra.data = pl->extra;
            pl->ctx->error_extra.len = p - pl->extra;

            return NGX_SOS_ERR_CONTENT_SHA256_MISMATCH;
        }
    }

    /* the trailer signature covers the trailing headers, when any */

    if (pl->signed_chunks && pl->trailer
        && (pl->trailer_len || pl->trailer_signature))
    {
        if (!pl->trailer_signature) {
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_MALFORMED_TRAILER,
                                        NULL);
        }

        sos_sigv4_sha256(hash, pl->trailer_lines, pl->trailer_len);
        sos_sigv4_chain_sign(sig, pl->key, "AWS4-HMAC-SHA256-TRAILER",
                             (char *) pl->amz_date, (char *) pl->scope,
                             pl->scope_len, pl->prev_sig, hash);

        if (CRYPTO_memcmp(sig, pl->trailer_sig, 64) != 0) {
            return ngx_sos_payload_fail(pl,
                                        NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH,
                                        "The x-amz-trailer-signature does "
                                        "not match.");
        }
    }

    if (pl->md5) {
        ngx_md5_final(digest, &pl->md5_ctx);

        if (ngx_memcmp(digest, pl->md5_expected, 16) != 0) {
            src.data = pl->md5_expected;
            src.len = 16;
            dst.data = b64a;
            ngx_encode_base64(&dst, &src);
            n = dst.len;

            src.data = digest;
            dst.data = b64b;
            ngx_encode_base64(&dst, &src);

            p = ngx_sprintf(pl->extra, "<ExpectedDigest>%*s</ExpectedDigest>"
                            "<CalculatedDigest>%V</CalculatedDigest>",
                            n, b64a, &dst);

            pl->ctx->error_extra.data = pl->extra;
            pl->ctx->error_extra.len = p - pl->extra;

            return NGX_SOS_ERR_BAD_DIGEST;
        }
    }

    if (pl->checksum.alg != SOS_CHECKSUM_NONE) {

        if (!pl->checksum_given) {
            /* announced in x-amz-trailer, never sent */
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_MALFORMED_TRAILER,
                                        NULL);
        }

        n = sos_checksum_final(&pl->checksum, digest);

        src.data = digest;
        src.len = n;
        dst.data = pl->checksum_b64;
        ngx_encode_base64(&dst, &src);
        pl->checksum_b64_len = dst.len;

        if (ngx_memcmp(digest, pl->checksum_expected, n) != 0) {
            return ngx_sos_payload_fail(pl, NGX_SOS_ERR_BAD_DIGEST,
                                        "The %s you specified did not "
                                        "match the calculated checksum.",
                                        sos_checksum_name(
                                            pl->checksum.alg));
        }
    }

    pl->finished = 1;

    return NGX_SOS_OK;
}


static ngx_sos_err_e
ngx_sos_payload_fail(ngx_sos_payload_t *pl, ngx_sos_err_e err,
    const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    if (fmt == NULL) {
        return err;
    }

    va_start(args, fmt);
    p = ngx_vslprintf(pl->message, pl->message + sizeof(pl->message), fmt,
                      args);
    va_end(args);

    pl->ctx->error_message.data = pl->message;
    pl->ctx->error_message.len = p - pl->message;

    return err;
}


