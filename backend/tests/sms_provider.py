"""An SMS gateway for the tests: takes what Tachiai's HTTP SMS adapter sends (docs/operations/
manual.ja.md, SMS認証の設定) and records it.

Usage: sms_provider.py PORT DIR

Accepts POST with `Authorization: Bearer <key>` (the key in DIR/key, read on every request) and
the JSON body {"to": "+81…", "body": "…"}. Every request is appended to DIR/received.jsonl
with its path, Authorization header, parsed body and the status answered. If DIR/fail holds
"N STATUS", the next N requests are answered STATUS (N is counted down; "* STATUS" answers
every request so); otherwise a wrong key is 401, a malformed body 400 and the rest 200 with
{"id": …}. Prints "ready" once it accepts connections; runs until its standard input closes
or it is killed. Standard library only.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def read(self, name):
        path = os.path.join(self.server.out, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read().strip()

    def planned_failure(self):
        """The status DIR/fail asks for, counting it down; None to answer normally."""
        plan = self.read("fail")
        if not plan:
            return None
        count, _, status = plan.partition(" ")
        if count == "*":
            return int(status)
        left = int(count)
        if left <= 0:
            return None
        with open(os.path.join(self.server.out, "fail"), "w") as f:
            f.write("%d %s" % (left - 1, status))
        return int(status)

    def do_POST(self):
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 16)
        raw = self.rfile.read(length)
        auth = self.headers.get("Authorization", "")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self.server.lock:
            status = self.planned_failure()
            if status is None:
                if auth != "Bearer " + (self.read("key") or ""):
                    status = 401
                elif not (isinstance(body, dict) and isinstance(body.get("to"), str)
                          and isinstance(body.get("body"), str)):
                    status = 400
                else:
                    status = 200
            record = {"path": self.path, "authorization": auth, "body": body,
                      "status": status, "at": time.time()}
            with open(os.path.join(self.server.out, "received.jsonl"), "a") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                f.flush()
        answer = json.dumps({"id": "msg-%d" % int(time.time() * 1000)} if status == 200
                            else {"error": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.out = out
    server.lock = threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
