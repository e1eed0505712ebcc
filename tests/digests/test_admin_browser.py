"""An editor in a real browser: the markdownx widget previews through our sanitizer, as staff only;
and an editor's morning at the desk, from login to the public page."""

import datetime as dt

import pytest

from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, BrowserLog, has_horizontal_scroll

# serialized_rollback, as every transactional test here: the flush afterwards would otherwise wipe
# the rows data migrations made (the arXiv taxonomy) and recreate content types the next restore collides with.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DAY = dt.date(2022, 1, 13)  # the papers factory's listing day
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


@pytest.fixture
def ranked_draft():
    """The day's draft as the build makes it: three papers ranked by their posts."""
    from digests.services.building import digests_build
    from tests.papers.factories import PaperFactory, TweetFactory

    for n, score in enumerate([900, 400, 120]):
        paper = PaperFactory(title=f"Paper number {n + 1}")
        TweetFactory(with_papers=[paper], retweets=score // 3, likes=score - score // 3, author_handle=f"fan{n}")
    digest = digests_build(day=DAY).digest
    return digest


@pytest.fixture
def desk_editor(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("morning", "morning@example.com", "correct horse battery")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_an_editors_morning_reorder_annotate_preview_publish(live_server, desk_editor, ranked_draft, artifacts_dir):
    """Log in as an Editor, drag the second paper above the first, write a note, preview, publish,
    and see the public page change."""
    from playwright.sync_api import expect, sync_playwright

    digest = ranked_draft
    ranked = digest.entries.order_by("position").select_related("paper")
    first, second, third = [entry.paper.arxiv_id for entry in ranked]
    titles = {entry.paper.arxiv_id: entry.paper.title for entry in ranked}
    change_url = f"{live_server.url}/admin/digests/dailydigest/{digest.pk}/change/"
    public_url = f"{live_server.url}{digest.get_absolute_url()}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            reader = browser.new_context().new_page()
            assert reader.goto(public_url).status == 404  # a draft: readers do not see it

            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log = BrowserLog(page)
            failed = []
            page.on("response", lambda response: response.status >= 400 and failed.append(response.url))

            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "morning")
            page.fill("#id_password", "correct horse battery")
            page.click("input[type=submit]")
            expect(page.locator("#desk-dashboard")).to_contain_text("Periodic jobs")
            expect(page.locator("#desk-dashboard")).to_contain_text("No scheduler (celery beat) is running.")
            page.screenshot(path=artifacts_dir / "admin-index-dashboard.png", full_page=True)

            page.goto(change_url)
            rows = page.locator("#entries-group .inline-related.has_original")
            expect(rows).to_have_count(3)
            expect(rows.nth(0).locator("h3")).to_contain_text(first)
            expect(page.locator("#desk-candidates-heading")).to_be_visible()

            # Drag the second paper by its title bar above the first.
            source, target = rows.nth(1).locator("h3"), rows.nth(0).locator("h3")
            source.scroll_into_view_if_needed()  # the mouse works in the viewport
            box_from, box_to = source.bounding_box(), target.bounding_box()
            page.mouse.move(box_from["x"] + 30, box_from["y"] + 10)
            page.mouse.down()
            page.mouse.move(box_from["x"] + 30, box_from["y"] + 20, steps=3)
            page.mouse.move(box_to["x"] + 30, box_to["y"] + 5, steps=10)
            page.mouse.up()
            expect(rows.nth(0).locator("h3")).to_contain_text(second)
            expect(rows.nth(0).locator(".desk-entry-rank")).to_have_text("#1")
            positions = page.locator("#entries-group input._reorder_")
            assert [positions.nth(i).input_value() for i in range(3)] == ["1", "2", "3"]

            note = rows.nth(0).locator("textarea[name$='-note']")
            note.fill("Read this one **first**.")
            expect(rows.nth(0).locator(".markdownx-preview strong")).to_have_text("first")
            page.screenshot(path=artifacts_dir / "admin-desk-before-save.png", full_page=True)
            page.click("input[name=_continue]")
            expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
            expect(rows.nth(0).locator("h3")).to_contain_text(second)
            expect(rows.nth(0).locator("h3")).to_contain_text("placed by hand")

            with context.expect_page() as preview_opened:
                page.get_by_role("link", name="Preview as a reader").click()
            preview = preview_opened.value
            preview.wait_for_load_state()
            expect(preview.locator(".preview-banner")).to_be_visible()
            body = preview.locator("main").inner_text()
            assert body.index(titles[second]) < body.index(titles[first]) < body.index(titles[third])
            assert "Read this one first." in body
            preview.screenshot(path=artifacts_dir / "admin-desk-preview.png", full_page=True)
            preview.close()

            # The same page on a phone, before publishing (the schedule field shows).
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
            ).new_page()
            phone_log = BrowserLog(phone)
            phone.goto(f"{live_server.url}/admin/login/?next=/admin/digests/dailydigest/{digest.pk}/change/")
            phone.fill("#id_username", "morning")
            phone.fill("#id_password", "correct horse battery")
            phone.click("input[type=submit]")
            expect(phone.locator("#entries-group")).to_be_visible()
            phone.screenshot(path=artifacts_dir / "admin-desk-phone.png", full_page=True)
            expect(phone.locator("#desk-publish-at")).to_be_visible()
            assert not has_horizontal_scroll(phone), "the digest's change page scrolls sideways on a phone"

            page.get_by_role("button", name="Publish now").click()
            expect(page.locator(".messagelist")).to_contain_text("is published: readers see it now.")
            expect(page.locator(".desk-state")).to_contain_text("Published")
            page.screenshot(path=artifacts_dir / "admin-desk-published.png", full_page=True)

            assert reader.goto(public_url).status == 200
            expect(reader.locator(".preview-banner")).to_have_count(0)
            public = reader.locator("main").inner_text()
            assert public.index(titles[second]) < public.index(titles[first]) < public.index(titles[third])
            assert "Read this one first." in public
            reader.screenshot(path=artifacts_dir / "public-digest-after-publish.png", full_page=True)
        finally:
            browser.close()

    assert failed == []
    log.assert_clean()
    phone_log.assert_clean()
    assert log.foreign_urls() == []
