/*
 * The parts' checksums in an object record (version 3): the record round
 * trip, records without them (version 2, and version 3 records that end
 * after the extents) still decode, and through the store: Complete keeps
 * each part's checksum for an upload made with a checksum algorithm, a
 * reader gives it (sos_reader_part_checksum), an ACL change keeps it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"
#include "tap.h"
#include "util.h"


#define MIN_PART  16

static sos_store_t  *st;


static void
str_is(const char *want, sos_str_t got, const char *what)
{
    char  buf[128];

    snprintf(buf, sizeof(buf), "%.*s", (int) got.len,
             got.data ? got.data : "");
    is_str(want, buf, "%s", what);
}


/* A record of two extents, with the checksums sums (NULL: none). */
static void
rec_make(sos_obj_rec_t *rec, sos_extent_t *ext, sos_str_t *sums)
{
    memset(rec, 0, sizeof(*rec));
    memset(ext, 0, 2 * sizeof(sos_extent_t));
    memset(ext[0].id, 'a', SOS_FILE_ID_LEN);
    memset(ext[1].id, 'b', SOS_FILE_ID_LEN);
    ext[0].size = 20;
    ext[1].size = 3;
    ext[0].replicas = ext[1].replicas = 7;
    rec->size = 23;
    rec->mtime = 1700000000;
    strcpy(rec->etag, "0123456789abcdef0123456789abcdef-2");
    rec->parts = 2;
    rec->attrs.content_type.data = "text/plain";
    rec->attrs.content_type.len = 10;
    rec->attrs.checksum_algorithm.data = "CRC32";
    rec->attrs.checksum_algorithm.len = 5;
    rec->n_extents = 2;
    rec->extents = ext;
    rec->part_checksums = sums;
}


/*
 * rec as an SOS of record version 2 wrote it: version 3's layout up to the
 * extents, less the tag set that ends version 3's attributes (empty
 * here: one zero byte), and nothing after the extents.
 */
static void
rec_encode_v2(sos_buf_t *b, const sos_obj_rec_t *rec)
{
    uint32_t   i;
    sos_buf_t  attrs;

    sos_buf_init(&attrs);
    sos_attrs_encode(&attrs, &rec->attrs);
    if (attrs.oom || attrs.len == 0 || attrs.data[attrs.len - 1] != 0) {
        bail("version 2 attributes: a record with tags");
    }

    sos_buf_add_u8(b, 2);
    sos_buf_add_varint(b, rec->size);
    sos_buf_add_svarint(b, rec->mtime);
    sos_buf_add_varint(b, (uint64_t) rec->mtime_nsec);
    sos_buf_add_bytes(b, rec->etag, strlen(rec->etag));
    sos_buf_add_varint(b, rec->parts);
    sos_buf_add(b, attrs.data, attrs.len - 1);
    sos_buf_add_varint(b, rec->n_extents);
    for (i = 0; i < rec->n_extents; i++) {
        sos_extent_encode(b, &rec->extents[i]);
    }

    sos_buf_free(&attrs);
}


static void
test_codec(void)
{
    sos_buf_t      b;
    sos_str_t      sums[2];
    sos_extent_t   ext[2];
    sos_obj_rec_t  rec, got;

    sums[0].data = "AAAAAA==";
    sums[0].len = 8;
    sums[1].data = "";
    sums[1].len = 0;

    sos_buf_init(&b);
    rec_make(&rec, ext, sums);
    sos_obj_rec_encode(&b, &rec);
    is_int(3, b.data[0], "codec: records are written as version 3");

    is_int(0, sos_obj_rec_decode(b.data, b.len, &got), "codec: decodes");
    is_int(2, got.n_extents, "codec: two extents");
    ok(got.part_checksums != NULL, "codec: with the parts' checksums");
    if (got.part_checksums != NULL) {
        str_is("AAAAAA==", got.part_checksums[0], "codec: part 1's");
        str_is("", got.part_checksums[1], "codec: part 2 has none");
    }
    str_is("text/plain", got.attrs.content_type, "codec: attributes too");
    is_int(3, got.extents[1].size, "codec: extents too");
    sos_obj_rec_free(&got);

    /* cut inside the checksums: malformed */
    is_int(-1, sos_obj_rec_decode(b.data, b.len - 5, &got),
           "codec: a record cut in its checksums does not decode");

    /* without checksums: the record ends after the extents */
    sos_buf_reset(&b);
    rec_make(&rec, ext, NULL);
    sos_obj_rec_encode(&b, &rec);
    is_int(0, sos_obj_rec_decode(b.data, b.len, &got),
           "codec: version 3 without checksums decodes");
    ok(got.part_checksums == NULL, "codec: ... with none");
    is_int(2, got.n_extents, "codec: ... and its extents");
    sos_obj_rec_free(&got);

    /* a version 2 record: no tag set, nothing after the extents */
    sos_buf_reset(&b);
    rec_encode_v2(&b, &rec);
    is_int(0, sos_obj_rec_decode(b.data, b.len, &got),
           "codec: a version 2 record decodes");
    ok(got.part_checksums == NULL, "codec: ... with no checksums");
    str_is("CRC32", got.attrs.checksum_algorithm,
           "codec: ... and its attributes");
    is_int(23, got.size, "codec: ... and its size");
    sos_obj_rec_free(&got);

    /* what follows a version 2 record's extents is not checksums */
    sos_buf_add_bytes(&b, "x", 1);
    sos_buf_add_bytes(&b, "y", 1);
    is_int(0, sos_obj_rec_decode(b.data, b.len, &got),
           "codec: version 2 with bytes after it decodes");
    ok(got.part_checksums == NULL, "codec: ... they are no checksums");
    sos_obj_rec_free(&got);

    b.data[0] = 4;
    is_int(-1, sos_obj_rec_decode(b.data, b.len, &got),
           "codec: a later version is refused");

    sos_buf_free(&b);
}


/* An upload of key (with algorithm alg, NULL: none), two parts. */
static void
upload(const char *key, const char *alg, const char *sum1, const char *sum2)
{
    int                 i;
    char                id[SOS_UPLOAD_ID_LEN + 1];
    char                etags[2][SOS_ETAG_MAX + 1];
    const char         *sums[2];
    sos_put_t          *put;
    sos_attrs_t         attrs;
    sos_error_t         err;
    sos_put_opts_t      o;
    sos_part_ref_t      ref[2];
    sos_object_info_t   info;
    unsigned char       data[MIN_PART];

    memset(&attrs, 0, sizeof(attrs));
    if (alg != NULL) {
        attrs.checksum_algorithm.data = alg;
        attrs.checksum_algorithm.len = strlen(alg);
    }

    o = util_opts("b", key);
    if (sos_upload_create(st, "b", 1, key, strlen(key), &attrs, id, &err)
        != SOS_OK)
    {
        bail("upload %s: %s", key, err.msg);
    }

    sums[0] = sum1;
    sums[1] = sum2;

    for (i = 0; i < 2; i++) {
        memset(data, 'p' + i, sizeof(data));
        memset(&info, 0, sizeof(info));
        if (sos_part_begin(&put, st, &o, id, i + 1, &err) != SOS_OK
            || sos_put_write(put, data, sizeof(data), &err) != SOS_OK
            || (sums[i] != NULL
                && sos_put_set_checksum(put, alg, strlen(alg), sums[i],
                                        strlen(sums[i]), &err)
                   != SOS_OK)
            || sos_put_commit(put, &info, &err) != SOS_OK)
        {
            bail("part %d of %s: %s", i + 1, key, err.msg);
        }
        memcpy(etags[i], info.etag, sizeof(etags[i]));
        sos_object_info_release(&info);
        ref[i].part_number = i + 1;
        ref[i].etag = etags[i];
        ref[i].etag_len = strlen(etags[i]);
    }

    o.attrs = NULL;
    memset(&info, 0, sizeof(info));
    if (sos_upload_complete(st, &o, id, ref, 2, &info, &err) != SOS_OK) {
        bail("complete %s: %s", key, err.msg);
    }
    sos_object_info_release(&info);
}


/* Part n's checksum of bucket "b"'s key, as a reader gives it. */
static void
part_is(const char *key, uint32_t n, const char *want, const char *what)
{
    sos_str_t           v;
    sos_error_t         err;
    sos_reader_t       *rd;
    sos_object_info_t   info;

    if (sos_object_open(st, "b", 1, key, strlen(key), &rd, &info, &err)
        != SOS_OK)
    {
        bail("open %s: %s", key, err.msg);
    }
    sos_reader_part_checksum(rd, n, &v);
    str_is(want, v, what);
    sos_reader_close(rd);
    sos_object_info_release(&info);
}


static void
test_store(void)
{
    char               *val;
    size_t              len;
    sos_buf_t           ikey, nval;
    sos_error_t         err;
    sos_obj_rec_t       rec;
    sos_object_info_t   info;
    unsigned char       data[5] = "hello";

    upload("sums", "CRC32C", "AAAAAA==", "/////w==");
    part_is("sums", 1, "AAAAAA==", "store: part 1's checksum");
    part_is("sums", 2, "/////w==", "store: part 2's checksum");
    part_is("sums", 3, "", "store: no part 3");
    part_is("sums", 0, "", "store: no part 0");

    upload("one", "SHA256", NULL,
           "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=");
    part_is("one", 1, "", "store: a part sent without one has none");
    part_is("one", 2, "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
            "store: the other has its own");

    upload("none", NULL, NULL, NULL);
    part_is("none", 1, "", "store: an upload without an algorithm: none");

    util_put(st, "b", "simple", data, sizeof(data), NULL);
    part_is("simple", 1, "", "store: a simple object has none");

    /* an ACL change rewrites the record: the checksums stay */
    if (sos_object_stat(st, "b", 1, "sums", 4, &info, &err) != SOS_OK) {
        bail("stat: %s", err.msg);
    }
    is_int(SOS_OK, sos_object_set_acl(st, "b", 1, "sums", 4, &info, "acl", 3,
                                      &err),
           "store: set an ACL");
    sos_object_info_release(&info);
    part_is("sums", 2, "/////w==", "store: the ACL change kept them");

    /* the record as a version 2 SOS wrote it: read, without checksums */
    sos_buf_init(&ikey);
    sos_buf_init(&nval);
    if (sos_object_ikey(&ikey, "b", 1, "sums", 4, "a test", &err) != SOS_OK
        || sos_idx_get(st, &ikey, &val, &len, &err) != SOS_OK
        || sos_obj_rec_decode(val, len, &rec) != 0)
    {
        bail("record of sums: %s", err.msg);
    }
    rec_encode_v2(&nval, &rec);
    sos_obj_rec_free(&rec);
    free(val);
    is_int(SOS_OK, sos_idx_put(st, &ikey, nval.data, nval.len, 1, &err),
           "store: the record rewritten as version 2");
    part_is("sums", 1, "", "store: a version 2 record has no checksums");
    if (sos_object_stat(st, "b", 1, "sums", 4, &info, &err) != SOS_OK) {
        bail("stat: %s", err.msg);
    }
    is_int(2 * MIN_PART, info.size, "store: ... and reads as before");
    is_int(2, info.parts, "store: ... with its parts");
    sos_object_info_release(&info);
    sos_buf_free(&ikey);
    sos_buf_free(&nval);
}


int
main(void)
{
    plan(0);

    test_codec();

    st = util_store_open(tmpdir(), 0, MIN_PART);
    util_org_bucket(st, "alice", "b", NULL);

    test_store();

    sos_store_close(st);
    done_testing();
}
