/*
 * faultshim: an LD_PRELOAD library that makes file system calls fail, for
 * the fault tests (t/faults.t).  Load it into nginx:
 *
 *   LD_PRELOAD=build/faultshim.so SOS_FAULT="write:EIO:path=/r1/" nginx ...
 *
 * SOS_FAULT holds rules separated by ';', each
 *
 *   CALL:ERRNO[:path=SUBSTRING][:after=N][:times=N][:once]
 *
 * CALL is open (open, open64, openat), write, pwrite (pwrite, pwrite64),
 * fdatasync, fsync, rename (rename, renameat) or unlink (unlink,
 * unlinkat); ERRNO is EIO, ENOSPC, EDQUOT, EROFS, EACCES or EPERM.  A call
 * matches a rule when its path contains SUBSTRING (a call on an fd is
 * named by readlink of /proc/self/fd/N, a rename by either path); the
 * first N matching calls pass (after), then matching calls fail, times
 * of them (once: 1; default: every one).
 *
 * SOS_FAULT_FILE names a file holding rules in the same form, read again
 * whenever it changes (with fresh counters): a running nginx is given
 * faults by writing it, and none while it does not exist.  nginx clears
 * the environment of its worker, so both variables are read when the
 * library is loaded, in the master.
 *
 * SOS_FAULT_LOG names a file that gets one line per injected failure:
 * "CALL ERRNO PATH".
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>


#define FS_MAX_RULES  16
#define FS_PATH_MAX   4096


typedef enum {
    FS_OPEN = 0,
    FS_WRITE,
    FS_PWRITE,
    FS_FDATASYNC,
    FS_FSYNC,
    FS_RENAME,
    FS_UNLINK,
    FS_NCALLS
} fs_call_e;


typedef struct {
    fs_call_e     call;
    int           err;
    unsigned      after;
    unsigned      times;                /* 0: no limit */
    unsigned      seen;                 /* matching calls so far */
    unsigned      failed;
    char          path[256];
} fs_rule_t;


static const char  *fs_call_names[FS_NCALLS] = {
    "open", "write", "pwrite", "fdatasync", "fsync", "rename", "unlink"
};

static const struct {
    const char  *name;
    int          err;
} fs_errnos[] = {
    { "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
    { "EROFS", EROFS }, { "EACCES", EACCES }, { "EPERM", EPERM },
};


static int fs_parse(const char *spec);
static int fs_parse_rule(char *text, fs_rule_t *rule);
static void fs_refresh(void);
static int fs_check(fs_call_e call, const char *a, const char *b);
static int fs_check_fd(fs_call_e call, int fd);
static void fs_at_path(int dirfd, const char *path, char *buf, size_t size);
static void fs_log(fs_call_e call, int err, const char *path);
static const char *fs_errno_name(int err);
static void fs_init(void) __attribute__((constructor));


static fs_rule_t        fs_rules[FS_MAX_RULES];
static unsigned         fs_nrules;
static char             fs_file[FS_PATH_MAX];
static char             fs_logfile[FS_PATH_MAX];
static struct stat      fs_file_sb;
static int              fs_file_seen;
static pthread_mutex_t  fs_lock = PTHREAD_MUTEX_INITIALIZER;

static int      (*real_open)(const char *, int, ...);
static int      (*real_open64)(const char *, int, ...);
static int      (*real_openat)(int, const char *, int, ...);
static ssize_t  (*real_write)(int, const void *, size_t);
static ssize_t  (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t  (*real_pwrite64)(int, const void *, size_t, off64_t);
static int      (*real_fdatasync)(int);
static int      (*real_fsync)(int);
static int      (*real_rename)(const char *, const char *);
static int      (*real_renameat)(int, const char *, int, const char *);
static int      (*real_unlink)(const char *);
static int      (*real_unlinkat)(int, const char *, int);


static void
fs_init(void)
{
    const char  *s;

    real_open = dlsym(RTLD_NEXT, "open");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_rename = dlsym(RTLD_NEXT, "rename");
    real_renameat = dlsym(RTLD_NEXT, "renameat");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");

    s = getenv("SOS_FAULT_LOG");
    if (s != NULL) {
        snprintf(fs_logfile, sizeof(fs_logfile), "%s", s);
    }

    s = getenv("SOS_FAULT_FILE");
    if (s != NULL) {
        snprintf(fs_file, sizeof(fs_file), "%s", s);
    }

    s = getenv("SOS_FAULT");
    if (s != NULL && fs_parse(s) == -1) {
        fprintf(stderr, "faultshim: bad SOS_FAULT \"%s\"\n", s);
        abort();
    }
}


/* Replace the rules by those of spec: 0, or -1 when malformed. */
static int
fs_parse(const char *spec)
{
    char      *copy, *text, *save;
    unsigned   n = 0;

    copy = strdup(spec);
    if (copy == NULL) {
        return -1;
    }

    for (text = strtok_r(copy, ";\n", &save);
         text != NULL;
         text = strtok_r(NULL, ";\n", &save))
    {
        if (*text == '\0' || *text == '#') {
            continue;
        }
        if (n == FS_MAX_RULES || fs_parse_rule(text, &fs_rules[n]) == -1) {
            free(copy);
            fs_nrules = 0;
            return -1;
        }
        n++;
    }

    free(copy);
    fs_nrules = n;
    return 0;
}


static int
fs_parse_rule(char *text, fs_rule_t *rule)
{
    char      *field, *save;
    size_t     i;
    unsigned   k;

    memset(rule, 0, sizeof(*rule));

    field = strtok_r(text, ":", &save);
    for (k = 0; k < FS_NCALLS; k++) {
        if (field != NULL && strcmp(field, fs_call_names[k]) == 0) {
            break;
        }
    }
    if (k == FS_NCALLS) {
        return -1;
    }
    rule->call = (fs_call_e) k;

    field = strtok_r(NULL, ":", &save);
    for (i = 0; i < sizeof(fs_errnos) / sizeof(fs_errnos[0]); i++) {
        if (field != NULL && strcmp(field, fs_errnos[i].name) == 0) {
            rule->err = fs_errnos[i].err;
        }
    }
    if (rule->err == 0) {
        return -1;
    }

    while ((field = strtok_r(NULL, ":", &save)) != NULL) {
        if (strncmp(field, "path=", 5) == 0) {
            snprintf(rule->path, sizeof(rule->path), "%s", field + 5);

        } else if (strncmp(field, "after=", 6) == 0) {
            rule->after = (unsigned) strtoul(field + 6, NULL, 10);

        } else if (strncmp(field, "times=", 6) == 0) {
            rule->times = (unsigned) strtoul(field + 6, NULL, 10);

        } else if (strcmp(field, "once") == 0) {
            rule->times = 1;

        } else {
            return -1;
        }
    }

    return 0;
}


/* With SOS_FAULT_FILE: take its rules when it changed (lock held). */
static void
fs_refresh(void)
{
    int          fd;
    char         buf[4096];
    ssize_t      n;
    struct stat  sb;

    if (fs_file[0] == '\0') {
        return;
    }

    if (stat(fs_file, &sb) == -1) {
        if (fs_file_seen) {
            fs_file_seen = 0;
            fs_nrules = 0;
        }
        return;
    }

    if (fs_file_seen && sb.st_ino == fs_file_sb.st_ino
        && sb.st_size == fs_file_sb.st_size
        && sb.st_mtim.tv_sec == fs_file_sb.st_mtim.tv_sec
        && sb.st_mtim.tv_nsec == fs_file_sb.st_mtim.tv_nsec)
    {
        return;
    }

    fs_file_seen = 1;
    fs_file_sb = sb;
    fs_nrules = 0;

    fd = real_open(fs_file, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);

    if (n < 0) {
        return;
    }
    buf[n] = '\0';

    if (fs_parse(buf) == -1) {
        fprintf(stderr, "faultshim: bad rules in \"%s\"\n", fs_file);
    }
}


/* The errno a call on path a (or b) must fail with, or 0. */
static int
fs_check(fs_call_e call, const char *a, const char *b)
{
    int         err = 0;
    unsigned    i;
    fs_rule_t  *rule;

    if (fs_file[0] == '\0' && fs_nrules == 0) {
        return 0;
    }

    pthread_mutex_lock(&fs_lock);
    fs_refresh();

    for (i = 0; i < fs_nrules; i++) {
        rule = &fs_rules[i];

        if (rule->call != call
            || (strstr(a, rule->path) == NULL
                && (b == NULL || strstr(b, rule->path) == NULL)))
        {
            continue;
        }

        if (++rule->seen <= rule->after
            || (rule->times != 0 && rule->failed >= rule->times))
        {
            continue;
        }

        rule->failed++;
        err = rule->err;
        break;
    }

    pthread_mutex_unlock(&fs_lock);

    if (err != 0) {
        fs_log(call, err, a);
    }

    return err;
}


static int
fs_check_fd(fs_call_e call, int fd)
{
    char     link[64], path[FS_PATH_MAX];
    ssize_t  n;

    if (fs_file[0] == '\0' && fs_nrules == 0) {
        return 0;
    }

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof(path) - 1);
    if (n < 0) {
        return 0;
    }
    path[n] = '\0';

    return fs_check(call, path, NULL);
}


static void
fs_at_path(int dirfd, const char *path, char *buf, size_t size)
{
    char     link[64];
    ssize_t  n;

    if (path[0] == '/' || dirfd == AT_FDCWD) {
        snprintf(buf, size, "%s", path);
        return;
    }

    snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
    n = readlink(link, buf, size - 1);
    if (n < 0) {
        n = 0;
    }
    buf[n] = '\0';
    snprintf(buf + n, size - (size_t) n, "/%s", path);
}


static void
fs_log(fs_call_e call, int err, const char *path)
{
    int   fd, n;
    char  line[FS_PATH_MAX + 64];

    if (fs_logfile[0] == '\0') {
        return;
    }

    n = snprintf(line, sizeof(line), "%s %s %s\n", fs_call_names[call],
                 fs_errno_name(err), path);
    if (n < 0 || (size_t) n >= sizeof(line)) {
        return;
    }

    fd = real_open(fs_logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                   0600);
    if (fd == -1) {
        return;
    }
    if (real_write(fd, line, (size_t) n) != n) {
        fprintf(stderr, "faultshim: cannot log to \"%s\"\n", fs_logfile);
    }
    close(fd);
}


static const char *
fs_errno_name(int err)
{
    size_t  i;

    for (i = 0; i < sizeof(fs_errnos) / sizeof(fs_errnos[0]); i++) {
        if (fs_errnos[i].err == err) {
            return fs_errnos[i].name;
        }
    }
    return "?";
}


/* ---- the calls ---- */

int
open(const char *path, int flags, ...)
{
    int      err;
    mode_t   mode = 0;
    va_list  ap;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }

    err = fs_check(FS_OPEN, path, NULL);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_open(path, flags, mode);
}


int
open64(const char *path, int flags, ...)
{
    int      err;
    mode_t   mode = 0;
    va_list  ap;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }

    err = fs_check(FS_OPEN, path, NULL);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_open64(path, flags, mode);
}


int
openat(int dirfd, const char *path, int flags, ...)
{
    int      err;
    char     full[FS_PATH_MAX];
    mode_t   mode = 0;
    va_list  ap;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }

    fs_at_path(dirfd, path, full, sizeof(full));
    err = fs_check(FS_OPEN, full, NULL);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_openat(dirfd, path, flags, mode);
}


ssize_t
write(int fd, const void *buf, size_t len)
{
    int  err;

    err = fs_check_fd(FS_WRITE, fd);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_write(fd, buf, len);
}


ssize_t
pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    int  err;

    err = fs_check_fd(FS_PWRITE, fd);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_pwrite(fd, buf, len, offset);
}


ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t offset)
{
    int  err;

    err = fs_check_fd(FS_PWRITE, fd);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_pwrite64(fd, buf, len, offset);
}


int
fdatasync(int fd)
{
    int  err;

    err = fs_check_fd(FS_FDATASYNC, fd);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_fdatasync(fd);
}


int
fsync(int fd)
{
    int  err;

    err = fs_check_fd(FS_FSYNC, fd);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_fsync(fd);
}


int
rename(const char *from, const char *to)
{
    int  err;

    err = fs_check(FS_RENAME, from, to);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_rename(from, to);
}


int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
    int   err;
    char  a[FS_PATH_MAX], b[FS_PATH_MAX];

    fs_at_path(fromfd, from, a, sizeof(a));
    fs_at_path(tofd, to, b, sizeof(b));
    err = fs_check(FS_RENAME, a, b);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_renameat(fromfd, from, tofd, to);
}


int
unlink(const char *path)
{
    int  err;

    err = fs_check(FS_UNLINK, path, NULL);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_unlink(path);
}


int
unlinkat(int dirfd, const char *path, int flags)
{
    int   err;
    char  full[FS_PATH_MAX];

    fs_at_path(dirfd, path, full, sizeof(full));
    err = fs_check(FS_UNLINK, full, NULL);
    if (err != 0) {
        errno = err;
        return -1;
    }

    return real_unlinkat(dirfd, path, flags);
}
