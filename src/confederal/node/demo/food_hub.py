"""The Riverside Food Hub: twelve people rescuing food, two months of decisions, roles, minutes and results."""

from __future__ import annotations

from datetime import datetime, timedelta

from confederal.books import Amount, BooksRules, Currency
from confederal.records import MetricNote

from ..books import services as books
from ..decisions.services import do_close
from ..ledgers.services import Record, do_append
from ..roles.services import do_rotate, do_rotate_chores
from . import _books as bk
from . import _story as st

__all__ = ["PEOPLE", "tell"]

EUR = Currency.iso("EUR")
#: Spending above 150 euros, or off the budget, waits for two of four named members (never the spender).
RULES = BooksRules(
    currency=EUR, threshold=Amount(15000, EUR), approvals_needed=2, approvers=("Amara", "Jonas", "Lucía", "Priya")
)

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
            books=RULES.to_json(),
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
        bk.turn_on_two_factor(bk.keeper(s, t + timedelta(hours=3)))
        bk.pay(
            s,
            t + timedelta(hours=4),
            bk.keeper(s, t + timedelta(hours=3)),
            direction="in",
            amount="1000.00",
            description="Start-up grant from the Riverside Neighbourhood Association",
            category="Donations",
        )

    def approvers(t: datetime) -> list[str]:
        """Two approvers who are not the treasurer: nobody approves their own spending."""
        treasurer = bk.keeper(s, t).public_name
        return [name for name in RULES.approvers if name != treasurer][:2]

    def contributions(t: datetime, names: list[str], euros: int) -> None:
        # Who paid stays on this node, for the member and the treasurer; the ledger has only the amounts.
        for i, name in enumerate(names):
            bk.pay(
                s,
                t + timedelta(minutes=i),
                bk.keeper(s, t),
                direction="in",
                amount=str(euros),
                description="Monthly contribution",
                category="Members' contributions",
                budget_line="Contributions",
                contributor=s.members[name],
            )

    @s.at(1)
    def budget(t: datetime) -> None:
        s.saved["budget"] = bk.adopt_budget(
            s,
            "Lucía",
            "Budget for our first three months",
            t,
            89,
            [
                ("Kitchen rent", "Rent", "expense", "The community kitchen on Tuesdays and Fridays", "960.00"),
                ("Equipment", "Equipment", "expense", "A freezer, crates and scales", "400.00"),
                ("Transport", "Transport", "expense", "Fuel for the Saturday bread round", "150.00"),
                ("Supplies", "Supplies", "expense", "Cleaning things, bags and labels", "120.00"),
                ("Contributions", "Members' contributions", "income", "What members give each month", "900.00"),
            ],
            {n: "consent" for n in people[:9]},
            text="Every line is public. Spending above 150 euros waits for two approvers.",
        )

    @s.at(2)
    def kitchen(t: datetime) -> None:
        yes = {n: "consent" for n in people[:9]} | {
            "Mateo": st.Because("stand_aside", "I cook on Fridays elsewhere; I will not use it, but go ahead.")
        }
        s.saved["kitchen"] = st.decide(
            s,
            "Amara",
            "Rent the community kitchen on Tuesday and Friday evenings",
            yes,
            t,
            text="The hall asks €320 a month.",
        )
        contributions(t + timedelta(hours=6), people[:10], 25)
        bk.pay(
            s,
            t + timedelta(hours=7),
            bk.keeper(s, t),
            direction="transfer",
            amount="150",
            description="Cash for the kitchen tin",
            account="Bank",
            category="Cash",
        )
        bk.spend(
            s,
            t + timedelta(days=1),
            bk.keeper(s, t),
            approvers(t),
            amount="320.00",
            description="Kitchen rent, first month",
            category="Rent",
            budget_line="Kitchen rent",
            receipt=bk.receipt("Riverside Community Hall", "Kitchen, Tuesdays and Fridays", "320.00", t),
        )

    @s.at(6)
    def freezer(t: datetime) -> None:
        # The consent round: Kwame objects with a reason, Tomasz amends, Kwame consents, everyone again.
        worry = (
            "€600 is most of what we have left this quarter, and then the kitchen rent would wait. "
            "A second-hand freezer keeps food as cold."
        )
        choices = {n: "consent" for n in people[:7] if n != "Kwame"} | {"Kwame": st.Because("object", worry)}
        proposal = st.decide(
            s, "Tomasz", "Buy a chest freezer", choices, t, text="Ours is dying. A new one costs €600.", close=False
        )
        amended = st.amend(
            s,
            proposal,
            "Ours is dying. Buy a second-hand chest freezer, at most €200, checked by an electrician first.",
            "Second-hand, at most €200, as Kwame asked: the rent stays safe.",
            t + timedelta(days=1),
        )
        st.change_vote(
            s,
            amended,
            "Kwame",
            st.Because("consent", "A second-hand one answers my worry."),
            t + timedelta(days=1, hours=3),
        )
        st.vote(s, amended, {n: "consent" for n in people[:7] if n != "Kwame"}, t + timedelta(days=1, hours=5))
        s.saved["freezer"] = do_close(amended, amended.closes_at)

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
            "We agreed on the kitchen and the bread round. The freezer was amended after Kwame's objection (too "
            "expensive): a second-hand one, at most €200, which Tomasz is looking for.",
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
            ],
            t,
        )
        bk.spend(
            s,
            t,
            bk.keeper(s, t),
            approvers(t),
            amount="180.00",
            description="Second-hand chest freezer",
            category="Equipment",
            budget_line="Equipment",
            receipt=bk.receipt("Kowalski Appliances", "Chest freezer, 300 l, used", "180.00", t),
        )
        bk.pay(
            s,
            t + timedelta(days=1),
            bk.keeper(s, t),
            account="Cash",
            amount="38.40",
            description="Cleaning supplies",
            category="Supplies",
            budget_line="Supplies",
            receipt=bk.receipt("Mercado Verde", "Soap, cloths, bin bags", "38.40", t),
        )
        fuel = bk.pay(
            s,
            t + timedelta(days=2),
            bk.keeper(s, t),
            account="Cash",
            amount="54.00",
            description="Fuel for the bread round",
            category="Transport",
            budget_line="Transport",
        )
        bk.reverse(fuel, bk.keeper(s, t), "The receipt says 45.00, not 54.00", t + timedelta(days=3))
        bk.pay(
            s,
            t + timedelta(days=3, minutes=5),
            bk.keeper(s, t),
            account="Cash",
            amount="45.00",
            description="Fuel for the bread round",
            category="Transport",
            budget_line="Transport",
            receipt=bk.receipt("Petrol station, Rua Nova", "Diesel, 27.3 l", "45.00", t),
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

    @s.at(20)
    def sponsor(t: datetime) -> None:
        # An objection nobody resolved before the window ended: the proposal is blocked, its reason on record.
        objection = st.Because(
            "object",
            "Their logo on our crates would advertise a chain that throws food away; it goes against our first "
            "principle.",
        )
        st.decide(
            s,
            "Tomasz",
            "Take sponsorship from the Megamart supermarket chain",
            {n: "consent" for n in people[:9] if n != "Sofía"} | {"Sofía": objection},
            t,
            text="Megamart offers €500 a year if we carry their logo on our crates.",
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
        contributions(t, people[:11], 25)
        bk.pay(
            s,
            t + timedelta(hours=1),
            bk.keeper(s, t),
            direction="in",
            amount="60",
            description="Donation from the Saturday market stall",
            category="Donations",
        )
        bk.spend(
            s,
            t + timedelta(hours=2),
            bk.keeper(s, t),
            approvers(t),
            amount="320.00",
            description="Kitchen rent, second month",
            category="Rent",
            budget_line="Kitchen rent",
            receipt=bk.receipt("Riverside Community Hall", "Kitchen, Tuesdays and Fridays", "320.00", t),
        )
        bk.pay(
            s,
            t + timedelta(days=5),
            bk.keeper(s, t),
            account="Cash",
            amount="22.50",
            description="Paper bags for the bread round",
            category="Supplies",
            budget_line="Supplies",
        )

    @s.at(38)
    def time_poll(t: datetime) -> None:
        slots = ("Tue 18:30", "Wed 19:00", "Sat 10:00")
        votes = {n: {"1": "yes", "2": "maybe", "3": "no"} for n in people[:5]} | {
            n: {"1": "no", "2": "yes", "3": "yes"} for n in people[5:8]
        }
        st.decide(s, "Jonas", "When should the next general meeting be?", votes, t, method="time_poll", options=slots)

    @s.at(40)
    def van(t: datetime) -> None:
        treasurer = bk.keeper(s, t)
        request = books.do_request_spend(
            books.check_request_spend(
                treasurer,
                now=t,
                day=t.date(),
                direction="out",
                amount="400.00",
                description="Rent a van for the summer festival",
                account="Bank",
                category="Van hire",
                category_kind="expense",
            ),
            t,
        )
        books.do_decline(
            s.members[approvers(t)[0]],
            request,
            "Not in the budget, and the cargo bike proposal comes first: let us decide that before renting.",
            t + timedelta(days=1),
        )

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
        sunday = st.decide(
            s,
            "Hannah" if "Hannah" in s.members else "Yuki",
            "Open the hub on Sunday mornings too",
            {
                "Yuki": "consent",
                "Amara": "consent",
                "Jonas": st.Because(
                    "object",
                    "Nobody has signed up to collect or drive on Sundays: we would promise food we cannot bring.",
                ),
            },
            t,
            close=False,
            days=5,
        )
        author = "Hannah" if "Hannah" in s.members else "Yuki"
        st.discuss(
            s,
            sunday,
            [
                (author, "Saturdays are full by ten. A **Sunday morning** would spread the queue.", None),
                ("Amara", "Who opens up? I can do the first two Sundays.", 1),
                ("Yuki", "I worry about the cold store: @amara, can the fridges take two days without a check?", None),
                ("Amara", "Yes, if someone reads the thermometer on Saturday night.", 3),
            ],
            t + timedelta(hours=3),
            edit="Saturdays are full by ten. A **Sunday morning** (9 to 12) would spread the queue.",
        )
        st.sense_check(
            s,
            "Amara",
            "Should we cook a shared lunch once a month?",
            "Leftover vegetables from the Saturday stall, a big pot, whoever comes.",
            {"Yuki": ("for", "Count me in for the washing up."), "Jonas": ("concerns", "Only if the kitchen is free.")},
            t + timedelta(hours=4),
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
