"""A transient arXiv failure sends the job back to the real broker with a delay, not to an eager caller."""

import datetime as dt
import json
import uuid

import pytest
import redis
from celery.exceptions import Retry
from django.conf import settings
from werkzeug import Response

from hotpapers_site.celery import app
from papers.models import IngestRun
from papers.sources.arxiv import ArxivUnavailable
from papers.tasks import ingest_arxiv_ids
from tests.worker import forget_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_arxiv(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    settings.ARXIV_MAX_RETRIES = 0
    httpserver.expect_request("/api/query").respond_with_response(
        Response("busy", status=503, headers={"Retry-After": "120"})
    )


@pytest.fixture
def queue(monkeypatch):
    name = f"test-retry-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    yield name
    forget_queue(name)


def test_a_worker_run_is_retried_later_honouring_retry_after(busy_arxiv, queue):
    ingest_arxiv_ids.push_request(
        id=str(uuid.uuid4()),
        retries=2,
        is_eager=False,
        called_directly=False,
        args=[["2201.04182"]],
        kwargs={},
        delivery_info={"routing_key": queue, "exchange": ""},
    )
    try:
        with pytest.raises(Retry) as retry:
            ingest_arxiv_ids.run(["2201.04182"])
    finally:
        ingest_arxiv_ids.pop_request()

    assert retry.value.when >= 240  # backoff 60 s * 2**retries beats Retry-After's 120 s
    (raw,) = redis.Redis.from_url(app.conf.broker_url).lrange(queue, 0, -1)
    headers = json.loads(raw)["headers"]
    assert headers["task"] == "papers.tasks.ingest_arxiv_ids" and headers["retries"] == 3
    assert dt.datetime.fromisoformat(headers["eta"]) > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=200)
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED


def test_an_eager_run_fails_at_once_instead_of_blocking_its_caller(busy_arxiv):
    with pytest.raises(ArxivUnavailable):
        ingest_arxiv_ids.delay(["2201.04182"])
    assert settings.CELERY_TASK_ALWAYS_EAGER
