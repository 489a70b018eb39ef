"""Demo data: three assemblies — a food hub, an energy co-op and a housing group — with their histories.

Each assembly's story is one module here. Everything is written through the services at
simulated past times, exactly as real assemblies would write it, so every ledger verifies.
Demo members sign in with their first name in lower case and the password ``DEMO_PASSWORD``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.models import User

from .. import clock
from ..assemblies.models import Assembly
from . import energy_coop, food_hub, housing
from ._story import DEMO_PASSWORD

__all__ = ["DEMO_ASSEMBLIES", "DEMO_PASSWORD", "demo_accounts", "seed_demo"]

_STORIES: dict[str, Callable[[datetime], None]] = {
    "food-hub": food_hub.tell,
    "energy-coop": energy_coop.tell,
    "housing": housing.tell,
}
DEMO_ASSEMBLIES = tuple(_STORIES)


def demo_accounts() -> list[str]:
    """The demo members' user names, for the sign-in page."""
    return sorted(User.objects.exclude(username__startswith="_").values_list("username", flat=True))


def seed_demo(now: datetime | None = None, assemblies: tuple[str, ...] = DEMO_ASSEMBLIES) -> bool:
    """Create the demo assemblies (all three, or those named) and their histories, unless the node has assemblies.

    Returns whether anything was created.
    """
    if Assembly.objects.exists():
        return False
    now = now or clock.now()
    for slug in assemblies:
        _STORIES[slug](now)
    return True
