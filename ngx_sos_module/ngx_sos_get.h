
/*
 * SOS: the answer to a read of one object (ngx_sos_get.c), shared by
 * GetObject / HeadObject and the website endpoint (ngx_sos_website.c):
 * Range, conditions, headers, and the verified body sent with sendfile.
 */


#ifndef _NGX_SOS_GET_H_INCLUDED_
#define _NGX_SOS_GET_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_read.h"


#define NGX_SOS_OVERRIDES     6


typedef enum {
    NGX_SOS_RANGE_NONE = 0,
    NGX_SOS_RANGE_FROM,                  /* bytes=a-b, bytes=a- */
    NGX_SOS_RANGE_SUFFIX                 /* bytes=-n */
} ngx_sos_range_e;


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    ngx_uint_t               head;
    ngx_uint_t               part_number;    /* ?partNumber, 0: none */
    ngx_uint_t               bad_part;

    ngx_sos_range_e          range;
    off_t                    range_a;    /* FROM: start; SUFFIX: length */
    off_t                    range_b;    /* FROM: end, or -1 */

    /* results */
    ngx_uint_t               unsatisfiable;
    off_t                    start;
    off_t                    len;
    sos_reader_t            *reader;
    sos_object_info_t        info;
    ngx_sos_read_t           read;       /* the body, verified */

    /* the response-* arguments, decoded; data NULL: not given */
    ngx_str_t                override[NGX_SOS_OVERRIDES];

    /* 0: 200 or 206; else this status, no conditions, the whole object
       (the website's error document) */
    ngx_uint_t               status;
} ngx_sos_get_t;



/*
 * The loop, in the handler: the Range header into g (bucket, key, head
 * and read are the caller's to set, as ngx_sos_object_get() does).
 */
void ngx_sos_get_parse_range(ngx_http_request_t *r, ngx_sos_get_t *g);

/*
 * The pool thread: with g->info and g->reader set, the bytes to send and
 * the first window verified.
 */
void ngx_sos_get_prepare(ngx_sos_job_t *job, ngx_sos_get_t *g);

/*
 * The loop, once the job is back: conditions (unless g->status), then the
 * header and the body.  Returns as a job's done().
 */
ngx_int_t ngx_sos_get_send(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_get_t *g);


#endif /* _NGX_SOS_GET_H_INCLUDED_ */
