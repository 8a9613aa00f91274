
/*
 * SOS: bucket lifecycle rules (docs/lifecycle.md).
 *
 * Put/Get/DeleteBucketLifecycleConfiguration (ngx_sos_lifecycle_conf.c)
 * keep a bucket's rules in its SOS_BUCKET_LIFECYCLE setting in a compact
 * form the sweep (ngx_sos_lifecycle.c, in pool threads) and the
 * x-amz-expiration header read without parsing XML.
 */


#ifndef _NGX_SOS_LIFECYCLE_H_INCLUDED_
#define _NGX_SOS_LIFECYCLE_H_INCLUDED_


#include "ngx_sos_module.h"


/*
 * The stored form: "L1" then, for each rule, its fields: a tag byte, a
 * 2-byte big-endian length, the value.  A rule opens with
 * NGX_SOS_LC_RULE (its ID, maybe empty), then NGX_SOS_LC_STATUS ("1"
 * enabled, "0" disabled), NGX_SOS_LC_FORM (how its filter was written),
 * then each field it has, numbers in decimal, the tags as key and value
 * pairs.
 */
#define NGX_SOS_LC_MAGIC        "L1"

#define NGX_SOS_LC_RULE         'R'
#define NGX_SOS_LC_STATUS       'S'
#define NGX_SOS_LC_FORM         'F'
#define NGX_SOS_LC_PREFIX       'P'
#define NGX_SOS_LC_TAG_KEY      'K'
#define NGX_SOS_LC_TAG_VALUE    'V'
#define NGX_SOS_LC_SIZE_GT      'G'
#define NGX_SOS_LC_SIZE_LT      'L'
#define NGX_SOS_LC_DAYS         'D'
#define NGX_SOS_LC_DATE         'T'     /* unix seconds, a midnight UTC */
#define NGX_SOS_LC_MARKER       'M'     /* ExpiredObjectDeleteMarker */
#define NGX_SOS_LC_NC_DAYS      'N'
#define NGX_SOS_LC_NC_NEWER     'W'
#define NGX_SOS_LC_ABORT_DAYS   'A'

/* how a rule's filter was written, to write it back so */
#define NGX_SOS_LC_FORM_PREFIX  0       /* the legacy <Prefix> */
#define NGX_SOS_LC_FORM_FILTER  1       /* <Filter> with one or none */
#define NGX_SOS_LC_FORM_AND     2       /* <Filter><And> */

#define NGX_SOS_LC_MAX_RULES    1000
#define NGX_SOS_LC_BODY_MAX     (512 * 1024)


/* one rule, decoded: strings point into the setting; -1: not set */
typedef struct {
    ngx_str_t                id;
    ngx_uint_t               enabled;
    ngx_uint_t               form;
    ngx_uint_t               has_prefix;
    ngx_str_t                prefix;
    ngx_str_t                tags;       /* the K and V fields */
    ngx_uint_t               ntags;
    int64_t                  size_gt;
    int64_t                  size_lt;
    int64_t                  days;
    int64_t                  date;
    int64_t                  marker;
    int64_t                  nc_days;
    int64_t                  nc_newer;
    int64_t                  abort_days;
} ngx_sos_lc_rule_t;

typedef struct {
    u_char                  *pos;
    u_char                  *end;
} ngx_sos_lc_walk_t;


/* the rules of conf, a SOS_BUCKET_LIFECYCLE setting: any thread */
void ngx_sos_lc_walk(ngx_sos_lc_walk_t *w, const sos_str_t *conf);
ngx_uint_t ngx_sos_lc_next(ngx_sos_lc_walk_t *w, ngx_sos_lc_rule_t *rule);
u_char ngx_sos_lc_field(ngx_sos_lc_walk_t *w, ngx_str_t *value);

/*
 * Whether the rule's filter takes an object: key, size (-1: not known,
 * only for a rule without size conditions) and tag set (as
 * sos_tags_encode wrote it; NULL: the tags are not looked at)
 */
ngx_uint_t ngx_sos_lc_match(ngx_sos_lc_rule_t *rule, u_char *key,
    size_t key_len, int64_t size, const sos_str_t *tags);

/* a decimal integer of at most 18 digits, or -1 */
int64_t ngx_sos_lc_number(ngx_str_t *v);

/* when a day count from t ends: t + days, up to the next "midnight" */
int64_t ngx_sos_lc_due(int64_t t, int64_t days, time_t day);

/*
 * a PutBucketLifecycleConfiguration document (ctx->body) checked and
 * turned into the stored form (blob, in r's pool): NGX_SOS_OK, or the
 * error, its message in ctx->error_message (ngx_sos_lifecycle_parse.c)
 */
ngx_sos_err_e ngx_sos_lc_parse(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *blob);

/* GetBucketLifecycleConfiguration's document of conf */
ngx_int_t ngx_sos_lc_send(ngx_http_request_t *r, const sos_str_t *conf);

/* the operations */
ngx_int_t ngx_sos_lifecycle_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_lifecycle_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_lifecycle_delete(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);

/*
 * x-amz-expiration of the object's current version (info) under the
 * bucket's rules: none when no enabled Expiration rule takes it, or when
 * the request names a version
 */
ngx_int_t ngx_sos_lifecycle_header(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, const sos_object_info_t *info);


#endif /* _NGX_SOS_LIFECYCLE_H_INCLUDED_ */
