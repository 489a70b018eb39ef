"""The node's JSON API: everything the pages can do. Its OpenAPI schema is at /api/openapi.json.

Reads are public. Writes need a signed-in session (with its CSRF token) or an
API token (``Authorization: Bearer …``, made on the tokens page). A refusal
answers with its HTTP status and ``{"code": …, "detail": …}``; nothing was changed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from confederal.node.errors import Refused

from . import accounts, assemblies, decisions, federation, ledgers, meetings, roles  # noqa: F401  (they register routes)
from ._base import api

__all__ = ["api"]


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": exc.message}, status=exc.status)
