/*
 * sosctl: administration of an SOS data directory.
 */

#ifndef SOSCTL_H
#define SOSCTL_H

#include <sos/store.h>

#define SOSCTL_OK     0
#define SOSCTL_FAIL   1
#define SOSCTL_USAGE  2

struct json_t;
typedef void (*sosctl_print_pt)(struct json_t *doc);

typedef struct {
    const char   *data_dir;
    const char   *key_file;            /* NULL: DIR/secret.key */
    const char  **replicas;
    unsigned      n_replicas;
    sos_store_t  *store;

    /* online: through the admin API of a running server */
    int           online;
    int           json;                /* --json: the document, no table */
    char          host[256];           /* Host header: name[:port] */
    char          origin[272];         /* scheme://name[:port] */
    const char   *endpoint;
    const char   *admin_path;          /* default /sos-admin/ */
} sosctl_t;

int sosctl_org(sosctl_t *ctl, int argc, char **argv);
int sosctl_key(sosctl_t *ctl, int argc, char **argv);
int sosctl_presign(sosctl_t *ctl, int argc, char **argv);

/* sosctl_admin.c: the same commands through the admin API */
int sosctl_admin_endpoint(sosctl_t *ctl);
int sosctl_admin_reachable(sosctl_t *ctl);
int sosctl_admin_org(sosctl_t *ctl, int argc, char **argv);
int sosctl_admin_key(sosctl_t *ctl, int argc, char **argv);
int sosctl_credentials(char *key, size_t key_size, char *secret,
    size_t secret_size);

/* an answer of the admin API */
typedef struct {
    int          status;
    char        *body;                 /* NUL-terminated */
    size_t       len;
    size_t       size;
    const char  *failed;               /* why the body was cut short */
} sosctl_answer_t;

/* method on admin_path + path, query already encoded; 0 or -1 (said) */
int sosctl_admin_call(sosctl_t *ctl, const char *method, const char *path,
    const char *query, sosctl_answer_t *ans);
/* say what the S3 error document of ans says; frees the body */
int sosctl_admin_error(sosctl_t *ctl, const char *what,
    sosctl_answer_t *ans);
/* the answer as a JSON object (a json_t *), or NULL having said why; the
 * body is freed either way */
struct json_t *sosctl_json_load(sosctl_t *ctl, sosctl_answer_t *ans);

/* sosctl_bucket.c: a bucket's CDN settings, both ways */
int sosctl_bucket(sosctl_t *ctl, int argc, char **argv);

/* sosctl_usage.c: bucket list|show, du, the usage part of status */
int sosctl_bucket_usage(sosctl_t *ctl, int argc, char **argv);
int sosctl_du(sosctl_t *ctl, int argc, char **argv);
struct json_t *sosctl_usage_doc(sosctl_t *ctl);
void sosctl_usage_table(struct json_t *doc);

/* sosctl_out.c: printing; sosctl_emit takes doc (NULL: no memory) */
int sosctl_emit(sosctl_t *ctl, struct json_t *doc, sosctl_print_pt print);
size_t sosctl_printable(char *s, size_t len);
void sosctl_size(uint64_t bytes, char *buf, size_t size);
void sosctl_date(int64_t t, char *buf, size_t size);
struct json_t *sosctl_json_key(const char *s, size_t len);
const char *sosctl_jstr(struct json_t *obj, const char *name);
uint64_t sosctl_jnum(struct json_t *obj, const char *name);
struct json_t *sosctl_acl_summary(const unsigned char *blob, size_t len,
    const char *owner);

/* sosctl_scrub.c: scrub and the scrub part of status, both ways */
int sosctl_scrub(sosctl_t *ctl, int argc, char **argv);
int sosctl_status(sosctl_t *ctl, int argc, char **argv);

/* helpers shared by the command files (sosctl.c) */
int sosctl_open(sosctl_t *ctl);
int sosctl_fail(sos_rc_e rc, const char *what, const sos_error_t *err);
int sosctl_usage(const char *fmt, ...);
/* a usage error of one command: the message, then that command's help */
int sosctl_usage_cmd(const char *cmd, const char *fmt, ...);
void sosctl_time(int64_t t, char *buf, size_t size);

/* what org and key read and print, from the store or the admin API alike */
int sosctl_org_create_args(int argc, char **argv, const char **email);
struct json_t *sosctl_org_json(const sos_org_t *org);
struct json_t *sosctl_key_json(const sos_key_t *key, int secret);
void sosctl_org_show(struct json_t *org);
void sosctl_org_table(struct json_t *doc);
void sosctl_org_deleted(struct json_t *org);
void sosctl_key_table(struct json_t *doc);
void sosctl_key_created(struct json_t *doc);
void sosctl_key_revoked(struct json_t *key);

#endif /* SOSCTL_H */
