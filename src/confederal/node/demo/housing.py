"""The Tenants of Elm Street: fifteen households deciding by majority, at the size where a cell splits."""

from __future__ import annotations

from datetime import datetime

from . import _story as st
from .mutual_aid import BOOKS

__all__ = ["PEOPLE", "tell"]

#: Everyone in this story: each has a demo account, named by `_story.username_of`.
PEOPLE = (
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
)


def tell(now: datetime) -> None:
    s = st.Story()
    people = list(PEOPLE)

    @s.at(0)
    def founding(t: datetime) -> None:
        st.found_together(
            s,
            "Nadia",
            people,
            ("facilitator", "note-taker", "treasurer"),
            t,
            name="Tenants of Elm Street",
            slug="housing",
            books=BOOKS,
            time_zone="Europe/Dublin",
            focus="housing",
            method="simple_majority",
            principles=(
                "A home is a right, not an asset.\n"
                "We organise building by building and decide together.\n"
                "We stay small: at fifteen we split."
            ),
        )

    @s.at(4)
    def repairs(t: datetime) -> None:
        s.saved["repairs"] = st.decide(
            s,
            "Oscar",
            "Demand the landlord repair the heating before December",
            {n: "for" for n in people[:12]},
            t,
            method="simple_majority",
        )

    @s.at(12)
    def meeting(t: datetime) -> None:
        st.meeting(
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
        st.decide(
            s,
            "Samir",
            "Start a rent-strike fund of €10 a month per household",
            {n: "for" for n in people[:6]} | {n: "against" for n in people[6:12]},
            t,
            method="simple_majority",
        )

    @s.at(29)
    def talk(t: datetime) -> None:
        st.discuss(
            s,
            s.saved["repairs"],
            [
                ("Oscar", "The landlord answered: a plumber comes *next week*.", None),
                ("Paula", "Let us keep the letters; @rosa has copies of every one.", 1),
            ],
            t,
            edit="The landlord answered in writing: a plumber comes *next week*.",
        )
        st.sense_check(
            s,
            "Samir",
            "Should we hold the building meetings in the courtyard this summer?",
            "",
            {"Paula": ("for", "More neighbours would stop by."), "Oscar": ("concerns", "Noise after nine.")},
            t,
        )

    st.replay(s, st.first_day(now, days_ago=30, hour=18, minute=30))
