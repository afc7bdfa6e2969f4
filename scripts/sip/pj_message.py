#!/usr/bin/env python3
"""PJSIP (pjsua2) peer for RFC 3428 MESSAGE: register as a user, send one MESSAGE to a
phone number through the gateway, then wait for MESSAGEs from the gateway (inbound SMS).
Prints a JSON report as the LAST line of stdout.

Environment: GW_PORT (required), GW_HOST (127.0.0.1), SIP_USER, SIP_PASS, TO_NUMBER
(the number to text; empty: send nothing), TEXT, WAIT_INBOUND (seconds to wait for
MESSAGEs after sending, 8), EXPECT_INBOUND (stop waiting after this many, 1).
"""
import json, os, sys, time

import pjsua2 as pj
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pjpeer import start_endpoint  # noqa: E402

host = os.environ.get("GW_HOST", "127.0.0.1")
if not host.startswith("127."):
    sys.exit("GW_HOST must be a loopback address")
port = int(os.environ["GW_PORT"])
user = os.environ.get("SIP_USER", "alice")
password = os.environ.get("SIP_PASS", "secret")
to_number = os.environ.get("TO_NUMBER", "")
text = os.environ.get("TEXT", "hello")
wait_inbound = float(os.environ.get("WAIT_INBOUND", "8"))
expect_inbound = int(os.environ.get("EXPECT_INBOUND", "1"))
report = {"registered": False, "reg_code": None, "sent_code": None, "sent_reason": None, "inbound": []}

ep = start_endpoint()


class Account(pj.Account):
    def onRegState(self, prm):
        report["reg_code"] = prm.code
        report["registered"] = prm.code == 200 and prm.expiration > 0

    def onInstantMessage(self, prm):
        report["inbound"].append({"from": prm.fromUri, "to": prm.toUri, "content_type": prm.contentType,
                                  "body": prm.msgBody})

    def onInstantMessageStatus(self, prm):
        report["sent_code"] = prm.code
        report["sent_reason"] = prm.reason


def pump(sec, until=lambda: False):
    end = time.time() + sec
    while time.time() < end and not until():
        ep.libHandleEvents(10)


acfg = pj.AccountConfig()
acfg.idUri = "sip:%s@%s:%d" % (user, host, port)
acfg.regConfig.registrarUri = "sip:%s:%d" % (host, port)
acfg.regConfig.timeoutSec = 300
acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
acc = Account()
acc.create(acfg)
pump(5, lambda: report["reg_code"] is not None)
print("registered" if report["registered"] else "not registered", flush=True)

buddy = None
if report["registered"] and to_number:
    bcfg = pj.BuddyConfig()
    bcfg.uri = "sip:%s@%s:%d" % (to_number, host, port)
    bcfg.subscribe = False
    buddy = pj.Buddy()
    buddy.create(acc, bcfg)
    prm = pj.SendInstantMessageParam()
    prm.content = text
    prm.contentType = "text/plain"
    buddy.sendInstantMessage(prm)
    pump(10, lambda: report["sent_code"] is not None)
if report["registered"]:
    pump(wait_inbound, lambda: len(report["inbound"]) >= expect_inbound)

del buddy
acc.shutdown()
pump(0.5)
ep.libDestroy()
print(json.dumps(report), flush=True)
os._exit(0)
