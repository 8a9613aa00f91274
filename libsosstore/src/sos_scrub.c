/*
 * The scrubber: a walk of every extent in index order, parts (P records)
 * first and then objects (O records), that checks and repairs each one
 * (sos_repair.c); its position survives a restart in the S record.
 *
 * Parts come first because completing an upload moves its parts' extents
 * from P records into an O record: walked in this order, an extent moved
 * during a pass is seen either before (as a part) or after (in the
 * object), so a pass that ran whole lists every live file, and the
 * orphan sweep at its end may remove the files it did not list.  A file
 * written after the pass started is younger than the pass and is never
 * removed, nor is one that a G record covers (a write not committed yet,
 * or a pending delete).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sos_internal.h"


#define SOS_SCRUB_VERSION   1

typedef struct {
    sos_store_t         *st;
    sos_scrub_report_t  *report;
    uint64_t             budget;        /* UINT64_MAX: none */
    int                  list;          /* collect live ids */
    unsigned char       *live;
    size_t               n_live;
    size_t               cap_live;
    int                  clean;
    uint64_t             degraded;
} sos_scrub_walk_t;


static void sos_scrub_report_fresh(sos_store_t *st,
    sos_scrub_report_t *report);
static sos_rc_e sos_scrub_load(sos_store_t *st, sos_error_t *err);
static void sos_scrub_save(sos_store_t *st);
static void sos_scrub_live_add(sos_scrub_walk_t *w, const char *id);
static int sos_scrub_record(sos_scrub_walk_t *w, const char *key,
    size_t key_len, const char *val, size_t val_len, uint32_t first,
    uint32_t *next);
static sos_rc_e sos_scrub_prefix(sos_scrub_walk_t *w, const void *prefix,
    size_t prefix_len, sos_error_t *err);
static int sos_scrub_id_cmp(const void *a, const void *b);
static int sos_scrub_id_parse(const char *name, unsigned char *id);
static void sos_scrub_sweep(sos_scrub_walk_t *w, int64_t pass_start);
static void sos_scrub_sweep_dir(sos_scrub_walk_t *w, unsigned replica,
    const char *path, int64_t before);


/*
 * The findings noted outside any step (degraded writes) join this one:
 * at its start, so that the findings of the step cannot crowd them out,
 * and at its end.
 */

static void
sos_scrub_report_fresh(sos_store_t *st, sos_scrub_report_t *report)
{
    size_t        i;
    sos_scrub_t  *sc = st->scrub;

    pthread_mutex_lock(&sc->lock);

    for (i = 0; i < sc->n_fresh; i++) {
        if (sc->fresh[i].what == SOS_FINDING_DEGRADED) {
            report->degraded++;
        }
        if (report->n_findings < SOS_SCRUB_FINDINGS) {
            report->findings[report->n_findings++] = sc->fresh[i];
        } else {
            report->findings_dropped++;
        }
    }

    report->findings_dropped += sc->fresh_dropped;
    sc->n_fresh = 0;
    sc->fresh_dropped = 0;

    pthread_mutex_unlock(&sc->lock);
}


void
sos_scrub_pending(sos_store_t *store, sos_scrub_report_t *report)
{
    memset(report, 0, sizeof(sos_scrub_report_t));
    sos_scrub_report_fresh(store, report);
}


/* The S record: version, cursor key, extent, passes, last pass end. */

static sos_rc_e
sos_scrub_load(sos_store_t *st, sos_error_t *err)
{
    char         *val;
    size_t        len;
    sos_rc_e      rc;
    sos_str_t     cursor;
    sos_buf_t     key;
    sos_rbuf_t    r;
    sos_scrub_t  *sc = st->scrub;

    sos_buf_init(&key);
    sos_buf_add_u8(&key, SOS_K_SCRUB);
    rc = sos_idx_get(st, &key, &val, &len, err);
    sos_buf_free(&key);

    if (rc == SOS_ENOTFOUND) {
        sc->loaded = 1;
        return SOS_OK;
    }
    if (rc != SOS_OK) {
        return rc;
    }

    sos_rbuf_init(&r, val, len);

    /* a record that does not decode only costs a pass from the start */

    if (sos_rbuf_u8(&r) == SOS_SCRUB_VERSION) {
        cursor = sos_rbuf_bytes(&r);
        sc->cursor_extent = (uint32_t) sos_rbuf_varint(&r);
        sc->passes = sos_rbuf_varint(&r);
        sc->last_pass_end = sos_rbuf_svarint(&r);

        if (!r.bad) {
            sos_buf_reset(&sc->cursor);
            sos_buf_add(&sc->cursor, cursor.data, cursor.len);
        }
    }

    free(val);
    sc->loaded = 1;
    return SOS_OK;
}


/* Not synced: a position lost in a crash costs a few records again. */

static void
sos_scrub_save(sos_store_t *st)
{
    sos_buf_t     key, val;
    sos_scrub_t  *sc = st->scrub;

    sos_buf_init(&key);
    sos_buf_init(&val);
    sos_buf_add_u8(&key, SOS_K_SCRUB);
    sos_buf_add_u8(&val, SOS_SCRUB_VERSION);
    sos_buf_add_bytes(&val, sc->cursor.data, sc->cursor.len);
    sos_buf_add_varint(&val, sc->cursor_extent);
    sos_buf_add_varint(&val, sc->passes);
    sos_buf_add_svarint(&val, sc->last_pass_end);

    if (!val.oom) {
        (void) sos_idx_put(st, &key, val.data, val.len, 0, NULL);
    }

    sos_buf_free(&key);
    sos_buf_free(&val);
}


static void
sos_scrub_live_add(sos_scrub_walk_t *w, const char *id)
{
    size_t          cap;
    unsigned char  *p, bin[16];

    if (!w->list || !w->clean) {
        return;
    }

    if (sos_scrub_id_parse(id, bin) != 0) {
        return;
    }

    if (w->n_live == w->cap_live) {
        cap = w->cap_live ? w->cap_live * 2 : 4096;
        p = realloc(w->live, cap * 16);
        if (p == NULL) {
            /* without the whole list no file may be called an orphan */
            w->clean = 0;
            return;
        }
        w->live = p;
        w->cap_live = cap;
    }

    memcpy(w->live + w->n_live * 16, bin, 16);
    w->n_live++;
}


/*
 * Check the extents of one record from extent first on, until the budget
 * is spent; *next is the extent to go on from, or the count when done.
 * 0, or -1 when the record does not decode (reported, not fatal).
 */
static int
sos_scrub_record(sos_scrub_walk_t *w, const char *key, size_t key_len,
    const char *val, size_t val_len, uint32_t first, uint32_t *next)
{
    uint32_t         i, n, mask, all;
    sos_extent_t    *ext;
    sos_obj_rec_t    rec;
    sos_part_rec_t   p;

    all = (1u << w->st->n_replicas) - 1;

    if (key[0] == SOS_K_PART) {
        if (sos_part_rec_decode(key, key_len, val, val_len, &p) != 0) {
            w->clean = 0;
            *next = 0;
            return -1;
        }
        ext = &p.extent;
        n = 1;

    } else {
        if (sos_obj_rec_decode(val, val_len, &rec) != 0) {
            w->clean = 0;
            *next = 0;
            return -1;
        }
        ext = rec.extents;
        n = rec.n_extents;
    }

    /* the whole record's files are live, whichever extents this step
     * checks: the extents before first were listed by an earlier step */

    for (i = 0; i < n; i++) {
        sos_scrub_live_add(w, ext[i].id);
    }

    for (i = first; i < n; i++) {
        if (w->report->bytes >= w->budget) {
            break;
        }
        sos_repair_extent(w->st, key, key_len, &ext[i], w->report, &mask);
        if ((mask & all) != all) {
            w->degraded++;
        }
    }

    *next = i;

    if (key[0] != SOS_K_PART) {
        sos_obj_rec_free(&rec);
    }

    return 0;
}


/* Every record under prefix, without budget or cursor (sos_scrub_run). */

static sos_rc_e
sos_scrub_prefix(sos_scrub_walk_t *w, const void *prefix, size_t prefix_len,
    sos_error_t *err)
{
    size_t               klen, vlen;
    uint32_t             next;
    sos_rc_e             rc;
    const char          *k, *v;
    leveldb_iterator_t  *it;

    it = sos_idx_iter(w->st);
    if (it == NULL) {
        w->clean = 0;
        return sos_err(err, SOS_EFENCED, 0, "scrub: the index is closed");
    }

    for (leveldb_iter_seek(it, prefix, prefix_len);
         sos_idx_iter_in(it, prefix, prefix_len);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);
        (void) sos_scrub_record(w, k, klen, v, vlen, 0, &next);
    }

    rc = sos_idx_iter_error(it, err, "scrub");
    sos_idx_iter_close(w->st, it);

    if (rc != SOS_OK) {
        w->clean = 0;
    }

    return rc;
}


sos_rc_e
sos_scrub_step(sos_store_t *store, uint64_t byte_budget,
    sos_scrub_report_t *report, sos_error_t *err)
{
    int                  done;
    char                 phase;
    size_t               klen, vlen;
    uint32_t             next;
    sos_rc_e             rc;
    const char          *k, *v;
    sos_scrub_t         *sc = store->scrub;
    sos_scrub_walk_t     w;
    leveldb_iterator_t  *it;

    memset(report, 0, sizeof(sos_scrub_report_t));

    pthread_mutex_lock(&sc->step_lock);

    sos_scrub_report_fresh(store, report);
    sos_repair_drain(store, report);

    rc = SOS_OK;

    if (byte_budget == 0) {
        goto done;
    }

    rc = sos_idx_writable(store, 0, err);
    if (rc != SOS_OK) {
        goto done;
    }

    if (!sc->loaded) {
        rc = sos_scrub_load(store, err);
        if (rc != SOS_OK) {
            goto done;
        }
    }

    memset(&w, 0, sizeof(w));
    w.st = store;
    w.report = report;
    w.budget = byte_budget;
    w.list = 1;

    /* a pass that starts here may sweep orphans at its end */

    if (sc->cursor.len == 0) {
        free(sc->live);
        sc->live = NULL;
        sc->n_live = 0;
        sc->cap_live = 0;
        sc->clean = 1;
        sc->pass_start = sos_now(NULL);
        sc->pass_bytes = 0;
        sc->degraded_cur = 0;
        sc->moves = sos_version_moves();
        sos_buf_add_u8(&sc->cursor, SOS_K_PART);
        sc->cursor_extent = 0;
    }

    w.live = sc->live;
    w.n_live = sc->n_live;
    w.cap_live = sc->cap_live;
    w.clean = sc->clean;

    it = sos_idx_iter(store);
    if (it == NULL) {
        rc = sos_err(err, SOS_EFENCED, 0, "scrub: the index is closed");
        goto done;
    }

    leveldb_iter_seek(it, (const char *) sc->cursor.data, sc->cursor.len);

    phase = (char) sc->cursor.data[0];
    done = 0;

    for ( ;; ) {
        if (!sos_idx_iter_in(it, &phase, 1)) {
            if (phase == SOS_K_VERSION) {
                done = 1;
                break;
            }

            /* parts, objects, then noncurrent versions */
            phase = phase == SOS_K_PART ? SOS_K_OBJECT : SOS_K_VERSION;
            sos_buf_reset(&sc->cursor);
            sos_buf_add_u8(&sc->cursor, (unsigned) phase);
            sc->cursor_extent = 0;
            leveldb_iter_seek(it, &phase, 1);
            continue;
        }

        if (report->bytes >= byte_budget) {
            break;
        }

        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        /* the record the cursor names: go on from its extent */
        if (klen != sc->cursor.len
            || memcmp(k, sc->cursor.data, klen) != 0)
        {
            sc->cursor_extent = 0;
        }

        (void) sos_scrub_record(&w, k, klen, v, vlen, sc->cursor_extent,
                                &next);

        sos_buf_reset(&sc->cursor);
        sos_buf_add(&sc->cursor, k, klen);
        sc->cursor_extent = next;

        if (report->bytes >= byte_budget) {
            /* the record is not finished: stay on it */
            break;
        }

        /* just past it: a key then a NUL byte is the next possible key */
        sos_buf_add_u8(&sc->cursor, 0);
        sc->cursor_extent = 0;
        leveldb_iter_next(it);
    }

    rc = sos_idx_iter_error(it, err, "scrub");
    sos_idx_iter_close(store, it);

    if (rc != SOS_OK || sc->cursor.oom) {
        w.clean = 0;
        if (sc->cursor.oom) {
            sos_buf_reset(&sc->cursor);
            sc->cursor.oom = 0;
        }
    }

    pthread_mutex_lock(&sc->lock);
    sc->degraded_cur += w.degraded;
    pthread_mutex_unlock(&sc->lock);

    if (done && rc == SOS_OK) {
        if (w.clean && sc->moves == sos_version_moves()) {
            sos_scrub_sweep(&w, sc->pass_start);
        }

        pthread_mutex_lock(&sc->lock);
        sc->passes++;
        sc->last_pass_end = sos_now(NULL);
        sc->degraded_last = sc->degraded_cur;
        sc->degraded_known = 1;
        pthread_mutex_unlock(&sc->lock);

        report->pass_done = 1;
        sos_buf_reset(&sc->cursor);
        sc->cursor_extent = 0;
        free(w.live);
        w.live = NULL;
        w.n_live = 0;
        w.cap_live = 0;
    }

    sc->live = w.live;
    sc->n_live = w.n_live;
    sc->cap_live = w.cap_live;
    sc->clean = w.clean;

    pthread_mutex_lock(&sc->lock);
    sos_scrub_where((const char *) sc->cursor.data, sc->cursor.len,
                    sc->cursor_text, sizeof(sc->cursor_text));
    pthread_mutex_unlock(&sc->lock);

    sos_scrub_save(store);

done:

    pthread_mutex_unlock(&sc->step_lock);
    sos_scrub_report_fresh(store, report);
    return rc;
}


sos_rc_e
sos_scrub_run(sos_store_t *store, const char *bucket, size_t bucket_len,
    sos_scrub_report_t *report, sos_error_t *err)
{
    char                 p;
    size_t               klen;
    int64_t              start;
    uint64_t             moves;
    sos_rc_e             rc;
    sos_buf_t            prefix, parts;
    const char          *k;
    sos_scrub_t         *sc = store->scrub;
    sos_scrub_walk_t     w;
    leveldb_iterator_t  *it;

    memset(report, 0, sizeof(sos_scrub_report_t));

    rc = sos_idx_writable(store, 0, err);
    if (rc != SOS_OK) {
        return rc;
    }

    if (bucket != NULL) {
        rc = sos_bucket_check(store, bucket, bucket_len, err);
        if (rc != SOS_OK) {
            return rc;
        }
    }

    memset(&w, 0, sizeof(w));
    w.st = store;
    w.report = report;
    w.budget = UINT64_MAX;
    w.list = bucket == NULL;
    w.clean = 1;

    pthread_mutex_lock(&sc->step_lock);

    sos_repair_drain(store, report);

    start = sos_now(NULL);
    moves = sos_version_moves();
    sos_buf_init(&prefix);
    sos_buf_init(&parts);

    if (bucket == NULL) {
        p = SOS_K_PART;
        rc = sos_scrub_prefix(&w, &p, 1, err);
        if (rc == SOS_OK) {
            p = SOS_K_OBJECT;
            rc = sos_scrub_prefix(&w, &p, 1, err);
        }
        if (rc == SOS_OK) {
            p = SOS_K_VERSION;
            rc = sos_scrub_prefix(&w, &p, 1, err);
        }

        if (rc == SOS_OK && w.clean && moves == sos_version_moves()) {
            sos_scrub_sweep(&w, start);
        }

        goto done;
    }

    /* the bucket's uploads' parts (P<upload id>), then its objects */

    sos_ikey_bucket(&prefix, SOS_K_UPLOAD, bucket, bucket_len);
    sos_buf_add_u8(&prefix, 0);

    it = sos_idx_iter(store);
    if (it == NULL) {
        rc = sos_err(err, SOS_EFENCED, 0, "scrub: the index is closed");
        goto done;
    }

    for (leveldb_iter_seek(it, (const char *) prefix.data, prefix.len);
         sos_idx_iter_in(it, prefix.data, prefix.len) && rc == SOS_OK;
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        if (klen < prefix.len + SOS_UPLOAD_ID_LEN) {
            continue;
        }

        sos_buf_reset(&parts);
        sos_buf_add_u8(&parts, SOS_K_PART);
        sos_buf_add(&parts, k + klen - SOS_UPLOAD_ID_LEN, SOS_UPLOAD_ID_LEN);
        rc = parts.oom ? sos_err(err, SOS_ENOMEM, 0, "scrub of a bucket")
                       : sos_scrub_prefix(&w, parts.data, parts.len, err);
    }

    if (rc == SOS_OK) {
        rc = sos_idx_iter_error(it, err, "scrub");
    }
    sos_idx_iter_close(store, it);

    if (rc == SOS_OK) {
        sos_ikey_bucket(&prefix, SOS_K_OBJECT, bucket, bucket_len);
        sos_buf_add_u8(&prefix, 0);
        rc = prefix.oom ? sos_err(err, SOS_ENOMEM, 0, "scrub of a bucket")
                        : sos_scrub_prefix(&w, prefix.data, prefix.len, err);
    }
    if (rc == SOS_OK) {
        sos_ikey_bucket(&prefix, SOS_K_VERSION, bucket, bucket_len);
        sos_buf_add_u8(&prefix, 0);
        rc = prefix.oom ? sos_err(err, SOS_ENOMEM, 0, "scrub of a bucket")
                        : sos_scrub_prefix(&w, prefix.data, prefix.len, err);
    }

done:

    if (rc == SOS_OK) {
        report->pass_done = 1;
    }

    pthread_mutex_unlock(&sc->step_lock);

    free(w.live);
    sos_buf_free(&prefix);
    sos_buf_free(&parts);
    sos_scrub_report_fresh(store, report);
    return rc;
}


static int
sos_scrub_id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}


/* A file name of 32 lower-case hex digits into 16 bytes; else -1. */
static int
sos_scrub_id_parse(const char *name, unsigned char *id)
{
    int       i;
    unsigned  c, v;

    for (i = 0; i < SOS_FILE_ID_LEN; i++) {
        c = (unsigned char) name[i];
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else {
            return -1;
        }
        if (i % 2 == 0) {
            id[i / 2] = (unsigned char) (v << 4);
        } else {
            id[i / 2] |= (unsigned char) v;
        }
    }

    return name[SOS_FILE_ID_LEN] == '\0' ? 0 : -1;
}


int
sos_scrub_has(sos_store_t *st, char type, const char *id)
{
    char      *val;
    size_t     len;
    sos_rc_e   rc;
    sos_buf_t  key;

    sos_buf_init(&key);
    sos_buf_add_u8(&key, (unsigned) type);
    sos_buf_add(&key, id, SOS_FILE_ID_LEN);
    rc = sos_idx_get(st, &key, &val, &len, NULL);
    sos_buf_free(&key);

    if (rc == SOS_OK) {
        free(val);
        return 1;
    }

    return rc == SOS_ENOTFOUND ? 0 : -1;
}


static void
sos_scrub_sweep_dir(sos_scrub_walk_t *w, unsigned replica, const char *path,
    int64_t before)
{
    DIR            *dir;
    struct stat     sb;
    sos_extent_t    e;
    unsigned char   bin[16];
    struct dirent  *de;

    dir = opendir(path);
    if (dir == NULL) {
        return;
    }

    while ((de = readdir(dir)) != NULL) {
        if (sos_scrub_id_parse(de->d_name, bin) != 0
            || (w->n_live
                && bsearch(bin, w->live, w->n_live, 16, sos_scrub_id_cmp)
                   != NULL)
            || fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW)
               == -1
            || !S_ISREG(sb.st_mode)
            || (int64_t) sb.st_mtime >= before)
        {
            continue;
        }

        /* a write not committed yet, a pending delete, or live data (an
         * index error, -1, counts as yes) */
        if (sos_scrub_has(w->st, SOS_K_GARBAGE, de->d_name)
            || sos_scrub_has(w->st, SOS_K_CHECKSUMS, de->d_name))
        {
            continue;
        }

        if (unlinkat(dirfd(dir), de->d_name, 0) == 0) {
            memset(&e, 0, sizeof(e));
            memcpy(e.id, de->d_name, SOS_FILE_ID_LEN);
            sos_scrub_find(w->st, w->report, SOS_FINDING_ORPHAN, replica, 0,
                           &e, NULL, 0);
        }
    }

    closedir(dir);
}


/*
 * Remove the files under objects/xx/yy/ of every replica that the pass
 * did not list, older than the grace period before the pass started.
 */
static void
sos_scrub_sweep(sos_scrub_walk_t *w, int64_t pass_start)
{
    DIR            *top, *mid;
    char            path[4096];
    unsigned        i;
    struct dirent  *a, *b;

    if (w->n_live) {
        qsort(w->live, w->n_live, 16, sos_scrub_id_cmp);
    }

    for (i = 0; i < w->st->n_replicas; i++) {
        snprintf(path, sizeof(path), "%s/objects", w->st->replica_dirs[i]);
        top = opendir(path);
        if (top == NULL) {
            continue;
        }

        while ((a = readdir(top)) != NULL) {
            if (strlen(a->d_name) != 2 || a->d_name[0] == '.') {
                continue;
            }

            snprintf(path, sizeof(path), "%s/objects/%s",
                     w->st->replica_dirs[i], a->d_name);
            mid = opendir(path);
            if (mid == NULL) {
                continue;
            }

            while ((b = readdir(mid)) != NULL) {
                if (strlen(b->d_name) != 2 || b->d_name[0] == '.') {
                    continue;
                }
                snprintf(path, sizeof(path), "%s/objects/%s/%s",
                         w->st->replica_dirs[i], a->d_name, b->d_name);
                sos_scrub_sweep_dir(w, i, path,
                                    pass_start - SOS_ORPHAN_GRACE);
            }

            closedir(mid);
        }

        closedir(top);
    }
}


sos_rc_e
sos_scrub_status(sos_store_t *store, sos_scrub_status_t *status,
    sos_error_t *err)
{
    int              fd;
    char             path[4096], id[17];
    size_t           i, n, first;
    unsigned         r;
    sos_scrub_t     *sc = store->scrub;
    struct statvfs   vfs;

    (void) err;

    memset(status, 0, sizeof(*status));
    status->n_replicas = store->n_replicas;

    for (r = 0; r < store->n_replicas; r++) {
        status->replicas[r].path = store->replica_dirs[r];

        sos_random_hex(id, 16);
        snprintf(path, sizeof(path), "%s/tmp/status-%s",
                 store->replica_dirs[r], id);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  SOS_FILE_MODE);
        if (fd != -1) {
            status->replicas[r].writable = 1;
            close(fd);
            unlink(path);
        }

        if (statvfs(store->replica_dirs[r], &vfs) == 0) {
            status->replicas[r].free_bytes = (uint64_t) vfs.f_bavail
                                             * vfs.f_frsize;
            status->replicas[r].total_bytes = (uint64_t) vfs.f_blocks
                                              * vfs.f_frsize;
        }
    }

    pthread_mutex_lock(&sc->lock);

    memcpy(status->cursor, sc->cursor_text, sizeof(status->cursor));

    status->passes = sc->passes;
    status->last_pass_end = sc->last_pass_end;
    status->pass_bytes = sc->pass_bytes;
    status->bytes = sc->bytes;
    status->degraded_extents = sc->degraded_known ? sc->degraded_last
                                                  : sc->degraded_cur;
    status->queued = sc->n_queue;
    status->bad = sc->bad;
    status->repaired = sc->repaired;
    status->failed = sc->failed;
    status->unrepairable = sc->unrepairable;
    status->orphans = sc->orphans;

    n = sc->n_ring < SOS_SCRUB_FINDINGS ? sc->n_ring : SOS_SCRUB_FINDINGS;
    first = sc->n_ring - n;
    for (i = 0; i < n; i++) {
        status->findings[i] = sc->ring[(first + i) % SOS_SCRUB_FINDINGS];
    }
    status->n_findings = n;

    pthread_mutex_unlock(&sc->lock);

    return SOS_OK;
}
