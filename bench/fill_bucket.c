/*
 * Fill a bucket of the listing benchmark fast: create it in a store that
 * no server has open, owned by an existing organization, and write n
 * object records "d%05u/f%03u" (100 keys a "directory") straight into the
 * index through the library's internal API, in batches without sync (no
 * data files: a listing reads only the index).  Then nginx is started on
 * the data directory.
 *
 *   fill_bucket <data dir> <org name> <bucket> <keys>
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sos_internal.h"

#define OBJ_SIZE  4096
#define PER_DIR   100
#define BATCH     10000


static void __attribute__((noreturn, format(printf, 1, 2)))
    die(const char *fmt, ...);


static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    fputs("fill_bucket: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}


int
main(int argc, char **argv)
{
    char                   key[32];
    const char            *bucket;
    unsigned               i, n;
    sos_buf_t              k, v;
    sos_org_t              org;
    sos_error_t            err;
    sos_store_t           *st;
    sos_bucket_t           b;
    sos_extent_t           ext;
    sos_obj_rec_t          rec;
    sos_store_conf_t       conf;
    leveldb_writebatch_t  *batch;

    if (argc != 5) {
        fprintf(stderr, "usage: fill_bucket <data dir> <org name> <bucket> "
                "<keys>\n");
        return 2;
    }
    bucket = argv[3];
    n = (unsigned) strtoul(argv[4], NULL, 10);

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = argv[1];
    conf.no_fsync = 1;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        die("open %s: %s", argv[1], err.msg);
    }
    if (sos_org_find_by_name(st, argv[2], strlen(argv[2]), &org, &err)
        != SOS_OK)
    {
        die("org %s: %s", argv[2], err.msg);
    }
    if (sos_bucket_create(st, bucket, strlen(bucket), org.id, "us-east-1",
                          NULL, 0, &b, &err) != SOS_OK)
    {
        die("bucket %s: %s", bucket, err.msg);
    }

    memset(&rec, 0, sizeof(rec));
    memset(&ext, 0, sizeof(ext));
    rec.size = OBJ_SIZE;
    rec.mtime = time(NULL);
    snprintf(rec.etag, sizeof(rec.etag), "%032x", 0);
    rec.attrs.owner.data = org.id;
    rec.attrs.owner.len = strlen(org.id);
    rec.n_extents = 1;
    rec.extents = &ext;
    ext.size = OBJ_SIZE;
    ext.replicas = 7;

    sos_buf_init(&k);
    sos_buf_init(&v);
    batch = leveldb_writebatch_create();

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "d%05u/f%03u", i / PER_DIR, i % PER_DIR);
        sos_random_hex(ext.id, SOS_FILE_ID_LEN);
        sos_ikey_object(&k, bucket, strlen(bucket), key, strlen(key));
        sos_buf_reset(&v);
        sos_obj_rec_encode(&v, &rec);
        if (k.oom || v.oom) {
            die("no memory");
        }
        leveldb_writebatch_put(batch, (const char *) k.data, k.len,
                               (const char *) v.data, v.len);
        if ((i + 1) % BATCH == 0 || i + 1 == n) {
            if (sos_idx_write(st, batch, 0, &err) != SOS_OK) {
                die("fill %s: %s", bucket, err.msg);
            }
            leveldb_writebatch_clear(batch);
        }
    }

    leveldb_writebatch_destroy(batch);
    sos_buf_free(&k);
    sos_buf_free(&v);
    sos_store_close(st);
    return 0;
}
