"""Roles rotate by rota or by a recorded lottery; chores are shared; terms end by themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.ledger import decode_entry
from confederal.node.assemblies.services import do_set_away
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.roles import services
from confederal.node.roles.models import RoleTerm
from confederal.node.ticker import tick
from confederal.roles import rerun_draw

from .cell import build_cell


@pytest.fixture
def cell(db):
    cell = build_cell(extra_members=3)
    RoleTerm.objects.all().delete()
    return cell


def test_the_rota_gives_the_role_to_whoever_served_least_and_records_why(cell):
    today = timezone.now()
    first = services.do_rotate(cell.assembly, "facilitator", today)
    record = decode_entry(bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=first.ledger_seq).body))
    assert record.kind == "role.assignment"
    assert record.body["holder"] == first.member.public_name
    assert record.body["pick"]["method"] == "rota"
    assert first.end - first.start == timedelta(days=30)


def test_a_running_term_is_not_cut_short_and_the_tick_fills_roles_whose_terms_ended(cell):
    start = timezone.now()
    term = services.do_rotate(cell.assembly, "facilitator", start)
    with pytest.raises(Refused) as err:
        services.do_rotate(cell.assembly, "facilitator", start + timedelta(days=1))
    assert err.value.code == "term_not_over"
    later = start + timedelta(days=31)
    tick(later)
    current = services.current_terms(cell.assembly, later.date())
    assert current["facilitator"].member != term.member
    # The next term starts the day the tick finds the role empty; terms are never backdated.
    assert current["facilitator"].start == later.date()


def test_over_many_terms_the_rota_shares_a_role_evenly_and_respects_limits(cell):
    moment = timezone.now()
    for _ in range(24):
        services.do_rotate(cell.assembly, "facilitator", moment)
        moment += timedelta(days=30)
    counts = {}
    holders = []
    for term in services.history(cell.assembly, "facilitator"):
        counts[term.member.public_name] = counts.get(term.member.public_name, 0) + 1
        holders.append(term.member.public_name)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert len(counts) == 6
    assert all(holders[i] != holders[i + 1] or holders[i] != holders[i + 2] for i in range(len(holders) - 2))


def test_the_rota_skips_members_who_are_away(cell):
    today = timezone.now()
    for name in ("ana", "fay", "nico", "m0", "m1"):
        do_set_away(cell.members[name], today.date() + timedelta(days=10), today.date())
    term = services.do_rotate(cell.assembly, "facilitator", today)
    assert term.member.public_name == "M2"
    assert "absent" in {e["reason"] for e in term.pick["excluded"]}


def test_a_lottery_draw_is_recorded_and_anyone_can_rerun_it(cell):
    term = services.do_rotate(cell.assembly, "treasurer", timezone.now(), seed=lambda: bytes(range(32)))
    draw = term.pick["draw"]
    assert draw["seed"] == bytes(range(32)).hex()
    assert rerun_draw(draw) == term.member.public_name
    record = decode_entry(bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=term.ledger_seq).body))
    assert rerun_draw(record.body["pick"]["draw"]) == term.member.public_name


def test_nobody_holds_two_roles_while_someone_else_can(cell):
    today = timezone.now()
    held = [
        services.do_rotate(cell.assembly, role, today).member for role in ("facilitator", "note-taker", "treasurer")
    ]
    assert len(set(held)) == 3


def test_an_elected_role_is_not_rotated_by_the_rota(cell):
    from confederal.node.assemblies.services import charter_of

    charter = charter_of(cell.assembly).amended(
        {"roles.treasurer": {"rotation": "election"}}, timezone.now().date() + timedelta(days=9)
    )
    type(cell.assembly).objects.filter(pk=cell.assembly.pk).update(charter=charter.to_json())
    cell.assembly.refresh_from_db()
    with pytest.raises(Refused) as err:
        services.do_rotate(cell.assembly, "treasurer", timezone.now())
    assert err.value.code == "elected_role"
    with pytest.raises(Refused) as unknown:
        services.do_rotate(cell.assembly, "king", timezone.now())
    assert unknown.value.code == "unknown_role"


def test_chores_are_shared_out_weekly_and_evenly(cell):
    moment = timezone.now()
    for _ in range(9):
        services.do_rotate_chores(cell.assembly, moment)
        with pytest.raises(Refused):
            services.do_rotate_chores(cell.assembly, moment)
        moment += timedelta(days=services.CHORE_DAYS)
    totals = {}
    for term in RoleTerm.objects.filter(assembly=cell.assembly, kind=RoleTerm.Kind.CHORE).select_related("member"):
        totals[term.member.public_name] = totals.get(term.member.public_name, 0) + 1
    assert sum(totals.values()) == 18
    assert max(totals.values()) - min(totals.values()) <= 1
