
/*
 * SOS: public files through a CDN edge (ngx_sos_cdn.c): the Cache-Control
 * policy of GET and HEAD, the published edge URL, and the purges a write
 * sends to the edges; the bucket settings' admin calls
 * (ngx_sos_cdn_admin.c).  docs/cdn.md tells the whole story.
 */


#ifndef _NGX_SOS_CDN_H_INCLUDED_
#define _NGX_SOS_CDN_H_INCLUDED_


#include "ngx_sos_module.h"


/* what a bucket's SOS_BUCKET_CDN setting holds when CDN is on */
#define NGX_SOS_CDN_ON  "on"


/* configuration: the edge URLs checked and trimmed of a final '/' */
char *ngx_sos_cdn_init_conf(ngx_conf_t *cf, ngx_sos_main_conf_t *smcf);
ngx_int_t ngx_sos_cdn_init_process(ngx_cycle_t *cycle,
    ngx_sos_main_conf_t *smcf);
void ngx_sos_cdn_exit_process(ngx_cycle_t *cycle);

/*
 * GET and HEAD (the answer and its 304): Cache-Control by the policy and
 * x-sos-cdn-url.  cache_control: the response-cache-control argument
 * (data NULL: none).
 */
ngx_int_t ngx_sos_cdn_get_headers(ngx_http_request_t *r,
    sos_object_info_t *info, ngx_str_t *cache_control);

/*
 * A write changed, deleted or re-permissioned the object key of
 * ctx->bucket: when the bucket has CDN on, every edge purges it.  Writes
 * of a part change no object and purge nothing.
 */
void ngx_sos_cdn_purge(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    u_char *key, size_t len);

/* "<sos_cdn_url>/<bucket>/<key>" into url (from pool); NGX_DECLINED when
 * no sos_cdn_url is set */
ngx_int_t ngx_sos_cdn_url(ngx_pool_t *pool, ngx_sos_main_conf_t *smcf,
    ngx_str_t *bucket, u_char *key, size_t len, ngx_str_t *url);

/* the admin API's buckets/BUCKET/cdn and buckets/BUCKET/cache-control */
ngx_int_t ngx_sos_cdn_admin(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);


#endif /* _NGX_SOS_CDN_H_INCLUDED_ */
