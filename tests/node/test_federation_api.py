"""The federation API on one node: founded only by the assembly's own decision; bad input changes nothing."""

from __future__ import annotations

import pytest

from confederal.decisions import METHOD_OPTIONS, Method
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import do_vote

from .cell import build_cell

CHARTER = {
    "name": "River Valley",
    "principles": ["Decisions are made by those they affect."],
    "transparency": "Every budget and decision is public.",
    "recall": "A home assembly may recall its delegate at any moment.",
    "max_council_days": 30,
    "mutual_aid": "2% of each budget goes to the mutual-aid pool.",
    "sunset": "Every council dissolves at its end.",
    "mandate_breach": "refuse",
}


@pytest.fixture
def cell(db):
    return build_cell()


def _adopt(cell, number):
    proposal = Proposal.objects.get(assembly=cell.assembly, number=number)
    yes = (METHOD_OPTIONS[Method(proposal.method)] or ("for",))[0]
    for member in cell.assembly.members.filter(left_at__isnull=True):
        proposal.refresh_from_db()
        if proposal.status == Proposal.Status.OPEN:
            do_vote(member, proposal, yes, proposal.opens_at)
    proposal.refresh_from_db()
    return proposal


def test_it_founds_a_federation_only_once_the_assembly_decides(cell, client):
    client.force_login(cell.users["ana"])
    answer = client.post(
        "/api/assemblies/oak-street/federation-proposals",
        {"action": "found", "charter": CHARTER},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    proposal = answer.json()
    assert proposal["kind"] == "federation"
    assert proposal["status"] == "open"
    assert client.get("/api/federations").json() == []  # proposed is not decided

    assert _adopt(cell, proposal["number"]).status == Proposal.Status.CLOSED
    (federation,) = client.get("/api/federations").json()
    assert federation["charter"]["name"] == "River Valley"
    assert [m["origin"] for m in federation["members"]] == [cell.assembly.ledger.origin]
    detail = client.get(f"/api/federations/{federation['id']}").json()
    assert detail["councils"] == []
    schema = client.get("/api/openapi.json").json()
    assert "/api/federations/{federation_id}/councils/{council_id}/votes" in schema["paths"]


def test_it_refuses_bad_federation_requests_and_changes_nothing(cell, client):
    before = Proposal.objects.count()
    url = "/api/assemblies/oak-street/federation-proposals"
    assert client.post(url, {"action": "found", "charter": CHARTER}, content_type="application/json").status_code == 401
    client.force_login(cell.users["otto"])
    refused = client.post(url, {"action": "found", "charter": CHARTER}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(cell.users["ana"])
    assert client.post(url, {"action": "take_over"}, content_type="application/json").status_code == 422
    no_name = client.post(url, {"action": "found", "charter": {**CHARTER, "name": ""}}, content_type="application/json")
    assert no_name.status_code == 400
    assert no_name.json()["code"]
    unknown = client.post(url, {"action": "join", "federation": "ab" * 32}, content_type="application/json")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_federation"
    assert Proposal.objects.count() == before
    assert client.get("/api/federations/" + "cd" * 32).status_code == 404
    assert client.get(f"/api/federations/{'cd' * 32}/councils/{'ef' * 32}").status_code == 404
    not_operator = client.post("/api/federation/peers", {"url": "ftp://example.org"}, content_type="application/json")
    assert not_operator.status_code == 403  # a member is not the node's operator (tests/node/test_peers.py)
    assert client.get("/api/federation/peers").json()["peers"] == []
