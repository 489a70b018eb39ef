"""A request of the wrong shape gets a clear 4xx and changes nothing; no redirect leaves the node."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confederal.node.decisions.models import Proposal

from .cell import build_cell

FEDERATION_PROPOSALS = "/api/assemblies/oak-street/federation-proposals"
ACTIONS = ["found", "join", "leave", "convene", "join_council", "leave_council", "appoint", "recall"]


@pytest.fixture
def cell(db):
    return build_cell()


def _refused_cleanly(answer, before: int) -> None:
    assert 400 <= answer.status_code < 500, answer.content
    body = answer.json()
    assert body["code"], body
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    assert Proposal.objects.count() == before


WRONG_SHAPES = [
    {"action": "convene", "council": "x"},
    {"action": "convene", "council": "c" * 64},
    {"action": "convene", "council": {"federation": 5}},
    {"action": "convene", "council": {"federation": "f" * 64, "agenda": "q1"}},
    {"action": "convene", "council": {"federation": "f" * 64, "agenda": [{"id": "q1", "text": 3}]}},
    {"action": "convene", "council": {"federation": "f" * 64, "objective": "x", "starts_at": 1, "ends_at": []}},
    {"action": "join_council", "council": {"objective": "A council"}},
    {"action": "leave_council", "council": {}},
    {"action": "appoint", "council": {"id": "c"}, "delegate": "Ana"},
    {"action": "appoint", "council": "c" * 64, "mandate": {"instructions": []}},
    {"action": "recall", "council": {"x": 1}},
    {"action": "found", "charter": {"principles": "one"}},
    {"action": "found", "charter": {"principles": [1, 2]}},
    {"action": "found", "charter": {"principles": ["One"], "name": {"x": 1}}},
    {"action": "found", "charter": {"principles": ["One"], "max_council_days": "30"}},
    {"action": "join", "federation": "x" * 300},
    {"action": "found", "charter": []},
    {"action": "convene"},
    {"action": 5},
    {},
]


def test_a_federation_proposal_of_the_wrong_shape_is_refused_with_a_sentence(cell, client):
    client.force_login(cell.users["ana"])
    before = Proposal.objects.count()
    for payload in WRONG_SHAPES:
        _refused_cleanly(client.post(FEDERATION_PROPOSALS, payload, content_type="application/json"), before)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _object_with(keys: list[str]) -> st.SearchStrategy[dict[str, object]]:
    """Objects with some of these keys (the ones the code reads), each holding any JSON value."""
    return st.dictionaries(st.sampled_from(keys), _JSON, max_size=len(keys))


_CHARTER_KEYS = ["name", "principles", "transparency", "recall", "max_council_days", "mutual_aid", "sunset",
                 "mandate_breach", "witnesses"]  # fmt: skip
_COUNCIL_KEYS = ["federation", "objective", "starts_at", "ends_at", "agenda"]
_PAYLOADS = st.fixed_dictionaries(
    {"action": st.sampled_from(ACTIONS)},
    optional={
        "federation": _JSON | st.just("f" * 64),
        "council": _JSON | _object_with(_COUNCIL_KEYS) | st.just("c" * 64),
        "charter": _JSON | _object_with(_CHARTER_KEYS),
        "delegate": _JSON | st.just("Ana"),
        "mandate": _JSON | _object_with(["text", "instructions", "red_lines"]),
        "text": _JSON,
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=_PAYLOADS)
def test_no_federation_proposal_payload_is_a_server_error(cell, client, payload):
    client.force_login(cell.users["ana"])
    before = Proposal.objects.count()
    answer = client.post(FEDERATION_PROPOSALS, payload, content_type="application/json")
    if answer.status_code == 201:
        assert Proposal.objects.count() == before + 1
    else:
        _refused_cleanly(answer, before)


def test_the_federation_proposal_form_refuses_odd_values_on_the_page(cell, client):
    client.force_login(cell.users["ana"])
    before = Proposal.objects.count()
    forms = [
        {"action": "convene", "federation": "x", "objective": "Meet", "starts_at": "soon", "ends_at": "", "agenda": ""},
        {"action": "found", "name": "River", "principles": "", "max_council_days": "many", "witnesses": "-1"},
        {"action": "appoint", "council": "c" * 64, "delegate": "Ana", "instruction-q1": "maybe"},
        {"action": "join_council", "council": "x"},
        {"action": "nothing"},
    ]
    for form in forms:
        answer = client.post("/federations/propose", {"assembly": "oak-street", **form}, follow=True)
        assert answer.status_code == 200, form
        assert answer.redirect_chain[0][1] == 303
        assert '<li class="error">' in answer.content.decode(), form
    assert Proposal.objects.count() == before


def _routes_with_a_body(schema: dict) -> list[tuple[str, str]]:
    values = {"slug": "oak-street", "number": "1", "request_id": "1", "token": "t", "role": "facilitator",
              "federation_id": "f" * 64, "council_id": "c" * 64}  # fmt: skip
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                routes.append((method, re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)))
    return routes


def test_a_body_that_is_not_an_object_is_refused_by_every_route(cell, client):
    client.force_login(cell.users["ana"])
    before = Proposal.objects.count()
    routes = _routes_with_a_body(client.get("/api/openapi.json").json())
    assert ("post", "/api/assemblies/oak-street/proposals") in routes
    for body in ['"Hello World"', "[]", "3", "null", '["title"]']:
        for method, path in routes:
            answer = getattr(client, method)(path, body, content_type="application/json")
            assert answer.status_code == 422, (body, method, path, answer.content)
            assert answer.json()["code"] == "bad_request"
            assert "object" in answer.json()["detail"]
    assert Proposal.objects.count() == before


def test_a_missing_field_is_named_in_a_sentence(cell, client):
    client.force_login(cell.users["ana"])
    answer = client.post("/api/assemblies/oak-street/proposals", {"text": "x"}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["code"] == "bad_request"
    assert "title" in answer.json()["detail"]


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example", "/\\evil.example", "http://evil.example/", "\\\\evil.example"],
)
def test_no_redirect_taken_from_a_request_leaves_the_node(cell, client, target):
    client.force_login(cell.users["ana"])
    refused = client.post(
        "/federations/propose", {"assembly": "oak-street", "action": "join", "federation": "ab" * 32, "back": target}
    )
    assert refused.status_code == 303
    assert refused["Location"] == "/federations/"
    client.logout()
    signed_up = client.post(
        f"/accounts/sign-up?next={target}", {"username": "zoe", "password": "a-long-test-password", "next": target}
    )
    assert signed_up.status_code == 303
    assert signed_up["Location"] == "/"


def test_a_redirect_to_a_page_of_this_node_is_kept(cell, client):
    client.force_login(cell.users["ana"])
    refused = client.post(
        "/federations/propose",
        {"assembly": "oak-street", "action": "join", "federation": "ab" * 32, "back": "/assemblies/oak-street/"},
    )
    assert refused["Location"] == "/assemblies/oak-street/"


def test_ninjas_own_refusals_speak_like_every_other_refusal(cell, client):
    url = "/api/assemblies/oak-street/proposals"
    unsigned = client.post(url, {"title": "Plant beans"}, content_type="application/json")
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "sign_in"
    client.force_login(cell.users["ana"])
    broken = client.post(url, "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["code"] == "bad_request"
    assert broken.json()["detail"].endswith(".")
    own = client.get("/api/ledgers/oak-street/proofs/inclusion?index=100000")
    assert own.status_code == 400
    assert own.json() == {
        "code": "bad_request",
        "detail": "Entry 100000 is not in the ledger at size 4.",
    }  # its own words
    out_of_range = client.get("/api/ledgers/oak-street/entries?limit=100000")
    assert out_of_range.status_code == 422  # the schema's range, said by the shape check
    assert "limit" in out_of_range.json()["detail"]
    missing = client.get("/api/assemblies/oak-street/proposals/999")
    assert missing.status_code == 404
    assert missing.json()["code"]
    assert missing.json()["detail"].endswith(".")
