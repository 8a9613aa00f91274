/*
 * sosctl: administration of SOS.
 *
 * The org, key, status, scrub and bucket commands go through the admin API of the
 * running server (SOS_ENDPOINT); when nothing listens there, or with
 * --data given, they open the data directory directly, which needs nginx
 * stopped (LevelDB lets one process own the index).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sosctl.h"

static const char usage[] =
    "usage: sosctl [--data DIR] [--replica DIR ...] [--key-file FILE]\n"
    "              COMMAND ...\n"
    "\n"
    "  org create NAME [--email ADDR]   create an organization (account)\n"
    "  org list                         list organizations\n"
    "  org show NAME|ID                 show one organization\n"
    "  org delete NAME|ID               delete an organization and its keys\n"
    "  key create ORG [--admin]         create an access key; prints an AWS\n"
    "                                   shared-credentials block\n"
    "  key list ORG                     list the access keys of ORG\n"
    "  key revoke KEYID                 revoke an access key\n"
    "  status                           replicas (space, writable), degraded\n"
    "                                   extents, scrub progress and findings\n"
    "  scrub [--bucket B]               check every replica of every object\n"
    "                                   (or of bucket B) now, and repair\n"
    "  bucket cdn BUCKET [on|off]       CDN publishing and edge purges of\n"
    "                                   the bucket's public objects\n"
    "  bucket cache-control BUCKET [VALUE|--clear]\n"
    "                                   the default Cache-Control of its\n"
    "                                   public objects (docs/cdn.md)\n"
    "  presign METHOD s3://BUCKET/KEY [--expires N] [--endpoint URL]\n"
    "          [--region R]             a presigned URL (no data directory;\n"
    "                                   credentials from AWS_ACCESS_KEY_ID/\n"
    "                                   AWS_SECRET_ACCESS_KEY or the AWS\n"
    "                                   shared credentials file)\n"
    "\n"
    "  --data DIR      work on the data directory, not through the server\n"
    "                  (default when the server is down: $SOS_DATA)\n"
    "  --replica DIR   a replica directory, repeated for each replica\n"
    "                  (default: DIR/r0, DIR/r1, DIR/r2)\n"
    "  --key-file FILE the key that seals the access key secrets, as\n"
    "                  sos_key_file (default: DIR/secret.key)\n"
    "\n"
    "org, key, status, scrub and bucket talk to the server at $SOS_ENDPOINT\n"
    "(default http://127.0.0.1:8080) through its admin API ($SOS_ADMIN_PATH,\n"
    "default /sos-admin/), signed with an admin key from the AWS credentials\n"
    "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SHARED_CREDENTIALS_FILE\n"
    "or ~/.aws/credentials, AWS_PROFILE).  When nothing listens there, or\n"
    "with --data, they open the data directory: nginx must be stopped.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

static int sosctl_status(sosctl_t *ctl, int argc, char **argv);

int
sosctl_usage(const char *fmt, ...)
{
    va_list  ap;

    if (fmt != NULL) {
        fputs("sosctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\n\n", stderr);
    }

    fputs(usage, stderr);

    return SOSCTL_USAGE;
}

int
sosctl_fail(sos_rc_e rc, const char *what, const sos_error_t *err)
{
    fprintf(stderr, "sosctl: %s: %s", what,
            err->msg[0] ? err->msg : sos_strerror(rc));
    if (err->sys_errno) {
        fprintf(stderr, " (%s)", strerror(err->sys_errno));
    }
    fputc('\n', stderr);

    return SOSCTL_FAIL;
}

void
sosctl_time(int64_t t, char *buf, size_t size)
{
    time_t     tt = (time_t) t;
    struct tm  tm;

    if (gmtime_r(&tt, &tm) == NULL
        || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        snprintf(buf, size, "%lld", (long long) t);
    }
}

/* org create NAME [--email ADDR] */

int
sosctl_org_create_args(int argc, char **argv, const char **email)
{
    *email = "";

    if (argc == 4 && strcmp(argv[2], "--email") == 0) {
        *email = argv[3];

    } else if (argc != 2) {
        return sosctl_usage("usage: org create NAME [--email ADDR]");
    }

    return SOSCTL_OK;
}

void
sosctl_org_print(const char *id, const char *name, const char *email,
    int64_t created)
{
    char  t[64];

    sosctl_time(created, t, sizeof(t));

    printf("id:       %s\n", id);
    printf("name:     %s\n", name);
    printf("email:    %s\n", email);
    printf("created:  %s\n", t);
}

/* a line of org list */

void
sosctl_org_line(const char *id, const char *name, const char *email,
    int64_t created)
{
    char  t[64];

    sosctl_time(created, t, sizeof(t));

    printf("%s  %-20s  %-20s  %s\n", id, name, email[0] ? email : "-", t);
}

/* a line of key list */

void
sosctl_key_line(const char *access_key_id, int admin, int64_t created)
{
    char  t[64];

    sosctl_time(created, t, sizeof(t));

    printf("%-20s  %-5s  %s\n", access_key_id, admin ? "yes" : "no", t);
}

/* a new key: an AWS shared-credentials block, ready to paste */

void
sosctl_key_print(const char *org_name, const char *access_key_id,
    const char *secret)
{
    printf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
           org_name, access_key_id, secret);
}

int
sosctl_open(sosctl_t *ctl)
{
    size_t            i;
    sos_rc_e          rc;
    sos_error_t       err;
    sos_store_info_t  info;
    sos_store_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    memset(&err, 0, sizeof(err));

    conf.data_dir = ctl->data_dir;
    conf.replica_dirs = ctl->n_replicas ? ctl->replicas : NULL;
    conf.n_replicas = ctl->n_replicas;
    conf.key_file = ctl->key_file;

    rc = sos_store_open(&ctl->store, &conf, &err);

    if (rc == SOS_EBUSY) {
        fprintf(stderr, "sosctl: the store in \"%s\" is in use by another "
                "process (stop nginx first)\n", ctl->data_dir);
        return SOSCTL_FAIL;
    }

    if (rc != SOS_OK) {
        return sosctl_fail(rc, "cannot open the store", &err);
    }

    /* what the open changed: the nginx error log says the same */

    sos_store_info(ctl->store, &info);

    for (i = 0; i < info.n_notices; i++) {
        fprintf(stderr, "sosctl: %s: %s\n",
                info.notices[i].level == SOS_NOTICE_WARN ? "warning"
                                                         : "notice",
                info.notices[i].msg);
    }

    return SOSCTL_OK;
}

static int
sosctl_status(sosctl_t *ctl, int argc, char **argv)
{
    unsigned          i;
    sos_store_info_t  info;

    (void) argv;

    if (argc != 0) {
        return sosctl_usage("status takes no arguments");
    }

    if (sosctl_open(ctl) != SOSCTL_OK) {
        return SOSCTL_FAIL;
    }

    sos_store_info(ctl->store, &info);

    printf("data:          %s\n", ctl->data_dir);
    printf("index:         %s/index\n", ctl->data_dir);
    printf("replicas:      %u\n", info.n_replicas);

    for (i = 0; i < info.n_replicas; i++) {
        if (ctl->n_replicas) {
            printf("  %-3u %s", i, ctl->replicas[i]);
        } else {
            printf("  %-3u %s/r%u", i, ctl->data_dir, i);
        }

        printf("  %s\n", (info.degraded_mask & (1u << i)) ? "degraded"
                                                          : "ok");
    }

    printf("write quorum:  %u\n", info.write_quorum);
    printf("degraded:      %s\n", info.degraded_mask ? "yes" : "no");
    printf("tmp files removed at open:  %llu\n",
           (unsigned long long) info.tmp_files_removed);
    printf("pending deletes finished:   %llu\n",
           (unsigned long long) info.garbage_removed);

    sosctl_status_scrub(ctl);

    return SOSCTL_OK;
}

int
main(int argc, char **argv)
{
    int          i, rc, data_explicit;
    size_t       n;
    sosctl_t     ctl;
    const char  *arg, *cmd;

    memset(&ctl, 0, sizeof(ctl));
    data_explicit = 0;

    ctl.data_dir = getenv("SOS_DATA");
    if (ctl.data_dir != NULL && ctl.data_dir[0] == '\0') {
        ctl.data_dir = NULL;
    }

    ctl.replicas = calloc((size_t) argc, sizeof(char *));
    if (ctl.replicas == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return SOSCTL_FAIL;
    }

    /* global options come before the command */

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        arg = argv[i];

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            return SOSCTL_OK;
        }

        if (strcmp(arg, "--key-file") == 0) {
            if (i + 1 >= argc) {
                return sosctl_usage("%s needs a file", arg);
            }

            ctl.key_file = argv[++i];
            continue;
        }

        n = sizeof("--key-file=") - 1;
        if (strncmp(arg, "--key-file=", n) == 0) {
            ctl.key_file = arg + n;
            continue;
        }

        if (strcmp(arg, "--data") == 0 || strcmp(arg, "--replica") == 0) {
            if (i + 1 >= argc) {
                return sosctl_usage("%s needs a directory", arg);
            }

            if (arg[2] == 'd') {
                ctl.data_dir = argv[++i];
                data_explicit = 1;
            } else {
                ctl.replicas[ctl.n_replicas++] = argv[++i];
            }

            continue;
        }

        n = sizeof("--data=") - 1;
        if (strncmp(arg, "--data=", n) == 0) {
            ctl.data_dir = arg + n;
            data_explicit = 1;
            continue;
        }

        n = sizeof("--replica=") - 1;
        if (strncmp(arg, "--replica=", n) == 0) {
            ctl.replicas[ctl.n_replicas++] = arg + n;
            continue;
        }

        return sosctl_usage("unknown option \"%s\"", arg);
    }

    if (i >= argc) {
        return sosctl_usage(NULL);
    }

    /* presign signs offline: it needs no data directory */

    if (strcmp(argv[i], "presign") == 0) {
        free(ctl.replicas);
        return sosctl_presign(argc - i - 1, argv + i + 1);
    }

    if (ctl.n_replicas > SOS_MAX_REPLICAS) {
        return sosctl_usage("at most %d replicas", SOS_MAX_REPLICAS);
    }

    cmd = argv[i++];

    if (strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return SOSCTL_OK;
    }

    /* online when the server answers and no --data */

    if (!data_explicit
        && (strcmp(cmd, "org") == 0 || strcmp(cmd, "key") == 0
            || strcmp(cmd, "status") == 0 || strcmp(cmd, "scrub") == 0
            || strcmp(cmd, "bucket") == 0))
    {
        if (sosctl_admin_endpoint(&ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        ctl.online = sosctl_admin_reachable(&ctl);

        if (!ctl.online && ctl.data_dir == NULL) {
            fprintf(stderr, "sosctl: nothing answers at %s and no data "
                    "directory is given (--data DIR or SOS_DATA)\n",
                    ctl.endpoint);
            return SOSCTL_FAIL;
        }
    }

    if (!ctl.online && ctl.data_dir == NULL) {
        return sosctl_usage("no data directory: use --data DIR or SOS_DATA");
    }

    if (strcmp(cmd, "org") == 0) {
        rc = ctl.online ? sosctl_admin_org(&ctl, argc - i, argv + i)
                        : sosctl_org(&ctl, argc - i, argv + i);

    } else if (strcmp(cmd, "key") == 0) {
        rc = ctl.online ? sosctl_admin_key(&ctl, argc - i, argv + i)
                        : sosctl_key(&ctl, argc - i, argv + i);

    } else if (strcmp(cmd, "status") == 0) {
        rc = ctl.online ? sosctl_status_online(&ctl, argc - i, argv + i)
                        : sosctl_status(&ctl, argc - i, argv + i);

    } else if (strcmp(cmd, "scrub") == 0) {
        rc = sosctl_scrub(&ctl, argc - i, argv + i);

    } else if (strcmp(cmd, "bucket") == 0) {
        rc = sosctl_bucket(&ctl, argc - i, argv + i);

    } else {
        rc = sosctl_usage("unknown command \"%s\"", cmd);
    }

    sos_store_close(ctl.store);
    free(ctl.replicas);

    return rc;
}
