
/*
 * Fuzz target: SigV4 canonicalisation (libsosproto, plain C): the
 * canonical URI of a path, the canonical query string (parameters
 * decoded, re-encoded, sorted), S3's UriEncode and its decoding, hex.
 * Output buffers are exactly the sizes the header documents, each in a
 * block of its own, so ASan catches any write past them.
 *
 * Input: one byte choosing the function, then its input string.
 */


#include <sosproto/sigv4.h>

#include <stdlib.h>
#include <string.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               *src, *dst, *work;
    size_t              n, count, len;
    unsigned char      *bin;
    sos_sigv4_param_t  *params;

    if (size < 1) {
        return 0;
    }

    n = size - 1;
    src = malloc(n ? n : 1);
    if (src == NULL) {
        return 0;
    }

    memcpy(src, data + 1, n);

    switch (data[0] % 5) {

    case 0:
        dst = malloc(3 * n + 1);
        if (dst) {
            len = sos_sigv4_canonical_uri(dst, src, n);
            if (len > 3 * n) {
                abort();
            }
            free(dst);
        }
        break;

    case 1:
    case 2:
        count = sos_sigv4_query_count(src, n);
        dst = malloc(3 * n + count + 1);
        work = malloc(3 * n + 1);
        params = malloc((count ? count : 1) * sizeof(sos_sigv4_param_t));

        if (dst && work && params) {
            len = sos_sigv4_canonical_query(dst, work, params, src, n,
                                            data[0] % 5 == 2);
            if (len > 3 * n + count) {
                abort();
            }
        }

        free(dst);
        free(work);
        free(params);
        break;

    case 3:
        len = sos_sigv4_uri_encode(NULL, src, n, data[0] & 8);
        dst = malloc(len ? len : 1);
        if (dst) {
            if (sos_sigv4_uri_encode(dst, src, n, data[0] & 8) != len) {
                abort();
            }

            work = malloc(len ? len : 1);
            if (work) {
                /* decoding what was encoded gives the input back */
                if (sos_sigv4_uri_decode(work, dst, len) != n
                    || (n && memcmp(work, src, n) != 0))
                {
                    abort();
                }
                free(work);
            }
            free(dst);
        }
        break;

    default:
        dst = malloc(n ? n : 1);
        bin = malloc(n / 2 + 1);
        if (dst && bin) {
            (void) sos_sigv4_uri_decode(dst, src, n);
            (void) sos_sigv4_unhex(bin, src, n / 2);
        }
        free(dst);
        free(bin);
        break;
    }

    free(src);

    return 0;
}
