"""The browser fixture's watch on the Content-Security-Policy can fail a test.

Every other browser test relies on it (`tests/support/browser.py`): a page that breaks the policy, say
with an inline style or script, fails the test that showed it. Here a page made up on the spot breaks
it on purpose, and the watch must have heard both refusals.
"""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html><head><title>before</title></head>
<body><p style="color: red">An inline style.</p><script>document.title = "ran"</script></body></html>"""


def test_the_watch_hears_an_inline_style_and_an_inline_script_refused(browser):
    context = browser.new_context()
    page = context.new_page()
    page.route(
        "https://policy.invalid/",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body=BROKEN, headers={"Content-Security-Policy": "default-src 'self'"}
        ),
    )
    page.goto("https://policy.invalid/")
    assert page.title() == "before", "the inline script ran: the policy was not applied"
    heard: list[str] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (any("style" in h for h in heard) and any("script" in h for h in heard)):
        page.wait_for_timeout(100)
        heard += browser.take_violations()
    context.close()
    assert any("style" in h for h in heard), heard
    assert any("script" in h for h in heard), heard
