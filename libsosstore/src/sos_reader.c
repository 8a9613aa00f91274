/*
 * Reading objects: a reader holds the files of one version of an object
 * (opened on the first replica that has them) and maps byte ranges onto
 * them, so that what it reads is unaffected by a later overwrite.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sos_internal.h"

/*
 * A reader opens the files of the first SOS_READER_EAGER extents at open
 * time, so those stay readable when the object is overwritten or deleted
 * meanwhile.  Files of later parts of a big multipart object are opened
 * when first read: a concurrent overwrite or delete may have removed them
 * by then (SOS_ECORRUPT).  The bound keeps a reader to a few fds, as the
 * module holds a reader for the whole response.
 */
#define SOS_READER_EAGER    16


struct sos_reader_s {
    sos_store_t   *store;
    uint64_t       size;
    uint32_t       n_extents;
    sos_extent_t  *extents;
    uint64_t      *starts;              /* object offset of each extent */
    int           *fds;                 /* -1: not opened yet */
};


static sos_rc_e sos_reader_new(sos_reader_t **out, sos_store_t *st,
    sos_obj_rec_t *rec, sos_error_t *err);
static sos_rc_e sos_reader_fd(sos_reader_t *rd, uint32_t i, sos_error_t *err);
static uint32_t sos_reader_find(const sos_reader_t *rd, uint64_t offset);


/* Take rec's extents into a new reader; open the first few files. */
static sos_rc_e
sos_reader_new(sos_reader_t **out, sos_store_t *st, sos_obj_rec_t *rec,
    sos_error_t *err)
{
    uint32_t       i, n;
    uint64_t       at;
    sos_rc_e       rc;
    sos_reader_t  *rd;

    n = rec->n_extents;

    rd = calloc(1, sizeof(sos_reader_t));
    if (rd == NULL) {
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a reader");
    }
    rd->store = st;
    rd->size = rec->size;
    rd->starts = malloc((n ? n : 1) * sizeof(uint64_t));
    rd->fds = malloc((n ? n : 1) * sizeof(int));
    if (rd->starts == NULL || rd->fds == NULL) {
        free(rd->starts);
        free(rd->fds);
        free(rd);
        return sos_err(err, SOS_ENOMEM, ENOMEM, "no memory for a reader");
    }

    rd->n_extents = n;
    rd->extents = rec->extents;
    rec->extents = NULL;
    rec->n_extents = 0;

    at = 0;
    for (i = 0; i < n; i++) {
        rd->starts[i] = at;
        rd->fds[i] = -1;
        at += rd->extents[i].size;
    }

    if (at != rd->size) {
        sos_reader_close(rd);
        return sos_err(err, SOS_ECORRUPT, 0, "object record: extents hold "
                       "%llu bytes, size says %llu", (unsigned long long) at,
                       (unsigned long long) rec->size);
    }

    for (i = 0; i < n && i < SOS_READER_EAGER; i++) {
        rc = sos_reader_fd(rd, i, err);
        if (rc != SOS_OK) {
            sos_reader_close(rd);
            return rc;
        }
    }

    *out = rd;
    return SOS_OK;
}


static sos_rc_e
sos_reader_fd(sos_reader_t *rd, uint32_t i, sos_error_t *err)
{
    sos_error_t  e;

    if (rd->fds[i] != -1) {
        return SOS_OK;
    }

    /* sos_extent_open reports its code through the error only. */
    memset(&e, 0, sizeof(e));
    rd->fds[i] = sos_extent_open(rd->store, &rd->extents[i], &e);
    if (rd->fds[i] == -1) {
        if (err != NULL) {
            *err = e;
        }
        return e.code != SOS_OK ? e.code : SOS_EIO;
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
    char            first[SOS_FILE_ID_LEN + 1], prev[SOS_FILE_ID_LEN + 1];
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
    prev[0] = '\0';

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

        first[0] = '\0';
        if (rec.n_extents > 0) {
            memcpy(first, rec.extents[0].id, sizeof(first));
        }

        rc = sos_reader_new(&rd, store, &rec, err);

        /*
         * An overwrite or delete may have removed the files between our
         * read of the record and the opens: look again, and give up when
         * the record did not change.
         */
        if (rc != SOS_ECORRUPT || tries == 5 || strcmp(first, prev) == 0) {
            break;
        }

        memcpy(prev, first, sizeof(prev));
        sos_obj_rec_free(&rec);
        free(val);
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

        from = offset > reader->starts[i] ? offset - reader->starts[i] : 0;
        to = end - reader->starts[i] < e->size ? end - reader->starts[i]
                                               : e->size;
        segs[n].fd = reader->fds[i];
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

    while (done < len) {
        while (reader->starts[i] + reader->extents[i].size <= offset + done) {
            i++;
        }
        e = &reader->extents[i];

        rc = sos_reader_fd(reader, i, err);
        if (rc != SOS_OK) {
            return rc;
        }

        in = offset + done - reader->starts[i];
        want = len - done;
        if (want > e->size - in) {
            want = e->size - in;
        }

        n = pread(reader->fds[i], (char *) buf + done, want, (off_t) in);
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
sos_reader_close(sos_reader_t *reader)
{
    uint32_t  i;

    if (reader == NULL) {
        return;
    }

    for (i = 0; i < reader->n_extents; i++) {
        if (reader->fds[i] != -1) {
            (void) close(reader->fds[i]);
        }
    }
    free(reader->extents);
    free(reader->starts);
    free(reader->fds);
    free(reader);
}


uint64_t
sos_reader_size(const sos_reader_t *reader)
{
    return reader->size;
}
