"""A real SMTP server on loopback for the outbox tests, built on aiosmtpd.

    python3 tests/smtp/sink.py PORT DIR

Each accepted message is written whole to DIR/<unique>.eml (first line: the envelope
recipients). While DIR/refuse exists, every message is answered `554 5.7.1 refused by policy`.
Prints `ready` once it listens, and stops when its stdin closes.
"""

import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.directory, "refuse")):
            return "554 5.7.1 refused by policy"
        name = f"{time.time_ns()}-{os.getpid()}.eml"
        tmp = os.path.join(self.directory, name + ".part")
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.directory, name))
        return "250 OK"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
