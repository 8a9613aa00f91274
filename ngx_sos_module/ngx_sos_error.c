
/*
 * SOS: S3 error responses.
 *
 * One table maps each error to its S3 code, HTTP status and message; the
 * body is the S3 XML error document, and its RequestId is $request_id, the
 * same value as the x-amz-request-id header and the access log.
 */


#include "ngx_sos_cors.h"
#include "ngx_sos_website.h"


static ngx_int_t ngx_sos_error_send_ex(ngx_http_request_t *r,
    ngx_sos_err_e err, ngx_str_t *message, ngx_str_t *extra);


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

    [NGX_SOS_ERR_NO_SUCH_VERSION] = {
      ngx_string("NoSuchVersion"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified version does not exist."),
      0 },

    [NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION] = {
      ngx_string("NoSuchWebsiteConfiguration"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified bucket does not have a website "
                 "configuration"),
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

    [NGX_SOS_ERR_INVALID_PART_NUMBER] = {
      ngx_string("InvalidPartNumber"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The requested partnumber is not satisfiable"),
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
    [NGX_SOS_ERR_BUCKET_ALREADY_OWNED_BY_YOU] = {
      ngx_string("BucketAlreadyOwnedByYou"), NGX_HTTP_CONFLICT,
      ngx_string("Your previous request to create the named bucket "
                 "succeeded and you already own it."),
      0 },

    [NGX_SOS_ERR_INVALID_BUCKET_NAME] = {
      ngx_string("InvalidBucketName"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The specified bucket is not valid."),
      0 },

    [NGX_SOS_ERR_INVALID_LOCATION_CONSTRAINT] = {
      ngx_string("InvalidLocationConstraint"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The specified location-constraint is not valid."),
      0 },

    [NGX_SOS_ERR_CONDITIONAL_REQUEST_CONFLICT] = {
      ngx_string("ConditionalRequestConflict"), NGX_HTTP_CONFLICT,
      ngx_string("A conflicting operation occurred. If using PutObject "
                 "you can retry the request."),
      0 },

    [NGX_SOS_ERR_OPERATION_ABORTED] = {
      ngx_string("OperationAborted"), NGX_HTTP_CONFLICT,
      ngx_string("A conflicting conditional operation is currently in "
                 "progress against this resource. Please try again."),
      0 },

    /*
     * not an AWS code: S3 never runs out of room.  507, as WebDAV and
     * restic's rest-server answer: SDKs report it rather than retry a
     * write that cannot succeed until an operator frees space
     */
    [NGX_SOS_ERR_INSUFFICIENT_STORAGE] = {
      ngx_string("InsufficientStorage"), NGX_HTTP_INSUFFICIENT_STORAGE,
      ngx_string("The server has no room left to store this data. Deleting "
                 "objects frees space."),
      0 },

    [NGX_SOS_ERR_NOT_MODIFIED] = {
      ngx_string("NotModified"), NGX_HTTP_NOT_MODIFIED,
      ngx_string("Not Modified"),
      0 },

    [NGX_SOS_ERR_KEY_TOO_LONG] = {
      ngx_string("KeyTooLongError"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Your key is too long."),
      0 },

    [NGX_SOS_ERR_METADATA_TOO_LARGE] = {
      ngx_string("MetadataTooLarge"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Your metadata headers exceed the maximum allowed "
                 "metadata size."),
      0 },

    [NGX_SOS_ERR_INVALID_REQUEST] = {
      ngx_string("InvalidRequest"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Invalid Request"),
      0 },

    [NGX_SOS_ERR_INVALID_REDIRECT_LOCATION] = {
      ngx_string("InvalidRedirectLocation"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The website redirect location must have a prefix of "
                 "'http://' or 'https://' or '/'."),
      0 },

    [NGX_SOS_ERR_INVALID_DIGEST] = {
      ngx_string("InvalidDigest"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The Content-MD5 you specified is not valid."),
      0 },

    [NGX_SOS_ERR_BAD_DIGEST] = {
      ngx_string("BadDigest"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The Content-MD5 you specified did not match what we "
                 "received."),
      0 },

    [NGX_SOS_ERR_CONTENT_SHA256_MISMATCH] = {
      ngx_string("XAmzContentSHA256Mismatch"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The provided 'x-amz-content-sha256' header does not "
                 "match what was computed."),
      0 },

    [NGX_SOS_ERR_INCOMPLETE_BODY] = {
      ngx_string("IncompleteBody"), NGX_HTTP_BAD_REQUEST,
      ngx_string("You did not provide the number of bytes specified by "
                 "the Content-Length HTTP header."),
      0 },

    [NGX_SOS_ERR_MISSING_CONTENT_LENGTH] = {
      ngx_string("MissingContentLength"), 411,
      ngx_string("You must provide the Content-Length HTTP header."),
      0 },

    [NGX_SOS_ERR_MALFORMED_XML] = {
      ngx_string("MalformedXML"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The XML you provided was not well-formed or did not "
                 "validate against our published schema."),
      0 },

    [NGX_SOS_ERR_METHOD_NOT_ALLOWED] = {
      ngx_string("MethodNotAllowed"), NGX_HTTP_NOT_ALLOWED,
      ngx_string("The specified method is not allowed against this "
                 "resource."),
      0 },

    [NGX_SOS_ERR_INVALID_ACCESS_KEY_ID] = {
      ngx_string("InvalidAccessKeyId"), NGX_HTTP_FORBIDDEN,
      ngx_string("The AWS Access Key Id you provided does not exist in "
                 "our records."),
      0 },

    [NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH] = {
      ngx_string("SignatureDoesNotMatch"), NGX_HTTP_FORBIDDEN,
      ngx_string("The request signature we calculated does not match the "
                 "signature you provided. Check your key and signing "
                 "method."),
      0 },

    [NGX_SOS_ERR_REQUEST_TIME_TOO_SKEWED] = {
      ngx_string("RequestTimeTooSkewed"), NGX_HTTP_FORBIDDEN,
      ngx_string("The difference between the request time and the "
                 "current time is too large."),
      0 },

    [NGX_SOS_ERR_AUTH_HEADER_MALFORMED] = {
      ngx_string("AuthorizationHeaderMalformed"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The authorization header is malformed."),
      0 },

    [NGX_SOS_ERR_AUTH_QUERY_ERROR] = {
      ngx_string("AuthorizationQueryParametersError"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Query-string authentication requires the X-Amz-Algorithm, "
                 "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
                 "X-Amz-SignedHeaders, and X-Amz-Expires parameters."),
      0 },

    [NGX_SOS_ERR_AUTH_QUERY_FORBIDDEN] = {
      ngx_string("AuthorizationQueryParametersError"), NGX_HTTP_FORBIDDEN,
      ngx_string("X-Amz-Expires must be less than a week (in seconds) that "
                 "is 604800"),
      0 },

    [NGX_SOS_ERR_MALFORMED_TRAILER] = {
      ngx_string("MalformedTrailerError"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The request contained trailing data that was not "
                 "well-formed or did not conform to our published schema."),
      0 },

    [NGX_SOS_ERR_MALFORMED_ACL] = {
      ngx_string("MalformedACLError"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The XML you provided was not well-formed or did not "
                 "validate against our published schema."),
      0 },

    [NGX_SOS_ERR_UNRESOLVABLE_EMAIL] = {
      ngx_string("UnresolvableGrantByEmailAddress"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The e-mail address you provided does not match any "
                 "account on record."),
      0 },

    [NGX_SOS_ERR_NO_SUCH_ENTITY] = {
      ngx_string("NoSuchEntity"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified organization or access key does not "
                 "exist."),
      0 },

    [NGX_SOS_ERR_ENTITY_ALREADY_EXISTS] = {
      ngx_string("EntityAlreadyExists"), NGX_HTTP_CONFLICT,
      ngx_string("An organization with this name or e-mail already "
                 "exists."),
      0 },

    [NGX_SOS_ERR_DELETE_CONFLICT] = {
      ngx_string("DeleteConflict"), NGX_HTTP_CONFLICT,
      ngx_string("The organization still owns buckets: delete them "
                 "first."),
      0 },

    [NGX_SOS_ERR_MALFORMED_POST_REQUEST] = {
      ngx_string("MalformedPOSTRequest"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The body of your POST request is not well-formed "
                 "multipart/form-data."),
      0 },

    [NGX_SOS_ERR_INVALID_POLICY_DOCUMENT] = {
      ngx_string("InvalidPolicyDocument"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The content of the form does not meet the conditions "
                 "specified in the policy document."),
      0 },

    [NGX_SOS_ERR_INCORRECT_NUMBER_OF_FILES] = {
      ngx_string("IncorrectNumberOfFilesInPostRequest"),
      NGX_HTTP_BAD_REQUEST,
      ngx_string("POST requires exactly one file upload per request."),
      0 },

    [NGX_SOS_ERR_MAX_POST_PRE_DATA] = {
      ngx_string("MaxPostPreDataLengthExceeded"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Your POST request fields preceding the upload file were "
                 "too large."),
      0 },

    [NGX_SOS_ERR_INVALID_URI] = {
      ngx_string("InvalidURI"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Couldn't parse the specified URI."),
      0 },

    [NGX_SOS_ERR_INVALID_STORAGE_CLASS] = {
      ngx_string("InvalidStorageClass"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The storage class you specified is not valid."),
      0 },

    [NGX_SOS_ERR_MISSING_SECURITY_HEADER] = {
      ngx_string("MissingSecurityHeader"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Your request was missing a required header."),
      0 },

    [NGX_SOS_ERR_INVALID_TAG] = {
      ngx_string("InvalidTag"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The tag provided was not a valid tag."),
      0 },

    [NGX_SOS_ERR_NO_SUCH_TAG_SET] = {
      ngx_string("NoSuchTagSet"), NGX_HTTP_NOT_FOUND,
      ngx_string("The TagSet does not exist"),
      0 },

    [NGX_SOS_ERR_INVALID_BUCKET_STATE] = {
      ngx_string("InvalidBucketState"), NGX_HTTP_CONFLICT,
      ngx_string("The request is not valid with the current state of the "
                 "bucket."),
      0 },

    [NGX_SOS_ERR_INVALID_RETENTION_PERIOD] = {
      ngx_string("InvalidRetentionPeriod"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Default retention period must be a positive integer "
                 "value."),
      0 },

    [NGX_SOS_ERR_OBJECT_LOCK_CONFIGURATION_NOT_FOUND] = {
      ngx_string("ObjectLockConfigurationNotFoundError"), NGX_HTTP_NOT_FOUND,
      ngx_string("Object Lock configuration does not exist for this "
                 "bucket"),
      0 },

    [NGX_SOS_ERR_NO_SUCH_OBJECT_LOCK_CONFIGURATION] = {
      ngx_string("NoSuchObjectLockConfiguration"), NGX_HTTP_NOT_FOUND,
      ngx_string("The specified object does not have a ObjectLock "
                 "configuration"),
      0 },

    [NGX_SOS_ERR_NO_SUCH_LIFECYCLE_CONFIGURATION] = {
      ngx_string("NoSuchLifecycleConfiguration"), NGX_HTTP_NOT_FOUND,
      ngx_string("The lifecycle configuration does not exist"),
      0 },

    [NGX_SOS_ERR_NO_SUCH_CORS_CONFIGURATION] = {
      ngx_string("NoSuchCORSConfiguration"), NGX_HTTP_NOT_FOUND,
      ngx_string("The CORS configuration does not exist"),
      0 },

    /* a preflight's: S3's codes and messages, not in its error table */
    [NGX_SOS_ERR_BAD_REQUEST] = {
      ngx_string("BadRequest"), NGX_HTTP_BAD_REQUEST,
      ngx_string("Insufficient information. Origin request header needed."),
      0 },

    [NGX_SOS_ERR_ACCESS_FORBIDDEN] = {
      ngx_string("AccessForbidden"), NGX_HTTP_FORBIDDEN,
      ngx_string("CORSResponse: This CORS request is not allowed."),
      0 },

    [NGX_SOS_ERR_ILLEGAL_LOCATION_CONSTRAINT] = {
      ngx_string("IllegalLocationConstraintException"), NGX_HTTP_BAD_REQUEST,
      ngx_string("The location constraint is incompatible for the region "
                 "specific endpoint this request was sent to."),
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
    case SOS_EFENCED:
        return NGX_SOS_ERR_SLOW_DOWN;

    case SOS_EQUORUM:
        return NGX_SOS_ERR_SERVICE_UNAVAILABLE;

    case SOS_ERANGE:
        return NGX_SOS_ERR_INVALID_RANGE;

    case SOS_EINVAL:
        return NGX_SOS_ERR_INVALID_ARGUMENT;

    case SOS_EPRECONDITION:
        return NGX_SOS_ERR_PRECONDITION_FAILED;

    case SOS_ECHANGED:
        return NGX_SOS_ERR_OPERATION_ABORTED;

    case SOS_ENOSPC:
        return NGX_SOS_ERR_INSUFFICIENT_STORAGE;

    case SOS_EINVALIDPART:
        return NGX_SOS_ERR_INVALID_PART;

    case SOS_EPARTORDER:
        return NGX_SOS_ERR_INVALID_PART_ORDER;

    case SOS_ETOOSMALL:
        return NGX_SOS_ERR_ENTITY_TOO_SMALL;

    case SOS_ETOOLARGE:
        return NGX_SOS_ERR_ENTITY_TOO_LARGE;

    case SOS_ELOCKED:
        return NGX_SOS_ERR_ACCESS_DENIED;

    case SOS_ENOLOCK:
        return NGX_SOS_ERR_INVALID_REQUEST;

    case SOS_ESTATE:
        return NGX_SOS_ERR_INVALID_BUCKET_STATE;

    default:
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }
}


ngx_sos_error_t *
ngx_sos_error_get(ngx_sos_err_e err)
{
    if (err <= NGX_SOS_OK || err >= NGX_SOS_ERR_MAX) {
        err = NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return &ngx_sos_errors[err];
}


ngx_int_t
ngx_sos_error_send(ngx_http_request_t *r, ngx_sos_err_e err)
{
    return ngx_sos_error_send_ex(r, err, NULL, NULL);
}


ngx_int_t
ngx_sos_error_send_ctx(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err)
{
    return ngx_sos_error_send_ex(r, err,
                                 ctx->error_message.len
                                 ? &ctx->error_message : NULL,
                                 ctx->error_extra.len
                                 ? &ctx->error_extra : NULL);
}


/* an error about ctx->bucket: S3 names the bucket in some */

ngx_int_t
ngx_sos_error_send_bucket(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err)
{
    if (err == NGX_SOS_ERR_NO_SUCH_BUCKET
        || err == NGX_SOS_ERR_BUCKET_ALREADY_EXISTS
        || err == NGX_SOS_ERR_BUCKET_ALREADY_OWNED_BY_YOU
        || err == NGX_SOS_ERR_BUCKET_NOT_EMPTY
        || err == NGX_SOS_ERR_INVALID_BUCKET_NAME
        || err == NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION)
    {
        ngx_str_null(&ctx->error_extra);

        if (ngx_sos_error_element(r, ctx, "BucketName", ctx->bucket.data,
                                  ctx->bucket.len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_sos_error_send_ctx(r, ctx, err);
}


/* <name>text</name>, escaped, after what ctx->error_extra holds */

ngx_int_t
ngx_sos_error_element(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, char *name,
    u_char *text, size_t len)
{
    size_t   n;
    u_char  *p, *d;

    n = ngx_strlen(name);

    p = ngx_pnalloc(r->pool, ctx->error_extra.len + sizeof("<></>") - 1
                             + 2 * n + ngx_sos_xml_escape_len(text, len));
    if (p == NULL) {
        return NGX_ERROR;
    }

    d = p;

    if (ctx->error_extra.len) {
        d = ngx_cpymem(d, ctx->error_extra.data, ctx->error_extra.len);
    }

    *d++ = '<';
    d = ngx_cpymem(d, name, n);
    *d++ = '>';
    d = ngx_sos_xml_escape(d, text, len);
    *d++ = '<';
    *d++ = '/';
    d = ngx_cpymem(d, name, n);
    *d++ = '>';

    ctx->error_extra.data = p;
    ctx->error_extra.len = d - p;

    return NGX_OK;
}


ngx_sos_err_e
ngx_sos_error_too_large(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, size_t size, size_t max)
{
    ctx->error_extra.data = ngx_pnalloc(r->pool,
                                        sizeof("<Size></Size>"
                                               "<MaxSizeAllowed>"
                                               "</MaxSizeAllowed>")
                                        + 2 * NGX_SIZE_T_LEN);
    if (ctx->error_extra.data == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_extra.len = ngx_sprintf(ctx->error_extra.data,
                                       "<Size>%uz</Size>"
                                       "<MaxSizeAllowed>%uz"
                                       "</MaxSizeAllowed>", size, max)
                           - ctx->error_extra.data;

    return err;
}


static ngx_int_t
ngx_sos_error_send_ex(ngx_http_request_t *r, ngx_sos_err_e err,
    ngx_str_t *message, ngx_str_t *extra)
{
    size_t            len;
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_str_t         rid, msg, value;
    ngx_sos_error_t  *e;

    if (err <= NGX_SOS_OK || err >= NGX_SOS_ERR_MAX) {
        err = NGX_SOS_ERR_INTERNAL_ERROR;
    }

    /*
     * with an Origin, the bucket's CORS rules first, if nothing read them
     * yet: a job does, then sends this again
     */

    if (!r->header_sent) {
        rc = ngx_sos_cors_error(r, err, message, extra);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    e = &ngx_sos_errors[err];
    msg = message ? *message : e->message;

    if (e->log_level) {
        ngx_log_error(e->log_level, r->connection->log, 0,
                      "sos: %V: %V", &e->code, &msg);
    }

    if (r->header_sent) {
        return NGX_ERROR;
    }

    if (r->request_body == NULL && r->headers_in.expect
        && r->http_version >= NGX_HTTP_VERSION_11
        && (r->headers_in.content_length_n > 0 || r->headers_in.chunked))
    {
        /*
         * refused before "100 Continue" (see ngx_sos_handler): the client
         * holds its body back, so reading one would eat the next request;
         * close instead, lingering in case the body comes anyway
         */

        r->keepalive = 0;
        r->lingering_close = 1;

    } else if (ngx_http_discard_request_body(r) != NGX_OK) {
        /* an error ends the request: what is left of the body is dropped */
        r->keepalive = 0;
    }

    if (e->status == NGX_HTTP_NOT_MODIFIED) {
        return ngx_sos_send_xml(r, e->status, NULL);
    }

    /* the website endpoint's errors are HTML pages */

    if (ngx_sos_website_enabled(r)) {
        return ngx_sos_website_error_send(r, e, &msg);
    }

    if (ngx_sos_request_id(r, &rid) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof(NGX_SOS_XML_DECL
                 "<Error><Code></Code><Message></Message>"
                 "<Resource></Resource><RequestId></RequestId></Error>\n")
          - 1
          + e->code.len
          + ngx_sos_xml_escape_len(msg.data, msg.len)
          + ngx_sos_xml_escape_len(r->uri.data, r->uri.len)
          + rid.len
          + (extra ? extra->len : 0);

    /* all is allocated before the header would be sent */

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, NGX_SOS_XML_DECL "<Error><Code>",
                         sizeof(NGX_SOS_XML_DECL "<Error><Code>") - 1);
    b->last = ngx_cpymem(b->last, e->code.data, e->code.len);
    b->last = ngx_cpymem(b->last, "</Code><Message>",
                         sizeof("</Code><Message>") - 1);
    b->last = ngx_sos_xml_escape(b->last, msg.data, msg.len);
    b->last = ngx_cpymem(b->last, "</Message>", sizeof("</Message>") - 1);

    if (extra) {
        b->last = ngx_cpymem(b->last, extra->data, extra->len);
    }

    b->last = ngx_cpymem(b->last, "<Resource>", sizeof("<Resource>") - 1);
    b->last = ngx_sos_xml_escape(b->last, r->uri.data, r->uri.len);
    b->last = ngx_cpymem(b->last, "</Resource><RequestId>",
                         sizeof("</Resource><RequestId>") - 1);
    b->last = ngx_cpymem(b->last, rid.data, rid.len);
    /* LF after the document, as before (line-reading tools): no CR */
    b->last = ngx_cpymem(b->last, "</RequestId></Error>\n",
                         sizeof("</RequestId></Error>\n") - 1);

    if (e->status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        ngx_str_set(&value, "1");

        if (ngx_sos_header_add(r, "Retry-After", &value) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_sos_send_xml(r, e->status, b);
}
