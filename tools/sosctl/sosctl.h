/*
 * sosctl: administration of an SOS data directory.
 */

#ifndef SOSCTL_H
#define SOSCTL_H

#include <sos/store.h>

#define SOSCTL_OK     0
#define SOSCTL_FAIL   1
#define SOSCTL_USAGE  2

typedef struct {
    const char   *data_dir;
    const char   *key_file;            /* NULL: DIR/secret.key */
    const char  **replicas;
    unsigned      n_replicas;
    sos_store_t  *store;

    /* online: through the admin API of a running server */
    int           online;
    char          host[256];           /* Host header: name[:port] */
    char          origin[272];         /* scheme://name[:port] */
    const char   *endpoint;
    const char   *admin_path;          /* default /sos-admin/ */
} sosctl_t;

int sosctl_org(sosctl_t *ctl, int argc, char **argv);
int sosctl_key(sosctl_t *ctl, int argc, char **argv);
int sosctl_presign(int argc, char **argv);

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
struct json_t;
struct json_t *sosctl_json_load(sosctl_t *ctl, sosctl_answer_t *ans);

/* sosctl_bucket.c: a bucket's CDN settings, both ways */
int sosctl_bucket(sosctl_t *ctl, int argc, char **argv);

/* sosctl_scrub.c: scrub and the scrub part of status, both ways */
int sosctl_scrub(sosctl_t *ctl, int argc, char **argv);
int sosctl_status_online(sosctl_t *ctl, int argc, char **argv);
void sosctl_status_scrub(sosctl_t *ctl);

/* helpers shared by the command files (sosctl.c) */
int sosctl_open(sosctl_t *ctl);
int sosctl_fail(sos_rc_e rc, const char *what, const sos_error_t *err);
int sosctl_usage(const char *fmt, ...);
void sosctl_time(int64_t t, char *buf, size_t size);

/* what org and key read and print, from the store or the admin API alike */
int sosctl_org_create_args(int argc, char **argv, const char **email);
void sosctl_org_print(const char *id, const char *name, const char *email,
    int64_t created);
void sosctl_org_line(const char *id, const char *name, const char *email,
    int64_t created);
void sosctl_key_line(const char *access_key_id, int admin, int64_t created);
void sosctl_key_print(const char *org_name, const char *access_key_id,
    const char *secret);

#endif /* SOSCTL_H */
