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
from ._story import DEMO_PASSWORD, username_of

__all__ = ["DEMO_ASSEMBLIES", "DEMO_PASSWORD", "demo_accounts", "demo_accounts_with_codes", "seed_demo"]

_STORIES: dict[str, Callable[[datetime], None]] = {
    "food-hub": food_hub.tell,
    "energy-coop": energy_coop.tell,
    "housing": housing.tell,
}
DEMO_ASSEMBLIES = tuple(_STORIES)


#: The sign-in names of everyone in the demo's stories (whichever of them this node seeded).
_DEMO_USERNAMES = sorted({username_of(name) for module in (energy_coop, food_hub, housing) for name in module.PEOPLE})


def demo_accounts() -> list[str]:
    """The sign-in names of the demo members seeded on this node, for its sign-in page.

    Only the stories' own people: an account someone made on the demo node is never listed.
    """
    return sorted(User.objects.filter(username__in=_DEMO_USERNAMES).values_list("username", flat=True))


def demo_accounts_with_codes() -> list[str]:
    """The demo members who sign in with a two-factor code too (the food hub's charter asks it of its treasurer)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with_codes = TOTPDevice.objects.filter(confirmed=True, user__username__in=_DEMO_USERNAMES)
    return sorted(with_codes.values_list("user__username", flat=True).distinct())


def seed_demo(now: datetime | None = None, assemblies: tuple[str, ...] = DEMO_ASSEMBLIES) -> bool:
    """Create the demo assemblies (all three, or those named) and their histories, unless the node has assemblies.

    Returns whether anything was created.
    """
    if Assembly.objects.exists():
        return False
    now = now or clock.now()
    for slug in assemblies:
        _STORIES[slug](now)
    _choose_mail(now)
    return True


def _choose_mail(now: datetime) -> None:
    """Every demo member has an example address; half want votes opened at once too, a third a daily digest.

    Those with a digest get their first one at once (a node with a mail server queues it), so the demo's mail
    sink has something to show from the start.
    """
    from ..notices.services import check_mail_settings, do_queue_digest_now, do_save_mail_settings

    people = User.objects.filter(username__in=_DEMO_USERNAMES).order_by("username")
    for i, person in enumerate(people):
        immediate = ("reply", "mention", "vote_opened") if i % 2 == 0 else ("reply", "mention")
        digest = "daily" if i % 3 == 0 else "off"
        checked = check_mail_settings(person, f"{person.username}@example.org", immediate, digest)
        do_save_mail_settings(person, checked, now)
        do_queue_digest_now(person, now)
