/*
 * Filling a bucket of the listing benchmarks fast (bench_fill.h).
 */

#include <stdio.h>
#include <string.h>

#include "sos_internal.h"

#include "bench_fill.h"
#include "bench_util.h"

#define BENCH_FILL_BATCH  10000


/*
 * n object records "d%05u/f%03u", per_dir keys a directory, owned by
 * owner; returns the seconds it took.
 */
double
bench_fill(sos_store_t *st, const char *bucket, const char *owner,
    unsigned n, unsigned per_dir, time_t mtime)
{
    char                   key[32];
    double                 t0;
    unsigned               i;
    sos_buf_t              k, v;
    sos_error_t            err;
    sos_extent_t           ext;
    sos_obj_rec_t          rec;
    leveldb_writebatch_t  *batch;

    memset(&rec, 0, sizeof(rec));
    memset(&ext, 0, sizeof(ext));
    rec.size = BENCH_OBJ_SIZE;
    rec.mtime = mtime;
    snprintf(rec.etag, sizeof(rec.etag), "%032x", 0);
    rec.attrs.owner.data = owner;
    rec.attrs.owner.len = strlen(owner);
    rec.n_extents = 1;
    rec.extents = &ext;
    ext.size = BENCH_OBJ_SIZE;
    ext.replicas = 7;

    sos_buf_init(&k);
    sos_buf_init(&v);
    batch = leveldb_writebatch_create();
    t0 = bench_now();

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "d%05u/f%03u", i / per_dir, i % per_dir);
        sos_random_hex(ext.id, SOS_FILE_ID_LEN);
        sos_ikey_object(&k, bucket, strlen(bucket), key, strlen(key));
        sos_buf_reset(&v);
        sos_obj_rec_encode(&v, &rec);
        if (k.oom || v.oom) {
            bench_die("no memory");
        }
        leveldb_writebatch_put(batch, (const char *) k.data, k.len,
                               (const char *) v.data, v.len);
        if ((i + 1) % BENCH_FILL_BATCH == 0 || i + 1 == n) {
            if (sos_idx_write(st, batch, 0, &err) != SOS_OK) {
                bench_die("fill %s: %s", bucket, err.msg);
            }
            leveldb_writebatch_clear(batch);
        }
    }

    leveldb_writebatch_destroy(batch);
    sos_buf_free(&k);
    sos_buf_free(&v);
    return bench_now() - t0;
}
