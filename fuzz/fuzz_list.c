
/*
 * Fuzz target: the listing query parameters of ListObjects (V1 and V2),
 * ListObjectVersions, ListParts and ListMultipartUploads (prefix,
 * delimiter, markers, continuation-token, max-keys, max-parts,
 * encoding-type, fetch-owner...), as the handlers parse them before their
 * store job.
 *
 * Input: a raw HTTP/1.1 request head.  It is routed; a listing operation
 * is then handed to its handler (the job it posts never runs).
 */


#include "fuzz.h"
#include "ngx_sos_op.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_req_t              fr;
    ngx_sos_ctx_t          *ctx;
    ngx_sos_op_handler_pt   h;

    if (fuzz_request(&fr, data, size) != NGX_OK) {
        goto done;
    }

    if (fuzz_route(&fr) != NGX_SOS_OK) {
        goto done;
    }

    ctx = fr.ctx;

    ngx_cpystrn(ctx->auth.org_id, (u_char *) FUZZ_ORG_ID,
                sizeof(ctx->auth.org_id));

    h = ctx->op->handler;

    if (h == ngx_sos_list_objects || h == ngx_sos_list_objects_v2
        || h == ngx_sos_versions_list || h == ngx_sos_mp_list_parts
        || h == ngx_sos_mp_list_uploads)
    {
        (void) h(fr.r, ctx);
    }

done:

    fuzz_request_free(&fr);

    return 0;
}
