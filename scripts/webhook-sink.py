#!/usr/bin/env python3
"""A webhook receiver for the demo and the tests: checks each POST's X-Simgate-Signature
(HMAC-SHA256 of the body with the [[webhook]] secret), answers 200 (401 on a bad signature)
and prints one line per event: time, event, signature verdict, body.

Usage: webhook-sink.py HOST:PORT SECRET [LOGFILE] [--cert PEM --key PEM]
With --cert and --key it speaks HTTPS (Python's ssl module, i.e. OpenSSL), so simgate's
https webhooks meet a TLS server it did not write. The first line logged is
"# listening on URL" once the socket is bound."""
import argparse, hashlib, hmac, ssl, time
from http.server import BaseHTTPRequestHandler, HTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("address")
parser.add_argument("secret")
parser.add_argument("logfile", nargs="?")
parser.add_argument("--cert")
parser.add_argument("--key")
args = parser.parse_args()
host, port = args.address.rsplit(":", 1)
secret = args.secret.encode()
log = open(args.logfile, "a", buffering=1) if args.logfile else open(1, "w", buffering=1)

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

server = HTTPServer((host, int(port)), Sink)
scheme = "http"
if args.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https"
log.write("# listening on %s://%s:%s\n" % (scheme, host, port))
server.serve_forever()
