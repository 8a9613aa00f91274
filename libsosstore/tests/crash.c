/*
 * Crash safety: a writer process (fsync on) is killed with SIGKILL at
 * chosen moments and after random delays.  After each kill the store is
 * reopened: every object is whole or absent, tmp/ is empty, objects/ holds
 * exactly the files of the live objects, and the counters agree.
 *
 * SOS_CRASH_SEED=n repeats a run's random delays.
 */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <openssl/evp.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "crash"
#define BUCKET_LEN  5
#define CHUNK       (65536 - 17)
#define HEADER      16
#define MAX_OBJS    1000

typedef enum {
    KILL_AFTER_COMMITS,         /* after n objects were reported committed */
    KILL_MID_WRITE,             /* while object n is half written */
    KILL_RANDOM                 /* a random delay after the store opened */
} kill_e;

typedef struct {
    kill_e  how;
    int     n;
} round_t;

static const round_t  rounds[] = {
    { KILL_AFTER_COMMITS, 1 }, { KILL_AFTER_COMMITS, 3 },
    { KILL_AFTER_COMMITS, 6 }, { KILL_MID_WRITE, 0 }, { KILL_MID_WRITE, 2 },
    { KILL_RANDOM, 0 }, { KILL_RANDOM, 0 }, { KILL_RANDOM, 0 },
    { KILL_RANDOM, 0 }, { KILL_RANDOM, 0 }, { KILL_RANDOM, 0 },
    { KILL_RANDOM, 0 }, { KILL_RANDOM, 0 }, { KILL_RANDOM, 0 }
};

#define N_ROUNDS  (sizeof(rounds) / sizeof(rounds[0]))

static char      data_dir[512];
static int       probed[N_ROUNDS];     /* keys r<round>/0..probed-1 */


/* Some big objects of many chunks, most small. */
static size_t
obj_size(uint32_t seed)
{
    if (seed % 4 == 0) {
        return 1024 * 1024 + (seed * 7919u) % (1024 * 1024);
    }
    return HEADER + (seed * 131u) % 20000;
}


/* Self-describing contents: seed and size, then bytes derived from seed. */
static void
obj_fill(unsigned char *p, size_t size, uint32_t seed)
{
    size_t    i;
    uint32_t  x = seed;
    uint64_t  s = size;

    memset(p, 0, HEADER);
    memcpy(p, &seed, sizeof(seed));
    memcpy(p + 8, &s, sizeof(s));
    for (i = HEADER; i < size; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char) (x >> 16);
    }
}


static void
say(int fd, char c)
{
    while (write(fd, &c, 1) == -1 && errno == EINTR) {
        /* retry */
    }
}


static int
child_put(sos_store_t *st, const char *key, uint32_t seed,
    unsigned char *buf, int out, int hold)
{
    char             c;
    size_t           size, at, n;
    sos_put_t       *put;
    sos_error_t      err;
    sos_put_opts_t   opts;

    size = obj_size(seed);
    obj_fill(buf, size, seed);

    memset(&opts, 0, sizeof(opts));
    opts.bucket = BUCKET;
    opts.bucket_len = BUCKET_LEN;
    opts.key = key;
    opts.key_len = strlen(key);

    if (sos_put_begin(&put, st, &opts, &err) != SOS_OK) {
        return -1;
    }
    for (at = 0; at < size; at += n) {
        n = size - at < CHUNK ? size - at : CHUNK;
        if (sos_put_write(put, buf + at, n, &err) != SOS_OK) {
            return -1;
        }
        if (hold != -1 && at < size / 2 && at + n >= size / 2) {
            /* half written: wait for the kill */
            say(out, 'H');
            while (read(hold, &c, 1) == -1 && errno == EINTR) {
                /* retry */
            }
        }
    }
    return sos_put_commit(put, NULL, &err) == SOS_OK ? 0 : -1;
}


/*
 * The writer: 'O' once the store is open, 'C' after each own object, 'D'
 * after each shared one.
 */
static void __attribute__((noreturn))
child_run(int round, int out, int hold)
{
    int                n;
    char               key[32];
    unsigned char     *buf;
    sos_store_t       *st;
    sos_error_t        err;
    sos_store_conf_t   conf;

    memset(&conf, 0, sizeof(conf));
    conf.data_dir = data_dir;
    if (sos_store_open(&st, &conf, &err) != SOS_OK) {
        _exit(2);
    }
    buf = malloc(obj_size(0) * 2 + HEADER);
    if (buf == NULL) {
        _exit(2);
    }
    say(out, 'O');

    for (n = 0; n < MAX_OBJS; n++) {
        snprintf(key, sizeof(key), "r%d/%d", round, n);
        if (child_put(st, key, (uint32_t) (round * MAX_OBJS + n), buf, out,
                      rounds[round].how == KILL_MID_WRITE
                      && rounds[round].n == n ? hold : -1) != 0)
        {
            _exit(3);
        }
        say(out, 'C');
        if (child_put(st, "shared", (uint32_t) (round * MAX_OBJS + n), buf,
                      out, -1) != 0)
        {
            _exit(3);
        }
        say(out, 'D');
    }
    _exit(0);
}


static long
files(unsigned replica, const char *sub)
{
    char  path[600];

    snprintf(path, sizeof(path), "%s/r%u/%s", data_dir, replica, sub);
    return util_files(path);
}


/*
 * 1: the object is there and whole (*size set), 0: absent, -1: there but
 * damaged.
 */
static int
check_obj(sos_store_t *st, const char *key, uint32_t *seed, uint64_t *size)
{
    int                 r;
    char                hex[33];
    size_t              got, at;
    unsigned            i, n;
    unsigned char      *buf, *want, md[16];
    sos_rc_e            rc;
    sos_error_t         err;
    sos_reader_t       *rd;
    sos_object_info_t   info;

    rc = sos_object_open(st, BUCKET, BUCKET_LEN, key, strlen(key), &rd,
                         &info, &err);
    if (rc == SOS_ENOTFOUND) {
        return 0;
    }
    if (rc != SOS_OK) {
        diag("open %s: %s", key, err.msg);
        return -1;
    }

    r = -1;
    buf = malloc(info.size + 1);
    want = malloc(info.size + 1);
    for (at = 0; at < info.size; at += got) {
        if (sos_reader_read(rd, at, buf + at, info.size - at, &got, &err)
            != SOS_OK || got == 0)
        {
            diag("read %s: %s", key, err.msg);
            goto done;
        }
    }

    if (info.size < HEADER) {
        diag("%s: %llu bytes", key, (unsigned long long) info.size);
        goto done;
    }
    memcpy(seed, buf, sizeof(*seed));
    memcpy(size, buf + 8, sizeof(*size));
    if (*size != info.size || obj_size(*seed) != info.size) {
        diag("%s: size %llu, header says %llu", key,
             (unsigned long long) info.size, (unsigned long long) *size);
        goto done;
    }
    obj_fill(want, info.size, *seed);
    EVP_Digest(buf, info.size, md, &n, EVP_md5(), NULL);
    for (i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    if (memcmp(buf, want, info.size) != 0 || strcmp(hex, info.etag) != 0) {
        diag("%s: bytes or etag differ", key);
        goto done;
    }
    r = 1;

done:

    free(buf);
    free(want);
    sos_reader_close(rd);
    sos_object_info_release(&info);
    return r;
}


static void
setup(void)
{
    sos_org_t          org;
    sos_store_t       *st;
    sos_error_t        err;
    sos_bucket_t       b;
    sos_store_conf_t   conf;

    snprintf(data_dir, sizeof(data_dir), "%s/store", tmpdir());
    memset(&conf, 0, sizeof(conf));
    conf.data_dir = data_dir;
    if (sos_store_open(&st, &conf, &err) != SOS_OK
        || sos_org_create(st, "crash", 5, NULL, 0, &org, &err) != SOS_OK
        || sos_bucket_create(st, BUCKET, BUCKET_LEN, org.id, "us-east-1",
                             NULL, 0, &b, &err) != SOS_OK)
    {
        bail("setup: %s", err.msg);
    }
    sos_store_close(st);
}


/* Kill the writer as the round says; returns commits seen ('C', 'D'). */
static void
run_writer(int round, int *commits, int *shared)
{
    int       out[2], hold[2], status, want, seen;
    char      c;
    pid_t     pid;
    ssize_t   n;

    if (pipe(out) == -1 || pipe(hold) == -1) {
        bail("pipe: %s", strerror(errno));
    }

    fflush(stdout);
    pid = fork();
    if (pid == -1) {
        bail("fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(out[0]);
        close(hold[1]);
        child_run(round, out[1], hold[0]);
    }
    close(out[1]);
    close(hold[0]);

    *commits = 0;
    *shared = 0;

    switch (rounds[round].how) {

    case KILL_AFTER_COMMITS:
    case KILL_MID_WRITE:
        want = rounds[round].how == KILL_AFTER_COMMITS ? 'C' : 'H';
        seen = 0;
        while ((n = read(out[0], &c, 1)) == 1) {
            *commits += c == 'C';
            *shared += c == 'D';
            if (c == want && ++seen > (want == 'H' ? 0 : rounds[round].n - 1))
            {
                break;
            }
        }
        ok(n == 1, "round %d: the writer got as far as planned", round);
        break;

    case KILL_RANDOM:
        ok(read(out[0], &c, 1) == 1, "round %d: the writer opened the store",
           round);
        usleep((useconds_t) (rand() % 300000));
        break;
    }

    kill(pid, SIGKILL);
    if (waitpid(pid, &status, 0) != pid) {
        bail("waitpid: %s", strerror(errno));
    }
    if (!ok(WIFSIGNALED(status), "round %d: the writer died by the kill, "
            "not before", round))
    {
        diag("it exited with %d", WEXITSTATUS(status));
    }

    /* what it reported before dying */
    while ((n = read(out[0], &c, 1)) == 1) {
        *commits += c == 'C';
        *shared += c == 'D';
    }
    close(out[0]);
    close(hold[1]);
}


int
main(void)
{
    int                 round, i, n, r, bad, missing, commits, shared;
    int                 shared_ever, live;
    char                key[32];
    long                leftovers;
    unsigned            seed_env, rep;
    uint32_t            seed;
    uint64_t            size, bytes;
    const char         *s;
    sos_store_t        *st;
    sos_error_t         err;
    sos_store_info_t    si;
    sos_store_conf_t    conf;
    sos_bucket_info_t  *bi;

    s = getenv("SOS_CRASH_SEED");
    seed_env = s ? (unsigned) atoi(s) : (unsigned) time(NULL);
    srand(seed_env);
    diag("SOS_CRASH_SEED=%u", seed_env);

    setup();
    shared_ever = 0;

    for (round = 0; round < (int) N_ROUNDS; round++) {
        run_writer(round, &commits, &shared);
        shared_ever += shared;

        leftovers = 0;
        for (rep = 0; rep < 3; rep++) {
            leftovers += files(rep, "tmp");
        }
        if (rounds[round].how == KILL_MID_WRITE) {
            is_int(3, leftovers, "round %d: killed mid-write, a tmp file on "
                   "each replica", round);
        } else {
            diag("round %d: %d commits, %ld tmp files left", round, commits,
                 leftovers);
        }

        memset(&conf, 0, sizeof(conf));
        conf.data_dir = data_dir;
        conf.no_fsync = 1;
        if (sos_store_open(&st, &conf, &err) != SOS_OK) {
            bail("reopen after round %d: %s", round, err.msg);
        }
        sos_store_info(st, &si);
        diag("round %d: open removed %llu tmp files, %llu garbage files",
             round, (unsigned long long) si.tmp_files_removed,
             (unsigned long long) si.garbage_removed);

        ok(files(0, "tmp") == 0 && files(1, "tmp") == 0
           && files(2, "tmp") == 0, "round %d: tmp/ empty after open",
           round);

        /* own objects: those reported are whole, the rest whole or absent;
         * the writer can be at most one object past what it reported */
        probed[round] = commits + 2;
        bad = 0;
        missing = 0;
        for (n = 0; n < probed[round]; n++) {
            snprintf(key, sizeof(key), "r%d/%d", round, n);
            r = check_obj(st, key, &seed, &size);
            bad += r == -1;
            missing += r == 0 && n < commits;
            if (r == 1 && seed != (uint32_t) (round * MAX_OBJS + n)) {
                diag("%s holds seed %u", key, seed);
                bad++;
            }
        }
        is_int(0, bad, "round %d: no object damaged", round);
        is_int(0, missing, "round %d: all %d reported commits there", round,
               commits);
        if (rounds[round].how == KILL_MID_WRITE) {
            snprintf(key, sizeof(key), "r%d/%d", round, rounds[round].n);
            is_int(0, check_obj(st, key, &seed, &size),
                   "round %d: the half-written object is absent", round);
        }

        /* every object of every round so far, and the shared key */
        live = 0;
        bytes = 0;
        bad = 0;
        for (i = 0; i <= round; i++) {
            for (n = 0; n < probed[i]; n++) {
                snprintf(key, sizeof(key), "r%d/%d", i, n);
                r = check_obj(st, key, &seed, &size);
                bad += r == -1;
                if (r == 1) {
                    live++;
                    bytes += size;
                }
            }
        }
        r = check_obj(st, "shared", &seed, &size);
        bad += r == -1 || (r == 0 && shared_ever > 0);
        if (r == 1) {
            live++;
            bytes += size;
        }
        is_int(0, bad, "round %d: all objects whole, shared one present",
               round);

        ok(files(0, "objects") == live && files(1, "objects") == live
           && files(2, "objects") == live,
           "round %d: each replica holds exactly the %d live objects' files",
           round, live);

        if (sos_bucket_get(st, BUCKET, BUCKET_LEN, &bi, &err) != SOS_OK) {
            bail("bucket: %s", err.msg);
        }
        ok(bi->bucket.object_count == (uint64_t) live
           && bi->bucket.bytes == bytes,
           "round %d: counters say %llu objects of %llu bytes (want %d, "
           "%llu)", round, (unsigned long long) bi->bucket.object_count,
           (unsigned long long) bi->bucket.bytes, live,
           (unsigned long long) bytes);
        sos_bucket_info_free(bi);

        sos_store_close(st);
    }

    done_testing();
}
