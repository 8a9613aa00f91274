
/*
 * SOS: what the multipart operations share (ngx_sos_multipart.c): the
 * ?uploadId and ?partNumber arguments, and the checksum element of a
 * part or an upload.  Used by ngx_sos_multipart.c, ngx_sos_complete.c,
 * ngx_sos_mp_list.c, ngx_sos_copy.c (UploadPartCopy) and
 * ngx_sos_attributes.c (a part's checksum).
 */


#ifndef _NGX_SOS_MULTIPART_H_INCLUDED_
#define _NGX_SOS_MULTIPART_H_INCLUDED_


#include "ngx_sos_module.h"
#include "ngx_sos_xml.h"
#include <sosproto/checksum.h>


#define NGX_SOS_MP_MAX_PARTS     10000
#define NGX_SOS_MP_LIST_MAX      1000    /* parts or uploads of a page */


/*
 * ?uploadId: SOS_UPLOAD_ID_LEN hex digits, copied NUL-terminated into
 * upload_id (SOS_UPLOAD_ID_LEN + 1 bytes): NGX_OK, or NGX_DECLINED when
 * it names no upload (NoSuchUpload).
 */
ngx_int_t ngx_sos_mp_upload_id(ngx_http_request_t *r, char *upload_id);

/*
 * ?partNumber: 1..10000: NGX_OK, or NGX_DECLINED with ctx's
 * error_message and error_extra set (InvalidArgument).
 */
ngx_int_t ngx_sos_mp_part_number(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    uint32_t *n);

/* The checksum algorithm of the upload the authorization step found. */
sos_checksum_alg_e ngx_sos_mp_checksum_alg(ngx_sos_ctx_t *ctx);

/*
 * x-amz-checksum-type of CreateMultipartUpload into the upload's attrs
 * (after its algorithm): NGX_SOS_OK or the error, ctx's message set.
 */
ngx_sos_err_e ngx_sos_mp_checksum_type(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, sos_attrs_t *attrs);
/* An upload's attrs: its parts' CRCs combine into the object's CRC. */
ngx_uint_t ngx_sos_mp_checksum_full(sos_attrs_t *attrs);

/* <ChecksumCRC32>value</ChecksumCRC32> ...; nothing for NONE or no value */
void ngx_sos_mp_checksum_element(ngx_sos_xml_out_t *x,
    sos_checksum_alg_e alg, u_char *value, size_t len);


#endif /* _NGX_SOS_MULTIPART_H_INCLUDED_ */
