
/*
 * SOS: a website configuration's stored form and its XML.
 *
 * The bucket's SOS_BUCKET_WEBSITE setting is a version mark followed by
 * fields
 *
 *     <tag><decimal length>:<bytes>
 *
 * so that the website endpoint decodes it in the pool thread with no
 * allocation and no XML parser, and that any byte a key may hold
 * survives.  What is stored was validated by PutBucketWebsite
 * (ngx_sos_website_conf.c); GetBucketWebsite writes it back as XML.
 */


#include "ngx_sos_xml.h"
#include "ngx_sos_website.h"


#define NGX_SOS_WEBSITE_VERSION    "W1"

/* fields of the stored form */
#define NGX_SOS_WF_SUFFIX          'I'
#define NGX_SOS_WF_ERROR_KEY       'E'
#define NGX_SOS_WF_ALL_HOST        'H'
#define NGX_SOS_WF_ALL_PROTOCOL    'P'
#define NGX_SOS_WF_RULE            'R'
#define NGX_SOS_WF_CONDITION       'C'
#define NGX_SOS_WF_PREFIX          'k'
#define NGX_SOS_WF_ERROR_CODE      'e'
#define NGX_SOS_WF_PROTOCOL        'p'
#define NGX_SOS_WF_HOST            'h'
#define NGX_SOS_WF_REPLACE_PREFIX  'x'
#define NGX_SOS_WF_REPLACE_KEY     'y'
#define NGX_SOS_WF_CODE            'r'


static u_char *ngx_sos_website_field(u_char *p, u_char tag, ngx_str_t *s);
static void ngx_sos_website_xml_opt(ngx_sos_xml_out_t *x, char *name,
    ngx_str_t *s);


ngx_int_t
ngx_sos_website_encode(ngx_pool_t *pool, ngx_sos_website_conf_t *wc,
    ngx_str_t *out)
{
    u_char                  *p, buf[2][NGX_INT_T_LEN];
    size_t                   len;
    ngx_str_t                code, error_code, empty;
    ngx_uint_t               i;
    ngx_sos_website_rule_t  *rule;

#define NGX_SOS_WF_LEN(s)                                                     \
    ((s)->data ? 2 + NGX_SIZE_T_LEN + (s)->len : 0)

    ngx_str_set(&empty, "");

    len = sizeof(NGX_SOS_WEBSITE_VERSION) - 1
          + NGX_SOS_WF_LEN(&wc->suffix) + NGX_SOS_WF_LEN(&wc->error_key)
          + NGX_SOS_WF_LEN(&wc->all_host)
          + NGX_SOS_WF_LEN(&wc->all_protocol);

    for (i = 0; i < wc->n_rules; i++) {
        rule = &wc->rules[i];

        len += 2 * (3 + NGX_SIZE_T_LEN) + 2 * (3 + NGX_INT_T_LEN)
               + NGX_SOS_WF_LEN(&rule->prefix)
               + NGX_SOS_WF_LEN(&rule->protocol)
               + NGX_SOS_WF_LEN(&rule->host)
               + NGX_SOS_WF_LEN(&rule->replace_prefix)
               + NGX_SOS_WF_LEN(&rule->replace_key);
    }

#undef NGX_SOS_WF_LEN

    out->data = ngx_pnalloc(pool, len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(out->data, NGX_SOS_WEBSITE_VERSION,
                   sizeof(NGX_SOS_WEBSITE_VERSION) - 1);

    p = ngx_sos_website_field(p, NGX_SOS_WF_SUFFIX, &wc->suffix);
    p = ngx_sos_website_field(p, NGX_SOS_WF_ERROR_KEY, &wc->error_key);
    p = ngx_sos_website_field(p, NGX_SOS_WF_ALL_HOST, &wc->all_host);
    p = ngx_sos_website_field(p, NGX_SOS_WF_ALL_PROTOCOL, &wc->all_protocol);

    for (i = 0; i < wc->n_rules; i++) {
        rule = &wc->rules[i];

        code.data = buf[0];
        code.len = rule->code ? ngx_sprintf(buf[0], "%ui", rule->code) - buf[0]
                              : 0;
        error_code.data = buf[1];
        error_code.len = rule->error_code
                         ? ngx_sprintf(buf[1], "%ui", rule->error_code)
                           - buf[1]
                         : 0;

        p = ngx_sos_website_field(p, NGX_SOS_WF_RULE, &empty);

        if (rule->condition) {
            p = ngx_sos_website_field(p, NGX_SOS_WF_CONDITION, &empty);
        }

        p = ngx_sos_website_field(p, NGX_SOS_WF_PREFIX, &rule->prefix);

        if (error_code.len) {
            p = ngx_sos_website_field(p, NGX_SOS_WF_ERROR_CODE, &error_code);
        }

        p = ngx_sos_website_field(p, NGX_SOS_WF_PROTOCOL, &rule->protocol);
        p = ngx_sos_website_field(p, NGX_SOS_WF_HOST, &rule->host);
        p = ngx_sos_website_field(p, NGX_SOS_WF_REPLACE_PREFIX,
                                  &rule->replace_prefix);
        p = ngx_sos_website_field(p, NGX_SOS_WF_REPLACE_KEY,
                                  &rule->replace_key);

        if (code.len) {
            p = ngx_sos_website_field(p, NGX_SOS_WF_CODE, &code);
        }
    }

    out->len = p - out->data;

    return NGX_OK;
}


static u_char *
ngx_sos_website_field(u_char *p, u_char tag, ngx_str_t *s)
{
    if (s->data == NULL) {
        return p;
    }

    *p++ = tag;
    p = ngx_sprintf(p, "%uz:", s->len);

    return ngx_cpymem(p, s->data, s->len);
}


/* the stored form into wc, strings pointing into it: NGX_OK, NGX_ERROR */

ngx_int_t
ngx_sos_website_conf_decode(const u_char *blob, size_t len,
    ngx_sos_website_conf_t *wc)
{
    u_char                  *p, *end, tag;
    size_t                   n;
    ngx_int_t                code;
    ngx_str_t                v, *dst;
    ngx_sos_website_rule_t  *rule;

    ngx_memzero(wc, sizeof(ngx_sos_website_conf_t));

    p = (u_char *) blob;
    end = p + len;

    if (len < sizeof(NGX_SOS_WEBSITE_VERSION) - 1
        || ngx_strncmp(p, NGX_SOS_WEBSITE_VERSION,
                       sizeof(NGX_SOS_WEBSITE_VERSION) - 1) != 0)
    {
        return NGX_ERROR;
    }

    p += sizeof(NGX_SOS_WEBSITE_VERSION) - 1;
    rule = NULL;

    while (p < end) {
        tag = *p++;

        for (n = 0; p < end && *p >= '0' && *p <= '9'; p++) {
            if (n > SOS_BUCKET_CONF_MAX) {
                return NGX_ERROR;
            }

            n = n * 10 + (*p - '0');
        }

        if (p == end || *p++ != ':' || (size_t) (end - p) < n) {
            return NGX_ERROR;
        }

        v.data = p;
        v.len = n;
        p += n;

        dst = NULL;

        switch (tag) {

        case NGX_SOS_WF_SUFFIX:
            dst = &wc->suffix;
            break;

        case NGX_SOS_WF_ERROR_KEY:
            dst = &wc->error_key;
            break;

        case NGX_SOS_WF_ALL_HOST:
            dst = &wc->all_host;
            break;

        case NGX_SOS_WF_ALL_PROTOCOL:
            dst = &wc->all_protocol;
            break;

        case NGX_SOS_WF_RULE:
            if (wc->n_rules == NGX_SOS_WEBSITE_MAX_RULES) {
                return NGX_ERROR;
            }

            rule = &wc->rules[wc->n_rules++];
            continue;

        default:
            break;
        }

        if (dst) {
            if ((tag == NGX_SOS_WF_SUFFIX || tag == NGX_SOS_WF_ERROR_KEY)
                && v.len > SOS_MAX_KEY_LEN)
            {
                return NGX_ERROR;
            }

            *dst = v;
            continue;
        }

        if (rule == NULL) {
            return NGX_ERROR;
        }

        switch (tag) {

        case NGX_SOS_WF_CONDITION:
            rule->condition = 1;
            continue;

        case NGX_SOS_WF_PREFIX:
            rule->prefix = v;
            continue;

        case NGX_SOS_WF_PROTOCOL:
            rule->protocol = v;
            continue;

        case NGX_SOS_WF_HOST:
            rule->host = v;
            continue;

        case NGX_SOS_WF_REPLACE_PREFIX:
            rule->replace_prefix = v;
            continue;

        case NGX_SOS_WF_REPLACE_KEY:
            rule->replace_key = v;
            continue;

        case NGX_SOS_WF_ERROR_CODE:
        case NGX_SOS_WF_CODE:
            code = ngx_atoi(v.data, v.len);

            if (code < 300 || code > 599) {
                return NGX_ERROR;
            }

            if (tag == NGX_SOS_WF_CODE) {
                rule->code = code;

            } else {
                rule->error_code = code;
            }

            continue;

        default:
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* as S3 writes it: its elements in its order */

void
ngx_sos_website_conf_xml(ngx_sos_xml_out_t *x, ngx_sos_website_conf_t *wc)
{
    ngx_uint_t               i;
    ngx_sos_website_rule_t  *rule;

    ngx_sos_xml_literal(x, "<WebsiteConfiguration xmlns=\""
                            NGX_SOS_XMLNS "\">");

    if (wc->all_host.data) {
        ngx_sos_xml_literal(x, "<RedirectAllRequestsTo>");
        ngx_sos_website_xml_opt(x, "HostName", &wc->all_host);
        ngx_sos_website_xml_opt(x, "Protocol", &wc->all_protocol);
        ngx_sos_xml_literal(x, "</RedirectAllRequestsTo>");
    }

    if (wc->suffix.data) {
        ngx_sos_xml_literal(x, "<IndexDocument>");
        ngx_sos_website_xml_opt(x, "Suffix", &wc->suffix);
        ngx_sos_xml_literal(x, "</IndexDocument>");
    }

    if (wc->error_key.data) {
        ngx_sos_xml_literal(x, "<ErrorDocument>");
        ngx_sos_website_xml_opt(x, "Key", &wc->error_key);
        ngx_sos_xml_literal(x, "</ErrorDocument>");
    }

    if (wc->n_rules) {
        ngx_sos_xml_literal(x, "<RoutingRules>");
    }

    for (i = 0; i < wc->n_rules; i++) {
        rule = &wc->rules[i];

        ngx_sos_xml_literal(x, "<RoutingRule>");

        if (rule->condition) {
            ngx_sos_xml_literal(x, "<Condition>");

            if (rule->error_code) {
                ngx_sos_xml_element_uint(x, "HttpErrorCodeReturnedEquals",
                                         rule->error_code);
            }

            ngx_sos_website_xml_opt(x, "KeyPrefixEquals", &rule->prefix);
            ngx_sos_xml_literal(x, "</Condition>");
        }

        ngx_sos_xml_literal(x, "<Redirect>");
        ngx_sos_website_xml_opt(x, "HostName", &rule->host);

        if (rule->code) {
            ngx_sos_xml_element_uint(x, "HttpRedirectCode", rule->code);
        }

        ngx_sos_website_xml_opt(x, "Protocol", &rule->protocol);
        ngx_sos_website_xml_opt(x, "ReplaceKeyPrefixWith",
                                &rule->replace_prefix);
        ngx_sos_website_xml_opt(x, "ReplaceKeyWith", &rule->replace_key);
        ngx_sos_xml_literal(x, "</Redirect></RoutingRule>");
    }

    if (wc->n_rules) {
        ngx_sos_xml_literal(x, "</RoutingRules>");
    }

    ngx_sos_xml_literal(x, "</WebsiteConfiguration>");
}


static void
ngx_sos_website_xml_opt(ngx_sos_xml_out_t *x, char *name, ngx_str_t *s)
{
    if (s->data) {
        ngx_sos_xml_element(x, name, s->data, s->len, 0);
    }
}
