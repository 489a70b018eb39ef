"""What the API answers, and what its schema says it answers: sign-in before CSRF, ranges, and every refusal listed."""

from __future__ import annotations

import pytest
from django.test import Client

from confederal.node.accounts.services import do_create_token
from confederal.node.decisions.models import Proposal
from confederal.node.web import now

from .cell import build_cell

PROPOSALS = "/api/assemblies/oak-street/proposals"


@pytest.fixture
def cell(db):
    return build_cell()


@pytest.fixture
def strict() -> Client:
    """A client that checks CSRF tokens as a real browser's requests are checked (Django's test client does not)."""
    return Client(enforce_csrf_checks=True)


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_a_write_with_neither_session_nor_token_is_asked_to_sign_in(cell, strict):
    for method, path in [("post", PROPOSALS), ("post", "/api/tokens"), ("delete", "/api/tokens/1")]:
        answer = getattr(strict, method)(path, {"title": "Plant beans"}, content_type="application/json")
        assert answer.status_code == 401, (path, answer.content)
        assert answer.json()["code"] == "sign_in"
    assert Proposal.objects.count() == 1


def test_a_session_must_send_its_csrf_token_to_write(cell, strict):
    strict.force_login(cell.users["ana"])
    refused = strict.post(PROPOSALS, {"title": "Plant beans"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "CSRF" in refused.json()["detail"]
    assert Proposal.objects.count() == 1
    strict.get("/accounts/sign-in")  # any page with a form hands out the CSRF cookie
    token = strict.cookies["csrftoken"].value
    done = strict.post(PROPOSALS, {"title": "Plant beans"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 201, done.content
    assert Proposal.objects.count() == 2


def test_a_bearer_token_needs_no_csrf_token(cell, strict):
    token = do_create_token(cell.users["ana"], "script", now())
    done = strict.post(
        PROPOSALS, {"title": "Plant beans"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert done.status_code == 201, done.content
    anonymous = strict.post(PROPOSALS, {"title": "Plant beans"}, content_type="application/json")
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/ledgers/oak-street/entries/99999999999999999999", None),
        ("get", "/api/ledgers/oak-street/entries?before=99999999999999999999", None),
        ("get", "/api/ledgers/oak-street/proofs/inclusion?index=99999999999999999999", None),
        ("get", "/api/assemblies/oak-street/proposals/99999999999999999999", None),
        ("get", "/api/assemblies/oak-street/meetings/99999999999999999999", None),
        ("get", "/api/assemblies/oak-street/draws/99999999999999999999", None),
        ("delete", "/api/tokens/99999999999999999999", None),
        ("post", "/api/assemblies/oak-street/meetings/1/decisions", {"proposal": 10**20}),
        ("post", "/api/assemblies/oak-street/meetings/1/attendance", {"member": 10**20}),
        ("post", "/api/assemblies/oak-street/splits", {"leave": [10**20], "name": "Elm", "slug": "elm"}),
    ],
)
def test_a_number_beyond_what_the_node_stores_is_refused_as_the_schema_says(cell, client, method, path, body):
    """Ids, numbers and sizes are at most 2**63 - 1 in the schema, and a larger one is a 422 (it was a 404, a 400
    or even an answer, for a number that cannot exist)."""
    client.force_login(cell.users["fay"])
    answer = getattr(client, method)(path, body, content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "bad_request"


def test_out_of_range_queries_are_refused_as_the_schema_says(cell, client):
    for path in [
        "/api/ledgers/oak-street/entries?limit=0",
        "/api/ledgers/oak-street/entries?limit=501",
        f"{PROPOSALS}?limit=201",
        f"{PROPOSALS}?status=pending",
        "/api/assemblies/Oak_Street",
        "/api/federations/not-a-hash",
    ]:
        answer = client.get(path)
        assert answer.status_code == 422, (path, answer.content)
        assert answer.json()["code"] == "bad_request"
        assert answer.json()["detail"].endswith(".")
    assert client.get("/api/ledgers/oak-street/entries?limit=500").status_code == 200


def test_the_schema_states_the_ranges_and_choices_the_node_accepts(client):
    schema = client.get("/api/openapi.json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/ledgers/{slug}/entries"]["get"]["parameters"]}
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 500)
    assert params["slug"]["pattern"].startswith("^[a-z0-9]")
    bodies = schema["components"]["schemas"]
    assert set(bodies["FoundIn"]["properties"]["focus"]["enum"]) == {
        "food",
        "energy",
        "housing",
        "care",
        "currency",
        "other",
    }
    method = bodies["ProposeIn"]["properties"]["method"]["anyOf"][0]
    assert "schulze" in method["enum"]
    assert bodies["ProposeIn"]["properties"]["title"]["maxLength"] == 200
    assert bodies["ScheduleIn"]["properties"]["minutes"]["maximum"] == 12 * 60


def test_every_operation_lists_the_refusals_it_can_answer(client):
    schema = client.get("/api/openapi.json").json()
    operations = _operations(schema)
    assert len(operations) >= 50
    for method, path, op in operations:
        answers = {int(status) for status in op["responses"]}
        where = f"{method.upper()} {path}"
        if op.get("security"):
            assert {401, 403, 429} <= answers, where
        if "{" in path:
            assert {404, 422} <= answers, where
        if "requestBody" in op:
            assert {400, 422} <= answers, where
        for status in answers - {200, 201, 204}:
            content = op["responses"][str(status)]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/ErrorOut"}, (where, status)


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("ana", "post", PROPOSALS, {"title": "Plant beans", "text": "beans\x00"}),
        ("otto", "post", "/api/assemblies/oak-street/join-requests", {"public_name": "Otto", "message": "hi\x00"}),
        ("ana", "post", "/api/tokens", {"label": "script\x00"}),
        ("nico", "put", "/api/assemblies/oak-street/meetings/1/notes", {"notes": "Beans\x00"}),
        ("ana", "post", "/api/assemblies/oak-street/amendments", {"changes": {"max_size\x00": 12}}),
    ],
)
def test_text_holding_nul_is_refused_with_a_sentence(cell, client, who, method, path, body):
    """PostgreSQL cannot store NUL: this was a server error there (and stored as sent on SQLite)."""
    client.force_login(cell.users[who])
    answer = getattr(client, method)(path, body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "bad_text"
    assert "NUL" in answer.json()["detail"]
    assert Proposal.objects.count() == 1
    assert "\x00" not in client.get("/api/assemblies/oak-street/meetings/1").json()["notes"]


def test_addresses_no_row_can_have_are_refused_before_any_lookup(cell, client):
    client.force_login(cell.users["ana"])
    for path in ["/api/invitations/a%00b/accept", "/api/assemblies/oak-street/roles/Bad%00Role/rotation"]:
        answer = client.post(path, {"public_name": "Ana"}, content_type="application/json")
        assert answer.status_code == 422, (path, answer.content)
    cell.users["ana"].is_staff = True
    cell.users["ana"].save()
    gone = client.delete("/api/federation/peers?url=http://a%00b.example")
    assert gone.status_code == 404
    assert gone.json()["code"] == "unknown_peer"
