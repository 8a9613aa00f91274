
/*
 * SOS: the web console's static files, embedded at build time
 * (scripts/embed-console writes ngx_sos_console_files.c from console/),
 * and the "sos_console" directive that serves them (ngx_sos_console.c).
 */


#ifndef _NGX_SOS_CONSOLE_H_INCLUDED_
#define _NGX_SOS_CONSOLE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    ngx_str_t                path;          /* "index.html", "js/app.js" */
    ngx_str_t                type;          /* Content-Type */
    ngx_str_t                etag;          /* quoted hash of the bytes */
    const u_char            *data;
    size_t                   len;
} ngx_sos_console_file_t;


/* ends with an entry whose path is empty */
extern ngx_sos_console_file_t  ngx_sos_console_files[];


char *ngx_sos_console_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/*
 * With a console configured, an object answer whose type a browser runs
 * script from (HTML, SVG, XML) gets "Content-Security-Policy: sandbox":
 * its scripts run in an origin of their own, not the console's (which
 * path-style object URLs share), so they cannot read the signed-in key.
 * Called once the answer's Content-Type is set.  NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_sos_console_sandbox(ngx_http_request_t *r);


#endif /* _NGX_SOS_CONSOLE_H_INCLUDED_ */
