"""The node's clock: what happens by itself when time passes.

Votes close when their window ends and roles pass to their next holder when a
term ends. ``serve`` and ``demo`` call :func:`tick` every few seconds from a
background thread; tests call it with the time they choose.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections

from . import clock
from .decisions.services import do_close_due
from .roles.services import do_rotate_due

__all__ = ["start_federating", "start_ticking", "tick"]

logger = logging.getLogger(__name__)


def tick(now: datetime) -> dict[str, int]:
    """Do everything that is due at ``now``; return how many of each thing happened."""
    closed = do_close_due(now)
    filled = do_rotate_due(now)
    return {"closed": len(closed), "roles_filled": len(filled)}


def start_ticking(every_seconds: float) -> threading.Event:
    """Run :func:`tick` in a daemon thread until the returned event is set."""
    return _every(every_seconds, tick, "confederal-ticker")


def start_federating(every_seconds: float) -> threading.Event:
    """Pull peers, ask witnesses to cosign and write sunsets in a daemon thread until the event is set.

    Apart from the clock so a slow peer never delays votes closing; each round is
    bounded by the peers' timeouts, and a peer that is down costs one of them.
    """
    from .federation.services import do_federation_round

    return _every(every_seconds, do_federation_round, "confederal-federation")


def _every(seconds: float, job: Callable[[datetime], object], name: str) -> threading.Event:
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(seconds):
            close_old_connections()
            try:
                job(clock.now())
            except Exception:
                logger.exception("A scheduled task failed; it will be tried again on the next tick")
            finally:
                close_old_connections()

    threading.Thread(target=loop, name=name, daemon=True).start()
    return stop
