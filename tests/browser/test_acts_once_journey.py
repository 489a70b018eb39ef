"""A form sent twice acts once in a real browser: a double click, and going back to resend it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import Person, found
from tests.support.browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.browser


@pytest.fixture
def everyday_chromium(browser):
    """Chromium as people run it, with its back-forward cache (Playwright turns it off by default): going back
    shows the form as it was, one-time token and all, as it does for people."""
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM, args=FLAGS, headless=True, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield launched
    launched.close()


def test_a_double_click_and_a_resend_after_going_back_schedule_one_meeting(everyday_chromium, node):
    ana = Person(everyday_chromium, node.url, "ana")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    page = ana.open("/assemblies/birch-lane/meetings/new")
    page.get_by_label("Title").fill("Winter meeting")
    page.get_by_label("Day").fill("2027-01-15")
    page.locator("#id_time").fill("18:00")
    page.get_by_role("button", name="Schedule").dblclick()
    expect(page.get_by_role("heading", name="Winter meeting")).to_be_visible()

    page.go_back(wait_until="commit")  # a page from the back-forward cache fires no new "load"
    expect(page.get_by_label("Title")).to_be_visible()
    if page.get_by_label("Title").input_value() != "Winter meeting":  # a browser that does not keep what was typed
        page.get_by_label("Title").fill("Winter meeting")
        page.get_by_label("Day").fill("2027-01-15")
        page.locator("#id_time").fill("18:00")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status")).to_contain_text("This was already done. The meeting is scheduled.")
    expect(page.get_by_role("heading", name="Winter meeting")).to_be_visible()

    page = ana.open("/assemblies/birch-lane/meetings/")
    expect(page.locator("#meetings li")).to_have_count(1)
    expect(page.locator(".hint").first).to_contain_text("1 meeting ·")
    ana.context.close()
