/*
 * sos_store_stats: the fsync latency histogram, counted by a durable
 * store and left at zero by one without fsync.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util.h"


static char  data_dir[512];


/* the buckets add up to the count, with increasing bounds, the last +Inf */
static void
check_histogram(const sos_store_stats_t *s, const char *what)
{
    unsigned  i, mono = 1;
    uint64_t  sum = 0;

    for (i = 0; i < SOS_FSYNC_BUCKETS; i++) {
        sum += s->fsync_count[i];
        if (i > 0 && s->fsync_le_us[i] <= s->fsync_le_us[i - 1]) {
            mono = 0;
        }
    }

    ok(mono, "%s: bounds increase", what);
    is_int(UINT64_MAX == s->fsync_le_us[SOS_FSYNC_BUCKETS - 1], 1,
           "%s: the last bucket takes the rest", what);
    is_int(s->fsyncs, sum, "%s: buckets add up to the count", what);
}


int
main(void)
{
    static unsigned char  data[4096];

    unsigned              i;
    sos_store_t          *st;
    sos_store_stats_t     s0, s1;

    util_fill(data, sizeof(data), 7, 3, 8);

    /* without fsync: nothing counted */

    snprintf(data_dir, sizeof(data_dir), "%s/fast", tmpdir());
    st = util_store_open(data_dir, 0, 0);
    util_org_bucket(st, "fast", "fast", NULL);
    util_put(st, "fast", "a", data, sizeof(data), NULL);
    sos_store_stats(st, &s0);
    is_int(0, s0.fsyncs, "no fsync: none counted");
    check_histogram(&s0, "no fsync");
    sos_store_close(st);

    /* durable: each put syncs its file on every replica */

    snprintf(data_dir, sizeof(data_dir), "%s/durable", tmpdir());
    st = util_store_open(data_dir, 1, 0);
    util_org_bucket(st, "durable", "durable", NULL);

    sos_store_stats(st, &s0);
    check_histogram(&s0, "after open");

    for (i = 0; i < 4; i++) {
        data[0] = (unsigned char) i;
        util_put(st, "durable", "k", data, sizeof(data), NULL);
    }

    sos_store_stats(st, &s1);
    ok(s1.fsyncs >= s0.fsyncs + 4 * 3,
       "4 puts on 3 replicas: at least 12 fsyncs more (%llu -> %llu)",
       (unsigned long long) s0.fsyncs, (unsigned long long) s1.fsyncs);
    ok(s1.fsync_us >= s0.fsync_us, "time only grows");
    is_int(0, s1.fsync_errors, "no fsync failed");
    check_histogram(&s1, "after puts");

    sos_store_close(st);
    done_testing();
}
