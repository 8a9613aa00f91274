
/*
 * SOS: small request bodies (XML documents) read whole into memory.
 *
 * The body is read unbuffered, as PutObject reads it, so nginx never
 * writes it to a client-body temp file; each buffer is decoded and
 * verified by the payload decoder (aws-chunked framing, signatures,
 * checksums) and appended to ctx->body, which never grows past max.
 * Decoding a body of a few KiB is CPU work only: it runs in the loop.
 *
 * Also what every body reader answers when nginx's reading fails.
 */


#include "ngx_sos_op.h"


typedef struct {
    void                 (*post)(ngx_http_request_t *r);
    size_t                 max;
    u_char                *buf;
    size_t                 len;
    size_t                 size;
    ngx_pool_t            *pool;
    ngx_sos_err_e          too_large;
    ngx_uint_t             overflow;
} ngx_sos_body_t;


static void ngx_sos_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_sos_body_sink(void *data, u_char *p, size_t n);


static ngx_str_t  ngx_sos_body_checksums[] = {
    ngx_string("x-amz-checksum-crc32"),
    ngx_string("x-amz-checksum-crc32c"),
    ngx_string("x-amz-checksum-crc64nvme"),
    ngx_string("x-amz-checksum-sha1"),
    ngx_string("x-amz-checksum-sha256"),
    ngx_null_string
};


ngx_int_t
ngx_sos_body_read(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, size_t max,
    void (*post)(ngx_http_request_t *r))
{
    off_t            len;
    ngx_sos_body_t  *bd;

    bd = ngx_pcalloc(r->pool, sizeof(ngx_sos_body_t));
    if (bd == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    bd->post = post;
    bd->max = max;
    bd->pool = r->pool;

    bd->too_large = (ctx->op->flags & NGX_SOS_OP_XML)
                    ? NGX_SOS_ERR_MALFORMED_XML
                    : NGX_SOS_ERR_ENTITY_TOO_LARGE;

    ctx->body_data = bd;

    /*
     * the decoded length when announced, else what is on the wire; the
     * decoder is there: the row of every operation that reads a body says
     * NGX_SOS_OP_BODY
     */

    len = ngx_sos_payload_length(ctx->payload);

    if (len < 0) {
        len = r->headers_in.content_length_n;
    }

    if (len > (off_t) max) {
        return ngx_sos_error_send(r, bd->too_large);
    }

    /* a chunked body of unknown length starts small and doubles */

    bd->size = (len >= 0) ? (size_t) len : ngx_min(max, 4096);

    if (bd->size) {
        bd->buf = ngx_pnalloc(r->pool, bd->size);
        if (bd->buf == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_sos_body_stream(r, ctx, ngx_sos_body_handler);
}


/* small bodies, uploads (ngx_sos_put.c) and POST forms: no temp file */

ngx_int_t
ngx_sos_body_stream(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_http_client_body_handler_pt handler)
{
    ngx_int_t  rc;

    r->request_body_no_buffering = 1;

    /* the request is accepted: "100 Continue" if asked (see the handler) */
    r->expect_tested = 0;

    rc = ngx_http_read_client_request_body(r, handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return ngx_sos_body_error(r, ctx, rc);
    }

    return NGX_DONE;
}


static void
ngx_sos_body_handler(ngx_http_request_t *r)
{
    ngx_int_t        rc;
    ngx_buf_t       *b;
    ngx_chain_t     *cl, *next;
    ngx_sos_ctx_t   *ctx;
    ngx_sos_err_e    err;
    ngx_sos_body_t  *bd;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    bd = ctx->body_data;

    r->read_event_handler = ngx_sos_body_handler;

    err = NGX_SOS_OK;

    for ( ;; ) {

        /* what nginx has read so far, then more until the socket is dry */

        for (cl = r->request_body->bufs; cl; cl = next) {
            next = cl->next;
            b = cl->buf;

            if (err == NGX_SOS_OK && b->last > b->pos) {
                err = ngx_sos_payload_feed(ctx->payload, b->pos,
                                           b->last - b->pos,
                                           ngx_sos_body_sink, bd);
            }

            /* consumed: nginx may reuse the buffer */

            b->pos = b->last;
            ngx_free_chain(r->pool, cl);
        }

        r->request_body->bufs = NULL;

        if (bd->overflow) {
            err = bd->too_large;
        }

        if (err != NGX_SOS_OK || !r->reading_body) {
            break;
        }

        rc = ngx_http_read_unbuffered_request_body(r);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            ngx_http_finalize_request(r, ngx_sos_body_error(r, ctx, rc));
            return;
        }

        if (r->request_body->bufs == NULL && r->reading_body) {
            return;                          /* wait for the client */
        }
    }

    if (err == NGX_SOS_OK) {
        err = ngx_sos_payload_finish(ctx->payload);

        if (bd->overflow) {
            err = bd->too_large;
        }
    }

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    r->read_event_handler = ngx_http_block_reading;

    ctx->body.data = bd->buf;
    ctx->body.len = bd->len;

    bd->post(r);
}


static ngx_int_t
ngx_sos_body_sink(void *data, u_char *p, size_t n)
{
    ngx_sos_body_t *bd = data;

    size_t   size;
    u_char  *buf;

    if (n > bd->max - bd->len) {
        bd->overflow = 1;
        return NGX_ERROR;
    }

    if (n > bd->size - bd->len) {
        size = ngx_max(bd->size * 2, bd->len + n);
        size = ngx_min(size, bd->max);

        buf = ngx_pnalloc(bd->pool, size);
        if (buf == NULL) {
            return NGX_ERROR;
        }

        if (bd->len) {
            ngx_memcpy(buf, bd->buf, bd->len);
        }

        bd->buf = buf;
        bd->size = size;
    }

    ngx_memcpy(bd->buf + bd->len, p, n);
    bd->len += n;

    return NGX_OK;
}


/*
 * An HTTP status from nginx's body reader, as S3 says it: the one mapping
 * of small bodies, uploads (ngx_sos_put.c) and POST forms.
 */

ngx_int_t
ngx_sos_body_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, ngx_int_t rc)
{
    if (r->connection->error || rc == NGX_HTTP_REQUEST_TIME_OUT
        || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST)
    {
        /*
         * nobody to answer: nginx closes the connection (an upload's tmp
         * files go with the request pool)
         */
        return rc;
    }

    switch (rc) {

    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_LARGE);

    case NGX_HTTP_BAD_REQUEST:
        if (ctx->op->flags & NGX_SOS_OP_FORM) {
            /* the form's chunked framing */
            return ngx_sos_error_send(r, NGX_SOS_ERR_MALFORMED_POST_REQUEST);
        }

        ngx_str_set(&ctx->error_message,
                    "The request body is not valid chunked encoding.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);

    default:
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }
}


/* Content-MD5, a flexible checksum header, or a checksum trailer */

ngx_uint_t
ngx_sos_body_protected(ngx_http_request_t *r)
{
    ngx_str_t        *c;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

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

        if (h[i].key.len == sizeof("Content-MD5") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Content-MD5",
                               sizeof("Content-MD5") - 1) == 0)
        {
            return 1;
        }

        if (h[i].key.len == sizeof("x-amz-trailer") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "x-amz-trailer",
                               sizeof("x-amz-trailer") - 1) == 0
            && h[i].value.len > sizeof("x-amz-checksum-") - 1
            && ngx_strncasecmp(h[i].value.data, (u_char *) "x-amz-checksum-",
                               sizeof("x-amz-checksum-") - 1) == 0)
        {
            return 1;
        }

        for (c = ngx_sos_body_checksums; c->len; c++) {
            if (h[i].key.len == c->len
                && ngx_strncasecmp(h[i].key.data, c->data, c->len) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}
