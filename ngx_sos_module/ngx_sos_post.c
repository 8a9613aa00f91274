
/*
 * SOS: POST Object, the browser form upload.
 *
 * A POST to a bucket with a multipart/form-data body.  The bucket is looked
 * up before the body is read.  The fields before the "file" part are kept
 * (their values and part headers together at most NGX_SOS_POST_PRE_MAX
 * bytes, as S3's MaxPostPreDataLengthExceeded); when the file part
 * begins, the POST policy is checked in the event loop (signature,
 * expiration, conditions, fields covered), then the file part
 * streams into the store through a bounded buffer written by pool thread
 * jobs, as PutObject's body does.  The form is parsed as it arrives, so
 * memory is bounded whatever the file size.  Fields after the file are
 * ignored, as S3 does.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_sigv4.h"

#include <openssl/crypto.h>


#define NGX_SOS_POST_PRE_MAX     (20 * 1024)
#define NGX_SOS_POST_PARTS_MAX   256
#define NGX_SOS_POST_WBUF        (256 * 1024)
#define NGX_SOS_POST_LINE_MAX    2048
#define NGX_SOS_POST_JSON_DEPTH  8

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


/* a parsed JSON value (the policy document) */

typedef struct ngx_sos_json_s  ngx_sos_json_t;

typedef enum {
    NGX_SOS_JSON_STRING = 1,
    NGX_SOS_JSON_NUMBER,
    NGX_SOS_JSON_OBJECT,
    NGX_SOS_JSON_ARRAY,
    NGX_SOS_JSON_LITERAL                 /* true, false, null */
} ngx_sos_json_type_e;

struct ngx_sos_json_s {
    ngx_sos_json_type_e      type;
    ngx_str_t                name;       /* member name inside an object */
    ngx_str_t                str;        /* string value, number text */
    ngx_sos_json_t          *child;
    ngx_sos_json_t          *next;
};

typedef struct {
    u_char                  *p;
    u_char                  *end;
    ngx_pool_t              *pool;
} ngx_sos_json_parser_t;


typedef struct {
    ngx_sos_ctx_t           *ctx;
    ngx_sos_job_t           *job;

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
    ngx_uint_t               part_has_filename;

    u_char                  *fbuf;       /* field values */
    size_t                   flen;
    size_t                   pre_len;    /* field values and part headers */
    ngx_array_t              fields;     /* ngx_sos_post_field_t */
    u_char                  *field_start;

    ngx_uint_t               file_seen;
    ngx_uint_t               file_done;
    ngx_str_t                filename;

    /* the file part, streamed */
    u_char                  *wbuf;
    size_t                   wlen;
    size_t                   wsize;
    off_t                    file_size;
    off_t                    min_size;
    off_t                    max_size;
    unsigned                 busy:1;     /* a job is in flight */
    unsigned                 last:1;

    ngx_chain_t             *in;         /* unparsed request body bufs */

    /* what the policy decided */
    char                     org_id[SOS_ID_LEN + 1];
    ngx_str_t                key;
    ngx_str_t                status;     /* success_action_status */
    ngx_str_t                redirect;   /* success_action_redirect */
    sos_attrs_t              attrs;
    sos_put_opts_t           opts;
    ngx_sos_acl_t           *acl;        /* the acl field; NULL: private */
    ngx_sos_err_e            acl_err;

    sos_put_t               *put;
    sos_object_info_t        info;
    ngx_sos_err_e            err;
} ngx_sos_post_t;


static ngx_int_t ngx_sos_post_boundary(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_bucket_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_pre_data(ngx_sos_post_t *st, size_t n);
static void ngx_sos_post_read(ngx_http_request_t *r);
static ngx_int_t ngx_sos_post_fail(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_int_t rc);
static ngx_int_t ngx_sos_post_consume(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_parse(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_buf_t *b);
static ngx_int_t ngx_sos_post_emit(ngx_sos_post_t *st, u_char *p, size_t n);
static ngx_int_t ngx_sos_post_part_end(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_header(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_param(ngx_http_request_t *r, u_char *p,
    u_char *end, char *name, ngx_str_t *value);
static ngx_str_t *ngx_sos_post_field(ngx_sos_post_t *st, char *name,
    size_t len);
static ngx_sos_err_e ngx_sos_post_policy(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_sos_err_e ngx_sos_post_signature(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *policy);
static ngx_sos_err_e ngx_sos_post_conditions(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_sos_json_t *conds);
static ngx_sos_err_e ngx_sos_post_failed(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, char *op, ngx_str_t *name, ngx_str_t *value);
static ngx_int_t ngx_sos_post_value(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_str_t *name, ngx_str_t *value);
static ngx_int_t ngx_sos_post_attrs(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static time_t ngx_sos_post_parse_time(ngx_str_t *s);
static ngx_int_t ngx_sos_post_number(ngx_sos_json_t *v, off_t *out);

static ngx_sos_json_t *ngx_sos_json_parse(ngx_pool_t *pool, u_char *p,
    size_t len);
static ngx_sos_json_t *ngx_sos_json_value(ngx_sos_json_parser_t *jp,
    ngx_uint_t depth);
static ngx_int_t ngx_sos_json_string(ngx_sos_json_parser_t *jp,
    ngx_str_t *out);
static void ngx_sos_json_ws(ngx_sos_json_parser_t *jp);
static ngx_sos_json_t *ngx_sos_json_member(ngx_sos_json_t *obj, char *name);

static void ngx_sos_post_cleanup(void *data);
static void ngx_sos_post_abort_thread(void *data, ngx_log_t *log);
static void ngx_sos_post_abort_done(ngx_event_t *ev);
static void ngx_sos_post_begin_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_begin_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_write_post(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static void ngx_sos_post_write_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_write_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_finish(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static void ngx_sos_post_commit_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_post_commit_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/* fields the policy need not name */

static ngx_str_t  ngx_sos_post_exempt[] = {
    ngx_string("file"),
    ngx_string("policy"),
    ngx_string("x-amz-signature"),
    ngx_string("signature"),
    ngx_string("awsaccesskeyid"),
    ngx_null_string
};


ngx_int_t
ngx_sos_post_object(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_post_t      *st;
    ngx_pool_cleanup_t  *cln;

    if (r->headers_in.content_length_n < 0 && !r->headers_in.chunked) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_MISSING_CONTENT_LENGTH);
    }

    st = ngx_pcalloc(r->pool, sizeof(ngx_sos_post_t));
    if (st == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->ctx = ctx;
    ctx->op_data = st;

    if (ngx_sos_post_boundary(r, st) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "The body of your POST request is not well-formed "
                    "multipart/form-data: no boundary.");
        return ngx_sos_error_send_ctx(r, ctx,
                                      NGX_SOS_ERR_MALFORMED_POST_REQUEST);
    }

    /* the tmp files of an upload not committed go with the request */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_sos_post_cleanup;
    cln->data = st;

    st->fbuf = ngx_pnalloc(r->pool, NGX_SOS_POST_PRE_MAX);
    st->line = ngx_pnalloc(r->pool, NGX_SOS_POST_LINE_MAX);
    st->wbuf = ngx_pnalloc(r->pool, NGX_SOS_POST_WBUF);
    st->wsize = NGX_SOS_POST_WBUF;

    st->job = ngx_sos_job_create(r, ctx, 0);

    if (st->fbuf == NULL || st->line == NULL || st->wbuf == NULL
        || st->job == NULL
        || ngx_array_init(&st->fields, r->pool, 16,
                          sizeof(ngx_sos_post_field_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    st->job->data = st;

    /* the first delimiter has no CRLF before it: as if already matched */

    st->match = 2;
    st->state = NGX_SOS_MP_BODY;
    st->sink = NGX_SOS_SINK_DISCARD;
    st->min_size = 0;
    st->max_size = -1;

    /*
     * no body is read for a bucket that is not there: this job only runs
     * the authorization step, which looks the bucket up
     */

    st->job->run = NULL;
    st->job->done = ngx_sos_post_bucket_done;

    st->busy = 1;

    return ngx_sos_job_start(r, st->job);
}


static ngx_int_t
ngx_sos_post_bucket_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    ngx_int_t  rc;

    st->busy = 0;

    /* the form is the authentication: read it (and "100 Continue") */

    r->request_body_no_buffering = 1;
    r->expect_tested = 0;

    rc = ngx_http_read_client_request_body(r, ngx_sos_post_read);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return ngx_sos_post_fail(r, st, rc);
    }

    /* the body reader holds the request now */

    return NGX_DONE;
}


/* Content-Type: multipart/form-data; boundary=... */

static ngx_int_t
ngx_sos_post_boundary(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    u_char     *p, *end;
    ngx_str_t   b;

    if (r->headers_in.content_type == NULL) {
        return NGX_ERROR;
    }

    p = r->headers_in.content_type->value.data;
    end = p + r->headers_in.content_type->value.len;

    p = ngx_strlcasestrn(p, end, (u_char *) "boundary=", 9 - 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    p += 9;

    if (p < end && *p == '"') {
        b.data = ++p;
        while (p < end && *p != '"') {
            p++;
        }

    } else {
        b.data = p;
        while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
            p++;
        }
    }

    b.len = p - b.data;

    if (b.len == 0 || b.len > 70) {
        return NGX_ERROR;
    }

    st->delim.len = b.len + 4;
    st->delim.data = ngx_pnalloc(r->pool, st->delim.len);
    if (st->delim.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(st->delim.data, "\r\n--", 4);
    ngx_memcpy(st->delim.data + 4, b.data, b.len);

    return NGX_OK;
}


/* post handler and read event handler: parse what arrived */

static void
ngx_sos_post_read(ngx_http_request_t *r)
{
    ngx_int_t        rc;
    ngx_chain_t    **ll;
    ngx_sos_ctx_t   *ctx;
    ngx_sos_err_e    err;
    ngx_sos_post_t  *st;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    st = ctx->op_data;

    r->read_event_handler = ngx_sos_post_read;

    if (st->busy) {
        return;
    }

    for ( ;; ) {
        if (r->reading_body) {
            rc = ngx_http_read_unbuffered_request_body(r);

            if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
                ngx_http_finalize_request(r, ngx_sos_post_fail(r, st, rc));
                return;
            }
        }

        if (r->request_body->bufs == NULL && st->in == NULL
            && r->reading_body)
        {
            return;
        }

        if (r->request_body->bufs) {
            for (ll = &st->in; *ll; ll = &(*ll)->next) { /* void */ }
            *ll = r->request_body->bufs;
            r->request_body->bufs = NULL;
        }

        rc = ngx_sos_post_consume(r, st);

        if (rc == NGX_ERROR) {
            r->keepalive = 0;
            ngx_http_finalize_request(r,
                                 ngx_sos_error_send_ctx(r, ctx, st->err));
            return;
        }

        if (rc == NGX_SOS_POST_BEGIN) {
            err = ngx_sos_post_policy(r, st);

            if (err != NGX_SOS_OK) {
                r->keepalive = 0;
                ngx_http_finalize_request(r,
                                       ngx_sos_error_send_ctx(r, ctx, err));
                return;
            }

            /* the signer, whose WRITE the begin job's step checks */

            ngx_sos_authz_identity(ctx, st->org_id);

            st->job->run = ngx_sos_post_begin_run;
            st->job->done = ngx_sos_post_begin_done;

            if (ngx_sos_job_post(st->job) != NGX_OK) {
                ngx_http_finalize_request(r,
                              ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN));
                return;
            }

            st->busy = 1;
            return;
        }

        if (rc == NGX_SOS_POST_FLUSH) {
            rc = ngx_sos_post_write_post(r, st);
            if (rc != NGX_SOS_CONTINUE) {
                ngx_http_finalize_request(r, rc);
            }
            return;
        }

        /* NGX_AGAIN: all consumed */

        if (!r->reading_body) {
            r->read_event_handler = ngx_http_block_reading;

            rc = ngx_sos_post_finish(r, st);
            if (rc != NGX_SOS_CONTINUE) {
                ngx_http_finalize_request(r, rc);
            }
            return;
        }
    }
}


static ngx_int_t
ngx_sos_post_fail(ngx_http_request_t *r, ngx_sos_post_t *st, ngx_int_t rc)
{
    if (r->connection->error || rc == NGX_HTTP_REQUEST_TIME_OUT
        || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST)
    {
        return rc;
    }

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_LARGE);
    }

    if (rc == NGX_HTTP_BAD_REQUEST) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_MALFORMED_POST_REQUEST);
    }

    return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
}


/* parse st->in: NGX_AGAIN when all is consumed, BEGIN, FLUSH, ERROR */

static ngx_int_t
ngx_sos_post_consume(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_int_t     rc;
    ngx_chain_t  *cl;

    while (st->in) {
        cl = st->in;

        rc = ngx_sos_post_parse(r, st, cl->buf);

        if (cl->buf->pos == cl->buf->last) {
            st->in = cl->next;
            ngx_free_chain(r->pool, cl);
        }

        if (rc != NGX_AGAIN) {
            return rc;
        }
    }

    return NGX_AGAIN;
}


static ngx_int_t
ngx_sos_post_parse(ngx_http_request_t *r, ngx_sos_post_t *st, ngx_buf_t *b)
{
    u_char  *p, *last, *limit, *q, c;
    size_t   room;

    p = b->pos;
    last = b->last;

    while (p < last) {

        switch (st->state) {

        case NGX_SOS_MP_BODY:

            limit = last;

            if (st->sink == NGX_SOS_SINK_FILE) {
                room = st->wsize - st->wlen;

                if (room <= st->delim.len) {
                    b->pos = p;
                    return NGX_SOS_POST_FLUSH;
                }

                if ((size_t) (last - p) > room - st->delim.len) {
                    limit = p + room - st->delim.len;
                }
            }

            while (p < limit) {

                if (st->match == 0) {
                    q = ngx_strlchr(p, limit, '\r');

                    if (q == NULL) {
                        q = limit;
                    }

                    if (q > p) {
                        if (ngx_sos_post_emit(st, p, q - p) != NGX_OK) {
                            return NGX_ERROR;
                        }
                        p = q;
                        continue;
                    }

                    st->match = 1;
                    p++;
                    continue;
                }

                c = *p;

                if (c == st->delim.data[st->match]) {
                    st->match++;
                    p++;

                    if (st->match == st->delim.len) {
                        st->match = 0;

                        if (ngx_sos_post_part_end(r, st) != NGX_OK) {
                            return NGX_ERROR;
                        }

                        st->state = NGX_SOS_MP_TAIL;
                        st->ntail = 0;
                        break;
                    }

                    continue;
                }

                /* not a delimiter: the bytes held back were data */

                if (ngx_sos_post_emit(st, st->delim.data, st->match)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                st->match = 0;
            }

            break;

        case NGX_SOS_MP_TAIL:

            c = *p++;

            if (st->ntail == 0 && (c == ' ' || c == '\t')) {
                break;                   /* transport padding */
            }

            st->tail[st->ntail++] = c;

            if (st->ntail < 2) {
                break;
            }

            if (st->tail[0] == '-' && st->tail[1] == '-') {
                st->state = NGX_SOS_MP_EPILOGUE;
                break;
            }

            if (st->tail[0] == '\r' && st->tail[1] == '\n') {
                st->state = NGX_SOS_MP_HEADER;
                st->line_len = 0;
                ngx_str_null(&st->part_name);
                ngx_str_null(&st->part_filename);
                st->part_has_filename = 0;
                break;
            }

            st->err = NGX_SOS_ERR_MALFORMED_POST_REQUEST;
            return NGX_ERROR;

        case NGX_SOS_MP_HEADER:

            c = *p++;

            if (!st->file_seen && ngx_sos_post_pre_data(st, 1) != NGX_OK) {
                return NGX_ERROR;
            }

            if (c != '\n') {
                if (st->line_len == NGX_SOS_POST_LINE_MAX) {
                    st->err = NGX_SOS_ERR_MALFORMED_POST_REQUEST;
                    return NGX_ERROR;
                }

                st->line[st->line_len++] = c;
                break;
            }

            if (st->line_len && st->line[st->line_len - 1] == '\r') {
                st->line_len--;
            }

            if (st->line_len) {

                /* the parts after the file are skipped unread */

                if (!st->file_seen && ngx_sos_post_header(r, st) != NGX_OK) {
                    return NGX_ERROR;
                }

                st->line_len = 0;
                break;
            }

            /* the part's data begins */

            st->state = NGX_SOS_MP_BODY;

            if (st->file_seen) {
                st->sink = NGX_SOS_SINK_DISCARD;
                break;
            }

            if (st->part_name.len == 0
                || st->fields.nelts == NGX_SOS_POST_PARTS_MAX)
            {
                st->err = NGX_SOS_ERR_MALFORMED_POST_REQUEST;
                return NGX_ERROR;
            }

            if (st->part_name.len == 4
                && ngx_strncmp(st->part_name.data, "file", 4) == 0)
            {
                st->file_seen = 1;
                st->sink = NGX_SOS_SINK_FILE;
                st->filename = st->part_filename;
                b->pos = p;
                return NGX_SOS_POST_BEGIN;
            }

            st->sink = NGX_SOS_SINK_FIELD;
            st->field_start = st->fbuf + st->flen;
            break;

        default: /* NGX_SOS_MP_EPILOGUE */
            p = last;
            break;
        }
    }

    b->pos = p;

    return NGX_AGAIN;
}


static ngx_int_t
ngx_sos_post_emit(ngx_sos_post_t *st, u_char *p, size_t n)
{
    switch (st->sink) {

    case NGX_SOS_SINK_FIELD:
        if (ngx_sos_post_pre_data(st, n) != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_memcpy(st->fbuf + st->flen, p, n);
        st->flen += n;
        return NGX_OK;

    case NGX_SOS_SINK_FILE:
        st->file_size += n;

        if (st->max_size >= 0 && st->file_size > st->max_size) {
            st->err = NGX_SOS_ERR_ENTITY_TOO_LARGE;
            return NGX_ERROR;
        }

        ngx_memcpy(st->wbuf + st->wlen, p, n);
        st->wlen += n;
        return NGX_OK;

    default:
        return NGX_OK;
    }
}


/*
 * What precedes the file (field values and part headers) is held in
 * memory: S3 limits it, and so the memory a form can take before its
 * policy is checked.
 */

static ngx_int_t
ngx_sos_post_pre_data(ngx_sos_post_t *st, size_t n)
{
    st->pre_len += n;

    if (st->pre_len > NGX_SOS_POST_PRE_MAX) {
        st->err = NGX_SOS_ERR_MAX_POST_PRE_DATA;
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_post_part_end(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_sos_post_field_t  *f;

    if (st->sink == NGX_SOS_SINK_FILE) {
        st->file_done = 1;

    } else if (st->sink == NGX_SOS_SINK_FIELD) {

        /*
         * a field given twice: the policy would check the first value and
         * the object take the others too (x-amz-meta-*)
         */

        if (ngx_sos_post_field(st, (char *) st->part_name.data,
                               st->part_name.len)
            != NULL)
        {
            ngx_str_set(&st->ctx->error_message,
                        "A form field is given more than once.");
            st->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            return NGX_ERROR;
        }

        f = ngx_array_push(&st->fields);
        if (f == NULL) {
            st->err = NGX_SOS_ERR_INTERNAL_ERROR;
            return NGX_ERROR;
        }

        f->name = st->part_name;
        f->value.data = st->field_start;
        f->value.len = st->fbuf + st->flen - st->field_start;
    }

    st->sink = NGX_SOS_SINK_DISCARD;

    return NGX_OK;
}


/* one part header line in st->line */

static ngx_int_t
ngx_sos_post_header(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    u_char     *p, *end, *colon;
    ngx_str_t   v;

    p = st->line;
    end = p + st->line_len;

    colon = ngx_strlchr(p, end, ':');
    if (colon == NULL) {
        st->err = NGX_SOS_ERR_MALFORMED_POST_REQUEST;
        return NGX_ERROR;
    }

    if (colon - p != sizeof("content-disposition") - 1
        || ngx_strncasecmp(p, (u_char *) "content-disposition",
                           colon - p)
           != 0)
    {
        return NGX_OK;                   /* Content-Type etc.: unused */
    }

    if (ngx_sos_post_param(r, colon + 1, end, "name", &v) != NGX_OK) {
        st->err = NGX_SOS_ERR_MALFORMED_POST_REQUEST;
        return NGX_ERROR;
    }

    /* field names are case-insensitive */

    st->part_name.data = ngx_pnalloc(r->pool, v.len + 1);
    if (st->part_name.data == NULL) {
        st->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_ERROR;
    }

    ngx_strlow(st->part_name.data, v.data, v.len);
    st->part_name.len = v.len;

    if (ngx_sos_post_param(r, colon + 1, end, "filename", &v) == NGX_OK) {
        st->part_filename.data = ngx_pnalloc(r->pool, v.len + 1);
        if (st->part_filename.data == NULL) {
            st->err = NGX_SOS_ERR_INTERNAL_ERROR;
            return NGX_ERROR;
        }

        ngx_memcpy(st->part_filename.data, v.data, v.len);
        st->part_filename.len = v.len;
        st->part_has_filename = 1;
    }

    return NGX_OK;
}


/* a parameter of Content-Disposition: form-data; name="x"; filename="y" */

static ngx_int_t
ngx_sos_post_param(ngx_http_request_t *r, u_char *p, u_char *end,
    char *name, ngx_str_t *value)
{
    u_char      *s, *d;
    size_t       len;
    ngx_uint_t   match;

    len = ngx_strlen(name);

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ';')) {
            p++;
        }

        s = p;

        while (p < end && *p != '=' && *p != ';') {
            p++;
        }

        if (p == end || *p == ';') {
            continue;                    /* "form-data" */
        }

        /* s..p is a parameter name */

        d = p++;

        while (d > s && (d[-1] == ' ' || d[-1] == '\t')) {
            d--;
        }

        match = ((size_t) (d - s) == len
                 && ngx_strncasecmp(s, (u_char *) name, len) == 0);

        if (p < end && *p == '"') {
            p++;

            /*
             * only the parameter asked for is copied: a copy of the rest
             * of the line for each of hundreds of parameters in a line
             * would turn 20 KiB of part headers into megabytes
             */

            if (match) {
                value->data = ngx_pnalloc(r->pool, end - p);
                if (value->data == NULL) {
                    return NGX_ERROR;
                }

                value->len = 0;
            }

            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end) {
                    p++;
                }

                if (match) {
                    value->data[value->len++] = *p;
                }

                p++;
            }

            if (p == end) {
                return NGX_ERROR;
            }

            p++;

        } else if (match) {
            value->data = p;

            while (p < end && *p != ';') {
                p++;
            }

            value->len = p - value->data;

        } else {
            while (p < end && *p != ';') {
                p++;
            }
        }

        if (match) {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


static ngx_str_t *
ngx_sos_post_field(ngx_sos_post_t *st, char *name, size_t len)
{
    ngx_uint_t             i;
    ngx_sos_post_field_t  *f;

    f = st->fields.elts;

    for (i = 0; i < st->fields.nelts; i++) {
        if (f[i].name.len == len
            && ngx_strncasecmp(f[i].name.data, (u_char *) name, len) == 0)
        {
            return &f[i].value;
        }
    }

    return NULL;
}


/* ------------------------------------------------------------------ */
/* The POST policy                                                    */

static ngx_sos_err_e
ngx_sos_post_policy(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    char            *bad;
    u_char          *p, *d;
    time_t           exp;
    ngx_str_t       *key, *policy, decoded, *v;
    ngx_uint_t       i, canned;
    ngx_sos_ctx_t        *ctx;
    ngx_sos_err_e         err;
    ngx_sos_json_t       *doc, *e, *conds;
    ngx_sos_main_conf_t  *smcf;
    ngx_sos_post_field_t *f;

    ctx = st->ctx;
    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);
    conds = NULL;

    key = ngx_sos_post_field(st, "key", 3);

    if (key == NULL) {
        ngx_str_set(&ctx->error_message,
                    "Bucket POST must contain a field named 'key'.  If it "
                    "is specified, please check the order of the fields.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    policy = ngx_sos_post_field(st, "policy", 6);

    if (policy == NULL) {
        /*
         * an anonymous form (AllUsers): no policy to check, the bucket
         * ACL must grant WRITE to everyone (checked in the begin job)
         */
        st->org_id[0] = '\0';
        st->key = *key;
        goto fields;
    }

    err = ngx_sos_post_signature(r, st, policy);
    if (err != NGX_SOS_OK) {
        return err;
    }

    /* the policy document */

    decoded.data = ngx_pnalloc(r->pool, ngx_base64_decoded_length(
                                                            policy->len));
    if (decoded.data == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (ngx_decode_base64(&decoded, policy) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Invalid Base64 encoding.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    doc = ngx_sos_json_parse(r->pool, decoded.data, decoded.len);

    if (doc == NULL || doc->type != NGX_SOS_JSON_OBJECT) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Invalid JSON.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    e = ngx_sos_json_member(doc, "expiration");

    if (e == NULL || e->type != NGX_SOS_JSON_STRING) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Policy missing expiration.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    exp = ngx_sos_post_parse_time(&e->str);

    if (exp == (time_t) -1) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Invalid 'expiration' value.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

    if (exp < ngx_time()) {
        ngx_str_set(&ctx->error_message,
                    "Invalid according to Policy: Policy expired.");
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    conds = ngx_sos_json_member(doc, "conditions");

    if (conds == NULL || conds->type != NGX_SOS_JSON_ARRAY) {
        ngx_str_set(&ctx->error_message,
                    "Invalid Policy: Policy missing conditions.");
        return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
    }

fields:

    /* the key: ${filename} is the file part's name */

    st->key = *key;

    p = ngx_strlcasestrn(key->data, key->data + key->len,
                         (u_char *) "${filename}", 11 - 1);
    if (p) {
        st->key.len = key->len - 11 + st->filename.len;
        st->key.data = ngx_pnalloc(r->pool, st->key.len + 1);
        if (st->key.data == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        d = ngx_cpymem(st->key.data, key->data, p - key->data);
        if (st->filename.len) {
            d = ngx_cpymem(d, st->filename.data, st->filename.len);
        }
        ngx_memcpy(d, p + 11, key->data + key->len - p - 11);
    }

    if (st->key.len == 0 || st->key.len > SOS_MAX_KEY_LEN) {
        ngx_str_set(&ctx->error_message,
                    "User key must have a length greater than 0 and at "
                    "most 1024.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (ngx_sos_check_key(st->key.data, st->key.len) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "The key field is not valid UTF-8 or contains a control "
                    "character other than tab, line feed and carriage "
                    "return.");
        return NGX_SOS_ERR_INVALID_ARGUMENT;
    }

    if (policy) {
        err = ngx_sos_post_conditions(r, st, conds);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    if (st->max_size < 0 || st->max_size > smcf->max_object_size) {
        st->max_size = smcf->max_object_size;
    }

    v = ngx_sos_post_field(st, "success_action_status", 21);
    if (v) {
        st->status = *v;
    }

    v = ngx_sos_post_field(st, "success_action_redirect", 23);
    if (v == NULL) {
        v = ngx_sos_post_field(st, "redirect", 8);
    }
    if (v) {
        if (ngx_sos_check_value(v->data, v->len) != NGX_OK) {
            return ngx_sos_check_error(r, ctx, "success_action_redirect");
        }

        st->redirect = *v;
    }

    v = ngx_sos_post_field(st, "acl", 3);

    if (v) {
        canned = ngx_sos_acl_canned_find(v);

        if (canned == 0) {
            ngx_str_set(&ctx->error_message,
                        "The acl field is not a canned ACL.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        st->acl = ngx_pcalloc(r->pool, sizeof(ngx_sos_acl_t));
        if (st->acl == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        st->acl->canned = canned;
    }

    /* a field asking for what SOS does not do: refused, not ignored */

    f = st->fields.elts;

    for (i = 0; i < st->fields.nelts; i++) {
        err = ngx_sos_unsupported_check(r, ctx, &f[i].name, &f[i].value, 0);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    if (ngx_sos_post_attrs(r, st) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    bad = ngx_sos_check_attrs(&st->attrs);
    if (bad) {
        return ngx_sos_check_error(r, ctx, bad);
    }

    return NGX_SOS_OK;
}


/* SigV4 (x-amz-*) or SigV2 (AWSAccessKeyId, signature) of the policy */

static ngx_sos_err_e
ngx_sos_post_signature(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *policy)
{
    u_char                mac[32], date[9], hex[64], lower[64], b64[32];
    u_char               *p, *s[5];
    size_t                len[5];
    ngx_str_t            *alg, *cred, *sig, *akid, src, dst;
    ngx_uint_t            i;
    const sos_key_t      *key;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    sig = ngx_sos_post_field(st, "x-amz-signature", 15);

    if (sig) {
        alg = ngx_sos_post_field(st, "x-amz-algorithm", 15);
        cred = ngx_sos_post_field(st, "x-amz-credential", 16);

        if (alg == NULL || cred == NULL
            || ngx_sos_post_field(st, "x-amz-date", 10) == NULL)
        {
            ngx_str_set(&st->ctx->error_message,
                        "Bucket POST must contain the fields "
                        "x-amz-algorithm, x-amz-credential and x-amz-date.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        if (alg->len != sizeof(SOS_SIGV4_ALGORITHM) - 1
            || ngx_strncmp(alg->data, SOS_SIGV4_ALGORITHM, alg->len) != 0)
        {
            ngx_str_set(&st->ctx->error_message,
                        "POST form x-amz-algorithm must be "
                        "AWS4-HMAC-SHA256.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        /* AKID/yyyymmdd/region/s3/aws4_request */

        p = cred->data;

        for (i = 0; i < 5; i++) {
            s[i] = p;

            while (p < cred->data + cred->len && *p != '/') {
                p++;
            }

            len[i] = p - s[i];

            if (i < 4) {
                if (p == cred->data + cred->len) {
                    break;
                }
                p++;
            }
        }

        if (i < 5 || p != cred->data + cred->len || len[1] != 8
            || len[3] != 2 || ngx_strncmp(s[3], "s3", 2) != 0
            || len[4] != sizeof("aws4_request") - 1
            || ngx_strncmp(s[4], "aws4_request", len[4]) != 0
            || len[2] == 0 || len[2] > 64)
        {
            ngx_str_set(&st->ctx->error_message,
                        "Invalid x-amz-credential in the POST form.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        key = ngx_sos_keys_find(smcf->keys, s[0], len[0]);
        if (key == NULL) {
            return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
        }

        ngx_memcpy(date, s[1], 8);
        date[8] = '\0';

        {
            char  region[65];

            ngx_memcpy(region, s[2], len[2]);
            region[len[2]] = '\0';

            sos_sigv4_signing_key(mac, key->secret, ngx_strlen(key->secret),
                                  (char *) date, region, len[2], "s3", 2);
        }

        sos_sigv4_hmac_sha256(mac, mac, 32, policy->data, policy->len);
        sos_sigv4_hex((char *) hex, mac, 32);

        if (sig->len != 64) {
            return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
        }

        /* hex digits in either case, compared in constant time */

        ngx_strlow(lower, sig->data, 64);

        if (CRYPTO_memcmp(hex, lower, 64) != 0) {
            return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
        }

    } else {
        akid = ngx_sos_post_field(st, "awsaccesskeyid", 14);
        sig = ngx_sos_post_field(st, "signature", 9);

        if (akid == NULL || sig == NULL) {
            ngx_str_set(&st->ctx->error_message,
                        "Bucket POST with a policy must be signed: "
                        "x-amz-signature or signature is missing.");
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        key = ngx_sos_keys_find(smcf->keys, akid->data, akid->len);
        if (key == NULL) {
            return NGX_SOS_ERR_INVALID_ACCESS_KEY_ID;
        }

        sos_sigv4_hmac_sha1(mac, key->secret, ngx_strlen(key->secret),
                            policy->data, policy->len);

        src.data = mac;
        src.len = 20;
        dst.data = b64;
        ngx_encode_base64(&dst, &src);

        if (sig->len != dst.len
            || CRYPTO_memcmp(sig->data, dst.data, dst.len) != 0)
        {
            return NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH;
        }
    }

    ngx_cpystrn((u_char *) st->org_id, (u_char *) key->org_id,
                sizeof(st->org_id));

    return NGX_SOS_OK;
}


/* every condition holds, and every field is named by one */

static ngx_sos_err_e
ngx_sos_post_conditions(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_sos_json_t *conds)
{
    u_char                *named;
    off_t                  min, max;
    ngx_str_t              name, value, *op;
    ngx_uint_t             i, k;
    ngx_sos_json_t        *c, *m, *a0, *a1, *a2;
    ngx_sos_post_field_t  *f;

    f = st->fields.elts;

    named = ngx_pcalloc(r->pool, st->fields.nelts + 1);
    if (named == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    for (c = conds->child; c; c = c->next) {

        if (c->type == NGX_SOS_JSON_OBJECT) {

            /* {"field": "value"}: an exact match */

            for (m = c->child; m; m = m->next) {
                if (m->type != NGX_SOS_JSON_STRING) {
                    goto invalid;
                }

                if (ngx_sos_post_value(r, st, &m->name, &value) != NGX_OK
                    || value.len != m->str.len
                    || ngx_strncmp(value.data, m->str.data, value.len) != 0)
                {
                    return ngx_sos_post_failed(r, st->ctx, "eq", &m->name,
                                               &m->str);
                }

                for (k = 0; k < st->fields.nelts; k++) {
                    if (f[k].name.len == m->name.len
                        && ngx_strncasecmp(f[k].name.data, m->name.data,
                                           m->name.len) == 0)
                    {
                        named[k] = 1;
                    }
                }
            }

            continue;
        }

        if (c->type != NGX_SOS_JSON_ARRAY) {
            goto invalid;
        }

        a0 = c->child;
        a1 = a0 ? a0->next : NULL;
        a2 = a1 ? a1->next : NULL;

        if (a0 == NULL || a1 == NULL || a2 == NULL || a2->next
            || a0->type != NGX_SOS_JSON_STRING)
        {
            goto invalid;
        }

        op = &a0->str;

        if (op->len == sizeof("content-length-range") - 1
            && ngx_strncasecmp(op->data, (u_char *) "content-length-range",
                               op->len) == 0)
        {
            if (ngx_sos_post_number(a1, &min) != NGX_OK
                || ngx_sos_post_number(a2, &max) != NGX_OK || min > max)
            {
                goto invalid;
            }

            st->min_size = ngx_max(st->min_size, min);
            st->max_size = (st->max_size < 0) ? max
                                              : ngx_min(st->max_size, max);
            continue;
        }

        if (a1->type != NGX_SOS_JSON_STRING
            || a2->type != NGX_SOS_JSON_STRING
            || a1->str.len < 2 || a1->str.data[0] != '$')
        {
            goto invalid;
        }

        name.data = a1->str.data + 1;
        name.len = a1->str.len - 1;

        if (ngx_sos_post_value(r, st, &name, &value) != NGX_OK) {
            ngx_str_null(&value);
        }

        if (op->len == 2 && ngx_strncasecmp(op->data, (u_char *) "eq", 2) == 0)
        {
            if (value.len != a2->str.len
                || (value.len
                    && ngx_strncmp(value.data, a2->str.data, value.len)
                       != 0))
            {
                return ngx_sos_post_failed(r, st->ctx, "eq", &name,
                                           &a2->str);
            }

        } else if (op->len == 11
                   && ngx_strncasecmp(op->data, (u_char *) "starts-with",
                                      11) == 0)
        {
            if (value.len < a2->str.len
                || (a2->str.len
                    && ngx_strncmp(value.data, a2->str.data, a2->str.len)
                       != 0))
            {
                return ngx_sos_post_failed(r, st->ctx, "starts-with", &name,
                                           &a2->str);
            }

        } else {
            goto invalid;
        }

        for (k = 0; k < st->fields.nelts; k++) {
            if (f[k].name.len == name.len
                && ngx_strncasecmp(f[k].name.data, name.data, name.len) == 0)
            {
                named[k] = 1;
            }
        }
    }

    /* every field but the exempt ones is named by a condition */

    for (k = 0; k < st->fields.nelts; k++) {
        if (named[k]) {
            continue;
        }

        if (f[k].name.len >= 9
            && ngx_strncmp(f[k].name.data, "x-ignore-", 9) == 0)
        {
            continue;
        }

        for (i = 0; ngx_sos_post_exempt[i].len; i++) {
            if (f[k].name.len == ngx_sos_post_exempt[i].len
                && ngx_strncmp(f[k].name.data, ngx_sos_post_exempt[i].data,
                               f[k].name.len) == 0)
            {
                break;
            }
        }

        if (ngx_sos_post_exempt[i].len) {
            continue;
        }

        st->ctx->error_message.data = ngx_pnalloc(r->pool,
                    sizeof("Invalid according to Policy: Extra input "
                           "fields: ") + f[k].name.len);
        if (st->ctx->error_message.data == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        st->ctx->error_message.len =
                    ngx_sprintf(st->ctx->error_message.data,
                                "Invalid according to Policy: Extra input "
                                "fields: %V", &f[k].name)
                    - st->ctx->error_message.data;

        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    return NGX_SOS_OK;

invalid:

    ngx_str_set(&st->ctx->error_message,
                "Invalid Policy: Invalid Simple-Condition: a condition is "
                "not {\"field\": \"value\"}, [\"eq\"|\"starts-with\", "
                "\"$field\", \"value\"] or [\"content-length-range\", "
                "min, max].");

    return NGX_SOS_ERR_INVALID_POLICY_DOCUMENT;
}


/* 403: Invalid according to Policy: Policy Condition failed: [...] */

static ngx_sos_err_e
ngx_sos_post_failed(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *op,
    ngx_str_t *name, ngx_str_t *value)
{
    u_char  *p;
    size_t   len;

    len = sizeof("Invalid according to Policy: Policy Condition failed: "
                 "[\"\", \"$\", \"\"]") + ngx_strlen(op) + name->len
          + value->len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = p;

    /* the name as the policy spelled it, lower case as S3 shows it */

    p = ngx_sprintf(p, "Invalid according to Policy: Policy Condition "
                    "failed: [\"%s\", \"$", op);
    ngx_strlow(p, name->data, name->len);
    p += name->len;
    p = ngx_sprintf(p, "\", \"%V\"]", value);

    ctx->error_message.len = p - ctx->error_message.data;

    return NGX_SOS_ERR_ACCESS_DENIED;
}


/* what a condition compares: bucket, key (substituted), or a field */

static ngx_int_t
ngx_sos_post_value(ngx_http_request_t *r, ngx_sos_post_t *st,
    ngx_str_t *name, ngx_str_t *value)
{
    ngx_str_t  *v;

    if (name->len == 6
        && ngx_strncasecmp(name->data, (u_char *) "bucket", 6) == 0)
    {
        *value = st->ctx->bucket;
        return NGX_OK;
    }

    if (name->len == 3
        && ngx_strncasecmp(name->data, (u_char *) "key", 3) == 0)
    {
        *value = st->key;
        return NGX_OK;
    }

    v = ngx_sos_post_field(st, (char *) name->data, name->len);
    if (v == NULL) {
        return NGX_DECLINED;
    }

    *value = *v;

    return NGX_OK;
}


/* the object's attributes from the fields */

static ngx_int_t
ngx_sos_post_attrs(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_str_t             *v;
    sos_kv_t              *meta;
    ngx_uint_t             i, n;
    ngx_sos_post_field_t  *f;

    st->attrs.owner.data = st->org_id;
    st->attrs.owner.len = ngx_strlen(st->org_id);

#define ngx_sos_post_attr(field, name)                                        \
    v = ngx_sos_post_field(st, name, sizeof(name) - 1);                      \
    if (v) {                                                                  \
        st->attrs.field.data = (char *) v->data;                              \
        st->attrs.field.len = v->len;                                         \
    }

    ngx_sos_post_attr(content_type, "content-type");
    ngx_sos_post_attr(cache_control, "cache-control");
    ngx_sos_post_attr(content_disposition, "content-disposition");
    ngx_sos_post_attr(content_encoding, "content-encoding");
    ngx_sos_post_attr(expires, "expires");

#undef ngx_sos_post_attr

    if (st->attrs.content_type.len == 0) {
        st->attrs.content_type.data = "binary/octet-stream";
        st->attrs.content_type.len = sizeof("binary/octet-stream") - 1;
    }

    f = st->fields.elts;
    n = 0;

    for (i = 0; i < st->fields.nelts; i++) {
        if (f[i].name.len > 11
            && ngx_strncmp(f[i].name.data, "x-amz-meta-", 11) == 0)
        {
            n++;
        }
    }

    if (n) {
        meta = ngx_palloc(r->pool, n * sizeof(sos_kv_t));
        if (meta == NULL) {
            return NGX_ERROR;
        }

        st->attrs.user_meta = meta;
        st->attrs.n_user_meta = n;

        for (i = 0; i < st->fields.nelts; i++) {
            if (f[i].name.len > 11
                && ngx_strncmp(f[i].name.data, "x-amz-meta-", 11) == 0)
            {
                meta->name.data = (char *) f[i].name.data + 11;
                meta->name.len = f[i].name.len - 11;
                meta->value.data = (char *) f[i].value.data;
                meta->value.len = f[i].value.len;
                meta++;
            }
        }
    }

    st->opts.bucket = (char *) st->ctx->bucket.data;
    st->opts.bucket_len = st->ctx->bucket.len;
    st->opts.key = (char *) st->key.data;
    st->opts.key_len = st->key.len;
    st->opts.attrs = &st->attrs;

    return NGX_OK;
}


/* "2026-11-25T14:00:00Z" or with fractional seconds ".000Z" */

static time_t
ngx_sos_post_parse_time(ngx_str_t *s)
{
    u_char     *p;
    ngx_int_t   v[6];
    ngx_uint_t  i;
    static ngx_uint_t  width[6] = { 4, 2, 2, 2, 2, 2 };
    static u_char      sep[6] = { '-', '-', 'T', ':', ':', 0 };
    struct tm   tm;

    p = s->data;

    if (s->len < 20) {
        return (time_t) -1;
    }

    for (i = 0; i < 6; i++) {
        v[i] = ngx_atoi(p, width[i]);
        if (v[i] == NGX_ERROR) {
            return (time_t) -1;
        }

        p += width[i];

        if (sep[i]) {
            if (*p++ != sep[i]) {
                return (time_t) -1;
            }
        }
    }

    if (*p == '.') {
        p++;
        while (p < s->data + s->len && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p != s->data + s->len - 1 || *p != 'Z') {
        return (time_t) -1;
    }

    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23
        || v[4] > 59 || v[5] > 60)
    {
        return (time_t) -1;
    }

    ngx_memzero(&tm, sizeof(struct tm));
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];

    return timegm(&tm);
}


/* a non-negative integer, as a JSON number or a string of digits */

static ngx_int_t
ngx_sos_post_number(ngx_sos_json_t *v, off_t *out)
{
    if (v->type != NGX_SOS_JSON_NUMBER && v->type != NGX_SOS_JSON_STRING) {
        return NGX_ERROR;
    }

    *out = ngx_atoof(v->str.data, v->str.len);

    return (*out == NGX_ERROR) ? NGX_ERROR : NGX_OK;
}


/* ------------------------------------------------------------------ */
/* A strict, bounded JSON parser for policy documents                 */

static ngx_sos_json_t *
ngx_sos_json_parse(ngx_pool_t *pool, u_char *p, size_t len)
{
    ngx_sos_json_t         *v;
    ngx_sos_json_parser_t   jp;

    jp.p = p;
    jp.end = p + len;
    jp.pool = pool;

    v = ngx_sos_json_value(&jp, 0);
    if (v == NULL) {
        return NULL;
    }

    ngx_sos_json_ws(&jp);

    return (jp.p == jp.end) ? v : NULL;
}


static void
ngx_sos_json_ws(ngx_sos_json_parser_t *jp)
{
    while (jp->p < jp->end
           && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n'
               || *jp->p == '\r'))
    {
        jp->p++;
    }
}


static ngx_sos_json_t *
ngx_sos_json_value(ngx_sos_json_parser_t *jp, ngx_uint_t depth)
{
    u_char           *s;
    ngx_sos_json_t   *v, *item, **last;

    ngx_sos_json_ws(jp);

    if (jp->p == jp->end || depth > NGX_SOS_POST_JSON_DEPTH) {
        return NULL;
    }

    v = ngx_pcalloc(jp->pool, sizeof(ngx_sos_json_t));
    if (v == NULL) {
        return NULL;
    }

    switch (*jp->p) {

    case '"':
        v->type = NGX_SOS_JSON_STRING;
        return ngx_sos_json_string(jp, &v->str) == NGX_OK ? v : NULL;

    case '{':
    case '[':
        v->type = (*jp->p == '{') ? NGX_SOS_JSON_OBJECT : NGX_SOS_JSON_ARRAY;
        jp->p++;
        last = &v->child;

        ngx_sos_json_ws(jp);

        if (jp->p < jp->end
            && *jp->p == (v->type == NGX_SOS_JSON_OBJECT ? '}' : ']'))
        {
            jp->p++;
            return v;
        }

        for ( ;; ) {
            ngx_str_t  name;

            ngx_str_null(&name);

            if (v->type == NGX_SOS_JSON_OBJECT) {
                ngx_sos_json_ws(jp);

                if (jp->p == jp->end || *jp->p != '"'
                    || ngx_sos_json_string(jp, &name) != NGX_OK)
                {
                    return NULL;
                }

                ngx_sos_json_ws(jp);

                if (jp->p == jp->end || *jp->p != ':') {
                    return NULL;
                }

                jp->p++;
            }

            item = ngx_sos_json_value(jp, depth + 1);
            if (item == NULL) {
                return NULL;
            }

            item->name = name;
            *last = item;
            last = &item->next;

            ngx_sos_json_ws(jp);

            if (jp->p == jp->end) {
                return NULL;
            }

            if (*jp->p == ',') {
                jp->p++;
                continue;
            }

            if (*jp->p == (v->type == NGX_SOS_JSON_OBJECT ? '}' : ']')) {
                jp->p++;
                return v;
            }

            return NULL;
        }

    case 't':
    case 'f':
    case 'n':
        v->type = NGX_SOS_JSON_LITERAL;
        s = jp->p;

        while (jp->p < jp->end && *jp->p >= 'a' && *jp->p <= 'z') {
            jp->p++;
        }

        v->str.data = s;
        v->str.len = jp->p - s;

        if ((v->str.len == 4 && ngx_strncmp(s, "true", 4) == 0)
            || (v->str.len == 5 && ngx_strncmp(s, "false", 5) == 0)
            || (v->str.len == 4 && ngx_strncmp(s, "null", 4) == 0))
        {
            return v;
        }

        return NULL;

    default:
        /* a number: -?digits(.digits)?([eE][+-]?digits)? */

        v->type = NGX_SOS_JSON_NUMBER;
        s = jp->p;

        if (jp->p < jp->end && *jp->p == '-') {
            jp->p++;
        }

        if (jp->p == jp->end || *jp->p < '0' || *jp->p > '9') {
            return NULL;
        }

        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9') {
            jp->p++;
        }

        if (jp->p < jp->end && *jp->p == '.') {
            jp->p++;
            if (jp->p == jp->end || *jp->p < '0' || *jp->p > '9') {
                return NULL;
            }
            while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9') {
                jp->p++;
            }
        }

        if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
            jp->p++;
            if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-')) {
                jp->p++;
            }
            if (jp->p == jp->end || *jp->p < '0' || *jp->p > '9') {
                return NULL;
            }
            while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9') {
                jp->p++;
            }
        }

        v->str.data = s;
        v->str.len = jp->p - s;

        return v;
    }
}


/* a JSON string at jp->p ('"'), unescaped into the pool (UTF-8) */

static ngx_int_t
ngx_sos_json_string(ngx_sos_json_parser_t *jp, ngx_str_t *out)
{
    u_char    *d, c;
    uint32_t   u, lo;

    jp->p++;

    d = ngx_pnalloc(jp->pool, jp->end - jp->p + 1);
    if (d == NULL) {
        return NGX_ERROR;
    }

    out->data = d;

    while (jp->p < jp->end) {
        c = *jp->p++;

        if (c == '"') {
            out->len = d - out->data;
            return NGX_OK;
        }

        if (c < 0x20) {
            return NGX_ERROR;
        }

        if (c != '\\') {
            *d++ = c;
            continue;
        }

        if (jp->p == jp->end) {
            return NGX_ERROR;
        }

        c = *jp->p++;

        switch (c) {
        case '"': case '\\': case '/':
            *d++ = c;
            break;
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;

        case 'u':
            if (jp->end - jp->p < 4) {
                return NGX_ERROR;
            }

            u = ngx_hextoi(jp->p, 4);
            if (u == (uint32_t) NGX_ERROR) {
                return NGX_ERROR;
            }

            jp->p += 4;

            if (u >= 0xd800 && u <= 0xdbff) {
                if (jp->end - jp->p < 6 || jp->p[0] != '\\'
                    || jp->p[1] != 'u')
                {
                    return NGX_ERROR;
                }

                lo = ngx_hextoi(jp->p + 2, 4);
                if (lo == (uint32_t) NGX_ERROR || lo < 0xdc00 || lo > 0xdfff)
                {
                    return NGX_ERROR;
                }

                jp->p += 6;
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);

            } else if (u >= 0xdc00 && u <= 0xdfff) {
                return NGX_ERROR;
            }

            if (u < 0x80) {
                *d++ = (u_char) u;
            } else if (u < 0x800) {
                *d++ = (u_char) (0xc0 | (u >> 6));
                *d++ = (u_char) (0x80 | (u & 0x3f));
            } else if (u < 0x10000) {
                *d++ = (u_char) (0xe0 | (u >> 12));
                *d++ = (u_char) (0x80 | ((u >> 6) & 0x3f));
                *d++ = (u_char) (0x80 | (u & 0x3f));
            } else {
                *d++ = (u_char) (0xf0 | (u >> 18));
                *d++ = (u_char) (0x80 | ((u >> 12) & 0x3f));
                *d++ = (u_char) (0x80 | ((u >> 6) & 0x3f));
                *d++ = (u_char) (0x80 | (u & 0x3f));
            }

            break;

        default:
            return NGX_ERROR;
        }
    }

    return NGX_ERROR;
}


static ngx_sos_json_t *
ngx_sos_json_member(ngx_sos_json_t *obj, char *name)
{
    size_t           len;
    ngx_sos_json_t  *m;

    len = ngx_strlen(name);

    for (m = obj->child; m; m = m->next) {
        if (m->name.len == len && ngx_strncmp(m->name.data, name, len) == 0) {
            return m;
        }
    }

    return NULL;
}


/* ------------------------------------------------------------------ */
/* Store jobs                                                         */

static void
ngx_sos_post_cleanup(void *data)
{
    ngx_sos_post_t *st = data;

    ngx_thread_task_t    *task;
    ngx_sos_main_conf_t  *smcf;

    if (st->put == NULL) {
        return;
    }

    /* removing the tmp files is disk work: a task that outlives r */

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle, ngx_http_sos_module);

    task = ngx_calloc(sizeof(ngx_thread_task_t) + sizeof(sos_put_t *),
                      ngx_cycle->log);

    if (task == NULL) {
        sos_put_abort(st->put);
        st->put = NULL;
        return;
    }

    task->ctx = task + 1;
    *(sos_put_t **) task->ctx = st->put;
    st->put = NULL;

    task->handler = ngx_sos_post_abort_thread;
    task->event.handler = ngx_sos_post_abort_done;
    task->event.data = task;
    task->event.log = ngx_cycle->log;

    if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
        sos_put_abort(*(sos_put_t **) task->ctx);
        ngx_free(task);
    }
}


static void
ngx_sos_post_abort_thread(void *data, ngx_log_t *log)
{
    sos_put_abort(*(sos_put_t **) data);
}


static void
ngx_sos_post_abort_done(ngx_event_t *ev)
{
    ngx_free(ev->data);
}


static void
ngx_sos_post_begin_run(ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    /* the bucket the step looked up, WRITE checked for the signer */

    if (st->acl) {
        st->acl_err = ngx_sos_acl_build(job->store, st->acl, st->org_id,
                                        job->ctx->authz.bucket->bucket.owner,
                                        &job->rc, &job->err);

        if (st->acl_err == NGX_SOS_OK && job->rc == SOS_OK) {
            st->attrs.acl.data = (char *) st->acl->blob;
            st->attrs.acl.len = st->acl->blob_len;
        }
    }

    if (st->acl_err != NGX_SOS_OK || job->rc != SOS_OK) {
        return;
    }

    job->rc = sos_put_begin(&st->put, job->store, &st->opts, &job->err);
}


static ngx_int_t
ngx_sos_post_begin_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    st->busy = 0;

    if (job->rc != SOS_OK) {
        r->keepalive = 0;
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (st->acl_err != NGX_SOS_OK) {
        r->keepalive = 0;
        return ngx_sos_error_send(r, st->acl_err);
    }

    ngx_sos_post_read(r);

    return NGX_SOS_CONTINUE;
}


/* NGX_SOS_CONTINUE once posted, else what to finalize with */

static ngx_int_t
ngx_sos_post_write_post(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    st->job->run = ngx_sos_post_write_run;
    st->job->done = ngx_sos_post_write_done;

    if (ngx_sos_job_post(st->job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    st->busy = 1;

    return NGX_SOS_CONTINUE;
}


static void
ngx_sos_post_write_run(ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    job->rc = sos_put_write(st->put, st->wbuf, st->wlen, &job->err);
}


static ngx_int_t
ngx_sos_post_write_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    st->busy = 0;
    st->wlen = 0;

    if (r->connection->error) {
        return NGX_ERROR;
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    if (st->last) {
        job->run = ngx_sos_post_commit_run;
        job->done = ngx_sos_post_commit_done;

        if (ngx_sos_job_post(job) != NGX_OK) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
        }

        st->busy = 1;
        return NGX_SOS_CONTINUE;
    }

    ngx_sos_post_read(r);

    return NGX_SOS_CONTINUE;
}


/* the body is read: the last bytes, then the commit (NGX_SOS_CONTINUE) */

static ngx_int_t
ngx_sos_post_finish(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    if (!st->file_seen) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INCORRECT_NUMBER_OF_FILES);
    }

    if (!st->file_done) {
        ngx_str_set(&st->ctx->error_message,
                    "The body of your POST request is not well-formed "
                    "multipart/form-data: the file part does not end.");
        return ngx_sos_error_send_ctx(r, st->ctx,
                                      NGX_SOS_ERR_MALFORMED_POST_REQUEST);
    }

    if (st->file_size < st->min_size) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ENTITY_TOO_SMALL);
    }

    st->last = 1;

    if (st->wlen) {
        return ngx_sos_post_write_post(r, st);
    }

    st->job->run = ngx_sos_post_commit_run;
    st->job->done = ngx_sos_post_commit_done;

    if (ngx_sos_job_post(st->job) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_SLOW_DOWN);
    }

    st->busy = 1;

    return NGX_SOS_CONTINUE;
}


static void
ngx_sos_post_commit_run(ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    sos_put_t  *put;

    /* the commit frees the put whatever it returns */

    put = st->put;
    st->put = NULL;

    job->rc = sos_put_commit(put, &st->info, &job->err);
}


static ngx_int_t
ngx_sos_post_commit_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_post_t *st = job->data;

    u_char             *p;
    size_t              len;
    ngx_str_t           etag, location;
    ngx_uint_t          status;
    ngx_table_elt_t    *h;
    ngx_sos_xml_out_t   x;

    st->busy = 0;

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    len = ngx_strlen(st->info.etag);
    etag.data = ngx_pnalloc(r->pool, len + 2);
    if (etag.data == NULL) {
        sos_object_info_release(&st->info);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    etag.len = ngx_sprintf(etag.data, "\"%s\"", st->info.etag) - etag.data;

    sos_object_info_release(&st->info);

    if (ngx_sos_header_add(r, "ETag", &etag) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Location: the object's URL, path style */

    location.data = ngx_pnalloc(r->pool, sizeof("https://") - 1
                                + r->headers_in.server.len
                                + (r->headers_in.host
                                   ? r->headers_in.host->value.len : 0)
                                + 3 * (st->ctx->bucket.len + st->key.len)
                                + 2);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(location.data, "%s://%V",
#if (NGX_HTTP_SSL)
                    r->connection->ssl ? "https" :
#endif
                    "http",
                    r->headers_in.host ? &r->headers_in.host->value
                                       : &r->headers_in.server);

    *p++ = '/';
    p = (u_char *) ngx_escape_uri(p, st->ctx->bucket.data,
                                  st->ctx->bucket.len, NGX_ESCAPE_ARGS);
    *p++ = '/';
    p = (u_char *) ngx_escape_uri(p, st->key.data, st->key.len,
                                  NGX_ESCAPE_ARGS);
    location.len = p - location.data;

    if (st->redirect.len) {

        /* 303 to the URL with bucket, key and etag */

        len = st->redirect.len + sizeof("?bucket=&key=&etag=")
              + 3 * (st->ctx->bucket.len + st->key.len + etag.len);

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Location");
        h->value.data = p;

        p = ngx_cpymem(p, st->redirect.data, st->redirect.len);
        *p++ = ngx_strlchr(st->redirect.data,
                           st->redirect.data + st->redirect.len, '?')
               ? '&' : '?';
        p = ngx_cpymem(p, "bucket=", 7);
        p = (u_char *) ngx_escape_uri(p, st->ctx->bucket.data,
                                      st->ctx->bucket.len, NGX_ESCAPE_ARGS);
        p = ngx_cpymem(p, "&key=", 5);
        p = (u_char *) ngx_escape_uri(p, st->key.data, st->key.len,
                                      NGX_ESCAPE_ARGS);
        p = ngx_cpymem(p, "&etag=", 6);
        p = (u_char *) ngx_escape_uri(p, etag.data, etag.len,
                                      NGX_ESCAPE_ARGS);
        h->value.len = p - h->value.data;

        return ngx_sos_send_xml(r, NGX_HTTP_SEE_OTHER, NULL);
    }

    if (ngx_sos_header_add(r, "Location", &location) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    status = NGX_HTTP_NO_CONTENT;

    if (st->status.len == 3) {
        if (ngx_strncmp(st->status.data, "200", 3) == 0) {
            status = NGX_HTTP_OK;

        } else if (ngx_strncmp(st->status.data, "201", 3) == 0) {
            status = NGX_HTTP_CREATED;
        }
    }

    if (status != NGX_HTTP_CREATED) {
        return ngx_sos_send_xml(r, status, NULL);
    }

    ngx_sos_xml_out_init(&x, r->pool, 512);

    ngx_sos_xml_literal(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                            CRLF "<PostResponse>");
    ngx_sos_xml_element(&x, "Location", location.data, location.len, 0);
    ngx_sos_xml_element(&x, "Bucket", st->ctx->bucket.data,
                        st->ctx->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", st->key.data, st->key.len, 0);
    ngx_sos_xml_element(&x, "ETag", etag.data, etag.len, 0);
    ngx_sos_xml_literal(&x, "</PostResponse>");

    return ngx_sos_xml_send(r, NGX_HTTP_CREATED, &x);
}
