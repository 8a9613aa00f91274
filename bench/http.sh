#!/bin/bash
# HTTP benchmark: GET of a 4 KiB and a 64 MiB object from SOS through
# presigned URLs (made by `sosctl presign`), and of a 4 KiB public-read
# object anonymously, beside a plain nginx serving the same bytes from a
# plain directory, in the same run, with wrk.  SOS
# verifies every byte it sends against its checksums (in 4 MiB windows,
# one verified ahead while the one before is sent); the plain nginx
# serving the same file from the same disk is the ceiling.  The 64 MiB
# object is fetched by 4 connections, then by 1 (one stream, where the
# verification ahead of the sending matters most), then by single curl
# GETs, the best of 10 (the figure least disturbed by other load).
#
# Builds nothing: run `make` first (make bench does).  Both servers are
# the same nginx binary with worker_processes 1 and sendfile on; SOS runs
# with sos_fsync off (the GET figures do not depend on it; the uploads
# before the runs are faster) and access logs are off on both.
#
#   SOS_BUILD        build directory under the repository (default build)
#   SOS_NGINX        nginx binary (default /usr/sbin/nginx)
#   SOS_BENCH_DIR    parent of the scratch directory (default var/)
#   SOS_BENCH_TIME   seconds per wrk run (default 10)
#   SOS_BENCH_CONNS  connections for the 4 KiB runs (default 16; the
#                    64 MiB runs use 4)

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SOS_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

nginx=${SOS_NGINX:-/usr/sbin/nginx}
module=$build/nginx-src/objs/ngx_http_sos_module.so
sosctl=$build/sosctl
secs=${SOS_BENCH_TIME:-10}
conns=${SOS_BENCH_CONNS:-16}

for f in "$module" "$sosctl" "$nginx"; do
    if [ ! -e "$f" ]; then
        echo "http.sh: $f is missing: run make first" >&2
        exit 1
    fi
done
for c in wrk curl; do
    command -v $c >/dev/null || { echo "http.sh: $c missing (make deps)" >&2
                                  exit 1; }
done

base=${SOS_BENCH_DIR:-$top/var}
mkdir -p "$base"
dir=$(mktemp -d "$base/http-bench.XXXXXX")

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -QUIT "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
            echo $p
            return
        fi
    done
    echo "http.sh: no free port" >&2
    exit 1
}

wait_port() {
    local i
    for i in $(seq 1 200); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.05
    done
    echo "http.sh: nothing listens on $1; see $2" >&2
    exit 1
}

user=
[ "$(id -u)" = 0 ] && user='user root root;'

sos_port=$(free_port)
plain_port=$(free_port)
while [ "$plain_port" = "$sos_port" ]; do plain_port=$(free_port); done

mkdir -p "$dir/sos/data" "$dir/sos/tmp" "$dir/plain/www/bench" \
         "$dir/plain/tmp"

"$sosctl" --data "$dir/sos/data" org create bench >/dev/null
keys=$("$sosctl" --data "$dir/sos/data" key create bench --admin)
AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id = //p' <<<"$keys")
AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key = //p' <<<"$keys")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
unset AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE AWS_SESSION_TOKEN

temps() {
    local t
    for t in client_body proxy fastcgi uwsgi scgi; do
        echo "    ${t}_temp_path $1/tmp/$t;"
    done
}

cat > "$dir/sos/nginx.conf" <<EOF
load_module $module;
$user
worker_processes 1;
daemon off;
pid $dir/sos/nginx.pid;
error_log $dir/sos/error.log notice;
thread_pool sos threads=4;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
$(temps "$dir/sos")
    sos_data_dir $dir/sos/data;
    sos_thread_pool sos;
    sos_fsync off;
    server {
        listen 127.0.0.1:$sos_port;
        client_max_body_size 0;
        location / { sos; }
    }
}
EOF

cat > "$dir/plain/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
pid $dir/plain/nginx.pid;
error_log $dir/plain/error.log notice;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
$(temps "$dir/plain")
    server {
        listen 127.0.0.1:$plain_port;
        root $dir/plain/www;
    }
}
EOF

"$nginx" -p "$dir/sos/" -c nginx.conf -e error.log 2>>"$dir/sos/error.log" &
pids+=($!)
"$nginx" -p "$dir/plain/" -c nginx.conf -e error.log \
    2>>"$dir/plain/error.log" &
pids+=($!)
wait_port "$sos_port" "$dir/sos/error.log"
wait_port "$plain_port" "$dir/plain/error.log"

sos=http://127.0.0.1:$sos_port
plain=http://127.0.0.1:$plain_port

presign() {
    "$sosctl" presign "$1" "s3://$2" --expires 3600 --endpoint "$sos"
}

# a request through a presigned URL; fails unless the status is $2
call() {
    local method=$1 want=$2 url=$3; shift 3
    local got
    got=$(curl -sS -g -o "$dir/reply" -w '%{http_code}' -X "$method" \
          "$@" "$url")
    if [ "$got" != "$want" ]; then
        echo "http.sh: $method ${url%%\?*}: HTTP $got, expected $want" >&2
        cat "$dir/reply" >&2 2>/dev/null || true
        exit 1
    fi
}

call PUT 200 "$(presign PUT bench)"

head -c 4096 /dev/urandom > "$dir/plain/www/bench/4k"
head -c $((64 << 20)) /dev/urandom > "$dir/plain/www/bench/64m"

for obj in 4k 64m; do
    call PUT 200 "$(presign PUT "bench/$obj")" \
        -T "$dir/plain/www/bench/$obj"
    url=$(presign GET "bench/$obj")
    eval "url_$obj=\$url"
    # both servers must give back the very bytes
    for u in "$url" "$plain/bench/$obj"; do
        curl -sS -g -f -o "$dir/check" "$u"
        cmp -s "$dir/check" "$dir/plain/www/bench/$obj" || {
            echo "http.sh: GET ${u%%\?*} returned other bytes" >&2
            exit 1
        }
    done
done
# the same 4 KiB as a public-read object, for anonymous GETs: stored with
# curl's own SigV4 signer, which signs the x-amz-* headers sent
curl -sS -g -f -o /dev/null -X PUT -T "$dir/plain/www/bench/4k" \
    --aws-sigv4 aws:amz:us-east-1:s3 \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'x-amz-acl: public-read' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    "$sos/bench/public4k" || {
    echo "http.sh: PUT of the public-read object failed" >&2
    exit 1
}
url_public=$sos/bench/public4k
curl -sS -g -f -o "$dir/check" "$url_public"
cmp -s "$dir/check" "$dir/plain/www/bench/4k" || {
    echo "http.sh: anonymous GET returned other bytes" >&2
    exit 1
}
rm -f "$dir/check" "$dir/reply"

# run wrk; prints requests/s, or fails on errors or non-2xx answers
bench() {
    local c=$1 url=$2 out threads=2
    [ "$c" -lt 2 ] && threads=1
    out=$(wrk -t$threads -c"$c" -d"${secs}s" --timeout 30s "$url")
    if grep -Eq 'Non-2xx|Socket errors' <<<"$out"; then
        echo "http.sh: wrk saw errors on ${url%%\?*}:" >&2
        echo "$out" >&2
        exit 1
    fi
    out=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    if ! awk -v r="$out" 'BEGIN { exit !(r > 0) }'; then
        echo "http.sh: wrk made no request on ${url%%\?*}" >&2
        exit 1
    fi
    echo "$out"
}

# the best speed of 10 single GETs with curl, in bytes/s
best() {
    local url=$1 i speed best=0
    for i in $(seq 1 10); do
        speed=$(curl -sS -g -f -o /dev/null -w '%{speed_download}' "$url")
        best=$(awk -v a="$best" -v b="$speed" 'BEGIN { print (b > a) ? b : a }')
    done
    echo "$best"
}

echo "HTTP GET, wrk -t2 (-t1 with c=1) ${secs}s; $(nproc) cpus;" \
    "nginx $("$nginx" -v 2>&1 | sed 's|.*/||'); SOS sos_fsync off;" \
    "both: 1 worker, sendfile on"

s4=$(bench "$conns" "$url_4k")
p4=$(bench "$conns" "$plain/bench/4k")
a4=$(bench "$conns" "$url_public")
pa4=$(bench "$conns" "$plain/bench/4k")
s64=$(bench 4 "$url_64m")
p64=$(bench 4 "$plain/bench/64m")
s64_1=$(bench 1 "$url_64m")
p64_1=$(bench 1 "$plain/bench/64m")
sb=$(best "$url_64m")
pb=$(best "$plain/bench/64m")

awk -v s4="$s4" -v p4="$p4" -v a4="$a4" -v pa4="$pa4" \
    -v s64="$s64" -v p64="$p64" -v s64_1="$s64_1" -v p64_1="$p64_1" \
    -v sb="$sb" -v pb="$pb" -v c="$conns" 'BEGIN {
    mib = 64 * 1048576 / 1000000
    printf "%-34s %12s %12s %10s\n", "", "SOS", "plain nginx", "SOS/plain"
    printf "%-34s %12.0f %12.0f %10.2f\n",
        "GET 4 KiB presigned, req/s (c=" c ")", s4, p4, s4 / p4
    printf "%-34s %12.0f %12.0f %10.2f\n",
        "GET 4 KiB anonymous, req/s (c=" c ")", a4, pa4, a4 / pa4
    printf "%-34s %12.0f %12.0f %10.2f\n", "GET 64 MiB, MB/s (c=4)",
        s64 * mib, p64 * mib, s64 / p64
    printf "%-34s %12.0f %12.0f %10.2f\n", "GET 64 MiB, MB/s (c=1)",
        s64_1 * mib, p64_1 * mib, s64_1 / p64_1
    printf "%-34s %12.0f %12.0f %10.2f\n", "GET 64 MiB, MB/s (best of 10)",
        sb / 1000000, pb / 1000000, sb / pb
}'
