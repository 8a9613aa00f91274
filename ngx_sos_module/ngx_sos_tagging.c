
/*
 * SOS: tags.  GetObjectTagging, PutObjectTagging, DeleteObjectTagging
 * (?tagging on a key: reading needs READ on the object, changing needs
 * what PutObjectAcl needs, WRITE_ACP; their owner always may) and
 * GetBucketTagging, PutBucketTagging, DeleteBucketTagging (?tagging on a
 * bucket: its owner only), and the tag sets writes carry: x-amz-tagging
 * (PutObject, CopyObject with x-amz-tagging-directive REPLACE,
 * CreateMultipartUpload) and the "tagging" field of a POST form.
 *
 * Every tag set is checked as S3 checks it: a key of 1 to 128 and a value
 * of 0 to 256 Unicode characters, letters, digits, spaces and
 * "+ - = . _ : / @" only, no key twice, no key beginning with "aws:", at
 * most 10 tags on an object and 50 on a bucket.  SOS has no Unicode
 * tables: a character outside ASCII is taken as a letter, unless it is a
 * C1 control.  A set is kept encoded (sos_tags_encode): an object's in
 * its record, which sos_object_set_tags_version replaces only on the
 * version the authorization step read and allowed (else 409
 * OperationAborted, as an ACL change), a bucket's in its
 * SOS_BUCKET_TAGGING setting.
 *
 * The object operations take ?versionId (the version the authorization
 * step opens: a delete marker named by its id is 405 MethodNotAllowed, as
 * S3's "Working with delete markers") and answer x-amz-version-id of the
 * version read or changed, as S3's GetObjectTagging, PutObjectTagging and
 * DeleteObjectTagging.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"

#include <sosproto/text.h>


#define NGX_SOS_TAG_KEY_MAX       128    /* characters */
#define NGX_SOS_TAG_VALUE_MAX     256
#define NGX_SOS_TAGGING_BODY_MAX  (256 * 1024)
/* any text the body holds: a long Key or Value is InvalidTag (S3), not
 * the parser's MalformedXML */
#define NGX_SOS_TAG_TEXT_MAX      NGX_SOS_TAGGING_BODY_MAX


typedef struct {
    ngx_http_request_t      *request;
    ngx_array_t              tags;       /* of sos_kv_t */
    sos_kv_t                 tag;        /* the Tag being read */
    ngx_uint_t               has_key;
    ngx_uint_t               has_value;
    ngx_uint_t               tag_sets;
    ngx_sos_err_e            err;        /* beyond MalformedXML */
} ngx_sos_tagging_parse_t;


typedef struct {
    ngx_str_t                bucket;
    ngx_str_t                key;
    ngx_str_t                version_id; /* ?versionId; data NULL: none */
    ngx_uint_t               object;
    ngx_uint_t               put;        /* else Delete */
    ngx_str_t                blob;       /* Put: the encoded set */
} ngx_sos_tagging_job_t;


static void ngx_sos_tagging_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_tagging_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *blob, ngx_uint_t put);
static void ngx_sos_tagging_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_tagging_set_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_tagging_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_tagging_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_int_t ngx_sos_tagging_text(ngx_sos_tagging_parse_t *ps,
    ngx_str_t *text, sos_str_t *to);
static ngx_sos_err_e ngx_sos_tagging_check(ngx_sos_ctx_t *ctx,
    ngx_array_t *tags, ngx_uint_t max, ngx_uint_t header);
static ngx_int_t ngx_sos_tagging_chars(ngx_str_t *s, size_t max);
static ngx_sos_err_e ngx_sos_tagging_refuse(ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, char *msg);
static ngx_sos_err_e ngx_sos_tagging_encode(ngx_http_request_t *r,
    ngx_array_t *tags, sos_str_t *out);


ngx_int_t
ngx_sos_tagging_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_job_t  *job;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_tagging_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    /* the authorization step reads the object or bucket: nothing more */

    job->done = ngx_sos_tagging_get_done;

    return ngx_sos_job_start(r, job);
}


ngx_int_t
ngx_sos_tagging_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    /*
     * S3 wants the document protected (PutObjectTagging and
     * PutBucketTagging require a checksum of the request: the SDKs send
     * Content-MD5 or x-amz-checksum-*), as PutBucketCors
     */

    if (!ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Missing required header for this request: Content-MD5");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_TAGGING_BODY_MAX,
                             ngx_sos_tagging_body);
}


ngx_int_t
ngx_sos_tagging_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t  none = ngx_null_string;

    return ngx_sos_tagging_start(r, ctx, &none, 0);
}


static void
ngx_sos_tagging_body(ngx_http_request_t *r)
{
    ngx_uint_t      max;
    sos_str_t       tags;
    ngx_str_t       blob;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    max = (ctx->op->level == NGX_SOS_LEVEL_OBJECT) ? NGX_SOS_TAGS_OBJECT_MAX
                                                   : NGX_SOS_TAGS_BUCKET_MAX;

    err = ngx_sos_tagging_document(r, ctx, &ctx->body, max, &tags);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    blob.data = (u_char *) tags.data;
    blob.len = tags.len;

    ngx_http_finalize_request(r, ngx_sos_tagging_start(r, ctx, &blob, 1));
}


static ngx_int_t
ngx_sos_tagging_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *blob, ngx_uint_t put)
{
    ngx_sos_job_t          *job;
    ngx_sos_tagging_job_t  *tj;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_tagging_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    tj = job->data;
    tj->bucket = ctx->bucket;
    tj->key = ctx->key;
    tj->version_id = ctx->version_id;
    tj->object = (ctx->op->level == NGX_SOS_LEVEL_OBJECT);
    tj->put = put;
    tj->blob = *blob;

    job->run = ngx_sos_tagging_run;
    job->done = ngx_sos_tagging_set_done;

    return ngx_sos_job_start(r, job);
}


/* only on what the authorization step read and allowed: SOS_ECHANGED */

static void
ngx_sos_tagging_run(ngx_sos_job_t *job)
{
    ngx_sos_tagging_job_t *tj = job->data;

    ngx_sos_authz_t  *az;

    az = &job->ctx->authz;

    if (tj->object) {
        job->rc = sos_object_set_tags_version(job->store,
                                              (char *) tj->bucket.data,
                                              tj->bucket.len,
                                              (char *) tj->key.data,
                                              tj->key.len,
                                              (char *) tj->version_id.data,
                                              tj->version_id.len,
                                              &az->object, tj->blob.data,
                                              tj->blob.len, &job->err);
        return;
    }

    job->rc = sos_bucket_set_conf(job->store, (char *) tj->bucket.data,
                                  tj->bucket.len, az->bucket,
                                  SOS_BUCKET_TAGGING, tj->blob.data,
                                  tj->blob.len, &job->err);
}


static ngx_int_t
ngx_sos_tagging_set_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_tagging_job_t *tj = job->data;

    if (job->rc == SOS_ENOBUCKET) {
        return ngx_sos_error_send_bucket(r, job->ctx,
                                         NGX_SOS_ERR_NO_SUCH_BUCKET);
    }

    if (job->rc != SOS_OK) {
        return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
    }

    /* PutObjectTagging 200, PutBucketTagging and the deletes 204 (S3) */

    r->headers_out.content_length_n = 0;

    /* the object's: the version whose tags changed (S3) */

    if (tj->object
        && ngx_sos_versioning_header(r, job->ctx,
                                     job->ctx->authz.object.version_id)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_send_xml(r, tj->put && tj->object ? NGX_HTTP_OK
                                                     : NGX_HTTP_NO_CONTENT,
                            NULL);
}


static ngx_int_t
ngx_sos_tagging_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    int                 i, n;
    sos_kv_t           *kv;
    sos_str_t          *blob;
    ngx_sos_ctx_t      *ctx;
    ngx_sos_xml_out_t   x;

    ctx = job->ctx;

    if (ctx->op->level == NGX_SOS_LEVEL_OBJECT) {
        blob = &ctx->authz.object.attrs.tags;
        n = NGX_SOS_TAGS_OBJECT_MAX;

        /* the version read: x-amz-version-id (S3) */

        if (ngx_sos_versioning_header(r, ctx,
                                      ctx->authz.object.version_id)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else {
        blob = &ctx->authz.bucket->conf[SOS_BUCKET_TAGGING];
        n = NGX_SOS_TAGS_BUCKET_MAX;

        /* a bucket without tags: 404 NoSuchTagSet (S3, RGW) */

        if (blob->len == 0) {
            if (ngx_sos_error_element(r, ctx, "BucketName", ctx->bucket.data,
                                      ctx->bucket.len)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_NO_SUCH_TAG_SET);
        }
    }

    kv = ngx_palloc(r->pool, n * sizeof(sos_kv_t));
    if (kv == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    n = sos_tags_decode(blob->data, blob->len, kv, n);
    if (n < 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sos: a tag set that does not decode in \"%V\"",
                      &ctx->bucket);
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    ngx_sos_xml_out_init(&x, r->pool, 2048);
    ngx_sos_xml_literal(&x, "<Tagging xmlns=\"" NGX_SOS_XMLNS "\"><TagSet>");

    for (i = 0; i < n; i++) {
        ngx_sos_xml_literal(&x, "<Tag>");
        ngx_sos_xml_element(&x, "Key", (u_char *) kv[i].name.data,
                            kv[i].name.len, 0);
        ngx_sos_xml_element(&x, "Value", (u_char *) kv[i].value.data,
                            kv[i].value.len, 0);
        ngx_sos_xml_literal(&x, "</Tag>");
    }

    ngx_sos_xml_literal(&x, "</TagSet></Tagging>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/* ------------------------------------------------------------------ */
/* The tag sets of writes                                             */

/*
 * x-amz-tagging: "k1=v1&k2=v2", URL-encoded as a query ("+" is a space);
 * "k" alone is a tag with an empty value.  S3 answers InvalidArgument for
 * a key twice, InvalidTag for a tag it refuses (a '%' without two hex
 * digits stays a '%', which no tag may hold), BadRequest for more than
 * 10 tags.
 */

ngx_sos_err_e
ngx_sos_tagging_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_str_t *tags)
{
    u_char            *p, *end, *q, *c, *last;
    sos_kv_t          *kv;
    ngx_str_t          name, value, *s[2];
    ngx_uint_t         i;
    ngx_array_t        set;
    ngx_sos_err_e      err;
    ngx_table_elt_t   *h;

    tags->data = NULL;
    tags->len = 0;

    h = ngx_sos_header_find(r, "x-amz-tagging");
    if (h == NULL || h->value.len == 0) {
        return NGX_SOS_OK;
    }

    if (ngx_array_init(&set, r->pool, 4, sizeof(sos_kv_t)) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    p = h->value.data;
    end = p + h->value.len;

    while (p < end) {
        p = ngx_sos_arg_next(p, end, &name, &value);

        s[0] = &name;
        s[1] = &value;

        for (i = 0; i < 2; i++) {

            /* '+' is a space, then %XX: a query's form encoding */

            q = ngx_pnalloc(r->pool, s[i]->len + 1);
            if (q == NULL) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            /* "c" alone: a name with no value (data NULL) */
            last = s[i]->len ? ngx_cpymem(q, s[i]->data, s[i]->len) : q;
            for (c = q; c < last; c++) {
                if (*c == '+') {
                    *c = ' ';
                }
            }

            if (ngx_sos_uri_decode(r, q, last - q, s[i]) != NGX_OK) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }
        }

        kv = ngx_array_push(&set);
        if (kv == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        kv->name.data = (char *) name.data;
        kv->name.len = name.len;
        kv->value.data = (char *) value.data;
        kv->value.len = value.len;
    }

    err = ngx_sos_tagging_check(ctx, &set, NGX_SOS_TAGS_OBJECT_MAX, 1);
    if (err != NGX_SOS_OK) {
        return err;
    }

    return ngx_sos_tagging_encode(r, &set, tags);
}


/* a Tagging document: PutObjectTagging, PutBucketTagging, POST's field */

ngx_sos_err_e
ngx_sos_tagging_document(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *doc, ngx_uint_t max, sos_str_t *tags)
{
    ngx_sos_err_e             err;
    ngx_sos_tagging_parse_t   ps;

    ngx_memzero(&ps, sizeof(ngx_sos_tagging_parse_t));
    ps.request = r;
    ps.err = NGX_SOS_OK;

    if (ngx_array_init(&ps.tags, r->pool, 4, sizeof(sos_kv_t)) != NGX_OK) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    err = ngx_sos_xml_parse(r->pool, doc, "Tagging", NGX_SOS_TAG_TEXT_MAX,
                            ngx_sos_tagging_xml, &ps);

    if (ps.err != NGX_SOS_OK) {
        return ps.err;
    }

    if (err != NGX_SOS_OK) {
        return err;
    }

    /* the schema wants a TagSet */

    if (ps.tag_sets != 1) {
        return NGX_SOS_ERR_MALFORMED_XML;
    }

    err = ngx_sos_tagging_check(ctx, &ps.tags, max, 0);
    if (err != NGX_SOS_OK) {
        return err;
    }

    return ngx_sos_tagging_encode(r, &ps.tags, tags);
}


static ngx_int_t
ngx_sos_tagging_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_tagging_parse_t *ps = data;

    sos_kv_t  *kv;

    if (ngx_sos_xml_path_is(path, "TagSet")) {
        if (text == NULL && ps->tag_sets++) {
            return NGX_DECLINED;
        }

        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "TagSet/Tag")) {

        if (text == NULL) {
            ps->has_key = 0;
            ps->has_value = 0;
            return NGX_OK;
        }

        /* Key and Value are both required */

        if (!ps->has_key || !ps->has_value) {
            return NGX_DECLINED;
        }

        kv = ngx_array_push(&ps->tags);
        if (kv == NULL) {
            ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
            return NGX_DECLINED;
        }

        *kv = ps->tag;
        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "TagSet/Tag/Key")) {
        if (text == NULL) {
            return ps->has_key++ ? NGX_DECLINED : NGX_OK;
        }

        return ngx_sos_tagging_text(ps, text, &ps->tag.name);
    }

    if (ngx_sos_xml_path_is(path, "TagSet/Tag/Value")) {
        if (text == NULL) {
            return ps->has_value++ ? NGX_DECLINED : NGX_OK;
        }

        return ngx_sos_tagging_text(ps, text, &ps->tag.value);
    }

    return NGX_DECLINED;
}


/* the parser's text lives until the next element: a copy is kept */

static ngx_int_t
ngx_sos_tagging_text(ngx_sos_tagging_parse_t *ps, ngx_str_t *text,
    sos_str_t *to)
{
    u_char  *p;

    p = ngx_pnalloc(ps->request->pool, text->len ? text->len : 1);
    if (p == NULL) {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_DECLINED;
    }

    to->data = (char *) p;
    to->len = ngx_cpymem(p, text->data, text->len) - p;

    return NGX_OK;
}


/*
 * S3's checks, in its order: each tag in turn (the first refused is the
 * answer), then the count.  header: x-amz-tagging's answers.
 */

static ngx_sos_err_e
ngx_sos_tagging_check(ngx_sos_ctx_t *ctx, ngx_array_t *tags, ngx_uint_t max,
    ngx_uint_t header)
{
    ngx_str_t    s;
    sos_kv_t    *kv;
    ngx_int_t    n;
    ngx_uint_t   i, j;

    kv = tags->elts;

    for (i = 0; i < tags->nelts; i++) {

        s.data = (u_char *) kv[i].name.data;
        s.len = kv[i].name.len;

        n = ngx_sos_tagging_chars(&s, NGX_SOS_TAG_KEY_MAX);

        if (n == NGX_DECLINED) {
            return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_INVALID_TAG,
                                          "The TagKey you have provided is "
                                          "too long, max 128");
        }

        if (n == NGX_ERROR || s.len == 0) {
            return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_INVALID_TAG,
                                          "The TagKey you have provided is "
                                          "invalid");
        }

        if (s.len >= 4 && ngx_strncasecmp(s.data, (u_char *) "aws:", 4) == 0)
        {
            return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_INVALID_TAG,
                                          "Your TagKey cannot be prefixed "
                                          "with aws:");
        }

        s.data = (u_char *) kv[i].value.data;
        s.len = kv[i].value.len;

        n = ngx_sos_tagging_chars(&s, NGX_SOS_TAG_VALUE_MAX);

        if (n == NGX_DECLINED) {
            return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_INVALID_TAG,
                                          "The TagValue you have provided is "
                                          "too long, max 256");
        }

        if (n == NGX_ERROR) {
            return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_INVALID_TAG,
                                          "The TagValue you have provided is "
                                          "invalid");
        }

        /* past the limit the count is the answer: no quadratic walk */

        for (j = 0; i <= max && j < i; j++) {
            if (kv[j].name.len == kv[i].name.len
                && ngx_memcmp(kv[j].name.data, kv[i].name.data,
                              kv[i].name.len) == 0)
            {
                if (header) {
                    return ngx_sos_tagging_refuse(ctx,
                               NGX_SOS_ERR_INVALID_ARGUMENT,
                               "The header 'x-amz-tagging' shall be encoded "
                               "as UTF-8 then URLEncoded URL query "
                               "parameters without tag name duplicates.");
                }

                return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_INVALID_TAG,
                                              "Cannot provide multiple Tags "
                                              "with the same key");
            }
        }
    }

    if (tags->nelts > max) {
        return ngx_sos_tagging_refuse(ctx, NGX_SOS_ERR_BAD_REQUEST,
                                      max == NGX_SOS_TAGS_OBJECT_MAX
                                      ? "Object tags cannot be greater "
                                        "than 10"
                                      : "Bucket tag count cannot be greater "
                                        "than 50");
    }

    return NGX_SOS_OK;
}


/*
 * NGX_OK: UTF-8 of at most max characters, each allowed; NGX_DECLINED:
 * too long; NGX_ERROR: a character not allowed, or not UTF-8 of a
 * character (an overlong form, a surrogate, U+FFFE, U+FFFF: as
 * sos_utf8_len() says), or a C1 control
 */

static ngx_int_t
ngx_sos_tagging_chars(ngx_str_t *s, size_t max)
{
    u_char    *p, *end;
    size_t     n, len;
    uint32_t   c;

    p = s->data;
    end = p + s->len;
    n = 0;

    while (p < end) {

        if (*p < 0x80) {
            c = *p++;

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9')
                  || (c != '\0' && ngx_strchr(" +-=._:/@", c) != NULL)))
            {
                return NGX_ERROR;
            }

        } else {
            len = sos_utf8_len(p, end);

            /* U+0080..U+009F: C2 80..C2 9F */

            if (len == 0 || (p[0] == 0xc2 && p[1] < 0xa0)) {
                return NGX_ERROR;
            }

            p += len;
        }

        if (++n > max) {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_sos_err_e
ngx_sos_tagging_refuse(ngx_sos_ctx_t *ctx, ngx_sos_err_e err, char *msg)
{
    ctx->error_message.data = (u_char *) msg;
    ctx->error_message.len = ngx_strlen(msg);

    return err;
}


static ngx_sos_err_e
ngx_sos_tagging_encode(ngx_http_request_t *r, ngx_array_t *tags,
    sos_str_t *out)
{
    size_t   len;
    u_char  *p;

    len = sos_tags_encode(NULL, tags->elts, tags->nelts);

    p = ngx_pnalloc(r->pool, len ? len : 1);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    out->data = (char *) p;
    out->len = sos_tags_encode(p, tags->elts, tags->nelts);

    return NGX_SOS_OK;
}


/* GET, HEAD: x-amz-tagging-count, when the object has tags (S3) */

ngx_int_t
ngx_sos_tagging_count(ngx_http_request_t *r, const sos_str_t *tags)
{
    int         n;
    u_char     *p;
    ngx_str_t   v;

    n = sos_tags_decode(tags->data, tags->len, NULL, NGX_SOS_TAGS_BUCKET_MAX);
    if (n <= 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v.data = p;
    v.len = ngx_sprintf(p, "%d", n) - p;

    return ngx_sos_header_add(r, "x-amz-tagging-count", &v);
}
