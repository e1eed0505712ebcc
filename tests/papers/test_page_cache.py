"""The page cache: rendered pages served from process memory while the version key in Redis is unchanged."""

import datetime as dt
import logging

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_headers

from digests.models import DailyDigest
from digests.services.importing import digest_import_text
from digests.services.publishing import digests_publish_now
from papers import page_cache
from papers.models import TweetMetrics
from papers.services.moderation import tweets_set_hidden
from papers.services.upsert import PaperRecord, papers_upsert
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.HOTPAPERS_PAGE_CACHE = True
    settings.HOTPAPERS_PAGE_CACHE_CHECK_MS = 0  # every request reads the version: changes show at once
    page_cache.page_cache_reset()
    cache.delete(page_cache.VERSION_KEY)
    yield
    page_cache.page_cache_reset()


@pytest.fixture
def entry():
    return DigestEntryFactory(with_tweets=2, note="First *note*.")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's writes as if their transaction committed (page_cache_bump waits for the commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def rendered(client, url, **headers):
    """One GET's response and the number of SQL queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_a_second_read_is_served_from_memory_without_touching_the_database(client, entry):
    url = entry.digest.get_absolute_url()

    first, first_queries = rendered(client, url)
    second, second_queries = rendered(client, url)

    assert first.status_code == second.status_code == 200
    assert first_queries > 0 and second_queries == 0
    assert second.content == first.content
    assert second["ETag"] == first["ETag"] and first["ETag"].startswith('"')
    assert second["Content-Type"] == first["Content-Type"] == "text/html; charset=utf-8"
    assert second["X-Frame-Options"] == first["X-Frame-Options"]


def test_pages_of_both_apps_and_head_requests_are_cached(client, entry):
    paper_url = entry.paper.get_absolute_url()
    for url in (reverse("digests:digest-list"), paper_url, reverse("sitemap")):
        rendered(client, url)
        assert rendered(client, url)[1] == 0, url
    head = client.head(paper_url)
    assert head.status_code == 200 and head["ETag"]


def test_api_answers_are_cached_and_keep_their_cors_header(client, entry):
    url = f"/api/digests/{entry.digest.slug}/"
    client.get(url)
    cached, queries = rendered(client, url, origin="https://reader.example")
    assert queries == 0 and cached.json()["slug"] == entry.digest.slug
    assert cached["Access-Control-Allow-Origin"] == "*"


def test_a_matching_etag_gets_304_from_the_cache_and_from_a_fresh_render(client, entry):
    url = entry.digest.get_absolute_url()
    etag = client.get(url)["ETag"]

    cached, queries = rendered(client, url, if_none_match=etag)
    page_cache.page_cache_reset()
    fresh = client.get(url, headers={"if-none-match": f'W/{etag}, "other"'})

    assert cached.status_code == 304 and queries == 0 and cached.content == b""
    assert cached["ETag"] == etag
    assert fresh.status_code == 304
    assert client.get(url, headers={"if-none-match": '"stale"'}).status_code == 200


def test_editing_a_digest_retires_its_cached_page(client, entry, committed):
    url = entry.digest.get_absolute_url()
    client.get(url)

    with committed():
        entry.digest.title = "A better title"
        entry.digest.save()

    response, queries = rendered(client, url)
    assert queries > 0 and "A better title" in response.content.decode()


def test_editing_an_entry_note_retires_the_page(client, entry, committed):
    url = entry.digest.get_absolute_url()
    client.get(url)

    with committed():
        entry.note = "Second **note**."
        entry.save()

    assert "<strong>note</strong>" in client.get(url).content.decode()


def test_publishing_and_unpublishing_show_at_once(client, committed):
    draft = DigestEntryFactory(digest=DailyDigestFactory(draft=True, title="Fresh digest")).digest
    home = reverse("digests:digest-list")
    assert "Fresh digest" not in client.get(home).content.decode()

    with committed():
        digests_publish_now(digests=[draft])
    assert "Fresh digest" in client.get(home).content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 200

    with committed():
        draft.status, draft.published_at = DailyDigest.Status.DRAFT, None
        draft.save()
    assert "Fresh digest" not in client.get(home).content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_hiding_and_showing_a_post_show_at_once(client, entry, committed):
    url = entry.digest.get_absolute_url()
    tweet = entry.tweets.first()
    assert client.get(url).content.decode().count('<blockquote class="post"') == 2

    with committed():
        tweets_set_hidden(tweets=[tweet], hidden=True)
    assert client.get(url).content.decode().count('<blockquote class="post"') == 1

    with committed():
        tweets_set_hidden(tweets=[tweet], hidden=False)
    assert client.get(url).content.decode().count('<blockquote class="post"') == 2


def test_new_metrics_and_a_paper_update_retire_the_pages(client, entry, committed):
    url = entry.paper.get_absolute_url()
    client.get(url)
    tweet = entry.tweets.first()

    with committed():
        TweetMetrics.objects.create(tweet=tweet, measured_at=dt.datetime(2022, 1, 14, tzinfo=dt.UTC), likes=9)
    assert rendered(client, url)[1] > 0

    with committed():
        entry.paper.title = "Retitled on arXiv"
        entry.paper.save()
    assert "Retitled on arXiv" in client.get(url).content.decode()


def test_an_arxiv_update_written_in_bulk_retires_the_pages(client, entry, committed):
    url = entry.paper.get_absolute_url()
    client.get(url)
    paper = entry.paper
    record = PaperRecord(arxiv_id=paper.arxiv_id, title="Version two", authors=("A. Author",), categories=(), version=2)

    with committed():
        papers_upsert(records=[record])

    assert "Version two" in client.get(url).content.decode()


def test_reimporting_a_post_retires_the_pages(client, seed_path, committed):
    with committed():
        digest = digest_import_text(text=seed_path.read_bytes(), name=seed_path.name).digest
    url = digest.get_absolute_url()
    client.get(url)
    edited = seed_path.read_text().replace("retweets: 1343", "retweets: 1344", 1)
    assert edited != seed_path.read_text()

    with committed():
        digest_import_text(text=edited, name=seed_path.name)

    assert "retweets: 1344" in client.get(url).content.decode()


def test_a_rolled_back_change_bumps_nothing(client, entry, django_capture_on_commit_callbacks):
    url = entry.digest.get_absolute_url()
    client.get(url)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            entry.digest.title = "Never shown"
            entry.digest.save()
            raise RuntimeError("rolled back")

    assert callbacks == []
    assert rendered(client, url)[1] == 0


def test_another_process_bump_shows_after_the_check_interval(client, entry, settings):
    settings.HOTPAPERS_PAGE_CACHE_CHECK_MS = 60_000
    url = entry.digest.get_absolute_url()
    client.get(url)

    cache.set(page_cache.VERSION_KEY, 12345, timeout=None)  # what another process's bump writes
    assert rendered(client, url)[1] == 0  # within the interval: still served from memory

    settings.HOTPAPERS_PAGE_CACHE_CHECK_MS = 0
    assert rendered(client, url)[1] > 0


def test_pages_expire_after_the_ttl_whatever_the_version(client, entry, settings):
    settings.HOTPAPERS_PAGE_CACHE_TTL = 0
    url = entry.digest.get_absolute_url()
    client.get(url)
    assert rendered(client, url)[1] > 0


def test_editors_are_never_served_from_or_stored_in_the_cache(client, entry, django_user_model):
    draft = DigestEntryFactory(digest=DailyDigestFactory(draft=True)).digest
    url = entry.digest.get_absolute_url()
    client.get(url)  # a reader's copy is stored
    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))

    assert rendered(client, url)[1] > 0
    preview = client.get(draft.get_absolute_url())
    assert preview.status_code == 200 and "only editors can see it" in preview.content.decode()
    client.logout()

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert len(page_cache.store) == 1


def test_errors_posts_and_pages_outside_the_cached_views_are_not_stored(client, entry):
    missing = reverse("digests:digest-detail", args=["no-such-digest"])
    client.get(missing)
    client.post(entry.digest.get_absolute_url())
    client.get(reverse("admin:login"))
    assert len(page_cache.store) == 0
    assert rendered(client, missing)[1] > 0


def _sets_a_cookie(request):
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")
    return response


def _holds_a_csrf_token(request):
    return HttpResponse(f"<form><input name=csrfmiddlewaretoken value={get_token(request)}></form>")


@cache_control(private=True)
def _private(request):
    return HttpResponse("mine")


@vary_on_headers("Accept-Language")
def _varies(request):
    return HttpResponse("depends")


def _plain(request):
    return HttpResponse("same for everyone")


urlpatterns = [
    path(
        "",
        include(
            (
                [
                    path("cookie/", _sets_a_cookie),
                    path("csrf/", _holds_a_csrf_token),
                    path("private/", _private),
                    path("varies/", _varies),
                    path("plain/", _plain),
                ],
                "digests",
            )
        ),
    )
]


@pytest.mark.urls(__name__)
def test_pages_that_set_cookies_hold_a_csrf_token_or_are_private_are_not_stored(client):
    for url in ("/cookie/", "/csrf/", "/private/", "/varies/"):
        assert client.get(url).status_code == 200
    assert len(page_cache.store) == 0
    client.get("/plain/")
    assert len(page_cache.store) == 1


def test_redis_down_is_a_miss_logged_once_never_an_error(client, entry, settings, caplog):
    url = entry.digest.get_absolute_url()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with caplog.at_level(logging.ERROR, logger="papers.page_cache"):
        responses = [client.get(url) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(page_cache.store) == 0
    assert len([r for r in caplog.records if r.name == "papers.page_cache"]) == 1


def test_the_cache_switch_turns_it_off(client, entry, settings):
    settings.HOTPAPERS_PAGE_CACHE = False
    url = entry.digest.get_absolute_url()
    client.get(url)
    assert rendered(client, url)[1] > 0 and len(page_cache.store) == 0
