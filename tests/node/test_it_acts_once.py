"""A form sent twice (back and resubmit, a double click) acts once, and says what the first sending did."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from confederal.node.meetings.models import Meeting
from confederal.node.once.models import Submission

from .cell import build_cell

FORM = {"title": "Harvest meeting", "date": "2027-01-15", "time": "18:00", "minutes": "60", "place": "", "agenda": ""}


@pytest.fixture
def cell(db):
    return build_cell()


def _token(page: str) -> str:
    found = re.search(r'name="once" value="([^"]+)"', page)
    assert found, "the form carries no one-time token"
    return found.group(1)


def _form_token(client) -> str:
    return _token(client.get(reverse("schedule", args=["oak-street"])).content.decode())


def test_it_schedules_once_when_the_form_is_sent_again(cell, client):
    client.force_login(cell.users["fay"])
    token = _form_token(client)
    before = Meeting.objects.count()
    first = client.post(reverse("schedule", args=["oak-street"]), FORM | {"once": token}, follow=True)
    assert "The meeting is scheduled." in first.content.decode()
    again = client.post(reverse("schedule", args=["oak-street"]), FORM | {"once": token}, follow=True)
    assert Meeting.objects.count() == before + 1
    shown = again.content.decode()
    assert "This was already done. The meeting is scheduled." in shown
    assert again.redirect_chain[-1][0] == first.redirect_chain[-1][0]  # the result of the first sending
    # A fresh form schedules a second meeting: only the same form is one act.
    client.post(reverse("schedule", args=["oak-street"]), FORM | {"once": _form_token(client)})
    assert Meeting.objects.count() == before + 2


def test_it_lets_a_refused_form_be_sent_again_once_corrected(cell, client):
    client.force_login(cell.users["fay"])
    token = _form_token(client)
    refused = client.post(reverse("schedule", args=["oak-street"]), FORM | {"title": "x", "once": token})
    assert refused.status_code == 400
    assert Submission.objects.count() == 0  # nothing was done, so the token is free again
    client.post(reverse("schedule", args=["oak-street"]), FORM | {"once": token})
    assert Meeting.objects.filter(title="Harvest meeting").count() == 1


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "made-up:token"])
def test_it_refuses_a_tampered_token_and_changes_nothing(cell, client, tamper):
    client.force_login(cell.users["fay"])
    before = Meeting.objects.count()
    answer = client.post(
        reverse("schedule", args=["oak-street"]), FORM | {"once": tamper(_form_token(client))}, follow=True
    )
    assert "This form was changed on its way to the node, so nothing was done." in answer.content.decode()
    assert Meeting.objects.count() == before
    assert Submission.objects.count() == 0


def test_every_form_that_acts_carries_a_token(cell, client):
    client.force_login(cell.users["fay"])
    for page in (
        reverse("assembly", args=["oak-street"]),
        reverse("meeting", args=["oak-street", cell.meeting.number]),
        reverse("proposal", args=["oak-street", cell.proposal.number]),
        reverse("account"),
    ):
        html = client.get(page).content.decode()
        forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
        assert forms, page
        for form in forms:
            if "sign-out" not in form:
                assert 'name="once"' in form, (page, form[:200])
