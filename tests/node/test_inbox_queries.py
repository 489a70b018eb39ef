"""The inbox asks the database a fixed, small number of questions, however many assemblies and decisions a person
has, and the header's count of unread items costs none more on the inbox page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from confederal.ledger import Phrase
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_propose, check_vote, do_propose, do_vote
from confederal.node.meetings.services import check_schedule, do_schedule
from confederal.node.notices.services import do_notify

from .cell import build_cell, found

# Session and user (2); memberships; open votes, meetings coming, draws, decisions due for review (4); the person's
# ballots on the open votes, objections to their proposals, roles held, council mandates (4); notices; read marks.
INBOX_QUERIES = 13


def _inbox_queries(client):
    client.get("/inbox/")  # the session's first use may refresh it
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/inbox/")
    assert response.status_code == 200
    assert "Your vote is awaited" in response.content.decode()
    return len(queries)


def _grow(cell, assembly_number):
    """One more assembly of Fay's, with open votes, a meeting, decisions due for review, an objection to her
    proposal and a reply; and more of the same in Oak Street."""
    now = timezone.now()
    fay = cell.users["fay"]
    assembly = found(fay, f"Garden {assembly_number}", f"garden-{assembly_number}", "Fay", now)
    founder = assembly.members.get()
    for place, author in ((assembly, founder), (cell.assembly, cell.members["ana"])):
        for i in range(3):
            do_propose(check_propose(author, title=f"Open question {assembly_number}.{i}", method="consent"), now)
        for i in range(2):
            do_schedule(
                check_schedule(
                    author,
                    title=f"Meeting {assembly_number}.{i}",
                    starts_at=now + timedelta(days=i + 1),
                    minutes=60,
                    place="",
                    agenda=["Beans"],
                    now=now,
                )
            )
        due = Proposal.objects.filter(assembly=place).order_by("number")[:2]
        Proposal.objects.filter(pk__in=[p.pk for p in due]).update(
            status=Proposal.Status.CLOSED, review_on=now.date() - timedelta(days=1)
        )
    mine = do_propose(check_propose(cell.members["fay"], title=f"Fay's idea {assembly_number}", method="consent"), now)
    nico = cell.members["nico"]
    why = "Not this season."
    do_vote(nico, mine, check_vote(nico, mine, "object", now, reason=why), now, reason=why)
    do_notify(
        [fay],
        kind="reply",
        phrase=Phrase("%(name)s replied to you on “%(title)s”.", {"name": "Ana", "title": "Beans"}),
        url=f"/assemblies/{cell.assembly.slug}/",
        now=now,
        assembly=cell.assembly,
    )


@pytest.mark.django_db
def test_it_reads_the_inbox_in_a_fixed_number_of_queries_however_many_assemblies_and_decisions():
    cell = build_cell()
    client = Client()
    client.force_login(cell.users["fay"])
    _grow(cell, 1)
    before = _inbox_queries(client)
    assert before <= INBOX_QUERIES, before
    for number in (2, 3, 4):
        _grow(cell, number)
    assert _inbox_queries(client) == before
