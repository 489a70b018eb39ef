"""Chromium through Playwright, one browser per run for every suite that drives pages.

Every context the run opens listens for what the pages' Content-Security-Policy refused (an inline
script or style, a file from elsewhere): a test that drives Chromium fails if any page it showed broke
the policy, so a page cannot quietly lose its styles or scripts to it.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The machine has no outside network: keep Chromium from trying to reach it.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Chromium reports a refusal on the console, and raises `securitypolicyviolation` in the page; the
# event is passed on to the console too, in case a version words its own message differently.
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e =>
  console.error(`Content Security Policy violation: ${e.violatedDirective} refused ${e.blockedURI || 'inline'}`));"""


class WatchedBrowser:
    """The run's Chromium: every context it opens records the Content-Security-Policy's refusals."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._violations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> BrowserContext:
        context = self._browser.new_context(**options)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._heard)
        return context

    def _heard(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            page = message.page.url if message.page else "?"
            self._violations.append(f"{page}: {message.text}")

    def take_violations(self) -> list[str]:
        """What the policy refused since the last call."""
        taken, self._violations = self._violations, []
        return taken


@pytest.fixture(scope="session")
def browser():
    assert shutil.which("chromium"), "Debian's chromium is missing: scripts/bootstrap installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def _pages_keep_their_content_security_policy(request):
    """A test that drove Chromium fails if a page it showed broke the Content-Security-Policy."""
    if "browser" not in request.fixturenames:
        yield
        return
    watched: WatchedBrowser = request.getfixturevalue("browser")
    watched.take_violations()
    yield
    refused = watched.take_violations()
    assert not refused, "the Content-Security-Policy refused:\n" + "\n".join(refused)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()
