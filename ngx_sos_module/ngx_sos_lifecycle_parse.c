
/*
 * SOS: the LifecycleConfiguration of PutBucketLifecycleConfiguration
 * checked and turned into the form the rules are kept in
 * (ngx_sos_lifecycle.h; read and written back by ngx_sos_lifecycle_rule.c).
 *
 * A LifecycleConfiguration is checked as S3 checks it: MalformedXML for
 * what the schema refuses (a Status other than Enabled or Disabled, both
 * or neither of Filter and Prefix, two conditions of a Filter without
 * And, an Expiration without exactly one of Days, Date and
 * ExpiredObjectDeleteMarker), InvalidArgument with S3's messages for a
 * day count that is not positive, a Date not at midnight, a long or
 * repeated ID, InvalidRequest for a rule without action and for actions
 * that do not go with tags.  A Transition is answered InvalidStorageClass,
 * as RGW answers a storage class it does not have: SOS has one.
 */


#include "ngx_sos_op.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_auth.h"
#include "ngx_sos_lifecycle.h"


#define NGX_SOS_LC_ID_MAX       255
#define NGX_SOS_LC_FIELD_MAX    0xffff
#define NGX_SOS_LC_TAG_KEY_MAX  128
#define NGX_SOS_LC_TAG_VAL_MAX  256
#define NGX_SOS_LC_NEWER_MAX    100

/* what a rule has seen, once each */
#define NGX_SOS_LC_SEEN_ID      0x0001
#define NGX_SOS_LC_SEEN_STATUS  0x0002
#define NGX_SOS_LC_SEEN_PREFIX  0x0004   /* legacy */
#define NGX_SOS_LC_SEEN_FILTER  0x0008
#define NGX_SOS_LC_SEEN_AND     0x0010
#define NGX_SOS_LC_SEEN_EXP     0x0020
#define NGX_SOS_LC_SEEN_NC      0x0040
#define NGX_SOS_LC_SEEN_ABORT   0x0080
#define NGX_SOS_LC_SEEN_TRANS   0x0100


typedef struct {
    u_char                   tag;
    ngx_str_t                value;
} ngx_sos_lc_kept_t;


typedef struct {
    ngx_http_request_t      *request;
    ngx_sos_ctx_t           *ctx;
    ngx_uint_t               rules;
    ngx_uint_t               seen;
    ngx_uint_t               preds;      /* conditions right in Filter */
    ngx_str_t                tag_key;
    ngx_str_t                tag_value;
    ngx_uint_t               tag_fields; /* Key 1, Value 2 */
    ngx_array_t              fields;     /* of the rule being read */
    ngx_array_t              ids;        /* of ngx_str_t */
    u_char                  *start;      /* the blob */
    u_char                  *last;
    u_char                  *end;
    ngx_sos_err_e            err;        /* beyond MalformedXML */
} ngx_sos_lc_parse_t;


static ngx_int_t ngx_sos_lc_xml(void *data, ngx_str_t *path,
    ngx_str_t *text);
static ngx_int_t ngx_sos_lc_open(ngx_sos_lc_parse_t *ps, ngx_str_t *name);
static ngx_int_t ngx_sos_lc_text(ngx_sos_lc_parse_t *ps, ngx_str_t *name,
    ngx_str_t *text);
static ngx_int_t ngx_sos_lc_keep(ngx_sos_lc_parse_t *ps, u_char tag,
    ngx_str_t *v);
static ngx_int_t ngx_sos_lc_rule_end(ngx_sos_lc_parse_t *ps);
static ngx_sos_lc_kept_t *ngx_sos_lc_find(ngx_sos_lc_parse_t *ps,
    u_char tag);
static ngx_int_t ngx_sos_lc_positive(ngx_sos_lc_parse_t *ps, u_char tag,
    char *message);
static ngx_int_t ngx_sos_lc_emit(ngx_sos_lc_parse_t *ps, u_char tag,
    ngx_str_t *value);
static ngx_int_t ngx_sos_lc_fail(ngx_sos_lc_parse_t *ps, ngx_sos_err_e err,
    char *message);
static int64_t ngx_sos_lc_date(ngx_str_t *v);


ngx_sos_err_e
ngx_sos_lc_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx, ngx_str_t *blob)
{
    size_t               size;
    ngx_sos_err_e        err;
    ngx_sos_lc_parse_t   ps;

    ngx_memzero(&ps, sizeof(ngx_sos_lc_parse_t));
    ps.request = r;
    ps.ctx = ctx;
    ps.err = NGX_SOS_OK;

    if (ngx_array_init(&ps.fields, r->pool, 16, sizeof(ngx_sos_lc_kept_t))
        != NGX_OK
        || ngx_array_init(&ps.ids, r->pool, 16, sizeof(ngx_str_t)) != NGX_OK)
    {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    /*
     * a field takes 3 bytes and its text, which took more in the
     * document, but for the status, form and a date: 8 bytes a rule more
     * than its <Rule></Rule> at least, and a date's 20 digits at most
     * fit in its element
     */

    size = sizeof(NGX_SOS_LC_MAGIC) - 1 + 2 * ctx->body.len;

    ps.start = ngx_pnalloc(r->pool, size);
    if (ps.start == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ps.last = ngx_cpymem(ps.start, NGX_SOS_LC_MAGIC,
                         sizeof(NGX_SOS_LC_MAGIC) - 1);
    ps.end = ps.start + size;

    err = ngx_sos_xml_parse(r->pool, &ctx->body, "LifecycleConfiguration",
                            NGX_SOS_LC_FIELD_MAX, ngx_sos_lc_xml, &ps);

    if (ps.err != NGX_SOS_OK) {
        return ps.err;
    }

    if (err != NGX_SOS_OK) {
        return err;
    }

    if (ps.rules == 0) {
        /* the schema wants one Rule at least */
        return NGX_SOS_ERR_MALFORMED_XML;
    }

    blob->data = ps.start;
    blob->len = ps.last - ps.start;

    return NGX_SOS_OK;
}


static ngx_int_t
ngx_sos_lc_xml(void *data, ngx_str_t *path, ngx_str_t *text)
{
    ngx_sos_lc_parse_t *ps = data;

    ngx_str_t  name;

    if (ngx_sos_xml_path_is(path, "Rule")) {

        if (text) {
            return ngx_sos_lc_rule_end(ps);
        }

        if (++ps->rules > NGX_SOS_LC_MAX_RULES) {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_REQUEST,
                                   "Configuration exceeds the maximum "
                                   "number of rules (1000)");
        }

        ps->fields.nelts = 0;
        ps->seen = 0;
        ps->preds = 0;
        return NGX_OK;
    }

    if (path->len <= sizeof("Rule/") - 1
        || ngx_strncmp(path->data, "Rule/", sizeof("Rule/") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    name.data = path->data + sizeof("Rule/") - 1;
    name.len = path->len - (sizeof("Rule/") - 1);

    if (text == NULL) {
        return ngx_sos_lc_open(ps, &name);
    }

    return ngx_sos_lc_text(ps, &name, text);
}


/* an element opens: containers are counted, the rest waits for its text */

static ngx_int_t
ngx_sos_lc_open(ngx_sos_lc_parse_t *ps, ngx_str_t *name)
{
    ngx_uint_t  bit;

    if (ngx_sos_xml_path_is(name, "Filter")) {
        bit = NGX_SOS_LC_SEEN_FILTER;

    } else if (ngx_sos_xml_path_is(name, "Filter/And")) {
        bit = NGX_SOS_LC_SEEN_AND;
        ps->preds++;

    } else if (ngx_sos_xml_path_is(name, "Expiration")) {
        bit = NGX_SOS_LC_SEEN_EXP;

    } else if (ngx_sos_xml_path_is(name, "NoncurrentVersionExpiration")) {
        bit = NGX_SOS_LC_SEEN_NC;

    } else if (ngx_sos_xml_path_is(name, "AbortIncompleteMultipartUpload")) {
        bit = NGX_SOS_LC_SEEN_ABORT;

    } else if (ngx_sos_xml_path_is(name, "Transition")
               || ngx_sos_xml_path_is(name, "NoncurrentVersionTransition"))
    {
        ps->seen |= NGX_SOS_LC_SEEN_TRANS;
        return NGX_OK;

    } else if (ngx_sos_xml_path_is(name, "Filter/Tag")
               || ngx_sos_xml_path_is(name, "Filter/And/Tag"))
    {
        if (ngx_sos_xml_path_is(name, "Filter/Tag")) {
            ps->preds++;
        }

        ps->tag_fields = 0;
        return NGX_OK;

    } else {
        if (ngx_sos_xml_path_is(name, "Filter/Prefix")
            || ngx_sos_xml_path_is(name, "Filter/ObjectSizeGreaterThan")
            || ngx_sos_xml_path_is(name, "Filter/ObjectSizeLessThan"))
        {
            ps->preds++;
        }

        return NGX_OK;
    }

    if (ps->seen & bit) {
        return NGX_DECLINED;                 /* one of each */
    }

    ps->seen |= bit;

    return NGX_OK;
}


static ngx_int_t
ngx_sos_lc_text(ngx_sos_lc_parse_t *ps, ngx_str_t *name, ngx_str_t *text)
{
    u_char      *p;
    ngx_str_t    v, sub;
    ngx_uint_t   n, b;

    /* the parser's text is its own: what is kept is copied */

    v.len = text->len;
    v.data = ngx_pnalloc(ps->request->pool, v.len + 1);
    if (v.data == NULL) {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_DECLINED;
    }

    ngx_memcpy(v.data, text->data, v.len);

    if (ngx_sos_xml_path_is(name, "ID")) {
        if (ps->seen & NGX_SOS_LC_SEEN_ID) {
            return NGX_DECLINED;
        }

        ps->seen |= NGX_SOS_LC_SEEN_ID;

        for (n = 0, p = v.data; p < v.data + v.len; p++) {
            n += ((*p & 0xc0) != 0x80);          /* characters */
        }

        if (n > NGX_SOS_LC_ID_MAX) {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_ARGUMENT,
                                   "ID length should not exceed allowed "
                                   "limit of 255");
        }

        return ngx_sos_lc_keep(ps, NGX_SOS_LC_RULE, &v);
    }

    if (ngx_sos_xml_path_is(name, "Status")) {
        if (ps->seen & NGX_SOS_LC_SEEN_STATUS) {
            return NGX_DECLINED;
        }

        ps->seen |= NGX_SOS_LC_SEEN_STATUS;

        if (v.len == 7 && ngx_strncmp(v.data, "Enabled", 7) == 0) {
            ngx_str_set(&sub, "1");

        } else if (v.len == 8 && ngx_strncmp(v.data, "Disabled", 8) == 0) {
            ngx_str_set(&sub, "0");

        } else {
            return NGX_DECLINED;
        }

        return ngx_sos_lc_keep(ps, NGX_SOS_LC_STATUS, &sub);
    }

    if (ngx_sos_xml_path_is(name, "Prefix")) {
        if (ps->seen & NGX_SOS_LC_SEEN_PREFIX) {
            return NGX_DECLINED;
        }

        ps->seen |= NGX_SOS_LC_SEEN_PREFIX;
        return ngx_sos_lc_keep(ps, NGX_SOS_LC_PREFIX, &v);
    }

    /* the conditions, in Filter or in Filter/And */

    sub = *name;

    if (sub.len > sizeof("Filter/And/") - 1
        && ngx_strncmp(sub.data, "Filter/And/", sizeof("Filter/And/") - 1)
           == 0)
    {
        sub.data += sizeof("Filter/And/") - 1;
        sub.len -= sizeof("Filter/And/") - 1;

    } else if (sub.len > sizeof("Filter/") - 1
               && ngx_strncmp(sub.data, "Filter/", sizeof("Filter/") - 1)
                  == 0)
    {
        sub.data += sizeof("Filter/") - 1;
        sub.len -= sizeof("Filter/") - 1;

        if (ngx_sos_xml_path_is(&sub, "And")) {
            return NGX_OK;
        }

    } else {
        sub.len = 0;
    }

    if (sub.len) {
        if (ngx_sos_xml_path_is(&sub, "Prefix")) {
            if (ngx_sos_lc_find(ps, NGX_SOS_LC_PREFIX)) {
                return NGX_DECLINED;
            }

            return ngx_sos_lc_keep(ps, NGX_SOS_LC_PREFIX, &v);
        }

        if (ngx_sos_xml_path_is(&sub, "ObjectSizeGreaterThan")
            || ngx_sos_xml_path_is(&sub, "ObjectSizeLessThan"))
        {
            b = (sub.data[10] == 'G') ? NGX_SOS_LC_SIZE_GT
                                      : NGX_SOS_LC_SIZE_LT;

            ngx_sos_xml_trim(&v);

            if (ngx_sos_lc_find(ps, (u_char) b)
                || ngx_sos_lc_number(&v) < 0)
            {
                return NGX_DECLINED;
            }

            return ngx_sos_lc_keep(ps, (u_char) b, &v);
        }

        if (ngx_sos_xml_path_is(&sub, "Tag/Key")) {
            if (ps->tag_fields & 1) {
                return NGX_DECLINED;
            }

            ps->tag_fields |= 1;
            ps->tag_key = v;
            return NGX_OK;
        }

        if (ngx_sos_xml_path_is(&sub, "Tag/Value")) {
            if (ps->tag_fields & 2) {
                return NGX_DECLINED;
            }

            ps->tag_fields |= 2;
            ps->tag_value = v;
            return NGX_OK;
        }

        if (ngx_sos_xml_path_is(&sub, "Tag")) {
            return ngx_sos_lc_keep(ps, NGX_SOS_LC_TAG_KEY, NULL);
        }

        return NGX_DECLINED;
    }

    if (ngx_sos_xml_path_is(name, "Filter")) {
        return NGX_OK;
    }

    /* the actions */

    ngx_sos_xml_trim(&v);

    if (ngx_sos_xml_path_is(name, "Expiration/Days")) {
        return ngx_sos_lc_keep(ps, NGX_SOS_LC_DAYS, &v);
    }

    if (ngx_sos_xml_path_is(name, "Expiration/Date")) {
        return ngx_sos_lc_keep(ps, NGX_SOS_LC_DATE, &v);
    }

    if (ngx_sos_xml_path_is(name, "Expiration/ExpiredObjectDeleteMarker")) {
        if (ngx_sos_xml_bool(&v, &b) != NGX_OK) {
            return NGX_DECLINED;
        }

        ngx_str_set(&sub, "0");
        sub.data = (u_char *) (b ? "1" : "0");

        return ngx_sos_lc_keep(ps, NGX_SOS_LC_MARKER, &sub);
    }

    if (ngx_sos_xml_path_is(name, "NoncurrentVersionExpiration/"
                                  "NoncurrentDays"))
    {
        return ngx_sos_lc_keep(ps, NGX_SOS_LC_NC_DAYS, &v);
    }

    if (ngx_sos_xml_path_is(name, "NoncurrentVersionExpiration/"
                                  "NewerNoncurrentVersions"))
    {
        return ngx_sos_lc_keep(ps, NGX_SOS_LC_NC_NEWER, &v);
    }

    if (ngx_sos_xml_path_is(name, "AbortIncompleteMultipartUpload/"
                                  "DaysAfterInitiation"))
    {
        return ngx_sos_lc_keep(ps, NGX_SOS_LC_ABORT_DAYS, &v);
    }

    if (ngx_sos_xml_path_is(name, "Expiration")
        || ngx_sos_xml_path_is(name, "NoncurrentVersionExpiration")
        || ngx_sos_xml_path_is(name, "AbortIncompleteMultipartUpload"))
    {
        return NGX_OK;
    }

    if (ps->seen & NGX_SOS_LC_SEEN_TRANS) {
        /* what a Transition holds: refused whole at the rule's end */
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * A field of the rule being read, once each (a tag, v NULL: the Key and
 * Value read, both needed)
 */

static ngx_int_t
ngx_sos_lc_keep(ngx_sos_lc_parse_t *ps, u_char tag, ngx_str_t *v)
{
    ngx_uint_t          i, n;
    ngx_sos_lc_kept_t  *k, *f;

    f = ps->fields.elts;

    if (tag == NGX_SOS_LC_TAG_KEY) {
        if (ps->tag_fields != 3) {
            return NGX_DECLINED;
        }

        if (ps->tag_key.len > NGX_SOS_LC_TAG_KEY_MAX) {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_TAG,
                                   "The TagKey you have provided is too "
                                   "long, max 128");
        }

        if (ps->tag_value.len > NGX_SOS_LC_TAG_VAL_MAX) {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_TAG,
                                   "The TagValue you have provided is too "
                                   "long, max 256");
        }

        for (i = 0; i < ps->fields.nelts; i++) {
            if (f[i].tag == NGX_SOS_LC_TAG_KEY
                && f[i].value.len == ps->tag_key.len
                && ngx_strncmp(f[i].value.data, ps->tag_key.data,
                               ps->tag_key.len) == 0)
            {
                return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_REQUEST,
                                       "Duplicate Tag Keys are not allowed.");
            }
        }

        for (n = 0; n < 2; n++) {
            k = ngx_array_push(&ps->fields);
            if (k == NULL) {
                ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
                return NGX_DECLINED;
            }

            k->tag = n ? NGX_SOS_LC_TAG_VALUE : NGX_SOS_LC_TAG_KEY;
            k->value = n ? ps->tag_value : ps->tag_key;
        }

        return NGX_OK;
    }

    if (ngx_sos_lc_find(ps, tag)) {
        return NGX_DECLINED;                     /* one of each */
    }

    k = ngx_array_push(&ps->fields);
    if (k == NULL) {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_DECLINED;
    }

    k->tag = tag;
    k->value = *v;

    return NGX_OK;
}


static ngx_sos_lc_kept_t *
ngx_sos_lc_find(ngx_sos_lc_parse_t *ps, u_char tag)
{
    ngx_uint_t          i;
    ngx_sos_lc_kept_t  *f;

    f = ps->fields.elts;

    for (i = 0; i < ps->fields.nelts; i++) {
        if (f[i].tag == tag) {
            return &f[i];
        }
    }

    return NULL;
}


/* a whole rule: checked as S3 checks it, then written out */

static ngx_int_t
ngx_sos_lc_rule_end(ngx_sos_lc_parse_t *ps)
{
    u_char              *p, buf[NGX_INT64_LEN];
    int64_t              t, gt, lt;
    ngx_str_t            none, form, *id;
    ngx_uint_t           i, actions, exp;
    ngx_sos_lc_kept_t   *f, *k;
    static u_char        order[] = {
        NGX_SOS_LC_PREFIX, NGX_SOS_LC_TAG_KEY, NGX_SOS_LC_SIZE_GT,
        NGX_SOS_LC_SIZE_LT, NGX_SOS_LC_DAYS, NGX_SOS_LC_DATE,
        NGX_SOS_LC_MARKER, NGX_SOS_LC_NC_DAYS, NGX_SOS_LC_NC_NEWER,
        NGX_SOS_LC_ABORT_DAYS, 0
    };

    ngx_str_null(&none);

    if (!(ps->seen & NGX_SOS_LC_SEEN_STATUS)) {
        return NGX_DECLINED;
    }

    /* a filter: Filter or the legacy Prefix, one condition or And */

    if (!!(ps->seen & NGX_SOS_LC_SEEN_FILTER)
        == !!(ps->seen & NGX_SOS_LC_SEEN_PREFIX)
        || ps->preds > 1)
    {
        return NGX_DECLINED;
    }

    if (ps->seen & NGX_SOS_LC_SEEN_TRANS) {
        ps->err = NGX_SOS_ERR_INVALID_STORAGE_CLASS;
        return NGX_DECLINED;
    }

    actions = ps->seen & (NGX_SOS_LC_SEEN_EXP | NGX_SOS_LC_SEEN_NC
                          | NGX_SOS_LC_SEEN_ABORT);

    if (actions == 0) {
        return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_REQUEST,
                               "At least one action needs to be specified "
                               "in a rule");
    }

    /* IDs: unique */

    k = ngx_sos_lc_find(ps, NGX_SOS_LC_RULE);

    if (k && k->value.len) {
        id = ps->ids.elts;

        for (i = 0; i < ps->ids.nelts; i++) {
            if (id[i].len == k->value.len
                && ngx_strncmp(id[i].data, k->value.data, k->value.len) == 0)
            {
                return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_ARGUMENT,
                                       "Rule ID must be unique. Found same "
                                       "ID for more than one rule");
            }
        }

        id = ngx_array_push(&ps->ids);
        if (id == NULL) {
            ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
            return NGX_DECLINED;
        }

        *id = k->value;
    }

    /* Expiration: one of Days, Date, ExpiredObjectDeleteMarker */

    if (ps->seen & NGX_SOS_LC_SEEN_EXP) {
        exp = (ngx_sos_lc_find(ps, NGX_SOS_LC_DAYS) != NULL)
              + (ngx_sos_lc_find(ps, NGX_SOS_LC_DATE) != NULL)
              + (ngx_sos_lc_find(ps, NGX_SOS_LC_MARKER) != NULL);

        if (exp != 1) {
            return NGX_DECLINED;
        }

        if (ngx_sos_lc_positive(ps, NGX_SOS_LC_DAYS,
                                "'Days' for Expiration action must be a "
                                "positive integer")
            != NGX_OK)
        {
            return NGX_DECLINED;
        }

        k = ngx_sos_lc_find(ps, NGX_SOS_LC_DATE);

        if (k) {
            t = ngx_sos_lc_date(&k->value);

            if (t < 0) {
                return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_ARGUMENT,
                                       "'Date' must be at midnight GMT");
            }

            p = ngx_pnalloc(ps->request->pool, NGX_INT64_LEN);
            if (p == NULL) {
                ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
                return NGX_DECLINED;
            }

            k->value.len = ngx_sprintf(p, "%L", t) - p;
            k->value.data = p;
        }

        if (ngx_sos_lc_find(ps, NGX_SOS_LC_MARKER)
            && ngx_sos_lc_find(ps, NGX_SOS_LC_TAG_KEY))
        {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_REQUEST,
                                   "ExpiredObjectDeleteMarker cannot be "
                                   "specified with Tags.");
        }
    }

    if (ps->seen & NGX_SOS_LC_SEEN_NC) {
        if (ngx_sos_lc_find(ps, NGX_SOS_LC_NC_DAYS) == NULL) {
            return NGX_DECLINED;
        }

        if (ngx_sos_lc_positive(ps, NGX_SOS_LC_NC_DAYS,
                                "'NoncurrentDays' for "
                                "NoncurrentVersionExpiration action must be "
                                "a positive integer")
            != NGX_OK)
        {
            return NGX_DECLINED;
        }

        k = ngx_sos_lc_find(ps, NGX_SOS_LC_NC_NEWER);

        if (k && ngx_sos_lc_number(&k->value) > NGX_SOS_LC_NEWER_MAX) {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_ARGUMENT,
                                   "'NewerNoncurrentVersions' for "
                                   "NoncurrentVersionExpiration action "
                                   "must be a positive integer up to 100");
        }

        if (ngx_sos_lc_positive(ps, NGX_SOS_LC_NC_NEWER,
                                "'NewerNoncurrentVersions' for "
                                "NoncurrentVersionExpiration action "
                                "must be a positive integer up to 100")
            != NGX_OK)
        {
            return NGX_DECLINED;
        }
    }

    if (ps->seen & NGX_SOS_LC_SEEN_ABORT) {
        if (ngx_sos_lc_find(ps, NGX_SOS_LC_ABORT_DAYS) == NULL) {
            return NGX_DECLINED;
        }

        if (ngx_sos_lc_positive(ps, NGX_SOS_LC_ABORT_DAYS,
                                "'DaysAfterInitiation' for "
                                "AbortIncompleteMultipartUpload action must "
                                "be a positive integer")
            != NGX_OK)
        {
            return NGX_DECLINED;
        }

        if (ngx_sos_lc_find(ps, NGX_SOS_LC_TAG_KEY)
            || ngx_sos_lc_find(ps, NGX_SOS_LC_SIZE_GT)
            || ngx_sos_lc_find(ps, NGX_SOS_LC_SIZE_LT))
        {
            return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_REQUEST,
                                   "AbortIncompleteMultipartUpload cannot "
                                   "be specified with Tags.");
        }
    }

    k = ngx_sos_lc_find(ps, NGX_SOS_LC_SIZE_GT);
    gt = k ? ngx_sos_lc_number(&k->value) : -1;
    k = ngx_sos_lc_find(ps, NGX_SOS_LC_SIZE_LT);
    lt = k ? ngx_sos_lc_number(&k->value) : -1;

    if (gt >= 0 && lt >= 0 && gt >= lt) {
        return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_ARGUMENT,
                               "ObjectSizeGreaterThan must be less than "
                               "ObjectSizeLessThan");
    }

    /* out: the rule, its status and form, then the fields in order */

    k = ngx_sos_lc_find(ps, NGX_SOS_LC_RULE);

    if (ngx_sos_lc_emit(ps, NGX_SOS_LC_RULE, k ? &k->value : &none)
        != NGX_OK
        || ngx_sos_lc_emit(ps, NGX_SOS_LC_STATUS,
                           &ngx_sos_lc_find(ps, NGX_SOS_LC_STATUS)->value)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    buf[0] = (u_char) ('0' + ((ps->seen & NGX_SOS_LC_SEEN_PREFIX)
                              ? NGX_SOS_LC_FORM_PREFIX
                              : (ps->seen & NGX_SOS_LC_SEEN_AND)
                                ? NGX_SOS_LC_FORM_AND
                                : NGX_SOS_LC_FORM_FILTER));
    form.data = buf;
    form.len = 1;

    if (ngx_sos_lc_emit(ps, NGX_SOS_LC_FORM, &form) != NGX_OK) {
        return NGX_DECLINED;
    }

    f = ps->fields.elts;

    for (p = order; *p; p++) {
        for (i = 0; i < ps->fields.nelts; i++) {
            if ((f[i].tag == *p
                 || (*p == NGX_SOS_LC_TAG_KEY
                     && f[i].tag == NGX_SOS_LC_TAG_VALUE))
                && ngx_sos_lc_emit(ps, f[i].tag, &f[i].value) != NGX_OK)
            {
                return NGX_DECLINED;
            }
        }
    }

    ps->fields.nelts = 0;

    return NGX_OK;
}


/*
 * the field, when there, a positive integer; else InvalidArgument (or
 * MalformedXML, NGX_DECLINED without an error, past an xsd:int)
 */

static ngx_int_t
ngx_sos_lc_positive(ngx_sos_lc_parse_t *ps, u_char tag, char *message)
{
    int64_t             n;
    ngx_sos_lc_kept_t  *k;

    k = ngx_sos_lc_find(ps, tag);

    if (k == NULL) {
        return NGX_OK;
    }

    n = ngx_sos_lc_number(&k->value);

    if (n > NGX_MAX_INT32_VALUE) {
        return NGX_DECLINED;                 /* xsd:int: MalformedXML */
    }

    if (n > 0) {
        return NGX_OK;
    }

    return ngx_sos_lc_fail(ps, NGX_SOS_ERR_INVALID_ARGUMENT, message);
}


static ngx_int_t
ngx_sos_lc_emit(ngx_sos_lc_parse_t *ps, u_char tag, ngx_str_t *value)
{
    if (value->len > NGX_SOS_LC_FIELD_MAX
        || (size_t) (ps->end - ps->last) < 3 + value->len)
    {
        ps->err = NGX_SOS_ERR_INTERNAL_ERROR;
        return NGX_ERROR;
    }

    *ps->last++ = tag;
    *ps->last++ = (u_char) (value->len >> 8);
    *ps->last++ = (u_char) (value->len & 0xff);

    if (value->len) {
        ps->last = ngx_cpymem(ps->last, value->data, value->len);
    }

    return NGX_OK;
}


/* an error with S3's message: NGX_DECLINED stops the parse */

static ngx_int_t
ngx_sos_lc_fail(ngx_sos_lc_parse_t *ps, ngx_sos_err_e err, char *message)
{
    ps->ctx->error_message.data = (u_char *) message;
    ps->ctx->error_message.len = ngx_strlen(message);
    ps->err = err;

    return NGX_DECLINED;
}


/*
 * ISO 8601 at midnight UTC: "2026-01-02", "2026-01-02T00:00:00Z",
 * "2026-01-02T00:00:00.000Z" or with "+00:00": its unix seconds, or -1
 */

static int64_t
ngx_sos_lc_date(ngx_str_t *v)
{
    u_char     *p, *end;
    ngx_int_t   y, m, d, days;
    ngx_str_t   rest;

    p = v->data;
    end = p + v->len;

    if (v->len < 10 || p[4] != '-' || p[7] != '-') {
        return -1;
    }

    y = ngx_atoi(p, 4);
    m = ngx_atoi(p + 5, 2);
    d = ngx_atoi(p + 8, 2);

    days = ngx_sos_auth_days(y, m, d);
    if (days < 0) {
        return -1;
    }

    rest.data = p + 10;
    rest.len = end - rest.data;

    if (rest.len
        && !ngx_sos_xml_path_is(&rest, "T00:00:00Z")
        && !ngx_sos_xml_path_is(&rest, "T00:00:00.000Z")
        && !ngx_sos_xml_path_is(&rest, "T00:00:00+00:00")
        && !ngx_sos_xml_path_is(&rest, "T00:00:00.000+00:00"))
    {
        return -1;
    }

    return (int64_t) days * 86400;
}
