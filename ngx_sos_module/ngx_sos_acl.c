
/*
 * SOS: the ACL model: the x-amz-acl and x-amz-grant-* headers, the
 * AccessControlPolicy document, canned ACLs, the blob the store keeps and
 * its evaluation.  The operations on ACLs are in ngx_sos_acl_ops.c.
 */


#include "ngx_sos_xml.h"
#include "ngx_sos_acl.h"


#define NGX_SOS_ACL_TEXT_MAX     1024

#define NGX_SOS_PUBLIC_WRITE_OFF                                              \
    "Public write access is disabled on this server (sos_allow_public_write)"


typedef struct {
    ngx_sos_acl_t     *acl;
    ngx_sos_grant_t   *g;
    ngx_uint_t         kinds;            /* grantee elements seen */
    ngx_uint_t         in_acl;
} ngx_sos_acl_parse_t;


static ngx_int_t ngx_sos_acl_grant_header(ngx_http_request_t *r,
    ngx_sos_acl_t *acl, ngx_str_t *value, ngx_uint_t perm);
static ngx_int_t ngx_sos_acl_add(ngx_sos_acl_t *acl, ngx_uint_t type,
    ngx_uint_t perm, u_char *id, size_t len);
static ngx_int_t ngx_sos_acl_group(ngx_str_t *uri);
static ngx_uint_t ngx_sos_acl_perm(ngx_str_t *name);
static ngx_int_t ngx_sos_acl_id_valid(u_char *p, size_t len);
static ngx_int_t ngx_sos_acl_public_write(ngx_http_request_t *r,
    ngx_sos_acl_t *acl);
static ngx_int_t ngx_sos_acl_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);


static ngx_str_t  ngx_sos_acl_canned[] = {
    ngx_string("private"),
    ngx_string("public-read"),
    ngx_string("public-read-write"),
    ngx_string("authenticated-read"),
    ngx_string("aws-exec-read"),
    ngx_string("bucket-owner-read"),
    ngx_string("bucket-owner-full-control"),
    ngx_string("log-delivery-write"),
    ngx_null_string
};


ngx_uint_t
ngx_sos_acl_canned_find(ngx_str_t *name)
{
    ngx_uint_t  n;

    for (n = 0; ngx_sos_acl_canned[n].len; n++) {
        if (name->len == ngx_sos_acl_canned[n].len
            && ngx_strncmp(name->data, ngx_sos_acl_canned[n].data, name->len)
               == 0)
        {
            return n + 1;
        }
    }

    return 0;
}

enum {
    NGX_SOS_CANNED_PRIVATE = 1,
    NGX_SOS_CANNED_PUBLIC_READ,
    NGX_SOS_CANNED_PUBLIC_READ_WRITE,
    NGX_SOS_CANNED_AUTHENTICATED_READ,
    NGX_SOS_CANNED_AWS_EXEC_READ,
    NGX_SOS_CANNED_BUCKET_OWNER_READ,
    NGX_SOS_CANNED_BUCKET_OWNER_FULL_CONTROL,
    NGX_SOS_CANNED_LOG_DELIVERY_WRITE
};


static struct {
    char        *header;
    ngx_uint_t   perm;
} ngx_sos_acl_grant_headers[] = {
    { "x-amz-grant-read", NGX_SOS_ACL_READ },
    { "x-amz-grant-write", NGX_SOS_ACL_WRITE },
    { "x-amz-grant-read-acp", NGX_SOS_ACL_READ_ACP },
    { "x-amz-grant-write-acp", NGX_SOS_ACL_WRITE_ACP },
    { "x-amz-grant-full-control", NGX_SOS_ACL_FULL_CONTROL },
    { NULL, 0 }
};


/* ------------------------------------------------------------------ */
/* requests: headers and documents                                    */


ngx_sos_err_e
ngx_sos_acl_from_headers(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_uint_t bucket, ngx_sos_acl_t **out)
{
    ngx_uint_t        i, n, grants;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *canned;
    ngx_sos_acl_t    *acl;

    *out = NULL;

    canned = ngx_sos_header_find(r, "x-amz-acl");
    grants = 0;

    for (i = 0; ngx_sos_acl_grant_headers[i].header; i++) {
        if (ngx_sos_header_find(r, ngx_sos_acl_grant_headers[i].header)) {
            grants = 1;
        }
    }

    if (canned == NULL && !grants) {
        return NGX_SOS_OK;
    }

    if (canned && grants) {
        ngx_str_set(&ctx->error_message, "Specifying both Canned ACLs and "
                    "Header Grants is not allowed");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    acl = ngx_pcalloc(r->pool, sizeof(ngx_sos_acl_t));
    if (acl == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    if (canned) {
        acl->canned = ngx_sos_acl_canned_find(&canned->value);

        if (acl->canned == 0) {
            ngx_str_null(&ctx->error_message);
            return NGX_SOS_ERR_INVALID_ARGUMENT;
        }

        if (acl->canned == NGX_SOS_CANNED_PUBLIC_READ_WRITE && bucket) {
            acl->grants[0].type = NGX_SOS_GRANTEE_ALL_USERS;
            acl->grants[0].perm = NGX_SOS_ACL_WRITE;
            acl->n = 1;

            if (ngx_sos_acl_public_write(r, acl) != NGX_OK) {
                ngx_str_set(&ctx->error_message, NGX_SOS_PUBLIC_WRITE_OFF);
                return NGX_SOS_ERR_ACCESS_DENIED;
            }

            acl->n = 0;
        }

        *out = acl;
        return NGX_SOS_OK;
    }

    acl->validate_ids = 1;

    for (i = 0; ngx_sos_acl_grant_headers[i].header; i++) {

        part = &r->headers_in.headers.part;
        h = part->elts;

        for (n = 0; /* void */ ; n++) {

            if (n >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                n = 0;
            }

            if (h[n].key.len != ngx_strlen(ngx_sos_acl_grant_headers[i].header)
                || ngx_strncasecmp(h[n].key.data,
                       (u_char *) ngx_sos_acl_grant_headers[i].header,
                       h[n].key.len) != 0)
            {
                continue;
            }

            if (ngx_sos_acl_grant_header(r, acl, &h[n].value,
                                         ngx_sos_acl_grant_headers[i].perm)
                != NGX_OK)
            {
                ngx_str_null(&ctx->error_message);
                return acl->err ? acl->err : NGX_SOS_ERR_INVALID_ARGUMENT;
            }
        }
    }

    if (bucket && ngx_sos_acl_public_write(r, acl) != NGX_OK) {
        ngx_str_set(&ctx->error_message, NGX_SOS_PUBLIC_WRITE_OFF);
        return NGX_SOS_ERR_ACCESS_DENIED;
    }

    *out = acl;

    return NGX_SOS_OK;
}


/* id="..", emailAddress="..", uri=".." separated by commas */

static ngx_int_t
ngx_sos_acl_grant_header(ngx_http_request_t *r, ngx_sos_acl_t *acl,
    ngx_str_t *value, ngx_uint_t perm)
{
    u_char     *p, *end, *name, *v;
    size_t      name_len, len;
    ngx_int_t   type;
    ngx_str_t   s;

    p = value->data;
    end = p + value->len;

    for ( ;; ) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        if (p == end) {
            return NGX_OK;
        }

        name = p;
        while (p < end && *p != '=' && *p != ' ') {
            p++;
        }

        name_len = p - name;

        while (p < end && *p == ' ') {
            p++;
        }

        if (p == end || *p != '=') {
            return NGX_ERROR;
        }

        p++;

        while (p < end && *p == ' ') {
            p++;
        }

        if (p < end && *p == '"') {
            v = ++p;
            while (p < end && *p != '"') {
                p++;
            }

            if (p == end) {
                return NGX_ERROR;
            }

            len = p++ - v;

        } else {
            v = p;
            while (p < end && *p != ',' && *p != ' ') {
                p++;
            }

            len = p - v;
        }

        if (name_len == 2 && ngx_strncasecmp(name, (u_char *) "id", 2) == 0) {
            if (ngx_sos_acl_add(acl, NGX_SOS_GRANTEE_USER, perm, v, len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

        } else if (name_len == 12
                   && ngx_strncasecmp(name, (u_char *) "emailAddress", 12)
                      == 0)
        {
            if (ngx_sos_acl_add(acl, NGX_SOS_GRANTEE_EMAIL, perm, v, len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

        } else if (name_len == 3
                   && ngx_strncasecmp(name, (u_char *) "uri", 3) == 0)
        {
            s.data = v;
            s.len = len;

            type = ngx_sos_acl_group(&s);
            if (type == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (ngx_sos_acl_add(acl, type, perm, NULL, 0) != NGX_OK) {
                return NGX_ERROR;
            }

        } else {
            return NGX_ERROR;
        }
    }
}


static ngx_int_t
ngx_sos_acl_add(ngx_sos_acl_t *acl, ngx_uint_t type, ngx_uint_t perm,
    u_char *id, size_t len)
{
    ngx_sos_grant_t  *g;

    if (acl->n == NGX_SOS_ACL_MAX_GRANTS) {
        acl->err = NGX_SOS_ERR_MALFORMED_ACL;
        return NGX_ERROR;
    }

    g = &acl->grants[acl->n];
    ngx_memzero(g, sizeof(ngx_sos_grant_t));

    g->type = type;
    g->perm = perm;

    if (type == NGX_SOS_GRANTEE_USER) {
        if (ngx_sos_acl_id_valid(id, len) != NGX_OK) {
            acl->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            return NGX_ERROR;
        }

        ngx_memcpy(g->id, id, len);

    } else if (type == NGX_SOS_GRANTEE_EMAIL) {
        if (len == 0 || len >= sizeof(g->email)) {
            acl->err = NGX_SOS_ERR_UNRESOLVABLE_EMAIL;
            return NGX_ERROR;
        }

        ngx_memcpy(g->email, id, len);
    }

    acl->n++;

    return NGX_OK;
}


static ngx_int_t
ngx_sos_acl_group(ngx_str_t *uri)
{
    if (uri->len == sizeof(NGX_SOS_URI_ALL_USERS) - 1
        && ngx_strncmp(uri->data, NGX_SOS_URI_ALL_USERS, uri->len) == 0)
    {
        return NGX_SOS_GRANTEE_ALL_USERS;
    }

    if (uri->len == sizeof(NGX_SOS_URI_AUTH_USERS) - 1
        && ngx_strncmp(uri->data, NGX_SOS_URI_AUTH_USERS, uri->len) == 0)
    {
        return NGX_SOS_GRANTEE_AUTH_USERS;
    }

    if (uri->len == sizeof(NGX_SOS_URI_LOG_DELIVERY) - 1
        && ngx_strncmp(uri->data, NGX_SOS_URI_LOG_DELIVERY, uri->len) == 0)
    {
        return NGX_SOS_GRANTEE_LOG_DELIVERY;
    }

    return NGX_ERROR;
}


static ngx_uint_t
ngx_sos_acl_perm(ngx_str_t *name)
{
    static struct {
        ngx_str_t   name;
        ngx_uint_t  perm;
    } perms[] = {
        { ngx_string("READ"), NGX_SOS_ACL_READ },
        { ngx_string("WRITE"), NGX_SOS_ACL_WRITE },
        { ngx_string("READ_ACP"), NGX_SOS_ACL_READ_ACP },
        { ngx_string("WRITE_ACP"), NGX_SOS_ACL_WRITE_ACP },
        { ngx_string("FULL_CONTROL"), NGX_SOS_ACL_FULL_CONTROL },
        { ngx_null_string, 0 }
    };

    ngx_uint_t  i;

    for (i = 0; perms[i].name.len; i++) {
        if (name->len == perms[i].name.len
            && ngx_strncmp(name->data, perms[i].name.data, name->len) == 0)
        {
            return perms[i].perm;
        }
    }

    return 0;
}


char *
ngx_sos_acl_perm_name(ngx_uint_t perm)
{
    switch (perm) {
    case NGX_SOS_ACL_READ:
        return "READ";
    case NGX_SOS_ACL_WRITE:
        return "WRITE";
    case NGX_SOS_ACL_READ_ACP:
        return "READ_ACP";
    case NGX_SOS_ACL_WRITE_ACP:
        return "WRITE_ACP";
    default:
        return "FULL_CONTROL";
    }
}


static ngx_int_t
ngx_sos_acl_id_valid(u_char *p, size_t len)
{
    size_t  i;

    if (len != SOS_ID_LEN) {
        return NGX_ERROR;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* WRITE (or FULL_CONTROL) to a group: allowed here, and logged */

static ngx_int_t
ngx_sos_acl_public_write(ngx_http_request_t *r, ngx_sos_acl_t *acl)
{
    ngx_uint_t            i;
    ngx_sos_grant_t      *g;
    ngx_sos_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    for (i = 0; i < acl->n; i++) {
        g = &acl->grants[i];

        if ((g->type != NGX_SOS_GRANTEE_ALL_USERS
             && g->type != NGX_SOS_GRANTEE_AUTH_USERS)
            || !(g->perm & NGX_SOS_ACL_WRITE))
        {
            continue;
        }

        if (!smcf->allow_public_write) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "sos: public write access to bucket \"%V\" "
                          "refused by sos_allow_public_write",
                          &((ngx_sos_ctx_t *)
                            ngx_http_get_module_ctx(r, ngx_http_sos_module))
                           ->bucket);
            return NGX_ERROR;
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "sos: public write access granted to %s on bucket "
                      "\"%V\"",
                      g->type == NGX_SOS_GRANTEE_ALL_USERS
                      ? "AllUsers" : "AuthenticatedUsers",
                      &((ngx_sos_ctx_t *)
                        ngx_http_get_module_ctx(r, ngx_http_sos_module))
                       ->bucket);
        return NGX_OK;
    }

    return NGX_OK;
}


/* the AccessControlPolicy document of PutBucketAcl and PutObjectAcl */

ngx_sos_err_e
ngx_sos_acl_from_body(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_uint_t bucket, ngx_sos_acl_t **out)
{
    ngx_sos_err_e         err;
    ngx_sos_acl_t        *acl;
    ngx_sos_acl_parse_t   ps;

    if (ctx->body.len == 0) {
        return NGX_SOS_ERR_MALFORMED_ACL;
    }

    acl = ngx_pcalloc(r->pool, sizeof(ngx_sos_acl_t));
    if (acl == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    acl->validate_ids = 1;

    ngx_memzero(&ps, sizeof(ngx_sos_acl_parse_t));
    ps.acl = acl;

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "AccessControlPolicy",
                            NGX_SOS_ACL_TEXT_MAX, ngx_sos_acl_xml, &ps);

    if (err == NGX_SOS_ERR_MALFORMED_XML) {
        err = acl->err ? acl->err : NGX_SOS_ERR_MALFORMED_ACL;
    }

    if (err == NGX_SOS_OK && (!acl->has_owner || !ps.in_acl)) {
        err = NGX_SOS_ERR_MALFORMED_ACL;
    }

    if (err == NGX_SOS_OK && bucket
        && ngx_sos_acl_public_write(r, acl) != NGX_OK)
    {
        ngx_str_set(&ctx->error_message, NGX_SOS_PUBLIC_WRITE_OFF);
        err = NGX_SOS_ERR_ACCESS_DENIED;
    }

    *out = acl;

    return err;
}


static ngx_int_t
ngx_sos_acl_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_acl_parse_t  *ps = data;

    ngx_int_t       type;
    ngx_str_t       t;
    ngx_sos_acl_t  *acl;

    acl = ps->acl;

    if (ngx_sos_xml_path_is(path, "AccessControlList/Grant")) {
        if (text == NULL) {
            if (acl->n == NGX_SOS_ACL_MAX_GRANTS) {
                return NGX_DECLINED;
            }

            ps->g = &acl->grants[acl->n++];
            ngx_memzero(ps->g, sizeof(ngx_sos_grant_t));
            ps->kinds = 0;
            return NGX_OK;
        }

        if (ps->kinds != 1 || ps->g->perm == 0) {
            return NGX_DECLINED;
        }

        ps->g = NULL;
        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "AccessControlList")) {
        if (text) {
            ps->in_acl = 1;
        }

        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "Owner")
        || ngx_sos_xml_path_is(path, "Owner/DisplayName")
        || ngx_sos_xml_path_is(path, "AccessControlList/Grant/Grantee")
        || ngx_sos_xml_path_is(path,
                               "AccessControlList/Grant/Grantee/DisplayName"))
    {
        return NGX_OK;
    }

    if (text == NULL) {
        return NGX_OK;
    }

    t = *text;
    ngx_sos_xml_trim(&t);

    if (ngx_sos_xml_path_is(path, "Owner/ID")) {
        if (ngx_sos_acl_id_valid(t.data, t.len) != NGX_OK) {
            acl->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            return NGX_DECLINED;
        }

        ngx_memcpy(acl->owner, t.data, t.len);
        acl->has_owner = 1;
        return NGX_OK;
    }

    if (ps->g == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_sos_xml_path_is(path, "AccessControlList/Grant/Permission")) {
        ps->g->perm = ngx_sos_acl_perm(&t);
        return ps->g->perm ? NGX_OK : NGX_DECLINED;
    }

    if (ngx_sos_xml_path_is(path, "AccessControlList/Grant/Grantee/ID")) {
        ps->kinds++;
        ps->g->type = NGX_SOS_GRANTEE_USER;

        if (ngx_sos_acl_id_valid(t.data, t.len) != NGX_OK) {
            acl->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            return NGX_DECLINED;
        }

        ngx_memcpy(ps->g->id, t.data, t.len);
        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path,
                            "AccessControlList/Grant/Grantee/EmailAddress"))
    {
        ps->kinds++;
        ps->g->type = NGX_SOS_GRANTEE_EMAIL;

        if (t.len == 0 || t.len >= sizeof(ps->g->email)) {
            acl->err = NGX_SOS_ERR_UNRESOLVABLE_EMAIL;
            return NGX_DECLINED;
        }

        ngx_memcpy(ps->g->email, t.data, t.len);
        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "AccessControlList/Grant/Grantee/URI")) {
        ps->kinds++;

        type = ngx_sos_acl_group(&t);
        if (type == NGX_ERROR) {
            acl->err = NGX_SOS_ERR_INVALID_ARGUMENT;
            return NGX_DECLINED;
        }

        ps->g->type = type;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/* ------------------------------------------------------------------ */
/* the blob and evaluation                                            */


ngx_sos_err_e
ngx_sos_acl_build(sos_store_t *store, ngx_sos_acl_t *acl, const char *owner,
    const char *bucket_owner, sos_rc_e *rc, sos_error_t *err)
{
    u_char           *p;
    ngx_uint_t        i, n;
    sos_org_t         org;
    ngx_sos_grant_t  *g, canned[3];

    *rc = SOS_OK;

    if (acl == NULL) {
        return NGX_SOS_OK;
    }

    if (acl->canned) {
        ngx_memzero(canned, sizeof(canned));
        n = 0;

        switch (acl->canned) {

        case NGX_SOS_CANNED_PUBLIC_READ_WRITE:
            canned[n].type = NGX_SOS_GRANTEE_ALL_USERS;
            canned[n++].perm = NGX_SOS_ACL_READ;
            canned[n].type = NGX_SOS_GRANTEE_ALL_USERS;
            canned[n++].perm = NGX_SOS_ACL_WRITE;
            break;

        case NGX_SOS_CANNED_PUBLIC_READ:
            canned[n].type = NGX_SOS_GRANTEE_ALL_USERS;
            canned[n++].perm = NGX_SOS_ACL_READ;
            break;

        case NGX_SOS_CANNED_AUTHENTICATED_READ:
            canned[n].type = NGX_SOS_GRANTEE_AUTH_USERS;
            canned[n++].perm = NGX_SOS_ACL_READ;
            break;

        case NGX_SOS_CANNED_BUCKET_OWNER_READ:
        case NGX_SOS_CANNED_BUCKET_OWNER_FULL_CONTROL:
            /* on a bucket (or by the bucket owner) S3 ignores these */
            if (bucket_owner && ngx_strcmp(bucket_owner, owner) != 0) {
                canned[n].type = NGX_SOS_GRANTEE_USER;
                canned[n].perm =
                        (acl->canned == NGX_SOS_CANNED_BUCKET_OWNER_READ)
                        ? NGX_SOS_ACL_READ : NGX_SOS_ACL_FULL_CONTROL;
                ngx_cpystrn((u_char *) canned[n++].id,
                            (u_char *) bucket_owner, SOS_ID_LEN + 1);
            }

            break;

        case NGX_SOS_CANNED_LOG_DELIVERY_WRITE:
            canned[n].type = NGX_SOS_GRANTEE_LOG_DELIVERY;
            canned[n++].perm = NGX_SOS_ACL_WRITE;
            canned[n].type = NGX_SOS_GRANTEE_LOG_DELIVERY;
            canned[n++].perm = NGX_SOS_ACL_READ_ACP;
            break;

        default: /* private, aws-exec-read (no EC2 here) */
            break;
        }

        /*
         * in RGW's order (rgw_acl.cc add_grant: a map keyed by the
         * grantee's user id, empty for a group): the groups as the
         * canned ACL names them, then the users by id, the owner's
         * FULL_CONTROL among them
         */

        acl->n = 0;

        for (i = 0; i < n; i++) {
            if (canned[i].type != NGX_SOS_GRANTEE_USER) {
                acl->grants[acl->n++] = canned[i];
            }
        }

        g = &acl->grants[acl->n];

        if (n && canned[n - 1].type == NGX_SOS_GRANTEE_USER
            && ngx_strcmp(canned[n - 1].id, owner) < 0)
        {
            *g++ = canned[n - 1];
            acl->n++;
        }

        g->type = NGX_SOS_GRANTEE_USER;
        g->perm = NGX_SOS_ACL_FULL_CONTROL;
        ngx_cpystrn((u_char *) g->id, (u_char *) owner, SOS_ID_LEN + 1);
        acl->n++;

        if (n && canned[n - 1].type == NGX_SOS_GRANTEE_USER
            && ngx_strcmp(canned[n - 1].id, owner) > 0)
        {
            acl->grants[acl->n++] = canned[n - 1];
        }
    }

    for (i = 0; i < acl->n; i++) {
        g = &acl->grants[i];

        if (g->type == NGX_SOS_GRANTEE_EMAIL) {
            *rc = sos_org_find_by_email(store, g->email, ngx_strlen(g->email),
                                        &org, err);
            if (*rc == SOS_ENOTFOUND) {
                *rc = SOS_OK;
                return NGX_SOS_ERR_UNRESOLVABLE_EMAIL;
            }

            if (*rc != SOS_OK) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }

            g->type = NGX_SOS_GRANTEE_USER;
            ngx_cpystrn((u_char *) g->id, (u_char *) org.id, SOS_ID_LEN + 1);

        } else if (g->type == NGX_SOS_GRANTEE_USER && acl->validate_ids
                   && ngx_strcmp(g->id, owner) != 0)
        {
            *rc = sos_org_get(store, g->id, SOS_ID_LEN, &org, err);
            if (*rc == SOS_ENOTFOUND) {
                *rc = SOS_OK;
                return NGX_SOS_ERR_INVALID_ARGUMENT;
            }

            if (*rc != SOS_OK) {
                return NGX_SOS_ERR_INTERNAL_ERROR;
            }
        }
    }

    p = acl->blob;
    *p++ = 'A';
    *p++ = 1;
    *p++ = (u_char) acl->n;

    for (i = 0; i < acl->n; i++) {
        g = &acl->grants[i];
        *p++ = (u_char) g->type;
        *p++ = (u_char) g->perm;

        if (g->type == NGX_SOS_GRANTEE_USER) {
            p = ngx_cpymem(p, g->id, SOS_ID_LEN);
        }
    }

    acl->blob_len = p - acl->blob;

    return NGX_SOS_OK;
}


/* an empty or unreadable blob is "private" */

void
ngx_sos_acl_decode(const u_char *blob, size_t len, const char *owner,
    ngx_sos_acl_t *acl)
{
    const u_char     *p, *end;
    ngx_uint_t        i, n;
    ngx_sos_grant_t  *g;

    acl->n = 0;

    if (len >= 3 && blob[0] == 'A' && blob[1] == 1) {
        p = blob + 3;
        end = blob + len;
        n = blob[2];

        for (i = 0; i < n && i < NGX_SOS_ACL_MAX_GRANTS; i++) {
            if (end - p < 2) {
                break;
            }

            g = &acl->grants[acl->n];
            g->type = *p++;
            g->perm = *p++;
            g->id[0] = '\0';

            if (g->type == NGX_SOS_GRANTEE_USER) {
                if (end - p < SOS_ID_LEN) {
                    break;
                }

                ngx_memcpy(g->id, p, SOS_ID_LEN);
                g->id[SOS_ID_LEN] = '\0';
                p += SOS_ID_LEN;
            }

            acl->n++;
        }

        return;
    }

    acl->grants[0].type = NGX_SOS_GRANTEE_USER;
    acl->grants[0].perm = NGX_SOS_ACL_FULL_CONTROL;
    ngx_cpystrn((u_char *) acl->grants[0].id, (u_char *) owner,
                SOS_ID_LEN + 1);
    acl->n = 1;
}


ngx_uint_t
ngx_sos_acl_allows(const u_char *blob, size_t len, const char *owner,
    size_t owner_len, const char *who, ngx_uint_t perm)
{
    const u_char  *p, *end;
    ngx_uint_t     i, n, type, gp, is_owner;

    is_owner = who[0] != '\0' && owner_len == ngx_strlen(who)
               && ngx_strncmp(owner, who, owner_len) == 0;

    /* the owner may always read and change the ACL */

    if (is_owner && (perm & ~(NGX_SOS_ACL_READ_ACP|NGX_SOS_ACL_WRITE_ACP))
                    == 0)
    {
        return 1;
    }

    if (len < 3 || blob[0] != 'A' || blob[1] != 1) {
        return is_owner;                 /* private */
    }

    p = blob + 3;
    end = blob + len;
    n = blob[2];

    for (i = 0; i < n && end - p >= 2; i++) {
        type = *p++;
        gp = *p++;

        if (type == NGX_SOS_GRANTEE_USER) {
            if (end - p < SOS_ID_LEN) {
                break;
            }

            if ((gp & perm) == perm && who[0] != '\0'
                && ngx_strncmp(p, who, SOS_ID_LEN) == 0)
            {
                return 1;
            }

            p += SOS_ID_LEN;
            continue;
        }

        if ((gp & perm) != perm) {
            continue;
        }

        if (type == NGX_SOS_GRANTEE_ALL_USERS
            || (type == NGX_SOS_GRANTEE_AUTH_USERS && who[0] != '\0'))
        {
            return 1;
        }
    }

    return 0;
}
