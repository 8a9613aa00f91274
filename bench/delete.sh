#!/bin/bash
# DeleteObjects benchmark: one request of 1,000 keys, with boto3, against
# SOS with sos_fsync on (3 replicas, the default), each round on 1,000
# objects of 4 KiB just uploaded (16 at a time, not timed).  Beside it,
# in the same run, the same request naming 1,000 missing keys: the same
# parsing, index reads and answer without a write, the floor under the
# figure.  Reports the median, lowest and highest of the rounds.
#
# Builds nothing: run `make` first (make bench does).
#
#   SOS_BUILD          build directory under the repository (default build)
#   SOS_NGINX          nginx binary (default /usr/sbin/nginx)
#   SOS_BENCH_DIR      parent of the scratch directory (default var/)
#   SOS_BENCH_ROUNDS   rounds (default 5)

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SOS_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

nginx=${SOS_NGINX:-/usr/sbin/nginx}
module=$build/nginx-src/objs/ngx_http_sos_module.so
sosctl=$build/sosctl
rounds=${SOS_BENCH_ROUNDS:-5}
python=${SOS_PYTHON:-python3}

for f in "$module" "$sosctl" "$nginx"; do
    if [ ! -e "$f" ]; then
        echo "delete.sh: $f is missing: run make first" >&2
        exit 1
    fi
done
"$python" -c 'import boto3' 2>/dev/null || {
    echo "delete.sh: boto3 missing for $python (make deps)" >&2
    exit 1
}

base=${SOS_BENCH_DIR:-$top/var}
mkdir -p "$base"
dir=$(mktemp -d "$base/del-bench.XXXXXX")

pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -QUIT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

port=
for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
        port=$p
        break
    fi
done
[ -n "$port" ] || { echo "delete.sh: no free port" >&2; exit 1; }

user=
[ "$(id -u)" = 0 ] && user='user root root;'

mkdir -p "$dir/sos/data" "$dir/sos/tmp"

"$sosctl" --data "$dir/sos/data" org create bench >/dev/null
keys=$("$sosctl" --data "$dir/sos/data" key create bench --admin)
AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id = //p' <<<"$keys")
AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key = //p' <<<"$keys")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
unset AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE AWS_SESSION_TOKEN \
      AWS_CONFIG_FILE AWS_ENDPOINT_URL AWS_CA_BUNDLE

cat > "$dir/sos/nginx.conf" <<EOF
load_module $module;
$user
worker_processes 1;
daemon off;
pid $dir/sos/nginx.pid;
error_log $dir/sos/error.log notice;
thread_pool sos threads=16;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/sos/tmp/body;
    proxy_temp_path $dir/sos/tmp/proxy;
    fastcgi_temp_path $dir/sos/tmp/fastcgi;
    uwsgi_temp_path $dir/sos/tmp/uwsgi;
    scgi_temp_path $dir/sos/tmp/scgi;
    sos_data_dir $dir/sos/data;
    sos_thread_pool sos;
    sos_fsync on;
    server {
        listen 127.0.0.1:$port;
        client_max_body_size 0;
        location / { sos; }
    }
}
EOF

"$nginx" -p "$dir/sos/" -c nginx.conf -e error.log 2>>"$dir/sos/error.log" &
pid=$!

for i in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.05
done

fs=$(df -PT "$dir" | awk 'NR == 2 { print $2 }')
echo "DeleteObjects of 1,000 keys, boto3, sos_fsync on, 3 replicas," \
     "$rounds rounds ($(nproc) cpus, $fs)"

"$python" - "http://127.0.0.1:$port" "$rounds" <<'PYEOF'
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, rounds = sys.argv[1], int(sys.argv[2])
n = 1000

s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1},
                                max_pool_connections=20))
s3.create_bucket(Bucket='bench')
body = b'x' * 4096


def put(key):
    s3.put_object(Bucket='bench', Key=key, Body=body)


def delete(keys):
    t0 = time.time()
    r = s3.delete_objects(Bucket='bench', Delete={
        'Objects': [{'Key': k} for k in keys], 'Quiet': False})
    t = time.time() - t0
    if r.get('Errors') or len(r.get('Deleted', [])) != len(keys):
        sys.exit('delete.sh: DeleteObjects answered %d Deleted, errors %r'
                 % (len(r.get('Deleted', [])), r.get('Errors', [])[:3]))
    return t


existing, missing = [], []
with ThreadPoolExecutor(16) as pool:
    for r in range(rounds):
        keys = ['r%d/k%04d' % (r, i) for i in range(n)]
        list(pool.map(put, keys))
        missing.append(delete(['none/k%04d' % i for i in range(n)]))
        existing.append(delete(keys))
        left = s3.list_objects_v2(Bucket='bench').get('KeyCount')
        if left != 0:
            sys.exit('delete.sh: %d objects left after round %d'
                     % (left, r))


def row(name, t):
    print('%-34s %8.3f s  (lowest %.3f, highest %.3f)'
          % (name, statistics.median(t), min(t), max(t)))


row('1,000 objects, median', existing)
row('1,000 missing keys (no write)', missing)
PYEOF

if grep -E '\[(alert|emerg|crit)\]' "$dir/sos/error.log"; then
    echo "delete.sh: nginx logged errors" >&2
    exit 1
fi
