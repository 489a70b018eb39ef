"""Demo data: three assemblies — a food hub, an energy co-op and a housing group — with their histories.

Everything is written through the services at simulated past times, exactly as
real assemblies would write it, so every ledger verifies. Demo members sign in
with their first name in lower case and the password ``DEMO_PASSWORD``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User

from confederal.records import Amount, FinanceNote, MetricNote
from confederal.roles import Rotation

from . import clock
from .assemblies.models import Assembly, Member
from .assemblies.services import (
    charter_of,
    check_found_assembly,
    do_accept_invitation,
    do_create_invitation,
    do_decide_join_request,
    do_found_assembly,
    do_request_to_join,
)
from .decisions.models import Proposal
from .decisions.services import check_propose, do_close, do_propose, do_vote
from .ledgers.services import Record, do_append
from .meetings.services import (
    check_schedule,
    do_link_decision,
    do_publish_minutes,
    do_schedule,
    do_set_attendance,
    do_update_notes,
)
from .roles.services import do_add_randomness, do_announce_lottery, do_draw_lottery, do_rotate, do_rotate_chores

__all__ = ["DEMO_PASSWORD", "demo_accounts", "seed_demo"]

# Shown on the demo's sign-in page: these accounts exist only in demo data.
DEMO_PASSWORD = "confederal-demo"  # noqa: S105


def _money(euros: int, cents: int = 0) -> Amount:
    return Amount(euros * 100 + cents, "EUR")


@dataclass
class _Story:
    """One assembly's history as a list of dated steps, replayed in order."""

    assembly: Assembly | None = None
    members: dict[str, Member] = field(default_factory=dict)
    steps: list[tuple[float, Callable[[datetime], None]]] = field(default_factory=list)
    saved: dict[str, Proposal] = field(default_factory=dict)

    def at(self, day: float) -> Callable[[Callable[[datetime], None]], None]:
        def add(step: Callable[[datetime], None]) -> None:
            self.steps.append((day, step))

        return add


def _user(name: str) -> User:
    username = name.lower().replace("í", "i").replace("é", "e").replace("ñ", "n").replace("á", "a")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
    return user


def demo_accounts() -> list[str]:
    return sorted(User.objects.exclude(username__startswith="_").values_list("username", flat=True))


def _found(
    story: _Story, founder: str, *, name: str, slug: str, focus: str, principles: str, now: datetime, **changes: Any
) -> None:
    request = check_found_assembly(
        _user(founder),
        name=name,
        slug=slug,
        focus=focus,
        principles=principles,
        public_name=founder,
        today=now.date(),
        changes=changes,
    )
    story.assembly = do_found_assembly(request, now)
    story.members[founder] = story.assembly.members.get()


def _fill(assembly: Assembly, role: str, now: datetime) -> None:
    """Fill a role as its charter says: by rota at once, or by a fair lottery announced, then drawn."""
    if charter_of(assembly).roles[role].value.rotation is not Rotation.LOTTERY:
        do_rotate(assembly, role, now)
        return
    lottery = do_announce_lottery(assembly, role, now)
    first = assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk").first()
    assert first is not None
    # A fixed contribution keeps the demo the same on every machine; a real member's is fresh randomness.
    do_add_randomness(lottery, first, now + timedelta(minutes=1), hashlib.sha256(assembly.slug.encode()).hexdigest())
    do_draw_lottery(lottery, now + timedelta(minutes=2))


def _invite(story: _Story, by: str, name: str, now: datetime) -> None:
    assert story.assembly is not None
    invitation = do_create_invitation(story.members[by], now)
    story.members[name] = do_accept_invitation(_user(name), invitation, name, now)


def _ask(story: _Story, name: str, approver: str, now: datetime) -> None:
    assert story.assembly is not None
    request = do_request_to_join(_user(name), story.assembly, name, "I'd like to help.", now)
    member = do_decide_join_request(story.members[approver], request, True, now)
    assert member is not None
    story.members[name] = member


def _vote(story: _Story, proposal: Proposal, choices: dict[str, Any], now: datetime) -> None:
    for name, choice in choices.items():
        do_vote(story.members[name], proposal, choice, now)


def _decide(
    story: _Story,
    author: str,
    title: str,
    choices: dict[str, Any],
    now: datetime,
    *,
    close: bool = True,
    text: str = "",
    method: str | None = None,
    options: tuple[str, ...] = (),
    days: int = 3,
) -> Proposal:
    proposal = do_propose(
        check_propose(story.members[author], title=title, text=text, method=method, options=options, voting_days=days),
        now,
    )
    _vote(story, proposal, choices, now + timedelta(hours=2))
    if close:
        proposal = do_close(proposal, proposal.closes_at)
    return proposal


def _meeting(
    story: _Story,
    by: str,
    title: str,
    start: datetime,
    present: list[str],
    agenda: list[str],
    notes: str,
    decisions: list[Proposal],
    publisher: str | None,
) -> None:
    member = story.members[by]
    meeting = do_schedule(
        check_schedule(
            member,
            title=title,
            starts_at=start,
            minutes=90,
            place="Community hall",
            agenda=agenda,
            now=start - timedelta(days=3),
        )
    )
    if publisher is None:
        return
    for name in present:
        do_set_attendance(meeting, story.members[name], True)
    do_update_notes(meeting, notes)
    for proposal in decisions:
        do_link_decision(meeting, proposal)
    do_publish_minutes(meeting, story.members[publisher], start + timedelta(hours=2))


def _replay(story: _Story, start: datetime) -> None:
    for day, step in sorted(story.steps, key=lambda s: s[0]):
        step(start + timedelta(days=day))


def _food_hub(now: datetime) -> None:
    s = _Story()
    people = ["Amara", "Jonas", "Lucía", "Tomasz", "Priya", "Kwame", "Sofía", "Ines", "Mateo", "Yuki", "Olu", "Hannah"]
    start = (now - timedelta(days=58)).replace(hour=18, minute=0, second=0, microsecond=0)

    @s.at(0)
    def founding(t: datetime) -> None:
        _found(
            s,
            "Amara",
            name="Riverside Food Hub",
            slug="food-hub",
            focus="food",
            now=t,
            principles=(
                "We feed each other. Food that would be wasted is rescued and shared, never sold for profit.\n"
                "Everyone shares the unpleasant work: cleaning, sorting and driving rotate by rota.\n"
                "No one holds a role for more than two terms in a row.\n"
                "Every budget line, decision and result is published in our ledger.\n"
                "We grow by splitting into two cells, not by getting bigger."
            ),
        )
        for i, name in enumerate(people[1:8]):
            _invite(s, "Amara", name, t + timedelta(minutes=10 + i))
        for i, name in enumerate(people[8:11]):
            _ask(s, name, "Jonas", t + timedelta(hours=1, minutes=i))
        assert s.assembly is not None
        for role in ("facilitator", "note-taker", "treasurer"):
            _fill(s.assembly, role, t + timedelta(hours=2))
        do_rotate_chores(s.assembly, t + timedelta(hours=2))

    @s.at(2)
    def kitchen(t: datetime) -> None:
        yes = {n: "consent" for n in people[:9]} | {"Mateo": "stand_aside"}
        s.saved["kitchen"] = _decide(
            s,
            "Amara",
            "Rent the community kitchen on Tuesday and Friday evenings",
            yes,
            t,
            text="The hall asks €320 a month.",
        )
        assert s.assembly is not None
        do_append(
            s.assembly.ledger,
            [Record(FinanceNote("Kitchen rent, first month", "out", _money(320), "rent"))],
            t + timedelta(days=1),
        )

    @s.at(6)
    def freezer(t: datetime) -> None:
        choices = {n: "consent" for n in people[:7]} | {"Kwame": "object"}
        s.saved["freezer"] = _decide(s, "Tomasz", "Buy a new chest freezer for €600", choices, t, text="Ours is dying.")

    @s.at(8)
    def bread(t: datetime) -> None:
        votes = {
            "Amara": "for",
            "Jonas": "for",
            "Lucía": "for",
            "Tomasz": "for",
            "Priya": "for",
            "Kwame": "for",
            "Sofía": "against",
            "Ines": "abstain",
        }
        s.saved["bread"] = _decide(
            s, "Priya", "Collect surplus bread from three bakeries on Saturdays", votes, t, method="simple_majority"
        )

    @s.at(10)
    def first_meeting(t: datetime) -> None:
        _meeting(
            s,
            "Amara",
            "First general meeting",
            t,
            people[:9],
            ["Welcome", "Kitchen", "Freezer", "Bread round"],
            "We agreed on the kitchen and the bread round. The freezer is blocked by Kwame's objection: too expensive; "
            "Tomasz will look for a second-hand one.",
            [s.saved["kitchen"], s.saved["freezer"], s.saved["bread"]],
            "Jonas",
        )

    @s.at(14)
    def measures(t: datetime) -> None:
        assert s.assembly is not None
        do_append(
            s.assembly.ledger,
            [
                Record(MetricNote("meals_served", 214, "meals", "first two weeks")),
                Record(MetricNote("food_rescued", 388, "kg", "first two weeks")),
                Record(FinanceNote("Second-hand chest freezer", "out", _money(180), "equipment")),
            ],
            t,
        )

    @s.at(18)
    def mutual_aid(t: datetime) -> None:
        _decide(
            s,
            "Lucía",
            "Put 5% of contributions into the neighbourhood mutual-aid fund",
            {n: "consent" for n in people[:3]},
            t,
            text="",
        )

    @s.at(24)
    def stall(t: datetime) -> None:
        votes = {
            "Amara": ["1", "3"],
            "Jonas": ["1"],
            "Lucía": ["2", "3"],
            "Tomasz": ["1", "2"],
            "Priya": ["3"],
            "Kwame": ["1"],
            "Olu": ["1", "3"],
        }
        _decide(
            s,
            "Sofía",
            "Where should the Saturday stall stand?",
            votes,
            t,
            method="approval",
            options=("Market square", "Station forecourt", "Library steps"),
        )

    @s.at(30)
    def second_terms(t: datetime) -> None:
        assert s.assembly is not None
        for role in ("facilitator", "note-taker"):
            do_rotate(s.assembly, role, t)
        do_rotate_chores(s.assembly, t)
        do_append(
            s.assembly.ledger,
            [
                Record(FinanceNote("Kitchen rent, second month", "out", _money(320), "rent")),
                Record(FinanceNote("Members' contributions", "in", _money(470), "dues")),
            ],
            t,
        )

    @s.at(38)
    def time_poll(t: datetime) -> None:
        slots = ("Tue 18:30", "Wed 19:00", "Sat 10:00")
        votes = {n: {"1": "yes", "2": "maybe", "3": "no"} for n in people[:5]} | {
            n: {"1": "no", "2": "yes", "3": "yes"} for n in people[5:8]
        }
        _decide(s, "Jonas", "When should the next general meeting be?", votes, t, method="time_poll", options=slots)

    @s.at(44)
    def second_meeting(t: datetime) -> None:
        _meeting(
            s,
            "Tomasz",
            "Second general meeting",
            t,
            people[:10],
            ["Stall", "Rota", "Mutual aid"],
            "The stall goes to the market square. Olu joins the bread round.",
            [],
            "Priya",
        )

    @s.at(50)
    def cargo_bike(t: datetime) -> None:
        _decide(
            s,
            "Olu",
            "Buy a cargo bike instead of renting a van",
            {"Olu": "consent", "Amara": "consent"},
            t,
            text="Quorum test: few took part.",
        )
        assert s.assembly is not None
        do_append(
            s.assembly.ledger,
            [
                Record(MetricNote("meals_served", 531, "meals", "weeks three to seven")),
                Record(MetricNote("food_rescued", 902, "kg", "weeks three to seven")),
            ],
            t + timedelta(days=1),
        )

    @s.at(57)
    def still_open(t: datetime) -> None:
        _decide(
            s,
            "Hannah" if "Hannah" in s.members else "Yuki",
            "Open the hub on Sunday mornings too",
            {"Yuki": "consent", "Amara": "consent"},
            t,
            close=False,
            days=5,
        )

    @s.at(58)
    def upcoming(t: datetime) -> None:
        _meeting(
            s,
            "Amara",
            "December general meeting",
            t + timedelta(days=3),
            [],
            ["Sunday opening", "Winter rota"],
            "",
            [],
            None,
        )

    _replay(s, start)


def _energy_coop(now: datetime) -> None:
    s = _Story()
    people = [
        "Kwame",
        "Anke",
        "Bruno",
        "Chiara",
        "Dmitri",
        "Efua",
        "Farid",
        "Greta",
        "Hamid",
        "Irina",
        "Jomo",
        "Karin",
        "Lars",
        "Mei",
    ]
    start = (now - timedelta(days=45)).replace(hour=19, minute=0, second=0, microsecond=0)

    @s.at(0)
    def founding(t: datetime) -> None:
        _found(
            s,
            "Kwame",
            name="Hillside Energy Co-op",
            slug="energy-coop",
            focus="energy",
            now=t,
            method="consensus",
            ballots="secret",
            principles=(
                "The sun on our roofs belongs to all of us.\n"
                "We publish every kWh we make and every euro we spend.\n"
                "Terms are short; every coordinator steps back."
            ),
        )
        for i, name in enumerate(people[1:]):
            _invite(s, "Kwame", name, t + timedelta(minutes=i + 1))
        assert s.assembly is not None
        # The treasurer is left for a fair draw announced at the end of the story, which a visitor can finish.
        for role in ("facilitator", "note-taker"):
            _fill(s.assembly, role, t + timedelta(hours=1))

    @s.at(3)
    def panels(t: datetime) -> None:
        choices = {n: "agree" for n in people[:10]} | {"Karin": "stand_aside"}
        s.saved["panels"] = _decide(s, "Anke", "Install 40 panels on the school roof", choices, t)

    @s.at(9)
    def supplier(t: datetime) -> None:
        votes = {n: {"1": 5, "2": 3, "3": 1} for n in people[:6]} | {n: {"1": 2, "2": 5, "3": 4} for n in people[6:11]}
        _decide(
            s,
            "Bruno",
            "Choose the installer",
            votes,
            t,
            method="score",
            options=("SolarCoop Nord", "Local electricians' guild", "BigSun Ltd"),
        )

    @s.at(15)
    def battery(t: datetime) -> None:
        ranked = (
            {n: ["1", "2", "3"] for n in people[:5]}
            | {n: ["2", "3", "1"] for n in people[5:9]}
            | {n: ["3", "2", "1"] for n in people[9:12]}
        )
        _decide(
            s,
            "Chiara",
            "What should the surplus pay for first?",
            ranked,
            t,
            method="schulze",
            options=("A neighbourhood battery", "Insulating the school", "Lower bills for members in hardship"),
        )

    @s.at(21)
    def tariff(t: datetime) -> None:
        votes = {n: "for" for n in people[:8]} | {n: "against" for n in people[8:12]}
        _decide(s, "Dmitri", "Raise the solidarity tariff to 8 cents", votes, t, method="super_majority")

    @s.at(28)
    def meeting(t: datetime) -> None:
        _meeting(
            s,
            "Kwame",
            "Installation review",
            t,
            people[:11],
            ["Panels", "Installer", "Surplus"],
            "The panels are up. First month: 4,120 kWh.",
            [s.saved["panels"]],
            "Anke",
        )
        assert s.assembly is not None
        do_append(
            s.assembly.ledger,
            [Record(MetricNote("energy_produced", 4120, "kWh", "first month"))],
            t + timedelta(hours=3),
        )

    @s.at(44)
    def open_vote(t: datetime) -> None:
        _decide(
            s,
            "Efua",
            "Offer a free energy audit to every household on the street",
            {"Efua": "agree"},
            t,
            close=False,
            days=6,
        )
        assert s.assembly is not None
        # Announced last, so the draw waits for the next public act: a member adding randomness, or the vote closing.
        do_announce_lottery(s.assembly, "treasurer", t + timedelta(minutes=5))

    _replay(s, start)


def _housing(now: datetime) -> None:
    s = _Story()
    people = [
        "Amara",
        "Nadia",
        "Oscar",
        "Paula",
        "Quentin",
        "Rosa",
        "Samir",
        "Tove",
        "Ugo",
        "Vera",
        "Wen",
        "Xavi",
        "Yara",
        "Zeno",
        "Ada",
    ]
    start = (now - timedelta(days=30)).replace(hour=18, minute=30, second=0, microsecond=0)

    @s.at(0)
    def founding(t: datetime) -> None:
        _found(
            s,
            "Nadia",
            name="Tenants of Elm Street",
            slug="housing",
            focus="housing",
            now=t,
            method="simple_majority",
            principles=(
                "A home is a right, not an asset.\n"
                "We organise building by building and decide together.\n"
                "We stay small: at fifteen we split."
            ),
        )
        for i, name in enumerate([p for p in people if p != "Nadia"]):
            _invite(s, "Nadia", name, t + timedelta(minutes=i + 1))
        assert s.assembly is not None
        for role in ("facilitator", "note-taker", "treasurer"):
            _fill(s.assembly, role, t + timedelta(hours=1))

    @s.at(4)
    def repairs(t: datetime) -> None:
        s.saved["repairs"] = _decide(
            s,
            "Oscar",
            "Demand the landlord repair the heating before December",
            {n: "for" for n in people[:12]},
            t,
            method="simple_majority",
        )

    @s.at(12)
    def meeting(t: datetime) -> None:
        _meeting(
            s,
            "Paula",
            "Building meeting",
            t,
            people[:13],
            ["Heating", "Rent strike fund"],
            "Letter sent to the landlord; a fund for the strike is proposed.",
            [s.saved["repairs"]],
            "Rosa",
        )

    @s.at(20)
    def fund(t: datetime) -> None:
        _decide(
            s,
            "Samir",
            "Start a rent-strike fund of €10 a month per household",
            {n: "for" for n in people[:6]} | {n: "against" for n in people[6:12]},
            t,
            method="simple_majority",
        )

    _replay(s, start)


DEMO_ASSEMBLIES = ("food-hub", "energy-coop", "housing")


def seed_demo(now: datetime | None = None, assemblies: tuple[str, ...] = DEMO_ASSEMBLIES) -> bool:
    """Create the demo assemblies (all three, or those named) and their histories, unless the node has assemblies.

    Returns whether anything was created.
    """
    if Assembly.objects.exists():
        return False
    now = now or clock.now()
    stories = {"food-hub": _food_hub, "energy-coop": _energy_coop, "housing": _housing}
    for slug in assemblies:
        stories[slug](now)
    return True
