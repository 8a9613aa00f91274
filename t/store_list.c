/*
 * Test helper: list a bucket straight from a store (nginx stopped), as an
 * offline check of what a server acknowledged.
 *
 *   store_list DATA_DIR BUCKET [REPLICA_DIR ...]
 *
 * Prints one line per object, in key order: key, ETag and size, separated
 * by tabs.  Exit status 0, or 1 with the reason on stderr.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sos/store.h>


int
main(int argc, char **argv)
{
    char                marker[SOS_MAX_KEY_LEN];
    size_t              i, marker_len;
    sos_rc_e            rc;
    sos_error_t         err;
    sos_store_t        *store;
    sos_list_opts_t     opts;
    sos_store_conf_t    conf;
    sos_list_result_t  *page;

    if (argc < 3) {
        fprintf(stderr, "usage: store_list DATA_DIR BUCKET [REPLICA ...]\n");
        return 1;
    }

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = argv[1];
    if (argc > 3) {
        conf.replica_dirs = (const char *const *) argv + 3;
        conf.n_replicas = (unsigned) (argc - 3);
    }

    if (sos_store_open(&store, &conf, &err) != SOS_OK) {
        fprintf(stderr, "store_list: open: %s\n", err.msg);
        return 1;
    }

    marker_len = 0;

    do {
        memset(&opts, 0, sizeof(opts));
        opts.marker.data = marker;
        opts.marker.len = marker_len;
        opts.max_keys = 1000;

        rc = sos_list_objects(store, argv[2], strlen(argv[2]), &opts, &page,
                              &err);
        if (rc != SOS_OK) {
            fprintf(stderr, "store_list: list: %s\n", err.msg);
            sos_store_close(store);
            return 1;
        }

        for (i = 0; i < page->n_entries; i++) {
            printf("%.*s\t%s\t%llu\n", (int) page->entries[i].key.len,
                   page->entries[i].key.data, page->entries[i].etag,
                   (unsigned long long) page->entries[i].size);
        }

        marker_len = page->next_marker.len;
        if (marker_len > 0) {
            memcpy(marker, page->next_marker.data, marker_len);
        }

        rc = page->truncated ? SOS_OK : SOS_ENOTFOUND;
        sos_list_result_free(page);

    } while (rc == SOS_OK);

    sos_store_close(store);
    return 0;
}
