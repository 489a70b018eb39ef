"""Proposals from opening to the ledger: votes, refusals, closing, and what adopted decisions do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from confederal.ledger import decode_entry
from confederal.node.assemblies import services as assembly_services
from confederal.node.assemblies.models import Assembly
from confederal.node.assemblies.services import charter_of, check_found_assembly, do_found_assembly
from confederal.node.assemblies.services import check_split_cells as split_cells
from confederal.node.decisions import selectors, services
from confederal.node.decisions.models import Proposal
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.roles.models import RoleTerm
from confederal.node.ticker import tick

from .cell import build_cell, user


@pytest.fixture
def cell(db):
    return build_cell(extra_members=3)  # Ana, Fay, Nico, M0, M1, M2


def _entry(assembly, seq):
    return decode_entry(bytes(LedgerEntry.objects.get(ledger=assembly.ledger, seq=seq).body))


def _propose(cell, **kw):
    kw.setdefault("title", "Buy seeds for the spring")
    return services.do_propose(services.check_propose(cell.members["ana"], **kw), timezone.now())


def _vote(cell, who, proposal, choice, when=None):
    when = when or timezone.now()
    member = cell.members[who]
    # An objection, a block or a stand-aside says why (tests/node/test_consent_resolution.py).
    reason = "It would cost too much." if choice in ("object", "block", "stand_aside") else ""
    choice = services.check_vote(member, proposal, choice, when, reason)
    services.do_vote(member, proposal, choice, when, reason)


def test_a_closed_vote_goes_into_the_ledger_with_its_tally_and_open_ballots(cell):
    proposal = _propose(cell, method="simple_majority", voting_days=1)
    for who, choice in (("ana", "for"), ("fay", "for"), ("nico", "against"), ("m0", "abstain")):
        _vote(cell, who, proposal, choice)
    closed = services.do_close(proposal, proposal.closes_at)
    assert closed.outcome["status"] == "adopted"
    entry = _entry(cell.assembly, closed.ledger_seq)
    assert entry.kind == "decision"
    assert entry.body["outcome"]["counts"] == closed.outcome["counts"]
    assert {(b["name"], b["choice"]) for b in entry.body["ballots"]} == {
        ("Ana", "for"),
        ("Fay", "for"),
        ("Nico", "against"),
        ("M0", "abstain"),
    }
    assert closed.review_on == closed.closed_at.date() + timedelta(
        days=charter_of(cell.assembly).outcome_review_days.value
    )


def test_secret_ballots_leave_only_the_tally_in_the_ledger(cell):
    secret = charter_of(cell.assembly).amended({"ballots": "secret"}, timezone.now().date() + timedelta(days=30))
    # Updating the one column: a whole-row save would write back the stale proposal counter.
    type(cell.assembly).objects.filter(pk=cell.assembly.pk).update(charter=secret.to_json())
    cell.members["ana"].assembly.refresh_from_db()  # as the next request would see it
    proposal = _propose(cell, voting_days=1)
    _vote(cell, "ana", proposal, "consent")
    closed = services.do_close(proposal, proposal.closes_at)
    entry = _entry(cell.assembly, closed.ledger_seq)
    assert entry.body["secret"] is True
    assert "ballots" not in entry.body


def test_votes_after_close_double_votes_and_votes_by_non_members_are_refused(cell):
    proposal = _propose(cell, voting_days=1)
    _vote(cell, "ana", proposal, "consent")
    with pytest.raises(Refused) as twice:
        services.check_vote(cell.members["ana"], proposal, "consent", timezone.now())
    assert twice.value.code == "already_voted"
    assert "change your vote" in twice.value.message
    later = proposal.closes_at + timedelta(seconds=1)
    with pytest.raises(Refused) as late:
        services.check_vote(cell.members["fay"], proposal, "consent", later)
    assert late.value.code == "vote_closed"
    from confederal.node.assemblies.services import check_found_assembly, do_found_assembly
    from tests.node.cell import user

    other = do_found_assembly(
        check_found_assembly(
            user("zed"),
            name="Elsewhere",
            slug="elsewhere",
            focus="care",
            principles="p",
            public_name="Zed",
            today=timezone.now().date(),
        ),
        timezone.now(),
    )
    stranger = other.members.get()
    with pytest.raises(Refused) as outsider:
        services.check_vote(stranger, proposal, "consent", timezone.now())
    assert outsider.value.code == "members_only"
    assert proposal.ballots.count() == 1


@pytest.mark.parametrize(
    ("method", "choice", "code"),
    [
        ("consent", "yes", "bad_choice"),
        ("approval", ["9"], "unknown_option"),
        ("instant_runoff", ["1", "1"], "duplicate_rank"),
        ("score", {"1": 99, "2": 0}, "score_out_of_range"),
    ],
)
def test_an_invalid_choice_is_refused_with_its_reason(cell, method, choice, code):
    options = ["Beans", "Peas"] if method != "consent" else []
    proposal = _propose(cell, method=method, options=options)
    with pytest.raises(Refused) as err:
        services.check_vote(cell.members["ana"], proposal, choice, timezone.now())
    assert err.value.code == code
    assert not proposal.ballots.exists()


def test_a_vote_can_be_changed_until_it_closes_and_an_objection_withdrawn(cell):
    proposal = _propose(cell, voting_days=1)
    _vote(cell, "nico", proposal, "object")
    member = cell.members["nico"]
    services.do_change_vote(
        member, proposal, services.check_change_vote(member, proposal, "consent", timezone.now()), timezone.now()
    )
    _vote(cell, "ana", proposal, "consent")
    _vote(cell, "fay", proposal, "consent")
    closed = services.do_close(proposal, proposal.closes_at)
    assert closed.outcome["status"] == "adopted"


def test_a_single_objection_blocks_consent(cell):
    proposal = _propose(cell, voting_days=1)
    for who in ("ana", "fay", "m0"):
        _vote(cell, who, proposal, "consent")
    _vote(cell, "nico", proposal, "object")
    assert services.do_close(proposal, proposal.closes_at).outcome["status"] == "blocked"


def test_the_vote_closes_as_soon_as_every_member_has_voted(cell):
    proposal = _propose(cell, voting_days=7)
    for who in ("ana", "fay", "nico", "m0", "m1", "m2"):
        _vote(cell, who, proposal, "consent")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CLOSED
    assert proposal.closed_at < proposal.closes_at


def test_the_tick_closes_due_votes_and_nothing_else(cell):
    due = _propose(cell, voting_days=1)
    later = _propose(cell, voting_days=5, title="Paint the shed")
    result = tick(due.closes_at + timedelta(minutes=1))
    assert result["closed"] == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (Proposal.Status.CLOSED, Proposal.Status.OPEN)
    assert due.outcome["status"] == "no_votes"


def test_an_adopted_amendment_changes_the_charter_and_records_the_new_version(cell):
    draft = services.check_amendment(
        cell.members["ana"], {"max_size": 9, "voting_days": 3}, None, "Smaller is better.", timezone.now()
    )
    proposal = services.do_propose(draft, timezone.now())
    for who in ("ana", "fay", "nico", "m0"):
        _vote(cell, who, proposal, "consent")
    closed = services.do_close(proposal, proposal.closes_at)
    cell.assembly.refresh_from_db()
    charter = charter_of(cell.assembly)
    assert (charter.max_size.value, charter.voting_days.value, charter.version) == (9, 3, 2)
    new_version = _entry(cell.assembly, closed.ledger_seq + 1)
    assert new_version.kind == "assembly.charter"
    assert new_version.body["charter"]["rules"]["max_size"]["value"] == 9


@pytest.mark.parametrize(
    ("changes", "code"), [({"max_size": 2}, "bad_value"), ({"colour": "red"}, "unknown_rule"), ({}, "no_change")]
)
def test_an_invalid_amendment_is_refused_before_it_reaches_a_vote(cell, changes, code):
    with pytest.raises(Refused) as err:
        services.check_amendment(cell.members["ana"], changes, None, "", timezone.now())
    assert err.value.code == code


def test_an_election_seats_the_winner_with_a_term(cell):
    RoleTerm.objects.filter(role="facilitator").delete()
    draft = services.check_election(cell.members["ana"], "facilitator", timezone.now().date())
    proposal = services.do_propose(draft, timezone.now())
    nico = str(cell.members["nico"].pk)
    for who in ("ana", "fay", "nico", "m0"):
        _vote(cell, who, proposal, [nico])
    services.do_close(proposal, proposal.closes_at)
    term = RoleTerm.objects.get(role="facilitator")
    assert (term.member, term.method) == (cell.members["nico"], "election")


def test_a_decision_comes_back_for_review_and_can_be_kept(cell):
    proposal = _propose(cell, voting_days=1)
    for who in ("ana", "fay", "nico", "m0"):
        _vote(cell, who, proposal, "consent")
    closed = services.do_close(proposal, proposal.closes_at)
    on_review_day = timezone.now().replace() + (closed.review_on - timezone.now().date())
    assert selectors.due_for_review(cell.assembly, closed.review_on) == [closed]
    assert selectors.due_for_review(cell.assembly, closed.review_on - timedelta(days=1)) == []
    next_review = services.do_keep_outcome(cell.members["fay"], closed, on_review_day)
    assert next_review > closed.review_on
    assert selectors.due_for_review(cell.assembly, closed.review_on) == []


def test_only_the_author_withdraws_and_a_withdrawn_proposal_takes_no_votes(cell):
    proposal = _propose(cell)
    with pytest.raises(Refused) as err:
        services.do_withdraw(cell.members["fay"], proposal, timezone.now())
    assert err.value.code == "author_only"
    services.do_withdraw(cell.members["ana"], proposal, timezone.now())
    proposal.refresh_from_db()
    with pytest.raises(Refused) as closed:
        services.check_vote(cell.members["fay"], proposal, "consent", timezone.now())
    assert closed.value.code == "withdrawn"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"title": "x"}, "bad_title"),
        ({"method": "dictator"}, "bad_method"),
        ({"method": "approval", "options": ["Only one"]}, "bad_options"),
        ({"method": "approval", "options": ["Same", "Same"]}, "bad_options"),
        ({"voting_days": 0}, "bad_window"),
        ({"text": "x" * 20_001}, "text_too_long"),
    ],
)
def test_a_malformed_proposal_is_refused(cell, kw, code):
    with pytest.raises(Refused) as err:
        services.check_propose(cell.members["ana"], **{"title": "A good title", **kw})
    assert err.value.code == code


def test_long_proposal_text_goes_into_a_blob_referenced_by_digest(cell):
    import hashlib

    from confederal.node.ledgers.models import Blob

    text = "Background. " * 800
    proposal = _propose(cell, text=text, voting_days=1)
    closed = services.do_close(proposal, proposal.closes_at)
    entry = _entry(cell.assembly, closed.ledger_seq)
    digest = "sha256:" + hashlib.sha256(text.strip().encode()).hexdigest()
    assert entry.body["text_digest"] == digest
    assert bytes(Blob.objects.get(digest=digest).data) == text.strip().encode()


def _split_payload(cell, leave_count=3, slug="oak-east"):
    members = list(cell.assembly.members.filter(left_at__isnull=True).order_by("pk"))
    stay, leave = members[:-leave_count], members[-leave_count:]
    return split_cells(cell.assembly, [m.pk for m in stay], [m.pk for m in leave], "Oak East", slug)


def _everyone_but_one_consents(cell, *proposals):
    # Five of six: the vote stays open until its window ends, so the close is the tick's.
    for proposal in proposals:
        for who in ("ana", "fay", "nico", "m0", "m1"):
            _vote(cell, who, proposal, "consent")


def test_a_split_whose_address_was_taken_meanwhile_is_recorded_as_not_carried_out_and_others_still_close(cell):
    split = _propose(cell, title="Split in two", kind="split", payload=_split_payload(cell))
    other = _propose(cell, title="Buy a wheelbarrow")
    _everyone_but_one_consents(cell, split, other)
    zoe = user("zoe")
    found = check_found_assembly(
        zoe, name="Oak East", slug="oak-east", focus="food", principles="Ours.", public_name="Zoe", today=date.today()
    )
    do_found_assembly(found, timezone.now())

    closed = {p.number: p for p in services.do_close_due(other.closes_at)}

    assert {split.number, other.number} <= set(closed)
    assert closed[other.number].outcome["status"] == closed[split.number].outcome["status"] == "adopted"
    effects = _entry(cell.assembly, closed[split.number].ledger_seq).body["effects"]
    assert effects["split"] == "not carried out: the name 'oak-east' has been taken since it was proposed"
    assert cell.assembly.members.filter(left_at__isnull=True).count() == 6
    assert list(Assembly.objects.get(slug="oak-east").members.values_list("public_name", flat=True)) == ["Zoe"]


def test_a_split_that_would_leave_a_cell_of_one_is_not_carried_out(cell):
    split = _propose(cell, title="Split in two", kind="split", payload=_split_payload(cell, leave_count=2))
    _everyone_but_one_consents(cell, split)
    leaving = cell.assembly.members.filter(left_at__isnull=True).order_by("pk").last()
    assembly_services.do_leave(leaving, timezone.now())

    closed = services.do_close(split, split.closes_at)

    assert "at least two members" in _entry(cell.assembly, closed.ledger_seq).body["effects"]["split"]
    assert not Assembly.objects.filter(slug="oak-east").exists()


def test_a_second_election_to_a_role_with_one_open_is_refused(cell):
    RoleTerm.objects.filter(role="facilitator").delete()
    services.do_propose(services.check_election(cell.members["ana"], "facilitator", date.today()), timezone.now())
    with pytest.raises(Refused) as err:
        services.check_election(cell.members["fay"], "facilitator", date.today())
    assert (err.value.code, err.value.status) == ("election_open", 409)


def test_an_election_whose_role_was_filled_meanwhile_seats_nobody_and_says_why(cell):
    RoleTerm.objects.filter(role="facilitator").delete()
    proposal = services.do_propose(
        services.check_election(cell.members["ana"], "facilitator", date.today()), timezone.now()
    )
    for who in ("ana", "fay", "nico", "m0"):
        _vote(cell, who, proposal, [str(cell.members["nico"].pk)])
    today = timezone.now().date()
    RoleTerm.objects.create(
        assembly=cell.assembly,
        role="facilitator",
        member=cell.members["m1"],
        start=today,
        end=today + timedelta(days=30),
        method="rota",
        created_at=timezone.now(),
    )

    closed = services.do_close(proposal, proposal.closes_at)

    effects = _entry(cell.assembly, closed.ledger_seq).body["effects"]
    assert effects == {"role": "facilitator", "seated": None, "why": "someone already holds the role"}
    assert list(RoleTerm.objects.filter(role="facilitator").values_list("member__public_name", flat=True)) == ["M1"]


def test_a_page_still_shows_an_assembly_when_a_due_proposal_cannot_close(cell, client, monkeypatch):
    def broken(proposal, now, early=False):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "do_close", broken)
    Proposal.objects.filter(pk=cell.proposal.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert client.get("/assemblies/oak-street/").status_code == 200
    assert client.get(f"/assemblies/oak-street/proposals/{cell.proposal.number}/").status_code == 200
    assert Proposal.objects.get(pk=cell.proposal.pk).status == Proposal.Status.OPEN


def test_the_proposal_page_and_api_say_what_adoption_would_do(cell, client):
    split = _propose(cell, title="Split in two", kind="split", payload=_split_payload(cell))
    page = client.get(f"/assemblies/oak-street/proposals/{split.number}/").content.decode()
    assert 'id="effect"' in page
    assert "<strong>Oak East</strong>" in page
    assert "Fay, Nico" in page  # Ana, Fay and Nico stay
    api = client.get(f"/api/assemblies/oak-street/proposals/{split.number}").json()
    assert (api["payload"]["slug"], sorted(api["payload"]["leave_names"])) == ("oak-east", ["M0", "M1", "M2"])


def test_the_open_vote_status_line_counts_ballots_and_asks_for_a_reload_once_closed(cell, client):
    url = f"/assemblies/oak-street/proposals/{cell.proposal.number}/status"
    _vote(cell, "fay", cell.proposal, "consent")
    line = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="vote-status"' in line
    assert "1 of 6 members have voted" in line
    services.do_close(cell.proposal, cell.proposal.closes_at)
    closed = client.get(url, headers={"HX-Request": "true"})
    assert (closed.status_code, closed["HX-Refresh"]) == (200, "true")
    plain = client.get(url)
    assert (plain.status_code, plain["Location"]) == (303, f"/assemblies/oak-street/proposals/{cell.proposal.number}/")
