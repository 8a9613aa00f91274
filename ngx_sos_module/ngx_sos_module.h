
/*
 * SOS: an S3-compatible object store inside nginx.
 */


#ifndef _NGX_SOS_MODULE_H_INCLUDED_
#define _NGX_SOS_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sos/store.h>


#if !(NGX_THREADS)
#error the SOS module requires nginx built --with-threads
#endif


/* retry period of the store open while another process owns the index */
#define NGX_SOS_OPEN_RETRY       100
/* retry period after any other open failure */
#define NGX_SOS_OPEN_RETRY_SLOW  1000


typedef struct {
    ngx_flag_t           enabled;        /* some location has "sos;" */
    ngx_str_t            data_dir;
    ngx_array_t         *replicas;       /* of ngx_str_t */
    ngx_int_t            write_quorum;
    ngx_flag_t           fsync;
    ngx_str_t            thread_pool_name;
    ngx_thread_pool_t   *thread_pool;
    ngx_int_t            request_id_index;

    const char         **replica_dirs;   /* NULL: library default */
    ngx_uint_t           n_replicas;

    /* worker process state */
    sos_store_t         *store;
    sos_rc_e             open_rc;        /* last sos_store_open() result */
    ngx_event_t          open_timer;
    ngx_thread_task_t   *open_task;
    ngx_flag_t           open_posted;
    ngx_msec_t           open_start;
} ngx_sos_main_conf_t;


typedef struct {
    ngx_flag_t           enable;
} ngx_sos_loc_conf_t;


/* S3 errors: indexes into the table in ngx_sos_error.c */
typedef enum {
    NGX_SOS_ERR_INTERNAL_ERROR = 0,
    NGX_SOS_ERR_NOT_IMPLEMENTED,
    NGX_SOS_ERR_SLOW_DOWN,
    NGX_SOS_ERR_SERVICE_UNAVAILABLE,
    NGX_SOS_ERR_NO_SUCH_BUCKET,
    NGX_SOS_ERR_NO_SUCH_KEY,
    NGX_SOS_ERR_NO_SUCH_UPLOAD,
    NGX_SOS_ERR_BUCKET_ALREADY_EXISTS,
    NGX_SOS_ERR_BUCKET_NOT_EMPTY,
    NGX_SOS_ERR_PRECONDITION_FAILED,
    NGX_SOS_ERR_INVALID_PART,
    NGX_SOS_ERR_INVALID_PART_ORDER,
    NGX_SOS_ERR_ENTITY_TOO_SMALL,
    NGX_SOS_ERR_ENTITY_TOO_LARGE,
    NGX_SOS_ERR_INVALID_ARGUMENT,
    NGX_SOS_ERR_INVALID_RANGE,
    NGX_SOS_ERR_ACCESS_DENIED,
    NGX_SOS_ERR_MAX
} ngx_sos_err_e;


typedef struct {
    ngx_str_t            code;           /* S3 error code */
    ngx_uint_t           status;
    ngx_str_t            message;
    ngx_uint_t           log_level;      /* 0: not logged */
} ngx_sos_error_t;


ngx_int_t ngx_sos_store_init(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf);
void ngx_sos_store_exit(ngx_cycle_t *cycle, ngx_sos_main_conf_t *smcf);

ngx_int_t ngx_sos_error_send(ngx_http_request_t *r, ngx_sos_err_e err);
ngx_sos_err_e ngx_sos_error_from_store(sos_rc_e rc);
u_char *ngx_sos_xml_escape(u_char *dst, u_char *src, size_t size);
size_t ngx_sos_xml_escape_len(u_char *src, size_t size);


extern ngx_module_t  ngx_http_sos_module;


#endif /* _NGX_SOS_MODULE_H_INCLUDED_ */
