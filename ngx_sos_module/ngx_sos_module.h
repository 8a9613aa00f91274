
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


/*
 * retry period of the store open while a process that does not take turns
 * on owner.lock (sosctl offline, an older SOS) owns the index
 */
#define NGX_SOS_OPEN_RETRY       100
/* retry period after any other open failure */
#define NGX_SOS_OPEN_RETRY_SLOW  1000

/* sos_index_reserve's default */
#define NGX_SOS_INDEX_RESERVE    (64 * 1024 * 1024)

/* deleted files whose unlinking waits for ngx_sos_gc.c (33 bytes each);
 * past it deletes unlink before they answer */
#define NGX_SOS_GC_QUEUE         65536


typedef struct {
    ngx_flag_t           enabled;        /* some location has "sos;" */
    ngx_str_t            data_dir;
    ngx_str_t            key_file;       /* unset: <data_dir>/secret.key */
    ngx_array_t         *replicas;       /* of ngx_str_t */
    ngx_int_t            write_quorum;
    ngx_flag_t           fsync;
    ngx_str_t            thread_pool_name;
    ngx_thread_pool_t   *thread_pool;
    ngx_int_t            request_id_index;
    ngx_int_t            request_index;  /* $request */
    ngx_array_t         *domains;        /* of ngx_str_t: virtual hosts */
    ngx_str_t            region;         /* default us-east-1 */
    ngx_array_t         *region_names;   /* of ngx_str_t: also accepted */
    ngx_flag_t           bucket_recreate_ok; /* default off (409) */
    off_t                max_object_size;    /* default 5 GiB */
    time_t               upload_expiry;      /* default 7 days */
    off_t                index_reserve;      /* default 64 MiB, 0: none */
    ngx_flag_t           allow_public_write; /* default on */
    size_t               scrub_rate;     /* bytes/s, 0: off; default 10m */
    time_t               lifecycle_day;      /* default 1d: tests 2s */
    time_t               lifecycle_interval; /* between sweeps, 1h */
    ngx_array_t         *reserved_names; /* locations not S3: no bucket */
    ngx_msec_t           handoff_wait;   /* default 5s */
    ngx_uint_t           handoff_queue;  /* default 512 */
    ngx_str_t            cdn_url;        /* sos_cdn_url: published edge */
    ngx_array_t         *cdn_purge;      /* of ngx_str_t: edges to purge */
    ngx_uint_t           cdn_purge_queue;    /* default 10000 */
    ngx_uint_t           metrics_buckets;    /* per-bucket series, 100 */
    ngx_flag_t           console;        /* a "sos_console;" location */

    const char         **replica_dirs;   /* NULL: library default */
    ngx_uint_t           n_replicas;

    /* worker process state */
    sos_store_t         *store;
    struct ngx_sos_keys_s  *keys;        /* access keys, loaded at open */
    sos_rc_e             open_rc;        /* last sos_store_open() result */
} ngx_sos_main_conf_t;


typedef struct {
    ngx_flag_t           enable;
    ngx_flag_t           website;        /* sos_website: the endpoint */
    ngx_str_t            website_domain; /* sos_website_domain */
    ngx_str_t            cache_control;  /* default of public responses */
    ngx_flag_t           metrics;        /* sos_metrics: its scrapes */
} ngx_sos_loc_conf_t;


/* owner.lock: the turns processes take on the store (ngx_sos_lock.c) */
typedef struct {
    ngx_fd_t             fd;
    u_char              *path;
    ngx_err_t            open_err;       /* last open() failure, logged */
    int                  pipe[2];        /* lock thread -> loop */
    ngx_connection_t    *notify;         /* pipe[0], idle to nginx */
    ngx_err_t            err;            /* set by the lock thread */
    ngx_msec_int_t       gap;            /* released -> locked, or -1 */
} ngx_sos_lock_t;

ngx_int_t ngx_sos_lock_init(ngx_cycle_t *cycle, ngx_sos_lock_t *lk,
    ngx_str_t *data_dir, ngx_event_handler_pt handler, void *data);
ngx_int_t ngx_sos_lock_open(ngx_sos_lock_t *lk, ngx_log_t *log);
ngx_int_t ngx_sos_lock_try(ngx_sos_lock_t *lk, ngx_log_t *log);
ngx_int_t ngx_sos_lock_wait(ngx_sos_lock_t *lk, ngx_log_t *log);
ngx_uint_t ngx_sos_lock_notified(ngx_sos_lock_t *lk);
void ngx_sos_lock_taken(ngx_fd_t fd);
void ngx_sos_lock_release(ngx_fd_t fd);
void ngx_sos_lock_exit(ngx_sos_lock_t *lk);


/* S3 errors: indexes into the table in ngx_sos_error.c */
typedef enum {
    NGX_SOS_OK = 0,                      /* no error */
    NGX_SOS_ERR_INTERNAL_ERROR,
    NGX_SOS_ERR_NOT_IMPLEMENTED,
    NGX_SOS_ERR_SLOW_DOWN,
    NGX_SOS_ERR_SERVICE_UNAVAILABLE,
    NGX_SOS_ERR_NO_SUCH_BUCKET,
    NGX_SOS_ERR_NO_SUCH_KEY,
    NGX_SOS_ERR_NO_SUCH_UPLOAD,
    NGX_SOS_ERR_BUCKET_ALREADY_EXISTS,
    NGX_SOS_ERR_BUCKET_ALREADY_OWNED_BY_YOU,
    NGX_SOS_ERR_BUCKET_NOT_EMPTY,
    NGX_SOS_ERR_INVALID_BUCKET_NAME,
    NGX_SOS_ERR_INVALID_LOCATION_CONSTRAINT,
    NGX_SOS_ERR_PRECONDITION_FAILED,
    NGX_SOS_ERR_CONDITIONAL_REQUEST_CONFLICT,
    NGX_SOS_ERR_OPERATION_ABORTED,
    NGX_SOS_ERR_INSUFFICIENT_STORAGE,    /* 507: a replica volume is full */
    NGX_SOS_ERR_NOT_MODIFIED,            /* 304, no body */
    NGX_SOS_ERR_INVALID_PART,
    NGX_SOS_ERR_INVALID_PART_NUMBER,
    NGX_SOS_ERR_INVALID_PART_ORDER,
    NGX_SOS_ERR_ENTITY_TOO_SMALL,
    NGX_SOS_ERR_ENTITY_TOO_LARGE,
    NGX_SOS_ERR_KEY_TOO_LONG,
    NGX_SOS_ERR_METADATA_TOO_LARGE,
    NGX_SOS_ERR_INVALID_ARGUMENT,
    NGX_SOS_ERR_INVALID_REQUEST,
    NGX_SOS_ERR_INVALID_REDIRECT_LOCATION,
    NGX_SOS_ERR_INVALID_RANGE,
    NGX_SOS_ERR_INVALID_DIGEST,
    NGX_SOS_ERR_BAD_DIGEST,
    NGX_SOS_ERR_CONTENT_SHA256_MISMATCH, /* XAmzContentSHA256Mismatch */
    NGX_SOS_ERR_INCOMPLETE_BODY,
    NGX_SOS_ERR_MISSING_CONTENT_LENGTH,
    NGX_SOS_ERR_MALFORMED_XML,
    NGX_SOS_ERR_METHOD_NOT_ALLOWED,
    NGX_SOS_ERR_ACCESS_DENIED,
    NGX_SOS_ERR_INVALID_ACCESS_KEY_ID,
    NGX_SOS_ERR_SIGNATURE_DOES_NOT_MATCH,
    NGX_SOS_ERR_REQUEST_TIME_TOO_SKEWED,
    NGX_SOS_ERR_AUTH_HEADER_MALFORMED,   /* AuthorizationHeaderMalformed */
    NGX_SOS_ERR_AUTH_QUERY_ERROR,        /* AuthorizationQueryParametersError */
    NGX_SOS_ERR_AUTH_QUERY_FORBIDDEN,    /* the same, 403: X-Amz-Expires */
    NGX_SOS_ERR_MISSING_SECURITY_HEADER,
    NGX_SOS_ERR_ILLEGAL_LOCATION_CONSTRAINT, /* ...Exception */
    NGX_SOS_ERR_NO_SUCH_VERSION,
    NGX_SOS_ERR_MALFORMED_TRAILER,       /* MalformedTrailerError */
    NGX_SOS_ERR_MALFORMED_ACL,           /* MalformedACLError */
    NGX_SOS_ERR_UNRESOLVABLE_EMAIL,      /* UnresolvableGrantByEmailAddress */
    NGX_SOS_ERR_NO_SUCH_ENTITY,          /* admin API: no such org or key */
    NGX_SOS_ERR_ENTITY_ALREADY_EXISTS,   /* admin API */
    NGX_SOS_ERR_DELETE_CONFLICT,         /* admin API: org owns buckets */
    NGX_SOS_ERR_MALFORMED_POST_REQUEST,  /* POST Object form */
    NGX_SOS_ERR_INVALID_POLICY_DOCUMENT,
    NGX_SOS_ERR_INCORRECT_NUMBER_OF_FILES, /* ...InPostRequest */
    NGX_SOS_ERR_MAX_POST_PRE_DATA,       /* MaxPostPreDataLengthExceeded */
    NGX_SOS_ERR_INVALID_URI,
    NGX_SOS_ERR_INVALID_STORAGE_CLASS,
    NGX_SOS_ERR_NO_SUCH_CORS_CONFIGURATION,  /* NoSuchCORSConfiguration */
    NGX_SOS_ERR_BAD_REQUEST,             /* a preflight without Origin */
    NGX_SOS_ERR_ACCESS_FORBIDDEN,        /* a preflight refused */
    NGX_SOS_ERR_NO_SUCH_WEBSITE_CONFIGURATION,
    NGX_SOS_ERR_INVALID_TAG,
    NGX_SOS_ERR_NO_SUCH_TAG_SET,
    NGX_SOS_ERR_INVALID_BUCKET_STATE,
    NGX_SOS_ERR_INVALID_RETENTION_PERIOD,
    NGX_SOS_ERR_OBJECT_LOCK_CONFIGURATION_NOT_FOUND,
    NGX_SOS_ERR_NO_SUCH_OBJECT_LOCK_CONFIGURATION,
    NGX_SOS_ERR_NO_SUCH_LIFECYCLE_CONFIGURATION,
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
ngx_int_t ngx_sos_store_enter(ngx_http_request_t *r);
void ngx_sos_store_hold(void);
void ngx_sos_store_unhold(void);

ngx_int_t ngx_sos_error_send(ngx_http_request_t *r, ngx_sos_err_e err);
ngx_sos_err_e ngx_sos_error_from_store(sos_rc_e rc);
/* The table's row of err */
ngx_sos_error_t *ngx_sos_error_get(ngx_sos_err_e err);

/* ngx_sos_xml.c: XML text, escaped (what XML cannot carry is U+FFFD) */
u_char *ngx_sos_xml_escape(u_char *dst, u_char *src, size_t size);
size_t ngx_sos_xml_escape_len(u_char *src, size_t size);


/* ------------------------------------------------------------------ */
/* S3 requests                                                        */

/* One S3 operation: a row of the table in ngx_sos_op.c (ngx_sos_op.h) */
typedef struct ngx_sos_op_s  ngx_sos_op_t;


/* How the request body is protected (x-amz-content-sha256 and friends). */
typedef enum {
    NGX_SOS_PAYLOAD_UNSIGNED = 0,        /* UNSIGNED-PAYLOAD, SigV2, anon */
    NGX_SOS_PAYLOAD_SHA256,              /* hex SHA-256 of the body */
    NGX_SOS_PAYLOAD_CHUNKED,             /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD */
    NGX_SOS_PAYLOAD_CHUNKED_TRAILER,     /* ...-PAYLOAD-TRAILER */
    NGX_SOS_PAYLOAD_UNSIGNED_TRAILER     /* STREAMING-UNSIGNED-PAYLOAD-TRAILER */
} ngx_sos_payload_mode_e;


/* Who sent the request and what was signed: ngx_sos_auth.c */
typedef struct {
    ngx_uint_t               anonymous;  /* no credentials: AllUsers */
    ngx_uint_t               admin;
    ngx_uint_t               presigned;
    ngx_uint_t               sigv2;
    u_char                   access_key_id[SOS_ACCESS_KEY_LEN + 1];
    u_char                   org_id[SOS_ID_LEN + 1];

    ngx_sos_payload_mode_e   payload_mode;
    u_char                   payload_sha256[32];     /* mode SHA256 */

    /* what chunk signatures chain from (SigV4 streaming modes) */
    u_char                   signing_key[32];
    u_char                   seed_signature[64];     /* hex */
    ngx_str_t                amz_date;               /* yyyymmddThhmmssZ */
    ngx_str_t                scope;                  /* date/region/s3/aws4_request */
} ngx_sos_auth_t;


/* Decoder and verifier of a request body: ngx_sos_payload.c */
typedef struct ngx_sos_payload_s  ngx_sos_payload_t;

/* Receives decoded payload bytes; NGX_OK, or NGX_ERROR to stop. */
typedef ngx_int_t (*ngx_sos_payload_sink_pt)(void *data, u_char *p, size_t n);


typedef struct ngx_sos_job_s  ngx_sos_job_t;


/* x-amz-copy-source of CopyObject and UploadPartCopy, parsed */
typedef struct {
    ngx_str_t                bucket;     /* decoded */
    ngx_str_t                key;        /* decoded */
    ngx_str_t                version_id; /* ?versionId; data NULL: none */
    ngx_uint_t               bad_version;    /* a malformed versionId */
} ngx_sos_copy_source_t;


/* Where a request is in its authorization step: ngx_sos_authz.c */
typedef enum {
    NGX_SOS_AUTHZ_NONE = 0,              /* nothing to check (yet) */
    NGX_SOS_AUTHZ_LOOKUP,                /* a form: the bucket only */
    NGX_SOS_AUTHZ_IDENTITY,              /* a form: its signer unknown */
    NGX_SOS_AUTHZ_PENDING,               /* the next job checks first */
    NGX_SOS_AUTHZ_PASSED,
    NGX_SOS_AUTHZ_FAILED                 /* err is the answer */
} ngx_sos_authz_state_e;


/*
 * What the step decided and looked up, the handler's to read (in the
 * pool thread or the loop) once it passed; freed with the request pool.
 */
typedef struct {
    ngx_sos_authz_state_e    state;
    const char              *who;        /* the caller's org id, "" anon */
    ngx_uint_t               want_reader;    /* set by the handler: open
                                                the object */
    const char              *upload_id;  /* set by the handler */
    ngx_uint_t               lock;       /* set by the handler: the write
                                            asks for Object Lock, the
                                            bucket owner's org only */
    ngx_sos_err_e            err;        /* FAILED: the S3 error */
    ngx_uint_t               source_err; /* ... about the copy source */

    sos_bucket_info_t       *bucket;     /* the bucket and its ACL */
    sos_object_info_t        object;     /* rows with an object perm */
    sos_reader_t            *reader;     /* ... with want_reader */
    ngx_uint_t               unreadable; /* ... failed: no replica of its
                                            data opens */
    sos_object_info_t        source;     /* rows with a source perm */
    sos_reader_t            *source_reader;  /* ... always opened: the
                                                version checked is the one
                                                copied */
} ngx_sos_authz_t;


/* what GET and HEAD say when no replica of an object's data is good */
#define NGX_SOS_UNREADABLE                                                    \
    "The object's data could not be read intact from any replica."


/* Per-request state, from r->pool. */
typedef struct {
    const ngx_sos_op_t      *op;         /* the row the router chose */
    ngx_str_t                bucket;     /* empty for service operations */
    ngx_str_t                key;        /* decoded; empty for bucket ops */
    ngx_uint_t               virtual_host;
    ngx_str_t                version_id; /* ?versionId; data NULL: none */

    ngx_sos_auth_t           auth;
    ngx_sos_payload_t       *payload;    /* NULL: no body expected */
    ngx_str_t                body;       /* small XML bodies, verified */

    /* what an error response says beyond the table (may be empty) */
    ngx_str_t                error_message;
    ngx_str_t                error_extra;    /* XML elements, escaped */

    ngx_sos_copy_source_t   *copy_source;    /* once parsed */
    ngx_sos_authz_t          authz;

    void                    *op_data;    /* the operation's own state */
    void                    *website;    /* the website endpoint's state */
    void                    *body_data;  /* ngx_sos_body.c */
    struct ngx_sos_cors_s   *cors;       /* with Origin: ngx_sos_cors.c */
} ngx_sos_ctx_t;


/*
 * Store work in the thread pool.  run() executes in a pool thread and
 * touches no request, pool or log: only the store, job->data and what
 * ctx->authz looked up, with the outcome in job->rc / job->err; NULL: the
 * job only runs the authorization step.  done() runs back in the event
 * loop and returns what ngx_http_finalize_request() gets (NGX_DONE once a
 * response is sent, see ngx_sos_sent()), or NGX_SOS_CONTINUE when it
 * posted more work or is waiting for the body (nothing is finalized).
 * The first job of a request runs the authorization step before run();
 * when it refuses, the task layer answers and run() and done() are not
 * called.
 */
#define NGX_SOS_CONTINUE  -100
struct ngx_sos_job_s {
    ngx_http_request_t      *request;
    ngx_sos_ctx_t           *ctx;
    sos_store_t             *store;
    ngx_thread_task_t       *task;
    void                   (*run)(ngx_sos_job_t *job);
    ngx_int_t              (*done)(ngx_http_request_t *r, ngx_sos_job_t *job);
    sos_rc_e                 rc;
    sos_error_t              err;
    void                    *data;       /* data_size bytes, zeroed */
    ngx_uint_t               background; /* runs while the response is
                                            sent: r->aio is left alone */
    ngx_uint_t               no_authz;   /* reads for an answer only: no
                                            authorization step */
    uint64_t                 posted;     /* us, for the metrics */
};

typedef ngx_int_t (*ngx_sos_op_handler_pt)(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);


/*
 * ngx_sos_authz.c.  init: in the loop, before the handler runs (registers
 * the cleanup of what the step looks up; NGX_OK or a final rc).  run: in
 * the pool thread before a job's run() (ngx_sos_task.c), NGX_OK to go
 * on; send: the answer when it failed.  identity: POST Object names the
 * form's signer once its policy is verified.  owner: whether the caller
 * owns the bucket, in the pool thread after the step.
 */
ngx_int_t ngx_sos_authz_init(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_authz_run(ngx_sos_job_t *job);
ngx_int_t ngx_sos_authz_send(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
void ngx_sos_authz_identity(ngx_sos_ctx_t *ctx, const char *who);
ngx_uint_t ngx_sos_authz_owner(ngx_sos_ctx_t *ctx);

/* ngx_sos_task.c */
ngx_sos_job_t *ngx_sos_job_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    size_t data_size);
/*
 * Post job; NGX_OK, or NGX_ERROR when the queue is full (answer 503
 * SlowDown).  The request is held (r->main->blocked) until done() ran;
 * the caller returns NGX_DONE from a content handler after
 * r->main->count++, as for any asynchronous work.
 */
ngx_int_t ngx_sos_job_post(ngx_sos_job_t *job);
/* Post job, or answer SlowDown: what a content handler returns. */
ngx_int_t ngx_sos_job_start(ngx_http_request_t *r, ngx_sos_job_t *job);

/* ngx_sos_response.c */
ngx_int_t ngx_sos_request_id(ngx_http_request_t *r, ngx_str_t *id);
ngx_int_t ngx_sos_header_add(ngx_http_request_t *r, char *name,
    ngx_str_t *value);
/* x-amz-request-id and x-amz-id-2, on every response */
ngx_int_t ngx_sos_common_headers(ngx_http_request_t *r);
/*
 * Send status with an XML body (b may be NULL: no body).  Like every
 * function that sends a response: NGX_DONE once sent, else NGX_ERROR or
 * an HTTP code; never NGX_OK (see ngx_sos_sent()).
 */
ngx_int_t ngx_sos_send_xml(ngx_http_request_t *r, ngx_uint_t status,
    ngx_buf_t *b);
/* The same with the body out, length bytes of type (out NULL: none) */
ngx_int_t ngx_sos_send(ngx_http_request_t *r, ngx_uint_t status, char *type,
    ngx_chain_t *out, off_t length);
/* The result of a send (header, output filter) as the caller returns it. */
ngx_int_t ngx_sos_sent(ngx_http_request_t *r, ngx_int_t rc);
/* An ISO 8601 time as S3 writes it (ngx_sos_xml_element_time()) */
#define NGX_SOS_ISO8601_LEN  (sizeof("2006-02-03T16:45:09.000Z") - 1)

/* ngx_sos_error.c */
/* With ctx->error_message and ctx->error_extra. */
ngx_int_t ngx_sos_error_send_ctx(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_sos_err_e err);
/* As _ctx, about ctx->bucket: <BucketName> where S3 adds it. */
ngx_int_t ngx_sos_error_send_bucket(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_err_e err);
/* Append <name>text</name> (escaped) to ctx->error_extra: NGX_OK, ERROR */
ngx_int_t ngx_sos_error_element(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *name, u_char *text, size_t len);
/* err, with <Size> and <MaxSizeAllowed> as ctx->error_extra */
ngx_sos_err_e ngx_sos_error_too_large(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_sos_err_e err, size_t size, size_t max);

/* ngx_sos_route.c: the bucket, the key and the operation's row */
ngx_sos_err_e ngx_sos_route(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_uint_t ngx_sos_route_virtual_host(ngx_http_request_t *r,
    ngx_str_t *bucket);

/* ngx_sos_request.c */
/* The first request header with this name (case-insensitive), or NULL. */
ngx_table_elt_t *ngx_sos_header_find(ngx_http_request_t *r, char *name);
/* A query argument, as sent, or %XX and '+' decoded (see the file) */
ngx_int_t ngx_sos_arg(ngx_http_request_t *r, char *name, ngx_str_t *value);
ngx_int_t ngx_sos_query_arg(ngx_http_request_t *r, char *name,
    ngx_str_t *value);
u_char *ngx_sos_arg_next(u_char *p, u_char *end, ngx_str_t *name,
    ngx_str_t *value);
/* %XX decoded ('+' stays); dst may point into src when nothing changes */
ngx_int_t ngx_sos_uri_decode(ngx_http_request_t *r, u_char *src, size_t len,
    ngx_str_t *dst);
/* The conditions of a read: GET's If-*, a copy's x-amz-copy-source-if-* */
typedef struct {
    ngx_str_t   if_match;              /* data NULL: none */
    ngx_str_t   if_none_match;
    time_t      if_unmodified_since;   /* -1: none, or not a date */
    time_t      if_modified_since;
} ngx_sos_cond_t;
typedef enum {
    NGX_SOS_COND_PASS = 0,
    NGX_SOS_COND_IF_MATCH,             /* failed: 412 */
    NGX_SOS_COND_IF_UNMODIFIED_SINCE,  /* failed: 412 */
    NGX_SOS_COND_NOT_MODIFIED          /* If-None-Match, -Modified-Since */
} ngx_sos_cond_e;
/* Which fails first for this version, if any; no r: any thread may ask */
ngx_sos_cond_e ngx_sos_cond_eval(ngx_sos_cond_t *c, const char *etag,
    time_t mtime);
/* The next item of a comma-separated header value, blanks trimmed */
u_char *ngx_sos_header_item(u_char *p, u_char *end, ngx_str_t *item);
/* The region this server answers for (sos_region) */
void ngx_sos_region(ngx_http_request_t *r, ngx_str_t *region);
/* sos_region name [other accepted names...] (ngx_sos_bucket.c) */
char *ngx_sos_bucket_region_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
#define NGX_SOS_US_EAST_1  "us-east-1"

/* ngx_sos_log.c: $sos_request_redacted, the error log's request line */
ngx_int_t ngx_sos_log_add_variables(ngx_conf_t *cf);
void ngx_sos_log_redact_request(ngx_http_request_t *r);

/* ngx_sos_auth.c: SigV4 / SigV2 header and query, anonymous */
ngx_sos_err_e ngx_sos_auth(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* ngx_sos_keys.c: the access keys, held in the worker's memory */
typedef struct ngx_sos_keys_s  ngx_sos_keys_t;
ngx_sos_keys_t *ngx_sos_keys_load(sos_store_t *store, sos_error_t *err);
void ngx_sos_keys_free(ngx_sos_keys_t *keys);
const sos_key_t *ngx_sos_keys_find(ngx_sos_keys_t *keys, u_char *id,
    size_t len);
/*
 * The SigV4 signing key of a key found in this table (in the same turn of
 * the event loop) for a date (yyyymmdd) and region, service s3: 32 bytes,
 * valid until the next call or the table's replacement.
 */
u_char *ngx_sos_keys_signing_key(ngx_sos_keys_t *keys, const sos_key_t *key,
    ngx_str_t *date, ngx_str_t *region);
/* In the event loop: install a freshly loaded table, free the old one. */
void ngx_sos_keys_replace(ngx_sos_main_conf_t *smcf, ngx_sos_keys_t *keys);

/*
 * ngx_sos_payload.c.  create runs in the event loop once auth is done
 * and reads the body headers (Content-MD5, x-amz-checksum-*,
 * x-amz-trailer, x-amz-decoded-content-length, Content-Length); feed and
 * finish may run in a pool thread: they use no pool and no log.
 */
ngx_sos_err_e ngx_sos_payload_create(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
/*
 * A verifier of bytes its caller reads itself (POST Object's file part):
 * no framing, the checksum a form field names ("x-amz-checksum-crc32",
 * base64 value).  *pl is set, or the error's message is in ctx.
 */
ngx_sos_err_e ngx_sos_payload_create_field(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *name, ngx_str_t *value,
    ngx_sos_payload_t **pl);
ngx_sos_err_e ngx_sos_payload_feed(ngx_sos_payload_t *pl, u_char *p,
    size_t n, ngx_sos_payload_sink_pt sink, void *data);
/* After the last byte: signatures, hashes, Content-MD5, checksums. */
ngx_sos_err_e ngx_sos_payload_finish(ngx_sos_payload_t *pl);
/* Decoded length announced by the client, -1 when unknown. */
off_t ngx_sos_payload_length(ngx_sos_payload_t *pl);
/* The flexible checksum to store and echo: "CRC32" and base64 value. */
void ngx_sos_payload_checksum(ngx_sos_payload_t *pl, ngx_str_t *algorithm,
    ngx_str_t *value);

/*
 * ngx_sos_body.c: read a small body whole, decoded and verified, into
 * ctx->body (at most max decoded bytes), then call post (or answer the
 * error itself).  Return its result from the content handler (NGX_DONE,
 * or a final rc when the body could not be read).  post(r) holds the
 * request reference of the body read: it ends with exactly one
 * ngx_http_finalize_request(r, rc), rc being what a content handler
 * would return (e.g. NGX_DONE after r->main->count++ and a posted job).
 */
ngx_int_t ngx_sos_body_read(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    size_t max, void (*post)(ngx_http_request_t *r));
/*
 * The request is accepted: read its body unbuffered, handler being the
 * post handler ("100 Continue" is sent now, if asked).  NGX_DONE, the body
 * reader holding r, or as ngx_sos_body_error() when nginx's reading failed.
 */
ngx_int_t ngx_sos_body_stream(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_http_client_body_handler_pt handler);
/*
 * What to answer when nginx's body reader failed with rc (413, 400 bad
 * chunked framing, 408...): the S3 error sent, or rc itself when nobody is
 * there to answer.  Returns as a content handler.
 */
ngx_int_t ngx_sos_body_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_int_t rc);
/*
 * Whether a document is protected as S3 wants it for DeleteObjects and
 * PutBucketCors: Content-MD5, a flexible checksum header or trailer.
 */
ngx_uint_t ngx_sos_body_protected(ngx_http_request_t *r);

/*
 * ngx_sos_check.c: what may enter the store.  A key S3 can address and an
 * XML listing can carry (UTF-8, no NUL, no C0 control but TAB, LF, CR);
 * a header value without control characters (TAB allowed): NGX_OK or
 * NGX_DECLINED.  ngx_sos_check_attrs: NULL, or the name of the first
 * attribute that could not be sent as a response header.
 */
ngx_int_t ngx_sos_check_key(u_char *p, size_t len);
ngx_int_t ngx_sos_check_value(u_char *p, size_t len);
char *ngx_sos_check_attrs(sos_attrs_t *a);
/* a website redirect S3 takes: "/...", "http://..." or "https://...", at
 * most 2 KiB, no control character: 1, else 0 */
ngx_uint_t ngx_sos_check_redirect(u_char *p, size_t len);
/* InvalidArgument, with a message naming the header */
ngx_sos_err_e ngx_sos_check_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *name);

/*
 * ngx_sos_bucket_name.c.  check: CreateBucket's name rules (S3's, less the
 * reserved names), error_message set for a reserved one.  reserve: at
 * config time, a location with a handler other than "sos;" reserves the
 * first segment of its path.
 */
ngx_sos_err_e ngx_sos_bucket_name_check(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_bucket_name_reserve(ngx_conf_t *cf,
    ngx_http_core_loc_conf_t *clcf);

/*
 * ngx_sos_unsupported.c: headers (and POST form fields) that ask for what
 * SOS does not do.  NGX_SOS_OK, or the error to answer (501
 * NotImplemented naming it, or S3's 400 for a value S3 does not know),
 * ctx->error_message and error_extra set.  header: 1 for a request
 * header, 0 for a form field (name lower case).
 */
ngx_sos_err_e ngx_sos_unsupported_headers(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);
ngx_sos_err_e ngx_sos_unsupported_check(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *name, ngx_str_t *value,
    ngx_uint_t header);

/*
 * ngx_sos_owner.c: x-amz-expected-bucket-owner and its copy-source twin,
 * checked in a job when present (403 AccessDenied for another owner);
 * goes on with ngx_sos_handler_op() (ngx_sos_module.c), the operation
 * itself.  Both return as a content handler.
 */
ngx_int_t ngx_sos_owner_check(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_handler_op(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/*
 * ngx_sos_module.c: the start of a content handler, S3 or admin: the
 * store open and the request's ctx set; NULL: *rc is what the handler
 * returns (the error sent).
 */
ngx_sos_ctx_t *ngx_sos_handler_start(ngx_http_request_t *r, ngx_int_t *rc);

/* ngx_sos_admin.c: the "sos_admin" directive and its handler */
char *ngx_sos_admin_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
/* ngx_sos_admin_usage.c: usage, buckets/B/info, buckets/B/usage; else
 * NGX_DECLINED */
ngx_int_t ngx_sos_admin_usage(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* JSON built with malloc in a pool thread (ngx_sos_admin.c) */
typedef struct {
    u_char                  *data;
    size_t                   len;
    size_t                   size;
    ngx_uint_t               failed;
} ngx_sos_admin_out_t;

void ngx_sos_admin_append(ngx_sos_admin_out_t *out, const char *s, size_t n);
/* a query argument, %XX and '+' decoded, into dst: NGX_OK (absent: empty),
 * NGX_ERROR when malformed or longer than max bytes */
ngx_int_t ngx_sos_admin_arg(ngx_http_request_t *r, char *name, char *dst,
    size_t max, size_t *len);
/*
 * The answer of a job about one bucket: out as JSON when job->rc is
 * SOS_OK, else the error (a missing bucket is NoSuchEntity, as an
 * unknown organization); frees out.  Returns as a content handler.
 */
ngx_int_t ngx_sos_admin_send_bucket(ngx_http_request_t *r,
    ngx_sos_job_t *job, ngx_sos_admin_out_t *out);
/* name (with what goes before and after it, as ",\"id\":") and the JSON
 * string s */
void ngx_sos_admin_member(ngx_sos_admin_out_t *out, const char *name,
    const char *s);

/* ngx_sos_gc.c: the unlinking of deleted files, after the answer */
ngx_int_t ngx_sos_gc_init_process(ngx_cycle_t *cycle,
    ngx_sos_main_conf_t *smcf);

/* ngx_sos_lifecycle.c: the background lifecycle sweep */
ngx_int_t ngx_sos_lifecycle_init_process(ngx_cycle_t *cycle,
    ngx_sos_main_conf_t *smcf);

/* ngx_sos_scrub.c: the background scrub, and its admin answers */
ngx_int_t ngx_sos_scrub_init_process(ngx_cycle_t *cycle,
    ngx_sos_main_conf_t *smcf);
void ngx_sos_scrub_log(ngx_log_t *log, const sos_scrub_report_t *report);
void ngx_sos_scrub_flush(sos_store_t *store, ngx_log_t *log);
void ngx_sos_scrub_json_report(ngx_sos_admin_out_t *out,
    const sos_scrub_report_t *report);
void ngx_sos_scrub_json_status(ngx_sos_admin_out_t *out,
    const sos_scrub_status_t *status, const sos_store_info_t *info,
    size_t rate);
/* ngx_sos_post.c: POST Object, authenticated by the form's policy */
ngx_int_t ngx_sos_post_object(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* Operations (return as a content handler: final rc, or NGX_DONE). */
ngx_int_t ngx_sos_bucket_list_all(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_bucket_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_bucket_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_bucket_head(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_bucket_location(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/* ngx_sos_bucket_conf.c: a bucket setting read, stored or removed */
typedef ngx_int_t (*ngx_sos_bucket_conf_send_pt)(ngx_http_request_t *r,
    const sos_str_t *conf);
ngx_int_t ngx_sos_bucket_conf_set(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_bucket_conf_e which, ngx_str_t *blob);
ngx_int_t ngx_sos_bucket_conf_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_bucket_conf_e which, ngx_sos_err_e missing,
    ngx_sos_bucket_conf_send_pt send);
ngx_int_t ngx_sos_versioning_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_versioning_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_versioning_header(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    const char *version_id);
ngx_int_t ngx_sos_versioning_marker(ngx_http_request_t *r,
    sos_object_info_t *marker, ngx_uint_t by_id);
ngx_int_t ngx_sos_list_objects(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_list_objects_v2(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_versions_list(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_sos_err_e ngx_sos_list_args(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    ngx_str_t *prefix, ngx_str_t *delimiter, ngx_uint_t *max_keys,
    ngx_uint_t *url);
ngx_sos_err_e ngx_sos_list_bad_arg(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    char *name, ngx_str_t *value, char *message);
ngx_int_t ngx_sos_delete_objects(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* ngx_sos_object.c: PutObject (its body: ngx_sos_put.c), DeleteObject */
ngx_int_t ngx_sos_object_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_object_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/*
 * Content-Type, x-amz-meta-* ... as PutObject reads them: NGX_SOS_OK, or
 * the error to answer (MetadataTooLarge, InvalidArgument, with ctx's
 * error_extra or error_message set)
 */
ngx_sos_err_e ngx_sos_object_attrs(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_attrs_t *attrs);

/*
 * ngx_sos_put.c, the upload engine (ngx_sos_put.h): UploadPart, the body
 * streamed into a part as PutObject's
 */
ngx_int_t ngx_sos_put_part(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    u_char *upload_id, uint32_t part_number);

/* ngx_sos_get.c: GetObject, HeadObject */
ngx_int_t ngx_sos_object_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_object_attributes(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);

/* ngx_sos_copy.c: CopyObject, UploadPartCopy */
ngx_int_t ngx_sos_object_copy(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_mp_upload_part_copy(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx);

/*
 * x-amz-copy-source into ctx->copy_source (parsed once): NGX_OK, or what
 * the caller must return (the error is sent: NGX_DONE).  CopyObject and
 * UploadPartCopy parse it before their first job, whose authorization
 * step checks the source.
 */
ngx_int_t ngx_sos_copy_source(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);

/* ngx_sos_multipart.c: Create and AbortMultipartUpload, UploadPart */
ngx_int_t ngx_sos_mp_create(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_mp_upload_part(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_mp_abort(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/* ngx_sos_complete.c: CompleteMultipartUpload */
ngx_int_t ngx_sos_mp_complete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/* ngx_sos_mp_list.c: ListParts, ListMultipartUploads */
ngx_int_t ngx_sos_mp_list_parts(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_mp_list_uploads(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/* ngx_sos_multipart.c: the sweep of uploads past sos_upload_expiry */
ngx_int_t ngx_sos_mp_init_process(ngx_cycle_t *cycle,
    ngx_sos_main_conf_t *smcf);
/*
 * ngx_sos_tagging.c: Get/Put/DeleteObjectTagging and ...BucketTagging (by
 * the row's level); the tag set of a write, encoded into tags (empty:
 * none) from x-amz-tagging or a Tagging document of at most max tags:
 * NGX_SOS_OK, or the error with ctx->error_message; x-amz-tagging-count.
 */
#define NGX_SOS_TAGS_OBJECT_MAX  10
#define NGX_SOS_TAGS_BUCKET_MAX  50
ngx_int_t ngx_sos_tagging_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_tagging_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_tagging_delete(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_sos_err_e ngx_sos_tagging_header(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, sos_str_t *tags);
ngx_sos_err_e ngx_sos_tagging_document(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *doc, ngx_uint_t max, sos_str_t *tags);
ngx_int_t ngx_sos_tagging_count(ngx_http_request_t *r, const sos_str_t *tags);
/* ngx_sos_lock_conf.c: Get/PutObjectLockConfiguration */
ngx_int_t ngx_sos_lock_conf_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_lock_conf_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
/*
 * ngx_sos_retention.c: Get/PutObjectRetention, Get/PutObjectLegalHold;
 * the Object Lock of writes (NULL: none asked, the bucket's default),
 * of GET and HEAD, and who bypasses GOVERNANCE retention
 */
ngx_int_t ngx_sos_retention_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_retention_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_legal_hold_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_legal_hold_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
sos_lock_mode_e ngx_sos_lock_mode(ngx_str_t *text);
ngx_uint_t ngx_sos_retention_bypass_asked(ngx_http_request_t *r);
ngx_uint_t ngx_sos_retention_bypass_allowed(ngx_sos_ctx_t *ctx);
ngx_sos_err_e ngx_sos_retention_parse(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_str_t *mode, ngx_str_t *date, ngx_str_t *hold,
    sos_retention_t **out);
ngx_sos_err_e ngx_sos_retention_headers(ngx_http_request_t *r,
    ngx_sos_ctx_t *ctx, ngx_uint_t with_body, const sos_retention_t **out);
ngx_sos_err_e ngx_sos_retention_missing(ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_retention_error(ngx_http_request_t *r, ngx_sos_ctx_t *ctx,
    sos_rc_e rc);
ngx_int_t ngx_sos_retention_out(ngx_http_request_t *r,
    const sos_retention_t *rt);
/* ngx_sos_acl_ops.c: Get/PutBucketAcl, Get/PutObjectAcl */
ngx_int_t ngx_sos_acl_get(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);
ngx_int_t ngx_sos_acl_put(ngx_http_request_t *r, ngx_sos_ctx_t *ctx);


extern ngx_module_t  ngx_http_sos_module;


#endif /* _NGX_SOS_MODULE_H_INCLUDED_ */
