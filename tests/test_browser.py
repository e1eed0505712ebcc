"""A reader in a real browser: headless Chromium (Debian's) driven by Playwright against live_server.

The seed digest is imported with the real importer; the browser then clicks from the home page
to it and checks what a reader sees, that nothing was fetched from a third party, and that the
page fits a phone. Screenshots land in tests/artifacts/ for a human to look at.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings

from digests.models import DailyDigest

# serialized_rollback: the flush after a transactional test would otherwise wipe the rows data
# migrations load (the arXiv taxonomy) for every later test and, with --reuse-db, later runs.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SEED_SLUG = "hot-papers-2022-01-13"


def seed_expectations(text):
    """Titles (whitespace collapsed, as pages show them) and the number of posts, read from the file itself."""
    titles = [" ".join(title.split()) for title in re.findall(r"^# \d+\. (.+)$", text, flags=re.M)]
    return titles, text.count('<blockquote class="twitter-tweet">')


# Runs in every document before its own scripts; init scripts are exempt from the page's CSP.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI} on ${event.documentURI}`);
});
"""


class BrowserLog:
    """Every request a page makes, every error it reports, and every Content-Security-Policy violation."""

    def __init__(self, page):
        self.urls = []
        self.errors = []
        self.csp_violations = []
        self.csp_headers = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._record_csp_header)
        page.expose_function("reportCspViolation", lambda text: self.csp_violations.append(text))
        page.add_init_script(REPORT_CSP_VIOLATIONS)

    def _record_csp_header(self, response):
        if response.request.resource_type == "document":
            self.csp_headers.append(response.headers.get("content-security-policy"))

    def assert_clean(self):
        """No error, no violation, and every page was served under the policy (so none could pass unseen)."""
        assert self.csp_violations == []
        assert self.errors == []
        assert self.csp_headers, "the browser log saw no page"
        assert all(header and "script-src 'self'" in header for header in self.csp_headers), self.csp_headers

    def foreign_urls(self):
        return [url for url in self.urls if urlsplit(url).hostname not in LOCAL_HOSTS]


def has_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.fixture
def seed_digest(seed_path):
    from digests.services.importing import digest_import_text

    text = seed_path.read_text(encoding="utf-8")
    digest_import_text(text=text, name=seed_path.name)
    digest = DailyDigest.objects.published().get(slug=SEED_SLUG)
    paper_url = digest.entries.order_by("position").first().paper.get_absolute_url()
    return digest, paper_url, *seed_expectations(text)


def test_reader_clicks_from_home_to_the_seed_digest(live_server, seed_digest, artifacts_dir):
    from playwright.sync_api import expect, sync_playwright

    digest, paper_url, titles, post_count = seed_digest
    assert len(titles) == 8 and post_count == 11

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            desktop = browser.new_page(viewport={"width": 1280, "height": 900})
            log = BrowserLog(desktop)

            desktop.goto(f"{live_server.url}/")
            expect(desktop.get_by_role("heading", level=1)).to_have_text("Hot Papers")
            desktop.screenshot(path=artifacts_dir / "home-desktop.png", full_page=True)
            desktop.get_by_role("link", name=digest.title, exact=True).click()
            desktop.wait_for_url(f"**{digest.get_absolute_url()}")

            expect(desktop.get_by_role("heading", level=1)).to_have_text(digest.title)
            assert desktop.locator(".entry__title a").all_inner_texts() == titles
            posts = desktop.locator("blockquote.post")
            expect(posts).to_have_count(post_count)
            for index in range(post_count):
                expect(posts.nth(index)).to_be_visible()
            expect(desktop.locator(".entry__metrics").first).to_have_text(
                "retweets: 1343, favorites: 239 (01/14/2022 11:10:50)"
            )
            desktop.screenshot(path=artifacts_dir / "digest-desktop.png", full_page=True)

            desktop.goto(f"{live_server.url}{paper_url}")
            desktop.screenshot(path=artifacts_dir / "paper-desktop.png", full_page=True)

            phone_context = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
            )
            phone = phone_context.new_page()
            phone_log = BrowserLog(phone)
            for name, path in [("home", "/"), ("digest", digest.get_absolute_url()), ("paper", paper_url)]:
                phone.goto(f"{live_server.url}{path}")
                assert not has_horizontal_scroll(phone), f"{name} scrolls sideways on a phone"
                phone.screenshot(path=artifacts_dir / f"{name}-phone.png", full_page=True)

            dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
            dark_log = BrowserLog(dark)
            dark.goto(f"{live_server.url}{digest.get_absolute_url()}")
            dark.screenshot(path=artifacts_dir / "digest-desktop-dark.png", full_page=True)
        finally:
            browser.close()

    for each in (log, phone_log, dark_log):
        each.assert_clean()
        assert each.urls, "the browser log recorded nothing"
        assert each.foreign_urls() == []


AXE_PATH = Path(settings.BASE_DIR) / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page):
    """axe-core's serious and critical violations on the page, as "rule: target" strings."""
    page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]


def word_from(abstract):
    """A distinctive word of the abstract (the longest plain one), to search for."""
    return max(re.findall(r"\b[a-z]{6,}\b", abstract), key=len)


def test_a_reader_finds_their_way_around_the_site(live_server, seed_digest, artifacts_dir):
    """The seed digest (and, when ../shared is here, a few corpus posts for older digests and cards)."""
    from playwright.sync_api import expect, sync_playwright

    from digests.services.importing import digest_import_text
    from tests.conftest import CORPUS_DIR

    for path in sorted(CORPUS_DIR.glob("*.md"))[:3] if CORPUS_DIR.is_dir() else []:
        digest_import_text(text=path.read_text(encoding="utf-8"), name=path.name)

    if not AXE_PATH.is_file():
        pytest.fail(f"axe-core is missing at {AXE_PATH}: `make chromium` installs it (npm install --prefix var/node)")
    digest, paper_url, titles, _posts = seed_digest
    first = digest.entries.select_related("paper").order_by("position").first().paper
    category = first.paper_categories.select_related("category").first().category
    word = word_from(first.abstract)
    published = list(DailyDigest.objects.published().order_by("-date").values_list("title", flat=True))
    audits = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            log = BrowserLog(page)

            audited_urls = {}
            page.goto(f"{live_server.url}/")
            audits["home"] = axe_violations(page)
            audited_urls["home"] = page.url
            expect(page.locator(".trending-strip")).to_contain_text(" ".join(first.title.split()))
            page.locator(".feature__title").get_by_role("link", name=digest.title).click()
            page.wait_for_url(f"**{digest.get_absolute_url()}")
            audits["digest"] = axe_violations(page)
            audited_urls["digest"] = page.url

            page.locator(".entry__title a").first.click()
            page.wait_for_url(f"**{paper_url}")
            expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
            expect(page.locator(".chart__svg")).to_be_visible()
            audits["paper"] = axe_violations(page)
            audited_urls["paper"] = page.url

            page.locator(".facts").get_by_role("link", name=category.code, exact=True).click()
            page.wait_for_url(f"**{category.get_absolute_url()}")
            expect(page.get_by_role("heading", level=1)).to_contain_text(category.code)

            search_box = page.get_by_role("searchbox", name="Search papers").first
            search_box.fill(word)
            search_box.press("Enter")
            page.wait_for_url("**/search/?q=*")
            expect(page.locator(".paper-card__snippet mark").first).to_have_text(re.compile(word, re.I))
            audits["search"] = axe_violations(page)
            audited_urls["search"] = page.url
            page.locator(".paper-card__title a").first.click()
            page.wait_for_url("**/papers/**")
            expect(page.locator(".paper__abstract")).to_contain_text(word)

            page.get_by_role("navigation", name="Main").get_by_role("link", name="Archive").click()
            page.wait_for_url("**/archive/")
            page.get_by_role("link", name=str(digest.date.year)).click()
            page.wait_for_url(f"**/archive/{digest.date.year}/")
            audits["archive"] = axe_violations(page)
            audited_urls["archive"] = page.url
            page.get_by_role("link", name=f"{digest.date:%B %Y}").click()
            page.wait_for_url(f"**/archive/{digest.date:%Y/%m}/")
            page.locator(".calendar__day--digest a").first.click()
            page.wait_for_url(f"**{digest.get_absolute_url()}")

            page.get_by_role("navigation", name="Main").get_by_role("link", name="Feeds").click()
            href = page.get_by_role("link", name="Daily digests (Atom)").get_attribute("href")
            feed = page.request.get(f"{live_server.url}{href}")
            entries = ElementTree.fromstring(feed.body()).findall("{http://www.w3.org/2005/Atom}entry")
            assert [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in entries] == published

            # Keyboard: the skip link is the first stop and moves focus to the content.
            page.goto(f"{live_server.url}/")
            page.keyboard.press("Tab")
            expect(page.locator(".skip-link")).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator("main#content")).to_be_focused()

            shots = []
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
            ).new_page()
            dark = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark").new_page()
            dark_phone = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, color_scheme="dark"
            ).new_page()
            logs = [log, BrowserLog(phone), BrowserLog(dark), BrowserLog(dark_phone)]
            for name, path in [("home", "/"), ("digest", digest.get_absolute_url()), ("paper", paper_url)]:
                for mode, each in (("phone", phone), ("dark", dark), ("dark-phone", dark_phone)):
                    each.goto(f"{live_server.url}{path}")
                    if "phone" in mode:
                        assert not has_horizontal_scroll(each), f"{name} scrolls sideways at 390 px ({mode})"
                    shot = artifacts_dir / f"reader-{name}-{mode}.png"
                    each.screenshot(path=shot, full_page=True)
                    shots.append(shot)
            for name, url in audited_urls.items():
                dark.goto(url)
                audits[f"{name} (dark)"] = axe_violations(dark)
        finally:
            browser.close()

    assert {page_name: found for page_name, found in audits.items() if found} == {}
    assert all(shot.stat().st_size > 10_000 for shot in shots)
    for each in logs:
        assert each.errors == []
        assert each.urls and each.foreign_urls() == []
