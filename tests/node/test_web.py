"""The shared skeleton of a form's POST, and asking for a member: a refusal is a message, never a server error."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from confederal.node import access
from confederal.node.errors import Refused
from confederal.node.web import Done, act
from confederal.permissions import Action


def _post():
    request = RequestFactory().post("/somewhere")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _said(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_a_refusal_goes_back_with_its_message_and_nothing_else():
    request = _post()

    def refuse() -> Done:
        raise Refused("nope", "Not today.", 409)

    response = act(request, "/back", refuse)
    assert (response.status_code, response["Location"]) == (303, "/back")
    assert _said(request) == [("error", "Not today.")]


def test_what_was_done_is_said_and_the_page_goes_where_the_action_says():
    request = _post()
    response = act(request, "/back", lambda: Done("Done it.", "/next"))
    assert (response.status_code, response["Location"]) == (303, "/next")
    assert _said(request) == [("success", "Done it.")]
    request = _post()
    response = act(request, "/back", lambda: Done("Careful.", warning=True))
    assert (response["Location"], _said(request)) == ("/back", [("warning", "Careful.")])
    request = _post()
    assert act(request, "/back", lambda: None)["Location"] == "/back"
    assert _said(request) == []


def test_require_member_refuses_a_visitor_and_anyone_who_is_not_a_member(monkeypatch):
    class Place:
        name = "Riverside"

    with pytest.raises(Refused) as refused:
        access.require_member(AnonymousUser(), Place(), Action.VOTE, date(2026, 12, 1))  # type: ignore[arg-type]
    assert refused.value.status == 401
    monkeypatch.setattr(access, "require", lambda *args: None)
    with pytest.raises(Refused) as refused:
        access.require_member(AnonymousUser(), Place(), Action.VOTE, date(2026, 12, 1))  # type: ignore[arg-type]
    assert (refused.value.code, refused.value.status) == ("not_a_member", 403)
    assert "Riverside" in refused.value.message


def test_a_refused_form_is_shown_again_with_the_message_when_asked():
    from django.http import HttpResponse

    request = _post()

    def refuse() -> Done:
        raise Refused("bad_name", "Give it a name.")

    response = act(request, "/back", refuse, again=lambda: HttpResponse("the form, as typed", status=400))
    assert (response.status_code, response.content) == (400, b"the form, as typed")
    assert _said(request) == [("error", "Give it a name.")]
