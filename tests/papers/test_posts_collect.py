"""Searching X, Bluesky and Hacker News: paging, the watermark kept across runs, rate limits, sessions, credentials."""

import datetime as dt
import json
import logging

import pytest
from django.core.cache import cache
from werkzeug import Response

from papers.models import PostCollectionRun, Tweet
from papers.services.posts_collect import posts_collect
from papers.services.posts_runs import BLUESKY_SESSION_KEY
from papers.sources.posts import PostParseError, RateLimited, SourceUnavailable
from tests.papers.posts_support import (
    BSKY_GET_POSTS,
    BSKY_LOGIN,
    BSKY_REFRESH,
    BSKY_SEARCH,
    HN_SEARCH,
    NOW,
    X_SEARCH,
    bluesky_client,
    by_param,
    fixture_json,
    hn_client,
    json_response,
    requests_to,
    x_client,
)
from tests.papers.test_posts_upsert import database_state
from tests.social_dumps import hackernews_dump

pytestmark = pytest.mark.django_db

Status = PostCollectionRun.Status
NEWEST_X = "1481790000000000001"  # page 1's newest_id (the retweet's id: X counts it)
NEXT_TOKEN = "b26v89c19zqg8o3fpzbkk4mwo7fh0ok0crwpfq1vf2fx9"


def x_answers(httpserver, *, since_id_answer=None, page2=None):
    """X search: page 1, page 2 behind its next_token, and what a search from a since_id gets."""
    page1 = fixture_json("x", "search_page1.json")
    since_id_answer = since_id_answer or json_response(fixture_json("x", "search_empty.json"))
    page2 = page2 or json_response(fixture_json("x", "search_page2.json"))

    def handler(request):
        if request.args.get("next_token") == NEXT_TOKEN:
            return page2
        if request.args.get("since_id"):
            return since_id_answer
        return json_response(page1)

    httpserver.expect_request(X_SEARCH).respond_with_handler(handler)


# X


def test_x_pages_with_next_token_and_the_next_run_starts_from_since_id(httpserver):
    x_answers(httpserver)

    first = posts_collect(source="x", client=x_client(httpserver))

    assert (first.status, first.pages, first.created, first.skipped) == (Status.SUCCEEDED, 2, 5, 1)
    assert (first.watermark_from, first.watermark_to, first.cursor) == ("", NEWEST_X, "")
    assert first.missing_arxiv_ids == ["2201.04182", "2201.04600", "2201.04288", "2201.04337"]
    page1, page2 = requests_to(httpserver, X_SEARCH)
    assert "since_id" not in page1.args and page1.args["query"] == "url:arxiv.org -is:retweet"
    assert page2.args["next_token"] == NEXT_TOKEN
    assert "public_metrics" in page1.args["tweet.fields"] and page1.headers["Authorization"] == "Bearer bearer-test"

    second = posts_collect(source="x", client=x_client(httpserver))

    assert requests_to(httpserver, X_SEARCH)[-1].args["since_id"] == NEWEST_X
    assert (second.watermark_from, second.watermark_to, second.pages, second.created) == (NEWEST_X, NEWEST_X, 1, 0)
    assert Tweet.objects.count() == 5 and not Tweet.objects.filter(external_id=NEWEST_X).exists()


def test_a_since_id_x_no_longer_accepts_searches_the_whole_week_instead(httpserver, caplog):
    PostCollectionRun.objects.create(
        source="x",
        kind="search",
        query="url:arxiv.org -is:retweet",
        status=Status.SUCCEEDED,
        watermark_to="1300000000000000000",
    )
    stale = json_response(fixture_json("x", "since_id_too_old.json"), status=400)
    x_answers(httpserver, since_id_answer=stale)

    run = posts_collect(source="x", client=x_client(httpserver))

    assert (run.status, run.watermark_from, run.watermark_to, run.created) == (
        Status.SUCCEEDED,
        "1300000000000000000",
        NEWEST_X,
        5,
    )
    assert "since_id 1300000000000000000" in caplog.text


def test_a_429_stores_what_was_read_and_the_next_run_resumes_from_the_page_it_did_not_store(httpserver):
    reset = int((NOW + dt.timedelta(minutes=12)).timestamp())
    headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    too_many = json_response(fixture_json("x", "too_many_requests.json"), status=429, headers=headers)
    x_answers(httpserver, page2=too_many)

    with pytest.raises(RateLimited) as limited:
        posts_collect(source="x", client=x_client(httpserver))

    assert limited.value.retry_after == 12 * 60
    failed = PostCollectionRun.objects.get()
    assert (failed.status, failed.pages, failed.created, failed.cursor) == (Status.FAILED, 1, 3, NEXT_TOKEN)
    assert failed.watermark_to == NEWEST_X and failed.error.startswith("RateLimited: ")

    httpserver.clear()
    x_answers(httpserver)
    resumed = posts_collect(source="x", client=x_client(httpserver))

    (request,) = requests_to(httpserver, X_SEARCH)
    assert request.args["next_token"] == NEXT_TOKEN and "since_id" not in request.args
    assert (resumed.status, resumed.resumed_from, resumed.pages, resumed.created) == (Status.SUCCEEDED, failed, 1, 2)
    assert resumed.watermark_to == NEWEST_X and Tweet.objects.count() == 5
    failed.refresh_from_db()
    assert failed.cursor == ""  # taken up: only one run resumes it
    third = posts_collect(source="x", client=x_client(httpserver))
    assert requests_to(httpserver, X_SEARCH)[-1].args["since_id"] == NEWEST_X and third.watermark_from == NEWEST_X


def test_a_spent_rate_limit_window_stops_before_asking_for_the_next_page(httpserver):
    reset = int((NOW + dt.timedelta(minutes=3)).timestamp())
    headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    httpserver.expect_request(X_SEARCH).respond_with_json(fixture_json("x", "search_page1.json"), headers=headers)

    with pytest.raises(RateLimited) as limited:
        posts_collect(source="x", client=x_client(httpserver))

    assert limited.value.retry_after == 180 and len(httpserver.log) == 1
    run = PostCollectionRun.objects.get()
    assert (run.pages, run.created, run.cursor) == (1, 3, NEXT_TOKEN)


# Bluesky


def bluesky_search(httpserver):
    httpserver.expect_request(BSKY_SEARCH).respond_with_handler(
        by_param(
            "cursor",
            {None: fixture_json("bluesky", "search_page1.json"), "2": fixture_json("bluesky", "search_page2.json")},
        )
    )


def test_bluesky_pages_with_its_cursor_and_the_next_run_starts_from_the_newest_post(httpserver):
    httpserver.expect_request(BSKY_LOGIN, method="POST").respond_with_json(
        fixture_json("bluesky", "create_session.json")
    )
    bluesky_search(httpserver)
    client = bluesky_client(httpserver)

    first = posts_collect(source="bluesky", client=client)

    assert (first.status, first.pages, first.created) == (Status.SUCCEEDED, 2, 3)
    assert first.watermark_to == "2025-02-07T15:00:00.990000+00:00"
    page1, page2 = requests_to(httpserver, BSKY_SEARCH)
    assert page1.args["domain"] == "arxiv.org" and page1.args["sort"] == "latest" and page2.args["cursor"] == "2"
    assert page1.headers["Authorization"] == "Bearer access-1"
    quote = Tweet.objects.get(external_id__endswith="3lhlr5a4shz2u")
    assert quote.quoted_id.endswith("3lhlu3l65522g") and quote.source == "bluesky"
    three = Tweet.objects.get(external_id__endswith="3lhjnkjle5s2o")
    assert sorted(three.pending_arxiv_ids) == ["2201.04182", "2201.04288", "2201.04600"]

    state = database_state()
    second = posts_collect(source="bluesky", client=client)

    # From the newest post, a little earlier (posts are indexed late): the overlap is seen again, unchanged.
    assert requests_to(httpserver, BSKY_SEARCH)[-2].args["since"] == "2025-02-07T14:50:00.990Z"
    assert len(requests_to(httpserver, BSKY_LOGIN)) == 1
    assert second.watermark_from == first.watermark_to and (second.created, second.unchanged) == (0, 3)
    assert database_state() == state  # the same search twice: the same posts, counters and snapshots


def test_an_expired_bluesky_session_is_refreshed_and_kept_for_the_next_run(httpserver, settings):
    settings.BLUESKY_API_URL = httpserver.url_for("/xrpc")
    settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = "hotpapers.bsky.social", "app-pass"
    key = BLUESKY_SESSION_KEY.format(handle="hotpapers.bsky.social")
    stored = {"did": "did:plc:klsh7edzj3jmxucibyjqstb3", "handle": "hotpapers.bsky.social"}
    cache.set(key, {**stored, "access_jwt": "access-1", "refresh_jwt": "refresh-1"})
    expired = json_response(fixture_json("bluesky", "expired_token.json"), status=400)

    def search(request):
        if request.headers.get("Authorization") == "Bearer access-1":
            return expired
        return json_response(fixture_json("bluesky", "search_page2.json"))

    httpserver.expect_request(BSKY_SEARCH).respond_with_handler(search)
    httpserver.expect_request(BSKY_REFRESH, method="POST").respond_with_json(
        fixture_json("bluesky", "refresh_session.json")
    )
    try:
        run = posts_collect(source="bluesky")

        assert (run.status, run.created) == (Status.SUCCEEDED, 1)
        (refresh,) = requests_to(httpserver, BSKY_REFRESH)
        assert refresh.headers["Authorization"] == "Bearer refresh-1" and not requests_to(httpserver, BSKY_LOGIN)
        assert cache.get(key) == {**stored, "access_jwt": "access-2", "refresh_jwt": "refresh-2"}
    finally:
        cache.delete(key)


# Hacker News


def test_hackernews_pages_and_the_next_run_asks_for_newer_stories(httpserver):
    httpserver.expect_request(HN_SEARCH).respond_with_handler(
        by_param(
            "page",
            {
                "0": fixture_json("hackernews", "search_page0.json"),
                "1": fixture_json("hackernews", "search_page1.json"),
            },
        )
    )

    first = posts_collect(source="hackernews", client=hn_client(httpserver))

    assert (first.status, first.pages, first.created, first.watermark_to) == (Status.SUCCEEDED, 2, 4, "1642068000")
    page0, page1 = requests_to(httpserver, HN_SEARCH)
    assert (page0.args["tags"], page0.args["restrictSearchableAttributes"]) == ("story", "url")
    assert page0.args["numericFilters"].startswith("created_at_i>") and page1.args["page"] == "1"
    story = Tweet.objects.get(source="hackernews", external_id="29917385")
    assert (story.likes, story.replies, story.url) == (112, 31, "https://news.ycombinator.com/item?id=29917385")
    ask = Tweet.objects.get(external_id="29912000")  # Ask HN: links in its text, alphaXiv too
    assert sorted(ask.pending_arxiv_ids) == ["2201.04288", "2201.04309", "2201.04337"]

    posts_collect(source="hackernews", client=hn_client(httpserver))

    assert requests_to(httpserver, HN_SEARCH)[-2].args["numericFilters"] == f"created_at_i>{1642068000 - 600}"


def algolia(dump):
    """Algolia's search_by_date over a dump's stories: numeric filters, newest first, 1,000 hits at most."""
    hits = sorted((hit for page in dump.pages for hit in page["hits"]), key=lambda hit: -hit["created_at_i"])

    def handler(request):
        chosen = hits
        for condition in filter(None, request.args.get("numericFilters", "").split(",")):
            name, op, value = condition.partition(">") if ">" in condition else condition.partition("<")
            chosen = [hit for hit in chosen if (hit[name] > int(value) if op == ">" else hit[name] < int(value))]
        size, number = int(request.args["hitsPerPage"]), int(request.args.get("page", 0))
        reachable = chosen[:1000]
        pages = -(-len(reachable) // size)
        answer = {"hits": reachable[number * size : (number + 1) * size], "nbHits": len(chosen), "nbPages": pages}
        return json_response({**answer, "page": number, "hitsPerPage": size, "params": request.query_string.decode()})

    return handler


def test_more_hackernews_stories_than_algolia_serves_for_one_query_are_walked_in_windows(httpserver):
    dump = hackernews_dump(1_250, 50)
    httpserver.expect_request(HN_SEARCH).respond_with_handler(algolia(dump))

    run = posts_collect(source="hackernews", client=hn_client(httpserver), since=dt.date(2022, 1, 1))

    assert (run.status, run.created) == (Status.SUCCEEDED, 1_250)
    assert Tweet.objects.filter(source="hackernews").count() == 1_250
    assert any("created_at_i<" in request.args["numericFilters"] for request in requests_to(httpserver, HN_SEARCH))


# Credentials, bad answers


@pytest.mark.parametrize(
    ("source", "missing"), [("x", "X_BEARER_TOKEN"), ("bluesky", "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")]
)
def test_a_platform_without_credentials_is_skipped_with_one_log_line(source, missing, settings, caplog):
    settings.X_BEARER_TOKEN = settings.BLUESKY_HANDLE = settings.BLUESKY_APP_PASSWORD = ""
    caplog.set_level(logging.INFO, logger="papers")

    run = posts_collect(source=source)

    assert (run.status, run.kind, run.pages) == (Status.SKIPPED, "search", 0)
    assert missing in run.error and run.finished_at is not None
    (record,) = [record for record in caplog.records if record.name.startswith("papers")]
    assert record.levelno == logging.INFO and missing in record.getMessage()


def test_an_answer_of_another_shape_fails_the_run_and_stores_nothing(httpserver):
    httpserver.expect_request(BSKY_SEARCH).respond_with_json(fixture_json("bluesky", "unknown_shape.json"))
    httpserver.expect_request(BSKY_LOGIN, method="POST").respond_with_json(
        fixture_json("bluesky", "create_session.json")
    )

    with pytest.raises(PostParseError, match="neither 'posts' nor 'feed'"):
        posts_collect(source="bluesky", client=bluesky_client(httpserver))

    run = PostCollectionRun.objects.get()
    assert run.status == Status.FAILED and "PostParseError" in run.error and not Tweet.objects.exists()
    assert not requests_to(httpserver, BSKY_GET_POSTS)


def test_an_answer_that_is_not_json_is_unavailable_and_stores_nothing(httpserver):
    httpserver.expect_request(HN_SEARCH).respond_with_response(Response("<html>oops</html>", content_type="text/html"))

    with pytest.raises(SourceUnavailable, match="not JSON"):
        posts_collect(source="hackernews", client=hn_client(httpserver))

    assert PostCollectionRun.objects.get().status == Status.FAILED and not Tweet.objects.exists()
    assert json.loads(json.dumps(PostCollectionRun.objects.get().parameters))["since"]  # a first run's lookback
