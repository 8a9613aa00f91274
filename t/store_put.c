/*
 * Test helper: write one object straight into a store (nginx stopped),
 * with attributes the module would refuse on the way in, as a store
 * written by an older version may hold them.
 *
 *   store_put DATA_DIR BUCKET KEY CONTENT_TYPE META_NAME META_VALUE
 *
 * The body is "legacy"; the owner is the bucket's.  Arguments are taken
 * with C escapes decoded (\r, \n, \t, \xHH) so that any byte can be given.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sos/store.h>


static size_t
unescape(char *s)
{
    char   *d, *p;

    for (p = s, d = s; *p; p++) {
        if (*p != '\\' || p[1] == '\0') {
            *d++ = *p;
            continue;
        }

        p++;

        switch (*p) {
        case 'r':
            *d++ = '\r';
            break;
        case 'n':
            *d++ = '\n';
            break;
        case 't':
            *d++ = '\t';
            break;
        case 'x':
            if (p[1] && p[2]) {
                char  hex[3] = { p[1], p[2], '\0' };

                *d++ = (char) strtol(hex, NULL, 16);
                p += 2;
            }
            break;
        default:
            *d++ = *p;
            break;
        }
    }

    return (size_t) (d - s);
}


int
main(int argc, char **argv)
{
    size_t              key_len;
    sos_rc_e            rc;
    sos_kv_t            meta;
    sos_put_t          *put;
    sos_error_t         err;
    sos_attrs_t         attrs;
    sos_store_t        *st;
    sos_put_opts_t      opts;
    sos_store_conf_t    conf;
    sos_bucket_info_t  *bi;
    sos_object_info_t   info;

    if (argc != 7) {
        fprintf(stderr, "usage: store_put DATA_DIR BUCKET KEY CONTENT_TYPE "
                "META_NAME META_VALUE\n");
        return 2;
    }

    memset(&conf, 0, sizeof(conf));
    memset(&err, 0, sizeof(err));
    conf.data_dir = argv[1];
    conf.no_fsync = 1;

    rc = sos_store_open(&st, &conf, &err);
    if (rc != SOS_OK) {
        fprintf(stderr, "store_put: open: %s\n", err.msg);
        return 1;
    }

    rc = sos_bucket_get(st, argv[2], strlen(argv[2]), &bi, &err);
    if (rc != SOS_OK) {
        fprintf(stderr, "store_put: bucket: %s\n", err.msg);
        sos_store_close(st);
        return 1;
    }

    key_len = unescape(argv[3]);

    memset(&attrs, 0, sizeof(attrs));
    attrs.owner.data = bi->bucket.owner;
    attrs.owner.len = strlen(bi->bucket.owner);
    attrs.content_type.data = argv[4];
    attrs.content_type.len = unescape(argv[4]);
    meta.name.data = argv[5];
    meta.name.len = unescape(argv[5]);
    meta.value.data = argv[6];
    meta.value.len = unescape(argv[6]);
    attrs.user_meta = &meta;
    attrs.n_user_meta = 1;

    memset(&opts, 0, sizeof(opts));
    opts.bucket = argv[2];
    opts.bucket_len = strlen(argv[2]);
    opts.key = argv[3];
    opts.key_len = key_len;
    opts.attrs = &attrs;

    rc = sos_put_begin(&put, st, &opts, &err);
    if (rc == SOS_OK) {
        rc = sos_put_write(put, "legacy", 6, &err);
        if (rc == SOS_OK) {
            rc = sos_put_commit(put, &info, &err);
            if (rc == SOS_OK) {
                sos_object_info_release(&info);
            }

        } else {
            sos_put_abort(put);
        }
    }

    sos_bucket_info_free(bi);
    sos_store_close(st);

    if (rc != SOS_OK) {
        fprintf(stderr, "store_put: %s\n", err.msg);
        return 1;
    }

    return 0;
}
