"""One assembly's trouble stays its own: a role left on its first day, a state the ticker cannot handle."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from confederal.node import clock
from confederal.node.assemblies.models import Assembly
from confederal.node.assemblies.services import do_leave
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_propose, do_propose
from confederal.node.roles import services as roles
from confederal.node.roles.models import RoleTerm
from confederal.node.ticker import tick

from .cell import build_cell, found, user

# The node's own time: the API acts at it, and the cell's terms start on its day.
NOW = clock.now()


@pytest.fixture
def cell(db):
    return build_cell(NOW)


def test_a_holder_who_leaves_on_the_first_day_of_their_term_leaves_the_role_to_the_next(cell, client):
    # Fay's term as facilitator starts today; she leaves today.
    do_leave(cell.members["fay"], NOW)
    client.force_login(cell.users["ana"])
    answer = client.post("/api/assemblies/oak-street/roles/facilitator/rotation", content_type="application/json")
    assert answer.status_code == 201, answer.content
    term = RoleTerm.objects.get(assembly=cell.assembly, role="facilitator", ended_early_on__isnull=True)
    assert term.member.public_name != "Fay"
    assert term.start <= clock.now().date()  # the role is not left empty until the unserved term would have ended


def test_the_ticker_fills_a_role_whose_holder_left_on_the_first_day(cell):
    do_leave(cell.members["fay"], NOW)
    done = tick(NOW + timedelta(hours=1))
    assert done["roles_filled"] >= 1
    assert "facilitator" in roles.current_terms(cell.assembly, NOW.date())
    tick(NOW + timedelta(hours=2))  # and the next tick has nothing to trip on


def test_one_assemblys_bad_state_does_not_stop_the_others_scheduled_work(cell, caplog):
    pine = found(user("bea"), "Pine Street Pantry", "pine-street", "Bea", NOW)
    due = do_propose(check_propose(pine.members.get(), title="Open on Sundays", voting_days=1), NOW)
    # Oak Street's stored charter is one this node cannot read: each of its scheduled tasks fails.
    Assembly.objects.filter(pk=cell.assembly.pk).update(charter={"name": "Oak Street Garden"})
    caplog.set_level(logging.ERROR, logger="confederal.node.ticker")

    done = tick(NOW + timedelta(days=2))

    due.refresh_from_db()
    assert due.status == Proposal.Status.CLOSED  # Pine Street's vote closed on time
    assert "facilitator" in roles.current_terms(pine, (NOW + timedelta(days=2)).date())
    assert done["closed"] >= 1
    assert done["roles_filled"] >= 1
    failures = [r for r in caplog.records if "oak-street" in r.getMessage()]
    assert failures, [r.getMessage() for r in caplog.records]
    assert all("pine-street" not in r.getMessage() for r in caplog.records)
    # The next tick tries again, and fails the same way for Oak Street only.
    caplog.clear()
    tick(NOW + timedelta(days=2, seconds=5))
    assert any("oak-street" in r.getMessage() for r in caplog.records)
