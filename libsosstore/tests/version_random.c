/*
 * The invariants of versions under a random mix of puts, deletes of the
 * current version and of versions by id, and changes of the versioning
 * state (a fixed seed, a bounded number of steps), checked after every
 * step against the index and the files:
 * - no file is named by two records, and the files on disk are exactly
 *   those the O and V records name (a replaced or deleted version's
 *   files went, once);
 * - a key has at most one null version; its O record, when there is
 *   one, is newer than its V records, and without one its newest V
 *   record is a delete marker;
 * - the bucket's counters are the sum over the records.
 */

#include "tap.h"
#include "util.h"
#include "version_util.h"

#define B      "vrand"
#define STEPS  300
#define KEYS   3


typedef struct {
    util_ids_t  ids;
    uint64_t    count;
    uint64_t    bytes;
    int         bad;
    int         nulls[KEYS];
    int         has_o[KEYS];
    int         seen_v[KEYS];
    char        o_sort[KEYS][SOS_VERSION_ID_LEN + 1];
    /* a version id of each key, for deletes by id */
    char        vids[KEYS][8][SOS_VERSION_ID_LEN + 1];
    int         n_vids[KEYS];
} walk_t;


static sos_store_t  *st;
static sos_error_t   err;
static char          dir[512];
static const char   *keys[KEYS] = { "k0", "k1", "k2" };


static int
key_index(const char *key, size_t len)
{
    int  i;

    for (i = 0; i < KEYS; i++) {
        if (len >= 3 && memcmp(key, keys[i], 2) == 0 && key[2] == '\0') {
            return i;
        }
        if (len == 2 && memcmp(key, keys[i], 2) == 0) {
            return i;
        }
    }
    bail("unknown key");
}


/* O and V records (keys without type byte: bucket \0 key [\0 sort]) */
static sos_rc_e
visit(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len, int v)
{
    int            k;
    char           sort[SOS_VERSION_ID_LEN + 1];
    uint32_t       i;
    walk_t        *w = ctx;
    sos_obj_rec_t  rec;

    if (key_len < strlen(B) + 1 || memcmp(key, B, strlen(B)) != 0) {
        return SOS_OK;
    }
    key += strlen(B) + 1;
    key_len -= strlen(B) + 1;
    k = key_index(key, key_len);

    if (sos_obj_rec_decode(val, val_len, &rec) != 0) {
        bail("bad record");
    }
    for (i = 0; i < rec.n_extents; i++) {
        util_ids_add(&w->ids, rec.extents[i].id);
    }
    w->count += rec.delete_marker ? 0 : 1;
    w->bytes += rec.size;
    w->nulls[k] += rec.version_id[0] == '\0';

    sos_version_sort_id(&rec, sort);
    if (!v) {
        w->has_o[k] = 1;
        memcpy(w->o_sort[k], sort, sizeof(sort));
        w->bad |= rec.delete_marker;
    } else {
        if (w->has_o[k] && strcmp(w->o_sort[k], sort) >= 0) {
            w->bad = 1;
        }
        if (!w->has_o[k] && !w->seen_v[k] && !rec.delete_marker) {
            w->bad = 1;
        }
        w->seen_v[k] = 1;
    }

    if (w->n_vids[k] < 8) {
        snprintf(w->vids[k][w->n_vids[k]++], SOS_VERSION_ID_LEN + 1, "%s",
                 rec.version_id[0] ? rec.version_id : "null");
    }

    sos_obj_rec_free(&rec);
    return SOS_OK;
}


static sos_rc_e
visit_o(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    return visit(ctx, key, key_len, val, val_len, 0);
}


static sos_rc_e
visit_v(void *ctx, const char *key, size_t key_len, const char *val,
    size_t val_len)
{
    return visit(ctx, key, key_len, val, val_len, 1);
}


static int
id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}


/* 0 when every invariant holds, else which failed */
static int
check(walk_t *w)
{
    int           k;
    size_t        i;
    sos_bucket_t  b;

    memset(w, 0, sizeof(*w));
    if (sos_idx_scan(st, 'O', visit_o, w, &err) != SOS_OK
        || sos_idx_scan(st, 'V', visit_v, w, &err) != SOS_OK)
    {
        bail("scan: %s", err.msg);
    }

    if (w->bad) {
        return 1;
    }
    for (k = 0; k < KEYS; k++) {
        if (w->nulls[k] > 1) {
            return 2;
        }
    }

    if (w->ids.n > 1) {
        qsort(w->ids.ids, w->ids.n, sizeof(*w->ids.ids), id_cmp);
    }
    for (i = 1; i < w->ids.n; i++) {
        if (strcmp(w->ids.ids[i - 1], w->ids.ids[i]) == 0) {
            return 3;
        }
    }
    if (vu_files(dir) != (long) w->ids.n) {
        return 4;
    }

    b = vu_counters(st, B);
    if (b.object_count != w->count || b.bytes != w->bytes) {
        return 5;
    }
    return 0;
}


int
main(void)
{
    int                  k, op, failed, step;
    char                 body[32];
    const char          *vid;
    walk_t               w;
    unsigned             seed;
    sos_rc_e             rc;
    sos_delete_result_t  res;

    plan(3);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "one", B, NULL);

    seed = 16;
    failed = 0;
    memset(&w, 0, sizeof(w));

    for (step = 0; step < STEPS && !failed; step++) {
        op = rand_r(&seed) % 10;
        k = rand_r(&seed) % KEYS;

        if (op < 4) {
            snprintf(body, sizeof(body), "step %d", step);
            vu_put(st, B, keys[k], body, NULL, NULL);

        } else if (op < 6) {
            rc = sos_object_delete_version(st, B, strlen(B), keys[k], 2,
                                           NULL, 0, NULL, NULL, 0, &res,
                                           &err);
            if (rc != SOS_OK && rc != SOS_ENOTFOUND) {
                bail("delete: %s", err.msg);
            }

        } else if (op < 9) {
            if (w.n_vids[k] > 0) {
                vid = w.vids[k][rand_r(&seed) % w.n_vids[k]];
                rc = sos_object_delete_version(st, B, strlen(B), keys[k], 2,
                                               vid, strlen(vid), NULL, NULL,
                                               0, &res, &err);
                if (rc != SOS_OK) {
                    bail("delete %s: %s", vid, err.msg);
                }
            }

        } else if (step > 20) {
            vu_versioning(st, B, rand_r(&seed) % 2 ? SOS_VERSIONING_ENABLED
                                                   : SOS_VERSIONING_SUSPENDED);
        }

        failed = check(&w);
        free(w.ids.ids);
        w.ids.ids = NULL;
        if (failed) {
            diag("step %d (op %d on %s): invariant %d", step, op, keys[k],
                 failed);
        }
    }

    is_int(0, failed, "every invariant held for %d steps", STEPS);

    /* every version removed by id: nothing left, the bucket empty */

    for (step = 0; step < 100 && w.ids.n + w.n_vids[0] + w.n_vids[1]
                                 + w.n_vids[2] > 0; step++)
    {
        for (k = 0; k < KEYS; k++) {
            if (w.n_vids[k] > 0) {
                vid = w.vids[k][0];
                if (sos_object_delete_version(st, B, strlen(B), keys[k], 2,
                                              vid, strlen(vid), NULL, NULL,
                                              0, &res, &err) != SOS_OK)
                {
                    bail("delete %s: %s", vid, err.msg);
                }
            }
        }
        failed |= check(&w);
        free(w.ids.ids);
        w.ids.ids = NULL;
    }
    ok(!failed && vu_files(dir) == 0, "all versions removed, no file left");
    is_int(SOS_OK, sos_bucket_delete(st, B, strlen(B), &err),
           "the bucket is empty");

    sos_store_close(st);
    return tap_exit_status();
}
