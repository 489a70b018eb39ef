"""The assembly page a member sees asks the database a fixed, small number of questions, however big the assembly."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from confederal.node.decisions.services import check_propose, do_propose
from confederal.node.meetings.services import check_schedule, do_schedule
from tests.node.cell import build_cell

# Session and user (2), assembly, due votes, checkpoint, membership
# and roles held (2), members, open proposals and the member's ballots on them (2), role and chore terms, draws,
# recent decisions, decisions due for review, meetings ahead and past (2), requests to join, open sense checks.
MEMBER_PAGE_QUERIES = 18


def _member_page_queries(cell):
    client = Client()
    client.force_login(cell.users["ana"])
    client.get(f"/assemblies/{cell.assembly.slug}/")  # the session's first use may refresh it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/assemblies/{cell.assembly.slug}/")
    assert response.status_code == 200
    assert b"Leave the assembly" in response.content
    return len(queries)


def _grow(cell, proposals, meetings):
    now = timezone.now()
    for i in range(proposals):
        do_propose(check_propose(cell.members["fay"], title=f"Proposal number {i}", method="consent"), now)
    for i in range(meetings):
        draft = check_schedule(
            cell.members["ana"],
            title=f"Meeting number {i}",
            starts_at=now + timedelta(days=i + 1),
            minutes=60,
            place="",
            agenda=["Beans"],
            now=now,
        )
        do_schedule(draft)


@pytest.mark.django_db
def test_the_member_assembly_page_stays_within_its_query_budget_however_big_the_assembly():
    cell = build_cell(extra_members=4)
    before = _member_page_queries(cell)
    assert before <= MEMBER_PAGE_QUERIES, before
    _grow(cell, proposals=6, meetings=4)
    assert _member_page_queries(cell) == before
