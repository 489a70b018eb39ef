"""The node's JSON API: everything the pages can do. Its OpenAPI schema is at /api/openapi.json.

Reads are public. Writes need a signed-in session (with its CSRF token) or an
API token (``Authorization: Bearer …``, made on the tokens page): with neither, a write is
401 ``sign_in``; a session without its CSRF token is 403. A refusal answers with its HTTP
status and ``{"code": …, "detail": …}``; nothing was changed. So does a request of the wrong
shape (a missing field, a field of the wrong type or out of its range, a body that is not a
JSON object): 422; and so do ninja's own refusals (a body that is not JSON: 400; an unknown
address: 404). While an address is paused for guessing, a route that reads a token answers 429.

Every operation's schema lists each status it can answer (``_base.answers``) and states the
ranges, choices, patterns and lengths its services accept; ``tests/node/test_api_contract.py``
holds the node to it with Schemathesis.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja.errors import HttpError, ValidationError

from confederal.node.errors import Refused

from . import (  # noqa: F401  (they register routes)
    accounts,
    assemblies,
    books,
    decisions,
    discussion,
    federation,
    ledgers,
    meetings,
    mutual_aid,
    notices,
    roles,
)
from ._base import api

__all__ = ["api"]


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": exc.message}, status=exc.status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors[:5]:
        # Where: the field's path, without the part of the request it came in ("query"…; a body also names
        # the route's body parameter).
        loc = list(error.get("loc", ()))
        where = ".".join(str(part) for part in (loc[2:] if loc[:1] == ["body"] else loc[1:]))
        what = str(error.get("msg", "")).removeprefix("Value error, ")
        problems.append(f"{where}: {what}" if where else what)
    detail = _("The request does not have the expected shape: %(problems)s.") % {"problems": "; ".join(problems)}
    return api.create_response(request, {"code": "bad_request", "detail": detail}, status=422)


#: ninja's own refusals, said as this API says every refusal: a stable code and, for ninja's stock words
#: ("Cannot parse request body", "Unauthorized"…), a sentence; a route's own HttpError keeps its message.
_STOCK = ("Cannot parse request body", "Unauthorized", "Forbidden", "Too many requests.", "Not Found")
_HTTP_ERRORS = {
    400: ("bad_request", N_("The request's body is not JSON this node can read.")),
    401: ("sign_in", N_("Sign in, or send an API token, to do this.")),
    403: ("forbidden", N_("You may not do this.")),
    404: ("not_found", N_("There is nothing at this address.")),
    429: ("slow_down", N_("Too many requests: wait a little and try again.")),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, sentence = _HTTP_ERRORS.get(exc.status_code, ("error", ""))
    detail = _(sentence) if sentence and str(exc).startswith(_STOCK) else str(exc)
    return api.create_response(request, {"code": code, "detail": detail}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    code, detail = _HTTP_ERRORS[404]
    return api.create_response(request, {"code": code, "detail": _(detail)}, status=404)
