#!/bin/bash
# Multipart row: one object of 1 GiB (quick: 256 MiB) uploaded with boto3
# in 16 parts, all at once (bench/multipart_upload.py), to SOS with
# sos_fsync on (3 replicas), beside the same bytes written part by part
# to 3 files each with fdatasync, in the same run; and the nginx worker's
# peak RSS (VmHWM) beside that of the worker before the upload.
#
# Builds nothing: run `make` first (make bench does).  Settings: lib.sh,
# and SOS_BENCH_MP_MIB, the object size in MiB (default 1024, quick 256).

. "$(dirname "$0")/lib.sh"

mib=${SOS_BENCH_MP_MIB:-$([ "$quick" = 1 ] && echo 256 || echo 1024)}
parts=16
"$python" -c 'import boto3' 2>/dev/null || fail "boto3 missing (make deps)"

need=$(( mib * 5 / 1024 + 1 ))
avail=$(df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }')
[ "$avail" -ge "$need" ] \
    || fail "$mib MiB needs $need GiB free in $base, $avail GiB there"

sos_init sos
sos_start sos on 16
worker=$(worker_of "$pid")
mkdir -p "$dir/direct"
head -c $((mib << 20)) /dev/urandom > "$dir/src"
sync
hwm0=$(mem_kib "$worker" VmHWM)

read -r direct upload < <("$python" "$top/bench/multipart_upload.py" \
                          "$dir" "http://127.0.0.1:$port" "$parts")
[ -n "$upload" ] || fail "multipart upload failed"
hwm=$(mem_kib "$worker" VmHWM)

echo "multipart: $mib MiB in $parts parts at once, sos_fsync on," \
     "3 replicas, $fs; load $(cut -d' ' -f1-3 /proc/loadavg)"
row "multipart $mib MiB in $parts parts" "$upload" "$direct" "MB/s" \
    "same bytes to 3 files per part, fdatasync" "-" hi
row "worker peak RSS, multipart $mib MiB" \
    "$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(awk -v k="$hwm0" 'BEGIN { printf "%.1f", k / 1024 }')" "MiB" \
    "the same worker before the upload" "-" lo

log_check sos
