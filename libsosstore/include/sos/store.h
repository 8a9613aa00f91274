/*
 * libsosstore: the SOS object store.
 *
 * Organizations, access keys, buckets, objects and multipart uploads,
 * behind one handle.  Plain C11 + POSIX; no nginx header.  This library
 * keeps objects as replicated files with a LevelDB index (docs/store.md);
 * only sos_store_conf_t and sos_store_info_t describe that backend, the
 * rest of the API does not depend on it.
 *
 * Arguments
 * - The handle comes first and `err` last; `err` may be NULL.  Constructors
 *   return through `**out`.
 * - Strings are (pointer, length) pairs and need not be NUL-terminated,
 *   except where a parameter is a plain `const char *` without a length
 *   (upload ids, owner ids, regions, paths in sos_store_conf_t) and in the
 *   fixed-size char arrays of result structs, which are NUL-terminated.
 * - Misuse, such as a write to a sos_put_t after a failure, is assert()ed,
 *   not reported.
 *
 * Ownership: one rule for the whole API, which each function refers to as
 * "the ownership rule" and only adds to
 * - Inputs (strings, structs, blobs) are borrowed for the duration of the
 *   call only: the store keeps no pointer to them once it returns.
 * - Outputs are written only on SOS_OK, unless a function says otherwise.
 *   Fixed-size results are copied into caller-owned structs.  A
 *   variable-size result is memory the store allocated, and its doc names
 *   the one call that frees it (sos_*_free, sos_object_info_release); every
 *   sos_str_t inside points into that memory.
 * - A handle (sos_store_t, sos_put_t, sos_reader_t) is freed by exactly
 *   one call: sos_store_close; sos_put_commit or sos_put_abort;
 *   sos_reader_close.
 * - What a callback is given is borrowed for the callback only; copy what
 *   must outlive it.
 * - A sos_error_t is the caller's; it is written only on failure and its
 *   message is a copy, so it may cross threads.
 *
 * Threads: one rule for the whole API, "the thread rule"
 * - A sos_store_t takes concurrent calls from any number of threads of the
 *   process that opened it, and none from another process (not across
 *   fork()).  Open and close it from one thread, with nothing in flight.
 * - A sos_put_t or sos_reader_t belongs to one thread at a time: it may
 *   move between threads between calls (as from one pool thread to the
 *   next), never be used by two at once.  Results are plain memory.
 * - Calls block the calling thread on disk and index I/O: an event loop
 *   runs them in a thread pool.
 * - Callbacks (list functions, sos_put_copy) run in the calling thread
 *   before the call returns, and must not call into the store: they run
 *   while the store holds an index scan or a write open.  A callback
 *   returns 0 to go on, non-zero to stop, unless its type says otherwise.
 */

#ifndef SOS_STORE_H
#define SOS_STORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SOS_OK = 0,
    SOS_ENOTFOUND,      /* no such object, organization or key */
    SOS_ENOBUCKET,      /* no such bucket */
    SOS_ENOUPLOAD,      /* no such multipart upload */
    SOS_EEXIST,         /* bucket or organization already exists */
    SOS_ENOTEMPTY,      /* bucket still holds objects or uploads;
                           organization still owns buckets */
    SOS_EBUSY,          /* another process owns the store */
    SOS_EQUORUM,        /* fewer replicas than the write quorum succeeded */
    SOS_ERANGE,         /* caller buffer too small, or range unsatisfiable */
    SOS_EINVAL,         /* invalid argument (names the argument) */
    SOS_EPRECONDITION,  /* If-Match / If-None-Match failed at commit */
    SOS_ECHANGED,       /* the record is no longer the one the caller
                           read and checked (set_acl) */
    SOS_EINVALIDPART,   /* complete: unknown part or ETag mismatch */
    SOS_EPARTORDER,     /* complete: part numbers not ascending */
    SOS_ETOOSMALL,      /* complete: a part other than the last is too small */
    SOS_ETOOLARGE,      /* object larger than the configured maximum */
    SOS_ENOSPC,         /* no space left on a device */
    SOS_ECORRUPT,       /* stored record or data failed a check, or the data
                           of an object is missing */
    SOS_EIO,            /* any other system or index error; sys_errno, when
                           set, says which */
    SOS_ENOMEM,
    SOS_EFENCED,        /* writes refused: an index write failed, in this
                           call or an earlier one (see "Fencing") */
    SOS_ELOCKED,        /* refused by Object Lock: the version's retention
                           is in force or it is under a legal hold, or a
                           retention change would weaken it (S3: 403
                           AccessDenied) */
    SOS_ENOLOCK,        /* the bucket has no Object Lock: a retention or
                           legal hold was asked for (S3: 400
                           InvalidRequest) */
    SOS_ESTATE,         /* the bucket's state forbids it: versioning of an
                           Object Lock bucket cannot be suspended, Object
                           Lock needs versioning enabled (S3: 409
                           InvalidBucketState) */
    SOS_RC_MAX
} sos_rc_e;

/*
 * Fencing.  When a write to the index fails (a full disk, an I/O error,
 * a failed sync), whether it took effect is unknown until the index is
 * opened again: LevelDB may replay the record at the next open, or drop
 * it.  The call that met the failure returns SOS_EFENCED (its message,
 * and sys_errno when known, say why; its files stay, and the reopen
 * keeps them if the record is replayed or removes them if not), and from
 * then on every call that writes (sos_put_begin and sos_part_begin,
 * commits, complete, abort, deletes, ACLs, buckets, organizations and
 * keys) returns SOS_EFENCED before it changes anything, until the index
 * is reopened.  Reads keep working and see what was acknowledged, and
 * the commits applied before a failed sync (group commit: they were
 * refused too), as the reopen will most likely replay them.  A call that
 * finds nothing to write (a delete of a missing object) may still answer
 * as usual.
 *
 * Recovery.  The store reopens its index by itself: sos_put_begin,
 * sos_part_begin, sos_object_delete, sos_objects_delete and
 * sos_upload_abort on a fenced store first try a reopen, at most once a
 * second, when the index volume has room for it (the log replayed into a
 * table).  The reopen waits for the index calls in flight and holds off
 * new ones while it runs; it then removes the files of writes whose
 * record did not survive, and writes are accepted again (the call that
 * tried it goes on).  A write whose files were made before the reopen
 * and whose commit comes after it is refused with SOS_EFENCED, its files
 * removed: nothing acknowledged ever depends on a record written before
 * a failed one.  If the index cannot be opened again (not a full disk: an
 * I/O error), reads fail with SOS_EFENCED too until a later attempt
 * works.
 *
 * The reserve.  With conf.index_reserve set, the store keeps a file of
 * that size, preallocated, in the index directory.  An index write that
 * fails for want of space releases it, so that the reopen and deletes
 * still have room; while it is released, sos_put_begin and
 * sos_part_begin return SOS_ENOSPC (deletes and other writes go on), and
 * it is made again, at most once a second on such a call and at open,
 * as soon as the index volume has twice its size free.  An open that
 * finds the volume too full for LevelDB to open releases it too.
 */

typedef struct {
    sos_rc_e  code;
    int       sys_errno;    /* errno of the failing call, or 0 */
    char      msg[256];     /* one line: what failed, on which path or name */
} sos_error_t;

/**
 * The static name of a code, e.g. "SOS_ENOTFOUND"; "SOS_E(unknown)" for a
 * value outside the enum.
 * Threads: any thread.  Ownership: the string is static.
 */
const char *sos_strerror(sos_rc_e code);

/* A borrowed or result-owned byte string, not NUL-terminated. */
typedef struct {
    const char  *data;
    size_t       len;
} sos_str_t;

typedef struct {
    sos_str_t  name;
    sos_str_t  value;
} sos_kv_t;

#define SOS_MAX_REPLICAS     16
#define SOS_MAX_KEY_LEN      1024
#define SOS_MAX_BUCKET_LEN   63
#define SOS_ID_LEN           64      /* canonical organization id (hex) */
#define SOS_ACCESS_KEY_LEN   20
#define SOS_SECRET_LEN       40
#define SOS_ETAG_MAX         48      /* "hex md5" or "hex md5-N", no quotes */
#define SOS_UPLOAD_ID_LEN    32
#define SOS_WRITE_ID_LEN     32
#define SOS_MAX_PARTS        10000
#define SOS_VERSION_ID_LEN   32      /* a version id: lowercase hex */


/* ------------------------------------------------------------------ */
/* Store                                                              */

typedef struct sos_store_s  sos_store_t;

/* The file backend's configuration. */
typedef struct {
    const char          *data_dir;        /* index lives in <data_dir>/index */
    const char *const   *replica_dirs;    /* NULL: <data_dir>/r0 .. r{n-1} */
    unsigned             n_replicas;      /* 0: 3 */
    unsigned             write_quorum;    /* 0: majority, floor(n/2)+1 */
    int                  no_fsync;        /* 1: skip fsync (tests, benches) */
    uint64_t             min_part_size;   /* 0: 5 MiB (all parts but last) */
    const char          *key_file;        /* NULL: <data_dir>/secret.key */
    uint64_t             index_reserve;   /* bytes kept free for the index
                                             (see "The reserve"); 0: none */
    size_t               garbage_queue;   /* files of deletes and overwrites
                                             left to sos_garbage_work (see
                                             there); 0: unlinked by the
                                             call that committed */
} sos_store_conf_t;

typedef enum {
    SOS_NOTICE_INFO = 0,                  /* done as designed, worth a line */
    SOS_NOTICE_WARN                       /* found wrong and fixed, or not */
} sos_notice_level_e;

typedef struct {
    sos_notice_level_e   level;
    const char          *msg;             /* one line, names the path */
} sos_notice_t;

/* What the file backend found and did at open. */
typedef struct {
    unsigned  n_replicas;
    unsigned  write_quorum;
    uint32_t  degraded_mask;      /* bit i: replica i not writable at open */
    uint64_t  tmp_files_removed;  /* leftovers cleaned by open */
    uint64_t  garbage_removed;    /* pending deletes finished by open */
    uint64_t  secrets_sealed;     /* plaintext secrets encrypted by open */
    /* what open changed or found: modes tightened, the key file created,
     * secrets sealed; owned by the store, valid until sos_store_close */
    const sos_notice_t  *notices;
    size_t               n_notices;
} sos_store_info_t;

/**
 * Open the store: create the layout if missing, take the index, empty
 * every replica's tmp/, finish pending deletes, probe each replica.
 * A replica that cannot be written is reported in sos_store_info's
 * degraded_mask; the store still opens (reads keep working) and writes
 * fail with SOS_EQUORUM while fewer than the quorum are writable.
 *
 * Modes: directories are created 0700 and files 0600.  A data, index or
 * replica directory (or a replica's objects/ and tmp/) open to group or
 * others is changed to 0700 and reported as a notice; the files beneath
 * are then out of other users' reach whatever their own mode, so they
 * are not walked.
 *
 * Secrets: access key secrets are stored sealed with AES-256-GCM under
 * the 32-byte key in conf->key_file, created (0600, random) at the first
 * open; a key file readable or writable by group or others, of another
 * size, or that does not open the secrets in the index is refused
 * (SOS_EINVAL, the message says which).  Plaintext secrets of an older
 * index are sealed at open and the index compacted, so that no file of
 * the index keeps them; a notice says so.
 * @param[out] out  the handle, set only on SOS_OK; close it with
 *                  sos_store_close
 * @return SOS_OK, SOS_EBUSY (another process owns the store: retry
 *         later), SOS_EINVAL (the configuration or the key file), SOS_ENOSPC,
 *         SOS_ENOMEM, SOS_EIO
 * Threads: the thread rule: the handle is then the process's, not its
 * children's.  Ownership: the ownership rule.
 */
sos_rc_e sos_store_open(sos_store_t **out, const sos_store_conf_t *conf,
    sos_error_t *err);

/**
 * Remove the files deletes and overwrites left in the garbage queue
 * (conf->garbage_queue): up to max_files of them, oldest first.  The
 * call that commits a delete, an overwrite or a replaced part answers
 * once its index write is durable and leaves its files, recorded as
 * garbage by that write, in the queue; until they are unlinked they
 * still take their room.  Nothing is lost when they wait: a crash
 * leaves their G records, which the next open collects, and
 * sos_store_close works through the queue.  The queue is bounded: a
 * call that finds it full, or the data volume full (a data write met
 * ENOSPC or EDQUOT in the last 10 s), unlinks inline.  A file an open
 * reader holds waits for its close; a file whose unlink fails keeps its
 * G record for the next open.  max_files 0 only counts: it touches no
 * disk and takes only the queue's mutex.
 * @param[out] done  files removed (may be NULL)
 * @return the files left in the queue
 * Threads: any thread, a call at a time or several.  Ownership: the
 * ownership rule.
 */
size_t sos_garbage_work(sos_store_t *store, size_t max_files, size_t *done);

/**
 * Close the store and free the handle.  NULL is a no-op.
 * Threads: nothing may be in flight: no other call running, every
 * sos_put_t committed or aborted, every sos_reader_t closed.
 * Ownership: the handle and the notices of sos_store_info are freed.
 */
void sos_store_close(sos_store_t *store);

/* The index's state now (see "Fencing", "Recovery", "The reserve"). */
typedef struct {
    int       fenced;             /* writes refused until a reopen */
    int       reserve_in_use;     /* data writes refused: SOS_ENOSPC */
    uint64_t  fences;             /* index writes failed since open */
    uint64_t  reopens;            /* successful reopens since open */
    uint64_t  reopen_failures;    /* reopens tried that did not work */
    uint64_t  refused;            /* calls refused with SOS_EFENCED */
    uint64_t  last_reopen_ms;     /* how long the last reopen took */
} sos_store_health_t;

/**
 * The index's state and counters since open.
 * Threads: any thread; it never waits for I/O (an event loop may call
 * it).  Ownership: *health is the caller's.
 */
void sos_store_health(sos_store_t *store, sos_store_health_t *health);

/*
 * How long the store's fsyncs took since open: the fdatasync of each
 * replica's file of a write and of a repair's rewrite, the fsync of
 * directories and index logs made durable.  A histogram: fsync_count[i]
 * of them took at most fsync_le_us[i] microseconds and more than the
 * bound before it; the last bucket (bound UINT64_MAX) takes the rest.
 */
#define SOS_FSYNC_BUCKETS  12

typedef struct {
    uint64_t  fsync_le_us[SOS_FSYNC_BUCKETS];    /* upper bounds */
    uint64_t  fsync_count[SOS_FSYNC_BUCKETS];    /* per bucket, not
                                                    cumulative */
    uint64_t  fsyncs;                            /* all of them */
    uint64_t  fsync_us;                          /* their total time */
    uint64_t  fsync_errors;                      /* that failed */
} sos_store_stats_t;

/**
 * The store's counters since open (atomic counters, each read on its own:
 * a call racing with fsyncs may see one counted in fsyncs and not yet in
 * its bucket).
 * Threads: any thread; it never waits for I/O or a lock (an event loop
 * may call it).  Ownership: *stats is the caller's.
 */
void sos_store_stats(sos_store_t *store, sos_store_stats_t *stats);

/**
 * Replica count, quorum, degraded replicas and notices as seen at open.
 * Threads: any thread.  Ownership: *info is the caller's; its notices
 * belong to the store until sos_store_close.
 */
void sos_store_info(sos_store_t *store, sos_store_info_t *info);


/* ------------------------------------------------------------------ */
/* Organizations (accounts) and access keys                          */

typedef struct {
    char     id[SOS_ID_LEN + 1];       /* canonical id, 64 lowercase hex */
    char     name[128];                /* display name, unique */
    char     email[256];               /* may be empty; unique when set */
    int64_t  created;                  /* unix seconds */
} sos_org_t;

typedef struct {
    char     access_key_id[SOS_ACCESS_KEY_LEN + 1];
    char     secret[SOS_SECRET_LEN + 1];
    char     org_id[SOS_ID_LEN + 1];
    int      admin;                    /* may call the admin API */
    int64_t  created;
} sos_key_t;

/* List callbacks: return 0 to go on, non-zero to stop the iteration. */
typedef int (*sos_org_cb_pt)(void *ctx, const sos_org_t *org);
typedef int (*sos_key_cb_pt)(void *ctx, const sos_key_t *key);

/**
 * Create an organization with a fresh canonical id.  The name (1..127
 * bytes) and the e-mail (may be NULL or empty; at most 255 bytes) hold no
 * control character.
 * @param[out] out  the new organization (may be NULL)
 * @return SOS_OK, SOS_EEXIST (name or e-mail taken), SOS_EINVAL (empty, too
 *         long or control characters), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_org_create(sos_store_t *store, const char *name, size_t name_len,
    const char *email, size_t email_len, sos_org_t *out, sos_error_t *err);

/**
 * Look up an organization by canonical id.
 * @param[out] out  may be NULL: then only whether it exists
 * @return SOS_OK, SOS_ENOTFOUND, SOS_ECORRUPT (its record does not decode),
 *         SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_org_get(sos_store_t *store, const char *id, size_t id_len,
    sos_org_t *out, sos_error_t *err);

/**
 * Look up an organization by display name (a scan of all of them).
 * @param[out] out  may be NULL
 * @return SOS_OK, SOS_ENOTFOUND, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_org_find_by_name(sos_store_t *store, const char *name,
    size_t name_len, sos_org_t *out, sos_error_t *err);

/**
 * Look up an organization by e-mail (a scan of all of them).
 * @param[out] out  may be NULL
 * @return SOS_OK, SOS_ENOTFOUND, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_org_find_by_email(sos_store_t *store, const char *email,
    size_t email_len, sos_org_t *out, sos_error_t *err);

/**
 * Call cb for every organization, ordered by id, until it returns
 * non-zero.  Records that do not decode are skipped.
 * @return SOS_OK (also when cb stopped the walk), SOS_EIO
 * Threads: any thread; cb runs in it and must not call into the store.
 * Ownership: the ownership rule (*org is borrowed for the callback).
 */
sos_rc_e sos_org_list(sos_store_t *store, sos_org_cb_pt cb, void *ctx,
    sos_error_t *err);

/**
 * Delete an organization and revoke its keys, in one index write.
 * @return SOS_OK, SOS_ENOTFOUND, SOS_ENOTEMPTY (it owns buckets),
 *         SOS_ECORRUPT (its record, or a bucket record, does not decode),
 *         SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_org_delete(sos_store_t *store, const char *id, size_t id_len,
    sos_error_t *err);

/**
 * Create an access key (20 upper-case alphanumerics) and secret (40
 * base64-alphabet characters) for an organization.
 * @param[out] out  the new key with its secret (may be NULL)
 * @return SOS_OK, SOS_ENOTFOUND (no such organization), SOS_ECORRUPT (its
 *         record does not decode), SOS_ENOMEM (also: sealing the secret
 *         failed), SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_key_create(sos_store_t *store, const char *org_id,
    size_t org_id_len, int admin, sos_key_t *out, sos_error_t *err);

/**
 * Look up an access key, and so its secret.
 * @param[out] out  may be NULL
 * @return SOS_OK, SOS_ENOTFOUND, SOS_ECORRUPT (the record does not decode
 *         or its secret does not open with the key file), SOS_ENOMEM,
 *         SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_key_get(sos_store_t *store, const char *access_key_id,
    size_t len, sos_key_t *out, sos_error_t *err);

/**
 * Call cb for the keys of one organization (every key when org_id is
 * NULL), ordered by access key id, until it returns non-zero.  Keys whose
 * record does not decode or whose secret does not open are skipped.
 * @return SOS_OK (also when cb stopped the walk), SOS_EIO
 * Threads: any thread; cb runs in it and must not call into the store.
 * Ownership: the ownership rule (*key is borrowed for the callback).
 */
sos_rc_e sos_key_list(sos_store_t *store, const char *org_id,
    size_t org_id_len, sos_key_cb_pt cb, void *ctx, sos_error_t *err);

/**
 * Revoke (delete) an access key, even one whose secret does not open.
 * @return SOS_OK, SOS_ENOTFOUND, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_key_revoke(sos_store_t *store, const char *access_key_id,
    size_t len, sos_error_t *err);


/* ------------------------------------------------------------------ */
/* Buckets                                                            */

/*
 * Object Lock (S3's Object Lock): a bucket created with it, or given it
 * later while versioning is enabled, keeps it and versioning enabled for
 * good.  Each version of such a bucket may have a retention (a mode and
 * a retain-until date) and a legal hold.  While retain-until is in the
 * future or the legal hold is on, the version cannot be removed (its
 * data deleted or replaced) by any call of this library: a delete of the
 * current key without a version id still adds a delete marker.  A
 * GOVERNANCE retention gives way to a call that asks to bypass it; a
 * COMPLIANCE one to none, and can only be extended.  A write with no
 * explicit retention gets the bucket's default one, if set, from its
 * commit time.  See docs/store.md "Object Lock" for what an operator with
 * root on the machine can still do.
 */
typedef enum {
    SOS_LOCK_NONE = 0,                 /* no retention */
    SOS_LOCK_GOVERNANCE,
    SOS_LOCK_COMPLIANCE
} sos_lock_mode_e;

/* A version's Object Lock state. */
typedef struct {
    sos_lock_mode_e  mode;             /* SOS_LOCK_NONE: no retention */
    int64_t          until;            /* retain-until, unix seconds */
    int              legal_hold;       /* 1: on */
} sos_retention_t;

/* The latest retain-until a call may ask for, seconds after now: 36,500
 * days, the longest default retention (a date in 9999 would be a lock
 * nobody could ever lift) */
#define SOS_LOCK_AHEAD_MAX  ((int64_t) 36500 * 86400)

/* A bucket's Object Lock: whether it has it, and its default retention
 * (mode SOS_LOCK_NONE: none; else days or years, the other 0). */
typedef struct {
    int              enabled;
    sos_lock_mode_e  mode;
    uint32_t         days;
    uint32_t         years;
} sos_bucket_lock_t;

typedef struct {
    char               name[SOS_MAX_BUCKET_LEN + 1];
    char               owner[SOS_ID_LEN + 1];   /* organization id */
    char               region[32];
    int64_t            created;        /* unix seconds */
    uint64_t           object_count;   /* maintained at every commit */
    uint64_t           bytes;          /* object bytes + bytes of parts of
                                          uploads in progress */
    int                versioning;     /* sos_versioning_e */
    sos_bucket_lock_t  lock;           /* Object Lock */
} sos_bucket_t;

/*
 * Versioning of a bucket (S3's bucket versioning).  Off, a write replaces
 * the key's object.  Enabled, every write and every delete of the current
 * version adds a version with a fresh id: older versions stay, each its
 * own files (never rewritten), until deleted by their id.  Suspended,
 * writes and deletes make the "null" version (its version_id empty),
 * replacing an earlier null version of the key, and the other versions
 * stay.  Off is only the state of a bucket never versioned.
 *
 * Version ids are SOS_VERSION_ID_LEN lowercase hex characters that sort,
 * as byte strings, newest first.  Callers name the null version "null".
 * A key's versions are: its current version (the latest, unless that is
 * a delete marker) and its noncurrent versions and delete markers.  A
 * delete marker has no data; while it is a key's latest version, reads of
 * the current version find nothing.
 *
 * Counting: a bucket's bytes count every version's bytes, and
 * object_count every version that is not a delete marker.
 */
typedef enum {
    SOS_VERSIONING_OFF = 0,
    SOS_VERSIONING_ENABLED,
    SOS_VERSIONING_SUSPENDED
} sos_versioning_e;

/*
 * Settings kept with a bucket, each an opaque blob of at most
 * SOS_BUCKET_CONF_MAX bytes whose meaning is the caller's: they are read
 * with the bucket (sos_bucket_get), so a request that looks the bucket up
 * has them at no extra cost, and they go when the bucket is deleted.
 */
typedef enum {
    SOS_BUCKET_WEBSITE = 0,            /* website configuration */
    SOS_BUCKET_CORS,                   /* CORS rules */
    SOS_BUCKET_CDN,                    /* CDN edge publishing */
    SOS_BUCKET_CACHE_CONTROL,          /* default Cache-Control */
    SOS_BUCKET_TAGGING,                /* the bucket's tag set */
    SOS_BUCKET_LIFECYCLE,              /* lifecycle rules */
    SOS_BUCKET_NCONF
} sos_bucket_conf_e;

#define SOS_BUCKET_CONF_MAX  (256 * 1024)

/* A bucket with its ACL blob and settings; free with
 * sos_bucket_info_free(). */
typedef struct {
    sos_bucket_t  bucket;
    sos_str_t     acl;                 /* opaque to the store */
    sos_str_t     conf[SOS_BUCKET_NCONF];  /* len 0: not set */
} sos_bucket_info_t;

/* Return 0 to go on, non-zero to stop the iteration. */
typedef int (*sos_bucket_cb_pt)(void *ctx, const sos_bucket_t *bucket);

/**
 * Create a bucket.  Name rules are the caller's (S3 naming); the store only
 * requires 1..63 bytes without '\0' or '/'.  owner_id and region (NULL:
 * empty, at most 31 bytes) are NUL-terminated.
 * @param[out] out  the new bucket; on SOS_EEXIST the existing one, whose
 *                  owner tells who has it (may be NULL)
 * @return SOS_OK, SOS_EEXIST, SOS_EINVAL (name or region),
 *         SOS_ENOTFOUND (no such owner organization), SOS_ECORRUPT (the
 *         owner's or the existing bucket's record does not decode),
 *         SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_create(sos_store_t *store, const char *name,
    size_t name_len, const char *owner_id, const char *region,
    const void *acl, size_t acl_len, sos_bucket_t *out, sos_error_t *err);

/**
 * sos_bucket_create of a bucket with Object Lock enabled (S3's
 * x-amz-bucket-object-lock-enabled), and so versioning enabled, for
 * good, without a default retention; in the one write that creates it.
 * @return as sos_bucket_create
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_create_locked(sos_store_t *store, const char *name,
    size_t name_len, const char *owner_id, const char *region,
    const void *acl, size_t acl_len, sos_bucket_t *out, sos_error_t *err);

/**
 * A bucket, its counters and its ACL blob.
 * @param[out] out  free it with sos_bucket_info_free
 * @return SOS_OK, SOS_ENOBUCKET (also for a name no bucket can have),
 *         SOS_ECORRUPT (its record or counters do not decode), SOS_ENOMEM,
 *         SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_get(sos_store_t *store, const char *name, size_t name_len,
    sos_bucket_info_t **out, sos_error_t *err);

/**
 * Free what sos_bucket_get returned.  NULL is a no-op.
 * Threads: the thread rule (plain memory).  Ownership: frees *info.
 */
void sos_bucket_info_free(sos_bucket_info_t *info);

/**
 * Replace the ACL blob of a bucket, provided it is still the bucket the
 * caller read and checked: the same owner, creation time and ACL as
 * `expect`.  The comparison and the change are one step, which no create,
 * delete or other ACL change of the bucket comes between; a caller that
 * allowed the change by the ACL in `expect` changes no other.
 * @param expect  the bucket as sos_bucket_get returned it
 * @return SOS_OK, SOS_ECHANGED (the bucket was deleted and created again,
 *         or its ACL changed, since `expect`; nothing was written),
 *         SOS_ENOBUCKET, SOS_ECORRUPT (its record does not decode),
 *         SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_set_acl(sos_store_t *store, const char *name,
    size_t name_len, const sos_bucket_info_t *expect, const void *acl,
    size_t acl_len, sos_error_t *err);

/**
 * Set (len > 0) or remove (len 0) one setting of a bucket, provided it is
 * still the bucket the caller read: the same owner and creation time as
 * `expect` (its ACL and other settings may have changed).  The ACL and the
 * other settings are kept.  The change is durable when this returns.
 * @param expect  the bucket as sos_bucket_get returned it
 * @return SOS_OK, SOS_ECHANGED (the bucket was deleted and created again;
 *         nothing was written), SOS_ENOBUCKET, SOS_EINVAL (which is out of
 *         range, or len > SOS_BUCKET_CONF_MAX), SOS_ECORRUPT (its record
 *         does not decode), SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_set_conf(sos_store_t *store, const char *name,
    size_t name_len, const sos_bucket_info_t *expect, sos_bucket_conf_e which,
    const void *val, size_t len, sos_error_t *err);

/**
 * Set the versioning state of a bucket, provided it is still the bucket
 * the caller read (the same owner and creation time as `expect`; its ACL
 * and settings may have changed).  From off to enabled or suspended,
 * between enabled and suspended; never back to off.  Setting the state
 * the bucket has changes nothing and succeeds.  The change is durable
 * when this returns, and every commit and delete after it follows it.
 * @param expect  the bucket as sos_bucket_get returned it
 * @return SOS_OK, SOS_ECHANGED (the bucket was deleted and created again;
 *         nothing was written), SOS_ENOBUCKET, SOS_EINVAL (state out of
 *         range, or off for a bucket that was versioned), SOS_ESTATE
 *         (suspended for a bucket with Object Lock), SOS_ECORRUPT
 *         (its record does not decode), SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_set_versioning(sos_store_t *store, const char *name,
    size_t name_len, const sos_bucket_info_t *expect, sos_versioning_e state,
    sos_error_t *err);

/**
 * Set a bucket's Object Lock (PutObjectLockConfiguration), provided it is
 * still the bucket the caller read (as sos_bucket_set_conf).  lock->enabled
 * must be 1: Object Lock is enabled on a bucket without it, provided its
 * versioning is enabled, and is never turned off.  The default retention
 * (lock->mode, and days or years, one of them > 0, at most 36500 days or
 * 100 years) replaces the bucket's; mode SOS_LOCK_NONE removes it.  It
 * applies to the versions written after it, not to the existing ones.
 * The change is durable when this returns.
 * @return SOS_OK, SOS_ECHANGED, SOS_ENOBUCKET, SOS_EINVAL (enabled 0, a
 *         mode out of range, days and years both or neither set with a
 *         mode, or set without one), SOS_ESTATE (versioning not enabled
 *         on a bucket without Object Lock), SOS_ECORRUPT, SOS_EFENCED,
 *         SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_set_lock(sos_store_t *store, const char *name,
    size_t name_len, const sos_bucket_info_t *expect,
    const sos_bucket_lock_t *lock, sos_error_t *err);

/**
 * Delete an empty bucket: no object, no noncurrent version or delete
 * marker, no upload.
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTEMPTY (objects, versions or
 *         uploads), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_bucket_delete(sos_store_t *store, const char *name,
    size_t name_len, sos_error_t *err);

/**
 * Call cb for the buckets of one owner (all when owner_id, NUL-terminated,
 * is NULL), ordered by name, with their counters, until it returns
 * non-zero.
 * @return SOS_OK (also when cb stopped the walk), SOS_ECORRUPT (a bucket
 *         record or its counters do not decode; the walk stops), SOS_ENOMEM,
 *         SOS_EIO
 * Threads: any thread; cb runs in it and must not call into the store.
 * Ownership: the ownership rule (*bucket is borrowed for the callback).
 */
sos_rc_e sos_bucket_list(sos_store_t *store, const char *owner_id,
    sos_bucket_cb_pt cb, void *ctx, sos_error_t *err);


/* ------------------------------------------------------------------ */
/* Object metadata                                                    */

/*
 * What a client stores with an object besides its bytes.  As an input every
 * field is borrowed; an empty field (len 0) is absent.  In results the
 * fields point into memory owned by the result.
 */
typedef struct {
    sos_str_t        content_type;
    sos_str_t        content_encoding;
    sos_str_t        cache_control;
    sos_str_t        content_disposition;
    sos_str_t        content_language;
    sos_str_t        expires;
    const sos_kv_t  *user_meta;        /* x-amz-meta-* names without prefix */
    size_t           n_user_meta;
    sos_str_t        acl;              /* opaque ACL blob */
    sos_str_t        owner;            /* organization id of the writer */
    sos_str_t        checksum_algorithm;   /* e.g. "CRC32C" */
    sos_str_t        checksum_value;       /* as the client sees it (base64) */
    sos_str_t        website_redirect;     /* x-amz-website-redirect-location */
    sos_str_t        tags;             /* the tag set, as sos_tags_encode
                                          writes it; empty: no tags */
} sos_attrs_t;

/*
 * An object (or an upload, or a part) as a call returns it: the caller
 * owns the struct, the store owns what its strings point into until
 * sos_object_info_release.
 */
typedef struct {
    sos_attrs_t  attrs;
    uint64_t     size;
    int64_t      mtime;                /* unix seconds */
    int32_t      mtime_nsec;
    char         etag[SOS_ETAG_MAX + 1];   /* no quotes */
    uint32_t     parts;                /* 0: single put; else part count */
    /* The write that stored this version (hex): each put, copy and
     * complete has its own, an ACL change keeps it; empty for an upload
     * or a part. */
    char         write_id[SOS_WRITE_ID_LEN + 1];
    /* The version's id; empty for the null version (and for an upload
     * or a part). */
    char         version_id[SOS_VERSION_ID_LEN + 1];
    int          delete_marker;        /* a delete marker: no data */
    sos_retention_t  retention;        /* Object Lock; zeroed: none */
    void        *mem;                  /* private: what the fields point
                                          into; see release below */
} sos_object_info_t;

/**
 * Free the memory behind a result's fields and zero the struct, which
 * itself is the caller's.  Safe on a zeroed struct; NULL is a no-op.
 * Threads: the thread rule (plain memory).  Ownership: frees info->mem.
 */
void sos_object_info_release(sos_object_info_t *info);


/* ------------------------------------------------------------------ */
/* Writing objects                                                    */

typedef struct sos_put_s  sos_put_t;

typedef struct {
    const char         *bucket;
    size_t              bucket_len;
    const char         *key;           /* 1..1024 bytes, no NUL */
    size_t              key_len;
    const sos_attrs_t  *attrs;         /* NULL: none */
    /* Preconditions checked atomically with the commit. */
    int                 if_none_match; /* 1: fail if the key exists */
    const char         *if_match;      /* etag (no quotes) the current
                                          object must have, or "*";
                                          NULL: none */
    const char         *if_none_match_etag; /* etag (no quotes) the
                                          current object must not have;
                                          NULL: none */
    uint64_t            max_size;      /* 0: no limit; else ETOOLARGE */
    /* Object Lock of the new version (objects, copies, completes): NULL,
     * or mode SOS_LOCK_NONE, the bucket's default retention (from the
     * commit time); the legal hold is taken either way.  Checked at
     * sos_put_begin (SOS_EINVAL for a mode out of range or a
     * retain-until not in the future or more than SOS_LOCK_AHEAD_MAX
     * ahead) and at the commit (SOS_ENOLOCK in
     * a bucket without Object Lock, also for a legal hold alone; a date
     * that passed meanwhile leaves the version unlocked).  Complete: NULL
     * takes the upload's (sos_upload_create_retention). */
    const sos_retention_t  *retention;
} sos_put_opts_t;

/**
 * Begin a streaming write of bucket/key.  Nothing is visible, and nothing
 * counts in the bucket, until sos_put_commit.
 * @param[out] out   the write: finish it with sos_put_commit or
 *                   sos_put_abort
 * @param      opts  copied: the write keeps no pointer into it
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (key, opts->retention),
 *         SOS_ENOLOCK (opts->retention in a bucket without Object Lock),
 *         SOS_EQUORUM (too few replicas writable), SOS_ENOSPC, SOS_ENOMEM,
 *         SOS_EIO
 * Threads: any thread; the write then follows the thread rule.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_put_begin(sos_put_t **out, sos_store_t *store,
    const sos_put_opts_t *opts, sos_error_t *err);

/**
 * Append bytes to the write and to its running MD5.
 * @return SOS_OK, SOS_ETOOLARGE (past opts->max_size), SOS_EQUORUM (too
 *         many replicas failed), SOS_ENOSPC.  After a failure only
 *         sos_put_abort is valid.
 * Threads: the thread rule.  Ownership: the ownership rule.
 */
sos_rc_e sos_put_write(sos_put_t *put, const void *data, size_t len,
    sos_error_t *err);

/**
 * Set or replace the flexible checksum stored with the object or part
 * (e.g. a trailer's value) before commit.
 * @return SOS_OK, SOS_ENOMEM
 * Threads: the thread rule.  Ownership: the ownership rule (copied).
 */
sos_rc_e sos_put_set_checksum(sos_put_t *put, const char *algorithm,
    size_t algorithm_len, const char *value, size_t value_len,
    sos_error_t *err);

/**
 * MD5 of the bytes written so far (16 raw bytes), e.g. for Content-MD5;
 * all zero bytes when no memory was left to compute it.
 * Threads: the thread rule.  Ownership: md5 is the caller's.
 */
void sos_put_md5(sos_put_t *put, unsigned char md5[16]);

/**
 * Make the write durable, then visible atomically: a new object replaces
 * the previous one of its key (whose data is removed afterwards), a part
 * (sos_part_begin) the previous part of its number.  opts' preconditions
 * are checked in the same step.  Frees `put` whatever the result.
 * In a versioned bucket (the state read in the same step) the object is a
 * new version: enabled, with a fresh id (info->version_id), the previous
 * current version kept as a noncurrent one; suspended, the null version,
 * which replaces an earlier null version of the key (current or not;
 * its data is removed afterwards) and keeps a current version with an id
 * as a noncurrent one.  The same holds for sos_upload_complete.
 * @param[out] info  the committed object or part (may be NULL); release
 *                   it with sos_object_info_release.  A part's etag is
 *                   its MD5.
 * @return SOS_OK, SOS_EPRECONDITION, SOS_ENOBUCKET (the bucket was deleted
 *         meanwhile), SOS_ENOUPLOAD (a part's upload was completed or
 *         aborted meanwhile), SOS_EQUORUM, SOS_ENOSPC, SOS_ECORRUPT (the
 *         record being replaced, or the bucket's counters, do not decode),
 *         SOS_ENOLOCK (opts->retention in a bucket without Object Lock),
 *         SOS_ELOCKED (the write would replace a locked version: only
 *         against a record a bucket's state cannot give, a guard),
 *         SOS_ENOMEM, SOS_EIO, SOS_EFENCED.  On failure nothing is visible,
 *         except after SOS_EFENCED from a failed index write: the next
 *         open shows the write or not (see "Fencing").
 * Threads: the thread rule.  Ownership: the ownership rule; put is freed.
 */
sos_rc_e sos_put_commit(sos_put_t *put, sos_object_info_t *info,
    sos_error_t *err);

/**
 * Abandon the write: nothing of it stays.  NULL is a no-op; valid after
 * any failure.
 * Threads: the thread rule.  Ownership: put is freed.
 */
void sos_put_abort(sos_put_t *put);


/* ------------------------------------------------------------------ */
/* Reading objects                                                    */

typedef struct sos_reader_s  sos_reader_t;

/*
 * A piece of an object, for sendfile(): `len` bytes of `fd` at `offset`.
 * The fd belongs to the reader and stays open until sos_reader_close, or
 * until sos_reader_release passes its part.
 */
typedef struct {
    int       fd;
    uint64_t  offset;
    uint64_t  len;
} sos_segment_t;

/**
 * Look up an object.  With `out` non-NULL, also take hold of its current
 * version: the reader keeps reading that version even if the object is
 * overwritten or deleted afterwards, every part of it, until the reader
 * is closed (the files of a replaced version are removed once the last
 * reader holding them closes, at the next write that removes files, or
 * at the next open).  Only the first part's file is opened now; the
 * others when first needed, so a reader holds few fds (see
 * sos_reader_release).  Each piece of data is read from the first
 * healthy replica.
 * @param[out] out   the reader (may be NULL: metadata only); close it
 *                   with sos_reader_close
 * @param[out] info  metadata (may be NULL); release it with
 *                   sos_object_info_release
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTFOUND, SOS_EINVAL (key),
 *         SOS_ECORRUPT (the record does not decode, or no replica has
 *         readable data), SOS_ENOMEM, SOS_EIO
 * Threads: any thread; the reader then follows the thread rule.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_object_open(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, sos_reader_t **out,
    sos_object_info_t *info, sos_error_t *err);

/**
 * Metadata only: sos_object_open with out == NULL, with the same return
 * codes.
 * Threads: any thread.  Ownership: the ownership rule; release info.
 */
sos_rc_e sos_object_stat(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    sos_object_info_t *info, sos_error_t *err);

/**
 * sos_object_open of one version of the key: version_id NULL is the
 * current version (as sos_object_open), "null" the null version, else a
 * version id.  info->version_id and info->delete_marker say which version
 * was found.  A delete marker has no data: when the version asked for is
 * one (the id of a marker, or NULL while a marker is the key's latest
 * version), the call returns SOS_ENOTFOUND and, unlike other failures,
 * fills info (when not NULL) with the marker: delete_marker 1, its
 * version_id, mtime and owner; on any other failure info is zeroed.
 * Release info after SOS_OK and after SOS_ENOTFOUND.
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTFOUND (no such key or version,
 *         or a delete marker: see info->delete_marker), SOS_EINVAL (key,
 *         or a version id that is neither "null" nor SOS_VERSION_ID_LEN
 *         lowercase hex characters), SOS_ECORRUPT, SOS_ENOMEM, SOS_EIO
 * Threads: any thread; the reader then follows the thread rule.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_object_open_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, sos_reader_t **out,
    sos_object_info_t *info, sos_error_t *err);

/**
 * Metadata only: sos_object_open_version with out == NULL, with the same
 * return codes and the same info after SOS_ENOTFOUND.
 * Threads: any thread.  Ownership: the ownership rule; release info.
 */
sos_rc_e sos_object_stat_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, sos_object_info_t *info,
    sos_error_t *err);

/**
 * The ordered segments covering bytes [offset, offset+len) of the object,
 * opening the files of its parts as needed: one fd per part of the
 * range, which stays open until sos_reader_release passes the part or
 * the reader closes.  len 0 gives none.
 * @param[in,out] n_segs  capacity of segs in; count used out (also set on
 *                        SOS_ERANGE: 0, or the count needed)
 * @return SOS_OK, SOS_ERANGE (range outside the object, or segs too small:
 *         *n_segs is then the count needed), SOS_ECORRUPT (a part's data
 *         is gone or unreadable)
 * Threads: the thread rule.  Ownership: the ownership rule; each fd
 * stays the reader's.
 */
sos_rc_e sos_reader_segments(sos_reader_t *reader, uint64_t offset,
    uint64_t len, sos_segment_t *segs, size_t *n_segs, sos_error_t *err);

/**
 * Copy up to len bytes at offset into buf: all of them unless the object
 * ends first; *got is 0 at or past the end, and on failure.  The bytes
 * are verified first, as sos_reader_verify does (with fail-over to
 * another replica): what is copied passed its checksums.
 * @return SOS_OK, SOS_ECORRUPT (a part's data is gone, unreadable or
 *         shorter than recorded, or no replica holds good bytes),
 *         SOS_ENOMEM, SOS_EIO (a read failed)
 * Threads: the thread rule.  Ownership: the ownership rule.
 */
sos_rc_e sos_reader_read(sos_reader_t *reader, uint64_t offset, void *buf,
    size_t len, size_t *got, sos_error_t *err);

/**
 * Verify bytes [offset, offset + len) against their checksums before
 * they are sent: the CRC32 of each 256 KiB block (the range is widened
 * to whole blocks; each block is checked once per reader and replica),
 * or, for data written before SOS kept block checksums, the MD5 of the
 * whole part (read once per part and reader).  Each part is read from
 * the replica the reader uses for it; on a mismatch, a read error, a
 * short or missing file the part moves to another replica that holds it
 * and is checked there.  Replicas found bad are remembered by the reader
 * (they are not tried again by it) and reported for repair.
 * On SOS_OK, sos_reader_segments maps the range onto checked replicas.
 * Segments handed out before a part moved keep their fd: the reader
 * keeps every fd it handed out open until sos_reader_release passes its
 * part or sos_reader_close, as file buffers of an earlier window may
 * still point at it.
 * @param[out] bad  replicas found bad by this call (may be NULL); also
 *                  written on failure
 * @return SOS_OK (the range is good), SOS_ERANGE (range outside the
 *         object), SOS_ECORRUPT (no replica holds good bytes for some
 *         block of the range: the message names the file and block; or
 *         the part's checksums record does not decode), SOS_ENOMEM,
 *         SOS_EIO (an index read, or an open, failed)
 * Threads: the thread rule; it reads the data, so call it from a thread
 * that may block.  Ownership: the ownership rule.
 */
sos_rc_e sos_reader_verify(sos_reader_t *reader, uint64_t offset,
    uint64_t len, unsigned *bad, sos_error_t *err);

/**
 * Let go of the fds of the parts that end at or before byte `upto`: the
 * caller holds no segment of them any more (e.g. the file buffers of the
 * windows sent so far are done with).  Their files stay held; a later
 * call that needs them opens them again.  A caller that sends a big
 * object in windows calls it after each window is sent, so that the
 * reader holds the fds of the windows in flight only; without it every
 * fd segments gave out stays open until sos_reader_close.  Fds that only
 * sos_reader_read and sos_reader_verify used need no release: they are
 * closed once those calls move past their part.  A part opened again
 * after a release passed it is let go by the next release that passes
 * it; a release closes nothing of parts that end after upto.
 * Threads: the thread rule.  Ownership: the ownership rule.
 */
void sos_reader_release(sos_reader_t *reader, uint64_t upto);

/**
 * The byte range of part `part_number` (1-based) of an open object: a
 * simple object has one part, the whole object.
 * @return SOS_OK, SOS_ERANGE (no such part)
 * Threads: the thread rule.  Ownership: the ownership rule.
 */
sos_rc_e sos_reader_part(sos_reader_t *reader, uint32_t part_number,
    uint64_t *offset, uint64_t *len, sos_error_t *err);

/**
 * The checksum of part `part_number` (1-based) of an open multipart
 * object, as the client sent it when it uploaded the part (base64; the
 * algorithm is the object's checksum_algorithm).  Kept for uploads
 * created with a checksum algorithm and completed by this version of
 * SOS; otherwise, or for no such part, *value is empty.
 * Threads: the thread rule.  Ownership: value points into the reader,
 * valid until sos_reader_close.
 */
void sos_reader_part_checksum(sos_reader_t *reader, uint32_t part_number,
    sos_str_t *value);

/**
 * Close the reader and let go of the data it held.  NULL is a no-op.
 * Threads: the thread rule.  Ownership: reader is freed.
 */
void sos_reader_close(sos_reader_t *reader);

/**
 * Delete an object; its data is removed once the delete is committed,
 * before the call returns or, with a garbage queue, by sos_garbage_work.
 * In a versioned bucket: sos_object_delete_version of the current version
 * (a delete marker; the data stays).
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTFOUND, SOS_EINVAL (key),
 *         SOS_ECORRUPT (its record or the bucket's counters do not
 *         decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_delete(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, sos_error_t *err);

/*
 * Conditions of a delete (S3's If-Match, x-amz-if-match-last-modified-time
 * and x-amz-if-match-size), checked in the same step as the delete.  A
 * zeroed struct has none.
 */
typedef struct {
    const char  *etag;                 /* etag (no quotes) or "*": the
                                          object must exist and have it;
                                          NULL: none */
    int64_t      mtime;                /* unix seconds, if has_mtime */
    uint64_t     size;                 /* bytes, if has_size */
    unsigned     has_mtime:1;
    unsigned     has_size:1;
} sos_delete_cond_t;

/**
 * sos_object_delete, provided the object meets `cond` (NULL: no
 * conditions) when the delete is committed: no write or delete of the
 * key comes between the check and the delete.
 * @return as sos_object_delete, and SOS_EPRECONDITION (the object exists
 *         and does not meet cond; nothing was deleted).  A missing object
 *         is SOS_ENOTFOUND, whatever the conditions.
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_delete_if(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_delete_cond_t *cond, sos_error_t *err);

/* The most keys sos_objects_delete takes in one call (as S3's
 * DeleteObjects). */
#define SOS_DELETE_MAX       1000

/**
 * Delete up to SOS_DELETE_MAX objects of one bucket in one commit (in a
 * versioned bucket: sos_objects_delete_versions of the current versions,
 * each key a delete marker, a step each): the
 * record of every key is read, then one synced index write removes those
 * found, records their files as garbage and updates the bucket's
 * counters once; their data is removed after it (the files an open
 * reader holds, once it closes), or left to sos_garbage_work.  All or nothing: when that write fails
 * or is refused, no object is deleted (a write that failed is settled at
 * the reopen, wholly).  A key named twice is deleted once: the later
 * ones find nothing.
 * @param keys      n keys (1..SOS_MAX_KEY_LEN bytes each; n may be 0)
 * @param[out] results  one code per key, always set: SOS_OK (deleted),
 *                  SOS_ENOTFOUND (no such object), SOS_ENOBUCKET,
 *                  SOS_EINVAL (key), SOS_ECORRUPT (its record or the
 *                  bucket's counters do not decode), SOS_EFENCED,
 *                  SOS_ENOMEM, SOS_EIO
 * @return SOS_OK when every key was deleted or missing; else the code of
 *         the first key, in the order given, that was neither, which err
 *         describes; SOS_EINVAL for every key when n > SOS_DELETE_MAX
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_objects_delete(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_str_t *keys, size_t n, sos_rc_e *results,
    sos_error_t *err);

/**
 * sos_objects_delete with conditions per key (conds[i] for keys[i]; NULL:
 * none), each checked in the same step as the deletes: a key whose object
 * does not meet its conditions is not deleted and its result is
 * SOS_EPRECONDITION, which is not a failure of the call.
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_objects_delete_if(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_str_t *keys, const sos_delete_cond_t *conds,
    size_t n, sos_rc_e *results, sos_error_t *err);

/* What a delete of a versioned key did (S3's x-amz-delete-marker and
 * x-amz-version-id of the answer). */
typedef struct {
    sos_rc_e   rc;                     /* sos_objects_delete_versions */
    int        delete_marker;          /* a marker was made, or the
                                          version removed was a marker */
    char       version_id[SOS_VERSION_ID_LEN + 1];  /* the marker made,
                                          or the version removed ("" for
                                          the null version) */
} sos_delete_result_t;

/**
 * Delete in a bucket that may be versioned.  version_id NULL deletes the
 * current version: versioning off, as sos_object_delete_if; enabled, a
 * delete marker with a fresh id becomes the key's latest version (the
 * current version, if any, stays as a noncurrent one), also when the key
 * has no version at all; suspended, a null delete marker becomes the
 * latest, replacing an earlier null version of the key (its data is
 * removed) and keeping a current version with an id as noncurrent.
 * cond applies to the current version: with conditions and no current
 * version, SOS_ENOTFOUND.  version_id "null" or an id removes that
 * version for good (its data is removed; cond is not used): when it was
 * the current version, the newest noncurrent version becomes current,
 * unless that is a delete marker, which then is the latest.  Object
 * Lock: a version (not a delete marker) whose retention is in force
 * (retain-until after now) or that is under a legal hold is not removed:
 * SOS_ELOCKED, unless its retention is GOVERNANCE, it has no legal hold
 * and bypass_governance is 1.  The check and the delete are one step
 * under the commit lock.
 * @param owner  organization id of the deleter (NUL-terminated; NULL or
 *               "": none), kept as a delete marker's owner
 * @param[out] res  what was done (may be NULL); written on SOS_OK
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTFOUND (no such version; with
 *         version_id NULL only while versioning is off or with
 *         conditions), SOS_EPRECONDITION, SOS_ELOCKED, SOS_EINVAL (key or
 *         version id), SOS_ECORRUPT, SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_delete_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_delete_cond_t *cond, const char *owner, int bypass_governance,
    sos_delete_result_t *res, sos_error_t *err);

/* One key of sos_objects_delete_versions. */
typedef struct {
    sos_str_t                 key;
    sos_str_t                 version_id;  /* data NULL: the current
                                              version */
    const sos_delete_cond_t  *cond;        /* NULL: none */
    sos_str_t                 owner;       /* organization id of the
                                              deleter, kept as a delete
                                              marker's owner; empty:
                                              none */
    int                       bypass_governance;  /* as in
                                              sos_object_delete_version */
} sos_delete_key_t;

/**
 * DeleteObjects with version ids: sos_object_delete_version of each key,
 * in order, up to SOS_DELETE_MAX of them, each key's delete one step
 * under the commit lock and one synced write for them all at the end (a
 * key's delete is not undone when a later one fails).  A key named twice
 * is deleted twice: in an enabled bucket, two markers.
 * @param[out] results  n results, always set: rc as the code
 *                      sos_object_delete_version would return
 * @return SOS_OK when every key was deleted or missing; else the code of
 *         the first key that was neither, which err describes; SOS_EINVAL
 *         for every key when n > SOS_DELETE_MAX
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_objects_delete_versions(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_delete_key_t *keys, size_t n,
    sos_delete_result_t *results, sos_error_t *err);

/**
 * Replace the ACL blob of an object, keeping its data and metadata,
 * provided the key still holds the version the caller read and checked:
 * the same write (write_id, etag, size, mtime), owner and ACL as
 * `expect`.  The comparison and the change are one step, which no write,
 * delete or other ACL change of the key comes between; a caller that
 * allowed the change by the ACL in `expect` changes no other version.
 * @param expect  the object as sos_object_stat or sos_object_open
 *                returned it
 * @return SOS_OK, SOS_ECHANGED (the key holds another version, or the
 *         ACL changed, since `expect`; nothing was written),
 *         SOS_ENOBUCKET, SOS_ENOTFOUND (deleted since), SOS_EINVAL (key),
 *         SOS_ECORRUPT (its record does not decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_set_acl(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_object_info_t *expect, const void *acl, size_t acl_len,
    sos_error_t *err);

/**
 * sos_object_set_acl of one version of the key (version_id as in
 * sos_object_open_version: NULL the current one): the version must still
 * be `expect`.  A delete marker has no ACL: SOS_ENOTFOUND.
 * @return as sos_object_set_acl, and SOS_EINVAL (version id)
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_set_acl_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_object_info_t *expect, const void *acl, size_t acl_len,
    sos_error_t *err);


/**
 * Set the retention of one version (PutObjectRetention): version_id as
 * in sos_object_open_version (NULL: the current version).  mode
 * SOS_LOCK_NONE removes the retention (until is then not used).  A
 * retention in force (retain-until after now) may always be extended in
 * the same mode; a COMPLIANCE one cannot be shortened, changed to
 * GOVERNANCE or removed; a GOVERNANCE one can be shortened, changed to
 * COMPLIANCE or removed only with bypass_governance 1 (as Ceph RGW).  A
 * retention that has expired may be replaced by any.  The check and the
 * change are one step under the commit lock, durable when this returns;
 * the data and the rest of the record are kept.
 * @param until  retain-until, unix seconds, after now and at most
 *               SOS_LOCK_AHEAD_MAX after it
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTFOUND (no such version, or a
 *         delete marker), SOS_ENOLOCK (the bucket has no Object Lock),
 *         SOS_ELOCKED (the change would weaken a retention in force),
 *         SOS_EINVAL (key, version id, mode out of range, until not after
 *         now or too far ahead), SOS_ECORRUPT, SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_set_retention(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, sos_lock_mode_e mode,
    int64_t until, int bypass_governance, sos_error_t *err);

/**
 * Put a legal hold on one version (on 1) or take it off (on 0)
 * (PutObjectLegalHold); version_id as in sos_object_set_retention.  on 0
 * needs may_remove 1, whether a hold is on or not: who may take a hold
 * off is the caller's to decide, as who may bypass GOVERNANCE (the
 * module: the bucket owner's admin key).  One step under the commit
 * lock, durable when this returns.
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOTFOUND (no such version, or a
 *         delete marker), SOS_ENOLOCK, SOS_ELOCKED (on 0 with
 *         may_remove 0), SOS_EINVAL (key or version id), SOS_ECORRUPT,
 *         SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_set_legal_hold(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len, int on, int may_remove,
    sos_error_t *err);


/*
 * Tag sets (an object's x-amz-tagging, a bucket's TagSet): a varint count,
 * then each tag's key and value as length-prefixed byte strings, in the
 * order given.  What a tag may hold is the caller's to check; the store
 * only keeps the set.
 */

/**
 * Encode n tags into out (NULL: only measure).
 * @return the bytes of the encoding (0 for no tags: the empty set)
 * Threads: the thread rule (plain memory).  Ownership: tags is borrowed.
 */
size_t sos_tags_encode(void *out, const sos_kv_t *tags, size_t n);

/**
 * Decode a tag set into tags[0..max): the strings point into blob.
 * tags NULL: count only.
 * @return the number of tags (0 for an empty blob), or -1 if the blob
 *         does not decode or holds more than max tags
 * Threads: the thread rule (plain memory).  Ownership: tags borrow blob.
 */
int sos_tags_decode(const void *blob, size_t len, sos_kv_t *tags,
    size_t max);

/**
 * Replace the tag set of an object (len 0: remove it), keeping its data,
 * metadata and ACL, provided the key still holds the version the caller
 * read and checked: the same write (write_id, etag, size, mtime), owner
 * and ACL as `expect`.  The comparison and the change are one step under
 * the commit lock, which no write, delete or ACL change of the key comes
 * between; the change is durable when this returns.
 * @param tags  encoded by sos_tags_encode; borrowed
 * @return SOS_OK, SOS_ECHANGED (the key holds another version, or its
 *         ACL changed, since `expect`; nothing was written),
 *         SOS_ENOBUCKET, SOS_ENOTFOUND (deleted since), SOS_EINVAL (key,
 *         or tags that do not decode), SOS_ECORRUPT (its record does not
 *         decode), SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_set_tags(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_object_info_t *expect, const void *tags, size_t tags_len,
    sos_error_t *err);

/**
 * sos_object_set_tags of one version of the key (version_id as in
 * sos_object_open_version: NULL the current one, "null", or an id): the
 * version must still be `expect`.  A noncurrent version's tags are kept
 * in its own record, and move with it when it becomes current again.  A
 * delete marker has no tags: SOS_ENOTFOUND.
 * @return as sos_object_set_tags, and SOS_EINVAL (version id)
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_object_set_tags_version(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const char *version_id, size_t version_id_len,
    const sos_object_info_t *expect, const void *tags, size_t tags_len,
    sos_error_t *err);


/* ------------------------------------------------------------------ */
/* Server-side copy                                                   */

/* Sees each chunk sos_put_copy wrote; returns nothing: it cannot stop the
 * copy.  See sos_put_copy. */
typedef void (*sos_copy_cb_pt)(void *ctx, const void *data, size_t len);

/**
 * Append bytes [offset, offset + len) of an open object to the write: a
 * server-side copy into an object (sos_put_begin, CopyObject) or a part
 * (sos_part_begin, UploadPartCopy).  The bytes go through one buffer of
 * at most 1 MiB, read and written in the calling thread.  Every block
 * is verified before it is copied (as sos_reader_read does): a part
 * whose replica fails its checksums is read from another one, and bytes
 * that no replica holds good fail the copy rather than being copied.
 * Commit, or abort, as after sos_put_write; sos_put_set_checksum may
 * come between, and so may more writes or copies.
 * @param src  a reader from sos_object_open, borrowed: it stays open
 * @param cb   may be NULL; else called in the calling thread after each
 *             chunk is written, in order, with that chunk (borrowed for
 *             the call): e.g. to compute a checksum of the copied bytes.
 *             It must not call into the store.
 * @return SOS_OK, SOS_ERANGE (the range is not inside the object; nothing
 *         was written), SOS_ECORRUPT (a source part's data is gone,
 *         unreadable or short, or no replica holds good bytes for a
 *         block), SOS_EIO (a read failed), SOS_ENOMEM, and
 *         as sos_put_write: SOS_ETOOLARGE, SOS_EQUORUM, SOS_ENOSPC.
 *         After a failure only sos_put_abort is valid.
 * Threads: the thread rule, for both put and src.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_put_copy(sos_put_t *put, sos_reader_t *src, uint64_t offset,
    uint64_t len, sos_copy_cb_pt cb, void *ctx, sos_error_t *err);

/* ------------------------------------------------------------------ */
/* Listing objects                                                    */

typedef struct {
    sos_str_t  prefix;
    sos_str_t  delimiter;              /* empty: no grouping */
    sos_str_t  marker;                 /* start after this key (exclusive) */
    unsigned   max_keys;               /* 0..1000; keys + common prefixes */
} sos_list_opts_t;

typedef struct {
    sos_str_t  key;
    uint64_t   size;
    int64_t    mtime;
    int32_t    mtime_nsec;
    char       etag[SOS_ETAG_MAX + 1];
    sos_str_t  owner;                  /* organization id */
} sos_list_entry_t;

typedef struct {
    sos_list_entry_t  *entries;        /* ordered keys */
    size_t             n_entries;
    sos_str_t         *prefixes;       /* ordered common prefixes */
    size_t             n_prefixes;
    int                truncated;
    sos_str_t          next_marker;    /* last key or prefix returned when
                                          truncated, else empty */
} sos_list_result_t;

/**
 * One page of a bucket listing in key order.  With a delimiter, keys that
 * share prefix + ... + delimiter are rolled into one common prefix, counted
 * once against max_keys; the scan seeks past a whole common prefix.  A
 * marker inside a common prefix skips that prefix.  max_keys above 1000
 * is 1000; max_keys 0 gives an empty page that is not truncated (as S3).
 * truncated is 1 only when another key or prefix follows the page.
 * @param[out] out  the page; free it with sos_list_result_free: it is one
 *                  allocation and owns every string it points to
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (prefix, delimiter or marker
 *         longer than SOS_MAX_KEY_LEN), SOS_ECORRUPT (an object record of
 *         the page does not decode; the message names the key), SOS_ENOMEM,
 *         SOS_EIO
 * Threads: any thread; the page is a consistent snapshot.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_list_objects(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_list_opts_t *opts, sos_list_result_t **out,
    sos_error_t *err);

/**
 * Free a page and everything in it.  NULL is a no-op.
 * Threads: the thread rule (plain memory).  Ownership: frees result.
 */
void sos_list_result_free(sos_list_result_t *result);

typedef struct {
    sos_str_t  prefix;
    sos_str_t  delimiter;              /* empty: no grouping */
    sos_str_t  key_marker;             /* start after this key ... */
    sos_str_t  version_id_marker;      /* ... or, with a key marker, after
                                          this version of it ("null" or
                                          an id) */
    unsigned   max_keys;               /* 0..1000; versions + prefixes */
} sos_list_versions_opts_t;

typedef struct {
    sos_str_t  key;
    char       version_id[SOS_VERSION_ID_LEN + 1];   /* "": null */
    int        is_latest;
    int        delete_marker;
    uint64_t   size;                   /* 0 for a marker */
    int64_t    mtime;
    int32_t    mtime_nsec;
    char       etag[SOS_ETAG_MAX + 1]; /* "" for a marker */
    sos_str_t  owner;                  /* organization id */
} sos_version_entry_t;

typedef struct {
    sos_version_entry_t  *versions;    /* by key, each key's newest first */
    size_t                n_versions;
    sos_str_t            *prefixes;    /* ordered common prefixes */
    size_t                n_prefixes;
    int                   truncated;
    sos_str_t             next_key_marker;   /* when truncated: the key of
                                               the last version or the
                                               last prefix returned */
    sos_str_t             next_version_id_marker;  /* when truncated and
                                               the last returned is a
                                               version: its id ("null"
                                               for the null version) */
} sos_list_versions_result_t;

/**
 * One page of a bucket's versions, as ListObjectVersions gives it: every
 * version and delete marker of the keys that start with prefix, by key,
 * and each key's versions newest first (the current one, is_latest, or a
 * delete marker that is latest, then the noncurrent ones).  Markers,
 * delimiter and max_keys work as in sos_list_uploads, with versions in
 * the place of uploads: a key marker alone starts after every version of
 * that key; with a version id marker, after that version.  In a bucket
 * never versioned each object is one null version.
 * @param[out] out  the page; free it with sos_list_versions_result_free:
 *                  one allocation that owns every string it points to
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (prefix, delimiter or key
 *         marker longer than SOS_MAX_KEY_LEN, or a version id marker that
 *         is no version id), SOS_ECORRUPT (a record of the page does not
 *         decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread; the page is a consistent snapshot.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_list_versions(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_list_versions_opts_t *opts,
    sos_list_versions_result_t **out, sos_error_t *err);

/**
 * Free a page and everything in it.  NULL is a no-op.
 * Threads: the thread rule (plain memory).  Ownership: frees result.
 */
void sos_list_versions_result_free(sos_list_versions_result_t *result);


/* ------------------------------------------------------------------ */
/* Usage under a prefix                                               */

typedef struct {
    uint64_t  objects;
    uint64_t  bytes;                   /* the objects' sizes */
    uint64_t  uploads;                 /* multipart uploads in progress */
} sos_usage_t;

/*
 * A group of a usage walk: the common prefix (not NUL-terminated) and
 * what it holds (objects and bytes; uploads 0).  Return 0 to go on,
 * non-zero to stop calling (the totals are still summed).
 */
typedef int (*sos_usage_cb_pt)(void *ctx, const char *prefix,
    size_t prefix_len, const sos_usage_t *usage);

/**
 * The objects of bucket whose keys start with prefix, their bytes, and
 * the multipart uploads in progress on such keys, in one scan of the
 * index: its cost grows with the number of keys under the prefix.  In a
 * versioned bucket, as in its counters, every version counts (its bytes,
 * and as an object unless it is a delete marker).  With
 * a delimiter (delimiter_len > 0) the keys are also grouped one level
 * down, as a listing rolls them up into common prefixes (prefix + ... +
 * delimiter), and cb is called once per group in key order; the keys
 * with no delimiter after the prefix are in the total only.
 * @param cb  may be NULL without a delimiter
 * @param[out] total  everything under the prefix; zeroed first
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (prefix or delimiter longer
 *         than SOS_MAX_KEY_LEN), SOS_ECORRUPT (an object record does not
 *         decode; the message names the key), SOS_ENOMEM, SOS_EIO
 * Threads: any thread; one snapshot for the objects, another for the
 * uploads; cb runs in it and must not call into the store.
 * Ownership: the ownership rule (the prefix is borrowed for the callback).
 */
sos_rc_e sos_usage(sos_store_t *store, const char *bucket, size_t bucket_len,
    const char *prefix, size_t prefix_len, const char *delimiter,
    size_t delimiter_len, sos_usage_cb_pt cb, void *ctx, sos_usage_t *total,
    sos_error_t *err);

/**
 * The multipart uploads in progress in bucket on keys that start with
 * prefix (prefix_len 0: all of them), in one scan of their index records.
 * @param[out] count  set to 0 first
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (prefix longer than
 *         SOS_MAX_KEY_LEN), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_uploads_count(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *prefix, size_t prefix_len,
    uint64_t *count, sos_error_t *err);


/* ------------------------------------------------------------------ */
/* Multipart uploads                                                  */

/*
 * An upload id is SOS_UPLOAD_ID_LEN lowercase hex characters and a NUL.
 * A malformed one names no upload: SOS_ENOUPLOAD.  Calls on an upload
 * answer SOS_ENOBUCKET rather than SOS_ENOUPLOAD when the bucket is gone.
 */

typedef struct {
    uint32_t   part_number;            /* 1..10000 */
    uint64_t   size;
    int64_t    mtime;
    char       etag[SOS_ETAG_MAX + 1]; /* hex md5 of the part */
    sos_str_t  checksum_algorithm;
    sos_str_t  checksum_value;
} sos_part_info_t;

typedef struct {
    char       upload_id[SOS_UPLOAD_ID_LEN + 1];
    sos_str_t  key;
    int64_t    initiated;
    sos_str_t  owner;
} sos_upload_entry_t;

typedef struct {
    uint32_t     part_number;
    const char  *etag;                 /* as the client gives it, quotes ok */
    size_t       etag_len;
} sos_part_ref_t;

/* The parts' listing callback: return 0 to go on, non-zero to stop. */
typedef int (*sos_part_cb_pt)(void *ctx, const sos_part_info_t *part);

/**
 * Start an upload for bucket/key with the final object's metadata.
 * @param[out] upload_id  NUL-terminated, SOS_UPLOAD_ID_LEN hex characters
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (key), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_upload_create(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_attrs_t *attrs, char upload_id[SOS_UPLOAD_ID_LEN + 1],
    sos_error_t *err);

/**
 * sos_upload_create with the Object Lock the completed object will get
 * (CreateMultipartUpload's x-amz-object-lock-* headers; NULL: none):
 * checked as a write's (sos_put_opts_t.retention) now, kept with the
 * upload and applied by sos_upload_complete, unless its opts->retention
 * names another; with none, the bucket's default retention applies at
 * the completion.
 * @return as sos_upload_create, and SOS_ENOLOCK (a retention or legal
 *         hold in a bucket without Object Lock), SOS_EINVAL (a mode out
 *         of range, a retain-until not in the future)
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_upload_create_retention(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len,
    const sos_attrs_t *attrs, const sos_retention_t *retention,
    char upload_id[SOS_UPLOAD_ID_LEN + 1], sos_error_t *err);

/**
 * The upload's stored metadata (info->attrs, for the final object) and
 * when it was initiated (info->mtime).  For an upload that was completed
 * (its record still kept, the object still the one it made), the object.
 * @param[out] info  release it with sos_object_info_release
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOUPLOAD, SOS_EINVAL (key),
 *         SOS_ECORRUPT (its record does not decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_upload_stat(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *upload_id,
    sos_object_info_t *info, sos_error_t *err);

/**
 * Begin writing one part; then the same write, copy, commit and abort
 * calls as an object.  Committing replaces an earlier part with the same
 * number; info->etag is the part's MD5.  Of opts, bucket, key and
 * max_size are used.
 * @param[out] out  as sos_put_begin's
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOUPLOAD, SOS_EINVAL (part number
 *         outside 1..10000, key), SOS_EQUORUM, SOS_ENOSPC, SOS_ENOMEM,
 *         SOS_EIO
 * Threads: any thread; the write then follows the thread rule.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_part_begin(sos_put_t **out, sos_store_t *store,
    const sos_put_opts_t *opts, const char *upload_id, uint32_t part_number,
    sos_error_t *err);

/**
 * Call cb for the parts with numbers greater than `marker`, ascending, at
 * most max_parts of them, until it returns non-zero.
 * @param[out] truncated  1 when more parts follow (may be NULL); also
 *                        written on failure
 * @return SOS_OK (also when cb stopped the listing), SOS_ENOBUCKET,
 *         SOS_ENOUPLOAD, SOS_EINVAL (key), SOS_ECORRUPT (a part record does
 *         not decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread; cb runs in it and must not call into the store.
 * Ownership: the ownership rule (*part is borrowed for the callback).
 */
sos_rc_e sos_upload_list_parts(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *upload_id,
    uint32_t marker, unsigned max_parts, sos_part_cb_pt cb, void *ctx,
    int *truncated, sos_error_t *err);

typedef struct {
    sos_str_t  prefix;
    sos_str_t  delimiter;              /* empty: no grouping */
    sos_str_t  key_marker;             /* start after this key ... */
    sos_str_t  upload_id_marker;       /* ... or, with a key marker, after
                                          this upload of it */
    unsigned   max_uploads;            /* 0..1000; uploads + prefixes */
} sos_list_uploads_opts_t;

typedef struct {
    sos_upload_entry_t  *uploads;      /* ordered by (key, upload id) */
    size_t               n_uploads;
    sos_str_t           *prefixes;     /* ordered common prefixes */
    size_t               n_prefixes;
    int                  truncated;
    sos_str_t            next_key_marker;   /* when truncated: the key of
                                               the last upload or the last
                                               prefix returned, else empty */
    sos_str_t            next_upload_id_marker;  /* when truncated and the
                                               last returned is an upload:
                                               its id, else empty */
} sos_list_uploads_result_t;

/**
 * One page of a bucket's uploads in progress, as ListMultipartUploads
 * gives it: ordered by (key, upload id), only keys that start with
 * prefix.  With a key marker alone the page starts after every upload of
 * that key; with an upload id marker too, after that upload of the key
 * (an upload id marker without a key marker counts for nothing).  With a
 * delimiter, the uploads whose keys share prefix + ... + delimiter are
 * rolled into one common prefix, counted once against max_uploads; the
 * scan seeks past a whole common prefix.  A key marker that is itself a
 * common prefix (as next_key_marker is after a page that ended on one)
 * skips the uploads it rolls up; a key marker inside a common prefix
 * does not.  max_uploads above 1000 is 1000; max_uploads 0 gives an
 * empty page that is not truncated.  truncated is 1 only when another
 * upload or common prefix follows the page; the next page starts from
 * next_key_marker and next_upload_id_marker.
 * @param[out] out  the page; free it with sos_list_uploads_result_free:
 *                  it is one allocation and owns every string it points to
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EINVAL (prefix, delimiter or key
 *         marker longer than SOS_MAX_KEY_LEN, upload id marker longer
 *         than SOS_UPLOAD_ID_LEN), SOS_ECORRUPT (an upload record of the
 *         page does not decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread; the page is a consistent snapshot.
 * Ownership: the ownership rule.
 */
sos_rc_e sos_list_uploads(sos_store_t *store, const char *bucket,
    size_t bucket_len, const sos_list_uploads_opts_t *opts,
    sos_list_uploads_result_t **out, sos_error_t *err);

/**
 * Free a page and everything in it.  NULL is a no-op.
 * Threads: the thread rule (plain memory).  Ownership: frees result.
 */
void sos_list_uploads_result_free(sos_list_uploads_result_t *result);

/**
 * Complete: the object becomes a manifest of the named parts (no data
 * copy); its ETag is md5(concatenated part md5s)-N.  Parts not named are
 * removed.  The object's metadata is the upload's; opts->attrs, when set,
 * gives only the checksum_value stored as the object's (composite)
 * checksum.  Preconditions of `opts` (if_match, if_none_match) are checked
 * atomically with the commit.  Called again for an upload it completed
 * (a retry, until sos_upload_expire removes its record), with the same
 * parts, while the object is still the one it made, it succeeds again
 * with that object, changing nothing.  Its Object Lock: opts->retention,
 * else the upload's (sos_upload_create_retention), else the bucket's
 * default retention.
 * @param[out] info  the object (may be NULL); release it
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOUPLOAD, SOS_EINVAL (no parts or
 *         more than SOS_MAX_PARTS, key, opts->retention), SOS_EPARTORDER,
 *         SOS_EINVALIDPART, SOS_ETOOSMALL, SOS_EPRECONDITION, SOS_ENOLOCK,
 *         SOS_ECORRUPT (a record does not decode), SOS_ENOMEM, SOS_EIO.
 *         On failure the upload is unchanged.
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_upload_complete(sos_store_t *store, const sos_put_opts_t *opts,
    const char *upload_id, const sos_part_ref_t *parts, size_t n_parts,
    sos_object_info_t *info, sos_error_t *err);

/**
 * Abort: remove the upload, its parts and their data now.
 * @return SOS_OK, SOS_ENOBUCKET, SOS_ENOUPLOAD, SOS_EINVAL (key),
 *         SOS_ECORRUPT (a part record or the bucket's counters do not
 *         decode), SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_upload_abort(sos_store_t *store, const char *bucket,
    size_t bucket_len, const char *key, size_t key_len, const char *upload_id,
    sos_error_t *err);

/**
 * Housekeeping: abort every upload (of any bucket) initiated before
 * older_than (unix seconds), freeing its parts' space at once, and forget
 * uploads completed before it (a retried Complete then fails).  Uploads
 * completed or aborted meanwhile are skipped, and so are records that do
 * not decode.
 * @param[out] removed  how many uploads were aborted (may be NULL); also
 *                      written on failure, with the count so far
 * @return SOS_OK, SOS_ECORRUPT (a part record or counters do not decode),
 *         SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_upload_expire(sos_store_t *store, int64_t older_than,
    uint64_t *removed, sos_error_t *err);


/* ------------------------------------------------------------------ */
/* Lifecycle sweep state                                              */

/*
 * Where the background lifecycle sweep (the caller's: it applies a
 * bucket's SOS_BUCKET_LIFECYCLE rules through the calls above) stands,
 * kept in the index so that a restarted sweep goes on from there, and
 * what the pass in progress freed so far.
 */
typedef struct {
    char      bucket[SOS_MAX_BUCKET_LEN + 1];  /* "": the pass starts */
    unsigned  phase;                   /* the caller's: e.g. versions,
                                          then uploads */
    char      key[SOS_MAX_KEY_LEN + 1];    /* go on after this key */
    size_t    key_len;
    char      upload_id[SOS_UPLOAD_ID_LEN + 1];  /* ... and upload */
    int64_t   pass_start;              /* unix seconds, 0: none yet */
    int64_t   last_pass_end;           /* unix seconds, 0: none yet */
    uint64_t  passes;                  /* completed, ever */
    uint64_t  objects;                 /* this pass: current versions
                                          expired */
    uint64_t  versions;                /* noncurrent versions removed */
    uint64_t  markers;                 /* delete markers removed */
    uint64_t  uploads;                 /* uploads aborted */
    uint64_t  bytes;                   /* bytes freed */
    uint64_t  skipped;                 /* removals refused (a lock) */
} sos_lifecycle_state_t;

/**
 * The sweep's state; a store that never kept one, or whose record does
 * not decode, gives a zeroed state (a pass from the start).
 * @return SOS_OK, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: *state is the caller's.
 */
sos_rc_e sos_lifecycle_get(sos_store_t *store, sos_lifecycle_state_t *state,
    sos_error_t *err);

/**
 * Keep the sweep's state (not synced: a position lost in a crash costs
 * a few keys swept again, which finds them done).
 * @return SOS_OK, SOS_EINVAL (key_len), SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: any thread.  Ownership: the ownership rule.
 */
sos_rc_e sos_lifecycle_put(sos_store_t *store,
    const sos_lifecycle_state_t *state, sos_error_t *err);


/* ------------------------------------------------------------------ */
/* Scrub and repair (the file backend's replicas)                     */

/*
 * The scrubber reads every replica of every extent (the data file of a
 * simple object or of a part; of every version of a versioned object)
 * and checks it against the extent's MD5.  A
 * replica that is missing or bad is rewritten from a good one, checked
 * against the MD5 while it is copied, and the replica mask of the record
 * updated.  It also removes orphans: files under a replica's objects/
 * that no record names, once a whole pass has listed every live file.
 * A repair queue holds the replicas known bad between passes (writes that
 * reached fewer replicas than configured, reads that found bad bytes);
 * each step works through it first.
 */

/* What the scrubber found or did about one replica of one extent. */
typedef enum {
    SOS_FINDING_BAD = 0,        /* bytes or size differ from the record */
    SOS_FINDING_MISSING,        /* no file where the record wants one */
    SOS_FINDING_REPAIRED,       /* rewritten from a good replica */
    SOS_FINDING_REPAIR_FAILED,  /* the rewrite failed: tried again later */
    SOS_FINDING_UNREPAIRABLE,   /* no replica holds good bytes */
    SOS_FINDING_DEGRADED,       /* a write reached fewer replicas than
                                   configured; queued for repair */
    SOS_FINDING_ORPHAN          /* a file no record names: removed */
} sos_finding_e;

typedef struct {
    sos_finding_e  what;
    unsigned       replica;       /* SOS_MAX_REPLICAS: every replica */
    int64_t        time;          /* unix seconds */
    int            sys_errno;     /* of a failed read or rewrite, or 0 */
    char           file[SOS_WRITE_ID_LEN + 1];   /* the extent's id */
    /* bucket/key, or "upload ID part N", or "" when unknown; bytes
     * outside printable ASCII, '"' and '\\' as \xHH; may be truncated */
    char           where[160];
} sos_finding_t;

#define SOS_SCRUB_FINDINGS      32
/* an orphan younger than this is a write in flight, never removed */
#define SOS_ORPHAN_GRACE        3600

/* What one call of sos_scrub_step or sos_scrub_run found and did. */
typedef struct {
    uint64_t       extents;       /* extents checked */
    uint64_t       bytes;         /* bytes read, all replicas */
    uint64_t       bad;           /* replicas found bad or missing */
    uint64_t       repaired;      /* replicas rewritten */
    uint64_t       failed;        /* rewrites that failed */
    uint64_t       unrepairable;  /* extents with no good replica */
    uint64_t       degraded;      /* degraded writes noted */
    uint64_t       orphans;       /* orphan files removed */
    int            pass_done;     /* a whole pass ended in this call */
    /* the findings of this call (and degraded writes since the last),
     * oldest first; findings_dropped more did not fit */
    size_t         n_findings;
    uint64_t       findings_dropped;
    sos_finding_t  findings[SOS_SCRUB_FINDINGS];
} sos_scrub_report_t;

typedef struct {
    const char  *path;            /* owned by the store */
    int          writable;        /* a file could be created in tmp/ */
    uint64_t     free_bytes;      /* available to the store's user */
    uint64_t     total_bytes;
} sos_replica_status_t;

typedef struct {
    unsigned              n_replicas;
    sos_replica_status_t  replicas[SOS_MAX_REPLICAS];
    /* the record the background scrub goes on from, printable as in
     * sos_finding_t ("" at the start of a pass) */
    char                  cursor[160];
    uint64_t              passes;          /* completed, ever */
    int64_t               last_pass_end;   /* unix seconds, 0: none */
    uint64_t              pass_bytes;      /* read in this pass so far */
    uint64_t              bytes;           /* read since open */
    /* extents left with fewer good replicas than configured, in the last
     * completed pass (or this one until a pass completed) */
    uint64_t              degraded_extents;
    uint64_t              queued;          /* in the repair queue */
    uint64_t              bad, repaired, failed, unrepairable, orphans;
    size_t                n_findings;      /* the last ones, oldest first */
    sos_finding_t         findings[SOS_SCRUB_FINDINGS];
} sos_scrub_status_t;

/**
 * One step of the background scrub: the repair queue first, then extents
 * in index order (parts, then objects, then noncurrent versions) from
 * where the last step stopped, until at least byte_budget bytes were
 * read; the position is kept in the index, so a reopened store goes on
 * from there.  When the walk reaches the end, the pass is complete: if
 * the whole pass ran in this process without an index error (and no
 * version went back from noncurrent to current during it), files under
 * objects/ that no record names, that no pending delete covers and that
 * are older than SOS_ORPHAN_GRACE before the pass started are removed;
 * the next step starts a new pass.
 * @param byte_budget  0: the repair queue only
 * @param[out] report  what was found and done (also on failure: so far)
 * @return SOS_OK, SOS_EFENCED, SOS_ENOMEM, SOS_EIO (an index read)
 * Threads: any thread; steps and runs take turns.  Blocking (disk).
 */
sos_rc_e sos_scrub_step(sos_store_t *store, uint64_t byte_budget,
    sos_scrub_report_t *report, sos_error_t *err);

/**
 * The findings noted since the last step (degraded writes) in report,
 * without any I/O: for the log of a store about to close, whose repair
 * queue the next scrub pass replaces.
 */
void sos_scrub_pending(sos_store_t *store, sos_scrub_report_t *report);

/**
 * A whole pass now, without a budget, apart from the background one
 * (whose position does not move): every extent, or those of one bucket's
 * objects and uploads.  A pass of every bucket also removes orphans as
 * sos_scrub_step does.
 * @param bucket  NULL: every bucket
 * @return SOS_OK, SOS_ENOBUCKET, SOS_EFENCED, SOS_ENOMEM, SOS_EIO
 * Threads: as sos_scrub_step.
 */
sos_rc_e sos_scrub_run(sos_store_t *store, const char *bucket,
    size_t bucket_len, sos_scrub_report_t *report, sos_error_t *err);

/**
 * The replicas (probed now: a file created and removed in tmp/, and
 * statvfs), the scrub's progress and its last findings.
 * @return SOS_OK
 * Threads: any thread.  Blocking (disk).  Ownership: paths point into
 * the store, valid until sos_store_close.
 */
sos_rc_e sos_scrub_status(sos_store_t *store, sos_scrub_status_t *status,
    sos_error_t *err);

/**
 * The static name of a finding, e.g. "repaired".
 * Threads: any thread.
 */
const char *sos_finding_name(sos_finding_e what);

#ifdef __cplusplus
}
#endif

#endif /* SOS_STORE_H */
