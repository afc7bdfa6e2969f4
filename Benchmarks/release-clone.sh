#!/bin/sh
# Builds simgated, simgate and modemsim in release mode from a separate clone of a commit
# (default: HEAD of the repository this script is in), so that sources edited while the
# build runs (other work in the same checkout) cannot end up in the measured binaries.
# Prints the directory holding the binaries on its last line.
#
#   Benchmarks/release-clone.sh [COMMIT]      # e.g. HEAD, a branch, a sha
#
# The clone lives in ${SIMGATE_BENCH_DIR:-/tmp/simgate-bench}/<sha>; a second run for the
# same commit reuses it (and SwiftPM's incremental build). Uncommitted changes are NOT in
# it: commit first. Package.resolved, when the source checkout has one, is copied so the
# clone builds against the same dependency versions.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
rev=$(git -C "$src" rev-parse "${1:-HEAD}")
base=${SIMGATE_BENCH_DIR:-/tmp/simgate-bench}
dir="$base/$rev"
mkdir -p "$base"
if [ ! -d "$dir/.git" ]; then
    git clone --quiet --no-checkout "$src" "$dir" >&2
    git -C "$dir" checkout --quiet --detach "$rev" >&2
fi
[ -f "$src/Package.resolved" ] && cp "$src/Package.resolved" "$dir/Package.resolved"
cd "$dir"
for product in simgated simgate modemsim; do
    swift build -c release --product "$product" >&2
done
echo "$dir/.build/release"
