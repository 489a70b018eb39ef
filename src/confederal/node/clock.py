"""The node's clock: real time, plus an offset the test suite can move forward.

Everything in the shell that asks "what time is it" asks :func:`now`. In production it is
``django.utils.timezone.now()``. When the node runs with ``CONFEDERAL_TEST_HOOKS=1`` (the
test suite only), the test hook ``POST /_test/clock`` moves it forward, so councils, terms
and vote windows pass in seconds. The offset is kept in a file in the data directory, so
every process of one node (``serve`` and the management commands) reads the same time;
without the setting the file is never read.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

__all__ = ["MAX_ADVANCE", "ClockError", "advance", "now", "offset"]

#: The most one call may move the clock: a year.
MAX_ADVANCE = 366 * 24 * 3600.0

_FILE = "test-clock-offset"


class ClockError(ValueError):
    """The clock cannot be moved as asked (hooks are off, or the amount is not a sane number of seconds)."""


def now() -> datetime:
    """The node's current time (aware, UTC)."""
    return timezone.now() + offset()


def offset() -> timedelta:
    """How far the clock is ahead of real time: always zero unless the test hooks are on."""
    if not settings.TEST_HOOKS:
        return timedelta(0)
    try:
        seconds = float((settings.DATA_DIR / _FILE).read_text())
    except (OSError, ValueError):
        return timedelta(0)
    return timedelta(seconds=seconds) if math.isfinite(seconds) and seconds >= 0 else timedelta(0)


def advance(seconds: float) -> timedelta:
    """Move the clock forward by ``seconds`` (test hooks only); return the new offset.

    Raises:
        ClockError: the hooks are off, or ``seconds`` is negative, not finite or more than :data:`MAX_ADVANCE`.
    """
    if not settings.TEST_HOOKS:
        raise ClockError("The clock moves only in the test suite (CONFEDERAL_TEST_HOOKS=1).")
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_ADVANCE):
        raise ClockError(f"Move the clock forward by 0 to {MAX_ADVANCE:.0f} seconds.")
    moved = offset() + timedelta(seconds=seconds)
    path = settings.DATA_DIR / _FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(repr(moved.total_seconds()))
    partial.replace(path)  # atomic: a reader in another process sees the old offset or the new one
    return moved
