"""Who was away is for the members: the public ledger and public pages say who sat out, never why."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from confederal.ledger import decode_entry
from confederal.node.assemblies.services import do_set_away
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.roles import services
from confederal.node.roles.models import RoleTerm
from confederal.records import parse

from .cell import build_cell


@pytest.fixture
def cell(db):
    cell = build_cell(extra_members=3)
    RoleTerm.objects.all().delete()
    return cell


def _public_text(cell) -> str:
    """Every ledger entry of the assembly, as anyone can download it."""
    entries = LedgerEntry.objects.filter(ledger=cell.assembly.ledger).order_by("seq")
    return "\n".join(bytes(e.body).decode() for e in entries)


def test_a_rota_pick_names_who_sat_out_but_not_that_they_were_away(cell, client):
    today = timezone.now()
    do_set_away(cell.members["ana"], today.date() + timedelta(days=10), today.date())
    term = services.do_rotate(cell.assembly, "facilitator", today)
    assert term.member.public_name != "Ana"
    entry = decode_entry(bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=term.ledger_seq).body))
    assert "Ana" in entry.body["pick"]["excluded"]
    assert parse(entry.kind, entry.body).to_json() == entry.body  # the declared kind reads it back
    assert "absent" not in _public_text(cell)
    for page in (reverse("roles", args=["oak-street"]), "/api/assemblies/oak-street/roles"):
        shown = client.get(page).content.decode()
        assert "Ana" in shown, page
        assert "absent" not in shown, page
        assert "is away" not in shown, page
    # Members, who may know who is away, read why Ana sat out; someone signed in who is not a member does not.
    client.force_login(cell.users["otto"])
    assert "absent" not in client.get(reverse("roles", args=["oak-street"])).content.decode()
    client.force_login(cell.users["fay"])
    members_page = client.get(reverse("roles", args=["oak-street"])).content.decode()
    assert "Ana sits out (absent)" in members_page
    assert "members only" in members_page


def test_a_lottery_announcement_names_who_sat_out_but_not_that_they_were_away(cell, client):
    today = timezone.now()
    do_set_away(cell.members["fay"], today.date() + timedelta(days=10), today.date())
    lottery = services.do_lottery_step(cell.assembly, "treasurer", today)
    entry = decode_entry(bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=lottery.announcement_seq).body))
    assert entry.body["excluded"] == ["Fay"]
    assert parse(entry.kind, entry.body).to_json() == entry.body
    assert "absent" not in _public_text(cell)
    shown = client.get(reverse("lottery", args=["oak-street", lottery.number])).content.decode()
    assert "Fay" in shown
    assert "absent" not in shown
    assert "is away" not in shown
    assert "absent" not in json.dumps(lottery.announcement)
