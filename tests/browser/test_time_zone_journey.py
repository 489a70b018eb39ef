"""Someone changes their time zone and sees the meeting move: typed and shown in the assembly's zone, then in theirs,
always named."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import Person, found

pytestmark = pytest.mark.browser


def test_someone_changes_their_time_zone_and_sees_the_meeting_move(browser, node):
    ana = Person(browser, node.url, "ana")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    page = ana.open("/assemblies/birch-lane/meetings/new")
    zone = page.locator("#id_time").evaluate("el => el.labels[0].innerText")
    assert zone.startswith("Time (")
    assert zone.endswith(")")
    assembly_zone = zone[len("Time (") : -1]
    expect(page.get_by_text(f"Times are in {assembly_zone}.")).to_be_visible()
    page.get_by_label("Title").fill("Winter meeting")
    page.get_by_label("Day").fill("2027-01-15")
    page.get_by_label(zone).fill("18:00")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("The meeting is scheduled.")).to_be_visible()
    meeting_url = page.url

    page = ana.open("/accounts/")
    page.get_by_label("Show and type times in").select_option("Pacific/Auckland")
    page.get_by_role("button", name="Save the time zone").click()
    expect(page.get_by_role("status")).to_contain_text("Times are now shown, and typed, in Pacific/Auckland.")

    page.goto(meeting_url)
    # 18:00 in the assembly's zone, seen from Auckland: the next day, and named NZDT.
    expect(page.locator(".lede")).to_contain_text("NZDT")
    expect(page.locator(".lede")).not_to_contain_text("18:00")
    page = ana.open("/assemblies/birch-lane/meetings/new")
    expect(page.get_by_text("Times are in Pacific/Auckland.")).to_be_visible()

    page = ana.open("/accounts/")
    page.get_by_label("Show and type times in").select_option("")
    page.get_by_role("button", name="Save the time zone").click()
    page.goto(meeting_url)
    expect(page.locator(".lede")).to_contain_text("15 January 2027, 18:00")
    ana.context.close()
