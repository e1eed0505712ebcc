"""Security headers on public pages and the admin, the CSP report endpoint, and the admin under the policy."""

import ast
import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import PaperFactory, TweetFactory
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, BrowserLog

PASSWORD = "correct horse battery"
BASE_DIR = Path(settings.BASE_DIR)


def policy_of(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response):
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = dict(part.split("=") for part in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert permissions[feature] == "()"


@pytest.mark.django_db
def test_a_public_page_sends_every_security_header(client):
    DailyDigestFactory()
    response = client.get("/")

    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_admin_login_and_its_pages_send_every_security_header(client, admin_client):
    login = client.get(reverse("admin:login"))
    digest_list = admin_client.get(reverse("admin:digests_dailydigest_changelist"))

    assert login.status_code == digest_list.status_code == 200
    assert_security_headers(login)
    assert_security_headers(digest_list)


def test_loading_x_widgets_allows_exactly_their_host():
    # The opt-in widget script is the only outside script the policy ever names.
    code = "import json; from django.conf import settings as s; print(json.dumps(s.CONTENT_SECURITY_POLICY))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hotpapers_site.settings.test", "HOTPAPERS_LOAD_X_WIDGETS": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout)["DIRECTIVES"]
    assert directives["script-src"] == ["'self'", "https://platform.twitter.com"]
    assert directives["frame-src"] == ["https://platform.twitter.com"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_a_csp_report_is_logged_in_one_line(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://hotpapers.example/digests/x/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "https://evil.example/x.js",
        }
    }
    with caplog.at_level(logging.WARNING, logger="hotpapers_site.views"):
        response = client.post("/csp-report", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    assert [record.getMessage() for record in caplog.records] == [
        "CSP violation: script-src-elem blocked https://evil.example/x.js on https://hotpapers.example/digests/x/"
    ]


@pytest.mark.parametrize(
    ("body", "status"), [(b"not json", 400), (b"[1, 2]", 400), (b'{"csp-report": "' + b"x" * 20000 + b'"}', 413)]
)
def test_the_csp_report_endpoint_refuses_what_is_not_a_small_report(client, body, status):
    assert client.post("/csp-report", body, content_type="application/csp-report").status_code == status


def test_the_csp_report_endpoint_takes_posts_only(client):
    assert client.get("/csp-report").status_code == 405


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_works_through_the_admin_with_no_policy_violation(live_server, django_user_model, artifacts_dir):
    """Django's admin scripts (inlines, actions, autocomplete, popups) and markdownx run under the policy."""
    from playwright.sync_api import expect, sync_playwright

    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    paper = PaperFactory(title="Attention is all you need")
    TweetFactory().papers.add(paper)
    digest = DailyDigestFactory(draft=True)
    DigestEntryFactory(digest=digest, position=1, paper=paper)
    pages = [
        reverse("admin:index"),
        reverse("admin:digests_dailydigest_changelist"),
        reverse("admin:digests_dailydigest_change", args=[digest.pk]),
        reverse("admin:papers_paper_changelist"),
        reverse("admin:papers_paper_change", args=[paper.pk]),
        reverse("admin:papers_tweet_changelist"),
        reverse("admin:papers_ingestrun_changelist"),
        reverse("admin:papers_ingestrun_ingest"),
        reverse("admin:digests_markdownimport_changelist"),
        reverse("admin:digests_markdownimport_import"),
        reverse("admin:django_celery_beat_periodictask_changelist"),
    ]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            log = BrowserLog(page)
            page.goto(f"{live_server.url}{reverse('admin:login')}")
            page.fill("#id_username", "editor")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"**{reverse('admin:index')}")

            for path in pages:
                page.goto(f"{live_server.url}{path}")
                expect(page.locator("#content")).to_be_visible()

            # The add form: an inline row added by inlines.js, an autocomplete opened, a Markdown preview.
            page.goto(f"{live_server.url}{reverse('admin:digests_dailydigest_add')}")
            tags = page.locator(".dynamic-digest_tags")
            before = tags.count()
            page.get_by_role("button", name="Add another Digest tag").click()
            expect(tags).to_have_count(before + 1)
            page.fill("#id_intro", "**Bold**")
            expect(page.locator("#id_intro ~ .markdownx-preview strong")).to_have_text("Bold")
            # The digest's page: its "Add a paper" autocomplete (papers come from the ranking, not typed rows).
            page.goto(f"{live_server.url}{reverse('admin:digests_dailydigest_change', args=[digest.pk])}")
            page.locator(".field-add_paper .select2-selection").click()
            page.locator(".select2-search__field").fill("Attention")
            expect(page.locator(".select2-results__option", has_text="Attention is all you need")).to_be_visible()
            page.keyboard.press("Escape")

            # The changelist's action bar (actions.js) selects all rows.
            page.goto(f"{live_server.url}{reverse('admin:digests_dailydigest_changelist')}")
            page.check("#action-toggle")
            expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
            page.screenshot(path=artifacts_dir / "admin-under-csp.png", full_page=True)
        finally:
            browser.close()

    log.assert_clean()


# Admin login rate limit (django-axes), through the real login form.


def admin_login(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)


@pytest.mark.django_db
def test_wrong_passwords_lock_the_username_out_from_that_address_even_with_the_right_one(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = admin_login(client, "editor", "guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()

    locked = admin_login(client, "editor", "one more guess")
    assert locked.status_code == 429
    assert "Too many login attempts" in locked.content.decode()
    assert "Try again in 0:15:00" in locked.content.decode()
    assert_security_headers(locked)

    still_locked = admin_login(client, "editor", PASSWORD)
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_binds_one_username_to_one_address(client, editor, django_user_model, settings):
    django_user_model.objects.create_superuser("other", "other@example.com", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "editor", "guess")

    assert admin_login(client, "editor", PASSWORD).status_code == 429
    # The real editor elsewhere, and another editor on the same address, still get in.
    assert admin_login(Client(), "editor", PASSWORD, address="198.51.100.20").status_code == 302
    assert admin_login(Client(), "other", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(client, editor, settings):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            admin_login(client, "editor", "guess")
        assert admin_login(client, "editor", PASSWORD).status_code == 429

        clock.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=30))
        assert admin_login(client, "editor", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(seconds=60))
        response = admin_login(client, "editor", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_a_successful_login_resets_the_count_of_failures(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "editor", "guess")
    assert admin_login(client, "editor", PASSWORD).status_code == 302

    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert admin_login(client, "editor", "guess").status_code == 200
    assert admin_login(client, "editor", PASSWORD).status_code == 302


# Secrets: only from the environment, documented in .env.example, none in the repository.

SETTINGS_DIR = BASE_DIR / "hotpapers_site" / "settings"
# Each pattern is split so that this file does not match itself.
KEY_LIKE = {
    "private key": re.compile("-----BEGIN [A-Z ]*" + "PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(AKIA|ASIA)" + r"[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_" + r"[A-Za-z0-9]{36,}"),
    "Slack token": re.compile(r"\bxox[abprs]-" + r"[A-Za-z0-9-]{10,}"),
    "X bearer token": re.compile(r"\bA{15,}" + r"[A-Za-z0-9%]{30,}"),
    "Bluesky app password": re.compile(r"\b[a-z0-9]{4}-" + r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b"),
    "OpenAI-style key": re.compile(r"\bsk-" + r"[A-Za-z0-9_-]{32,}"),
    "password in a URL": re.compile(r"://[^/\s:@'\"]*:(?!PASSWORD@)" + r"[^/\s@'\"]{3,}@"),
}
SECRET_SETTING = re.compile(r"(SECRET_KEY|TOKEN|PASSWORD|PRIVATE_KEY|API_KEY)$")


def tracked_text_files():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=BASE_DIR, capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        path = BASE_DIR / name
        if name and path.is_file():
            try:
                yield name, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # images


def test_no_tracked_file_holds_a_key_like_string():
    files = dict(tracked_text_files())
    assert "hotpapers_site/settings/base.py" in files, "git ls-files listed nothing"
    assert ".env" not in files
    found = [
        f"{name}: {kind} {match.group()[:12]}…"
        for name, text in files.items()
        for kind, pattern in KEY_LIKE.items()
        for match in pattern.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize("module", sorted(path.name for path in SETTINGS_DIR.glob("*.py")))
def test_settings_give_secrets_no_value_but_the_environment(module):
    """A secret setting is read from the environment with an empty default; only the dev and test
    signing keys have a literal, and production refuses those (they start with django-insecure)."""
    tree = ast.parse((SETTINGS_DIR / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        if not any(SECRET_SETTING.search(name) for name in names):
            continue
        literals = [
            value.value
            for value in ast.walk(node.value)
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value
        ]
        defaults = [literal for literal in literals if not re.fullmatch(r"[A-Z_]+", literal)]  # not the env names
        assert all(literal.startswith("django-insecure-") for literal in defaults), (module, names, defaults)
        if defaults:
            assert module in ("local.py", "test.py"), (module, names)


def test_base_settings_have_no_secret_without_the_environment():
    code = (
        "import json; import hotpapers_site.settings.base as s;"
        "print(json.dumps([s.SECRET_KEY, s.X_BEARER_TOKEN, s.BLUESKY_APP_PASSWORD, s.BLUESKY_HANDLE]))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "X_", "BLUESKY_"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [None, "", "", ""]


def test_env_example_documents_every_variable_the_settings_read():
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", example, flags=re.M))
    read = set()
    for path in SETTINGS_DIR.glob("*.py"):
        read |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", path.read_text(encoding="utf-8")))
        read |= set(re.findall(r"\"([A-Z][A-Z0-9_]*)\" (?:not )?in env\b", path.read_text(encoding="utf-8")))
    assert "DJANGO_SECRET_KEY" in read and "REDIS_URL" in read
    assert sorted(read - documented) == []
    # Every line is a comment: copying the file to .env changes nothing until a line is uncommented.
    assert all(line.startswith("#") for line in example.splitlines() if line.strip())
