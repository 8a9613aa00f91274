
/*
 * SOS fuzzing: the nginx host of the module targets (see fuzz.h).
 *
 * A core module whose init_process runs libFuzzer with the arguments in
 * SOS_FUZZ_ARGS (one per line) and exits with its status; nginx runs with
 * "master_process off", so this is the only process.  The .so is linked
 * with -Bsymbolic: the module's calls to the functions defined below bind
 * here, not to the nginx binary.
 */


#include "fuzz.h"
#include <sosproto/sigv4.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the key table's private layout and ngx_sos_keys_add() */
#include "ngx_sos_keys.c"


#define FUZZ_MAX_MODULES  8


int LLVMFuzzerRunDriver(int *argc, char ***argv,
    int (*cb)(const uint8_t *data, size_t size));

static ngx_int_t fuzz_init_process(ngx_cycle_t *cycle);
static ngx_int_t fuzz_setup(ngx_cycle_t *cycle);


ngx_uint_t            fuzz_accept_signatures;
ngx_uint_t            fuzz_debug;
ngx_sos_main_conf_t  *fuzz_smcf;

static void               *fuzz_main_conf[FUZZ_MAX_MODULES];
static void               *fuzz_srv_conf[FUZZ_MAX_MODULES];
static void               *fuzz_loc_conf[FUZZ_MAX_MODULES];
static ngx_http_handler_pt  fuzz_content_handler;
static ngx_time_t           fuzz_time;
static ngx_http_request_t  *fuzz_current;       /* of fuzz_request() */
static ngx_uint_t           fuzz_late_jobs_ok;  /* explore past that bug */
static u_char               fuzz_store_dummy[64];


static ngx_core_module_t  fuzz_module_ctx = {
    ngx_string("sos_fuzz"),
    NULL,
    NULL
};


ngx_module_t  ngx_sos_fuzz_module = {
    NGX_MODULE_V1,
    &fuzz_module_ctx,                      /* module context */
    NULL,                                  /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    fuzz_init_process,                     /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* what a dynamic module exports (objs/ngx_modules.c for the others) */

ngx_module_t  *ngx_modules[] = {
    &ngx_sos_fuzz_module,
    NULL
};

char  *ngx_module_names[] = {
    "ngx_sos_fuzz_module",
    NULL
};

char  *ngx_module_order[] = {
    NULL
};


static ngx_int_t
fuzz_init_process(ngx_cycle_t *cycle)
{
    int     argc, rc;
    char   *env, *p, **argv;

    if (fuzz_setup(cycle) != NGX_OK) {
        exit(2);
    }

    fuzz_debug = (getenv("SOS_FUZZ_DEBUG") != NULL);
    fuzz_late_jobs_ok = (getenv("SOS_FUZZ_LATE_JOBS_OK") != NULL);

    env = getenv("SOS_FUZZ_ARGS");
    env = strdup(env ? env : "sos-fuzz");
    argv = calloc(strlen(env) + 2, sizeof(char *));

    if (env == NULL || argv == NULL) {
        exit(2);
    }

    argc = 0;

    for (p = strtok(env, "\n"); p; p = strtok(NULL, "\n")) {
        argv[argc++] = p;
    }

    rc = LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);

    exit(rc);
}


/*
 * Configuration as nginx.conf would give it: the core module at
 * ctx_index 0, SOS at 1, "sos;" in the location, one key, one domain.
 */

static ngx_int_t
fuzz_setup(ngx_cycle_t *cycle)
{
    ngx_str_t                 *domain;
    ngx_conf_t                 cf;
    sos_key_t                  key;
    ngx_uint_t                 i;
    ngx_command_t             *cmd;
    ngx_sos_keys_t            *keys;
    ngx_sos_loc_conf_t        *slcf;
    ngx_http_conf_ctx_t        ctx;
    ngx_http_core_srv_conf_t  *cscf;
    ngx_http_core_loc_conf_t  *clcf;

    ngx_http_core_module.ctx_index = 0;
    ngx_http_sos_module.ctx_index = 1;

    cscf = ngx_pcalloc(cycle->pool, sizeof(ngx_http_core_srv_conf_t));
    clcf = ngx_pcalloc(cycle->pool, sizeof(ngx_http_core_loc_conf_t));
    slcf = ngx_pcalloc(cycle->pool, sizeof(ngx_sos_loc_conf_t));
    fuzz_smcf = ngx_pcalloc(cycle->pool, sizeof(ngx_sos_main_conf_t));
    keys = calloc(1, sizeof(ngx_sos_keys_t));

    if (cscf == NULL || clcf == NULL || slcf == NULL || fuzz_smcf == NULL
        || keys == NULL)
    {
        return NGX_ERROR;
    }

    cscf->merge_slashes = 0;
    clcf->client_max_body_size = 1024 * 1024;
    slcf->enable = NGX_CONF_UNSET;

    fuzz_srv_conf[0] = cscf;
    fuzz_loc_conf[0] = clcf;
    fuzz_loc_conf[1] = slcf;
    fuzz_main_conf[1] = fuzz_smcf;

    ngx_str_set(&fuzz_smcf->region, "us-east-1");
    fuzz_smcf->max_object_size = (off_t) 5 * 1024 * 1024 * 1024;
    fuzz_smcf->upload_expiry = 7 * 86400;
    fuzz_smcf->allow_public_write = 1;
    fuzz_smcf->write_quorum = 2;

    /* never dereferenced: store jobs do not run */
    fuzz_smcf->store = (sos_store_t *) fuzz_store_dummy;

    fuzz_smcf->domains = ngx_array_create(cycle->pool, 1, sizeof(ngx_str_t));
    if (fuzz_smcf->domains == NULL) {
        return NGX_ERROR;
    }

    domain = ngx_array_push(fuzz_smcf->domains);
    if (domain == NULL) {
        return NGX_ERROR;
    }

    ngx_str_set(domain, FUZZ_DOMAIN);

    ngx_memzero(&key, sizeof(sos_key_t));
    ngx_cpystrn((u_char *) key.access_key_id, (u_char *) FUZZ_ACCESS_KEY,
                sizeof(key.access_key_id));
    ngx_cpystrn((u_char *) key.secret, (u_char *) FUZZ_SECRET,
                sizeof(key.secret));
    ngx_cpystrn((u_char *) key.org_id, (u_char *) FUZZ_ORG_ID,
                sizeof(key.org_id));

    if (ngx_sos_keys_add(keys, &key) != 0 || keys->failed) {
        return NGX_ERROR;
    }

    fuzz_smcf->keys = keys;

    /* "sos;" installs the content handler */

    ngx_memzero(&cf, sizeof(ngx_conf_t));
    ctx.main_conf = fuzz_main_conf;
    ctx.srv_conf = fuzz_srv_conf;
    ctx.loc_conf = fuzz_loc_conf;
    cf.ctx = &ctx;
    cf.pool = cycle->pool;
    cf.cycle = cycle;
    cf.log = cycle->log;

    for (i = 0; ngx_http_sos_module.commands[i].name.len; i++) {
        cmd = &ngx_http_sos_module.commands[i];

        if (cmd->name.len == 3 && ngx_strncmp(cmd->name.data, "sos", 3) == 0) {
            if (cmd->set(&cf, cmd, slcf) != NGX_CONF_OK) {
                return NGX_ERROR;
            }
        }
    }

    fuzz_content_handler = clcf->handler;

    if (fuzz_content_handler == NULL) {
        return NGX_ERROR;
    }

    /* a fixed clock: signed seeds stay valid, runs replay */

    fuzz_time.sec = FUZZ_NOW;
    fuzz_time.msec = 0;
    fuzz_time.gmtoff = 0;
    ngx_cached_time = &fuzz_time;

    return NGX_OK;
}


ngx_int_t
fuzz_handler(ngx_http_request_t *r)
{
    return fuzz_content_handler(r);
}


/* ------------------------------------------------------------------ */
/* A request from raw bytes                                           */

ngx_int_t
fuzz_request(fuzz_req_t *fr, const u_char *data, size_t len)
{
    u_char              *p, *colon;
    size_t               n;
    ngx_buf_t            b;
    ngx_int_t            rc;
    ngx_table_elt_t     *h;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    ngx_memzero(fr, sizeof(fuzz_req_t));

    fr->pool = ngx_create_pool(4096, ngx_cycle->log);
    if (fr->pool == NULL) {
        return NGX_ERROR;
    }

    /* the input copied to a block of its own size: ASan sees overreads */

    fr->copy = malloc(len ? len : 1);
    r = ngx_pcalloc(fr->pool, sizeof(ngx_http_request_t));
    c = ngx_pcalloc(fr->pool, sizeof(ngx_connection_t));

    if (fr->copy == NULL || r == NULL || c == NULL) {
        return NGX_ERROR;
    }

    if (len) {
        ngx_memcpy(fr->copy, data, len);
    }

    fr->r = r;
    fuzz_current = r;

    c->data = fr;
    c->log = ngx_cycle->log;
    c->pool = fr->pool;
    c->fd = (ngx_socket_t) -1;

    r->connection = c;
    r->pool = fr->pool;
    r->main = r;
    r->count = 1;
    r->main_conf = fuzz_main_conf;
    r->srv_conf = fuzz_srv_conf;
    r->loc_conf = fuzz_loc_conf;
    r->ctx = ngx_pcalloc(fr->pool, sizeof(void *) * FUZZ_MAX_MODULES);
    r->http_version = NGX_HTTP_VERSION_11;
    r->keepalive = 1;
    r->headers_in.content_length_n = -1;
    r->headers_in.keep_alive_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;

    if (r->ctx == NULL
        || ngx_list_init(&r->headers_in.headers, fr->pool, 20,
                         sizeof(ngx_table_elt_t))
           != NGX_OK
        || ngx_list_init(&r->headers_out.headers, fr->pool, 20,
                         sizeof(ngx_table_elt_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_memzero(&b, sizeof(ngx_buf_t));
    b.start = fr->copy;
    b.pos = fr->copy;
    b.last = fr->copy + len;
    b.end = b.last;
    b.temporary = 1;

    /* the request line, as ngx_http_process_request_line() takes it */

    if (ngx_http_parse_request_line(r, &b) != NGX_OK) {
        return NGX_DECLINED;
    }

    r->request_line.data = r->request_start;
    r->request_line.len = r->request_end - r->request_start;
    r->method_name.data = r->request_start;
    r->method_name.len = r->method_end - r->request_start + 1;

    /*
     * ngx_http_process_request_uri(), which would finalize the request
     * itself on a bad URI
     */

    if (r->args_start) {
        r->uri.len = r->args_start - 1 - r->uri_start;
    } else {
        r->uri.len = r->uri_end - r->uri_start;
    }

    if (r->complex_uri || r->quoted_uri || r->empty_path_in_uri) {

        if (r->empty_path_in_uri) {
            r->uri.len++;
        }

        r->uri.data = ngx_pnalloc(r->pool, r->uri.len);
        if (r->uri.data == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_parse_complex_uri(r, 1) != NGX_OK) {
            return NGX_DECLINED;
        }

    } else {
        r->uri.data = r->uri_start;
    }

    r->unparsed_uri.len = r->uri_end - r->uri_start;
    r->unparsed_uri.data = r->uri_start;
    r->valid_unparsed_uri = r->empty_path_in_uri ? 0 : 1;

    if (r->args_start && r->uri_end > r->args_start) {
        r->args.len = r->uri_end - r->args_start;
        r->args.data = r->args_start;
    }

    /* the header lines */

    for ( ;; ) {
        rc = ngx_http_parse_header_line(r, &b, 1);

        if (rc == NGX_HTTP_PARSE_HEADER_DONE) {
            break;
        }

        if (rc != NGX_OK) {
            return NGX_DECLINED;
        }

        h = ngx_list_push(&r->headers_in.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = r->header_hash;
        h->key.data = r->header_name_start;
        h->key.len = r->header_name_end - r->header_name_start;
        h->value.data = r->header_start;
        h->value.len = r->header_end - r->header_start;

        h->lowcase_key = ngx_pnalloc(fr->pool, h->key.len);
        if (h->lowcase_key == NULL) {
            return NGX_ERROR;
        }

        ngx_strlow(h->lowcase_key, h->key.data, h->key.len);

        /* the fields of headers_in that the module reads */

#define fuzz_is(name)                                                         \
        (h->key.len == sizeof(name) - 1                                       \
         && ngx_strncmp(h->lowcase_key, name, sizeof(name) - 1) == 0)

        if (fuzz_is("host")) {
            if (r->headers_in.host) {
                return NGX_DECLINED;
            }

            r->headers_in.host = h;
            p = ngx_pnalloc(fr->pool, h->value.len);
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_strlow(p, h->value.data, h->value.len);
            colon = ngx_strlchr(p, p + h->value.len, ':');
            n = colon ? (size_t) (colon - p) : h->value.len;

            if (n == 0) {
                return NGX_DECLINED;
            }

            r->headers_in.server.data = p;
            r->headers_in.server.len = n;

        } else if (fuzz_is("content-length")) {
            if (r->headers_in.content_length) {
                return NGX_DECLINED;
            }

            r->headers_in.content_length = h;
            r->headers_in.content_length_n = ngx_atoof(h->value.data,
                                                       h->value.len);
            if (r->headers_in.content_length_n == NGX_ERROR) {
                return NGX_DECLINED;
            }

        } else if (fuzz_is("transfer-encoding")) {
            if (h->value.len == 7
                && ngx_strncasecmp(h->value.data, (u_char *) "chunked", 7)
                   == 0)
            {
                r->headers_in.chunked = 1;
                r->headers_in.transfer_encoding = h;

            } else {
                return NGX_DECLINED;         /* 501 from nginx */
            }

        } else if (fuzz_is("authorization")) {
            r->headers_in.authorization = h;
        } else if (fuzz_is("content-type")) {
            r->headers_in.content_type = h;
        } else if (fuzz_is("date")) {
            r->headers_in.date = h;
        } else if (fuzz_is("expect")) {
            r->headers_in.expect = h;
        } else if (fuzz_is("range")) {
            r->headers_in.range = h;
        } else if (fuzz_is("if-match")) {
            r->headers_in.if_match = h;
        } else if (fuzz_is("if-none-match")) {
            r->headers_in.if_none_match = h;
        } else if (fuzz_is("if-modified-since")) {
            r->headers_in.if_modified_since = h;
        } else if (fuzz_is("if-unmodified-since")) {
            r->headers_in.if_unmodified_since = h;
        }

#undef fuzz_is
    }

    if (r->headers_in.content_length && r->headers_in.chunked) {
        return NGX_DECLINED;
    }

    fr->body = b.pos;
    fr->body_len = b.last - b.pos;

    if (r->headers_in.content_length_n >= 0
        && (off_t) fr->body_len > r->headers_in.content_length_n)
    {
        fr->body_len = (size_t) r->headers_in.content_length_n;
    }

    /* the body arrives in pieces: as many as its length's low bits say */

    fr->pieces = 1 + (fr->body_len % 7);

    return NGX_OK;
}


void
fuzz_request_free(fuzz_req_t *fr)
{
    fuzz_current = NULL;

    if (fr->pool) {
        ngx_destroy_pool(fr->pool);
    }

    free(fr->copy);
    fr->pool = NULL;
    fr->copy = NULL;
}


ngx_sos_err_e
fuzz_route(fuzz_req_t *fr)
{
    fr->ctx = ngx_pcalloc(fr->pool, sizeof(ngx_sos_ctx_t));
    if (fr->ctx == NULL) {
        return NGX_SOS_ERR_INTERNAL_ERROR;
    }

    ngx_http_set_ctx(fr->r, fr->ctx, ngx_http_sos_module);

    return ngx_sos_route(fr->r, fr->ctx);
}


/* ------------------------------------------------------------------ */
/* What would touch a socket, a thread or the filters                 */

ngx_int_t
ngx_http_send_header(ngx_http_request_t *r)
{
    ngx_sos_ctx_t  *ctx;

    if (r->header_sent) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "header already sent");
        abort();
    }

    if (r->err_status) {
        r->headers_out.status = r->err_status;
    }

    r->header_sent = 1;

    if (fuzz_debug) {
        ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
        fprintf(stderr, "sos-fuzz: response %d %.*s\n",
                (int) r->headers_out.status,
                ctx ? (int) ctx->error_message.len : 0,
                ctx ? (char *) ctx->error_message.data : "");
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_output_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    return NGX_OK;
}


void
ngx_http_finalize_request(ngx_http_request_t *r, ngx_int_t rc)
{
    return;
}


void
ngx_http_run_posted_requests(ngx_connection_t *c)
{
    return;
}


ngx_int_t
ngx_http_discard_request_body(ngx_http_request_t *r)
{
    return NGX_OK;
}


/* the whole body at once, cut in fr->pieces buffers */

ngx_int_t
ngx_http_read_client_request_body(ngx_http_request_t *r,
    ngx_http_client_body_handler_pt post_handler)
{
    size_t                    n, piece, left;
    u_char                   *p;
    ngx_buf_t                *b;
    fuzz_req_t               *fr;
    ngx_chain_t              *cl, **ll;
    ngx_pool_cleanup_t       *cln;
    ngx_http_request_body_t  *rb;

    fr = r->connection->data;

    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    if (rb == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->request_body = rb;
    ll = &rb->bufs;

    p = fr->body;
    left = fr->body_len;
    piece = left / fr->pieces + 1;

    while (left) {
        n = ngx_min(piece, left);

        /* each piece in a block of its own: ASan sees overreads */

        b = ngx_calloc_buf(r->pool);
        cl = ngx_alloc_chain_link(r->pool);
        if (b == NULL || cl == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b->start = ngx_alloc(n, r->connection->log);
        if (b->start == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = free;
        cln->data = b->start;

        ngx_memcpy(b->start, p, n);
        b->pos = b->start;
        b->last = b->start + n;
        b->end = b->last;
        b->temporary = 1;

        cl->buf = b;
        cl->next = NULL;
        *ll = cl;
        ll = &cl->next;

        p += n;
        left -= n;
    }

    r->reading_body = 0;

    post_handler(r);

    return NGX_OK;
}


ngx_int_t
ngx_http_read_unbuffered_request_body(ngx_http_request_t *r)
{
    return NGX_OK;
}


/*
 * Accepted, never run: the store is not the target.  As no job completes
 * here, a job posted for a request already answered means a handler went
 * on after sending an error (in nginx both answers would go out, the job
 * running with what the handler never set).  The tasks of
 * ngx_sos_job_create() hold an ngx_sos_job_t, whose first field is the
 * request; the other tasks' context never starts with it.
 */

ngx_int_t
ngx_thread_task_post(ngx_thread_pool_t *tp, ngx_thread_task_t *task)
{
    ngx_sos_job_t  *job;

    job = task->ctx;

    if (fuzz_current && job->request == fuzz_current
        && fuzz_current->header_sent && !fuzz_late_jobs_ok)
    {
        fprintf(stderr, "sos-fuzz: a store job posted after the response "
                "(status %d) was sent\n",
                (int) fuzz_current->headers_out.status);
        abort();
    }

    if (fuzz_debug) {
        fprintf(stderr, "sos-fuzz: store job posted\n");
    }

    return NGX_OK;
}


ngx_http_variable_value_t *
ngx_http_get_indexed_variable(ngx_http_request_t *r, ngx_uint_t index)
{
    static ngx_http_variable_value_t  v = {
        16, 1, 0, 0, 0, (u_char *) "0123456789ABCDEF"
    };

    return &v;
}


/* signatures: a real comparison unless the target accepts them all */

int
CRYPTO_memcmp(const void *in_a, const void *in_b, size_t len)
{
    size_t                         i;
    const volatile unsigned char  *a, *b;
    unsigned char                  x;

    a = in_a;
    b = in_b;
    x = 0;

    for (i = 0; i < len; i++) {
        x |= a[i] ^ b[i];
    }

    return fuzz_accept_signatures ? 0 : x;
}
