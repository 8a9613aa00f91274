/*
 * Spare files (sos_spare.c): empty files made ahead in <replica>/spare/,
 * one per replica under one id, which the next writes take instead of
 * creating their files:
 * - after a write, spares are made in the background, the same ids on
 *   every replica, empty, not world-readable;
 * - the next write takes one: its file id is a spare's, and that spare
 *   is gone from spare/;
 * - a spare missing on one replica: the write creates that replica's file
 *   as without one and reaches every replica;
 * - close removes the spares; open empties spare/ of what a crash left.
 */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "sos/store.h"
#include "tap.h"
#include "util.h"

#define BUCKET      "bkt"


static char  data_dir[1024];


/* The ids in replica r's spare/ into ids (at most max); their count. */
#define MIN(a, b)  ((a) < (b) ? (a) : (b))


static unsigned
spares(unsigned r, char ids[][SOS_FILE_ID_LEN + 1], unsigned max)
{
    DIR            *d;
    char            path[PATH_MAX + 16];
    unsigned        n = 0;
    struct dirent  *de;

    snprintf(path, sizeof(path), "%s/r%u/spare", data_dir, r);
    d = opendir(path);
    if (d == NULL) {
        bail("opendir(%s)", path);
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n < max && strlen(de->d_name) == SOS_FILE_ID_LEN) {
            memcpy(ids[n], de->d_name, SOS_FILE_ID_LEN + 1);
        }
        n++;
    }
    closedir(d);
    return n;
}


/*
 * Wait (at most 5 s) until every replica has at least n spares (they are
 * made replica by replica in the background); replica 0's count.
 */
static unsigned
spares_wait(unsigned n)
{
    char      ids[64][SOS_FILE_ID_LEN + 1];
    unsigned  i, r, got = 0, fewest;

    for (i = 0; i < 500; i++) {
        got = spares(0, ids, 64);
        fewest = got;
        for (r = 1; r < 3; r++) {
            fewest = MIN(fewest, spares(r, ids, 64));
        }
        if (fewest >= n) {
            break;
        }
        util_sleep_ms(10);
    }
    return got;
}


static int
has(char ids[][SOS_FILE_ID_LEN + 1], unsigned n, const char *id)
{
    unsigned  i;

    for (i = 0; i < n; i++) {
        if (strcmp(ids[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}


int
main(void)
{
    char            id[SOS_FILE_ID_LEN + 1], path[2 * PATH_MAX];
    char            ids[3][64][SOS_FILE_ID_LEN + 1];
    unsigned        n[3], r, i, same, empty, bad;
    struct stat     sb;
    sos_store_t    *s;
    sos_extent_t   *ext;
    uint32_t        n_ext;
    unsigned char   data[4096];

    plan(0);
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpdir());

    s = util_store_open(data_dir, 1, 0);
    util_org_bucket(s, "org", BUCKET, NULL);

    util_fill(data, sizeof(data), 3, 1, 8);
    util_put(s, BUCKET, "first", data, sizeof(data), NULL);

    ok(spares_wait(8) == 8, "spares are made after a write (%u)",
       spares(0, ids[0], 64));

    for (r = 0; r < 3; r++) {
        n[r] = spares(r, ids[r], 64);
    }
    same = 0;
    empty = 0;
    bad = 0;
    for (i = 0; i < n[0]; i++) {
        same += has(ids[1], n[1], ids[0][i]) && has(ids[2], n[2], ids[0][i]);
        for (r = 0; r < 3; r++) {
            snprintf(path, sizeof(path), "%s/r%u/spare/%s", data_dir, r,
                     ids[0][i]);
            if (stat(path, &sb) == 0) {
                empty += sb.st_size == 0;
                bad += (sb.st_mode & 077) != 0;
            }
        }
    }
    ok(n[0] == n[1] && n[1] == n[2] && same == n[0],
       "the same ids on every replica");
    is_int(3 * n[0], empty, "spares are empty");
    is_int(0, bad, "and not readable by group or others");

    util_put(s, BUCKET, "second", data, sizeof(data), id);
    ok(has(ids[0], n[0], id), "the next write took a spare (%s)", id);
    n[0] = spares(0, ids[0], 64);
    ok(!has(ids[0], n[0], id), "which left spare/");

    /* the next spare to be taken (the last made), gone on replica 1 */

    spares_wait(8);
    for (r = 0; r < 3; r++) {
        n[r] = spares(r, ids[r], 64);
    }
    for (i = 0; i < n[1]; i++) {
        snprintf(path, sizeof(path), "%s/r1/spare/%s", data_dir, ids[1][i]);
        unlink(path);
    }
    util_put(s, BUCKET, "third", data, sizeof(data), id);
    ext = util_extents(s, BUCKET, "third", &n_ext);
    ok(n_ext == 1 && ext[0].replicas == 7, "a spare missing on replica 1: "
       "the write still reaches every replica (mask %x)", ext[0].replicas);
    ok(has(ids[0], n[0], id) && strcmp(ext[0].id, id) == 0,
       "under the spare's id");
    free(ext);

    sos_store_close(s);
    for (r = 0, i = 0; r < 3; r++) {
        i += spares(r, ids[r], 64);
    }
    is_int(0, i, "close removes the spares");

    /* what a crash leaves in spare/ goes at open */

    snprintf(path, sizeof(path), "%s/r2/spare/0123456789abcdef0123456789abcdef",
             data_dir);
    close(open(path, O_WRONLY | O_CREAT, 0600));
    s = util_store_open(data_dir, 1, 0);
    ok(access(path, F_OK) != 0, "open empties spare/");
    sos_store_close(s);

    done_testing();
}
