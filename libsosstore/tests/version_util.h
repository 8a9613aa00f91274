/*
 * Helpers of the versioning tests (after tap.h and util.h): a bucket's
 * versioning set, a put that gives its version id, a version's bytes
 * read back, a bucket's counters.  They bail out on errors they do not
 * return.
 */

#ifndef SOS_TEST_VERSION_UTIL_H
#define SOS_TEST_VERSION_UTIL_H


static void
vu_versioning(sos_store_t *s, const char *bucket, sos_versioning_e v)
{
    sos_error_t         e;
    sos_bucket_info_t  *info;

    if (sos_bucket_get(s, bucket, strlen(bucket), &info, &e) != SOS_OK
        || sos_bucket_set_versioning(s, bucket, strlen(bucket), info, v, &e)
           != SOS_OK)
    {
        bail("versioning of %s: %s", bucket, e.msg);
    }
    sos_bucket_info_free(info);
}


/* Put the string data as bucket/key; its version id into vid (may be
 * NULL), its file id into fid (may be NULL). */
static void
vu_put(sos_store_t *s, const char *bucket, const char *key, const char *data,
    char *vid, char *fid)
{
    sos_put_t          *put;
    sos_error_t         e;
    sos_put_opts_t      o;
    sos_object_info_t   info;

    o = util_opts(bucket, key);
    memset(&info, 0, sizeof(info));
    if (sos_put_begin(&put, s, &o, &e) != SOS_OK) {
        bail("put %s: %s", key, e.msg);
    }
    if (sos_put_write(put, data, strlen(data), &e) != SOS_OK) {
        bail("put %s: %s", key, e.msg);
    }
    if (sos_put_commit(put, &info, &e) != SOS_OK) {
        bail("commit %s: %s", key, e.msg);
    }
    if (vid != NULL) {
        memcpy(vid, info.version_id, SOS_VERSION_ID_LEN + 1);
    }
    if (fid != NULL) {
        memcpy(fid, info.write_id, SOS_WRITE_ID_LEN + 1);
    }
    sos_object_info_release(&info);
}


/* The bytes of a version (vid NULL: current) as a string in buf, or the
 * code that stopped the read. */
static sos_rc_e
vu_read(sos_store_t *s, const char *bucket, const char *key, const char *vid,
    char *buf, size_t size)
{
    size_t              got;
    sos_rc_e            rc;
    sos_error_t         e;
    sos_reader_t       *rd;
    sos_object_info_t   info;

    buf[0] = '\0';
    rc = sos_object_open_version(s, bucket, strlen(bucket), key, strlen(key),
                                 vid, vid ? strlen(vid) : 0, &rd, &info, &e);
    if (rc != SOS_OK) {
        if (rc == SOS_ENOTFOUND) {
            sos_object_info_release(&info);
        }
        return rc;
    }
    rc = sos_reader_read(rd, 0, buf, size - 1, &got, &e);
    buf[rc == SOS_OK ? got : 0] = '\0';
    sos_reader_close(rd);
    sos_object_info_release(&info);
    return rc;
}


static sos_bucket_t
vu_counters(sos_store_t *s, const char *bucket)
{
    sos_error_t         e;
    sos_bucket_t        b;
    sos_bucket_info_t  *info;

    if (sos_bucket_get(s, bucket, strlen(bucket), &info, &e) != SOS_OK) {
        bail("sos_bucket_get: %s", e.msg);
    }
    b = info->bucket;
    sos_bucket_info_free(info);
    return b;
}


/* Regular files under the store's replica 0 objects/. */
static long
vu_files(const char *dir)
{
    char  path[600];

    snprintf(path, sizeof(path), "%s/r0/objects", dir);
    return util_files(path);
}

#endif /* SOS_TEST_VERSION_UTIL_H */
