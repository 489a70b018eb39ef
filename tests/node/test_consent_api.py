"""The consent round through the JSON API: reasons in the vote and in the answer, the amend call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from confederal.node import clock
from confederal.node.assemblies.services import charter_of
from confederal.node.decisions import services
from confederal.node.decisions.models import Proposal

from .cell import build_cell

NOW = clock.now()
API = "/api/assemblies/oak-street/proposals/{n}"
HARM = "It would push the choir out of the hall on Fridays."


@pytest.fixture
def cell(db):
    return build_cell(NOW)  # Ana, Fay, Nico


@pytest.fixture
def proposal(cell):
    draft = services.check_propose(cell.members["ana"], title="Rent the kitchen", text="Tuesdays and Fridays.")
    return services.do_propose(draft, NOW)


def _as(client, cell, who):
    client.force_login(cell.users[who])
    return client


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_it_refuses_an_objection_without_a_reason_through_the_api(cell, client, proposal):
    answer = _post(_as(client, cell, "nico"), API.format(n=1) + "/ballot", {"choice": "object"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "reason_required"
    too_long = _post(client, API.format(n=1) + "/ballot", {"choice": "object", "reason": "x" * 2001})
    assert too_long.status_code == 422
    assert not proposal.ballots.exists()


def test_it_takes_reasons_shows_objections_and_amends_through_the_api(cell, client, proposal):
    _post(_as(client, cell, "fay"), API.format(n=1) + "/ballot", {"choice": "consent", "reason": "Good."})
    answer = _post(_as(client, cell, "nico"), API.format(n=1) + "/ballot", {"choice": "object", "reason": HARM})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["my_reason"] == HARM
    assert body["objections"] == [{"name": "Nico", "choice": "object", "reason": HARM}]

    refused = _post(client, API.format(n=1) + "/versions", {"text": "Tuesdays only.", "note": "Fewer days."})
    assert refused.status_code == 403  # only the author amends

    answer = _post(
        _as(client, cell, "ana"), API.format(n=1) + "/versions", {"text": "Tuesdays only.", "note": "No Fridays."}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["version"] == 2
    assert body["text"] == "Tuesdays only."
    assert [(v["version"], v["note"]) for v in body["versions"]] == [(1, ""), (2, "No Fridays.")]
    assert body["participants"] == 1  # Fay's consent was reset; Nico's objection stands
    unchanged = _post(client, API.format(n=1) + "/versions", {"text": "Tuesdays only.", "note": "Again."})
    assert unchanged.status_code == 400

    withdrawn = client.put(API.format(n=1) + "/ballot", {"choice": "consent"}, content_type="application/json")
    assert withdrawn.status_code == 409  # Ana has no vote to change yet
    assert withdrawn.json()["code"] == "no_vote"
    changed = _as(client, cell, "nico").put(
        API.format(n=1) + "/ballot", {"choice": "consent", "reason": "Resolved."}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["objections"] == []
    for who in ("ana", "fay"):
        _post(_as(client, cell, who), API.format(n=1) + "/ballot", {"choice": "consent"})
    closed = client.get(API.format(n=1)).json()
    assert closed["status"] == "closed"
    assert closed["outcome"]["status"] == "adopted"
    assert {"name": "Nico", "choice": "consent", "reason": "Resolved."} in closed["reasons"]


def test_it_answers_reasons_without_names_when_ballots_are_secret(cell, client):
    secret = charter_of(cell.assembly).amended({"ballots": "secret"}, NOW.date() + timedelta(days=30))
    type(cell.assembly).objects.filter(pk=cell.assembly.pk).update(charter=secret.to_json())
    cell.members["ana"].assembly.refresh_from_db()
    proposal = services.do_propose(services.check_propose(cell.members["ana"], title="Paint the hall"), NOW)
    _post(_as(client, cell, "nico"), API.format(n=proposal.number) + "/ballot", {"choice": "object", "reason": HARM})
    client.logout()  # a visitor reads it
    seen = client.get(API.format(n=proposal.number)).json()
    assert seen["objections"] == [{"name": None, "choice": "object", "reason": HARM}]
    services.do_close(proposal, proposal.closes_at)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.CLOSED
    closed = client.get(API.format(n=proposal.number)).json()
    assert closed["reasons"] == [{"name": None, "choice": "object", "reason": HARM}]


def test_it_refuses_to_amend_a_majority_vote_through_the_api(cell, client):
    draft = services.check_propose(cell.members["ana"], title="Paint the hall", method="simple_majority")
    proposal = services.do_propose(draft, NOW)
    answer = _post(_as(client, cell, "ana"), API.format(n=proposal.number) + "/versions", {"text": "Blue", "note": "x"})
    assert answer.status_code == 409
    assert answer.json()["code"] == "not_amendable"
