/*
 * Filling a bucket of the listing benchmarks fast: object records of
 * 4 KiB objects written straight into the index through the library's
 * internal API, in batches without sync (no data files: a listing reads
 * only the index).
 */

#ifndef BENCH_FILL_H
#define BENCH_FILL_H

#include <time.h>

#include <sos/store.h>

#define BENCH_OBJ_SIZE  4096


double bench_fill(sos_store_t *st, const char *bucket, const char *owner,
    unsigned n, unsigned per_dir, time_t mtime);

#endif /* BENCH_FILL_H */
