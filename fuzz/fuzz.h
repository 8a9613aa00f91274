
/*
 * SOS fuzzing: the harness shared by the targets that run module code.
 *
 * Those targets are nginx dynamic modules (fuzz/run loads one into the
 * installed nginx, which calls libFuzzer from init_process): nginx's own
 * pools, strings, request and header parsers are the real ones, and the
 * few calls that would touch a socket, a thread pool or the filter chain
 * are replaced by the harness (fuzz_nginx.c).  A request is raw HTTP/1.1
 * bytes; it is parsed by nginx's parser into a request that the module's
 * content handler (or a parser of the target's choice) then processes.
 * Store jobs are never run.
 */


#ifndef _SOS_FUZZ_H_INCLUDED_
#define _SOS_FUZZ_H_INCLUDED_


#include "ngx_sos_module.h"


/* the access key every target knows: AWS's documentation example */
#define FUZZ_ACCESS_KEY  "AKIAIOSFODNN7EXAMPLE"
#define FUZZ_SECRET      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define FUZZ_ORG_ID                                                           \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FUZZ_DOMAIN      "s3.amazonaws.com"
/* "now" for every target: Fri, 24 May 2013 00:00:00 GMT (AWS's examples) */
#define FUZZ_NOW         1369353600


typedef struct {
    ngx_pool_t           *pool;
    ngx_http_request_t   *r;
    ngx_sos_ctx_t        *ctx;
    u_char               *copy;      /* the input, malloc'd to its size */
    u_char               *body;      /* after the header block */
    size_t                body_len;
    ngx_uint_t            pieces;    /* how the body is cut when read */
} fuzz_req_t;


/* what a target defines, what libFuzzer calls */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* set by a target: CRYPTO_memcmp() says "equal" (signatures accepted) */
extern ngx_uint_t            fuzz_accept_signatures;
extern ngx_sos_main_conf_t  *fuzz_smcf;
/* SOS_FUZZ_DEBUG is set: say how far an input got, on stderr */
extern ngx_uint_t            fuzz_debug;


/*
 * Parse data (request line, headers, CRLF, body) into fr: NGX_OK, or
 * NGX_DECLINED when nginx itself would have refused the request head.
 */
ngx_int_t fuzz_request(fuzz_req_t *fr, const u_char *data, size_t len);
void fuzz_request_free(fuzz_req_t *fr);
/*
 * Give fr's request its module ctx (fr->ctx, NULL out of memory) and
 * route it: what ngx_sos_route() returns.
 */
ngx_sos_err_e fuzz_route(fuzz_req_t *fr);

/* The module's content handler, as "sos;" installs it. */
ngx_int_t fuzz_handler(ngx_http_request_t *r);


#endif /* _SOS_FUZZ_H_INCLUDED_ */
