"""Upstream storms on the social jobs: X, Bluesky and Hacker News (searches and counter refreshes) and oEmbed
failing about half their requests (5xx, 429, timeouts, bodies cut short).

Each job runs as a worker runs it, its retries sent to the real broker and run in turn (tests/retries.py),
on the real clients built from settings (SOCIAL_TIMEOUT is short under test). A stormy job must end as a clean
one on the same recorded answers does: succeeded, the same rows (posts, snapshots, links, no duplicates, no
half page), the same counters over its runs; and its run records must name every failed request by kind.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache

from papers.models import PostCollectionRun, Tweet
from papers.models_runs import retries_text
from papers.services import posts_refresh
from papers.services.posts import posts_upsert
from papers.services.posts_runs import BLUESKY_SESSION_KEY
from papers.sources import bluesky, hackernews, x
from papers.sources.posts import RateLimited, SourceUnavailable
from papers.tasks import (
    collect_bluesky_posts,
    collect_hackernews_posts,
    collect_x_posts,
    fetch_tweet_oembeds,
    refresh_post_counters,
)
from tests.papers.posts_support import (
    BSKY_GET_POSTS,
    BSKY_LOGIN,
    BSKY_NOW,
    BSKY_SEARCH,
    HN_SEARCH,
    NOW,
    X_LOOKUP,
    X_SEARCH,
    fixture_json,
    json_response,
)
from tests.retries import run_through_retries, worker_queue
from tests.storms import (
    RESET_SECONDS,
    SERVER_ERRORS,
    SOCIAL_KINDS,
    Storm,
    bluesky_rate_limit,
    calm,
    counted,
    failed_requests,
    stored_posts,
    x_rate_limit,
)

pytestmark = pytest.mark.django_db

Status = PostCollectionRun.Status
HANDLE = "hotpapers.bsky.social"
SESSION_KEY = BLUESKY_SESSION_KEY.format(handle=HANDLE)
X_NEXT_TOKEN = fixture_json("x", "search_page1.json")["meta"]["next_token"]
NEWEST_X = "1481790000000000001"
# Seeds whose storms take every path between them: requests failing past the client's retries (the job retried
# through the broker), 429s, timeouts, bodies cut short, 5xx of each kind. Each timeout costs SOCIAL_TIMEOUT.
SEEDS = (3, 7, 8)
FEWER_SEEDS = (7, 8)


def unexpected(request):
    return json_response({"error": f"unexpected {request.method} {request.full_path}"}, status=418)


class Platform:
    """One platform on the local server: where the settings point, what it answers on a good day."""

    source = ""
    now = NOW
    kinds = (*SOCIAL_KINDS, "HTTP 429")
    too_many = None
    collect = None

    def __init__(self, server, settings):
        self.server, self.settings = server, settings

    def serve(self, request):
        raise NotImplementedError


class XPlatform(Platform):
    source, collect, too_many = "x", collect_x_posts, staticmethod(x_rate_limit)

    def __init__(self, server, settings):
        super().__init__(server, settings)
        settings.X_API_URL, settings.X_BEARER_TOKEN = server.url_for("/2"), "bearer-storm"
        self.lookup = fixture_json("x", "lookup.json")

    def serve(self, request):
        if request.path == X_SEARCH:
            if request.args.get("next_token") == X_NEXT_TOKEN:
                return json_response(fixture_json("x", "search_page2.json"))
            # Nothing newer than the newest post stored (a search from a since_id), else the recorded week.
            page = "search_empty.json" if request.args.get("since_id") else "search_page1.json"
            return json_response(fixture_json("x", page))
        if request.path == X_LOOKUP:  # the recorded lookup, as X answers for the ids asked
            asked = request.args["ids"].split(",")
            data = [post for post in self.lookup["data"] if post["id"] in asked]
            errors = [error for error in self.lookup["errors"] if error["value"] in asked]
            return json_response({"data": data, "includes": self.lookup["includes"], "errors": errors})
        return unexpected(request)


class BlueskyPlatform(Platform):
    source, collect, now, too_many = "bluesky", collect_bluesky_posts, BSKY_NOW, staticmethod(bluesky_rate_limit)

    def __init__(self, server, settings):
        super().__init__(server, settings)
        settings.BLUESKY_API_URL = server.url_for("/xrpc")
        settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = HANDLE, "app-pass"
        self.get_posts = fixture_json("bluesky", "get_posts.json")

    def serve(self, request):
        if request.path == BSKY_LOGIN and request.method == "POST":
            return json_response(fixture_json("bluesky", "create_session.json"))
        if request.path == BSKY_SEARCH:
            page = "search_page2.json" if request.args.get("cursor") == "2" else "search_page1.json"
            return json_response(fixture_json("bluesky", page))
        if request.path == BSKY_GET_POSTS:
            asked = request.args.getlist("uris")
            return json_response({"posts": [post for post in self.get_posts["posts"] if post["uri"] in asked]})
        return unexpected(request)


class HackerNewsPlatform(Platform):
    source, collect = "hackernews", collect_hackernews_posts

    def __init__(self, server, settings):
        super().__init__(server, settings)
        settings.HN_API_URL = server.url_for("/api/v1")
        self.lookup = fixture_json("hackernews", "lookup.json")

    def serve(self, request):
        if request.path != HN_SEARCH:
            return unexpected(request)
        if "(" in request.args.get("tags", ""):  # a lookup: tags=story,(story_1,story_2)
            asked = re.findall(r"story_(\d+)", request.args["tags"])
            return json_response(
                {**self.lookup, "hits": [hit for hit in self.lookup["hits"] if hit["objectID"] in asked]}
            )
        return json_response(fixture_json("hackernews", f"search_page{request.args.get('page', '0')}.json"))


PLATFORMS = {platform.source: platform for platform in (XPlatform, BlueskyPlatform, HackerNewsPlatform)}


@pytest.fixture
def queue(monkeypatch):
    with worker_queue(monkeypatch) as name:
        yield name


@pytest.fixture(autouse=True)
def short_timeouts(settings):
    """Half a second is long for a recorded answer on loopback, and each timeout a storm sends costs it."""
    settings.SOCIAL_TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def no_bluesky_session():
    """Each job logs in afresh (the login is part of the storm); none is left in the cache for other tests."""
    cache.delete(SESSION_KEY)
    yield
    cache.delete(SESSION_KEY)


def job(server, handler, task, queue, *args):
    """Run the job through its retries against `handler`; its outcome, its runs (oldest first), the rows."""
    server.clear()
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    cache.delete(SESSION_KEY)
    before = set(PostCollectionRun.objects.values_list("pk", flat=True))
    outcome = run_through_retries(task, queue, *args)
    runs = list(PostCollectionRun.objects.exclude(pk__in=before).order_by("pk"))
    return outcome, runs


def wipe_posts():
    Tweet.objects.all().delete()
    PostCollectionRun.objects.all().delete()


def assert_retried_as_it_failed(outcome, runs):
    """Every retry carries the real exception that failed its run, and waits as that exception says."""
    assert outcome.error is None, outcome.error
    assert len(runs) == len(outcome.retries) + 1
    for number, (retry, run) in enumerate(zip(outcome.retries, runs, strict=False)):
        assert run.status == Status.FAILED and run.error.startswith(f"{type(retry.exc).__name__}: ")
        assert isinstance(retry.exc, SourceUnavailable)
        if isinstance(retry.exc, RateLimited):  # the real exception, its reset time with it
            assert retry.exc.reset_at is not None and retry.when == RESET_SECONDS
        else:
            assert retry.when == min(60 * 2**number, settings.HOTPAPERS_RETRY_COUNTDOWN_MAX)
    for earlier, later in zip(runs, runs[1:], strict=False):
        if earlier.pages:  # it stored something: the next run goes on after it
            assert later.resumed_from == earlier
    assert runs[-1].status == Status.SUCCEEDED and runs[-1].error == ""


def assert_storm_recorded(storm, runs):
    """The runs name every failed request by kind, exactly as the platform failed them."""
    assert sum(storm.failed.values()) > 0 and failed_requests(runs) == storm.failed
    assert retries_text(failed_requests(runs)) == retries_text(storm.failed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("source", ["x", "bluesky", "hackernews"])
def test_a_search_through_a_storm_stores_what_a_clean_search_stores(source, seed, storm_server, settings, queue):
    platform = PLATFORMS[source](storm_server, settings)
    storm = Storm(platform.serve, seed=seed, kinds=platform.kinds, too_many=platform.too_many)

    with time_machine.travel(platform.now, tick=False):
        clean, clean_runs = job(storm_server, calm(platform.serve), platform.collect, queue)
        clean_rows = stored_posts()
        wipe_posts()
        stormy, stormy_runs = job(storm_server, storm, platform.collect, queue)

    assert (
        len(clean_runs) == 1
        and not clean.retries
        and clean_runs[0].status == Status.SUCCEEDED
        and clean_runs[0].retries == {}
    )
    assert_retried_as_it_failed(stormy, stormy_runs)
    assert stored_posts() == clean_rows
    assert counted(stormy_runs) == counted(clean_runs)
    assert stormy_runs[-1].watermark_to == clean_runs[0].watermark_to and stormy_runs[-1].cursor == ""
    missing = {arxiv_id for run in stormy_runs for arxiv_id in run.missing_arxiv_ids}
    assert missing == set(clean_runs[0].missing_arxiv_ids)
    assert_storm_recorded(storm, stormy_runs)


def seed_posts(source):
    """The posts a search stored an hour before the refresh."""
    if source == "x":
        names, parse = ("search_page1.json", "search_page2.json"), x.parse_page
    elif source == "bluesky":
        names, parse = ("search_page1.json", "search_page2.json"), bluesky.parse_response
    else:
        names, parse = ("search_page0.json", "search_page1.json"), hackernews.parse_search
    now = PLATFORMS[source].now
    pages = [parse(fixture_json(source, name), measured_at=now) for name in names]
    posts_upsert(pages=pages, learned_via="api")


@pytest.mark.parametrize("seed", FEWER_SEEDS)
@pytest.mark.parametrize("source", ["x", "bluesky", "hackernews"])
def test_a_counter_refresh_through_a_storm_stores_what_a_clean_refresh_stores(
    source, seed, storm_server, settings, queue, monkeypatch
):
    platform = PLATFORMS[source](storm_server, settings)
    monkeypatch.setitem(posts_refresh.BATCH, source, 2)  # several lookups from the few recorded posts
    storm = Storm(platform.serve, seed=seed, kinds=platform.kinds, too_many=platform.too_many)
    later = platform.now + dt.timedelta(hours=1)

    with time_machine.travel(platform.now, tick=False):
        seed_posts(source)
    with time_machine.travel(later, tick=False):
        clean, clean_runs = job(storm_server, calm(platform.serve), refresh_post_counters, queue, source)
    clean_rows = stored_posts()
    wipe_posts()
    with time_machine.travel(platform.now, tick=False):
        seed_posts(source)
    with time_machine.travel(later, tick=False):
        stormy, stormy_runs = job(storm_server, storm, refresh_post_counters, queue, source)

    assert clean_runs[0].status == Status.SUCCEEDED and clean_runs[0].pages >= 2 and clean_runs[0].snapshots
    assert_retried_as_it_failed(stormy, stormy_runs)
    assert stored_posts() == clean_rows
    assert counted(stormy_runs) == counted(clean_runs)
    assert_storm_recorded(storm, stormy_runs)


AK = "1481443284304154625"


def serve_oembed(request):
    if request.path != "/oembed":
        return unexpected(request)
    if request.args.get("url", "").endswith(f"/status/{AK}"):
        return json_response(fixture_json("oembed", "oembed_ak92501_1481443284304154625_omit_script.json"))
    return json_response(fixture_json("oembed", "not_found.json"), status=404)  # deleted or private


@pytest.mark.parametrize("seed", FEWER_SEEDS)
def test_embeds_fetched_through_a_storm_end_as_a_clean_fetch_leaves_them(seed, storm_server, settings, queue):
    """A post whose oEmbed fails past the client's retries is noted and asked again by the next scheduled run
    (it never holds up the others); a 429 sends the job back to the broker."""
    settings.OEMBED_URL = storm_server.url_for("/oembed")
    storm = Storm(serve_oembed, seed=seed, kinds=(*SOCIAL_KINDS, "HTTP 429"))

    def fetch_until_none_waits(handler):
        runs = []
        for _scheduled in range(5):
            outcome, more = job(storm_server, handler, fetch_tweet_oembeds, queue)
            assert outcome.error is None, outcome.error
            runs += more
            if not Tweet.objects.filter(source="x", oembed_fetched_at=None, text_html="").exists():
                return runs
        pytest.fail("embeds still waiting after 5 scheduled runs")

    with time_machine.travel(NOW, tick=False):
        seed_posts("x")
        clean_runs = fetch_until_none_waits(calm(serve_oembed))
        clean_rows = stored_posts()
        wipe_posts()
        seed_posts("x")
        stormy_runs = fetch_until_none_waits(storm)

    assert len(clean_runs) == 1 and (clean_runs[0].updated, clean_runs[0].skipped) == (1, 4)
    assert stored_posts() == clean_rows
    assert stormy_runs[-1].status == Status.SUCCEEDED
    assert sum(run.updated for run in stormy_runs) == 1
    assert_storm_recorded(storm, stormy_runs)


# When the failures outlast the retries


def test_a_search_failing_past_every_retry_ends_failed_and_the_next_run_picks_up_where_it_stopped(
    storm_server, settings, queue
):
    platform = XPlatform(storm_server, settings)

    def page2_down(request):
        if request.args.get("next_token") == X_NEXT_TOKEN:
            return json_response({"title": "Service Unavailable"}, status=503)
        return platform.serve(request)

    with time_machine.travel(NOW, tick=False):
        clean, clean_runs = job(storm_server, calm(platform.serve), collect_x_posts, queue)
        clean_rows = stored_posts()
        wipe_posts()
        down, down_runs = job(storm_server, page2_down, collect_x_posts, queue)

        # Six runs (the first and five retries), each resuming the last from page 2; the job gives up with
        # the real error, and each run says what it met.
        assert isinstance(down.error, SourceUnavailable) and len(down.retries) == collect_x_posts.max_retries
        assert [run.status for run in down_runs] == [Status.FAILED] * 6
        last = down_runs[-1]
        assert (
            last.error.startswith("SourceUnavailable: ") and "after 4 attempt(s); last problem: HTTP 503" in last.error
        )
        assert all(run.retries_summary == "4 × HTTP 503" for run in down_runs)
        # Page 1 is stored whole, page 2 not at all; nothing says the search got further than it stored.
        assert (sum(run.pages for run in down_runs), sum(run.created for run in down_runs)) == (1, 3)
        assert Tweet.objects.count() == 3
        assert [run.cursor for run in down_runs] == [""] * 5 + [X_NEXT_TOKEN]
        assert not PostCollectionRun.objects.filter(status=Status.SUCCEEDED).exists()

        # The platform is back: the next scheduled run resumes from page 2, without a since_id.
        back, back_runs = job(storm_server, calm(platform.serve), collect_x_posts, queue)
        (request,) = [request for request, _ in storm_server.log]
        assert request.args["next_token"] == X_NEXT_TOKEN and "since_id" not in request.args
        (resumed,) = back_runs
        assert (resumed.status, resumed.resumed_from, resumed.watermark_to) == (Status.SUCCEEDED, last, NEWEST_X)
        assert stored_posts() == clean_rows
        assert counted([*down_runs, *back_runs]) == counted(clean_runs)

        # And only then does the watermark move: the run after asks from the newest post stored.
        job(storm_server, calm(platform.serve), collect_x_posts, queue)
        (request,) = [request for request, _ in storm_server.log]
        assert request.args["since_id"] == NEWEST_X


def test_a_refresh_failing_past_every_retry_keeps_each_batch_whole_and_the_next_run_resumes_after_it(
    storm_server, settings, queue, monkeypatch
):
    platform = HackerNewsPlatform(storm_server, settings)
    monkeypatch.setitem(posts_refresh.BATCH, "hackernews", 2)
    later = NOW + dt.timedelta(hours=1)
    with time_machine.travel(NOW, tick=False):
        seed_posts("hackernews")
    first_batch = sorted(Tweet.objects.values_list("external_id", flat=True).order_by("pk")[:2])

    storm = Storm(platform.serve, seed=1, rate=1.0, kinds=SERVER_ERRORS)

    def second_batch_down(request):
        if any(f"story_{story}" in request.args.get("tags", "") for story in first_batch):
            return platform.serve(request)
        return storm(request)

    with time_machine.travel(later, tick=False):
        down, down_runs = job(storm_server, second_batch_down, refresh_post_counters, queue, "hackernews")

        assert isinstance(down.error, SourceUnavailable) and "after 4 attempt(s); last problem: HTTP 5" in str(
            down.error
        )
        assert [run.status for run in down_runs] == [Status.FAILED] * 6
        assert [sum(run.retries.values()) for run in down_runs] == [4] * 6
        assert failed_requests(down_runs) == storm.failed
        # The first batch is stored, once; the cursor still points after it.
        assert sum(run.pages for run in down_runs) == 1 and down_runs[-1].cursor

        back, back_runs = job(storm_server, calm(platform.serve), refresh_post_counters, queue, "hackernews")

    (resumed,) = back_runs
    assert (resumed.status, resumed.resumed_from, resumed.pages) == (Status.SUCCEEDED, down_runs[-1], 1)
    assert all(f"story_{story}" not in request.args["tags"] for request, _ in storm_server.log for story in first_batch)
