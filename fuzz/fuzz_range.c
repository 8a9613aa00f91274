
/*
 * Fuzz target: Range and the conditional headers (If-Match,
 * If-None-Match, If-Modified-Since, If-Unmodified-Since) of GetObject and
 * HeadObject, the write conditions of PutObject and CopyObject, and the
 * response headers built from them.
 *
 * Input: a raw HTTP/1.1 request head.  The parsers are static in
 * ngx_sos_get.c, which is compiled into this target (its object is then
 * not taken from the module archive).
 */


#include "fuzz.h"

#include "ngx_sos_get.c"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char             if_match[SOS_ETAG_MAX + 1];
    ngx_int_t        rc;
    fuzz_req_t       fr;
    ngx_sos_ctx_t   *ctx;
    ngx_sos_get_t   *g;
    sos_put_opts_t   opts;

    if (fuzz_request(&fr, data, size) != NGX_OK) {
        goto done;
    }

    (void) fuzz_route(&fr);

    ctx = fr.ctx;
    g = ngx_pcalloc(fr.pool, sizeof(ngx_sos_get_t));

    if (ctx == NULL || g == NULL) {
        goto done;
    }

    /* the object the conditions are evaluated against */

    g->info.size = 11434;
    g->info.mtime = FUZZ_NOW - 86400;
    ngx_cpystrn((u_char *) g->info.etag,
                (u_char *) "fba9dede5f27731c9771645a39863328",
                sizeof(g->info.etag));

    ngx_sos_get_parse_range(fr.r, g);

    g->start = 0;
    g->len = (off_t) g->info.size;

    rc = ngx_sos_get_conditions(fr.r, ctx, g);

    if (rc == NGX_DECLINED) {
        (void) ngx_sos_get_headers(fr.r, g);
    }

    ngx_memzero(&opts, sizeof(sos_put_opts_t));
    (void) ngx_sos_object_write_conditions(fr.r, ctx, &opts, if_match);

done:

    fuzz_request_free(&fr);

    return 0;
}
