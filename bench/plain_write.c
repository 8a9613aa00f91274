/*
 * The ceiling of a durable PUT: the bare file work of storing an object
 * in 3 replicas, without the store.  For each object, in each of 3
 * directories: write a tmp file, fdatasync it, rename it into place and
 * fsync the directory, the 3 one after another.  Objects are spread over
 * threads; prints objects per second and MB per second.
 *
 *   plain_write <dir> <object bytes> <objects> <threads>
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

#define MAX_THREADS  64
#define CHUNK        (1 << 20)


typedef struct {
    pthread_t  tid;
    unsigned   id;
    unsigned   n;
    int        failed;
} worker_t;

static void *worker(void *arg);

static const char  *root;
static size_t       obj_size;
static char         payload[CHUNK];


static void *
worker(void *arg)
{
    worker_t  *w = arg;

    w->failed = bench_plain_objects(root, w->id, w->n, payload, CHUNK,
                                    obj_size) != 0;
    return NULL;
}


int
main(int argc, char **argv)
{
    double    t0, t;
    unsigned  i, n, threads;
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
        bench_die("bad arguments: size > 0, 1..%d threads, objects >= threads",
            MAX_THREADS);
    }
    for (i = 0; i < CHUNK; i++) {
        payload[i] = (char) (i * 131 + 7);
    }

    bench_plain_dirs(root);

    t0 = bench_now();
    for (i = 0; i < threads; i++) {
        w[i].id = i;
        w[i].n = n / threads + (i < n % threads);
        w[i].failed = 0;
        if (pthread_create(&w[i].tid, NULL, worker, &w[i]) != 0) {
            bench_die("pthread_create failed");
        }
    }
    for (i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
    }
    t = bench_now() - t0;
    for (i = 0; i < threads; i++) {
        if (w[i].failed) {
            bench_die("writes failed");
        }
    }

    printf("%.1f %.1f\n", n / t, n * (double) obj_size / t / 1e6);
    return 0;
}
