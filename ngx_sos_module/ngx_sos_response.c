
/*
 * SOS: what every S3 response carries, and XML responses.
 */


#include "ngx_sos_cors.h"


ngx_int_t
ngx_sos_request_id(ngx_http_request_t *r, ngx_str_t *id)
{
    ngx_sos_main_conf_t        *smcf;
    ngx_http_variable_value_t  *v;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    v = ngx_http_get_indexed_variable(r, smcf->request_id_index);

    if (v == NULL || v->not_found) {
        return NGX_ERROR;
    }

    id->len = v->len;
    id->data = v->data;

    return NGX_OK;
}


ngx_int_t
ngx_sos_header_add(ngx_http_request_t *r, char *name, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.len = ngx_strlen(name);
    h->key.data = (u_char *) name;
    h->value = *value;

    return NGX_OK;
}


ngx_int_t
ngx_sos_common_headers(ngx_http_request_t *r)
{
    ngx_str_t  id;

    if (ngx_sos_request_id(r, &id) != NGX_OK) {
        return NGX_ERROR;
    }

    /* S3 sends an opaque extended id too; some clients log it */
    if (ngx_sos_header_add(r, "x-amz-request-id", &id) != NGX_OK
        || ngx_sos_header_add(r, "x-amz-id-2", &id) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* Access-Control-*, when the request has an Origin a rule allows */

    return ngx_sos_cors_headers(r);
}


/*
 * One contract for every function that sends a response: this one,
 * ngx_sos_send_xml(), ngx_sos_error_send*(), the operations' own senders
 * and each helper that returns what they return.  The result is what the
 * caller must return in turn, and never NGX_OK, which callers read as
 * "go on" (so a helper that answered 400 cannot be taken for one that
 * parsed its input).  Once the response is handed to nginx (NGX_OK, or
 * NGX_AGAIN while output is buffered) the request is finalized here and
 * the result is NGX_DONE: the reference taken first keeps r alive until
 * that NGX_DONE reaches ngx_http_finalize_request() (from the content
 * handler, a job's completion or a body handler), which releases it.  A
 * failed send stays NGX_ERROR or the HTTP code to finalize with.
 */

ngx_int_t
ngx_sos_sent(ngx_http_request_t *r, ngx_int_t rc)
{
    if (rc != NGX_OK && rc != NGX_AGAIN) {
        return (rc > NGX_OK) ? rc : NGX_ERROR;
    }

    r->main->count++;
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


ngx_int_t
ngx_sos_send_xml(ngx_http_request_t *r, ngx_uint_t status, ngx_buf_t *b)
{
    ngx_chain_t  out;

    if (b == NULL) {
        return ngx_sos_send(r, status, NULL, NULL, 0);
    }

    out.buf = b;
    out.next = NULL;

    return ngx_sos_send(r, status, "application/xml", &out, b->last - b->pos);
}


ngx_int_t
ngx_sos_send(ngx_http_request_t *r, ngx_uint_t status, char *type,
    ngx_chain_t *out, off_t length)
{
    ngx_int_t     rc;
    ngx_chain_t  *cl;

    if (ngx_sos_common_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    if (out == NULL) {
        r->headers_out.content_length_n = 0;
        r->header_only = 1;
        return ngx_sos_sent(r, ngx_http_send_header(r));
    }

    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = length;

    for (cl = out; cl->next; cl = cl->next) { /* void */ }

    cl->buf->last_buf = (r == r->main) ? 1 : 0;
    cl->buf->last_in_chain = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return ngx_sos_sent(r, rc);
    }

    return ngx_sos_sent(r, ngx_http_output_filter(r, out));
}

