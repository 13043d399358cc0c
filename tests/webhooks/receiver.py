"""A webhook receiver for tests/webhooks.rs: every delivery is checked with the reference
Standard Webhooks library for Python (PyPI `standardwebhooks`, pinned in requirements.txt and
installed by scripts/test), which verifies the signature, the timestamp tolerance and the
presence of the id. Each request is logged as one JSON line.

    receiver.py DIR     DIR/port is written once listening; DIR/secret (whsec_…) is read on
                        each request; DIR/mode is read on each request: "ok" (200, the
                        default), "fail" (500) or "slow" (200 after 300 ms); DIR/log.jsonl gets
                        {"id", "timestamp", "type", "data", "verified", "error", "answered",
                         "overlapping"} per request ("overlapping": the same webhook-id was
                        being received at that moment, i.e. delivered twice at once).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

DIR = sys.argv[1]
LOCK = threading.Lock()
IN_FLIGHT = {}


def read(name, default=""):
    try:
        with open(os.path.join(DIR, name), encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def log(entry):
    with LOCK:
        with open(os.path.join(DIR, "log.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        headers = {k: v for k, v in self.headers.items()}
        msg_id = headers.get("webhook-id") or headers.get("Webhook-Id")
        with LOCK:
            overlapping = IN_FLIGHT.get(msg_id, 0) > 0
            IN_FLIGHT[msg_id] = IN_FLIGHT.get(msg_id, 0) + 1
        entry = {"id": msg_id, "timestamp": headers.get("webhook-timestamp"),
                 "overlapping": overlapping, "verified": False, "error": None}
        try:
            payload = Webhook(read("secret")).verify(body, headers)
            entry.update(verified=True, type=payload.get("type"), data=payload.get("data"))
        except Exception as e:  # the library's verdict, recorded for the test to assert on
            entry["error"] = f"{type(e).__name__}: {e}"
        mode = read("mode", "ok")
        if not entry["verified"]:
            status = 400
        elif mode == "fail":
            status = 500
        else:
            if mode == "slow":
                time.sleep(0.3)
            status = 200
        entry["answered"] = status
        log(entry)
        with LOCK:
            IN_FLIGHT[msg_id] -= 1
        self.send_response(status)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
