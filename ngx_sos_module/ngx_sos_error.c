
/*
 * SOS: S3 error responses.
 *
 * One table maps each error to its S3 code, HTTP status and message; the
 * body is the S3 XML error document, and its RequestId is $request_id, the
 * same value as the x-amz-request-id header and the access log.
 */


#include "ngx_sos_module.h"


static ngx_int_t ngx_sos_error_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_str_t *value);


static ngx_sos_error_t  ngx_sos_errors[] = {

    [NGX_SOS_ERR_INTERNAL_ERROR] = {
      ngx_string("InternalError"), NGX_HTTP_INTERNAL_SERVER_ERROR,
      ngx_string("We encountered an internal error. Please try again."),
      NGX_LOG_ERR },

    [NGX_SOS_ERR_NOT_IMPLEMENTED] = {
      ngx_string("NotImplemented"), NGX_HTTP_NOT_IMPLEMENTED,
      ngx_string("This operation is not implemented."),
      0 },

    [NGX_SOS_ERR_SLOW_DOWN] = {
      ngx_string("SlowDown"), NGX_HTTP_SERVICE_UNAVAILABLE,
      ngx_string("Please reduce your request rate."),
      0 },

    [NGX_SOS_ERR_SERVICE_UNAVAILABLE] = {
      ngx_string("ServiceUnavailable"), NGX_HTTP_SERVICE_UNAVAILABLE,
      ngx_string("The store is not available. Please try again."),
      NGX_LOG_ERR },

    [NGX_SOS_ERR_NO_SUCH_BUCKET] = {
      ngx_string("NoSuchBucket"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified bucket does not exist."),
      0 },

    [NGX_SOS_ERR_NO_SUCH_KEY] = {
      ngx_string("NoSuchKey"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified key does not exist."),
      0 },

    [NGX_SOS_ERR_NO_SUCH_UPLOAD] = {
      ngx_string("NoSuchUpload"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified multipart upload does not exist."),
      0 },

    [NGX_SOS_ERR_BUCKET_ALREADY_EXISTS] = {
      ngx_string("BucketAlreadyExists"), NGX_HTTP_CONFLICT,
      ngx_string("The requested bucket name is not available."),
      0 },

    [NGX_SOS_ERR_BUCKET_NOT_EMPTY] = {
      ngx_string("BucketNotEmpty"), NGX_HTTP_CONFLICT,
      ngx_string("The bucket you tried to delete is not empty."),
      0 },

    [NGX_SOS_ERR_PRECONDITION_FAILED] = {
      ngx_string("PreconditionFailed"), NGX_HTTP_PRECONDITION_FAILED,
      ngx_string("At least one of the preconditions you specified "
                 "did not hold."),
      0 },

    [NGX_SOS_ERR_INVALID_PART] = {
      ngx_string("InvalidPart"), NGX_HTTP_BAD_REQUEST,
      ngx_string("One or more of the specified parts could not be found."),
      0 },

    [NGX_SOS_ERR_INVALID_PART_ORDER] = {
      ngx_string("InvalidPartOrder"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The list of parts was not in ascending order."),
      0 },

    [NGX_SOS_ERR_ENTITY_TOO_SMALL] = {
      ngx_string("EntityTooSmall"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Your proposed upload is smaller than the minimum "
                 "allowed size."),
      0 },

    [NGX_SOS_ERR_ENTITY_TOO_LARGE] = {
      ngx_string("EntityTooLarge"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Your proposed upload exceeds the maximum allowed size."),
      0 },

    [NGX_SOS_ERR_INVALID_ARGUMENT] = {
      ngx_string("InvalidArgument"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Invalid Argument"),
      0 },

    [NGX_SOS_ERR_INVALID_RANGE] = {
      ngx_string("InvalidRange"), NGX_HTTP_RANGE_NOT_SATISFIABLE,
      ngx_string("The requested range is not satisfiable."),
      0 },

    [NGX_SOS_ERR_ACCESS_DENIED] = {
      ngx_string("AccessDenied"), NGX_HTTP_FORBIDDEN,
      ngx_string("Access Denied"),
      0 },
};


ngx_sos_err_e
ngx_sos_error_from_store(sos_rc_e rc)
{
    switch (rc) {

    case SOS_ENOTFOUND:
        return NGX_SOS_ERR_NO_SUCH_KEY;

    case SOS_ENOBUCKET:
        return NGX_SOS_ERR_NO_SUCH_BUCKET;

    case SOS_ENOUPLOAD:
        return NGX_SOS_ERR_NO_SUCH_UPLOAD;

    case SOS_EEXIST:
        return NGX_SOS_ERR_BUCKET_ALREADY_EXISTS;

    case SOS_ENOTEMPTY:
        return NGX_SOS_ERR_BUCKET_NOT_EMPTY;

    case SOS_EBUSY:
        return NGX_SOS_ERR_SLOW_DOWN;

    case SOS_EQUORUM:
        return NGX_SOS_ERR_SERVICE_UNAVAILABLE;

    case SOS_ERANGE:
        return NGX_SOS_ERR_INVALID_RANGE;

    case SOS_EINVAL:
        return NGX_SOS_ERR_INVALID_ARGUMENT;

    case SOS_EPRECONDITION:
        return NGX_SOS_ERR_PRECONDITION_FAILED;

    case SOS_EINVALIDPART:
        return NGX_SOS_ERR_INVALID_PART;

    case SOS_EPARTORDER:
        return NGX_SOS_ERR_INVALID_PART_ORDER;

    case SOS_ETOOSMALL:
        return NGX_SOS_ERR_ENTITY_TOO_SMALL;

    case SOS_ETOOLARGE:
        return NGX_SOS_ERR_ENTITY_TOO_LARGE;

    default:
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }
}


ngx_int_t
ngx_sos_error_send(ngx_http_request_t *r, ngx_sos_err_e err)
{
    size_t                len;
    ngx_int_t             rc;
    ngx_buf_t            *b;
    ngx_str_t             rid, name, value;
    ngx_chain_t           out;
    ngx_sos_error_t      *e;
    ngx_sos_main_conf_t  *smcf;
    ngx_http_variable_value_t  *v;

    static ngx_str_t  retry_after = ngx_string("Retry-After");
    static ngx_str_t  request_id = ngx_string("x-amz-request-id");

    if (err >= NGX_SOS_ERR_MAX) {
        err = NGX_SOS_ERR_INTERNAL_ERROR;
    }

    e = &ngx_sos_errors[err];

    if (e->log_level) {
        ngx_log_error(e->log_level, r->connection->log, 0,
                      "sos: %V", &e->code);
    }

    if (r->header_sent) {
        return NGX_ERROR;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    ngx_str_null(&rid);

    v = ngx_http_get_indexed_variable(r, smcf->request_id_index);

    if (v != NULL && !v->not_found) {
        rid.len = v->len;
        rid.data = v->data;
    }

    len = sizeof("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" CRLF
                 "<Error><Code></Code><Message></Message>"
                 "<Resource></Resource><RequestId></RequestId></Error>" CRLF)
          - 1
          + e->code.len + e->message.len
          + ngx_sos_xml_escape_len(r->uri.data, r->uri.len)
          + ngx_sos_xml_escape_len(rid.data, rid.len);

    /* all is allocated before the header would be sent */

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" CRLF
                         "<Error><Code>",
                         sizeof("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                CRLF "<Error><Code>") - 1);
    b->last = ngx_cpymem(b->last, e->code.data, e->code.len);
    b->last = ngx_cpymem(b->last, "</Code><Message>",
                         sizeof("</Code><Message>") - 1);
    b->last = ngx_cpymem(b->last, e->message.data, e->message.len);
    b->last = ngx_cpymem(b->last, "</Message><Resource>",
                         sizeof("</Message><Resource>") - 1);
    b->last = ngx_sos_xml_escape(b->last, r->uri.data, r->uri.len);
    b->last = ngx_cpymem(b->last, "</Resource><RequestId>",
                         sizeof("</Resource><RequestId>") - 1);
    b->last = ngx_sos_xml_escape(b->last, rid.data, rid.len);
    b->last = ngx_cpymem(b->last, "</RequestId></Error>" CRLF,
                         sizeof("</RequestId></Error>" CRLF) - 1);

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    if (rid.len
        && ngx_sos_error_header(r, &request_id, &rid) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (e->status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        ngx_str_set(&value, "1");

        name = retry_after;
        if (ngx_sos_error_header(r, &name, &value) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    r->headers_out.status = e->status;
    ngx_str_set(&r->headers_out.content_type, "application/xml");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = b->last - b->pos;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_sos_error_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *name;
    h->value = *value;

    return NGX_OK;
}


/*
 * XML text: escape the five special characters; bytes XML 1.0 cannot
 * carry (controls other than tab, LF, CR) become U+FFFD
 */

size_t
ngx_sos_xml_escape_len(u_char *src, size_t size)
{
    size_t  len;

    len = size;

    while (size--) {

        switch (*src++) {

        case '<':
        case '>':
            len += sizeof("&lt;") - 2;
            break;

        case '&':
            len += sizeof("&amp;") - 2;
            break;

        case '"':
        case '\'':
            len += sizeof("&quot;") - 2;
            break;

        default:
            if (src[-1] < 0x20 && src[-1] != '\t' && src[-1] != '\n'
                && src[-1] != '\r')
            {
                len += sizeof("&#xFFFD;") - 2;
            }

            break;
        }
    }

    return len;
}


u_char *
ngx_sos_xml_escape(u_char *dst, u_char *src, size_t size)
{
    u_char  ch;

    while (size--) {

        ch = *src++;

        switch (ch) {

        case '<':
            dst = ngx_cpymem(dst, "&lt;", sizeof("&lt;") - 1);
            break;

        case '>':
            dst = ngx_cpymem(dst, "&gt;", sizeof("&gt;") - 1);
            break;

        case '&':
            dst = ngx_cpymem(dst, "&amp;", sizeof("&amp;") - 1);
            break;

        case '"':
            dst = ngx_cpymem(dst, "&quot;", sizeof("&quot;") - 1);
            break;

        case '\'':
            dst = ngx_cpymem(dst, "&apos;", sizeof("&apos;") - 1);
            break;

        default:
            if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
                dst = ngx_cpymem(dst, "&#xFFFD;", sizeof("&#xFFFD;") - 1);
                break;
            }

            *dst++ = ch;
            break;
        }
    }

    return dst;
}
