# Shared by the bench/*.sh scripts (sourced, not run): paths, a scratch
# directory removed on exit, nginx servers on free loopback ports stopped
# on exit, and the result rows bench/report.py reads.
#
#   SOS_BUILD        build directory under the repository (default build)
#   SOS_NGINX        nginx binary (default /usr/sbin/nginx)
#   SOS_BENCH_DIR    parent of the scratch directories (default var/;
#                    fsync figures mean little on a tmpfs such as /tmp)
#   SOS_BENCH_ROWS   file the result rows are appended to (default: none,
#                    the rows are only printed)
#   SOS_BENCH_QUICK  1: shorter runs and smaller sets

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SOS_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

nginx=${SOS_NGINX:-/usr/sbin/nginx}
module=$build/nginx-src/objs/ngx_http_sos_module.so
sosctl=$build/sosctl
benchbin=$build/bench
python=${SOS_PYTHON:-python3}
quick=${SOS_BENCH_QUICK:-0}
me=$(basename "$0")

fail() {
    echo "$me: $*" >&2
    exit 1
}

for f in "$module" "$sosctl" "$nginx"; do
    [ -e "$f" ] || fail "$f is missing: run make first"
done

base=${SOS_BENCH_DIR:-$top/var}
mkdir -p "$base"
dir=$(mktemp -d "$base/bench-${me%.sh}.XXXXXX")
fs=$(df -PT "$dir" | awk 'NR == 2 { print $2 }')

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

# A result row: measure, SOS figure, ceiling figure (or -), unit, what the
# ceiling is, target, and hi or lo (whether more of the unit is better).
row() {
    local line
    line=$(printf '%s\t' "$@")
    line=${line%$'\t'}
    printf 'ROW\t%s\n' "$line"
    if [ -n "${SOS_BENCH_ROWS:-}" ]; then
        printf '%s\n' "$line" >> "$SOS_BENCH_ROWS"
    fi
}

free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
            echo $p
            return
        fi
    done
    fail "no free port"
}

wait_port() {
    local i
    for i in $(seq 1 200); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.05
    done
    tail -5 "$2" >&2 2>/dev/null || true
    fail "nothing listens on $1"
}

# the pid of the only worker of the nginx master $1
worker_of() {
    local i w
    for i in $(seq 1 100); do
        w=$(pgrep -P "$1" | head -1 || true)
        [ -n "$w" ] && { echo "$w"; return; }
        sleep 0.05
    done
    fail "no worker under nginx $1"
}

# VmRSS or VmHWM ($2) of process $1, in KiB
mem_kib() {
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

temps() {
    local t
    for t in client_body proxy fastcgi uwsgi scgi; do
        echo "    ${t}_temp_path $1/tmp/$t;"
    done
}

user=
[ "$(id -u)" = 0 ] && user='user root root;'

# The SOS data directory $dir/$1/data with org "bench" and an admin key,
# exported as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
sos_init() {
    local d=$dir/$1 keys
    mkdir -p "$d/tmp"
    mkdir -p -m 700 "$d/data"
    "$sosctl" --data "$d/data" org create bench >/dev/null 2>"$d/sosctl.log" \
        || { cat "$d/sosctl.log" >&2; fail "sosctl org create failed"; }
    keys=$("$sosctl" --data "$d/data" key create bench --admin \
           2>"$d/sosctl.log") \
        || { cat "$d/sosctl.log" >&2; fail "sosctl key create failed"; }
    AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id = //p' <<<"$keys")
    AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key = //p' \
                            <<<"$keys")
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    unset AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE AWS_SESSION_TOKEN \
          AWS_CONFIG_FILE AWS_ENDPOINT_URL AWS_CA_BUNDLE
}

# Start nginx with the module on $dir/$1/data (made by sos_init), with
# sos_fsync $2, a thread pool of $3 threads and the further http-level
# directives $4 (optional); sets port and pid.
sos_start() {
    local d=$dir/$1
    port=$(free_port)
    cat > "$d/nginx.conf" <<EOF
load_module $module;
$user
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log notice;
thread_pool sos threads=$3;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
$(temps "$d")
    sos_data_dir $d/data;
    sos_thread_pool sos;
    sos_fsync $2;
    ${4:-}
    server {
        listen 127.0.0.1:$port;
        client_max_body_size 0;
        location / { sos; }
    }
}
EOF
    "$nginx" -p "$d/" -c nginx.conf -e error.log 2>>"$d/error.log" &
    pid=$!
    pids+=("$pid")
    wait_port "$port" "$d/error.log"
}

# Start a plain nginx serving $dir/$1/www; sets port and pid.
plain_start() {
    local d=$dir/$1
    mkdir -p "$d/www" "$d/tmp"
    port=$(free_port)
    cat > "$d/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log notice;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
$(temps "$d")
    server {
        listen 127.0.0.1:$port;
        root $d/www;
    }
}
EOF
    "$nginx" -p "$d/" -c nginx.conf -e error.log 2>>"$d/error.log" &
    pid=$!
    pids+=("$pid")
    wait_port "$port" "$d/error.log"
}

# a presigned URL: presign METHOD bucket/key endpoint
presign() {
    "$sosctl" presign "$1" "s3://$2" --expires 3600 --endpoint "$3"
}

# fails when the nginx in $dir/$1 logged an alert
log_check() {
    if grep -E '\[(alert|emerg|crit)\]' "$dir/$1/error.log"; then
        fail "nginx ($1) logged errors"
    fi
}

# run wrk: wrk_rate conns url [-s script -- script arguments]; prints
# requests/s, fails on errors or non-2xx answers
wrk_rate() {
    local c=$1 url=$2 out
    shift 2
    out=$(wrk -t1 -c"$c" -d"${secs}s" --timeout 30s "$url" "$@")
    if grep -Eq 'Non-2xx|Socket errors' <<<"$out"; then
        echo "$out" >&2
        fail "wrk saw errors on ${url%%\?*}"
    fi
    out=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    awk -v r="$out" 'BEGIN { exit !(r > 0) }' \
        || fail "wrk made no request on ${url%%\?*}"
    echo "$out"
}

# the mean of two figures (a ceiling measured before and after SOS, so
# that a change of the machine's load weighs on both sides alike)
mean() {
    awk -v a="$1" -v b="$2" 'BEGIN { print (a + b) / 2 }'
}
