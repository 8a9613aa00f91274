
/*
 * SOS: what every website response ends with: its last headers, and the
 * HTML error page S3's website endpoint sends (ngx_sos_website.c).
 */


#include "ngx_sos_cors.h"
#include "ngx_sos_website.h"


static char *ngx_sos_website_reason(ngx_uint_t status);


/*
 * The end of every website response's headers, whatever the response
 * (object, error document, redirect, error page): S3's x-amz-error-code
 * and -message when it answers an error (e; message NULL: the table's),
 * and, once per response, the headers the bucket's settings add: CORS,
 * from w->info->conf[SOS_BUCKET_CORS] (w, or w->info, is NULL when no
 * bucket was looked up).  Once: an object's answer whose headers
 * were finished may still turn into an error page (412, 416), which
 * comes here again with its error.
 */

ngx_int_t
ngx_sos_website_headers(ngx_http_request_t *r, ngx_sos_website_t *w,
    ngx_sos_error_t *e, ngx_str_t *message)
{
    if (e) {
        if (message == NULL) {
            message = &e->message;
        }

        if (ngx_sos_header_add(r, "x-amz-error-code", &e->code) != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_sos_check_value(message->data, message->len) == NGX_OK
            && ngx_sos_header_add(r, "x-amz-error-message", message)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (w) {
        if (w->finished) {
            return NGX_OK;
        }

        w->finished = 1;

        /* the bucket's CORS rules, once it was read */

        if (w->info
            && ngx_sos_cors_apply(r, &w->info->conf[SOS_BUCKET_CORS])
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* ------------------------------------------------------------------ */
/* error pages                                                        */


/*
 * S3's HTML page; ngx_sos_error_send_ex() sends it for every error of a
 * website request (with the state of ngx_sos_website_start(), if it
 * ran: ctx->website).
 */

ngx_int_t
ngx_sos_website_error_send(ngx_http_request_t *r, ngx_sos_error_t *e,
    ngx_str_t *message)
{
    char               *reason;
    size_t              len;
    ngx_buf_t          *b;
    ngx_str_t           rid, name, value, *doc_key;
    ngx_chain_t         out;
    ngx_sos_ctx_t      *ctx;
    ngx_sos_error_t    *de;
    ngx_sos_website_t  *w;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    w = ctx ? ctx->website : NULL;

    if (ngx_sos_request_id(r, &rid) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* what the error is about: the bucket, or the key */

    ngx_str_null(&name);
    ngx_str_null(&value);

    if (ctx && (e == ngx_sos_error_get(NGX_SOS_ERR_NO_SUCH_BUCKET)
                || e == ngx_sos_error_get(
                            NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION)))
    {
        ngx_str_set(&name, "BucketName");
        value = ctx->bucket;

    } else if (ctx && e->status == NGX_HTTP_NOT_FOUND) {
        ngx_str_set(&name, "Key");
        value = w ? w->key : ctx->key;
    }

    doc_key = NULL;
    de = NULL;

    if (w && w->doc_err != NGX_SOS_OK) {
        doc_key = &w->wc.error_key;
        de = ngx_sos_error_get(w->doc_err);
    }

    reason = ngx_sos_website_reason(e->status);

    len = sizeof("<html>\n<head><title> </title></head>\n<body>\n"
                 "<h1> </h1>\n<ul>\n<li>Code: </li>\n<li>Message: </li>\n"
                 "<li>: </li>\n<li>RequestId: </li>\n<li>HostId: </li>\n"
                 "</ul>\n<hr/>\n</body>\n</html>\n")
          + 2 * (3 + ngx_strlen(reason)) + e->code.len
          + ngx_sos_xml_escape_len(message->data, message->len)
          + name.len + ngx_sos_xml_escape_len(value.data, value.len)
          + 2 * rid.len;

    if (doc_key) {
        len += sizeof("<h3>An Error Occurred While Attempting to Retrieve a "
                      "Custom Error Document</h3>\n<ul>\n<li>Code: </li>\n"
                      "<li>Message: </li>\n<li>Key: </li>\n</ul>\n")
               + de->code.len + de->message.len
               + ngx_sos_xml_escape_len(doc_key->data, doc_key->len);
    }

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_sprintf(b->last, "<html>\n<head><title>%ui %s</title>"
                          "</head>\n<body>\n<h1>%ui %s</h1>\n<ul>\n"
                          "<li>Code: %V</li>\n<li>Message: ",
                          e->status, reason, e->status, reason, &e->code);
    b->last = ngx_sos_xml_escape(b->last, message->data, message->len);
    b->last = ngx_cpymem(b->last, "</li>\n", sizeof("</li>\n") - 1);

    if (name.len) {
        b->last = ngx_sprintf(b->last, "<li>%V: ", &name);
        b->last = ngx_sos_xml_escape(b->last, value.data, value.len);
        b->last = ngx_cpymem(b->last, "</li>\n", sizeof("</li>\n") - 1);
    }

    b->last = ngx_sprintf(b->last, "<li>RequestId: %V</li>\n"
                          "<li>HostId: %V</li>\n</ul>\n", &rid, &rid);

    if (doc_key) {
        b->last = ngx_sprintf(b->last, "<h3>An Error Occurred While "
                              "Attempting to Retrieve a Custom Error "
                              "Document</h3>\n<ul>\n<li>Code: %V</li>\n"
                              "<li>Message: %V</li>\n<li>Key: ",
                              &de->code, &de->message);
        b->last = ngx_sos_xml_escape(b->last, doc_key->data, doc_key->len);
        b->last = ngx_cpymem(b->last, "</li>\n</ul>\n",
                             sizeof("</li>\n</ul>\n") - 1);
    }

    b->last = ngx_cpymem(b->last, "<hr/>\n</body>\n</html>\n",
                         sizeof("<hr/>\n</body>\n</html>\n") - 1);

    if (ngx_sos_website_headers(r, w, e, message) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_sos_send(r, e->status, "text/html; charset=utf-8", &out,
                        b->last - b->pos);
}


static char *
ngx_sos_website_reason(ngx_uint_t status)
{
    switch (status) {

    case NGX_HTTP_BAD_REQUEST:
        return "Bad Request";

    case NGX_HTTP_FORBIDDEN:
        return "Forbidden";

    case NGX_HTTP_NOT_FOUND:
        return "Not Found";

    case NGX_HTTP_NOT_ALLOWED:
        return "Method Not Allowed";

    case NGX_HTTP_PRECONDITION_FAILED:
        return "Precondition Failed";

    case NGX_HTTP_RANGE_NOT_SATISFIABLE:
        return "Requested Range Not Satisfiable";

    case NGX_HTTP_SERVICE_UNAVAILABLE:
        return "Service Unavailable";

    case NGX_HTTP_INSUFFICIENT_STORAGE:
        return "Insufficient Storage";

    default:
        return "Internal Server Error";
    }
}
