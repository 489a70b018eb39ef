"""Every page of the demo, read as people read it: at 1280 px and on a 390 px phone, as a visitor and as a member.

A page fails when it is wider than the window (naming the element that sticks out), when it comes
without a Content-Security-Policy (or, through the browser fixture, breaks it), when its
visible text holds what a program wrote for itself: JSON or Python literals, ``snake_case`` codes,
ISO timestamps, or a date in any format but the one pages use ("8 December 2026"), or when axe-core
(npm, in ``node_modules/``) finds a serious or critical accessibility violation at either width. The
pages are read in French and Spanish too.

The only text exempt is what is there to be copied, and says so: ``<pre class="copy">`` and
``<code class="copy">`` (commands, hashes, keys, the exact bytes of an entry).
"""

from __future__ import annotations

import re
from collections import deque
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
DEMO_PASSWORD = "confederal-demo"  # the demo's published password

#: Pages that are not pages: files, feeds, the API, the tlog-tiles endpoints, blobs, sign-out.
SKIP = re.compile(
    r"\.(ics|json|csv)$|/api/|/blobs/|/tile/|/checkpoint$|/cosignatures$|/sign-out|/witness/|/federation/observed$"
)

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
#: What a person should never read, with why.
LITERALS: list[tuple[str, re.Pattern[str]]] = [
    ("a JSON or Python dict", re.compile(r"\{\s*[\"']")),
    ("a JSON or Python list", re.compile(r"\[\s*[\"'\d]")),
    ("a JSON key", re.compile(r"\"\s*:")),
    ("a Python literal", re.compile(r"\b(None|True|False)\b")),
    ("a code with underscores", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
    ("an ISO timestamp", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")),
    ("an ISO date", re.compile(r"\b\d{4}-\d\d-\d\d\b")),
    ("a numeric date", re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")),
    ("an abbreviated month", re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")),
    ("a month before its day", re.compile(rf"\b({MONTHS}) \d{{1,2}}\b")),
    ("a time without its zone", re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}, \d\d:\d\d(?! [A-Z+\-])")),
    (
        "a plural after one",
        re.compile(r"\b[Aa]ll 1 \w+s\b|\b1 (members|entries|days|terms|panels|votes|hashes|rules|nodes)\b"),
    ),
    ("a Python repr", re.compile(r"<[A-Za-z_.]+ object at|\bdatetime\.|\bDecimal\(|\bFraction\(")),
]

#: What a page shows and whether it overflows. Exempt text is what a ``.copy`` element holds.
READ_PAGE = """() => {
  // What is folded away is read too: a person may open it.
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const width = window.innerWidth;
  let overflow = null;
  if (document.documentElement.scrollWidth > width) {
    // Boxes that stick out of the window, and boxes whose content spills out of them unclipped.
    const wide = [...document.body.querySelectorAll('*')].filter(el => {
      const r = el.getBoundingClientRect();
      const spills = getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1;
      return r.width > 0 && (r.right > width + 0.5 || (spills && r.left + el.scrollWidth > width + 0.5));
    });
    const leaves = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
    overflow = {
      scrollWidth: document.documentElement.scrollWidth,
      elements: leaves.slice(0, 4).map(el => {
        const r = el.getBoundingClientRect();
        const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
        return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}> ` +
          `right edge ${Math.round(r.right)}px: ${(el.innerText || '').slice(0, 60)}`;
      }),
    };
  }
  // The text a person reads, less what is there to be copied (hidden for the reading, then shown again).
  const copies = [...document.querySelectorAll('pre.copy, code.copy')];
  copies.forEach(el => { el.dataset.display = el.style.display; el.style.display = 'none'; });
  const text = document.body.innerText;
  copies.forEach(el => { el.style.display = el.dataset.display; });
  return {overflow, text};
}"""


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's verdicts that fail a page; "moderate" and "minor" ones are left to judgement.
AXE_FAILS = ("serious", "critical")
RUN_AXE = """async (fails) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => fails.includes(v.impact)).map(v =>
    `${v.impact} ${v.id} (${v.help}) on ${v.nodes.length} element(s): ` +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@cache
def _axe_source() -> str:
    assert AXE.exists(), "axe-core is missing: scripts/bootstrap --dev installs it from npm"
    return AXE.read_text(encoding="utf-8")


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as shown (put in by evaluation: the page's
    Content-Security-Policy allows no script from elsewhere, and evaluation is not subject to it)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    return [f"axe: {v}" for v in page.evaluate(RUN_AXE, list(AXE_FAILS))]


def problems_on(page: Page) -> list[str]:
    """What is wrong with the page as shown, at each width."""
    found: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        seen = page.evaluate(READ_PAGE)
        found.extend(f"{width}px: {problem}" for problem in accessibility_problems(page))
        if seen["overflow"]:
            elements = "; ".join(seen["overflow"]["elements"])
            found.append(f"{width}px: the page is {seen['overflow']['scrollWidth']}px wide; sticking out: {elements}")
        if width == WIDTHS[0]:
            for why, pattern in LITERALS:
                for match in pattern.finditer(seen["text"]):
                    start = max(match.start() - 40, 0)
                    context = seen["text"][start : match.end() + 40].replace("\n", " ⏎ ")
                    found.append(f"{why}: {match.group(0)!r} in …{context}…")
                    break
    return found


def _same_page(url: str) -> str:
    """``url`` less a ``next=`` parameter: the sign-in page that returns to one page is the one that returns to
    another (every page links to it, so without this the crawl reads it once per page of the demo)."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("next="))
    return parts._replace(query=query).geturl()


def crawl(page: Page, start: str, *, skip: re.Pattern[str] | None = None, limit: int = 400) -> dict[str, list[str]]:
    """Visit every same-origin page reachable by links from ``start``; return the problems of each."""
    origin = urlsplit(start)[:2]
    queue, seen = deque([start]), {start}
    report: dict[str, list[str]] = {}
    while queue and len(report) < limit:
        url = queue.popleft()
        response = page.goto(url)
        assert response is not None
        path = urlsplit(url).path
        assert response.status < 500, f"{path} answered {response.status}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        report[url] = problems_on(page)
        if "content-security-policy" not in response.headers:
            report[url].append("no Content-Security-Policy header")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = _same_page(urldefrag(urljoin(url, href))[0])
            parts = urlsplit(link)
            if parts[:2] != origin or link in seen or SKIP.search(parts.path):
                continue
            if skip is not None and skip.search(parts.path + ("?" + parts.query if parts.query else "")):
                continue
            seen.add(link)
            queue.append(link)
    return report


def failures(report: dict[str, list[str]], base: str) -> str:
    return "\n".join(f"{url.removeprefix(base)}: {p}" for url, problems in report.items() for p in problems)


def sign_in(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}).new_page()
    page.goto(f"{url}/accounts/sign-in")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    return page


def test_every_page_of_the_demo_reads_as_plain_words_and_fits_the_window(browser, node):
    visitor = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}).new_page()
    report = crawl(visitor, node.url + "/")
    paths = {urlsplit(u).path for u in report}
    for expected in (
        "/assemblies/food-hub/",
        "/assemblies/food-hub/charter",
        "/assemblies/food-hub/roles/",
        "/assemblies/food-hub/books/",
        "/ledgers/food-hub/",
        "/ledgers/food-hub/entries/0",
        "/federations/",
    ):
        assert any(p.rstrip("/") == expected.rstrip("/") for p in paths), f"the crawl never reached {expected}"
    assert any("/lotteries/" in p or "/draws/" in p for p in paths), "the crawl reached no draw"
    assert any("/meetings/" in p for p in paths), "the crawl reached no meeting"
    assert any("/proposals/" in p for p in paths), "the crawl reached no proposal"
    assemblies = {p.split("/")[2] for p in paths if re.fullmatch(r"/assemblies/[a-z0-9-]+/", p)}
    # Every demo assembly's books page, whether it keeps books yet or not.
    missing = sorted(a for a in assemblies if f"/assemblies/{a}/books/" not in paths)
    assert not missing, f"the crawl reached no books page of {missing}"
    visitor.context.close()

    # A member sees forms and their own votes; the ledgers read the same as for a visitor.
    member = sign_in(browser, node.url, "amara")
    as_member = crawl(member, node.url + "/", skip=re.compile(r"^/ledgers/"))
    report.update({f"{url} (as amara)": problems for url, problems in as_member.items()})
    forms = (
        "/accounts/tokens",
        "/assemblies/new",
        "/assemblies/food-hub/proposals/new",
        "/assemblies/food-hub/meetings/new",
        "/assemblies/food-hub/books/",
    )
    for path in forms:
        member.goto(node.url + path)
        report[f"{node.url}{path} (as amara)"] = problems_on(member)
    member.context.close()
    assert not failures(report, node.url), "\n" + failures(report, node.url)


#: Long French and Spanish words must fit a phone too; the crawl in each reads this many pages of the demo.
OTHER_LANGUAGES = {"fr": "Assemblées de ce nœud", "es": "Asambleas de este nodo"}
PAGES_PER_LANGUAGE = 120


@pytest.mark.parametrize("language", sorted(OTHER_LANGUAGES))
def test_the_demo_reads_and_fits_in_french_and_spanish(browser, node, language):
    """The browser asks for the language; a member who chose it in their account reads their forms in it."""
    visitor = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale=language).new_page()
    visitor.goto(node.url + "/")
    assert visitor.get_attribute("html", "lang") == language
    expect(visitor.get_by_role("heading", name=OTHER_LANGUAGES[language])).to_be_visible()
    report = crawl(visitor, node.url + "/", limit=PAGES_PER_LANGUAGE)
    visitor.context.close()

    member = sign_in(browser, node.url, "amara")
    member.goto(node.url + "/accounts/")
    member.get_by_label("The language of these pages").select_option(language)
    member.get_by_role("button", name="Save the language").click()
    expect(member.locator("html")).to_have_attribute("lang", language)
    for path in (
        "/accounts/",
        "/assemblies/food-hub/",
        "/assemblies/food-hub/proposals/new",
        "/assemblies/food-hub/books/",
    ):
        member.goto(node.url + path)
        report[f"{node.url}{path} (as amara)"] = problems_on(member)
    member.context.close()
    assert not failures(report, node.url), "\n" + failures(report, node.url)


LONG_TITLE = "Unbroken" + "x" * 192  # 200 characters and no space
LONG_NAME = "Maximiliana" + "w" * 69  # 80 characters, the longest public name


def test_long_unbroken_names_and_titles_fit_on_every_width(browser, node):
    amara = sign_in(browser, node.url, "amara")
    amara.goto(node.url + "/assemblies/food-hub/proposals/new")
    amara.get_by_label("Title").fill(LONG_TITLE)
    amara.get_by_label("What you propose, and why").fill("A" * 300)
    amara.get_by_role("button", name="Open the vote").click()
    expect(amara.get_by_role("heading", name=re.compile(LONG_TITLE))).to_be_visible()
    proposal = amara.url

    amara.goto(node.url + "/assemblies/food-hub/")
    amara.get_by_role("button", name="Invite someone").click()
    link = amara.locator("#invitation-link").inner_text().strip()

    newcomer = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}).new_page()
    newcomer.goto(f"{node.url}/accounts/sign-up")
    newcomer.get_by_label("Sign-in name").fill("n" * 40)  # the longest sign-in name
    newcomer.get_by_label("Password").fill("a-long-browser-password")
    newcomer.get_by_role("button", name="Create account").click()
    expect(newcomer.get_by_text("Signed in as " + "n" * 40)).to_be_visible()
    newcomer.goto(link)
    newcomer.get_by_label("Your public name in this assembly").fill(LONG_NAME)
    newcomer.get_by_role("button", name="Accept and join").click()
    expect(newcomer.get_by_text("Welcome to Riverside Food Hub!")).to_be_visible()
    newcomer.goto(proposal)
    newcomer.get_by_role("button", name="Cast my vote").wait_for()
    newcomer.get_by_role("radio").first.check()
    newcomer.get_by_role("button", name="Cast my vote").click()
    expect(newcomer.locator("#your-vote")).to_be_visible()

    long_assembly = "Assembly" + "y" * 112  # 120 characters, the longest name
    newcomer.goto(node.url + "/assemblies/new")
    newcomer.get_by_label("Name", exact=True).fill(long_assembly)
    newcomer.get_by_label("Short name for addresses").fill("long-" + "z" * 59)
    newcomer.get_by_label("Principles").fill("W" * 400)
    newcomer.get_by_label("Maximum size").fill("15")
    newcomer.get_by_label("Your public name in this assembly").fill(LONG_NAME)
    newcomer.get_by_role("button", name="Found the assembly").click()
    expect(newcomer.get_by_role("heading", name=long_assembly)).to_be_visible()

    report: dict[str, list[str]] = {}
    for who, page in (("amara", amara), ("newcomer", newcomer)):
        for path in (
            proposal.removeprefix(node.url),
            "/",
            "/ledgers",
            "/assemblies/food-hub/",
            "/ledgers/food-hub/",
            "/assemblies/long-" + "z" * 59 + "/",
            "/assemblies/long-" + "z" * 59 + "/charter",
            "/ledgers/long-" + "z" * 59 + "/",
        ):
            page.goto(node.url + path)
            report[f"{path} (as {who})"] = problems_on(page)
    newcomer.context.close()
    amara.context.close()
    assert not failures(report, node.url), "\n" + failures(report, node.url)
