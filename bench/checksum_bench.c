/*
 * Checksum throughput: each flexible checksum of libsosproto over a
 * buffer (64 MiB by default) fed in 64 KiB pieces, as an upload feeds
 * them; the best of 5 runs, in MiB/s.  Prints figures, asserts nothing.
 *
 *   checksum_bench [MiB]
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sosproto/checksum.h>

#define PIECE  65536
#define RUNS   5

static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    int                  a, run;
    size_t               size, off, n, i;
    double               t, best;
    uint64_t             x;
    unsigned char       *buf, out[SOS_CHECKSUM_MAX_SIZE];
    sos_checksum_t       ck;
    volatile unsigned    sink;

    size = (size_t) (argc > 1 ? atol(argv[1]) : 64) << 20;

    buf = malloc(size);
    if (buf == NULL || size == 0) {
        fprintf(stderr, "checksum_bench: cannot allocate %zu bytes\n", size);
        return 1;
    }

    /* xorshift: no run of bytes a CRC could shortcut */

    x = 88172645463325252ull;
    for (i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (unsigned char) x;
    }

    sos_checksum_init();
    sink = 0;

    printf("%-10s %10s   (%zu MiB in %d KiB pieces, best of %d)\n",
           "checksum", "MiB/s", size >> 20, PIECE >> 10, RUNS);

    for (a = SOS_CHECKSUM_CRC32; a < SOS_CHECKSUM_MAX; a++) {
        best = 0;

        for (run = 0; run < RUNS; run++) {
            t = now();

            sos_checksum_start(&ck, (sos_checksum_alg_e) a);

            for (off = 0; off < size; off += n) {
                n = size - off < PIECE ? size - off : PIECE;
                sos_checksum_update(&ck, buf + off, n);
            }

            sink += sos_checksum_final(&ck, out) + out[0];

            t = now() - t;
            if (best == 0 || t < best) {
                best = t;
            }
        }

        printf("%-10s %10.0f\n", sos_checksum_name((sos_checksum_alg_e) a),
               (double) (size >> 20) / best);
    }

    free(buf);

    return 0;
}
