"""Someone who uses only a keyboard signs in and votes: Tab, Shift+Tab, Enter, Space and the arrow keys, with a
visible focus at every step and a "Skip to content" link first."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import PASSWORD, Person, accept, found, invitation_link

pytestmark = pytest.mark.browser

# What a screen reader would call the focused element: a field's label, else its text; and whether focus shows.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: "", visible: false, tag: ""};
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const style = getComputedStyle(el);
  return {
    name: (label || el.innerText || el.value || "").trim(),
    visible: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    tag: el.tagName.toLowerCase(),
  };
}"""


def focused(page: Page) -> dict[str, object]:
    return page.evaluate(_FOCUSED)


def tab_to(page: Page, name: str, *, back: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab with ``back``) until the element named ``name`` has the focus, which must show."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if now["name"] == name:
            assert now["visible"], f"{name} has the focus but shows no outline"
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_someone_signs_in_and_votes_with_the_keyboard_alone(browser, node):
    # Set-up, with a mouse: Ana founds an assembly, Ben joins, Ana proposes.
    ana, ben = Person(browser, node.url, "ana"), Person(browser, node.url, "ben")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    accept(ben, invitation_link(ana, "birch-lane"), "Ben")
    page = ana.open("/assemblies/birch-lane/proposals/new")
    page.get_by_label("Title").fill("Meet on Thursday evenings")
    page.get_by_label("Consent — any objection blocks until it is resolved").check()
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_text("Your proposal is open for votes")).to_be_visible()
    ben.context.close()

    # Ben, on another machine, with only a keyboard.
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(node.url + "/")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Skip to content"
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    tab_to(page, "Sign-in name")
    page.keyboard.type("ben")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as ben")).to_be_visible()

    # The skip link jumps past the header to the page's content.
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Skip to content"
    page.keyboard.press("Enter")
    tab_to(page, "Birch Lane Care")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Birch Lane Care")).to_be_visible()
    tab_to(page, "#1 Meet on Thursday evenings")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Meet on Thursday evenings")).to_be_visible()

    # Into the ballot: Space chooses, the arrows move the choice, Shift+Tab goes back, Space on the button votes.
    tab_to(page, "Consent")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Consent", exact=True)).not_to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("Consent", exact=True)).to_be_checked()
    tab_to(page, "Cast my vote")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["tag"] == "textarea"  # the optional reason, between the choices and the button
    tab_to(page, "Cast my vote")
    page.keyboard.press("Space")
    expect(page.get_by_text("Your vote is cast.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your vote is cast.")
    context.close()
    ana.context.close()
