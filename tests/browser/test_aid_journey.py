"""Mutual aid, done by people in Chromium on one real node: three assemblies of one federation pay their dues on
the fund page, the housing group asks for help with its legal fees, each assembly votes the grant through by its own
decision, the givers record their shares, the housing group records receiving them, and the fund shows the request
granted and paid, the two sides agreeing — at 1280 and 390 px.

A federation's members may live on one node, so one node holds all three; founding the assemblies, drawing their
treasurers, their first income and the federation itself are written through the services (``SETUP``), since the
pages of those are other journeys' subject."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.nodes import CONFEDERAL, run, start_node, stop_node

from .test_every_page import problems_on
from .test_journeys import recorded

pytestmark = pytest.mark.browser

PASSWORD = "a-long-browser-password"
PURPOSE = "Legal fees for the blockade"
ASKED = "30.01"

# Each assembly's keeper (the treasurer, drawn by a fair lottery while they are its only member) and its income.
# The housing group has a second member, so its decision on the grant needs both of them.
ASSEMBLIES = [
    ("Food hub", "food-hub", "amara", "Amara", "1000.00", []),
    ("Energy co-op", "energy-coop", "jonas", "Jonas", "400.00", []),
    ("Housing group", "housing", "lucia", "Lucía", "100.00", [("nadia", "Nadia")]),
]
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

SETUP = """
import json, sys
from datetime import timedelta
from django.contrib.auth.models import User
from confederal import books
from confederal.node.assemblies.services import (
    check_found_assembly, do_accept_invitation, do_create_invitation, do_found_assembly)
from confederal.node.books.services import check_transaction, do_record
from confederal.node.clock import now
from confederal.node.federation import story
from confederal.node.federation.models import FederationRecord
from confederal.node.roles.services import do_add_randomness, do_announce_lottery, do_draw_lottery

assemblies, charter, password = json.load(sys.stdin)
eur = books.Currency.iso("EUR")
rules = books.BooksRules(currency=eur, threshold=books.Amount(10_000, eur)).to_json()
# Every act is dated in the last hour, one minute apart, so what people do next comes after it in each ledger.
clock = iter(now() - timedelta(minutes=60) + timedelta(minutes=i) for i in range(60))
found = {}
for name, slug, username, public_name, income, others in assemblies:
    user = User.objects.create_user(username, password=password)
    t = next(clock)
    checked = check_found_assembly(user, name=name, slug=slug, focus="food", principles="We look after each other.",
                                   public_name=public_name, today=t.date(), changes={"books": rules})
    assembly = do_found_assembly(checked, t)
    lottery = do_announce_lottery(assembly, "treasurer", next(clock))
    do_add_randomness(lottery, assembly.members.get(), next(clock))
    do_draw_lottery(lottery, next(clock))
    t = next(clock)
    keeper = story.keeper(assembly, t)
    do_record(check_transaction(keeper, day=t.date(), direction="in", amount=income, description="Donations",
                                account="Bank", category="Donations", now=t), t)
    for other, other_name in others:
        t = next(clock)
        invitation = do_create_invitation(keeper, t)
        do_accept_invitation(User.objects.create_user(other, password=password), invitation, other_name, t)
    found[slug] = assembly
first, *rest = found.values()
story.decide(first, {"action": "found", "charter": charter}, next(clock))
federation = FederationRecord.objects.get(kind="federation.charter").leaf_hash
for assembly in rest:
    story.decide(assembly, {"action": "join", "federation": federation}, next(clock))
print(json.dumps(federation))
"""


class Keeper:
    """A person signed in with their own browser (cookies, session)."""

    def __init__(self, browser: Browser, url: str, username: str) -> None:
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page: Page = self.context.new_page()
        self.url = url
        self.page.goto(f"{url}/accounts/sign-in")
        self.page.get_by_label("Sign-in name").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text(f"Signed in as {username}")).to_be_visible()

    def open(self, path: str) -> Page:
        self.page.goto(self.url + path)
        return self.page


@pytest.fixture
def federated(migrated, tmp_path):
    """A node with no demo: three assemblies with books, federated with a mutual-aid rule; yields it and the id."""
    running = start_node(migrated, tmp_path)
    try:
        setup = run(
            [CONFEDERAL, "manage", "shell", "-c", SETUP],
            env=running.env,
            input=json.dumps([ASSEMBLIES, CHARTER, PASSWORD]),
        )
        assert setup.returncode == 0, setup.stderr
        yield running, json.loads(setup.stdout.strip().splitlines()[-1])
    finally:
        stop_node(running)


def minor(euros: str) -> int:
    whole, cents = euros.split(".")
    return int(whole) * 100 + int(cents)


def vote_consent(page: Page) -> None:
    page.get_by_label("Consent", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()


def test_an_assembly_asks_for_aid_and_receives_it(browser, federated, tmp_path):
    node, federation = federated
    fund = f"/federations/{federation}/fund/"
    people = {username: Keeper(browser, node.url, username) for username in ("amara", "jonas", "lucia", "nadia")}
    amara, jonas, lucia, nadia = people.values()
    keepers = {"Food hub": amara, "Energy co-op": jonas, "Housing group": lucia}
    try:
        # Each keeper pays what the fund's tally says the assembly owes: 5 % of the income its books show.
        paid = {}
        for name, keeper in keepers.items():
            page = keeper.open("/federations/")
            page.get_by_role("link", name="River Valley").click()
            page.get_by_role("link", name="The mutual-aid fund").click()
            owes = page.get_by_text(re.compile(r"owes [\d.]+ EUR by the fund's tally")).inner_text()
            paid[name] = re.search(r"owes ([\d.]+) EUR", owes).group(1)
            page.get_by_role("button", name="Record paying dues").click()
            expect(page.get_by_text(f"Recorded in {name}'s books.")).to_be_visible()
            expect(page.get_by_text("owes 0.00 EUR")).to_be_visible()
        share = CHARTER["aid"]["share"]
        assert {name: minor(v) for name, v in paid.items()} == {
            name: minor(income) * share // 10_000 for name, _, _, _, income, _ in ASSEMBLIES
        }
        held = sum(minor(v) for v in paid.values())
        expect(lucia.page.locator("#fund-total")).to_contain_text(f"{held // 100}.{held % 100:02d} EUR")

        # The housing group asks for its legal fees.
        page = lucia.open(fund)
        page.get_by_text("Ask for aid, or offer it").click()
        page.get_by_label("What for").fill(PURPOSE)
        page.get_by_label("By (or until)").fill((date.today() + timedelta(days=10)).isoformat())
        page.get_by_label("Money").fill(ASKED)
        page.get_by_role("button", name="Ask for aid").click()
        expect(page.get_by_text("Request 1 is in the ledger.")).to_be_visible()
        request = page.locator("#requests .card").filter(has_text=PURPOSE)
        expect(request).to_contain_text(f"{ASKED} EUR by")
        expect(request).to_contain_text("0 for, 0 against, of 3 member assemblies")

        # Each assembly puts its vote to its own decision. All three propose while the request is open: once a
        # majority has voted for it, it is granted and the page offers no more votes on it.
        proposals = {}
        for name, keeper in keepers.items():
            page = keeper.open(fund)
            request = page.locator("#requests .card").filter(has_text=PURPOSE)
            request.get_by_role("button", name=f"Propose that {name} votes for").click()
            expect(page.get_by_text(f"Proposed to {name}: its vote on the grant counts once")).to_be_visible()
            proposals[name] = page.url.removeprefix(node.url)
        # Their members consent, and the last vote closes each decision.
        for name, keeper in keepers.items():
            voters = [keeper, nadia] if keeper is lucia else [keeper]
            for person in voters:
                vote_consent(person.open(proposals[name]))
            expect(voters[-1].page.locator("#outcome-status")).to_have_text("adopted")
        page = amara.open(fund)
        request = page.locator("#requests .card").filter(has_text=PURPOSE)
        expect(request).to_contain_text("3 for, 0 against, of 3 member assemblies")
        expect(request.locator(".badge")).to_have_text("granted")

        # The givers' keepers each record their share, as the page offers it; the housing group records each.
        shares = {}
        for name, keeper in (("Food hub", amara), ("Energy co-op", jonas)):
            page = keeper.open(fund)
            button = page.get_by_role("button", name=re.compile(f"Record {name} paying its share"))
            shares[name] = re.search(r"([\d.]+) EUR", button.inner_text()).group(1)
            button.click()
            expect(page.get_by_text(f"Recorded in {name}'s books.")).to_be_visible()
            expect(page.get_by_role("button", name=re.compile("paying its share"))).to_have_count(0)
        assert sum(minor(v) for v in shares.values()) == minor(ASKED)
        page = lucia.open(fund)
        for name in shares:
            page.get_by_role("button", name=f"Record receiving the share from {name}").click()
            expect(page.get_by_text("Recorded in Housing group's books.")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Record receiving"))).to_have_count(0)

        # Everyone, a visitor too, sees the request granted and paid, both sides agreeing, and the fund smaller.
        visitor = browser.new_context(viewport={"width": 1280, "height": 900})
        page = visitor.new_page()
        page.goto(node.url + fund)
        request = page.locator("#requests .card").filter(has_text=PURPOSE)
        expect(request.locator(".badge")).to_have_text("paid")
        for name, share in shares.items():
            expect(request).to_contain_text(f"{name}: share {share} EUR, given {share} EUR, received {share} EUR")
        expect(page.locator("#mismatches")).to_have_count(0)
        left = held - minor(ASKED)
        expect(page.locator("#fund-total")).to_contain_text(f"{left // 100}.{left % 100:02d} EUR")
        housing = page.locator("#holders .card").filter(has_text="Housing group")
        expect(housing).to_contain_text(re.compile(rf"Received in grants\s*{re.escape(ASKED)} EUR"))

        # The page as people read it, on a laptop and a phone; the shots are kept for a person to look at.
        shots = Path(tmp_path) / "shots"
        shots.mkdir()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(shots / f"fund-{width}.png"), full_page=True)
        assert not problems_on(page), problems_on(page)
        visitor.close()
        recorded(node, lucia, "housing", tmp_path, "Mutual aid from Food hub", "Mutual aid from Energy co-op")
    finally:
        for person in people.values():
            person.context.close()
