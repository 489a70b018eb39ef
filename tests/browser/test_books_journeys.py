"""An assembly's money, run by people in Chromium on a real node: the books opened and a budget adopted by
decision, an expense recorded with its receipt, an expense above the threshold approved by two other members and
paid, and the books page read at 1280 and 390 px."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .test_every_page import problems_on
from .test_journeys import (
    Person,
    accept,
    found,
    invitation_link,
    people,  # noqa: F401  (a fixture the journey takes)
    recorded,
)

pytestmark = pytest.mark.browser

BOOKS = "/assemblies/birch-lane/books/"
RECEIPT = b"Garden shop, 14 Birch Lane\nBean seeds 20.00 EUR\nPaid cash"


def everyone_consents(voters: list[Person], proposal: str) -> None:
    for person in voters:
        page = person.page
        page.goto(proposal)
        page.get_by_label("Consent", exact=True).check()
        page.get_by_role("button", name="Cast my vote").click()
    expect(voters[-1].page.locator("#outcome-status")).to_have_text("adopted")


def fill_money(page: Page, *, direction: str, amount: str, description: str, category: str, **more: str) -> None:
    page.locator("#id_direction").select_option(direction)
    page.locator("#id_amount").fill(amount)
    page.locator("#id_description").fill(description)
    page.locator("#id_category").fill(category)
    if "kind" in more:
        page.locator("#id_category_kind").select_option(more["kind"])
    if "line" in more:
        page.locator("#id_budget_line").select_option(more["line"])


def test_budget_expense_with_receipt_and_an_approved_spend(node, people, tmp_path):  # noqa: F811
    ana, ben, cara = people("ana"), people("ben"), people("cara")
    found(ana, "Birch Lane Care", "birch-lane", "Ana")
    # Ana, alone in the assembly, is the only one the treasurer's draw can pick.
    page = ana.open("/assemblies/birch-lane/roles/")
    page.locator("#role-treasurer").get_by_role("button", name="Announce a fair draw").click()
    page.locator("#role-treasurer").get_by_role("button", name="Add my randomness").click()
    page.locator("#role-treasurer").get_by_role("button", name="Draw now").click()
    expect(page.get_by_text("Ana takes the role of treasurer")).to_be_visible()
    for person, name in ((ben, "Ben"), (cara, "Cara")):
        accept(person, invitation_link(ana, "birch-lane"), name)

    # No books yet: the page says so, and a member proposes opening them.
    page = ana.open("/assemblies/birch-lane/")
    page.get_by_role("link", name="Books", exact=True).click()
    expect(page.get_by_text("keeps no books yet")).to_be_visible()
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Spending above this needs approval first").fill("50")
    for name in ("Ana", "Ben", "Cara"):
        page.get_by_label(name, exact=True).check()
    page.get_by_label("Approvals needed").fill("2")
    page.get_by_role("button", name="Propose opening the books").click()
    expect(page.get_by_text("Opening the books is proposed")).to_be_visible()
    everyone_consents([ana, ben, cara], page.url)

    # Ben proposes a budget from the form's rows; everyone consents.
    today = date.today()
    page = ben.open(BOOKS)
    page.get_by_text("Write the budget's lines").click()
    page.get_by_label("Title").fill("Spring in the garden")
    page.get_by_label("First day").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Last day").fill((today + timedelta(days=60)).isoformat())
    for i, (line, category, purpose, amount) in enumerate(
        (("Seeds", "Seeds and plants", "Beans and squash", "100"), ("Tools", "Tools", "A wheelbarrow", "200"))
    ):
        page.locator(f"input[name=name_{i}]").fill(line)
        page.locator(f"input[name=category_{i}]").fill(category)
        page.locator(f"input[name=purpose_{i}]").fill(purpose)
        page.locator(f"input[name=amount_{i}]").fill(amount)
    page.get_by_role("button", name="Propose this budget").click()
    expect(page.get_by_text("The budget is proposed")).to_be_visible()
    everyone_consents([ana, ben, cara], page.url)

    # Ana, the treasurer, records a gift and an expense with its receipt.
    page = ana.open(BOOKS)
    expect(page.locator("#budget")).to_contain_text("Seeds")
    fill_money(page, direction="in", amount="300", description="Gift from the street party", category="Donations")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Transaction 1 is recorded in the ledger.")).to_be_visible()
    fill_money(
        page, direction="out", amount="20.00", description="Bean seeds", category="Seeds and plants", line="Seeds"
    )
    page.locator("#id_receipt").set_input_files(
        files=[{"name": "receipt.txt", "mimeType": "text/plain", "buffer": RECEIPT}]
    )
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Transaction 2 is recorded in the ledger.")).to_be_visible()
    receipt = page.locator("#transaction-list").get_by_role("link", name="receipt")
    href = receipt.get_attribute("href")
    assert href is not None
    assert ben.context.request.get(node.url + href).body() == RECEIPT

    # A wheelbarrow above the threshold: asked for, refused to Ana herself, approved by Ben and Cara, then paid.
    fill_money(page, direction="out", amount="120.00", description="Wheelbarrow", category="Tools", line="Tools")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("This spend needs approval first")).to_be_visible()
    fill_money(page, direction="out", amount="120.00", description="Wheelbarrow", category="Tools", line="Tools")
    page.get_by_role("button", name="Ask for approval first").click()
    expect(page.get_by_text("Spend 1 waits for approval.")).to_be_visible()
    # Nobody approves their own spending: Ana, an approver, is not offered the button.
    expect(page.locator("#waiting").get_by_role("button", name="Approve")).to_have_count(0)
    for person in (ben, cara):
        page = person.open(BOOKS)
        page.locator("#waiting").get_by_role("button", name="Approve").click()
    expect(cara.page.get_by_text("spend 1 is approved and can be paid")).to_be_visible()
    page = ana.open(BOOKS)
    expect(page.locator("#unpaid")).to_contain_text("approved, not paid: 120.00 EUR; Cash holds 280.00 EUR")
    page.locator("#unpaid").get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("Spend 1 is paid: transaction 3.")).to_be_visible()
    expect(page.locator("#balances")).to_contain_text("160.00 EUR")
    expect(page.locator("#budget")).to_contain_text("80.00 EUR")  # Tools: 200 budgeted, 120 spent

    # The page as people read it, on a laptop and a phone; the shots are kept for a person to look at.
    shots = Path(tmp_path) / "shots"
    shots.mkdir()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"books-{width}.png"), full_page=True)
    assert not problems_on(page), problems_on(page)
    page.goto(node.url + BOOKS + "2/")
    assert not problems_on(page), problems_on(page)
    recorded(
        node,
        ana,
        "birch-lane",
        tmp_path,
        "Budget adopted by decision #2",
        "Spend 1 approved by Cara",
        "Transaction 3 on",
    )
