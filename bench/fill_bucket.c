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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_fill.h"
#include "bench_util.h"

#define PER_DIR  100


int
main(int argc, char **argv)
{
    const char        *bucket;
    unsigned           n;
    sos_org_t          org;
    sos_error_t        err;
    sos_store_t       *st;
    sos_bucket_t       b;
    sos_store_conf_t   conf;

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
        bench_die("open %s: %s", argv[1], err.msg);
    }
    if (sos_org_find_by_name(st, argv[2], strlen(argv[2]), &org, &err)
        != SOS_OK)
    {
        bench_die("org %s: %s", argv[2], err.msg);
    }
    if (sos_bucket_create(st, bucket, strlen(bucket), org.id, "us-east-1",
                          NULL, 0, &b, &err) != SOS_OK)
    {
        bench_die("bucket %s: %s", bucket, err.msg);
    }

    bench_fill(st, bucket, org.id, n, PER_DIR, time(NULL));
    sos_store_close(st);
    return 0;
}
