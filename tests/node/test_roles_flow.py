"""Roles rotate by rota or by a recorded lottery; chores are shared; terms end by themselves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.ledger import decode_entry, encode_entry
from confederal.node.assemblies.services import do_set_away
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.roles import services
from confederal.node.roles.models import Lottery, RoleTerm
from confederal.node.ticker import tick
from confederal.sortition import lottery_from_json

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
    # Who sat out is public; that they were away is not (the record names them, never why).
    assert {"Ana", "Fay", "Nico", "M0", "M1"} <= set(term.pick["excluded"])
    assert "absent" not in str(term.pick)


def test_a_lottery_role_is_announced_then_drawn_from_a_later_ledger_root_and_checks_out(cell):
    today = timezone.now()
    lottery = services.do_lottery_step(cell.assembly, "treasurer", today)
    assert isinstance(lottery, Lottery)
    announced = decode_entry(
        bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=lottery.announcement_seq).body)
    )
    assert announced.kind == "draw.announced"
    eligible = {p["id"] for p in announced.body["pool"]}
    assert len(eligible) == len(cell.members)
    with pytest.raises(Refused) as refused:
        services.do_draw_lottery(lottery, today)
    assert refused.value.code == "draw_waiting"
    with pytest.raises(Refused):
        services.do_announce_lottery(cell.assembly, "treasurer", today)

    services.do_add_randomness(lottery, cell.members["ana"], today)
    term = services.do_lottery_step(cell.assembly, "treasurer", today)
    assert isinstance(term, RoleTerm)
    lottery.refresh_from_db()
    assert lottery.result["chosen"] == [term.member.public_name]
    assert term.pick["lottery"] == lottery.number
    assert lottery.result["beacon"]["size"] == lottery.beacon_size
    check = services.check_lottery(lottery)
    assert check.ok, check.failed
    chances = lottery_from_json(lottery.result["lottery"]).probabilities()
    assert set(chances) == eligible
    assert all(abs(p - 1 / len(eligible)) < 1e-6 for p in chances.values()), "nobody has served: equal chances"


def test_the_check_catches_a_draw_changed_in_the_database(cell):
    today = timezone.now()
    lottery = services.do_lottery_step(cell.assembly, "treasurer", today)
    services.do_add_randomness(lottery, cell.members["ana"], today)
    term = services.do_lottery_step(cell.assembly, "treasurer", today)
    lottery.refresh_from_db()
    row = LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=lottery.result_seq)
    entry = decode_entry(bytes(row.body))
    others = sorted({p["id"] for p in lottery.announcement["pool"]} - {term.member.public_name})
    forged = replace(entry, body={**entry.body, "chosen": others[:1]})
    LedgerEntry.objects.filter(pk=row.pk).update(body=encode_entry(forged))
    check = services.check_lottery(lottery)
    assert not check.ok
    assert any("not the recorded people" in line for line in check.failed)


def test_the_ticker_announces_a_lottery_role_and_draws_it_once_the_ledger_moves(cell):
    first = timezone.now()
    tick(first)
    lottery = services.pending_lottery(cell.assembly, "treasurer")
    assert lottery is not None
    assert not RoleTerm.objects.filter(role="treasurer").exists()
    services.do_add_randomness(lottery, cell.members["fay"], first)
    tick(first + timedelta(minutes=5))
    assert RoleTerm.objects.filter(role="treasurer").count() == 1


def test_a_lottery_role_cannot_be_rotated_by_the_rota(cell):
    with pytest.raises(Refused) as refused:
        services.do_rotate(cell.assembly, "treasurer", timezone.now())
    assert refused.value.code == "drawn_by_lottery"


def test_nobody_holds_two_roles_while_someone_else_can(cell):
    today = timezone.now()
    held = [services.do_rotate(cell.assembly, role, today).member for role in ("facilitator", "note-taker")]
    lottery = services.do_lottery_step(cell.assembly, "treasurer", today)
    services.do_add_randomness(lottery, cell.members["ana"], today)
    held.append(services.do_lottery_step(cell.assembly, "treasurer", today).member)
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


def test_the_api_announces_takes_randomness_draws_and_checks_a_lottery(cell, client):
    from confederal.node.accounts.services import do_create_token

    headers = {"Authorization": "Bearer " + do_create_token(cell.users["ana"], "test", timezone.now())}
    base = "/api/assemblies/oak-street"
    announced = client.post(f"{base}/roles/treasurer/lottery", headers=headers)
    assert announced.status_code == 201, announced.content
    body = announced.json()
    assert body["ready"] is False
    assert body["check"] is None
    assert len(body["eligible"]) == len(cell.members)
    number = body["number"]
    waiting = client.post(f"{base}/roles/treasurer/lottery", headers=headers)
    assert waiting.status_code == 409
    assert waiting.json()["code"] == "draw_waiting"
    assert client.post(f"{base}/lotteries/{number}/randomness").status_code == 401
    added = client.post(f"{base}/lotteries/{number}/randomness", headers=headers)
    assert added.json()["ready"] is True
    drawn = client.post(f"{base}/roles/treasurer/lottery", headers=headers).json()
    assert drawn["chosen"] == [drawn["term"]["holder"]]
    public = client.get(f"{base}/lotteries/{number}").json()
    assert public["check"]["ok"] is True
    assert client.get(f"{base}/lotteries/99").status_code == 404
    page = client.get(f"/assemblies/oak-street/lotteries/{number}").content.decode()
    assert "the draw matches its record" in page
    assert f"--draw treasurer-{number}" in page
    home = client.get("/assemblies/oak-street/").content.decode()
    assert f"/assemblies/oak-street/lotteries/{number}" in home
    assert "check this draw" in home
