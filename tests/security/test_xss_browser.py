"""The hostile site (tests/security/hostile.py) in Chromium: a few pages that each hold many payloads.

Every payload that ran would set window.__xss or open a dialog; one that loaded something would ask a
host other than 127.0.0.1 (evil.example). The pages are served under the production policy, and the
BrowserLog of tests/test_browser.py records every request and every CSP violation: a payload the
sanitizer let through would show up as a violation even where the policy stopped it.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.security.hostile import HOSTILE_CATEGORY, SEARCH_WORD, build_hostile_site
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, BrowserLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct horse battery staple"


def test_no_payload_runs_loads_or_breaks_the_policy_in_chromium(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    editor = get_user_model().objects.create_superuser("xss-editor", "editor@example.com", PASSWORD)
    client = Client()
    client.force_login(editor)
    site = build_hostile_site(admin_client=client, tmp_dir=tmp_path)
    public = [
        site.big_digest.get_absolute_url(),  # posts, tags, the intro and notes, titles/authors/abstracts as shown
        site.atom_papers[0].get_absolute_url(),  # arXiv metadata: title, authors, comment, journal ref, abstract
        site.oai_papers[-1].get_absolute_url(),
        reverse("papers:category-detail", args=[HOSTILE_CATEGORY]),  # every paper's title and teaser
        f"{reverse('papers:search')}?q={SEARCH_WORD}",  # highlighted snippets
        f"/archive/{site.small_digests[0].date:%Y/%m}/",  # digest titles and descriptions
        reverse("digests:digest-list"),
        reverse("digests:trending"),
    ]
    admin = [
        # The markdownx widget renders the intro and every note through the preview endpoint into the page.
        reverse("admin:digests_dailydigest_change", args=[site.big_digest.pk]),
        reverse("admin:papers_tweet_changelist"),
    ]
    seen = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            log = BrowserLog(page)
            dialogs = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{live_server.url}{reverse('admin:login')}")
            page.fill("#id_username", "xss-editor")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"**{reverse('admin:index')}")
            for path in public + admin:
                page.goto(f"{live_server.url}{path}", wait_until="networkidle")
                if path == admin[0]:
                    preview = page.locator(".markdownx-preview").first
                    preview.wait_for(state="attached")
                    page.wait_for_function(
                        "document.querySelector('.markdownx-preview').textContent.includes('E000')", timeout=10_000
                    )
                # Give timers, animations and lazy handlers (ontoggle, onanimationstart, autofocus) their chance.
                page.wait_for_timeout(300)
                seen[path] = page.evaluate("typeof window.__xss")
        finally:
            browser.close()

    assert dialogs == []
    assert {path: kind for path, kind in seen.items() if kind != "undefined"} == {}
    assert log.foreign_urls() == []
    assert log.csp_violations == []
    assert len(log.csp_headers) >= len(public) + len(admin)
