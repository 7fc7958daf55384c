"""A webhook receiver for the tests: checks Tachiai-Signature as docs/webhooks.md describes and
records what it gets.

Usage: webhook_receiver.py PORT DIR

DIR/secrets holds the secrets it accepts, one per line (read on every request, so a test can
switch them). Every request is appended to DIR/raw.jsonl with its verdict (accepted, duplicate,
or rejected: malformed / stale / mismatch); each event accepted the first time also to
DIR/accepted.jsonl. Events are deduplicated by their ID across restarts (accepted.jsonl is read
at start). If DIR/slow holds a number, a request is recorded and then answered only after that
many seconds (a receiver slow enough to kill the sender mid-delivery). Prints "ready" once it
accepts connections; runs until its standard input closes or it is killed. Standard library only.
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secrets, header, body, now):
    """The receiver's check (docs/webhooks.md): returns None if valid, else the reason."""
    t, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            t = int(value)
        elif key == "v1":
            candidates.append(value)
    if t is None or not candidates:
        return "malformed"
    if abs(now - t) > TOLERANCE_SECONDS:
        return "stale"
    signed = str(t).encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, c) for c in candidates):
            return None
    return "mismatch"


class State:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()
        self.seen = set()
        path = os.path.join(out, "accepted.jsonl")
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    if line.strip():
                        self.seen.add(json.loads(line)["event_id"])

    def secrets(self):
        path = os.path.join(self.out, "secrets")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [s.strip() for s in f if s.strip()]

    def append(self, name, record):
        with open(os.path.join(self.out, name), "a") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        state = self.server.state
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 20)
        body = self.rfile.read(length)
        header = self.headers.get("Tachiai-Signature", "")
        event_id = self.headers.get("Tachiai-Event-Id", "")
        reason = verify(state.secrets(), header, body, int(time.time()))
        with state.lock:
            if reason is not None:
                verdict = "rejected: " + reason
            else:
                try:
                    event = json.loads(body)
                except ValueError:
                    event = {}
                if event.get("id") != event_id:
                    verdict = "rejected: id"
                elif event_id in state.seen:
                    verdict = "duplicate"
                else:
                    verdict = "accepted"
                    state.seen.add(event_id)
                    state.append("accepted.jsonl", {"event_id": event_id, "type": event.get("type"), "event": event})
            state.append("raw.jsonl", {"event_id": event_id, "signature": header, "body": body.decode("utf-8", "replace"), "verdict": verdict, "at": time.time()})
        slow = os.path.join(state.out, "slow")
        if os.path.exists(slow):
            with open(slow) as f:
                time.sleep(float(f.read().strip() or "0"))
        status = 400 if verdict.startswith("rejected") else 200
        answer = json.dumps({"verdict": verdict}).encode()
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
    server.state = State(out)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
