"""A person reads an assembly's ledger in Chromium, follows an entry to its proof, then checks it."""

import base64
import re

import pytest

from confederal.ledger import Verifier, open_checkpoint, verify_inclusion
from tests.support import tamper
from tests.support.nodes import CONFEDERAL, run

pytestmark = pytest.mark.browser


@pytest.fixture
def node(honest_node):
    """These pages only read: one node process serves them all, its ledger checked to be as seeded."""
    return honest_node


def test_a_visitor_reads_the_ledger_follows_an_entry_to_its_proof_and_verifies_it(page, node, tmp_path):
    size = tamper.size(node.db)
    rent = tamper.find_entry(node.db, tamper.RENT)
    page.goto(node.url + "/")
    page.get_by_role("heading", name="Assemblies on this node").wait_for()
    page.get_by_role("link", name="Riverside Food Hub").click()
    page.get_by_role("link", name=re.compile("Public ledger")).click()

    page.get_by_role("heading", name="Ledger of Riverside Food Hub").wait_for()
    assert page.locator("ol.entries > li").count() == min(size, 50)
    checkpoint = page.get_by_label("Signed checkpoint").text_content()
    key = page.locator("dd code").nth(1).text_content() or ""  # inside closed <details>
    opened = open_checkpoint(checkpoint, Verifier.from_vkey(key))
    assert opened.checkpoint.size == size
    command = page.locator("pre", has_text="confederal verify http").first.inner_text()
    assert command == f"confederal verify {node.ledger_url}"

    # The rent was asked for early in the story: page back through older entries to it.
    while not page.get_by_role("link", name=f"Entry {rent}", exact=True).count():
        page.get_by_role("link", name=re.compile("Older entries")).click()
        page.get_by_role("heading", name="Older entries").wait_for()
    assert page.get_by_text(re.compile("Kitchen rent, first month, 320.00 EUR")).first.is_visible()
    page.get_by_role("link", name=f"Entry {rent}", exact=True).click()
    page.get_by_role("heading", name=re.compile(f"Entry {rent}")).wait_for()
    # The proof's hashes, then the entry as stored (pretty, then its exact bytes), each inside <details>.
    assert '"minor": 32000' in (page.locator("pre").nth(1).text_content() or "")
    leaf = page.locator("dd code").nth(2).text_content() or ""
    proof = (page.locator("pre").first.text_content() or "").split()
    verify_inclusion(base64.b64decode(leaf), rent, size, [base64.b64decode(h) for h in proof], opened.checkpoint.root)

    result = run([CONFEDERAL, "verify", "--state-dir", str(tmp_path / "s"), "--key", key, command.split()[-1]])
    assert result.returncode == 0, result.stderr
    assert "All checks passed" in result.stdout


def test_the_ledger_page_fits_a_phone_screen(phone, node):
    phone.goto(node.ledger_url + "/")
    phone.get_by_role("heading", name="Ledger of Riverside Food Hub").wait_for()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px screen"
    # Fifty entries a page: a longer ledger links to its older entries, and the link fits too.
    assert phone.get_by_role("link", name=re.compile("Older entries")).count() == (tamper.size(node.db) > 50)


def test_pages_work_without_javascript(browser, node):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(node.url + "/ledgers")
    page.get_by_role("link", name="Riverside Food Hub").click()
    page.get_by_role("heading", name="Check it yourself").wait_for()
    context.close()
