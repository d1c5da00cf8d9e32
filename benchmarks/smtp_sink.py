"""The local SMTP server for the email bench, in its own process so that neither sender shares its
interpreter: tests' aiosmtpd SmtpServer, writing one line per received message (arrival time, recipient,
Message-ID) to a file the bench reads.

    python -m benchmarks.smtp_sink PORT LOG_FILE     (stops on SIGTERM)
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from tests.support.mailbox import Mailbox, SmtpServer


class RecordingMailbox(Mailbox):
    def __init__(self, log: Path) -> None:
        super().__init__()
        self.log = log.open("a", buffering=1)

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        message = self.messages[-1]
        self.log.write(f"{time.time():.6f} {envelope.rcpt_tos[0]} {message['Message-ID']}\n")
        self.messages.clear()  # only the log is read; keep memory flat
        self.raw.clear()
        return answer


def main(port: str, log: str) -> None:
    server = SmtpServer(int(port))
    server.mailbox = RecordingMailbox(Path(log))
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
