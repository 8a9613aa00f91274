
/*
 * Fuzz target: the store's index record decoders, as they read values
 * back from LevelDB: the object record (attributes, user metadata,
 * extents; versions 1, 2 with x-amz-website-redirect-location, 3 with
 * the tag set) and
 * its copy into sos_object_info_t, the upload and part records of
 * multipart uploads, and the bucket record with its ACL and settings.
 *
 * Input: one byte choosing the record type, then the value (for a part
 * record: its 1 + 32 + 4 byte key, then the value).  Plain C: no nginx.
 * The decoders of multipart and buckets are static, so their files are
 * compiled into this target (their objects then stay out of the link).
 */


#include "sos_internal.h"

#include "sos_bucket.c"
#include "sos_multipart.c"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t              klen;
    sos_str_t           acl, conf[SOS_BUCKET_NCONF];
    sos_error_t         err;
    sos_bucket_t        b;
    sos_obj_rec_t       rec;
    sos_part_rec_t      part;
    sos_upload_rec_t    u;
    sos_object_info_t   info;
    const char         *val;

    if (size < 1) {
        return 0;
    }

    val = (const char *) data + 1;
    size--;

    switch (data[0] % 4) {

    case 0:
        if (sos_obj_rec_decode(val, size, &rec) == 0) {
            if (sos_obj_rec_to_info(&rec, &info, &err) == SOS_OK) {
                sos_object_info_release(&info);
            }

            sos_obj_rec_free(&rec);
        }

        break;

    case 1:
        if (sos_upload_rec_decode(val, size, &u) == 0) {
            free(u.kv_mem);
        }

        break;

    case 2:
        klen = 1 + SOS_UPLOAD_ID_LEN + 4;

        if (size >= klen) {
            (void) sos_part_rec_decode(val, klen, val + klen, size - klen,
                                       &part);
        }

        break;

    default:
        memset(&b, 0, sizeof(sos_bucket_t));
        (void) sos_bucket_decode(val, size, &b, &acl, conf);
        break;
    }

    return 0;
}
