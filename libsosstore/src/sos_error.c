/*
 * Error codes and messages.  An error is a code, the errno of the failing
 * call and a one-line message in a caller-owned struct, so it can cross
 * from a worker thread to the event loop.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sos_internal.h"


static int sos_err_leveldb_errno(const char *errptr);

static const char *const  sos_rc_names[SOS_RC_MAX] = {
    [SOS_OK] = "SOS_OK",
    [SOS_ENOTFOUND] = "SOS_ENOTFOUND",
    [SOS_ENOBUCKET] = "SOS_ENOBUCKET",
    [SOS_ENOUPLOAD] = "SOS_ENOUPLOAD",
    [SOS_EEXIST] = "SOS_EEXIST",
    [SOS_ENOTEMPTY] = "SOS_ENOTEMPTY",
    [SOS_EBUSY] = "SOS_EBUSY",
    [SOS_EQUORUM] = "SOS_EQUORUM",
    [SOS_ERANGE] = "SOS_ERANGE",
    [SOS_EINVAL] = "SOS_EINVAL",
    [SOS_EPRECONDITION] = "SOS_EPRECONDITION",
    [SOS_ECHANGED] = "SOS_ECHANGED",
    [SOS_EINVALIDPART] = "SOS_EINVALIDPART",
    [SOS_EPARTORDER] = "SOS_EPARTORDER",
    [SOS_ETOOSMALL] = "SOS_ETOOSMALL",
    [SOS_ETOOLARGE] = "SOS_ETOOLARGE",
    [SOS_ENOSPC] = "SOS_ENOSPC",
    [SOS_ECORRUPT] = "SOS_ECORRUPT",
    [SOS_EIO] = "SOS_EIO",
    [SOS_ENOMEM] = "SOS_ENOMEM",
    [SOS_EFENCED] = "SOS_EFENCED",
    [SOS_ELOCKED] = "SOS_ELOCKED",
    [SOS_ENOLOCK] = "SOS_ENOLOCK",
    [SOS_ESTATE] = "SOS_ESTATE",
};


const char *
sos_strerror(sos_rc_e code)
{
    if ((unsigned) code >= SOS_RC_MAX) {
        return "SOS_E(unknown)";
    }
    return sos_rc_names[code];
}


static sos_rc_e
sos_err_fill(sos_error_t *err, sos_rc_e code, int sys_errno, const char *fmt,
    va_list ap)
{
    size_t  n;

    if (err == NULL) {
        return code;
    }

    err->code = code;
    err->sys_errno = sys_errno;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

    if (sys_errno != 0) {
        n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n, ": %s",
                 strerror(sys_errno));
    }

    return code;
}


sos_rc_e
sos_err(sos_error_t *err, sos_rc_e code, int sys_errno, const char *fmt, ...)
{
    va_list   ap;
    sos_rc_e  rc;

    va_start(ap, fmt);
    rc = sos_err_fill(err, code, sys_errno, fmt, ap);
    va_end(ap);
    return rc;
}


sos_rc_e
sos_err_sys(sos_error_t *err, int sys_errno, const char *fmt, ...)
{
    va_list   ap;
    sos_rc_e  code, rc;

    switch (sys_errno) {
    case ENOSPC:
    case EDQUOT:
        code = SOS_ENOSPC;
        break;
    case ENOMEM:
        code = SOS_ENOMEM;
        break;
    default:
        code = SOS_EIO;
    }

    va_start(ap, fmt);
    rc = sos_err_fill(err, code, sys_errno, fmt, ap);
    va_end(ap);
    return rc;
}


/*
 * The errno a LevelDB message names, if it is one we act on: LevelDB
 * reports a failed system call as "IO error: <path>: <strerror(errno)>"
 * (util/env_posix.cc PosixError), in this process's locale.
 */
static int
sos_err_leveldb_errno(const char *errptr)
{
    char  buf[128];

    if (errptr == NULL) {
        return 0;
    }

    if (strstr(errptr, strerror_r(ENOSPC, buf, sizeof(buf))) != NULL) {
        return ENOSPC;
    }

    if (strstr(errptr, strerror_r(EDQUOT, buf, sizeof(buf))) != NULL) {
        return EDQUOT;
    }

    return 0;
}


sos_rc_e
sos_err_leveldb(sos_error_t *err, char *errptr, const char *what)
{
    int       sys_errno;
    sos_rc_e  code;

    sys_errno = sos_err_leveldb_errno(errptr);

    /*
     * LevelDB reports a held LOCK file (another owner) only as text:
     * "IO error: lock <path>: <reason>" (util/env_posix.cc LockFile).
     * Any other message may name a path that holds "lock" too.
     */
    if (errptr != NULL
        && strncmp(errptr, "IO error: lock ",
                   sizeof("IO error: lock ") - 1) == 0)
    {
        code = SOS_EBUSY;

    } else {
        code = sys_errno ? SOS_ENOSPC : SOS_EIO;
    }

    /* the message holds strerror() already: sys_errno is set after */
    sos_err(err, code, 0, "leveldb %s: %s", what,
            errptr ? errptr : "unknown error");
    if (err != NULL) {
        err->sys_errno = sys_errno;
    }

    leveldb_free(errptr);
    return code;
}
