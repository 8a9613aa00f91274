
/*
 * Fuzz target: every XML request body, through the module's handler:
 * DeleteObjects, CompleteMultipartUpload, PutBucketAcl, PutObjectAcl,
 * CreateBucket (CreateBucketConfiguration), PutBucketVersioning,
 * PutBucketWebsite, PutBucketCors, PutBucketTagging, PutObjectTagging (and
 * the stored forms they encode).
 *
 * Input: one byte choosing the operation, then the body.  The request
 * head is built here (signed, signatures accepted, with the body's
 * Content-MD5), the body is read
 * through ngx_sos_body_read() in pieces and parsed; store jobs never run.
 */


#include "fuzz.h"

#include <stdio.h>

#include <openssl/md5.h>


static const char  *fuzz_xml_targets[] = {
    "POST /examplebucket?delete",
    "POST /examplebucket/a.jpg?uploadId=0123456789abcdef0123456789abcdef",
    "PUT /examplebucket?acl",
    "PUT /examplebucket/a.jpg?acl",
    "PUT /examplebucket",
    "PUT /examplebucket?versioning",
    "PUT /examplebucket?website",
    "PUT /examplebucket?cors",
    "PUT /examplebucket?tagging",
    "PUT /examplebucket/a.jpg?tagging"
};

#define FUZZ_XML_N  (sizeof(fuzz_xml_targets) / sizeof(fuzz_xml_targets[0]))


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          n;
    char         head[1024];
    u_char      *req, md5[MD5_DIGEST_LENGTH], b64[32];
    size_t       body_len;
    ngx_str_t    src, dst;
    fuzz_req_t   fr;

    if (size < 1) {
        return 0;
    }

    body_len = size - 1;

    /* Content-MD5: DeleteObjects requires it */

    MD5(data + 1, body_len, md5);
    src.data = md5;
    src.len = sizeof(md5);
    dst.data = b64;
    ngx_encode_base64(&dst, &src);

    n = snprintf(head, sizeof(head),
                 "%s HTTP/1.1\r\n"
                 "Host: s3.amazonaws.com\r\n"
                 "x-amz-date: 20130524T000000Z\r\n"
                 "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n"
                 "Authorization: AWS4-HMAC-SHA256 "
                 "Credential=" FUZZ_ACCESS_KEY "/20130524/us-east-1/s3/"
                 "aws4_request, SignedHeaders=host;x-amz-content-sha256;"
                 "x-amz-date, Signature=%064d\r\n"
                 "Content-MD5: %.*s\r\n"
                 "Content-Length: %zu\r\n"
                 "\r\n",
                 fuzz_xml_targets[data[0] % FUZZ_XML_N], 0,
                 (int) dst.len, dst.data, body_len);

    req = malloc(n + body_len);
    if (req == NULL) {
        return 0;
    }

    ngx_memcpy(req, head, n);
    ngx_memcpy(req + n, data + 1, body_len);

    fuzz_accept_signatures = 1;

    if (fuzz_request(&fr, req, n + body_len) == NGX_OK) {
        (void) fuzz_handler(fr.r);
    }

    fuzz_request_free(&fr);
    fuzz_accept_signatures = 0;
    free(req);

    return 0;
}
