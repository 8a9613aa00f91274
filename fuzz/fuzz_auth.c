
/*
 * Fuzz target: SigV4 and SigV2 in the Authorization header and in the
 * query (presigned URLs), with routing (path and virtual-host style).
 *
 * Input: one flag byte (odd: every signature comparison succeeds, so the
 * checks after it are reached), then a raw HTTP/1.1 request head.
 */


#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_req_t  fr;

    if (size < 1) {
        return 0;
    }

    fuzz_accept_signatures = data[0] & 1;

    if (fuzz_request(&fr, data + 1, size - 1) == NGX_OK
        && fuzz_route(&fr) == NGX_SOS_OK)
    {
        (void) ngx_sos_auth(fr.r, fr.ctx);
    }

    fuzz_request_free(&fr);
    fuzz_accept_signatures = 0;

    return 0;
}
