#!/usr/bin/env bash
# `make run`: starts modemsim with three simulated modems (Huawei, Quectel, SIMCom), then
# simgated in the foreground with examples/simgate.toml. Ctrl-C stops both.
# In a second terminal:  .build/debug/simgate modems
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
mkdir -p /tmp/simgate/sim var/lib/simgate

"$BIN/modemsim" run --config examples/modemsim.json &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null || true' EXIT INT TERM

# Wait (bounded) for the simulated ports to appear.
for _ in $(seq 1 50); do
    [ -e /tmp/simgate/sim/huawei1.at ] && [ -e /tmp/simgate/sim/quectel1.at ] && [ -e /tmp/simgate/sim/simcom1.at ] && break
    sleep 0.1
done

echo "simgate: modemsim running (pid $SIM_PID); control it with:"
echo "  $BIN/modemsim ctl --socket /tmp/simgate/sim/control.sock signal huawei1 5"
echo "simgate: in another terminal:  $BIN/simgate modems"
echo "simgate: SIP on udp/tcp 127.0.0.1:5060, user dispatcher1 / demo-password-1, echo test *43"
"$BIN/simgated" --config examples/simgate.toml
