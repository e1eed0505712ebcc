"""The arXiv client against a local HTTP server serving recorded responses. No network, no real sleeping."""

import gzip
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from papers.sources.arxiv import (
    ArxivApiError,
    ArxivClient,
    ArxivHttpError,
    ArxivParseError,
    ArxivUnavailable,
    InvalidArxivId,
    MonotonicThrottle,
    OaiError,
    parse_retry_after,
)
from tests.conftest import FIXTURES_DIR

ARXIV_FIXTURES = FIXTURES_DIR / "arxiv"
API = "/api/query"
OAI = "/oai"
ATOM = "application/atom+xml; charset=utf-8"
XML = "text/xml; charset=utf-8"


def fixture(name: str) -> bytes:
    return (ARXIV_FIXTURES / name).read_bytes()


class CountingThrottle:
    def __init__(self):
        self.calls = 0

    def wait(self) -> None:
        self.calls += 1


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def throttle():
    return CountingThrottle()


@pytest.fixture
def make_client(sleeps, throttle):
    def make(server, **options):
        options.setdefault("timeout", 2.0)
        options.setdefault("max_retries", 3)
        options.setdefault("backoff", 2.0)
        return ArxivClient(
            api_url=server.url_for(API), oai_url=server.url_for(OAI), throttle=throttle, sleep=sleeps.append, **options
        )

    return make


@pytest.fixture
def client(httpserver, make_client):
    return make_client(httpserver)


@pytest.fixture
def threaded_server():
    # The default server answers one request at a time, so a handler that stalls would also stall the retry.
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def serve(server, path, body, *, once=False, query=None, status=200, headers=None, content_type=None):
    expect = server.expect_oneshot_request if once else server.expect_request
    content_type = content_type or (XML if path == OAI else ATOM)
    expect(path, query_string=query).respond_with_data(body, status=status, headers=headers, content_type=content_type)


def token(value: str) -> dict:
    return {"verb": "ListRecords", "resumptionToken": value}


def queries(server) -> list[dict]:
    return [dict(request.args) for request, _ in server.log]


# The API: ids, searches, pages


def test_invalid_ids_are_all_named_before_any_request(client, httpserver, throttle):
    with pytest.raises(InvalidArxivId) as excinfo:
        client.fetch_by_ids(["2007.02005", "nope", "1234.5678", "https://arxiv.org/abs/hep-th/9711200"])
    assert excinfo.value.invalid == ["nope", "1234.5678"]
    assert httpserver.log == [] and throttle.calls == 0


def test_ids_are_fetched_in_batches(client, httpserver):
    first = {"id_list": "2007.02005v1,2008.01036", "start": "0", "max_results": "2"}
    serve(httpserver, API, fixture("api_search_page1.xml"), once=True, query=first)
    second = {"id_list": "hep-th/9711200", "start": "0", "max_results": "1"}
    serve(httpserver, API, fixture("api_id_list_classic.xml"), once=True, query=second)
    ids = ["arXiv:2007.02005v1", "https://arxiv.org/abs/2008.01036", "hep-th/9711200"]
    pages = list(client.fetch_by_ids(ids, batch_size=2))
    assert len(pages) == 2
    assert len(httpserver.log) == 2
    httpserver.check_assertions()


def test_a_search_follows_pages_until_the_total(client, httpserver, throttle):
    query = "cat:cs.LG AND submittedDate:[202007010000 TO 202009302359]"
    common = {"search_query": query, "sortBy": "submittedDate", "sortOrder": "ascending", "max_results": "3"}
    serve(httpserver, API, fixture("api_search_page1.xml"), once=True, query={**common, "start": "0"})
    serve(httpserver, API, fixture("api_search_page2.xml"), once=True, query={**common, "start": "3"})
    pages = list(client.search("cs.LG", date(2020, 7, 1), date(2020, 9, 30), page_size=3))
    assert [record.arxiv_id for page in pages for record in page.records] == [
        "2007.02005",
        "2008.01036",
        "2008.07912",
        "2009.03393",
        "2009.04534",
    ]
    assert throttle.calls == 2
    httpserver.check_assertions()


def test_a_search_with_times_uses_them_in_utc(client, httpserver):
    httpserver.expect_request(API).respond_with_data(fixture("api_empty.xml"), content_type=ATOM)
    since = datetime(2020, 7, 1, 22, 0, tzinfo=timezone(timedelta(hours=2)))
    until = datetime(2020, 7, 2, 18, 30)  # noqa: DTZ001 - a naive time is taken as UTC
    list(client.search("stat.ML", since, until, page_size=50))
    assert queries(httpserver)[0]["search_query"] == "cat:stat.ML AND submittedDate:[202007012000 TO 202007021830]"


def test_search_refuses_what_arxiv_would_refuse_on_the_call(client, httpserver):
    with pytest.raises(ValueError, match="page_size"):
        client.search("cs.LG", date(2020, 7, 1), date(2020, 7, 2), page_size=2001)
    with pytest.raises(ValueError, match="max_total"):
        client.search("cs.LG", date(2020, 7, 1), date(2020, 7, 2), max_total=30001)
    with pytest.raises(ValueError, match="category"):
        client.search("cs.LG OR all:x", date(2020, 7, 1), date(2020, 7, 2))
    with pytest.raises(ValueError, match="after"):
        client.search("cs.LG", date(2020, 7, 2), date(2020, 7, 1))
    assert httpserver.log == []


def test_requests_say_who_we_are(httpserver, make_client):
    user_agent = {"User-Agent": "HotPapers-test/1 (ops@example.org)"}
    httpserver.expect_request(API, headers=user_agent).respond_with_data(fixture("api_empty.xml"), content_type=ATOM)
    client = make_client(httpserver, user_agent="HotPapers-test/1 (ops@example.org)")
    assert list(client.fetch_by_ids(["2501.99999"]))[0].records == []
    httpserver.check_assertions()


def test_a_gzip_body_is_decoded(client, httpserver):
    body = gzip.compress(fixture("api_search_page2.xml"))
    serve(httpserver, API, body, headers={"Content-Encoding": "gzip"})
    (page,) = client.fetch_by_ids(["2009.03393", "2009.04534"])
    assert len(page.records) == 2


# Faults


def test_the_error_feed_with_http_400_names_the_bad_id_and_is_not_retried(client, httpserver, sleeps):
    httpserver.expect_request(API).respond_with_data(fixture("api_error_bad_id.xml"), status=400, content_type=ATOM)
    with pytest.raises(ArxivApiError) as excinfo:
        list(client.search("cs.LG", date(2020, 7, 1), date(2020, 7, 2)))
    assert excinfo.value.bad_id == "1234.5678"
    assert len(httpserver.log) == 1 and sleeps == []


def test_a_404_is_not_retried(client, httpserver):
    httpserver.expect_request(API).respond_with_data("Not Found", status=404)
    with pytest.raises(ArxivHttpError, match="HTTP 404"):
        list(client.fetch_by_ids(["2007.02005"]))
    assert len(httpserver.log) == 1


def test_429_then_success_backs_off_and_goes_on(client, httpserver, sleeps, throttle):
    httpserver.expect_oneshot_request(API).respond_with_data("Rate exceeded.", status=429)
    httpserver.expect_oneshot_request(API).respond_with_data("Rate exceeded.", status=429)
    httpserver.expect_request(API).respond_with_data(fixture("api_search_page2.xml"), content_type=ATOM)
    (page,) = client.fetch_by_ids(["2009.03393", "2009.04534"])
    assert len(page.records) == 2
    assert sleeps == [2.0, 4.0]  # exponential backoff
    assert throttle.calls == 3  # every attempt waits its turn


def test_503_with_retry_after_seconds_waits_that_long(client, httpserver, sleeps):
    page = fixture("api_unavailable.html")
    serve(httpserver, OAI, page, once=True, status=503, headers={"Retry-After": "17"}, content_type="text/html")
    httpserver.expect_request(OAI).respond_with_data(fixture("oai_list_records_arxiv_3.xml"), content_type=XML)
    pages = list(client.list_records(None, resumption_token="6960524|5"))
    assert len(pages) == 1 and len(pages[0].records) == 2
    assert sleeps == [17.0]


def test_503_with_retry_after_as_an_http_date(httpserver, make_client, sleeps):
    now = datetime(2024, 1, 27, 18, 0, tzinfo=UTC)
    client = make_client(httpserver, now=lambda: now)
    retry_after = format_datetime(now + timedelta(seconds=90), usegmt=True)
    serve(httpserver, API, "busy", once=True, status=503, headers={"Retry-After": retry_after})
    httpserver.expect_request(API).respond_with_data(fixture("api_empty.xml"), content_type=ATOM)
    list(client.fetch_by_ids(["2501.99999"]))
    assert sleeps == [90.0]


def test_a_retry_after_longer_than_we_wait_fails_at_once_with_the_delay(httpserver, make_client, sleeps):
    client = make_client(httpserver, max_delay=60)
    httpserver.expect_request(API).respond_with_data("busy", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(ArxivUnavailable, match="wait 3600s") as excinfo:
        list(client.fetch_by_ids(["2007.02005"]))
    assert excinfo.value.retry_after == 3600
    assert len(httpserver.log) == 1 and sleeps == []


def test_after_the_last_retry_the_client_gives_up_clearly(client, httpserver, sleeps):
    httpserver.expect_request(API).respond_with_data("busy", status=503)
    with pytest.raises(ArxivUnavailable, match=r"after 4 attempt\(s\); last problem: HTTP 503"):
        list(client.fetch_by_ids(["2007.02005"]))
    assert len(httpserver.log) == 4
    assert sleeps == [2.0, 4.0, 8.0]


def test_a_timeout_is_retried(threaded_server, make_client, sleeps):
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(2)
        return Response(fixture("api_empty.xml"), content_type=ATOM)

    threaded_server.expect_oneshot_request(API).respond_with_handler(stall)
    threaded_server.expect_request(API).respond_with_data(fixture("api_search_page2.xml"), content_type=ATOM)
    client = make_client(threaded_server, timeout=0.2)
    try:
        (page,) = client.fetch_by_ids(["2009.03393", "2009.04534"])
    finally:
        release.set()
    assert len(page.records) == 2
    assert sleeps == [2.0]


def test_timeouts_until_the_last_retry_end_in_arxiv_unavailable(threaded_server, make_client):
    release = threading.Event()
    threaded_server.expect_request(API).respond_with_handler(lambda request: release.wait(2) and Response(b""))
    client = make_client(threaded_server, timeout=0.2, max_retries=1)
    try:
        with pytest.raises(ArxivUnavailable, match=r"no answer within 0.2s"):
            list(client.fetch_by_ids(["2007.02005"]))
    finally:
        release.set()


def test_a_truncated_body_is_retried_and_never_yielded(client, httpserver, sleeps):
    httpserver.expect_oneshot_request(API).respond_with_data(fixture("api_truncated.xml"), content_type=ATOM)
    httpserver.expect_request(API).respond_with_data(fixture("api_search_page1.xml"), content_type=ATOM)
    pages = list(client.fetch_by_ids(["2007.02005", "2008.01036", "2008.07912"]))
    assert [len(page.records) for page in pages] == [3]
    assert sleeps == [2.0]


def test_a_body_that_never_parses_ends_in_arxiv_unavailable_with_nothing_yielded(client, httpserver):
    httpserver.expect_request(API).respond_with_data(fixture("api_truncated.xml"), content_type=ATOM)
    yielded = []
    with pytest.raises(ArxivUnavailable, match="not complete XML") as excinfo:
        yielded.extend(client.fetch_by_ids(["2007.02005"]))
    assert yielded == []
    assert isinstance(excinfo.value.__cause__, ArxivParseError)


def test_a_body_cut_short_on_the_wire_is_retried(client, httpserver, sleeps):
    def short(request: Request) -> Response:
        body = fixture("api_search_page1.xml")
        response = Response(body[:500], content_type=ATOM)
        response.headers["Content-Length"] = str(len(body))
        return response

    httpserver.expect_oneshot_request(API).respond_with_handler(short)
    httpserver.expect_request(API).respond_with_data(fixture("api_search_page1.xml"), content_type=ATOM)
    (page,) = client.fetch_by_ids(["2007.02005", "2008.01036", "2008.07912"])
    assert len(page.records) == 3
    assert len(sleeps) == 1


def test_an_html_error_page_with_status_200_is_retried(client, httpserver):
    httpserver.expect_oneshot_request(API).respond_with_data(fixture("api_unavailable.html"), content_type="text/html")
    httpserver.expect_request(API).respond_with_data(fixture("api_empty.xml"), content_type=ATOM)
    assert [page.records for page in client.fetch_by_ids(["2501.99999"])] == [[]]
    assert len(httpserver.log) == 2


# OAI-PMH


def test_an_oai_harvest_resumes_from_the_saved_token_after_a_failure(client, httpserver):
    first = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": "2024-01-25", "until": "2024-01-26"}
    serve(httpserver, OAI, fixture("oai_list_records_arxiv_1.xml"), once=True, query=first)
    # arXiv falls over while serving the second page, for longer than the client retries.
    for _ in range(4):
        serve(httpserver, OAI, "busy", once=True, status=503, query=token("6960524|3"))

    stored, saved_token = [], None
    with pytest.raises(ArxivUnavailable):
        for page in client.list_records("cs", date(2024, 1, 25), date(2024, 1, 26)):
            stored.extend(record.arxiv_id for record in page.records)
            saved_token = page.resumption_token
    assert stored == ["2401.14034", "2401.14040"]
    assert saved_token == "6960524|3"

    serve(httpserver, OAI, fixture("oai_list_records_arxiv_2.xml"), once=True, query=token("6960524|3"))
    serve(httpserver, OAI, fixture("oai_list_records_arxiv_3.xml"), once=True, query=token("6960524|5"))
    for page in client.list_records("cs", date(2024, 1, 25), date(2024, 1, 26), resumption_token=saved_token):
        stored.extend(record.arxiv_id for record in page.records)
        saved_token = page.resumption_token
    assert stored == ["2401.14034", "2401.14040", "1303.2033", "2401.14038", "hep-th/0108200", "2401.14036"]
    assert saved_token is None
    assert len(httpserver.log) == 1 + 4 + 2
    httpserver.check_assertions()


def test_an_expired_resumption_token_is_an_oai_error_not_retried(client, httpserver, sleeps):
    httpserver.expect_request(OAI).respond_with_data(fixture("oai_bad_resumption_token.xml"), content_type=XML)
    with pytest.raises(OaiError) as excinfo:
        list(client.list_records("cs", resumption_token="6960524|3"))
    assert excinfo.value.code == "badResumptionToken"
    assert len(httpserver.log) == 1 and sleeps == []


def test_no_records_match_is_one_empty_page(client, httpserver):
    httpserver.expect_request(OAI).respond_with_data(fixture("oai_no_records_match.xml"), content_type=XML)
    pages = list(client.list_records("cs", "2030-01-01", metadata_prefix="arXiv"))
    assert len(pages) == 1 and pages[0].records == [] and pages[0].resumption_token is None
    expected = {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": "2030-01-01"}
    assert queries(httpserver) == [expected]


def test_get_record_asks_for_the_oai_identifier(client, httpserver):
    query = {"verb": "GetRecord", "identifier": "oai:arXiv.org:2008.07912", "metadataPrefix": "arXivRaw"}
    serve(httpserver, OAI, fixture("oai_get_record_arxivraw_versions.xml"), query=query)
    page = client.get_record("arXiv:2008.07912v2", metadata_prefix="arXivRaw")
    assert page.records[0].version == 4


# Politeness helpers


def test_the_monotonic_throttle_spaces_calls():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    throttle = MonotonicThrottle(3.0, clock=lambda: now[0], sleep=sleep)
    throttle.wait()
    now[0] += 1.0
    throttle.wait()
    now[0] += 10.0
    throttle.wait()
    throttle.wait()
    assert slept == [2.0, 3.0]


def test_the_default_throttle_uses_the_injected_sleep(httpserver):
    slept = []
    client = ArxivClient(api_url=httpserver.url_for(API), oai_url=httpserver.url_for(OAI), sleep=slept.append)
    httpserver.expect_request(API).respond_with_data(fixture("api_empty.xml"), content_type=ATOM)
    list(client.fetch_by_ids(["2501.99999"]))
    list(client.fetch_by_ids(["2501.99998"]))
    assert len(slept) == 1 and 0 < slept[0] <= 3.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sat, 27 Jan 2024 18:01:00 GMT", 60.0),
        ("Sat, 27 Jan 2024 17:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=datetime(2024, 1, 27, 18, 0, tzinfo=UTC)) == expected


def test_every_failed_request_is_counted_by_kind_for_the_run_record(client, httpserver):
    serve(httpserver, OAI, "busy", once=True, status=503, headers={"Retry-After": "1"}, content_type="text/html")
    serve(httpserver, OAI, "slow down", once=True, status=429, headers={"Retry-After": "1"}, content_type="text/html")
    serve(httpserver, OAI, fixture("oai_list_records_arxiv_3.xml")[:500], once=True, content_type=XML)
    httpserver.expect_request(OAI).respond_with_data(fixture("oai_list_records_arxiv_3.xml"), content_type=XML)

    list(client.list_records(None, resumption_token="6960524|5"))

    assert client.problems == {"HTTP 503": 1, "HTTP 429": 1, "unusable body": 1}
