"""Bluesky: post views, feed views and reposts parsed; the XRPC client (sessions, paging, errors) on a local server."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from papers.sources.bluesky import (
    BlueskyClient,
    BlueskySession,
    is_post_uri,
    looks_like_response,
    parse_items,
    parse_post_view,
    parse_response,
    post_url,
)
from papers.sources.http import JsonClient
from papers.sources.posts import AuthError, PostParseError, RateLimited, SourceHttpError
from tests.conftest import FIXTURES_DIR

BSKY = FIXTURES_DIR / "bluesky"
NOW = datetime(2025, 2, 8, 9, 0, tzinfo=UTC)
XRPC = "/xrpc"
CREATE = f"{XRPC}/com.atproto.server.createSession"
REFRESH = f"{XRPC}/com.atproto.server.refreshSession"
SEARCH = f"{XRPC}/app.bsky.feed.searchPosts"
GET_POSTS = f"{XRPC}/app.bsky.feed.getPosts"
THREE = "at://did:plc:niay7ajcptgklwrhknvnhk44/app.bsky.feed.post/3lhjnkjle5s2o"
CARD = "at://did:plc:oio4hkxaop4ao4wz2pp3f4cr/app.bsky.feed.post/3lhlu3l65522g"
QUOTE = "at://did:plc:a2xro4bckdu24pdxtevo7mmr/app.bsky.feed.post/3lhlr5a4shz2u"


def load(name: str):
    return json.loads((BSKY / name).read_text())


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(httpserver, sleeps):
    http = JsonClient(timeout=2.0, max_retries=2, backoff=2.0, sleep=sleeps.append, now=lambda: NOW)
    return BlueskyClient(httpserver.url_for(XRPC), "hotpapers.bsky.social", "app-pass-1234", http=http)


def serve_login(httpserver):
    httpserver.expect_request(
        CREATE, method="POST", json={"identifier": "hotpapers.bsky.social", "password": "app-pass-1234"}
    ).respond_with_json(load("create_session.json"))


def paths(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


# The parser


def test_a_search_page_gives_its_posts_and_cursor():
    page = parse_response(load("search_page1.json"))
    assert [post.external_id for post in page.posts] == [QUOTE, CARD]
    assert page.next_cursor == "2"
    assert page.source == "bluesky"
    assert parse_response(load("search_page2.json")).next_cursor is None


def test_links_come_from_facets_in_text_order_and_urls_in_the_text():
    (three,) = parse_response(load("search_page2.json")).posts
    # the text shows shortened links; the facets carry the full ones, in the order of the text
    assert three.links == (
        "https://arxiv.org/abs/2201.04182v2",
        "https://arxiv.org/abs/2201.04600",
        "https://arxiv.org/abs/2201.04288",  # written out in the text, the sentence's full stop left off
    )
    assert three.url == "https://bsky.app/profile/theferrarilab.bsky.social/post/3lhjnkjle5s2o"
    assert (three.author_id, three.author_handle, three.author_name) == (
        "did:plc:niay7ajcptgklwrhknvnhk44",
        "theferrarilab.bsky.social",
        "The Ferrari Lab",
    )
    assert (three.likes, three.reposts, three.replies, three.quotes) == (41, 12, 3, 1)
    assert three.posted_at == datetime(2025, 2, 6, 17, 50, 33, 851000, tzinfo=UTC)
    assert three.lang == "en"


def test_an_external_card_counts_once_from_the_record_and_the_view():
    card = parse_response(load("search_page1.json")).posts[1]
    assert card.links == ("https://arxiv.org/abs/2201.04182",)
    assert card.quoted_id is None


def test_a_quote_with_media_is_a_post_of_its_own_naming_what_it_quotes():
    quote = parse_response(load("search_page1.json")).posts[0]
    assert quote.quoted_id == CARD
    # its own link, not the links of the post it quotes
    assert quote.links == ("https://arxiv.org/pdf/2201.04337v1",)
    assert quote.author_name == ""


def test_a_repost_in_a_feed_is_skipped_and_its_original_returned_once():
    page = parse_response(load("author_feed.json"))
    assert [post.external_id for post in page.posts] == [THREE, QUOTE]
    assert page.skipped_reposts == 2
    assert page.next_cursor == "2025-02-07T14:52:47.869Z"


def test_bare_views_and_feed_items_make_one_page():
    feed = load("author_feed.json")["feed"]
    page = parse_items([feed[0], feed[1]["post"], feed[2]])
    assert [post.external_id for post in page.posts] == [THREE, QUOTE]
    assert page.skipped_reposts == 2


def test_post_urls_and_uris():
    assert post_url(THREE) == "https://bsky.app/profile/did:plc:niay7ajcptgklwrhknvnhk44/post/3lhjnkjle5s2o"
    assert post_url(THREE, "handle.invalid").startswith("https://bsky.app/profile/did:plc:")
    assert is_post_uri(THREE)
    assert not is_post_uri("at://did:plc:x/app.bsky.feed.generator/whats-hot")
    assert not is_post_uri("https://bsky.app/profile/x/post/1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda v: v.update(uri="at://did:plc:x/app.bsky.feed.like/3k"),
            r"posts\[0\]: .* is not an at:// URI of a post",
        ),
        (lambda v: v.pop("record"), r"posts\[0\]: post at://.*: no record"),
        (lambda v: v["record"].update(createdAt="not a time"), "createdAt 'not a time' is not an ISO 8601 time"),
        (lambda v: v.update(likeCount="many"), "likeCount is 'many', not a count"),
    ],
)
def test_a_malformed_post_view_is_named(change, message):
    data = load("search_page2.json")
    change(data["posts"][0])
    with pytest.raises(PostParseError, match=message):
        parse_response(data)


def test_an_answer_of_another_shape_is_refused():
    with pytest.raises(PostParseError, match="neither 'posts' nor 'feed'"):
        parse_response(load("unknown_shape.json"))
    assert not looks_like_response(load("unknown_shape.json"))
    assert looks_like_response(load("author_feed.json"))
    assert looks_like_response({"posts": []})


# The reference payloads


def test_the_reference_repost_feed_view(reference_dir):
    item = json.loads((reference_dir / "bluesky" / "bluesky_atat_1_repost_feedViewPost.json").read_text())
    page = parse_items([item])
    (post,) = page.posts
    assert page.skipped_reposts == 1
    assert post.author_handle == "theferrarilab.bsky.social"  # the original's author, not the reposter
    assert post.quoted_id == "at://did:plc:k5nskatzhyxersjilvtnz4lh/app.bsky.feed.post/3lhjg47rc6c2o"
    assert (post.likes, post.reposts, post.replies, post.quotes) == (9, 7, 1, 0)


def test_the_reference_post_views(reference_dir):
    folder = reference_dir / "bluesky"

    def view(name):
        return parse_post_view(json.loads((folder / name).read_text()))

    quote = view("bluesky_atat_2_externalRepostWithComment_postView.json")
    assert quote.quoted_id == "at://did:plc:7exlcsle4mjfhu3wnhcgizz6/app.bsky.feed.post/3lhljcua7lv2e"
    assert quote.links == ()  # the quoted post's card is not this post's link
    external = view("bluesky_atat_3_externalEmbed_postView.json")
    assert external.links == (
        "https://www.createwithswift.com/designing-for-application-states-creating-seamless-user-experiences/",
    )
    assert external.lang == ""  # no langs in that record
    reply = view("bluesky_atat_4_postWithoutEmbed_reply_postView.json")
    assert reply.reply_to_id == "at://did:plc:x2rfmy3ldn2k6d2diyp7ofi2/app.bsky.feed.post/3lhmfcfualc2s"
    images = view("bluesky_atat_5_postWithImagesEmbed_postView.json")
    assert images.links == () and images.author_name == "Dan O’Leary"


def test_the_reference_get_posts_answer(reference_dir):
    page = parse_response(json.loads((reference_dir / "bluesky" / "getPosts_1.json").read_text()))
    (post,) = page.posts
    assert post.links == ("http://localview.net", "https://rstats.ai/gov.html")
    assert post.likes == 4
    assert post.url == "https://bsky.app/profile/soubhikbarari.bsky.social/post/3k7qmjev5lr2s"


# The client


def test_the_client_logs_in_then_searches_with_its_access_token(client, httpserver):
    serve_login(httpserver)
    httpserver.expect_request(SEARCH, headers=bearer("access-1")).respond_with_json(load("search_page1.json"))
    page = client.search_posts(since=datetime(2025, 2, 7, 12, 0, tzinfo=UTC))
    assert paths(httpserver) == [CREATE, SEARCH]
    search = httpserver.log[1][0]
    assert dict(search.args) == {
        "q": "arxiv.org",
        "domain": "arxiv.org",
        "sort": "latest",
        "since": "2025-02-07T12:00:00.000Z",
        "limit": "100",
    }
    assert len(page.posts) == 2 and page.measured_at == NOW
    assert client.session.did == "did:plc:klsh7edzj3jmxucibyjqstb3"


def test_the_cursor_pages_on_and_the_session_is_kept(client, httpserver):
    serve_login(httpserver)
    httpserver.expect_request(
        SEARCH, query_string={"q": "arxiv.org", "domain": "arxiv.org", "sort": "latest", "limit": "100"}
    ).respond_with_json(load("search_page1.json"))
    httpserver.expect_request(SEARCH).respond_with_json(load("search_page2.json"))
    first = client.search_posts()
    second = client.search_posts(cursor=first.next_cursor, since=date(2025, 2, 1))
    assert second.next_cursor is None
    assert paths(httpserver) == [CREATE, SEARCH, SEARCH]
    assert httpserver.log[2][0].args["cursor"] == "2"
    assert httpserver.log[2][0].args["since"] == "2025-02-01"


def test_an_expired_session_is_refreshed_and_the_call_repeated_once(client, httpserver):
    serve_login(httpserver)
    httpserver.expect_request(SEARCH, headers=bearer("access-1")).respond_with_json(
        load("expired_token.json"), status=400
    )
    httpserver.expect_request(REFRESH, method="POST", headers=bearer("refresh-1")).respond_with_json(
        load("refresh_session.json")
    )
    httpserver.expect_request(SEARCH, headers=bearer("access-2")).respond_with_json(load("search_page1.json"))
    assert len(client.search_posts().posts) == 2
    assert paths(httpserver) == [CREATE, SEARCH, REFRESH, SEARCH]
    assert client.session.access_jwt == "access-2"


def test_when_the_refresh_is_refused_too_the_client_logs_in_again(client, httpserver):
    client.session = BlueskySession(
        did="did:plc:old", handle="hotpapers.bsky.social", access_jwt="old", refresh_jwt="old-r"
    )
    httpserver.expect_request(SEARCH, headers=bearer("old")).respond_with_json(load("expired_token.json"), status=400)
    httpserver.expect_request(REFRESH, headers=bearer("old-r")).respond_with_json(
        load("expired_token.json"), status=400
    )
    serve_login(httpserver)
    httpserver.expect_request(SEARCH, headers=bearer("access-1")).respond_with_json(load("search_page2.json"))
    assert len(client.search_posts().posts) == 1
    assert paths(httpserver) == [SEARCH, REFRESH, CREATE, SEARCH]


def test_an_expired_session_is_renewed_only_once_per_call(client, httpserver):
    serve_login(httpserver)
    httpserver.expect_request(SEARCH).respond_with_json(load("expired_token.json"), status=400)
    httpserver.expect_request(REFRESH).respond_with_json(load("refresh_session.json"))
    with pytest.raises(SourceHttpError, match="ExpiredToken"):
        client.search_posts()
    assert paths(httpserver) == [CREATE, SEARCH, REFRESH, SEARCH]


def test_a_saved_session_is_used_without_logging_in(httpserver):
    session = BlueskySession(did="did:plc:k", handle="hotpapers.bsky.social", access_jwt="saved", refresh_jwt="saved-r")
    client = BlueskyClient(httpserver.url_for(XRPC), "hotpapers.bsky.social", "app-pass-1234", session=session)
    httpserver.expect_request(SEARCH, headers=bearer("saved")).respond_with_json(load("search_page2.json"))
    client.search_posts()
    assert paths(httpserver) == [SEARCH]


def test_a_refused_login_is_an_auth_error_that_never_shows_the_password(client, httpserver, sleeps):
    httpserver.expect_request(CREATE).respond_with_json(load("bad_login.json"), status=401)
    with pytest.raises(AuthError, match="refused the login of hotpapers.bsky.social") as excinfo:
        client.search_posts()
    assert "app-pass-1234" not in str(excinfo.value)
    assert "app-pass-1234" not in repr(client)
    assert "secret" not in repr(BlueskySession(did="did:plc:k", handle="h", access_jwt="secret", refresh_jwt="secret"))
    assert paths(httpserver) == [CREATE]
    assert sleeps == []


def test_get_posts_sends_each_uri_and_refuses_more_than_25(client, httpserver):
    serve_login(httpserver)
    httpserver.expect_request(GET_POSTS).respond_with_json(load("get_posts.json"))
    page = client.get_posts([THREE, CARD, THREE])
    assert httpserver.log[1][0].args.getlist("uris") == [THREE, CARD]
    assert [post.likes for post in page.posts] == [55, 20]
    with pytest.raises(ValueError, match="at most 25"):
        client.get_posts([f"at://did:plc:x/app.bsky.feed.post/{n}" for n in range(26)])
    with pytest.raises(ValueError, match="not at:// post URIs"):
        client.get_posts(["https://bsky.app/profile/x/post/1"])
    assert client.get_posts([]).posts == ()
    assert len(httpserver.log) == 2


def test_429_raises_rate_limited_with_bluesky_s_reset_header(client, httpserver, sleeps):
    serve_login(httpserver)
    reset = NOW + timedelta(minutes=5)
    httpserver.expect_request(SEARCH).respond_with_json(
        load("rate_limited.json"),
        status=429,
        headers={
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(reset.timestamp())),
            "ratelimit-policy": "3000;w=300",
        },
    )
    with pytest.raises(RateLimited) as excinfo:
        client.search_posts()
    assert excinfo.value.reset_at == reset
    assert excinfo.value.retry_after == 300
    assert sleeps == []


def test_a_5xx_then_success_is_retried_with_the_same_session(client, httpserver, sleeps):
    serve_login(httpserver)
    httpserver.expect_oneshot_request(SEARCH).respond_with_json({"error": "UpstreamFailure"}, status=502)
    httpserver.expect_request(SEARCH).respond_with_json(load("search_page2.json"))
    assert len(client.search_posts().posts) == 1
    assert sleeps == [2.0]
    assert paths(httpserver) == [CREATE, SEARCH, SEARCH]


def test_the_client_refuses_bad_arguments(httpserver, client):
    with pytest.raises(ValueError, match="handle and an app password"):
        BlueskyClient(httpserver.url_for(XRPC), "hotpapers.bsky.social", "")
    with pytest.raises(ValueError, match="sort"):
        client.search_posts(sort="oldest")
    with pytest.raises(ValueError, match="limit"):
        client.search_posts(limit=0)
    assert httpserver.log == []
