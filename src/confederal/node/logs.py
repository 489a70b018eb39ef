"""How the node's log lines look: the level and the logger's name first, and, under systemd, the line's priority.

A node under systemd writes its log to standard error, which journald files with one priority for every
line unless the line starts with a ``<N>`` syslog prefix. With it, ``journalctl -u confederal -p warning``
shows the warnings and errors alone. ``JOURNAL_STREAM`` is how systemd tells a process its standard
error goes to the journal.
"""

from __future__ import annotations

import logging
import os

__all__ = ["NodeFormatter"]

#: syslog's priorities (RFC 5424 severities) for Python's levels.
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class NodeFormatter(logging.Formatter):
    def __init__(self, journal: bool | None = None) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.journal = bool(os.environ.get("JOURNAL_STREAM")) if journal is None else journal

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if not self.journal:
            return line
        priority = next((p for level, p in sorted(_PRIORITY.items(), reverse=True) if record.levelno >= level), 7)
        return f"<{priority}>{line}"
