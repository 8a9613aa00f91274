
/*
 * SOS: POST Object's state, shared by its three files: ngx_sos_post.c
 * (the operation, the fields and the answer), ngx_sos_post_form.c (the
 * multipart/form-data parser) and ngx_sos_post_policy.c (the policy
 * document, its conditions and its signature).  The file part goes to
 * the upload engine (ngx_sos_put.h).
 */


#ifndef _NGX_SOS_POST_H_INCLUDED_
#define _NGX_SOS_POST_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_put.h"


#define NGX_SOS_POST_PRE_MAX     (20 * 1024)
#define NGX_SOS_POST_PARTS_MAX   256
#define NGX_SOS_POST_LINE_MAX    2048

#define NGX_SOS_POST_BEGIN       1       /* the file part begins */
#define NGX_SOS_POST_FLUSH       2       /* the write buffer is full */


typedef enum {
    NGX_SOS_MP_BODY = 0,                 /* part data, up to a delimiter */
    NGX_SOS_MP_TAIL,                     /* after a delimiter: "--" or CRLF */
    NGX_SOS_MP_HEADER,                   /* part headers */
    NGX_SOS_MP_EPILOGUE                  /* after the last delimiter */
} ngx_sos_mp_state_e;


typedef enum {
    NGX_SOS_SINK_DISCARD = 0,
    NGX_SOS_SINK_FIELD,
    NGX_SOS_SINK_FILE
} ngx_sos_sink_e;


typedef struct {
    ngx_str_t                name;       /* lower case */
    ngx_str_t                value;
} ngx_sos_post_field_t;


typedef struct {
    ngx_sos_ctx_t           *ctx;
    ngx_sos_job_t           *job;        /* the bucket's lookup */

    /* multipart parser */
    ngx_str_t                delim;      /* CRLF "--" boundary */
    ngx_uint_t               match;      /* delimiter bytes matched */
    ngx_sos_mp_state_e       state;
    ngx_sos_sink_e           sink;
    u_char                   tail[2];
    ngx_uint_t               ntail;
    u_char                  *line;
    size_t                   line_len;
    ngx_str_t                part_name;
    ngx_str_t                part_filename;

    u_char                  *fbuf;       /* field values */
    size_t                   flen;
    size_t                   pre_len;    /* field values and part headers */
    ngx_array_t              fields;     /* ngx_sos_post_field_t */
    u_char                  *field_start;

    ngx_uint_t               file_seen;
    ngx_uint_t               file_done;
    ngx_str_t                filename;

    /* the file part, streamed */
    ngx_sos_put_t           *up;         /* once the file part begins */
    u_char                  *wbuf;
    size_t                   wlen;
    size_t                   wsize;
    ngx_buf_t                wb;         /* wbuf, as fed to the upload */
    off_t                    file_size;
    off_t                    min_size;
    off_t                    max_size;

    ngx_chain_t             *in;         /* unparsed request body bufs */

    /* the policy document (jansson's), freed with r->pool */
    struct json_t           *policy;

    /* what the policy decided */
    char                     org_id[SOS_ID_LEN + 1];
    ngx_str_t                key;
    ngx_str_t                status;     /* success_action_status */
    ngx_str_t                redirect;   /* success_action_redirect */

    ngx_sos_err_e            err;
} ngx_sos_post_t;


/*
 * ngx_sos_post_form.c.  boundary: the Content-Type's into st->delim,
 * NGX_OK or NGX_ERROR.  parse: st->in as far as it goes, NGX_AGAIN when
 * all is consumed, NGX_SOS_POST_BEGIN when the file part begins,
 * NGX_SOS_POST_FLUSH when st->wbuf is full, NGX_ERROR (st->err set).
 * field: a field before the file by name (any case), or NULL.
 */
ngx_int_t ngx_sos_post_form_boundary(ngx_http_request_t *r,
    ngx_sos_post_t *st);
ngx_int_t ngx_sos_post_form_parse(ngx_http_request_t *r,
    ngx_sos_post_t *st);
ngx_str_t *ngx_sos_post_form_field(ngx_sos_post_t *st, char *name,
    size_t len);

/*
 * ngx_sos_post_policy.c.  read: the policy field's signature (st->org_id
 * set), then the document, its expiration and its conditions' presence
 * (st->policy set).  check: once st->key is known, every condition holds
 * and every field is named by one (st->min_size, max_size set).
 */
ngx_sos_err_e ngx_sos_post_policy_read(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *policy);
ngx_sos_err_e ngx_sos_post_policy_check(ngx_http_request_t *r,
    ngx_sos_post_t *st);


#endif /* _NGX_SOS_POST_H_INCLUDED_ */
