#!/bin/bash
# Listing row: the p50 and p99 of a ListObjectsV2 page of 1,000 keys after
# a key in the middle of a bucket of N keys (1,000,000; quick 20,000),
# beside the same page from a bucket of 2,000 keys (the cost of the page
# itself).  Both buckets are filled by bench/fill_bucket.c through the
# library (index records only) before nginx starts on the data directory;
# bench/list_times.py times the requests over one keep-alive connection,
# the two buckets in turn.
#
# Builds nothing: run `make` first (make bench does).  Settings: lib.sh,
# and SOS_BENCH_KEYS, the keys of the big bucket.

. "$(dirname "$0")/lib.sh"

if [ "$quick" = 1 ]; then
    keys=${SOS_BENCH_KEYS:-20000} n=100
else
    keys=${SOS_BENCH_KEYS:-1000000} n=300
fi
[ "$keys" -ge 2000 ] || fail "SOS_BENCH_KEYS must be 2000 or more"
[ -x "$benchbin/fill_bucket" ] || fail "$benchbin/fill_bucket missing"
"$python" -c 'import boto3' 2>/dev/null || fail "boto3 missing (make deps)"

sos_init sos
t0=$(date +%s.%N)
"$benchbin/fill_bucket" "$dir/sos/data" bench big "$keys"
"$benchbin/fill_bucket" "$dir/sos/data" bench small 2000
t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
# the records have no data files: no background scrub
sos_start sos off 4 "sos_scrub_rate 0;"
sos=http://127.0.0.1:$port

echo "ListObjectsV2: $n pages of 1,000 keys after a middle key; buckets" \
     "of $keys and 2,000 keys filled in $t s; load $(cut -d' ' -f1-3 \
     /proc/loadavg)"

mid() {
    printf 'd%05u/f%03u' $(($1 / 100 / 2 - 5)) 50
}
{ read -r b50 b99; read -r s50 s99; } < <("$python" \
    "$top/bench/list_times.py" "$sos" "$n" big "$(mid "$keys")" \
    small "$(mid 2000)")
[ -n "$b99" ] && [ -n "$s99" ] || fail "listing failed"
# 1000000 as 1,000,000
many=$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$keys")
row "ListObjectsV2 1,000 of $many keys, p50" "$b50" "$s50" "ms" \
    "same page, bucket of 2,000 keys" "-" lo
row "ListObjectsV2 1,000 of $many keys, p99" "$b99" "$s99" "ms" \
    "same page, bucket of 2,000 keys" "-" lo

log_check sos
