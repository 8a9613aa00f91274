/*
 * Reading objects: a reader holds the files of one version of an object
 * (opened on the first replica that has them) and maps byte ranges onto
 * them, so that what it reads is unaffected by a later overwrite.
 *
 * Verification checks the blocks of a range against the extent's X
 * record (or, for a legacy extent without one, the whole file against
 * its MD5) on the replica the reader uses, and moves the extent to
 * another replica when they do not match.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <isa-l/crc.h>
#include <openssl/evp.h>

#include "sos_internal.h"

/*
 * A reader pins the files of the version it opened (sos_pin.c), so that
 * collection leaves them to it after an overwrite or delete, and opens
 * them when first needed: the first one at open, to fail at once when
 * the data is gone.  An fd that only read and verify used is closed once
 * they move past its part; one that segments gave out stays open until
 * sos_reader_release passes it, or the reader closes.
 *
 * Opening pins the files the record names, then reads the record again:
 * if an overwrite or delete committed in between, its collection may
 * have unlinked them before the pin, so the open starts over, at most
 * this many times.
 */
#define SOS_OPEN_TRIES      20

/* The largest block of an X record a reader takes: it reads whole blocks. */
#define SOS_SUM_BLOCK_MAX   (64 * 1024 * 1024)


/* What a reader knows of one extent. */
typedef struct {
    int             fd;                 /* -1: not opened yet */
    unsigned        replica;            /* the replica fd reads */
    uint32_t        bad;                /* replicas found bad or missing */
    unsigned        lent:1;             /* fd given out by segments */
    unsigned        sums_loaded:1;      /* X record looked up */
    unsigned        legacy:1;           /* ... and absent: MD5 instead */
    unsigned        md5_ok:1;           /* legacy: fd's file is good */
    sos_sums_t      sums;
    unsigned char  *checked;            /* bit per block good on fd */
} sos_rext_t;


/* An fd segments gave out, then switched away from: still open. */
typedef struct {
    int            fd;
    uint32_t       extent;
} sos_retired_t;


struct sos_reader_s {
    sos_store_t    *store;
    uint64_t        size;
    uint32_t        n_extents;
    sos_extent_t   *extents;            /* pinned */
    uint64_t       *starts;             /* object offset of each extent */
    sos_str_t      *part_checksums;     /* NULL: none; else n_extents, in
                                           the same block as their bytes */
    sos_rext_t     *rx;
    uint32_t        passed;             /* read and verify are past the
                                           fds not lent below this */
    uint32_t        released;           /* sos_reader_release: below */
    sos_retired_t  *retired;
    size_t          n_retired;
    size_t          cap_retired;
    unsigned char  *block;              /* during a check: one block */
    size_t          block_size;
};


static sos_rc_e sos_reader_pin(sos_store_t *st, const sos_buf_t *ikey,
    const char *bucket, size_t bucket_len, const char *key, size_t key_len,
    const sos_obj_rec_t *rec, sos_error_t *err);
static void sos_reader_pass(sos_reader_t *rd, uint32_t first);
static int sos_reader_sums_copy(sos_reader_t *rd, const sos_str_t *sums);
static sos_rc_e sos_reader_fd(sos_reader_t *rd, uint32_t i, sos_error_t *err);
static uint32_t sos_reader_find(const sos_reader_t *rd, uint64_t offset);
static sos_rc_e sos_reader_check(sos_reader_t *rd, uint32_t i,
    uint64_t from, uint64_t to, unsigned *bad, sos_error_t *err);
static sos_rc_e sos_reader_sums(sos_reader_t *rd, uint32_t i,
    sos_error_t *err);
static sos_rc_e sos_reader_check_blocks(sos_reader_t *rd, uint32_t i,
    uint64_t from, uint64_t to, uint64_t *block, sos_error_t *err);
static sos_rc_e sos_reader_check_md5(sos_reader_t *rd, uint32_t i,
    sos_error_t *err);
static int sos_reader_pread(int fd, unsigned char *buf, size_t len,
    uint64_t offset);
static sos_rc_e sos_reader_buffer(sos_reader_t *rd, size_t size,
    sos_error_t *err);
static sos_rc_e sos_reader_switch(sos_reader_t *rd, uint32_t i,
    sos_error_t *err);
static void sos_reader_bad_add(sos_reader_t *rd, uint32_t i,
    uint32_t bad);


/*
 * Pin rec's files, then read the record at ikey again: SOS_OK when it
 * still names them, SOS_ECHANGED (no message; unpinned) when an overwrite
 * or delete committed in between, whose collection may have unlinked
 * them.  Files never come back into a record, so on SOS_OK the record
 * named them all along: their collection can only come later and waits
 * for the pins, and so do their X records, which go with the files.
 */
static sos_rc_e
sos_reader_pin(sos_store_t *st, const sos_buf_t *ikey, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_obj_rec_t *rec, sos_error_t *err)
{
    int            same;
    char          *val;
    uint32_t       i;
    sos_rc_e       rc;
    sos_obj_rec_t  now;

    if (sos_pin_add(st, rec->extents, rec->n_extents) != 0) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a reader");
    }

    rc = sos_object_load(st, ikey, bucket, bucket_len, key, key_len, &val,
                         &now, err);
    if (rc == SOS_OK) {
        same = now.n_extents == rec->n_extents;
        for (i = 0; same && i < now.n_extents; i++) {
            same = memcmp(now.extents[i].id, rec->extents[i].id,
                          SOS_FILE_ID_LEN) == 0;
        }

        sos_obj_rec_free(&now);
        free(val);

        if (same) {
            return SOS_OK;
        }
        rc = SOS_ECHANGED;

    } else if (rc == SOS_ENOTFOUND || rc == SOS_ENOBUCKET) {
        rc = SOS_ECHANGED;
    }

    sos_pin_drop(st, rec->extents, rec->n_extents);
    return rc;
}


/*
 * Take rec's pinned extents into a new reader (on failure
 * they are let go) and open the first file.
 */
sos_rc_e
sos_reader_new(sos_reader_t **out, sos_store_t *st, sos_obj_rec_t *rec,
    sos_error_t *err)
{
    uint32_t       i, n;
    uint64_t       at;
    sos_rc_e       rc;
    sos_reader_t  *rd;

    n = rec->n_extents;

    rd = calloc(1, sizeof(sos_reader_t));
    if (rd != NULL) {
        rd->starts = malloc((n ? n : 1) * sizeof(uint64_t));
        rd->rx = calloc(n ? n : 1, sizeof(sos_rext_t));
    }
    if (rd == NULL || rd->starts == NULL || rd->rx == NULL) {
        if (rd != NULL) {
            free(rd->starts);
            free(rd->rx);
            free(rd);
        }
        sos_pin_drop(st, rec->extents, n);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a reader");
    }
    rd->store = st;
    rd->size = rec->size;

    rd->n_extents = n;
    rd->extents = rec->extents;
    rec->extents = NULL;
    rec->n_extents = 0;

    if (rec->part_checksums != NULL
        && sos_reader_sums_copy(rd, rec->part_checksums) != 0)
    {
        sos_reader_close(rd);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a reader");
    }

    at = 0;
    for (i = 0; i < n; i++) {
        rd->starts[i] = at;
        rd->rx[i].fd = -1;
        at += rd->extents[i].size;
    }

    if (at != rd->size) {
        sos_reader_close(rd);
        return sos_err(err, SOS_ECORRUPT, 0, "object record: extents hold "
                       "%llu bytes, size says %llu", (unsigned long long) at,
                       (unsigned long long) rec->size);
    }

    if (n > 0) {
        rc = sos_reader_fd(rd, 0, err);
        if (rc != SOS_OK) {
            sos_reader_close(rd);
            return rc;
        }
    }

    *out = rd;
    return SOS_OK;
}


/* The parts' checksums into one block of the reader's: 0 or -1. */
static int
sos_reader_sums_copy(sos_reader_t *rd, const sos_str_t *sums)
{
    char      *p;
    size_t     total;
    uint32_t   i;
    sos_str_t *dst;

    total = rd->n_extents * sizeof(sos_str_t);
    for (i = 0; i < rd->n_extents; i++) {
        total += sums[i].len;
    }

    dst = malloc(total);
    if (dst == NULL) {
        return -1;
    }

    p = (char *) (dst + rd->n_extents);
    for (i = 0; i < rd->n_extents; i++) {
        dst[i] = sums[i];
        sos_str_move(&dst[i], &p);
    }

    rd->part_checksums = dst;
    return 0;
}


/* Open extent i, unless open, on a replica not known bad. */
static sos_rc_e
sos_reader_fd(sos_reader_t *rd, uint32_t i, sos_error_t *err)
{
    int           fd;
    size_t        n;
    unsigned      replica;
    uint32_t      bad;
    sos_rext_t   *x = &rd->rx[i];
    sos_error_t   e;

    if (x->fd != -1) {
        return SOS_OK;
    }

    /* sos_extent_open reports its code through the error only. */
    memset(&e, 0, sizeof(e));
    bad = x->bad;
    fd = sos_extent_open(rd->store, &rd->extents[i], &bad, &replica, &e);

    /* missing or short files are as bad as wrong bytes */
    sos_reader_bad_add(rd, i, bad);

    if (fd == -1) {
        if (err != NULL) {
            *err = e;
        }
        return e.code != SOS_OK ? e.code : SOS_EIO;
    }

    /* what was checked holds for the replica it was checked on */
    if (replica != x->replica) {
        x->md5_ok = 0;
        if (x->checked != NULL) {
            n = (size_t) ((x->sums.n_blocks + 7) / 8);
            memset(x->checked, 0, n);
        }
    }

    x->fd = fd;
    x->replica = replica;

    /* opened again behind them: moving past, release and pass close it */
    if (i < rd->passed) {
        rd->passed = i;
    }
    if (i < rd->released) {
        rd->released = i;
    }
    return SOS_OK;
}


/* The non-empty extent holding byte `offset` (< size). */
static uint32_t
sos_reader_find(const sos_reader_t *rd, uint64_t offset)
{
    uint32_t  lo, hi, mid;

    /* the last extent starting at or before offset */
    lo = 0;
    hi = rd->n_extents;
    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        if (rd->starts[mid] <= offset) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}


sos_rc_e
sos_object_open(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, sos_reader_t **out,
    sos_object_info_t *info, sos_error_t *err)
{
    int             tries;
    char           *val;
    char            first[SOS_FILE_ID_LEN + 1];
    sos_rc_e        rc;
    sos_buf_t       ikey;
    sos_obj_rec_t   rec;
    sos_reader_t   *rd;

    rc = sos_object_ikey(&ikey, bucket, bucket_len, key, key_len,
                         "a lookup", err);
    if (rc != SOS_OK) {
        return rc;
    }

    rd = NULL;

    for (tries = 1; /* void */; tries++) {
        rc = sos_object_load(store, &ikey, bucket, bucket_len, key, key_len,
                             &val, &rec, err);
        if (rc != SOS_OK) {
            sos_buf_free(&ikey);
            return rc;
        }

        if (out == NULL) {
            break;
        }

        rc = sos_reader_pin(store, &ikey, bucket, bucket_len, key, key_len,
                            &rec, err);
        if (rc != SOS_ECHANGED) {
            break;
        }

        sos_obj_rec_free(&rec);
        free(val);

        if (tries == SOS_OPEN_TRIES) {
            sos_buf_free(&ikey);
            return sos_err(err, SOS_EIO, 0, "object in bucket \"%.*s\" "
                           "changed %d times while it was opened",
                           (int) bucket_len, bucket, tries);
        }
    }

    if (rc == SOS_OK && out != NULL) {
        first[0] = '\0';
        if (rec.n_extents > 0) {
            memcpy(first, rec.extents[0].id, sizeof(first));
        }

        rc = sos_reader_new(&rd, store, &rec, err);
    }

    sos_buf_free(&ikey);

    if (rc != SOS_OK) {
        goto done;
    }

    if (info != NULL) {
        rc = sos_obj_rec_to_info(&rec, info, err);
        if (rc != SOS_OK) {
            sos_reader_close(rd);
            goto done;
        }

        /* the reader took the extents, whose first names the write */
        if (out != NULL) {
            memcpy(info->write_id, first, sizeof(info->write_id));
        }
    }

    if (out != NULL) {
        *out = rd;
    }

done:

    sos_obj_rec_free(&rec);
    free(val);
    return rc;
}


sos_rc_e
sos_object_stat(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, sos_object_info_t *info,
    sos_error_t *err)
{
    return sos_object_open(store, bucket, bucket_len, key, key_len, NULL,
                           info, err);
}


sos_rc_e
sos_reader_segments(sos_reader_t *reader, uint64_t offset, uint64_t len,
    sos_segment_t *segs, size_t *n_segs, sos_error_t *err)
{
    size_t         n;
    uint32_t       i, first;
    uint64_t       end, from, to;
    sos_rc_e       rc;
    sos_extent_t  *e;

    if (offset > reader->size || len > reader->size - offset) {
        *n_segs = 0;
        return sos_err(err, SOS_ERANGE, 0, "range %llu+%llu outside an "
                       "object of %llu bytes", (unsigned long long) offset,
                       (unsigned long long) len,
                       (unsigned long long) reader->size);
    }

    if (len == 0) {
        *n_segs = 0;
        return SOS_OK;
    }

    end = offset + len;
    first = sos_reader_find(reader, offset);

    n = 0;
    for (i = first; i < reader->n_extents && reader->starts[i] < end; i++) {
        n += reader->extents[i].size != 0;
    }

    if (n > *n_segs) {
        *n_segs = n;
        return sos_err(err, SOS_ERANGE, 0, "range %llu+%llu needs %zu "
                       "segments", (unsigned long long) offset,
                       (unsigned long long) len, n);
    }

    n = 0;
    for (i = first; i < reader->n_extents && reader->starts[i] < end; i++) {
        e = &reader->extents[i];
        if (e->size == 0) {
            continue;
        }

        rc = sos_reader_fd(reader, i, err);
        if (rc != SOS_OK) {
            return rc;
        }
        reader->rx[i].lent = 1;

        from = offset > reader->starts[i] ? offset - reader->starts[i] : 0;
        to = end - reader->starts[i] < e->size ? end - reader->starts[i]
                                               : e->size;
        segs[n].fd = reader->rx[i].fd;
        segs[n].offset = from;
        segs[n].len = to - from;
        n++;
    }

    *n_segs = n;
    return SOS_OK;
}


sos_rc_e
sos_reader_read(sos_reader_t *reader, uint64_t offset, void *buf, size_t len,
    size_t *got, sos_error_t *err)
{
    size_t         done, want;
    ssize_t        n;
    uint32_t       i;
    uint64_t       in;
    sos_rc_e       rc;
    sos_extent_t  *e;

    *got = 0;
    if (offset >= reader->size) {
        return SOS_OK;
    }
    if (len > reader->size - offset) {
        len = reader->size - offset;
    }

    done = 0;
    i = sos_reader_find(reader, offset);
    sos_reader_pass(reader, i);

    while (done < len) {
        while (reader->starts[i] + reader->extents[i].size <= offset + done) {
            i++;
        }
        e = &reader->extents[i];

        in = offset + done - reader->starts[i];
        want = len - done;
        if (want > e->size - in) {
            want = e->size - in;
        }

        /* only checked bytes: this read may be a copy's source */
        rc = sos_reader_check(reader, i, in, in + want, NULL, err);
        if (rc != SOS_OK) {
            return rc;
        }

        n = pread(reader->rx[i].fd, (char *) buf + done, want, (off_t) in);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return sos_err_sys(err, errno, "pread() of file %s failed",
                               e->id);
        }
        if (n == 0) {
            return sos_err(err, SOS_ECORRUPT, 0, "file %s is shorter than "
                           "its %llu bytes", e->id,
                           (unsigned long long) e->size);
        }
        done += (size_t) n;
    }

    *got = done;
    return SOS_OK;
}


sos_rc_e
sos_reader_part(sos_reader_t *reader, uint32_t part_number,
    uint64_t *offset, uint64_t *len, sos_error_t *err)
{
    if (part_number == 0 || part_number > reader->n_extents) {
        return sos_err(err, SOS_ERANGE, 0, "part %u of an object of %u",
                       part_number, reader->n_extents);
    }

    *offset = reader->starts[part_number - 1];
    *len = reader->extents[part_number - 1].size;

    return SOS_OK;
}


void
sos_reader_part_checksum(sos_reader_t *reader, uint32_t part_number,
    sos_str_t *value)
{
    value->data = NULL;
    value->len = 0;

    if (reader->part_checksums != NULL && part_number > 0
        && part_number <= reader->n_extents)
    {
        *value = reader->part_checksums[part_number - 1];
    }
}


void
sos_reader_close(sos_reader_t *reader)
{
    size_t    k;
    uint32_t  i;

    if (reader == NULL) {
        return;
    }

    for (i = 0; i < reader->n_extents; i++) {
        if (reader->rx[i].fd != -1) {
            (void) close(reader->rx[i].fd);
        }
        free(reader->rx[i].sums.crcs);
        free(reader->rx[i].checked);
    }
    for (k = 0; k < reader->n_retired; k++) {
        (void) close(reader->retired[k].fd);
    }
    sos_pin_drop(reader->store, reader->extents, reader->n_extents);
    free(reader->retired);
    free(reader->block);
    free(reader->extents);
    free(reader->starts);
    free(reader->part_checksums);
    free(reader->rx);
    free(reader);
}


/*
 * Read or verify moved on to extent `first`: close the fds of the
 * extents before it that segments did not give out.  Moving backwards
 * closes nothing.
 */
static void
sos_reader_pass(sos_reader_t *rd, uint32_t first)
{
    uint32_t     i;
    sos_rext_t  *x;

    for (i = rd->passed; i < first; i++) {
        x = &rd->rx[i];
        if (x->fd != -1 && !x->lent) {
            (void) close(x->fd);
            x->fd = -1;
        }
    }

    if (first > rd->passed) {
        rd->passed = first;
    }
}


void
sos_reader_release(sos_reader_t *reader, uint64_t upto)
{
    size_t       k, kept;
    uint32_t     i;
    sos_rext_t  *x;

    for (i = reader->released;
         i < reader->n_extents
         && reader->starts[i] + reader->extents[i].size <= upto;
         i++)
    {
        x = &reader->rx[i];
        if (x->fd != -1) {
            (void) close(x->fd);
            x->fd = -1;
            x->lent = 0;
        }
    }
    reader->released = i;

    kept = 0;
    for (k = 0; k < reader->n_retired; k++) {
        if (reader->retired[k].extent < i) {
            (void) close(reader->retired[k].fd);
        } else {
            reader->retired[kept++] = reader->retired[k];
        }
    }
    reader->n_retired = kept;
}


uint32_t
sos_reader_bad(const sos_reader_t *reader, uint32_t extent)
{
    return reader->rx[extent].bad;
}


/* ---- verification ---- */

sos_rc_e
sos_reader_verify(sos_reader_t *reader, uint64_t offset, uint64_t len,
    unsigned *bad, sos_error_t *err)
{
    uint32_t       i;
    uint64_t       end, from, to;
    sos_rc_e       rc;
    sos_extent_t  *e;

    if (bad != NULL) {
        *bad = 0;
    }

    if (offset > reader->size || len > reader->size - offset) {
        return sos_err(err, SOS_ERANGE, 0, "range %llu+%llu outside an "
                       "object of %llu bytes", (unsigned long long) offset,
                       (unsigned long long) len,
                       (unsigned long long) reader->size);
    }

    if (len == 0) {
        return SOS_OK;
    }

    end = offset + len;
    i = sos_reader_find(reader, offset);
    sos_reader_pass(reader, i);

    for ( /* void */ ; i < reader->n_extents && reader->starts[i] < end; i++)
    {
        e = &reader->extents[i];
        if (e->size == 0) {
            continue;
        }

        from = offset > reader->starts[i] ? offset - reader->starts[i] : 0;
        to = end - reader->starts[i] < e->size ? end - reader->starts[i]
                                               : e->size;

        rc = sos_reader_check(reader, i, from, to, bad, err);
        if (rc != SOS_OK) {
            return rc;
        }
    }

    return SOS_OK;
}


/*
 * Check bytes [from, to) of extent i (widened to whole blocks) on the
 * replica the reader uses for it, moving to another replica until one is
 * good; adds to *bad (may be NULL) the replicas found bad meanwhile.
 */
static sos_rc_e
sos_reader_check(sos_reader_t *rd, uint32_t i, uint64_t from, uint64_t to,
    unsigned *bad, sos_error_t *err)
{
    unsigned     n;
    uint64_t     block;
    sos_rc_e     rc;
    sos_rext_t  *x = &rd->rx[i];

    rc = sos_reader_sums(rd, i, err);
    if (rc != SOS_OK) {
        return rc;
    }

    n = (unsigned) __builtin_popcount(x->bad);
    block = from / (x->legacy ? SOS_SUM_BLOCK : x->sums.block_size);

    for ( ;; ) {
        rc = sos_reader_fd(rd, i, err);
        if (rc == SOS_ECORRUPT) {
            rc = sos_err(err, SOS_ECORRUPT, 0, "no replica of file %s "
                         "holds good bytes for block %llu%s",
                         rd->extents[i].id, (unsigned long long) block,
                         x->legacy ? " (file MD5)" : "");
        }
        if (rc != SOS_OK) {
            break;
        }

        rc = x->legacy ? sos_reader_check_md5(rd, i, err)
                       : sos_reader_check_blocks(rd, i, from, to, &block,
                                                 err);
        if (rc != SOS_ECORRUPT) {
            break;
        }

        rc = sos_reader_switch(rd, i, err);
        if (rc != SOS_OK) {
            break;
        }
    }

    if (bad != NULL) {
        *bad += (unsigned) __builtin_popcount(x->bad) - n;
    }

    /* none held between calls: a reader may wait long for its client */
    free(rd->block);
    rd->block = NULL;
    rd->block_size = 0;

    return rc;
}


/* Look up the X record of extent i, once. */
static sos_rc_e
sos_reader_sums(sos_reader_t *rd, uint32_t i, sos_error_t *err)
{
    char          *val;
    size_t         len;
    sos_rc_e       rc;
    sos_buf_t      key;
    sos_rext_t    *x = &rd->rx[i];
    sos_extent_t  *e = &rd->extents[i];

    if (x->sums_loaded) {
        return SOS_OK;
    }

    sos_buf_init(&key);
    sos_ikey_sums(&key, e->id);
    if (key.oom) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a check");
    }

    /* the pin keeps the files, and so their X record, of an overwritten
     * version */
    rc = sos_idx_get(rd->store, &key, &val, &len, err);
    sos_buf_free(&key);

    if (rc == SOS_ENOTFOUND) {
        x->legacy = 1;
        x->sums_loaded = 1;
        return SOS_OK;
    }
    if (rc != SOS_OK) {
        return rc;
    }

    if (sos_sums_decode(val, len, &x->sums) != 0
        || x->sums.block_size > SOS_SUM_BLOCK_MAX
        || x->sums.n_blocks != (e->size + x->sums.block_size - 1)
                               / x->sums.block_size)
    {
        free(val);
        free(x->sums.crcs);
        memset(&x->sums, 0, sizeof(x->sums));
        return sos_err(err, SOS_ECORRUPT, 0, "bad checksums record of "
                       "file %s", e->id);
    }
    free(val);

    x->checked = calloc((size_t) (x->sums.n_blocks + 7) / 8 + 1, 1);
    if (x->checked == NULL) {
        free(x->sums.crcs);
        memset(&x->sums, 0, sizeof(x->sums));
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a check");
    }

    x->sums_loaded = 1;
    return SOS_OK;
}


/*
 * Check the blocks of [from, to) of extent i not yet checked on its fd:
 * SOS_OK, SOS_ECORRUPT (no message) when a block is bad or unreadable
 * (*block says which), SOS_ENOMEM.
 */
static sos_rc_e
sos_reader_check_blocks(sos_reader_t *rd, uint32_t i, uint64_t from,
    uint64_t to, uint64_t *block, sos_error_t *err)
{
    size_t         n;
    uint64_t       b, last, bs, at;
    sos_rext_t    *x = &rd->rx[i];
    sos_extent_t  *e = &rd->extents[i];

    bs = x->sums.block_size;

    if (sos_reader_buffer(rd, (size_t) bs, err) != SOS_OK) {
        return SOS_ENOMEM;
    }

    last = (to - 1) / bs;

    for (b = from / bs; b <= last; b++) {
        if (x->checked[b / 8] & (1u << (b % 8))) {
            continue;
        }

        at = b * bs;
        n = (size_t) (e->size - at < bs ? e->size - at : bs);

        if (sos_reader_pread(x->fd, rd->block, n, at) != 0
            || crc32_gzip_refl(0, rd->block, n) != x->sums.crcs[b])
        {
            *block = b;
            return SOS_ECORRUPT;
        }

        x->checked[b / 8] |= (unsigned char) (1u << (b % 8));
    }

    return SOS_OK;
}


/*
 * A legacy extent: check its whole file against its MD5, once per
 * replica: SOS_OK, SOS_ECORRUPT (no message) when it is bad or
 * unreadable, SOS_ENOMEM.
 */
static sos_rc_e
sos_reader_check_md5(sos_reader_t *rd, uint32_t i, sos_error_t *err)
{
    int            good;
    size_t         n;
    uint64_t       at;
    unsigned char  md5[16];
    EVP_MD_CTX    *ctx;
    sos_rext_t    *x = &rd->rx[i];
    sos_extent_t  *e = &rd->extents[i];

    if (x->md5_ok) {
        return SOS_OK;
    }

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL)
        || sos_reader_buffer(rd, SOS_SUM_BLOCK, err) != SOS_OK)
    {
        EVP_MD_CTX_free(ctx);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a check");
    }

    good = 1;

    for (at = 0; at < e->size; at += n) {
        n = (size_t) (e->size - at < SOS_SUM_BLOCK ? e->size - at
                                                   : SOS_SUM_BLOCK);
        if (sos_reader_pread(x->fd, rd->block, n, at) != 0) {
            good = 0;
            break;
        }
        EVP_DigestUpdate(ctx, rd->block, n);
    }

    if (good) {
        EVP_DigestFinal_ex(ctx, md5, NULL);
        good = memcmp(md5, e->md5, 16) == 0;
    }

    EVP_MD_CTX_free(ctx);

    x->md5_ok = good;
    return good ? SOS_OK : SOS_ECORRUPT;
}


/* Read exactly len bytes at offset: 0, or -1 on an error or end of file. */
static int
sos_reader_pread(int fd, unsigned char *buf, size_t len, uint64_t offset)
{
    ssize_t  n;

    while (len > 0) {
        n = pread(fd, buf, len, (off_t) offset);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t) n;
        offset += (uint64_t) n;
    }

    return 0;
}


/* A buffer of at least size bytes in rd->block. */
static sos_rc_e
sos_reader_buffer(sos_reader_t *rd, size_t size, sos_error_t *err)
{
    if (rd->block_size >= size) {
        return SOS_OK;
    }

    free(rd->block);
    rd->block = malloc(size);
    if (rd->block == NULL) {
        rd->block_size = 0;
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a check");
    }

    rd->block_size = size;
    return SOS_OK;
}


/*
 * The replica of extent i is bad: remember it and move to another one.
 * An fd segments gave out stays open until sos_reader_release passes it
 * or the reader closes, as file buffers of an earlier window may still
 * point at it.
 */
static sos_rc_e
sos_reader_switch(sos_reader_t *rd, uint32_t i, sos_error_t *err)
{
    size_t          cap;
    sos_rext_t     *x = &rd->rx[i];
    sos_retired_t  *r;

    if (x->lent && rd->n_retired == rd->cap_retired) {
        cap = rd->cap_retired ? 2 * rd->cap_retired : 4;
        r = realloc(rd->retired, cap * sizeof(sos_retired_t));
        if (r == NULL) {
            return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a check");
        }
        rd->retired = r;
        rd->cap_retired = cap;
    }

    if (x->lent) {
        rd->retired[rd->n_retired].fd = x->fd;
        rd->retired[rd->n_retired].extent = i;
        rd->n_retired++;
    } else {
        (void) close(x->fd);
    }

    x->fd = -1;
    x->lent = 0;
    sos_reader_bad_add(rd, i, 1u << x->replica);

    return SOS_OK;
}


/* Record replicas of extent i found bad (missing, short or wrong). */
static void
sos_reader_bad_add(sos_reader_t *rd, uint32_t i, uint32_t bad)
{
    /* each bad replica goes to the repair queue once per reader */
    if (bad & ~rd->rx[i].bad) {
        sos_repair_note(rd->store, &rd->extents[i], bad & ~rd->rx[i].bad);
    }
    rd->rx[i].bad |= bad;
}


uint64_t
sos_reader_size(const sos_reader_t *reader)
{
    return reader->size;
}
