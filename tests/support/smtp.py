"""A real SMTP server in a child process (aiosmtpd, through ``confederal.node.notices.sink``), and what it received.

``SmtpServer.start(directory)`` runs ``python -m confederal.node.notices.sink`` on a free loopback port and waits
until it answers; ``messages()`` parses the files it wrote; ``stop()`` ends it, and ``start()`` again brings it
back on the same port (a server that was down and came back).
"""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from tests.support.nodes import free_port


@dataclass
class SmtpServer:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "confederal.node.notices.sink", str(self.directory), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(3) == b"220":
                        return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the SMTP server process ended at start") from None
                time.sleep(0.05)
        raise RuntimeError("the SMTP server did not answer within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def messages(self) -> list[EmailMessage]:
        """Every message received so far, oldest first, parsed."""
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    def wait_for(self, count: int, seconds: float = 20) -> list[EmailMessage]:
        """The messages once there are at least ``count`` of them (a real process takes its time)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, the SMTP server received {len(self.messages())}")
