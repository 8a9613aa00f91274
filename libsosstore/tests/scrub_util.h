/*
 * What the scrub tests (scrub.c, backfill.c) share, after util.h: the
 * two bodies they store (one of 300 KiB and 7 bytes, one of five
 * checksum blocks and a short one), the last error and pass report, and
 * a put of the first body.
 */

#ifndef SOS_TEST_SCRUB_UTIL_H
#define SOS_TEST_SCRUB_UTIL_H

#define SIZE       (300 * 1024 + 7)
#define BLK        SOS_SUM_BLOCK
#define BIG        (5 * BLK + 123)      /* five blocks and a short one */


static sos_error_t         err;
static sos_scrub_report_t  rep;
static unsigned char       data[SIZE];
static unsigned char       big[BIG];


static sos_rc_e
put(sos_store_t *s, const char *bucket, const char *key, char *id)
{
    return util_put_rc(s, bucket, key, data, SIZE, id, &err);
}


/* The bodies' bytes: first thing of main(). */
static void
scrub_bodies_fill(void)
{
    util_fill(data, SIZE, 131, 0, 9);
    util_fill(big, BIG, 37, 0, 11);
}

#endif /* SOS_TEST_SCRUB_UTIL_H */
