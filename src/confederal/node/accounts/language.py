"""The language of the node's pages: the one a person chose in their account, else their browser's.

``LocaleMiddleware`` picks the language a visitor's cookie (the footer's switch, Django's ``set_language``) or
browser (``Accept-Language``) asks for; this middleware, after authentication, puts a signed-in person's own
choice (``Preferences.language``) above both. The choice is kept in the session (at sign-in and when it is
saved), so a page asks the database nothing more for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from . import selectors

__all__ = ["SESSION_KEY", "PersonLanguageMiddleware", "remember_language"]

#: Where a signed-in person's chosen language is kept in their session ("" = their browser's).
SESSION_KEY = "language"


def remember_language(sender: object, request: HttpRequest | None = None, user: Any = None, **_: object) -> None:
    """At sign-in, keep the person's chosen language in their session (Django's ``user_logged_in`` signal)."""
    if request is not None and hasattr(request, "session") and user is not None:
        request.session[SESSION_KEY] = selectors.language_of(user)


class PersonLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = request.session.get(SESSION_KEY)
            if chosen is None:  # a session from before languages were kept in it
                chosen = request.session[SESSION_KEY] = selectors.language_of(user)
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)
