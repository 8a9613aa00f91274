
/*
 * SOS: the admin API's bucket settings of the CDN (docs/admin.md), under
 * the sos_admin location beside ngx_sos_admin.c's resources:
 *
 *     GET    buckets/BUCKET                      the settings
 *     PUT    buckets/BUCKET/cdn?state=on|off     CDN on or off
 *     PUT    buckets/BUCKET/cache-control?value=V    the default
 *                                                Cache-Control of its
 *                                                public objects
 *     DELETE buckets/BUCKET/cache-control        no default of its own
 *
 * Each answers the settings as they are then:
 *
 *     {"bucket":"b","cdn":true,"cache_control":"max-age=60",
 *      "cdn_url":"https://cdn.example.com/b/"}
 *
 * (cache_control and cdn_url null when not set: cdn_url is where the
 * bucket's public objects are published, from sos_cdn_url.)
 */


#include "ngx_sos_cdn.h"


#define NGX_SOS_CDN_VALUE_MAX  1024     /* a Cache-Control default */


typedef struct {
    char                     bucket[SOS_MAX_BUCKET_LEN + 1];
    size_t                   bucket_len;
    ngx_int_t                which;      /* -1: GET */
    char                     value[NGX_SOS_CDN_VALUE_MAX + 1];
    size_t                   value_len;  /* 0: remove */
    char                    *cdn_url;    /* "<sos_cdn_url>/b/", or NULL */
    ngx_sos_admin_out_t      out;
} ngx_sos_cdn_admin_t;


static ngx_int_t ngx_sos_cdn_admin_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_cdn_admin_t *ca);
static void ngx_sos_cdn_admin_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_cdn_admin_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/*
 * NGX_DECLINED when the path is not buckets/..., else as a content
 * handler
 */

ngx_int_t
ngx_sos_cdn_admin(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t                  rc;
    ngx_sos_job_t             *job;
    ngx_sos_cdn_admin_t       *ca;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->uri.len < clcf->name.len + sizeof("buckets/") - 1
        || ngx_strncmp(r->uri.data + clcf->name.len, "buckets/",
                       sizeof("buckets/") - 1)
           != 0)
    {
        return NGX_DECLINED;
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_cdn_admin_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    ca = job->data;

    rc = ngx_sos_cdn_admin_parse(r, ctx, ca);
    if (rc != NGX_OK) {
        return rc;
    }

    job->run = ngx_sos_cdn_admin_run;
    job->done = ngx_sos_cdn_admin_done;

    return ngx_sos_job_start(r, job);
}


/* buckets/BUCKET[/cdn|/cache-control] and the method: NGX_OK, or sent */

static ngx_int_t
ngx_sos_cdn_admin_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_cdn_admin_t *ca)
{
    u_char                    *p, *end, *slash;
    ngx_str_t                  name, rest, v, url;
    ngx_sos_main_conf_t       *smcf;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* r->uri is decoded: a bucket name needs no encoding anyway */

    p = r->uri.data + clcf->name.len + sizeof("buckets/") - 1;
    end = r->uri.data + r->uri.len;

    slash = ngx_strlchr(p, end, '/');

    name.data = p;
    name.len = (slash ? slash : end) - p;

    rest.data = slash ? slash + 1 : end;
    rest.len = end - rest.data;

    if (name.len == 0 || name.len > SOS_MAX_BUCKET_LEN) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_ENTITY);
    }

    ngx_memcpy(ca->bucket, name.data, name.len);
    ca->bucket_len = name.len;

    if (rest.len == 0) {
        if (r->method != NGX_HTTP_GET) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_METHOD_NOT_ALLOWED);
        }

        ca->which = -1;

    } else if (rest.len == 3 && ngx_strncmp(rest.data, "cdn", 3) == 0) {

        if (r->method != NGX_HTTP_PUT) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_METHOD_NOT_ALLOWED);
        }

        ca->which = SOS_BUCKET_CDN;

        if (ngx_sos_query_arg(r, "state", &v) != NGX_OK
            || !((v.len == 2 && ngx_strncmp(v.data, "on", 2) == 0)
                 || (v.len == 3 && ngx_strncmp(v.data, "off", 3) == 0)))
        {
            ngx_str_set(&ctx->error_message, "state is on or off");
            return ngx_sos_error_send_ctx(r, ctx,
                                          NGX_SOS_ERR_INVALID_ARGUMENT);
        }

        if (v.len == 2) {
            ca->value_len = ngx_cpymem(ca->value, NGX_SOS_CDN_ON,
                                       sizeof(NGX_SOS_CDN_ON) - 1)
                            - (u_char *) ca->value;
        }

    } else if (rest.len == sizeof("cache-control") - 1
               && ngx_strncmp(rest.data, "cache-control", rest.len) == 0)
    {
        ca->which = SOS_BUCKET_CACHE_CONTROL;

        if (r->method == NGX_HTTP_PUT) {
            if (ngx_sos_query_arg(r, "value", &v) != NGX_OK
                || v.len == 0 || v.len > NGX_SOS_CDN_VALUE_MAX
                || ngx_sos_check_value(v.data, v.len) != NGX_OK)
            {
                ngx_str_set(&ctx->error_message, "value is a Cache-Control "
                            "header value: 1 to 1024 bytes, no control "
                            "characters");
                return ngx_sos_error_send_ctx(r, ctx,
                                              NGX_SOS_ERR_INVALID_ARGUMENT);
            }

            ngx_memcpy(ca->value, v.data, v.len);
            ca->value_len = v.len;

        } else if (r->method != NGX_HTTP_DELETE) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_METHOD_NOT_ALLOWED);
        }

    } else {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_ENTITY);
    }

    /* where the bucket's public objects are published */

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    switch (ngx_sos_cdn_url(r->pool, smcf, &name, NULL, 0, &url)) {

    case NGX_OK:
        ca->cdn_url = ngx_pnalloc(r->pool, url.len + 1);
        if (ca->cdn_url == NULL) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
        }

        ngx_cpystrn((u_char *) ca->cdn_url, url.data, url.len + 1);
        break;

    case NGX_DECLINED:
        break;

    default:
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    return NGX_OK;
}


/* a pool thread: the store and ca only */

static void
ngx_sos_cdn_admin_run(ngx_sos_job_t *job)
{
    ngx_sos_cdn_admin_t *ca = job->data;

    char                 cc[NGX_SOS_CDN_VALUE_MAX + 1];
    size_t               n;
    sos_bucket_info_t   *bi;
    ngx_sos_admin_out_t *out;

    bi = NULL;

    job->rc = sos_bucket_get(job->store, ca->bucket, ca->bucket_len, &bi,
                             &job->err);
    if (job->rc != SOS_OK) {
        return;
    }

    if (ca->which >= 0) {
        job->rc = sos_bucket_set_conf(job->store, ca->bucket, ca->bucket_len,
                                      bi, ca->which, ca->value,
                                      ca->value_len, &job->err);
        if (job->rc != SOS_OK) {
            sos_bucket_info_free(bi);
            return;
        }

        bi->conf[ca->which].data = ca->value;
        bi->conf[ca->which].len = ca->value_len;
    }

    out = &ca->out;

    ca->bucket[ca->bucket_len] = '\0';
    ngx_sos_admin_member(out, "{\"bucket\":", ca->bucket);

    if (bi->conf[SOS_BUCKET_CDN].len) {
        ngx_sos_admin_append(out, ",\"cdn\":true", 11);

    } else {
        ngx_sos_admin_append(out, ",\"cdn\":false", 12);
    }

    n = ngx_min(bi->conf[SOS_BUCKET_CACHE_CONTROL].len, NGX_SOS_CDN_VALUE_MAX);

    if (n) {
        ngx_memcpy(cc, bi->conf[SOS_BUCKET_CACHE_CONTROL].data, n);
        cc[n] = '\0';
        ngx_sos_admin_member(out, ",\"cache_control\":", cc);

    } else {
        ngx_sos_admin_append(out, ",\"cache_control\":null", 21);
    }

    if (ca->cdn_url) {
        ngx_sos_admin_member(out, ",\"cdn_url\":", ca->cdn_url);

    } else {
        ngx_sos_admin_append(out, ",\"cdn_url\":null", 15);
    }

    ngx_sos_admin_append(out, "}\n", 2);

    sos_bucket_info_free(bi);

    if (out->failed) {
        job->rc = SOS_ENOMEM;
        job->err.code = SOS_ENOMEM;
        snprintf(job->err.msg, sizeof(job->err.msg),
                 "out of memory building the admin answer");
    }
}


static ngx_int_t
ngx_sos_cdn_admin_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_cdn_admin_t *ca = job->data;

    return ngx_sos_admin_send_bucket(r, job, &ca->out);
}
