
/*
 * SOS: verified reads, the body of a GetObject (see ngx_sos_read.h).
 *
 * Window k's file buffers go to the output filter (sendfile); window
 * k + 1 is verified meanwhile by a job that leaves r->aio alone, so that
 * the filters keep sending, and holds the request (r->main->blocked) as
 * any job does: a request ended meanwhile (client gone, send_timeout) is
 * freed once the job is back.  Window k + 1 is queued once our busy chain
 * is empty (window k has left our buffers), and its job then starts the
 * verification of window k + 2.  A window without a good replica is never
 * sent: the connection is closed, the client sees a truncated body.
 */


#include "ngx_sos_read.h"


static void ngx_sos_read_run(ngx_sos_job_t *job);
static void ngx_sos_read_window(ngx_sos_read_t *rd, ngx_sos_job_t *job);
static ngx_int_t ngx_sos_read_verified(ngx_http_request_t *r,
    ngx_sos_job_t *job);
static void ngx_sos_read_write(ngx_http_request_t *r);
static ngx_int_t ngx_sos_read_pump(ngx_http_request_t *r,
    ngx_sos_read_t *rd);
static ngx_int_t ngx_sos_read_wait(ngx_http_request_t *r,
    ngx_sos_read_t *rd);
static ngx_chain_t *ngx_sos_read_link(ngx_http_request_t *r,
    ngx_sos_read_t *rd);


void
ngx_sos_read_init(ngx_sos_read_t *rd, ngx_sos_job_t *job)
{
    rd->job = job;
    rd->segs = rd->segs_small;
    rd->segs_cap = NGX_SOS_READ_SEGS;
}


void
ngx_sos_read_first(ngx_sos_read_t *rd, ngx_sos_job_t *job)
{
    rd->next = rd->start;

    ngx_sos_read_window(rd, job);
}


/*
 * The pool thread: a background job, whose data is rd.  The window before
 * (from win_off) is being sent, those before it are done with: the reader
 * lets go of the fds of the parts that end before it.
 */

static void
ngx_sos_read_run(ngx_sos_job_t *job)
{
    ngx_sos_read_t *rd = job->data;

    sos_reader_release(rd->reader, rd->win_off);

    ngx_sos_read_window(rd, job);
}


/*
 * The pool thread: verify the window from rd->next and map it to
 * segments.  No good replica: win_rc and win_err (job->rc is the job's
 * own failure).
 */

static void
ngx_sos_read_window(ngx_sos_read_t *rd, ngx_sos_job_t *job)
{
    off_t           end, wend;
    size_t          n;
    sos_segment_t  *segs;

    end = rd->start + rd->len;

    wend = (rd->next + 2 * NGX_SOS_READ_WINDOW - 1) / NGX_SOS_READ_WINDOW
           * NGX_SOS_READ_WINDOW;

    if (wend > end) {
        wend = end;
    }

    rd->win_off = rd->next;
    rd->win_len = wend - rd->next;
    rd->next = wend;
    rd->win_bad = 0;
    rd->n_segs = 0;

    rd->win_rc = sos_reader_verify(rd->reader, rd->win_off, rd->win_len,
                                   &rd->win_bad, &rd->win_err);
    if (rd->win_rc != SOS_OK) {
        return;
    }

    n = rd->segs_cap;

    rd->win_rc = sos_reader_segments(rd->reader, rd->win_off, rd->win_len,
                                     rd->segs, &n, &rd->win_err);

    if (rd->win_rc == SOS_ERANGE && n > rd->segs_cap) {

        /* many parts: a bigger array, plain malloc() in this thread */

        segs = malloc(n * sizeof(sos_segment_t));
        if (segs == NULL) {
            job->rc = SOS_ENOMEM;
            ngx_sprintf((u_char *) job->err.msg,
                        "no memory for %uz segments%Z", n);
            return;
        }

        if (rd->segs != rd->segs_small) {
            free(rd->segs);
        }

        rd->segs = segs;
        rd->segs_cap = n;

        rd->win_rc = sos_reader_segments(rd->reader, rd->win_off,
                                         rd->win_len, rd->segs, &n,
                                         &rd->win_err);
    }

    if (rd->win_rc == SOS_OK) {
        rd->n_segs = n;
    }
}


/* "bucket/key", a control byte as '?': no forged log line */

ngx_int_t
ngx_sos_read_name(ngx_http_request_t *r, ngx_sos_read_t *rd,
    ngx_str_t *bucket, ngx_str_t *key)
{
    u_char  *p, *end;

    p = ngx_pnalloc(r->pool, bucket->len + 1 + key->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rd->name.data = p;
    end = ngx_sprintf(p, "%V/%V", bucket, key);
    rd->name.len = end - p;

    for ( /* void */ ; p < end; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }

    return NGX_OK;
}


void
ngx_sos_read_log_corrupt(ngx_http_request_t *r, ngx_sos_read_t *rd,
    char *outcome)
{
    ngx_log_error(NGX_LOG_CRIT, r->connection->log, rd->win_err.sys_errno,
                  "sos: GET \"%V\" bytes %O-%O: no replica holds good data, "
                  "%s: %s: %s", &rd->name, rd->win_off,
                  rd->win_off + rd->win_len - 1, outcome,
                  sos_strerror(rd->win_rc), rd->win_err.msg);
}


ngx_int_t
ngx_sos_read_send(ngx_http_request_t *r, ngx_sos_read_t *rd)
{
    if (rd->next < rd->start + rd->len) {

        /* windows left: sent from here, and a client gone is noticed */

        r->read_event_handler = ngx_http_test_reading;
        r->write_event_handler = ngx_sos_read_write;
    }

    rd->ready = 1;

    return ngx_sos_read_pump(r, rd);
}


/* the loop: window k + 1 is verified, or found bad */

static ngx_int_t
ngx_sos_read_verified(ngx_http_request_t *r, ngx_sos_job_t *job)
{
    ngx_sos_read_t *rd = job->data;

    if (r->connection->error || job->rc != SOS_OK) {

        /* the request was ended meanwhile, or the job failed (logged) */

        return NGX_ERROR;
    }

    rd->ready = 1;

    return ngx_sos_read_pump(r, rd);
}


static void
ngx_sos_read_write(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_event_t               *wev;
    ngx_chain_t               *out;
    ngx_sos_ctx_t             *ctx;
    ngx_sos_read_t            *rd;
    ngx_connection_t          *c;
    ngx_http_core_loc_conf_t  *clcf;

    c = r->connection;
    wev = c->write;

    ctx = ngx_http_get_module_ctx(r, ngx_http_sos_module);
    rd = ctx->op_data;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* as ngx_http_writer() */

    if (wev->timedout) {
        if (!wev->delayed) {
            ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                          "client timed out");
            c->timedout = 1;

            ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
            return;
        }

        wev->timedout = 0;
        wev->delayed = 0;

        if (!wev->ready) {
            ngx_add_timer(wev, clcf->send_timeout);

            if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
                ngx_http_finalize_request(r, NGX_ERROR);
            }

            return;
        }

    } else if (wev->delayed || r->aio) {

        /* limit_rate, or nginx's own aio, which calls us back */

        if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_ERROR);
        }

        return;
    }

    rc = ngx_http_output_filter(r, NULL);

    if (rc == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }

    out = NULL;
    ngx_chain_update_chains(r->pool, &rd->free, &rd->busy, &out,
                            (ngx_buf_tag_t) &ngx_http_sos_module);

    rc = ngx_sos_read_pump(r, rd);

    if (rc != NGX_SOS_CONTINUE) {
        ngx_http_finalize_request(r, rc);
    }
}


/*
 * Queue the verified window once the one before has left our buffers, and
 * start verifying the next: NGX_SOS_CONTINUE, or what to finalize with.
 */

static ngx_int_t
ngx_sos_read_pump(ngx_http_request_t *r, ngx_sos_read_t *rd)
{
    ngx_int_t     rc;
    ngx_uint_t    i, last;
    ngx_buf_t    *b;
    ngx_chain_t  *out, *cl, **ll;

    if (rd->busy || !rd->ready) {
        return ngx_sos_read_wait(r, rd);
    }

    rd->ready = 0;

    if (rd->win_rc != SOS_OK) {
        ngx_sos_read_log_corrupt(r, rd, "response cut short");
        return NGX_ERROR;
    }

    if (rd->win_bad) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "sos: GET \"%V\" bytes %O-%O: %ud replica(s) of the "
                      "data found bad, sent from a good one", &rd->name,
                      rd->win_off, rd->win_off + rd->win_len - 1,
                      rd->win_bad);
    }

    last = (rd->next == rd->start + rd->len);

    out = NULL;
    ll = &out;
    b = NULL;

    for (i = 0; i < rd->n_segs; i++) {
        cl = ngx_sos_read_link(r, rd);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        b = cl->buf;

        b->file->fd = rd->segs[i].fd;
        b->in_file = rd->segs[i].len ? 1 : 0;
        b->file_pos = rd->segs[i].offset;
        b->file_last = rd->segs[i].offset + rd->segs[i].len;

        *ll = cl;
        ll = &cl->next;
    }

    if (b == NULL) {
        return NGX_ERROR;                /* a window has bytes */
    }

    if (last) {
        b->last_buf = (r == r->main) ? 1 : 0;
        b->last_in_chain = 1;

    } else {

        /* the next window is verified while this one is sent */

        rd->job->data = rd;
        rd->job->run = ngx_sos_read_run;
        rd->job->done = ngx_sos_read_verified;
        rd->job->background = 1;

        if (ngx_sos_job_post(rd->job) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    rc = ngx_http_output_filter(r, out);

    ngx_chain_update_chains(r->pool, &rd->free, &rd->busy, &out,
                            (ngx_buf_tag_t) &ngx_http_sos_module);

    if (last) {
        return ngx_sos_sent(r, rc);
    }

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    return ngx_sos_read_wait(r, rd);
}


/* wait for the client (send_timeout while bytes are pending) or the job */

static ngx_int_t
ngx_sos_read_wait(ngx_http_request_t *r, ngx_sos_read_t *rd)
{
    ngx_event_t               *wev;
    ngx_connection_t          *c;
    ngx_http_core_loc_conf_t  *clcf;

    c = r->connection;
    wev = c->write;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (rd->busy || r->buffered || c->buffered) {
        if (!wev->ready && !wev->delayed) {
            ngx_add_timer(wev, clcf->send_timeout);
        }

    } else if (wev->timer_set && !wev->delayed) {
        ngx_del_timer(wev);
    }

    if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_SOS_CONTINUE;
}


/* a file buffer of ours, from the free chain when there is one */

static ngx_chain_t *
ngx_sos_read_link(ngx_http_request_t *r, ngx_sos_read_t *rd)
{
    ngx_buf_t    *b;
    ngx_file_t   *file;
    ngx_chain_t  *cl;

    cl = rd->free;

    if (cl) {
        rd->free = cl->next;

        /* the file keeps what nginx's aio attached to it */

        b = cl->buf;
        file = b->file;
        ngx_memzero(b, sizeof(ngx_buf_t));
        b->file = file;

    } else {
        cl = ngx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return NULL;
        }

        b = ngx_calloc_buf(r->pool);
        if (b == NULL) {
            return NULL;
        }

        file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
        if (file == NULL) {
            return NULL;
        }

        file->name = rd->name;
        file->log = r->connection->log;

        cl->buf = b;
        b->file = file;
    }

    b->tag = (ngx_buf_tag_t) &ngx_http_sos_module;
    cl->next = NULL;

    return cl;
}


void
ngx_sos_read_cleanup(ngx_sos_read_t *rd)
{
    if (rd->segs != rd->segs_small) {
        free(rd->segs);
        rd->segs = rd->segs_small;
    }
}
