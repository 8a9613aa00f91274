
/*
 * SOS: GetObjectAttributes (GET /bucket/key?attributes).
 *
 * x-amz-object-attributes names what the answer holds: ETag (no quotes,
 * as S3 sends it here), Checksum (the object's checksum and its type),
 * ObjectParts (a multipart object's parts, paged by x-amz-max-parts and
 * x-amz-part-number-marker), StorageClass and ObjectSize.  The caller
 * needs what GetObject needs (READ on the object).  The authorization
 * step opens the object: its reader knows each part's byte range and
 * the checksum the client sent with it, so no data is read.  A Part
 * carries its number, size and, for an upload made with a checksum
 * algorithm, its checksum (ChecksumCRC32 ... ChecksumSHA256), as S3.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_multipart.h"


#define NGX_SOS_ATTR_ETAG        0x01
#define NGX_SOS_ATTR_CHECKSUM    0x02
#define NGX_SOS_ATTR_PARTS       0x04
#define NGX_SOS_ATTR_CLASS       0x08
#define NGX_SOS_ATTR_SIZE        0x10

#define NGX_SOS_ATTR_MAX_PARTS   1000


typedef struct {
    ngx_uint_t               want;       /* NGX_SOS_ATTR_* */
    ngx_uint_t               max_parts;
    ngx_uint_t               marker;
} ngx_sos_attr_t;


static ngx_int_t ngx_sos_attributes_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_attr_t *a);
static ngx_int_t ngx_sos_attributes_number(ngx_http_request_t *r,
    char *name, ngx_uint_t max, ngx_uint_t *value);
static ngx_int_t ngx_sos_attributes_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_attributes_checksum(ngx_sos_xml_out_t *x,
    sos_attrs_t *attrs);
static ngx_int_t ngx_sos_attributes_parts(ngx_sos_xml_out_t *x,
    ngx_sos_attr_t *a, sos_object_info_t *info, sos_reader_t *reader);


ngx_int_t
ngx_sos_object_attributes(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t        rc;
    ngx_sos_job_t   *job;
    ngx_sos_attr_t  *a;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_attr_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    a = job->data;

    rc = ngx_sos_attributes_parse(r, ctx, a);
    if (rc != NGX_OK) {
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    /* the parts' ranges come from the reader: no data is read */

    if (a->want & NGX_SOS_ATTR_PARTS) {
        ctx->authz.want_reader = 1;
    }

    job->done = ngx_sos_attributes_done;

    return ngx_sos_job_start(r, job);
}


/*
 * The headers; NGX_DECLINED with ctx->error_message and error_extra set
 * (InvalidArgument, as S3 answers a missing or unknown attribute).
 */

static ngx_int_t
ngx_sos_attributes_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_attr_t *a)
{
    u_char           *p, *end;
    ngx_str_t         item;
    ngx_table_elt_t  *h;

    h = ngx_sos_header_find(r, "x-amz-object-attributes");
    if (h == NULL || h->value.len == 0) {
        ngx_str_set(&ctx->error_message, "Missing required header for this "
                    "request: x-amz-object-attributes");
        return NGX_DECLINED;
    }

    p = h->value.data;
    end = p + h->value.len;

    while (p < end) {
        p = ngx_sos_header_item(p, end, &item);

#define ngx_sos_attr_is(s)                                                    \
    (item.len == sizeof(s) - 1 && ngx_strncmp(item.data, s, item.len) == 0)

        if (ngx_sos_attr_is("ETag")) {
            a->want |= NGX_SOS_ATTR_ETAG;

        } else if (ngx_sos_attr_is("Checksum")) {
            a->want |= NGX_SOS_ATTR_CHECKSUM;

        } else if (ngx_sos_attr_is("ObjectParts")) {
            a->want |= NGX_SOS_ATTR_PARTS;

        } else if (ngx_sos_attr_is("StorageClass")) {
            a->want |= NGX_SOS_ATTR_CLASS;

        } else if (ngx_sos_attr_is("ObjectSize")) {
            a->want |= NGX_SOS_ATTR_SIZE;

        } else if (item.len) {
            ngx_str_set(&ctx->error_message,
                        "Invalid attribute name specified.");
            return NGX_DECLINED;
        }

#undef ngx_sos_attr_is
    }

    if (a->want == 0) {
        ngx_str_set(&ctx->error_message, "Missing required header for this "
                    "request: x-amz-object-attributes");
        return NGX_DECLINED;
    }

    a->max_parts = NGX_SOS_ATTR_MAX_PARTS;

    if (ngx_sos_attributes_number(r, "x-amz-max-parts",
                                  NGX_SOS_ATTR_MAX_PARTS, &a->max_parts)
        != NGX_OK)
    {
        ngx_str_set(&ctx->error_message, "Invalid max-parts value.");
        ngx_str_set(&ctx->error_extra,
                    "<ArgumentName>x-amz-max-parts</ArgumentName>");
        return NGX_DECLINED;
    }

    if (ngx_sos_attributes_number(r, "x-amz-part-number-marker", 10000,
                                  &a->marker)
        != NGX_OK)
    {
        ngx_str_set(&ctx->error_message, "Invalid part-number-marker value.");
        ngx_str_set(&ctx->error_extra,
                    "<ArgumentName>x-amz-part-number-marker</ArgumentName>");
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* A decimal header value; absent leaves *value; above max is max. */

static ngx_int_t
ngx_sos_attributes_number(ngx_http_request_t *r, char *name, ngx_uint_t max,
    ngx_uint_t *value)
{
    ngx_int_t         n;
    ngx_table_elt_t  *h;

    h = ngx_sos_header_find(r, name);
    if (h == NULL) {
        return NGX_OK;
    }

    n = ngx_atoi(h->value.data, ngx_min(h->value.len, 9));
    if (n == NGX_ERROR || h->value.len > 9) {
        return NGX_ERROR;
    }

    *value = ngx_min((ngx_uint_t) n, max);

    return NGX_OK;
}


static ngx_int_t
ngx_sos_attributes_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_attr_t *a = job->data;

    ngx_sos_xml_out_t   x;
    sos_object_info_t  *info;

    info = &job->ctx->authz.object;

    ngx_sos_xml_out_init(&x, r->pool, 1024);

    ngx_sos_xml_literal(&x, "<GetObjectAttributesResponse xmlns=\""
                        NGX_SOS_XMLNS "\">");

    if (a->want & NGX_SOS_ATTR_ETAG) {
        ngx_sos_xml_element(&x, "ETag", (u_char *) info->etag,
                            ngx_strlen(info->etag), 0);
    }

    /*
     * an upload made with an algorithm whose parts came without a
     * checksum has none: no Checksum (API reference, Checksum: "only
     * present if the checksum was uploaded with the object")
     */

    if ((a->want & NGX_SOS_ATTR_CHECKSUM)
        && info->attrs.checksum_algorithm.len
        && info->attrs.checksum_value.len)
    {
        ngx_sos_attributes_checksum(&x, &info->attrs);
    }

    if ((a->want & NGX_SOS_ATTR_PARTS) && info->parts) {
        if (ngx_sos_attributes_parts(&x, a, info, job->ctx->authz.reader)
            != NGX_OK)
        {
            return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
        }
    }

    if (a->want & NGX_SOS_ATTR_CLASS) {
        ngx_sos_xml_literal(&x, "<StorageClass>STANDARD</StorageClass>");
    }

    if (a->want & NGX_SOS_ATTR_SIZE) {
        ngx_sos_xml_element_uint(&x, "ObjectSize", info->size);
    }

    ngx_sos_xml_literal(&x, "</GetObjectAttributesResponse>");

    r->headers_out.last_modified_time = info->mtime;

    if (ngx_sos_versioning_header(r, job->ctx, info->version_id) != NGX_OK) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/*
 * <Checksum><ChecksumCRC32C>v</ChecksumCRC32C><ChecksumType>..: a value
 * with a "-N" suffix is a multipart object's checksum of its parts'.
 */

static void
ngx_sos_attributes_checksum(ngx_sos_xml_out_t *x, sos_attrs_t *attrs)
{
    u_char     name[64], *p;
    ngx_str_t  v;

    v.data = (u_char *) attrs->checksum_value.data;
    v.len = attrs->checksum_value.len;

    p = ngx_snprintf(name, sizeof(name) - 1, "Checksum%*s",
                     attrs->checksum_algorithm.len,
                     attrs->checksum_algorithm.data);
    *p = '\0';

    ngx_sos_xml_literal(x, "<Checksum>");
    ngx_sos_xml_element(x, (char *) name, v.data, v.len, 0);

    if (ngx_strlchr(v.data, v.data + v.len, '-')) {
        ngx_sos_xml_literal(x, "<ChecksumType>COMPOSITE</ChecksumType>");

    } else {
        ngx_sos_xml_literal(x, "<ChecksumType>FULL_OBJECT</ChecksumType>");
    }

    ngx_sos_xml_literal(x, "</Checksum>");
}


/* <ObjectParts>: the parts after the marker, at most max_parts */

static ngx_int_t
ngx_sos_attributes_parts(ngx_sos_xml_out_t *x, ngx_sos_attr_t *a,
    sos_object_info_t *info, sos_reader_t *reader)
{
    uint32_t            n, last;
    uint64_t            off, len;
    sos_str_t           sum;
    ngx_uint_t          count;
    sos_error_t         err;
    sos_checksum_alg_e  alg;

    if (reader == NULL) {
        return NGX_ERROR;
    }

    alg = sos_checksum_lookup(info->attrs.checksum_algorithm.data,
                              info->attrs.checksum_algorithm.len);

    ngx_sos_xml_literal(x, "<ObjectParts>");
    ngx_sos_xml_element_uint(x, "PartsCount", info->parts);
    ngx_sos_xml_element_uint(x, "PartNumberMarker", a->marker);

    count = 0;
    last = a->marker;

    for (n = a->marker + 1; n <= info->parts && count < a->max_parts; n++) {
        if (sos_reader_part(reader, n, &off, &len, &err) != SOS_OK) {
            return NGX_ERROR;
        }

        ngx_sos_xml_literal(x, "<Part>");
        ngx_sos_xml_element_uint(x, "PartNumber", n);
        ngx_sos_xml_element_uint(x, "Size", len);

        sos_reader_part_checksum(reader, n, &sum);
        ngx_sos_mp_checksum_element(x, alg, (u_char *) sum.data, sum.len);

        ngx_sos_xml_literal(x, "</Part>");

        count++;
        last = n;
    }

    ngx_sos_xml_element_uint(x, "NextPartNumberMarker", last);
    ngx_sos_xml_element_uint(x, "MaxParts", a->max_parts);

    if (last < info->parts) {
        ngx_sos_xml_literal(x, "<IsTruncated>true</IsTruncated>");

    } else {
        ngx_sos_xml_literal(x, "<IsTruncated>false</IsTruncated>");
    }

    ngx_sos_xml_literal(x, "</ObjectParts>");

    return NGX_OK;
}
