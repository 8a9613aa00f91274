/*
 * Helpers shared by the library's tests (after tap.h): making a bucket,
 * counting the regular files under a directory of a replica.
 */

#ifndef SOS_TEST_UTIL_H
#define SOS_TEST_UTIL_H

#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

#include "sos/store.h"

static long  util_nftw_count;

static int
util_count_cb(const char *path, const struct stat *sb, int type,
    struct FTW *f)
{
    (void) path;
    (void) sb;
    (void) f;
    util_nftw_count += type == FTW_F;
    return 0;
}


/* A bucket in region us-east-1 owned by org_id, or bail out. */
static void
util_bucket_make(sos_store_t *s, const char *org_id, const char *name)
{
    sos_error_t   e;
    sos_bucket_t  b;

    if (sos_bucket_create(s, name, strlen(name), org_id, "us-east-1", NULL,
                          0, &b, &e) != SOS_OK)
    {
        bail("sos_bucket_create(%s): %s", name, e.msg);
    }
}


/* Regular files under path, or -1 when it cannot be walked. */
static long
util_files(const char *path)
{
    util_nftw_count = 0;
    if (nftw(path, util_count_cb, 16, FTW_PHYS) == -1) {
        return -1;
    }
    return util_nftw_count;
}

#endif /* SOS_TEST_UTIL_H */
