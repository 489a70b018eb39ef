"""The consent round in Chromium: object with a reason, amend, resolve, adopt — and the ledger keeps each version."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import ana_proposes_thursdays_and_consents, founded_by_ana_with_ben, people, recorded

pytestmark = pytest.mark.browser

__all__ = ["people"]  # the fixture, shared with the main journeys

HARM = "Thursday is when I collect my grandchildren: I could never come, and I hold the only key."


def test_an_objection_with_a_reason_is_answered_by_a_new_version_and_the_proposal_adopted(node, people, tmp_path):
    ana, ben = founded_by_ana_with_ben(people)

    proposal_url = ana_proposes_thursdays_and_consents(ana)

    # Ben objects: without a reason he is asked how it would cause harm; with one, the objection stands.
    page = ben.page
    page.goto(proposal_url)
    expect(page.get_by_text("Your reason will be published with the decision, with your name.")).to_be_visible()
    page.get_by_label("Object", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("Say how the proposal would cause harm")).to_be_visible()
    page.get_by_label("Object", exact=True).check()
    page.get_by_label(re.compile("^Your reason")).fill(HARM)
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("Your vote is cast.")).to_be_visible()
    # Everyone has voted, but an objection keeps the vote open to be resolved.
    expect(page.get_by_role("heading", name="An objection to resolve")).to_be_visible()
    expect(page.locator("#objections")).to_contain_text(HARM)

    # Ana answers it with a new version.
    page = ana.page
    page.goto(proposal_url)
    expect(page.locator("#objections")).to_contain_text("Ben")
    page.get_by_label("The new text").fill("We meet on Wednesday evenings, and Ben's key goes to a second keeper.")
    page.get_by_label("What changed, and which objection it answers").fill("Wednesdays, as Ben asked.")
    page.get_by_role("button", name="Put the new version to the vote").click()
    expect(page.get_by_text("Version 2 is put to the vote")).to_be_visible()
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    expect(page.locator("#versions")).to_contain_text("Wednesdays, as Ben asked.")

    # Ben's objection is resolved: he consents, and Ana votes again on the new version.
    page = ben.page
    page.goto(proposal_url)
    page.get_by_role("button", name="My objection is resolved: I consent").click()
    expect(page.get_by_text("Your vote is changed.")).to_be_visible()
    expect(page.get_by_role("heading", name="An objection to resolve")).to_have_count(0)

    page = ana.page
    page.goto(proposal_url)
    page.get_by_label("Consent", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#outcome-status")).to_have_text("adopted")
    expect(page.get_by_text("We meet on Wednesday evenings").first).to_be_visible()

    recorded(
        node,
        ana,
        "birch-lane",
        tmp_path,
        "Proposal #1, Meet on Thursday evenings, amended by Ana (version 2): Wednesdays, as Ben asked.",
        "Decision #1, Meet on Thursday evenings: adopted",
    )
