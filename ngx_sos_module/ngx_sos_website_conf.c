
/*
 * SOS: PutBucketWebsite, GetBucketWebsite, DeleteBucketWebsite.
 *
 * The document is parsed with expat and validated as S3 validates it (its
 * error codes and messages); what passes is stored in the bucket's
 * SOS_BUCKET_WEBSITE setting in a compact form (ngx_sos_website_form.c),
 * which GetBucketWebsite writes back as XML.
 *
 * Every value that a Location header may later carry is checked here:
 * host names are host characters only, keys have no control character.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_website.h"


#define NGX_SOS_WEBSITE_BODY_MAX   (256 * 1024)

/* what the document held, before validation */
typedef struct {
    ngx_sos_website_conf_t   wc;
    ngx_pool_t              *pool;           /* texts are copied there */
    ngx_uint_t               index;          /* containers seen */
    ngx_uint_t               error;
    ngx_uint_t               all;
    ngx_uint_t               routing;
    ngx_uint_t               n_seen;         /* RoutingRule elements */
    ngx_uint_t               redirect[NGX_SOS_WEBSITE_MAX_RULES];
    ngx_str_t                error_code[NGX_SOS_WEBSITE_MAX_RULES];
    ngx_str_t                code[NGX_SOS_WEBSITE_MAX_RULES];
} ngx_sos_website_doc_t;


static void ngx_sos_website_put_body(ngx_http_request_t *r);
static ngx_int_t ngx_sos_website_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_int_t ngx_sos_website_xml_rule(ngx_sos_website_doc_t *doc,
    ngx_str_t *path, ngx_str_t *text);
static ngx_int_t ngx_sos_website_set(ngx_sos_website_doc_t *doc,
    ngx_str_t *dst, ngx_str_t *text);
static ngx_sos_err_e ngx_sos_website_validate(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_website_doc_t *doc);
static ngx_sos_err_e ngx_sos_website_validate_rule(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_website_doc_t *doc, ngx_uint_t i);
static ngx_sos_err_e ngx_sos_website_invalid(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_err_e err, char *message, char *name,
    ngx_str_t *value);
static ngx_sos_err_e ngx_sos_website_code(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *text, ngx_uint_t min, ngx_uint_t max,
    char *what, char *valid, ngx_uint_t *code);
static ngx_int_t ngx_sos_website_protocol(ngx_str_t *s);
static void ngx_sos_website_put_run(ngx_sos_job_t *job);
static ngx_int_t ngx_sos_website_put_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static ngx_int_t ngx_sos_website_get_done(ngx_http_request_t *r,
    ngx_sos_job_t *job);


/* ------------------------------------------------------------------ */
/* PutBucketWebsite                                                   */


ngx_int_t
ngx_sos_website_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    return ngx_sos_body_read(r, ctx, NGX_SOS_WEBSITE_BODY_MAX,
                             ngx_sos_website_put_body);
}


static void
ngx_sos_website_put_body(ngx_http_request_t *r)
{
    ngx_str_t               *blob;
    ngx_sos_ctx_t           *ctx;
    ngx_sos_err_e            err;
    ngx_sos_job_t           *job;
    ngx_sos_website_doc_t   *doc;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);

    doc = ngx_pcalloc(r->pool, sizeof(ngx_sos_website_doc_t));
    job = ngx_sos_job_create(r, ctx, sizeof(ngx_str_t));

    if (doc == NULL || job == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    doc->pool = r->pool;

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "WebsiteConfiguration",
                            SOS_MAX_KEY_LEN, ngx_sos_website_xml, doc);

    if (err == NGX_SOS_OK) {
        err = ngx_sos_website_validate(r, ctx, doc);
    }

    if (err != NGX_SOS_OK) {
        ngx_http_finalize_request(r, ngx_sos_error_send_ctx(r, ctx, err));
        return;
    }

    blob = job->data;

    if (ngx_sos_website_encode(r->pool, &doc->wc, blob) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    job->run = ngx_sos_website_put_run;
    job->done = ngx_sos_website_put_done;

    ngx_http_finalize_request(r, ngx_sos_job_start(r, job));
}


/* each element: once, where the schema has it */

static ngx_int_t
ngx_sos_website_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_website_doc_t  *doc = data;

    ngx_str_t    sub;
    ngx_uint_t  *seen;

    seen = NULL;

    if (ngx_sos_xml_path_is(path, "IndexDocument")) {
        seen = &doc->index;

    } else if (ngx_sos_xml_path_is(path, "ErrorDocument")) {
        seen = &doc->error;

    } else if (ngx_sos_xml_path_is(path, "RedirectAllRequestsTo")) {
        seen = &doc->all;

    } else if (ngx_sos_xml_path_is(path, "RoutingRules")) {
        seen = &doc->routing;
    }

    if (seen) {
        if (text == NULL && (*seen)++) {
            return NGX_DECLINED;
        }

        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "IndexDocument/Suffix")) {
        return ngx_sos_website_set(doc, &doc->wc.suffix, text);
    }

    if (ngx_sos_xml_path_is(path, "ErrorDocument/Key")) {
        return ngx_sos_website_set(doc, &doc->wc.error_key, text);
    }

    if (ngx_sos_xml_path_is(path, "RedirectAllRequestsTo/HostName")) {
        return ngx_sos_website_set(doc, &doc->wc.all_host, text);
    }

    if (ngx_sos_xml_path_is(path, "RedirectAllRequestsTo/Protocol")) {
        return ngx_sos_website_set(doc, &doc->wc.all_protocol, text);
    }

    if (path->len > sizeof("RoutingRules/RoutingRule") - 1
        && ngx_strncmp(path->data, "RoutingRules/RoutingRule/",
                       sizeof("RoutingRules/RoutingRule/") - 1) == 0)
    {
        if (doc->n_seen > NGX_SOS_WEBSITE_MAX_RULES) {
            return NGX_OK;               /* refused once parsed */
        }

        sub.data = path->data + sizeof("RoutingRules/RoutingRule/") - 1;
        sub.len = path->len - (sizeof("RoutingRules/RoutingRule/") - 1);

        return ngx_sos_website_xml_rule(doc, &sub, text);
    }

    if (ngx_sos_xml_path_is(path, "RoutingRules/RoutingRule")) {
        if (text == NULL) {
            doc->n_seen++;
        }

        return NGX_OK;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_sos_website_xml_rule(ngx_sos_website_doc_t *doc, ngx_str_t *path,
    ngx_str_t *text)
{
    ngx_uint_t               i;
    ngx_sos_website_rule_t  *rule;

    i = doc->n_seen - 1;
    rule = &doc->wc.rules[i];

    if (ngx_sos_xml_path_is(path, "Condition")) {
        if (text == NULL && rule->condition++) {
            return NGX_DECLINED;
        }

        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "Redirect")) {
        if (text == NULL && doc->redirect[i]++) {
            return NGX_DECLINED;
        }

        return NGX_OK;
    }

    if (ngx_sos_xml_path_is(path, "Condition/KeyPrefixEquals")) {
        return ngx_sos_website_set(doc, &rule->prefix, text);
    }

    if (ngx_sos_xml_path_is(path, "Condition/HttpErrorCodeReturnedEquals")) {
        return ngx_sos_website_set(doc, &doc->error_code[i], text);
    }

    if (ngx_sos_xml_path_is(path, "Redirect/Protocol")) {
        return ngx_sos_website_set(doc, &rule->protocol, text);
    }

    if (ngx_sos_xml_path_is(path, "Redirect/HostName")) {
        return ngx_sos_website_set(doc, &rule->host, text);
    }

    if (ngx_sos_xml_path_is(path, "Redirect/ReplaceKeyPrefixWith")) {
        return ngx_sos_website_set(doc, &rule->replace_prefix, text);
    }

    if (ngx_sos_xml_path_is(path, "Redirect/ReplaceKeyWith")) {
        return ngx_sos_website_set(doc, &rule->replace_key, text);
    }

    if (ngx_sos_xml_path_is(path, "Redirect/HttpRedirectCode")) {
        return ngx_sos_website_set(doc, &doc->code[i], text);
    }

    return NGX_DECLINED;
}


/* a leaf element: its text once it closes; twice is MalformedXML */

static ngx_int_t
ngx_sos_website_set(ngx_sos_website_doc_t *doc, ngx_str_t *dst,
    ngx_str_t *text)
{
    if (text == NULL) {
        return dst->data ? NGX_DECLINED : NGX_OK;
    }

    /* the parser's buffer is reused */

    dst->len = text->len;
    dst->data = ngx_pnalloc(doc->pool, text->len + 1);

    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, text->data, text->len);

    return NGX_OK;
}


/* S3's checks, in S3's order, with its codes and messages */

static ngx_sos_err_e
ngx_sos_website_validate(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_website_doc_t *doc)
{
    u_char                  *p;
    ngx_uint_t               i;
    ngx_sos_err_e            err;
    ngx_sos_website_conf_t  *wc;

    wc = &doc->wc;

    if (doc->all) {
        if (doc->index || doc->error || doc->routing) {
            return ngx_sos_website_invalid(r, ctx,
                       NGX_SOS_ERR_INVALID_ARGUMENT,
                       "RedirectAllRequestsTo cannot be provided in "
                       "conjunction with other Routing Rules.",
                       "RedirectAllRequestsTo", NULL);
        }

        if (wc->all_host.data == NULL) {
            return NGX_SOS_ERR_MALFORMED_XML;
        }

        if (ngx_sos_website_check_host(wc->all_host.data, wc->all_host.len)
            != NGX_OK)
        {
            return ngx_sos_website_invalid(r, ctx,
                       NGX_SOS_ERR_INVALID_ARGUMENT,
                       "A host name must be provided to redirect all "
                       "requests (e.g. \"example.com\").",
                       "HostName", &wc->all_host);
        }

        if (wc->all_protocol.data
            && ngx_sos_website_protocol(&wc->all_protocol) != NGX_OK)
        {
            goto protocol;
        }

        return NGX_SOS_OK;
    }

    if (!doc->index) {
        return ngx_sos_website_invalid(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                   "A value for IndexDocument Suffix must be provided if "
                   "RedirectAllRequestsTo is empty", "IndexDocument", NULL);
    }

    if (wc->suffix.len == 0
        || ngx_strlchr(wc->suffix.data, wc->suffix.data + wc->suffix.len,
                       '/')
        || ngx_sos_check_key(wc->suffix.data, wc->suffix.len) != NGX_OK
        || ngx_sos_check_value(wc->suffix.data, wc->suffix.len) != NGX_OK)
    {
        return ngx_sos_website_invalid(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                   "The IndexDocument Suffix is not well formed",
                   "IndexDocument", &wc->suffix);
    }

    if (doc->error) {
        if (wc->error_key.len == 0) {
            return NGX_SOS_ERR_MALFORMED_XML;
        }

        if (ngx_sos_check_key(wc->error_key.data, wc->error_key.len)
            != NGX_OK)
        {
            return ngx_sos_website_invalid(r, ctx,
                       NGX_SOS_ERR_INVALID_ARGUMENT,
                       "The ErrorDocument Key is not well formed",
                       "ErrorDocument", &wc->error_key);
        }
    }

    if (!doc->routing) {
        return NGX_SOS_OK;
    }

    if (doc->n_seen == 0) {
        return NGX_SOS_ERR_MALFORMED_XML;
    }

    if (doc->n_seen > NGX_SOS_WEBSITE_MAX_RULES) {
        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN + 100);
        if (p == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        ctx->error_message.data = p;
        ctx->error_message.len = ngx_sprintf(p, "%ui routing rules "
                                             "provided, the number of "
                                             "routing rules in a website "
                                             "configuration is limited "
                                             "to %d.", doc->n_seen,
                                             NGX_SOS_WEBSITE_MAX_RULES)
                                 - p;
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    wc->n_rules = doc->n_seen;

    for (i = 0; i < wc->n_rules; i++) {
        err = ngx_sos_website_validate_rule(r, ctx, doc, i);
        if (err != NGX_SOS_OK) {
            return err;
        }
    }

    return NGX_SOS_OK;

protocol:

    ngx_str_set(&ctx->error_message, "Invalid protocol, protocol can be "
                "http or https. If not defined the protocol will be "
                "selected automatically.");
    return NGX_SOS_ERR_INVALID_REQUEST;
}


static ngx_sos_err_e
ngx_sos_website_validate_rule(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_website_doc_t *doc, ngx_uint_t i)
{
    ngx_str_t               *s;
    ngx_sos_err_e            err;
    ngx_sos_website_rule_t  *rule;

    rule = &doc->wc.rules[i];

    if (!doc->redirect[i]) {
        return NGX_SOS_ERR_MALFORMED_XML;
    }

    if (rule->condition && rule->prefix.data == NULL
        && doc->error_code[i].data == NULL)
    {
        ngx_str_set(&ctx->error_message, "Condition cannot be empty. To "
                    "redirect all requests without a condition, the "
                    "condition element shouldn't be present.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (rule->replace_prefix.data && rule->replace_key.data) {
        ngx_str_set(&ctx->error_message, "You can only define "
                    "ReplaceKeyPrefix or ReplaceKey but not both.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (rule->protocol.data
        && ngx_sos_website_protocol(&rule->protocol) != NGX_OK)
    {
        ngx_str_set(&ctx->error_message, "Invalid protocol, protocol can be "
                    "http or https. If not defined the protocol will be "
                    "selected automatically.");
        return NGX_SOS_ERR_INVALID_REQUEST;
    }

    if (rule->host.data) {
        if (rule->host.len == 0) {
            ngx_str_set(&ctx->error_message, "The HostName cannot be blank. "
                        "To redirect within the same domain, the element "
                        "should not be present.");
            return NGX_SOS_ERR_INVALID_REQUEST;
        }

        if (ngx_sos_website_check_host(rule->host.data, rule->host.len)
            != NGX_OK)
        {
            return ngx_sos_website_invalid(r, ctx,
                       NGX_SOS_ERR_INVALID_ARGUMENT,
                       "The HostName is not a valid host name.",
                       "HostName", &rule->host);
        }
    }

    /* no control character at all: a Location header carries them */

    if (rule->prefix.data
        && ngx_sos_check_key(rule->prefix.data, rule->prefix.len) != NGX_OK)
    {
        return ngx_sos_website_invalid(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                   "The KeyPrefixEquals is not a valid key prefix.",
                   "KeyPrefixEquals", &rule->prefix);
    }

    s = rule->replace_prefix.data ? &rule->replace_prefix : &rule->replace_key;

    if (s->data
        && (ngx_sos_check_key(s->data, s->len) != NGX_OK
            || ngx_sos_check_value(s->data, s->len) != NGX_OK
            || ngx_strlchr(s->data, s->data + s->len, '\t')))
    {
        return ngx_sos_website_invalid(r, ctx, NGX_SOS_ERR_INVALID_ARGUMENT,
                   "The replacement key is not a valid key.",
                   rule->replace_prefix.data ? "ReplaceKeyPrefixWith"
                                             : "ReplaceKeyWith", s);
    }

    err = ngx_sos_website_code(r, ctx, &doc->code[i], 301, 399, "redirect",
                               "3XX except 300", &rule->code);
    if (err != NGX_SOS_OK) {
        return err;
    }

    return ngx_sos_website_code(r, ctx, &doc->error_code[i], 400, 599,
                                "error", "4XX or 5XX", &rule->error_code);
}


/* err with a message, and ArgumentName / ArgumentValue ("null": none) */

static ngx_sos_err_e
ngx_sos_website_invalid(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err, char *message, char *name, ngx_str_t *value)
{
    ngx_str_t  null = ngx_string("null");

    ctx->error_message.data = (u_char *) message;
    ctx->error_message.len = ngx_strlen(message);

    if (value == NULL || value->data == NULL) {
        value = &null;
    }

    if (ngx_sos_error_element(r, ctx, "ArgumentName", (u_char *) name,
                              ngx_strlen(name))
        != NGX_OK
        || ngx_sos_error_element(r, ctx, "ArgumentValue", value->data,
                                 value->len)
           != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    return err;
}


/*
 * A rule's status code, when given (text->data), into *code: one in
 * [min, max], else InvalidRequest with S3's message.
 */

static ngx_sos_err_e
ngx_sos_website_code(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *text, ngx_uint_t min, ngx_uint_t max, char *what, char *valid,
    ngx_uint_t *code)
{
    u_char     *p;
    ngx_int_t   n;

    if (text->data == NULL) {
        return NGX_SOS_OK;
    }

    n = (text->len == 3) ? ngx_atoi(text->data, 3) : NGX_ERROR;

    if (n != NGX_ERROR && (ngx_uint_t) n >= min && (ngx_uint_t) n <= max) {
        *code = n;
        return NGX_SOS_OK;
    }

    p = ngx_pnalloc(r->pool, 100 + text->len);
    if (p == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ctx->error_message.data = p;
    ctx->error_message.len = ngx_sprintf(p, "The provided HTTP %s code (%V) "
                                         "is not valid. Valid codes are "
                                         "%s.", what, text, valid)
                             - p;

    return NGX_SOS_ERR_INVALID_REQUEST;
}


static ngx_int_t
ngx_sos_website_protocol(ngx_str_t *s)
{
    if ((s->len == 4 && ngx_strncmp(s->data, "http", 4) == 0)
        || (s->len == 5 && ngx_strncmp(s->data, "https", 5) == 0))
    {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * A host, with an optional port: letters, digits, '-', '.', '_', and ':',
 * '[' and ']' for an IPv6 address; at most 255 bytes.
 */

ngx_int_t
ngx_sos_website_check_host(u_char *p, size_t len)
{
    u_char  c, *end;

    if (len == 0 || len > 255) {
        return NGX_DECLINED;
    }

    for (end = p + len; p < end; p++) {
        c = *p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == ':' || c == '['
            || c == ']')
        {
            continue;
        }

        return NGX_DECLINED;
    }

    return NGX_OK;
}


static void
ngx_sos_website_put_run(ngx_sos_job_t *job)
{
    ngx_str_t      *blob = job->data;
    ngx_sos_ctx_t  *ctx;

    ctx = job->ctx;

    job->rc = sos_bucket_set_conf(job->store, (char *) ctx->bucket.data,
                                  ctx->bucket.len, ctx->authz.bucket,
                                  SOS_BUCKET_WEBSITE, blob->data, blob->len,
                                  &job->err);
}


static ngx_int_t
ngx_sos_website_put_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    if (job->rc != SOS_OK) {
        return ngx_sos_error_send_bucket(r, job->ctx,
                                         ngx_sos_error_from_store(job->rc));
    }

    return ngx_sos_send_xml(r, r->method == NGX_HTTP_DELETE
                               ? NGX_HTTP_NO_CONTENT : NGX_HTTP_OK,
                            NULL);
}


/* ------------------------------------------------------------------ */
/* DeleteBucketWebsite, GetBucketWebsite                              */


ngx_int_t
ngx_sos_website_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_str_t      *blob;
    ngx_sos_job_t  *job;

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_str_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* len 0 removes the setting; none set is no error, as S3 */

    blob = job->data;
    ngx_str_set(blob, "");

    job->run = ngx_sos_website_put_run;
    job->done = ngx_sos_website_put_done;

    return ngx_sos_job_start(r, job);
}


ngx_int_t
ngx_sos_website_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    ngx_sos_job_t  *job;

    /* the authorization step reads the bucket, and its settings with it */

    job = ngx_sos_job_create(r, ctx, sizeof(ngx_sos_website_conf_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    job->done = ngx_sos_website_get_done;

    return ngx_sos_job_start(r, job);
}


static ngx_int_t
ngx_sos_website_get_done(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_website_conf_t *wc = job->data;

    sos_str_t          *blob;
    ngx_sos_ctx_t      *ctx;
    ngx_sos_xml_out_t   x;

    ctx = job->ctx;
    blob = &ctx->authz.bucket->conf[SOS_BUCKET_WEBSITE];

    if (blob->len == 0) {
        return ngx_sos_error_send_bucket(r, ctx,
                                    NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION);
    }

    if (ngx_sos_website_conf_decode((u_char *) blob->data, blob->len, wc)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sos: website configuration of bucket \"%V\" "
                      "does not decode", &ctx->bucket);
        return ngx_sos_error_send(r, NGX_SOS_ERR_INTERNAL_ERROR);
    }

    ngx_sos_xml_out_init(&x, r->pool, 1024);
    ngx_sos_website_conf_xml(&x, wc);

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}
