#!/bin/bash
# Where the SOS worker's time goes (perf, call graphs), for the rows whose
# ratio is furthest from its target: a 4 KiB public-read GET and a 4 KiB
# durable PUT, each by 64 connections with wrk -t1, the worker and its
# threads sampled meanwhile.  Prints, per case, the functions with the
# most samples (self, and with their callees), grouped as docs/
# performance.md reads them.  Not part of `make bench` (perf needs root
# or perf_event_paranoid <= 1); run it alone after `make bench` built
# everything:  bench/profile.sh
#
# Settings: lib.sh, SOS_BENCH_TIME (seconds sampled, default 8).

. "$(dirname "$0")/lib.sh"

secs=${SOS_BENCH_TIME:-8}
command -v perf >/dev/null || fail "perf missing (make deps: linux-perf)"
command -v wrk >/dev/null || fail "wrk missing (make deps)"

sos_init sos
sos_start sos on 16
host=127.0.0.1:$port
sos=http://$host
worker=$(pgrep -P "$pid" | head -1)
[ -n "$worker" ] || fail "no nginx worker"

curl -sS -g -f -X PUT "$(presign PUT bench "$sos")" -o /dev/null \
    || fail "bucket creation failed"
head -c 4096 /dev/urandom > "$dir/4k"
curl -sS -g -f -X PUT -T "$dir/4k" "$(presign PUT bench/4k "$sos")" \
    -o /dev/null || fail "PUT bench/4k failed"
"$python" -c '
import sys, boto3
from botocore.config import Config
boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
             config=Config(s3={"addressing_style": "path"})).put_object_acl(
    Bucket="bench", Key="4k", ACL="public-read")' "$sos" \
    || fail "PutObjectAcl failed"

# profile "name" wrk-arguments...: perf on the worker while wrk runs
profile() {
    local name=$1 data=$dir/$1.perf
    shift
    perf record -q -g -o "$data" -p "$worker" -- sleep "$secs" \
        2>>"$dir/perf.log" &
    local perf_pid=$!
    wrk -t1 -c64 -d"${secs}s" --timeout 30s "$@" > "$dir/$name.wrk"
    wait "$perf_pid" || fail "perf record failed ($dir/perf.log)"

    echo "== $name: $(awk '/^Requests\/sec:/ { print $2 }' \
        "$dir/$name.wrk") req/s while sampled"
    echo "-- by library"
    perf report -q -i "$data" --no-children -g none --sort dso \
        --percent-limit 0.5 2>/dev/null | grep '%' || true
    echo "-- self (top 25)"
    perf report -q -i "$data" --no-children -g none --sort dso,symbol \
        --percent-limit 0.5 2>/dev/null | grep '%' | head -25 || true
    echo "-- with callees (top 30)"
    perf report -q -i "$data" --children -g none --sort symbol \
        --percent-limit 3 2>/dev/null | grep '%' | head -30 || true
}

profile "GET 4 KiB anonymous, 64 conns" "$sos/bench/4k"

"$python" "$top/bench/presign_puts.py" "$host" bench "p/" 200000 \
    > "$dir/paths"
profile "PUT 4 KiB, 64 conns" "$sos" -s "$top/bench/put.lua" -- \
    "$dir/paths" 4096

log_check sos
