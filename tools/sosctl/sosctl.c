/*
 * sosctl: administration of SOS.
 *
 * Every command but presign goes through the admin API of the running
 * server (SOS_ENDPOINT); when nothing listens there, or with
 * --data given, they open the data directory directly, which needs nginx
 * stopped (LevelDB lets one process own the index).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sosctl.h"

static const char usage[] =
    "usage: sosctl [--data DIR] [--replica DIR ...] [--key-file FILE]\n"
    "              [--json] COMMAND ...\n"
    "\n"
    "  org create NAME [--email ADDR]   create an organization (account)\n"
    "  org list                         list organizations\n"
    "  org show NAME|ID                 show one organization\n"
    "  org delete NAME|ID               delete an organization and its keys\n"
    "  key create ORG [--admin]         create an access key; prints an AWS\n"
    "                                   shared-credentials block\n"
    "  key list ORG                     list the access keys of ORG\n"
    "  key revoke KEYID                 revoke an access key\n"
    "  status                           the store: replicas (space,\n"
    "                                   writable), write quorum, degraded\n"
    "                                   extents, scrub, buckets, uploads\n"
    "  scrub [--bucket B]               check every replica of every object\n"
    "                                   (or of bucket B) now, and repair\n"
    "  bucket list                      every bucket: owner, objects, size\n"
    "  bucket show BUCKET               owner, ACL, counts and settings\n"
    "  bucket cdn BUCKET [on|off]       CDN publishing and edge purges of\n"
    "                                   the bucket's public objects\n"
    "  bucket cache-control BUCKET [VALUE|--clear]\n"
    "                                   the default Cache-Control of its\n"
    "                                   public objects (docs/cdn.md)\n"
    "  du BUCKET [PREFIX] [--depth 0|1] objects and bytes under PREFIX, per\n"
    "                                   folder one level down with --depth 1\n"
    "  presign GET|PUT|HEAD|DELETE s3://BUCKET/KEY [--expires N]\n"
    "          [--endpoint URL] [--region R]\n"
    "                                   a presigned URL (SigV4), made here\n"
    "  help [COMMAND]                   this help, or a command's\n"
    "\n"
    "  --data DIR      work on the data directory, not through the server\n"
    "                  (default when the server is down: $SOS_DATA)\n"
    "  --replica DIR   a replica directory, repeated for each replica\n"
    "                  (default: DIR/r0, DIR/r1, DIR/r2)\n"
    "  --key-file FILE the key that seals the access key secrets, as\n"
    "                  sos_key_file (default: DIR/secret.key)\n"
    "  --json          print the result as JSON (also after the command)\n"
    "  --help          this help; after a command, the command's help\n"
    "\n"
    "The commands but presign talk to the server at $SOS_ENDPOINT\n"
    "(default http://127.0.0.1:8080) through its admin API ($SOS_ADMIN_PATH,\n"
    "default /sos-admin/), signed with an admin key from the AWS credentials\n"
    "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SHARED_CREDENTIALS_FILE\n"
    "or ~/.aws/credentials, AWS_PROFILE).  When nothing listens there, or\n"
    "with --data, they open the data directory: nginx must be stopped.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

typedef struct {
    const char  *name;
    const char  *help;
} sosctl_help_t;

static const sosctl_help_t  sosctl_helps[] = {

    { "org",
      "usage: sosctl [--json] org create NAME [--email ADDR]\n"
      "       sosctl [--json] org list\n"
      "       sosctl [--json] org show NAME|ID\n"
      "       sosctl [--json] org delete NAME|ID\n"
      "\n"
      "Organizations (S3 accounts): a canonical id of 64 hex digits, a\n"
      "name and an optional e-mail.  delete revokes the organization's\n"
      "keys; it fails while the organization owns buckets.\n" },

    { "key",
      "usage: sosctl [--json] key create ORG [--admin]\n"
      "       sosctl [--json] key list ORG\n"
      "       sosctl [--json] key revoke KEYID\n"
      "\n"
      "Access keys of an organization (ORG: its name or id).  create\n"
      "prints an AWS shared-credentials block with the secret, shown this\n"
      "once; --admin lets the key use the admin API.  A revoked key is\n"
      "refused by the server's next request.\n" },

    { "status",
      "usage: sosctl [--json] status\n"
      "\n"
      "The store: its data directory, each replica (writable, free space),\n"
      "the write quorum, degraded extents and the repair queue, the\n"
      "scrub's progress and last findings, uploads in progress, and every\n"
      "bucket's objects and size.  Online and offline alike (the scrub\n"
      "rate is the server's setting: online only).\n" },

    { "scrub",
      "usage: sosctl [--json] scrub [--bucket BUCKET]\n"
      "\n"
      "Check every replica of every extent (of BUCKET's objects and\n"
      "uploads only, with --bucket) against its MD5 now, and repair what\n"
      "can be repaired.  Takes as long as reading every replica.\n" },

    { "bucket",
      "usage: sosctl [--json] bucket list\n"
      "       sosctl [--json] bucket show BUCKET\n"
      "       sosctl [--json] bucket cdn BUCKET [on|off]\n"
      "       sosctl [--json] bucket cache-control BUCKET [VALUE|--clear]\n"
      "\n"
      "list: every bucket with its owner, objects, size, uploads in\n"
      "progress and creation time.  show: a bucket's owner, region, ACL\n"
      "summary, counts and which settings it has (website, CORS, CDN,\n"
      "Cache-Control).  cdn, cache-control: see docs/cdn.md.\n" },

    { "du",
      "usage: sosctl [--json] du BUCKET [PREFIX] [--depth 0|1]\n"
      "                         [--delimiter D]\n"
      "\n"
      "Objects, bytes and uploads in progress under PREFIX (the whole\n"
      "bucket without one).  --depth 1 also sums each folder one level\n"
      "down (keys grouped up to the next \"/\", or D); at most 1000\n"
      "folders are listed.  Walks every key under PREFIX.\n" },

    { "presign",
      "usage: sosctl [--json] presign GET|PUT|HEAD|DELETE s3://BUCKET/KEY\n"
      "              [--expires SECONDS] [--endpoint URL] [--region R]\n"
      "\n"
      "A presigned URL (SigV4 query form) for one request, made here with\n"
      "the AWS credentials; nothing is sent.  --expires: 1 to 604800\n"
      "seconds (default 3600).  --endpoint: default $SOS_ENDPOINT or\n"
      "http://127.0.0.1:8080; --region: default $AWS_REGION or us-east-1.\n"
      "PUT: upload with e.g. curl -T FILE URL.\n" },

    { "help",
      "usage: sosctl help [COMMAND]\n" },

    { NULL, NULL }
};

static int sosctl_main(sosctl_t *ctl, int argc, char **argv);
static const sosctl_help_t *sosctl_help_find(const char *cmd);
static int sosctl_args(sosctl_t *ctl, int *argc, char **argv,
    const char *cmd);


static const sosctl_help_t *
sosctl_help_find(const char *cmd)
{
    const sosctl_help_t  *h;

    for (h = sosctl_helps; h->name; h++) {
        if (strcmp(h->name, cmd) == 0) {
            return h;
        }
    }

    return NULL;
}


int
sosctl_usage_cmd(const char *cmd, const char *fmt, ...)
{
    va_list               ap;
    const sosctl_help_t  *h;

    fputs("sosctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);

    h = sosctl_help_find(cmd);
    fputs(h ? h->help : usage, stderr);

    return SOSCTL_USAGE;
}


/*
 * --json and --help after the command: --json is taken out of argv,
 * --help prints the command's help (1 returned)
 */

static int
sosctl_args(sosctl_t *ctl, int *argc, char **argv, const char *cmd)
{
    int                   i, n;
    const sosctl_help_t  *h;

    n = 0;

    for (i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            ctl->json = 1;
            continue;
        }

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            h = sosctl_help_find(cmd);
            fputs(h ? h->help : usage, stdout);
            return 1;
        }

        argv[n++] = argv[i];
    }

    *argc = n;

    return 0;
}



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
        return sosctl_usage_cmd("org",
                                "usage: org create NAME [--email ADDR]");
    }

    return SOSCTL_OK;
}

/* ORG and KEY as the admin API has them; NULL: no memory */

json_t *
sosctl_org_json(const sos_org_t *org)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "id", org->id,
                     "name", org->name, "email", org->email,
                     "created", (json_int_t) org->created);
}


json_t *
sosctl_key_json(const sos_key_t *key, int secret)
{
    json_t  *j;

    j = json_pack("{s:s, s:s, s:b, s:I}", "access_key_id",
                  key->access_key_id, "org_id", key->org_id,
                  "admin", key->admin, "created", (json_int_t) key->created);

    if (j != NULL && secret
        && json_object_set_new(j, "secret_access_key",
                               json_string(key->secret)) != 0)
    {
        json_decref(j);
        return NULL;
    }

    return j;
}


/* the printers of org and key, online and offline alike */

void
sosctl_org_show(json_t *org)
{
    char  t[64];

    sosctl_time((int64_t) sosctl_jnum(org, "created"), t, sizeof(t));

    printf("id:       %s\n", sosctl_jstr(org, "id"));
    printf("name:     %s\n", sosctl_jstr(org, "name"));
    printf("email:    %s\n", sosctl_jstr(org, "email"));
    printf("created:  %s\n", t);
}


void
sosctl_org_table(json_t *doc)
{
    char         t[64];
    size_t       i;
    json_t      *org;
    const char  *email;

    printf("%-64s  %-20s  %-20s  %s\n", "ID", "NAME", "EMAIL", "CREATED");

    json_array_foreach(json_object_get(doc, "organizations"), i, org) {
        sosctl_time((int64_t) sosctl_jnum(org, "created"), t, sizeof(t));
        email = sosctl_jstr(org, "email");
        printf("%s  %-20s  %-20s  %s\n", sosctl_jstr(org, "id"),
               sosctl_jstr(org, "name"), email[0] ? email : "-", t);
    }
}


void
sosctl_org_deleted(json_t *org)
{
    printf("deleted organization %s (%s)\n", sosctl_jstr(org, "name"),
           sosctl_jstr(org, "id"));
}


void
sosctl_key_table(json_t *doc)
{
    char     t[64];
    size_t   i;
    json_t  *key;

    printf("%-20s  %-5s  %s\n", "ACCESS KEY ID", "ADMIN", "CREATED");

    json_array_foreach(json_object_get(doc, "keys"), i, key) {
        sosctl_time((int64_t) sosctl_jnum(key, "created"), t, sizeof(t));
        printf("%-20s  %-5s  %s\n", sosctl_jstr(key, "access_key_id"),
               json_is_true(json_object_get(key, "admin")) ? "yes" : "no", t);
    }
}


/* a new key: an AWS shared-credentials block, ready to paste */

void
sosctl_key_created(json_t *doc)
{
    json_t  *key;

    key = json_object_get(doc, "key");

    printf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
           sosctl_jstr(doc, "org_name"), sosctl_jstr(key, "access_key_id"),
           sosctl_jstr(key, "secret_access_key"));
}


void
sosctl_key_revoked(json_t *key)
{
    printf("revoked %s\n", sosctl_jstr(key, "access_key_id"));
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

/* the replicas' array freed on every way out (LeakSanitizer's exit 1) */

int
main(int argc, char **argv)
{
    int       rc;
    sosctl_t  ctl;

    memset(&ctl, 0, sizeof(ctl));

    ctl.replicas = calloc((size_t) argc, sizeof(char *));
    if (ctl.replicas == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return SOSCTL_FAIL;
    }

    rc = sosctl_main(&ctl, argc, argv);

    free(ctl.replicas);

    return rc;
}


static int
sosctl_main(sosctl_t *ctl, int argc, char **argv)
{
    int          i, rc, data_explicit;
    size_t       n;
    const char  *arg, *cmd;

    data_explicit = 0;

    ctl->data_dir = getenv("SOS_DATA");
    if (ctl->data_dir != NULL && ctl->data_dir[0] == '\0') {
        ctl->data_dir = NULL;
    }

    /* global options come before the command */

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        arg = argv[i];

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            return SOSCTL_OK;
        }

        if (strcmp(arg, "--json") == 0) {
            ctl->json = 1;
            continue;
        }

        if (strcmp(arg, "--key-file") == 0) {
            if (i + 1 >= argc) {
                return sosctl_usage("%s needs a file", arg);
            }

            ctl->key_file = argv[++i];
            continue;
        }

        n = sizeof("--key-file=") - 1;
        if (strncmp(arg, "--key-file=", n) == 0) {
            ctl->key_file = arg + n;
            continue;
        }

        if (strcmp(arg, "--data") == 0 || strcmp(arg, "--replica") == 0) {
            if (i + 1 >= argc) {
                return sosctl_usage("%s needs a directory", arg);
            }

            if (arg[2] == 'd') {
                ctl->data_dir = argv[++i];
                data_explicit = 1;
            } else {
                ctl->replicas[ctl->n_replicas++] = argv[++i];
            }

            continue;
        }

        n = sizeof("--data=") - 1;
        if (strncmp(arg, "--data=", n) == 0) {
            ctl->data_dir = arg + n;
            data_explicit = 1;
            continue;
        }

        n = sizeof("--replica=") - 1;
        if (strncmp(arg, "--replica=", n) == 0) {
            ctl->replicas[ctl->n_replicas++] = arg + n;
            continue;
        }

        return sosctl_usage("unknown option \"%s\"", arg);
    }

    if (i >= argc) {
        return sosctl_usage(NULL);
    }

    cmd = argv[i++];
    argc -= i;
    argv += i;

    if (strcmp(cmd, "help") == 0) {
        if (argc == 0) {
            fputs(usage, stdout);
            return SOSCTL_OK;
        }

        if (argc == 1 && sosctl_help_find(argv[0]) != NULL) {
            fputs(sosctl_help_find(argv[0])->help, stdout);
            return SOSCTL_OK;
        }

        return sosctl_usage("no command \"%s\"", argv[0]);
    }

    if (sosctl_help_find(cmd) == NULL) {
        return sosctl_usage("unknown command \"%s\"", cmd);
    }

    if (sosctl_args(ctl, &argc, argv, cmd)) {
        return SOSCTL_OK;
    }

    /* presign signs here: it needs no server nor data directory */

    if (strcmp(cmd, "presign") == 0) {
        return sosctl_presign(ctl, argc, argv);
    }

    if (argc == 0 && (strcmp(cmd, "org") == 0 || strcmp(cmd, "key") == 0
                      || strcmp(cmd, "bucket") == 0
                      || strcmp(cmd, "du") == 0))
    {
        return sosctl_usage_cmd(cmd, "%s needs a subcommand or arguments",
                                cmd);
    }

    if (ctl->n_replicas > SOS_MAX_REPLICAS) {
        return sosctl_usage("at most %d replicas", SOS_MAX_REPLICAS);
    }

    /* online when the server answers and no --data */

    if (!data_explicit) {
        if (sosctl_admin_endpoint(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        ctl->online = sosctl_admin_reachable(ctl);

        if (!ctl->online && ctl->data_dir == NULL) {
            fprintf(stderr, "sosctl: nothing answers at %s and no data "
                    "directory is given (--data DIR or SOS_DATA)\n",
                    ctl->endpoint);
            return SOSCTL_FAIL;
        }
    }

    if (strcmp(cmd, "org") == 0) {
        rc = ctl->online ? sosctl_admin_org(ctl, argc, argv)
                        : sosctl_org(ctl, argc, argv);

    } else if (strcmp(cmd, "key") == 0) {
        rc = ctl->online ? sosctl_admin_key(ctl, argc, argv)
                        : sosctl_key(ctl, argc, argv);

    } else if (strcmp(cmd, "status") == 0) {
        rc = sosctl_status(ctl, argc, argv);

    } else if (strcmp(cmd, "scrub") == 0) {
        rc = sosctl_scrub(ctl, argc, argv);

    } else if (strcmp(cmd, "bucket") == 0) {
        rc = (strcmp(argv[0], "list") == 0 || strcmp(argv[0], "show") == 0)
             ? sosctl_bucket_usage(ctl, argc, argv)
             : sosctl_bucket(ctl, argc, argv);

    } else {
        rc = sosctl_du(ctl, argc, argv);
    }

    sos_store_close(ctl->store);

    return rc;
}
