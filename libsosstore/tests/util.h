/*
 * Helpers shared by the library's tests (after tap.h): counting the
 * regular files under a directory of a replica.
 */

#ifndef SOS_TEST_UTIL_H
#define SOS_TEST_UTIL_H

#include <ftw.h>
#include <sys/stat.h>

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
