"""What the node keeps in memory between requests: public pages as visitors see them, and full ledger tiles.

**Pages for visitors** are kept in Django's cache under a key made of the page's address, the language and a
*version* the view computes from rows it reads anyway (for an assembly: its ledger's size, its proposal and
meeting counters, and the day). Every public act appends to the ledger, and opening a proposal or scheduling a
meeting takes a number, in the same transaction as the change, so the next request computes a new key and renders
afresh: nothing has to be told to forget anything, and every process of a multi-process server (gunicorn) computes
the same key from the database, each with its own in-process cache (Django's default ``LocMemCache``). A page
rendered while its checkpoint is being signed (the checkpoint lags the ledger's size) is shown but not kept. What
changes with time alone (a meeting that has ended) is at most ``PAGE_SECONDS`` old.

Only visitors are served from it: a page for someone signed in is never stored nor served from it, and neither
is a page that carries a message, sets a cookie or holds a CSRF token.

**Full tiles** never change once the ledger has them (C2SP tlog-tiles), so the last ``TILES`` of them are kept
in process, by ledger and path.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

__all__ = ["PAGE_SECONDS", "TILES", "clear", "full_tile", "keep_for_nobody", "visitor_page"]

PAGE_SECONDS = 60
TILES = 4096  # 8 KiB each at most: 32 MiB


def _for_visitors(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.GET:
        return False
    if request.user.is_authenticated:
        return False
    return len(messages.get_messages(request)) == 0  # counts them without marking them read


def keep_for_nobody(response: HttpResponse) -> None:
    """Mark a page that must not be kept (it shows a moment between two versions)."""
    response.keep_for_nobody = True  # type: ignore[attr-defined]


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not getattr(response, "keep_for_nobody", False)
        and not response.cookies
        and not response.has_header("Set-Cookie")
        # A page that asked for a CSRF token holds one: it must not reach anyone else.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.user.is_authenticated  # signed in while rendering (never on a GET, but cheap to ask)
    )


def visitor_page(request: HttpRequest, version: Hashable, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page as ``render`` makes it; for a visitor, the copy kept for this ``version`` if there is one."""
    if not _for_visitors(request):
        return render()
    key = "page:" + hashlib.sha256(repr((request.path, get_language(), version)).encode()).hexdigest()
    kept = cache.get(key)
    if kept is not None:
        content, content_type = kept
        return HttpResponse(content, content_type=content_type)
    response = render()
    if _storable(request, response):
        cache.set(key, (response.content, response["Content-Type"]), PAGE_SECONDS)
    return response


_tiles: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_tiles_lock = threading.Lock()


def full_tile(ledger: str, path: str, read: Callable[[], bytes | None]) -> bytes | None:
    """A full tile's bytes, read once per process (``read`` gives ``None`` if the ledger does not have it yet)."""
    key = (ledger, path)
    with _tiles_lock:
        data = _tiles.get(key)
        if data is not None:
            _tiles.move_to_end(key)
            return data
    data = read()
    if data is not None:
        with _tiles_lock:
            _tiles[key] = data
            while len(_tiles) > TILES:
                _tiles.popitem(last=False)
    return data


def clear() -> None:
    """Forget every kept page and tile (tests start each from nothing: a rolled-back database reuses names)."""
    cache.clear()
    with _tiles_lock:
        _tiles.clear()
