#!/bin/bash
# Memory row: the resident memory (VmRSS) of the nginx worker holding 256
# idle keep-alive connections, each after one GET of a 4 KiB object
# (bench/idle_conns.py), SOS beside a plain nginx serving the same bytes.
#
# Builds nothing: run `make` first (make bench does).  Settings: lib.sh.

. "$(dirname "$0")/lib.sh"

conns=256

sos_init sos
sos_start sos off 4
sos=http://127.0.0.1:$port
sos_worker=$(worker_of "$pid")
plain_start plain
plain=http://127.0.0.1:$port
plain_worker=$(worker_of "$pid")

mkdir -p "$dir/plain/www/bench"
head -c 4096 /dev/urandom > "$dir/plain/www/bench/4k"
curl -sS -g -f -X PUT -o /dev/null "$(presign PUT bench "$sos")" \
    || fail "bucket creation failed"
curl -sS -g -f -X PUT -o /dev/null -T "$dir/plain/www/bench/4k" \
    "$(presign PUT bench/4k "$sos")" || fail "PUT failed"

read -r s0 s < <("$python" "$top/bench/idle_conns.py" \
                 "$(presign GET bench/4k "$sos")" $conns "$sos_worker")
read -r p0 p < <("$python" "$top/bench/idle_conns.py" \
                 "$plain/bench/4k" $conns "$plain_worker")
[ -n "$s" ] && [ -n "$p" ] || fail "idle connections failed"

echo "idle: worker VmRSS without connections: SOS $s0 KiB, plain $p0 KiB"
mib() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}
row "worker RSS, $conns idle keep-alive conns" "$(mib "$s")" "$(mib "$p")" \
    "MiB" "plain nginx, same connections" "-" lo

log_check sos
