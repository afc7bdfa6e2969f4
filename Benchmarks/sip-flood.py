#!/usr/bin/env python3
"""A scanner flood while bridged calls run (issue 15 point 3): what the calls' audio, the
bans and the daemon's memory do.

    python3 Benchmarks/sip-flood.py --bin "$(Benchmarks/release-clone.sh)" [--calls 8] [--rate 10000] [--seconds 60]
    # [--sources 20]: flooding addresses, 127.0.1.1 ... (loopback holds all of 127/8)
    # a debug build works too (--bin .build/debug): say so with the numbers

Set-up as in calls_load.py: modemsim with N Huawei modems playing a 1 kHz tone, simgated
with the default [sip] limits (rate_limit 200/s, burst 400, ban_after_failures 5,
ban_after_rate_limited 1000), ONE sipp UAC placing N calls with digest auth and
`-rtp_echo` from 127.0.0.1. Once every call is answered, --sources addresses send --rate
requests/s between them for --seconds: a quarter each of OPTIONS, REGISTER with bad
credentials (mostly unknown users, answered 403 and counted toward a ban as guesses; some
known users with a forged nonce, answered 401 and not counted: no password can be tested
without our nonce), INVITE to random numbers without credentials (401: a toll-fraud
attempt), and malformed datagrams. Meanwhile a packet socket on `lo` timestamps every RTP packet the
gateway sends to the phones (the far end of the modem's audio): the largest gap between
two packets of one call is the audio gap. A benchmark, not a test: it prints numbers.
Needs root (AF_PACKET) and sipp.
"""
import argparse, json, os, random, shutil, socket, struct, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import luhn_complete, rss_kib  # noqa: E402
from calls_load import SCENARIO, calls_json  # noqa: E402

GW_PORT = 5099
RTP_MIN, RTP_MAX = 32000, 32999


def flood_packets(rnd: random.Random, src: str, sport: int, i: int) -> bytes:
    """One request of the mix; i picks the kind."""
    branch = "z9hG4bK%x" % rnd.getrandbits(48)
    tag = "%x" % rnd.getrandbits(32)
    kind = i % 4
    head = f"Via: SIP/2.0/UDP {src}:{sport};branch={branch};rport\r\nMax-Forwards: 70\r\nCall-ID: {rnd.getrandbits(64):x}@{src}\r\n"
    if kind == 0:
        return (f"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n{head}From: <sip:scan@{src}>;tag={tag}\r\nTo: <sip:100@127.0.0.1>\r\n"
                f"CSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n").encode()
    if kind == 1:
        user = rnd.choice(["100", "admin", "1000", "alice", "bench"])
        nonce = "%032x" % rnd.getrandbits(128)
        auth = (f'Digest username="{user}", realm="simgate", nonce="{nonce}", uri="sip:127.0.0.1", '
                f'response="{rnd.getrandbits(128):032x}", algorithm=MD5')
        return (f"REGISTER sip:127.0.0.1 SIP/2.0\r\n{head}From: <sip:{user}@127.0.0.1>;tag={tag}\r\nTo: <sip:{user}@127.0.0.1>\r\n"
                f"CSeq: 2 REGISTER\r\nContact: <sip:{user}@{src}:{sport}>\r\nAuthorization: {auth}\r\nExpires: 60\r\n"
                f"User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n").encode()
    if kind == 2:
        number = "00%d" % rnd.randrange(10**9, 10**12)
        sdp = f"v=0\r\no=- 1 1 IN IP4 {src}\r\ns=-\r\nc=IN IP4 {src}\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
        return (f"INVITE sip:{number}@127.0.0.1 SIP/2.0\r\n{head}From: <sip:scan@{src}>;tag={tag}\r\nTo: <sip:{number}@127.0.0.1>\r\n"
                f"CSeq: 1 INVITE\r\nContact: <sip:scan@{src}:{sport}>\r\nContent-Type: application/sdp\r\n"
                f"Content-Length: {len(sdp)}\r\n\r\n{sdp}").encode()
    junk = [b"\x00\x01garbage" * rnd.randrange(1, 40), b"INVITE sip: SIP/2.0\r\nVia: x\r\n\r\n",
            b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999\r\n\r\n", bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 300)))]
    return junk[i // 4 % len(junk)]


def flooder(sources: int, rate: float, seconds: float, stats: dict):
    socks = []
    for k in range(sources):
        ip = f"127.0.1.{k + 1}"
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ip, 0))
        s.setblocking(False)
        socks.append((s, ip, s.getsockname()[1]))
    rnd = random.Random(15)
    # Pre-built packets (building them at 10,000/s would cost more than sending).
    pool = [[flood_packets(rnd, ip, port, i) for i in range(64)] for (_, ip, port) in socks]
    sent = answered = 0
    start = time.time()
    batch = max(1, int(rate / 200))   # 200 batches a second
    n = 0
    while True:
        now = time.time() - start
        if now >= seconds:
            break
        due = int(now * rate)
        while n < due:
            for _ in range(min(batch, due - n)):
                k = n % len(socks)
                s, _, _ = socks[k]
                try:
                    s.sendto(pool[k][(n // len(socks)) % 64], ("127.0.0.1", GW_PORT))
                    sent += 1
                except BlockingIOError:
                    pass
                n += 1
        for s, _, _ in socks:
            try:
                while True:
                    s.recv(65536)
                    answered += 1
            except BlockingIOError:
                pass
        time.sleep(0.004)
    stats.update(sent=sent, answered=answered, elapsed=time.time() - start)
    for s, _, _ in socks:
        s.close()


def sniff_rtp(stop: threading.Event, out: dict):
    """Largest gap between consecutive packets of each gateway → phone RTP stream on lo."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))   # IP packets, no link header
    s.bind(("lo", 0))
    s.settimeout(0.2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    last, gaps, counts = {}, {}, {}
    while not stop.is_set():
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        t = time.monotonic()
        if addr[2] != socket.PACKET_HOST or len(data) < 28 or data[9] != 17:
            continue   # an ETH_P_IP socket on lo sees each packet once, as received; UDP only
        ihl = (data[0] & 0x0F) * 4
        sport, dport = struct.unpack("!HH", data[ihl:ihl + 4])
        if not (RTP_MIN <= sport <= RTP_MAX) or RTP_MIN <= dport <= RTP_MAX or sport % 2:
            continue
        if sport in last:
            gaps[sport] = max(gaps.get(sport, 0), t - last[sport])
        last[sport] = t
        counts[sport] = counts.get(sport, 0) + 1
    out.update(gaps=gaps, counts=counts)


def run(args) -> dict:
    n, bindir = args.calls, args.bin
    work = tempfile.mkdtemp(prefix="sgf-", dir="/tmp")
    sim_dir = os.path.join(work, "sim")
    os.makedirs(sim_dir)
    modems, toml = [], [
        "[daemon]", f'state_dir = "{work}/state"', 'log_level = "warning"', "",
        "[control]", f'socket = "{work}/gw.sock"', "",
        "[modems]", "poll_interval = 10", "command_timeout = 5", "discover = false", "",
        "[sip]", f'listen = ["udp:127.0.0.1:{GW_PORT}"]', f"rtp_port_min = {RTP_MIN}", f"rtp_port_max = {RTP_MAX}", "",
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
    hold = args.seconds + 20
    with open(os.path.join(work, "uac.xml"), "w") as f:
        f.write(SCENARIO.replace("HOLD_MS", str(int(hold * 1000))))

    sim = subprocess.Popen([f"{bindir}/modemsim", "run", "--config", f"{work}/sim.json"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gw = sipp = None
    env = dict(os.environ, SIMGATE_SOCKET=f"{work}/gw.sock")

    def cli(*a):
        out = subprocess.run([f"{bindir}/simgate", *a, "--json"], env=env, capture_output=True, text=True)
        return json.loads(out.stdout) if out.returncode == 0 else {}

    try:
        deadline = time.time() + 30
        while time.time() < deadline and not all(os.path.exists(f"{sim_dir}/m{i:02d}.at") for i in range(n)):
            time.sleep(0.1)
        gw = subprocess.Popen([f"{bindir}/simgated", "--config", f"{work}/simgate.toml"],
                              stdout=subprocess.DEVNULL, stderr=open(f"{work}/simgated.err", "w"))
        deadline = time.time() + 180
        while time.time() < deadline:
            states = [m["state"] for m in cli("modems").get("modems", [])]
            if len(states) == n and all(s == "free" for s in states):
                break
            time.sleep(0.3)
        sipp = subprocess.Popen(
            ["sipp", f"127.0.0.1:{GW_PORT}", "-sf", f"{work}/uac.xml", "-s", "+79161234567", "-au", "bench", "-ap", "benchpass",
             "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1", "-p", "5098", "-mp", "36000", "-rtp_echo",
             "-l", str(n), "-m", str(n), "-r", "20", "-nostdin", "-timeout", str(int(hold + 120)) + "s",
             "-trace_err", "-error_file", f"{work}/sipp.err"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = time.time()
        while time.time() - start < 60:
            if sum(1 for c in calls_json(bindir, env).get("calls", []) if c["state"] == "answered") >= n:
                break
            time.sleep(0.2)
        time.sleep(2)
        rss_before = rss_kib(gw.pid)
        stop, sniffed, stats = threading.Event(), {}, {}
        sniffer = threading.Thread(target=sniff_rtp, args=(stop, sniffed))
        sniffer.start()
        time.sleep(1)
        flood = threading.Thread(target=flooder, args=(args.sources, args.rate, args.seconds, stats))
        flood.start()
        rss_peak = rss_before
        while flood.is_alive():
            rss_peak = max(rss_peak, rss_kib(gw.pid))
            time.sleep(0.5)
        flood.join()
        time.sleep(1)
        stop.set()
        sniffer.join()
        rss_after = rss_kib(gw.pid)
        status = cli("sip", "status")
        bans = cli("sip", "bans").get("bans", [])
        live = calls_json(bindir, env).get("calls", [])
        gaps = sniffed.get("gaps", {})
        return {
            "calls": n,
            "answered_after_flood": sum(1 for c in live if c["state"] == "answered"),
            "calls_listed_after_flood": len(live),
            "flood_sent": stats.get("sent"), "flood_seconds": round(stats.get("elapsed", 0), 1),
            "flood_rate": round(stats.get("sent", 0) / max(stats.get("elapsed", 1), 1e-9)),
            "flood_answered": stats.get("answered"),
            "sources": args.sources,
            "bans": len(bans), "ban_reasons": sorted({b["reason"] for b in bans}),
            "counters": status.get("counters"),
            "rss_mib_before": round(rss_before / 1024, 1), "rss_mib_peak": round(rss_peak / 1024, 1),
            "rss_mib_after": round(rss_after / 1024, 1),
            "rtp_streams_seen": len(gaps),
            "audio_gap_max_ms": round(max(gaps.values()) * 1000, 1) if gaps else None,
            "audio_gap_max_ms_per_stream": sorted(round(g * 1000, 1) for g in gaps.values()),
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
    ap.add_argument("--calls", type=int, default=8)
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--rate", type=float, default=10_000, help="flood requests per second, all sources together")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--sources", type=int, default=20, help="flooding source addresses (127.0.1.1 ...)")
    r = run(ap.parse_args())
    print(json.dumps(r))
    print("%d calls, %d still answered after the flood; flood %s req/s for %s s from %d sources (%s answers); "
          "%d bans (%s); RSS %.1f MiB before, %.1f peak, %.1f after; far-end audio gap max %s ms over %d streams"
          % (r["calls"], r["answered_after_flood"], r["flood_rate"], r["flood_seconds"], r["sources"], r["flood_answered"],
             r["bans"], ", ".join(r["ban_reasons"]), r["rss_mib_before"], r["rss_mib_peak"], r["rss_mib_after"],
             r["audio_gap_max_ms"], r["rtp_streams_seen"]), file=sys.stderr)


if __name__ == "__main__":
    main()
