#!/usr/bin/env python3
"""PJSIP (pjsua2) phone for bridged-call tests: registers as a user, then either places
calls to a number (MODE=call) or answers the calls that ring it (MODE=answer). Plays a
1 kHz tone (or silence), records what it hears per call, sends and collects RFC 4733 DTMF.
Prints a JSON report as the LAST line of stdout.

Environment:
  GW_PORT (required), GW_HOST (127.0.0.1), SIP_USER, SIP_PASS, RTP_PORT (media base port)
  MODE=call:   NUMBER (dialled), CALLS (1: simultaneous calls), CANCEL_AFTER (s: hang up
               before the answer), SECONDS (4: hold after answer, then hang up unless
               HANGUP=remote, which waits up to SECONDS+10 for the far end's BYE)
  MODE=answer: WAIT (20: seconds to wait for a call), ANSWER_AFTER (0.5), ANSWER_CODE (200;
               e.g. 486 to refuse), SECONDS (4), HANGUP=local|remote (remote: wait for BYE),
               CALLS_EXPECTED (1: calls to take one after another, each waited for up to WAIT),
               ANSWER_CODES (e.g. "486,200": the final answer to each call in turn; the last repeats)
  STOP_FILE: when this file exists the phone stops waiting, hangs up and reports
  DTMF (digits to send 1 s after the answer), PLAY=tone|silence, OUT_DIR (recordings)
  HOLD_AT (s after the answer: put the call on hold, re-INVITE a=sendonly), RESUME_AT (s after
  the answer: take it off hold, re-INVITE with PJSUA_CALL_UNHOLD); the report lists the
  direction attribute of every 2xx to an INVITE the phone received ("answer_directions").
Report per call, besides states and packet counts: early_media (the recording started before
the answer, i.e. a 183 with SDP), answer_offset (seconds into the recording the call was
answered), progress_sdp/answer_sdp (bodies of the 183 and the 200), rtcp_* (what the far
end's RTCP told pjsua: its CNAME, how many reports about our stream, loss, jitter, RTT).
Headless pitfalls as in the project's sip-peers reference: null audio device, threadCnt=0 +
mainThreadOnly with libHandleEvents, teardown order, PCMU/PCMA only.
"""
import json, math, os, struct, sys, time, wave

import pjsua2 as pj
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pjpeer import start_endpoint  # noqa: E402

host = os.environ.get("GW_HOST", "127.0.0.1")
if not host.startswith("127."):
    sys.exit("GW_HOST must be a loopback address")
port = int(os.environ["GW_PORT"])
user = os.environ.get("SIP_USER", "alice")
password = os.environ.get("SIP_PASS", "secret")
mode = os.environ.get("MODE", "call")
number = os.environ.get("NUMBER", "")
calls_wanted = int(os.environ.get("CALLS", "1"))
seconds = float(os.environ.get("SECONDS", "4"))
cancel_after = float(os.environ["CANCEL_AFTER"]) if os.environ.get("CANCEL_AFTER") else None
hangup = os.environ.get("HANGUP", "local")
wait = float(os.environ.get("WAIT", "20"))
answer_after = float(os.environ.get("ANSWER_AFTER", "0.5"))
answer_code = int(os.environ.get("ANSWER_CODE", "200"))
answer_codes = [int(c) for c in os.environ.get("ANSWER_CODES", "").split(",") if c.strip()]
dtmf = os.environ.get("DTMF", "")
play = os.environ.get("PLAY", "tone")
out_dir = os.environ.get("OUT_DIR", ".")
rtp_port = int(os.environ.get("RTP_PORT", "0"))
hold_at = float(os.environ["HOLD_AT"]) if os.environ.get("HOLD_AT") else None
resume_at = float(os.environ["RESUME_AT"]) if os.environ.get("RESUME_AT") else None
tone_path = os.path.join(out_dir, "phone-tone.wav")

report = {"registered": False, "reg_code": None, "calls": []}

# 30 s of 1 kHz at -10 dBFS (or silence), 8 kHz mono 16-bit.
with wave.open(tone_path, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    amp = 10362 if play == "tone" else 0
    w.writeframes(b"".join(struct.pack("<h", int(amp * math.sin(2 * math.pi * 1000 * i / 8000))) for i in range(240000)))

ep = start_endpoint(max_calls=32, max_media_ports=96)
player = pj.AudioMediaPlayer()
player.createPlayer(tone_path)


class Account(pj.Account):
    def onRegState(self, prm):
        report["reg_code"] = prm.code
        report["registered"] = prm.code == 200 and prm.expiration > 0

    def onIncomingCall(self, prm):
        c = Call(self, prm.callId)
        calls.append(c)
        c.answer_at = time.time() + answer_after
        c.answer_code = answer_codes[min(c.n, len(answer_codes) - 1)] if answer_codes else answer_code
        op = pj.CallOpParam()
        op.statusCode = 180
        c.answer(op)


class Call(pj.Call):
    def __init__(self, acc, call_id=pj.PJSUA_INVALID_ID):
        pj.Call.__init__(self, acc, call_id)
        self.n = len(report["calls"])
        self.info = {"confirmed": False, "ringing": False, "disconnect_code": None, "disconnect_reason": None,
                     "dtmf_received": "", "rx_packets": 0, "tx_packets": 0, "codec": None,
                     "recording": os.path.join(out_dir, "phone-rec-%d.wav" % self.n), "remote": None,
                     "answer_directions": []}
        report["calls"].append(self.info)
        self.recorder = None
        self.recording_started = None
        self.done = False
        self.confirmed_at = None
        self.answer_at = None
        self.dtmf_sent = False

    def onCallState(self, prm):
        ci = self.getInfo()
        self.info["remote"] = ci.remoteUri
        if ci.state == pj.PJSIP_INV_STATE_EARLY and ci.lastStatusCode in (180, 183):
            self.info["ringing"] = True
        if ci.state == pj.PJSIP_INV_STATE_CONFIRMED and not self.info["confirmed"]:
            self.info["confirmed"] = True
            self.confirmed_at = time.time()
            if self.recording_started is not None:
                # Where the answer falls in the recording (early media before it).
                self.info["answer_offset"] = self.confirmed_at - self.recording_started
        try:
            msg = prm.e.body.tsxState.src.rdata.wholeMsg
            for line in msg.splitlines():
                if line.lower().startswith("reason:"):
                    self.info["reason_header"] = line.split(":", 1)[1].strip()
            # Early media: the SDP of a 183 and of the 200, to compare them.
            body = msg.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in msg else ""
            if msg.startswith("SIP/2.0 183") and "v=0" in body:
                self.info["progress_sdp"] = body
            if msg.startswith("SIP/2.0 200") and "v=0" in body and "INVITE" in msg.split("\r\n\r\n", 1)[0]:
                self.info["answer_sdp"] = body
        except Exception:
            pass
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.info["disconnect_code"] = ci.lastStatusCode
            self.info["disconnect_reason"] = ci.lastReason
            self.done = True

    def onCallTsxState(self, prm):
        # Every 2xx to an INVITE (the first answer, then each re-INVITE's) with its direction.
        try:
            if prm.e.body.tsxState.type != pj.PJSIP_EVENT_RX_MSG:
                return
            msg = prm.e.body.tsxState.src.rdata.wholeMsg
        except Exception:
            return
        lines = msg.splitlines()
        if not lines or not lines[0].startswith("SIP/2.0 2"):
            return
        if not any(l.lower().startswith("cseq:") and l.strip().upper().endswith("INVITE") for l in lines):
            return
        d = [l.strip()[2:] for l in lines if l.strip() in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive")]
        if d and (not self.info["answer_directions"] or getattr(self, "last_2xx", None) != msg):
            self.last_2xx = msg   # a retransmitted 2xx is reported once
            self.info["answer_directions"].append(d[0])

    def onCallMediaState(self, prm):
        ci = self.getInfo()
        for mi in ci.media:
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                # (Re)connect on every activation: after hold/unhold pjsua may give the
                # call a new conference port, and the old connections are gone.
                am = self.getAudioMedia(mi.index)
                if self.recorder is None:
                    # First activation: the recording starts here (before the answer when a
                    # 183 brought early media).
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(self.info["recording"])
                    self.recording_started = time.time()
                    self.info["early_media"] = ci.state == pj.PJSIP_INV_STATE_EARLY
                player.startTransmit(am)
                am.startTransmit(self.recorder)

    def onDtmfDigit(self, prm):
        self.info["dtmf_received"] += prm.digit

    def stats(self):
        try:
            st = self.getStreamStat(0)
            self.info["rx_packets"] = st.rtcp.rxStat.pkt
            self.info["tx_packets"] = st.rtcp.txStat.pkt
            # RTCP: what the far end's reports said about our stream (its loss and jitter
            # as seen there), and how many reports we got.
            self.info["rtcp_peer_cname"] = st.rtcp.peerSdes.cname
            self.info["rtcp_peer_reports"] = st.rtcp.txStat.updateCount
            self.info["rtcp_peer_loss"] = st.rtcp.txStat.loss
            self.info["rtcp_peer_jitter_us"] = st.rtcp.txStat.jitterUsec.last
            self.info["rtcp_rtt_us"] = st.rtcp.rttUsec.last
            self.info["codec"] = self.getStreamInfo(0).codecName
        except Exception as e:
            self.info["stat_error"] = str(e)


calls = []


stop_file = os.environ.get("STOP_FILE")


def stopped():
    return bool(stop_file) and os.path.exists(stop_file)


def pump(sec, until=lambda: False):
    end = time.time() + sec
    while time.time() < end and not until() and not stopped():
        ep.libHandleEvents(10)
        tick()


def tick():
    now = time.time()
    for c in calls:
        if c.done:
            continue
        if c.answer_at is not None and now >= c.answer_at:
            c.answer_at = None
            op = pj.CallOpParam()
            op.statusCode = c.answer_code
            try:
                c.answer(op)
            except Exception as e:
                c.info["answer_error"] = str(e)
        if c.confirmed_at is not None:
            held = now - c.confirmed_at
            if now - getattr(c, "last_stat", 0) > 0.5:
                c.last_stat = now
                c.stats()
            if hold_at is not None and not getattr(c, "held", False) and held >= hold_at:
                c.held = True
                try:
                    c.setHold(pj.CallOpParam(True))
                except Exception as e:
                    c.info["hold_error"] = str(e)
            if resume_at is not None and not getattr(c, "resumed", False) and held >= resume_at:
                c.resumed = True
                try:
                    op = pj.CallOpParam(True)
                    op.opt.flag = pj.PJSUA_CALL_UNHOLD
                    c.reinvite(op)
                except Exception as e:
                    c.info["resume_error"] = str(e)
            if dtmf and not c.dtmf_sent and held >= 1.0:
                c.dtmf_sent = True
                try:
                    c.dialDtmf(dtmf)
                except Exception as e:
                    c.info["dtmf_error"] = str(e)
            if held >= seconds and hangup == "local" and not getattr(c, "hung", False):
                c.hung = True
                c.stats()
                c.hangup(pj.CallOpParam(True))
        elif cancel_after is not None and mode == "call" and now - c.started >= cancel_after and not getattr(c, "hung", False):
            c.hung = True
            c.hangup(pj.CallOpParam(True))


acfg = pj.AccountConfig()
acfg.idUri = "sip:%s@%s:%d" % (user, host, port)
acfg.regConfig.registrarUri = "sip:%s:%d" % (host, port)
acfg.regConfig.timeoutSec = 300
acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
acfg.mediaConfig.transportConfig.publicAddress = "127.0.0.1"
if rtp_port:
    acfg.mediaConfig.transportConfig.port = rtp_port
    acfg.mediaConfig.transportConfig.portRange = 200
acc = Account()
acc.create(acfg)
pump(5, lambda: report["reg_code"] is not None)
print("REGISTERED" if report["registered"] else "NOT-REGISTERED", flush=True)

if report["registered"]:
    if mode == "call":
        for i in range(calls_wanted):
            c = Call(acc)
            c.started = time.time()
            calls.append(c)
            c.makeCall("sip:%s@%s:%d" % (number, host, port), pj.CallOpParam(True))
        limit = seconds + 25
        pump(limit, lambda: all(c.done for c in calls))
    else:
        for k in range(int(os.environ.get("CALLS_EXPECTED", "1"))):
            pump(wait, lambda: len(calls) > k)
            limit = seconds + 25
            pump(limit, lambda: len(calls) > k and all(c.done for c in calls))
    for c in calls:
        if not c.done:
            c.stats()
            c.hangup(pj.CallOpParam(True))
    pump(2, lambda: all(c.done for c in calls))

# Teardown order matters (sip-peers.md pitfall 13).
for c in calls:
    c.recorder = None
del calls[:]
player = None
acc.shutdown()
pump(0.5)
ep.libDestroy()
print(json.dumps(report), flush=True)
os._exit(0)
