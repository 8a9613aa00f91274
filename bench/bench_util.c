/*
 * What the benchmark programs share (bench_util.h).  The plain writes:
 * for each object, in each of 3 directories <root>/d<n>, write a tmp
 * file, fdatasync it, rename it into place and fsync the directory, the
 * 3 one after another.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"


static int bench_plain_write_one(const char *root, unsigned dir,
    const char *name, const char *buf, size_t buf_size, size_t obj_size);


void
bench_die(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program_invocation_short_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}


double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


void
bench_mkdir_p(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        bench_die("mkdir %s: %s", path, strerror(errno));
    }
}


/* <root>/d<n>/tmp and <root>/d<n>/objects of the 3 directories */
void
bench_plain_dirs(const char *root)
{
    char      sub[600];
    unsigned  d;

    bench_mkdir_p(root);
    for (d = 0; d < BENCH_N_DIRS; d++) {
        snprintf(sub, sizeof(sub), "%s/d%u", root, d);
        bench_mkdir_p(sub);
        snprintf(sub, sizeof(sub), "%s/d%u/tmp", root, d);
        bench_mkdir_p(sub);
        snprintf(sub, sizeof(sub), "%s/d%u/objects", root, d);
        bench_mkdir_p(sub);
    }
}


/*
 * Objects t<id>-000000 .. of obj_size bytes (buf repeated, buf_size at a
 * time), n of them, in the 3 directories; on failure says which and
 * returns -1.
 */
int
bench_plain_objects(const char *root, unsigned id, unsigned n,
    const char *buf, size_t buf_size, size_t obj_size)
{
    char      name[32];
    unsigned  i, d;

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "t%02u-%06u", id, i);
        for (d = 0; d < BENCH_N_DIRS; d++) {
            if (bench_plain_write_one(root, d, name, buf, buf_size,
                                      obj_size)
                != 0)
            {
                fprintf(stderr, "%s: plain %s on d%u: %s\n",
                        program_invocation_short_name, name, d,
                        strerror(errno));
                return -1;
            }
        }
    }
    return 0;
}


static int
bench_plain_write_one(const char *root, unsigned dir, const char *name,
    const char *buf, size_t buf_size, size_t obj_size)
{
    int      fd, dfd;
    char     tmp[600], dst[600], odir[512];
    size_t   left, len;
    ssize_t  n;

    snprintf(tmp, sizeof(tmp), "%s/d%u/tmp/%s", root, dir, name);
    snprintf(odir, sizeof(odir), "%s/d%u/objects", root, dir);
    snprintf(dst, sizeof(dst), "%s/%s", odir, name);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        return -1;
    }
    for (left = obj_size; left > 0; left -= (size_t) n) {
        len = left < buf_size ? left : buf_size;
        n = write(fd, buf, len);
        if (n <= 0) {
            close(fd);
            return -1;
        }
    }
    if (fdatasync(fd) != 0) {
        close(fd);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, dst) != 0) {
        return -1;
    }
    dfd = open(odir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd == -1) {
        return -1;
    }
    if (fsync(dfd) != 0) {
        close(dfd);
        return -1;
    }
    return close(dfd);
}
