#!/usr/bin/env bash
# `make run`: starts modemsim with three simulated modems (Huawei on MTS, Quectel on Beeline,
# SIMCom on MegaFon), the demo's webhook sink, then simgated in the foreground with
# examples/simgate.toml. Ctrl-C stops all three.
# In a second terminal:  .build/debug/simgate modems
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
mkdir -p /tmp/simgate/sim var/lib/simgate
# The demo config reads the numbering data shipped in data/numbering/ at this fixed path.
ln -sfn "$PWD/data" /tmp/simgate/data

"$BIN/modemsim" run --config examples/modemsim.json &
SIM_PID=$!
python3 scripts/webhook-sink.py 127.0.0.1:8099 demo-webhook-secret-0123 /tmp/simgate/webhooks.log &
SINK_PID=$!
GW_PID=""
# On Ctrl-C, SIGTERM or exit: stop all three (the daemon first, so it hangs up its calls).
trap 'kill $GW_PID 2>/dev/null; wait $GW_PID 2>/dev/null; kill $SIM_PID $SINK_PID 2>/dev/null; wait $SIM_PID $SINK_PID 2>/dev/null || true' EXIT INT TERM

# Wait (bounded) for the simulated ports to appear.
for _ in $(seq 1 50); do
    [ -e /tmp/simgate/sim/huawei1.at ] && [ -e /tmp/simgate/sim/quectel1.at ] && [ -e /tmp/simgate/sim/simcom1.at ] && break
    sleep 0.1
done

echo "simgate: modemsim running (pid $SIM_PID); control it with:"
echo "  $BIN/modemsim ctl --socket /tmp/simgate/sim/control.sock signal huawei1 5"
echo "simgate: in another terminal:  $BIN/simgate modems"
echo "simgate: SIP on udp/tcp 127.0.0.1:5060, users dispatcher1 / demo-password-1 and dispatcher2 / demo-password-2, echo test *43"
echo "simgate: webhooks land in /tmp/simgate/webhooks.log; Prometheus metrics at http://127.0.0.1:9464/metrics"
# In the background and waited for, so a SIGTERM to this script runs the trap at once
# (bash defers traps while a foreground child runs).
"$BIN/simgated" --config examples/simgate.toml &
GW_PID=$!
wait $GW_PID
