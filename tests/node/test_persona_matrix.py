"""Every action, for every persona, through the pages and through the API.

An allowed action is carried out; a refused one leaves everything as it was
and says why. The table is the same one :mod:`confederal.permissions` holds,
checked here from the outside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from confederal.node.accounts.services import do_create_token
from confederal.node.assemblies.models import Invitation, JoinRequest
from confederal.node.decisions.models import Ballot, Proposal
from confederal.node.meetings.models import Attendance, Meeting
from confederal.node.roles.models import Lottery, RoleTerm
from confederal.node.web import now

from .cell import Cell, build_cell

# Pages schedule against the real clock, so the meeting goes a month from today.
SOON = date.today() + timedelta(days=30)
BASE = "/assemblies/oak-street"
MEMBERS = {"ana", "fay", "nico"}
NOTES = {"fay", "nico"}
PERSONAS = ["visitor", "otto", "ana", "fay", "nico"]


@dataclass(frozen=True)
class Case:
    page: Callable[[Cell], tuple[str, dict[str, Any]]]
    api: Callable[[Cell], tuple[str, str, dict[str, Any]]]
    done: Callable[[Cell, str], bool]
    allowed: frozenset[str]


def _member(cell: Cell, who: str) -> Any:
    return cell.members.get(who)


CASES: dict[str, Case] = {
    "propose": Case(
        lambda c: (f"{BASE}/proposals/new", {"title": "Build a shed", "method": "consent"}),
        lambda c: ("post", "/api/assemblies/oak-street/proposals", {"title": "Build a shed"}),
        lambda c, who: Proposal.objects.filter(title="Build a shed").exists(),
        frozenset(MEMBERS),
    ),
    "vote": Case(
        lambda c: (f"{BASE}/proposals/1/vote", {"choice": "consent"}),
        lambda c: ("post", "/api/assemblies/oak-street/proposals/1/ballot", {"choice": "consent"}),
        lambda c, who: Ballot.objects.filter(member__user__username=who).exists(),
        frozenset(MEMBERS),
    ),
    "invite": Case(
        lambda c: (f"{BASE}/invite", {}),
        lambda c: ("post", "/api/assemblies/oak-street/invitations", {}),
        lambda c, who: Invitation.objects.filter(created_by__user__username=who).exists(),
        frozenset(MEMBERS),
    ),
    "decide a join request": Case(
        lambda c: (f"{BASE}/requests/{c.request.pk}", {"decision": "decline"}),
        lambda c: ("post", f"/api/assemblies/oak-street/join-requests/{c.request.pk}", {"approve": False}),
        lambda c, who: JoinRequest.objects.get(pk=c.request.pk).status == JoinRequest.Status.DECLINED,
        frozenset(MEMBERS),
    ),
    "schedule a meeting": Case(
        lambda c: (
            f"{BASE}/meetings/new",
            {"title": "Harvest", "date": SOON.isoformat(), "time": "18:00", "minutes": "60"},
        ),
        lambda c: (
            "post",
            "/api/assemblies/oak-street/meetings",
            {"title": "Harvest", "starts_at": f"{SOON.isoformat()}T18:00:00Z"},
        ),
        lambda c, who: Meeting.objects.filter(title="Harvest").exists(),
        frozenset(MEMBERS),
    ),
    "check in at a meeting": Case(
        lambda c: (f"{BASE}/meetings/1/attend", {"present": "1"}),
        lambda c: ("post", "/api/assemblies/oak-street/meetings/1/attendance", {"present": True}),
        lambda c, who: Attendance.objects.filter(member__user__username=who).exists(),
        frozenset(MEMBERS),
    ),
    "keep notes": Case(
        lambda c: (f"{BASE}/meetings/1/notes", {"notes": "We planted."}),
        lambda c: ("put", "/api/assemblies/oak-street/meetings/1/notes", {"notes": "We planted."}),
        lambda c, who: Meeting.objects.get(pk=c.meeting.pk).notes == "We planted.",
        frozenset(NOTES),
    ),
    "publish minutes": Case(
        lambda c: (f"{BASE}/meetings/1/publish", {}),
        lambda c: ("post", "/api/assemblies/oak-street/meetings/1/minutes", {}),
        lambda c, who: Meeting.objects.get(pk=c.meeting.pk).status == Meeting.Status.PUBLISHED,
        frozenset(NOTES),
    ),
    "announce a fair draw for a role": Case(
        lambda c: (f"{BASE}/roles/treasurer/rotate", {}),
        lambda c: ("post", "/api/assemblies/oak-street/roles/treasurer/lottery", {}),
        lambda c, who: Lottery.objects.filter(role="treasurer").exists(),
        frozenset(MEMBERS),
    ),
    "share out chores": Case(
        lambda c: (f"{BASE}/chores/rotate", {}),
        lambda c: ("post", "/api/assemblies/oak-street/chores/rotation", {}),
        lambda c, who: RoleTerm.objects.filter(kind=RoleTerm.Kind.CHORE).exists(),
        frozenset(MEMBERS),
    ),
    "ask to join": Case(
        lambda c: (f"{BASE}/join", {"public_name": "Newcomer"}),
        lambda c: ("post", "/api/assemblies/oak-street/join-requests", {"public_name": "Newcomer"}),
        lambda c, who: JoinRequest.objects.filter(public_name="Newcomer").exists(),
        frozenset({"otto"}),
    ),
    "leave": Case(
        lambda c: (f"{BASE}/leave", {}),
        lambda c: ("post", "/api/assemblies/oak-street/leave", {}),
        lambda c, who: c.assembly.members.filter(user__username=who, left_at__isnull=False).exists(),
        frozenset(MEMBERS),
    ),
}


@pytest.fixture
def cell(db) -> Cell:
    return build_cell()


def _page_client(cell: Cell, who: str) -> Client:
    client = Client()
    if who != "visitor":
        client.force_login(cell.users[who])
    return client


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("action", list(CASES))
def test_pages_allow_exactly_the_personas_the_table_allows(cell, who, action):
    case = CASES[action]
    url, data = case.page(cell)
    response = _page_client(cell, who).post(url, data, follow=True)
    assert case.done(cell, who) is (who in case.allowed), response.content[:2000]
    assert response.status_code < 500
    if who not in case.allowed:
        text = response.content.decode()
        assert any(word in text for word in ("Sign in", "Only members", "Only the assembly", "already a member")), text[
            :3000
        ]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("action", list(CASES))
def test_the_api_allows_exactly_the_personas_the_table_allows(cell, who, action):
    case = CASES[action]
    method, url, body = case.api(cell)
    headers = {}
    if who != "visitor":
        headers["Authorization"] = "Bearer " + do_create_token(cell.users[who], "test", now())
    client = Client()
    response = getattr(client, method)(url, body, content_type="application/json", headers=headers)
    allowed = who in case.allowed
    assert case.done(cell, who) is allowed, response.content
    if allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code in (401, 403, 409), response.content
        assert response.json()["detail"]


def test_a_session_write_through_the_api_needs_the_csrf_token(cell):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cell.users["ana"])
    response = client.post(
        "/api/assemblies/oak-street/proposals", {"title": "Build a shed"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Proposal.objects.filter(title="Build a shed").exists()


def test_a_revoked_or_made_up_token_is_refused(cell):
    client = Client()
    response = client.post(
        "/api/assemblies/oak-street/proposals",
        {"title": "Build a shed"},
        content_type="application/json",
        headers={"Authorization": "Bearer cf_made_up"},
    )
    assert response.status_code == 401
    assert not Proposal.objects.filter(title="Build a shed").exists()
