"""Counter refreshes: recent visible posts read again in batches; a snapshot only when counters changed."""

import datetime as dt

import pytest
import time_machine

from papers.models import PostCollectionRun, Tweet, TweetMetrics
from papers.services.posts import posts_upsert
from papers.services.posts_refresh import posts_refresh_counters
from papers.sources import bluesky, hackernews, x
from papers.sources.posts import RateLimited
from tests.papers.factories import TweetFactory
from tests.papers.posts_support import (
    BSKY_GET_POSTS,
    BSKY_LOGIN,
    BSKY_NOW,
    HN_SEARCH,
    NOW,
    X_LOOKUP,
    bluesky_client,
    fixture_json,
    hn_client,
    json_response,
    requests_to,
    x_client,
)
from tests.papers.test_posts_upsert import database_state

pytestmark = pytest.mark.django_db

Status = PostCollectionRun.Status
AK, SEPP = "1481443284304154625", "1481516573458419713"
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture
def x_posts():
    """The five posts of the recorded X search, read at NOW, plus one since deleted and one too old."""
    pages = [
        x.parse_page(fixture_json("x", name), measured_at=NOW) for name in ("search_page1.json", "search_page2.json")
    ]
    posts_upsert(pages=pages, learned_via="api")
    TweetFactory(external_id="1481450080372731906", posted_at=NOW - dt.timedelta(days=1))
    TweetFactory(external_id="1480000000000000000", posted_at=NOW - dt.timedelta(days=8))
    TweetFactory(external_id="1481000000000000000", posted_at=NOW - dt.timedelta(days=1), is_hidden=True)
    with time_machine.travel(LATER, tick=False):
        yield


def test_recent_posts_are_read_again_and_a_snapshot_is_written_only_for_changed_counters(httpserver, x_posts):
    httpserver.expect_request(X_LOOKUP).respond_with_json(fixture_json("x", "lookup.json"))

    (run,) = posts_refresh_counters(source="x", client=x_client(httpserver, now=LATER))

    (request,) = requests_to(httpserver, X_LOOKUP)
    asked = request.args["ids"].split(",")
    assert len(asked) == 6 and "1480000000000000000" not in asked and "1481000000000000000" not in asked
    assert (run.status, run.kind, run.pages, run.updated, run.vanished, run.snapshots) == (
        Status.SUCCEEDED,
        "refresh",
        1,
        2,
        4,
        2,
    )
    ak = Tweet.objects.get(external_id=AK)
    assert (ak.retweets, ak.likes, ak.metrics_at) == (301, 1262, LATER)
    assert list(ak.metrics.order_by("measured_at").values_list("likes", flat=True)) == [1085, 1262]
    deleted = Tweet.objects.get(external_id="1481450080372731906")  # left as it was
    assert (deleted.likes, deleted.is_hidden) == (0, False)

    state = database_state()
    with time_machine.travel(LATER + dt.timedelta(hours=1), tick=False):
        (again,) = posts_refresh_counters(source="x", client=x_client(httpserver, now=LATER + dt.timedelta(hours=1)))
    assert (again.updated, again.unchanged, again.snapshots) == (0, 2, 0)
    assert database_state() == state


def test_x_is_asked_100_posts_at_a_time(httpserver, x_posts):
    for number in range(150):
        TweetFactory(external_id=str(1481500000000000000 + number), posted_at=NOW)
    httpserver.expect_request(X_LOOKUP).respond_with_json({"meta": {"result_count": 0}})

    (run,) = posts_refresh_counters(source="x", client=x_client(httpserver, now=LATER))

    sizes = [len(request.args["ids"].split(",")) for request in requests_to(httpserver, X_LOOKUP)]
    assert sizes == [100, 56] and run.pages == 2 and run.vanished == 156


def test_a_rate_limited_refresh_resumes_after_the_last_post_it_stored(httpserver, x_posts):
    for number in range(150):
        TweetFactory(external_id=str(1481500000000000000 + number), posted_at=NOW)
    answers = iter(
        [
            json_response({"meta": {"result_count": 0}}),
            json_response({"title": "Too Many Requests"}, status=429, headers={"retry-after": "60"}),
        ]
    )
    httpserver.expect_request(X_LOOKUP).respond_with_handler(lambda request: next(answers))

    with pytest.raises(RateLimited):
        posts_refresh_counters(source="x", client=x_client(httpserver, now=LATER))

    failed = PostCollectionRun.objects.get()
    assert failed.status == Status.FAILED and failed.pages == 1 and failed.cursor
    httpserver.clear()
    httpserver.expect_request(X_LOOKUP).respond_with_json({"meta": {"result_count": 0}})
    (resumed,) = posts_refresh_counters(source="x", client=x_client(httpserver, now=LATER))
    assert resumed.resumed_from == failed and resumed.pages == 1 and resumed.vanished == 56


def test_bluesky_is_asked_25_posts_at_a_time_with_get_posts(httpserver):
    pages = [bluesky.parse_response(fixture_json("bluesky", "search_page1.json"), measured_at=BSKY_NOW)]
    pages.append(bluesky.parse_response(fixture_json("bluesky", "search_page2.json"), measured_at=BSKY_NOW))
    posts_upsert(pages=pages, learned_via="api")
    httpserver.expect_request(BSKY_LOGIN, method="POST").respond_with_json(
        fixture_json("bluesky", "create_session.json")
    )
    httpserver.expect_request(BSKY_GET_POSTS).respond_with_json(fixture_json("bluesky", "get_posts.json"))
    later = BSKY_NOW + dt.timedelta(hours=1)

    with time_machine.travel(later, tick=False):
        (run,) = posts_refresh_counters(source="bluesky", client=bluesky_client(httpserver, now=later))

    (request,) = requests_to(httpserver, BSKY_GET_POSTS)
    assert len(request.args.getlist("uris")) == 3
    assert (run.updated, run.unchanged, run.vanished, run.snapshots) == (2, 0, 1, 2)
    three = Tweet.objects.get(external_id__endswith="3lhjnkjle5s2o")
    assert (three.likes, three.retweets) == (55, 14)


def test_hackernews_stories_are_refreshed_through_the_same_api(httpserver):
    pages = [hackernews.parse_search(fixture_json("hackernews", "search_page0.json"), measured_at=NOW)]
    posts_upsert(pages=pages, learned_via="api")
    httpserver.expect_request(HN_SEARCH).respond_with_json(fixture_json("hackernews", "lookup.json"))

    with time_machine.travel(LATER, tick=False):
        (run,) = posts_refresh_counters(source="hackernews", client=hn_client(httpserver, now=LATER))

    (request,) = requests_to(httpserver, HN_SEARCH)
    assert request.args["tags"] == "story,(story_29917385,story_29915210)"
    assert (run.updated, run.snapshots) == (2, 2)
    story = Tweet.objects.get(external_id="29917385")
    assert (story.likes, story.replies) == (130, 35)
    assert TweetMetrics.objects.filter(tweet=story).count() == 2


def test_without_credentials_each_platform_is_skipped_and_the_others_refreshed(settings, httpserver):
    settings.X_BEARER_TOKEN = settings.BLUESKY_HANDLE = ""
    settings.HN_API_URL = httpserver.url_for("/api/v1")
    httpserver.expect_request(HN_SEARCH).respond_with_json(fixture_json("hackernews", "search_empty.json"))

    runs = posts_refresh_counters()

    assert [(run.source, run.status) for run in runs] == [
        ("x", Status.SKIPPED),
        ("bluesky", Status.SKIPPED),
        ("hackernews", Status.SUCCEEDED),
    ]
