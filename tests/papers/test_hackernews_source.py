"""Hacker News (Algolia): stories parsed from search answers and items; the client's paging and errors."""

import json
from datetime import UTC, datetime

import pytest

from papers.sources.hackernews import (
    HackerNewsClient,
    html_text,
    looks_like_item,
    looks_like_search,
    parse_hit,
    parse_item,
    parse_items,
    parse_search,
)
from papers.sources.http import JsonClient
from papers.sources.posts import PostParseError, RateLimited, SourceHttpError
from tests.conftest import FIXTURES_DIR

HN = FIXTURES_DIR / "hackernews"
NOW = datetime(2022, 1, 14, 11, 10, 50, tzinfo=UTC)
API = "/api/v1"


def load(name: str):
    return json.loads((HN / name).read_text())


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(httpserver, sleeps):
    http = JsonClient(timeout=2.0, max_retries=2, backoff=2.0, sleep=sleeps.append, now=lambda: NOW)
    return HackerNewsClient(httpserver.url_for(API), http=http)


# The parser


def test_a_search_page_gives_stories_with_points_as_likes_and_comments_as_replies():
    page = parse_search(load("search_page0.json"))
    first, second = page.posts
    assert first.external_id == "29917385"
    assert first.url == "https://news.ycombinator.com/item?id=29917385"
    assert (first.likes, first.replies, first.reposts, first.quotes) == (112, 31, 0, 0)
    assert first.links == ("https://arxiv.org/abs/2201.04182",)
    assert first.text == "HyperTransformer: Model Generation for Few-Shot Learning"
    assert (first.author_handle, first.author_id, first.author_name) == ("montebicyclelo", "montebicyclelo", "")
    assert first.posted_at == datetime.fromtimestamp(1642068000, UTC)
    assert second.links == ("https://arxiv.org/pdf/2201.04600.pdf",)
    assert page.next_cursor == "1"
    assert page.source == "hackernews"


def test_an_ask_hn_story_s_text_and_links_come_from_its_html():
    page = parse_search(load("search_page1.json"))
    ask = page.posts[0]
    assert ask.text == (
        "Ask HN: Three papers on video transformers worth reading?\n\n"
        "I have been reading these:\n\nhttps://arxiv.org/abs/2201.04288\n\n"
        "and arxiv.org/abs/2201.04337 & https://www.alphaxiv.org/abs/2201.04309 — which first?"
    )
    # the href, then URLs written out (the bare arxiv.org/abs/... is for the text matcher)
    assert ask.links == ("https://arxiv.org/abs/2201.04288", "https://www.alphaxiv.org/abs/2201.04309")
    assert page.next_cursor is None


def test_null_points_and_comments_are_zero():
    story = parse_search(load("search_page1.json")).posts[1]
    assert (story.likes, story.replies) == (0, 0)


def test_comment_hits_are_not_posts():
    page = parse_search(load("comments_and_stories.json"))
    assert [post.external_id for post in page.posts] == ["29915210"]


def test_an_item_counts_its_comments_at_every_depth_without_the_deleted():
    story = parse_item(load("item.json"))
    assert story.external_id == "29917385"
    assert story.likes == 140
    assert story.replies == 5
    assert story.links == ("https://arxiv.org/abs/2201.04182",)


def test_an_item_that_is_a_comment_is_refused():
    with pytest.raises(PostParseError, match="item 29917501 is a comment, not a story"):
        parse_item(load("item_comment.json"))


def test_bare_hits_and_items_make_one_page():
    hits = load("search_page0.json")["hits"]
    page = parse_items([hits[0], load("item.json"), hits[1]])
    assert [post.external_id for post in page.posts] == ["29917385", "29915210"]
    assert page.posts[0].likes == 112  # the first seen is kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h: h.update(objectID="abc"), r"hits\[1\]: a hit without a numeric objectID \('abc'\)"),
        (lambda h: h.update(points=-3), r"hits\[1\]: story 29915210: points is -3, not a count"),
        (lambda h: h.update(created_at_i="soon"), r"story 29915210: created_at_i 'soon' is not epoch seconds"),
        (lambda h: h.update(title=["a"]), r"story 29915210: title is list, not a string"),
    ],
)
def test_a_malformed_hit_is_named(change, message):
    data = load("search_page0.json")
    change(data["hits"][1])
    with pytest.raises(PostParseError, match=message):
        parse_search(data)


def test_shape_recognition():
    assert looks_like_search(load("search_page0.json"))
    assert looks_like_search(load("search_empty.json"))
    assert looks_like_item(load("item.json"))
    assert not looks_like_search(load("unknown_shape.json"))
    assert parse_hit(load("search_page0.json")["hits"][0]).external_id == "29917385"


def test_html_text_unescapes_and_keeps_paragraphs():
    assert html_text('a &amp; b<p>c<br>d <a href="https:&#x2F;&#x2F;x.org">x</a>') == (
        "a & b\n\nc\nd x",
        ["https://x.org"],
    )
    assert html_text("") == ("", [])


# The client


def test_search_by_date_asks_for_arxiv_stories_after_the_watermark(client, httpserver):
    httpserver.expect_request(f"{API}/search_by_date").respond_with_json(load("search_page0.json"))
    page = client.search_by_date(1642000000, hits_per_page=2)
    ((request, _),) = httpserver.log
    assert dict(request.args) == {
        "query": "arxiv.org",
        "tags": "story",
        "restrictSearchableAttributes": "url",
        "numericFilters": "created_at_i>1642000000",
        "page": "0",
        "hitsPerPage": "2",
    }
    assert page.measured_at == NOW
    assert page.next_cursor == "1"


def test_paging_goes_on_with_the_next_page_number_within_a_window(client, httpserver):
    httpserver.expect_request(f"{API}/search_by_date", query_string=None).respond_with_json(load("search_page1.json"))
    page = client.search_by_date(datetime(2022, 1, 12, tzinfo=UTC), created_before=1642100000, page=1, hits_per_page=2)
    ((request, _),) = httpserver.log
    assert request.args["page"] == "1"
    assert request.args["numericFilters"] == "created_at_i>1641945600,created_at_i<1642100000"
    assert page.next_cursor is None


def test_no_watermark_means_no_numeric_filter(client, httpserver):
    httpserver.expect_request(f"{API}/search_by_date").respond_with_json(load("search_empty.json"))
    assert client.search_by_date().posts == ()
    assert "numericFilters" not in httpserver.log[0][0].args


def test_lookup_refreshes_many_stories_in_one_search(client, httpserver):
    httpserver.expect_request(f"{API}/search_by_date").respond_with_json(load("lookup.json"))
    page = client.lookup([29917385, "29915210"])
    ((request, _),) = httpserver.log
    assert dict(request.args) == {"tags": "story,(story_29917385,story_29915210)", "hitsPerPage": "2"}
    assert [(post.likes, post.replies) for post in page.posts] == [(130, 35), (70, 9)]
    with pytest.raises(ValueError, match="at most 100"):
        client.lookup(range(101))
    with pytest.raises(ValueError, match="not Hacker News item ids"):
        client.lookup(["x1"])


def test_item_reads_one_story(client, httpserver):
    httpserver.expect_request(f"{API}/items/29917385").respond_with_json(load("item.json"))
    story = client.item(29917385)
    assert (story.likes, story.replies) == (140, 5)


def test_an_unknown_item_is_an_http_error(client, httpserver, sleeps):
    httpserver.expect_request(f"{API}/items/1").respond_with_json({"error": "Not Found", "status": 404}, status=404)
    with pytest.raises(SourceHttpError, match="HTTP 404"):
        client.item(1)
    assert sleeps == []


def test_a_5xx_then_success_is_retried(client, httpserver, sleeps):
    httpserver.expect_oneshot_request(f"{API}/search_by_date").respond_with_data("bad gateway", status=502)
    httpserver.expect_request(f"{API}/search_by_date").respond_with_json(load("search_page0.json"))
    assert len(client.search_by_date(1642000000).posts) == 2
    assert sleeps == [2.0]


def test_429_with_retry_after_is_raised_not_slept_on(client, httpserver, sleeps):
    httpserver.expect_request(f"{API}/search_by_date").respond_with_json(
        {"message": "Too many requests", "status": 429}, status=429, headers={"Retry-After": "60"}
    )
    with pytest.raises(RateLimited) as excinfo:
        client.search_by_date(1642000000)
    assert excinfo.value.retry_after == 60
    assert sleeps == []


def test_the_client_refuses_bad_arguments(client, httpserver):
    with pytest.raises(ValueError, match="hits_per_page"):
        client.search_by_date(hits_per_page=0)
    with pytest.raises(ValueError, match="page"):
        client.search_by_date(page=-1)
    with pytest.raises(ValueError, match="aware"):
        client.search_by_date(datetime(2022, 1, 1))  # noqa: DTZ001 - the naive datetime is the point
    with pytest.raises(ValueError, match="item id"):
        client.item("../admin")
    assert httpserver.log == []
