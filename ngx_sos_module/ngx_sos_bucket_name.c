
/*
 * SOS: the names CreateBucket accepts: S3's rules for general purpose
 * buckets, less the names that a location of the server's own API
 * ("sos_admin;") takes from path-style requests.
 *
 * Only CreateBucket checks names: a bucket created under older, looser
 * rules stays reachable (read, list, delete) by every other request.
 */


#include "ngx_sos_module.h"


/* the first path segment of a location that is not S3 */
typedef struct {
    ngx_str_t                segment;
    ngx_str_t                location;   /* its name, for the message */
    ngx_uint_t               prefix;     /* "/name": any bucket "name..." */
} ngx_sos_bucket_reserved_t;


static ngx_int_t ngx_sos_bucket_name_valid(ngx_str_t *name);
static ngx_uint_t ngx_sos_bucket_name_alnum(u_char c);


/* reserved by S3 for access points, Object Lambda, MRAP, directory... */

static ngx_str_t  ngx_sos_bucket_bad_prefix[] = {
    ngx_string("xn--"),
    ngx_string("sthree-"),
    ngx_string("amzn-s3-demo-"),
    ngx_null_string
};

static ngx_str_t  ngx_sos_bucket_bad_suffix[] = {
    ngx_string("-s3alias"),
    ngx_string("--ol-s3"),
    ngx_string(".mrap"),
    ngx_string("--x-s3"),
    ngx_string("--table-s3"),
    ngx_null_string
};


ngx_sos_err_e
ngx_sos_bucket_name_check(ngx_http_request_t *r, ngx_sos_ctx_t *ctx)
{
    u_char                     *p;
    size_t                      len;
    ngx_str_t                  *name;
    ngx_uint_t                  i;
    ngx_sos_main_conf_t        *smcf;
    ngx_sos_bucket_reserved_t  *res;

    name = &ctx->bucket;

    if (ngx_sos_bucket_name_valid(name) != NGX_OK) {
        return NGX_SOS_ERR_INVALID_BUCKET_NAME;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_http_sos_module);

    if (smcf->reserved_names == NULL) {
        return NGX_SOS_OK;
    }

    res = smcf->reserved_names->elts;

    for (i = 0; i < smcf->reserved_names->nelts; i++) {

        if (name->len < res[i].segment.len
            || (!res[i].prefix && name->len != res[i].segment.len)
            || ngx_strncmp(name->data, res[i].segment.data,
                           res[i].segment.len)
               != 0)
        {
            continue;
        }

        len = sizeof("The bucket name is reserved by the location .") - 1
              + res[i].location.len;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_SOS_ERR_INTERNAL_ERROR;
        }

        ctx->error_message.data = p;
        ctx->error_message.len = ngx_sprintf(p, "The bucket name is "
                                             "reserved by the location %V.",
                                             &res[i].location)
                                 - p;

        return NGX_SOS_ERR_INVALID_BUCKET_NAME;
    }

    return NGX_SOS_OK;
}


/*
 * At configuration time, for a location whose handler is not "sos;": the
 * first segment of its path can no longer name a bucket in path style
 * (nginx routes "/segment/..." to that location), so CreateBucket refuses
 * it.  "/sos-admin/" reserves "sos-admin"; "/sos-admin", a prefix of any
 * path, reserves every name that begins with "sos-admin".
 */

ngx_int_t
ngx_sos_bucket_name_reserve(ngx_conf_t *cf, ngx_http_core_loc_conf_t *clcf)
{
    u_char                     *p, *last;
    ngx_sos_main_conf_t        *smcf;
    ngx_sos_bucket_reserved_t  *res;

    p = clcf->name.data;
    last = p + clcf->name.len;

    if (p == last || *p != '/') {
        return NGX_OK;
    }

    p++;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_sos_module);

    if (smcf->reserved_names == NULL) {
        smcf->reserved_names = ngx_array_create(cf->pool, 2,
                                            sizeof(ngx_sos_bucket_reserved_t));
        if (smcf->reserved_names == NULL) {
            return NGX_ERROR;
        }
    }

    res = ngx_array_push(smcf->reserved_names);
    if (res == NULL) {
        return NGX_ERROR;
    }

    res->segment.data = p;
    res->location = clcf->name;

    while (p < last && *p != '/') {
        p++;
    }

    res->segment.len = p - res->segment.data;
    res->prefix = (p == last && !clcf->exact_match);

    if (res->segment.len == 0) {
        /* "/": S3 is in another server; nothing a bucket name can take */
        smcf->reserved_names->nelts--;
    }

    return NGX_OK;
}


/*
 * S3 general purpose bucket naming: 3..63 characters of lowercase
 * letters, digits, '.' and '-', a letter or digit at both ends, no "..",
 * no '.' next to a '-', not an IP address, and none of the prefixes and
 * suffixes S3 reserves
 */

static ngx_int_t
ngx_sos_bucket_name_valid(ngx_str_t *name)
{
    u_char      c, *p, *last;
    ngx_str_t  *s;
    ngx_uint_t  dots, digits_only;

    if (name->len < 3 || name->len > SOS_MAX_BUCKET_LEN) {
        return NGX_DECLINED;
    }

    p = name->data;
    last = p + name->len;

    if (!ngx_sos_bucket_name_alnum(p[0])
        || !ngx_sos_bucket_name_alnum(last[-1]))
    {
        return NGX_DECLINED;
    }

    dots = 0;
    digits_only = 1;

    for ( /* void */ ; p < last; p++) {
        c = *p;

        if (c == '.') {
            /* the ends are letters or digits: p[-1] and p[1] exist */

            if (p[1] == '.' || p[1] == '-' || p[-1] == '-') {
                return NGX_DECLINED;
            }

            dots++;
            continue;
        }

        if (c >= '0' && c <= '9') {
            continue;
        }

        if ((c >= 'a' && c <= 'z') || c == '-') {
            digits_only = 0;
            continue;
        }

        return NGX_DECLINED;
    }

    /* 192.168.5.4 */
    if (digits_only && dots == 3) {
        return NGX_DECLINED;
    }

    for (s = ngx_sos_bucket_bad_prefix; s->len; s++) {
        if (name->len >= s->len
            && ngx_strncmp(name->data, s->data, s->len) == 0)
        {
            return NGX_DECLINED;
        }
    }

    for (s = ngx_sos_bucket_bad_suffix; s->len; s++) {
        if (name->len >= s->len
            && ngx_strncmp(last - s->len, s->data, s->len) == 0)
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_sos_bucket_name_alnum(u_char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
