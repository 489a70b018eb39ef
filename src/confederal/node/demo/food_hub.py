"""The Riverside Food Hub: twelve people rescuing food, two months of decisions, roles, minutes and results."""

from __future__ import annotations

from datetime import datetime, timedelta

from confederal.records import FinanceNote, MetricNote

from ..ledgers.services import Record, do_append
from ..roles.services import do_rotate, do_rotate_chores
from . import _story as st
from .mutual_aid import BOOKS

__all__ = ["PEOPLE", "tell"]

#: Everyone in this story: each has a demo account, named by `_story.username_of`.
PEOPLE = ("Amara", "Jonas", "Lucía", "Tomasz", "Priya", "Kwame", "Sofía", "Ines", "Mateo", "Yuki", "Olu", "Hannah")


def tell(now: datetime) -> None:
    s = st.Story()
    people = list(PEOPLE)

    @s.at(0)
    def founding(t: datetime) -> None:
        st.found(
            s,
            "Amara",
            name="Riverside Food Hub",
            slug="food-hub",
            time_zone="Europe/Lisbon",
            two_factor_roles=["treasurer"],  # whoever holds the money signs in with a code too
            books=BOOKS,
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
            st.invite(s, "Amara", name, t + timedelta(minutes=10 + i))
        for i, name in enumerate(people[8:11]):
            st.ask(s, name, "Jonas", t + timedelta(hours=1, minutes=i))
        assert s.assembly is not None
        for role in ("facilitator", "note-taker", "treasurer"):
            st.fill(s.assembly, role, t + timedelta(hours=2))
        do_rotate_chores(s.assembly, t + timedelta(hours=2))

    @s.at(2)
    def kitchen(t: datetime) -> None:
        yes = {n: "consent" for n in people[:9]} | {"Mateo": "stand_aside"}
        s.saved["kitchen"] = st.decide(
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
            [Record(FinanceNote("Kitchen rent, first month", "out", st.money(320), "rent"))],
            t + timedelta(days=1),
        )

    @s.at(6)
    def freezer(t: datetime) -> None:
        choices = {n: "consent" for n in people[:7]} | {"Kwame": "object"}
        s.saved["freezer"] = st.decide(
            s, "Tomasz", "Buy a new chest freezer for €600", choices, t, text="Ours is dying."
        )

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
        s.saved["bread"] = st.decide(
            s, "Priya", "Collect surplus bread from three bakeries on Saturdays", votes, t, method="simple_majority"
        )

    @s.at(10)
    def first_meeting(t: datetime) -> None:
        st.meeting(
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
                Record(FinanceNote("Second-hand chest freezer", "out", st.money(180), "equipment")),
            ],
            t,
        )

    @s.at(18)
    def mutual_aid(t: datetime) -> None:
        st.decide(
            s,
            "Lucía",
            "Put 5% of contributions into the neighbourhood mutual-aid fund",
            {n: "consent" for n in people[:9]},
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
        st.decide(
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
                Record(FinanceNote("Kitchen rent, second month", "out", st.money(320), "rent")),
                Record(FinanceNote("Members' contributions", "in", st.money(470), "dues")),
            ],
            t,
        )

    @s.at(38)
    def time_poll(t: datetime) -> None:
        slots = ("Tue 18:30", "Wed 19:00", "Sat 10:00")
        votes = {n: {"1": "yes", "2": "maybe", "3": "no"} for n in people[:5]} | {
            n: {"1": "no", "2": "yes", "3": "yes"} for n in people[5:8]
        }
        st.decide(s, "Jonas", "When should the next general meeting be?", votes, t, method="time_poll", options=slots)

    @s.at(44)
    def second_meeting(t: datetime) -> None:
        st.meeting(
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
        st.decide(
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
        st.decide(
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
        st.meeting(
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

    st.replay(s, st.first_day(now, days_ago=58, hour=18))
