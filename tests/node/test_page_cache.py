"""Pages kept for visitors: never stale after an act, never someone else's, never with a message or a CSRF token."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from confederal.node.assemblies.services import do_accept_invitation, do_create_invitation
from confederal.node.decisions.services import check_propose, do_propose
from confederal.node.ledgers.selectors import latest_checkpoint
from confederal.node.ledgers.services import Record, do_append
from tests.node.cell import build_cell
from tests.support.records import decision

PAGE = "/assemblies/oak-street/"
MEMBERS_ONLY = ("Leave the assembly", "You take part as", "csrfmiddlewaretoken")


@pytest.fixture
def cell(db):
    return build_cell()


def _visit(client=None):
    response = (client or Client()).get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        _visit(client)
    return len(queries)


def test_a_second_visitor_is_served_the_kept_page_with_a_fraction_of_the_queries(cell):
    first, second = _queries(Client()), _queries(Client())
    assert second <= 2, second  # the assembly, and any vote due to close
    assert first >= 3 * second


def test_an_append_shows_to_the_next_visitor_at_once(cell):
    assert "Otto" not in _visit()
    assert "Otto" not in _visit()  # now kept
    invitation = do_create_invitation(cell.members["ana"], timezone.now())
    do_accept_invitation(cell.users["otto"], invitation, "Otto", timezone.now())
    page = _visit()
    assert "Otto" in page
    assert "4 members" in page


def test_any_append_changes_the_ledger_count_visitors_see(cell):
    size = latest_checkpoint(cell.assembly.ledger).size
    assert f"Public ledger ({size} entries)" in _visit()
    assert f"Public ledger ({size} entries)" in _visit()  # kept
    do_append(cell.assembly.ledger, [Record(decision(1, "Noted"))], timezone.now())
    assert f"Public ledger ({size + 1} entries)" in _visit()


def test_a_new_proposal_shows_to_visitors_though_it_appends_nothing(cell):
    assert "Compost the leaves" not in _visit()
    do_propose(check_propose(cell.members["fay"], title="Compost the leaves", method="consent"), timezone.now())
    assert "Compost the leaves" in _visit()


def test_a_members_page_is_never_served_to_a_visitor(cell):
    member = Client()
    member.force_login(cell.users["ana"])
    mine = member.get(PAGE).content.decode()
    assert all(text in mine for text in MEMBERS_ONLY)
    seen = _visit()
    assert not any(text in seen for text in MEMBERS_ONLY)
    assert "Sign in to take part" in seen


def test_a_member_is_never_served_the_visitors_page(cell):
    _visit()
    _visit()  # kept
    member = Client()
    member.force_login(cell.users["ana"])
    mine = member.get(PAGE).content.decode()
    assert all(text in mine for text in MEMBERS_ONLY)
    assert "Sign in to take part" not in mine


def test_a_visitors_message_is_shown_to_them_and_kept_for_nobody(cell):
    visitor = Client()
    _visit(visitor)
    _visit(visitor)  # kept
    visitor.get(reverse("sign-in-code"))  # refused: it leaves a message for the next page
    told = "Sign in with your password first"
    assert told in _visit(visitor)
    assert told not in _visit()
    assert told not in _visit(visitor)  # shown once
