"""Demo data: one food hub assembly with two months of public acts in its ledger.

Everything is written through the services, exactly as a real assembly would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from confederal.ledger import JSONObject

from .assemblies.models import Assembly
from .assemblies.services import check_found_assembly, do_found_assembly
from .ledgers.services import check_record, do_append

__all__ = ["seed_demo"]

PRINCIPLES = """We feed each other. Food that would be wasted is rescued and shared, never sold for profit.
Everyone shares the unpleasant work: cleaning, sorting and driving rotate by rota.
No one holds a role for more than two terms in a row.
Every budget line, decision and result is published in our ledger.
We grow by splitting into two cells, not by getting bigger."""


def _money(euros: int, cents: int = 0) -> JSONObject:
    return {"currency": "EUR", "minor": euros * 100 + cents}


# (day after founding, kind, body)
HISTORY: list[tuple[int, str, JSONObject]] = [
    (0, "role.assignment", {"role": "facilitator", "holder": "Amara", "method": "rota", "term_days": 30}),
    (0, "role.assignment", {"role": "note-taker", "holder": "Jonas", "method": "rota", "term_days": 30}),
    (0, "role.assignment", {"role": "treasurer", "holder": "Lucía", "method": "election", "term_days": 90}),
    (
        2,
        "decision",
        {
            "title": "Rent the community kitchen on Tuesday and Friday evenings",
            "method": "consent",
            "outcome": "adopted",
            "votes": {"consent": 9, "stand_aside": 1, "object": 0},
            "review_on": "2027-02-01",
        },
    ),
    (
        3,
        "finance.txn",
        {"title": "Kitchen rent, first month", "direction": "out", "amount": _money(320), "category": "rent"},
    ),
    (
        5,
        "finance.txn",
        {"title": "Members' contributions", "direction": "in", "amount": _money(450), "category": "dues"},
    ),
    (
        9,
        "decision",
        {
            "title": "Collect surplus bread from three bakeries on Saturdays",
            "method": "simple_majority",
            "outcome": "adopted",
            "votes": {"for": 8, "against": 1, "abstain": 2},
            "review_on": "2026-12-31",
        },
    ),
    (
        12,
        "finance.txn",
        {"title": "Second-hand chest freezer", "direction": "out", "amount": _money(180), "category": "equipment"},
    ),
    (14, "metric", {"name": "meals_served", "value": 214, "unit": "meals", "period": "first two weeks"}),
    (14, "metric", {"name": "food_rescued", "value": 388, "unit": "kg", "period": "first two weeks"}),
    (
        20,
        "decision",
        {
            "title": "Join the neighbourhood mutual-aid fund with 5% of contributions",
            "method": "consensus",
            "outcome": "adopted",
            "votes": {"agree": 10, "stand_aside": 1, "block": 0},
            "review_on": "2027-03-01",
        },
    ),
    (
        21,
        "finance.txn",
        {
            "title": "Mutual-aid fund contribution",
            "direction": "out",
            "amount": _money(22, 50),
            "category": "mutual_aid",
        },
    ),
    (30, "role.assignment", {"role": "facilitator", "holder": "Tomasz", "method": "rota", "term_days": 30}),
    (30, "role.assignment", {"role": "note-taker", "holder": "Amara", "method": "rota", "term_days": 30}),
    (
        33,
        "finance.txn",
        {"title": "Kitchen rent, second month", "direction": "out", "amount": _money(320), "category": "rent"},
    ),
    (
        35,
        "finance.txn",
        {"title": "Members' contributions", "direction": "in", "amount": _money(470), "category": "dues"},
    ),
    (
        41,
        "decision",
        {
            "title": "Buy a cargo bike instead of renting a van",
            "method": "consent",
            "outcome": "not adopted",
            "votes": {"consent": 6, "stand_aside": 2, "object": 1},
            "note": "One objection about storage space; the proposal returns when a shed is found.",
        },
    ),
    (44, "metric", {"name": "meals_served", "value": 531, "unit": "meals", "period": "weeks three to six"}),
    (44, "metric", {"name": "food_rescued", "value": 902, "unit": "kg", "period": "weeks three to six"}),
    (
        50,
        "finance.txn",
        {"title": "Cleaning supplies", "direction": "out", "amount": _money(37, 80), "category": "supplies"},
    ),
    (56, "metric", {"name": "roles_rotated", "value": 4, "unit": "roles", "period": "first two months"}),
]


def seed_demo(now: datetime | None = None) -> bool:
    """Create the demo assembly and its history, unless the node already has assemblies.

    Returns whether anything was created.
    """
    if Assembly.objects.exists():
        return False
    now = now or timezone.now()
    founded = (now - timedelta(days=60)).replace(hour=18, minute=30, second=0, microsecond=0)
    request = check_found_assembly("Riverside Food Hub", "food-hub", Assembly.Focus.FOOD, PRINCIPLES)
    assembly = do_found_assembly(request, founded)
    for i, (day, kind, body) in enumerate(HISTORY):
        do_append(assembly.ledger, [check_record(kind, body)], founded + timedelta(days=day, minutes=i))
    return True
