#!/usr/bin/env python3
"""PJSIP (pjsua2) peer: register as a user, call the test extension, play a 1 kHz tone,
record what comes back, hang up. Prints a JSON report as the LAST line of stdout.

Environment: GW_PORT (required), GW_HOST (127.0.0.1), SIP_USER, SIP_PASS, EXTENSION (*43),
SECONDS (4), OUT_DIR (recording and tone WAVs go there), REGISTER_ONLY=1 to skip the call.
Headless pitfalls handled as in the project's sip-peers reference: null audio device,
threadCnt=0 + mainThreadOnly with libHandleEvents, teardown order, PCMU/PCMA only.
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
extension = os.environ.get("EXTENSION", "*43")
seconds = float(os.environ.get("SECONDS", "4"))
out_dir = os.environ.get("OUT_DIR", ".")
register_only = os.environ.get("REGISTER_ONLY") == "1"
tone_path = os.path.join(out_dir, "tone-1k.wav")
rec_path = os.path.join(out_dir, "echo.wav")
report = {"registered": False, "reg_code": None, "confirmed": False, "disconnect_code": None,
          "rx_packets": 0, "tx_packets": 0, "recording": rec_path, "codec": None}

# 10 s of 1 kHz at -10 dBFS, 8 kHz mono 16-bit.
with wave.open(tone_path, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    w.writeframes(b"".join(struct.pack("<h", int(10000 * math.sin(2 * math.pi * 1000 * i / 8000))) for i in range(80000)))

ep = start_endpoint()


class Account(pj.Account):
    def onRegState(self, prm):
        report["reg_code"] = prm.code
        report["registered"] = prm.code == 200 and prm.expiration > 0


class Call(pj.Call):
    def __init__(self, acc):
        pj.Call.__init__(self, acc)
        self.player = None
        self.recorder = None
        self.done = False

    def onCallState(self, prm):
        ci = self.getInfo()
        if ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
            report["confirmed"] = True
        if ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            report["disconnect_code"] = ci.lastStatusCode
            self.done = True

    def onCallMediaState(self, prm):
        ci = self.getInfo()
        for mi in ci.media:
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE and self.player is None:
                am = self.getAudioMedia(mi.index)
                self.player = pj.AudioMediaPlayer()
                self.player.createPlayer(tone_path)
                self.recorder = pj.AudioMediaRecorder()
                self.recorder.createRecorder(rec_path)
                self.player.startTransmit(am)
                am.startTransmit(self.recorder)


def pump(sec, until=lambda: False):
    end = time.time() + sec
    while time.time() < end and not until():
        ep.libHandleEvents(10)


acfg = pj.AccountConfig()
acfg.idUri = "sip:%s@%s:%d" % (user, host, port)
acfg.regConfig.registrarUri = "sip:%s:%d" % (host, port)
acfg.regConfig.timeoutSec = 300
acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
acfg.mediaConfig.transportConfig.publicAddress = "127.0.0.1"
acc = Account()
acc.create(acfg)
pump(5, lambda: report["reg_code"] is not None)

call = None
if report["registered"] and not register_only:
    call = Call(acc)
    call.makeCall("sip:%s@%s:%d" % (extension, host, port), pj.CallOpParam(True))
    pump(5, lambda: report["confirmed"] or call.done)
    if report["confirmed"]:
        pump(seconds, lambda: call.done)
        try:
            st = call.getStreamStat(0)
            report["rx_packets"] = st.rtcp.rxStat.pkt
            report["tx_packets"] = st.rtcp.txStat.pkt
            report["codec"] = call.getStreamInfo(0).codecName
        except Exception as e:
            report["stat_error"] = str(e)
        if not call.done:
            call.hangup(pj.CallOpParam(True))
        pump(3, lambda: call.done)

# Teardown order matters (sip-peers.md pitfall 13).
if call is not None:
    call.player = None
    call.recorder = None
    del call
acc.shutdown()
pump(0.5)
ep.libDestroy()
print(json.dumps(report), flush=True)
os._exit(0)
