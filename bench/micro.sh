#!/bin/bash
# The library micro-benchmarks (run by hand; make bench runs bench/run):
# checksum speed, and durable writes and listings through the store's API
# beside plain file work, in a scratch directory removed afterwards.
#
#   SOS_BUILD        build directory under the repository (default build)
#   SOS_BENCH_DIR    parent of the scratch directory (default var/; fsync
#                    figures mean little on a tmpfs such as /tmp often is)
#   SOS_BENCH_WRITES objects written per mode (default 2000)
#   SOS_BENCH_KEYS   keys in the big listing bucket (default 1000000)
#   SOS_BENCH_MIB    MiB each checksum is computed over (default 64)

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/${SOS_BUILD:-build}

make -s -C "$top/bench" BUILDDIR="$build"

"$build/bench/checksum_bench" "${SOS_BENCH_MIB:-64}"

base=${SOS_BENCH_DIR:-$top/var}
mkdir -p "$base"
dir=$(mktemp -d "$base/bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

fs=$(df -PT "$dir" | awk 'NR == 2 { print $2 }')
echo "store_bench in $dir ($(nproc) cpus, $fs)"
"$build/bench/store_bench" "$dir" "${SOS_BENCH_WRITES:-2000}" \
    "${SOS_BENCH_KEYS:-1000000}"
