"""A mail sink: an SMTP server (aiosmtpd) that keeps every message it receives as a file.

The demo runs it so its nodes have somewhere to send mail (``.demo/mail/``), and the tests run it as a
separate process to read what a node really sent. ``python -m confederal.node.notices.sink DIR --port N``
serves on 127.0.0.1 until it is stopped (SIGTERM or SIGINT); each message is ``DIR/<n>.eml``, written whole
(under a temporary name first) so a reader never sees half a mail.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["SaveToDirectory", "main", "serve"]


class SaveToDirectory:
    """An aiosmtpd handler that writes each message, as received, to ``<n>.eml`` in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        start = len(list(directory.glob("*.eml")))
        self._numbers = itertools.count(start + 1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            number = next(self._numbers)
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        final = self.directory / f"{number:06d}.eml"
        partial = final.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, final)
        return "250 Message accepted for delivery"


def serve(directory: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Start the sink in a thread (``stop()`` ends it)."""
    controller = Controller(SaveToDirectory(directory), hostname=host, port=port)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    controller = serve(args.directory, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"Mail sink listening on 127.0.0.1:{args.port}, writing to {args.directory}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
