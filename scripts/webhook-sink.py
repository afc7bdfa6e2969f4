#!/usr/bin/env python3
"""The demo's webhook receiver: checks each POST's X-Simgate-Signature (HMAC-SHA256 of the
body with the [[webhook]] secret) and prints one line per event: time, event, signature
verdict, body. Usage: webhook-sink.py HOST:PORT SECRET [LOGFILE]"""
import hashlib, hmac, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

host, port = sys.argv[1].rsplit(":", 1)
secret = sys.argv[2].encode()
log = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else sys.stdout

class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, self.headers.get("X-Simgate-Signature", ""))
        log.write("%s %s %s %s\n" % (time.strftime("%H:%M:%S"), self.headers.get("X-Simgate-Event", "?"),
                                     "signed" if ok else "BAD-SIGNATURE", body.decode("utf-8", "replace")))
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

HTTPServer((host, int(port)), Sink).serve_forever()
