/*
 * sosctl scrub and status: a scrub pass now, and the replicas and the
 * scrub's progress, through the admin API of the running server or on
 * the data directory with nginx stopped.  Both ways fill the library's
 * structs and print them with the same code.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <sosproto/sigv4.h>

#include "sosctl.h"

static void sosctl_scrub_print(json_t *doc);
static void sosctl_scrub_report_print(const sos_scrub_report_t *report);
static void sosctl_findings_print(const sos_finding_t *f, size_t n);
static void sosctl_scrub_status_print(const sos_scrub_status_t *status,
    int64_t rate);
static json_t *sosctl_status_get(sosctl_t *ctl);
static json_t *sosctl_status_doc(sosctl_t *ctl);
static json_t *sosctl_findings_json(const sos_finding_t *f, size_t n);
static void sosctl_status_print(json_t *doc);
static uint64_t sosctl_json_u64(json_t *obj, const char *name);
static void sosctl_json_cstr(json_t *obj, const char *name, char *dst,
    size_t size);
static size_t sosctl_json_findings(json_t *arr, sos_finding_t *f);

/* scrub [--bucket B] */

int
sosctl_scrub(sosctl_t *ctl, int argc, char **argv)
{
    int                  rc;
    char                *q;
    size_t               n;
    json_t              *doc;
    sos_rc_e             src;
    const char          *bucket;
    sos_error_t          err;
    sosctl_answer_t      ans;
    sos_scrub_report_t  *report;

    bucket = NULL;

    if (argc == 2 && strcmp(argv[0], "--bucket") == 0) {
        bucket = argv[1];

    } else if (argc != 0) {
        return sosctl_usage_cmd("scrub", "usage: scrub [--bucket BUCKET]");
    }

    if (!ctl->online) {
        report = calloc(1, sizeof(sos_scrub_report_t));
        if (report == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return SOSCTL_FAIL;
        }

        if (sosctl_open(ctl) != SOSCTL_OK) {
            free(report);
            return SOSCTL_FAIL;
        }

        src = sos_scrub_run(ctl->store, bucket, bucket ? strlen(bucket) : 0,
                            report, &err);
        if (src != SOS_OK) {
            free(report);
            return sosctl_fail(src, "scrub failed", &err);
        }

        doc = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o?, "
                        "s:I}",
                        "extents", (json_int_t) report->extents,
                        "bytes", (json_int_t) report->bytes,
                        "bad", (json_int_t) report->bad,
                        "repaired", (json_int_t) report->repaired,
                        "failed", (json_int_t) report->failed,
                        "unrepairable", (json_int_t) report->unrepairable,
                        "degraded", (json_int_t) report->degraded,
                        "orphans", (json_int_t) report->orphans,
                        "findings", sosctl_findings_json(report->findings,
                                                         report->n_findings),
                        "findings_dropped",
                        (json_int_t) report->findings_dropped);
        free(report);

        return sosctl_emit(ctl, doc, sosctl_scrub_print);
    }

    q = NULL;

    if (bucket != NULL) {
        q = malloc(3 * strlen(bucket) + 8);
        if (q == NULL) {
            fprintf(stderr, "sosctl: out of memory\n");
            return SOSCTL_FAIL;
        }

        n = (size_t) sprintf(q, "bucket=");
        n += sos_sigv4_uri_encode(q + n, bucket, strlen(bucket), 0);
        q[n] = '\0';
    }

    rc = sosctl_admin_call(ctl, "POST", "scrub", q, &ans);
    free(q);

    if (rc != 0) {
        return SOSCTL_FAIL;
    }

    if (ans.status != 200) {
        return sosctl_admin_error(ctl, "scrub failed", &ans);
    }

    doc = sosctl_json_load(ctl, &ans);
    if (doc == NULL) {
        return SOSCTL_FAIL;
    }

    return sosctl_emit(ctl, doc, sosctl_scrub_print);
}


/* REPORT as a table */

static void
sosctl_scrub_print(json_t *doc)
{
    sos_scrub_report_t  *report;

    report = calloc(1, sizeof(sos_scrub_report_t));
    if (report == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return;
    }

    report->extents = sosctl_json_u64(doc, "extents");
    report->bytes = sosctl_json_u64(doc, "bytes");
    report->bad = sosctl_json_u64(doc, "bad");
    report->repaired = sosctl_json_u64(doc, "repaired");
    report->failed = sosctl_json_u64(doc, "failed");
    report->unrepairable = sosctl_json_u64(doc, "unrepairable");
    report->degraded = sosctl_json_u64(doc, "degraded");
    report->orphans = sosctl_json_u64(doc, "orphans");
    report->findings_dropped = sosctl_json_u64(doc, "findings_dropped");
    report->n_findings = sosctl_json_findings(json_object_get(doc,
                                                              "findings"),
                                              report->findings);
    sosctl_scrub_report_print(report);
    free(report);
}


static void
sosctl_scrub_report_print(const sos_scrub_report_t *report)
{
    char  size[32];

    sosctl_size(report->bytes, size, sizeof(size));

    printf("extents checked:  %llu\n", (unsigned long long) report->extents);
    printf("bytes read:       %llu (%s)\n",
           (unsigned long long) report->bytes, size);
    printf("bad or missing:   %llu\n", (unsigned long long) report->bad);
    printf("repaired:         %llu\n", (unsigned long long) report->repaired);
    printf("repair failed:    %llu\n", (unsigned long long) report->failed);
    printf("unrepairable:     %llu\n",
           (unsigned long long) report->unrepairable);
    printf("degraded writes:  %llu\n", (unsigned long long) report->degraded);
    printf("orphans removed:  %llu\n", (unsigned long long) report->orphans);

    sosctl_findings_print(report->findings, report->n_findings);

    if (report->findings_dropped) {
        printf("  (%llu more not listed)\n",
               (unsigned long long) report->findings_dropped);
    }
}

static void
sosctl_findings_print(const sos_finding_t *f, size_t n)
{
    char    t[64], replica[16];
    size_t  i;

    if (n == 0) {
        return;
    }

    printf("findings:\n");

    for (i = 0; i < n; i++) {
        sosctl_time(f[i].time, t, sizeof(t));

        if (f[i].replica < SOS_MAX_REPLICAS) {
            snprintf(replica, sizeof(replica), "%u", f[i].replica);
        } else {
            snprintf(replica, sizeof(replica), "all");
        }

        printf("  %s  %-15s replica %-3s file %s  %s\n", t,
               sos_finding_name(f[i].what), replica, f[i].file,
               f[i].where);
    }
}

/*
 * status: GET status and GET usage merged, or the same document built
 * from the store; one printer for both
 */

int
sosctl_status(sosctl_t *ctl, int argc, char **argv)
{
    json_t  *doc, *usage;

    (void) argv;

    if (argc != 0) {
        return sosctl_usage_cmd("status", "status takes no arguments");
    }

    if (ctl->online) {
        doc = sosctl_status_get(ctl);

    } else {
        if (sosctl_open(ctl) != SOSCTL_OK) {
            return SOSCTL_FAIL;
        }

        doc = sosctl_status_doc(ctl);
    }

    if (doc == NULL) {
        return SOSCTL_FAIL;
    }

    usage = sosctl_usage_doc(ctl);
    if (usage == NULL) {
        json_decref(doc);
        return SOSCTL_FAIL;
    }

    if (json_object_update(doc, usage) != 0) {
        json_decref(usage);
        json_decref(doc);
        fprintf(stderr, "sosctl: out of memory\n");
        return SOSCTL_FAIL;
    }

    json_decref(usage);

    return sosctl_emit(ctl, doc, sosctl_status_print);
}


static json_t *
sosctl_status_get(sosctl_t *ctl)
{
    sosctl_answer_t  ans;

    if (sosctl_admin_call(ctl, "GET", "status", NULL, &ans) != 0) {
        return NULL;
    }

    if (ans.status != 200) {
        sosctl_admin_error(ctl, "cannot get the status", &ans);
        return NULL;
    }

    return sosctl_json_load(ctl, &ans);
}


/* GET status's answer from the open store (the scrub rate: null) */

static json_t *
sosctl_status_doc(sosctl_t *ctl)
{
    unsigned             i;
    json_t              *doc, *arr, *r;
    sos_error_t          err;
    sos_store_info_t     info;
    sos_scrub_status_t  *st;

    st = calloc(1, sizeof(sos_scrub_status_t));
    if (st == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return NULL;
    }

    memset(&err, 0, sizeof(err));

    if (sos_scrub_status(ctl->store, st, &err) != SOS_OK) {
        sosctl_fail(err.code, "cannot get the status", &err);
        free(st);
        return NULL;
    }

    sos_store_info(ctl->store, &info);

    arr = json_array();

    for (i = 0; arr != NULL && i < st->n_replicas; i++) {
        r = json_pack("{s:I, s:s, s:b, s:I, s:I, s:b}",
                      "index", (json_int_t) i,
                      "path", st->replicas[i].path,
                      "writable", st->replicas[i].writable,
                      "free_bytes", (json_int_t) st->replicas[i].free_bytes,
                      "total_bytes",
                      (json_int_t) st->replicas[i].total_bytes,
                      "degraded_at_open",
                      (info.degraded_mask & (1u << i)) != 0);

        if (r == NULL || json_array_append_new(arr, r) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }

    doc = json_pack("{s:I, s:o?, s:I, s:I, "
                    "s:{s:n, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
                    "s:I}, s:o?}",
                    "write_quorum", (json_int_t) info.write_quorum,
                    "replicas", arr,
                    "degraded_extents", (json_int_t) st->degraded_extents,
                    "queued", (json_int_t) st->queued,
                    "scrub", "rate", "cursor", st->cursor,
                    "passes", (json_int_t) st->passes,
                    "last_pass_end", (json_int_t) st->last_pass_end,
                    "pass_bytes", (json_int_t) st->pass_bytes,
                    "bytes", (json_int_t) st->bytes,
                    "bad", (json_int_t) st->bad,
                    "repaired", (json_int_t) st->repaired,
                    "failed", (json_int_t) st->failed,
                    "unrepairable", (json_int_t) st->unrepairable,
                    "orphans", (json_int_t) st->orphans,
                    "findings", sosctl_findings_json(st->findings,
                                                     st->n_findings));
    free(st);

    if (doc == NULL || arr == NULL) {
        json_decref(doc);
        fprintf(stderr, "sosctl: out of memory\n");
        return NULL;
    }

    return doc;
}


/* FINDING... as the admin API sends them */

static json_t *
sosctl_findings_json(const sos_finding_t *f, size_t n)
{
    size_t   i;
    json_t  *arr, *j;

    arr = json_array();

    for (i = 0; arr != NULL && i < n; i++) {
        j = json_pack("{s:s, s:o, s:s, s:s, s:I, s:i}",
                      "what", sos_finding_name(f[i].what),
                      "replica", f[i].replica < SOS_MAX_REPLICAS
                                 ? json_integer(f[i].replica) : json_null(),
                      "file", f[i].file, "where", f[i].where,
                      "time", (json_int_t) f[i].time,
                      "errno", f[i].sys_errno);

        if (j == NULL || json_array_append_new(arr, j) != 0) {
            json_decref(arr);
            return NULL;
        }
    }

    return arr;
}


static void
sosctl_status_print(json_t *doc)
{
    int                  bad, degraded;
    size_t               i;
    json_t              *arr, *r, *scrub;
    sos_scrub_status_t  *status;

    status = calloc(1, sizeof(sos_scrub_status_t));
    if (status == NULL) {
        fprintf(stderr, "sosctl: out of memory\n");
        return;
    }

    /* the paths point into doc */

    arr = json_object_get(doc, "replicas");

    json_array_foreach(arr, i, r) {
        if (i == SOS_MAX_REPLICAS) {
            break;
        }

        status->replicas[i].path = sosctl_jstr(r, "path");
        status->replicas[i].writable = json_is_true(json_object_get(r,
                                                                "writable"));
        status->replicas[i].free_bytes = sosctl_json_u64(r, "free_bytes");
        status->replicas[i].total_bytes = sosctl_json_u64(r, "total_bytes");
        status->n_replicas = (unsigned) i + 1;
    }

    status->degraded_extents = sosctl_json_u64(doc, "degraded_extents");
    status->queued = sosctl_json_u64(doc, "queued");

    scrub = json_object_get(doc, "scrub");
    sosctl_json_cstr(scrub, "cursor", status->cursor,
                     sizeof(status->cursor));
    status->passes = sosctl_json_u64(scrub, "passes");
    status->last_pass_end = (int64_t) sosctl_json_u64(scrub,
                                                      "last_pass_end");
    status->pass_bytes = sosctl_json_u64(scrub, "pass_bytes");
    status->bytes = sosctl_json_u64(scrub, "bytes");
    status->bad = sosctl_json_u64(scrub, "bad");
    status->repaired = sosctl_json_u64(scrub, "repaired");
    status->failed = sosctl_json_u64(scrub, "failed");
    status->unrepairable = sosctl_json_u64(scrub, "unrepairable");
    status->orphans = sosctl_json_u64(scrub, "orphans");
    status->n_findings = sosctl_json_findings(json_object_get(doc,
                                                              "findings"),
                                              status->findings);

    degraded = 0;
    printf("store:         %s\n", sosctl_jstr(doc, "data_dir"));
    printf("replicas:      %u\n", status->n_replicas);

    json_array_foreach(arr, i, r) {
        if (i == status->n_replicas) {
            break;
        }

        bad = json_is_true(json_object_get(r, "degraded_at_open"))
              || !status->replicas[i].writable;
        degraded |= bad;
        printf("  %-3u %s  %s\n", (unsigned) i, status->replicas[i].path,
               bad ? "degraded" : "ok");
    }

    printf("write quorum:  %llu\n",
           (unsigned long long) sosctl_json_u64(doc, "write_quorum"));
    printf("degraded:      %s\n", degraded ? "yes" : "no");

    sosctl_scrub_status_print(status,
                              json_is_integer(json_object_get(scrub, "rate"))
                              ? (int64_t) sosctl_json_u64(scrub, "rate")
                              : -1);

    printf("uploads in progress:  %llu\n",
           (unsigned long long) sosctl_json_u64(doc, "uploads"));
    printf("buckets:\n");
    sosctl_usage_table(doc);

    free(status);
}


/* rate -1: not known (offline) */

static void
sosctl_scrub_status_print(const sos_scrub_status_t *status, int64_t rate)
{
    char      t[64], free_size[32], total[32];
    unsigned  i;

    printf("replica space:\n");

    for (i = 0; i < status->n_replicas; i++) {
        sosctl_size(status->replicas[i].free_bytes, free_size,
                    sizeof(free_size));
        sosctl_size(status->replicas[i].total_bytes, total, sizeof(total));
        printf("  %-3u %s  %s  %s free of %s\n", i,
               status->replicas[i].path,
               status->replicas[i].writable ? "writable" : "NOT WRITABLE",
               free_size, total);
    }

    printf("degraded extents:  %llu\n",
           (unsigned long long) status->degraded_extents);
    printf("repair queue:      %llu\n", (unsigned long long) status->queued);

    if (rate >= 0) {
        sosctl_size((uint64_t) rate, total, sizeof(total));
        printf("scrub rate:        %s/s%s\n", total,
               rate == 0 ? " (off)" : "");
    }

    printf("scrub position:    %s\n",
           status->cursor[0] ? status->cursor : "(start of a pass)");
    printf("scrub passes:      %llu\n", (unsigned long long) status->passes);

    if (status->last_pass_end) {
        sosctl_time(status->last_pass_end, t, sizeof(t));
        printf("last pass ended:   %s\n", t);
    } else {
        printf("last pass ended:   never\n");
    }

    sosctl_size(status->pass_bytes, total, sizeof(total));
    printf("read this pass:    %s\n", total);
    printf("since start: bad %llu, repaired %llu, repair failed %llu, "
           "unrepairable %llu, orphans removed %llu\n",
           (unsigned long long) status->bad,
           (unsigned long long) status->repaired,
           (unsigned long long) status->failed,
           (unsigned long long) status->unrepairable,
           (unsigned long long) status->orphans);

    sosctl_findings_print(status->findings, status->n_findings);
}


static uint64_t
sosctl_json_u64(json_t *obj, const char *name)
{
    json_int_t  v;

    v = json_integer_value(json_object_get(obj, name));

    return v > 0 ? (uint64_t) v : 0;
}

static void
sosctl_json_cstr(json_t *obj, const char *name, char *dst, size_t size)
{
    const char  *s;

    s = json_string_value(json_object_get(obj, name));
    snprintf(dst, size, "%s", s ? s : "");
}

static size_t
sosctl_json_findings(json_t *arr, sos_finding_t *f)
{
    int          k;
    size_t       i, n;
    json_t      *j, *replica;
    const char  *what;

    n = 0;

    json_array_foreach(arr, i, j) {
        if (n == SOS_SCRUB_FINDINGS) {
            break;
        }

        memset(&f[n], 0, sizeof(sos_finding_t));

        what = json_string_value(json_object_get(j, "what"));
        f[n].what = SOS_FINDING_ORPHAN + 1;

        for (k = SOS_FINDING_BAD; what && k <= SOS_FINDING_ORPHAN; k++) {
            if (strcmp(what, sos_finding_name((sos_finding_e) k)) == 0) {
                f[n].what = (sos_finding_e) k;
            }
        }

        replica = json_object_get(j, "replica");
        f[n].replica = json_is_integer(replica)
                       ? (unsigned) json_integer_value(replica)
                       : SOS_MAX_REPLICAS;
        f[n].time = (int64_t) sosctl_json_u64(j, "time");
        sosctl_json_cstr(j, "file", f[n].file, sizeof(f[n].file));
        sosctl_json_cstr(j, "where", f[n].where, sizeof(f[n].where));
        n++;
    }

    return n;
}
