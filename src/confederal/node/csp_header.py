"""django-csp's middleware, with the node's one policy built once instead of for every answer."""

from __future__ import annotations

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

__all__ = ["FixedPolicyMiddleware"]

_PER_ANSWER = ("_csp_exempt", "_csp_config", "_csp_update", "_csp_replace")


class FixedPolicyMiddleware(CSPMiddleware):
    """The node's policy is one fixed string (no nonce, no view changes it), but django-csp rebuilds it for every
    answer, which cost more than serving a ledger tile. The first plain answer's headers are kept and copied onto
    the next ones; an answer that uses a nonce, changes the policy or already has a header goes through django-csp.
    """

    _kept: dict[str, str] | None = None

    def _plain(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        changed = any(hasattr(response, name + suffix) for name in _PER_ANSWER for suffix in ("", "_ro"))
        excluded = any(
            (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        )
        return not (
            changed
            or excluded
            or settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or HEADER in response
            or HEADER_REPORT_ONLY in response
        )

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not self._plain(request, response):
            return super().process_response(request, response)
        if self._kept is None:
            super().process_response(request, response)
            self._kept = {h: response[h] for h in (HEADER, HEADER_REPORT_ONLY) if h in response}
            return response
        for header, value in self._kept.items():
            response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
