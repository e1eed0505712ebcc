"""arXiv ingestion end to end: a local HTTP server with recorded responses, real PostgreSQL."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from werkzeug import Response

from papers.models import Category, IngestRun, Paper
from papers.services import arxiv_ingest
from papers.sources.arxiv import ArxivClient, ArxivParseError, ArxivUnavailable, InvalidArxivId
from tests.arxiv_feeds import CorpusPaper, build_api_feed
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db
ARXIV = FIXTURES_DIR / "arxiv"


def fixture(name):
    return (ARXIV / name).read_bytes()


@pytest.fixture
def arxiv_server(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    settings.ARXIV_OAI_URL = httpserver.url_for("/oai")
    settings.ARXIV_MIN_INTERVAL = 0
    return httpserver


def quick_client(server, **options):
    """A client that never really sleeps and gives up after one retry."""
    return ArxivClient(
        api_url=server.url_for("/api/query"),
        oai_url=server.url_for("/oai"),
        sleep=lambda seconds: None,
        max_retries=options.pop("max_retries", 1),
        timeout=2,
        **options,
    )


def database_rows():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Paper, Paper.authors.through, Paper.categories.through, Category)
    ]


def test_ingesting_ids_stores_papers_and_records_the_run(arxiv_server):
    arxiv_server.expect_request("/api/query").respond_with_data(fixture("api_id_list_classic.xml"))
    run = arxiv_ingest.papers_ingest_ids(ids="hep-th/9711200v3, math/0211159")
    assert run.status == IngestRun.Status.SUCCEEDED
    assert run.created == 5 and run.pages == 1
    paper = Paper.objects.get(arxiv_id="hep-th/9711200")
    assert paper.version == 3
    assert paper.authorships.get(position=1).author.name == "Juan M. Maldacena"
    assert paper.get_absolute_url() == "/papers/hep-th/9711200/"


def test_reingesting_the_same_feed_changes_nothing(arxiv_server):
    arxiv_server.expect_request("/api/query").respond_with_data(fixture("api_id_list_classic.xml"))
    arxiv_ingest.papers_ingest_ids(ids=["hep-th/9711200"])
    before = database_rows()
    again = arxiv_ingest.papers_ingest_ids(ids=["hep-th/9711200"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert database_rows() == before


def test_invalid_ids_are_rejected_before_any_request(arxiv_server):
    with pytest.raises(InvalidArxivId, match="2201.0418x"):
        arxiv_ingest.papers_ingest_ids(ids="2201.04182, 2201.0418x")
    assert arxiv_server.log == [] and not IngestRun.objects.exists()


def test_a_category_window_follows_every_page(arxiv_server):
    arxiv_server.expect_ordered_request("/api/query").respond_with_data(fixture("api_search_page1.xml"))
    arxiv_server.expect_ordered_request("/api/query").respond_with_data(fixture("api_search_page2.xml"))
    run = arxiv_ingest.papers_ingest_category(
        category="cs.LG", since=dt.date(2020, 7, 1), until=dt.date(2020, 9, 30), page_size=3
    )
    starts = [request.args["start"] for request, _ in arxiv_server.log]
    assert starts == ["0", "3"]
    assert (run.pages, run.created) == (2, 5)
    assert Paper.objects.count() == 5


def test_an_oai_harvest_resumes_from_the_saved_token_after_a_failure(arxiv_server):
    first, second, third = (fixture(f"oai_list_records_arxiv_{n}.xml") for n in (1, 2, 3))
    arxiv_server.expect_ordered_request("/oai").respond_with_data(first)
    arxiv_server.expect_ordered_request("/oai").respond_with_response(Response("busy", status=503))
    arxiv_server.expect_ordered_request("/oai").respond_with_response(Response("busy", status=503))
    with pytest.raises(ArxivUnavailable):
        arxiv_ingest.papers_harvest_oai(set_spec="cs", since=dt.date(2024, 1, 1), client=quick_client(arxiv_server))
    failed = IngestRun.objects.get()
    assert failed.status == IngestRun.Status.FAILED and failed.pages == 1
    token = failed.resumption_token
    assert token
    stored_after_failure = Paper.objects.count()

    arxiv_server.clear()
    arxiv_server.expect_ordered_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": token}
    ).respond_with_data(second)
    arxiv_server.expect_ordered_request("/oai").respond_with_data(third)
    resumed = arxiv_ingest.papers_harvest_oai(
        set_spec="cs", since=dt.date(2024, 1, 1), client=quick_client(arxiv_server)
    )
    assert resumed.status == IngestRun.Status.SUCCEEDED and resumed.pages == 2
    assert resumed.parameters["resumed_from"] == token
    assert Paper.objects.count() > stored_after_failure
    assert resumed.resumption_token == ""


def test_a_truncated_feed_file_writes_nothing_and_records_the_error(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(fixture("api_truncated.xml"))
    with pytest.raises(ArxivParseError, match="not complete XML"):
        arxiv_ingest.papers_ingest_file(path=feed)
    assert not Paper.objects.exists()
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.FAILED
    assert run.error.startswith("ArxivParseError: the arXiv API response is not complete XML")


def test_store_queries_do_not_grow_with_the_number_of_entries(tmp_path):
    def papers(n, offset):
        return [
            CorpusPaper(
                arxiv_id=f"2101.{offset + i:05d}",
                title=f"Paper {offset + i}",
                authors=[f"Author {offset + i}", f"Coauthor {offset + i}"],
                categories=["cs.LG", "stat.ML"],
                abstract="An abstract.",
            )
            for i in range(n)
        ]

    def queries_for(n, offset):
        path = tmp_path / f"feed{n}.xml"
        path.write_bytes(build_api_feed(papers(n, offset), entries=n))
        with CaptureQueriesContext(connection) as queries:
            run = arxiv_ingest.papers_ingest_file(path=path)
        assert run.created == n
        return len(queries)

    queries_for(1, 5000)  # the first run also creates the categories
    assert queries_for(10, 0) == queries_for(200, 1000)


def test_the_command_prints_a_summary_and_rejects_bad_input(arxiv_server, capsys):
    arxiv_server.expect_request("/api/query").respond_with_data(fixture("api_id_list_classic.xml"))
    call_command("ingest_arxiv", "--ids", "hep-th/9711200")
    assert "5 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not an arXiv id: 'nope'"):
        call_command("ingest_arxiv", "--ids", "nope")
    with pytest.raises(CommandError, match="--since is required"):
        call_command("ingest_arxiv", "--category", "cs.LG")
    with pytest.raises(CommandError, match="not a date"):
        call_command("ingest_arxiv", "--oai", "cs", "--since", "yesterday")
    with pytest.raises(CommandError, match="^ingestion failed: --since 2026-11-25 is after --until 2026-11-20$"):
        call_command("ingest_arxiv", "--category", "cs.LG", "--since", "2026-11-25", "--until", "2026-11-20")


def test_ids_arxiv_did_not_return_are_counted_as_failed(arxiv_server):
    arxiv_server.expect_request("/api/query").respond_with_data(fixture("api_empty.xml"))
    run = arxiv_ingest.papers_ingest_ids(ids=["2201.04182"])
    assert run.failed == 1 and "2201.04182" in run.error


def test_a_resumed_harvest_that_fails_at_once_keeps_the_token_for_the_next_run(arxiv_server):
    IngestRun.objects.create(
        kind=IngestRun.Kind.OAI,
        status=IngestRun.Status.FAILED,
        parameters={"set": "cs", "since": "2024-01-01", "until": None, "resumed_from": None},
        resumption_token="6960524|3",
    )
    arxiv_server.expect_request("/oai").respond_with_response(Response("busy", status=503))
    with pytest.raises(ArxivUnavailable):
        arxiv_ingest.papers_harvest_oai(set_spec="cs", since=dt.date(2024, 1, 1), client=quick_client(arxiv_server))
    arxiv_server.clear()
    arxiv_server.expect_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": "6960524|3"}
    ).respond_with_data(fixture("oai_list_records_arxiv_3.xml"))
    run = arxiv_ingest.papers_harvest_oai(set_spec="cs", since=dt.date(2024, 1, 1), client=quick_client(arxiv_server))
    assert run.status == IngestRun.Status.SUCCEEDED and run.parameters["resumed_from"] == "6960524|3"
