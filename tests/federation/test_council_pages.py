"""The council page journeys in Chromium, on three real nodes: a delegate moves a motion and votes within the
mandate; the home assembly's members propose a recall; everyone sees the council dissolve and its archive."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.federation import advance_all, same_everywhere, wait_until

from .test_councils_across_nodes import COUNCIL_SECONDS, appoint, convene, federate

pytestmark = pytest.mark.browser


def sign_in(browser, node, username) -> Page:
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(f"{node.url}/accounts/sign-in")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Password").fill("confederal-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    return page


def test_a_delegate_moves_and_votes_within_the_mandate_and_everyone_sees_the_council_dissolve(trio, browser):
    food, energy, housing = trio
    fed = federate(trio)
    council = convene(trio, fed, seconds=COUNCIL_SECONDS)
    appoint(food, council, "Amara", q1="for")
    appoint(energy, council, "Kwame", q1="for")
    appoint(housing, council, "Nadia", q1="judgement")

    def seated(node):
        data = node.archive(fed, council)
        return data and all(any(g["ended_at"] is None for g in s["mandates"]) for s in data["seats"]) and data

    wait_until("every node sees the three mandates", lambda: all(seated(n) for n in trio))
    path = f"/federations/{fed}/councils/{council}/"

    # Kwame, on his own node, finds the council from the federation page and reads his mandate there.
    kwame = sign_in(browser, energy, "kwame")
    kwame.goto(f"{energy.url}/federations/{fed}/")
    kwame.get_by_role("link", name=re.compile("Stop the river pipeline")).first.click()
    expect(kwame.get_by_text("You are this assembly's delegate")).to_be_visible()
    expect(kwame.locator("#seats")).to_contain_text("Kwame")
    kwame.get_by_label("Put a motion").fill("Blockade on 12 December")
    kwame.get_by_label("Agenda question").select_option("q1")
    kwame.get_by_role("button", name="Put the motion").click()
    expect(kwame.get_by_text("Your motion is in")).to_be_visible()

    wait_until("Kwame's motion is witnessed", lambda: energy.archive(fed, council)["motions"], timeout=60)
    kwame.goto(energy.url + path)
    kwame.get_by_role("button", name="Against").click()
    expect(kwame.get_by_text("Your mandate does not allow this vote")).to_be_visible()
    kwame.get_by_role("button", name="For", exact=True).click()
    expect(kwame.get_by_text("Your vote is in")).to_be_visible()

    # On the housing node, a member proposes to recall Nadia; the assembly's own proposal page opens.
    rosa = sign_in(browser, housing, "rosa")
    wait_until("housing sees the motion", lambda: housing.archive(fed, council)["motions"])
    rosa.goto(housing.url + path)
    rosa.get_by_role("button", name="Propose to recall Nadia").click()
    expect(rosa.get_by_text("it happens if the assembly decides so")).to_be_visible()
    expect(rosa.get_by_role("heading", name=re.compile("Recall Nadia"))).to_be_visible()

    # Time passes to the council's end: it dissolves by itself; every node's page shows the archive and the thanks.
    advance_all(trio, COUNCIL_SECONDS + 1)
    wait_until(
        "every node has dissolved the council",
        lambda: same_everywhere(trio, lambda n: (n.archive(fed, council) or {}).get("status")) == "dissolved",
    )
    for node, page in ((energy, kwame), (housing, rosa)):
        page.goto(node.url + path)
        expect(page.get_by_role("heading", name="Archive")).to_be_visible()
        expect(page.locator("#thanks")).to_contain_text("Kwame")
        expect(page.get_by_role("button", name="Put the motion")).to_have_count(0)
    wait_until("the sunsets reach the co-op's node", lambda: (energy.try_get(path) or {}).get("sunsets"))
    kwame.goto(energy.url + path)
    expect(kwame.locator("#sunsets")).to_contain_text("recorded the sunset")
