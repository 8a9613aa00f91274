
/*
 * SOS: owner.lock, the turns processes take on the store.
 *
 * The worker that owns the store holds an exclusive flock() of
 * <data_dir>/owner.lock from before sos_store_open() until after
 * sos_store_close().  flock() locks belong to the open file, not to the
 * process as LevelDB's fcntl() lock does, and a separate file keeps
 * LevelDB's own lock (which keeps other programs out) untouched.
 *
 * A worker that finds the lock taken blocks a thread of its own in
 * flock(): the kernel wakes it the moment the owner lets go, and a byte
 * in a pipe tells the event loop.  The pipe's connection is idle to
 * nginx, so that graceful shutdown, which closes idle connections by
 * calling their read handler with c->close set, tells the loop too.
 *
 * The releasing owner writes the time (ms since the epoch) into the
 * file; the next one measures how long the store had nobody.
 */


#include "ngx_sos_module.h"

#include <pthread.h>
#include <signal.h>
#include <sys/file.h>


static void *ngx_sos_lock_thread(void *data);
static ngx_msec_int_t ngx_sos_lock_gap(ngx_fd_t fd);


ngx_int_t
ngx_sos_lock_init(ngx_cycle_t *cycle, ngx_sos_lock_t *lk,
    ngx_str_t *data_dir, ngx_event_handler_pt handler, void *data)
{
    size_t             len;
    ngx_connection_t  *c;

    lk->fd = NGX_INVALID_FILE;
    lk->pipe[0] = -1;
    lk->pipe[1] = -1;
    lk->gap = -1;

    len = data_dir->len + sizeof("/owner.lock");

    lk->path = ngx_pnalloc(cycle->pool, len);
    if (lk->path == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(lk->path, "%V/owner.lock%Z", data_dir);

    if (pipe2(lk->pipe, O_CLOEXEC|O_NONBLOCK) == -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_errno,
                      "sos: pipe2() failed");
        return NGX_ERROR;
    }

    c = ngx_get_connection(lk->pipe[0], cycle->log);
    if (c == NULL) {
        (void) close(lk->pipe[0]);
        (void) close(lk->pipe[1]);
        lk->pipe[0] = -1;
        lk->pipe[1] = -1;
        return NGX_ERROR;
    }

    c->data = data;
    c->idle = 1;
    c->read->handler = handler;
    c->read->log = cycle->log;
    c->write->log = cycle->log;

    lk->notify = c;

    return ngx_add_event(c->read, NGX_READ_EVENT, 0);
}


/* NGX_OK: the file is open; else logged (once per condition) */

ngx_int_t
ngx_sos_lock_open(ngx_sos_lock_t *lk, ngx_log_t *log)
{
    ngx_err_t  err;

    lk->fd = open((char *) lk->path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);

    if (lk->fd == NGX_INVALID_FILE && ngx_errno == NGX_ENOENT) {

        /* the first start: the data dir is made here, not by the store */

        if (ngx_create_full_path(lk->path, 0700) == 0) {
            lk->fd = open((char *) lk->path, O_RDWR|O_CREAT|O_CLOEXEC,
                          0600);
        }
    }

    if (lk->fd == NGX_INVALID_FILE) {
        err = ngx_errno;

        if (err != lk->open_err) {
            ngx_log_error(NGX_LOG_CRIT, log, err,
                          "sos: open(\"%s\") failed", lk->path);
        }

        lk->open_err = err;
        return NGX_ERROR;
    }

    lk->open_err = 0;

    return NGX_OK;
}


/* NGX_OK: ours; NGX_AGAIN: another process's */

ngx_int_t
ngx_sos_lock_try(ngx_sos_lock_t *lk, ngx_log_t *log)
{
    if (flock(lk->fd, LOCK_EX|LOCK_NB) == 0) {
        return NGX_OK;
    }

    if (ngx_errno != EWOULDBLOCK) {
        ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                      "sos: flock(\"%s\") failed", lk->path);
    }

    return NGX_AGAIN;
}


/* a thread waits for the lock; a byte in the pipe says it is ours */

ngx_int_t
ngx_sos_lock_wait(ngx_sos_lock_t *lk, ngx_log_t *log)
{
    int             err;
    sigset_t        set, old;
    pthread_t       tid;
    pthread_attr_t  attr;

    lk->err = 0;
    lk->gap = -1;

    /* nginx's signals are the loop's; the thread ends with the process */

    sigfillset(&set);
    (void) pthread_sigmask(SIG_BLOCK, &set, &old);

    (void) pthread_attr_init(&attr);
    (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

    err = pthread_create(&tid, &attr, ngx_sos_lock_thread, lk);

    (void) pthread_attr_destroy(&attr);
    (void) pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (err != 0) {
        ngx_log_error(NGX_LOG_ALERT, log, err, "sos: pthread_create() failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* it touches only the file, the pipe, lk->err and lk->gap */

static void *
ngx_sos_lock_thread(void *data)
{
    ngx_sos_lock_t *lk = data;

    while (flock(lk->fd, LOCK_EX) == -1) {
        if (ngx_errno != NGX_EINTR) {
            lk->err = ngx_errno;
            break;
        }
    }

    if (lk->err == 0) {
        lk->gap = ngx_sos_lock_gap(lk->fd);
    }

    while (write(lk->pipe[1], "L", 1) == -1 && ngx_errno == NGX_EINTR) {
        /* void */
    }

    return NULL;
}


static ngx_msec_int_t
ngx_sos_lock_gap(ngx_fd_t fd)
{
    u_char          buf[32];
    ssize_t         n;
    ngx_int_t       released;
    struct timeval  tv;

    n = pread(fd, buf, sizeof(buf), 0);

    if (n <= 0 || n == sizeof(buf)) {
        return -1;
    }

    released = ngx_atoi(buf, n);
    if (released == NGX_ERROR) {
        return -1;
    }

    ngx_gettimeofday(&tv);

    return (ngx_msec_int_t) ((ngx_int_t) tv.tv_sec * 1000
                             + tv.tv_usec / 1000 - released);
}


/* in the loop: drain the pipe; 1 if the lock thread is done */

ngx_uint_t
ngx_sos_lock_notified(ngx_sos_lock_t *lk)
{
    u_char      buf[8];
    ssize_t     n;
    ngx_uint_t  done;

    done = 0;

    for ( ;; ) {
        n = read(lk->pipe[0], buf, sizeof(buf));

        if (n > 0) {
            done = 1;
            continue;
        }

        if (n == -1 && ngx_errno == NGX_EINTR) {
            continue;
        }

        return done;
    }
}


/* ours: the release time of the previous owner is read; forget it */

void
ngx_sos_lock_taken(ngx_fd_t fd)
{
    (void) ftruncate(fd, 0);
}


/*
 * The store is closed: when, for the next owner, then let go (the file
 * is closed).  Called in any thread.
 */

void
ngx_sos_lock_release(ngx_fd_t fd)
{
    u_char          buf[NGX_INT64_LEN], *p;
    struct timeval  tv;

    if (fd == NGX_INVALID_FILE) {
        return;
    }

    ngx_gettimeofday(&tv);

    p = ngx_sprintf(buf, "%L",
                    (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000);

    if (ftruncate(fd, 0) == 0) {
        (void) pwrite(fd, buf, p - buf, 0);
    }

    (void) close(fd);
}


/* a lock thread still waiting ends with the process */

void
ngx_sos_lock_exit(ngx_sos_lock_t *lk)
{
    if (lk->fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(lk->fd);
        lk->fd = NGX_INVALID_FILE;
    }

    if (lk->notify) {
        ngx_close_connection(lk->notify);
        lk->notify = NULL;
    }

    if (lk->pipe[1] != -1) {
        (void) close(lk->pipe[1]);
        lk->pipe[1] = -1;
    }
}
