#!/bin/bash
# Large-upload benchmark: one object of SOS_BENCH_MP_GIB GiB (default 2)
# uploaded with boto3 in 64 MiB parts, 16 at a time, to SOS with
# sos_fsync on (3 replicas, the default), beside the same bytes written
# directly to 3 files per part with fdatasync, in the same run; reports the
# throughput of both, their ratio, and the nginx worker's peak RSS
# (VmHWM).  SOS_BENCH_MP_GIB=10 is the 10 GiB run (needs about 4x that of
# free disk: the source file and 3 replicas).
#
# Builds nothing: run `make` first (make bench does).
#
#   SOS_BUILD         build directory under the repository (default build)
#   SOS_NGINX         nginx binary (default /usr/sbin/nginx)
#   SOS_BENCH_DIR     parent of the scratch directory (default var/)
#   SOS_BENCH_MP_GIB  object size in GiB (default 2)
#   SOS_BENCH_MP_CONC concurrent parts (default 16)

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SOS_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac

nginx=${SOS_NGINX:-/usr/sbin/nginx}
module=$build/nginx-src/objs/ngx_http_sos_module.so
sosctl=$build/sosctl
gib=${SOS_BENCH_MP_GIB:-2}
conc=${SOS_BENCH_MP_CONC:-16}
python=${SOS_PYTHON:-python3}

for f in "$module" "$sosctl" "$nginx"; do
    if [ ! -e "$f" ]; then
        echo "multipart.sh: $f is missing: run make first" >&2
        exit 1
    fi
done
"$python" -c 'import boto3' 2>/dev/null || {
    echo "multipart.sh: boto3 missing for $python (make deps)" >&2
    exit 1
}

base=${SOS_BENCH_DIR:-$top/var}
mkdir -p "$base"
dir=$(mktemp -d "$base/mp-bench.XXXXXX")

need=$(( gib * 4 + 1 ))
avail=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
if [ "$avail" -lt "$need" ]; then
    echo "multipart.sh: $gib GiB needs ${need} GiB free in $base," \
         "${avail} GiB there" >&2
    rm -rf "$dir"
    exit 1
fi

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
[ -n "$port" ] || { echo "multipart.sh: no free port" >&2; exit 1; }

user=
[ "$(id -u)" = 0 ] && user='user root root;'

mkdir -p "$dir/sos/data" "$dir/sos/tmp" "$dir/direct"

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

worker=
for i in $(seq 1 100); do
    worker=$(pgrep -P "$pid" | head -1 || true)
    [ -n "$worker" ] && break
    sleep 0.05
done

fs=$(df -PT "$dir" | awk 'NR == 2 { print $2 }')
echo "multipart upload: $gib GiB in 64 MiB parts, $conc at a time," \
     "sos_fsync on, 3 replicas ($(nproc) cpus, $fs)"

head -c $((gib << 30)) /dev/urandom > "$dir/src"
sync

"$python" - "$dir" "http://127.0.0.1:$port" "$conc" <<'PYEOF'
import hashlib
import os
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

d, endpoint, conc = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = os.path.join(d, 'src')
size = os.path.getsize(src)
part = 64 * 1024 * 1024

# the baseline: each 64 MiB chunk written to 3 files with fdatasync

t0 = time.time()
with open(src, 'rb') as f:
    i = 0
    while True:
        chunk = f.read(part)
        if not chunk:
            break
        for r in range(3):
            p = os.path.join(d, 'direct', '%d.%d' % (i, r))
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            view = memoryview(chunk)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fdatasync(fd)
            os.close(fd)
        i += 1
direct = time.time() - t0
for name in os.listdir(os.path.join(d, 'direct')):
    os.unlink(os.path.join(d, 'direct', name))

s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  config=Config(s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1},
                                max_pool_connections=conc + 4))
s3.create_bucket(Bucket='bench')
cfg = TransferConfig(multipart_threshold=part, multipart_chunksize=part,
                     max_concurrency=conc)
t0 = time.time()
s3.upload_file(src, 'bench', 'big', Config=cfg)
upload = time.time() - t0

h = s3.head_object(Bucket='bench', Key='big')
assert h['ContentLength'] == size, h
assert h['ETag'].endswith('-%d"' % ((size + part - 1) // part)), h['ETag']

mib = size / 1048576.0
print('direct 3 files + fdatasync: %8.1f MiB/s (%.1f s)'
      % (mib / direct, direct))
print('SOS multipart upload:       %8.1f MiB/s (%.1f s)'
      % (mib / upload, upload))
print('ratio SOS / direct:         %8.2f' % (direct / upload))
PYEOF

if [ -n "$worker" ] && [ -r "/proc/$worker/status" ]; then
    echo "nginx worker peak RSS (VmHWM): $(awk '/^VmHWM/ { print $2, $3 }' \
         "/proc/$worker/status"), now $(awk '/^VmRSS/ { print $2, $3 }' \
         "/proc/$worker/status")"
fi

if grep -E '\[(alert|emerg|crit)\]' "$dir/sos/error.log"; then
    echo "multipart.sh: nginx logged errors" >&2
    exit 1
fi
