
/*
 * SOS: CompleteMultipartUpload.
 *
 * The body names the parts; one job, once the authorization step has
 * checked WRITE on the bucket and found the upload, combines the parts'
 * checksums into the object's (COMPOSITE, as S3, or with FULL_OBJECT
 * the parts' CRCs into the whole object's CRC), checks it against the
 * one the client sends (x-amz-checksum-<alg>) and has the store
 * complete the upload.  Completing writes no data: the object becomes a
 * manifest of the part files, so the answer is a normal one, sent once
 * the index commit is done, and every error has its own status (S3's
 * 200-then-Error body is only needed by a server that starts answering
 * before it knows).  InvalidPart and EntityTooSmall name the part, as S3
 * does.  The object's conditions (If-Match, If-None-Match) are
 * PutObject's.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_object.h"
#include "ngx_sos_multipart.h"
#include "ngx_sos_cdn.h"


#define NGX_SOS_COMPLETE_BODY_MAX   (2 * 1024 * 1024)
#define NGX_SOS_COMPLETE_TEXT_MAX   1024
#define NGX_SOS_COMPLETE_MIN_PART   (5 * 1024 * 1024)


/* A part named in the body. */
typedef struct {
    sos_part_ref_t           ref;
    ngx_str_t                cksum;      /* Checksum<ALG>, may be empty */
    ngx_uint_t               has_number;
} ngx_sos_complete_ref_t;


/* The body while it is parsed. */
typedef struct {
    ngx_pool_t              *pool;
    ngx_array_t              refs;       /* of ngx_sos_complete_ref_t */
    ngx_sos_complete_ref_t  *cur;
    ngx_uint_t               failed;
} ngx_sos_complete_xml_t;


typedef struct {
    char                     upload_id[SOS_UPLOAD_ID_LEN + 1];
    sos_put_opts_t           opts;       /* the object and its conditions */
    char                     if_match[SOS_ETAG_MAX + 1];    /* opts' */
    ngx_uint_t               cond_held;  /* If-Match held before the
                                            parts were read */
    ngx_sos_complete_ref_t  *refs;
    ngx_uint_t               n_refs;

    /* the pool thread's, while it goes through the parts */
    sos_checksum_alg_e       alg;
    ngx_uint_t               i_ref;      /* merge position in refs */
    uint32_t                 marker;     /* the last part seen */
    ngx_uint_t               stop;       /* a callback has seen enough */
    sos_checksum_t           composite;
    ngx_uint_t               full;       /* FULL_OBJECT: CRCs combined */
    uint64_t                 crc;        /* ... so far */
    sos_checksum_alg_e       given_alg;  /* the client's x-amz-checksum-* */
    ngx_str_t                given;
    ngx_uint_t               given_type; /* x-amz-checksum-type: 0 none,
                                            1 COMPOSITE, 2 FULL_OBJECT */

    /* results */
    ngx_sos_err_e            given_err;  /* given does not match */
    ngx_uint_t               cksum_missing;
    ngx_uint_t               cksum_mismatch;
    u_char                   cksum[SOS_CHECKSUM_MAX_B64 + 8];
    size_t                   cksum_len;
    char                     etag[SOS_ETAG_MAX + 1];
    char                     version_id[SOS_VERSION_ID_LEN + 1];
    ngx_uint_t               culprit;    /* 1 + index of the failed ref */
    uint64_t                 culprit_size;
} ngx_sos_complete_t;


static void ngx_sos_complete_body(ngx_http_request_t *r);
static ngx_sos_err_e ngx_sos_complete_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_complete_t *cm);
static ngx_int_t ngx_sos_complete_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static sos_rc_e ngx_sos_complete_parts(ngx_sos_job_t *job,
    ngx_sos_complete_t *cm, sos_part_cb_pt cb, sos_error_t *err);
static int ngx_sos_complete_composite_cb(void *data,
    const sos_part_info_t *part);
static void ngx_sos_complete_composite(ngx_sos_job_t *job,
    ngx_sos_complete_t *cm);
static uint64_t ngx_sos_complete_crc_combine(sos_checksum_alg_e alg,
    uint64_t crc, u_char *raw, uint64_t size);
static void ngx_sos_complete_given(ngx_http_request_t *r,
    ngx_sos_complete_t *cm);
static void ngx_sos_complete_checksum(ngx_sos_job_t *job,
    ngx_sos_complete_t *cm);
static int ngx_sos_complete_culprit_cb(void *data,
    const sos_part_info_t *part);
static void ngx_sos_complete_culprit(ngx_sos_job_t *job,
    ngx_sos_complete_t *cm);
static void ngx_sos_complete_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_complete_error(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_complete_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


ngx_int_t
ngx_sos_mp_complete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_body_read(r, ctx, NGX_SOS_COMPLETE_BODY_MAX,
                             ngx_sos_complete_body);
}


static void
ngx_sos_complete_body(ngx_http_request_t *r)
{
    ngx_sos_ctx_t       *ctx;
    ngx_sos_err_e        err;
    ngx_sos_job_t       *job;
    ngx_sos_complete_t  *cm;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_complete_t));
    if (job == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    cm = job->data;

    if (ngx_sos_mp_upload_id(r, cm->upload_id) != NGX_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r,
                                                NGX_SOS_ERR_NO_SUCH_UPLOAD));
        return;
    }

    ctx->authz.upload_id = cm->upload_id;

    err = ngx_sos_complete_parse(r, ctx, cm);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r, err));
        return;
    }

    cm->opts.bucket = (char *) ctx->bucket.data;
    cm->opts.bucket_len = ctx->bucket.len;
    cm->opts.key = (char *) ctx->key.data;
    cm->opts.key_len = ctx->key.len;

    /* conditional writes, as PutObject's */

    err = ngx_sos_object_write_conditions(r, ctx, &cm->opts, cm->if_match);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    ngx_sos_complete_given(r, cm);

    job->run = ngx_sos_complete_run;
    job->done = ngx_sos_complete_done;

    ngx_http_finalize_request(r, ngx_sos_job_start(r, job));
}


/* the parts the body names into cm->refs: NGX_SOS_OK or the error */

static ngx_sos_err_e
ngx_sos_complete_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_complete_t *cm)
{
    ngx_uint_t               i;
    ngx_sos_err_e            err;
    ngx_sos_complete_xml_t   req;
    ngx_sos_complete_ref_t  *refs;

    ngx_memzero(&req, sizeof(ngx_sos_complete_xml_t));
    req.pool = r->pool;

    if (ngx_array_init(&req.refs, r->pool, 16,
                       sizeof(ngx_sos_complete_ref_t))
        != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "CompleteMultipartUpload",
                            NGX_SOS_COMPLETE_TEXT_MAX, ngx_sos_complete_xml,
                            &req);

    refs = req.refs.elts;

    if (err == NGX_SOS_OK) {
        if (req.refs.nelts == 0 || req.refs.nelts > NGX_SOS_MP_MAX_PARTS) {
            err = NGX_SOS_ERR_MALFORMED_XML;
        }

        for (i = 0; i < req.refs.nelts; i++) {
            if (!refs[i].has_number || refs[i].ref.etag == NULL) {
                err = NGX_SOS_ERR_MALFORMED_XML;
            }
        }
    }

    if (req.failed) {
        err = NGX_SOS_ERR_INTERNAL_ERROR;
    }

    cm->refs = refs;
    cm->n_refs = req.refs.nelts;

    return err;
}


static ngx_int_t
ngx_sos_complete_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_complete_xml_t *req = data;

    u_char     *p;
    ngx_int_t   n;

    if (ngx_sos_xml_path_is(path, "Part")) {
        if (text == NULL) {
            req->cur = ngx_array_push(&req->refs);
            if (req->cur == NULL) {
                req->failed = 1;
                return NGX_DECLINED;
            }

            ngx_memzero(req->cur, sizeof(ngx_sos_complete_ref_t));

        } else {
            req->cur = NULL;
        }

        return NGX_OK;
    }

    if (text == NULL) {
        return NGX_OK;
    }

    if (req->cur == NULL) {
        /* text outside a Part: only Part elements are known */
        return path->len > 5 && ngx_strncmp(path->data, "Part/", 5) == 0
               ? NGX_DECLINED : NGX_OK;
    }

    ngx_sos_xml_trim(text);

    if (ngx_sos_xml_path_is(path, "Part/PartNumber")) {
        n = ngx_atoi(text->data, text->len);

        if (n == NGX_ERROR || n > NGX_SOS_MP_MAX_PARTS) {
            return NGX_DECLINED;
        }

        req->cur->ref.part_number = (uint32_t) n;
        req->cur->has_number = 1;

    } else if (ngx_sos_xml_path_is(path, "Part/ETag")) {
        /* the text is the parser's: copied */
        p = ngx_pstrdup(req->pool, text);
        if (p == NULL) {
            req->failed = 1;
            return NGX_DECLINED;
        }

        req->cur->ref.etag = (char *) p;
        req->cur->ref.etag_len = text->len;

    } else if (path->len > sizeof("Part/Checksum") - 1
               && ngx_strncmp(path->data, "Part/Checksum",
                              sizeof("Part/Checksum") - 1) == 0)
    {
        p = ngx_pstrdup(req->pool, text);
        if (p == NULL) {
            req->failed = 1;
            return NGX_DECLINED;
        }

        req->cur->cksum.data = p;
        req->cur->cksum.len = text->len;
    }

    return NGX_OK;
}


/*
 * Pool thread: cb for the upload's parts in number order, a page at a
 * time, merging them with the named ones (cm->i_ref), until every named
 * part is passed, cb sets cm->stop (and returns non-zero), or the parts
 * end.  cb records the last number it saw in cm->marker.
 */

static sos_rc_e
ngx_sos_complete_parts(ngx_sos_job_t *job, ngx_sos_complete_t *cm,
    sos_part_cb_pt cb, sos_error_t *err)
{
    int        truncated;
    uint32_t   marker;
    sos_rc_e   rc;

    cm->i_ref = 0;
    cm->marker = 0;
    cm->stop = 0;
    marker = 0;

    do {
        truncated = 0;

        rc = sos_upload_list_parts(job->store, cm->opts.bucket,
                                   cm->opts.bucket_len, cm->opts.key,
                                   cm->opts.key_len, cm->upload_id, marker,
                                   NGX_SOS_MP_LIST_MAX, cb, cm, &truncated,
                                   err);

        if (rc != SOS_OK || cm->stop || cm->i_ref == cm->n_refs
            || cm->marker == marker)
        {
            return rc;
        }

        marker = cm->marker;

    } while (truncated);

    return SOS_OK;
}


/* pool thread: the parts' checksums, in the order of the request */

static int
ngx_sos_complete_composite_cb(void *data, const sos_part_info_t *part)
{
    ngx_sos_complete_t *cm = data;

    u_char                   raw[SOS_CHECKSUM_MAX_SIZE + 4];
    ngx_str_t                src, dst;
    ngx_sos_complete_ref_t  *ref;

    cm->marker = part->part_number;

    while (cm->i_ref < cm->n_refs
           && cm->refs[cm->i_ref].ref.part_number < part->part_number)
    {
        /* named but not there: complete answers InvalidPart */
        cm->i_ref++;
    }

    if (cm->i_ref == cm->n_refs) {
        cm->stop = 1;
        return 1;
    }

    ref = &cm->refs[cm->i_ref];

    if (ref->ref.part_number != part->part_number) {
        return 0;
    }

    cm->i_ref++;

    if (sos_checksum_lookup(part->checksum_algorithm.data,
                            part->checksum_algorithm.len)
        != cm->alg
        || part->checksum_value.len == 0
        || part->checksum_value.len > SOS_CHECKSUM_MAX_B64)
    {
        cm->cksum_missing = 1;
        return 0;
    }

    if (ref->cksum.len
        && (ref->cksum.len != part->checksum_value.len
            || ngx_strncmp(ref->cksum.data, part->checksum_value.data,
                           ref->cksum.len) != 0))
    {
        cm->cksum_mismatch = 1;
        cm->stop = 1;
        return 1;
    }

    src.data = (u_char *) part->checksum_value.data;
    src.len = part->checksum_value.len;
    dst.data = raw;

    if (ngx_decode_base64(&dst, &src) != NGX_OK
        || dst.len != sos_checksum_size(cm->alg))
    {
        cm->cksum_missing = 1;
        return 0;
    }

    if (cm->full) {
        cm->crc = ngx_sos_complete_crc_combine(cm->alg, cm->crc, raw,
                                               part->size);

    } else {
        sos_checksum_update(&cm->composite, dst.data, dst.len);
    }

    return 0;
}


/* as S3: the parts' checksums hashed together, base64, then "-N" */

static void
ngx_sos_complete_composite(ngx_sos_job_t *job, ngx_sos_complete_t *cm)
{
    size_t     i;
    u_char     digest[SOS_CHECKSUM_MAX_SIZE];
    ngx_str_t  src, dst;

    sos_checksum_start(&cm->composite, cm->alg);

    job->rc = ngx_sos_complete_parts(job, cm, ngx_sos_complete_composite_cb,
                                     &job->err);
    if (job->rc != SOS_OK || cm->cksum_mismatch) {
        return;
    }

    if (cm->i_ref != cm->n_refs) {
        /* a named part is missing: complete says which */
        cm->cksum_missing = 1;
    }

    if (cm->cksum_missing) {
        return;
    }

    src.data = digest;

    if (cm->full) {
        /* as S3: the whole object's CRC, big-endian, base64, no "-N" */

        src.len = sos_checksum_size(cm->alg);

        for (i = 0; i < src.len; i++) {
            digest[i] = (u_char) (cm->crc >> (8 * (src.len - 1 - i)));
        }

        dst.data = cm->cksum;
        ngx_encode_base64(&dst, &src);
        cm->cksum_len = dst.len;

        return;
    }

    src.len = sos_checksum_final(&cm->composite, digest);
    dst.data = cm->cksum;
    ngx_encode_base64(&dst, &src);
    cm->cksum_len = ngx_sprintf(dst.data + dst.len, "-%ui", cm->n_refs)
                    - cm->cksum;
}


/* CRC(A.B) from CRC(A), B's CRC as its big-endian bytes, and B's size */

static uint64_t
ngx_sos_complete_crc_combine(sos_checksum_alg_e alg, uint64_t crc,
    u_char *raw, uint64_t size)
{
    uint64_t    b;
    ngx_uint_t  i;

    b = 0;

    for (i = 0; i < sos_checksum_size(alg); i++) {
        b = (b << 8) | raw[i];
    }

    switch (alg) {

    case SOS_CHECKSUM_CRC32:
        return sos_checksum_crc32_combine((uint32_t) crc, (uint32_t) b, size);

    case SOS_CHECKSUM_CRC32C:
        return sos_checksum_crc32c_combine((uint32_t) crc, (uint32_t) b,
                                           size);

    default: /* SOS_CHECKSUM_CRC64NVME */
        return sos_checksum_crc64nvme_combine(crc, b, size);
    }
}


/*
 * Loop: the checksum of the whole upload the client sends with the
 * request (x-amz-checksum-crc32: ..., with or without "-N"), if any, and
 * the checksum type it names (x-amz-checksum-type).
 */

static void
ngx_sos_complete_given(ngx_http_request_t *r, ngx_sos_complete_t *cm)
{
    ngx_uint_t          i;
    ngx_table_elt_t    *h;
    sos_checksum_alg_e  alg;

    h = ngx_sos_header_find(r, "x-amz-checksum-type");

    if (h) {
        cm->given_type = (h->value.len == sizeof("FULL_OBJECT") - 1
                          && ngx_strncasecmp(h->value.data,
                                             (u_char *) "FULL_OBJECT",
                                             h->value.len) == 0)
                         ? 2 : 1;
    }

    for (alg = SOS_CHECKSUM_CRC32; alg < SOS_CHECKSUM_MAX; alg++) {
        h = ngx_sos_header_find(r, (char *) sos_checksum_header(alg));
        if (h == NULL) {
            continue;
        }

        cm->given_alg = alg;
        cm->given = h->value;

        for (i = 0; i < cm->given.len; i++) {
            if (cm->given.data[i] == '-') {
                cm->given.len = i;
                break;
            }
        }

        return;
    }
}


/*
 * Pool thread: the object's checksum from its parts', and the client's
 * checked against it before anything is committed: another algorithm
 * or checksum type is InvalidRequest, another value BadDigest.
 */

static void
ngx_sos_complete_checksum(ngx_sos_job_t *job, ngx_sos_complete_t *cm)
{
    size_t  len;

    cm->alg = ngx_sos_mp_checksum_alg(job->ctx);
    cm->full = ngx_sos_mp_checksum_full(&job->ctx->authz.object.attrs);

    if (cm->alg != SOS_CHECKSUM_NONE) {
        ngx_sos_complete_composite(job, cm);

        if (job->rc == SOS_ENOUPLOAD) {
            /* completed already: a retry answers the stored checksum */
            job->rc = SOS_OK;
            return;
        }

        if (job->rc != SOS_OK || cm->cksum_mismatch) {
            return;
        }
    }

    if (cm->given_type && cm->given_type != (cm->full ? 2 : 1)) {
        cm->given_err = NGX_SOS_ERR_INVALID_REQUEST;
        return;
    }

    if (cm->given_alg == SOS_CHECKSUM_NONE) {
        return;
    }

    if (cm->given_alg != cm->alg) {
        cm->given_err = NGX_SOS_ERR_INVALID_REQUEST;
        return;
    }

    len = cm->cksum_len;

    if (!cm->full) {
        while (len && cm->cksum[len - 1] != '-') {
            len--;
        }

        len = len ? len - 1 : 0;
    }

    if (len == 0 || len != cm->given.len
        || ngx_strncmp(cm->cksum, cm->given.data, len) != 0)
    {
        cm->given_err = NGX_SOS_ERR_BAD_DIGEST;
    }
}


/*
 * Pool thread, after InvalidPart or EntityTooSmall: which named part, as
 * S3 tells it (<PartNumber>, <ETag>, and the size of a small one).
 */

static int
ngx_sos_complete_culprit_cb(void *data, const sos_part_info_t *part)
{
    ngx_sos_complete_t *cm = data;

    size_t                   len;
    u_char                  *e;
    ngx_sos_complete_ref_t  *ref;

    cm->marker = part->part_number;

    for ( /* void */ ; cm->i_ref < cm->n_refs; cm->i_ref++) {
        ref = &cm->refs[cm->i_ref];

        if (ref->ref.part_number > part->part_number) {
            return 0;
        }

        if (ref->ref.part_number < part->part_number) {
            /* never uploaded */
            cm->culprit = cm->i_ref + 1;
            break;
        }

        e = (u_char *) ref->ref.etag;
        len = ref->ref.etag_len;

        if (len >= 2 && e[0] == '"' && e[len - 1] == '"') {
            e++;
            len -= 2;
        }

        if (len != ngx_strlen(part->etag)
            || ngx_strncasecmp(e, (u_char *) part->etag, len) != 0)
        {
            cm->culprit = cm->i_ref + 1;
            break;
        }

        if (cm->i_ref + 1 < cm->n_refs
            && part->size < NGX_SOS_COMPLETE_MIN_PART)
        {
            cm->culprit = cm->i_ref + 1;
            cm->culprit_size = part->size;
            break;
        }

        cm->i_ref++;
        return 0;
    }

    cm->stop = 1;
    return 1;
}


static void
ngx_sos_complete_culprit(ngx_sos_job_t *job, ngx_sos_complete_t *cm)
{
    sos_error_t  err;

    if (ngx_sos_complete_parts(job, cm, ngx_sos_complete_culprit_cb, &err)
        != SOS_OK)
    {
        return;
    }

    if (cm->culprit == 0 && cm->i_ref < cm->n_refs) {
        /* named parts after the last one uploaded */
        cm->culprit = cm->i_ref + 1;
    }
}


static void
ngx_sos_complete_run(ngx_sos_job_t *job)
{
    ngx_sos_complete_t *cm = job->data;

    ngx_uint_t          i;
    sos_attrs_t         attrs;
    sos_part_ref_t     *refs;
    sos_object_info_t   info;

    if (cm->opts.if_match) {
        cm->cond_held = ngx_sos_object_write_held(job, &cm->opts);
    }

    ngx_sos_complete_checksum(job, cm);

    if (job->rc != SOS_OK || cm->cksum_mismatch
        || cm->given_err != NGX_SOS_OK)
    {
        return;
    }

    refs = malloc(cm->n_refs * sizeof(sos_part_ref_t));
    if (refs == NULL) {
        job->rc = SOS_ENOMEM;
        return;
    }

    for (i = 0; i < cm->n_refs; i++) {
        refs[i] = cm->refs[i].ref;
    }

    ngx_memzero(&attrs, sizeof(sos_attrs_t));
    attrs.checksum_value.data = (char *) cm->cksum;
    attrs.checksum_value.len = cm->cksum_len;
    cm->opts.attrs = &attrs;

    ngx_memzero(&info, sizeof(sos_object_info_t));

    job->rc = sos_upload_complete(job->store, &cm->opts, cm->upload_id,
                                  refs, cm->n_refs, &info, &job->err);
    free(refs);

    cm->opts.attrs = NULL;

    if (job->rc == SOS_EINVALIDPART || job->rc == SOS_ETOOSMALL) {
        ngx_sos_complete_culprit(job, cm);
    }

    if (job->rc == SOS_EPRECONDITION) {
        ngx_sos_object_precondition(job, &cm->opts);
    }

    if (job->rc == SOS_OK) {
        ngx_memcpy(cm->etag, info.etag, sizeof(cm->etag));
        ngx_memcpy(cm->version_id, info.version_id,
                   sizeof(cm->version_id));

        if (cm->alg != SOS_CHECKSUM_NONE && cm->cksum_len == 0
            && info.attrs.checksum_value.len <= sizeof(cm->cksum))
        {
            /* a retry: the checksum the first Complete stored */
            cm->cksum_len = info.attrs.checksum_value.len;
            ngx_memcpy(cm->cksum, info.attrs.checksum_value.data,
                       cm->cksum_len);
        }
    }

    sos_object_info_release(&info);
}


static ngx_int_t
ngx_sos_complete_error(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_complete_t *cm = job->data;

    u_char                  *p;
    size_t                   len;
    ngx_sos_err_e            err;
    ngx_sos_complete_ref_t  *ref;

    err = (job->rc == SOS_ETOOSMALL) ? NGX_SOS_ERR_ENTITY_TOO_SMALL
                                     : NGX_SOS_ERR_INVALID_PART;

    if (cm->culprit == 0 || cm->culprit > cm->n_refs) {
        return ngx_sos_error_send(r, err);
    }

    ref = &cm->refs[cm->culprit - 1];

    len = sizeof("<ProposedSize></ProposedSize><MinSizeAllowed>"
                 "</MinSizeAllowed><UploadId></UploadId><PartNumber>"
                 "</PartNumber><ETag></ETag>")
          + 2 * NGX_OFF_T_LEN + SOS_UPLOAD_ID_LEN + NGX_INT32_LEN
          + ngx_sos_xml_escape_len((u_char *) ref->ref.etag,
                                   ref->ref.etag_len);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->ctx->error_extra.data = p;

    if (err == NGX_SOS_ERR_ENTITY_TOO_SMALL) {
        p = ngx_sprintf(p, "<ProposedSize>%uL</ProposedSize>"
                        "<MinSizeAllowed>%d</MinSizeAllowed>",
                        cm->culprit_size, NGX_SOS_COMPLETE_MIN_PART);

    } else {
        p = ngx_sprintf(p, "<UploadId>%s</UploadId>", cm->upload_id);
    }

    p = ngx_sprintf(p, "<PartNumber>%uD</PartNumber><ETag>",
                    ref->ref.part_number);
    p = ngx_sos_xml_escape(p, (u_char *) ref->ref.etag, ref->ref.etag_len);
    p = ngx_cpymem(p, "</ETag>", sizeof("</ETag>") - 1);

    job->ctx->error_extra.len = p - job->ctx->error_extra.data;

    return ngx_sos_error_send_ctx(r, job->ctx, err);
}


static ngx_int_t
ngx_sos_complete_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_complete_t *cm = job->data;

    ngx_str_t          v;
    ngx_sos_ctx_t     *ctx;
    ngx_sos_xml_out_t  x;

    ctx = job->ctx;

    if (cm->cksum_mismatch) {
        ngx_str_set(&ctx->error_message, "One or more of the specified "
                    "parts could not be found.  The part may not have been "
                    "uploaded, or the specified entity tag may not match "
                    "the part's entity tag.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_PART);
    }

    if (cm->given_err == NGX_SOS_ERR_BAD_DIGEST) {
        ngx_str_set(&ctx->error_message, "The checksum of the object does "
                    "not match the checksum sent with the request.");
        return ngx_sos_error_send_ctx(r, ctx, cm->given_err);
    }

    if (cm->given_err != NGX_SOS_OK) {
        ngx_str_set(&ctx->error_message, "The checksum algorithm or type "
                    "sent with the request is not the upload's.");
        return ngx_sos_error_send_ctx(r, ctx, cm->given_err);
    }

    if (job->rc == SOS_ENOTFOUND && cm->cond_held) {
        /*
         * If-Match held when the parts were read, then a delete came
         * before the commit: S3's 409, as PutObject's
         */
        return ngx_sos_error_send(r,
                                  NGX_SOS_ERR_CONDITIONAL_REQUEST_CONFLICT);
    }

    if (job->rc == SOS_EINVALIDPART || job->rc == SOS_ETOOSMALL) {
        return ngx_sos_complete_error(r, job);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_retention_error(r, ctx, job->rc);
    }

    ngx_sos_cdn_purge(r, ctx, ctx->key.data, ctx->key.len);

    if (ngx_sos_versioning_header(r, ctx, cm->version_id) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (cm->cksum_len) {
        v.data = cm->cksum;
        v.len = cm->cksum_len;

        if (ngx_sos_header_add(r, (char *) sos_checksum_header(cm->alg),
                               &v)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_sos_xml_out_init(&x, r->pool, 2048);
    ngx_sos_xml_literal(&x,
                        "<CompleteMultipartUploadResult xmlns=\""
                        NGX_SOS_XMLNS "\"><Location>");

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        ngx_sos_xml_literal(&x, "https://");

    } else
#endif
    {
        ngx_sos_xml_literal(&x, "http://");
    }

    if (r->headers_in.host) {
        ngx_sos_xml_text(&x, r->headers_in.host->value.data,
                         r->headers_in.host->value.len);

    } else {
        ngx_sos_xml_text(&x, r->headers_in.server.data,
                         r->headers_in.server.len);
    }

    if (!ctx->virtual_host) {
        ngx_sos_xml_literal(&x, "/");
        ngx_sos_xml_text(&x, ctx->bucket.data, ctx->bucket.len);
    }

    ngx_sos_xml_literal(&x, "/");
    ngx_sos_xml_text_url(&x, ctx->key.data, ctx->key.len);
    ngx_sos_xml_literal(&x, "</Location>");
    ngx_sos_xml_element(&x, "Bucket", ctx->bucket.data, ctx->bucket.len, 0);
    ngx_sos_xml_element(&x, "Key", ctx->key.data, ctx->key.len, 0);
    ngx_sos_xml_element_etag(&x, cm->etag);

    if (cm->cksum_len) {
        ngx_sos_mp_checksum_element(&x, cm->alg, cm->cksum, cm->cksum_len);

        if (cm->full) {
            ngx_sos_xml_literal(&x,
                                "<ChecksumType>FULL_OBJECT</ChecksumType>");

        } else {
            ngx_sos_xml_literal(&x, "<ChecksumType>COMPOSITE</ChecksumType>");
        }
    }

    ngx_sos_xml_literal(&x, "</CompleteMultipartUploadResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
