/*
 * sosctl: organizations (accounts) and their access keys.
 */

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <sosproto/text.h>

#include "sosctl.h"

static int sosctl_org_find(sosctl_t *ctl, const char *arg, sos_org_t *org);
static int sosctl_org_list_cb(void *ctx, const sos_org_t *org);
static int sosctl_key_list_cb(void *ctx, const sos_key_t *key);

/* ORG is a canonical id (64 hex digits) or a display name */

static int
sosctl_org_find(sosctl_t *ctl, const char *arg, sos_org_t *org)
{
    size_t       len, i;
    sos_rc_e     src;
    sos_error_t  err;

    memset(&err, 0, sizeof(err));

    len = strlen(arg);

    if (len == SOS_ID_LEN && strspn(arg, "0123456789abcdef") == len) {
        src = sos_org_get(ctl->store, arg, len, org, &err);
        if (src != SOS_ENOTFOUND) {
            goto done;
        }
    }

    src = sos_org_find_by_name(ctl->store, arg, len, org, &err);

done:

    if (src == SOS_ENOTFOUND) {
        for (i = 0; i < len && arg[i] >= 0x20; i++) { /* void */ }
        fprintf(stderr, "sosctl: no organization \"%.*s\"\n", (int) i, arg);
        return SOSCTL_FAIL;
    }

    if (src != SOS_OK) {
        return sosctl_fail(src, "cannot look up the organization", &err);
    }

    return SOSCTL_OK;
}

/* ctx: the array of a list; 1 (stop) when out of memory */

static int
sosctl_org_list_cb(void *ctx, const sos_org_t *org)
{
    return json_array_append_new(ctx, sosctl_org_json(org)) != 0;
}

int
sosctl_org(sosctl_t *ctl, int argc, char **argv)
{
    int          rc;
    json_t      *arr;
    sos_rc_e     src;
    const char  *sub, *email;
    sos_org_t    org;
    sos_error_t  err;

    if (argc < 1) {
        return sosctl_usage_cmd("org", "org needs a subcommand");
    }

    sub = argv[0];
    memset(&err, 0, sizeof(err));

    if (strcmp(sub, "create") == 0) {
        rc = sosctl_org_create_args(argc, argv, &email);
        if (rc != SOSCTL_OK) {
            return rc;
        }

        /* the server refuses them too: answers carry them in JSON, XML */
        if (!sos_text_valid((const unsigned char *) argv[1], strlen(argv[1]))
            || !sos_text_valid((const unsigned char *) email, strlen(email)))
        {
            return sosctl_usage_cmd("org", "a name or e-mail must be UTF-8 "
                                    "without control characters");
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        src = sos_org_create(ctl->store, argv[1], strlen(argv[1]), email,
                             strlen(email), &org, &err);

        if (src != SOS_OK) {
            return sosctl_fail(src, "cannot create the organization", &err);
        }

        return sosctl_emit(ctl, sosctl_org_json(&org), sosctl_org_show);
    }

    if (strcmp(sub, "list") == 0) {
        if (argc != 1) {
            return sosctl_usage_cmd("org", "usage: org list");
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        arr = json_array();
        if (arr == NULL) {
            return sosctl_emit(ctl, NULL, sosctl_org_table);
        }

        src = sos_org_list(ctl->store, sosctl_org_list_cb, arr, &err);

        if (src != SOS_OK) {
            json_decref(arr);
            return sosctl_fail(src, "cannot list organizations", &err);
        }

        return sosctl_emit(ctl, json_pack("{s:o}", "organizations", arr),
                           sosctl_org_table);
    }

    if (strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0) {
        if (argc != 2) {
            return sosctl_usage_cmd("org", "usage: org %s NAME|ID", sub);
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        rc = sosctl_org_find(ctl, argv[1], &org);
        if (rc != SOSCTL_OK) {
            return rc;
        }

        if (sub[0] == 's') {
            return sosctl_emit(ctl, sosctl_org_json(&org), sosctl_org_show);
        }

        src = sos_org_delete(ctl->store, org.id, strlen(org.id), &err);

        if (src != SOS_OK) {
            return sosctl_fail(src, "cannot delete the organization", &err);
        }

        return sosctl_emit(ctl, sosctl_org_json(&org), sosctl_org_deleted);
    }

    return sosctl_usage_cmd("org", "unknown org subcommand \"%s\"", sub);
}

static int
sosctl_key_list_cb(void *ctx, const sos_key_t *key)
{
    return json_array_append_new(ctx, sosctl_key_json(key, 0)) != 0;
}

int
sosctl_key(sosctl_t *ctl, int argc, char **argv)
{
    int          rc, admin;
    json_t      *arr, *doc;
    sos_rc_e     src;
    const char  *sub;
    sos_key_t    key;
    sos_org_t    org;
    sos_error_t  err;

    if (argc < 1) {
        return sosctl_usage_cmd("key", "key needs a subcommand");
    }

    sub = argv[0];
    memset(&err, 0, sizeof(err));

    if (strcmp(sub, "create") == 0) {
        admin = 0;

        if (argc == 3 && strcmp(argv[2], "--admin") == 0) {
            admin = 1;

        } else if (argc != 2) {
            return sosctl_usage_cmd("key", "usage: key create ORG [--admin]");
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        rc = sosctl_org_find(ctl, argv[1], &org);
        if (rc != SOSCTL_OK) {
            return rc;
        }

        src = sos_key_create(ctl->store, org.id, strlen(org.id), admin,
                             &key, &err);

        if (src != SOS_OK) {
            return sosctl_fail(src, "cannot create the key", &err);
        }

        doc = json_pack("{s:s, s:o?}", "org_name", org.name,
                        "key", sosctl_key_json(&key, 1));
        memset(key.secret, 0, sizeof(key.secret));

        return sosctl_emit(ctl, doc, sosctl_key_created);
    }

    if (strcmp(sub, "list") == 0) {
        if (argc != 2) {
            return sosctl_usage_cmd("key", "usage: key list ORG");
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        rc = sosctl_org_find(ctl, argv[1], &org);
        if (rc != SOSCTL_OK) {
            return rc;
        }

        arr = json_array();
        if (arr == NULL) {
            return sosctl_emit(ctl, NULL, sosctl_key_table);
        }

        src = sos_key_list(ctl->store, org.id, strlen(org.id),
                           sosctl_key_list_cb, arr, &err);

        if (src != SOS_OK) {
            json_decref(arr);
            return sosctl_fail(src, "cannot list keys", &err);
        }

        return sosctl_emit(ctl, json_pack("{s:o}", "keys", arr),
                           sosctl_key_table);
    }

    if (strcmp(sub, "revoke") == 0) {
        if (argc != 2) {
            return sosctl_usage_cmd("key", "usage: key revoke KEYID");
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        /* the key as it was, for the answer, as the admin API gives it */

        src = sos_key_get(ctl->store, argv[1], strlen(argv[1]), &key, &err);

        if (src == SOS_OK) {
            memset(key.secret, 0, sizeof(key.secret));
            src = sos_key_revoke(ctl->store, argv[1], strlen(argv[1]), &err);
        }

        if (src != SOS_OK) {
            if (src == SOS_ENOTFOUND) {
                fprintf(stderr, "sosctl: no key \"%s\"\n", argv[1]);
                return SOSCTL_FAIL;
            }

            return sosctl_fail(src, "cannot revoke the key", &err);
        }

        return sosctl_emit(ctl, sosctl_key_json(&key, 0), sosctl_key_revoked);
    }

    return sosctl_usage_cmd("key", "unknown key subcommand \"%s\"", sub);
}
