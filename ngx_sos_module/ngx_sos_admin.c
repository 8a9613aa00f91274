
/*
 * SOS: the admin API, under a location the operator enables with
 * "sos_admin;".
 *
 * Requests are signed with SigV4 (or SigV2) in the Authorization header,
 * by a key whose "admin" flag is set; presigned URLs are refused (403
 * AccessDenied), since a logged URL could be replayed.  Answers are JSON,
 * errors the S3 XML error document.  Resources, relative to the location:
 *
 *     GET    orgs                           list organizations
 *     POST   orgs?name=N[&email=E]          create an organization
 *     GET    orgs/ORG                       show one (name or id)
 *     DELETE orgs/ORG                       delete (409 if it owns buckets)
 *     GET    orgs/ORG/keys                  its keys, without secrets
 *     POST   orgs/ORG/keys[?admin=1]        new key: the secret, once
 *     DELETE keys/KEYID                     revoke a key
 *     POST   scrub[?bucket=B]               a scrub pass now: findings
 *     GET    status                         replicas, scrub progress
 *     GET    usage, buckets/BUCKET/info|usage    ngx_sos_admin_usage.c
 *     GET    metrics                        Prometheus text: ngx_sos_metrics.c
 *     ...    buckets/BUCKET[/...]           CDN settings: ngx_sos_cdn_admin.c
 *
 * A change to the keys reloads the worker's key table in the same job
 * and installs it in done(): a revoked key is refused by the next request.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_cdn.h"
#include "ngx_sos_metrics.h"

#include <sosproto/text.h>


typedef enum {
    NGX_SOS_ADMIN_ORG_LIST = 0,
    NGX_SOS_ADMIN_ORG_CREATE,
    NGX_SOS_ADMIN_ORG_SHOW,
    NGX_SOS_ADMIN_ORG_DELETE,
    NGX_SOS_ADMIN_KEY_LIST,
    NGX_SOS_ADMIN_KEY_CREATE,
    NGX_SOS_ADMIN_KEY_REVOKE,
    NGX_SOS_ADMIN_SCRUB,
    NGX_SOS_ADMIN_STATUS
} ngx_sos_admin_action_e;


/* A resource: its path segments (the second is ORG or KEYID), a method */
typedef struct {
    ngx_uint_t               segments;
    ngx_str_t                first;
    ngx_str_t                third;
    ngx_uint_t               method;
    ngx_sos_admin_action_e   action;
} ngx_sos_admin_route_t;


typedef struct {
    ngx_sos_admin_action_e   action;
    char                     ref[256];   /* ORG (name or id) or KEYID */
    size_t                   ref_len;
    char                     name[256];
    size_t                   name_len;
    char                     email[512];
    size_t                   email_len;
    int                      admin;
    sos_org_t                org;
    sos_key_t                key;
    ngx_sos_admin_out_t      out;
    ngx_sos_keys_t          *keys;       /* reloaded table */
    ngx_uint_t               reload_failed;
    size_t                   scrub_rate;
    sos_scrub_report_t       scrub;      /* logged in done() */
} ngx_sos_admin_job_t;


static ngx_int_t ngx_sos_admin_handler(ngx_http_request_t *r);
static ngx_sos_err_e ngx_sos_admin_parse(ngx_http_request_t *r,
    ngx_sos_admin_job_t *aj);
static ngx_sos_err_e ngx_sos_admin_args(ngx_http_request_t *r,
    ngx_sos_admin_job_t *aj);
static void ngx_sos_admin_run(ngx_sos_job_t *job);
static sos_rc_e ngx_sos_admin_find_org(sos_store_t *store,
    ngx_sos_admin_job_t *aj, sos_error_t *err);
static void ngx_sos_admin_reload(sos_store_t *store,
    ngx_sos_admin_job_t *aj);
static sos_rc_e ngx_sos_admin_status(sos_store_t *store,
    ngx_sos_admin_job_t *aj, sos_error_t *err);
static ngx_int_t ngx_sos_admin_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_admin_org(ngx_sos_admin_out_t *out, const sos_org_t *org);
static void ngx_sos_admin_key(ngx_sos_admin_out_t *out, const sos_key_t *key,
    ngx_uint_t secret);
static int ngx_sos_admin_org_cb(void *data, const sos_org_t *org);
static int ngx_sos_admin_key_cb(void *data, const sos_key_t *key);


static ngx_sos_admin_route_t  ngx_sos_admin_routes[] = {

    { 1, ngx_string("orgs"), ngx_null_string,
      NGX_HTTP_GET, NGX_SOS_ADMIN_ORG_LIST },

    { 1, ngx_string("orgs"), ngx_null_string,
      NGX_HTTP_POST, NGX_SOS_ADMIN_ORG_CREATE },

    { 2, ngx_string("orgs"), ngx_null_string,
      NGX_HTTP_GET, NGX_SOS_ADMIN_ORG_SHOW },

    { 2, ngx_string("orgs"), ngx_null_string,
      NGX_HTTP_DELETE, NGX_SOS_ADMIN_ORG_DELETE },

    { 3, ngx_string("orgs"), ngx_string("keys"),
      NGX_HTTP_GET, NGX_SOS_ADMIN_KEY_LIST },

    { 3, ngx_string("orgs"), ngx_string("keys"),
      NGX_HTTP_POST, NGX_SOS_ADMIN_KEY_CREATE },

    { 2, ngx_string("keys"), ngx_null_string,
      NGX_HTTP_DELETE, NGX_SOS_ADMIN_KEY_REVOKE },

    { 1, ngx_string("scrub"), ngx_null_string,
      NGX_HTTP_POST, NGX_SOS_ADMIN_SCRUB },

    { 1, ngx_string("status"), ngx_null_string,
      NGX_HTTP_GET, NGX_SOS_ADMIN_STATUS },

    { 0, ngx_null_string, ngx_null_string, 0, 0 }
};


char *
ngx_sos_admin_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_main_conf_t       *smcf;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate";
    }

    if (clcf->regex || clcf->named) {
        return "needs a prefix location";
    }

    if (ngx_sos_bucket_name_reserve(cf, clcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);
    smcf->enabled = 1;

    clcf->handler = ngx_sos_admin_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_sos_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t             rc;
    ngx_str_t             bucket;
    ngx_sos_ctx_t        *ctx;
    ngx_sos_err_e         err;
    ngx_sos_job_t        *job;
    ngx_sos_admin_job_t  *aj;
    ngx_sos_main_conf_t  *smcf;

    ctx = ngx_sos_handler_start(r, &rc);
    if (ctx == NULL) {
        return rc;
    }

    /* "bucket.<sos_domain>": the path is that bucket's key, not ours */

    if (ngx_sos_route_virtual_host(r, &bucket)) {
        ngx_str_set(&ctx->error_message, "A key that begins with the "
                    "admin API's location cannot be reached in "
                    "virtual-hosted style; use path style");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_REQUEST);
    }

    err = ngx_sos_auth(r, ctx);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /*
     * a URL carries its signature: one that leaks (an access log, a
     * proxy, the shell history) could be replayed until it expires
     */

    if (ctx->auth.presigned) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "sos admin: presigned request of \"%s\" refused",
                      ctx->auth.access_key_id);
        ngx_str_set(&ctx->error_message, "The admin API takes requests "
                    "signed in the Authorization header only, not "
                    "presigned URLs");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_ACCESS_DENIED);
    }

    if (ctx->auth.anonymous || !ctx->auth.admin) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "sos admin: access denied to \"%s\"",
                      ctx->auth.anonymous ? (u_char *) "anonymous"
                                          : ctx->auth.access_key_id);
        return ngx_sos_error_send(r, NGX_SOS_ERR_ACCESS_DENIED);
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_sos_admin_usage(r, ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_sos_cdn_admin(r, ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_sos_metrics_admin(r, ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_admin_job_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    aj = job->data;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);
    aj->scrub_rate = smcf->scrub_rate;

    err = ngx_sos_admin_parse(r, aj);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send(r, err);
    }

    job->run = ngx_sos_admin_run;
    job->done = ngx_sos_admin_done;

    return ngx_sos_job_start(r, job);
}


/* the resource and its arguments */

static ngx_sos_err_e
ngx_sos_admin_parse(ngx_http_request_t *r, ngx_sos_admin_job_t *aj)
{
    u_char                    *p, *end, *seg[4];
    size_t                     len[4];
    ngx_str_t                  value;
    ngx_uint_t                 n, found;
    ngx_sos_admin_route_t     *rt;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* the path as sent (names are %XX encoded), after the location */

    p = r->unparsed_uri.data;
    end = p + r->unparsed_uri.len;

    value.data = ngx_strlchr(p, end, '?');
    if (value.data) {
        end = value.data;
    }

    if ((size_t) (end - p) < clcf->name.len
        || ngx_strncmp(p, clcf->name.data, clcf->name.len) != 0)
    {
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    p += clcf->name.len;

    n = 0;

    while (p < end) {
        if (*p == '/') {
            p++;
            continue;
        }

        if (n == 4) {
            goto not_found;
        }

        seg[n] = p;

        while (p < end && *p != '/') {
            p++;
        }

        len[n] = p - seg[n];
        n++;
    }

#define ngx_sos_seg_is(i, s)                                                  \
    (len[i] == (s).len && ngx_strncmp(seg[i], (s).data, (s).len) == 0)

    if (n >= 2) {
        if (ngx_sos_uri_decode(r, seg[1], len[1], &value) != NGX_OK) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        if (value.len == 0 || value.len >= sizeof(aj->ref)) {
            goto not_found;
        }

        ngx_memcpy(aj->ref, value.data, value.len);
        aj->ref_len = value.len;
    }

    found = 0;

    for (rt = ngx_sos_admin_routes; rt->segments; rt++) {
        if (rt->segments == n
            && ngx_sos_seg_is(0, rt->first)
            && (n < 3 || ngx_sos_seg_is(2, rt->third)))
        {
            if (rt->method == r->method) {
                aj->action = rt->action;
                return ngx_sos_admin_args(r, aj);
            }

            found = 1;
        }
    }

#undef ngx_sos_seg_is

    if (found) {
        return NGX_SOS_ERR_METHOD_NOT_ALLOWED;
    }

not_found:

    return NGX_SOS_ERR_NO_SUCH_ENTITY;
}


/* the arguments of the creations: orgs?name=N&email=E, keys?admin=1 */

static ngx_sos_err_e
ngx_sos_admin_args(ngx_http_request_t *r, ngx_sos_admin_job_t *aj)
{
    ngx_str_t  value;

    if (aj->action == NGX_SOS_ADMIN_ORG_CREATE) {

        if (ngx_sos_admin_arg(r, "name", aj->name, sizeof(aj->name) - 1,
                              &aj->name_len)
            != NGX_OK
            || ngx_sos_admin_arg(r, "email", aj->email,
                                 sizeof(aj->email) - 1,
                                 &aj->email_len)
               != NGX_OK)
        {
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        /* both come back in JSON and XML answers: UTF-8, no control */

        if (aj->name_len == 0
            || !sos_text_valid((u_char *) aj->name, aj->name_len)
            || !sos_text_valid((u_char *) aj->email, aj->email_len))
        {
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

    } else if (aj->action == NGX_SOS_ADMIN_SCRUB) {

        /* the name is checked by the store: it is only looked up */

        if (ngx_sos_admin_arg(r, "bucket", aj->name, sizeof(aj->name) - 1,
                              &aj->name_len)
            != NGX_OK)
        {
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

    } else if (aj->action == NGX_SOS_ADMIN_KEY_CREATE
               && ngx_http_arg(r, (u_char *) "admin", 5, &value) == NGX_OK)
    {
        if (value.len == 1 && (value.data[0] == '1' || value.data[0] == '0'))
        {
            aj->admin = value.data[0] == '1';

        } else if (value.len == 4 && ngx_strncmp(value.data, "true", 4) == 0)
        {
            aj->admin = 1;

        } else if (!(value.len == 5
                     && ngx_strncmp(value.data, "false", 5) == 0))
        {
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }
    }

    return NGX_SOS_OK;
}


/* a query argument, %XX and '+' decoded, of at most max bytes; absent:
 * empty */

ngx_int_t
ngx_sos_admin_arg(ngx_http_request_t *r, char *name, char *dst, size_t max,
    size_t *len)
{
    ngx_int_t  rc;
    ngx_str_t  value;

    *len = 0;

    rc = ngx_sos_query_arg(r, name, &value);

    if (rc == NGX_DECLINED) {
        return NGX_OK;
    }

    if (rc != NGX_OK || value.len > max) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst, value.data, value.len);
    *len = value.len;

    return NGX_OK;
}


/* a pool thread: the store and aj only */

static void
ngx_sos_admin_run(ngx_sos_job_t *job)
{
    ngx_sos_admin_job_t  *aj = job->data;

    sos_rc_e              rc;
    ngx_sos_admin_out_t  *out;

    out = &aj->out;

    switch (aj->action) {

    case NGX_SOS_ADMIN_ORG_LIST:
        ngx_sos_admin_append(out, "{\"organizations\":[", 18);
        rc = sos_org_list(job->store, ngx_sos_admin_org_cb, aj, &job->err);
        ngx_sos_admin_append(out, "]}\n", 3);
        break;

    case NGX_SOS_ADMIN_ORG_CREATE:
        rc = sos_org_create(job->store, aj->name, aj->name_len, aj->email,
                            aj->email_len, &aj->org, &job->err);
        if (rc == SOS_OK) {
            ngx_sos_admin_org(out, &aj->org);
        }

        break;

    case NGX_SOS_ADMIN_ORG_SHOW:
    case NGX_SOS_ADMIN_ORG_DELETE:
        rc = ngx_sos_admin_find_org(job->store, aj, &job->err);
        if (rc != SOS_OK) {
            break;
        }

        if (aj->action == NGX_SOS_ADMIN_ORG_DELETE) {
            rc = sos_org_delete(job->store, aj->org.id, SOS_ID_LEN,
                                &job->err);
            if (rc != SOS_OK) {
                break;
            }

            ngx_sos_admin_reload(job->store, aj);
        }

        ngx_sos_admin_org(out, &aj->org);
        break;

    case NGX_SOS_ADMIN_KEY_LIST:
        rc = ngx_sos_admin_find_org(job->store, aj, &job->err);
        if (rc != SOS_OK) {
            break;
        }

        ngx_sos_admin_append(out, "{\"keys\":[", 9);
        rc = sos_key_list(job->store, aj->org.id, SOS_ID_LEN,
                          ngx_sos_admin_key_cb, aj, &job->err);
        ngx_sos_admin_append(out, "]}\n", 3);
        break;

    case NGX_SOS_ADMIN_KEY_CREATE:
        rc = ngx_sos_admin_find_org(job->store, aj, &job->err);
        if (rc != SOS_OK) {
            break;
        }

        rc = sos_key_create(job->store, aj->org.id, SOS_ID_LEN, aj->admin,
                            &aj->key, &job->err);
        if (rc != SOS_OK) {
            break;
        }

        ngx_sos_admin_reload(job->store, aj);

        ngx_sos_admin_member(out, "{\"org_name\":", aj->org.name);
        ngx_sos_admin_append(out, ",\"key\":", 7);
        ngx_sos_admin_key(out, &aj->key, 1);
        ngx_sos_admin_append(out, "}\n", 2);

        /* the secret is in the answer only */
        memset(aj->key.secret, 0, sizeof(aj->key.secret));
        break;

    case NGX_SOS_ADMIN_SCRUB:
        rc = sos_scrub_run(job->store, aj->name_len ? aj->name : NULL,
                           aj->name_len, &aj->scrub, &job->err);
        if (rc == SOS_OK) {
            ngx_sos_scrub_json_report(out, &aj->scrub);
        }

        break;

    case NGX_SOS_ADMIN_STATUS:
        rc = ngx_sos_admin_status(job->store, aj, &job->err);
        break;

    default: /* NGX_SOS_ADMIN_KEY_REVOKE */
        rc = sos_key_get(job->store, aj->ref, aj->ref_len, &aj->key,
                         &job->err);
        if (rc != SOS_OK) {
            break;
        }

        memset(aj->key.secret, 0, sizeof(aj->key.secret));

        rc = sos_key_revoke(job->store, aj->ref, aj->ref_len, &job->err);
        if (rc != SOS_OK) {
            break;
        }

        ngx_sos_admin_reload(job->store, aj);
        ngx_sos_admin_key(out, &aj->key, 0);
        ngx_sos_admin_append(out, "\n", 1);
        break;
    }

    if (rc == SOS_OK && out->failed) {
        rc = SOS_ENOMEM;
        job->err.code = SOS_ENOMEM;
        snprintf(job->err.msg, sizeof(job->err.msg),
                 "out of memory building the admin answer");
    }

    job->rc = rc;
}


/* ORG is a canonical id (64 lower-case hex digits) or a display name */

static sos_rc_e
ngx_sos_admin_find_org(sos_store_t *store, ngx_sos_admin_job_t *aj,
    sos_error_t *err)
{
    size_t    i;
    sos_rc_e  rc;

    if (aj->ref_len == SOS_ID_LEN) {
        for (i = 0; i < SOS_ID_LEN; i++) {
            if (!((aj->ref[i] >= '0' && aj->ref[i] <= '9')
                  || (aj->ref[i] >= 'a' && aj->ref[i] <= 'f')))
            {
                break;
            }
        }

        if (i == SOS_ID_LEN) {
            rc = sos_org_get(store, aj->ref, aj->ref_len, &aj->org, err);
            if (rc != SOS_ENOTFOUND) {
                return rc;
            }

            err->code = SOS_OK;
            err->sys_errno = 0;
            err->msg[0] = '\0';
        }
    }

    return sos_org_find_by_name(store, aj->ref, aj->ref_len, &aj->org, err);
}


static void
ngx_sos_admin_reload(sos_store_t *store, ngx_sos_admin_job_t *aj)
{
    sos_error_t  err;

    aj->keys = ngx_sos_keys_load(store, &err);

    if (aj->keys == NULL) {
        aj->reload_failed = 1;
    }
}


/* the status is large: not in the job */

static sos_rc_e
ngx_sos_admin_status(sos_store_t *store, ngx_sos_admin_job_t *aj,
    sos_error_t *err)
{
    sos_rc_e             rc;
    sos_store_info_t     info;
    sos_scrub_status_t  *status;

    status = malloc(sizeof(sos_scrub_status_t));
    if (status == NULL) {
        err->code = SOS_ENOMEM;
        snprintf(err->msg, sizeof(err->msg), "no memory for the status");
        return SOS_ENOMEM;
    }

    rc = sos_scrub_status(store, status, err);
    if (rc == SOS_OK) {
        sos_store_info(store, &info);
        ngx_sos_scrub_json_status(&aj->out, status, &info, aj->scrub_rate);
    }

    free(status);
    return rc;
}


static ngx_int_t
ngx_sos_admin_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_admin_job_t *aj = job->data;

    ngx_buf_t            *b;
    ngx_uint_t            status;
    ngx_chain_t           out;
    ngx_sos_err_e         err;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (aj->keys) {
        ngx_sos_keys_replace(smcf, aj->keys);
        aj->keys = NULL;
    }

    if (aj->action == NGX_SOS_ADMIN_SCRUB) {
        ngx_sos_scrub_log(r->connection->log, &aj->scrub);
    }

    if (aj->reload_failed) {
        /* the change is stored, but the old table still answers */
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                      "sos admin: the key table could not be reloaded: "
                      "key changes apply after a restart");
    }

    if (job->rc != SOS_OK) {
        free(aj->out.data);

        switch (job->rc) {

        case SOS_ENOTFOUND:
        case SOS_ENOBUCKET:     /* scrub?bucket=B */
            err = NGX_SOS_ERR_NO_SUCH_ENTITY;
            break;

        case SOS_EEXIST:
            err = NGX_SOS_ERR_ENTITY_ALREADY_EXISTS;
            break;

        case SOS_ENOTEMPTY:
            err = NGX_SOS_ERR_DELETE_CONFLICT;
            break;

        case SOS_EINVAL:
            err = NGX_SOS_ERR_INVALID_ARGUMENT;
            break;

        default:
            err = ngx_sos_error_from_store(job->rc);
        }

        return ngx_sos_error_send(r, err);
    }

    b = ngx_create_temp_buf(r->pool, aj->out.len);
    if (b == NULL) {
        free(aj->out.data);
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    b->last = ngx_cpymem(b->pos, aj->out.data, aj->out.len);

    /* the answer of key create holds a secret */
    ngx_explicit_memzero(aj->out.data, aj->out.size);
    free(aj->out.data);

    status = (aj->action == NGX_SOS_ADMIN_ORG_CREATE
              || aj->action == NGX_SOS_ADMIN_KEY_CREATE)
             ? NGX_HTTP_CREATED : NGX_HTTP_OK;

    out.buf = b;
    out.next = NULL;

    return ngx_sos_send(r, status, "application/json", &out,
                        b->last - b->pos);
}


/* JSON, built with malloc in a pool thread */

void
ngx_sos_admin_append(ngx_sos_admin_out_t *out, const char *s, size_t n)
{
    u_char  *p;
    size_t   size;

    if (out->failed) {
        return;
    }

    if (out->len + n > out->size) {
        size = out->size ? out->size : 1024;

        while (size < out->len + n) {
            size *= 2;
        }

        p = malloc(size);
        if (p == NULL) {
            out->failed = 1;
            return;
        }

        if (out->len) {
            memcpy(p, out->data, out->len);
        }

        free(out->data);
        out->data = p;
        out->size = size;
    }

    memcpy(out->data + out->len, s, n);
    out->len += n;
}


/*
 * name (the member's name with what goes before and after it, as in
 * ",\"id\":") then the JSON string s: '"', '\\' and controls escaped
 */

void
ngx_sos_admin_member(ngx_sos_admin_out_t *out, const char *name,
    const char *s)
{
    char           buf[8];
    unsigned char  c;

    ngx_sos_admin_append(out, name, ngx_strlen(name));
    ngx_sos_admin_append(out, "\"", 1);

    for ( /* void */ ; *s; s++) {
        c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            buf[0] = '\\';
            buf[1] = (char) c;
            ngx_sos_admin_append(out, buf, 2);

        } else if (c < 0x20 || c == 0x7f) {
            snprintf(buf, sizeof(buf), "\\u%04x", c);
            ngx_sos_admin_append(out, buf, 6);

        } else {
            ngx_sos_admin_append(out, (char *) &c, 1);
        }
    }

    ngx_sos_admin_append(out, "\"", 1);
}


static void
ngx_sos_admin_org(ngx_sos_admin_out_t *out, const sos_org_t *org)
{
    char  buf[64];

    ngx_sos_admin_member(out, "{\"id\":", org->id);
    ngx_sos_admin_member(out, ",\"name\":", org->name);
    ngx_sos_admin_member(out, ",\"email\":", org->email);
    ngx_sos_admin_append(out, buf, snprintf(buf, sizeof(buf),
                                            ",\"created\":%lld}",
                                            (long long) org->created));
}


static void
ngx_sos_admin_key(ngx_sos_admin_out_t *out, const sos_key_t *key,
    ngx_uint_t secret)
{
    char  buf[64];

    ngx_sos_admin_member(out, "{\"access_key_id\":", key->access_key_id);

    if (secret) {
        ngx_sos_admin_member(out, ",\"secret_access_key\":", key->secret);
    }

    ngx_sos_admin_member(out, ",\"org_id\":", key->org_id);
    ngx_sos_admin_append(out, buf, snprintf(buf, sizeof(buf),
                                            ",\"admin\":%s,\"created\":%lld}",
                                            key->admin ? "true" : "false",
                                            (long long) key->created));
}


static int
ngx_sos_admin_org_cb(void *data, const sos_org_t *org)
{
    ngx_sos_admin_job_t *aj = data;

    if (aj->out.len && aj->out.data[aj->out.len - 1] == '}') {
        ngx_sos_admin_append(&aj->out, ",", 1);
    }

    ngx_sos_admin_org(&aj->out, org);

    return aj->out.failed ? 1 : 0;
}


static int
ngx_sos_admin_key_cb(void *data, const sos_key_t *key)
{
    ngx_sos_admin_job_t *aj = data;

    if (aj->out.len && aj->out.data[aj->out.len - 1] == '}') {
        ngx_sos_admin_append(&aj->out, ",", 1);
    }

    ngx_sos_admin_key(&aj->out, key, 0);

    return aj->out.failed ? 1 : 0;
}


ngx_int_t
ngx_sos_admin_send_bucket(ngx_http_request_t *r, ngx_sos_job_t *job,
    ngx_sos_admin_out_t *out)
{
    ngx_buf_t    *b;
    ngx_chain_t   cl;

    if (job->rc != SOS_OK) {
        free(out->data);

        if (job->rc != SOS_ENOBUCKET) {
            return ngx_sos_error_send(r, ngx_sos_error_from_store(job->rc));
        }

        /* as an unknown org: NoSuchBucket would be "no admin API here" */

        ngx_str_set(&job->ctx->error_message,
                    "The specified bucket does not exist.");
        return ngx_sos_error_send_ctx(r, job->ctx,
                                      NGX_SOS_ERR_NO_SUCH_ENTITY);
    }

    b = ngx_create_temp_buf(r->pool, out->len);
    if (b == NULL) {
        free(out->data);
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    b->last = ngx_cpymem(b->pos, out->data, out->len);
    free(out->data);

    cl.buf = b;
    cl.next = NULL;

    return ngx_sos_send(r, NGX_HTTP_OK, "application/json", &cl,
                        b->last - b->pos);
}
