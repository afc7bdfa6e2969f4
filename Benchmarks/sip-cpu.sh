#!/usr/bin/env bash
# CPU cost per SIP request (not a test): for each simgated binary given, sipp sends OPTIONS
# (→ 200) and unauthenticated INVITEs (→ 401 + ACK) at a fixed rate from one address, and the
# daemon's user+system CPU time over the run (from /proc/PID/stat) is divided by the requests
# answered. Binaries are measured one after the other, in the same run, so two commits can be
# compared on the same machine state (build them with Benchmarks/release-clone.sh).
#
#   Benchmarks/sip-cpu.sh BIN [BIN ...]       env: RATE (2000/s), SECONDS_PER_RUN (10), ROUNDS (3)
#
# Prints one line per binary, scenario and round, then the median per binary and scenario.
set -euo pipefail
RATE=${RATE:-2000}
SECS=${SECONDS_PER_RUN:-10}
ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
SCEN="$HERE/scripts/sip"
PORT=5964
command -v sipp >/dev/null || { echo "sip-cpu: sipp missing (scripts/install-deps.sh --test)" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 SIMGATED [SIMGATED ...]" >&2; exit 64; }
TICKS=$(getconf CLK_TCK)
OUT=$(mktemp -d /tmp/sip-cpu.XXXXXX)
GW=""
trap '[ -n "$GW" ] && kill "$GW" 2>/dev/null; true' EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A RESULTS
for bin in "$@"; do
    cat > "$OUT/simgate.toml" <<TOML
[daemon]
state_dir = "$OUT/state"
log_level = "error"
[control]
socket = "$OUT/c.sock"
[modems]
discover = false
[sip]
listen = ["udp:127.0.0.1:$PORT"]
# One source sends all the load: lift the per-source flood limit.
rate_limit = 1000000
rate_burst = 1000000
[[user]]
name = "alice"
password = "secret"
TOML
    rm -rf "$OUT/state"
    "$bin" --config "$OUT/simgate.toml" > "$OUT/simgated.log" 2>&1 &
    GW=$!
    sleep 2
    for scenario in options invite_reject; do
        for round in $(seq "$ROUNDS"); do
            n=$((RATE * SECS))
            before=$(cpu_ticks "$GW")
            sipp "127.0.0.1:$PORT" -sf "$SCEN/$scenario.xml" -s 0123456789 -t u1 -i 127.0.0.1 -r "$RATE" -m "$n" \
                -timeout "$((SECS * 3 + 20))s" -nostdin -trace_stat -stf "$OUT/stat.csv" -fd 1 -buff_size 4194304 \
                > "$OUT/sipp.out" 2>&1 || true
            after=$(cpu_ticks "$GW")
            ok=$(python3 -c "
import csv; rows = list(csv.reader(open('$OUT/stat.csv'), delimiter=';')); h, l = rows[0], rows[-1]
print(int(l[h.index('SuccessfulCall(C)')]), int(l[h.index('FailedCall(C)')]), int(l[h.index('Retransmissions(C)')]))")
            read -r good failed retrans <<< "$ok"
            us=$(python3 -c "print(round(($after - $before) / $TICKS * 1e6 / max($good, 1), 1))")
            printf "%-60s %-14s round %d: %6d ok %4d failed %5d retrans  %7s µs CPU/request\n" "$bin" "$scenario" "$round" "$good" "$failed" "$retrans" "$us"
            RESULTS["$bin|$scenario"]+="$us "
            rm -f "$OUT/stat.csv"
        done
    done
    kill "$GW"; wait "$GW" 2>/dev/null || true; GW=""
done
echo "median µs CPU per request at $RATE/s (${SECS} s × $ROUNDS rounds):"
for key in "${!RESULTS[@]}"; do
    median=$(echo "${RESULTS[$key]}" | tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf "  %-74s %s\n" "${key/|/  }" "$median"
done | sort
