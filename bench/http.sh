#!/bin/bash
# GET rows: a 4 KiB object read anonymously (public-read) and through a
# presigned URL (made by `sosctl presign`) by 64 connections, and a
# 64 MiB object by 4, from SOS beside a plain nginx serving the same
# bytes from a plain directory, in the same run, with wrk -t1.  Both
# servers are the same nginx binary with 1 worker, sendfile on and access
# logs off; SOS runs with sos_fsync off (GETs do not depend on it) and
# verifies every byte it sends against its checksums.  Each SOS run is
# between two runs of its ceiling, whose mean is the ceiling.
#
# Builds nothing: run `make` first (make bench does).  Settings: lib.sh,
# and SOS_BENCH_TIME, seconds per wrk run (default 10, quick 3).

. "$(dirname "$0")/lib.sh"

secs=${SOS_BENCH_TIME:-$([ "$quick" = 1 ] && echo 3 || echo 10)}
command -v wrk >/dev/null || fail "wrk missing (make deps)"
command -v curl >/dev/null || fail "curl missing (make deps)"

sos_init sos
sos_start sos off 4
sos=http://127.0.0.1:$port
plain_start plain
plain=http://127.0.0.1:$port
www=$dir/plain/www

# a request through a presigned URL; fails unless the status is $2
call() {
    local method=$1 want=$2 url=$3 got
    shift 3
    got=$(curl -sS -g -o "$dir/reply" -w '%{http_code}' -X "$method" \
          "$@" "$url")
    if [ "$got" != "$want" ]; then
        cat "$dir/reply" >&2 2>/dev/null || true
        fail "$method ${url%%\?*}: HTTP $got, expected $want"
    fi
}

call PUT 200 "$(presign PUT bench "$sos")"
mkdir -p "$www/bench"
head -c 4096 /dev/urandom > "$www/bench/4k"
head -c $((64 << 20)) /dev/urandom > "$www/bench/64m"

for obj in 4k 64m; do
    call PUT 200 "$(presign PUT "bench/$obj" "$sos")" -T "$www/bench/$obj"
done
"$python" -c '
import sys, boto3
from botocore.config import Config
boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
             config=Config(s3={"addressing_style": "path"})).put_object_acl(
    Bucket="bench", Key="4k", ACL="public-read")' "$sos"

url_4k=$(presign GET bench/4k "$sos")
url_64m=$(presign GET bench/64m "$sos")
# every server must give back the very bytes
for u in "$sos/bench/4k" "$url_4k" "$plain/bench/4k" \
         "$url_64m" "$plain/bench/64m"; do
    curl -sS -g -f -o "$dir/check" "$u"
    obj=${u%%\?*}
    cmp -s "$dir/check" "$www/bench/${obj##*/}" \
        || fail "GET ${u%%\?*} returned other bytes"
done
rm -f "$dir/check" "$dir/reply"

echo "GET: wrk -t1 ${secs}s; $(nproc) cpus; load $(cut -d' ' -f1-3 \
    /proc/loadavg); both servers: 1 worker, sendfile on"

# SOS between two runs of its ceiling: gets conns sos-url plain-url, sets
# s and p (the mean of the two ceiling runs)
gets() {
    local p1 p2
    p1=$(wrk_rate "$1" "$3")
    s=$(wrk_rate "$1" "$2")
    p2=$(wrk_rate "$1" "$3")
    p=$(mean "$p1" "$p2")
}

gets 64 "$sos/bench/4k" "$plain/bench/4k"
row "GET 4 KiB anonymous public-read, 64 conns" "$s" "$p" "req/s" \
    "plain nginx, same bytes" "≥ 0.90" hi
gets 64 "$url_4k" "$plain/bench/4k"
row "GET 4 KiB presigned, 64 conns" "$s" "$p" "req/s" \
    "plain nginx, same bytes" "≥ 0.80" hi
gets 4 "$url_64m" "$plain/bench/64m"
mbs() {
    awk -v r="$1" 'BEGIN { print r * 64 * 1048576 / 1e6 }'
}
row "GET 64 MiB, 4 conns" "$(mbs "$s")" "$(mbs "$p")" "MB/s" \
    "plain nginx, same bytes" "≥ 0.95" hi

log_check sos
