"""One example body of every record kind, and small records for tests that only need entries in a ledger."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from fractions import Fraction

from confederal import books, mutual_aid
from confederal.charter import default_charter
from confederal.decisions import Method, Outcome, Rules, Status
from confederal.federation import AidRule, CouncilCharter, FederationCharter, Mandate, Question
from confederal.ledger import JSONObject
from confederal.records import (
    Amount,
    AssemblySplit,
    CharterAdopted,
    ChoreAssignment,
    CouncilConvened,
    CouncilJoined,
    CouncilLeft,
    CouncilSunset,
    Decision,
    DecisionReviewed,
    DelegateAct,
    DrawAnnounced,
    DrawContribution,
    DrawResult,
    FederationFounded,
    FederationJoined,
    FederationLeft,
    FinanceNote,
    MandateGranted,
    MandateRecalled,
    MeetingMinutes,
    MemberJoined,
    MemberLeft,
    MetricNote,
    ProposalAmended,
    PublishedBallot,
    RecordBody,
    RoleAssignment,
    StatedReason,
)
from confederal.sortition import Person

T0 = datetime(2026, 11, 2, 19, 30, tzinfo=UTC)
FED, COUNCIL = "f" * 64, "c" * 64


def decision(number: int = 1, title: str = "Rent the community kitchen", payload: JSONObject | None = None) -> Decision:
    """An adopted consent decision with open ballots (``payload`` may carry anything a test needs)."""
    outcome = Outcome(
        Method.CONSENT, Status.ADOPTED, (), 3, 3, 2, {"consent": 2, "object": 0, "stand_aside": 1}, "Adopted."
    )
    return Decision(
        number=number,
        proposal_kind="decision",
        title=title,
        proposed_by="Amara",
        method=Method.CONSENT,
        options=(("consent", "Consent"), ("object", "Object"), ("stand_aside", "Stand aside")),
        rules=Rules(Method.CONSENT, Fraction(1, 2)),
        opened=T0,
        closed=T0.replace(day=5),
        outcome=outcome,
        secret=False,
        review_on=date(2027, 5, 5),
        text="The hall asks €320 a month.",
        ballots=(PublishedBallot(1, "Amara", "consent"), PublishedBallot(2, "Jonas", "stand_aside")),
        payload=payload or {},
    )


def metric(value: int, name: str = "meals_served") -> MetricNote:
    """A small operator note: what tests use when they only need entries in a ledger."""
    return MetricNote(name, value, "meals", None)


_CHARTER = default_charter("Riverside Food Hub", "food", "We feed each other.", date(2026, 11, 2)).amended(
    {"two_factor_roles": ["treasurer"]}, date(2027, 5, 1)
)
_FEDERATION = FederationCharter(
    name="River Valley",
    principles=("Decisions are made by those they affect.",),
    transparency="Every budget is public.",
    recall="A home assembly may recall its delegate at any moment.",
    max_council_days=30,
    mutual_aid="Each assembly gives 2% of its budget to the mutual-aid pool.",
    sunset="Every council dissolves at its end.",
    aid=AidRule("quarter", share=200),
)
_COUNCIL = CouncilCharter(FED, "Stop the river pipeline", T0, T0.replace(day=20), (Question("q1", "Blockade?"),))
_MANDATE = Mandate("Carry our position.", {"q1": "for"}, ("no violence",))


def _books_examples() -> tuple[RecordBody, ...]:
    eur = books.Currency.iso("EUR")
    rent = books.Account("Rent", books.AccountKind.EXPENSE)
    pay = books.Transaction(
        date(2026, 11, 3),
        "Kitchen rent, November",
        (books.Posting("Rent", books.Amount(32000, eur)), books.Posting("Bank", books.Amount(-32000, eur))),
        budget_line="Kitchen",
        receipt="b" * 64,
    )
    budget = books.Budget(
        date(2026, 11, 1),
        date(2027, 1, 31),
        (books.BudgetLine("Kitchen", rent, "The hall on Tuesdays and Fridays", books.Amount(96000, eur)),),
    )
    return (
        books.AccountOpened(books.Account("Bank", books.AccountKind.BANK)),
        books.BudgetAdopted(4, "Winter budget", budget),
        books.TransactionRecorded(1, pay, "Lucía", approval=2, aid=books.AidLink("river-valley", "dues")),
        books.SpendRequested(2, pay, "Lucía", (books.Approval.ABOVE_THRESHOLD,)),
        books.SpendApproved(2, approver="Jonas"),
        books.SpendDeclined(3, "Jonas", "We have a kitchen already."),
    )


EXAMPLES: dict[str, RecordBody] = {
    b.kind: b
    for b in [
        CharterAdopted(_CHARTER),
        MemberJoined(1, "Amara", "founding"),
        MemberLeft(7, "Olu"),
        AssemblySplit(4, other="127.0.0.1:8000/ledgers/food-hub-2", stay=("Amara",), leave=("Jonas", "Lucía")),
        # Amended once to answer Jonas's worry, who then stood aside with his reason (published by name).
        dataclasses.replace(
            decision(),
            reasons=(StatedReason("stand_aside", "I cannot cook on Fridays, but it is safe to try.", 2, "Jonas"),),
            version=2,
        ),
        ProposalAmended(
            1,
            2,
            "Rent the community kitchen",
            "Amara",
            "Tuesdays and Fridays only, so the hall stays free for the choir.",
            T0.replace(day=6),
            text="The hall asks €320 a month for Tuesdays and Fridays.",
        ),
        DecisionReviewed(1, "Jonas", date(2027, 11, 5)),
        MeetingMinutes(
            3,
            "First general meeting",
            T0,
            T0.replace(hour=21),
            "Community hall",
            ("Amara", "Jonas"),
            ("Welcome",),
            ((1, "Rent the kitchen", "adopted"),),
            "sha256:" + "a" * 64,
            812,
            "text/markdown",
            "Jonas",
        ),
        RoleAssignment(
            "facilitator",
            "Amara",
            1,
            date(2026, 11, 2),
            date(2026, 12, 2),
            "rota",
            {"method": "rota", "eligible": ["Amara", "Jonas"], "excluded": ["Lucía"]},
        ),
        ChoreAssignment(date(2026, 11, 2), date(2026, 11, 9), (("set-up", "Jonas"), ("clean-up", None))),
        DrawAnnounced(
            "treasurer-1",
            "treasurer",
            1,
            "leximin",
            (),
            (),
            (Person("Amara", {}, 0), Person("Jonas", {}, 1)),
            12,
            ("Lucía",),
        ),
        DrawContribution("treasurer-1", "Amara", "b" * 64),
        DrawResult("treasurer-1", "d" * 64, 12, "e" * 64, "0" * 64, {"panels": []}, 0, ("Jonas",)),
        FederationFounded(_FEDERATION, 3),
        FederationJoined(FED, 4),
        FederationLeft(FED, 9),
        CouncilConvened(_COUNCIL, 5),
        CouncilJoined(COUNCIL, 6),
        CouncilLeft(COUNCIL, 10),
        MandateGranted(COUNCIL, "Amara", _MANDATE, 7),
        MandateRecalled(COUNCIL, 41, 8),
        DelegateAct(
            COUNCIL, 41, "vote", motion_origin="127.0.0.1:8001/ledgers/energy-coop", motion_seq=50, choice="for"
        ),
        CouncilSunset(COUNCIL, ("Amara", "Nadia"), "sha256:" + "c" * 64, "Thank you."),
        *_books_examples(),
        mutual_aid.AidRequest(
            FED,
            1,
            "Legal fees for the blockade",
            date(2026, 12, 20),
            amount=books.Amount(60000, books.Currency.iso("EUR")),
        ),
        mutual_aid.AidOffer(
            FED, 2, "Surplus seedlings", date(2027, 3, 1), goods="tomato seedlings", quantity=40, unit="trays"
        ),
        mutual_aid.AidVote(FED, "127.0.0.1:8002/ledgers/housing#1", "for", 12),
        FinanceNote("Kitchen rent", "out", Amount(32000, "EUR"), "rent"),
        metric(214),
    ]
}
