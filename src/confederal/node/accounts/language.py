"""The language of the node's pages: the one a person chose in their account, else their browser's.

``LocaleMiddleware`` picks the language a visitor's cookie (the footer's switch, Django's ``set_language``) or
browser (``Accept-Language``) asks for; this middleware, after authentication, puts a signed-in person's own
choice (``Preferences.language``) above both.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from . import selectors

__all__ = ["PersonLanguageMiddleware"]


class PersonLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = selectors.language_of(user)
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)
