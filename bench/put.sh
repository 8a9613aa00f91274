#!/bin/bash
# PUT rows: durable 4 KiB PUTs (sos_fsync on, 3 replicas) by 1 and by 64
# connections, each to a new key, with wrk -t1 and bench/put.lua over
# presigned URLs (bench/presign_puts.py); beside them the bare file work
# of the same objects (bench/plain_write.c: 3 files written one after
# another with write, fdatasync, rename, directory fsync), in 1 thread and
# in 16.  Then a 64 MiB PUT by curl (the median of a few) beside the same
# bytes written to 3 files with fdatasync.
#
# Builds nothing: run `make` first (make bench does).  Settings: lib.sh,
# and SOS_BENCH_TIME, seconds per wrk run (default 10, quick 3).

. "$(dirname "$0")/lib.sh"

secs=${SOS_BENCH_TIME:-$([ "$quick" = 1 ] && echo 3 || echo 10)}
if [ "$quick" = 1 ]; then
    n1=300 n16=1000 big=2
else
    n1=1000 n16=4000 big=5
fi
command -v wrk >/dev/null || fail "wrk missing (make deps)"
[ -x "$benchbin/plain_write" ] || fail "$benchbin/plain_write missing"

sos_init sos
sos_start sos on 16
host=127.0.0.1:$port
sos=http://$host

curl -sS -g -f -X PUT "$(presign PUT bench "$sos")" -o /dev/null \
    || fail "bucket creation failed"

echo "PUT: sos_fsync on, 3 replicas, wrk -t1 ${secs}s; $(nproc) cpus," \
     "$fs; load $(cut -d' ' -f1-3 /proc/loadavg)"

# the rate of 4 KiB PUTs by $1 connections, each key once ($2 keys)
put_rate() {
    "$python" "$top/bench/presign_puts.py" "$host" bench "c$1/" "$2" \
        > "$dir/paths"
    wrk_rate "$1" "$sos" -s "$top/bench/put.lua" -- "$dir/paths" 4096
}

plain() {
    rm -rf "$dir/plain"
    "$benchbin/plain_write" "$dir/plain" "$@"
}

# each SOS run between two runs of its ceiling, whose mean is the ceiling
p=$(plain 4096 "$n1" 1 | cut -d' ' -f1)
s=$(put_rate 1 20000)
p2=$(plain 4096 "$n1" 1 | cut -d' ' -f1)
p=$(mean "$p" "$p2")
row "PUT 4 KiB, 1 conn" "$s" "$p" "obj/s" \
    "C loop, 3 files serially, 1 thread" "≥ 1.5" hi
p=$(plain 4096 "$n16" 16 | cut -d' ' -f1)
s=$(put_rate 64 60000)
p2=$(plain 4096 "$n16" 16 | cut -d' ' -f1)
p=$(mean "$p" "$p2")
row "PUT 4 KiB, 64 conns" "$s" "$p" "obj/s" \
    "the same loop in 16 threads" "≥ 1.5" hi

head -c $((64 << 20)) /dev/urandom > "$dir/64m"
sync
times=()
for i in $(seq 1 "$big"); do
    t=$(curl -sS -g -f -o /dev/null -w '%{time_total}' \
        -T "$dir/64m" "$(presign PUT "bench/big$i" "$sos")") \
        || fail "PUT of 64 MiB failed"
    times+=("$t")
done
s=$(printf '%s\n' "${times[@]}" | sort -g \
    | awk '{ t[NR] = $1 }
           END { print 64 * 1048576 / 1e6 / t[int((NR + 1) / 2)] }')
p=$(plain $((64 << 20)) "$big" 1 | cut -d' ' -f2)
row "PUT 64 MiB, 1 conn" "$s" "$p" "MB/s" \
    "same bytes to 3 files, fdatasync" "-" hi

log_check sos
