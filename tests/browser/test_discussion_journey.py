"""Discussing a proposal in Chromium: write, reply, mention, edit, take back, and see others write without reloading.

On the seeded demo node: Amara and Yuki are members of the food hub; the Sunday opening is open for votes and
already has a discussion.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_every_page import sign_in as demo_sign_in

pytestmark = pytest.mark.browser

LONG_WORD = "Unbroken" + "w" * 400


def sign_in(browser: Browser, url: str, username: str, width: int = 1100) -> Page:
    page = demo_sign_in(browser, url, username)
    page.set_viewport_size({"width": width, "height": 900})
    return page


def open_sunday(page: Page, url: str) -> str:
    page.goto(f"{url}/assemblies/food-hub/")
    page.get_by_role("link", name=re.compile("Open the hub on Sunday mornings too")).first.click()
    expect(page.get_by_role("heading", name="Discussion")).to_be_visible()
    return page.url.split("#")[0]


def test_it_lets_members_discuss_a_proposal_in_the_browser(browser, node):
    amara = sign_in(browser, node.url, "amara")
    proposal = open_sunday(amara, node.url)
    # The demo's discussion is there, with its edit and earlier version.
    expect(amara.get_by_text("Who opens up? I can do the first two Sundays.")).to_be_visible()
    amara.locator("details.history summary").first.click()
    expect(amara.get_by_text("As written").first).to_be_visible()

    # Yuki reads the same page; Amara writes with Markdown, a mention, a script and a long unbroken word.
    yuki = sign_in(browser, node.url, "yuki", width=390)
    yuki.goto(proposal)
    amara.get_by_label("Your comment").fill(
        f"I can **bring keys**, @yuki. <script>alert('x')</script> [bad](javascript:alert(1)) {LONG_WORD}"
    )
    amara.get_by_role("button", name="Post the comment").click()
    expect(amara.get_by_text("Your comment is posted.")).to_be_visible()
    mine = amara.locator("article.comment").filter(has_text="bring keys").last
    expect(mine.locator("strong", has_text="bring keys")).to_be_visible()
    expect(mine.locator("a.mention", has_text="@yuki")).to_be_visible()
    expect(mine).to_contain_text("<script>alert('x')</script>")  # shown as text, never run
    expect(mine.locator("a[href^='javascript:']")).to_have_count(0)

    # Without reloading, Yuki's page shows it (htmx asks every 10 s), and it fits her phone.
    expect(yuki.locator("article.comment").filter(has_text="bring keys")).to_be_visible(timeout=25_000)
    assert yuki.evaluate("document.documentElement.scrollWidth") <= 390
    # Yuki replies; Amara edits, then takes her comment back; the reply keeps its place.
    yuki.locator("article.comment").filter(has_text="bring keys").get_by_role("link", name="Reply").click()
    yuki.get_by_label("Your reply").fill("Thank you, Amara!")
    yuki.get_by_role("button", name="Post the reply").click()
    expect(yuki.get_by_text("Thank you, Amara!")).to_be_visible()

    amara.goto(proposal)
    amara.locator("article.comment").filter(has_text="bring keys").get_by_role("link", name="Edit").click()
    amara.get_by_label("Your comment").fill("I can **bring the keys** on Sundays.")
    amara.get_by_role("button", name="Save the change").click()
    expect(amara.get_by_text("its earlier version stays visible")).to_be_visible()
    edited = amara.locator("article.comment").filter(has_text="bring the keys")
    expect(edited.locator("summary", has_text="edited")).to_be_visible()
    edited.get_by_role("link", name="Take back").click()
    amara.get_by_role("button", name="Take back my comment").click()
    expect(amara.get_by_text("Amara took this comment back.")).to_be_visible()
    expect(amara.get_by_text("bring the keys")).to_have_count(0)
    expect(amara.get_by_text("Thank you, Amara!")).to_be_visible()

    # Too long: refused with a sentence, nothing posted.
    amara.get_by_label("Your comment").evaluate("el => el.removeAttribute('maxlength')")
    amara.get_by_label("Your comment").fill("y" * 10_001)
    amara.get_by_role("button", name="Post the comment").click()
    expect(amara.get_by_text("at most 10,000 characters")).to_be_visible()


def test_it_asks_how_people_feel_and_turns_the_answer_into_a_proposal(browser, node):
    amara = sign_in(browser, node.url, "amara")
    amara.goto(f"{node.url}/assemblies/food-hub/")
    amara.get_by_role("link", name="Should we cook a shared lunch once a month?").click()
    expect(amara.locator("#tally")).to_contain_text("1 is for it")
    amara.get_by_label("I have concerns").check()
    amara.get_by_label("A line to say why (optional)").fill("Who cleans the big pot?")
    amara.get_by_role("button", name="Answer").click()
    expect(amara.locator("#tally")).to_contain_text("2 have concerns")
    expect(amara.get_by_text("Who cleans the big pot?")).to_be_visible()
    amara.get_by_role("link", name="Turn into a proposal").click()
    expect(amara.get_by_label("Title")).to_have_value("Should we cook a shared lunch once a month?")
