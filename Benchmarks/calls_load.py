#!/usr/bin/env python3
"""Bridged calls under load: simgated's CPU % and RSS with N concurrent SIP ↔ GSM calls, how
closely modem-port writes keep the 20 ms clock, how long a frame stays inside the gateway
(RTP in → PCM out to the modem, and modem PCM in → RTP out), and INVITE-received → ATD time.

    # release binaries from a clone of HEAD (edits in this checkout cannot leak into them):
    python3 Benchmarks/calls_load.py --bin "$(Benchmarks/release-clone.sh)" --calls 8 --calls 32 --calls 64
    # options: [--hold 20] [--window 8]; a debug build works too (--bin .build/debug): say so

For each N: modemsim with N Huawei modems (each plays a 1 kHz tone once a call is up),
simgated with one [[modem]] each and a [sip] listener, then ONE sipp UAC process placing N
calls with digest auth (-l N) and `-rtp_echo`: every RTP packet the gateway sends (the
modem's tone) is streamed straight back, so each call carries 50 packets/s each way and the
modems get PCM every 20 ms. Once all N calls are answered, CPU is sampled from /proc over
--window seconds and RSS read; the call list's `pacing` and `media` reports (GET /v1/calls)
give the clock deviation and the in-gateway latencies. A benchmark, not a test: it prints
numbers and asserts nothing.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import luhn_complete, rss_kib  # noqa: E402

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="bridged call with digest auth, RTP echoed">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: [cseq] INVITE
      Contact: <sip:bench@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: sipp <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: [cseq] ACK
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: [cseq] INVITE
      Contact: <sip:bench@[local_ip]:[local_port]>
      [authentication]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 2 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: [cseq] ACK
      [routes]
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <pause milliseconds="HOLD_MS"/>
  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: [cseq] BYE
      [routes]
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime


def busy_ticks() -> int:
    """Ticks every CPU spent on anything but idle/iowait (other sessions share this host)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return sum(v) - v[3] - v[4]


def calls_json(bindir: str, env: dict) -> dict:
    out = subprocess.run([f"{bindir}/simgate", "calls", "--json"], env=env, capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def run(n: int, bindir: str, hold: float, window: float) -> dict:
    work = tempfile.mkdtemp(prefix="sgc-", dir="/tmp")
    sim_dir = os.path.join(work, "sim")
    os.makedirs(sim_dir)
    modems, toml = [], [
        "[daemon]", f'state_dir = "{work}/state"', 'log_level = "warning"', "",
        "[control]", f'socket = "{work}/gw.sock"', "",
        "[modems]", "poll_interval = 10", "command_timeout = 5", "discover = false", "",
        "[sip]", 'listen = ["udp:127.0.0.1:5099"]', "rtp_port_min = 32000", "rtp_port_max = 32999", "",
        "[[user]]", 'name = "bench"', 'password = "benchpass"', "max_concurrent_calls = 128", "",
    ]
    for i in range(n):
        name = f"m{i:02d}"
        modems.append({
            "name": name, "vendor": "huawei", "model": "E1752",
            "identity": {"imei": luhn_complete(f"35409900{i:06d}"), "imsi": f"25001{i:010d}",
                         "iccid": luhn_complete(f"897010{i:012d}"), "msisdn": f"+7916{i:07d}"},
            "network": {"mccmnc": "25001", "longName": "MTS RUS", "shortName": "MTS", "registration": "home"},
            "signal": 20,
        })
        toml += ["[[modem]]", f'id = "{name}"', f'at_port = "{sim_dir}/{name}.at"', f'audio_port = "{sim_dir}/{name}.audio"',
                 'dialect = "huawei"', ""]
    with open(os.path.join(work, "sim.json"), "w") as f:
        json.dump({"controlSocket": f"{sim_dir}/control.sock", "linkDirectory": sim_dir, "modems": modems}, f)
    with open(os.path.join(work, "simgate.toml"), "w") as f:
        f.write("\n".join(toml))
    with open(os.path.join(work, "uac.xml"), "w") as f:
        f.write(SCENARIO.replace("HOLD_MS", str(int(hold * 1000))))

    sim = subprocess.Popen([f"{bindir}/modemsim", "run", "--config", f"{work}/sim.json"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gw = sipp = None
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not all(os.path.exists(f"{sim_dir}/m{i:02d}.at") for i in range(n)):
            time.sleep(0.1)
        gw = subprocess.Popen([f"{bindir}/simgated", "--config", f"{work}/simgate.toml"],
                              stdout=subprocess.DEVNULL, stderr=open(f"{work}/simgated.err", "w"))
        env = dict(os.environ, SIMGATE_SOCKET=f"{work}/gw.sock")
        deadline = time.time() + 180
        while time.time() < deadline:
            out = subprocess.run([f"{bindir}/simgate", "modems", "--json"], env=env, capture_output=True, text=True)
            if out.returncode == 0:
                states = [m["state"] for m in json.loads(out.stdout)["modems"]]
                if len(states) == n and all(s == "free" for s in states):
                    break
            time.sleep(0.3)
        time.sleep(1)
        idle_rss = rss_kib(gw.pid)
        sipp = subprocess.Popen(
            ["sipp", "127.0.0.1:5099", "-sf", f"{work}/uac.xml", "-s", "+79161234567", "-au", "bench", "-ap", "benchpass",
             "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1", "-p", "5098", "-mp", "36000", "-rtp_echo",
             "-l", str(n), "-m", str(n), "-r", "20", "-nostdin", "-timeout", str(int(hold + 120)) + "s",
             "-trace_err", "-error_file", f"{work}/sipp.err"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        answered_after = None
        start = time.time()
        while time.time() - start < 60:
            calls = calls_json(bindir, env).get("calls", [])
            if sum(1 for c in calls if c["state"] == "answered") >= n:
                answered_after = time.time() - start
                break
            time.sleep(0.2)
        time.sleep(1)
        t0, c0 = busy_ticks(), cpu_ticks(gw.pid)
        w0 = time.time()
        time.sleep(window)
        t1, c1 = busy_ticks(), cpu_ticks(gw.pid)
        elapsed = time.time() - w0
        hz = os.sysconf("SC_CLK_TCK")
        cpu_pct = (c1 - c0) / hz / elapsed * 100
        host_cpu = (t1 - t0) / hz / elapsed * 100   # every process, % of one core (2 cores = 200)
        rss = rss_kib(gw.pid)
        report = calls_json(bindir, env)
        live = report.get("calls", [])
        sipp.wait(hold + 120)
        return {
            "calls": n,
            "answered": sum(1 for c in live if c["state"] == "answered"),
            "all_answered_after_s": round(answered_after, 2) if answered_after else None,
            "cpu_percent_of_one_core": round(cpu_pct, 1),
            "host_cpu_percent_all_processes": round(host_cpu, 1),
            "rss_mib_idle": round(idle_rss / 1024, 1),
            "rss_mib_loaded": round(rss / 1024, 1),
            "underruns": sum(c.get("underruns", 0) for c in live),
            "pacing_ms": report.get("pacing"),
            "media": report.get("media"),
            "sipp_exit": sipp.returncode,
        }
    finally:
        for p in (sipp, gw, sim):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, action="append")
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--hold", type=float, default=20, help="seconds each call lasts after the answer")
    ap.add_argument("--window", type=float, default=8, help="seconds of CPU sampling once all calls are up")
    args = ap.parse_args()
    for n in args.calls or [8, 32, 64]:
        r = run(n, args.bin, args.hold, args.window)
        print(json.dumps(r))
        print(summary(r), file=sys.stderr)
        sys.stdout.flush()


def summary(r: dict) -> str:
    """One human line per run: the numbers the issue asks for."""
    def lat(key):
        m = (r.get("media") or {}).get(key) or {}
        return "p50 %.2f / p99 %.2f / max %.2f ms (n=%s)" % (m.get("p50Milliseconds", 0), m.get("p99Milliseconds", 0),
                                                           m.get("maxMilliseconds", 0), m.get("samples", 0))
    p = r.get("pacing_ms") or {}
    return ("%d calls (%d answered): simgated CPU %.1f %% of one core, RSS %.1f MiB (idle %.1f); "
            "20 ms write deviation p50 %.1f / p99 %.1f / max %.2f ms, %s late slots; "
            "RTP in→PCM out %s; PCM in→RTP out %s; INVITE→ATD %s"
            % (r["calls"], r["answered"], r["cpu_percent_of_one_core"], r["rss_mib_loaded"], r["rss_mib_idle"],
               p.get("p50Milliseconds", 0), p.get("p99Milliseconds", 0), p.get("maxMilliseconds", 0), p.get("lateSlots", 0),
               lat("rtpToPCM"), lat("pcmToRTP"), lat("inviteToDial")))


if __name__ == "__main__":
    main()
