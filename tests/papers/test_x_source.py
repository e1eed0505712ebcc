"""X API v2: the page parser on recorded and reference payloads, the client against a local server, and oEmbed."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from papers.sources.http import JsonClient
from papers.sources.posts import AuthError, PostParseError, RateLimited, SourceHttpError
from papers.sources.x import (
    StaleWatermark,
    XClient,
    fetch_oembed,
    is_retweet,
    looks_like_page,
    looks_like_tweet,
    parse_oembed,
    parse_page,
    parse_tweet,
)
from tests.conftest import FIXTURES_DIR, SEED_PATH

X = FIXTURES_DIR / "x"
OEMBED = FIXTURES_DIR / "oembed"
NOW = datetime(2022, 1, 14, 11, 10, 50, tzinfo=UTC)
SEARCH = "/2/tweets/search/recent"


def load(name: str, folder=X):
    return json.loads((folder / name).read_text())


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(httpserver, sleeps):
    http = JsonClient(timeout=2.0, max_retries=2, backoff=2.0, sleep=sleeps.append, now=lambda: NOW)
    return XClient(httpserver.url_for("/2"), "bearer-abc", http=http)


# The parser


def test_a_search_page_gives_original_posts_and_never_the_retweet():
    page = parse_page(load("search_page1.json"))
    assert [post.external_id for post in page.posts] == [
        "1481787736264634368",
        "1481738145863548932",
        "1481443284304154625",
    ]
    assert page.skipped_reposts == 1
    assert "1481790000000000001" not in {post.external_id for post in page.posts}
    assert page.next_cursor == "b26v89c19zqg8o3fpzbkk4mwo7fh0ok0crwpfq1vf2fx9"
    assert page.newest_id == "1481790000000000001"
    assert page.source == "x"


def test_a_post_carries_its_author_counters_and_expanded_links_not_its_own_picture():
    ak = parse_page(load("search_page1.json")).posts[2]
    assert ak.url == "https://twitter.com/ak92501/status/1481443284304154625"
    assert (ak.author_id, ak.author_handle, ak.author_name, ak.lang) == ("2465283662", "ak92501", "AK", "en")
    assert ak.posted_at == datetime(2022, 1, 13, 1, 40, 42, tzinfo=UTC)
    assert (ak.reposts, ak.likes, ak.replies, ak.quotes) == (258, 1085, 3, 12)
    assert ak.links == ("https://arxiv.org/abs/2201.04182", "https://arxiv.org/abs/2201.04182v1")
    assert ak.text.startswith("HyperTransformer: Model Generation")
    assert ak.has_counters and ak.quoted_id is None and ak.reply_to_id is None


def test_a_quote_is_a_post_of_its_own_naming_what_it_quotes():
    quote = parse_page(load("search_page1.json")).posts[0]
    assert quote.quoted_id == "1481443284304154625"
    assert quote.links == (
        "https://arxiv.org/pdf/2201.04182.pdf",
        "https://twitter.com/ak92501/status/1481443284304154625",
    )
    assert (quote.reposts, quote.likes) == (77, 402)


def test_one_post_linking_three_papers_keeps_every_link_in_order_with_the_unwound_one():
    three = parse_page(load("search_page1.json")).posts[1]
    assert three.links == (
        "https://arxiv.org/abs/2201.04182",
        "http://export.arxiv.org/abs/2201.04600v1",
        "https://bit.ly/3tQx0aB",
        "https://arxiv.org/abs/2201.04288",
    )
    assert not any("t.co" in link for link in three.links)


def test_a_reply_names_the_post_it_answers():
    reply = parse_page(load("search_page2.json")).posts[0]
    assert reply.reply_to_id == "1481500000000000000"
    assert reply.quoted_id is None


def test_the_last_page_has_no_cursor_and_an_empty_search_no_posts():
    assert parse_page(load("search_page2.json")).next_cursor is None
    empty = parse_page(load("search_empty.json"))
    assert (empty.posts, empty.next_cursor, empty.newest_id) == ((), None, None)


def test_the_original_of_a_retweet_in_includes_is_returned_once():
    page = load("search_page1.json")
    original = page["data"].pop(3)  # AK's post, now known only as what was retweeted
    page["includes"]["tweets"] = [original]
    page["data"].append(dict(page["data"][1], id="1481790000000000002"))  # a second retweet of it
    parsed = parse_page(page)
    assert [post.external_id for post in parsed.posts].count("1481443284304154625") == 1
    assert parsed.skipped_reposts == 2


def test_a_retweet_is_recognised_by_its_text_when_referenced_tweets_was_not_asked_for():
    assert is_retweet({"id": "1", "text": "RT @ak92501: HyperTransformer"})
    assert not is_retweet({"id": "1", "text": "RT is a great paper", "referenced_tweets": []})
    assert not is_retweet({"id": "1", "text": "Paper: https://t.co/x"})


def test_a_lookup_page_reports_the_posts_it_could_not_find():
    page = parse_page(load("lookup.json"))
    assert [post.likes for post in page.posts] == [1262, 350]
    assert page.errors == ("1481450080372731906: Could not find tweet with ids: [1481450080372731906].",)


def test_a_long_post_s_note_text_and_links_are_used():
    tweet = {
        "id": "1481443284304154625",
        "text": "A long thread starter… https://t.co/abc",
        "created_at": "2022-01-13T01:40:42.000Z",
        "entities": {
            "urls": [
                {"url": "https://t.co/abc", "expanded_url": "https://twitter.com/i/web/status/1481443284304154625"}
            ]
        },
        "note_tweet": {
            "text": "A long thread starter, in full, citing https://t.co/def",
            "entities": {"urls": [{"url": "https://t.co/def", "expanded_url": "https://arxiv.org/abs/2201.04600"}]},
        },
    }
    post = parse_tweet(tweet)
    assert post.text.endswith("citing https://t.co/def")
    assert post.links == ("https://arxiv.org/abs/2201.04600",)  # the "show more" self link is not a link


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("id"), "data[1]: a tweet without an id"),
        (lambda t: t.update(id="12ab"), "data[1]: a tweet id '12ab' that is not an X id"),
        (lambda t: t.update(created_at="yesterday"), "tweet 1481535086625538049: created_at 'yesterday' is not an ISO"),
        (lambda t: t["public_metrics"].update(like_count=-1), "public_metrics.like_count is -1, not a count"),
        (lambda t: t.pop("text"), "tweet 1481535086625538049: no text"),
    ],
)
def test_a_malformed_tweet_is_named_with_where_it_sits(change, message):
    page = load("search_page2.json")
    page["data"].insert(1, page["data"][0])
    page["data"][1] = json.loads(json.dumps(page["data"][1]))
    change(page["data"][1])
    with pytest.raises(PostParseError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_page(page)


def test_a_page_of_another_shape_is_refused():
    with pytest.raises(PostParseError, match="not a list of tweets"):
        parse_page({"data": "nothing"})
    with pytest.raises(PostParseError, match="is a JSON object"):
        parse_page([1, 2])


def test_shape_recognition():
    assert looks_like_page(load("search_page1.json"))
    assert looks_like_page(load("search_empty.json"))
    assert looks_like_page(load("lookup.json"))
    assert looks_like_tweet(load("search_page1.json")["data"][0])
    assert not looks_like_page({"posts": []})
    assert not looks_like_tweet({"objectID": "1", "text": "x", "created_at": "2022-01-01"})
    assert not looks_like_page(load("unauthorized.json"))


# The reference payloads


def test_the_reference_post_with_public_metrics(reference_dir):
    page = parse_page(json.loads((reference_dir / "x" / "v2_tweet_with_public_metrics.json").read_text()))
    (post,) = page.posts
    assert (post.author_handle, post.author_name, post.author_id) == ("ayy_gbr", "Aaron", "15899943")
    assert post.posted_at == datetime(2022, 6, 8, 2, 18, 12, tzinfo=UTC)
    assert post.links == ("https://www.google.com", "http://www.yahoo.com", "http://bing.com", "http://www.bing.com/")
    assert post.has_counters and (post.reposts, post.likes, post.replies, post.quotes) == (0, 0, 0, 0)


def test_the_reference_post_with_default_fields_only(reference_dir):
    page = parse_page(json.loads((reference_dir / "x" / "v2_get_tweet_default_fields.json").read_text()))
    (post,) = page.posts
    assert post.text.startswith("It’s finally here! \U0001f941")  # a surrogate pair in the JSON
    # no created_at asked for: the time is the id's (a snowflake)
    assert post.posted_at == datetime(2020, 8, 12, 17, 1, 42, 686000, tzinfo=UTC)
    assert post.url == "https://twitter.com/i/web/status/1293593516040269825"
    assert not post.has_counters


# The client


def test_search_recent_asks_for_the_fields_with_the_bearer_token(client, httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(load("search_page1.json"))
    page = client.search_recent()
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == "Bearer bearer-abc"
    assert dict(request.args) == {
        "query": "url:arxiv.org -is:retweet",
        "max_results": "100",
        "tweet.fields": "public_metrics,created_at,lang,entities,author_id,referenced_tweets,note_tweet",
        "expansions": "author_id",
        "user.fields": "username,name",
    }
    assert len(page.posts) == 3
    assert page.measured_at == NOW


def test_search_pages_with_next_token_and_continues_from_since_id(client, httpserver):
    httpserver.expect_request(SEARCH, query_string=None).respond_with_json(load("search_page2.json"))
    client.search_recent(since_id="1481400000000000000", next_token="b26v89c19zqg8o3fpzbkk4mwo7fh0ok0crwpfq1vf2fx9")
    client.search_recent(start_time=datetime(2022, 1, 13, 9, 30, tzinfo=UTC), max_results=10)
    (first, _), (second, _) = httpserver.log
    assert first.args["since_id"] == "1481400000000000000"
    assert first.args["next_token"] == "b26v89c19zqg8o3fpzbkk4mwo7fh0ok0crwpfq1vf2fx9"
    assert "start_time" not in first.args
    assert second.args["start_time"] == "2022-01-13T09:30:00Z"
    assert second.args["max_results"] == "10"
    assert "since_id" not in second.args and "next_token" not in second.args


def test_the_rate_limit_headers_come_back_with_the_page(client, httpserver):
    reset = NOW + timedelta(minutes=12)
    headers = {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "3",
        "x-rate-limit-reset": str(int(reset.timestamp())),
    }
    httpserver.expect_request(SEARCH).respond_with_json(load("search_page1.json"), headers=headers)
    page = client.search_recent()
    assert (page.rate_limit.limit, page.rate_limit.remaining, page.rate_limit.reset_at) == (450, 3, reset)


def test_429_raises_rate_limited_with_the_reset_time_without_sleeping(client, httpserver, sleeps):
    reset = NOW + timedelta(minutes=15)
    headers = {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(reset.timestamp())),
    }
    httpserver.expect_request(SEARCH).respond_with_json(load("too_many_requests.json"), status=429, headers=headers)
    with pytest.raises(RateLimited) as excinfo:
        client.search_recent()
    assert excinfo.value.reset_at == reset
    assert excinfo.value.retry_after == 900
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_a_5xx_then_success_is_retried(client, httpserver, sleeps):
    httpserver.expect_oneshot_request(SEARCH).respond_with_json({"title": "Service Unavailable"}, status=503)
    httpserver.expect_request(SEARCH).respond_with_json(load("search_page1.json"))
    assert len(client.search_recent().posts) == 3
    assert sleeps == [2.0]


def test_a_wrong_token_is_an_auth_error(client, httpserver, sleeps):
    httpserver.expect_request(SEARCH).respond_with_json(load("unauthorized.json"), status=401)
    with pytest.raises(AuthError, match="HTTP 401"):
        client.search_recent()
    assert sleeps == []


def test_a_since_id_older_than_a_week_is_a_stale_watermark(client, httpserver):
    httpserver.expect_request(SEARCH).respond_with_json(load("since_id_too_old.json"), status=400)
    with pytest.raises(StaleWatermark, match="since_id 1300000000000000000") as excinfo:
        client.search_recent(since_id="1300000000000000000")
    assert excinfo.value.since_id == "1300000000000000000"


def test_other_bad_requests_stay_http_errors(client, httpserver):
    httpserver.expect_request(SEARCH).respond_with_json({"title": "Invalid Request", "detail": "bad query"}, status=400)
    with pytest.raises(SourceHttpError, match="bad query") as excinfo:
        client.search_recent(query="url:")
    assert not isinstance(excinfo.value, StaleWatermark)


def test_lookup_asks_for_the_ids_with_the_same_fields(client, httpserver):
    httpserver.expect_request("/2/tweets").respond_with_json(load("lookup.json"))
    page = client.lookup(["1481443284304154625", "1481516573458419713", "1481450080372731906", "1481443284304154625"])
    ((request, _),) = httpserver.log
    assert request.args["ids"] == "1481443284304154625,1481516573458419713,1481450080372731906"
    assert request.args["tweet.fields"].startswith("public_metrics,")
    assert len(page.posts) == 2 and len(page.errors) == 1


def test_lookup_refuses_more_than_100_ids_or_bad_ones_before_any_request(client, httpserver):
    with pytest.raises(ValueError, match="at most 100"):
        client.lookup([str(1481443284304154625 + n) for n in range(101)])
    with pytest.raises(ValueError, match="not X post ids: abc"):
        client.lookup(["abc"])
    assert client.lookup([]).posts == ()
    assert httpserver.log == []


def test_the_client_refuses_bad_arguments_and_never_shows_its_token(httpserver):
    with pytest.raises(ValueError, match="bearer token"):
        XClient(httpserver.url_for("/2"), "")
    client = XClient(httpserver.url_for("/2"), "bearer-abc")
    assert "bearer-abc" not in repr(client)
    with pytest.raises(ValueError, match="max_results"):
        client.search_recent(max_results=500)
    with pytest.raises(ValueError, match="since_id"):
        client.search_recent(since_id="yesterday")


# oEmbed


def test_fetch_oembed_asks_without_script_and_tracking(httpserver):
    httpserver.expect_request("/oembed").respond_with_data(
        (OEMBED / "oembed_ak92501_1481443284304154625_omit_script.json").read_bytes(), content_type="application/json"
    )
    embed = fetch_oembed(
        "https://twitter.com/ak92501/status/1481443284304154625",
        oembed_url=httpserver.url_for("/oembed"),
        http=JsonClient(now=lambda: NOW),
    )
    ((request, _),) = httpserver.log
    assert dict(request.args) == {
        "url": "https://twitter.com/ak92501/status/1481443284304154625",
        "omit_script": "true",
        "dnt": "true",
    }
    assert (embed.author_name, embed.author_handle, embed.lang, embed.text_dir) == ("AK", "ak92501", "en", "ltr")
    assert embed.cache_age == 3153600000


def test_the_oembed_blockquote_is_the_one_the_seed_embeds():
    embed = parse_oembed(load("oembed_ak92501_1481443284304154625_omit_script.json", OEMBED))
    assert "<script" not in embed.html
    assert embed.blockquote in SEED_PATH.read_text()
    assert embed.text_html.startswith("HyperTransformer: Model Generation for Supervised and Semi-Supervised Few-Shot")
    assert embed.text_html.endswith('<a href="https://t.co/KTCN45rXnt">pic.twitter.com/KTCN45rXnt</a>')


@pytest.mark.parametrize(
    ("name", "handle", "starts"),
    [
        ("oembed_twitter_alleyco_1679189879086018562.json", "alleyco", "We’re a full-service digital agency"),
        ("oembed_twitter_spf13_666616452582129664_hugo.json", "spf13", "Hugo 0.15 will have 30%+ faster"),
    ],
)
def test_the_reference_oembed_answers(reference_dir, name, handle, starts):
    embed = parse_oembed(json.loads((reference_dir / "oembed" / name).read_text()))
    assert embed.author_handle == handle
    assert embed.text_html.startswith(starts)
    assert embed.blockquote.startswith('<blockquote class="twitter-tweet">')
    assert embed.blockquote.endswith("</blockquote>")
    assert "<script" in embed.html and "<script" not in embed.blockquote  # an answer asked with the script
    assert (embed.lang, embed.text_dir, embed.width, embed.height) == ("en", "ltr", 550, None)


def test_a_deleted_post_s_oembed_is_an_http_error(httpserver):
    httpserver.expect_request("/oembed").respond_with_json(load("not_found.json", OEMBED), status=404)
    with pytest.raises(SourceHttpError, match="HTTP 404.*does not exist"):
        fetch_oembed("https://twitter.com/someone/status/1", oembed_url=httpserver.url_for("/oembed"))


def test_an_oembed_answer_without_html_is_refused():
    with pytest.raises(PostParseError, match="no oEmbed html"):
        parse_oembed({"url": "https://twitter.com/a/status/1"})
