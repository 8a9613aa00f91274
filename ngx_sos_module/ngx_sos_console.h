
/*
 * SOS: the web console's static files, embedded at build time
 * (scripts/embed-console writes ngx_sos_console_files.c from console/),
 * and the "sos_console" directive that serves them (ngx_sos_console.c).
 */


#ifndef _NGX_SOS_CONSOLE_H_INCLUDED_
#define _NGX_SOS_CONSOLE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


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


#endif /* _NGX_SOS_CONSOLE_H_INCLUDED_ */
