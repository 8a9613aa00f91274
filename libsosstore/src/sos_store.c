/*
 * Opening and closing the store: layout and its modes, the index, the
 * secrets key, tmp/ cleanup, pending deletes, replica probing.
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sos_internal.h"


static int sos_mkdir_p(const char *path, int do_fsync);
static void sos_dir_tighten(sos_store_t *st, const char *path);
static uint64_t sos_tmp_clean(const char *replica, const char *sub);
static int sos_replica_probe(const char *replica, int do_fsync);
static void sos_store_free(sos_store_t *st);


/*
 * mkdir -p.  With do_fsync, the parent of each directory it makes is
 * fsynced, and the parent of path even when path existed: an open that
 * crashed may have made it without its fsync returning.
 */
static int
sos_mkdir_p(const char *path, int do_fsync)
{
    char    buf[4096];
    size_t  i, len = strlen(path);

    if (len == 0 || len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);

    for (i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') {
            continue;
        }
        buf[i] = '\0';
        if (path[i] == '\0' || mkdir(buf, SOS_DIR_MODE) == 0) {
            if (sos_mkdir_synced(NULL, buf, do_fsync) == -1) {
                return -1;
            }

        } else if (errno != EEXIST) {
            return -1;
        }
        buf[i] = path[i];
    }

    return 0;
}


void
sos_notice(sos_store_t *st, sos_notice_level_e level, const char *fmt, ...)
{
    char          *msg;
    va_list        ap;
    sos_notice_t  *n;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) == -1) {
        va_end(ap);
        return;
    }
    va_end(ap);

    n = realloc(st->notices, (st->n_notices + 1) * sizeof(sos_notice_t));
    if (n == NULL) {
        free(msg);
        return;
    }

    st->notices = n;
    n[st->n_notices].level = level;
    n[st->n_notices].msg = msg;
    st->n_notices++;
}


/*
 * A directory of the store that group or others may enter becomes 0700.
 * Its files are not walked: once the directory is closed they are out of
 * reach whatever their mode, and a replica may hold millions of them.
 */
static void
sos_dir_tighten(sos_store_t *st, const char *path)
{
    struct stat  sb;

    if (stat(path, &sb) == -1 || !S_ISDIR(sb.st_mode)
        || (sb.st_mode & 077) == 0)
    {
        return;
    }

    if (chmod(path, SOS_DIR_MODE) == -1) {
        sos_notice(st, SOS_NOTICE_WARN,
                   "directory \"%s\" has mode %04o, open to other users, "
                   "and chmod(%04o) failed: %s", path,
                   (unsigned) (sb.st_mode & 07777), SOS_DIR_MODE,
                   strerror(errno));
        return;
    }

    sos_notice(st, SOS_NOTICE_WARN,
               "directory \"%s\" had mode %04o, open to other users: "
               "changed to %04o", path, (unsigned) (sb.st_mode & 07777),
               SOS_DIR_MODE);
}


/*
 * Remove what writes in progress left in tmp/ when the owner died, or
 * the spare files left in spare/ (sub).
 */
static uint64_t
sos_tmp_clean(const char *replica, const char *sub)
{
    DIR            *dir;
    char            path[4096];
    uint64_t        removed = 0;
    struct dirent  *de;

    snprintf(path, sizeof(path), "%s/%s", replica, sub);
    dir = opendir(path);
    if (dir == NULL) {
        return 0;
    }

    while ((de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        if (unlinkat(dirfd(dir), de->d_name, 0) == 0) {
            removed++;
        }
    }

    closedir(dir);
    return removed;
}


/* 0 when a file can be created, written, synced and removed in tmp/. */
static int
sos_replica_probe(const char *replica, int do_fsync)
{
    int   fd, rc = 0;
    char  path[4096], id[17];

    if (sos_mkdir_p(replica, do_fsync) == -1) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/objects", replica);
    if (sos_mkdir_p(path, do_fsync) == -1) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/tmp", replica);
    if (sos_mkdir_p(path, do_fsync) == -1) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/spare", replica);
    if (sos_mkdir_p(path, do_fsync) == -1) {
        return -1;
    }

    sos_random_hex(id, 16);
    snprintf(path, sizeof(path), "%s/tmp/probe-%s", replica, id);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, SOS_FILE_MODE);
    if (fd == -1) {
        return -1;
    }
    if (write(fd, "sos", 3) != 3 || fdatasync(fd) == -1) {
        rc = -1;
    }
    close(fd);
    unlink(path);
    return rc;
}


sos_rc_e
sos_store_open(sos_store_t **out, const sos_store_conf_t *conf,
    sos_error_t *err)
{
    char                 path[4096];
    unsigned             i;
    sos_rc_e             rc;
    sos_store_t         *st;
    pthread_condattr_t   cattr;

    if (conf == NULL || conf->data_dir == NULL || conf->data_dir[0] == '\0')
    {
        return sos_err(err, SOS_EINVAL, 0, "no data directory given");
    }

    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return sos_err(err, SOS_ENOMEM, 0, "no memory for the store");
    }

    st->n_replicas = conf->n_replicas ? conf->n_replicas
                                      : SOS_DEFAULT_REPLICAS;
    if (st->n_replicas > SOS_MAX_REPLICAS) {
        free(st);
        return sos_err(err, SOS_EINVAL, 0, "%u replicas, at most %d",
                       conf->n_replicas, SOS_MAX_REPLICAS);
    }

    st->quorum = conf->write_quorum ? conf->write_quorum
                                    : st->n_replicas / 2 + 1;
    if (st->quorum > st->n_replicas) {
        i = st->n_replicas;
        free(st);
        return sos_err(err, SOS_EINVAL, 0,
                       "write quorum %u is more than the %u replicas",
                       conf->write_quorum, i);
    }

    st->no_fsync = conf->no_fsync;
    st->min_part_size = conf->min_part_size ? conf->min_part_size
                                            : SOS_DEFAULT_MIN_PART;
    pthread_mutex_init(&st->commit_lock, NULL);
    pthread_mutex_init(&st->upload_lock, NULL);
    pthread_mutex_init(&st->idx_lock, NULL);
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&st->applied, &cattr);
    pthread_condattr_destroy(&cattr);
    pthread_mutex_init(&st->sync_lock, NULL);
    pthread_cond_init(&st->sync_done, NULL);
    sos_pool_init(&st->pool);
    sos_spare_init(st);
    sos_pin_init(st);
    sos_garbage_init(st, conf->garbage_queue);
    pthread_rwlock_init(&st->db_lock, NULL);
    pthread_mutex_init(&st->health_lock, NULL);
    st->reserve = conf->index_reserve;

    st->data_dir = strdup(conf->data_dir);
    if (st->data_dir == NULL || sos_scrub_init(st, err) != SOS_OK) {
        sos_store_free(st);
        return sos_err(err, SOS_ENOMEM, 0, "no memory for the store");
    }

    for (i = 0; i < st->n_replicas; i++) {
        if (conf->replica_dirs != NULL) {
            st->replica_dirs[i] = strdup(conf->replica_dirs[i]);
        } else {
            snprintf(path, sizeof(path), "%s/r%u", conf->data_dir, i);
            st->replica_dirs[i] = strdup(path);
        }
        if (st->replica_dirs[i] == NULL) {
            sos_store_free(st);
            return sos_err(err, SOS_ENOMEM, 0, "no memory for the store");
        }
    }

    snprintf(path, sizeof(path), "%s/index", conf->data_dir);
    st->index_dir = strdup(path);
    if (asprintf(&st->reserve_path, "%s/sos-reserve", path) == -1) {
        st->reserve_path = NULL;
    }
    if (st->index_dir == NULL || st->reserve_path == NULL) {
        sos_store_free(st);
        return sos_err(err, SOS_ENOMEM, 0, "no memory for the store");
    }

    if (sos_mkdir_p(conf->data_dir, !st->no_fsync) == -1
        || sos_mkdir_p(path, !st->no_fsync) == -1)
    {
        rc = sos_err_sys(err, errno, "mkdir(\"%s\") failed", path);
        sos_store_free(st);
        return rc;
    }

    /* before LevelDB writes anything: its files are as open as umask */

    sos_dir_tighten(st, conf->data_dir);
    sos_dir_tighten(st, path);

    st->db_options = leveldb_options_create();
    st->db_cache = leveldb_cache_create_lru(8 * 1024 * 1024);
    st->db_filter = leveldb_filterpolicy_create_bloom(10);
    leveldb_options_set_create_if_missing(st->db_options, 1);
    leveldb_options_set_cache(st->db_options, st->db_cache);
    leveldb_options_set_filter_policy(st->db_options, st->db_filter);
    leveldb_options_set_max_open_files(st->db_options, 256);
    /*
     * A damaged record fails the open instead of being dropped with all
     * that follows it in its block: acknowledged writes are never lost
     * silently.  A torn record at the end of the log, which a failed
     * append leaves (the store is fenced after it), is not damage.
     */
    leveldb_options_set_paranoid_checks(st->db_options, 1);

    st->read_options = leveldb_readoptions_create();
    st->sync_write = leveldb_writeoptions_create();
    leveldb_writeoptions_set_sync(st->sync_write, !st->no_fsync);
    st->lazy_write = leveldb_writeoptions_create();

    /* the index lock comes first: only its owner may touch tmp/ */
    rc = sos_idx_open(st, err);
    if (rc != SOS_OK) {
        sos_store_free(st);
        return rc;
    }

    rc = sos_secret_init(st, conf->key_file, err);
    if (rc != SOS_OK) {
        sos_store_free(st);
        return rc;
    }

    st->info.n_replicas = st->n_replicas;
    st->info.write_quorum = st->quorum;

    for (i = 0; i < st->n_replicas; i++) {
        sos_dir_tighten(st, st->replica_dirs[i]);
        if (sos_replica_probe(st->replica_dirs[i], !st->no_fsync) == -1) {
            st->info.degraded_mask |= 1u << i;
            continue;
        }
        snprintf(path, sizeof(path), "%s/objects", st->replica_dirs[i]);
        sos_dir_tighten(st, path);
        snprintf(path, sizeof(path), "%s/tmp", st->replica_dirs[i]);
        sos_dir_tighten(st, path);
        snprintf(path, sizeof(path), "%s/spare", st->replica_dirs[i]);
        sos_dir_tighten(st, path);
        st->info.tmp_files_removed += sos_tmp_clean(st->replica_dirs[i],
                                                    "tmp");
        (void) sos_tmp_clean(st->replica_dirs[i], "spare");
    }

    st->info.garbage_removed = sos_garbage_collect_all(st);
    st->info.notices = st->notices;
    st->info.n_notices = st->n_notices;

    *out = st;
    return SOS_OK;
}


static void
sos_store_free(sos_store_t *st)
{
    unsigned  i;

    /* first: a refill in the pool uses the replica directories */
    sos_spare_stop(st);
    sos_pool_free(&st->pool);
    sos_spare_free(st);

    if (st->db != NULL) {
        leveldb_close(st->db);
    }
    if (st->db_options != NULL) {
        leveldb_options_destroy(st->db_options);
    }
    if (st->db_cache != NULL) {
        leveldb_cache_destroy(st->db_cache);
    }
    if (st->db_filter != NULL) {
        leveldb_filterpolicy_destroy(st->db_filter);
    }
    if (st->read_options != NULL) {
        leveldb_readoptions_destroy(st->read_options);
    }
    if (st->sync_write != NULL) {
        leveldb_writeoptions_destroy(st->sync_write);
    }
    if (st->lazy_write != NULL) {
        leveldb_writeoptions_destroy(st->lazy_write);
    }

    for (i = 0; i < SOS_MAX_REPLICAS; i++) {
        free(st->replica_dirs[i]);
    }
    for (i = 0; i < st->n_notices; i++) {
        free((char *) st->notices[i].msg);
    }
    free(st->notices);
    free(st->data_dir);
    sos_scrub_free(st);
    free(st->index_dir);
    free(st->reserve_path);
    OPENSSL_cleanse(st->secret_key, sizeof(st->secret_key));
    pthread_mutex_destroy(&st->commit_lock);
    pthread_mutex_destroy(&st->upload_lock);
    pthread_mutex_destroy(&st->idx_lock);
    pthread_cond_destroy(&st->applied);
    pthread_mutex_destroy(&st->sync_lock);
    pthread_cond_destroy(&st->sync_done);
    sos_pin_free(st);
    sos_garbage_free(st);
    pthread_rwlock_destroy(&st->db_lock);
    pthread_mutex_destroy(&st->health_lock);
    free(st);
}


void
sos_store_close(sos_store_t *store)
{
    if (store != NULL) {
        /* the files of deletes not unlinked yet, then those whose
         * last reader went since the last collection */
        (void) sos_garbage_work(store, SIZE_MAX, NULL);
        sos_pin_collect(store);
        sos_store_free(store);
    }
}


void
sos_store_info(sos_store_t *store, sos_store_info_t *info)
{
    *info = store->info;
}
