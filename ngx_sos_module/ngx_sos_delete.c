
/*
 * SOS: DeleteObjects (POST /bucket?delete), up to 1000 keys in one job.
 *
 * S3 requires the body to be protected by Content-MD5 or, since the
 * flexible checksums, by any x-amz-checksum-* header; the payload decoder
 * verifies whichever was sent before the body reaches us.
 *
 * An Object may carry conditions (ETag, LastModifiedTime, Size), which the
 * store checks in the step that deletes it: a key that does not meet them
 * stays and gets its own Error, PreconditionFailed (NoSuchKey when an ETag
 * was given and the key is missing), as S3's conditional deletes.
 *
 * An Object may name a VersionId: that version is removed for good (its
 * conditions are not used), by the bucket's owner only (S3 user guide,
 * "Access control list (ACL) overview": WRITE allows
 * s3:DeleteObjectVersion only to the bucket owner), any other caller
 * getting an Error AccessDenied for that key; without one, a versioned
 * bucket gets a delete marker, owned by the caller.  Deleted says which,
 * as S3: DeleteMarker and DeleteMarkerVersionId (the marker made, or the
 * version removed when it was a marker).
 */


#include "ngx_sos_xml.h"
#include "ngx_sos_cdn.h"
#include "ngx_sos_auth.h"


#define NGX_SOS_DELETE_MAX_KEYS  SOS_DELETE_MAX
/* 1000 keys of 1024 bytes, with room for escaping and markup */
#define NGX_SOS_DELETE_BODY_MAX  (4 * 1024 * 1024)
#define NGX_SOS_DELETE_TEXT_MAX  (2 * SOS_MAX_KEY_LEN)


typedef enum {
    NGX_SOS_DEL_OK = 0,
    NGX_SOS_DEL_INTERNAL,
    NGX_SOS_DEL_NO_SUCH_BUCKET,
    NGX_SOS_DEL_NO_SUCH_VERSION,
    NGX_SOS_DEL_KEY_TOO_LONG,
    NGX_SOS_DEL_SLOW_DOWN,
    NGX_SOS_DEL_PRECONDITION,
    NGX_SOS_DEL_NO_SUCH_KEY,
    NGX_SOS_DEL_LOCKED,
    NGX_SOS_DEL_ACCESS_DENIED
} ngx_sos_delete_rc_e;


typedef struct {
    u_char               *key;
    size_t                key_len;
    u_char               *version;
    size_t                version_len;
    ngx_uint_t            has_key;
    ngx_uint_t            has_version;
    sos_delete_cond_t     cond;      /* etag: NUL-terminated, r's pool */
    ngx_sos_delete_rc_e   rc;
    ngx_uint_t            delete_marker;     /* the store's answer */
    char                  marker_id[SOS_VERSION_ID_LEN + 1];
} ngx_sos_delete_obj_t;


/* The parsed body. */
typedef struct {
    ngx_pool_t           *pool;
    ngx_array_t           objects;   /* of ngx_sos_delete_obj_t */
    ngx_uint_t            quiet;
    ngx_uint_t            failed;    /* out of memory */
} ngx_sos_delete_req_t;


/*
 * The job: inputs copied after this struct, results in the objects; keys
 * and results are the store call's, one for each object still to delete.
 */
typedef struct {
    ngx_str_t              bucket;   /* ctx->bucket */
    ngx_uint_t             quiet;
    ngx_uint_t             bypass;   /* x-amz-bypass-governance-retention */
    ngx_sos_delete_obj_t  *objects;
    ngx_uint_t             n;
    sos_delete_key_t      *keys;
    sos_delete_result_t   *results;
    sos_rc_e               first_rc;  /* first failure of a key, logged */
    sos_error_t            first_err;
} ngx_sos_delete_job_t;


static void ngx_sos_delete_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_delete_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_int_t ngx_sos_delete_xml_cond(ngx_sos_delete_req_t *req,
    ngx_sos_delete_obj_t *o, ngx_str_t *path, ngx_str_t *text);
static void ngx_sos_delete_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_delete_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


ngx_int_t
ngx_sos_delete_objects(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    if (!ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Missing required header for this request: Content-MD5");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_DELETE_BODY_MAX,
                             ngx_sos_delete_body);
}


static void
ngx_sos_delete_body(ngx_http_request_t *r)
{
    u_char                *p;
    size_t                 size;
    ngx_uint_t             i;
    ngx_sos_ctx_t         *ctx;
    ngx_sos_err_e          err;
    ngx_sos_job_t         *job;
    ngx_sos_delete_obj_t  *o, *src;
    ngx_sos_delete_job_t  *dj;
    ngx_sos_delete_req_t   req;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    ngx_memzero(&req, sizeof(ngx_sos_delete_req_t));
    req.pool = r->pool;

    if (ngx_array_init(&req.objects, r->pool, 16,
                       sizeof(ngx_sos_delete_obj_t))
        != NGX_OK)
    {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "Delete",
                            NGX_SOS_DELETE_TEXT_MAX, ngx_sos_delete_xml,
                            &req);

    if (err == NGX_SOS_OK && req.objects.nelts == 0) {
        /* the schema wants at least one Object */
        err = NGX_SOS_ERR_MALFORMED_XML;
    }

    if (req.failed) {
        err = NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r, err));
        return;
    }

    /* the thread gets its own copy of every key */

    size = sizeof(ngx_sos_delete_job_t)
           + req.objects.nelts * (sizeof(ngx_sos_delete_obj_t)
                                  + sizeof(sos_delete_key_t)
                                  + sizeof(sos_delete_result_t));

    src = req.objects.elts;

    for (i = 0; i < req.objects.nelts; i++) {
        size += src[i].key_len + src[i].version_len;
    }

    job = ngx_sos_job_create(r, ctx, size);
    if (job == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    dj = job->data;
    dj->bucket = ctx->bucket;
    dj->quiet = req.quiet;
    dj->bypass = ngx_sos_retention_bypass_asked(r);
    dj->n = req.objects.nelts;
    dj->objects = (ngx_sos_delete_obj_t *) ((u_char *) dj
                                            + sizeof(ngx_sos_delete_job_t));
    dj->keys = (sos_delete_key_t *) (dj->objects + dj->n);
    dj->results = (sos_delete_result_t *) (dj->keys + dj->n);

    p = (u_char *) (dj->results + dj->n);

    for (i = 0; i < dj->n; i++) {
        o = &dj->objects[i];
        *o = src[i];
        o->key = p;
        p = ngx_cpymem(p, src[i].key, src[i].key_len);

        if (o->has_version) {
            o->version = p;
            p = ngx_cpymem(p, src[i].version, src[i].version_len);
        }

        if (o->key_len > SOS_MAX_KEY_LEN) {
            o->rc = NGX_SOS_DEL_KEY_TOO_LONG;
        }
    }

    job->run = ngx_sos_delete_run;
    job->done = ngx_sos_delete_done;

    ngx_http_finalize_request(r, ngx_sos_job_start(r, job));
}


static ngx_int_t
ngx_sos_delete_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_delete_req_t  *req = data;

    u_char               **copy;
    ngx_sos_delete_obj_t  *o;

    if (ngx_sos_xml_path_is(path, "Object")) {
        if (text == NULL) {
            if (req->objects.nelts == NGX_SOS_DELETE_MAX_KEYS) {
                /* S3: more than 1000 keys is not valid against the schema */
                return NGX_DECLINED;
            }

            o = ngx_array_push(&req->objects);
            if (o == NULL) {
                req->failed = 1;
                return NGX_DECLINED;
            }

            ngx_memzero(o, sizeof(ngx_sos_delete_obj_t));
            return NGX_OK;
        }

        o = (ngx_sos_delete_obj_t *) req->objects.elts
            + req->objects.nelts - 1;

        /* a key is required and is at least one byte */
        return (o->has_key && o->key_len) ? NGX_OK : NGX_DECLINED;
    }

    if (ngx_sos_xml_path_is(path, "Quiet")) {
        return (text == NULL || ngx_sos_xml_bool(text, &req->quiet) == NGX_OK)
               ? NGX_OK : NGX_DECLINED;
    }

    if (!ngx_sos_xml_path_is(path, "Object/Key")
        && !ngx_sos_xml_path_is(path, "Object/VersionId")
        && !ngx_sos_xml_path_is(path, "Object/ETag")
        && !ngx_sos_xml_path_is(path, "Object/LastModifiedTime")
        && !ngx_sos_xml_path_is(path, "Object/Size"))
    {
        return NGX_DECLINED;
    }

    if (text == NULL) {
        return NGX_OK;
    }

    o = (ngx_sos_delete_obj_t *) req->objects.elts + req->objects.nelts - 1;

    if (path->len == sizeof("Object/Key") - 1) {
        if (o->has_key) {
            return NGX_DECLINED;
        }

        o->has_key = 1;
        o->key_len = text->len;
        copy = &o->key;

    } else if (ngx_sos_xml_path_is(path, "Object/VersionId")) {
        o->has_version = 1;
        o->version_len = text->len;
        copy = &o->version;

    } else {
        return ngx_sos_delete_xml_cond(req, o, path, text);
    }

    /* the parser's text buffer is reused: keep a copy */

    *copy = ngx_pstrdup(req->pool, text);
    if (*copy == NULL) {
        req->failed = 1;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * An Object's condition: ETag (quotes optional), LastModifiedTime (ISO
 * 8601, or an HTTP date as the SDKs send it: the model gives the shape
 * rfc822) or Size; a malformed one makes the document MalformedXML.
 */

static ngx_int_t
ngx_sos_delete_xml_cond(ngx_sos_delete_req_t *req, ngx_sos_delete_obj_t *o,
    ngx_str_t *path, ngx_str_t *text)
{
    u_char     *p;
    off_t       size;
    time_t      t;
    ngx_str_t   v;

    if (ngx_sos_xml_path_is(path, "Object/Size")) {
        size = ngx_atoof(text->data, text->len);
        if (size == NGX_ERROR) {
            return NGX_DECLINED;
        }
        o->cond.size = (uint64_t) size;
        o->cond.has_size = 1;
        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "Object/LastModifiedTime")) {
        t = ngx_sos_auth_parse_iso(text->data, text->len, 1);
        if (t == NGX_ERROR) {
            t = ngx_parse_http_time(text->data, text->len);
        }
        if (t == NGX_ERROR) {
            return NGX_DECLINED;
        }
        o->cond.mtime = (int64_t) t;
        o->cond.has_mtime = 1;
        return NGX_OK;
    }

    v = *text;

    if (v.len >= 2 && v.data[0] == '"' && v.data[v.len - 1] == '"') {
        v.data++;
        v.len -= 2;
    }

    p = ngx_pnalloc(req->pool, v.len + 1);
    if (p == NULL) {
        req->failed = 1;
        return NGX_DECLINED;
    }

    ngx_memcpy(p, v.data, v.len);
    p[v.len] = '\0';
    o->cond.etag = (const char *) p;

    return NGX_OK;
}


/* the pool thread: every key left in one sos_objects_delete_versions() */

static void
ngx_sos_delete_run(ngx_sos_job_t *job)
{
    ngx_sos_delete_job_t  *dj = job->data;

    sos_rc_e               rc;
    ngx_uint_t             i, n, bypass, owner;
    sos_delete_result_t   *res;
    ngx_sos_delete_obj_t  *o;

    /* honoured for the bucket owner's admin key only */

    bypass = dj->bypass && ngx_sos_retention_bypass_allowed(job->ctx);
    owner = ngx_sos_authz_owner(job->ctx);

    n = 0;

    for (i = 0; i < dj->n; i++) {
        o = &dj->objects[i];

        if (o->rc == NGX_SOS_DEL_OK && o->has_version && !owner) {
            o->rc = NGX_SOS_DEL_ACCESS_DENIED;
        }

        if (o->rc == NGX_SOS_DEL_OK) {
            dj->keys[n].key.data = (const char *) o->key;
            dj->keys[n].key.len = o->key_len;
            dj->keys[n].version_id.data = o->has_version
                                          ? (const char *) o->version : NULL;
            dj->keys[n].version_id.len = o->version_len;
            dj->keys[n].cond = o->has_version ? NULL : &o->cond;
            dj->keys[n].bypass_governance = (int) bypass;
            dj->keys[n].owner.data = (const char *) job->ctx->auth.org_id;
            dj->keys[n].owner.len = ngx_strlen(job->ctx->auth.org_id);
            n++;
        }
    }

    if (n == 0) {
        return;
    }

    rc = sos_objects_delete_versions(job->store,
                                     (const char *) dj->bucket.data,
                                     dj->bucket.len, dj->keys, n,
                                     dj->results, &dj->first_err);

    /* the first failure of a key is logged, as the store describes it */
    if (rc != SOS_OK && rc != SOS_ENOBUCKET) {
        dj->first_rc = rc;
    }

    n = 0;

    for (i = 0; i < dj->n; i++) {
        o = &dj->objects[i];

        if (o->rc != NGX_SOS_DEL_OK) {
            continue;
        }

        res = &dj->results[n++];

        switch (res->rc) {

        case SOS_OK:
            o->delete_marker = res->delete_marker;
            ngx_memcpy(o->marker_id, res->version_id, sizeof(o->marker_id));
            break;

        case SOS_EINVAL:
            /* the key was checked: an id the store never made */
            o->rc = o->has_version ? NGX_SOS_DEL_NO_SUCH_VERSION
                                   : NGX_SOS_DEL_INTERNAL;
            break;

        case SOS_ENOTFOUND:
            /*
             * deleting what is not there succeeds, as S3 says, unless an
             * ETag said which object to delete (as DeleteObject's If-Match)
             */
            if (o->cond.etag != NULL) {
                o->rc = NGX_SOS_DEL_NO_SUCH_KEY;
            }
            break;

        case SOS_EPRECONDITION:
            o->rc = NGX_SOS_DEL_PRECONDITION;
            break;

        case SOS_ENOBUCKET:
            o->rc = NGX_SOS_DEL_NO_SUCH_BUCKET;
            break;

        case SOS_ELOCKED:
            /* Object Lock: retention in force or a legal hold (S3) */
            o->rc = NGX_SOS_DEL_LOCKED;
            break;

        case SOS_EFENCED:
            /* a fenced store: the key may be retried, as a DELETE is */
            o->rc = NGX_SOS_DEL_SLOW_DOWN;
            break;

        default:
            o->rc = NGX_SOS_DEL_INTERNAL;
            break;
        }
    }
}


static ngx_int_t
ngx_sos_delete_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_delete_job_t  *dj = job->data;

    ngx_uint_t             i;
    ngx_sos_xml_out_t      x;
    ngx_sos_delete_obj_t  *o;

    if (dj->first_rc != SOS_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log,
                      dj->first_err.sys_errno, "sos: DeleteObjects: %s: %s",
                      sos_strerror(dj->first_rc), dj->first_err.msg);
    }

    ngx_sos_xml_out_init(&x, r->pool, 16384);
    ngx_sos_xml_literal(&x, "<DeleteResult xmlns=\"" NGX_SOS_XMLNS "\">");

    for (i = 0; i < dj->n; i++) {
        o = &dj->objects[i];

        if (o->rc == NGX_SOS_DEL_OK) {
            ngx_sos_cdn_purge(r, job->ctx, o->key, o->key_len);

            if (dj->quiet) {
                continue;
            }

            ngx_sos_xml_literal(&x, "<Deleted>");
            ngx_sos_xml_element(&x, "Key", o->key, o->key_len, 0);

            if (o->has_version) {
                ngx_sos_xml_element(&x, "VersionId", o->version,
                                    o->version_len, 0);
            }

            if (o->delete_marker) {
                ngx_sos_xml_literal(&x, "<DeleteMarker>true</DeleteMarker>"
                                        "<DeleteMarkerVersionId>");

                if (o->marker_id[0]) {
                    ngx_sos_xml_text(&x, (u_char *) o->marker_id,
                                     ngx_strlen(o->marker_id));
                } else {
                    ngx_sos_xml_literal(&x, "null");
                }

                ngx_sos_xml_literal(&x, "</DeleteMarkerVersionId>");
            }

            ngx_sos_xml_literal(&x, "</Deleted>");
            continue;
        }

        ngx_sos_xml_literal(&x, "<Error>");
        ngx_sos_xml_element(&x, "Key", o->key, o->key_len, 0);

        if (o->has_version) {
            ngx_sos_xml_element(&x, "VersionId", o->version, o->version_len,
                                0);
        }

        switch (o->rc) {

        case NGX_SOS_DEL_NO_SUCH_BUCKET:
            ngx_sos_xml_literal(&x, "<Code>NoSuchBucket</Code><Message>The "
                                    "specified bucket does not exist."
                                    "</Message>");
            break;

        case NGX_SOS_DEL_NO_SUCH_VERSION:
            ngx_sos_xml_literal(&x, "<Code>NoSuchVersion</Code><Message>The "
                                    "specified version does not exist."
                                    "</Message>");
            break;

        case NGX_SOS_DEL_KEY_TOO_LONG:
            ngx_sos_xml_literal(&x, "<Code>KeyTooLongError</Code>"
                                    "<Message>Your key is too long."
                                    "</Message>");
            break;

        case NGX_SOS_DEL_PRECONDITION:
            ngx_sos_xml_literal(&x, "<Code>PreconditionFailed</Code>"
                                    "<Message>At least one of the "
                                    "pre-conditions you specified did not "
                                    "hold</Message>");
            break;

        case NGX_SOS_DEL_NO_SUCH_KEY:
            ngx_sos_xml_literal(&x, "<Code>NoSuchKey</Code><Message>The "
                                    "specified key does not exist."
                                    "</Message>");
            break;

        case NGX_SOS_DEL_ACCESS_DENIED:
            ngx_sos_xml_literal(&x, "<Code>AccessDenied</Code><Message>"
                                    "Access Denied</Message>");
            break;

        case NGX_SOS_DEL_SLOW_DOWN:
            ngx_sos_xml_literal(&x, "<Code>SlowDown</Code><Message>Please "
                                    "reduce your request rate.</Message>");
            break;

        case NGX_SOS_DEL_LOCKED:
            ngx_sos_xml_literal(&x, "<Code>AccessDenied</Code><Message>"
                                    "Access Denied because object protected "
                                    "by object lock.</Message>");
            break;

        default:
            ngx_sos_xml_literal(&x, "<Code>InternalError</Code><Message>We "
                                    "encountered an internal error. Please "
                                    "try again.</Message>");
            break;
        }

        ngx_sos_xml_literal(&x, "</Error>");
    }

    ngx_sos_xml_literal(&x, "</DeleteResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
