"""The node's clock: what happens by itself when time passes.

Votes close when their window ends and roles pass to their next holder when a
term ends. ``serve`` and ``demo`` call :func:`tick` every few seconds from a
background thread; tests call it with the time they choose.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from django.db import close_old_connections

from . import clock
from .assemblies.models import Assembly
from .assemblies.selectors import assemblies
from .decisions.services import do_close_due
from .roles.services import do_rotate_due

__all__ = ["Heartbeat", "heartbeats", "on_its_own", "start_federating", "start_ticking", "tick"]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


#: What each assembly has done on every tick: what it is called in the log, what it counts, and the service.
_EACH_TICK: tuple[tuple[str, str, Callable[[datetime, Assembly], Sized]], ...] = (
    ("closing the votes due", "closed", do_close_due),
    ("filling the roles due", "roles_filled", do_rotate_due),
)


def tick(now: datetime) -> dict[str, int]:
    """Do everything that is due at ``now``, in each assembly on its own; return how many of each thing happened.

    Each assembly's part of each task is a separate call of its service, in its own transactions: one
    that fails (a state it cannot handle) is logged with the assembly's address and tried again on the
    next tick, and the other assemblies, and the assembly's other tasks, carry on.
    """
    done = dict.fromkeys((count for _, count, _ in _EACH_TICK), 0)
    for assembly in assemblies():
        for task, count, service in _EACH_TICK:
            nothing: Sized = ()
            done[count] += len(on_its_own(task, assembly.slug, partial(service, now, assembly), nothing))
    # Mail belongs to no assembly: digests due are queued, then the outbox is sent (retried with backoff).
    done["mailed"] = on_its_own("sending mail", "of the whole node", partial(_mail_round, now), 0)
    return done


def _mail_round(now: datetime) -> int:
    from .notices.services import do_queue_digests, do_send_outbox

    do_queue_digests(now)
    return do_send_outbox(now)


def on_its_own(task: str, slug: str, work: Callable[[], _T], failed: _T) -> _T:
    """``work()``, one assembly's part of a scheduled task; if it fails, logged naming the assembly, and ``failed``."""
    try:
        return work()
    except Exception:
        logger.exception(
            "%s failed in the assembly %s; it will be tried again on the next tick", task.capitalize(), slug
        )
        return failed


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


@dataclass(frozen=True)
class Heartbeat:
    """When one of this process's background loops last finished a round (``time.monotonic`` seconds)."""

    name: str
    every_seconds: float
    last: float


_beats: dict[str, Heartbeat] = {}


def heartbeats() -> list[Heartbeat]:
    """The background loops running in this process, with their last round: what a health check looks at."""
    return sorted(_beats.values(), key=lambda beat: beat.name)


def _every(seconds: float, job: Callable[[datetime], object], name: str) -> threading.Event:
    stop = threading.Event()
    # A loop counts as alive from its start: its first round comes only after one interval.
    _beats[name] = Heartbeat(name, seconds, time.monotonic())

    def loop() -> None:
        while not stop.wait(seconds):
            close_old_connections()
            try:
                job(clock.now())
            except Exception:
                logger.exception("A scheduled task failed; it will be tried again on the next tick")
            finally:
                close_old_connections()
                # A round that failed still finished: the loop is alive, and the failure is in the log.
                _beats[name] = Heartbeat(name, seconds, time.monotonic())
        _beats.pop(name, None)

    threading.Thread(target=loop, name=name, daemon=True).start()
    return stop
