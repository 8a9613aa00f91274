
/*
 * SOS: directives, configuration, process hooks and the entry handler.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_cors.h"
#include "ngx_sos_website.h"
#include "ngx_sos_console.h"
#include "ngx_sos_cdn.h"
#include "ngx_sos_metrics.h"


static ngx_int_t ngx_sos_handler(ngx_http_request_t *r);

static void *ngx_sos_create_main_conf(ngx_conf_t *cf);
static char *ngx_sos_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_sos_create_loc_conf(ngx_conf_t *cf);
static char *ngx_sos_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_sos_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_sos(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_sos_website(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

static ngx_int_t ngx_sos_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_sos_init_process(ngx_cycle_t *cycle);
static void ngx_sos_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_sos_write_quorum_bounds = {
    ngx_conf_check_num_bounds, 1, SOS_MAX_REPLICAS
};


static ngx_command_t  ngx_sos_commands[] = {

    { ngx_string("sos_data_dir"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, data_dir),
      NULL },

    { ngx_string("sos_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, key_file),
      NULL },

    { ngx_string("sos_replica"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, replicas),
      NULL },

    { ngx_string("sos_write_quorum"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, write_quorum),
      &ngx_sos_write_quorum_bounds },

    { ngx_string("sos_fsync"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, fsync),
      NULL },

    { ngx_string("sos_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_sos_thread_pool,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sos"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_sos,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sos_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_sos_admin_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sos_console"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_sos_console_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sos_website"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_sos_website,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_sos_loc_conf_t, website),
      NULL },

    { ngx_string("sos_website_domain"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_sos_loc_conf_t, website_domain),
      NULL },

    { ngx_string("sos_domain"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, domains),
      NULL },

    { ngx_string("sos_region"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_sos_bucket_region_set,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sos_bucket_recreate_ok"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, bucket_recreate_ok),
      NULL },

    { ngx_string("sos_max_object_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, max_object_size),
      NULL },

    { ngx_string("sos_upload_expiry"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, upload_expiry),
      NULL },

    { ngx_string("sos_lifecycle_day"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, lifecycle_day),
      NULL },

    { ngx_string("sos_lifecycle_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, lifecycle_interval),
      NULL },

    { ngx_string("sos_scrub_rate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, scrub_rate),
      NULL },

    { ngx_string("sos_handoff_wait"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, handoff_wait),
      NULL },

    { ngx_string("sos_handoff_queue"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, handoff_queue),
      NULL },

    /* room kept for the index on a full volume (docs/reliability.md) */
    { ngx_string("sos_index_reserve"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, index_reserve),
      NULL },

    { ngx_string("sos_allow_public_write"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, allow_public_write),
      NULL },

    /* public files through a CDN edge: ngx_sos_cdn.c, docs/cdn.md */
    { ngx_string("sos_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_sos_loc_conf_t, cache_control),
      NULL },

    { ngx_string("sos_cdn_url"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, cdn_url),
      NULL },

    { ngx_string("sos_cdn_purge"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_array_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, cdn_purge),
      NULL },

    { ngx_string("sos_cdn_purge_queue"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, cdn_purge_queue),
      NULL },

    /* the Prometheus text endpoint: ngx_sos_metrics.c, docs/metrics.md */
    { ngx_string("sos_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_sos_metrics_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("sos_metrics_buckets"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_sos_main_conf_t, metrics_buckets),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_sos_module_ctx = {
    ngx_sos_log_add_variables,             /* preconfiguration */
    ngx_sos_metrics_init,                  /* postconfiguration */

    ngx_sos_create_main_conf,              /* create main configuration */
    ngx_sos_init_main_conf,                /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_sos_create_loc_conf,               /* create location configuration */
    ngx_sos_merge_loc_conf                 /* merge location configuration */
};


ngx_module_t  ngx_http_sos_module = {
    NGX_MODULE_V1,
    &ngx_sos_module_ctx,                   /* module context */
    ngx_sos_commands,                      /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_sos_init_module,                   /* init module */
    ngx_sos_init_process,                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_sos_exit_process,                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_sos_request_id_var = ngx_string("request_id");


static ngx_int_t
ngx_sos_handler(ngx_http_request_t *r)
{
    ngx_int_t       rc;
    ngx_sos_ctx_t  *ctx;
    ngx_sos_err_e   err;

    /* S3's conditionals are ours: nginx must not turn a 200 into a 304 */

    r->disable_not_modified = 1;

    if (ngx_sos_website_enabled(r)) {
        return ngx_sos_website_handler(r);
    }

    ctx = ngx_sos_handler_start(r, &rc);
    if (ctx == NULL) {
        return rc;
    }

    err = ngx_sos_route(r, ctx);

    /* Origin: CORS headers on the answer, whatever it is */

    if (ngx_sos_cors_init(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    if (ctx->op->flags & NGX_SOS_OP_PREFLIGHT) {
        /* a browser's question: never signed, S3 answers it first */
        return ctx->op->handler(r, ctx);
    }

    /* headers only: a rejected client never gets "100 Continue" */

    err = ngx_sos_auth(r, ctx);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /* a header asking for what SOS does not do: refused, not ignored */

    err = ngx_sos_unsupported_headers(r, ctx);
    if (err != NGX_SOS_OK) {
        return ngx_sos_error_send_ctx(r, ctx, err);
    }

    /* x-amz-expected-bucket-owner, then ngx_sos_handler_op() */

    return ngx_sos_owner_check(r, ctx);
}


/* the start of the S3 and the admin content handlers */

ngx_sos_ctx_t *
ngx_sos_handler_start(ngx_http_request_t *r, ngx_int_t *rc)
{
    ngx_sos_ctx_t  *ctx;

    /* no presigned URL's signature in the error log */

    ngx_sos_log_redact_request(r);

    /*
     * "100 Continue" only once the request is accepted: the operations
     * that read a body clear this just before they do; an error answered
     * before (and its discarded body) never tells the client to send it
     */

    r->expect_tested = 1;

    /*
     * the store, held until the request is freed; during a reload the
     * request may wait for the old worker to hand it over, and then runs
     * again from the start
     */

    *rc = ngx_sos_store_enter(r);
    if (*rc != NGX_OK) {
        return NULL;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_sos_ctx_t));
    if (ctx == NULL) {
        *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_sos_module);

    return ctx;
}


/* the operation, once the request passed every check of its headers */

ngx_int_t
ngx_sos_handler_op(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_sos_err_e        err;
    const ngx_sos_op_t  *op;

    op = ctx->op;

    /*
     * anonymous requests (the AllUsers group) reach only the operations
     * that evaluate ACLs, and a form, signed by its policy; the others
     * need a key
     */

    if (ctx->auth.anonymous
        && !(op->flags & (NGX_SOS_OP_ANONYMOUS|NGX_SOS_OP_FORM)))
    {
        return ngx_sos_error_send(r, NGX_SOS_ERR_ACCESS_DENIED);
    }

    if (op->handler == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_NOT_IMPLEMENTED);
    }

    if (op->flags & NGX_SOS_OP_BODY) {
        err = ngx_sos_payload_create(r, ctx);
        if (err != NGX_SOS_OK) {
            return ngx_sos_error_send_ctx(r, ctx, err);
        }

    } else if (!(op->flags & NGX_SOS_OP_FORM)) {

        if (r->headers_in.expect
            && (r->headers_in.content_length_n > 0 || r->headers_in.chunked))
        {
            /* a body held back for "100 Continue": never asked for */
            r->keepalive = 0;
            r->lingering_close = 1;

        } else {
            rc = ngx_http_discard_request_body(r);

            if (rc != NGX_OK) {
                return rc;
            }
        }
    }

    /* the first job checks the caller: ngx_sos_authz.c */

    rc = ngx_sos_authz_init(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    return op->handler(r, ctx);
}


static void *
ngx_sos_create_main_conf(ngx_conf_t *cf)
{
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_sos_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->enabled = 0;
     *     smcf->data_dir = { 0, NULL };
     *     smcf->key_file = { 0, NULL };
     *     smcf->region = { 0, NULL };
     *     smcf->thread_pool_name = { 0, NULL };
     *     smcf->thread_pool = NULL;
     *     smcf->replica_dirs = NULL;
     *     smcf->store = NULL;
     */

    smcf->replicas = NGX_CONF_UNSET_PTR;
    smcf->domains = NGX_CONF_UNSET_PTR;
    smcf->max_object_size = NGX_CONF_UNSET;
    smcf->upload_expiry = NGX_CONF_UNSET;
    smcf->index_reserve = NGX_CONF_UNSET;
    smcf->write_quorum = NGX_CONF_UNSET;
    smcf->fsync = NGX_CONF_UNSET;
    smcf->allow_public_write = NGX_CONF_UNSET;
    smcf->bucket_recreate_ok = NGX_CONF_UNSET;
    smcf->scrub_rate = NGX_CONF_UNSET_SIZE;
    smcf->lifecycle_day = NGX_CONF_UNSET;
    smcf->lifecycle_interval = NGX_CONF_UNSET;
    smcf->handoff_wait = NGX_CONF_UNSET_MSEC;
    smcf->handoff_queue = NGX_CONF_UNSET_UINT;
    smcf->cdn_purge = NGX_CONF_UNSET_PTR;
    smcf->cdn_purge_queue = NGX_CONF_UNSET_UINT;
    smcf->metrics_buckets = NGX_CONF_UNSET_UINT;
    smcf->request_id_index = NGX_ERROR;
    smcf->open_rc = SOS_RC_MAX;          /* not tried yet */

    return smcf;
}


static char *
ngx_sos_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_sos_main_conf_t *smcf = conf;

    ngx_str_t   *name;
    ngx_uint_t   i, n;

    ngx_conf_init_ptr_value(smcf->replicas, NULL);
    ngx_conf_init_value(smcf->write_quorum, 0);
    ngx_conf_init_value(smcf->fsync, 1);
    ngx_conf_init_value(smcf->allow_public_write, 1);
    ngx_conf_init_value(smcf->bucket_recreate_ok, 0);
    ngx_conf_init_size_value(smcf->scrub_rate, 10 * 1024 * 1024);
    ngx_conf_init_value(smcf->lifecycle_day, 86400);
    ngx_conf_init_value(smcf->lifecycle_interval, 3600);

    if (smcf->lifecycle_day <= 0 || smcf->lifecycle_interval <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sos_lifecycle_day\" and "
                           "\"sos_lifecycle_interval\" must be positive");
        return NGX_CONF_ERROR;
    }

    ngx_conf_init_ptr_value(smcf->domains, NULL);
    ngx_conf_init_msec_value(smcf->handoff_wait, 5000);
    ngx_conf_init_uint_value(smcf->handoff_queue, 512);
    ngx_conf_init_ptr_value(smcf->cdn_purge, NULL);
    ngx_conf_init_uint_value(smcf->metrics_buckets, 100);

    if (ngx_sos_cdn_init_conf(cf, smcf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (smcf->max_object_size == NGX_CONF_UNSET) {
        smcf->max_object_size = (off_t) 5 * 1024 * 1024 * 1024;
    }

    if (smcf->index_reserve == NGX_CONF_UNSET) {
        smcf->index_reserve = NGX_SOS_INDEX_RESERVE;
    }

    if (smcf->upload_expiry == NGX_CONF_UNSET) {
        smcf->upload_expiry = 7 * 24 * 60 * 60;
    }

    if (smcf->upload_expiry <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sos_upload_expiry\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (smcf->region.data == NULL) {
        ngx_str_set(&smcf->region, "us-east-1");
    }

    if (smcf->max_object_size <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sos_max_object_size\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (smcf->domains) {
        name = smcf->domains->elts;

        for (i = 0; i < smcf->domains->nelts; i++) {

            /* Host is matched lowercased, without port or final dot */

            if (name[i].len && name[i].data[name[i].len - 1] == '.') {
                name[i].len--;
            }

            if (name[i].len == 0 || name[i].data[0] == '.'
                || ngx_strlchr(name[i].data, name[i].data + name[i].len, ':'))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"sos_domain\" \"%V\"",
                                   &name[i]);
                return NGX_CONF_ERROR;
            }

            ngx_strlow(name[i].data, name[i].data, name[i].len);
        }
    }

    if (!smcf->enabled) {
        return NGX_CONF_OK;
    }

    if (smcf->data_dir.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sos\" requires \"sos_data_dir\"");
        return NGX_CONF_ERROR;
    }

    /* relative paths are relative to the prefix (-p); results end in '\0' */

    if (ngx_conf_full_name(cf->cycle, &smcf->data_dir, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* unset: the library's default, <data_dir>/secret.key */

    if (smcf->key_file.data
        && ngx_conf_full_name(cf->cycle, &smcf->key_file, 0) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    n = 3;

    if (smcf->replicas) {
        n = smcf->replicas->nelts;

        if (n > SOS_MAX_REPLICAS) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "too many \"sos_replica\" directives, "
                               "at most %d", SOS_MAX_REPLICAS);
            return NGX_CONF_ERROR;
        }

        smcf->replica_dirs = ngx_pcalloc(cf->pool, n * sizeof(char *));
        if (smcf->replica_dirs == NULL) {
            return NGX_CONF_ERROR;
        }

        name = smcf->replicas->elts;

        for (i = 0; i < n; i++) {
            if (ngx_conf_full_name(cf->cycle, &name[i], 0) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            smcf->replica_dirs[i] = (const char *) name[i].data;
        }

        smcf->n_replicas = n;
    }

    if ((ngx_uint_t) smcf->write_quorum > n) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"sos_write_quorum\" %i is more than the %ui "
                           "replicas", smcf->write_quorum, n);
        return NGX_CONF_ERROR;
    }

    if (smcf->thread_pool == NULL) {
        smcf->thread_pool = ngx_thread_pool_add(cf, NULL);
        if (smcf->thread_pool == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    smcf->request_id_index =
                     ngx_http_get_variable_index(cf, &ngx_sos_request_id_var);
    if (smcf->request_id_index == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_sos_create_loc_conf(ngx_conf_t *cf)
{
    ngx_sos_loc_conf_t  *slcf;

    slcf = ngx_pcalloc(cf->pool, sizeof(ngx_sos_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     slcf->website_domain = { 0, NULL };
     */

    slcf->enable = NGX_CONF_UNSET;
    slcf->website = NGX_CONF_UNSET;
    slcf->metrics = NGX_CONF_UNSET;

    return slcf;
}


static char *
ngx_sos_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_sos_loc_conf_t *prev = parent;
    ngx_sos_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->website, prev->website, 0);
    ngx_conf_merge_value(conf->metrics, prev->metrics, 0);
    ngx_conf_merge_str_value(conf->website_domain, prev->website_domain, "");

    /* Host is matched lowercased, without port or final dot */

    if (conf->website_domain.len
        && conf->website_domain.data[conf->website_domain.len - 1] == '.')
    {
        conf->website_domain.len--;
    }

    if (conf->website_domain.len
        && (conf->website_domain.data[0] == '.'
            || ngx_strlchr(conf->website_domain.data,
                           conf->website_domain.data
                           + conf->website_domain.len, ':')))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"sos_website_domain\" \"%V\"",
                           &conf->website_domain);
        return NGX_CONF_ERROR;
    }

    ngx_strlow(conf->website_domain.data, conf->website_domain.data,
               conf->website_domain.len);
    ngx_conf_merge_str_value(conf->cache_control, prev->cache_control, "");

    return NGX_CONF_OK;
}


static char *
ngx_sos_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_main_conf_t *smcf = conf;

    ngx_str_t  *value;

    if (smcf->thread_pool != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    smcf->thread_pool_name = value[1];

    smcf->thread_pool = ngx_thread_pool_add(cf, &value[1]);
    if (smcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_sos(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_loc_conf_t *slcf = conf;

    ngx_sos_main_conf_t       *smcf;
    ngx_http_core_loc_conf_t  *clcf;

    if (slcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    slcf->enable = 1;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);
    smcf->enabled = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_sos_handler;

    return NGX_CONF_OK;
}


/*
 * "sos_website on;": the location (or, in a server, what no location
 * takes, and its "sos;" locations) serves the website endpoint
 */

static char *
ngx_sos_website(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_sos_loc_conf_t *slcf = conf;

    char                      *rv;
    ngx_sos_main_conf_t       *smcf;
    ngx_http_core_loc_conf_t  *clcf;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK || !slcf->website) {
        return rv;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);
    smcf->enabled = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_sos_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_sos_init_module(ngx_cycle_t *cycle)
{
    ngx_core_conf_t      *ccf;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sos_module);

    if (smcf == NULL || !smcf->enabled) {
        return NGX_OK;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    if (ccf->master && ccf->worker_processes > 1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "sos needs \"worker_processes 1\", not %i: "
                      "LevelDB lets only one process open the index "
                      "in \"%V\"; scale TLS and caching out in a "
                      "separate nginx in front",
                      ccf->worker_processes, &smcf->data_dir);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_sos_init_process(ngx_cycle_t *cycle)
{
    ngx_sos_main_conf_t  *smcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sos_module);

    if (smcf == NULL || !smcf->enabled) {
        return NGX_OK;
    }

    if (ngx_sos_mp_init_process(cycle, smcf) != NGX_OK
        || ngx_sos_scrub_init_process(cycle, smcf) != NGX_OK
        || ngx_sos_gc_init_process(cycle, smcf) != NGX_OK
        || ngx_sos_lifecycle_init_process(cycle, smcf) != NGX_OK
        || ngx_sos_cdn_init_process(cycle, smcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_sos_store_init(cycle, smcf);
}


static void
ngx_sos_exit_process(ngx_cycle_t *cycle)
{
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_sos_module);

    if (smcf == NULL || !smcf->enabled) {
        return;
    }

    ngx_sos_cdn_exit_process(cycle);
    ngx_sos_store_exit(cycle, smcf);
    ngx_sos_metrics_exit_process();
}
