/*
 * idxdump: list the file records of a stopped store's index, for the
 * fault tests' audits (t/faults.t, t/crash_audit.t).
 *
 *   idxdump DATA_DIR/index
 *
 * One line per record, fields separated by tabs, names %XX-escaped:
 *
 *   O  bucket/key   file id  size  replica mask  md5   (one per extent)
 *   P  upload#part  file id  size  replica mask  md5
 *   G  file id                                   (garbage: to unlink)
 *   X  file id                                   (block checksums)
 *
 * Exit status 0, or 1 when the index cannot be read or a record does not
 * decode.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


static void idxdump_name(const char *p, size_t len);
static void idxdump_extent(const sos_extent_t *e);


int
main(int argc, char **argv)
{
    int                  bad = 0;
    char                *errptr = NULL;
    size_t               klen, vlen;
    uint32_t             i;
    const char          *k, *v, *nul;
    leveldb_t           *db;
    sos_obj_rec_t        rec;
    sos_part_rec_t       part;
    leveldb_options_t   *opts;
    leveldb_iterator_t  *it;
    leveldb_readoptions_t  *ropts;

    if (argc != 2) {
        fprintf(stderr, "usage: idxdump INDEX_DIR\n");
        return 1;
    }

    opts = leveldb_options_create();
    leveldb_options_set_paranoid_checks(opts, 1);
    db = leveldb_open(opts, argv[1], &errptr);
    if (db == NULL) {
        fprintf(stderr, "idxdump: %s\n", errptr);
        return 1;
    }

    ropts = leveldb_readoptions_create();
    leveldb_readoptions_set_verify_checksums(ropts, 1);
    it = leveldb_create_iterator(db, ropts);

    for (leveldb_iter_seek_to_first(it);
         leveldb_iter_valid(it);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        switch (k[0]) {

        case SOS_K_OBJECT:
            if (sos_obj_rec_decode(v, vlen, &rec) != 0) {
                fprintf(stderr, "idxdump: bad object record\n");
                bad = 1;
                break;
            }
            nul = memchr(k + 1, '\0', klen - 1);
            for (i = 0; i < rec.n_extents; i++) {
                printf("O\t");
                if (nul != NULL) {
                    idxdump_name(k + 1, (size_t) (nul - k - 1));
                    printf("/");
                    idxdump_name(nul + 1, (size_t) (k + klen - nul - 1));
                }
                idxdump_extent(&rec.extents[i]);
            }
            sos_obj_rec_free(&rec);
            break;

        case SOS_K_PART:
            if (sos_part_rec_decode(k, klen, v, vlen, &part) != 0) {
                fprintf(stderr, "idxdump: bad part record\n");
                bad = 1;
                break;
            }
            printf("P\t");
            idxdump_name(k + 1, klen - 5);
            printf("#%u", (unsigned) part.number);
            idxdump_extent(&part.extent);
            break;

        case SOS_K_GARBAGE:
        case 'X':
            printf("%c\t", k[0]);
            idxdump_name(k + 1, klen - 1);
            printf("\n");
            break;

        default:
            break;
        }
    }

    leveldb_iter_get_error(it, &errptr);
    if (errptr != NULL) {
        fprintf(stderr, "idxdump: %s\n", errptr);
        leveldb_free(errptr);
        bad = 1;
    }

    leveldb_iter_destroy(it);
    leveldb_readoptions_destroy(ropts);
    leveldb_close(db);
    leveldb_options_destroy(opts);

    return bad;
}


static void
idxdump_name(const char *p, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];
        if (c <= ' ' || c >= 0x7f || c == '%' || c == '/' || c == '#') {
            printf("%%%02X", c);
        } else {
            putchar(c);
        }
    }
}


static void
idxdump_extent(const sos_extent_t *e)
{
    int  i;

    printf("\t%s\t%llu\t%u\t", e->id, (unsigned long long) e->size,
           (unsigned) e->replicas);
    for (i = 0; i < 16; i++) {
        printf("%02x", e->md5[i]);
    }
    printf("\n");
}
