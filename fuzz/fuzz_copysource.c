
/*
 * Fuzz target: x-amz-copy-source (bucket, key, versionId, encoding) and,
 * through the handler, the rest of CopyObject and UploadPartCopy's
 * headers (x-amz-copy-source-range, -if-*, metadata directive).
 *
 * Input: one flag byte (even: the request is routed and its copy source
 * parsed; odd: the whole request goes through the module's handler, with
 * signatures accepted), then a raw HTTP/1.1 request head.
 */


#include "fuzz.h"
#include "ngx_sos_op.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_req_t  fr;

    if (size < 1) {
        return 0;
    }

    if (fuzz_request(&fr, data + 1, size - 1) != NGX_OK) {
        goto done;
    }

    if (data[0] & 1) {
        fuzz_accept_signatures = 1;
        (void) fuzz_handler(fr.r);
        fuzz_accept_signatures = 0;
        goto done;
    }

    if (fuzz_route(&fr) == NGX_SOS_OK
        && fr.ctx->op->source != NGX_SOS_PERM_NONE)
    {
        (void) ngx_sos_copy_source(fr.r, fr.ctx);
    }

done:

    fuzz_request_free(&fr);

    return 0;
}
