"""The test suite's hook into a running node: move its clock forward.

Answers only when the node runs with ``CONFEDERAL_TEST_HOOKS=1``; otherwise it is a 404,
as if it did not exist. Production never sets that variable.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import clock

__all__ = ["clock_hook"]


@csrf_exempt
@require_http_methods(["GET", "POST"])
def clock_hook(request: HttpRequest) -> HttpResponse:
    """GET: the node's time and offset. POST ``{"advance": seconds}``: move the clock forward."""
    if not settings.TEST_HOOKS:
        raise Http404
    if request.method == "POST":
        try:
            body = orjson.loads(request.body)
            seconds = body["advance"] if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise TypeError
            clock.advance(float(seconds))
        except (orjson.JSONDecodeError, KeyError, TypeError, clock.ClockError) as exc:
            why = str(exc) if isinstance(exc, clock.ClockError) else 'Send {"advance": seconds}.'
            return JsonResponse({"error": why}, status=400)
    return JsonResponse({"now": clock.now().isoformat(), "offset": clock.offset().total_seconds()})
