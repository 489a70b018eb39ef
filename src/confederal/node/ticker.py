"""The node's clock: what happens by itself when time passes.

Votes close when their window ends and roles pass to their next holder when a
term ends. ``serve`` and ``demo`` call :func:`tick` every few seconds from a
background thread; tests call it with the time they choose.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.db import close_old_connections
from django.utils import timezone

from .decisions.services import do_close_due
from .roles.services import do_rotate_due

__all__ = ["start_ticking", "tick"]

logger = logging.getLogger(__name__)


def tick(now: datetime) -> dict[str, int]:
    """Do everything that is due at ``now``; return how many of each thing happened."""
    closed = do_close_due(now)
    filled = do_rotate_due(now)
    return {"closed": len(closed), "roles_filled": len(filled)}


def start_ticking(every_seconds: int) -> threading.Event:
    """Run :func:`tick` in a daemon thread until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_seconds):
            close_old_connections()
            try:
                tick(timezone.now())
            except Exception:
                logger.exception("A scheduled task failed; it will be tried again on the next tick")
            finally:
                close_old_connections()

    threading.Thread(target=loop, name="confederal-ticker", daemon=True).start()
    return stop
