#!/usr/bin/env python3
"""Modem control plane at scale: simgated's RSS with N simulated modems, and the AT round
trip through a pseudo-terminal.

    swift build -c release
    python3 Benchmarks/modem_scale.py --modems 3 --modems 32 [--bin .build/release]

For each N: starts modemsim with N modems (Huawei, Quectel, SIMCom in turn), simgated with
one [[modem]] table each, waits until every modem is `free`, then reads simgated's VmRSS and
sends 200 raw `AT` commands to one modem through the control API; the daemon reports each
command's time from queueing to the final OK (the pty round trip plus the modem's answer).
A benchmark, not a test: it prints numbers and asserts nothing.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import luhn_complete, rss_kib  # noqa: E402

VENDORS = [("huawei", "E1752"), ("quectel", "EC25"), ("simcom", "SIMCOM_SIM7600E-H")]


def run(n: int, bindir: str) -> dict:
    work = tempfile.mkdtemp(prefix="sgb-", dir="/tmp")
    sim_dir = os.path.join(work, "sim")
    os.makedirs(sim_dir)
    modems, toml = [], [
        "[daemon]", f'state_dir = "{work}/state"', 'log_level = "warning"', "",
        "[control]", f'socket = "{work}/gw.sock"', "",
        "[modems]", "poll_interval = 10", "command_timeout = 5", "discover = false", "",
    ]
    for i in range(n):
        vendor, model = VENDORS[i % 3]
        name = f"m{i:02d}"
        modems.append({
            "name": name, "vendor": vendor, "model": model,
            "identity": {"imei": luhn_complete(f"35409900{i:06d}"), "imsi": f"25001{i:010d}",
                         "iccid": luhn_complete(f"897010{i:012d}"), "msisdn": f"+7916{i:07d}"},
            "network": {"mccmnc": "25001", "longName": "MTS RUS", "shortName": "MTS", "registration": "home"},
            "signal": 10 + i % 20,
        })
        toml += ["[[modem]]", f'id = "{name}"', f'at_port = "{sim_dir}/{name}.at"', f'dialect = "{vendor}"', ""]
    with open(os.path.join(work, "sim.json"), "w") as f:
        json.dump({"controlSocket": f"{sim_dir}/control.sock", "linkDirectory": sim_dir, "modems": modems}, f)
    with open(os.path.join(work, "simgate.toml"), "w") as f:
        f.write("\n".join(toml))

    sim = subprocess.Popen([f"{bindir}/modemsim", "run", "--config", f"{work}/sim.json"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gw = None
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not all(os.path.exists(f"{sim_dir}/m{i:02d}.at") for i in range(n)):
            time.sleep(0.1)
        started = time.time()
        gw = subprocess.Popen([f"{bindir}/simgated", "--config", f"{work}/simgate.toml"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = dict(os.environ, SIMGATE_SOCKET=f"{work}/gw.sock")
        free_after = None
        deadline = time.time() + 120
        while time.time() < deadline:
            out = subprocess.run([f"{bindir}/simgate", "modems", "--json"], env=env, capture_output=True, text=True)
            if out.returncode == 0:
                states = [m["state"] for m in json.loads(out.stdout)["modems"]]
                if len(states) == n and all(s == "free" for s in states):
                    free_after = time.time() - started
                    break
            time.sleep(0.2)
        time.sleep(2)  # let start-up allocations settle
        rss = rss_kib(gw.pid)
        rtts = []
        for _ in range(200):
            out = subprocess.run([f"{bindir}/simgate", "modem", "at", "m00", "AT", "--json"], env=env,
                                 capture_output=True, text=True)
            if out.returncode == 0:
                rtts.append(json.loads(out.stdout)["elapsedMilliseconds"])
        rtts.sort()
        return {
            "modems": n,
            "all_free_after_s": round(free_after, 2) if free_after else None,
            "rss_mib": round(rss / 1024, 1),
            "at_rtt_ms_p50": round(statistics.median(rtts), 3) if rtts else None,
            "at_rtt_ms_p99": round(rtts[int(len(rtts) * 0.99) - 1], 3) if rtts else None,
            "at_rtt_samples": len(rtts),
        }
    finally:
        for p in (gw, sim):
            if p:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modems", type=int, action="append")
    ap.add_argument("--bin", default=".build/release")
    args = ap.parse_args()
    for n in args.modems or [3, 32]:
        print(json.dumps(run(n, args.bin)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
