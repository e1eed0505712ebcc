"""Upstream storms on arXiv: the API and OAI-PMH failing about half their requests (5xx, 429, timeouts, bodies
cut short).

Page by page, as workers run it: each page is the real papers.tasks.ingest_arxiv_page, a failed request sent
back to the broker and the page run again (tests/retries.py), the run staying the same run throughout.
In one process (papers_ingest_category, papers_harvest_oai: the command, eager tasks): the client retries in
place (honouring Retry-After, its sleeps recorded, its timeouts real and short); a request failing past its
retries fails the run, and the job runs again as a task would (at most INGESTION["max_retries"] times).
Either way the papers stored must be those of a clean run on the same recorded answers, and the run records
must name every failed request.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.db import transaction
from werkzeug import Response

from papers.models import Authorship, IngestRun, Paper, PaperCategory
from papers.services import arxiv_ingest
from papers.sources.arxiv import ArxivClient, ArxivUnavailable, MonotonicThrottle
from papers.tasks import INGESTION, ingest_arxiv_page
from tests.conftest import FIXTURES_DIR
from tests.retries import run_through_retries, worker_queue
from tests.storms import SERVER_ERRORS, Storm, calm, failed_requests

pytestmark = pytest.mark.django_db

Status = IngestRun.Status
TIMEOUT = 1.0
ARXIV_KINDS = (*SERVER_ERRORS, "HTTP 429", "timeout", "unusable body")
RETRY_AFTER = 7  # what arXiv's 429s say: the client sleeps that long (recorded, not slept) before its next try
OAI_TOKENS = {None: 1, "6960524|3": 2, "6960524|5": 3}  # resumptionToken -> the page it asks for
SEEDS = (3, 7, 8)  # between them: 429s, timeouts, cut bodies, a request failing past its retries
# Storms no page of which fails more often in a row than its task retries (5), each with 429s, timeouts, cut bodies.
PAGE_SEEDS = (3, 26, 39)
WHEN = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)


def fixture(name):
    return (FIXTURES_DIR / "arxiv" / name).read_bytes()


def serve_arxiv(request):
    if request.path == "/api/query":
        page = {"0": 1, "3": 2}[request.args["start"]]
        return Response(fixture(f"api_search_page{page}.xml"), content_type="application/atom+xml")
    if request.path == "/oai":
        page = OAI_TOKENS[request.args.get("resumptionToken")]
        return Response(fixture(f"oai_list_records_arxiv_{page}.xml"), content_type="text/xml")
    return Response("unexpected", status=418)


def arxiv_storm(seed, **options):
    too_many = lambda request: {"Retry-After": str(RETRY_AFTER)}  # noqa: E731
    return Storm(serve_arxiv, seed=seed, kinds=ARXIV_KINDS, too_many=too_many, hang=TIMEOUT + 0.4, **options)


def storm_client(server, slept):
    """The production client's retries (4) and backoff, its sleeps recorded; a short real timeout."""
    return ArxivClient(
        api_url=server.url_for("/api/query"),
        oai_url=server.url_for("/oai"),
        throttle=MonotonicThrottle(0.0),
        timeout=TIMEOUT,
        sleep=slept.append,
    )


def until_done(server, handler, ingest):
    """Run `ingest(client)` as its task would: again after ArxivUnavailable, up to the task's retries.
    Returns the runs (oldest first), the error it gave up with (or None) and the delays the client slept."""
    server.clear()
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    before = set(IngestRun.objects.values_list("pk", flat=True))
    slept, error = [], None
    client = storm_client(server, slept)
    for _attempt in range(INGESTION["max_retries"] + 1):
        try:
            ingest(client)
        except ArxivUnavailable as exc:
            error = exc
        else:
            error = None
            break
    return list(IngestRun.objects.exclude(pk__in=before).order_by("pk")), error, slept


def stored_papers():
    """The papers with their authors and categories, by natural keys (never row ids)."""
    fields = [
        field.attname for field in Paper._meta.concrete_fields if field.attname not in ("id", "primary_category_id")
    ]
    papers = list(Paper.objects.order_by("arxiv_id").values(*fields, "primary_category__code"))
    authors = sorted(Authorship.objects.values_list("paper__arxiv_id", "position", "author__name"))
    categories = sorted(PaperCategory.objects.values_list("paper__arxiv_id", "position", "category__code"))
    return papers, authors, categories


def clean_then_stormy(server, storm, ingest, drive=None):
    """A clean run on the recorded answers (rolled back once looked at), then the same job through `storm`."""
    drive = drive or until_done
    with time_machine.travel(WHEN, tick=False):
        with transaction.atomic():
            clean_runs, error, _ = drive(server, calm(serve_arxiv), ingest)
            assert error is None and [run.status for run in clean_runs] == [Status.SUCCEEDED]
            clean = stored_papers(), clean_runs[0]
            transaction.set_rollback(True)
        assert not Paper.objects.exists()
        return clean, drive(server, storm, ingest)


@pytest.fixture
def queue(monkeypatch):
    with worker_queue(monkeypatch) as name:
        yield name


@pytest.fixture
def arxiv_settings(storm_server, settings):
    """The task's client from settings, at the storm: a short timeout, and no retry in place (every failed
    request goes back to the broker, where a countdown is not waited for here)."""
    settings.ARXIV_API_URL = storm_server.url_for("/api/query")
    settings.ARXIV_OAI_URL = storm_server.url_for("/oai")
    settings.ARXIV_REQUEST_TIMEOUT = TIMEOUT
    settings.ARXIV_MAX_RETRIES = 0


def page_tasks(queue):
    """Drive a run begun by `start()` as workers do: each page is ingest_arxiv_page run through its broker
    retries, then the page it queues next. Returns ([the run], the error a page gave up with, the Retries)."""

    def drive(server, handler, start):
        server.clear()
        server.expect_request(re.compile(".*")).respond_with_handler(handler)
        run, retries = start(), []
        while run.status == Status.RUNNING:
            outcome = run_through_retries(ingest_arxiv_page, queue, run.pk, run.resumption_token)
            retries += outcome.retries
            run.refresh_from_db()
            if outcome.error is not None:
                return [run], outcome.error, retries
        return [run], None, retries

    return drive


def assert_storm_recorded(storm, runs, slept):
    assert sum(storm.failed.values()) > 0 and failed_requests(runs) == storm.failed
    # Each 429 not on a last attempt was waited out as arXiv asked.
    assert slept.count(RETRY_AFTER) <= storm.failed["HTTP 429"]


def category_window(client):
    return arxiv_ingest.papers_ingest_category(
        category="cs.LG", since=dt.date(2020, 7, 1), until=dt.date(2020, 9, 30), page_size=3, client=client
    )


def oai_harvest(client):
    return arxiv_ingest.papers_harvest_oai(set_spec="cs", since=dt.date(2024, 1, 1), client=client)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_category_window_through_a_storm_stores_what_a_clean_one_stores(seed, storm_server):
    storm = arxiv_storm(seed)

    (clean_papers, clean_run), (runs, error, slept) = clean_then_stormy(storm_server, storm, category_window)

    assert error is None and runs[-1].status == Status.SUCCEEDED
    assert all(run.status == Status.FAILED and run.error.startswith("ArxivUnavailable: ") for run in runs[:-1])
    assert stored_papers() == clean_papers
    # A window starts over when its job runs again: what an earlier try stored is found unchanged.
    assert sum(run.created for run in runs) == clean_run.created
    last = runs[-1]
    assert (last.pages, last.created + last.updated + last.unchanged) == (clean_run.pages, clean_run.created)
    assert_storm_recorded(storm, runs, slept)


@pytest.mark.parametrize("seed", SEEDS)
def test_an_oai_harvest_through_a_storm_resumes_each_page_once_and_stores_what_a_clean_one_stores(seed, storm_server):
    storm = arxiv_storm(seed)

    (clean_papers, clean_run), (runs, error, slept) = clean_then_stormy(storm_server, storm, oai_harvest)

    assert error is None and runs[-1].status == Status.SUCCEEDED and runs[-1].resumption_token == ""
    assert all(run.status == Status.FAILED for run in runs[:-1])
    assert stored_papers() == clean_papers
    assert (sum(run.pages for run in runs), sum(run.created for run in runs)) == (clean_run.pages, clean_run.created)
    assert_storm_recorded(storm, runs, slept)


def test_a_harvest_failing_past_every_retry_ends_failed_keeping_its_token_and_the_next_one_resumes(storm_server):
    storm = arxiv_storm(1, rate=1.0)

    def page2_down(request):
        return storm(request) if request.args.get("resumptionToken") == "6960524|3" else serve_arxiv(request)

    (clean_papers, clean_run), (runs, error, _slept) = clean_then_stormy(storm_server, page2_down, oai_harvest)

    assert isinstance(error, ArxivUnavailable) and "after 5 attempt(s)" in str(error)
    assert [run.status for run in runs] == [Status.FAILED] * (INGESTION["max_retries"] + 1)
    assert all(run.error.startswith("ArxivUnavailable: ") and sum(run.retries.values()) == 5 for run in runs)
    assert failed_requests(runs) == storm.failed
    # Page 1 stored whole, once; the way on kept by the newest failed run only.
    assert (sum(run.pages for run in runs), Paper.objects.count()) == (1, 2)
    assert [run.resumption_token for run in runs] == [""] * 5 + ["6960524|3"]

    with time_machine.travel(WHEN, tick=False):
        resumed, error, _ = until_done(storm_server, calm(serve_arxiv), oai_harvest)

    assert error is None and [run.status for run in resumed] == [Status.SUCCEEDED]
    assert [request.args.get("resumptionToken") for request, _ in storm_server.log] == [
        "6960524|3",
        "6960524|5",
    ]
    assert stored_papers() == clean_papers
    assert resumed[0].pages + 1 == clean_run.pages


START = {
    "category": lambda: arxiv_ingest.ingest_run_start_category(
        category="cs.LG", since=dt.date(2020, 7, 1), until=dt.date(2020, 9, 30), page_size=3
    ),
    "oai": lambda: arxiv_ingest.ingest_run_start_oai(set_spec="cs", since=dt.date(2024, 1, 1)),
}


@pytest.mark.parametrize("seed", PAGE_SEEDS)
@pytest.mark.parametrize("kind", ["category", "oai"])
def test_a_run_taken_page_by_page_rides_out_a_storm_through_its_task_retries_as_one_run(
    kind, seed, storm_server, arxiv_settings, queue
):
    storm = arxiv_storm(seed)

    (clean_papers, clean_run), ([run], error, retries) = clean_then_stormy(
        storm_server, storm, START[kind], drive=page_tasks(queue)
    )

    assert error is None and (run.status, run.error, run.restarts) == (Status.SUCCEEDED, "", 0)
    assert IngestRun.objects.get() == run  # one run, however often its pages were retried
    assert stored_papers() == clean_papers
    assert (run.pages, run.created, run.updated) == (clean_run.pages, clean_run.created, 0)
    # Each failed request was one retry of its page's task, carrying arXiv's error as it was raised.
    assert len(retries) == sum(storm.failed.values()) > 0
    assert all(type(retry.exc) is ArxivUnavailable for retry in retries)
    assert run.retries == storm.failed and clean_run.retries == {}
