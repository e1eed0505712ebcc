"""The JSON HTTP client the social sources share, against a local server. No network, no real sleeping."""

import gzip
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from papers.sources.http import JsonClient, error_detail, rate_limit_from
from papers.sources.posts import (
    AuthError,
    RateLimit,
    RateLimited,
    SourceError,
    SourceHttpError,
    SourceUnavailable,
)

NOW = datetime(2022, 1, 14, 11, 10, 50, tzinfo=UTC)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return JsonClient(timeout=2.0, max_retries=3, backoff=2.0, max_delay=60.0, sleep=sleeps.append, now=lambda: NOW)


@pytest.fixture
def threaded_server():
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_a_get_sends_the_query_and_who_we_are_and_returns_the_json(client, httpserver):
    httpserver.expect_request("/api", query_string={"q": "arxiv.org", "n": "2"}).respond_with_json({"ok": True})
    response = client.get(httpserver.url_for("/api"), params={"q": "arxiv.org", "n": 2, "absent": None})
    assert response.data == {"ok": True}
    assert response.status == 200
    assert response.received_at == NOW
    ((request, _),) = httpserver.log
    assert request.headers["User-Agent"].startswith("HotPapers/")
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers


def test_repeated_parameters_are_sent_once_each(client, httpserver):
    httpserver.expect_request("/api").respond_with_json({})
    client.get(
        httpserver.url_for("/api"), params={"uris": ["at://a/app.bsky.feed.post/1", "at://b/app.bsky.feed.post/2"]}
    )
    ((request, _),) = httpserver.log
    assert request.args.getlist("uris") == ["at://a/app.bsky.feed.post/1", "at://b/app.bsky.feed.post/2"]


def test_a_post_sends_json_and_the_bearer_token(client, httpserver):
    httpserver.expect_request("/login", method="POST", json={"identifier": "me", "password": "pw"}).respond_with_json(
        {"accessJwt": "a"}
    )
    response = client.post(httpserver.url_for("/login"), json_body={"identifier": "me", "password": "pw"}, bearer="tok")
    assert response.data == {"accessJwt": "a"}
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["Content-Type"] == "application/json"


def test_a_gzip_body_is_decoded(client, httpserver):
    body = gzip.compress(json.dumps({"hits": []}).encode())
    httpserver.expect_request("/api").respond_with_data(
        body, content_type="application/json", headers={"Content-Encoding": "gzip"}
    )
    assert client.get(httpserver.url_for("/api")).data == {"hits": []}


def test_5xx_is_retried_with_exponential_backoff_then_succeeds(client, httpserver, sleeps):
    for status in (500, 502):
        httpserver.expect_oneshot_request("/api").respond_with_data("oops", status=status)
    httpserver.expect_request("/api").respond_with_json({"ok": 1})
    assert client.get(httpserver.url_for("/api")).data == {"ok": 1}
    assert sleeps == [2.0, 4.0]


def test_503_with_retry_after_waits_that_long(client, httpserver, sleeps):
    httpserver.expect_oneshot_request("/api").respond_with_data("busy", status=503, headers={"Retry-After": "7"})
    httpserver.expect_request("/api").respond_with_json({})
    client.get(httpserver.url_for("/api"))
    assert sleeps == [7.0]


def test_a_retry_after_longer_than_we_wait_fails_at_once_with_the_delay(client, httpserver, sleeps):
    httpserver.expect_request("/api").respond_with_data("busy", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(SourceUnavailable, match="wait 3600s") as excinfo:
        client.get(httpserver.url_for("/api"))
    assert excinfo.value.retry_after == 3600.0
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_after_the_last_retry_the_client_gives_up_clearly(client, httpserver, sleeps):
    httpserver.expect_request("/api").respond_with_data("down", status=503)
    with pytest.raises(SourceUnavailable, match=r"after 4 attempt\(s\); last problem: HTTP 503"):
        client.get(httpserver.url_for("/api"))
    assert len(httpserver.log) == 4
    assert sleeps == [2.0, 4.0, 8.0]


def test_429_is_raised_at_once_with_the_reset_time_never_slept_on(client, httpserver, sleeps):
    reset = NOW + timedelta(minutes=15)
    httpserver.expect_request("/api").respond_with_json(
        {"title": "Too Many Requests"},
        status=429,
        headers={
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(reset.timestamp())),
        },
    )
    with pytest.raises(RateLimited) as excinfo:
        client.get(httpserver.url_for("/api"))
    assert excinfo.value.reset_at == reset
    assert excinfo.value.retry_after == 900.0
    assert sleeps == []
    assert len(httpserver.log) == 1
    assert isinstance(excinfo.value, SourceUnavailable)  # transient: a job retries it


def test_429_with_only_retry_after_gives_the_reset_time_too(client, httpserver):
    httpserver.expect_request("/api").respond_with_data("slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as excinfo:
        client.get(httpserver.url_for("/api"))
    assert excinfo.value.retry_after == 120.0
    assert excinfo.value.reset_at == NOW + timedelta(seconds=120)


def test_429_without_any_header_says_nothing_about_when(client, httpserver):
    httpserver.expect_request("/api").respond_with_data("", status=429)
    with pytest.raises(RateLimited) as excinfo:
        client.get(httpserver.url_for("/api"))
    assert (excinfo.value.reset_at, excinfo.value.retry_after) == (None, None)


@pytest.mark.parametrize("status", [401, 403])
def test_credentials_refused_raise_auth_error_not_retried(client, httpserver, sleeps, status):
    httpserver.expect_request("/api").respond_with_json(
        {"title": "Unauthorized", "detail": "Unauthorized"}, status=status
    )
    with pytest.raises(AuthError, match=f"HTTP {status}.*Unauthorized") as excinfo:
        client.get(httpserver.url_for("/api"), bearer="secret-token")
    assert excinfo.value.status == status
    assert "secret-token" not in str(excinfo.value)
    assert sleeps == []


def test_other_4xx_raise_source_http_error_with_the_parsed_body(client, httpserver):
    httpserver.expect_request("/api").respond_with_json(
        {"error": "ExpiredToken", "message": "Token has expired"}, status=400
    )
    with pytest.raises(SourceHttpError) as excinfo:
        client.get(httpserver.url_for("/api"))
    assert excinfo.value.error_code == "ExpiredToken"
    assert "Token has expired" in str(excinfo.value)
    assert isinstance(excinfo.value, SourceError) and not isinstance(excinfo.value, SourceUnavailable)


def test_a_body_cut_short_on_the_wire_is_retried(client, httpserver, sleeps):
    body = json.dumps({"data": [{"id": "1", "text": "x" * 400}]}).encode()

    def short(request: Request) -> Response:
        response = Response(body[:100], content_type="application/json")
        response.headers["Content-Length"] = str(len(body))
        return response

    httpserver.expect_oneshot_request("/api").respond_with_handler(short)
    httpserver.expect_request("/api").respond_with_data(body, content_type="application/json")
    assert client.get(httpserver.url_for("/api")).data["data"][0]["id"] == "1"
    assert len(sleeps) == 1


def test_an_html_page_with_status_200_is_retried(client, httpserver):
    httpserver.expect_oneshot_request("/api").respond_with_data("<html>maintenance</html>", content_type="text/html")
    httpserver.expect_request("/api").respond_with_json({"ok": 1})
    assert client.get(httpserver.url_for("/api")).data == {"ok": 1}
    assert len(httpserver.log) == 2


def test_a_timeout_is_retried(threaded_server, sleeps):
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(2)
        return Response("{}", content_type="application/json")

    threaded_server.expect_oneshot_request("/api").respond_with_handler(stall)
    threaded_server.expect_request("/api").respond_with_json({"ok": 1})
    client = JsonClient(timeout=0.2, max_retries=2, backoff=1.0, sleep=sleeps.append)
    try:
        assert client.get(threaded_server.url_for("/api")).data == {"ok": 1}
    finally:
        release.set()
    assert sleeps == [1.0]


def test_timeouts_until_the_last_retry_end_in_source_unavailable(threaded_server, sleeps):
    release = threading.Event()
    threaded_server.expect_request("/api").respond_with_handler(lambda request: release.wait(2) and Response(b""))
    client = JsonClient(timeout=0.2, max_retries=1, sleep=sleeps.append)
    try:
        with pytest.raises(SourceUnavailable, match=r"no answer within 0.2s"):
            client.get(threaded_server.url_for("/api"))
    finally:
        release.set()


def test_a_refused_connection_is_retried_then_unavailable(sleeps):
    server = HTTPServer()
    server.start()
    url = server.url_for("/api")
    server.stop()
    client = JsonClient(timeout=1, max_retries=1, sleep=sleeps.append)
    with pytest.raises(SourceUnavailable, match="connection failed"):
        client.get(url)
    assert len(sleeps) == 1


def test_the_token_is_not_forwarded_on_a_redirect(client, httpserver):
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new").respond_with_json({"moved": True})
    assert client.get(httpserver.url_for("/old"), bearer="secret").data == {"moved": True}
    (first, _), (second, _) = httpserver.log
    assert first.headers["Authorization"] == "Bearer secret"
    assert "Authorization" not in second.headers


def test_rate_limit_headers_of_x_and_bluesky():
    reset = int((NOW + timedelta(minutes=5)).timestamp())
    assert rate_limit_from(
        {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "12", "x-rate-limit-reset": str(reset)}, now=NOW
    ) == RateLimit(limit=450, remaining=12, reset_at=NOW + timedelta(minutes=5))
    assert rate_limit_from(
        {
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "2999",
            "ratelimit-reset": str(reset),
            "ratelimit-policy": "3000;w=300",
        },
        now=NOW,
    ) == RateLimit(limit=3000, remaining=2999, reset_at=NOW + timedelta(minutes=5))
    # the IETF draft's reset is a delay in seconds
    assert rate_limit_from({"ratelimit-reset": "30"}, now=NOW).reset_at == NOW + timedelta(seconds=30)
    assert rate_limit_from({"content-type": "application/json"}, now=NOW) is None


def test_error_detail_reads_each_platform_s_error_shape():
    assert error_detail({"title": "Unauthorized", "detail": "Unauthorized"}) == "Unauthorized"
    assert error_detail({"error": "ExpiredToken", "message": "Token has expired"}) == "ExpiredToken: Token has expired"
    assert error_detail({"errors": [{"message": "Invalid 'since_id'"}], "title": "Invalid Request"}) == (
        "Invalid Request: Invalid 'since_id'"
    )
    assert error_detail(None, b"<html>Bad gateway</html>") == "<html>Bad gateway</html>"


def test_every_failed_request_is_counted_by_kind_for_the_run_record(client, httpserver):
    answers = iter(
        [
            Response("busy", status=503),
            Response("bad gateway", status=502),
            Response("<html>oops</html>", content_type="text/html"),
            Response('{"ok": true}', content_type="application/json"),
        ]
    )
    httpserver.expect_request("/flaky").respond_with_handler(lambda request: next(answers))
    httpserver.expect_request("/limited").respond_with_data("{}", status=429, headers={"Retry-After": "30"})

    assert client.get(httpserver.url_for("/flaky")).data == {"ok": True}
    with pytest.raises(RateLimited):
        client.get(httpserver.url_for("/limited"))

    assert client.problems == {"HTTP 503": 1, "HTTP 502": 1, "body not JSON": 1, "HTTP 429": 1}
