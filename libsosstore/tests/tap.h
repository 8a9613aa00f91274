/*
 * A small TAP producer for the library's tests, after the interfaces of
 * c-tap-harness (basic.h) and libtap: plan, ok, is_int, is_str, diag, bail,
 * and a fresh temporary directory per test program.
 */

#ifndef SOS_TAP_H
#define SOS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int  tap_planned, tap_run, tap_failed;
static char tap_dir[256];

static void
tap_vprint(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

static void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    tap_vprint("# ", fmt, ap);
    va_end(ap);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bail(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    tap_vprint("Bail out! ", fmt, ap);
    va_end(ap);
    exit(255);
}

static int
tap_exit_status(void)
{
    if (tap_planned == 0) {
        printf("1..%d\n", tap_run);
        fflush(stdout);
    } else if (tap_run != tap_planned) {
        diag("planned %d tests but ran %d", tap_planned, tap_run);
        return 255;
    }
    return tap_failed ? (tap_failed > 254 ? 254 : tap_failed) : 0;
}

/* Number of tests, or 0 to print the plan at the end (done_testing). */
static void
plan(int n)
{
    tap_planned = n;
    if (n > 0) {
        printf("1..%d\n", n);
        fflush(stdout);
    }
}

static int __attribute__((format(printf, 2, 3)))
ok(int pass, const char *fmt, ...)
{
    va_list  ap;

    tap_run++;
    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (!pass) {
        tap_failed++;
    }
    return pass;
}

#define is_int(want, got, ...)                                               \
    tap_is_int((long long) (want), (long long) (got), __FILE__, __LINE__,   \
               __VA_ARGS__)

static int __attribute__((format(printf, 5, 6)))
tap_is_int(long long want, long long got, const char *file, int line,
    const char *fmt, ...)
{
    va_list  ap;
    int      pass = (want == got);

    tap_run++;
    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!pass) {
        tap_failed++;
        printf("#   at %s:%d\n#   wanted: %lld\n#      got: %lld\n",
               file, line, want, got);
    }
    fflush(stdout);
    return pass;
}

#define is_str(want, got, ...)                                               \
    tap_is_str((want), (got), __FILE__, __LINE__, __VA_ARGS__)

static int __attribute__((format(printf, 5, 6)))
tap_is_str(const char *want, const char *got, const char *file, int line,
    const char *fmt, ...)
{
    va_list  ap;
    int      pass;

    pass = (want == NULL || got == NULL) ? want == got
                                         : strcmp(want, got) == 0;
    tap_run++;
    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!pass) {
        tap_failed++;
        printf("#   at %s:%d\n#   wanted: \"%s\"\n#      got: \"%s\"\n",
               file, line, want ? want : "(null)", got ? got : "(null)");
    }
    fflush(stdout);
    return pass;
}

/* Remove the temporary directory unless SOS_TEST_KEEP is set. */
static void
tap_cleanup(void)
{
    char  cmd[300];

    if (tap_dir[0] != '\0' && getenv("SOS_TEST_KEEP") == NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tap_dir);
        if (system(cmd) != 0) {
            diag("could not remove %s", tap_dir);
        }
    }
}

/* A fresh directory for this test program, removed at exit. */
static const char *
tmpdir(void)
{
    const char  *base = getenv("TMPDIR");

    if (tap_dir[0] == '\0') {
        snprintf(tap_dir, sizeof(tap_dir), "%s/sos-test-XXXXXX",
                 base ? base : "/tmp");
        if (mkdtemp(tap_dir) == NULL) {
            bail("mkdtemp(%s) failed", tap_dir);
        }
        atexit(tap_cleanup);
    }
    return tap_dir;
}

#define done_testing() return tap_exit_status()

#endif /* SOS_TAP_H */
