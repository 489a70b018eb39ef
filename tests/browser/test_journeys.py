"""The main journeys of a root cell, done by people in Chromium on a real node.

Each journey ends where a member would check it: the record in the public
ledger, and `confederal verify` passing on that ledger.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.nodes import CONFEDERAL, run

pytestmark = pytest.mark.browser

PASSWORD = "a-long-browser-password"


class Person:
    """One person with their own browser (cookies, session)."""

    def __init__(self, browser: Browser, url: str, username: str) -> None:
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page: Page = self.context.new_page()
        self.url = url
        self.username = username
        page = self.page
        page.goto(f"{url}/accounts/sign-up")
        page.get_by_label("Sign-in name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()

    def open(self, path: str) -> Page:
        self.page.goto(self.url + path)
        return self.page


def found(person: Person, name: str, slug: str, public_name: str, max_size: int = 15) -> None:
    page = person.open("/assemblies/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Short name for addresses").fill(slug)
    page.get_by_label("Principles").fill("We look after each other.\nEvery role rotates.")
    page.get_by_label("Maximum size").fill(str(max_size))
    page.get_by_label("Your public name in this assembly").fill(public_name)
    page.get_by_role("button", name="Found the assembly").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("is founded")).to_be_visible()


def invitation_link(person: Person, slug: str) -> str:
    page = person.open(f"/assemblies/{slug}/")
    page.get_by_role("button", name="Invite someone").click()
    return page.locator("#invitation-link").inner_text().strip()


def accept(person: Person, link: str, public_name: str) -> Page:
    page = person.page
    page.goto(link)
    page.get_by_label("Your public name in this assembly").fill(public_name)
    page.get_by_role("button", name="Accept and join").click()
    return page


def recorded(node, person: Person, slug: str, tmp_path, *texts: str) -> None:
    """The ledger's page lists an entry for each of ``texts``, and ``confederal verify`` checks the whole ledger."""
    page = person.open(f"/ledgers/{slug}/")
    for text in texts:
        expect(page.get_by_role("listitem").filter(has_text=text).first).to_be_visible()
    result = run([CONFEDERAL, "verify", "--state-dir", str(tmp_path / "verify"), f"{node.url}/ledgers/{slug}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout


def founded_by_ana_with_ben(people) -> tuple[Person, Person]:
    """Ana founds Birch Lane Care, and Ben joins it by her invitation."""
    ana, ben = people("ana"), people("ben")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    accept(ben, invitation_link(ana, "birch-lane"), "Ben")
    return ana, ben


def ana_takes_the_facilitator_role(ana: Person) -> Page:
    """Ana, first in the rota, gives the facilitator's role its next holder: herself."""
    page = ana.open("/assemblies/birch-lane/roles/")
    page.locator("#role-facilitator").get_by_role("button", name="Rotate to the next in the rota").click()
    expect(page.get_by_text("Ana takes the role of facilitator")).to_be_visible()
    return page


@pytest.fixture
def people(browser, node):
    made: list[Person] = []

    def person(username: str) -> Person:
        made.append(Person(browser, node.url, username))
        return made[-1]

    yield person
    for p in made:
        p.context.close()


def test_someone_founds_an_assembly_and_its_charter_is_public(node, people, tmp_path):
    ana = people("ana")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    page = ana.open("/assemblies/birch-lane/charter")
    expect(page.get_by_text("Every role rotates.")).to_be_visible()
    recorded(node, ana, "birch-lane", tmp_path, "The charter of Birch Lane Care", "Ana founded the assembly")


def test_a_member_invites_someone_and_another_asks_and_is_welcomed(node, people, tmp_path):
    ana, ben, cara = people("ana"), people("ben"), people("cara")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    page = accept(ben, invitation_link(ana, "birch-lane"), "Ben")
    expect(page.get_by_text("Welcome to Birch Lane Care!")).to_be_visible()

    page = cara.open("/assemblies/birch-lane/")
    page.get_by_role("link", name="Ask to join").click()
    page.get_by_label("Your public name in this assembly").fill("Cara")
    page.get_by_label("A word to the members (optional)").fill("I live at number 12.")
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_text("Your request is sent")).to_be_visible()

    page = ben.open("/assemblies/birch-lane/")
    expect(page.get_by_text("I live at number 12.")).to_be_visible()
    page.get_by_role("button", name="Welcome them").click()
    expect(page.get_by_text("Cara is now a member.")).to_be_visible()

    recorded(node, ana, "birch-lane", tmp_path, "Ben joined, invited by Ana", "Cara joined, welcomed by Ben")


def ana_proposes_thursdays_and_consents(ana: Person) -> str:
    """Ana puts "Meet on Thursday evenings" to a consent vote in the browser and consents; the proposal's address."""
    page = ana.open("/assemblies/birch-lane/")
    page.get_by_role("link", name="Make a proposal").click()
    page.get_by_label("Title").fill("Meet on Thursday evenings")
    page.get_by_label("Consent — any objection blocks until it is resolved").check()
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_text("Your proposal is open for votes")).to_be_visible()
    proposal_url = page.url
    page.get_by_label("Consent", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("Your vote is cast.")).to_be_visible()
    return proposal_url


def test_members_propose_and_vote_to_a_result(node, people, tmp_path):
    ana, ben = founded_by_ana_with_ben(people)

    proposal_url = ana_proposes_thursdays_and_consents(ana)

    page = ben.page
    page.goto(proposal_url)
    page.get_by_label("Consent", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    # Everyone has voted, so the vote closes at once.
    expect(page.locator("#outcome-status")).to_have_text("adopted")
    expect(page.get_by_text("Ana: Consent")).to_be_visible()
    # Ana, still looking at the open vote, sees the outcome arrive without reloading (htmx).
    expect(ana.page.locator("#outcome-status")).to_have_text("adopted", timeout=15_000)

    page.get_by_role("link", name=re.compile("Recorded as entry")).click()
    expect(page.get_by_role("heading", name=re.compile("Entry"))).to_be_visible()
    expect(page.get_by_text("Decision #1, Meet on Thursday evenings: adopted")).to_be_visible()
    recorded(node, ana, "birch-lane", tmp_path, "Decision #1, Meet on Thursday evenings: adopted")


def test_members_share_a_pot_in_a_participatory_budget(node, people, tmp_path):
    ana, ben = founded_by_ana_with_ben(people)

    page = ana.open("/assemblies/birch-lane/proposals/new")
    page.get_by_label("Title").fill("Spring budget")
    page.get_by_label("Participatory budget — share a pot among options with costs").check()
    page.get_by_label("Options (one per line)").fill("Seed library — 120.50\nTool shed — 300\nBread oven — 450")
    page.get_by_label(re.compile("Pot to share")).fill("500")
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_text("Your proposal is open for votes")).to_be_visible()
    proposal_url = page.url
    page.get_by_label("Tool shed, for 300.00 EUR").check()
    page.get_by_label("Bread oven, for 450.00 EUR").check()
    page.get_by_role("button", name="Add up what I ticked").click()
    expect(page.get_by_text("250.00 EUR more than the pot of 500.00 EUR")).to_be_visible()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("more than the pot of 500.00 EUR; choose fewer")).to_be_visible()
    page.get_by_label("Bread oven, for 450.00 EUR").uncheck()
    page.get_by_label("Seed library, for 120.50 EUR").check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("Your vote is cast.")).to_be_visible()

    page = ben.page
    page.goto(proposal_url)
    page.get_by_label("Bread oven, for 450.00 EUR").check()
    page.get_by_role("button", name="Cast my vote").click()
    # Seeds and tools (one each, cheaper first) use 420.50; the oven (one) no longer fits.
    expect(page.get_by_text("Seed library, for 120.50 EUR; 1 member chose it.")).to_be_visible()
    expect(
        page.get_by_text("The funded options cost 420.50 EUR of the pot of 500.00 EUR; 79.50 EUR is left.")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("Bread oven, costing 450.00 EUR, did not fit"))).to_be_visible()
    recorded(node, ana, "birch-lane", tmp_path, "Decision #1, Spring budget: Seed library and Tool shed funded")


def test_a_meeting_is_held_and_its_minutes_published(node, people, tmp_path):
    ana, ben = founded_by_ana_with_ben(people)
    page = ana_takes_the_facilitator_role(ana)

    start = datetime.now(UTC) - timedelta(minutes=2)
    page = ana.open("/assemblies/birch-lane/meetings/new")
    page.get_by_label("Title").fill("First circle")
    page.get_by_label("Day").fill(start.strftime("%Y-%m-%d"))
    page.get_by_label("Time (UTC)").fill(start.strftime("%H:%M"))
    page.get_by_label("Agenda (one item per line)").fill("Welcome\nThe rota")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("heading", name="First circle")).to_be_visible()
    meeting_url = page.url

    ben.page.goto(meeting_url)
    ben.page.get_by_role("button", name="I am here").click()
    page.goto(meeting_url)
    page.get_by_role("button", name="I am here").click()
    page.get_by_label("What was said and agreed").fill("We agreed a weekly rota for visits.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved.")).to_be_visible()
    page.get_by_role("button", name="Publish the minutes").click()
    expect(page.get_by_text("The minutes are published")).to_be_visible()
    page.get_by_role("link", name="Read the minutes").click()
    expect(page.get_by_text("We agreed a weekly rota for visits.")).to_be_visible()

    recorded(node, ana, "birch-lane", tmp_path, "Minutes of First circle")


def test_the_facilitator_rotates_and_a_lottery_draw_can_be_checked(node, people, tmp_path):
    ana, ben = founded_by_ana_with_ben(people)
    page = ana_takes_the_facilitator_role(ana)
    page.locator("#role-treasurer").get_by_role("button", name="Announce a fair draw").click()
    expect(page.get_by_text("The draw for treasurer is announced in the ledger")).to_be_visible()
    expect(page.locator("#role-treasurer").get_by_role("button", name="Draw now")).to_have_count(0)
    # Ben adds randomness: the ledger moves on, and nobody knew the draw's seed beforehand.
    theirs = ben.open("/assemblies/birch-lane/roles/")
    theirs.locator("#role-treasurer").get_by_role("button", name="Add my randomness").click()
    expect(theirs.get_by_text("Your random contribution is in the ledger")).to_be_visible()
    page = ana.open("/assemblies/birch-lane/roles/")
    page.locator("#role-treasurer").get_by_role("button", name="Draw now").click()
    # Ana holds a role already, so Ben is the only one eligible for the draw.
    expect(page.get_by_text("Ben takes the role of treasurer")).to_be_visible()
    page.locator("#role-treasurer").get_by_role("link", name="Check this draw").click()
    expect(page.locator("#lottery-check")).to_contain_text("the draw matches its record")
    expect(page.locator("#lottery-chosen")).to_have_text("Ben")

    recorded(node, ana, "birch-lane", tmp_path, "Ana takes the role of facilitator", "Ben takes the role of treasurer")
    audited = run([CONFEDERAL, "audit-draw", "--state-dir", str(tmp_path / "verify"), f"{node.url}/ledgers/birch-lane"])
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "The draw matches its record." in audited.stdout


def test_at_the_size_limit_the_assembly_splits_into_two_cells(node, people, tmp_path):
    ana, ben, cara, dan, eve = people("ana"), people("ben"), people("cara"), people("dan"), people("eve")
    found(ana, "Birch Lane Care", "birch-lane", "Ana", max_size=4)
    for person, name in ((ben, "Ben"), (cara, "Cara"), (dan, "Dan")):
        accept(person, invitation_link(ana, "birch-lane"), name)

    page = accept(eve, invitation_link(ana, "birch-lane"), "Eve")
    expect(page.get_by_text("has reached its maximum of 4 members")).to_be_visible()
    expect(page.get_by_text("any member can propose a split")).to_be_visible()

    page = ana.open("/assemblies/birch-lane/")
    expect(page.locator("#full")).to_be_visible()
    page.get_by_role("link", name="Propose a split").click()
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_label("Cara").check()
    page.get_by_label("Dan").check()
    page.get_by_label("Name of the new cell").fill("Birch Lane North")
    page.get_by_label("Its short name").fill("birch-north")
    page.get_by_role("button", name="Propose the split").click()
    expect(page.get_by_text("The split is proposed")).to_be_visible()
    proposal_url = page.url
    for person in (ana, ben, cara, dan):
        person.page.goto(proposal_url)
        person.page.get_by_label("Consent", exact=True).check()
        person.page.get_by_role("button", name="Cast my vote").click()
    expect(dan.page.locator("#outcome-status")).to_have_text("adopted")  # the last vote closes it

    page = cara.open("/assemblies/birch-north/")
    expect(page.get_by_role("heading", name="Birch Lane North")).to_be_visible()
    page.get_by_role("link", name="Birch Lane Care").click()
    expect(page.get_by_role("heading", name="Birch Lane Care")).to_be_visible()

    recorded(node, ana, "birch-lane", tmp_path, "Cara and Dan form a new cell")
    recorded(node, ana, "birch-north", tmp_path, "The charter of Birch Lane North", "Cara came with the split")


def test_a_member_can_follow_their_assembly_from_a_phone(phone, node):
    phone.goto(f"{node.url}/accounts/sign-in")
    phone.get_by_label("Sign-in name").fill("amara")
    phone.get_by_label("Password").fill("confederal-demo")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_text("Signed in as amara")).to_be_visible()
    for path in ("/assemblies/food-hub/", "/assemblies/food-hub/charter", "/assemblies/food-hub/proposals/1/"):
        phone.goto(node.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px screen"
    phone.goto(node.url + "/assemblies/food-hub/")
    expect(phone.get_by_role("button", name="Invite someone")).to_be_visible()
