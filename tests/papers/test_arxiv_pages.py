"""A long ingestion is one short task per response page, on the real broker: each page stores itself and its
run's progress, then queues the next; a page handed out twice is stored once; a transient failure retries
the page, not the run."""

import datetime as dt

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.test import TestCase
from django.utils import timezone
from werkzeug import Request, Response

from papers.models import IngestRun, Paper
from papers.services.arxiv_ingest import arxiv_client, ingest_run_page, ingest_run_start_category
from papers.tasks import harvest_arxiv_oai, ingest_arxiv_category, ingest_arxiv_page
from tests.arxiv_feeds import api_search_page, numbered_papers
from tests.conftest import FIXTURES_DIR
from tests.retries import message_args, queued_messages, take_message, worker_queue
from tests.retries import run_as_worker as run_task

pytestmark = pytest.mark.django_db
WINDOW = ("cs.LG", "2021-01-01", "2021-01-31")
PAPERS = numbered_papers(25)


def serve_search(request: Request):
    start, size = int(request.args["start"]), int(request.args["max_results"])
    return Response(api_search_page(PAPERS, start=start, max_results=size), content_type="application/atom+xml")


@pytest.fixture
def arxiv(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    settings.ARXIV_OAI_URL = httpserver.url_for("/oai")
    settings.ARXIV_MIN_INTERVAL = 0
    settings.ARXIV_MAX_RETRIES = 0
    return httpserver


@pytest.fixture
def queue(monkeypatch):
    with worker_queue(monkeypatch) as name:
        yield name


def run_as_worker(task, queue, *args, retries=0):
    """As a worker would, the test's transaction standing for the task's own: what it sends on commit goes."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return run_task(task, queue, *args, retries=retries)


def run_queued_pages(queue, *, limit=50):
    """Deliver the queue's messages to their tasks one by one, as a worker would, until none is left."""
    delivered = []
    while (message := take_message(queue)) is not None and len(delivered) < limit:
        assert message["headers"]["task"] == "papers.tasks.ingest_arxiv_page"
        args = message_args(message)
        delivered.append(args[1])
        run_as_worker(ingest_arxiv_page, queue, *args, retries=message["headers"]["retries"])
    return delivered


def test_a_category_window_is_one_task_per_page_each_queueing_the_next(arxiv, queue):
    arxiv.expect_request("/api/query").respond_with_handler(serve_search)

    run_id = run_as_worker(ingest_arxiv_category, queue, *WINDOW, 10)

    run = IngestRun.objects.get(pk=run_id)
    assert (run.status, run.pages, run.resumption_token) == (IngestRun.Status.RUNNING, 0, "0")
    assert arxiv.log == []  # the entry task only begins the run
    assert run_queued_pages(queue) == ["0", "10", "20"]
    run.refresh_from_db()
    assert (run.status, run.pages, run.created, run.total) == (IngestRun.Status.SUCCEEDED, 3, 25, 25)
    assert (run.resumption_token, run.page_started_at, run.restarts) == ("", None, 0)
    assert run.finished_at is not None and run.heartbeat_at >= run.started_at
    assert [request.args["start"] for request, _ in arxiv.log] == ["0", "10", "20"]
    assert Paper.objects.count() == 25


def test_each_stored_page_records_the_runs_progress(arxiv, queue):
    arxiv.expect_request("/api/query").respond_with_handler(serve_search)
    run = ingest_run_start_category(
        category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31), page_size=10
    )

    run_as_worker(ingest_arxiv_page, queue, run.pk, "0")

    run.refresh_from_db()
    assert (run.status, run.pages, run.created, run.total, run.resumption_token) == ("running", 1, 10, 25, "10")
    (message,) = queued_messages(queue)
    assert message["headers"]["task"] == "papers.tasks.ingest_arxiv_page" and message_args(message) == [run.pk, "10"]


def test_a_page_delivered_again_after_it_was_stored_changes_nothing_and_queues_nothing(arxiv, queue):
    arxiv.expect_request("/api/query").respond_with_handler(serve_search)
    run = ingest_run_start_category(
        category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31), page_size=10
    )
    run_as_worker(ingest_arxiv_page, queue, run.pk, "0")
    take_message(queue)
    requests = len(arxiv.log)

    run_as_worker(ingest_arxiv_page, queue, run.pk, "0")

    run.refresh_from_db()
    assert (run.pages, run.created, run.resumption_token) == (1, 10, "10")
    assert len(arxiv.log) == requests and queued_messages(queue) == []


def test_a_page_whose_worker_died_is_fetched_again_once_and_counted_as_a_restart(arxiv, queue):
    arxiv.expect_request("/api/query").respond_with_handler(serve_search)
    run = ingest_run_start_category(
        category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31), page_size=10
    )
    # A worker began page "0" and was killed before it stored anything; the broker hands the page out again
    # after the visibility timeout, longer than any task may run.
    begun = timezone.now() - dt.timedelta(seconds=settings.HOTPAPERS_TASK_TIME_LIMIT_MAX + 1)
    IngestRun.objects.filter(pk=run.pk).update(page_started_at=begun, heartbeat_at=begun)

    assert run_queued_pages(queue) == [] and run_as_worker(ingest_arxiv_page, queue, run.pk, "0") == run.pk
    assert run_queued_pages(queue) == ["10", "20"]

    run.refresh_from_db()
    assert (run.status, run.restarts, run.pages, run.created) == ("succeeded", 1, 3, 25)
    assert Paper.objects.count() == 25


def test_a_page_a_live_task_is_fetching_is_left_to_it(arxiv, queue):
    run = ingest_run_start_category(category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31))
    IngestRun.objects.filter(pk=run.pk).update(page_started_at=timezone.now())

    step = ingest_run_page(run_id=run.pk, cursor="0")

    assert step.next_cursor is None and arxiv.log == []
    assert IngestRun.objects.get(pk=run.pk).restarts == 0


def test_a_page_of_a_run_that_ended_is_not_fetched(arxiv):
    run = ingest_run_start_category(category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31))
    IngestRun.objects.filter(pk=run.pk).update(status=IngestRun.Status.FAILED)

    assert ingest_run_page(run_id=run.pk, cursor="0").next_cursor is None
    assert arxiv.log == [] and not Paper.objects.exists()


def test_a_transient_failure_retries_the_page_within_the_visibility_timeout_and_the_run_goes_on(arxiv, queue):
    arxiv.expect_request("/api/query").respond_with_response(
        Response("busy", status=503, headers={"Retry-After": "7200"})
    )
    run = ingest_run_start_category(category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31))

    with pytest.raises(Retry) as retry:
        run_as_worker(ingest_arxiv_page, queue, run.pk, "0")

    assert retry.value.when == settings.HOTPAPERS_RETRY_COUNTDOWN_MAX  # not arXiv's two hours
    assert settings.HOTPAPERS_RETRY_COUNTDOWN_MAX + settings.HOTPAPERS_TASK_TIME_LIMIT_MAX < (
        settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    )
    (message,) = queued_messages(queue)
    assert message_args(message) == [run.pk, "0"] and message["headers"]["retries"] == 1
    run.refresh_from_db()
    assert (run.status, run.page_started_at, run.restarts) == (IngestRun.Status.RUNNING, None, 0)


def test_the_last_retry_that_fails_fails_the_run(arxiv, queue):
    arxiv.expect_request("/api/query").respond_with_response(Response("busy", status=503))
    run = ingest_run_start_category(category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31))

    with pytest.raises(Exception, match="arXiv gave no usable answer"):
        run_as_worker(ingest_arxiv_page, queue, run.pk, "0", retries=ingest_arxiv_page.max_retries)

    run.refresh_from_db()
    assert run.status == IngestRun.Status.FAILED and run.error.startswith("ArxivUnavailable: ")
    assert run.finished_at is not None and run.resumption_token == "0"


def test_an_oai_harvest_is_one_task_per_resumption_token(arxiv, queue):
    for n in (1, 2, 3):
        arxiv.expect_ordered_request("/oai").respond_with_data(
            (FIXTURES_DIR / "arxiv" / f"oai_list_records_arxiv_{n}.xml").read_bytes()
        )

    run_id = run_as_worker(harvest_arxiv_oai, queue, "cs", "2024-01-01")

    assert run_queued_pages(queue) == ["", "6960524|3", "6960524|5"]
    run = IngestRun.objects.get(pk=run_id)
    assert (run.status, run.pages, run.resumption_token) == (IngestRun.Status.SUCCEEDED, 3, "")
    assert arxiv.log[1][0].args["resumptionToken"] == "6960524|3"


def test_a_page_another_call_stored_while_this_one_fetched_it_is_counted_once(arxiv):
    arxiv.expect_request("/api/query").respond_with_handler(serve_search)
    run = ingest_run_start_category(
        category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 31), page_size=10
    )
    client = arxiv_client()
    search = client.search

    def search_while_another_call_stores_the_page(*args, **kwargs):
        IngestRun.objects.filter(pk=run.pk).update(resumption_token="10", pages=1, created=10)
        return search(*args, **kwargs)

    client.search = search_while_another_call_stores_the_page

    assert ingest_run_page(run_id=run.pk, cursor="0", client=client).next_cursor is None

    run.refresh_from_db()
    assert (run.pages, run.created, run.resumption_token, run.status) == (1, 10, "10", IngestRun.Status.RUNNING)
    assert not Paper.objects.exists()  # this call's copy of the page was not stored
