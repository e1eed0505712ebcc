"""An editor in a real browser: the markdownx widget previews through our sanitizer, as staff only."""

import pytest

from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, BrowserLog

# serialized_rollback, as every transactional test here: the flush afterwards would otherwise wipe
# the rows data migrations made (the arXiv taxonomy) and recreate content types the next restore collides with.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOSTILE_INTRO = "**Bold claim** <img src=x onerror=alert(1)> [click](javascript:alert(1))"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.com", "correct horse battery")


def test_editor_sees_a_live_sanitized_preview_of_the_intro(live_server, editor, artifacts_dir):
    from playwright.sync_api import expect, sync_playwright

    digest = DailyDigestFactory(draft=True, intro="")
    DigestEntryFactory(digest=digest, position=1, note="A *fine* paper.")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            log = BrowserLog(page)
            dialogs, failed = [], []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("response", lambda response: response.status >= 400 and failed.append(response.url))

            page.goto(f"{live_server.url}/admin/login/?next=/admin/digests/dailydigest/{digest.pk}/change/")
            page.fill("#id_username", "editor")
            page.fill("#id_password", "correct horse battery")
            page.click("input[type=submit]")
            page.wait_for_url(f"**/admin/digests/dailydigest/{digest.pk}/change/")

            page.fill("#id_intro", HOSTILE_INTRO)
            intro_preview = page.locator("#id_intro ~ .markdownx-preview")
            expect(intro_preview.locator("strong")).to_have_text("Bold claim")
            expect(intro_preview.locator("a", has_text="click")).not_to_have_attribute("href", "javascript:alert(1)")
            assert intro_preview.locator("img[onerror]").count() == 0
            page.screenshot(path=artifacts_dir / "admin-digest-change.png", full_page=True)
        finally:
            browser.close()

    assert dialogs == []
    assert failed == []
    log.assert_clean()
    assert log.foreign_urls() == []
