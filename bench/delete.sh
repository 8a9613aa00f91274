#!/bin/bash
# DeleteObjects row: one request of 1,000 keys against SOS with sos_fsync
# on (3 replicas), the median of a few rounds (bench/delete_objects.py),
# beside the same request naming 1,000 missing keys: the same parsing,
# index reads and answer without a write, the floor under the figure.
#
# Builds nothing: run `make` first (make bench does).  Settings: lib.sh,
# and SOS_BENCH_ROUNDS, rounds (default 5, quick 2).

. "$(dirname "$0")/lib.sh"

rounds=${SOS_BENCH_ROUNDS:-$([ "$quick" = 1 ] && echo 2 || echo 5)}
"$python" -c 'import boto3' 2>/dev/null || fail "boto3 missing (make deps)"

sos_init sos
sos_start sos on 16

read -r med floor low high < <("$python" "$top/bench/delete_objects.py" \
                               "http://127.0.0.1:$port" "$rounds")
[ -n "$high" ] || fail "DeleteObjects failed"

echo "DeleteObjects: $rounds rounds, lowest $low s, highest $high s;" \
     "sos_fsync on, 3 replicas, $fs; load $(cut -d' ' -f1-3 /proc/loadavg)"
row "DeleteObjects, 1,000 keys" "$med" "$floor" "s" \
    "same request, 1,000 missing keys" "< 0.2 s" lo

log_check sos
