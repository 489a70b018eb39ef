"""Participatory budgets on a node: proposing with a pot and costs, voting within the pot, the funded result."""

from __future__ import annotations

import pytest
from django.utils import timezone

from confederal.ledger import decode_entry
from confederal.node.accounts.services import do_create_token
from confederal.node.decisions import services
from confederal.node.decisions.models import Ballot
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry

from .cell import build_cell

OPTIONS = ["Seed library", "Tool shed", "Bread oven"]
COSTS = ["120.50", "300", "450.00"]


@pytest.fixture
def cell(db):
    return build_cell(extra_members=3)  # Ana, Fay, Nico, M0, M1, M2


def _budget(cell, pot="500.00", costs=COSTS, **kw):
    draft = services.check_propose(
        cell.members["ana"],
        title="Spring budget",
        method="participatory_budget",
        options=OPTIONS,
        pot=pot,
        costs=costs,
        **kw,
    )
    return services.do_propose(draft, timezone.now())


def _vote(cell, who, proposal, choice):
    member, now = cell.members[who], timezone.now()
    services.do_vote(member, proposal, services.check_vote(member, proposal, choice, now), now)


def test_a_budget_keeps_its_pot_and_costs_in_minor_units_and_names_its_currency(cell):
    proposal = _budget(cell)
    assert proposal.rules["pot"] == 50_000
    assert proposal.rules["costs"] == {"1": 12_050, "2": 30_000, "3": 45_000}
    assert proposal.payload["currency"] == {"code": "EUR", "exponent": 2, "kind": "iso"}


@pytest.mark.parametrize(
    ("kw", "code", "words"),
    [
        ({"pot": ""}, "bad_amount", "The pot is not an amount above zero in EUR"),
        ({"pot": "0"}, "bad_amount", "The pot is not an amount above zero"),
        ({"pot": "12.345"}, "bad_amount", "write it like 120.50"),
        ({"costs": ["120.50", "-3", "450"]}, "bad_amount", "The cost of “Tool shed”"),
        ({"costs": ["120.50", "300"]}, "missing_cost", "Give every option a cost"),
        ({"pot": "400"}, "cost_over_pot", "“Bread oven” costs 450.00 EUR, more than the whole pot of 400.00 EUR"),
        ({"min_share_percent": 101}, "bad_min_share", "0 to 100 percent"),
    ],
)
def test_a_budget_with_a_bad_pot_or_cost_is_refused_in_a_sentence(cell, kw, code, words):
    with pytest.raises(Refused) as err:
        _budget(cell, **kw)
    assert err.value.code == code
    assert words in err.value.message


def test_a_pot_on_another_method_is_refused(cell):
    with pytest.raises(Refused) as err:
        services.check_propose(cell.members["ana"], title="Beans", method="approval", options=OPTIONS, pot="10")
    assert err.value.code == "not_a_budget"


def test_a_ballot_over_the_pot_is_refused_and_nothing_is_stored(cell):
    proposal = _budget(cell)
    with pytest.raises(Refused) as err:
        services.check_vote(cell.members["fay"], proposal, ["2", "3"], timezone.now())
    assert err.value.code == "over_pot"
    assert "cost 750.00 EUR in all, more than the pot of 500.00 EUR" in err.value.message
    assert not Ballot.objects.filter(proposal=proposal).exists()


def test_a_least_share_refuses_a_small_ballot_but_not_an_abstention(cell):
    proposal = _budget(cell, min_share_percent=50)
    with pytest.raises(Refused) as err:
        services.check_vote(cell.members["fay"], proposal, ["1"], timezone.now())
    assert err.value.code == "under_min_share"
    assert "at least 250.00 EUR" in err.value.message
    assert services.check_vote(cell.members["fay"], proposal, [], timezone.now()) == []


def test_closing_funds_the_most_chosen_that_fit_and_records_it(cell):
    proposal = _budget(cell)
    for who, choice in (("ana", ["1", "2"]), ("fay", ["3"]), ("nico", ["3"]), ("m0", ["1"]), ("m1", [])):
        _vote(cell, who, proposal, choice)
    closed = services.do_close(proposal, proposal.closes_at)
    # Seeds and oven have two each, the seeds cheaper: seeds (120.50), then the oven (450) does not fit in the
    # 379.50 left, then the tools (300, one) do.
    assert closed.outcome["status"] == "chosen"
    assert closed.outcome["winners"] == ["1", "2"]
    assert closed.outcome["counts"]["options"]["3"] == {
        "approvals": 2,
        "cost": 45_000,
        "result": "did_not_fit",
        "left": 37_950,
    }
    entry = decode_entry(bytes(LedgerEntry.objects.get(ledger=cell.assembly.ledger, seq=closed.ledger_seq).body))
    assert entry.body["rules"]["pot"] == 50_000
    assert entry.body["payload"]["currency"]["code"] == "EUR"
    assert entry.body["outcome"]["winners"] == ["1", "2"]


def test_the_result_page_says_what_was_funded_and_why_the_rest_was_not(cell, client):
    proposal = _budget(cell)
    for who, choice in (("ana", ["1", "2"]), ("fay", ["3"]), ("nico", ["3"]), ("m0", ["1"])):
        _vote(cell, who, proposal, choice)
    services.do_close(proposal, proposal.closes_at)
    page = client.get(f"/assemblies/oak-street/proposals/{proposal.number}/").content.decode()
    assert "Seed library, for 120.50 EUR; 2 members chose it." in page
    assert "Tool shed, for 300.00 EUR; 1 member chose it." in page
    assert "The funded options cost 420.50 EUR of the pot of 500.00 EUR; 79.50 EUR is left." in page
    assert "Bread oven, costing 450.00 EUR, did not fit: only 379.50 EUR was left when its turn came" in page
    assert "Seed library and Tool shed funded" in page


def test_the_ballot_adds_up_without_javascript_and_refuses_over_the_pot_keeping_the_ticks(cell, client):
    proposal = _budget(cell)
    client.force_login(cell.users["fay"])
    url = f"/assemblies/oak-street/proposals/{proposal.number}/"
    page = client.get(url).content.decode()
    assert "Tool shed, for 300.00 EUR" in page
    assert "at most the pot of 500.00 EUR" in page
    added = client.post(url + "vote", {"approve": ["2", "3"], "add_up": "1"}, follow=True)
    text = added.content.decode()
    assert "cost 750.00 EUR, 250.00 EUR more than the pot of 500.00 EUR" in text
    assert 'value="2" id="a-2" checked' in text
    assert 'value="1" id="a-1" checked' not in text
    refused = client.post(url + "vote", {"approve": ["2", "3"]}, follow=True).content.decode()
    assert "more than the pot of 500.00 EUR" in refused
    assert not Ballot.objects.filter(proposal=proposal).exists()
    client.post(url + "vote", {"approve": ["1", "2"]})
    assert Ballot.objects.get(proposal=proposal).choice == ["1", "2"]


def test_the_propose_form_reads_label_and_cost_per_line(cell, client):
    client.force_login(cell.users["ana"])
    answer = client.post(
        "/assemblies/oak-street/proposals/new",
        {
            "title": "Autumn budget",
            "method": "participatory_budget",
            "options": "Seed library — 120.50\nTool shed - 300\n",
            "pot": "400",
            "voting_days": "7",
        },
    )
    assert answer.status_code == 303
    proposal = cell.assembly.proposals.get(title="Autumn budget")
    assert [o["label"] for o in proposal.options] == ["Seed library", "Tool shed"]
    assert (proposal.rules["pot"], proposal.rules["costs"]) == (40_000, {"1": 12_050, "2": 30_000})
    again = client.post(
        "/assemblies/oak-street/proposals/new",
        {"title": "Winter budget", "method": "participatory_budget", "options": "Seeds\nTools — 3", "pot": "9"},
    )
    assert again.status_code == 400
    assert "Write each option with its cost after a dash" in again.content.decode()
    assert not cell.assembly.proposals.filter(title="Winter budget").exists()


def test_the_api_takes_a_pot_and_costs_and_refuses_a_ballot_over_the_pot(cell, client):
    token = {"Authorization": "Bearer " + do_create_token(cell.users["ana"], "test", timezone.now())}
    made = client.post(
        "/api/assemblies/oak-street/proposals",
        {
            "title": "Spring budget",
            "method": "participatory_budget",
            "options": OPTIONS,
            "costs": COSTS,
            "pot": "500.00",
        },
        content_type="application/json",
        headers=token,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["rules"]["pot"], body["payload"]["currency"]["code"]) == (50_000, "EUR")
    number = body["number"]
    over = client.post(
        f"/api/assemblies/oak-street/proposals/{number}/ballot",
        {"choice": ["2", "3"]},
        content_type="application/json",
        headers=token,
    )
    assert (over.status_code, over.json()["code"]) == (400, "over_pot")
    assert "750.00 EUR" in over.json()["detail"]
    bad = client.post(
        "/api/assemblies/oak-street/proposals",
        {"title": "Bad budget", "method": "participatory_budget", "options": OPTIONS, "costs": ["1e3"] * 3, "pot": "9"},
        content_type="application/json",
        headers=token,
    )
    assert bad.status_code == 422
