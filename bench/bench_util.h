/*
 * What the benchmark programs share: dying with the program's name, a
 * monotonic clock, directories, and the bare file work of a durable PUT
 * in 3 replicas (the plain C ceiling the store is measured against).
 */

#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>

#define BENCH_N_DIRS  3


void bench_die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
double bench_now(void);
void bench_mkdir_p(const char *path);
void bench_plain_dirs(const char *root);
int bench_plain_objects(const char *root, unsigned id, unsigned n,
    const char *buf, size_t buf_size, size_t obj_size);

#endif /* BENCH_UTIL_H */
