"""The header's count of unread inbox items, kept for half a minute so every page does not recompute the inbox."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest

from confederal.node.web import now

from . import selectors
from .services import inbox_count_key

#: How long a count may lag behind what happened (marking read and new notices clear it at once).
KEPT_SECONDS = 30


def keep_count(user_id: int, unread: int) -> None:
    """Keep the count the inbox page just computed, so its header (and the next pages) need not compute it again."""
    cache.set(inbox_count_key(user_id), unread, KEPT_SECONDS)


def inbox_unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """``inbox_unread``: computed only if the page shows it (templates call a callable)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        key = inbox_count_key(user.pk)
        kept = cache.get(key)
        if kept is None:
            kept = selectors.unread_count(user, now())
            cache.set(key, kept, KEPT_SECONDS)
        return int(kept)

    return {"inbox_unread": count}
