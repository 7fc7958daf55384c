"""A local SMTP server for the mail tests: aiosmtpd on 127.0.0.1:PORT that saves each message.

Usage: smtp_sink.py PORT DIR

Each message becomes DIR/<ns>-<hex>.eml (the bytes as received) beside <same>.json (the
envelope: mail_from, rcpt_tos), written so that the .eml appears last and whole. Prints
"ready" once it accepts connections, and runs until its standard input closes or it is killed.
Needs aiosmtpd (scripts/setup test installs it into the validators' venv).
"""

import json
import os
import sys
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex}"
        with open(os.path.join(self.out, name + ".json"), "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        tmp = os.path.join(self.out, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.out, name + ".eml"))
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
