/*
 * The ceiling of a durable PUT: the bare file work of storing an object
 * in 3 replicas, without the store.  For each object, in each of 3
 * directories: write a tmp file, fdatasync it, rename it into place and
 * fsync the directory, the 3 one after another.  Objects are spread over
 * threads; prints objects per second and MB per second.
 *
 *   plain_write <dir> <object bytes> <objects> <threads>
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define N_DIRS       3
#define MAX_THREADS  64
#define CHUNK        (1 << 20)


typedef struct {
    pthread_t  tid;
    unsigned   id;
    unsigned   n;
    int        failed;
} worker_t;

static void __attribute__((noreturn, format(printf, 1, 2)))
    die(const char *fmt, ...);
static double now(void);
static void mkdir_p(const char *path);
static int write_one(unsigned dir, const char *name);
static void *worker(void *arg);

static const char  *root;
static size_t       obj_size;
static char         payload[CHUNK];


static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    fputs("plain_write: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
mkdir_p(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        die("mkdir %s: %s", path, strerror(errno));
    }
}


static int
write_one(unsigned dir, const char *name)
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
        len = left < CHUNK ? left : CHUNK;
        n = write(fd, payload, len);
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


static void *
worker(void *arg)
{
    worker_t  *w = arg;
    char       name[32];
    unsigned   i, d;

    for (i = 0; i < w->n; i++) {
        snprintf(name, sizeof(name), "t%02u-%06u", w->id, i);
        for (d = 0; d < N_DIRS; d++) {
            if (write_one(d, name) != 0) {
                fprintf(stderr, "plain_write: %s on d%u: %s\n", name, d,
                        strerror(errno));
                w->failed = 1;
                return NULL;
            }
        }
    }
    return NULL;
}


int
main(int argc, char **argv)
{
    char      sub[600];
    double    t0, t;
    unsigned  i, d, n, threads;
    worker_t  w[MAX_THREADS];

    if (argc != 5) {
        fprintf(stderr, "usage: plain_write <dir> <object bytes> <objects> "
                "<threads>\n");
        return 2;
    }
    root = argv[1];
    obj_size = strtoul(argv[2], NULL, 10);
    n = (unsigned) strtoul(argv[3], NULL, 10);
    threads = (unsigned) strtoul(argv[4], NULL, 10);
    if (obj_size == 0 || threads == 0 || threads > MAX_THREADS
        || n < threads)
    {
        die("bad arguments: size > 0, 1..%d threads, objects >= threads",
            MAX_THREADS);
    }
    for (i = 0; i < CHUNK; i++) {
        payload[i] = (char) (i * 131 + 7);
    }

    mkdir_p(root);
    for (d = 0; d < N_DIRS; d++) {
        snprintf(sub, sizeof(sub), "%s/d%u", root, d);
        mkdir_p(sub);
        snprintf(sub, sizeof(sub), "%s/d%u/tmp", root, d);
        mkdir_p(sub);
        snprintf(sub, sizeof(sub), "%s/d%u/objects", root, d);
        mkdir_p(sub);
    }

    t0 = now();
    for (i = 0; i < threads; i++) {
        w[i].id = i;
        w[i].n = n / threads + (i < n % threads);
        w[i].failed = 0;
        if (pthread_create(&w[i].tid, NULL, worker, &w[i]) != 0) {
            die("pthread_create failed");
        }
    }
    for (i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
    }
    t = now() - t0;
    for (i = 0; i < threads; i++) {
        if (w[i].failed) {
            die("writes failed");
        }
    }

    printf("%.1f %.1f\n", n / t, n * (double) obj_size / t / 1e6);
    return 0;
}
