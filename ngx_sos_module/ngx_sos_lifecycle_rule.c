
/*
 * SOS: the stored form of a bucket's lifecycle rules (ngx_sos_lifecycle.h):
 * read in any thread (the sweep's pool threads, the event loop), matched
 * against an object, and written back as GetBucketLifecycleConfiguration
 * answers it.
 */


#include "ngx_sos_module.h"
#include "ngx_sos_xml.h"
#include "ngx_sos_lifecycle.h"


static void ngx_sos_lc_send_filter(ngx_sos_xml_out_t *x,
    ngx_sos_lc_rule_t *rule);
static void ngx_sos_lc_send_number(ngx_sos_xml_out_t *x, char *name,
    int64_t n);


ngx_int_t
ngx_sos_lc_send(ngx_http_request_t *r, const sos_str_t *conf)
{
    ngx_sos_lc_rule_t   rule;
    ngx_sos_lc_walk_t   w;
    ngx_sos_xml_out_t   x;

    ngx_sos_xml_out_init(&x, r->pool, 4096);
    ngx_sos_xml_literal(&x, "<LifecycleConfiguration xmlns=\""
                            NGX_SOS_XMLNS "\">");

    ngx_sos_lc_walk(&w, conf);

    while (ngx_sos_lc_next(&w, &rule)) {
        ngx_sos_xml_literal(&x, "<Rule>");

        if (rule.id.len) {
            ngx_sos_xml_element(&x, "ID", rule.id.data, rule.id.len, 0);
        }

        ngx_sos_lc_send_filter(&x, &rule);

        if (rule.enabled) {
            ngx_sos_xml_literal(&x, "<Status>Enabled</Status>");

        } else {
            ngx_sos_xml_literal(&x, "<Status>Disabled</Status>");
        }

        if (rule.days >= 0 || rule.date >= 0 || rule.marker >= 0) {
            ngx_sos_xml_literal(&x, "<Expiration>");
            ngx_sos_lc_send_number(&x, "Days", rule.days);

            if (rule.date >= 0) {
                ngx_sos_xml_element_time(&x, "Date", (time_t) rule.date, 0);
            }

            if (rule.marker == 1) {
                ngx_sos_xml_literal(&x, "<ExpiredObjectDeleteMarker>true"
                                        "</ExpiredObjectDeleteMarker>");

            } else if (rule.marker == 0) {
                ngx_sos_xml_literal(&x, "<ExpiredObjectDeleteMarker>false"
                                        "</ExpiredObjectDeleteMarker>");
            }

            ngx_sos_xml_literal(&x, "</Expiration>");
        }

        if (rule.nc_days >= 0) {
            ngx_sos_xml_literal(&x, "<NoncurrentVersionExpiration>");
            ngx_sos_lc_send_number(&x, "NoncurrentDays", rule.nc_days);
            ngx_sos_lc_send_number(&x, "NewerNoncurrentVersions",
                                   rule.nc_newer);
            ngx_sos_xml_literal(&x, "</NoncurrentVersionExpiration>");
        }

        if (rule.abort_days >= 0) {
            ngx_sos_xml_literal(&x, "<AbortIncompleteMultipartUpload>");
            ngx_sos_lc_send_number(&x, "DaysAfterInitiation",
                                   rule.abort_days);
            ngx_sos_xml_literal(&x, "</AbortIncompleteMultipartUpload>");
        }

        ngx_sos_xml_literal(&x, "</Rule>");
    }

    ngx_sos_xml_literal(&x, "</LifecycleConfiguration>");

    return ngx_sos_xml_send(r, NGX_HTTP_OK, &x);
}


static void
ngx_sos_lc_send_filter(ngx_sos_xml_out_t *x, ngx_sos_lc_rule_t *rule)
{
    u_char             tag;
    ngx_str_t          v;
    ngx_sos_lc_walk_t  w;

    if (rule->form == NGX_SOS_LC_FORM_PREFIX) {
        ngx_sos_xml_element(x, "Prefix", rule->prefix.data, rule->prefix.len,
                            0);
        return;
    }

    ngx_sos_xml_literal(x, "<Filter>");

    if (rule->form == NGX_SOS_LC_FORM_AND) {
        ngx_sos_xml_literal(x, "<And>");
    }

    if (rule->has_prefix) {
        ngx_sos_xml_element(x, "Prefix", rule->prefix.data, rule->prefix.len,
                            0);
    }

    w.pos = rule->tags.data;
    w.end = w.pos + rule->tags.len;

    while ((tag = ngx_sos_lc_field(&w, &v))) {
        if (tag == NGX_SOS_LC_TAG_KEY) {
            ngx_sos_xml_literal(x, "<Tag>");
            ngx_sos_xml_element(x, "Key", v.data, v.len, 0);

        } else {
            ngx_sos_xml_element(x, "Value", v.data, v.len, 0);
            ngx_sos_xml_literal(x, "</Tag>");
        }
    }

    ngx_sos_lc_send_number(x, "ObjectSizeGreaterThan", rule->size_gt);
    ngx_sos_lc_send_number(x, "ObjectSizeLessThan", rule->size_lt);

    if (rule->form == NGX_SOS_LC_FORM_AND) {
        ngx_sos_xml_literal(x, "</And>");
    }

    ngx_sos_xml_literal(x, "</Filter>");
}


static void
ngx_sos_lc_send_number(ngx_sos_xml_out_t *x, char *name, int64_t n)
{
    if (n >= 0) {
        ngx_sos_xml_element_uint(x, name, (uint64_t) n);
    }
}


/* a decimal integer of at most 18 digits, or -1 */

int64_t
ngx_sos_lc_number(ngx_str_t *v)
{
    if (v->len == 0 || v->len > 18) {
        return -1;
    }

    return ngx_atoof(v->data, v->len);
}


/* the stored form, read in any thread */

void
ngx_sos_lc_walk(ngx_sos_lc_walk_t *w, const sos_str_t *conf)
{
    w->pos = (u_char *) conf->data;
    w->end = w->pos + conf->len;

    if (conf->len < sizeof(NGX_SOS_LC_MAGIC) - 1
        || ngx_strncmp(w->pos, NGX_SOS_LC_MAGIC,
                       sizeof(NGX_SOS_LC_MAGIC) - 1) != 0)
    {
        /* not ours: no rule */
        w->pos = w->end;
        return;
    }

    w->pos += sizeof(NGX_SOS_LC_MAGIC) - 1;
}


u_char
ngx_sos_lc_field(ngx_sos_lc_walk_t *w, ngx_str_t *value)
{
    u_char  tag;
    size_t  len;

    if (w->end - w->pos < 3) {
        return 0;
    }

    tag = w->pos[0];
    len = ((size_t) w->pos[1] << 8) | w->pos[2];

    if ((size_t) (w->end - w->pos) - 3 < len || tag == 0) {
        w->pos = w->end;
        return 0;
    }

    value->data = w->pos + 3;
    value->len = len;
    w->pos += 3 + len;

    return tag;
}


ngx_uint_t
ngx_sos_lc_next(ngx_sos_lc_walk_t *w, ngx_sos_lc_rule_t *rule)
{
    u_char      tag;
    u_char     *before;
    ngx_str_t   v;

    if (ngx_sos_lc_field(w, &v) != NGX_SOS_LC_RULE) {
        return 0;
    }

    ngx_memzero(rule, sizeof(ngx_sos_lc_rule_t));
    rule->id = v;
    rule->size_gt = -1;
    rule->size_lt = -1;
    rule->days = -1;
    rule->date = -1;
    rule->marker = -1;
    rule->nc_days = -1;
    rule->nc_newer = -1;
    rule->abort_days = -1;

    for ( ;; ) {
        before = w->pos;
        tag = ngx_sos_lc_field(w, &v);

        if (tag == 0 || tag == NGX_SOS_LC_RULE) {
            w->pos = (tag == 0) ? w->pos : before;
            return 1;
        }

        switch (tag) {

        case NGX_SOS_LC_STATUS:
            rule->enabled = (v.len == 1 && v.data[0] == '1');
            break;

        case NGX_SOS_LC_FORM:
            rule->form = v.len ? (ngx_uint_t) (v.data[0] - '0') : 0;
            break;

        case NGX_SOS_LC_PREFIX:
            rule->has_prefix = 1;
            rule->prefix = v;
            break;

        case NGX_SOS_LC_TAG_KEY:
        case NGX_SOS_LC_TAG_VALUE:
            if (rule->tags.data == NULL) {
                rule->tags.data = before;
            }

            rule->tags.len = w->pos - rule->tags.data;
            rule->ntags += (tag == NGX_SOS_LC_TAG_KEY);
            break;

        case NGX_SOS_LC_SIZE_GT:
            rule->size_gt = ngx_sos_lc_number(&v);
            break;

        case NGX_SOS_LC_SIZE_LT:
            rule->size_lt = ngx_sos_lc_number(&v);
            break;

        case NGX_SOS_LC_DAYS:
            rule->days = ngx_sos_lc_number(&v);
            break;

        case NGX_SOS_LC_DATE:
            rule->date = ngx_sos_lc_number(&v);
            break;

        case NGX_SOS_LC_MARKER:
            rule->marker = (v.len == 1 && v.data[0] == '1');
            break;

        case NGX_SOS_LC_NC_DAYS:
            rule->nc_days = ngx_sos_lc_number(&v);
            break;

        case NGX_SOS_LC_NC_NEWER:
            rule->nc_newer = ngx_sos_lc_number(&v);
            break;

        case NGX_SOS_LC_ABORT_DAYS:
            rule->abort_days = ngx_sos_lc_number(&v);
            break;

        default:
            break;
        }
    }
}


ngx_uint_t
ngx_sos_lc_match(ngx_sos_lc_rule_t *rule, u_char *key, size_t key_len,
    int64_t size, const sos_str_t *tags)
{
    int                n, i;
    u_char             tag;
    ngx_str_t          k, v;
    ngx_uint_t         found;
    sos_kv_t           have[50];
    ngx_sos_lc_walk_t  w;

    if (rule->prefix.len
        && (key_len < rule->prefix.len
            || ngx_memcmp(key, rule->prefix.data, rule->prefix.len) != 0))
    {
        return 0;
    }

    if ((rule->size_gt >= 0 && !(size > rule->size_gt))
        || (rule->size_lt >= 0 && !(size >= 0 && size < rule->size_lt)))
    {
        return 0;
    }

    if (rule->ntags == 0 || tags == NULL) {
        return 1;
    }

    n = sos_tags_decode(tags->data, tags->len, have, 50);
    if (n <= 0) {
        return 0;
    }

    /* every tag of the rule, with its value */

    w.pos = rule->tags.data;
    w.end = w.pos + rule->tags.len;

    while ((tag = ngx_sos_lc_field(&w, &k))) {
        if (tag != NGX_SOS_LC_TAG_KEY
            || ngx_sos_lc_field(&w, &v) != NGX_SOS_LC_TAG_VALUE)
        {
            return 0;
        }

        found = 0;

        for (i = 0; i < n; i++) {
            if (have[i].name.len == k.len && have[i].value.len == v.len
                && ngx_memcmp(have[i].name.data, k.data, k.len) == 0
                && ngx_memcmp(have[i].value.data, v.data, v.len) == 0)
            {
                found = 1;
                break;
            }
        }

        if (!found) {
            return 0;
        }
    }

    return 1;
}


int64_t
ngx_sos_lc_due(int64_t t, int64_t days, time_t day)
{
    int64_t  due;

    due = t + days * (int64_t) day;

    /* S3 rounds up to the next midnight UTC: here, the next whole day */

    return (due + day - 1) / day * day;
}
