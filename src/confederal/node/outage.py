"""When the node cannot write — its disk is full, its data directory or its database read-only — it says so.

A write that fails for want of storage answers 503 with one sentence (JSON on the API, a page otherwise) and a
``Retry-After``, instead of a server error: the transaction was rolled back, so nothing was changed, and pages that
only read keep working. Once there is room again, writes work again by themselves.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable

import psycopg
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

__all__ = ["StorageFailureMiddleware", "is_storage_failure"]

logger = logging.getLogger(__name__)

# SQLite's primary result codes for "cannot write here": read-only, I/O error, cannot open, full.
_SQLITE_CODES = {8, 10, 13, 14}
# PostgreSQL: the database is read-only (25006), or class 53, insufficient resources (53100 is disk full).
_PG_STATES = ("25006", "53")
_OS_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


def is_storage_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) says the node's storage refused a write."""
    seen: BaseException | None = exc
    for _depth in range(5):
        if seen is None:
            return False
        if isinstance(seen, sqlite3.Error) and (getattr(seen, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_CODES:
            return True
        if isinstance(seen, psycopg.Error) and (seen.sqlstate or "").startswith(_PG_STATES):
            return True
        if isinstance(seen, OSError) and seen.errno in _OS_ERRORS:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class StorageFailureMiddleware:
    """Turn a write the storage refused into a 503 that says what happened, instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_storage_failure(exc):
            return None
        logger.error("A write to %s failed for want of storage: %s", request.path, exc)
        message = _(
            "This node cannot store anything right now: its disk is full or its data is read-only. Nothing was "
            "changed, and reading still works; try again later, and tell the people who run this node."
        )
        response: HttpResponse
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"code": "storage_unavailable", "detail": message}, status=503)
        else:
            response = render(request, "503.html", {"message": message}, status=503)
        response["Retry-After"] = "60"
        return response
