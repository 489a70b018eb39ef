"""The federation's fund on one node: three assemblies with books pay dues, one asks for help, the members grant it
by their own decisions, and both sides record each share — every figure checked against the ledgers alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from confederal import books
from confederal.decisions import METHOD_OPTIONS, Method
from confederal.ledger import decode_entry
from confederal.mutual_aid import fund_account, request_ref
from confederal.node.books.services import check_transaction, do_record
from confederal.node.decisions.services import check_federation_proposal, do_propose, do_vote
from confederal.node.errors import Refused
from confederal.node.federation import selectors, services
from confederal.node.federation.models import FederationRecord
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.roles.models import RoleTerm

from .cell import found, user

EUR = books.Currency.iso("EUR")
RULES = books.BooksRules(currency=EUR, threshold=books.Amount(10_000, EUR))
CHARTER = {
    "name": "River Valley",
    "principles": ["Decisions are made by those they affect."],
    "transparency": "Every budget and decision is public.",
    "recall": "A home assembly may recall its delegate at any moment.",
    "max_council_days": 30,
    "mutual_aid": "Each assembly gives 5% of its income to the mutual-aid fund each month.",
    "sunset": "Every council dissolves at its end.",
    "aid": {"period": "month", "share": 500, "grants": "majority"},
}


def decide(member, draft, now):
    proposal = do_propose(draft, now)
    do_vote(member, proposal, (METHOD_OPTIONS[Method(proposal.method)] or ("for",))[0], proposal.opens_at)
    proposal.refresh_from_db()
    assert proposal.status == "closed", proposal.outcome
    return proposal


@pytest.fixture
def fed(db):
    now = timezone.now()
    keepers = {}
    for name, slug, person in (
        ("Food hub", "food-hub", "Amara"),
        ("Energy co-op", "energy-coop", "Jonas"),
        ("Housing group", "housing", "Lucía"),
    ):
        assembly = found(user(slug), name, slug, person, now, books=RULES.to_json())
        member = assembly.members.get()
        RoleTerm.objects.create(assembly=assembly, role="treasurer", member=member, start=now.date(),
                                end=now.date() + timedelta(days=30), method="rota", created_at=now)  # fmt: skip
        keepers[slug] = member
    decide(keepers["food-hub"], check_federation_proposal(keepers["food-hub"], {"action": "found", "charter": CHARTER},
                                                          "", now), now)  # fmt: skip
    federation = FederationRecord.objects.get(kind="federation.charter").leaf_hash
    for slug in ("energy-coop", "housing"):
        join = {"action": "join", "federation": federation}
        decide(keepers[slug], check_federation_proposal(keepers[slug], join, "", now), now)
    for member, income in zip(keepers.values(), ("1000", "400", "100"), strict=True):
        draft = check_transaction(member, day=now.date(), direction="in", amount=income, description="Donations",
                                  account="Bank", category="Donations", now=now)  # fmt: skip
        do_record(draft, now)
    return federation, keepers


def fund(federation):
    return selectors.fund(selectors.federation(federation), timezone.now().date())


def ledger_kinds(assembly):
    return [
        decode_entry(bytes(b)).kind
        for b in LedgerEntry.objects.filter(ledger=assembly.ledger).values_list("body", flat=True)
    ]


def test_dues_grant_and_transfers_across_three_assemblies(fed):
    federation, keepers = fed
    now = timezone.now()
    state = fund(federation)
    owed = {h.origin: (h.owed, h.paid) for h in state.holders}
    origins = [m.assembly.ledger.origin for m in keepers.values()]
    assert owed == dict(zip(origins, [(5_000, 0), (2_000, 0), (500, 0)], strict=True))
    for member in keepers.values():
        do_record(services.check_dues(member, federation, day=now.date(), now=now), now)  # what the fold says is owed
    state = fund(federation)
    assert all(h.owed == h.paid == h.held for h in state.holders)
    assert state.totals() == [books.Amount(7_500, EUR)]

    housing = keepers["housing"]
    ask = services.check_ask(housing, federation, offer=False, purpose="Legal fees for the blockade",
                             by=now.date() + timedelta(days=10), amount="30.01", now=now)  # fmt: skip
    ref = request_ref(housing.assembly.ledger.origin, services.do_ask(ask, now))
    with pytest.raises(Refused) as refused:
        services.check_give(keepers["food-hub"], federation, ref, day=now.date(), now=now)
    assert refused.value.code == "not_granted"
    for slug in ("food-hub", "energy-coop"):
        decide(keepers[slug], services.check_grant_vote(keepers[slug], federation, ref, "for", "", now), now)
    request = fund(federation).request(ref)
    assert request.granted
    assert sum(request.shares.values()) == 3_001
    assert request.shares == {keepers["food-hub"].assembly.ledger.origin: 2_144,
                              keepers["energy-coop"].assembly.ledger.origin: 857}  # fmt: skip

    for slug in ("food-hub", "energy-coop"):
        do_record(services.check_give(keepers[slug], federation, ref, day=now.date(), now=now), now)
        giver = keepers[slug].assembly.ledger.origin
        do_record(services.check_receive(housing, federation, ref, giver, day=now.date(), now=now), now)
    state = fund(federation)
    request = state.request(ref)
    assert request.paid_in_full
    assert not state.mismatches
    assert state.holder(housing.assembly.ledger.origin).received == 3_001
    assert state.totals() == [books.Amount(7_500 - 3_001, EUR)]
    # The books hold it too: the giver's fund holding and the receiver's bank moved by the same sums.
    food = keepers["food-hub"].assembly
    assert food.book_accounts.get(name=fund_account("River Valley")).balance == 5_000 - 2_144
    assert ledger_kinds(housing.assembly).count("aid.request") == 1
    with pytest.raises(Refused) as refused:
        services.check_give(keepers["food-hub"], federation, ref, day=now.date(), now=now)
    assert refused.value.code == "share_paid"


def test_bad_asks_are_refused_and_change_nothing(fed):
    federation, keepers = fed
    now = timezone.now()
    housing = keepers["housing"]
    before = LedgerEntry.objects.count()
    cases = [
        ({"amount": "-3"}, "bad_amount"),
        ({"amount": "3.001"}, "too_precise"),
        ({"amount": "1e3"}, "bad_decimal"),
        ({"amount": ""}, "bad_quantity"),
        ({"amount": "", "goods": "seed packets", "quantity": 40, "unit": ""}, "bad_unit"),
        ({"amount": "5", "goods": "seed packets"}, "money_or_goods"),
        ({"amount": "5", "by": now.date() - timedelta(days=1)}, "in_the_past"),
    ]
    for fields, code in cases:
        values = {"purpose": "Legal fees", "by": now.date() + timedelta(days=3)} | fields
        with pytest.raises(Refused) as refused:
            services.check_ask(housing, federation, offer=False, now=now, **values)
        assert refused.value.code == code, fields
    with pytest.raises(Refused) as refused:
        services.check_ask(housing, "0" * 64, offer=True, purpose="Seedlings", by=now.date(), amount="5", now=now)
    assert refused.value.code == "unknown_federation"
    with pytest.raises(Refused) as refused:
        services.check_grant_vote(housing, federation, "nowhere#9", "for", "", now)
    assert refused.value.code == "unknown_request"
    assert LedgerEntry.objects.count() == before


def test_an_offer_of_goods_is_recorded_in_its_own_units(fed):
    federation, keepers = fed
    now = timezone.now()
    draft = services.check_ask(keepers["food-hub"], federation, offer=True, purpose="Surplus seedlings",
                               by=now.date() + timedelta(days=30), goods="tomato seedlings", quantity=40, unit="trays",
                               now=now)  # fmt: skip
    assert services.do_ask(draft, now) == 1
    ((origin, offer),) = fund(federation).offers
    assert (origin, offer.goods, offer.quantity, offer.unit) == (
        keepers["food-hub"].assembly.ledger.origin, "tomato seedlings", 40, "trays")  # fmt: skip


def test_the_fund_page_shows_the_fold_and_its_forms_act_or_say_why_not(fed, client):
    federation, keepers = fed
    housing = keepers["housing"]
    client.force_login(housing.user)
    page = client.get(f"/federations/{federation}/")
    assert f"/federations/{federation}/fund/" in page.content.decode()
    url = f"/federations/{federation}/fund/act"
    before = LedgerEntry.objects.count()
    refused = client.post(url, {"assembly": "housing", "what": "dues", "amount": "-2"}, follow=True)
    assert refused.status_code == 200
    assert "more than zero" in refused.content.decode()
    assert LedgerEntry.objects.count() == before
    asked = {"assembly": "housing", "what": "request", "purpose": "Legal fees for the blockade", "amount": "12.00",
             "by": (timezone.now().date() + timedelta(days=5)).isoformat()}  # fmt: skip
    assert client.post(url, asked).status_code == 303
    assert client.post(url, {"assembly": "housing", "what": "dues"}).status_code == 303
    text = client.get(f"/federations/{federation}/fund/").content.decode()
    assert "Legal fees for the blockade" in text
    assert "12.00 EUR by" in text
    assert "Held for the federation" in text
    assert "5.00 EUR" in text
    assert "5 % of the income" in text
    assert "{" not in text.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_api_twins_answer_the_same_fund_and_refuse_bad_input(fed, client):
    federation, keepers = fed
    client.force_login(keepers["food-hub"].user)
    base = f"/api/federations/{federation}/fund"
    dues = client.post(f"{base}/dues", {"assembly": "food-hub"}, content_type="application/json")
    assert dues.status_code == 201, dues.content
    asked = client.post(
        f"{base}/asks",
        {"assembly": "food-hub", "kind": "offer", "purpose": "Tool loans", "by": "2099-01-01", "goods": "spades",
         "quantity": 4, "unit": "loans"},
        content_type="application/json",
    )  # fmt: skip
    assert asked.status_code == 201, asked.content
    refused = client.post(f"{base}/dues", {"assembly": "food-hub", "amount": "0"}, content_type="application/json")
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "bad_amount"
    not_granted = client.post(
        f"{base}/payments", {"assembly": "food-hub", "request": "x#1", "side": "give"}, content_type="application/json"
    )
    assert not_granted.status_code == 404
    got = client.get(base).json()
    assert got == selectors.fund_json(selectors.federation(federation), fund(federation))
    food = next(a for a in got["assemblies"] if a["title"] == "Food hub")
    assert food["paid"]["minor"] == food["owed"]["minor"] == 5_000
    assert [o["goods"] for o in got["offers"]] == ["spades"]
