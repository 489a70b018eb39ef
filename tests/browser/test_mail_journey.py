"""A member chooses a digest in Chromium, receives it at a real SMTP server process, follows its settings link and
unsubscribes in one click."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import Browser, expect

from confederal.node.demo import DEMO_PASSWORD
from tests.support.federation import wait_until
from tests.support.nodes import start_node, stop_node

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def mail_node(template, tmp_path, smtp):
    running = start_node(
        template,
        tmp_path,
        settings={"CONFEDERAL_EMAIL_URL": smtp.url, "CONFEDERAL_TEST_HOOKS": "1", "CONFEDERAL_TICK_SECONDS": "1"},
    )
    yield running
    stop_node(running)


def _advance(url: str, seconds: float) -> None:
    request = urllib.request.Request(
        url + "/_test/clock",
        data=f'{{"advance": {seconds}}}'.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _to(smtp, address):
    return next((message for message in smtp.messages() if message["To"] == address), None)


def test_it_mails_a_digest_whose_links_lead_to_the_settings_and_unsubscribe_in_one_click(
    browser: Browser, mail_node, smtp
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{mail_node.url}/accounts/sign-in")
    page.get_by_label("Sign-in name").fill("jonas")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Inbox")).to_be_visible()

    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()
    page.get_by_role("link", name="Mail and digests").click()
    expect(page.get_by_label("Your email address (leave it empty for no mail at all)")).to_have_value(
        "jonas@example.org"
    )
    page.get_by_label("Every day").check()
    page.get_by_role("button", name="Save mail settings").click()
    expect(page.get_by_text("Your mail settings are saved.")).to_be_visible()

    _advance(mail_node.url, 36 * 3600)  # past 07:00 tomorrow: the ticker queues the digest and sends it
    # Other demo members chose a daily digest too: theirs go to their own addresses.
    mail = wait_until("Jonas's digest", lambda: _to(smtp, "jonas@example.org"), timeout=60)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    assert "What waits for you:" in text
    settings_link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Your mail settings"))

    page.goto(settings_link)
    expect(page.get_by_label("Every day")).to_be_checked()

    one_click = mail["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    mail_client = browser.new_context()  # a mail provider: no cookies, no session, a bare POST
    for _ in range(2):
        answer = mail_client.request.post(
            one_click,
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_redirects=0,
        )
        assert answer.status == 200
        assert "Turned off" in answer.text()

    page.goto(one_click)  # in a browser, the link shows a button first
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_text("Turned off for jonas: The digest.")).to_be_visible()
    page.get_by_role("link", name="Mail settings").click()
    expect(page.get_by_label("No digest")).to_be_checked()
    assert len([m for m in smtp.messages() if m["To"] == "jonas@example.org"]) == 1
    context.close()
    mail_client.close()
