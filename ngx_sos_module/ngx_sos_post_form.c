
/*
 * SOS: POST Object's multipart/form-data parser.
 *
 * The body is parsed as it arrives, one buffer at a time, by a resumable
 * state machine: the fields before the "file" part are kept (values and
 * part headers together at most NGX_SOS_POST_PRE_MAX bytes, as S3's
 * MaxPostPreDataLengthExceeded), the file part goes into the write
 * buffer, what follows it is skipped unread.
 */


#include "ngx_sos_post.h"


static ngx_int_t ngx_sos_post_form_buf(ngx_http_request_t *r,
    ngx_sos_post_t *st, ngx_buf_t *b);
static ngx_int_t ngx_sos_post_form_emit(ngx_sos_post_t *st, u_char *p,
    size_t n);
static ngx_int_t ngx_sos_post_form_pre_data(ngx_sos_post_t *st, size_t n);
static ngx_int_t ngx_sos_post_form_part_end(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_form_header(ngx_http_request_t *r,
    ngx_sos_post_t *st);
static ngx_int_t ngx_sos_post_form_param(ngx_http_request_t *r, u_char *p,
    u_char *end, char *name, ngx_str_t *value);


/* Content-Type: multipart/form-data; boundary=... */

ngx_int_t
ngx_sos_post_form_boundary(ngx_http_request_t *r, ngx_sos_post_t *st)
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


ngx_int_t
ngx_sos_post_form_parse(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_int_t     rc;
    ngx_chain_t  *cl;

    while (st->in) {
        cl = st->in;

        rc = ngx_sos_post_form_buf(r, st, cl->buf);

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


/* one buffer of the body, from b->pos: as ngx_sos_post_form_parse() */

static ngx_int_t
ngx_sos_post_form_buf(ngx_http_request_t *r, ngx_sos_post_t *st, ngx_buf_t *b)
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
                        if (ngx_sos_post_form_emit(st, p, q - p) != NGX_OK) {
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

                        if (ngx_sos_post_form_part_end(r, st) != NGX_OK) {
                            return NGX_ERROR;
                        }

                        st->state = NGX_SOS_MP_TAIL;
                        st->ntail = 0;
                        break;
                    }

                    continue;
                }

                /* not a delimiter: the bytes held back were data */

                if (ngx_sos_post_form_emit(st, st->delim.data, st->match)
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
                break;
            }

            st->err = NGX_SOS_ERR_MALFORMED_POST_REQUEST;
            return NGX_ERROR;

        case NGX_SOS_MP_HEADER:

            c = *p++;

            if (!st->file_seen && ngx_sos_post_form_pre_data(st, 1) != NGX_OK) {
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

                if (!st->file_seen
                    && ngx_sos_post_form_header(r, st) != NGX_OK)
                {
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
ngx_sos_post_form_emit(ngx_sos_post_t *st, u_char *p, size_t n)
{
    switch (st->sink) {

    case NGX_SOS_SINK_FIELD:
        if (ngx_sos_post_form_pre_data(st, n) != NGX_OK) {
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
ngx_sos_post_form_pre_data(ngx_sos_post_t *st, size_t n)
{
    st->pre_len += n;

    if (st->pre_len > NGX_SOS_POST_PRE_MAX) {
        st->err = NGX_SOS_ERR_MAX_POST_PRE_DATA;
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_post_form_part_end(ngx_http_request_t *r, ngx_sos_post_t *st)
{
    ngx_sos_post_field_t  *f;

    if (st->sink == NGX_SOS_SINK_FILE) {
        st->file_done = 1;

    } else if (st->sink == NGX_SOS_SINK_FIELD) {

        /*
         * a field given twice: the policy would check the first value and
         * the object take the others too (x-amz-meta-*)
         */

        if (ngx_sos_post_form_field(st, (char *) st->part_name.data,
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
ngx_sos_post_form_header(ngx_http_request_t *r, ngx_sos_post_t *st)
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

    if (ngx_sos_post_form_param(r, colon + 1, end, "name", &v) != NGX_OK) {
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

    if (ngx_sos_post_form_param(r, colon + 1, end, "filename", &v) == NGX_OK) {
        st->part_filename.data = ngx_pnalloc(r->pool, v.len + 1);
        if (st->part_filename.data == NULL) {
            st->err = NGX_SOS_ERR_INTERNAL_ERROR;
            return NGX_ERROR;
        }

        ngx_memcpy(st->part_filename.data, v.data, v.len);
        st->part_filename.len = v.len;
    }

    return NGX_OK;
}


/* a parameter of Content-Disposition: form-data; name="x"; filename="y" */

static ngx_int_t
ngx_sos_post_form_param(ngx_http_request_t *r, u_char *p, u_char *end,
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


ngx_str_t *
ngx_sos_post_form_field(ngx_sos_post_t *st, char *name, size_t len)
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
