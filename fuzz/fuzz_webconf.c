
/*
 * Fuzz target: the stored forms of the bucket settings as the request
 * path reads them back, whatever bytes a B record holds: the website
 * configuration (decoded, written as GetBucketWebsite's XML, encoded and
 * decoded again, and a redirect's Location built from it for a key) and
 * the CORS rules (walked for a request with Origin and the
 * Access-Control-Request-* headers, and written as GetBucketCors's XML).
 *
 * Input: one byte choosing the setting and the redirect, one byte the
 * key's length, the key, then the stored form.  ngx_sos_website.c is
 * compiled into this target for its static redirect builder (its object
 * then stays out of the link).
 */


#include "fuzz.h"

#include "ngx_sos_website.c"
#include "ngx_sos_cors.h"


#define FUZZ_WEBCONF_HEAD                                                     \
    "GET /a HTTP/1.1\r\n"                                                     \
    "Host: site.website.example:8080\r\n"                                     \
    "Origin: https://app.example.com\r\n"                                     \
    "Access-Control-Request-Method: GET\r\n"                                  \
    "Access-Control-Request-Headers: x-amz-date, Content-Type\r\n"            \
    "\r\n"


static void fuzz_webconf_website(fuzz_req_t *fr, ngx_uint_t pick,
    u_char *key, size_t key_len, u_char *blob, size_t len);
static void fuzz_webconf_cors(fuzz_req_t *fr, ngx_uint_t pick, u_char *blob,
    size_t len);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char      *key, *blob;
    size_t       key_len;
    ngx_uint_t   pick;
    fuzz_req_t   fr;

    if (size < 2 || (size_t) data[1] > size - 2) {
        return 0;
    }

    pick = data[0];
    key_len = data[1];

    if (fuzz_request(&fr, (u_char *) FUZZ_WEBCONF_HEAD,
                     sizeof(FUZZ_WEBCONF_HEAD) - 1)
        != NGX_OK)
    {
        abort();
    }

    /*
     * the key and the blob in allocations of their own, not in the pool's
     * blocks: overreads show
     */

    key = malloc(key_len ? key_len : 1);
    blob = malloc(size - 2 - key_len ? size - 2 - key_len : 1);

    if (key != NULL && blob != NULL) {
        ngx_memcpy(key, data + 2, key_len);
        ngx_memcpy(blob, data + 2 + key_len, size - 2 - key_len);

        if (pick & 1) {
            fuzz_webconf_cors(&fr, pick >> 1, blob, size - 2 - key_len);

        } else {
            fuzz_webconf_website(&fr, pick >> 1, key, key_len, blob,
                                 size - 2 - key_len);
        }
    }

    fuzz_request_free(&fr);
    free(blob);
    free(key);

    return 0;
}


static void
fuzz_webconf_website(fuzz_req_t *fr, ngx_uint_t pick, u_char *key,
    size_t key_len, u_char *blob, size_t len)
{
    ngx_str_t                again;
    ngx_uint_t               n;
    ngx_sos_xml_out_t        x;
    ngx_sos_website_t       *w;
    ngx_sos_website_conf_t  *wc;

    w = ngx_pcalloc(fr->pool, sizeof(ngx_sos_website_t));
    wc = ngx_pcalloc(fr->pool, sizeof(ngx_sos_website_conf_t));

    if (w == NULL || wc == NULL) {
        return;
    }

    if (ngx_sos_website_conf_decode(blob, len, &w->wc) != NGX_OK) {
        return;
    }

    ngx_sos_xml_out_init(&x, fr->pool, 1024);
    ngx_sos_website_conf_xml(&x, &w->wc);

    /* what decodes encodes, and decodes again */

    if (ngx_sos_website_encode(fr->pool, &w->wc, &again) == NGX_OK
        && ngx_sos_website_conf_decode(again.data, again.len, wc) != NGX_OK)
    {
        abort();
    }

    /* a redirect: RedirectAllRequestsTo, a rule's, or "dir" -> "dir/" */

    w->key.data = key;
    w->key.len = key_len;

    n = w->wc.n_rules + 2;
    pick %= n;

    if (pick < w->wc.n_rules) {
        w->rule = &w->wc.rules[pick];

        if (!ngx_sos_website_rule_matches(w->rule, &w->key)) {
            return;
        }

        w->action = NGX_SOS_WEBSITE_REDIRECT_RULE;

    } else if (pick == w->wc.n_rules) {
        if (w->wc.all_host.data == NULL) {
            return;
        }

        w->action = NGX_SOS_WEBSITE_REDIRECT_ALL;

    } else {
        if (key_len == 0) {
            return;
        }

        w->action = NGX_SOS_WEBSITE_REDIRECT_DIR;
    }

    (void) ngx_sos_website_redirect(fr->r, w);
}


static void
fuzz_webconf_cors(fuzz_req_t *fr, ngx_uint_t pick, u_char *blob, size_t len)
{
    sos_str_t  conf;

    conf.data = (char *) blob;
    conf.len = len;

    if (pick & 1) {
        (void) ngx_sos_cors_send(fr->r, &conf);

    } else {
        (void) ngx_sos_cors_apply(fr->r, &conf);
    }
}
