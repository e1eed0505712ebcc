"""A worker SIGKILLed while it ingests a 5,000-entry arXiv feed: another worker finishes the feed.

Real processes throughout: a pytest-httpserver serves the feed in pages of 250, a real Celery worker
ingests it page by page (papers.tasks.ingest_arxiv_page) and is SIGKILLed in the middle of the page
after the first 1,000 papers, a fresh worker is started, and the broker hands it the killed page once
the visibility timeout has passed. The database ends with every paper exactly once, and the run as
succeeded with the killed page counted as a restart.

The issue's scenario has a visibility timeout of 60 s; the suite uses a short one (HOTPAPERS_KILL_VISIBILITY,
default 10 s) so the test takes seconds, not minutes. Run the scenario itself, with its timings printed:

    HOTPAPERS_KILL_VISIBILITY=60 make test PYTEST_ARGS="tests/test_worker_killed.py -s -p no:randomly"
"""

import os
import threading
import time

import pytest
from django.db.models import Count
from werkzeug import Request, Response

from papers.models import IngestRun, Paper
from papers.tasks import ingest_arxiv_category
from tests.arxiv_feeds import api_search_page, numbered_papers
from tests.worker import forget_queue, log_tail, running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VISIBILITY = int(os.environ.get("HOTPAPERS_KILL_VISIBILITY", "10"))
ENTRIES, PAGE_SIZE, KILL_AT = 5000, 250, 1000
PAGE_DELAY = 0.05  # seconds arXiv takes to answer a page (the page at KILL_AT waits for the kill)


class SlowArxiv:
    """The API's paged answers to one category search; the page at KILL_AT hangs until the test has killed
    the worker that asked for it."""

    def __init__(self):
        self.papers = numbered_papers(ENTRIES)
        self.starts = []
        self.hanging = threading.Event()
        self.killed = threading.Event()
        self.asked_again_at = None

    def __call__(self, request: Request):
        start, size = int(request.args["start"]), int(request.args["max_results"])
        self.starts.append(start)
        if start == KILL_AT and self.hanging.is_set():
            self.asked_again_at = time.monotonic()
        if start == KILL_AT and not self.hanging.is_set():
            self.hanging.set()
            self.killed.wait(timeout=30)
        time.sleep(PAGE_DELAY)
        body = api_search_page(self.papers, start=start, max_results=size)
        return Response(body, content_type="application/atom+xml")


def test_a_worker_killed_mid_feed_is_replaced_and_every_paper_is_stored_once(httpserver, tmp_path, monkeypatch):
    arxiv = SlowArxiv()
    httpserver.expect_request("/api/query").respond_with_handler(arxiv)
    env = {
        "ARXIV_API_URL": httpserver.url_for("/api/query"),
        "ARXIV_MIN_INTERVAL": "0",
        "ARXIV_REQUEST_TIMEOUT": "3",
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY),
    }
    queue = f"test-killed-{os.getpid()}-{time.monotonic_ns()}"
    first_log, second_log = tmp_path / "first-worker.log", tmp_path / "second-worker.log"
    try:
        with running_worker(first_log, env=env, monkeypatch=monkeypatch, queue=queue) as (_, first):
            sent = time.monotonic()
            ingest_arxiv_category.apply_async(args=["cs.LG", "2021-01-01", "2021-01-31", PAGE_SIZE], queue=queue)
            wait_for(arxiv.hanging.is_set, proc=first, log_path=first_log, what="the first 1,000 papers")
            stored_before_kill = Paper.objects.count()
            first.kill()  # SIGKILL, in the middle of the page at KILL_AT: nothing can tidy up
            first.wait()
            killed = time.monotonic()
            arxiv.killed.set()

        assert stored_before_kill == KILL_AT
        run = IngestRun.objects.get()
        assert (run.status, run.resumption_token, run.page_started_at is not None) == ("running", str(KILL_AT), True)

        with running_worker(second_log, env=env, monkeypatch=monkeypatch, queue=queue) as (_, second):
            wait_for(
                lambda: IngestRun.objects.exclude(status=IngestRun.Status.RUNNING).exists(),
                proc=second,
                log_path=second_log,
                timeout=VISIBILITY + 120,
                what="the rest of the feed",
            )
            done = time.monotonic()
    finally:
        forget_queue(queue)

    run.refresh_from_db()
    assert run.status == IngestRun.Status.SUCCEEDED, (run.error, log_tail(second_log))
    assert (run.pages, run.created, run.updated, run.total) == (ENTRIES // PAGE_SIZE, ENTRIES, 0, ENTRIES)
    assert run.restarts == 1  # the page the first worker died in
    assert Paper.objects.count() == ENTRIES
    assert not Paper.objects.values("arxiv_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not IngestRun.objects.filter(status=IngestRun.Status.RUNNING).exists()
    expected = list(range(0, ENTRIES, PAGE_SIZE))
    assert sorted(arxiv.starts) == sorted([*expected, KILL_AT])  # only the killed page was asked for twice
    assert "begun again, its worker died" in second_log.read_text(errors="replace")
    # Not before the visibility timeout (the broker cannot tell a dead worker from a slow one), soon after.
    assert VISIBILITY - 1 < done - killed < VISIBILITY + 60
    print(
        f"\nvisibility timeout {VISIBILITY} s: {stored_before_kill} papers stored when the worker was killed "
        f"{killed - sent:.1f} s after the job was sent; the killed page was handed to the new worker "
        f"{arxiv.asked_again_at - killed:.1f} s after the kill, and the feed was complete {done - killed:.1f} s "
        f"after it ({ENTRIES} papers, each once; {run.pages} pages, {run.restarts} begun again)"
    )
