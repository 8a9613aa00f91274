
/*
 * SOS: verified reads (ngx_sos_read.c), the body of a GetObject.
 *
 * Every byte sent is verified first (sos_reader_verify()), in windows of
 * NGX_SOS_READ_WINDOW bytes that end at multiples of it, each at least
 * that long (the last one aside): the first job verifies the first window,
 * the whole body when it is smaller, before the header is sent.  While
 * window k is being sent a background job verifies window k + 1, never
 * further ahead; its buffers are queued once window k has left ours.
 * Memory is bounded: one window's segments and file buffers, recycled;
 * and so are fds: the reader lets go of those of the parts sent.
 */


#ifndef _NGX_SOS_READ_H_INCLUDED_
#define _NGX_SOS_READ_H_INCLUDED_


#include "ngx_sos_module.h"


/* bytes verified at once: a multiple of the store's block (256 KiB) */
#define NGX_SOS_READ_WINDOW   (4 * 1024 * 1024)

#define NGX_SOS_READ_SEGS     8


typedef struct {
    /* the caller's: the bytes to send, before the first window */
    sos_reader_t            *reader;
    off_t                    start;
    off_t                    len;

    ngx_sos_job_t           *job;        /* posted again for each window */
    off_t                    next;       /* the first byte not verified */

    /* the window verified last; win_rc: SOS_OK, or no good replica */
    off_t                    win_off;
    off_t                    win_len;
    sos_rc_e                 win_rc;
    sos_error_t              win_err;
    unsigned                 win_bad;    /* replicas found bad in it */
    ngx_uint_t               ready;      /* verified, not queued yet */

    sos_segment_t            segs_small[NGX_SOS_READ_SEGS];
    sos_segment_t           *segs;       /* the window's */
    size_t                   n_segs;
    size_t                   segs_cap;

    ngx_str_t                name;       /* bucket/key, for the log */
    ngx_chain_t             *free;       /* our file buffers, recycled */
    ngx_chain_t             *busy;       /* ... being sent */
} ngx_sos_read_t;


/* The loop, at the handler: rd is zeroed, job is the request's. */
void ngx_sos_read_init(ngx_sos_read_t *rd, ngx_sos_job_t *job);

/* The pool thread: verify and map the first window (len > 0). */
void ngx_sos_read_first(ngx_sos_read_t *rd, ngx_sos_job_t *job);

/* The loop: name the object for the log (NGX_OK, or NGX_ERROR). */
ngx_int_t ngx_sos_read_name(ngx_http_request_t *r, ngx_sos_read_t *rd,
    ngx_str_t *bucket, ngx_str_t *key);

/* The crit line of a window without a good replica. */
void ngx_sos_read_log_corrupt(ngx_http_request_t *r, ngx_sos_read_t *rd,
    char *outcome);

/*
 * The loop, once the header is sent: the body.  NGX_SOS_CONTINUE while
 * windows are left (ctx->op_data must be rd), else what to finalize with.
 */
ngx_int_t ngx_sos_read_send(ngx_http_request_t *r, ngx_sos_read_t *rd);

/* With the request pool. */
void ngx_sos_read_cleanup(ngx_sos_read_t *rd);


#endif /* _NGX_SOS_READ_H_INCLUDED_ */
