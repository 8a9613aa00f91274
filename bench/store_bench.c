/*
 * Store micro-benchmark.
 *
 * 1. Durable 4 KiB object writes per second with fsync on, 1 and 16
 *    threads, through sos_put_begin/write/commit, beside a plain C loop
 *    doing the same file work on the same file system: for each object,
 *    on each of 3 directories, write a tmp file, fdatasync, rename into
 *    place, fsync the directory.  The ratio is the price of the store
 *    (index commit, directory fan-out, MD5) over the bare file work.
 *
 * 2. Listing a page of 1,000 from a bucket of 1,000,000 keys, against the
 *    same page from a bucket of 1,000 keys.  The big bucket is filled by
 *    batched writes of object records straight into the index through the
 *    library's internal API (no data files: listing reads only the index).
 *
 *   store_bench <dir> [writes per mode] [list keys]
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"

#include "bench_fill.h"
#include "bench_util.h"

#define OBJ_SIZE     BENCH_OBJ_SIZE
#define MAX_THREADS  16
#define LIST_RUNS    21
#define DIR_FILES    100           /* keys per "directory" of the bucket */


typedef struct {
    pthread_t     tid;
    unsigned      id;
    unsigned      n;
    sos_store_t  *st;
    const char   *root;            /* plain: the 3 directories' parent */
    int           failed;
} worker_t;

static const char  *base_dir;
static char         payload[OBJ_SIZE];
static sos_org_t    org;


static sos_store_t *
store_open(const char *name, int no_fsync)
{
    char               dir[512];
    sos_store_t       *st;
    sos_error_t        err;
    sos_store_conf_t   conf;

    snprintf(dir, sizeof(dir), "%s/%s", base_dir, name);
    bench_mkdir_p(dir);
    memset(&conf, 0, sizeof(conf));
    conf.data_dir = dir;
    conf.no_fsync = no_fsync;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        bench_die("open %s: %s", dir, err.msg);
    }
    return st;
}


static void
bucket_make(sos_store_t *st, const char *name)
{
    sos_error_t   err;
    sos_bucket_t  b;

    if (sos_org_create(st, name, strlen(name), NULL, 0, &org, &err)
        != SOS_OK)
    {
        bench_die("org: %s", err.msg);
    }
    if (sos_bucket_create(st, name, strlen(name), org.id, "us-east-1", NULL,
                          0, &b, &err) != SOS_OK)
    {
        bench_die("bucket %s: %s", name, err.msg);
    }
}


/* ---- durable writes ---- */

static void *
store_worker(void *arg)
{
    worker_t        *w = arg;
    char             key[32];
    unsigned         i;
    sos_put_t       *put;
    sos_attrs_t      attrs;
    sos_error_t      err;
    sos_put_opts_t   opts;

    memset(&attrs, 0, sizeof(attrs));
    attrs.owner.data = org.id;
    attrs.owner.len = strlen(org.id);
    memset(&opts, 0, sizeof(opts));
    opts.bucket = "w";
    opts.bucket_len = 1;
    opts.attrs = &attrs;

    for (i = 0; i < w->n; i++) {
        opts.key_len = snprintf(key, sizeof(key), "t%02u/%06u", w->id, i);
        opts.key = key;
        if (sos_put_begin(&put, w->st, &opts, &err) != SOS_OK
            || sos_put_write(put, payload, OBJ_SIZE, &err) != SOS_OK
            || sos_put_commit(put, NULL, &err) != SOS_OK)
        {
            fprintf(stderr, "store_bench: put %s: %s\n", key, err.msg);
            w->failed = 1;
            return NULL;
        }
    }
    return NULL;
}


static void *
plain_worker(void *arg)
{
    worker_t  *w = arg;

    w->failed = bench_plain_objects(w->root, w->id, w->n, payload, OBJ_SIZE,
                                    OBJ_SIZE) != 0;
    return NULL;
}


/* Objects per second of n writes spread over the threads. */
static double
run_writes(int store, unsigned threads, unsigned n)
{
    char          name[32], root[512];
    double        t0, t;
    unsigned      i;
    worker_t      w[MAX_THREADS];
    sos_store_t  *st = NULL;

    snprintf(name, sizeof(name), "%s-%u", store ? "store" : "plain",
             threads);
    snprintf(root, sizeof(root), "%s/%s", base_dir, name);
    if (store) {
        st = store_open(name, 0);
        bucket_make(st, "w");
    } else {
        bench_plain_dirs(root);
    }

    t0 = bench_now();
    for (i = 0; i < threads; i++) {
        w[i].id = i;
        w[i].n = n / threads + (i < n % threads);
        w[i].st = st;
        w[i].root = root;
        w[i].failed = 0;
        if (pthread_create(&w[i].tid, NULL,
                           store ? store_worker : plain_worker, &w[i]) != 0)
        {
            bench_die("pthread_create failed");
        }
    }
    for (i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
        if (w[i].failed) {
            bench_die("%s writes failed", store ? "store" : "plain");
        }
    }
    t = bench_now() - t0;

    sos_store_close(st);
    return n / t;
}


/* ---- listing ---- */

static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


static void
row(const char *what, size_t items, double ms, double base)
{
    printf("  %-46s %6zu %8.3f %6.2f\n", what, items, ms, ms / base);
}


/* Median milliseconds of one page; *items is what the page held. */
static double
time_list(sos_store_t *st, const char *bucket, const char *prefix,
    const char *delim, const char *marker, size_t *items)
{
    int                 i;
    double              t0, ms[LIST_RUNS];
    sos_error_t         err;
    sos_list_opts_t     opts;
    sos_list_result_t  *res;

    opts.prefix.data = prefix;
    opts.prefix.len = strlen(prefix);
    opts.delimiter.data = delim;
    opts.delimiter.len = strlen(delim);
    opts.marker.data = marker;
    opts.marker.len = strlen(marker);
    opts.max_keys = 1000;

    /* one page warms the block cache, as a busy store has it */
    for (i = -1; i < LIST_RUNS; i++) {
        t0 = bench_now();
        if (sos_list_objects(st, bucket, strlen(bucket), &opts, &res, &err)
            != SOS_OK)
        {
            bench_die("list %s: %s", bucket, err.msg);
        }
        if (i >= 0) {
            ms[i] = (bench_now() - t0) * 1000;
        }
        *items = res->n_entries + res->n_prefixes;
        sos_list_result_free(res);
    }

    qsort(ms, LIST_RUNS, sizeof(double), cmp_double);
    return ms[LIST_RUNS / 2];
}


int
main(int argc, char **argv)
{
    char          mid[32], mid_dir[32];
    double        plain_rate, store_rate, fill_s, base, ms;
    size_t        items;
    unsigned      n_writes, n_keys, i;
    sos_store_t  *st;
    static const unsigned  threads[] = { 1, 16 };

    if (argc < 2) {
        fprintf(stderr, "usage: store_bench <dir> [writes per mode] "
                "[list keys]\n");
        return 2;
    }
    base_dir = argv[1];
    n_writes = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 2000;
    n_keys = argc > 3 ? (unsigned) strtoul(argv[3], NULL, 10) : 1000000;
    /* the delimiter page needs 1,000 directories after the middle one */
    if (n_writes < MAX_THREADS || n_keys < 2 * DIR_FILES * 1001) {
        bench_die("at least %u writes and %u keys", MAX_THREADS,
            2 * DIR_FILES * 1001);
    }
    for (i = 0; i < OBJ_SIZE; i++) {
        payload[i] = (char) (i * 131 + 7);
    }

    printf("durable 4 KiB writes, fsync on, %u objects per run\n",
           n_writes);
    printf("  %-34s %7s %11s %6s\n", "", "threads", "objects/s", "ratio");
    for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        plain_rate = run_writes(0, threads[i], n_writes);
        printf("  %-34s %7u %11.0f %6s\n", "plain C: 3 dirs, tmp+rename",
               threads[i], plain_rate, "1.00");
        fflush(stdout);
        store_rate = run_writes(1, threads[i], n_writes);
        printf("  %-34s %7u %11.0f %6.2f\n", "sos_put: 3 replicas + index",
               threads[i], store_rate, store_rate / plain_rate);
        fflush(stdout);
    }

    st = store_open("list", 1);
    bucket_make(st, "small");
    bucket_make(st, "dirs");
    bucket_make(st, "big");
    bench_fill(st, "small", org.id, 1000, DIR_FILES, 1700000000);
    bench_fill(st, "dirs", org.id, 1001, 1, 1700000000);
    fill_s = bench_fill(st, "big", org.id, n_keys, DIR_FILES, 1700000000);

    /* a key and a common prefix in the middle of the big bucket */
    snprintf(mid, sizeof(mid), "d%05u/f%03u", n_keys / DIR_FILES / 2, 50);
    snprintf(mid_dir, sizeof(mid_dir), "d%05u/", n_keys / DIR_FILES / 2);

    printf("\nlisting one page (max-keys 1000), median of %d; big bucket "
           "of %u keys\nfilled by batched internal index writes in %.1f s "
           "(%.0f keys/s)\n", LIST_RUNS, n_keys, fill_s, n_keys / fill_s);
    printf("  %-46s %6s %8s %6s\n", "", "items", "ms", "ratio");

    base = time_list(st, "small", "", "", "", &items);
    row("1,000-key bucket, first page", items, base, base);
    ms = time_list(st, "big", "", "", "", &items);
    row("big bucket, first page", items, ms, base);
    ms = time_list(st, "big", "", "", mid, &items);
    row("big bucket, page after a middle key", items, ms, base);

    /* a page of common prefixes costs one seek each, however full */
    base = time_list(st, "dirs", "", "/", "d00000/", &items);
    row("1,001 dirs of 1 key, delimiter '/'", items, base, base);
    ms = time_list(st, "big", "", "/", mid_dir, &items);
    row("big bucket, delimiter '/' after a middle dir", items, ms, base);

    ms = time_list(st, "big", mid_dir, "/", "", &items);
    row("big bucket, prefix of a middle dir (100 keys)", items, ms, base);

    sos_store_close(st);
    return 0;
}
