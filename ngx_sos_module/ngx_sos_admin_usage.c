
/*
 * SOS: the admin API's usage resources (docs/admin.md), for "sosctl
 * status", "sosctl bucket list|show" and "sosctl du":
 *
 *     GET usage                        the store: every bucket with its
 *                                      owner, counters and uploads
 *     GET buckets/BUCKET/info          one bucket: owner, ACL summary,
 *                                      counters, which settings it has
 *     GET buckets/BUCKET/usage[?prefix=P][&delimiter=D]
 *                                      objects, bytes and uploads under
 *                                      P, and per group one level down
 *
 * GET usage reads the counters kept at every commit; buckets/B/usage
 * walks the keys under the prefix (its cost grows with them).  Keys come
 * back as JSON strings: a byte that is not UTF-8 as \u00XX.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_acl.h"

#include <sosproto/text.h>


#define NGX_SOS_USAGE_MAX_GROUPS     1000
#define NGX_SOS_USAGE_DELIMITER_MAX  64


typedef enum {
    NGX_SOS_USAGE_STORE = 0,
    NGX_SOS_USAGE_BUCKET,
    NGX_SOS_USAGE_PREFIX
} ngx_sos_usage_e;


typedef struct {
    ngx_sos_usage_e          action;
    char                     bucket[SOS_MAX_BUCKET_LEN + 1];
    size_t                   bucket_len;
    char                     prefix[SOS_MAX_KEY_LEN];
    size_t                   prefix_len;
    char                     delimiter[NGX_SOS_USAGE_DELIMITER_MAX];
    size_t                   delimiter_len;
    char                    *data_dir;
    ngx_uint_t               groups;
    ngx_uint_t               truncated;
    sos_bucket_t            *list;       /* GET usage: malloc'd */
    size_t                   n_list;
    size_t                   list_size;
    ngx_sos_admin_out_t      out;
} ngx_sos_usage_t;


static ngx_int_t ngx_sos_usage_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_usage_t *u);
static void ngx_sos_usage_run(ngx_sos_job_t *job);
static sos_rc_e ngx_sos_usage_store(sos_store_t *store, ngx_sos_usage_t *u,
    sos_error_t *err);
static int ngx_sos_usage_list_cb(void *data, const sos_bucket_t *bucket);
static sos_rc_e ngx_sos_usage_bucket_json(sos_store_t *store,
    ngx_sos_usage_t *u, const sos_bucket_t *b, sos_error_t *err);
static sos_rc_e ngx_sos_usage_info(sos_store_t *store, ngx_sos_usage_t *u,
    sos_error_t *err);
static void ngx_sos_usage_acl(ngx_sos_admin_out_t *out,
    const sos_bucket_info_t *bi);
static sos_rc_e ngx_sos_usage_prefix(sos_store_t *store, ngx_sos_usage_t *u,
    sos_error_t *err);
static int ngx_sos_usage_group_cb(void *data, const char *prefix,
    size_t prefix_len, const sos_usage_t *usage);
static void ngx_sos_usage_num(ngx_sos_admin_out_t *out, const char *name,
    uint64_t v);
static void ngx_sos_usage_key(ngx_sos_admin_out_t *out, const char *name,
    const char *s, size_t len);
static ngx_int_t ngx_sos_usage_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/*
 * NGX_DECLINED when the path is none of ours, else as a content handler
 */

ngx_int_t
ngx_sos_admin_usage(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char                    *p, *end, *slash;
    ngx_int_t                  rc;
    ngx_str_t                  rest;
    ngx_sos_job_t             *job;
    ngx_sos_usage_t           *u;
    ngx_sos_usage_e            action;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    p = r->uri.data + clcf->name.len;
    end = r->uri.data + r->uri.len;

    if (r->uri.len < clcf->name.len) {
        return NGX_DECLINED;
    }

    rest.data = NULL;
    rest.len = 0;

    if (end - p == 5 && ngx_strncmp(p, "usage", 5) == 0) {
        action = NGX_SOS_USAGE_STORE;

    } else if (end - p > 8 && ngx_strncmp(p, "buckets/", 8) == 0) {
        rest.data = p + 8;
        slash = ngx_strlchr(rest.data, end, '/');

        if (slash == NULL) {
            return NGX_DECLINED;
        }

        rest.len = slash - rest.data;

        if (end - slash == 5 && ngx_strncmp(slash, "/info", 5) == 0) {
            action = NGX_SOS_USAGE_BUCKET;

        } else if (end - slash == 6 && ngx_strncmp(slash, "/usage", 6) == 0) {
            action = NGX_SOS_USAGE_PREFIX;

        } else {
            return NGX_DECLINED;
        }

    } else {
        return NGX_DECLINED;
    }

    if (r->method != NGX_HTTP_GET) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_METHOD_NOT_ALLOWED);
    }

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_usage_t));
    if (job == NULL) {
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    u = job->data;
    u->action = action;

    if (action != NGX_SOS_USAGE_STORE) {
        if (rest.len == 0 || rest.len > SOS_MAX_BUCKET_LEN) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_NO_SUCH_ENTITY);
        }

        ngx_memcpy(u->bucket, rest.data, rest.len);
        u->bucket_len = rest.len;
    }

    rc = ngx_sos_usage_parse(r, ctx, u);
    if (rc != NGX_OK) {
        return rc;
    }

    job->run = ngx_sos_usage_run;
    job->done = ngx_sos_usage_done;

    return ngx_sos_job_start(r, job);
}


/* the arguments: NGX_OK, or the error sent */

static ngx_int_t
ngx_sos_usage_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_usage_t *u)
{
    ngx_sos_main_conf_t  *smcf;

    if (u->action == NGX_SOS_USAGE_STORE) {
        smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

        u->data_dir = ngx_pnalloc(r->pool, smcf->data_dir.len + 1);
        if (u->data_dir == NULL) {
            return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
        }

        ngx_cpystrn((u_char *) u->data_dir, smcf->data_dir.data,
                    smcf->data_dir.len + 1);
        return NGX_OK;
    }

    if (u->action == NGX_SOS_USAGE_PREFIX
        && (ngx_sos_admin_arg(r, "prefix", u->prefix, sizeof(u->prefix),
                              &u->prefix_len)
            != NGX_OK
            || ngx_sos_admin_arg(r, "delimiter", u->delimiter,
                                 sizeof(u->delimiter), &u->delimiter_len)
               != NGX_OK))
    {
        ngx_str_set(&ctx->error_message, "prefix is at most 1024 bytes, "
                    "delimiter at most 64");
        return ngx_sos_error_send_ctx(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    return NGX_OK;
}


/* a pool thread: the store and u only */

static void
ngx_sos_usage_run(ngx_sos_job_t *job)
{
    ngx_sos_usage_t *u = job->data;

    switch (u->action) {

    case NGX_SOS_USAGE_STORE:
        job->rc = ngx_sos_usage_store(job->store, u, &job->err);
        break;

    case NGX_SOS_USAGE_BUCKET:
        job->rc = ngx_sos_usage_info(job->store, u, &job->err);
        break;

    default: /* NGX_SOS_USAGE_PREFIX */
        job->rc = ngx_sos_usage_prefix(job->store, u, &job->err);
    }

    free(u->list);

    if (job->rc == SOS_OK && u->out.failed) {
        job->rc = SOS_ENOMEM;
        job->err.code = SOS_ENOMEM;
        snprintf(job->err.msg, sizeof(job->err.msg),
                 "out of memory building the admin answer");
    }
}


/*
 * {"data_dir":D,"objects":N,"bytes":N,"uploads":N,"buckets":[BUCKET...]}:
 * the buckets are copied first, since the owners' names and the uploads
 * are store calls that the listing's callback may not make
 */

static sos_rc_e
ngx_sos_usage_store(sos_store_t *store, ngx_sos_usage_t *u, sos_error_t *err)
{
    size_t                i;
    uint64_t              objects, bytes, uploads, n;
    sos_rc_e              rc;
    ngx_sos_admin_out_t  *out;

    rc = sos_bucket_list(store, NULL, ngx_sos_usage_list_cb, u, err);
    if (rc != SOS_OK) {
        return rc;
    }

    if (u->list_size == (size_t) -1) {
        err->code = SOS_ENOMEM;
        err->sys_errno = 0;
        snprintf(err->msg, sizeof(err->msg), "no memory for the buckets");
        return SOS_ENOMEM;
    }

    out = &u->out;
    objects = 0;
    bytes = 0;
    uploads = 0;

    ngx_sos_admin_append(out, "{\"buckets\":[", 12);

    for (i = 0; i < u->n_list; i++) {
        if (i) {
            ngx_sos_admin_append(out, ",", 1);
        }

        rc = ngx_sos_usage_bucket_json(store, u, &u->list[i], err);
        if (rc != SOS_OK) {
            return rc;
        }

        rc = sos_uploads_count(store, u->list[i].name,
                               ngx_strlen(u->list[i].name), "", 0, &n, err);
        if (rc == SOS_ENOBUCKET) {
            /* deleted since the listing */
            n = 0;

        } else if (rc != SOS_OK) {
            return rc;
        }

        ngx_sos_usage_num(out, ",\"uploads\":", n);
        ngx_sos_admin_append(out, "}", 1);

        objects += u->list[i].object_count;
        bytes += u->list[i].bytes;
        uploads += n;
    }

    ngx_sos_admin_append(out, "]", 1);
    ngx_sos_admin_member(out, ",\"data_dir\":", u->data_dir);
    ngx_sos_usage_num(out, ",\"objects\":", objects);
    ngx_sos_usage_num(out, ",\"bytes\":", bytes);
    ngx_sos_usage_num(out, ",\"uploads\":", uploads);
    ngx_sos_admin_append(out, "}\n", 2);

    return SOS_OK;
}


static int
ngx_sos_usage_list_cb(void *data, const sos_bucket_t *bucket)
{
    ngx_sos_usage_t *u = data;

    size_t         size;
    sos_bucket_t  *p;

    if (u->n_list == u->list_size) {
        size = u->list_size ? 2 * u->list_size : 64;

        p = realloc(u->list, size * sizeof(sos_bucket_t));
        if (p == NULL) {
            u->list_size = (size_t) -1;
            return 1;
        }

        u->list = p;
        u->list_size = size;
    }

    u->list[u->n_list++] = *bucket;

    return 0;
}


/*
 * {"name":B,"owner_id":ID,"owner_name":N,"region":R,"created":T,
 *  "objects":N,"bytes":N without its closing brace
 */

static sos_rc_e
ngx_sos_usage_bucket_json(sos_store_t *store, ngx_sos_usage_t *u,
    const sos_bucket_t *b, sos_error_t *err)
{
    sos_rc_e              rc;
    sos_org_t             org;
    ngx_sos_admin_out_t  *out;

    out = &u->out;

    rc = sos_org_get(store, b->owner, ngx_strlen(b->owner), &org, err);

    if (rc == SOS_ENOTFOUND) {
        org.name[0] = '\0';

    } else if (rc != SOS_OK) {
        return rc;
    }

    ngx_sos_admin_member(out, "{\"name\":", b->name);
    ngx_sos_admin_member(out, ",\"owner_id\":", b->owner);
    ngx_sos_admin_member(out, ",\"owner_name\":", org.name);
    ngx_sos_admin_member(out, ",\"region\":", b->region);
    ngx_sos_usage_num(out, ",\"created\":", (uint64_t) b->created);
    ngx_sos_usage_num(out, ",\"objects\":", b->object_count);
    ngx_sos_usage_num(out, ",\"bytes\":", b->bytes);

    return SOS_OK;
}


/* BUCKET plus uploads, the ACL summary and which settings are set */

static sos_rc_e
ngx_sos_usage_info(sos_store_t *store, ngx_sos_usage_t *u, sos_error_t *err)
{
    char                  cc[1025];
    size_t                n;
    uint64_t              uploads;
    sos_rc_e              rc;
    sos_bucket_info_t    *bi;
    ngx_sos_admin_out_t  *out;

    rc = sos_bucket_get(store, u->bucket, u->bucket_len, &bi, err);
    if (rc != SOS_OK) {
        return rc;
    }

    rc = sos_uploads_count(store, u->bucket, u->bucket_len, "", 0,
                           &uploads, err);
    if (rc == SOS_OK) {
        rc = ngx_sos_usage_bucket_json(store, u, &bi->bucket, err);
    }

    if (rc != SOS_OK) {
        sos_bucket_info_free(bi);
        return rc;
    }

    out = &u->out;

    ngx_sos_usage_num(out, ",\"uploads\":", uploads);
    ngx_sos_usage_acl(out, bi);

    ngx_sos_admin_append(out, bi->conf[SOS_BUCKET_WEBSITE].len
                              ? ",\"website\":true" : ",\"website\":false",
                         bi->conf[SOS_BUCKET_WEBSITE].len ? 15 : 16);
    ngx_sos_admin_append(out, bi->conf[SOS_BUCKET_CORS].len
                              ? ",\"cors\":true" : ",\"cors\":false",
                         bi->conf[SOS_BUCKET_CORS].len ? 12 : 13);
    ngx_sos_admin_append(out, bi->conf[SOS_BUCKET_CDN].len
                              ? ",\"cdn\":true" : ",\"cdn\":false",
                         bi->conf[SOS_BUCKET_CDN].len ? 11 : 12);

    n = ngx_min(bi->conf[SOS_BUCKET_CACHE_CONTROL].len, sizeof(cc) - 1);

    if (n) {
        ngx_memcpy(cc, bi->conf[SOS_BUCKET_CACHE_CONTROL].data, n);
        cc[n] = '\0';
        ngx_sos_admin_member(out, ",\"cache_control\":", cc);

    } else {
        ngx_sos_admin_append(out, ",\"cache_control\":null", 21);
    }

    ngx_sos_admin_append(out, "}\n", 2);

    sos_bucket_info_free(bi);

    return SOS_OK;
}


/*
 * ,"acl":{"summary":S,"grants":N,"public_read":B,"public_write":B}: S is
 * the canned ACL the grants amount to, or "custom"
 */

static void
ngx_sos_usage_acl(ngx_sos_admin_out_t *out, const sos_bucket_info_t *bi)
{
    char             *summary;
    ngx_uint_t        i, all, auth, others;
    ngx_sos_acl_t    *acl;
    ngx_sos_grant_t  *g;

    acl = malloc(sizeof(ngx_sos_acl_t));
    if (acl == NULL) {
        out->failed = 1;
        return;
    }

    ngx_sos_acl_decode((const u_char *) bi->acl.data, bi->acl.len,
                       bi->bucket.owner, acl);

    all = 0;
    auth = 0;
    others = 0;

    for (i = 0; i < acl->n; i++) {
        g = &acl->grants[i];

        if (g->type == NGX_SOS_GRANTEE_ALL_USERS) {
            all |= g->perm;

        } else if (g->type == NGX_SOS_GRANTEE_AUTH_USERS) {
            auth |= g->perm;

        } else if (!(g->type == NGX_SOS_GRANTEE_USER
                     && g->perm == NGX_SOS_ACL_FULL_CONTROL
                     && ngx_strcmp(g->id, bi->bucket.owner) == 0))
        {
            others++;
        }
    }

    if (others || (all & ~(NGX_SOS_ACL_READ | NGX_SOS_ACL_WRITE))
        || (auth & ~NGX_SOS_ACL_READ) || (all && auth))
    {
        summary = "custom";

    } else if (all == (NGX_SOS_ACL_READ | NGX_SOS_ACL_WRITE)) {
        summary = "public-read-write";

    } else if (all == NGX_SOS_ACL_READ) {
        summary = "public-read";

    } else if (auth == NGX_SOS_ACL_READ) {
        summary = "authenticated-read";

    } else if (all == 0) {
        summary = "private";

    } else {
        summary = "custom";
    }

    ngx_sos_admin_member(out, ",\"acl\":{\"summary\":", summary);
    ngx_sos_usage_num(out, ",\"grants\":", acl->n);
    ngx_sos_admin_append(out, (all & NGX_SOS_ACL_READ)
                              ? ",\"public_read\":true"
                              : ",\"public_read\":false",
                         (all & NGX_SOS_ACL_READ) ? 19 : 20);
    ngx_sos_admin_append(out, (all & NGX_SOS_ACL_WRITE)
                              ? ",\"public_write\":true}"
                              : ",\"public_write\":false}",
                         (all & NGX_SOS_ACL_WRITE) ? 21 : 22);

    free(acl);
}


/*
 * {"bucket":B,"prefix":P,"delimiter":D,"objects":N,"bytes":N,
 *  "uploads":N,"groups":[{"prefix":P,"objects":N,"bytes":N}...],
 *  "truncated":false}
 */

static sos_rc_e
ngx_sos_usage_prefix(sos_store_t *store, ngx_sos_usage_t *u,
    sos_error_t *err)
{
    sos_rc_e              rc;
    sos_usage_t           total;
    ngx_sos_admin_out_t  *out;

    out = &u->out;

    ngx_sos_usage_key(out, "{\"bucket\":", u->bucket, u->bucket_len);
    ngx_sos_usage_key(out, ",\"prefix\":", u->prefix, u->prefix_len);
    ngx_sos_usage_key(out, ",\"delimiter\":", u->delimiter,
                      u->delimiter_len);
    ngx_sos_admin_append(out, ",\"groups\":[", 11);

    rc = sos_usage(store, u->bucket, u->bucket_len, u->prefix, u->prefix_len,
                   u->delimiter, u->delimiter_len, ngx_sos_usage_group_cb, u,
                   &total, err);
    if (rc != SOS_OK) {
        return rc;
    }

    ngx_sos_admin_append(out, "]", 1);
    ngx_sos_admin_append(out, u->truncated ? ",\"truncated\":true"
                                           : ",\"truncated\":false",
                         u->truncated ? 17 : 18);
    ngx_sos_usage_num(out, ",\"objects\":", total.objects);
    ngx_sos_usage_num(out, ",\"bytes\":", total.bytes);
    ngx_sos_usage_num(out, ",\"uploads\":", total.uploads);
    ngx_sos_admin_append(out, "}\n", 2);

    return SOS_OK;
}


static int
ngx_sos_usage_group_cb(void *data, const char *prefix, size_t prefix_len,
    const sos_usage_t *usage)
{
    ngx_sos_usage_t *u = data;

    if (u->groups == NGX_SOS_USAGE_MAX_GROUPS) {
        u->truncated = 1;
        return 1;
    }

    ngx_sos_usage_key(&u->out, u->groups ? ",{\"prefix\":" : "{\"prefix\":",
                      prefix, prefix_len);
    ngx_sos_usage_num(&u->out, ",\"objects\":", usage->objects);
    ngx_sos_usage_num(&u->out, ",\"bytes\":", usage->bytes);
    ngx_sos_admin_append(&u->out, "}", 1);

    u->groups++;

    return u->out.failed ? 1 : 0;
}


static void
ngx_sos_usage_num(ngx_sos_admin_out_t *out, const char *name, uint64_t v)
{
    char  buf[32];

    ngx_sos_admin_append(out, name, ngx_strlen(name));
    ngx_sos_admin_append(out, buf, snprintf(buf, sizeof(buf), "%llu",
                                            (unsigned long long) v));
}


/*
 * name, then bytes as a JSON string: '"', '\\' and controls escaped, a
 * byte that starts no UTF-8 character as \u00XX (sosctl does the same
 * offline)
 */

static void
ngx_sos_usage_key(ngx_sos_admin_out_t *out, const char *name,
    const char *s, size_t len)
{
    char                  buf[8];
    size_t                n;
    const unsigned char  *p, *end;

    ngx_sos_admin_append(out, name, ngx_strlen(name));
    ngx_sos_admin_append(out, "\"", 1);

    p = (const unsigned char *) s;
    end = p + len;

    while (p < end) {
        if (*p == '"' || *p == '\\') {
            buf[0] = '\\';
            buf[1] = (char) *p++;
            ngx_sos_admin_append(out, buf, 2);
            continue;
        }

        if (*p >= 0x20 && *p < 0x7f) {
            ngx_sos_admin_append(out, (const char *) p++, 1);
            continue;
        }

        n = *p >= 0x80 ? sos_utf8_len(p, end) : 0;

        if (n) {
            ngx_sos_admin_append(out, (const char *) p, n);
            p += n;
            continue;
        }

        snprintf(buf, sizeof(buf), "\\u%04x", *p++);
        ngx_sos_admin_append(out, buf, 6);
    }

    ngx_sos_admin_append(out, "\"", 1);
}


static ngx_int_t
ngx_sos_usage_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_usage_t *u = job->data;

    if (job->rc == SOS_EINVAL) {
        free(u->out.data);
        return ngx_sos_error_send(r, NGX_SOS_ERR_INVALID_ARGUMENT);
    }

    return ngx_sos_admin_send_bucket(r, job, &u->out);
}
