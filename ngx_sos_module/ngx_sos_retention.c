
/*
 * SOS: Object Lock on versions.  GetObjectRetention, PutObjectRetention
 * (?retention), GetObjectLegalHold, PutObjectLegalHold (?legal-hold), per
 * version (?versionId), the x-amz-object-lock-* headers (and form
 * fields) of the writes that make a version and of GET and HEAD, and
 * who may bypass a GOVERNANCE retention.
 *
 * The store enforces the lock (docs/store.md "Object Lock"): a version
 * whose retention is in force or that is under a legal hold is neither
 * removed nor replaced, a COMPLIANCE retention is never shortened, a
 * GOVERNANCE one only with bypass.  Here are S3's documents, headers and
 * refusals, and SOS's answer to whom S3 leaves to IAM
 * (s3:BypassGovernanceRetention, s3:PutObjectLegalHold): only an admin
 * key of the organization that owns the bucket bypasses a GOVERNANCE
 * retention or takes a legal hold off (docs/object-lock.md).  Any other
 * key of that organization may set or extend a retention and put a
 * legal hold on: that only protects more.  No other caller, whatever the
 * ACL grants (S3 grants s3:PutObjectRetention, s3:PutObjectLegalHold and
 * their Get by policy only): a writer of a public-read-write bucket
 * would lock the owner's versions for ever.
 *
 * Changes need Content-MD5 or a checksum (S3: "Content-MD5 ... is
 * required"); a bucket without Object Lock is 400 InvalidRequest for all
 * four operations (s3-tests test_object_lock_*_invalid_bucket).
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_auth.h"


#define NGX_SOS_RETENTION_BODY_MAX   (64 * 1024)
#define NGX_SOS_RETENTION_TEXT_MAX   1024


typedef struct {
    ngx_uint_t               legal_hold;     /* else retention */
    ngx_uint_t               mode;           /* sos_lock_mode_e */
    ngx_uint_t               has_mode;
    ngx_uint_t               has_date;
    time_t                   until;
    ngx_uint_t               on;             /* a legal hold's Status */
    ngx_uint_t               has_status;
    ngx_uint_t               bypass;         /* asked for */
    ngx_uint_t               no_lock;        /* the bucket has none */
} ngx_sos_retention_job_t;


static ngx_int_t ngx_sos_retention_get_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_uint_t legal_hold);
static ngx_int_t ngx_sos_retention_put_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
static void ngx_sos_retention_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_retention_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static void ngx_sos_retention_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_retention_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_retention_put_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_retention_no_lock(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
static ngx_sos_err_e ngx_sos_retention_until(ngx_sos_ctx_t *ctx,
    time_t until);
static ngx_sos_err_e ngx_sos_retention_invalid(ngx_sos_ctx_t *ctx,
    char *message);
static u_char *ngx_sos_retention_time(u_char *buf, time_t t);


static ngx_str_t  ngx_sos_retention_on = ngx_string("ON");


/* S3's modes, upper case only (s3-tests: "governance" is MalformedXML) */

sos_lock_mode_e
ngx_sos_lock_mode(ngx_str_t *text)
{
    if (text->len == 10 && ngx_strncmp(text->data, "GOVERNANCE", 10) == 0) {
        return SOS_LOCK_GOVERNANCE;
    }

    if (text->len == 10 && ngx_strncmp(text->data, "COMPLIANCE", 10) == 0) {
        return SOS_LOCK_COMPLIANCE;
    }

    return SOS_LOCK_NONE;
}


ngx_int_t
ngx_sos_retention_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_retention_get_start(r, ctx, 0);
}


ngx_int_t
ngx_sos_retention_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_retention_put_start(r, ctx);
}


ngx_int_t
ngx_sos_legal_hold_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_retention_get_start(r, ctx, 1);
}


ngx_int_t
ngx_sos_legal_hold_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_retention_put_start(r, ctx);
}


/* x-amz-bypass-governance-retention: true, as the SDKs send it */

ngx_uint_t
ngx_sos_retention_bypass_asked(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_sos_header_find(r, "x-amz-bypass-governance-retention");

    return h && h->value.len == 4
           && ngx_strncasecmp(h->value.data, (u_char *) "true", 4) == 0;
}


/*
 * Any thread, once the authorization step passed: whether the caller
 * may bypass GOVERNANCE retention (and take a legal hold off): an admin
 * key of the bucket's owner.  A key that may only write the bucket, even
 * one of its owner, may not: a stolen backup key cannot unlock backups.
 */

ngx_uint_t
ngx_sos_retention_bypass_allowed(ngx_sos_ctx_t *ctx)
{
    sos_bucket_t  *b;

    if (ctx->auth.anonymous || !ctx->auth.admin || ctx->authz.bucket == NULL)
    {
        return 0;
    }

    b = &ctx->authz.bucket->bucket;

    return ngx_strcmp(ctx->auth.org_id, b->owner) == 0;
}


/*
 * The Object Lock a write asks for: x-amz-object-lock-mode with
 * x-amz-object-lock-retain-until-date (both or neither), and
 * x-amz-object-lock-legal-hold (ON or OFF); NULL values are absent.
 * S3's refusals (InvalidArgument, the messages S3 sends).  *out stays
 * NULL when nothing is asked: the bucket's default retention applies.
 */

ngx_sos_err_e
ngx_sos_retention_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *mode, ngx_str_t *date, ngx_str_t *hold, sos_retention_t **out)
{
    time_t            until;
    ngx_sos_err_e     err;
    sos_retention_t  *rt;

    *out = NULL;

    if (mode == NULL && date == NULL && hold == NULL) {
        return NGX_SOS_OK;
    }

    rt = ngx_pcalloc(r->pool, sizeof(sos_retention_t));
    if (rt == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (mode || date) {

        if (mode == NULL || date == NULL) {
            return ngx_sos_retention_invalid(ctx,
                       "x-amz-object-lock-retain-until-date and "
                       "x-amz-object-lock-mode must both be supplied");
        }

        rt->mode = ngx_sos_lock_mode(mode);

        if (rt->mode == SOS_LOCK_NONE) {
            return ngx_sos_retention_invalid(ctx,
                                             "Unknown wormMode directive.");
        }

        until = ngx_sos_auth_parse_iso(date->data, date->len, 1);

        if (until == NGX_ERROR) {
            return ngx_sos_retention_invalid(ctx,
                       "The retain until date must be provided in ISO 8601 "
                       "format");
        }

        err = ngx_sos_retention_until(ctx, until);
        if (err != NGX_SOS_OK) {
            return err;
        }

        rt->until = until;
    }

    if (hold) {
        if (hold->len == 2 && ngx_strncmp(hold->data, "ON", 2) == 0) {
            rt->legal_hold = 1;

        } else if (hold->len != 3 || ngx_strncmp(hold->data, "OFF", 3) != 0)
        {
            return ngx_sos_retention_invalid(ctx,
                       "Legal Hold must be either of 'ON' or 'OFF'");
        }
    }

    /* the bucket owner's org only: checked by the authorization step */

    ctx->authz.lock = 1;

    *out = rt;

    return NGX_SOS_OK;
}


/*
 * The headers of PutObject, CopyObject and CreateMultipartUpload into
 * opts->retention.  with_body: PutObject, whose body must then be
 * protected, as S3 ("Content-MD5 or x-amz-sdk-checksum-algorithm header
 * is required for any request to upload an object with a retention
 * period configured using Amazon S3 Object Lock").
 */

ngx_sos_err_e
ngx_sos_retention_headers(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_uint_t with_body, const sos_retention_t **out)
{
    ngx_str_t         *v[3];
    ngx_uint_t         i;
    ngx_sos_err_e      err;
    ngx_table_elt_t   *h;
    sos_retention_t   *rt;

    static char  *names[3] = {
        "x-amz-object-lock-mode",
        "x-amz-object-lock-retain-until-date",
        "x-amz-object-lock-legal-hold"
    };

    for (i = 0; i < 3; i++) {
        h = ngx_sos_header_find(r, names[i]);
        v[i] = h ? &h->value : NULL;
    }

    err = ngx_sos_retention_parse(r, ctx, v[0], v[1], v[2], &rt);
    if (err != NGX_SOS_OK) {
        return err;
    }

    if (rt && with_body && !ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Content-MD5 OR x-amz-checksum- HTTP header is required "
                    "for Put Object requests with Object Lock parameters");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    *out = rt;

    return NGX_SOS_OK;
}


/* a write the store refused for want of Object Lock on the bucket */

ngx_sos_err_e
ngx_sos_retention_missing(ngx_sos_ctx_t *ctx)
{
    ngx_str_set(&ctx->error_message,
                "Bucket is missing Object Lock Configuration");

    return NGX_SOS_ERR_INVALID_REQUEST;
}


/*
 * A store failure of a write or delete, with S3's messages for what
 * Object Lock refuses: what a content handler returns
 */

ngx_int_t
ngx_sos_retention_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_rc_e rc)
{
    switch (rc) {

    case SOS_ELOCKED:
        ngx_str_set(&ctx->error_message,
                    "Access Denied because object protected by object lock.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_ACCESS_DENIED);

    case SOS_ENOLOCK:
        return ngx_sos_error_send_ctx(r, ctx, ngx_sos_retention_missing(ctx));

    default:
        return ngx_sos_error_send(r, ngx_sos_error_from_store(rc));
    }
}


/* GET and HEAD of a version: its retention and a legal hold that is on */

ngx_int_t
ngx_sos_retention_out(ngx_http_request_t *r, const sos_retention_t *rt)
{
    u_char     *p;
    ngx_str_t   v;

    if (rt->mode != SOS_LOCK_NONE) {
        if (rt->mode == SOS_LOCK_COMPLIANCE) {
            ngx_str_set(&v, "COMPLIANCE");

        } else {
            ngx_str_set(&v, "GOVERNANCE");
        }

        if (ngx_sos_header_add(r, "x-amz-object-lock-mode", &v) != NGX_OK) {
            return NGX_ERROR;
        }

        p = ngx_pnalloc(r->pool, NGX_SOS_ISO8601_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v.data = p;
        v.len = ngx_sos_retention_time(p, (time_t) rt->until) - p;

        if (ngx_sos_header_add(r, "x-amz-object-lock-retain-until-date", &v)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (rt->legal_hold) {
        return ngx_sos_header_add(r, "x-amz-object-lock-legal-hold",
                                  &ngx_sos_retention_on);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_retention_get_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_uint_t legal_hold)
{
    ngx_sos_job_t            *job;
    ngx_sos_retention_job_t  *rj;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_retention_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    rj = job->data;
    rj->legal_hold = legal_hold;

    /* the authorization step reads the version: nothing more */

    job->done = ngx_sos_retention_get_done;

    return ngx_sos_job_start(r, job);
}


static ngx_int_t
ngx_sos_retention_put_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    if (!ngx_sos_body_protected(r)) {
        ngx_str_set(&ctx->error_message,
                    "Missing required header for this request: Content-MD5");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    return ngx_sos_body_read(r, ctx, NGX_SOS_RETENTION_BODY_MAX,
                             ngx_sos_retention_body);
}


static void
ngx_sos_retention_body(ngx_http_request_t *r)
{
    char                     *root;
    ngx_sos_ctx_t            *ctx;
    ngx_sos_job_t            *job;
    ngx_sos_err_e             err;
    ngx_sos_retention_job_t  *rj;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_retention_job_t));
    if (job == NULL) {
        ngx_http_finalize_request(r, ngx_sos_error_send(r,
                                               NGX_SOS_ERR_INTERNAL_ERROR));
        return;
    }

    rj = job->data;
    rj->legal_hold = (ctx->op->sub == NGX_SOS_SUB_LEGAL_HOLD);
    rj->bypass = ngx_sos_retention_bypass_asked(r);

    root = rj->legal_hold ? "LegalHold" : "Retention";

    err = ngx_sos_xml_parse(r->pool, &ctx->body, root,
                            NGX_SOS_RETENTION_TEXT_MAX,
                            ngx_sos_retention_xml, rj);

    /*
     * a Status; a Mode with its date, or neither (S3: an empty Retention
     * removes a GOVERNANCE one, with bypass)
     */

    if (err == NGX_SOS_OK
        && (rj->legal_hold ? !rj->has_status
                           : rj->has_mode != rj->has_date))
    {
        err = NGX_SOS_ERR_MALFORMED_XML;
    }

    if (err == NGX_SOS_OK && rj->has_date) {
        err = ngx_sos_retention_until(ctx, rj->until);
    }

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    job->run = ngx_sos_retention_run;
    job->done = ngx_sos_retention_put_done;

    ngx_http_finalize_request(r, ngx_sos_job_start(r, job));
}


static ngx_int_t
ngx_sos_retention_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_retention_job_t  *rj = data;

    time_t     t;
    ngx_str_t  v;

    if (text == NULL) {
        if (rj->legal_hold) {
            return ngx_sos_xml_path_is(path, "Status") ? NGX_OK
                                                       : NGX_DECLINED;
        }

        return (ngx_sos_xml_path_is(path, "Mode")
                || ngx_sos_xml_path_is(path, "RetainUntilDate"))
               ? NGX_OK : NGX_DECLINED;
    }

    v = *text;
    ngx_sos_xml_trim(&v);

    if (rj->legal_hold) {
        if (rj->has_status) {
            return NGX_DECLINED;
        }

        rj->has_status = 1;

        if (v.len == 2 && ngx_strncmp(v.data, "ON", 2) == 0) {
            rj->on = 1;
            return NGX_OK;
        }

        return (v.len == 3 && ngx_strncmp(v.data, "OFF", 3) == 0)
               ? NGX_OK : NGX_DECLINED;
    }

    if (ngx_sos_xml_path_is(path, "Mode")) {
        if (rj->has_mode) {
            return NGX_DECLINED;
        }

        rj->has_mode = 1;
        rj->mode = ngx_sos_lock_mode(&v);

        return rj->mode == SOS_LOCK_NONE ? NGX_DECLINED : NGX_OK;
    }

    /* RetainUntilDate */

    if (rj->has_date) {
        return NGX_DECLINED;
    }

    t = ngx_sos_auth_parse_iso(v.data, v.len, 1);
    if (t == NGX_ERROR) {
        return NGX_DECLINED;
    }

    rj->has_date = 1;
    rj->until = t;

    return NGX_OK;
}


/* the pool thread: the version the authorization step read */

static void
ngx_sos_retention_run(ngx_sos_job_t *job)
{
    ngx_sos_retention_job_t  *rj = job->data;

    size_t              vlen;
    ngx_uint_t          allowed;
    const char         *vid;
    ngx_sos_ctx_t      *ctx;
    ngx_sos_authz_t    *az;

    ctx = job->ctx;
    az = &ctx->authz;

    if (!az->bucket->bucket.lock.enabled) {
        rj->no_lock = 1;
        return;
    }

    vid = az->object.version_id[0] ? az->object.version_id : "null";
    vlen = ngx_strlen(vid);

    if (rj->legal_hold) {

        /* a hold off is a bypass: the owner's admin key only */

        allowed = ngx_sos_retention_bypass_allowed(ctx);

        job->rc = sos_object_set_legal_hold(job->store,
                                            (char *) ctx->bucket.data,
                                            ctx->bucket.len,
                                            (char *) ctx->key.data,
                                            ctx->key.len, vid, vlen,
                                            (int) rj->on, (int) allowed,
                                            &job->err);
        return;
    }

    job->rc = sos_object_set_retention(job->store, (char *) ctx->bucket.data,
                                       ctx->bucket.len,
                                       (char *) ctx->key.data, ctx->key.len,
                                       vid, vlen,
                                       (sos_lock_mode_e) rj->mode,
                                       (int64_t) rj->until,
                                       rj->bypass
                                       && ngx_sos_retention_bypass_allowed(ctx),
                                       &job->err);
}


static ngx_int_t
ngx_sos_retention_put_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_retention_job_t  *rj = job->data;

    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    if (rj->no_lock) {
        return ngx_sos_retention_no_lock(r, ctx);
    }

    switch (job->rc) {

    case SOS_OK:
        r->headers_out.content_length_n = 0;
        return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);

    case SOS_ENOBUCKET:
        return ngx_sos_error_send_bucket(r, ctx, NGX_SOS_ERR_NO_SUCH_BUCKET);

    case SOS_EINVAL:

        /* the date passed between the loop's check and the store's */

        return ngx_sos_error_send_ctx(r, ctx, ngx_sos_retention_invalid(ctx,
                               "The retain until date must be in the future!"));

    default:
        return ngx_sos_retention_error(r, ctx, job->rc);
    }
}


static ngx_int_t
ngx_sos_retention_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_retention_job_t  *rj = job->data;

    ngx_sos_ctx_t      *ctx;
    sos_retention_t    *rt;
    ngx_sos_xml_out_t   x;

    ctx = job->ctx;
    rt = &ctx->authz.object.retention;

    if (!ctx->authz.bucket->bucket.lock.enabled) {
        return ngx_sos_retention_no_lock(r, ctx);
    }

    ngx_sos_xml_out_init(&x, r->pool, 256);

    /*
     * the store keeps a legal hold as on or off: OFF for a version never
     * given one (S3 answers NoSuchObjectLockConfiguration there)
     */

    if (rj->legal_hold) {
        if (rt->legal_hold) {
            ngx_sos_xml_literal(&x, "<LegalHold xmlns=\"" NGX_SOS_XMLNS
                                    "\"><Status>ON</Status></LegalHold>");

        } else {
            ngx_sos_xml_literal(&x, "<LegalHold xmlns=\"" NGX_SOS_XMLNS
                                    "\"><Status>OFF</Status></LegalHold>");
        }

        return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
    }

    if (rt->mode == SOS_LOCK_NONE) {
        return ngx_sos_error_send(r,
                               NGX_SOS_ERR_NO_SUCH_OBJECT_LOCK_CONFIGURATION);
    }

    ngx_sos_xml_literal(&x, "<Retention xmlns=\"" NGX_SOS_XMLNS "\"><Mode>");

    if (rt->mode == SOS_LOCK_COMPLIANCE) {
        ngx_sos_xml_literal(&x, "COMPLIANCE");

    } else {
        ngx_sos_xml_literal(&x, "GOVERNANCE");
    }

    ngx_sos_xml_literal(&x, "</Mode>");
    ngx_sos_xml_element_time(&x, "RetainUntilDate", (time_t) rt->until, 0);
    ngx_sos_xml_literal(&x, "</Retention>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static ngx_int_t
ngx_sos_retention_no_lock(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_error_send_ctx(r, ctx, ngx_sos_retention_missing(ctx));
}


/*
 * A retain-until in the future (S3's message), and at most 36,500 days
 * ahead, the longest default retention (SOS's bound: AWS documents none
 * on an explicit date; a date in 9999 is a lock nobody could ever lift)
 */

static ngx_sos_err_e
ngx_sos_retention_until(ngx_sos_ctx_t *ctx, time_t until)
{
    if (until <= ngx_time()) {
        return ngx_sos_retention_invalid(ctx,
                       "The retain until date must be in the future!");
    }

    if ((int64_t) until > (int64_t) ngx_time() + SOS_LOCK_AHEAD_MAX) {
        return ngx_sos_retention_invalid(ctx,
                       "The retain until date must be at most 36500 days "
                       "ahead");
    }

    return NGX_SOS_OK;
}


static ngx_sos_err_e
ngx_sos_retention_invalid(ngx_sos_ctx_t *ctx, char *message)
{
    ctx->error_message.data = (u_char *) message;
    ctx->error_message.len = ngx_strlen(message);

    return NGX_SOS_ERR_INVALID_ARGUMENT;
}


/* as ngx_sos_xml_element_time(): 2030-01-01T00:00:00.000Z */

static u_char *
ngx_sos_retention_time(u_char *buf, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02d.000Z",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}
