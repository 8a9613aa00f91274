/*
 * Tags: the encoding of a tag set, an object's tags set, replaced and
 * removed (kept by an ACL change, refused for another version, gone with
 * an overwrite), an upload's tags landing on the completed object, a
 * bucket's tag set, and records of attribute version 2 (before tags)
 * still read and take tags.
 */

#include <stdint.h>

#include "sos/store.h"
#include "sos_internal.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"
#define BUCKET_LEN  3


static sos_store_t  *st;
static sos_error_t   err;


static sos_object_info_t
stat_of(const char *key)
{
    sos_object_info_t  info;

    if (sos_object_stat(st, BUCKET, BUCKET_LEN, key, strlen(key), &info,
                        &err)
        != SOS_OK)
    {
        bail("stat %s: %s", key, err.msg);
    }
    return info;
}


/* whether key's tags are want (encoded) */
static int
tags_are(const char *key, const void *want, size_t len)
{
    int                same;
    sos_object_info_t  info;

    info = stat_of(key);
    same = info.attrs.tags.len == len
           && (len == 0 || memcmp(info.attrs.tags.data, want, len) == 0);
    sos_object_info_release(&info);
    return same;
}


static sos_rc_e
tags_set(const char *key, const void *tags, size_t len)
{
    sos_rc_e           rc;
    sos_object_info_t  info;

    info = stat_of(key);
    rc = sos_object_set_tags(st, BUCKET, BUCKET_LEN, key, strlen(key), &info,
                             tags, len, &err);
    sos_object_info_release(&info);
    return rc;
}


static void
test_encoding(void)
{
    int            n;
    char           blob[256], big[300];
    size_t         len;
    sos_kv_t       in[3], out[3];
    unsigned char  bad[4];

    in[0].name.data = "project";
    in[0].name.len = 7;
    in[0].value.data = "sos";
    in[0].value.len = 3;
    in[1].name.data = "empty";
    in[1].name.len = 5;
    in[1].value.data = "";
    in[1].value.len = 0;
    memset(big, 'v', sizeof(big));
    in[2].name.data = "big";
    in[2].name.len = 3;
    in[2].value.data = big;
    in[2].value.len = sizeof(big);

    is_int(0, (int) sos_tags_encode(NULL, in, 0), "no tags: empty");
    is_int(0, sos_tags_decode("", 0, out, 3), "empty: no tags");

    len = sos_tags_encode(NULL, in, 2);
    is_int((int) len, (int) sos_tags_encode(blob, in, 2),
           "measure and encode agree");
    n = sos_tags_decode(blob, len, out, 3);
    is_int(2, n, "two tags decode");
    ok(out[0].name.len == 7 && memcmp(out[0].name.data, "project", 7) == 0
       && out[0].value.len == 3 && memcmp(out[0].value.data, "sos", 3) == 0
       && out[1].name.len == 5 && out[1].value.len == 0,
       "keys and values in order");
    is_int(-1, sos_tags_decode(blob, len, out, 1), "more than max: refused");
    is_int(2, sos_tags_decode(blob, len, NULL, 3), "count only");
    is_int(-1, sos_tags_decode(blob, len - 1, out, 3), "truncated: refused");

    /* a length of two bytes (300) */
    {
        char  blob2[400];

        len = sos_tags_encode(blob2, in + 2, 1);
        is_int(1 + 1 + 3 + 2 + 300, (int) len, "varint lengths");
        n = sos_tags_decode(blob2, len, out, 3);
        ok(n == 1 && out[0].value.len == 300, "a 300-byte value decodes");
    }

    bad[0] = 1;
    bad[1] = 0;
    bad[2] = 0;
    bad[3] = 7;
    is_int(-1, sos_tags_decode(bad, 4, out, 3), "trailing bytes: refused");
}


static void
test_object(void)
{
    char               a[64], b[64], id[SOS_FILE_ID_LEN + 1];
    size_t             alen, blen;
    sos_kv_t           kv;
    sos_object_info_t  old, info;

    kv.name.data = "k";
    kv.name.len = 1;
    kv.value.data = "one";
    kv.value.len = 3;
    alen = sos_tags_encode(a, &kv, 1);
    kv.value.data = "two";
    blen = sos_tags_encode(b, &kv, 1);

    util_put(st, BUCKET, "obj", "hello", 5, id);
    ok(tags_are("obj", "", 0), "a new object has no tags");

    is_int(SOS_OK, tags_set("obj", a, alen), "tags set");
    ok(tags_are("obj", a, alen), "and read back");

    is_int(SOS_OK, tags_set("obj", b, blen), "tags replaced");
    ok(tags_are("obj", b, blen), "the new set is read");

    /* the data and the write are kept */
    info = stat_of("obj");
    ok(info.size == 5 && strcmp(info.write_id, id) == 0,
       "the same version, with its bytes");
    sos_object_info_release(&info);

    /* an ACL change keeps them, and a tag change keeps the ACL */
    info = stat_of("obj");
    is_int(SOS_OK, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "obj", 3,
                                      &info, "ACL1", 4, &err), "ACL set");
    sos_object_info_release(&info);
    ok(tags_are("obj", b, blen), "tags kept by an ACL change");
    is_int(SOS_OK, tags_set("obj", a, alen), "tags set again");
    info = stat_of("obj");
    ok(info.attrs.acl.len == 4 && memcmp(info.attrs.acl.data, "ACL1", 4) == 0,
       "ACL kept by a tag change");
    sos_object_info_release(&info);

    /* compare and set: an ACL change or an overwrite since the read */
    old = stat_of("obj");
    info = stat_of("obj");
    is_int(SOS_OK, sos_object_set_acl(st, BUCKET, BUCKET_LEN, "obj", 3,
                                      &info, "ACL2", 4, &err), "ACL changed");
    sos_object_info_release(&info);
    is_int(SOS_ECHANGED, sos_object_set_tags(st, BUCKET, BUCKET_LEN, "obj", 3,
                                             &old, b, blen, &err),
           "tags refused after an ACL change since the read");
    sos_object_info_release(&old);

    old = stat_of("obj");
    util_put(st, BUCKET, "obj", "world", 5, NULL);
    ok(tags_are("obj", "", 0), "an overwrite without tags has none");
    is_int(SOS_ECHANGED, sos_object_set_tags(st, BUCKET, BUCKET_LEN, "obj", 3,
                                             &old, a, alen, &err),
           "tags refused on another version");
    ok(tags_are("obj", "", 0), "nothing written");

    is_int(SOS_OK, tags_set("obj", a, alen), "tags on the new version");
    is_int(SOS_OK, tags_set("obj", "", 0), "tags removed");
    ok(tags_are("obj", "", 0), "none left");

    is_int(SOS_EINVAL, tags_set("obj", "\x05", 1),
           "a set that does not decode: refused");

    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "obj", 3, &err),
           "deleted");
    is_int(SOS_ENOTFOUND, sos_object_set_tags(st, BUCKET, BUCKET_LEN, "obj",
                                              3, &old, a, alen, &err),
           "a deleted object: not found");
    sos_object_info_release(&old);
    is_int(SOS_ENOBUCKET, sos_object_set_tags(st, "none", 4, "obj", 3, &old,
                                              a, alen, &err),
           "no bucket");
}


/* tags given at the write, and with an upload, land on the object */
static void
test_writes(void)
{
    char               a[64], upload_id[SOS_UPLOAD_ID_LEN + 1];
    char               etag[SOS_ETAG_MAX + 1];
    size_t             alen;
    sos_part_ref_t     ref;
    sos_kv_t           kv;
    sos_put_t         *put;
    sos_attrs_t        attrs;
    sos_put_opts_t     o;
    sos_object_info_t  info;

    kv.name.data = "backup";
    kv.name.len = 6;
    kv.value.data = "daily";
    kv.value.len = 5;
    alen = sos_tags_encode(a, &kv, 1);

    memset(&attrs, 0, sizeof(attrs));
    attrs.tags.data = a;
    attrs.tags.len = alen;

    o = util_opts(BUCKET, "put");
    o.attrs = &attrs;
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK
        || sos_put_write(put, "x", 1, &err) != SOS_OK)
    {
        bail("put: %s", err.msg);
    }
    is_int(SOS_OK, sos_put_commit(put, &info, &err), "put with tags");
    sos_object_info_release(&info);
    ok(tags_are("put", a, alen), "a put's tags are kept");

    is_int(SOS_OK, sos_upload_create(st, BUCKET, BUCKET_LEN, "mp", 2, &attrs,
                                     upload_id, &err), "upload with tags");
    o = util_opts(BUCKET, "mp");
    if (sos_part_begin(&put, st, &o, upload_id, 1, &err) != SOS_OK
        || sos_put_write(put, "part", 4, &err) != SOS_OK
        || sos_put_commit(put, &info, &err) != SOS_OK)
    {
        bail("part: %s", err.msg);
    }
    ref.part_number = 1;
    ref.etag = etag;
    ref.etag_len = strlen(info.etag);
    memcpy(etag, info.etag, sizeof(etag));
    sos_object_info_release(&info);
    is_int(SOS_OK, sos_upload_complete(st, &o, upload_id, &ref, 1, NULL,
                                       &err), "upload completed");
    ok(tags_are("mp", a, alen), "the upload's tags are the object's");
}


/* an object record of attribute version 2, as SOS wrote before tags */
static void
test_version2(void)
{
    char           *v, *e, a[64];
    size_t          vlen, alen;
    sos_kv_t        kv;
    sos_buf_t       k, rec2, at;
    sos_obj_rec_t   rec;
    unsigned        i;

    util_put(st, BUCKET, "old", "legacy", 6, NULL);

    sos_buf_init(&k);
    sos_object_ikey(&k, BUCKET, BUCKET_LEN, "old", 3, "a test", &err);
    e = NULL;
    v = leveldb_get(st->db, st->read_options, (char *) k.data, k.len, &vlen,
                    &e);
    if (v == NULL || sos_obj_rec_decode(v, vlen, &rec) != 0) {
        bail("the record of \"old\"");
    }
    is_int(3, (unsigned char) v[0], "records are written as version 3");

    /* the same record as version 2 wrote it: no tags after the redirect */
    sos_buf_init(&at);
    sos_attrs_encode(&at, &rec.attrs);
    sos_buf_init(&rec2);
    sos_buf_add_u8(&rec2, 2);
    sos_buf_add_varint(&rec2, rec.size);
    sos_buf_add_svarint(&rec2, rec.mtime);
    sos_buf_add_varint(&rec2, (uint64_t) rec.mtime_nsec);
    sos_buf_add_bytes(&rec2, rec.etag, strlen(rec.etag));
    sos_buf_add_varint(&rec2, rec.parts);
    sos_buf_add(&rec2, at.data, at.len - 1);      /* the empty tags' byte */
    sos_buf_add_varint(&rec2, rec.n_extents);
    for (i = 0; i < rec.n_extents; i++) {
        sos_extent_encode(&rec2, &rec.extents[i]);
    }
    sos_obj_rec_free(&rec);
    leveldb_free(v);

    is_int(0, sos_obj_rec_decode(rec2.data, rec2.len, &rec),
           "a version 2 record decodes");
    ok(rec.attrs.tags.len == 0 && rec.size == 6 && rec.n_extents == 1,
       "without tags, with its fields");
    sos_obj_rec_free(&rec);

    /* and as an upload record */
    {
        sos_buf_t         u;
        sos_upload_rec_t  up;

        sos_buf_init(&u);
        sos_buf_add_u8(&u, 2);
        sos_buf_add_svarint(&u, 1234);
        sos_buf_add(&u, at.data, at.len - 1);
        is_int(0, sos_upload_rec_decode(u.data, u.len, &up),
               "a version 2 upload record decodes");
        ok(up.initiated == 1234 && up.attrs.tags.len == 0,
           "without tags");
        free(up.kv_mem);
        sos_buf_free(&u);
    }

    /* in the index: read, then tagged (and written as version 3) */
    sos_buf_free(&k);
    sos_object_ikey(&k, BUCKET, BUCKET_LEN, "old", 3, "a test", &err);
    leveldb_put(st->db, st->sync_write, (char *) k.data, k.len,
                (char *) rec2.data, rec2.len, &e);
    if (e != NULL) {
        bail("leveldb_put: %s", e);
    }
    ok(tags_are("old", "", 0), "a version 2 object stats, without tags");

    kv.name.data = "age";
    kv.name.len = 3;
    kv.value.data = "old";
    kv.value.len = 3;
    alen = sos_tags_encode(a, &kv, 1);
    is_int(SOS_OK, tags_set("old", a, alen), "and takes tags");
    ok(tags_are("old", a, alen), "which read back");

    sos_buf_free(&at);
    sos_buf_free(&rec2);
    sos_buf_free(&k);
}


static void
test_bucket(void)
{
    char                a[64];
    size_t              alen;
    sos_kv_t            kv;
    sos_bucket_info_t  *info;

    kv.name.data = "team";
    kv.name.len = 4;
    kv.value.data = "ops";
    kv.value.len = 3;
    alen = sos_tags_encode(a, &kv, 1);

    if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &info, &err) != SOS_OK) {
        bail("bucket: %s", err.msg);
    }
    is_int(SOS_OK, sos_bucket_set_conf(st, BUCKET, BUCKET_LEN, info,
                                       SOS_BUCKET_TAGGING, a, alen, &err),
           "a bucket's tag set is a setting");
    sos_bucket_info_free(info);

    if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &info, &err) != SOS_OK) {
        bail("bucket: %s", err.msg);
    }
    is_int(1, sos_tags_decode(info->conf[SOS_BUCKET_TAGGING].data,
                              info->conf[SOS_BUCKET_TAGGING].len, NULL, 50),
           "and reads back");
    sos_bucket_info_free(info);
}


int
main(void)
{
    char  dir[512];

    plan(48);

    snprintf(dir, sizeof(dir), "%s/data", tmpdir());
    st = util_store_open(dir, 0, 0);
    util_org_bucket(st, "org", BUCKET, NULL);

    test_encoding();
    test_object();
    test_writes();
    test_version2();
    test_bucket();

    sos_store_close(st);
    return 0;
}
