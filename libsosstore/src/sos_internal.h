/*
 * libsosstore internals shared between the library's source files.
 * Never included by the module.
 */

#ifndef SOS_INTERNAL_H
#define SOS_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <leveldb/c.h>

#include "sos/store.h"

/* hex of 128 random bits; an object's first file names its write */
#define SOS_FILE_ID_LEN     SOS_WRITE_ID_LEN
#define SOS_DEFAULT_REPLICAS 3
#define SOS_DEFAULT_MIN_PART (5ULL * 1024 * 1024)
#define SOS_RECORD_VERSION  1
/* object and upload records: 2 adds website_redirect at the end of the
 * attributes; 3 the tag set after it, and the parts' checksums after an
 * object's extents; older ones are still read */
#define SOS_ATTRS_VERSION   3

/*
 * Modes of what the store creates: directories and files are the owner's
 * alone (the index holds secrets, replicas hold private objects).  Given
 * explicitly, never through umask: umask is process-wide and racy in a
 * threaded server.  LevelDB creates its own files 0644 minus umask; the
 * 0700 index directory is what protects them.
 */
#define SOS_DIR_MODE        0700
#define SOS_FILE_MODE       0600

/* objects/xx and objects/xx/yy directories of one replica */
#define SOS_DIR_BITS        (256 + 256 * 256)

/* Access key records (K) with a sealed secret: AES-256-GCM, see
 * sos_secret.c.  Version 1 records hold the secret in plaintext. */
#define SOS_KEY_RECORD_SEALED  2
#define SOS_SECRET_KEY_LEN     32       /* AES-256 key in the key file */
#define SOS_SEAL_NONCE_LEN     12
#define SOS_SEAL_TAG_LEN       16
#define SOS_SEALED_LEN(n)      (SOS_SEAL_NONCE_LEN + (n) + SOS_SEAL_TAG_LEN)

/* One-byte type prefixes of index keys (see docs/design.md). */
#define SOS_K_ACCOUNT  'A'              /* A<org id>                    */
#define SOS_K_BUCKET   'B'              /* B<bucket>                    */
#define SOS_K_COUNTERS 'C'              /* C<bucket>: object count, bytes */
#define SOS_K_DONE     'D'              /* D<upload id>: completed upload */
#define SOS_K_GARBAGE  'G'              /* G<file id>: files to unlink  */
#define SOS_K_KEY      'K'              /* K<access key id>             */
#define SOS_K_LIFECYCLE 'L'             /* L: the lifecycle sweep's state */
#define SOS_K_OBJECT   'O'              /* O<bucket>\0<key>             */
#define SOS_K_PART     'P'              /* P<upload id><part# be32>     */
#define SOS_K_SCRUB    'S'              /* S: the background scrub's state */
#define SOS_K_UPLOAD   'U'              /* U<bucket>\0<key>\0<upload id> */
#define SOS_K_VERSION  'V'              /* V<bucket>\0<key>\0<sort id>  */
#define SOS_K_CHECKSUMS 'X'             /* X<file id>: CRC32 per block  */

/*
 * Block size of the checksums (X records) the writer computes now.  A
 * reader takes the block size each record gives, so it may change.
 */
#define SOS_SUM_BLOCK  (256 * 1024)


typedef struct sos_pin_s  sos_pin_t;


/*
 * The sync pool (sos_pool.c): a task is one replica's share of a write,
 * which sos_pool_run runs beside the others.
 */
typedef struct sos_task_s  sos_task_t;

struct sos_task_s {
    void              (*run)(void *arg);
    void               *arg;
    sos_task_t         *next;           /* in the queue */
    int                 state;
    int                 detached;       /* posted: nobody waits for it */
};

typedef struct {
    pthread_mutex_t     lock;
    pthread_cond_t      work;           /* a task was queued, or stop */
    pthread_cond_t      done;           /* a task was done */
    sos_task_t         *head;           /* queued, not started */
    pthread_t          *threads;
    unsigned            n_threads;
    int                 started;
    int                 stop;
} sos_pool_t;

void sos_pool_init(sos_pool_t *pool);
/* Stops and joins the threads. */
void sos_pool_free(sos_pool_t *pool);
/* Run the n tasks, side by side where threads are free; returns when
 * every one has returned. */
void sos_pool_run(sos_pool_t *pool, sos_task_t *tasks, unsigned n);
/* Queue task to run in the background (it must outlive that); 0 when
 * there is no thread to run it (it is not queued). */
int sos_pool_post(sos_pool_t *pool, sos_task_t *task);


/* ---- spare files (sos_spare.c) ---- */

void sos_spare_init(sos_store_t *st);
/* Before the pool is freed: no more refills. */
void sos_spare_stop(sos_store_t *st);
/* After it: the spares left are removed. */
void sos_spare_free(sos_store_t *st);
void sos_spare_path(const sos_store_t *st, unsigned replica,
    const char *id, char *buf, size_t size);
/* Take a spare's id into id (SOS_FILE_ID_LEN + 1): 1, or 0 when there is
 * none ready; either way a refill is started when due. */
int sos_spare_take(sos_store_t *st, char *id);

struct sos_store_s {
    char               *data_dir;
    char               *replica_dirs[SOS_MAX_REPLICAS];
    unsigned            n_replicas;
    unsigned            quorum;
    int                 no_fsync;
    uint64_t            min_part_size;

    /* sos_store_stats(): atomics, updated by sos_sync_timed() */
    uint64_t            fsync_hist[SOS_FSYNC_BUCKETS];
    uint64_t            fsyncs;
    uint64_t            fsync_us;
    uint64_t            fsync_errors;

    /* seals access key secrets in the index (sos_secret.c) */
    unsigned char       secret_key[SOS_SECRET_KEY_LEN];

    /* what open changed or found, for the caller to log */
    sos_notice_t       *notices;
    size_t              n_notices;

    leveldb_t              *db;
    leveldb_options_t      *db_options;
    leveldb_cache_t        *db_cache;
    leveldb_filterpolicy_t *db_filter;
    leveldb_readoptions_t  *read_options;
    leveldb_writeoptions_t *sync_write;     /* sync = 1 */
    leveldb_writeoptions_t *lazy_write;     /* sync = 0: garbage bookkeeping */

    /*
     * Serialises read-check-write of index records that one commit must
     * see consistently: preconditions, bucket existence, counters.
     * LevelDB has no transactions; its sync writes serialise anyway.
     */
    pthread_mutex_t     commit_lock;

    /*
     * Complete reads an upload's parts, then commits through
     * sos_object_commit, which takes commit_lock itself; this lock keeps
     * part commits and aborts of uploads out in between.  Order: this
     * lock, then commit_lock.
     */
    pthread_mutex_t     upload_lock;

    /*
     * Every use of db holds this lock: shared by reads, by an iterator
     * for its whole life and by writes; exclusive by the reopen that
     * replaces db after a fence (sos_index.c).  Lock order: upload_lock,
     * commit_lock, db_lock, idx_lock.
     */
    pthread_rwlock_t    db_lock;
    char               *index_dir;

    /*
     * Every index write runs under this lock, so that none follows a
     * failed one: LevelDB fences itself only after a failed sync, not
     * after a failed append, and a record written after a torn one is
     * dropped at the next open.  fenced is set, under the lock, by the
     * first failed write and cleared only by a reopen, which also bumps
     * epoch (see "Fencing" in store.h).  The fields below it are under
     * it too.
     */
    pthread_mutex_t     idx_lock;
    int                 fenced;
    unsigned            epoch;
    uint64_t            written;        /* writes applied, numbered */
    uint64_t            decided;        /* the last not bookkeeping */
    unsigned            committers;     /* between enter and leave */
    pthread_cond_t      applied;        /* one left */
    int                 retrying;       /* a reopen or reserve check runs */
    int64_t             retry_at;       /* monotonic ms of the next one */
    char                fence_why[256]; /* the cause, for refusals */

    /* the index volume's reserve file (sos_index.c), and whether it is
     * in use: released after ENOSPC, data writes refused meanwhile */
    uint64_t            reserve;
    char               *reserve_path;
    int                 low;

    sos_store_health_t  health;

    /*
     * Group commit (sos_idx_sync): a synced write is applied unsynced,
     * numbered (written), and waits until one thread, the syncer, made
     * the log durable up to it, for every write applied meanwhile.
     * failed: the writes up to it were applied but their sync failed or
     * they were fenced before one (set by the fence).  Lock order:
     * idx_lock, sync_lock.
     */
    pthread_mutex_t     sync_lock;
    pthread_cond_t      sync_done;
    int                 syncing;
    uint64_t            synced;
    uint64_t            failed;
    unsigned long       old_logs_synced;    /* under idx_lock: the newest
                                             * log past its switch, synced */

    /* parallel replica steps of a write (sos_pool.c) */
    sos_pool_t          pool;

    /* empty files made ahead for the next writes (sos_spare.c) */
    pthread_mutex_t     spare_lock;
    char              (*spares)[SOS_FILE_ID_LEN + 1];
    unsigned            n_spares;
    int                 spare_making;   /* the refill is queued or runs */
    int                 spare_closing;
    int64_t             spare_retry_at; /* monotonic ms, after a failure */
    sos_task_t          spare_task;

    /* a copy of health for sos_store_health, under its own leaf lock */
    pthread_mutex_t     health_lock;
    sos_store_health_t  health_pub;

    /*
     * Whether each objects/xx (bit xx) and objects/xx/yy (bit 256 +
     * xxyy) of each replica is known to exist with its parent fsynced,
     * so that a write may rename into it (sos_replica.c).  Set once the
     * fsync returned, never cleared: nothing removes these directories.
     */
    uint32_t            dirs_durable[SOS_MAX_REPLICAS][SOS_DIR_BITS / 32];

    /*
     * Files open readers hold (sos_pin.c): a hash of file ids with
     * counts, and the files collection skipped for them whose last pin
     * went since, for the next collection to unlink.
     */
    pthread_mutex_t     pin_lock;
    sos_pin_t         **pins;
    size_t              n_buckets;
    size_t              n_pins;
    char              (*ready)[SOS_FILE_ID_LEN + 1];
    size_t              n_ready;
    size_t              cap_ready;

    /*
     * The garbage queue (sos_garbage.c): a ring of gc_cap file ids, gc_n
     * of them from gc_head, whose unlinking waits for sos_garbage_work;
     * allocated at its first use.  gc_full_at: monotonic ms of the last
     * data write that met a full volume (0: none).
     */
    pthread_mutex_t     gc_lock;
    char              (*gc_queue)[SOS_FILE_ID_LEN + 1];
    size_t              gc_cap;
    size_t              gc_head;
    size_t              gc_n;
    int64_t             gc_full_at;

    /* the repair queue, the scrub's position and findings (sos_repair.c) */
    struct sos_scrub_s *scrub;

    sos_store_info_t    info;
};


/* ---- errors (sos_error.c) ---- */

/* Fill err (may be NULL) and return code. */
sos_rc_e sos_err(sos_error_t *err, sos_rc_e code, int sys_errno,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A failed system call: ENOSPC → SOS_ENOSPC, ENOMEM → SOS_ENOMEM,
 * else SOS_EIO; errno is the errno of the call. */
sos_rc_e sos_err_sys(sos_error_t *err, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A leveldb errptr (freed here) into SOS_EIO, SOS_ENOSPC (a full disk or
 * quota: sys_errno says which), or SOS_EBUSY when the index is locked by
 * another owner (only open can meet that). */
sos_rc_e sos_err_leveldb(sos_error_t *err, char *errptr, const char *what);

/* Record a notice for sos_store_info (sos_store.c); dropped without
 * memory. */
void sos_notice(sos_store_t *st, sos_notice_level_e level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));


/* ---- growable buffer and value codec (sos_codec.c) ----
 *
 * Values are a version byte then fields in a fixed order per record type;
 * integers are LEB128 varints, byte strings a varint length then bytes.
 * Fields are only ever appended; a decoder treats missing trailing fields
 * as absent, so older records stay readable.
 */

typedef struct {
    unsigned char  *data;
    size_t          len;
    size_t          cap;
    int             oom;                /* an append failed: len is stale */
} sos_buf_t;

typedef struct {
    const unsigned char  *p;
    const unsigned char  *end;
    int                   bad;          /* ran past the end or bad varint */
} sos_rbuf_t;

void sos_buf_init(sos_buf_t *b);
void sos_buf_free(sos_buf_t *b);
void sos_buf_reset(sos_buf_t *b);
void sos_buf_add(sos_buf_t *b, const void *data, size_t len);
void sos_buf_add_u8(sos_buf_t *b, unsigned v);
void sos_buf_add_be32(sos_buf_t *b, uint32_t v);
void sos_buf_add_varint(sos_buf_t *b, uint64_t v);
void sos_buf_add_svarint(sos_buf_t *b, int64_t v);      /* zig-zag */
void sos_buf_add_bytes(sos_buf_t *b, const void *data, size_t len);
void sos_buf_add_str(sos_buf_t *b, const sos_str_t *s);

/* Whether two byte strings hold the same bytes. */
int  sos_str_same(const sos_str_t *a, const sos_str_t *b);
/* copy s->data to *p, point s there, advance *p past it */
void sos_str_move(sos_str_t *s, char **p);

void      sos_rbuf_init(sos_rbuf_t *r, const void *data, size_t len);
int       sos_rbuf_more(const sos_rbuf_t *r);   /* bytes left, not bad */
unsigned  sos_rbuf_u8(sos_rbuf_t *r);
uint64_t  sos_rbuf_varint(sos_rbuf_t *r);
int64_t   sos_rbuf_svarint(sos_rbuf_t *r);
sos_str_t sos_rbuf_bytes(sos_rbuf_t *r);        /* points into the value */
/* Copy a byte string into a NUL-terminated fixed buffer; bad if too long. */
void      sos_rbuf_cstr(sos_rbuf_t *r, char *dst, size_t size);

/* Index keys.  Each starts the buffer afresh. */
void sos_ikey_bucket(sos_buf_t *k, char type, const char *bucket,
    size_t bucket_len);                         /* type + bucket */
void sos_ikey_object(sos_buf_t *k, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len);           /* O bucket \0 key */
void sos_ikey_upload(sos_buf_t *k, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *upload_id);
void sos_ikey_part(sos_buf_t *k, const char *upload_id, uint32_t part);
void sos_ikey_sums(sos_buf_t *k, const char *id);       /* X file id */


/* ---- block checksums codec (sos_codec.c) ----
 *
 * The X record of one data file: version byte, varint block size, varint
 * block count, then a 4-byte little-endian CRC32 (zlib, seed 0) of each
 * block; the last block may be short, an empty file has none.
 */

typedef struct {
    uint64_t   block_size;
    uint64_t   n_blocks;
    uint32_t  *crcs;                    /* decode: malloc'd */
} sos_sums_t;

void sos_sums_encode(sos_buf_t *b, const sos_sums_t *s);
/* 0, or -1 when malformed or out of memory; free(s->crcs) after 0. */
int  sos_sums_decode(const void *val, size_t len, sos_sums_t *s);


/* ---- object attributes codec (sos_codec.c) ---- */

void sos_attrs_encode(sos_buf_t *b, const sos_attrs_t *attrs);

/*
 * Decode attributes whose strings point into the value being decoded;
 * user_meta is allocated (*kv_mem, free() it).  0 on success, -1 on a
 * malformed value or no memory.
 */
int sos_attrs_decode(sos_rbuf_t *r, sos_attrs_t *attrs, sos_kv_t **kv_mem,
    int version);


/* ---- the index (sos_index.c) ---- */

/* Get a value; *val is malloc'd (free()).  SOS_ENOTFOUND when absent. */
sos_rc_e sos_idx_get(sos_store_t *st, const sos_buf_t *key, char **val,
    size_t *val_len, sos_error_t *err);
/*
 * Writes (sync: a synced write; else lazy bookkeeping).  A fenced store
 * refuses them with SOS_EFENCED, changing nothing.  A write that fails
 * fences the store and returns SOS_EFENCED too: it may or may not be
 * replayed at the next open, so its caller keeps whatever the write
 * would have made live (the next open decides, see sos_put_commit).
 */
sos_rc_e sos_idx_put(sos_store_t *st, const sos_buf_t *key, const void *val,
    size_t val_len, int sync, sos_error_t *err);
sos_rc_e sos_idx_delete(sos_store_t *st, const sos_buf_t *key, int sync,
    sos_error_t *err);
sos_rc_e sos_idx_write(sos_store_t *st, leveldb_writebatch_t *batch,
    int sync, sos_error_t *err);
/*
 * The gate of a call that writes, called before it takes any lock: while
 * the store is fenced it reopens the index (at most once a second, in
 * the calling thread), and while the reserve is in use it checks whether
 * there is room to take it back.  SOS_OK; SOS_EFENCED while writes are
 * refused; SOS_ENOSPC, for a call that stores data (adds), while the
 * reserve is in use.  A delete passes adds 0: it frees room.
 */
sos_rc_e sos_idx_writable(sos_store_t *st, int adds, sos_error_t *err);
/*
 * The epoch of the index: bumped by each reopen, whose garbage
 * collection removes the files of every intent recorded before it.  A
 * writer reads it before recording its intent; a commit of those files
 * passes it to sos_idx_apply.
 */
unsigned sos_idx_epoch(sos_store_t *st);
/* sos_idx_apply of a batch that makes files live whose intent was
 * recorded in an epoch before the index was reopened: nothing written
 * (the intent is gone, the files must go). */
#define SOS_EREOPENED  (SOS_RC_MAX + 1)
/*
 * Group commit, for a caller that decides under commit_lock: sos_idx_apply
 * writes the batch without sync (epoch: that of the files' intent, or
 * NULL when it makes no file live; SOS_EREOPENED) and gives its number in *seq, which later writes see at once; the
 * caller lets go of its lock, then sos_idx_sync waits until the log is
 * durable up to that number, one synced write for all the writers that
 * queued meanwhile.  Nothing is answered before its sync returned
 * SOS_OK: a failed sync fences (SOS_EFENCED, as a failed write).  A call
 * that only read (a refused precondition) syncs up to sos_idx_applied,
 * so that no answer rests on a write that could still be lost.
 */
sos_rc_e sos_idx_apply(sos_store_t *st, leveldb_writebatch_t *batch,
    const unsigned *epoch, uint64_t *seq, sos_error_t *err);
uint64_t sos_idx_applied(sos_store_t *st);
/* Around a commit's section under commit_lock, so that a syncer lets it
 * apply first and syncs it with the others. */
void sos_idx_enter(sos_store_t *st);
void sos_idx_leave(sos_store_t *st);
sos_rc_e sos_idx_sync(sos_store_t *st, uint64_t seq, sos_error_t *err);
/* Open the index at open (st->db), using the reserve if the volume is
 * full, then create or check the reserve. */
sos_rc_e sos_idx_open(sos_store_t *st, sos_error_t *err);
/* Whether any key starts with prefix: 1 yes, 0 no, -1 error (err set). */
int sos_idx_has_prefix(sos_store_t *st, const void *prefix, size_t len,
    sos_error_t *err);
/*
 * Visit every record whose key starts with the one-byte type, in key
 * order; visit gets the key without its type byte.  It returns SOS_OK to
 * go on, SOS_SCAN_STOP to stop (the scan then returns SOS_OK), or an
 * error, which stops the scan and is returned.
 */
#define SOS_SCAN_STOP  SOS_RC_MAX
typedef sos_rc_e (*sos_idx_visit_pt)(void *ctx, const char *key,
    size_t key_len, const char *val, size_t val_len);
sos_rc_e sos_idx_scan(sos_store_t *st, char type, sos_idx_visit_pt visit,
    void *ctx, sos_error_t *err);
/*
 * An iterator holds db_lock shared until sos_idx_iter_close, which is the
 * only way to destroy it; NULL without memory or while the index is
 * closed (a reopen failed).  Other index calls may be made while it is
 * open, in the same thread.
 */
leveldb_iterator_t *sos_idx_iter(sos_store_t *st);
void sos_idx_iter_close(sos_store_t *st, leveldb_iterator_t *it);
/* Non-zero while it points at a key that starts with prefix. */
int sos_idx_iter_in(leveldb_iterator_t *it, const void *prefix, size_t len);
/* The iterator's error as SOS_EIO naming what was scanned, or SOS_OK. */
sos_rc_e sos_idx_iter_error(leveldb_iterator_t *it, sos_error_t *err,
    const char *what);


/* ---- records ---- */

/* One replicated data file: a whole simple object, or one part. */
typedef struct {
    char           id[SOS_FILE_ID_LEN + 1];
    uint64_t       size;
    uint32_t       replicas;            /* bit i: replica i holds it */
    unsigned char  md5[16];
} sos_extent_t;

void sos_extent_encode(sos_buf_t *b, const sos_extent_t *e);
int  sos_extent_decode(sos_rbuf_t *r, sos_extent_t *e);

/*
 * Object record (O, and V for noncurrent versions and delete markers).  A
 * simple object has one extent and parts == 0; a multipart object has
 * one extent per part, in order; a delete marker has none.  After the
 * extents: a checksum per extent, the version id (empty: the null
 * version), flags, the retention mode, retain-until and legal hold
 * (Object Lock), each only while bytes remain.
 */
#define SOS_REC_DELETE_MARKER  1

typedef struct {
    uint64_t         size;
    int64_t          mtime;
    int32_t          mtime_nsec;
    char             etag[SOS_ETAG_MAX + 1];
    uint32_t         parts;
    sos_attrs_t      attrs;             /* points into the value */
    sos_kv_t        *kv_mem;
    uint32_t         n_extents;
    sos_extent_t    *extents;           /* malloc'd */
    sos_str_t       *part_checksums;    /* malloc'd, n_extents strings
                                           pointing into the value; NULL:
                                           none */
    char             version_id[SOS_VERSION_ID_LEN + 1];
    unsigned         delete_marker;
    sos_retention_t  retention;         /* Object Lock */
} sos_obj_rec_t;

void     sos_obj_rec_encode(sos_buf_t *b, const sos_obj_rec_t *rec);
/* 0, or -1 when malformed or out of memory; free with sos_obj_rec_free. */
int      sos_obj_rec_decode(const void *val, size_t len, sos_obj_rec_t *rec);
void     sos_obj_rec_free(sos_obj_rec_t *rec);
/*
 * Copy rec's metadata into a caller-owned info (info->mem owns it); its
 * write_id is the id of rec's first file, if it has one.
 */
sos_rc_e sos_obj_rec_to_info(const sos_obj_rec_t *rec,
    sos_object_info_t *info, sos_error_t *err);
/* Whether rec meets a delete's conditions (NULL: none): sos_delete.c. */
int sos_delete_cond_met(const sos_delete_cond_t *cond,
    const sos_obj_rec_t *rec);

/* Multipart upload record (U): strings point into the value.  After the
 * attributes, the Object Lock the completed object gets (mode,
 * retain-until, legal hold), only while bytes remain. */
typedef struct {
    int64_t          initiated;
    sos_attrs_t      attrs;
    sos_kv_t        *kv_mem;            /* malloc'd (NULL on failure) */
    sos_retention_t  retention;         /* of the object it will make */
} sos_upload_rec_t;

/* Part record (P): the part number comes from the key. */
typedef struct {
    uint32_t      number;
    sos_extent_t  extent;
    int64_t       mtime;
    sos_str_t     checksum_algorithm;   /* points into the value */
    sos_str_t     checksum_value;
} sos_part_rec_t;

/* 0, or -1 when malformed or out of memory. */
int  sos_upload_rec_decode(const void *val, size_t len, sos_upload_rec_t *u);
void sos_part_rec_encode(sos_buf_t *b, const sos_part_rec_t *p);
int  sos_part_rec_decode(const char *key, size_t key_len, const char *val,
    size_t val_len, sos_part_rec_t *p);

/*
 * Whether key can be stored: 1..SOS_MAX_KEY_LEN bytes without NUL.
 * SOS_OK or SOS_EINVAL.
 */
sos_rc_e sos_key_check(const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, sos_error_t *err);


/* ---- buckets and counters (sos_bucket.c) ---- */

/* Whether bucket exists: SOS_OK, SOS_ENOBUCKET, SOS_EIO. */
sos_rc_e sos_bucket_check(sos_store_t *st, const char *bucket,
    size_t bucket_len, sos_error_t *err);

/*
 * Which bucket of a name: one deleted and created again has another
 * owner or creation time (the same owner within the same second is not
 * told apart).
 */
typedef struct {
    char               owner[SOS_ID_LEN + 1];
    int64_t            created;
    int                versioning;      /* sos_versioning_e, as read */
    sos_bucket_lock_t  lock;            /* Object Lock, as read */
} sos_bucket_id_t;

/* As sos_bucket_check, filling *id. */
sos_rc_e sos_bucket_ident(sos_store_t *st, const char *bucket,
    size_t bucket_len, sos_bucket_id_t *id, sos_error_t *err);


/*
 * Add a change of the bucket's object count and bytes to batch.  The
 * caller holds commit_lock from here until the batch is written.
 */
sos_rc_e sos_counters_add(sos_store_t *st, leveldb_writebatch_t *batch,
    const char *bucket, size_t bucket_len, int64_t d_count, int64_t d_bytes,
    sos_error_t *err);


/* ---- replica files (sos_replica.c) ---- */

/*
 * Make directory path of a replica (bit xx for objects/xx, 256 + xx * 256
 * + yy for objects/xx/yy) exist with its parent synced, unless known
 * already; 0 or -1 (errno set).
 */
int sos_dir_durable(sos_store_t *st, unsigned replica, unsigned bit,
    const char *path, int do_fsync);
/*
 * The two halves of it, for a caller that syncs the parent later:
 * sos_dir_make makes path unless known durable: 0 known, 1 made or found
 * (the parent's sync is due), -1 failed (errno); sos_dir_known records it
 * durable once the parent's sync returned.
 */
int sos_dir_make(sos_store_t *st, unsigned replica, unsigned bit,
    const char *path);
void sos_dir_known(sos_store_t *st, unsigned replica, unsigned bit);

/* fsync a directory by path, timed for st's stats (st NULL: not); 0 or -1
 * (errno set). */
int sos_fsync_dir(sos_store_t *st, const char *path);

/* fdatasync (data) or fsync fd, timed for sos_store_stats(); 0 or -1
 * (errno set). */
int sos_sync_timed(sos_store_t *st, int fd, int data);

/*
 * mkdir path unless it exists and, with do_fsync, fsync its parent even
 * when it existed (its creator's fsync may not have returned yet, or may
 * have failed), timed for st's stats (NULL: not); 0 or -1 (errno set).
 */
int sos_mkdir_synced(sos_store_t *st, const char *path, int do_fsync);

/* Fresh random hex id of SOS_FILE_ID_LEN (or any even n) characters. */
void sos_random_hex(char *out, size_t n);

/* The value 0..255 of the two hex digits (either case) at p; other bytes
 * give some value 0..255. */
unsigned sos_hex2(const char *p);

/* write all len bytes of p to fd (again on EINTR); 0 or -1 (errno set). */
int sos_write_all(int fd, const unsigned char *p, size_t len);

/* <replica>/objects/xx/yy/<id> into buf; -1 if it does not fit. */
int sos_replica_path(const sos_store_t *st, unsigned replica,
    const char *id, char *buf, size_t size);

/*
 * Streams one data file to every replica at once: tmp/<id> opened
 * O_EXCL on each, written in one pass with MD5 and the CRC32 of each
 * SOS_SUM_BLOCK block, then made durable and renamed into objects/ by
 * finish, which encodes the X record's value into sums.
 */
typedef struct {
    sos_store_t   *store;
    char           id[SOS_FILE_ID_LEN + 1];
    int            fds[SOS_MAX_REPLICAS];   /* -1: failed or not open */
    uint32_t       live;                    /* replicas still written */
    uint64_t       size;
    void          *md5;                     /* EVP_MD_CTX */
    uint32_t       crc;                     /* of the block in progress */
    uint32_t      *crcs;                    /* of the blocks done */
    uint64_t       n_crcs;
    uint64_t       cap_crcs;
    sos_buf_t      sums;                    /* X value, after finish */
    int            done;
    unsigned       epoch;                   /* of the intent, see finish */
} sos_writer_t;

sos_rc_e sos_writer_begin(sos_writer_t *w, sos_store_t *st,
    sos_error_t *err);
sos_rc_e sos_writer_write(sos_writer_t *w, const void *data, size_t len,
    sos_error_t *err);
/* MD5 so far without finishing. */
void     sos_writer_md5(sos_writer_t *w, unsigned char md5[16]);
/*
 * fdatasync, close, mkdir objects/xx/yy (fsync parents), rename, fsync the
 * directory, on every live replica; SOS_EQUORUM (files removed) when fewer
 * than the quorum got there.  Fills *out.  The writer is finished either
 * way: sos_writer_abort after it unlinks nothing and frees the X record's
 * value, which the commit (sos_intent_clear) needs until then.
 *
 * Before the renames it records an intent (a G record) for the new files,
 * so that a crash between the rename and the index commit leaves garbage
 * that open removes, not orphans.  The commit batch that makes the extent
 * live must therefore include sos_intent_clear(); a caller that gives up
 * instead calls sos_extent_unlink(), which drops the intent too.
 */
sos_rc_e sos_writer_finish(sos_writer_t *w, sos_extent_t *out,
    sos_error_t *err);
/* Close and unlink the tmp files.  Safe after finish and twice. */
void     sos_writer_abort(sos_writer_t *w);

/*
 * Open an extent for reading on the first replica that has a readable
 * file of the right size, trying the others in turn, except those in
 * *skip.  Replicas whose file is missing, not a regular file or of
 * another size are added to *skip.  Returns the fd and its replica, or
 * -1 with err set: SOS_ECORRUPT when no replica is left, SOS_EIO (or
 * SOS_ENOMEM) when an open failed for another reason (e.g. EMFILE).
 */
int  sos_extent_open(sos_store_t *st, const sos_extent_t *e, uint32_t *skip,
    unsigned *replica, sos_error_t *err);

/* Unlink an extent's files on every replica (ENOENT is fine) and drop
 * its G and X records.  -1 when an unlink failed otherwise: the records
 * stay, for the next open to try again. */
int  sos_extent_unlink(sos_store_t *st, const sos_extent_t *e);

/*
 * Add to batch what makes the extent of the finished writer w live: the
 * removal of the intent sos_writer_finish recorded and the extent's X
 * record (its block checksums).
 */
void sos_intent_clear(leveldb_writebatch_t *batch, const sos_writer_t *w);

/*
 * Garbage: record in batch that these extents are to be unlinked (G
 * records), and after the batch is written, collect them: unlink them
 * and drop their G and X records, or queue them for sos_garbage_work to
 * do so (sos_garbage.c): the X record lives as long as the file, so that
 * a reader of a replaced version still checks it.  Files a reader holds
 * (pins) are left with their G record until its last unpin, and
 * collected after (sos_pin_collect, which each collection runs first).
 * Open finishes whatever a crash left.
 */
void sos_garbage_add(leveldb_writebatch_t *batch, const sos_extent_t *e,
    uint32_t n);
void sos_garbage_collect(sos_store_t *st, const sos_extent_t *e,
    uint32_t n);
/* All pending G records; returns how many files were removed. */
uint64_t sos_garbage_collect_all(sos_store_t *st);

/*
 * The garbage queue: sos_garbage_collect queues files while it has room
 * and the data volume was not found full in the last SOS_GC_FULL_MS
 * (sos_garbage_full, called by a data write that met ENOSPC or EDQUOT:
 * the room is wanted now).
 */
#define SOS_GC_FULL_MS  10000
void sos_garbage_init(sos_store_t *st, size_t cap);
void sos_garbage_free(sos_store_t *st);
void sos_garbage_full(sos_store_t *st);


/* ---- pins: files open readers hold (sos_pin.c) ---- */

void sos_pin_init(sos_store_t *st);
void sos_pin_free(sos_store_t *st);

/* Pin the files of n extents: 0, or -1 without memory (none pinned). */
int  sos_pin_add(sos_store_t *st, const sos_extent_t *e, uint32_t n);

/* Unpin them; a file collection skipped goes to the ready list. */
void sos_pin_drop(sos_store_t *st, const sos_extent_t *e, uint32_t n);

/*
 * For collection: whether the file is pinned, and if so mark it, so that
 * its last unpin queues it for the next collection.  Collection then
 * leaves the file and its G record.
 */
int  sos_pin_defer(sos_store_t *st, const char *id);

/* Unlink the files queued by their last unpin (and drop their G). */
void sos_pin_collect(sos_store_t *st);


/* A reader of rec's extents, pinned by the caller: the reader takes them
 * (on failure they are let go) and opens the first file (sos_reader.c). */
sos_rc_e sos_reader_new(sos_reader_t **out, sos_store_t *st,
    sos_obj_rec_t *rec, sos_error_t *err);


/* ---- Object Lock (sos_lock.c) ---- */

/*
 * Whether the version rec may be removed now (under commit_lock, in the
 * step that removes it): SOS_OK, or SOS_ELOCKED while its retention is
 * in force (GOVERNANCE: unless bypass) or a legal hold is on.
 */
sos_rc_e sos_lock_check(const sos_obj_rec_t *rec, int bypass,
    const char *bucket, size_t bucket_len, const char *key, size_t key_len,
    sos_error_t *err);

/* Whether a write's explicit retention (NULL: none) is well formed:
 * SOS_OK or SOS_EINVAL. */
sos_rc_e sos_lock_valid(const sos_retention_t *r, sos_error_t *err);

/*
 * Under commit_lock: set rec's retention (rec->mtime set) from the
 * write's explicit one r (NULL: none) or the bucket's default.  SOS_OK,
 * SOS_ENOLOCK (r asks for a lock the bucket does not have), SOS_EINVAL.
 */
sos_rc_e sos_lock_stamp(const sos_bucket_id_t *bucket_id,
    const sos_retention_t *r, sos_obj_rec_t *rec, const char *bucket,
    size_t bucket_len, sos_error_t *err);


/* ---- versions (sos_version.c) ---- */

/* V bucket \0 key \0 sort id (NULL: the prefix of the key's versions) */
void sos_ikey_version(sos_buf_t *k, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, const char *sort_id);

/* A caller's version id: NULL, "null", an id, or -1 when malformed. */
#define SOS_VER_CURRENT  0
#define SOS_VER_NULL     1
#define SOS_VER_ID       2
int sos_version_arg(const char *vid, size_t len);

/* The V key's last part for rec (SOS_VERSION_ID_LEN + 1 bytes). */
void sos_version_sort_id(const sos_obj_rec_t *rec, char *id);

/* Give rec its version: a fresh id, or (null) none, with its mtime moved
 * on when an earlier version took that time. */
void sos_version_stamp(sos_obj_rec_t *rec, int null);

/*
 * How many times a version moved from a V record back to the O record
 * (a delete of the latest version), ever, in this process: a scrub pass
 * that walks O before V may miss such a version's files, and sweeps no
 * orphans when the count changed during it.
 */
uint64_t sos_version_moves(void);
void sos_version_moved(void);

/* Copy what the commit stamped on rec (version id, mtime) into info,
 * filled from rec before. */
void sos_version_info(const sos_obj_rec_t *rec, sos_object_info_t *info);

/* A version found: its record, what the strings point into, and its
 * index key (the O key when current). */
typedef struct {
    sos_buf_t      vkey;
    char          *val;
    sos_obj_rec_t  rec;
    unsigned       have:1;
    unsigned       current:1;           /* the O record */
} sos_version_drop_t;

void sos_version_drop_free(sos_version_drop_t *v);

/* The first V record of the key (want_null: the first null one), other
 * than the one at skip (NULL: none), into v: v->have says whether there
 * is one.  SOS_OK, SOS_ECORRUPT, SOS_ENOMEM, SOS_EIO. */
sos_rc_e sos_version_first(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, int want_null,
    const sos_buf_t *skip, sos_version_drop_t *v, sos_error_t *err);

/* The version vid names (as sos_object_open_version) into v: SOS_OK,
 * SOS_ENOTFOUND, SOS_ENOBUCKET, SOS_EINVAL, SOS_ECORRUPT, SOS_EIO. */
sos_rc_e sos_version_find(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *vid,
    size_t vid_len, sos_version_drop_t *v, sos_error_t *err);

/* Room for a key in an error message (SOS_KEY_SHOW + 4 bytes for
 * sos_key_show's buffer): the message is one line. */
#define SOS_KEY_SHOW        80

/* A key made printable (control characters as '?') and short enough for
 * a one-line message, in buf. */
const char *sos_key_show(char *buf, const char *key, size_t len);

/* Whether rec is the version info describes (the same write, owner and
 * ACL): the compare of a compare-and-set on a version's record. */
int sos_version_is(const sos_obj_rec_t *rec, const sos_object_info_t *info);

/*
 * Rewrite one version's record (vid as sos_object_open_version), keeping
 * its data: under commit_lock, edit checks rec (SOS_OK, or the refusal,
 * which err describes) and changes it; the change is synced before this
 * returns.  A delete marker is SOS_ENOTFOUND.  SOS_OK, SOS_ENOTFOUND,
 * SOS_ENOBUCKET, SOS_EINVAL (key or id), edit's refusals, SOS_ECORRUPT,
 * SOS_EFENCED, SOS_ENOMEM, SOS_EIO.
 */
typedef sos_rc_e (*sos_version_edit_pt)(sos_store_t *st, sos_obj_rec_t *rec,
    void *ctx, sos_error_t *err);

sos_rc_e sos_version_rewrite(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *vid,
    size_t vid_len, sos_version_edit_pt edit, void *ctx, sos_error_t *err);

/*
 * Under commit_lock, in a versioned bucket: add to batch what makes rec
 * (stamped here; a delete marker or not) the key's latest version, old
 * (NULL: none) being the O record at okey: old goes to V or, a null
 * version replaced, to garbage (*old_dropped); a null version in V that
 * rec replaces is removed (drop, whose files the caller collects after
 * the commit and frees).  The counters' changes are added to *d_count and
 * *d_bytes.
 */
sos_rc_e sos_version_place(sos_store_t *st, leveldb_writebatch_t *batch,
    const sos_buf_t *okey, const char *bucket, size_t bucket_len,
    const char *key, size_t key_len, int state, sos_obj_rec_t *rec,
    const sos_obj_rec_t *old, int *old_dropped, int64_t *d_count,
    int64_t *d_bytes, sos_version_drop_t *drop, sos_error_t *err);


/* ---- shared by objects, readers and multipart (sos_object.c) ---- */

/*
 * The index key of the object bucket/key into ikey, which the caller
 * frees, once the key passes sos_key_check.  what names the operation in
 * the out-of-memory message; on an error ikey is freed already.
 */
sos_rc_e sos_object_ikey(sos_buf_t *ikey, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *what,
    sos_error_t *err);

/*
 * Get and decode the object record at ikey (bucket/key, for messages);
 * rec's strings point into *val (free() it, and sos_obj_rec_free rec).
 * A missing record in a missing bucket is SOS_ENOBUCKET.
 */
sos_rc_e sos_object_load(sos_store_t *st, const sos_buf_t *ikey,
    const char *bucket, size_t bucket_len, const char *key, size_t key_len,
    char **val, sos_obj_rec_t *rec, sos_error_t *err);

/*
 * Commit an object record for bucket/key under commit_lock: bucket check
 * (the bucket bucket_id names, unless NULL), preconditions
 * (opts->if_match, if_none_match, if_none_match_etag), counters, garbage
 * for the replaced object, one synced batch; extra is added to the same
 * batch (e.g. deleting the upload's records).  Replaced files are
 * unlinked after.  On failure nothing changed, except that SOS_EFENCED
 * may be replayed at the reopen.  fresh: the epoch of the new file's
 * intent (sos_writer_t), or NULL when the record makes no new file live;
 * SOS_EREOPENED as sos_idx_apply.
 */
sos_rc_e sos_object_commit(sos_store_t *st, const sos_put_opts_t *opts,
    const sos_bucket_id_t *bucket_id, sos_obj_rec_t *rec,
    leveldb_writebatch_t *extra, int64_t extra_bytes, const unsigned *fresh,
    sos_error_t *err);

int64_t sos_now(int32_t *nsec);

/*
 * A streaming write (sos_put_t) is shared by objects and multipart parts:
 * begin/write/set_checksum/md5/abort are the same, only what commit
 * records differs.  sos_put_commit makes the file durable and then calls
 * put->commit with the finished extent.  The commit function's synced
 * batch that makes the extent live includes
 * sos_intent_clear(&put->writer); on failure it leaves nothing
 * referencing the extent, whose files
 * sos_put_commit then unlinks, except after SOS_EFENCED: they stay.  It
 * fills info (may be NULL) on success.
 */
typedef sos_rc_e (*sos_put_commit_pt)(sos_put_t *put,
    const sos_extent_t *extent, sos_object_info_t *info, sos_error_t *err);

struct sos_put_s {
    sos_store_t        *store;
    /* Private copies: opts.bucket, opts.key, opts.if_match,
     * opts.if_none_match_etag point into names; opts.attrs is always
     * &attrs, whose strings point into attrs_buf, or into checksum once
     * sos_put_set_checksum ran. */
    sos_put_opts_t      opts;
    sos_attrs_t         attrs;
    char               *names;
    sos_buf_t           attrs_buf;
    sos_kv_t           *kv_mem;
    char               *checksum;       /* set by sos_put_set_checksum */
    sos_writer_t        writer;
    int                 failed;         /* only abort is valid now */
    sos_put_commit_pt   commit;
    /* Objects: the bucket at begin, the one commit writes into. */
    sos_bucket_id_t     bucket_id;
    sos_retention_t     retention;      /* opts.retention points here */
    /* Multipart part writes; unused by objects. */
    char                upload_id[SOS_UPLOAD_ID_LEN + 1];
    uint32_t            part_number;
};

/*
 * Allocate a put with private copies of opts (key length checked) and
 * open tmp files on every replica.  The caller has checked that the
 * target (bucket, or upload) exists.  SOS_EINVAL, SOS_EQUORUM, SOS_EIO.
 */
sos_rc_e sos_put_new(sos_put_t **out, sos_store_t *st,
    const sos_put_opts_t *opts, sos_put_commit_pt commit, sos_error_t *err);

/* Lowercase hex of an MD5 into out (33 bytes with the NUL). */
void sos_md5_hex(const unsigned char md5[16], char *out);

/* ---- readers (sos_reader.c) ---- */

/* The size of the object version the reader holds. */
uint64_t sos_reader_size(const sos_reader_t *reader);

/* The replicas of its extent number `extent` the reader found bad:
 * missing, short, unreadable or failing their checksums. */
uint32_t sos_reader_bad(const sos_reader_t *reader, uint32_t extent);

/* ---- listing helpers (sos_list.c) ---- */

/* Whether s starts with prefix. */
int sos_list_starts(const char *s, size_t len, const char *prefix,
    size_t prefix_len);

/* Byte order, as LevelDB's default comparator orders index keys. */
int sos_list_cmp(const char *a, size_t a_len, const char *b, size_t b_len);

/*
 * The length of the common prefix key rolls up into: the prefix plus the
 * rest of the key up to and including the first delimiter; 0 when it
 * stands alone or delimiter is empty.  key starts with the prefix.
 */
size_t sos_list_rollup(size_t prefix_len, const sos_str_t *delimiter,
    const char *key, size_t key_len);

/*
 * A page of a listing (of objects or of uploads) while its scan runs: the
 * scan's iterator and bounds, the caller's items, the common prefixes and
 * the text that holds the strings of both (items and prefixes point into
 * it by offset, as the text may move while it grows).
 */
typedef struct {
    size_t  off;
    size_t  len;
} sos_list_span_t;

typedef struct {
    sos_store_t         *st;            /* whose index it holds */
    leveldb_iterator_t  *it;
    sos_buf_t            from;          /* type bucket \0 prefix */
    size_t               base_len;      /* of from without the prefix */
    sos_buf_t            seek;          /* the index key last sought */
    void                *items;         /* of the caller's item type */
    size_t               n_items;
    sos_list_span_t     *prefixes;
    size_t               n_prefixes;
    sos_list_span_t      last;          /* key or prefix added last */
    sos_buf_t            text;          /* keys, prefixes and owners */
    unsigned             oom:1;
} sos_list_page_t;

void sos_list_page_init(sos_list_page_t *page);

/* Room for max items of item_size and max prefixes, and the iterator. */
void sos_list_page_alloc(sos_list_page_t *page, sos_store_t *st,
    unsigned max, size_t item_size);

/* Destroys the iterator and frees all but the page itself. */
void sos_list_page_free(sos_list_page_t *page);

/* Whether the scan goes on: memory left, and the iterator within from. */
int sos_list_page_in(const sos_list_page_t *page);

/*
 * Seek the iterator to the first index key after every key that starts
 * with the first base_len bytes of from followed by the common prefix cp.
 */
void sos_list_page_seek_past(sos_list_page_t *page, const char *cp,
    size_t cp_len);

/* Add the common prefix cp to the page, then seek past it. */
void sos_list_page_prefix(sos_list_page_t *page, const char *cp,
    size_t cp_len);

/*
 * The end of a scan: SOS_ENOMEM when the page ran out of memory, else the
 * iterator's error, if any.  what names the listing in the error message.
 */
sos_rc_e sos_list_page_end(sos_list_page_t *page, const char *what,
    sos_error_t *err);

/*
 * Copy the page's text to text and point prefixes (n_prefixes of them)
 * into it: the tail of a result that is one block.
 */
void sos_list_page_copy(const sos_list_page_t *page, sos_str_t *prefixes,
    char *text);


/* ---- multipart uploads (sos_multipart.c) ---- */

/*
 * Read and decode the U record of bucket/key/upload_id; *val owns what u
 * (may be NULL) points into: free(u->kv_mem) and free(*val).  A missing
 * record is SOS_ENOBUCKET when the bucket is gone too, so that callers
 * answer NoSuchBucket before NoSuchUpload as S3 does; a malformed upload
 * id is SOS_ENOUPLOAD.
 */
sos_rc_e sos_upload_get(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *upload_id, char **val, sos_upload_rec_t *u,
    sos_error_t *err);

/* ---- secrets at rest (sos_secret.c) ---- */

/*
 * Load the key file into st->secret_key, creating it (O_EXCL, 0600) when
 * it is missing and the index holds no sealed secret; then seal every
 * plaintext secret left in the index.  Called by open once the index is
 * open.  SOS_EINVAL for a key file that is too open, of the wrong size,
 * missing while sealed secrets exist, or that opens none of them.
 */
sos_rc_e sos_secret_init(sos_store_t *st, const char *key_file,
    sos_error_t *err);

/* A K record's value, its secret sealed; -1 on a crypto failure. */
int sos_key_encode(const sos_store_t *st, sos_buf_t *val,
    const sos_key_t *key);

/* Decode a K record (either version) into key; -1 when malformed or its
 * secret does not unseal. */
int sos_key_decode(const sos_store_t *st, const char *akid, size_t akid_len,
    const char *val, size_t len, sos_key_t *key);

/* ---- scrub and repair (sos_repair.c, sos_scrub.c) ---- */

/* the repair queue holds at most this many extents; a full pass catches
 * what it drops */
#define SOS_REPAIR_QUEUE    1024

typedef struct {
    sos_extent_t   extent;
    uint32_t       bad;                 /* replicas to rewrite */
    int64_t        noted;
    unsigned       failed:1;            /* a rewrite failed: reported */
} sos_repair_entry_t;

typedef struct sos_scrub_s {
    pthread_mutex_t     lock;           /* the fields below */
    pthread_mutex_t     step_lock;      /* one step or run at a time */

    sos_repair_entry_t *queue;          /* SOS_REPAIR_QUEUE entries */
    size_t              n_queue;

    /* findings since the last step's report, and the last ones */
    sos_finding_t       fresh[SOS_SCRUB_FINDINGS];
    size_t              n_fresh;
    uint64_t            fresh_dropped;
    sos_finding_t       ring[SOS_SCRUB_FINDINGS];
    size_t              n_ring;         /* total added; ring is mod */

    /* the background pass: the next record (index key) and extent */
    int                 loaded;         /* the S record was read */
    sos_buf_t           cursor;
    uint32_t            cursor_extent;
    char                cursor_text[160];   /* printable, for status */
    uint64_t            passes;
    int64_t             last_pass_end;
    int64_t             pass_start;
    uint64_t            pass_bytes;
    uint64_t            degraded_cur;
    uint64_t            degraded_last;
    int                 degraded_known; /* a pass completed since open */

    /* the live file ids of this pass (16 bytes each), for the orphan
     * sweep; clean while the whole pass ran here without an error */
    unsigned char      *live;
    size_t              n_live;
    size_t              cap_live;
    int                 clean;
    uint64_t            moves;          /* sos_version_moves() at its
                                           start: a version that moved
                                           back from V to O since may
                                           have been missed */

    /* since open */
    uint64_t            bytes;
    uint64_t            bad, repaired, failed, unrepairable, orphans;
} sos_scrub_t;

/* Allocate and free st->scrub (open and close). */
sos_rc_e sos_scrub_init(sos_store_t *st, sos_error_t *err);
void     sos_scrub_free(sos_store_t *st);

/*
 * Remember that replicas bad of extent e need a rewrite from a good copy:
 * a bounded queue in memory, worked through by the next scrub step; a
 * full scrub pass catches what the queue dropped or a restart lost.
 */
void sos_repair_note(sos_store_t *st, const sos_extent_t *e,
    uint32_t bad_replicas);

/* A write of e reached only the replicas of live: a finding, and the
 * others queued for repair. */
void sos_repair_degraded(sos_store_t *st, const sos_extent_t *e,
    uint32_t live);

/* Work through the repair queue (under step_lock). */
void sos_repair_drain(sos_store_t *st, sos_scrub_report_t *report);

/*
 * Check every replica of extent e, named by the record at index key ikey
 * (type byte first), against its MD5, and rewrite those that are missing
 * or bad from a good one; then make the record's replica mask the
 * replicas that hold good bytes.  *mask gets that mask.  Under step_lock.
 */
void sos_repair_extent(sos_store_t *st, const char *ikey, size_t ikey_len,
    const sos_extent_t *e, sos_scrub_report_t *report, uint32_t *mask);

/* Add a finding to the report (may be NULL), the last ones and those
 * the next report gets. */
void sos_scrub_find(sos_store_t *st, sos_scrub_report_t *report,
    sos_finding_e what, unsigned replica, int sys_errno,
    const sos_extent_t *e, const char *ikey, size_t ikey_len);

/* Whether the record <type><file id> exists: 1, 0, or -1 on an index
 * error. */
int sos_scrub_has(sos_store_t *st, char type, const char *id);

/* Describe the record at ikey printably into buf ("" if unknown). */
void sos_scrub_where(const char *ikey, size_t ikey_len, char *buf,
    size_t size);

/* ---- completed uploads' D records (sos_upload_done.c) ---- */

/* k := D<upload id> */
void sos_ikey_done(sos_buf_t *k, const char *upload_id);
/*
 * The D record of upload_id when the object at bucket/key is still the
 * one it completed (and, parts not NULL, with that ETag): *val (free it)
 * and *rec decoded from the object's record.
 */
sos_rc_e sos_upload_done_load(sos_store_t *st, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *upload_id, const sos_part_ref_t *parts, size_t n_parts,
    char **val, sos_obj_rec_t *rec, sos_error_t *err);
/* Remove the D records of uploads completed before older_than. */
sos_rc_e sos_upload_done_expire(sos_store_t *st, int64_t older_than,
    sos_error_t *err);


#endif /* SOS_INTERNAL_H */
