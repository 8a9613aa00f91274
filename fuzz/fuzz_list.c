
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


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_req_t      fr;
    ngx_sos_ctx_t  *ctx;

    if (fuzz_request(&fr, data, size) != NGX_OK) {
        goto done;
    }

    ctx = ngx_pcalloc(fr.pool, sizeof(ngx_sos_ctx_t));
    if (ctx == NULL) {
        goto done;
    }

    ngx_http_set_ctx(fr.r, ctx, ngx_http_sos_module);

    if (ngx_sos_route(fr.r, ctx) != NGX_SOS_OK) {
        goto done;
    }

    ngx_cpystrn(ctx->auth.org_id, (u_char *) FUZZ_ORG_ID,
                sizeof(ctx->auth.org_id));

    switch (ctx->op) {

    case NGX_SOS_OP_LIST_OBJECTS:
    case NGX_SOS_OP_LIST_OBJECTS_V2:
    case NGX_SOS_OP_LIST_OBJECT_VERSIONS:
        (void) ngx_sos_list_objects(fr.r, ctx);
        break;

    case NGX_SOS_OP_LIST_PARTS:
        (void) ngx_sos_mp_list_parts(fr.r, ctx);
        break;

    case NGX_SOS_OP_LIST_MULTIPART_UPLOADS:
        (void) ngx_sos_mp_list_uploads(fr.r, ctx);
        break;

    default:
        break;
    }

done:

    fuzz_request_free(&fr);

    return 0;
}
