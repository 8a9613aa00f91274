/*
 * Server-side copy (sos_put_copy): byte ranges of an open object into a
 * part (UploadPartCopy) or an object (CopyObject), the chunk callback,
 * ranges at and past the ends, sources that are missing or lose their
 * files, and a writer killed mid-copy leaving nothing visible.
 */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/evp.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "cp"
#define BUCKET_LEN  2
#define MIN_PART    1024
#define N_PARTS     20                  /* more than a reader opens */
#define PART_SIZE   3000
#define BIG         (3 * 1024 * 1024 + 123)
#define CHUNK_MAX   (1024 * 1024)

static char           data_dir[512];
static sos_store_t   *st;
static sos_error_t    err;
static unsigned char *big;              /* the bytes of "big" */
static unsigned char  mp[N_PARTS * PART_SIZE];     /* and of "mp" */


/* What the callback saw. */
typedef struct {
    EVP_MD_CTX  *md5;
    uint64_t     bytes;
    unsigned     chunks;
    size_t       largest;
    int          hold;                  /* crash test: fds to signal on */
    int          out;
} seen_t;


static sos_reader_t *
open_src(const char *key, sos_object_info_t *info)
{
    sos_reader_t  *rd;

    if (sos_object_open(st, BUCKET, BUCKET_LEN, key, strlen(key), &rd, info,
                        &err) != SOS_OK)
    {
        bail("open %s: %s", key, err.msg);
    }
    return rd;
}


static void
on_chunk(void *ctx, const void *data, size_t len)
{
    seen_t  *s = ctx;

    EVP_DigestUpdate(s->md5, data, len);
    s->bytes += len;
    s->chunks++;
    if (len > s->largest) {
        s->largest = len;
    }
}


static void
seen_start(seen_t *s)
{
    memset(s, 0, sizeof(*s));
    s->md5 = EVP_MD_CTX_new();
    EVP_DigestInit_ex(s->md5, EVP_md5(), NULL);
}


static void
seen_hex(seen_t *s, char hex[33])
{
    int            i;
    unsigned int   n;
    unsigned char  md[16];

    EVP_DigestFinal_ex(s->md5, md, &n);
    EVP_MD_CTX_free(s->md5);
    s->md5 = NULL;
    for (i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}


/* Files under <replica>/<sub> on every replica; -1 when they differ. */
static long
files(const char *sub)
{
    char      path[600];
    long      n, first = 0;
    unsigned  i;

    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/r%u/%s", data_dir, i, sub);
        n = util_files(path);
        if (n == -1) {
            bail("nftw %s: %s", path, strerror(errno));
        }
        if (i == 0) {
            first = n;
        } else if (n != first) {
            return -1;
        }
    }
    return first;
}


static int
count_part(void *ctx, const sos_part_info_t *p)
{
    (void) p;
    (*(unsigned *) ctx)++;
    return 0;
}


static unsigned
parts_of(const char *key, const char *id)
{
    int       truncated;
    unsigned  n = 0;

    if (sos_upload_list_parts(st, BUCKET, BUCKET_LEN, key, strlen(key), id,
                              0, 1000, count_part, &n, &truncated, &err)
        != SOS_OK)
    {
        bail("list parts: %s", err.msg);
    }
    return n;
}


static uint64_t
bucket_bytes(void)
{
    uint64_t            bytes;
    sos_bucket_info_t  *bi;

    if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &bi, &err) != SOS_OK) {
        bail("bucket: %s", err.msg);
    }
    bytes = bi->bucket.bytes;
    sos_bucket_info_free(bi);
    return bytes;
}


/*
 * Copy [offset, offset + len) of the reader into part `number` of upload
 * id of "dst"; on success check the part's ETag against the bytes.
 */
static sos_rc_e
part_copy(const char *id, uint32_t number, sos_reader_t *rd,
    const unsigned char *bytes, uint64_t offset, uint64_t len, seen_t *s,
    char etag[SOS_ETAG_MAX + 1])
{
    char               hex[33];
    sos_rc_e           rc;
    sos_put_t         *put;
    sos_put_opts_t     o;
    sos_object_info_t  info;

    o = util_opts(BUCKET, "dst");
    if (sos_part_begin(&put, st, &o, id, number, &err) != SOS_OK) {
        bail("part begin: %s", err.msg);
    }
    rc = sos_put_copy(put, rd, offset, len, s ? on_chunk : NULL, s, &err);
    if (rc != SOS_OK) {
        sos_put_abort(put);
        return rc;
    }
    memset(&info, 0, sizeof(info));
    rc = sos_put_commit(put, &info, &err);
    if (rc == SOS_OK) {
        util_md5_hex(bytes + offset, (size_t) len, hex);
        if (strcmp(hex, info.etag) != 0 || info.size != len) {
            diag("part of %llu+%llu: etag %s size %llu, want %s",
                 (unsigned long long) offset, (unsigned long long) len,
                 info.etag, (unsigned long long) info.size, hex);
            rc = SOS_ECORRUPT;
        }
        if (etag != NULL) {
            memcpy(etag, info.etag, SOS_ETAG_MAX + 1);
        }
    }
    sos_object_info_release(&info);
    return rc;
}


static void
test_part_copy(void)
{
    char               id[SOS_UPLOAD_ID_LEN + 1], hex[33];
    char               etag[SOS_ETAG_MAX + 1];
    uint64_t           size;
    seen_t             s;
    sos_reader_t      *rd;
    sos_object_info_t  info;

    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "dst", 3, NULL, id, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }

    memset(&info, 0, sizeof(info));
    rd = open_src("big", &info);
    size = info.size;
    is_int(BIG, size, "source of %d bytes", BIG);

    seen_start(&s);
    is_int(SOS_OK, part_copy(id, 1, rd, big, 0, size, &s, etag),
           "copy a whole object into a part");
    seen_hex(&s, hex);
    is_str(info.etag, hex, "the callback saw every byte, in order");
    is_int(size, s.bytes, "the callback saw %d bytes", BIG);
    is_int(4, s.chunks, "in 4 chunks");
    ok(s.largest <= CHUNK_MAX, "none above 1 MiB");
    is_str(info.etag, etag, "the part's ETag is the source's");

    is_int(SOS_OK, part_copy(id, 2, rd, big, 0, 1, NULL, NULL),
           "the first byte");
    is_int(SOS_OK, part_copy(id, 3, rd, big, size - 1, 1, NULL, NULL),
           "the last byte");
    is_int(SOS_OK, part_copy(id, 4, rd, big, size - 7, 7, NULL, NULL),
           "the last 7 bytes");
    is_int(SOS_OK, part_copy(id, 5, rd, big, CHUNK_MAX - 5, 10, NULL, NULL),
           "10 bytes across a buffer boundary");
    seen_start(&s);
    is_int(SOS_OK, part_copy(id, 6, rd, big, 17, CHUNK_MAX + 1, &s, NULL),
           "one byte more than the buffer");
    seen_hex(&s, hex);
    is_int(2, s.chunks, "in two chunks");
    seen_start(&s);
    is_int(SOS_OK, part_copy(id, 7, rd, big, size, 0, &s, NULL),
           "nothing, at the end: an empty part");
    seen_hex(&s, hex);
    is_int(0, s.chunks, "the callback saw no chunk");
    is_int(7, parts_of("dst", id), "seven parts committed");

    /* past the end: nothing written, the part not committed */
    is_int(SOS_ERANGE, part_copy(id, 8, rd, big, size - 1, 2, NULL, NULL),
           "a range one byte past the end");
    ok(strstr(err.msg, "dst") != NULL, "the message names the target");
    is_int(SOS_ERANGE, part_copy(id, 8, rd, big, size + 1, 0, NULL, NULL),
           "an empty range past the end");
    is_int(SOS_ERANGE, part_copy(id, 8, rd, big, 0, size + 1, NULL, NULL),
           "the whole object and a byte");
    is_int(SOS_ERANGE, part_copy(id, 8, rd, big, UINT64_MAX, 2, NULL, NULL),
           "an offset that would wrap");
    is_int(SOS_ERANGE, part_copy(id, 8, rd, big, 2, UINT64_MAX, NULL, NULL),
           "a length that would wrap");
    is_int(7, parts_of("dst", id), "no part from a range past the end");
    is_int(0, files("tmp"), "no tmp file left");

    sos_reader_close(rd);
    sos_object_info_release(&info);

    /* a multipart source: ranges across its parts */
    memset(&info, 0, sizeof(info));
    rd = open_src("mp", &info);
    is_int(SOS_OK, part_copy(id, 9, rd, mp, 0, sizeof(mp), NULL, NULL),
           "a whole multipart object into a part");
    is_int(SOS_OK, part_copy(id, 10, rd, mp, PART_SIZE - 1, 2, NULL, NULL),
           "two bytes across a part boundary");
    is_int(SOS_OK, part_copy(id, 11, rd, mp, sizeof(mp) - PART_SIZE - 3,
                             PART_SIZE + 3, NULL, NULL),
           "the last part and three bytes before it");
    sos_reader_close(rd);
    sos_object_info_release(&info);

    is_int(SOS_OK, sos_upload_abort(st, BUCKET, BUCKET_LEN, "dst", 3, id,
                                    &err), "abort the upload");
}


/* Files whose last reader closed wait for a collection, which a delete
 * runs. */
static void
collect(void)
{
    util_put(st, BUCKET, "scratch", big, 10, NULL);
    if (sos_object_delete(st, BUCKET, BUCKET_LEN, "scratch", 7, &err)
        != SOS_OK)
    {
        bail("delete scratch: %s", err.msg);
    }
}


static void
test_sources(void)
{
    char               id[SOS_UPLOAD_ID_LEN + 1];
    long               objs;
    size_t             n;
    sos_rc_e           rc;
    uint64_t           bytes;
    unsigned char      got[1010];
    sos_put_t         *put;
    sos_reader_t      *rd;
    sos_put_opts_t     o;
    sos_object_info_t  info;

    rd = NULL;
    is_int(SOS_ENOTFOUND, sos_object_open(st, BUCKET, BUCKET_LEN, "none", 4,
                                          &rd, NULL, &err),
           "a missing source does not open");
    is_int(SOS_ENOBUCKET, sos_object_open(st, "nob", 3, "big", 3, &rd, NULL,
                                          &err),
           "nor a source in a missing bucket");
    ok(rd == NULL, "and gives no reader");

    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "dst", 3, NULL, id, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }

    /* deleted after open: the reader holds its files */
    util_put(st, BUCKET, "gone", big, 5000, NULL);
    memset(&info, 0, sizeof(info));
    rd = open_src("gone", &info);
    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "gone", 4,
                                     &err), "delete the open source");
    is_int(SOS_OK, part_copy(id, 1, rd, big, 0, 5000, NULL, NULL),
           "a source deleted after open still copies whole");
    sos_reader_close(rd);
    sos_object_info_release(&info);

    /*
     * A reader holds the files of every part, though it opens them one
     * by one: once the object is deleted, its later parts still copy,
     * and the files go after the reader.
     */
    util_put_parts(st, BUCKET, "mp2", mp, N_PARTS, PART_SIZE);
    memset(&info, 0, sizeof(info));
    rd = open_src("mp2", &info);
    collect();
    objs = files("objects");
    is_int(SOS_OK, sos_object_delete(st, BUCKET, BUCKET_LEN, "mp2", 3,
                                     &err), "delete a multipart source");
    is_int(objs, files("objects"), "its files stay while it is open");
    bytes = bucket_bytes();
    is_int(SOS_OK, part_copy(id, 2, rd, mp, 0, sizeof(mp), NULL, NULL),
           "its later parts still copy whole");
    is_int(2, parts_of("dst", id), "the part is committed");
    is_int(bytes + sizeof(mp), bucket_bytes(), "the bucket's bytes grew");
    sos_reader_close(rd);
    sos_object_info_release(&info);
    collect();
    is_int(objs - N_PARTS + 1, files("objects"),
           "the source's files went after the reader (the part stays)");
    is_int(0, files("tmp"), "nothing in tmp/");

    /* into an object (CopyObject), within its size limit or not */
    memset(&info, 0, sizeof(info));
    rd = open_src("big", &info);
    o = util_opts(BUCKET, "copy");
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK) {
        bail("begin: %s", err.msg);
    }
    is_int(SOS_OK, sos_put_copy(put, rd, 100, 1000, NULL, NULL, &err),
           "copy a range into an object");
    is_int(SOS_OK, sos_put_copy(put, rd, 0, 10, NULL, NULL, &err),
           "and another range after it");
    is_int(SOS_OK, sos_put_commit(put, NULL, &err), "commit the copy");
    sos_object_info_release(&info);
    memset(&info, 0, sizeof(info));
    sos_reader_close(rd);
    rd = open_src("copy", &info);
    rc = sos_reader_read(rd, 0, got, sizeof(got), &n, &err);
    ok(rc == SOS_OK && n == sizeof(got) && memcmp(got, big + 100, 1000) == 0
       && memcmp(got + 1000, big, 10) == 0, "the object holds both");
    sos_reader_close(rd);
    sos_object_info_release(&info);

    memset(&info, 0, sizeof(info));
    rd = open_src("big", &info);
    o = util_opts(BUCKET, "small");
    o.max_size = 1000;
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK) {
        bail("begin: %s", err.msg);
    }
    is_int(SOS_ETOOLARGE, sos_put_copy(put, rd, 0, 1001, NULL, NULL, &err),
           "a copy over the size limit");
    sos_put_abort(put);
    is_int(SOS_ENOTFOUND, sos_object_stat(st, BUCKET, BUCKET_LEN, "small", 5,
                                          NULL, &err), "is not stored");

    /* onto the source itself */
    o = util_opts(BUCKET, "big");
    if (sos_put_begin(&put, st, &o, &err) != SOS_OK) {
        bail("begin: %s", err.msg);
    }
    is_int(SOS_OK, sos_put_copy(put, rd, 0, info.size, NULL, NULL, &err),
           "copy an object onto itself");
    is_int(SOS_OK, sos_put_commit(put, NULL, &err), "and commit");
    sos_reader_close(rd);
    sos_object_info_release(&info);
    memset(&info, 0, sizeof(info));
    rd = open_src("big", &info);
    is_int(BIG, info.size, "the same size");
    sos_reader_close(rd);
    sos_object_info_release(&info);

    is_int(SOS_OK, sos_upload_abort(st, BUCKET, BUCKET_LEN, "dst", 3, id,
                                    &err), "abort the upload");
}


/* ---- kill -9 mid-copy ---- */

static void
say(int fd, char c)
{
    while (write(fd, &c, 1) == -1 && errno == EINTR) {
        /* retry */
    }
}


/* After the first chunk: tell the parent, wait to be killed. */
static void
on_chunk_hold(void *ctx, const void *data, size_t len)
{
    char     c;
    seen_t  *s = ctx;

    (void) data;
    (void) len;

    if (s->chunks++ == 0) {
        say(s->out, 'H');
        while (read(s->hold, &c, 1) == -1 && errno == EINTR) {
            /* retry */
        }
    }
}


static void __attribute__((noreturn))
child_copy(const char *id, int out, int hold)
{
    seen_t             s;
    sos_put_t         *put;
    sos_reader_t      *rd;
    sos_put_opts_t     o;
    sos_object_info_t  info;

    st = util_store_open(data_dir, 0, MIN_PART);
    memset(&info, 0, sizeof(info));
    if (sos_object_open(st, BUCKET, BUCKET_LEN, "big", 3, &rd, &info, &err)
        != SOS_OK)
    {
        _exit(2);
    }

    o = util_opts(BUCKET, id != NULL ? "dst" : "whole");
    if ((id != NULL ? sos_part_begin(&put, st, &o, id, 1, &err)
                    : sos_put_begin(&put, st, &o, &err)) != SOS_OK)
    {
        _exit(2);
    }

    memset(&s, 0, sizeof(s));
    s.out = out;
    s.hold = hold;
    if (sos_put_copy(put, rd, 0, info.size, on_chunk_hold, &s, &err)
        != SOS_OK)
    {
        _exit(3);
    }
    (void) sos_put_commit(put, NULL, &err);
    _exit(0);
}


/* Kill a copy after its first chunk; 1 if it was killed there. */
static int
kill_mid_copy(const char *id)
{
    int    out[2], hold[2], status, held;
    char   c;
    pid_t  pid;

    if (pipe(out) == -1 || pipe(hold) == -1) {
        bail("pipe: %s", strerror(errno));
    }

    fflush(stdout);
    pid = fork();
    if (pid == -1) {
        bail("fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(out[0]);
        close(hold[1]);
        child_copy(id, out[1], hold[0]);
    }
    close(out[1]);
    close(hold[0]);

    held = read(out[0], &c, 1) == 1 && c == 'H';

    kill(pid, SIGKILL);
    if (waitpid(pid, &status, 0) != pid) {
        bail("waitpid: %s", strerror(errno));
    }
    close(out[0]);
    close(hold[1]);
    return held && WIFSIGNALED(status);
}


static void
test_crash(void)
{
    char      id[SOS_UPLOAD_ID_LEN + 1];
    long      objs;
    uint64_t  bytes;

    if (sos_upload_create(st, BUCKET, BUCKET_LEN, "dst", 3, NULL, id, &err)
        != SOS_OK)
    {
        bail("upload: %s", err.msg);
    }
    objs = files("objects");
    bytes = bucket_bytes();

    /* the index has one owner: the child opens the store, we reopen */
    sos_store_close(st);

    ok(kill_mid_copy(id), "a part copy killed after its first chunk");
    is_int(1, files("tmp"), "leaves a tmp file on each replica");

    st = util_store_open(data_dir, 0, MIN_PART);
    is_int(0, files("tmp"), "which open removes");
    is_int(0, parts_of("dst", id), "no part is visible");
    is_int(objs, files("objects"), "no file added to objects/");
    is_int(bytes, bucket_bytes(), "the bucket's bytes unchanged");
    sos_store_close(st);

    ok(kill_mid_copy(NULL), "an object copy killed after its first chunk");
    st = util_store_open(data_dir, 0, MIN_PART);
    is_int(0, files("tmp"), "tmp/ empty after open");
    is_int(SOS_ENOTFOUND, sos_object_stat(st, BUCKET, BUCKET_LEN, "whole", 5,
                                          NULL, &err),
           "the object is not visible");
    is_int(objs, files("objects"), "no file added to objects/");

    is_int(SOS_OK, sos_upload_abort(st, BUCKET, BUCKET_LEN, "dst", 3, id,
                                    &err), "abort the upload");
}


int
main(void)
{
    plan(0);
    alarm(300);

    snprintf(data_dir, sizeof(data_dir), "%s/store", tmpdir());
    st = util_store_open(data_dir, 0, MIN_PART);
    util_org_bucket(st, "copier", BUCKET, NULL);

    big = malloc(BIG);
    if (big == NULL) {
        bail("no memory");
    }
    util_fill(big, BIG, 131, 7, 10);
    util_fill(mp, sizeof(mp), 131, 14, 10);
    util_put(st, BUCKET, "big", big, BIG, NULL);
    util_put_parts(st, BUCKET, "mp", mp, N_PARTS, PART_SIZE);

    test_part_copy();
    test_sources();
    test_crash();

    sos_store_close(st);
    free(big);
    done_testing();
}
