/*
 * Thin wrappers over LevelDB's C API that turn its errptr convention into
 * sos_error_t.  Values returned by leveldb_get are malloc'd, so callers
 * free() them.
 *
 * And the index's life after a failed write: the fence, the reopen that
 * lifts it, and the reserve file that keeps room for both on a full
 * volume (see "Fencing" in store.h).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "sos_internal.h"


/* at most one reopen, or check for room to take the reserve back, a second */
#define SOS_RETRY_MS      1000

/* how long a syncer waits at most for the commits under way to apply */
#define SOS_GROUP_WAIT_US  2000

/* room a reopen needs besides the logs it turns into tables: a manifest,
 * a new log, headroom */
#define SOS_REOPEN_ROOM   (256 * 1024)


static void sos_idx_lock(sos_store_t *st);
static void sos_idx_unlock(sos_store_t *st);
static void sos_idx_publish(sos_store_t *st);
static int64_t sos_idx_now_ms(void);
static void sos_idx_fence(sos_store_t *st, const sos_error_t *cause);
static sos_rc_e sos_idx_write_locked(sos_store_t *st,
    leveldb_writebatch_t *batch, const unsigned *epoch, int decides,
    uint64_t *seq, sos_error_t *err);
static sos_rc_e sos_idx_sync_locked(sos_store_t *st, uint64_t seq,
    sos_error_t *err);
static int sos_idx_sync_old_logs(sos_store_t *st);
static void sos_idx_reopen(sos_store_t *st);
static uint64_t sos_idx_free(sos_store_t *st);
static uint64_t sos_idx_log_bytes(sos_store_t *st);
static int sos_idx_reserve_make(sos_store_t *st, uint64_t room);
static void sos_idx_reserve_release(sos_store_t *st);


/*
 * The store whose db_lock this thread holds exclusively: the reopen runs
 * garbage collection through the usual calls, which must not lock again.
 */
static _Thread_local sos_store_t  *sos_idx_owner;


static void
sos_idx_lock(sos_store_t *st)
{
    if (sos_idx_owner != st) {
        pthread_rwlock_rdlock(&st->db_lock);
    }
}


static void
sos_idx_unlock(sos_store_t *st)
{
    if (sos_idx_owner != st) {
        pthread_rwlock_unlock(&st->db_lock);
    }
}


/*
 * Under idx_lock: copy the state for sos_store_health, which the event
 * loop may call: it takes only health_lock, never held across I/O, as
 * idx_lock is during a synced write.
 */
static void
sos_idx_publish(sos_store_t *st)
{
    pthread_mutex_lock(&st->health_lock);
    st->health_pub = st->health;
    st->health_pub.fenced = st->fenced;
    st->health_pub.reserve_in_use = st->low;
    pthread_mutex_unlock(&st->health_lock);
}


static int64_t
sos_idx_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


sos_rc_e
sos_idx_get(sos_store_t *st, const sos_buf_t *key, char **val,
    size_t *val_len, sos_error_t *err)
{
    char  *errptr = NULL;

    if (key->oom) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index key");
    }

    sos_idx_lock(st);

    if (st->db == NULL) {
        sos_idx_unlock(st);
        return sos_err(err, SOS_EFENCED, 0, "the index is closed: %s",
                       st->fence_why);
    }

    *val = leveldb_get(st->db, st->read_options, (const char *) key->data,
                       key->len, val_len, &errptr);

    sos_idx_unlock(st);

    if (errptr != NULL) {
        return sos_err_leveldb(err, errptr, "get");
    }

    if (*val == NULL) {
        return SOS_ENOTFOUND;
    }

    return SOS_OK;
}


sos_rc_e
sos_idx_put(sos_store_t *st, const sos_buf_t *key, const void *val,
    size_t val_len, int sync, sos_error_t *err)
{
    sos_rc_e               rc;
    leveldb_writebatch_t  *batch;

    if (key->oom) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index key");
    }

    batch = leveldb_writebatch_create();
    leveldb_writebatch_put(batch, (const char *) key->data, key->len, val,
                           val_len);
    rc = sos_idx_write(st, batch, sync, err);
    leveldb_writebatch_destroy(batch);

    return rc;
}


sos_rc_e
sos_idx_delete(sos_store_t *st, const sos_buf_t *key, int sync,
    sos_error_t *err)
{
    sos_rc_e               rc;
    leveldb_writebatch_t  *batch;

    if (key->oom) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index key");
    }

    batch = leveldb_writebatch_create();
    leveldb_writebatch_delete(batch, (const char *) key->data, key->len);
    rc = sos_idx_write(st, batch, sync, err);
    leveldb_writebatch_destroy(batch);

    return rc;
}


/*
 * One write at a time, none after a failed one (see idx_lock).  A synced
 * write is applied without sync and then waits for its group's sync
 * (sos_idx_sync), holding db_lock: no reopen comes between the two.
 */
sos_rc_e
sos_idx_write(sos_store_t *st, leveldb_writebatch_t *batch, int sync,
    sos_error_t *err)
{
    uint64_t  seq;
    sos_rc_e  rc;

    sos_idx_lock(st);
    rc = sos_idx_write_locked(st, batch, NULL, sync, &seq, err);
    if (rc == SOS_OK && sync) {
        rc = sos_idx_sync_locked(st, seq, err);
    }
    sos_idx_unlock(st);

    return rc;
}


sos_rc_e
sos_idx_apply(sos_store_t *st, leveldb_writebatch_t *batch,
    const unsigned *epoch, uint64_t *seq, sos_error_t *err)
{
    sos_rc_e  rc;

    sos_idx_lock(st);
    rc = sos_idx_write_locked(st, batch, epoch, 1, seq, err);
    sos_idx_unlock(st);

    return rc;
}


/* lazy bookkeeping (intents, collected garbage) decides no answer */
uint64_t
sos_idx_applied(sos_store_t *st)
{
    uint64_t  seq;

    pthread_mutex_lock(&st->idx_lock);
    seq = st->decided;
    pthread_mutex_unlock(&st->idx_lock);

    return seq;
}


sos_rc_e
sos_idx_sync(sos_store_t *st, uint64_t seq, sos_error_t *err)
{
    sos_rc_e  rc;

    sos_idx_lock(st);
    rc = sos_idx_sync_locked(st, seq, err);
    sos_idx_unlock(st);

    return rc;
}


void
sos_idx_enter(sos_store_t *st)
{
    pthread_mutex_lock(&st->idx_lock);
    st->committers++;
    pthread_mutex_unlock(&st->idx_lock);
}


void
sos_idx_leave(sos_store_t *st)
{
    pthread_mutex_lock(&st->idx_lock);
    st->committers--;
    pthread_cond_broadcast(&st->applied);
    pthread_mutex_unlock(&st->idx_lock);
}


/*
 * Under db_lock (shared), which keeps the reopen out while anyone waits:
 * the writes a fence failed are never reported synced by a syncer of the
 * next handle.  The first waiter to find no sync running becomes the
 * syncer.  It lets the commits under way apply first (at most
 * SOS_GROUP_WAIT_US: a call holding commit_lock across its own sync keeps
 * them out), then, under idx_lock so that no write follows a failed one,
 * makes one synced write of an empty batch: LevelDB syncs its whole log
 * file, and the older logs a switch left are synced after it
 * (sos_idx_sync_old_logs), so that makes every record applied before it
 * durable.  The commits that come meanwhile apply when it is done and
 * form the next group.
 */
static sos_rc_e
sos_idx_sync_locked(sos_store_t *st, uint64_t seq, sos_error_t *err)
{
    int                    ok;
    char                  *errptr;
    uint64_t               upto;
    sos_error_t            cause;
    struct timespec        until;
    leveldb_writebatch_t  *empty;

    if (st->no_fsync) {
        return SOS_OK;
    }

    pthread_mutex_lock(&st->sync_lock);

    while (st->synced < seq && st->failed < seq) {

        if (st->syncing) {
            pthread_cond_wait(&st->sync_done, &st->sync_lock);
            continue;
        }

        st->syncing = 1;
        pthread_mutex_unlock(&st->sync_lock);

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SOS_GROUP_WAIT_US * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }

        errptr = NULL;
        empty = leveldb_writebatch_create();

        pthread_mutex_lock(&st->idx_lock);

        while (st->committers > 0
               && pthread_cond_timedwait(&st->applied, &st->idx_lock,
                                         &until) == 0)
        {
            /* void */
        }

        upto = st->written;
        ok = !st->fenced;

        if (ok) {
            leveldb_write(st->db, st->sync_write, empty, &errptr);
            if (errptr != NULL) {
                sos_err_leveldb(&cause, errptr, "sync");
                sos_idx_fence(st, &cause);
                sos_idx_publish(st);
                ok = 0;

            } else if (sos_idx_sync_old_logs(st) == -1) {
                sos_err_sys(&cause, errno, "sync of an index log failed");
                sos_idx_fence(st, &cause);
                sos_idx_publish(st);
                ok = 0;
            }
        }

        pthread_mutex_unlock(&st->idx_lock);
        leveldb_writebatch_destroy(empty);

        pthread_mutex_lock(&st->sync_lock);
        st->syncing = 0;
        if (ok && upto > st->synced) {
            st->synced = upto;
        }
        pthread_cond_broadcast(&st->sync_done);
    }

    ok = st->synced >= seq;

    pthread_mutex_unlock(&st->sync_lock);

    if (ok) {
        return SOS_OK;
    }

    pthread_mutex_lock(&st->idx_lock);
    sos_err(err, SOS_EFENCED, 0, "writes refused until the index is "
            "reopened: %s", st->fence_why);
    pthread_mutex_unlock(&st->idx_lock);

    return SOS_EFENCED;
}


/*
 * LevelDB syncs only its current log: a write that finds the memtable
 * full switches to a new log and closes the old one without a sync,
 * until the old memtable's table is written.  The group's records
 * applied before such a switch are in the old log, which the synced
 * write did not sync: every log but the newest is synced here.  Under
 * idx_lock: no write switches the log meanwhile; a log gone was written
 * out as a table already.  0, or -1 (errno).
 */
static int
sos_idx_sync_old_logs(sos_store_t *st)
{
    int             fd, rc, saved;
    DIR            *d;
    char           *end;
    unsigned long   num, newest, synced;
    struct dirent  *de;

    d = opendir(st->index_dir);
    if (d == NULL) {
        return -1;
    }

    newest = 0;

    while ((de = readdir(d)) != NULL) {
        num = strtoul(de->d_name, &end, 10);
        if (end != de->d_name && strcmp(end, ".log") == 0 && num > newest) {
            newest = num;
        }
    }

    rewinddir(d);

    rc = 0;
    saved = 0;
    synced = 0;

    while (rc == 0 && (de = readdir(d)) != NULL) {
        num = strtoul(de->d_name, &end, 10);
        if (end == de->d_name || strcmp(end, ".log") != 0 || num == newest
            || num <= st->old_logs_synced)
        {
            continue;
        }

        fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            if (errno != ENOENT) {
                saved = errno;
                rc = -1;
            }
            continue;
        }

        if (sos_sync_timed(st, fd, 1) == -1) {
            saved = errno;
            rc = -1;
        } else if (num > synced) {
            synced = num;
        }
        close(fd);
    }

    /*
     * A log older than the newest gets no more records: synced once, it
     * stays synced (file numbers only grow, also across a reopen).
     */
    if (rc == 0 && synced > st->old_logs_synced) {
        st->old_logs_synced = synced;
    }

    closedir(d);
    errno = saved;

    return rc;
}


/* Under db_lock (shared): the reopen is out. */
static sos_rc_e
sos_idx_write_locked(sos_store_t *st, leveldb_writebatch_t *batch,
    const unsigned *epoch, int decides, uint64_t *seq, sos_error_t *err)
{
    int          fenced, stale;
    char        *errptr = NULL;
    sos_error_t  cause;

    pthread_mutex_lock(&st->idx_lock);

    /* stale first: a fenced commit keeps its files, a stale one must not */
    stale = epoch != NULL && *epoch != st->epoch;
    fenced = !stale && st->fenced;

    if (fenced) {
        st->health.refused++;

    } else if (!stale) {
        leveldb_write(st->db, st->lazy_write, batch, &errptr);
        if (errptr != NULL) {
            sos_err_leveldb(&cause, errptr, "write");
            sos_idx_fence(st, &cause);
        } else {
            *seq = ++st->written;
            if (decides) {
                st->decided = st->written;
            }
        }
    }

    if (fenced || errptr != NULL) {
        sos_idx_publish(st);
    }

    pthread_mutex_unlock(&st->idx_lock);

    if (stale) {
        return sos_err(err, SOS_EREOPENED, 0, "the index was reopened "
                       "while this write was made: retry it");
    }

    if (fenced) {
        /* fence_why changes only under the exclusive db_lock now */
        return sos_err(err, SOS_EFENCED, 0, "writes refused until the "
                       "index is reopened: %s", st->fence_why);
    }

    if (errptr == NULL) {
        return SOS_OK;
    }

    sos_err(err, SOS_EFENCED, 0, "writes refused until the index is "
            "reopened: %s", cause.msg);
    if (err != NULL) {
        err->sys_errno = cause.sys_errno;
    }

    return SOS_EFENCED;
}


/*
 * Under idx_lock: the first failed write fences, and a full volume
 * releases the reserve at once, so that the reopen finds room.
 */
static void
sos_idx_fence(sos_store_t *st, const sos_error_t *cause)
{
    /* every write applied and not synced yet is lost to its waiter */
    pthread_mutex_lock(&st->sync_lock);
    st->failed = st->written;
    pthread_cond_broadcast(&st->sync_done);
    pthread_mutex_unlock(&st->sync_lock);

    st->fenced = 1;
    st->health.fences++;
    memcpy(st->fence_why, cause->msg, sizeof(st->fence_why));

    if ((cause->sys_errno == ENOSPC || cause->sys_errno == EDQUOT)
        && st->reserve > 0 && !st->low)
    {
        sos_idx_reserve_release(st);
    }
}


sos_rc_e
sos_idx_writable(sos_store_t *st, int adds, sos_error_t *err)
{
    int       fenced, low, due;
    int64_t   now;
    sos_rc_e  rc;

    now = sos_idx_now_ms();

    pthread_mutex_lock(&st->idx_lock);

    due = (st->fenced || (st->low && adds)) && !st->retrying
          && now >= st->retry_at;
    if (due) {
        st->retrying = 1;
        st->retry_at = now + SOS_RETRY_MS;
    }
    fenced = st->fenced;

    pthread_mutex_unlock(&st->idx_lock);

    /* one thread tries, the others are answered at once */

    if (due) {
        if (fenced) {
            sos_idx_reopen(st);
        }

        pthread_mutex_lock(&st->idx_lock);
        low = !st->fenced && st->low;
        pthread_mutex_unlock(&st->idx_lock);

        if (low && sos_idx_reserve_make(st, 2 * st->reserve) == 0) {
            low = 0;
        }

        /* a write that failed meanwhile may have released it again */
        pthread_mutex_lock(&st->idx_lock);
        if (!low && !st->fenced) {
            st->low = 0;
        }
        st->retrying = 0;
        sos_idx_publish(st);
        pthread_mutex_unlock(&st->idx_lock);
    }

    rc = SOS_OK;

    pthread_mutex_lock(&st->idx_lock);

    if (st->fenced) {
        st->health.refused++;
        sos_idx_publish(st);
        rc = sos_err(err, SOS_EFENCED, 0, "writes refused until the index "
                     "is reopened: %s", st->fence_why);

    } else if (st->low && adds) {
        rc = sos_err(err, SOS_ENOSPC, ENOSPC, "the index volume is full: "
                     "its reserve is in use, only deletes are accepted "
                     "until %llu bytes are free",
                     (unsigned long long) (2 * st->reserve));
    }

    pthread_mutex_unlock(&st->idx_lock);

    return rc;
}


unsigned
sos_idx_epoch(sos_store_t *st)
{
    unsigned  epoch;

    pthread_mutex_lock(&st->idx_lock);
    epoch = st->epoch;
    pthread_mutex_unlock(&st->idx_lock);

    return epoch;
}


/*
 * Close the index and open it again: LevelDB replays its log, a torn
 * record at its end dropped.  Every read-check-write (commit_lock,
 * upload_lock) and every index call (db_lock) is held off meanwhile, so
 * none straddles the two handles.  Then the garbage: the intents of
 * writes whose commit did not survive, and files replaced by commits
 * that did.  Runs in the thread that found the store fenced, holding no
 * lock.
 */
static void
sos_idx_reopen(sos_store_t *st)
{
    char             *errptr = NULL;
    int64_t           start;
    uint64_t          room, need;
    sos_error_t       cause;
    struct timespec   until;

    room = sos_idx_free(st);
    need = sos_idx_log_bytes(st) + SOS_REOPEN_ROOM;

    if (room < need) {
        pthread_mutex_lock(&st->idx_lock);
        st->health.reopen_failures++;
        sos_idx_publish(st);
        pthread_mutex_unlock(&st->idx_lock);
        return;
    }

    pthread_mutex_lock(&st->upload_lock);
    pthread_mutex_lock(&st->commit_lock);

    /*
     * Bounded: readers are short, but an iterator never closed would
     * hold every commit (commit_lock) for good; the store stays fenced
     * instead, and the next attempt waits again.
     */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SOS_RETRY_MS / 1000;

    if (pthread_rwlock_timedwrlock(&st->db_lock, &until) != 0) {
        pthread_mutex_unlock(&st->commit_lock);
        pthread_mutex_unlock(&st->upload_lock);
        pthread_mutex_lock(&st->idx_lock);
        st->health.reopen_failures++;
        sos_idx_publish(st);
        pthread_mutex_unlock(&st->idx_lock);
        return;
    }

    sos_idx_owner = st;

    start = sos_idx_now_ms();

    if (st->db != NULL) {
        leveldb_close(st->db);
    }
    st->db = leveldb_open(st->db_options, st->index_dir, &errptr);

    pthread_mutex_lock(&st->idx_lock);

    if (errptr != NULL) {
        sos_err_leveldb(&cause, errptr, "reopen");
        st->db = NULL;
        memcpy(st->fence_why, cause.msg, sizeof(st->fence_why));
        st->health.reopen_failures++;

    } else {
        st->fenced = 0;
        st->epoch++;
        st->health.reopens++;

        /*
         * What the open recovered is durable (written out as tables): a
         * refusal that reads it waits for no write the fence failed.
         */
        st->decided = 0;
    }

    pthread_mutex_unlock(&st->idx_lock);

    if (errptr == NULL) {
        (void) sos_garbage_collect_all(st);
    }

    pthread_mutex_lock(&st->idx_lock);
    st->health.last_reopen_ms = (uint64_t) (sos_idx_now_ms() - start);
    sos_idx_publish(st);
    pthread_mutex_unlock(&st->idx_lock);

    sos_idx_owner = NULL;
    pthread_rwlock_unlock(&st->db_lock);
    pthread_mutex_unlock(&st->commit_lock);
    pthread_mutex_unlock(&st->upload_lock);
}


/* Bytes free for us on the index volume; 0 when unknown. */
static uint64_t
sos_idx_free(sos_store_t *st)
{
    struct statvfs  vfs;

    if (statvfs(st->index_dir, &vfs) == -1) {
        return 0;
    }

    return (uint64_t) vfs.f_bavail * vfs.f_frsize;
}


/* The size of the index's logs: what a reopen writes out as tables. */
static uint64_t
sos_idx_log_bytes(sos_store_t *st)
{
    DIR            *d;
    size_t          len;
    uint64_t        total = 0;
    struct stat     sb;
    struct dirent  *de;

    d = opendir(st->index_dir);
    if (d == NULL) {
        return 0;
    }

    while ((de = readdir(d)) != NULL) {
        len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".log") == 0
            && fstatat(dirfd(d), de->d_name, &sb, 0) == 0)
        {
            total += (uint64_t) sb.st_size;
        }
    }

    closedir(d);
    return total;
}


/*
 * Make the reserve file when the volume has twice its size free (so that
 * as much stays free after), preallocated and durable; 0 once it is
 * there, -1 when there is no room yet or it failed (nothing left).
 */
static int
sos_idx_reserve_make(sos_store_t *st, uint64_t room)
{
    int          fd, rc;
    struct stat  sb;

    if (stat(st->reserve_path, &sb) == 0 && (uint64_t) sb.st_size
                                            == st->reserve)
    {
        return 0;
    }

    (void) unlink(st->reserve_path);

    if (sos_idx_free(st) < room) {
        return -1;
    }

    fd = open(st->reserve_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
              SOS_FILE_MODE);
    if (fd == -1) {
        return -1;
    }

    rc = posix_fallocate(fd, 0, (off_t) st->reserve) == 0
         && (st->no_fsync || sos_sync_timed(st, fd, 0) == 0) ? 0 : -1;

    if (close(fd) == -1 || rc == -1
        || (!st->no_fsync && sos_fsync_dir(st, st->index_dir) == -1))
    {
        (void) unlink(st->reserve_path);
        return -1;
    }

    return 0;
}


/* The volume is full: give the reserve's room to the index. */
static void
sos_idx_reserve_release(sos_store_t *st)
{
    if (unlink(st->reserve_path) == 0) {
        st->low = 1;
    }
}


/*
 * LevelDB's open writes: the log replayed into a table, a new manifest.
 * An open that fails for want of room may abort the process (LevelDB
 * asserts on that path), so the room is checked first, and the reserve
 * given up when it is needed.
 */
sos_rc_e
sos_idx_open(sos_store_t *st, sos_error_t *err)
{
    char      *errptr = NULL;
    uint64_t   need;

    need = sos_idx_log_bytes(st) + SOS_REOPEN_ROOM;

    if (sos_idx_free(st) < need && st->reserve > 0
        && unlink(st->reserve_path) == 0)
    {
        st->low = 1;
        sos_notice(st, SOS_NOTICE_WARN, "the index volume of \"%s\" is "
                   "full: its reserve was released to open the index; "
                   "writes that store data are refused until %llu bytes "
                   "are free", st->index_dir,
                   (unsigned long long) (2 * st->reserve));
    }

    if (sos_idx_free(st) < need) {
        return sos_err(err, SOS_ENOSPC, ENOSPC, "the index volume of \"%s\" "
                       "is full: opening the index needs %llu bytes free",
                       st->index_dir, (unsigned long long) need);
    }

    st->db = leveldb_open(st->db_options, st->index_dir, &errptr);
    if (errptr != NULL) {
        return sos_err_leveldb(err, errptr, "open");
    }

    /* without a reserve (sosctl, or turned off) one made before stays */

    sos_idx_publish(st);

    /*
     * A reserve released before a restart is made again when its room
     * (and the open's) is free, not twice it as later: deletes on a volume
     * that fills again need it.  Without that room, refuse what stores
     * data, as when it is in use, so that the room left stays for deletes.
     */
    if (st->reserve > 0 && !st->low
        && sos_idx_reserve_make(st, st->reserve + need) == -1)
    {
        st->low = 1;
        sos_idx_publish(st);
        sos_notice(st, SOS_NOTICE_WARN, "no index reserve: \"%s\" has no "
                   "room for it; writes that store data are refused until "
                   "%llu bytes are free", st->index_dir,
                   (unsigned long long) (2 * st->reserve));
    }

    return SOS_OK;
}


void
sos_store_health(sos_store_t *store, sos_store_health_t *health)
{
    pthread_mutex_lock(&store->health_lock);
    *health = store->health_pub;
    pthread_mutex_unlock(&store->health_lock);
}


leveldb_iterator_t *
sos_idx_iter(sos_store_t *st)
{
    leveldb_iterator_t  *it;

    sos_idx_lock(st);

    it = st->db != NULL ? leveldb_create_iterator(st->db, st->read_options)
                        : NULL;
    if (it == NULL) {
        sos_idx_unlock(st);
    }

    return it;
}


void
sos_idx_iter_close(sos_store_t *st, leveldb_iterator_t *it)
{
    leveldb_iter_destroy(it);
    sos_idx_unlock(st);
}


int
sos_idx_iter_in(leveldb_iterator_t *it, const void *prefix, size_t len)
{
    size_t       klen;
    const char  *k;

    if (!leveldb_iter_valid(it)) {
        return 0;
    }

    k = leveldb_iter_key(it, &klen);
    return klen >= len && memcmp(k, prefix, len) == 0;
}


sos_rc_e
sos_idx_iter_error(leveldb_iterator_t *it, sos_error_t *err,
    const char *what)
{
    char  *errptr = NULL;

    leveldb_iter_get_error(it, &errptr);
    if (errptr != NULL) {
        return sos_err_leveldb(err, errptr, what);
    }

    return SOS_OK;
}


int
sos_idx_has_prefix(sos_store_t *st, const void *prefix, size_t len,
    sos_error_t *err)
{
    int                  found;
    char                *errptr = NULL;
    leveldb_iterator_t  *it;

    it = sos_idx_iter(st);
    if (it == NULL) {
        sos_err(err, SOS_ENOMEM, 0, "no memory for an index scan");
        return -1;
    }

    leveldb_iter_seek(it, prefix, len);
    found = sos_idx_iter_in(it, prefix, len);

    leveldb_iter_get_error(it, &errptr);
    sos_idx_iter_close(st, it);

    if (errptr != NULL) {
        sos_err_leveldb(err, errptr, "scan");
        return -1;
    }

    return found;
}


sos_rc_e
sos_idx_scan(sos_store_t *st, char type, sos_idx_visit_pt visit, void *ctx,
    sos_error_t *err)
{
    char                *errptr = NULL;
    size_t               klen, vlen;
    sos_rc_e             rc = SOS_OK;
    const char          *k, *v;
    leveldb_iterator_t  *it;

    it = sos_idx_iter(st);
    if (it == NULL) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for an index scan");
    }

    for (leveldb_iter_seek(it, &type, 1); sos_idx_iter_in(it, &type, 1);
         leveldb_iter_next(it))
    {
        k = leveldb_iter_key(it, &klen);
        v = leveldb_iter_value(it, &vlen);

        rc = visit(ctx, k + 1, klen - 1, v, vlen);
        if (rc != SOS_OK) {
            break;
        }
    }

    leveldb_iter_get_error(it, &errptr);
    sos_idx_iter_close(st, it);

    if (rc == SOS_SCAN_STOP) {
        rc = SOS_OK;
    }

    if (errptr != NULL) {
        return rc == SOS_OK ? sos_err_leveldb(err, errptr, "index scan")
                            : (leveldb_free(errptr), rc);
    }

    return rc;
}
