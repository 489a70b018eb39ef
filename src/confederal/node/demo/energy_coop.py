"""The Hillside Energy Co-op: solar on a school roof, decided by consensus in secret; a treasurer draw left open."""

from __future__ import annotations

from datetime import datetime, timedelta

from confederal.records import MetricNote

from ..ledgers.services import Record, do_append
from ..roles.services import do_announce_lottery
from . import _story as st
from .mutual_aid import BOOKS

__all__ = ["PEOPLE", "tell"]

#: Everyone in this story: each has a demo account, named by `_story.username_of`.
PEOPLE = (
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
)


def tell(now: datetime) -> None:
    s = st.Story()
    people = list(PEOPLE)

    @s.at(0)
    def founding(t: datetime) -> None:
        # The treasurer is left for a fair draw announced at the end of the story, which a visitor can finish.
        st.found_together(
            s,
            "Kwame",
            people,
            ("facilitator", "note-taker"),
            t,
            name="Hillside Energy Co-op",
            slug="energy-coop",
            books=BOOKS,
            time_zone="Europe/Berlin",
            focus="energy",
            method="consensus",
            ballots="secret",
            principles=(
                "The sun on our roofs belongs to all of us.\n"
                "We publish every kWh we make and every euro we spend.\n"
                "Terms are short; every coordinator steps back."
            ),
        )

    @s.at(3)
    def panels(t: datetime) -> None:
        choices = {n: "agree" for n in people[:10]} | {"Karin": "stand_aside"}
        s.saved["panels"] = st.decide(s, "Anke", "Install 40 panels on the school roof", choices, t)

    @s.at(9)
    def supplier(t: datetime) -> None:
        votes = {n: {"1": 5, "2": 3, "3": 1} for n in people[:6]} | {n: {"1": 2, "2": 5, "3": 4} for n in people[6:11]}
        st.decide(
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
        st.decide(
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
        st.decide(s, "Dmitri", "Raise the solidarity tariff to 8 cents", votes, t, method="super_majority")

    @s.at(28)
    def meeting(t: datetime) -> None:
        st.meeting(
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
        st.decide(
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

    st.replay(s, st.first_day(now, days_ago=45, hour=19))
