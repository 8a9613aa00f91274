
/*
 * Fuzz target: the request body decoder and verifier: aws-chunked with
 * chunk signatures and signed or unsigned trailers, Content-MD5, the
 * x-amz-checksum-* headers and trailers, x-amz-content-sha256.
 *
 * Input: one flag byte (odd: every signature comparison succeeds), then a
 * raw HTTP/1.1 request (head and body).  The request is authenticated
 * (that chooses the payload mode and the seed signature), then its body
 * is fed to the decoder in pieces and finished.
 */


#include "fuzz.h"

#include <stdio.h>


static ngx_int_t fuzz_sink(void *data, u_char *p, size_t n);


volatile u_char  fuzz_sink_byte;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t          piece, left, n;
    u_char         *p, *buf;
    fuzz_req_t      fr;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;
    uint64_t        total;

    if (size < 1) {
        return 0;
    }

    fuzz_accept_signatures = data[0] & 1;

    if (fuzz_request(&fr, data + 1, size - 1) != NGX_OK) {
        goto done;
    }

    if (fuzz_route(&fr) != NGX_SOS_OK) {
        goto done;
    }

    ctx = fr.ctx;

    if (ngx_sos_auth(fr.r, ctx) != NGX_SOS_OK
        || ngx_sos_payload_create(fr.r, ctx) != NGX_SOS_OK
        || ctx->payload == NULL)
    {
        goto done;
    }

    /* each piece in a block of its own: ASan sees overreads */

    total = 0;
    p = fr.body;
    left = fr.body_len;
    piece = left / fr.pieces + 1;
    err = NGX_SOS_OK;

    while (left && err == NGX_SOS_OK) {
        n = ngx_min(piece, left);

        buf = malloc(n);
        if (buf == NULL) {
            goto done;
        }

        ngx_memcpy(buf, p, n);
        err = ngx_sos_payload_feed(ctx->payload, buf, n, fuzz_sink, &total);
        free(buf);

        p += n;
        left -= n;
    }

    if (err == NGX_SOS_OK) {
        err = ngx_sos_payload_finish(ctx->payload);
    }

    if (fuzz_debug) {
        fprintf(stderr, "sos-fuzz: body %d, %llu bytes decoded\n", (int) err,
                (unsigned long long) total);
    }

done:

    fuzz_request_free(&fr);
    fuzz_accept_signatures = 0;

    return 0;
}


static ngx_int_t
fuzz_sink(void *data, u_char *p, size_t n)
{
    uint64_t  *total = data;

    size_t  i;

    /* touch every byte handed out: ASan checks they are readable */

    for (i = 0; i < n; i++) {
        fuzz_sink_byte ^= p[i];
    }

    *total += n;

    return NGX_OK;
}
