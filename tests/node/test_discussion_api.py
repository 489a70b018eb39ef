"""The discussion's JSON API: a proposal's comments read and written with the same checks as the page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from confederal.node.decisions.services import check_amendment, check_vote, do_propose, do_vote
from confederal.node.discussion.models import Comment
from confederal.node.notices.models import Notice

from .cell import build_cell

COMMENTS = "/api/assemblies/oak-street/proposals/1/comments"


@pytest.fixture
def cell(db):
    return build_cell()


def _as(client, name):
    client.logout()
    if name:
        client.force_login(User.objects.get(username=name))
    return client


def post(client, body):
    return client.post(COMMENTS, body, content_type="application/json")


def test_it_writes_and_reads_a_discussion_through_the_api(cell, client):
    first = post(_as(client, "ana"), {"body": "Which **bed**?"})
    assert first.status_code == 201
    assert first.json()["number"] == 1
    assert first.json()["parent"] is None
    reply = post(_as(client, "fay"), {"body": "The south one, @ana.", "parent": 1})
    assert reply.status_code == 201
    assert reply.json()["parent"] == 1
    assert {(n.user.username, n.kind) for n in Notice.objects.all()} == {("ana", "reply"), ("ana", "mention")}
    read = client.get(COMMENTS)
    assert read.status_code == 200
    assert [(c["number"], c["author_name"], c["body"]) for c in read.json()] == [
        (1, "Ana", "Which **bed**?"),
        (2, "Fay", "The south one, @ana."),
    ]
    assert read.json()[0]["earlier"] == []
    assert read.json()[0]["taken_back_at"] is None


def test_it_refuses_through_the_api_what_the_page_refuses_and_changes_nothing(cell, client):
    post(_as(client, "ana"), {"body": "First."})
    before = list(Comment.objects.values_list("pk", "body"))
    for who, body, status, code in [
        ("ana", {"body": "x" * 10_001}, 422, None),
        ("ana", {"body": "   "}, 400, "empty_comment"),
        ("ana", {"body": "hi", "parent": 9}, 400, "bad_parent"),
        ("ana", {"body": "hi", "parent": 0}, 422, None),
        ("ana", {"body": 3}, 422, None),
        ("otto", {"body": "Let me in."}, 403, "not_a_member"),
        (None, {"body": "Let me in."}, 401, None),
    ]:
        answer = post(_as(client, who), body)
        assert answer.status_code == status, (who, body, answer.content)
        if code:
            assert answer.json()["code"] == code
        assert list(Comment.objects.values_list("pk", "body")) == before
    assert _as(client, "otto").get(COMMENTS).status_code == 403
    assert _as(client, None).get(COMMENTS).status_code == 403
    assert _as(client, "ana").get("/api/assemblies/oak-street/proposals/99/comments").status_code == 404


def test_it_lets_anyone_read_through_the_api_once_the_charter_makes_the_discussion_public(cell, client):
    post(_as(client, "ana"), {"body": "Open to all."})
    assert _as(client, None).get(COMMENTS).status_code == 403
    now = timezone.now()
    amendment = do_propose(check_amendment(cell.members["ana"], {"discussion": "public"}, None, "", now), now)
    for name in ("ana", "fay", "nico"):
        do_vote(cell.members[name], amendment, check_vote(cell.members[name], amendment, "consent", now), now)
    read = client.get(COMMENTS)
    assert read.status_code == 200
    assert [c["body"] for c in read.json()] == ["Open to all."]
    assert post(client, {"body": "A visitor writes."}).status_code == 401
