"""Consent that resolves objections: a reason to object, the proposer's new version, the objector's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from confederal.decisions import READING_TIME
from confederal.ledger import decode_entry
from confederal.node import clock
from confederal.node.assemblies.services import charter_of
from confederal.node.decisions import services
from confederal.node.decisions.models import Ballot, Proposal
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.notices.models import Notice

from .cell import build_cell

NOW = clock.now()
HARM = "Friday evenings are the choir's: renting them would push the choir out of the hall."
PAGE = "/assemblies/oak-street/proposals/{n}/"


@pytest.fixture
def cell(db):
    return build_cell(NOW, extra_members=1)  # Ana, Fay, Nico, M0


def _propose(cell, days=3, **kw):
    draft = services.check_propose(
        cell.members["ana"], title="Rent the kitchen on Tuesdays and Fridays", text="The hall asks €320.", **kw
    )
    return services.do_propose(draft, NOW)


def _post(client, cell, who, proposal, path, **data):
    client.force_login(cell.users[who])
    return client.post(PAGE.format(n=proposal.number) + path, data, follow=True)


def _entries(cell, kind):
    rows = LedgerEntry.objects.filter(ledger=cell.assembly.ledger).order_by("seq")
    return [e for e in (decode_entry(bytes(r.body)) for r in rows) if e.kind == kind]


def test_it_refuses_an_objection_or_a_stand_aside_without_a_reason_and_changes_nothing(cell, client):
    proposal = _propose(cell)
    for choice in ("object", "stand_aside"):
        page = _post(client, cell, "nico", proposal, "vote", choice=choice, reason="   ")
        assert page.status_code == 200
        assert "Say " in page.content.decode()
    assert not proposal.ballots.exists()
    with pytest.raises(Refused) as refused:
        services.check_vote(cell.members["nico"], proposal, "object", NOW, "x" * 2001)
    assert refused.value.code == "reason_too_long"


def test_it_resolves_an_objection_by_a_new_version_and_adopts_the_proposal(cell, client):
    proposal = _propose(cell)
    _post(client, cell, "fay", proposal, "vote", choice="consent", reason="Good for the pantry.")
    _post(client, cell, "m0", proposal, "vote", choice="stand_aside", reason="I am away in December.")
    page = _post(client, cell, "nico", proposal, "vote", choice="object", reason=HARM)
    assert "Your vote is cast" in page.content.decode()
    # The proposer hears of it, and the page shows the objection with its reason.
    assert Notice.objects.filter(user=cell.users["ana"], kind="objection").count() == 1
    client.force_login(cell.users["ana"])
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "An objection to resolve" in shown
    assert "push the choir out" in shown
    assert "Amend the proposal" in shown

    # Everyone but Ana has voted: an objection keeps the vote open instead of closing it blocked.
    page = _post(client, cell, "ana", proposal, "vote", choice="consent")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN

    page = _post(
        client,
        cell,
        "ana",
        proposal,
        "amend",
        text="The hall asks €320 for Tuesdays only; Fridays stay the choir's.",
        note="Tuesdays only, so the choir keeps Fridays.",
    )
    assert "Version 2 is put to the vote" in page.content.decode()
    proposal.refresh_from_db()
    assert proposal.version == 2
    assert "Tuesdays only" in proposal.text
    # Consents and stand-asides are reset and their voters told; the objection stands until Nico answers.
    assert {b.member.public_name: b.choice for b in proposal.ballots.all()} == {"Nico": "object"}
    told = Notice.objects.filter(kind="amended").values_list("user__username", flat=True)
    assert sorted(told) == ["fay", "m0"]  # Ana amended it herself
    (amended,) = _entries(cell, "proposal.amended")
    assert amended.body["version"] == 2
    assert amended.body["by"] == "Ana"
    assert amended.body["note"] == "Tuesdays only, so the choir keeps Fridays."
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "Versions" in shown
    assert "Version 1" in shown
    assert "Version 2" in shown

    page = _post(client, cell, "nico", proposal, "vote", change="1", choice="consent")
    assert not Ballot.objects.filter(proposal=proposal, choice="object").exists()
    told = Notice.objects.filter(user=cell.users["ana"], kind="objection").order_by("created_at", "id")
    assert [n.params.get("name") for n in told] == [None, "Nico"]  # raised, then withdrawn
    for who in ("fay", "m0", "ana"):
        _post(client, cell, who, proposal, "vote", choice="consent")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CLOSED  # everyone consented: nothing left to wait for
    assert proposal.outcome["status"] == "adopted"
    (decision,) = _entries(cell, "decision")
    assert decision.body["version"] == 2
    assert "Tuesdays only" in decision.body["text"]


def test_it_blocks_a_proposal_whose_window_ends_with_an_objection_standing(cell, client):
    proposal = _propose(cell)
    for who in ("ana", "fay", "m0"):
        _post(client, cell, who, proposal, "vote", choice="consent")
    _post(client, cell, "nico", proposal, "vote", choice="object", reason=HARM)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN
    closed = services.do_close(proposal, proposal.closes_at)
    assert closed.outcome["status"] == "blocked"
    (decision,) = _entries(cell, "decision")
    assert decision.body["reasons"] == [
        {"choice": "object", "reason": HARM, "member": cell.members["nico"].pk, "name": "Nico"}
    ]
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "Nico: Object" in shown
    assert "push the choir out" in shown


def test_it_lets_an_objector_stand_aside_with_a_reason_instead(cell, client):
    proposal = _propose(cell)
    _post(client, cell, "nico", proposal, "vote", choice="object", reason=HARM)
    page = _post(client, cell, "nico", proposal, "vote", change="1", choice="stand_aside", reason="")
    assert "Say why you stand aside" in page.content.decode()
    assert Ballot.objects.get(proposal=proposal).choice == "object"
    _post(client, cell, "nico", proposal, "vote", change="1", choice="stand_aside", reason="I still worry, go ahead.")
    for who in ("ana", "fay", "m0"):
        _post(client, cell, who, proposal, "vote", choice="consent")
    proposal.refresh_from_db()
    assert proposal.outcome["status"] == "adopted"
    (decision,) = _entries(cell, "decision")
    assert {
        "choice": "stand_aside",
        "reason": "I still worry, go ahead.",
        "member": cell.members["nico"].pk,
        "name": "Nico",
    } in decision.body["reasons"]


def test_it_lets_only_the_author_amend_and_only_while_the_vote_is_open(cell, client):
    proposal = _propose(cell)
    page = _post(client, cell, "fay", proposal, "amend", text="Something else", note="I changed it.")
    assert "Only the person who proposed it can amend it" in page.content.decode()
    proposal.refresh_from_db()
    assert proposal.version == 1
    assert proposal.text == "The hall asks €320."
    with pytest.raises(Refused) as refused:
        services.check_amend_proposal(cell.members["ana"], proposal, text="Same?", note="", now=NOW)
    assert refused.value.code == "note_required"
    with pytest.raises(Refused) as refused:
        services.check_amend_proposal(cell.members["ana"], proposal, text=proposal.text, note="Nothing", now=NOW)
    assert refused.value.code == "unchanged"
    services.do_close(proposal, proposal.closes_at)
    proposal.refresh_from_db()
    page = _post(client, cell, "ana", proposal, "amend", text="Too late now", note="After the vote.")
    assert "Voting closed on" in page.content.decode()
    assert not _entries(cell, "proposal.amended")


def test_it_refuses_to_amend_a_majority_vote(cell):
    proposal = _propose(cell, method="simple_majority")
    with pytest.raises(Refused) as refused:
        services.check_amend_proposal(cell.members["ana"], proposal, text="Other", note="Changed", now=NOW)
    assert refused.value.code == "not_amendable"


def test_it_gives_a_day_to_read_a_version_amended_late_in_the_window(cell, client, settings, tmp_path):
    proposal = _propose(cell, voting_days=1)
    late = proposal.closes_at - timedelta(hours=2)
    draft = services.check_amend_proposal(
        cell.members["ana"], proposal, text="Tuesdays only.", note="Fewer days.", now=late
    )
    amended, reset = services.do_amend_proposal(draft, late)
    assert amended.closes_at == late + READING_TIME
    assert reset == 0
    # The node's clock, moved as the test hook moves it, to when the amendment was made.
    settings.TEST_HOOKS, settings.DATA_DIR = True, tmp_path
    clock.advance((late - clock.now()).total_seconds())
    client.force_login(cell.users["fay"])
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "a day to read the new version" in shown
    assert "Open for votes" in shown  # its first window has passed, but the vote is still open


def test_it_hides_who_gave_which_reason_when_ballots_are_secret(cell, client):
    secret = charter_of(cell.assembly).amended({"ballots": "secret"}, NOW.date() + timedelta(days=30))
    type(cell.assembly).objects.filter(pk=cell.assembly.pk).update(charter=secret.to_json())
    cell.members["ana"].assembly.refresh_from_db()
    proposal = _propose(cell)
    assert proposal.secret
    _post(client, cell, "nico", proposal, "vote", choice="object", reason=HARM)
    client.force_login(cell.users["fay"])
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "push the choir out" in shown
    assert "<strong>Nico</strong>" not in shown
    assert "without your name" in shown
    services.do_close(proposal, proposal.closes_at)
    (decision,) = _entries(cell, "decision")
    assert decision.body["reasons"] == [{"choice": "object", "reason": HARM}]
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "Reasons given, without names" in shown
    assert "push the choir out" in shown
    assert "Nico" not in shown.split("Reasons given")[1]


@pytest.mark.slow
@pytest.mark.django_db
def test_it_shows_a_visitor_of_the_demo_a_resolved_objection_and_one_still_to_resolve(client):
    from confederal.node.demo import seed_demo

    assert seed_demo(NOW)
    freezer = Proposal.objects.get(assembly__slug="food-hub", title="Buy a chest freezer")
    assert freezer.version == 2
    assert freezer.outcome["status"] == "adopted"
    page = client.get(f"/assemblies/food-hub/proposals/{freezer.number}/").content.decode()
    assert "Versions" in page
    assert 'Kwame: Consent<span class="reason"> — A second-hand one answers my worry.</span>' in page
    sponsor = Proposal.objects.get(assembly__slug="food-hub", title__startswith="Take sponsorship")
    assert sponsor.outcome["status"] == "blocked"
    sunday = Proposal.objects.get(assembly__slug="food-hub", title="Open the hub on Sunday mornings too")
    assert sunday.status == Proposal.Status.OPEN
    page = client.get(f"/assemblies/food-hub/proposals/{sunday.number}/").content.decode()
    assert "An objection to resolve" in page
    assert "Nobody has signed up to collect" in page


def test_it_asks_a_block_for_its_reason_and_keeps_a_consensus_vote_open_while_it_stands(cell, client):
    proposal = _propose(cell, method="consensus")
    page = _post(client, cell, "nico", proposal, "vote", choice="block")
    assert "Say how the proposal would cause harm" in page.content.decode()
    for who in ("ana", "fay", "m0"):
        _post(client, cell, who, proposal, "vote", choice="agree")
    _post(client, cell, "nico", proposal, "vote", choice="block", reason=HARM)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN
    client.force_login(cell.users["nico"])
    shown = client.get(PAGE.format(n=proposal.number)).content.decode()
    assert "My block is resolved: I agree" in shown
    _post(client, cell, "nico", proposal, "vote", change="1", choice="agree")
    proposal.refresh_from_db()
    assert proposal.outcome["status"] == "adopted"


def test_it_says_in_the_refreshing_status_line_that_an_objection_waits(cell, client):
    proposal = _propose(cell)
    _post(client, cell, "nico", proposal, "vote", choice="object", reason=HARM)
    line = client.get(PAGE.format(n=proposal.number) + "status").content.decode()
    assert "1 objection to resolve" in line
    _post(client, cell, "nico", proposal, "vote", change="1", choice="consent")
    line = client.get(PAGE.format(n=proposal.number) + "status").content.decode()
    assert "objection" not in line
