/*
 * Repair of replicas: the queue of replicas known bad, the check of one
 * extent's replicas against its MD5, the rewrite of a replica from a good
 * one, and the update of the replica mask in the record that names it.
 *
 * A rewrite follows the write protocol: tmp/<random id> on the replica,
 * the bytes checked against the extent's MD5 while they are copied,
 * fdatasync, rename into objects/xx/yy, fsync of the directory.  The mask
 * is then changed under the locks of the commits, only if the record
 * still names the extent; a rewrite for an extent that is gone by then is
 * removed again.
 *
 * A legacy extent (written before block checksums, no X record) gets its
 * X record from the check: the CRC32 of each block of a replica found
 * good, computed in the same read, written with the mask under the same
 * locks and on the same condition, so never for a file whose G record
 * (which deletes X in the same batch) may be there.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <openssl/evp.h>

#include "sos_internal.h"


#define SOS_REPAIR_CHUNK  (1024 * 1024)

static int sos_repair_read(sos_store_t *st, unsigned replica,
    const sos_extent_t *e, unsigned char *buf, uint64_t *bytes,
    uint32_t *crcs);
static void sos_repair_sum(uint32_t *crcs, uint64_t at,
    const unsigned char *p, size_t len, uint64_t size);
static int sos_repair_copy(sos_store_t *st, const sos_extent_t *e,
    unsigned src, unsigned dst, unsigned char *buf);
static sos_rc_e sos_repair_mask(sos_store_t *st, const char *ikey,
    size_t ikey_len, const sos_extent_t *e, uint32_t mask,
    const sos_buf_t *sums, sos_error_t *err);
static void sos_repair_unlink(sos_store_t *st, const sos_extent_t *e,
    uint32_t which);


static const char  *sos_finding_names[] = {
    "bad", "missing", "repaired", "repair failed", "unrepairable",
    "degraded write", "orphan removed"
};


const char *
sos_finding_name(sos_finding_e what)
{
    if ((unsigned) what >= sizeof(sos_finding_names) / sizeof(char *)) {
        return "unknown";
    }
    return sos_finding_names[what];
}


sos_rc_e
sos_scrub_init(sos_store_t *st, sos_error_t *err)
{
    sos_scrub_t  *sc;

    sc = calloc(1, sizeof(sos_scrub_t));
    if (sc == NULL) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for the store");
    }

    sc->queue = calloc(SOS_REPAIR_QUEUE, sizeof(sos_repair_entry_t));
    if (sc->queue == NULL) {
        free(sc);
        return sos_err(err, SOS_ENOMEM, 0, "no memory for the store");
    }

    pthread_mutex_init(&sc->lock, NULL);
    pthread_mutex_init(&sc->step_lock, NULL);
    sos_buf_init(&sc->cursor);

    st->scrub = sc;
    return SOS_OK;
}


void
sos_scrub_free(sos_store_t *st)
{
    sos_scrub_t  *sc = st->scrub;

    if (sc == NULL) {
        return;
    }

    pthread_mutex_destroy(&sc->lock);
    pthread_mutex_destroy(&sc->step_lock);
    sos_buf_free(&sc->cursor);
    free(sc->live);
    free(sc->queue);
    free(sc);
    st->scrub = NULL;
}


void
sos_scrub_where(const char *ikey, size_t ikey_len, char *buf, size_t size)
{
    size_t                i, n;
    unsigned              part;
    unsigned char         c;
    const unsigned char  *k = (const unsigned char *) ikey;

    buf[0] = '\0';
    if (ikey_len == 0) {
        return;
    }

    if (k[0] == SOS_K_PART && ikey_len == 1 + SOS_UPLOAD_ID_LEN + 4) {
        part = (unsigned) k[ikey_len - 4] << 24 | (unsigned) k[ikey_len - 3]
               << 16 | (unsigned) k[ikey_len - 2] << 8 | k[ikey_len - 1];
        snprintf(buf, size, "upload %.*s part %u", SOS_UPLOAD_ID_LEN,
                 ikey + 1, part);
        return;
    }

    /* O bucket \0 key: bucket/key, with what a log line must not hold
     * written as \xHH */

    n = 0;
    for (i = 1; i < ikey_len && n + 5 < size; i++) {
        c = k[i];
        if (c == '\0') {
            buf[n++] = '/';

        } else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            n += (size_t) snprintf(buf + n, size - n, "\\x%02x", c);

        } else {
            buf[n++] = (char) c;
        }
    }
    buf[n] = '\0';
}


void
sos_scrub_find(sos_store_t *st, sos_scrub_report_t *report,
    sos_finding_e what, unsigned replica, int sys_errno,
    const sos_extent_t *e, const char *ikey, size_t ikey_len)
{
    sos_scrub_t    *sc = st->scrub;
    sos_finding_t   f;

    memset(&f, 0, sizeof(f));
    f.what = what;
    f.replica = replica;
    f.time = sos_now(NULL);
    f.sys_errno = sys_errno;
    if (e != NULL) {
        memcpy(f.file, e->id, sizeof(f.file));
    }
    sos_scrub_where(ikey, ikey_len, f.where, sizeof(f.where));

    pthread_mutex_lock(&sc->lock);

    sc->ring[sc->n_ring % SOS_SCRUB_FINDINGS] = f;
    sc->n_ring++;

    switch (what) {
    case SOS_FINDING_BAD:
    case SOS_FINDING_MISSING:
        sc->bad++;
        break;
    case SOS_FINDING_REPAIRED:
        sc->repaired++;
        break;
    case SOS_FINDING_REPAIR_FAILED:
        sc->failed++;
        break;
    case SOS_FINDING_UNREPAIRABLE:
        sc->unrepairable++;
        break;
    case SOS_FINDING_ORPHAN:
        sc->orphans++;
        break;
    default:
        break;
    }

    /* a step's findings go to its report; the others wait for one */

    if (report == NULL) {
        if (sc->n_fresh < SOS_SCRUB_FINDINGS) {
            sc->fresh[sc->n_fresh++] = f;
        } else {
            sc->fresh_dropped++;
        }
    }

    pthread_mutex_unlock(&sc->lock);

    if (report == NULL) {
        return;
    }

    switch (what) {
    case SOS_FINDING_BAD:
    case SOS_FINDING_MISSING:
        report->bad++;
        break;
    case SOS_FINDING_REPAIRED:
        report->repaired++;
        break;
    case SOS_FINDING_REPAIR_FAILED:
        report->failed++;
        break;
    case SOS_FINDING_UNREPAIRABLE:
        report->unrepairable++;
        break;
    case SOS_FINDING_ORPHAN:
        report->orphans++;
        break;
    default:
        report->degraded++;
        break;
    }

    if (report->n_findings < SOS_SCRUB_FINDINGS) {
        report->findings[report->n_findings++] = f;
    } else {
        report->findings_dropped++;
    }
}


void
sos_repair_note(sos_store_t *st, const sos_extent_t *e, uint32_t bad_replicas)
{
    size_t               i;
    sos_scrub_t         *sc = st->scrub;
    sos_repair_entry_t  *q;

    bad_replicas &= (1u << st->n_replicas) - 1;
    if (bad_replicas == 0) {
        return;
    }

    pthread_mutex_lock(&sc->lock);

    for (i = 0; i < sc->n_queue; i++) {
        q = &sc->queue[i];
        if (memcmp(q->extent.id, e->id, SOS_FILE_ID_LEN) == 0) {
            q->bad |= bad_replicas;
            pthread_mutex_unlock(&sc->lock);
            return;
        }
    }

    if (sc->n_queue < SOS_REPAIR_QUEUE) {
        q = &sc->queue[sc->n_queue++];
        q->extent = *e;
        q->bad = bad_replicas;
        q->noted = sos_now(NULL);
        q->failed = 0;
    }

    pthread_mutex_unlock(&sc->lock);
}


void
sos_repair_degraded(sos_store_t *st, const sos_extent_t *e, uint32_t live)
{
    unsigned  i;
    uint32_t  missing;

    missing = ((1u << st->n_replicas) - 1) & ~live;

    for (i = 0; i < st->n_replicas; i++) {
        if (missing & (1u << i)) {
            sos_scrub_find(st, NULL, SOS_FINDING_DEGRADED, i, 0, e, NULL, 0);
        }
    }

    sos_repair_note(st, e, missing);
}


void
sos_repair_drain(sos_store_t *st, sos_scrub_report_t *report)
{
    int                  gone, rc, any;
    size_t               i, n, kept;
    int64_t              now;
    unsigned             r, s;
    sos_scrub_t         *sc = st->scrub;
    unsigned char       *buf;
    sos_repair_entry_t  *work, *q;

    pthread_mutex_lock(&sc->lock);
    n = sc->n_queue;
    work = malloc((n ? n : 1) * sizeof(sos_repair_entry_t));
    if (work != NULL) {
        memcpy(work, sc->queue, n * sizeof(sos_repair_entry_t));
        sc->n_queue = 0;
    }
    pthread_mutex_unlock(&sc->lock);

    buf = malloc(SOS_REPAIR_CHUNK);

    if (work == NULL || buf == NULL) {
        if (work != NULL) {
            /* put them back: the next step tries again */
            for (i = 0; i < n; i++) {
                sos_repair_note(st, &work[i].extent, work[i].bad);
            }
        }
        free(work);
        free(buf);
        return;
    }

    now = sos_now(NULL);
    kept = 0;

    for (i = 0; i < n; i++) {
        q = &work[i];

        /*
         * Not committed yet (a degraded write is noted before its
         * commit), or garbage: wait, for no longer than the orphan grace
         */

        gone = sos_scrub_has(st, SOS_K_GARBAGE, q->extent.id);
        if (gone != 0) {
            if (now - q->noted < SOS_ORPHAN_GRACE) {
                work[kept++] = *q;
            }
            continue;
        }

        any = 0;

        for (r = 0; r < st->n_replicas; r++) {
            if (!(q->bad & (1u << r))) {
                continue;
            }

            rc = ENOENT;

            for (s = 0; s < st->n_replicas; s++) {
                if (q->bad & (1u << s)) {
                    continue;
                }
                rc = sos_repair_copy(st, &q->extent, s, r, buf);
                if (rc == 0 || rc == -1) {
                    break;
                }
            }

            if (rc == 0) {
                q->bad &= ~(1u << r);
                any = 1;
                sos_scrub_find(st, report, SOS_FINDING_REPAIRED, r, 0,
                               &q->extent, NULL, 0);

            } else if (rc == -1) {
                /* the target failed: keep it, report it once */
                if (!q->failed) {
                    sos_scrub_find(st, report, SOS_FINDING_REPAIR_FAILED,
                                   r, errno, &q->extent, NULL, 0);
                }
                q->failed = 1;
            }

            /* else no good source: the pass decides, knowing the record */
        }

        if (any && sos_scrub_has(st, SOS_K_GARBAGE, q->extent.id) != 0) {
            /* deleted meanwhile: what was written is garbage too */
            sos_repair_unlink(st, &q->extent, (1u << st->n_replicas) - 1);
            continue;
        }

        if (q->failed && q->bad) {
            work[kept++] = *q;
        }
    }

    for (i = 0; i < kept; i++) {
        pthread_mutex_lock(&sc->lock);
        if (sc->n_queue < SOS_REPAIR_QUEUE) {
            sc->queue[sc->n_queue++] = work[i];
        }
        pthread_mutex_unlock(&sc->lock);
    }

    free(work);
    free(buf);
}


/*
 * Read one replica whole and check it: 0 good, ENOENT missing, EIO bad
 * (size or MD5), else the errno of a failed read.  *bytes counts reads.
 * With crcs (room for the blocks of e), the CRC32 of each block of what
 * was read goes there too: those of the file when it is good.
 */
static int
sos_repair_read(sos_store_t *st, unsigned replica, const sos_extent_t *e,
    unsigned char *buf, uint64_t *bytes, uint32_t *crcs)
{
    int            fd, rc;
    char           path[4096];
    ssize_t        n;
    uint64_t       total;
    unsigned       len;
    EVP_MD_CTX    *md5;
    struct stat    sb;
    unsigned char  sum[16];

    if (sos_replica_path(st, replica, e->id, path, sizeof(path)) == -1) {
        return ENAMETOOLONG;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return errno;
    }

    if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)
        || (uint64_t) sb.st_size != e->size)
    {
        close(fd);
        return EIO;
    }

    (void) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    md5 = EVP_MD_CTX_new();
    if (md5 == NULL || !EVP_DigestInit_ex(md5, EVP_md5(), NULL)) {
        EVP_MD_CTX_free(md5);
        close(fd);
        return ENOMEM;
    }

    total = 0;
    rc = 0;

    for ( ;; ) {
        n = read(fd, buf, SOS_REPAIR_CHUNK);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            rc = errno;
            break;
        }
        if (n == 0) {
            break;
        }
        EVP_DigestUpdate(md5, buf, (size_t) n);
        if (crcs != NULL) {
            sos_repair_sum(crcs, total, buf, (size_t) n, e->size);
        }
        total += (uint64_t) n;
    }

    *bytes += total;
    close(fd);

    if (rc == 0) {
        EVP_DigestFinal_ex(md5, sum, &len);
        if (total != e->size || memcmp(sum, e->md5, 16) != 0) {
            rc = EIO;
        }
    }

    EVP_MD_CTX_free(md5);
    return rc;
}


/*
 * The CRC32 of each SOS_SUM_BLOCK block (as the writer computes them) of
 * len bytes at offset at of a file of size bytes: a block is complete
 * once the bytes up to its end went through here in order.
 */
static void
sos_repair_sum(uint32_t *crcs, uint64_t at, const unsigned char *p,
    size_t len, uint64_t size)
{
    size_t    n;
    uint64_t  b, in;

    /* beyond size the file is bad anyway, and crcs has no room */
    while (len > 0 && at < size) {
        b = at / SOS_SUM_BLOCK;
        in = at % SOS_SUM_BLOCK;
        n = SOS_SUM_BLOCK - in;
        if (n > len) {
            n = len;
        }

        crcs[b] = crc32_gzip_refl(in == 0 ? 0 : crcs[b], p, n);
        at += n;
        p += n;
        len -= n;
    }
}


/*
 * Rewrite replica dst of e from replica src, checking the bytes against
 * the MD5 on the way.  0 done; -1 the target failed (errno set); 1 the
 * source is missing or bad (nothing changed).
 */
static int
sos_repair_copy(sos_store_t *st, const sos_extent_t *e, unsigned src,
    unsigned dst, unsigned char *buf)
{
    int            in, out, saved, sync = !st->no_fsync;
    char           path[4096], tmp[4096], id[SOS_FILE_ID_LEN + 1], *slash;
    ssize_t        n;
    uint64_t       total;
    unsigned       len, xx, yy;
    EVP_MD_CTX    *md5;
    struct stat    sb;
    unsigned char  sum[16];

    if (sos_replica_path(st, src, e->id, path, sizeof(path)) == -1) {
        return 1;
    }

    in = open(path, O_RDONLY | O_CLOEXEC);
    if (in == -1) {
        return 1;
    }

    if (fstat(in, &sb) == -1 || !S_ISREG(sb.st_mode)
        || (uint64_t) sb.st_size != e->size)
    {
        close(in);
        return 1;
    }

    md5 = EVP_MD_CTX_new();
    if (md5 == NULL || !EVP_DigestInit_ex(md5, EVP_md5(), NULL)) {
        EVP_MD_CTX_free(md5);
        close(in);
        errno = ENOMEM;
        return -1;
    }

    sos_random_hex(id, SOS_FILE_ID_LEN);
    snprintf(tmp, sizeof(tmp), "%s/tmp/%s", st->replica_dirs[dst], id);

    out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, SOS_FILE_MODE);
    if (out == -1) {
        saved = errno;
        EVP_MD_CTX_free(md5);
        close(in);
        errno = saved;
        return -1;
    }

    total = 0;
    saved = 0;

    for ( ;; ) {
        n = read(in, buf, SOS_REPAIR_CHUNK);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        EVP_DigestUpdate(md5, buf, (size_t) n);
        total += (uint64_t) n;
        if (sos_write_all(out, buf, (size_t) n) == -1) {
            saved = errno;
            break;
        }
    }

    close(in);
    EVP_DigestFinal_ex(md5, sum, &len);
    EVP_MD_CTX_free(md5);

    if (saved == 0 && (n != 0 || total != e->size
                       || memcmp(sum, e->md5, 16) != 0))
    {
        /* the source went bad under us: never copy bad bytes */
        close(out);
        unlink(tmp);
        return 1;
    }

    if (saved == 0 && sync && sos_sync_timed(st, out, 1) == -1) {
        saved = errno;
    }
    if (close(out) == -1 && saved == 0) {
        saved = errno;
    }
    if (saved != 0) {
        unlink(tmp);
        errno = saved;
        return -1;
    }

    xx = sos_hex2(e->id);
    yy = sos_hex2(e->id + 2);

    snprintf(path, sizeof(path), "%s/objects/%.2s", st->replica_dirs[dst],
             e->id);
    if (sos_dir_durable(st, dst, xx, path, sync) == -1) {
        goto failed;
    }

    sos_replica_path(st, dst, e->id, path, sizeof(path));
    slash = strrchr(path, '/');
    *slash = '\0';
    if (sos_dir_durable(st, dst, 256 + xx * 256 + yy, path, sync) == -1) {
        goto failed;
    }
    *slash = '/';

    if (rename(tmp, path) == -1) {
        goto failed;
    }

    *slash = '\0';
    if (sync && sos_fsync_dir(st, path) == -1) {
        /* the file may or may not survive a crash: the next pass looks */
        return -1;
    }

    return 0;

failed:

    saved = errno;
    unlink(tmp);
    errno = saved;
    return -1;
}


static void
sos_repair_unlink(sos_store_t *st, const sos_extent_t *e, uint32_t which)
{
    char      path[4096];
    unsigned  i;

    for (i = 0; i < st->n_replicas; i++) {
        if ((which & (1u << i))
            && sos_replica_path(st, i, e->id, path, sizeof(path)) == 0)
        {
            (void) unlink(path);
        }
    }
}


/*
 * Set e's replica mask in the record at ikey, and put its X record with
 * value sums (may be NULL), if the record still names e, in one synced
 * write under the commit locks: SOS_OK, SOS_ENOTFOUND (it does not), or
 * an error (SOS_EFENCED: nothing written).
 */
static sos_rc_e
sos_repair_mask(sos_store_t *st, const char *ikey, size_t ikey_len,
    const sos_extent_t *e, uint32_t mask, const sos_buf_t *sums,
    sos_error_t *err)
{
    int                    found, changed, part;
    char                  *val;
    size_t                 len;
    uint32_t               i;
    sos_rc_e               rc;
    sos_buf_t              key, nval, xkey;
    sos_obj_rec_t          rec;
    sos_part_rec_t         p;
    leveldb_writebatch_t  *batch;

    part = ikey[0] == SOS_K_PART;

    sos_buf_init(&key);
    sos_buf_init(&nval);
    sos_buf_init(&xkey);
    sos_buf_add(&key, ikey, ikey_len);
    sos_ikey_sums(&xkey, e->id);

    /* complete reads parts under upload_lock: no mask changes meanwhile */
    if (part) {
        pthread_mutex_lock(&st->upload_lock);
    }
    pthread_mutex_lock(&st->commit_lock);

    rc = sos_idx_get(st, &key, &val, &len, err);
    if (rc != SOS_OK) {
        goto unlock;
    }

    found = 0;
    changed = 0;

    if (part) {
        if (sos_part_rec_decode(ikey, ikey_len, val, len, &p) == 0
            && memcmp(p.extent.id, e->id, SOS_FILE_ID_LEN) == 0)
        {
            found = 1;
            changed = p.extent.replicas != mask;
            p.extent.replicas = mask;
            sos_part_rec_encode(&nval, &p);
        }

    } else if (sos_obj_rec_decode(val, len, &rec) == 0) {
        for (i = 0; i < rec.n_extents; i++) {
            if (memcmp(rec.extents[i].id, e->id, SOS_FILE_ID_LEN) == 0) {
                found = 1;
                changed |= rec.extents[i].replicas != mask;
                rec.extents[i].replicas = mask;
            }
        }
        if (found) {
            sos_obj_rec_encode(&nval, &rec);
        }
        sos_obj_rec_free(&rec);
    }

    free(val);

    if (!found) {
        rc = SOS_ENOTFOUND;
        goto unlock;
    }

    if (nval.oom || xkey.oom) {
        rc = sos_err(err, SOS_ENOMEM, 0, "no memory for a record");
        goto unlock;
    }

    batch = leveldb_writebatch_create();
    if (changed) {
        leveldb_writebatch_put(batch, (const char *) key.data, key.len,
                               (const char *) nval.data, nval.len);
    }
    if (sums != NULL) {
        leveldb_writebatch_put(batch, (const char *) xkey.data, xkey.len,
                               (const char *) sums->data, sums->len);
    }
    rc = (changed || sums != NULL) ? sos_idx_write(st, batch, 1, err)
                                   : SOS_OK;
    leveldb_writebatch_destroy(batch);

unlock:

    pthread_mutex_unlock(&st->commit_lock);
    if (part) {
        pthread_mutex_unlock(&st->upload_lock);
    }

    sos_buf_free(&key);
    sos_buf_free(&nval);
    sos_buf_free(&xkey);
    return rc;
}


void
sos_repair_extent(sos_store_t *st, const char *ikey, size_t ikey_len,
    const sos_extent_t *e, sos_scrub_report_t *report, uint32_t *mask)
{
    int             rc, legacy, res[SOS_MAX_REPLICAS];
    unsigned        i, s;
    uint32_t        good, written, *crcs;
    uint64_t        bytes, n_blocks;
    sos_rc_e        mrc;
    sos_buf_t       sums;
    sos_sums_t      x;
    sos_scrub_t    *sc = st->scrub;
    unsigned char  *buf;

    *mask = e->replicas;

    buf = malloc(SOS_REPAIR_CHUNK);
    if (buf == NULL) {
        return;
    }

    /* legacy: no X record yet (an index error: leave it for later) */

    n_blocks = (e->size + SOS_SUM_BLOCK - 1) / SOS_SUM_BLOCK;
    crcs = NULL;
    if (sos_scrub_has(st, SOS_K_CHECKSUMS, e->id) == 0) {
        crcs = malloc((n_blocks ? n_blocks : 1) * sizeof(uint32_t));
    }

    good = 0;
    bytes = 0;

    for (i = 0; i < st->n_replicas; i++) {
        /* the checksums of the first good replica */
        res[i] = sos_repair_read(st, i, e, buf, &bytes,
                                 good == 0 ? crcs : NULL);
        if (res[i] == 0) {
            good |= 1u << i;
        }
    }

    report->extents++;
    report->bytes += bytes;

    pthread_mutex_lock(&sc->lock);
    sc->bytes += bytes;
    sc->pass_bytes += bytes;
    pthread_mutex_unlock(&sc->lock);

    /*
     * Deleted or replaced since the walk read the record: its files are
     * being unlinked (the garbage queue), nothing to find or repair.  The
     * record, read again, is unchanged (the mask it has).
     */
    if (good != e->replicas
        && sos_repair_mask(st, ikey, ikey_len, e, e->replicas, NULL, NULL)
           == SOS_ENOTFOUND)
    {
        free(crcs);
        free(buf);
        return;
    }

    for (i = 0; i < st->n_replicas; i++) {
        if (res[i] == ENOENT) {
            sos_scrub_find(st, report, SOS_FINDING_MISSING, i, 0, e, ikey,
                           ikey_len);

        } else if (res[i] != 0) {
            sos_scrub_find(st, report, SOS_FINDING_BAD, i,
                           res[i] == EIO ? 0 : res[i], e, ikey, ikey_len);
        }
    }

    if (good == 0) {
        sos_scrub_find(st, report, SOS_FINDING_UNREPAIRABLE,
                       SOS_MAX_REPLICAS, 0, e, ikey, ikey_len);
        free(crcs);
        free(buf);
        return;
    }

    written = 0;

    for (i = 0; i < st->n_replicas; i++) {
        if (good & (1u << i)) {
            continue;
        }

        rc = 1;
        for (s = 0; s < st->n_replicas && rc == 1; s++) {
            if (good & (1u << s)) {
                rc = sos_repair_copy(st, e, s, i, buf);
            }
        }

        if (rc == 0) {
            written |= 1u << i;
            sos_scrub_find(st, report, SOS_FINDING_REPAIRED, i, 0, e, ikey,
                           ikey_len);
        } else {
            sos_scrub_find(st, report, SOS_FINDING_REPAIR_FAILED, i,
                           rc == -1 ? errno : 0, e, ikey, ikey_len);
        }
    }

    free(buf);

    /* legacy and a good replica: its checksums, unless out of memory */

    sos_buf_init(&sums);
    legacy = 0;
    if (crcs != NULL) {
        x.block_size = SOS_SUM_BLOCK;
        x.n_blocks = n_blocks;
        x.crcs = crcs;
        sos_sums_encode(&sums, &x);
        free(crcs);
        legacy = !sums.oom;
    }

    /* the mask names the replicas known good, so reads skip bad ones */

    /* a copy written is checked against the record, read again: a
     * delete committed meanwhile makes it garbage */
    if ((good | written) == e->replicas && !legacy && written == 0) {
        *mask = e->replicas;
        sos_buf_free(&sums);
        return;
    }

    mrc = sos_repair_mask(st, ikey, ikey_len, e, good | written,
                          legacy ? &sums : NULL, NULL);
    sos_buf_free(&sums);

    if (mrc == SOS_OK) {
        *mask = good | written;

    } else if (mrc == SOS_ENOTFOUND && written) {
        /* replaced or deleted meanwhile: what we wrote is garbage */
        sos_repair_unlink(st, e, written);
    }
}
