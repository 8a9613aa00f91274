
/*
 * SOS: $sos_request_redacted, the request line ($request) with the value
 * of every signature query parameter replaced by "REDACTED", for access
 * log formats.
 *
 * A presigned URL is a bearer credential until it expires: whoever reads
 * it from a log can replay it.  Its signature is what makes the replay
 * possible, so that is what goes; X-Amz-Credential (the access key id and
 * scope) stays, to tell who signed.  Names match without regard to case
 * or %XX encoding, as a lenient parser would read them.
 */


#include "ngx_sos_module.h"


#define NGX_SOS_REDACTED  "REDACTED"


static ngx_int_t ngx_sos_log_request_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_sos_log_redact(ngx_http_request_t *r, ngx_str_t *line,
    ngx_str_t *out);
static ngx_uint_t ngx_sos_log_is_signature(u_char *name, size_t len);


static ngx_str_t  ngx_sos_log_request = ngx_string("request");

static ngx_str_t  ngx_sos_log_signatures[] = {
    ngx_string("X-Amz-Signature"),       /* SigV4 presigned */
    ngx_string("Signature"),             /* SigV2 query */
    ngx_null_string
};


ngx_int_t
ngx_sos_log_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;
    ngx_sos_main_conf_t  *smcf;

    static ngx_str_t  name = ngx_string("sos_request_redacted");

    var = ngx_http_add_variable(cf, &name, NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_sos_log_request_variable;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);

    smcf->request_index = ngx_http_get_variable_index(cf,
                                                      &ngx_sos_log_request);
    if (smcf->request_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * nginx writes the request line into the error log with every message of a
 * request ("request: ..."), from r->request_line, as $request is: the
 * handlers redact it there before anything is logged, so a signature
 * reaches no log, whatever the format or the error log level.
 */

void
ngx_sos_log_redact_request(ngx_http_request_t *r)
{
    ngx_str_t  line;

    if (r->request_line.len == 0 || r->args.len == 0) {
        return;
    }

    if (ngx_sos_log_redact(r, &r->request_line, &line) == NGX_OK) {
        r->request_line = line;
    }
}


static ngx_int_t
ngx_sos_log_request_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                   line, out;
    ngx_sos_main_conf_t        *smcf;
    ngx_http_variable_value_t  *value;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    /* nginx's own $request: also a line cut short by a 400 or 414 */

    value = ngx_http_get_indexed_variable(r, smcf->request_index);

    if (value == NULL || value->not_found || !value->valid) {
        v->not_found = 1;
        return NGX_OK;
    }

    *v = *value;

    line.data = value->data;
    line.len = value->len;

    if (ngx_sos_log_redact(r, &line, &out) != NGX_OK) {
        return NGX_ERROR;
    }

    v->data = out.data;
    v->len = out.len;

    return NGX_OK;
}


/* the line with every signature's value "REDACTED" (out = line if none) */

static ngx_int_t
ngx_sos_log_redact(ngx_http_request_t *r, ngx_str_t *line, ngx_str_t *out)
{
    u_char  *p, *q, *end, *name, *value, *last;
    size_t   n;

    *out = *line;

    p = line->data;
    end = p + line->len;

    /*
     * the query ends where the protocol starts: the line may be a copy
     * already redacted, so the protocol is found by its text
     */

    n = r->http_protocol.len;

    if (n && n < line->len
        && ngx_strncmp(end - n, r->http_protocol.data, n) == 0)
    {
        end -= n;

        while (end > p && end[-1] == ' ') {
            end--;
        }
    }

    q = ngx_strlchr(p, end, '?');
    if (q == NULL) {
        return NGX_OK;
    }

    /* room for every parameter's value to become "REDACTED" */

    n = 1;
    for (name = q; name < end; name++) {
        if (*name == '&') {
            n++;
        }
    }

    out->data = ngx_pnalloc(r->pool, line->len
                                     + n * (sizeof(NGX_SOS_REDACTED) - 1));
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    last = ngx_cpymem(out->data, p, q + 1 - p);
    name = q + 1;

    while (name < end) {
        value = name;

        while (value < end && *value != '=' && *value != '&') {
            value++;
        }

        q = value;

        while (q < end && *q != '&') {
            q++;
        }

        if (value < q && ngx_sos_log_is_signature(name, value - name)) {
            last = ngx_cpymem(last, name, value + 1 - name);
            last = ngx_cpymem(last, NGX_SOS_REDACTED,
                              sizeof(NGX_SOS_REDACTED) - 1);

        } else {
            last = ngx_cpymem(last, name, q - name);
        }

        if (q < end) {
            *last++ = '&';
        }

        name = q + 1;
    }

    last = ngx_cpymem(last, end, line->data + line->len - end);

    out->len = last - out->data;

    return NGX_OK;
}


static ngx_uint_t
ngx_sos_log_is_signature(u_char *name, size_t len)
{
    u_char      *dst, *src, buf[3 * (sizeof("X-Amz-Signature") - 1)];
    ngx_str_t   *s;

    /* the longest name, %XX-encoded throughout, fits */

    if (len > sizeof(buf)) {
        return 0;
    }

    dst = buf;
    src = name;

    ngx_unescape_uri(&dst, &src, len, 0);

    for (s = ngx_sos_log_signatures; s->len; s++) {
        if ((size_t) (dst - buf) == s->len
            && ngx_strncasecmp(buf, s->data, s->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}
