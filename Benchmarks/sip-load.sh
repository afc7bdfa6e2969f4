#!/usr/bin/env bash
# SIP load benchmark (not a test): OPTIONS answered/s and INVITEs rejected/s under sipp
# load, against simgated and against Kamailio (Debian package, stateless sl replies) on the
# same machine in the same run. Everything stays on 127.0.0.1.
#
# Method (as in the project's sip-peers reference): each rate R runs for DURATION seconds
# (sipp -r R -m R*DURATION); a rate is "sustained" when sipp saw 0 failed calls and 0
# retransmissions and achieved >= 97% of R. Rates are tried in increasing order; the
# highest sustained one is reported.
#
# Env: RATES (default "1000 2000 4000 6000 8000 10000"), DURATION (5 s per rate), SIMGATED (path to a
# release simgated; built with `swift build -c release --product simgated` if unset),
# SKIP_KAMAILIO=1, OUT (work directory, default mktemp).
#
# Note on the INVITE path: simgated answers an unauthenticated INVITE with a 401 digest
# challenge (its real behaviour toward scanners); Kamailio's anchor config answers 503
# with sl_send_reply. Both are one stateless-ish final response + the ACK.
set -euo pipefail

RATES=${RATES:-"1000 2000 4000 6000 8000 10000"}
SECONDS_PER_RATE=${DURATION:-5}
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/sip-load.XXXXXX)}
mkdir -p "$OUT"
SCEN="$HERE/scripts/sip"
GW_PORT=5960
KAM_PORT=5962
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ -z "${SKIP_KAMAILIO:-}" ] && ! command -v kamailio >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "sip-load: installing kamailio"
    $SUDO apt-get install -y -qq --no-install-recommends kamailio >/dev/null || $SUDO apt-get install -y -qq --no-install-recommends kamailio >/dev/null
fi
command -v sipp >/dev/null || { echo "sip-load: sipp missing (scripts/install-deps.sh --test)" >&2; exit 1; }

if [ -z "${SIMGATED:-}" ]; then
    (cd "$HERE" && swift build -c release --product simgated --scratch-path .build-bench >/dev/null)
    SIMGATED="$HERE/.build-bench/release/simgated"
fi

cat > "$OUT/simgate.toml" <<TOML
[daemon]
state_dir = "$OUT/state"
log_level = "error"
[control]
socket = "$OUT/c.sock"
[modems]
discover = false
[sip]
listen = ["udp:127.0.0.1:$GW_PORT"]
# The load comes from one address: lift the per-source flood limit for the benchmark.
rate_limit = 1000000
rate_burst = 1000000
[[user]]
name = "alice"
password = "secret"
TOML

cat > "$OUT/kamailio.cfg" <<KAM
#!KAMAILIO
debug=0
log_stderror=yes
children=2
listen=udp:127.0.0.1:$KAM_PORT
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
request_route {
    if (method=="OPTIONS") { sl_send_reply("200", "OK"); exit; }
    if (method=="ACK") { exit; }
    sl_send_reply("503", "Service Unavailable");
    exit;
}
KAM

"$SIMGATED" --config "$OUT/simgate.toml" > "$OUT/simgated.log" 2>&1 &
PIDS+=($!)
GW_PID=$!
if [ -z "${SKIP_KAMAILIO:-}" ]; then
    mkdir -p "$OUT/kamrun"
    kamailio -f "$OUT/kamailio.cfg" -Y "$OUT/kamrun" -DD -E -m 128 -M 16 > "$OUT/kamailio.log" 2>&1 &
    PIDS+=($!)
fi
sleep 2

# One step: prints "achieved failed retrans" for TARGET_PORT SCENARIO RATE.
step() {
    local port=$1 scenario=$2 rate=$3 tag=$4
    local n=$((rate * SECONDS_PER_RATE))
    local stat="$OUT/$tag-$rate.csv"
    rm -f "$stat"
    local start end
    start=$(date +%s.%N)
    timeout "$((SECONDS_PER_RATE * 4 + 30))" sipp "127.0.0.1:$port" -sf "$SCEN/$scenario" -s 0123456789 -t u1 -i 127.0.0.1 -ci 127.0.0.1 -mp 16200 \
        -r "$rate" -m "$n" -timeout "$((SECONDS_PER_RATE * 3 + 20))s" -nostdin -trace_stat -stf "$stat" -fd 1 \
        -buff_size 4194304 > "$OUT/$tag-$rate.out" 2>&1 || true
    end=$(date +%s.%N)
    # The last stat line: cumulative successful, failed and retransmission counts.
    python3 - "$stat" "$start" "$end" "$rate" <<'PY'
import csv, sys
path, start, end, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
try:
    rows = list(csv.reader(open(path), delimiter=';'))
except OSError:
    print(0, 0, 0); sys.exit(0)
head, last = rows[0], rows[-1]
col = lambda name: int(last[head.index(name)])
ok, failed, retrans = col("SuccessfulCall(C)"), col("FailedCall(C)"), col("Retransmissions(C)")
print(ok, failed, retrans)
PY
}

run_target() {
    local name=$1 port=$2 scenario=$3
    local best=0
    for r in $RATES; do
        read -r ok failed retrans < <(step "$port" "$scenario" "$r" "$name")
        local want=$((r * SECONDS_PER_RATE))
        local pct=$((100 * ok / want))
        printf "  %-22s rate %6d/s: %7d ok, %5d failed, %6d retrans (%d%%)  [load avg %s]\n" "$name" "$r" "$ok" "$failed" "$retrans" "$pct" "$(cut -d' ' -f1 /proc/loadavg)"
        if [ "$failed" -eq 0 ] && [ "$retrans" -eq 0 ] && [ "$pct" -ge 97 ]; then best=$r; else break; fi
    done
    echo "  => $name sustained: $best/s"
    SUSTAINED[$name]=$best
}

declare -A SUSTAINED
echo "sip-load: ${SECONDS_PER_RATE}s per rate, rates: $RATES  (work dir $OUT)"
echo "sipp command per step:"
echo "  sipp 127.0.0.1:PORT -sf scripts/sip/{options,invite_reject}.xml -s 0123456789 -t u1 -i 127.0.0.1 -ci 127.0.0.1 -mp 16200 -r R -m $((SECONDS_PER_RATE))R -nostdin -trace_stat -fd 1 -buff_size 4194304"
echo "simgated: $SIMGATED --config $OUT/simgate.toml   (udp:127.0.0.1:$GW_PORT)"
[ -z "${SKIP_KAMAILIO:-}" ] && echo "kamailio: kamailio -f $OUT/kamailio.cfg -Y $OUT/kamrun -DD -E -m 128 -M 16   (sl_send_reply, children=2, udp:127.0.0.1:$KAM_PORT)"
echo "host: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run_target simgated-options "$GW_PORT" options.xml
run_target simgated-invite-401 "$GW_PORT" invite_reject.xml
if [ -z "${SKIP_KAMAILIO:-}" ]; then
    run_target kamailio-options "$KAM_PORT" options.xml
    run_target kamailio-invite-503 "$KAM_PORT" invite_reject.xml
fi
echo "summary (highest rate with 0 failed, 0 retransmissions, >=97% achieved):"
for k in "${!SUSTAINED[@]}"; do echo "  $k ${SUSTAINED[$k]}/s"; done | sort
echo "simgated CPU time used: $(ps -o cputime= -p "$GW_PID" 2>/dev/null || echo ?)"
