"""Each assembly's time zone, active for every page of that assembly, and checked when it is chosen."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Refused

__all__ = [
    "AssemblyTimeZoneMiddleware",
    "activate_for",
    "check_zone",
    "sets_its_own_time_zone",
    "shows_no_times",
    "zone_choices",
    "zone_named_by",
]


def check_zone(name: str) -> str:
    """Return ``name`` if it is a time zone this machine knows (IANA names, such as Europe/Berlin).

    Raises:
        Refused: no such zone.
    """
    name = name.strip()
    try:
        if name and name in _known():
            zoneinfo.ZoneInfo(name)
            return name
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        pass
    raise Refused("bad_time_zone", _("%(zone)s is not a time zone; choose one such as Europe/Berlin.") % {"zone": name})


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


@functools.cache
def zone_choices() -> tuple[str, ...]:
    """The zones a person can choose, in order (Area/City names, and UTC)."""
    cities = sorted(z for z in _known() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return ("UTC", *cities)


View = TypeVar("View", bound=Callable[..., Any])


def shows_no_times(view: View) -> View:
    """Mark a view whose answer holds no time to show (tiles, checkpoints): it needs no time zone looked up."""
    view.shows_no_times = True  # type: ignore[attr-defined]
    return view


def sets_its_own_time_zone(view: View) -> View:
    """Mark a view that reads its assembly anyway and calls ``activate_for`` itself (one query fewer)."""
    view.sets_its_own_time_zone = True  # type: ignore[attr-defined]
    return view


def zone_named_by(charter: object) -> str:
    """The time zone an assembly's charter (as stored) names."""
    return str(charter.get("time_zone", "UTC")) if isinstance(charter, dict) else "UTC"


def activate_for(charter: object) -> None:
    """Show the rest of this request in the time zone the assembly's charter names."""
    timezone.activate(zoneinfo.ZoneInfo(zone_named_by(charter)))


class AssemblyTimeZoneMiddleware:
    """Show every page of an assembly (and of its ledger) in the assembly's time zone; others in the node's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        from .assemblies.selectors import time_zone_of

        if getattr(view, "shows_no_times", False) or getattr(view, "sets_its_own_time_zone", False):
            return
        slug = kwargs.get("slug")
        zone = time_zone_of(slug) if isinstance(slug, str) else None
        timezone.activate(zoneinfo.ZoneInfo(zone or settings.TIME_ZONE))
