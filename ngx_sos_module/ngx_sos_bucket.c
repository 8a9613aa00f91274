
/*
 * SOS: bucket operations: ListBuckets, CreateBucket, DeleteBucket,
 * HeadBucket, GetBucketLocation.
 *
 * Each is one job: the pool thread reads or changes the index with the
 * inputs copied into the job, and the completion answers in the loop.
 */


#include "ngx_sos_xml.h"
#include "ngx_sos_acl.h"


#define NGX_SOS_BUCKET_BODY_MAX   (64 * 1024)
#define NGX_SOS_BUCKET_TEXT_MAX   1024


typedef struct {
    ngx_str_t        name;               /* ctx->bucket */
    char             org_id[SOS_ID_LEN + 1];
    char             region[sizeof(((sos_bucket_t *) 0)->region)];

    sos_bucket_t     bucket;             /* CreateBucket: the one there */

    /* ListBuckets */
    sos_org_t        org;
    ngx_uint_t       org_found;
    sos_bucket_t    *buckets;            /* malloc()ed in the thread */
    size_t           n_buckets;
    size_t           cap_buckets;

    /* CreateBucket: x-amz-acl / x-amz-grant-* (NULL: private) */
    ngx_sos_acl_t   *acl;
    ngx_sos_err_e    acl_err;
    ngx_uint_t       locked;             /* ... with Object Lock */
} ngx_sos_bucket_job_t;


/* ListBuckets: max-buckets, continuation-token, prefix, bucket-region */

typedef struct {
    ngx_uint_t       max;                /* 0: no limit */
    ngx_str_t        token;              /* as sent */
    ngx_str_t        after;              /* the token decoded: a name */
    ngx_str_t        prefix;
    ngx_uint_t       has_prefix;
    ngx_str_t        region;
    ngx_uint_t       has_region;
} ngx_sos_bucket_page_t;


typedef struct {
    ngx_str_t        location;
    ngx_uint_t       has_location;
} ngx_sos_bucket_body_t;


static ngx_int_t ngx_sos_bucket_start(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, void (*run)(ngx_sos_job_t *job),
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job));
static void ngx_sos_bucket_list_run(ngx_sos_job_t *job);
static int ngx_sos_bucket_list_cb(void *data, const sos_bucket_t *bucket);
static ngx_int_t ngx_sos_bucket_list_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_list_send(ngx_http_request_t *r,
    ngx_sos_bucket_job_t *bj);
static ngx_int_t ngx_sos_bucket_list_parse(ngx_http_request_t *r,
    ngx_sos_bucket_page_t *pg);
static ngx_int_t ngx_sos_bucket_list_anonymous(ngx_http_request_t *r);
static ngx_int_t ngx_sos_bucket_name_cmp(u_char *name, size_t len,
    ngx_str_t *after);
static void ngx_sos_bucket_create_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_create_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_bucket_delete_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_delete_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_head_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_bucket_location_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_bucket_create_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_bucket_lock_header(ngx_http_request_t *r,
    ngx_uint_t *on);
static ngx_int_t ngx_sos_bucket_create_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_sos_err_e ngx_sos_bucket_check_location(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_bucket_body_t *cfg);
static ngx_uint_t ngx_sos_bucket_region_named(ngx_http_request_t *r,
    ngx_str_t *name);


ngx_int_t
ngx_sos_bucket_list_all(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    if (ctx->auth.anonymous) {
        return ngx_sos_bucket_list_anonymous(r);
    }

    return ngx_sos_bucket_start(r, ctx, ngx_sos_bucket_list_run,
                                ngx_sos_bucket_list_done);
}


ngx_int_t
ngx_sos_bucket_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_uint_t      on;
    ngx_sos_err_e   err;
    ngx_sos_acl_t  *acl;

    err = ngx_sos_bucket_name_check(r, ctx);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_bucket(r, ctx, err);
    }

    err = ngx_sos_acl_from_headers(r, ctx, 1, &acl);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    if (ngx_sos_bucket_lock_header(r, &on) != NGX_OK) {
        ngx_str_set(&ctx->error_message,
                    "Invalid x-amz-bucket-object-lock-enabled header.");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    ctx->op_data = acl;

    return ngx_sos_body_read(r, ctx, NGX_SOS_BUCKET_BODY_MAX,
                             ngx_sos_bucket_create_body);
}


ngx_int_t
ngx_sos_bucket_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_bucket_start(r, ctx, ngx_sos_bucket_delete_run,
                                ngx_sos_bucket_delete_done);
}


ngx_int_t
ngx_sos_bucket_head(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_bucket_start(r, ctx, NULL, ngx_sos_bucket_head_done);
}


ngx_int_t
ngx_sos_bucket_location(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_bucket_start(r, ctx, NULL, ngx_sos_bucket_location_done);
}


/*
 * Post the job: the authorization step and run (NULL: the step only) in
 * the pool thread, done back in the loop.  As a content handler: NGX_DONE
 * once posted (the request is held until the job is done), or a final rc.
 */

static ngx_int_t
ngx_sos_bucket_start(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    void (*run)(ngx_sos_job_t *job),
    ngx_int_t (*done)(ngx_http_request_t *r, ngx_sos_job_t *job))
{
    ngx_str_t              region;
    ngx_sos_job_t         *job;
    ngx_sos_bucket_job_t  *bj;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_bucket_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    bj = job->data;
    bj->name = ctx->bucket;
    ngx_cpystrn((u_char *) bj->org_id, ctx->auth.org_id, SOS_ID_LEN + 1);
    bj->acl = ctx->op_data;              /* CreateBucket's: NULL else */

    /* CreateBucket's Object Lock (the handler refused a bad value) */

    if (run == ngx_sos_bucket_create_run
        && ngx_sos_bucket_lock_header(r, &bj->locked) != NGX_OK)
    {
        bj->locked = 0;
    }

    ngx_sos_region(r, &region);
    ngx_cpystrn((u_char *) bj->region, region.data,
                ngx_min(region.len + 1, sizeof(bj->region)));

    job->run = run;
    job->done = done;

    return ngx_sos_job_start(r, job);
}


/* ListBuckets: the pool thread, only the store and the job's own data */

static void
ngx_sos_bucket_list_run(ngx_sos_job_t *job)
{
    ngx_sos_bucket_job_t  *bj = job->data;

    job->rc = sos_org_get(job->store, bj->org_id, ngx_strlen(bj->org_id),
                          &bj->org, &job->err);

    if (job->rc == SOS_OK) {
        bj->org_found = 1;

    } else if (job->rc != SOS_ENOTFOUND) {
        return;
    }

    job->rc = sos_bucket_list(job->store, bj->org_id,
                              ngx_sos_bucket_list_cb, bj, &job->err);

    if (job->rc == SOS_OK && bj->n_buckets > bj->cap_buckets) {
        /* the callback could not grow the array */
        job->rc = SOS_ENOMEM;
        job->err.code = SOS_ENOMEM;
        ngx_cpystrn((u_char *) job->err.msg,
                    (u_char *) "bucket list: out of memory",
                    sizeof(job->err.msg));
    }
}


static int
ngx_sos_bucket_list_cb(void *data, const sos_bucket_t *bucket)
{
    ngx_sos_bucket_job_t  *bj = data;

    size_t         cap;
    sos_bucket_t  *p;

    if (bj->n_buckets == bj->cap_buckets) {
        cap = bj->cap_buckets ? bj->cap_buckets * 2 : 64;

        p = realloc(bj->buckets, cap * sizeof(sos_bucket_t));
        if (p == NULL) {
            bj->n_buckets = bj->cap_buckets + 1;
            return 1;
        }

        bj->buckets = p;
        bj->cap_buckets = cap;
    }

    bj->buckets[bj->n_buckets++] = *bucket;

    return 0;
}


static ngx_int_t
ngx_sos_bucket_list_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_bucket_job_t  *bj = job->data;

    ngx_int_t  rc;

    rc = (job->rc == SOS_OK)
         ? ngx_sos_bucket_list_send(r, bj)
         : ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));

    free(bj->buckets);
    bj->buckets = NULL;

    return rc;
}


/*
 * ListBuckets' paging and filters, as AWS: max-buckets 1..10000, the
 * continuation token (ours: base64url of the last name given), a name
 * prefix and a region
 */

static ngx_int_t
ngx_sos_bucket_list_parse(ngx_http_request_t *r, ngx_sos_bucket_page_t *pg)
{
    u_char     *p;
    ngx_int_t   rc;
    ngx_str_t   v;

    rc = ngx_sos_query_arg(r, "max-buckets", &v);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_OK) {
        if (v.len == 0 || v.len > 5) {
            return NGX_DECLINED;
        }

        for (p = v.data; p < v.data + v.len; p++) {
            if (*p < '0' || *p > '9') {
                return NGX_DECLINED;
            }

            pg->max = pg->max * 10 + (*p - '0');
        }

        if (pg->max < 1 || pg->max > 10000) {
            return NGX_DECLINED;
        }
    }

    rc = ngx_sos_query_arg(r, "continuation-token", &pg->token);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_OK && pg->token.len) {
        pg->after.data = ngx_pnalloc(r->pool,
                                     ngx_base64_decoded_length(pg->token.len)
                                     + 1);
        if (pg->after.data == NULL) {
            return NGX_ERROR;
        }

        if (ngx_decode_base64url(&pg->after, &pg->token) != NGX_OK
            || pg->after.len == 0 || pg->after.len > SOS_MAX_BUCKET_LEN)
        {
            return NGX_DECLINED;
        }
    }

    rc = ngx_sos_query_arg(r, "prefix", &pg->prefix);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    pg->has_prefix = (rc == NGX_OK);

    rc = ngx_sos_query_arg(r, "bucket-region", &pg->region);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    pg->has_region = (rc == NGX_OK && pg->region.len);

    return NGX_OK;
}


/* the order of names, as the index keeps them: bytes, shorter first */

static ngx_int_t
ngx_sos_bucket_name_cmp(u_char *name, size_t len, ngx_str_t *after)
{
    ngx_int_t  rc;

    rc = ngx_memcmp(name, after->data, ngx_min(len, after->len));

    if (rc != 0) {
        return rc;
    }

    return (ngx_int_t) len - (ngx_int_t) after->len;
}


/* RGW answers an anonymous ListBuckets with an empty list */

static ngx_int_t
ngx_sos_bucket_list_anonymous(ngx_http_request_t *r)
{
    ngx_sos_xml_out_t  x;

    ngx_sos_xml_out_init(&x, r->pool, 256);

    ngx_sos_xml_literal(&x, "<ListAllMyBucketsResult xmlns=\""
                            NGX_SOS_XMLNS "\"><Owner><ID>anonymous</ID>"
                            "<DisplayName></DisplayName></Owner>"
                            "<Buckets></Buckets></ListAllMyBucketsResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static ngx_int_t
ngx_sos_bucket_list_send(ngx_http_request_t *r, ngx_sos_bucket_job_t *bj)
{
    size_t                  i, len;
    ngx_int_t               rc;
    ngx_str_t               token, last;
    ngx_uint_t              n;
    sos_bucket_t           *b;
    ngx_sos_xml_out_t       x;
    ngx_sos_bucket_page_t   pg;

    ngx_memzero(&pg, sizeof(ngx_sos_bucket_page_t));

    rc = ngx_sos_bucket_list_parse(r, &pg);

    if (rc == NGX_ERROR) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    if (rc == NGX_DECLINED) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    ngx_sos_xml_out_init(&x, r->pool, 4096);

    ngx_sos_xml_literal(&x, "<ListAllMyBucketsResult xmlns=\""
                            NGX_SOS_XMLNS "\"><Owner>");
    ngx_sos_xml_element(&x, "ID", (u_char *) bj->org_id,
                        ngx_strlen(bj->org_id), 0);

    if (bj->org_found) {
        ngx_sos_xml_element(&x, "DisplayName", (u_char *) bj->org.name,
                            ngx_strlen(bj->org.name), 0);
    }

    ngx_sos_xml_literal(&x, "</Owner><Buckets>");

    n = 0;
    last.len = 0;
    last.data = NULL;

    /* the store gives the names in order: a page is a run of them */

    for (i = 0; i < bj->n_buckets; i++) {
        b = &bj->buckets[i];
        len = ngx_strlen(b->name);

        if (pg.after.len
            && ngx_sos_bucket_name_cmp((u_char *) b->name, len, &pg.after)
               <= 0)
        {
            continue;
        }

        if (pg.has_prefix
            && (len < pg.prefix.len
                || ngx_memcmp(b->name, pg.prefix.data, pg.prefix.len) != 0))
        {
            continue;
        }

        if (pg.has_region
            && (ngx_strlen(b->region) != pg.region.len
                || ngx_memcmp(b->region, pg.region.data, pg.region.len) != 0))
        {
            continue;
        }

        if (pg.max && n == pg.max) {
            /* one more matches: the page is truncated after the last */
            token.len = ngx_base64_encoded_length(last.len);
            token.data = ngx_pnalloc(r->pool, token.len);
            if (token.data == NULL) {
                return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
            }

            ngx_encode_base64url(&token, &last);
            pg.token = token;
            break;
        }

        n++;
        last.data = (u_char *) b->name;
        last.len = len;

        ngx_sos_xml_literal(&x, "<Bucket>");
        ngx_sos_xml_element(&x, "Name", (u_char *) b->name,
                            ngx_strlen(b->name), 0);
        ngx_sos_xml_element_time(&x, "CreationDate", (time_t) b->created, 0);

        if (b->region[0]) {
            ngx_sos_xml_element(&x, "BucketRegion", (u_char *) b->region,
                                ngx_strlen(b->region), 0);
        }

        ngx_sos_xml_literal(&x, "</Bucket>");
    }

    ngx_sos_xml_literal(&x, "</Buckets>");

    if (i < bj->n_buckets) {
        ngx_sos_xml_element(&x, "ContinuationToken", pg.token.data,
                            pg.token.len, 0);
    }

    if (pg.has_prefix) {
        ngx_sos_xml_element(&x, "Prefix", pg.prefix.data, pg.prefix.len, 0);
    }

    ngx_sos_xml_literal(&x, "</ListAllMyBucketsResult>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static void
ngx_sos_bucket_create_run(ngx_sos_job_t *job)
{
    ngx_sos_bucket_job_t  *bj = job->data;

    bj->acl_err = ngx_sos_acl_build(job->store, bj->acl, bj->org_id, NULL,
                                    &job->rc, &job->err);
    if (bj->acl_err != NGX_SOS_OK || job->rc != SOS_OK) {
        return;
    }

    /* Object Lock, and with it versioning, from the creation on */

    job->rc = (bj->locked ? sos_bucket_create_locked : sos_bucket_create)
                  (job->store, (const char *) bj->name.data, bj->name.len,
                   bj->org_id, bj->region, bj->acl ? bj->acl->blob : NULL,
                   bj->acl ? bj->acl->blob_len : 0, &bj->bucket, &job->err);
}


static ngx_int_t
ngx_sos_bucket_create_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_bucket_job_t  *bj = job->data;

    u_char               *p;
    ngx_str_t             location;
    ngx_sos_ctx_t        *ctx;
    ngx_sos_main_conf_t  *smcf;

    ctx = job->ctx;

    if (job->rc == SOS_OK && bj->acl_err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, bj->acl_err);
    }

    if (job->rc == SOS_EEXIST) {
        if (ngx_strcmp(bj->bucket.owner, bj->org_id) != 0) {
            return ngx_sos_error_send_bucket(r, ctx,
                                            NGX_SOS_ERR_BUCKET_ALREADY_EXISTS);
        }

        /*
         * RGW and S3 outside us-east-1 answer 409; S3's us-east-1 answers
         * 200 for legacy compatibility: sos_bucket_recreate_ok on
         */
        smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

        if (!smcf->bucket_recreate_ok) {
            return ngx_sos_error_send_bucket(r, ctx,
                                     NGX_SOS_ERR_BUCKET_ALREADY_OWNED_BY_YOU);
        }

    } else if (job->rc == SOS_ENOTFOUND) {
        /* the caller's organization was deleted after its key was loaded */
        return ngx_sos_error_send(r, NGX_SOS_ERR_ACCESS_DENIED);

    } else if (job->rc != SOS_OK) {
        return ngx_sos_error_send_bucket(r, ctx,
                                         ngx_sos_error_from_store(job->rc));
    }

    location.len = 1 + bj->name.len;
    location.data = ngx_pnalloc(r->pool, location.len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = location.data;
    *p++ = '/';
    ngx_memcpy(p, bj->name.data, bj->name.len);

    if (ngx_sos_header_add(r, "Location", &location) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);
}


static void
ngx_sos_bucket_delete_run(ngx_sos_job_t *job)
{
    ngx_sos_bucket_job_t  *bj = job->data;

    job->rc = sos_bucket_delete(job->store, (const char *) bj->name.data,
                                bj->name.len, &job->err);
}


static ngx_int_t
ngx_sos_bucket_delete_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    if (job->rc != SOS_OK) {
        return ngx_sos_error_send_bucket(r, job->ctx,
                                         ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_send_xml(r, NGX_HTTP_NO_CONTENT, NULL);
}


/* HeadBucket, location: the step looked the bucket up */

static ngx_int_t
ngx_sos_bucket_head_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_str_t      value;
    sos_bucket_t  *b;

    b = &job->ctx->authz.bucket->bucket;

    value.data = (u_char *) b->region;
    value.len = ngx_strlen(b->region);

    if (ngx_sos_header_add(r, "x-amz-bucket-region", &value) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&value, "false");

    if (ngx_sos_header_add(r, "x-amz-access-point-alias", &value) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_sos_send_xml(r, NGX_HTTP_OK, NULL);
}


static ngx_int_t
ngx_sos_bucket_location_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    sos_bucket_t       *b;
    ngx_sos_xml_out_t   x;

    b = &job->ctx->authz.bucket->bucket;

    ngx_sos_xml_out_init(&x, r->pool, 256);

    /* S3 answers an empty constraint for us-east-1 */
    if (b->region[0] == '\0' || ngx_strcmp(b->region, NGX_SOS_US_EAST_1) == 0)
    {
        ngx_sos_xml_literal(&x, "<LocationConstraint xmlns=\""
                                NGX_SOS_XMLNS "\"/>");

    } else {
        ngx_sos_xml_literal(&x, "<LocationConstraint xmlns=\""
                                NGX_SOS_XMLNS "\">");
        ngx_sos_xml_text(&x, (u_char *) b->region, ngx_strlen(b->region));
        ngx_sos_xml_literal(&x, "</LocationConstraint>");
    }

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


/*
 * sos_region name [name...]: the first is the region this server answers
 * for (signatures, GetBucketLocation); CreateBucket also accepts the
 * others as a LocationConstraint (the names one installation goes by)
 */

char *
ngx_sos_bucket_region_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_main_conf_t *smcf = conf;

    ngx_str_t   *value, *name;
    ngx_uint_t   i;

    if (smcf->region.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    smcf->region = value[1];

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    smcf->region_names = ngx_array_create(cf->pool, cf->args->nelts - 2,
                                          sizeof(ngx_str_t));
    if (smcf->region_names == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        name = ngx_array_push(smcf->region_names);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        *name = value[i];
    }

    return NGX_CONF_OK;
}


/* one of sos_region's other names */

static ngx_uint_t
ngx_sos_bucket_region_named(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_str_t            *names;
    ngx_uint_t            i;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (smcf->region_names == NULL) {
        return 0;
    }

    names = smcf->region_names->elts;

    for (i = 0; i < smcf->region_names->nelts; i++) {
        if (names[i].len == name->len
            && ngx_strncmp(names[i].data, name->data, name->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* CreateBucket, once the body is read */

static void
ngx_sos_bucket_create_body(ngx_http_request_t *r)
{
    ngx_sos_ctx_t          *ctx;
    ngx_sos_err_e           err;
    ngx_sos_bucket_body_t   cfg;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    ngx_memzero(&cfg, sizeof(ngx_sos_bucket_body_t));

    if (ctx->body.len) {
        err = ngx_sos_xml_parse(r->pool, &ctx->body,
                                "CreateBucketConfiguration",
                                NGX_SOS_BUCKET_TEXT_MAX,
                                ngx_sos_bucket_create_xml, &cfg);
        if (err != NGX_SOS_OK) {
            ngx_http_finalize_request(r, ngx_sos_error_send(r, err));
            return;
        }
    }

    err = ngx_sos_bucket_check_location(r, ctx, &cfg);
    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    /* the body read holds the request: the job's completion finalizes */
    ngx_http_finalize_request(r, ngx_sos_bucket_start(r, ctx,
                                                ngx_sos_bucket_create_run,
                                                ngx_sos_bucket_create_done));
}


static ngx_int_t
ngx_sos_bucket_create_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_bucket_body_t  *cfg = data;

    if (ngx_sos_xml_path_is(path, "LocationConstraint")) {
        if (text) {
            cfg->location = *text;
            ngx_sos_xml_trim(&cfg->location);
            cfg->has_location = 1;
        }

        return NGX_OK;
    }

    /* the rest of the schema (directory buckets, tags) is not supported */
    return NGX_DECLINED;
}


static ngx_sos_err_e
ngx_sos_bucket_check_location(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_bucket_body_t *cfg)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   region, *lc;

    ngx_sos_region(r, &region);

    lc = &cfg->location;

    if (lc->len == 0) {
        /* no constraint means us-east-1 */
        if (region.len == sizeof(NGX_SOS_US_EAST_1) - 1
            && ngx_strncmp(region.data, NGX_SOS_US_EAST_1, region.len) == 0)
        {
            return NGX_SOS_OK;
        }

        ngx_str_set(&ctx->error_message,
                    "The unspecified location constraint is incompatible "
                    "for the region specific endpoint this request was "
                    "sent to.");

        return NGX_SOS_ERR_ILLEGAL_LOCATION_CONSTRAINT;
    }

    if (lc->len == sizeof(NGX_SOS_US_EAST_1) - 1
        && ngx_strncmp(lc->data, NGX_SOS_US_EAST_1, lc->len) == 0)
    {
        /* S3 refuses to be told us-east-1: it is said by saying nothing */
        goto invalid;
    }

    if (ngx_sos_bucket_region_named(r, lc)) {
        return NGX_SOS_OK;
    }

    if ((lc->len == region.len
         && ngx_strncmp(lc->data, region.data, region.len) == 0)
        || (lc->len == 2 && ngx_strncmp(lc->data, "EU", 2) == 0
            && region.len == sizeof("eu-west-1") - 1
            && ngx_strncmp(region.data, "eu-west-1", region.len) == 0))
    {
        return NGX_SOS_OK;
    }

    len = sizeof("The  location constraint is incompatible for the region "
                 "specific endpoint this request was sent to.") - 1
          + lc->len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = p;
    ctx->error_message.len = ngx_snprintf(p, len, "The %V location "
                                          "constraint is incompatible for "
                                          "the region specific endpoint "
                                          "this request was sent to.", lc)
                             - p;

    return NGX_SOS_ERR_ILLEGAL_LOCATION_CONSTRAINT;

invalid:

    if (ngx_sos_error_element(r, ctx, "LocationConstraint", lc->data,
                              lc->len)
        != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return NGX_SOS_ERR_INVALID_LOCATION_CONSTRAINT;
}


/*
 * x-amz-bucket-object-lock-enabled: "true" or "false" (any case, as the
 * SDKs' booleans): NGX_OK and *on, NGX_ERROR for another value
 */

static ngx_int_t
ngx_sos_bucket_lock_header(ngx_http_request_t *r, ngx_uint_t *on)
{
    ngx_table_elt_t  *h;

    *on = 0;

    h = ngx_sos_header_find(r, "x-amz-bucket-object-lock-enabled");

    if (h == NULL
        || (h->value.len == 5
            && ngx_strncasecmp(h->value.data, (u_char *) "false", 5) == 0))
    {
        return NGX_OK;
    }

    if (h->value.len == 4
        && ngx_strncasecmp(h->value.data, (u_char *) "true", 4) == 0)
    {
        *on = 1;
        return NGX_OK;
    }

    return NGX_ERROR;
}
