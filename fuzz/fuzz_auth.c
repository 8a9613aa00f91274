
/*
 * Fuzz target: SigV4 and SigV2 in the Authorization header and in the
 * query (presigned URLs), with routing (path and virtual-host style).
 *
 * Input: one flag byte (odd: every signature comparison succeeds, so the
 * checks after it are reached), then a raw HTTP/1.1 request head.
 */


#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_req_t      fr;
    ngx_sos_ctx_t  *ctx;

    if (size < 1) {
        return 0;
    }

    fuzz_accept_signatures = data[0] & 1;

    if (fuzz_request(&fr, data + 1, size - 1) == NGX_OK) {
        ctx = ngx_pcalloc(fr.pool, sizeof(ngx_sos_ctx_t));

        if (ctx) {
            ngx_http_set_ctx(fr.r, ctx, ngx_http_sos_module);

            if (ngx_sos_route(fr.r, ctx) == NGX_SOS_OK) {
                (void) ngx_sos_auth(fr.r, ctx);
            }
        }
    }

    fuzz_request_free(&fr);
    fuzz_accept_signatures = 0;

    return 0;
}
