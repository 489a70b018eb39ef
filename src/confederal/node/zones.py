"""Each assembly's time zone, active for every page of that assembly, and checked when it is chosen."""

from __future__ import annotations

import contextvars
import functools
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import words
from .errors import Refused

__all__ = [
    "SESSION_KEY",
    "AssemblyTimeZoneMiddleware",
    "activate_for",
    "check_zone",
    "local_moment",
    "personal_zone",
    "remember_time_zone",
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


#: The zone the person making this request chose on their account page ("" = follow each assembly's).
_personal: contextvars.ContextVar[str] = contextvars.ContextVar("personal_zone", default="")

#: Where a signed-in person's chosen zone is kept in their session (set at sign-in and on the account page),
#: so no page needs a query to find it.
SESSION_KEY = "time_zone"


def remember_time_zone(sender: object, request: HttpRequest | None = None, user: Any = None, **_: object) -> None:
    """At sign-in, keep the person's chosen zone in their session (Django's ``user_logged_in`` signal)."""
    from .accounts.selectors import chosen_time_zone

    if request is not None and hasattr(request, "session") and user is not None:
        request.session[SESSION_KEY] = chosen_time_zone(user)


def personal_zone() -> str:
    """The zone the person making this request chose, or "" when they follow each assembly's own."""
    return _personal.get()


def activate_for(charter: object) -> None:
    """Show the rest of this request in the person's own zone, if they chose one, else the assembly's."""
    timezone.activate(zoneinfo.ZoneInfo(_personal.get() or zone_named_by(charter)))


def local_moment(day_text: str, time_text: str) -> datetime:
    """The moment a person means by a day (YYYY-MM-DD) and a time (HH:MM) typed in the active time zone.

    Raises:
        Refused: not a day and a time, a time the clocks skip (spring forward), or one they pass twice (fall back).
    """
    zone = timezone.get_current_timezone()
    name = timezone.get_current_timezone_name()
    try:
        wall = datetime.fromisoformat(f"{day_text.strip()}T{time_text.strip()}")
    except ValueError:
        raise Refused(
            "bad_time", _("Give the day as YYYY-MM-DD and the time as HH:MM (%(zone)s).") % {"zone": name}
        ) from None
    if wall.tzinfo is not None:
        raise Refused("bad_time", _("Give the day as YYYY-MM-DD and the time as HH:MM (%(zone)s).") % {"zone": name})
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    shown = {"time": wall.strftime("%H:%M"), "day": words.day(wall.date()), "zone": name}
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise Refused(
            "no_such_time",
            _("%(time)s on %(day)s does not exist in %(zone)s: the clocks go forward then. Choose another time.")
            % shown,
        )
    if first.utcoffset() != second.utcoffset():
        raise Refused(
            "ambiguous_time",
            _("%(time)s on %(day)s happens twice in %(zone)s: the clocks go back then. Choose another time.") % shown,
        )
    return first


class AssemblyTimeZoneMiddleware:
    """Show every page of an assembly (and of its ledger) in the assembly's time zone; others in the node's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _personal.set(_chosen_by(request))
        try:
            return self.get_response(request)
        finally:
            _personal.reset(token)
            timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        from .assemblies.selectors import time_zone_of

        if getattr(view, "shows_no_times", False) or getattr(view, "sets_its_own_time_zone", False):
            return
        slug = kwargs.get("slug")
        zone = _personal.get() or (time_zone_of(slug) if isinstance(slug, str) else None)
        timezone.activate(zoneinfo.ZoneInfo(zone or settings.TIME_ZONE))


def _chosen_by(request: HttpRequest) -> str:
    """The zone kept in the session of a signed-in person (only looked at when the request carries a session)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "session"):
        return ""
    zone = request.session.get(SESSION_KEY, "")
    return zone if isinstance(zone, str) and zone in _known() else ""
