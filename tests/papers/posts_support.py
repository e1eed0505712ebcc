"""What the social-post tests share: recorded answers served by pytest-httpserver, clients pointed at it.

The platform clients never sleep here (`sleep` records the delays) and read a fixed clock, so rate-limit
resets and retrieval times are the same on every run.
"""

import json
from datetime import UTC, datetime

from werkzeug import Request, Response

from papers.sources.bluesky import BlueskyClient
from papers.sources.hackernews import HackerNewsClient
from papers.sources.http import JsonClient
from papers.sources.x import XClient
from tests.conftest import FIXTURES_DIR

# When the recorded answers were "received": a day after the seed digest's posts.
NOW = datetime(2022, 1, 14, 11, 10, 50, tzinfo=UTC)
BSKY_NOW = datetime(2025, 2, 8, 12, 0, tzinfo=UTC)  # the Bluesky fixtures' posts are from February 2025
X_SEARCH = "/2/tweets/search/recent"
X_LOOKUP = "/2/tweets"
BSKY_SEARCH = "/xrpc/app.bsky.feed.searchPosts"
BSKY_GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
BSKY_LOGIN = "/xrpc/com.atproto.server.createSession"
BSKY_REFRESH = "/xrpc/com.atproto.server.refreshSession"
HN_SEARCH = "/api/v1/search_by_date"
# The seed's papers that the X, Bluesky and Hacker News fixtures link.
SEED_PAPERS = ("2201.04182", "2201.04600", "2201.04288", "2201.04337", "2201.04309")


def fixture_bytes(folder, name):
    return (FIXTURES_DIR / folder / name).read_bytes()


def fixture_json(folder, name):
    return json.loads(fixture_bytes(folder, name))


def json_response(data, status=200, headers=None):
    return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")


def http_client(sleeps=None, now=NOW):
    return JsonClient(timeout=5.0, max_retries=1, sleep=(sleeps if sleeps is not None else []).append, now=lambda: now)


def x_client(httpserver, sleeps=None, now=NOW):
    return XClient(httpserver.url_for("/2"), "bearer-test", http=http_client(sleeps, now=now))


def bluesky_client(httpserver, session=None, now=BSKY_NOW):
    return BlueskyClient(
        httpserver.url_for("/xrpc"), "hotpapers.bsky.social", "app-pass", http=http_client(now=now), session=session
    )


def hn_client(httpserver, now=NOW):
    return HackerNewsClient(httpserver.url_for("/api/v1"), http=http_client(now=now))


def by_param(name, answers, default=None):
    """A handler answering according to one query parameter: answers[value] (a dict or a Response)."""

    def handler(request: Request):
        answer = answers.get(request.args.get(name), default)
        if answer is None:
            return json_response({"error": f"unexpected {name}={request.args.get(name)!r}"}, status=418)
        return answer if isinstance(answer, Response) else json_response(answer)

    return handler


def serve_arxiv(httpserver, settings, name="api_id_list_posts.xml"):
    """arXiv's API answering id lists with the seed's papers (2201.04337 is not in the answer)."""
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    settings.ARXIV_MAX_RETRIES = 0
    httpserver.expect_request("/api/query").respond_with_data(
        fixture_bytes("arxiv", name), content_type="application/atom+xml"
    )


def requests_to(httpserver, path):
    return [request for request, _ in httpserver.log if request.path == path]
