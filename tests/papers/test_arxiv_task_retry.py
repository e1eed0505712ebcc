"""A transient failure sends the job back to the real broker with a delay, not to an eager caller;
any other error fails it at once. Transient: arXiv unavailable (honouring Retry-After), or another job
inserting the same new papers first; not transient: any other IntegrityError."""

import datetime as dt

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from werkzeug import Response

from papers import tasks
from papers.models import IngestRun, Paper, Tweet
from papers.services.bulk import ConcurrentInsert, inserts_may_race
from papers.services.upsert import RACING_CONSTRAINTS
from papers.sources.arxiv import ArxivUnavailable
from papers.tasks import ingest_arxiv_ids
from tests.concurrency import inserted_first_by_another_job
from tests.conftest import FIXTURES_DIR
from tests.papers.factories import TweetFactory
from tests.retries import queued_messages, run_as_worker, worker_queue

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
    with worker_queue(monkeypatch) as name:
        yield name


def test_a_worker_run_is_retried_later_honouring_retry_after(busy_arxiv, queue):
    with pytest.raises(Retry) as retry:
        run_as_worker(ingest_arxiv_ids, queue, ["2201.04182"], retries=2)

    assert retry.value.when >= 240  # backoff 60 s * 2**retries beats Retry-After's 120 s
    (message,) = queued_messages(queue)
    headers = message["headers"]
    assert headers["task"] == "papers.tasks.ingest_arxiv_ids" and headers["retries"] == 3
    assert dt.datetime.fromisoformat(headers["eta"]) > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=200)
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED


def test_an_eager_run_fails_at_once_instead_of_blocking_its_caller(busy_arxiv):
    with pytest.raises(ArxivUnavailable):
        ingest_arxiv_ids.delay(["2201.04182"])
    assert settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def classic_arxiv(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    httpserver.expect_request("/api/query").respond_with_data(
        (FIXTURES_DIR / "arxiv" / "api_id_list_classic.xml").read_bytes()
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_paper_another_job_inserted_first_is_retried_and_the_retry_finds_it(classic_arxiv, queue):
    ids = ["hep-th/9711200", "math/0211159"]

    with inserted_first_by_another_job(lambda: Paper.objects.create(arxiv_id="hep-th/9711200", title="Theirs")):
        with pytest.raises(Retry) as retry:
            run_as_worker(ingest_arxiv_ids, queue, ids)

    error = retry.value.exc
    assert isinstance(error, ConcurrentInsert) and isinstance(error.__cause__, IntegrityError)
    assert error.__cause__.__cause__.diag.constraint_name == "papers_paper_arxiv_id_key"
    (message,) = queued_messages(queue)
    assert message["headers"]["task"] == "papers.tasks.ingest_arxiv_ids" and message["headers"]["retries"] == 1
    failed = IngestRun.objects.get()
    assert failed.status == IngestRun.Status.FAILED and failed.error.startswith("ConcurrentInsert: ")
    assert list(Paper.objects.values_list("title", flat=True)) == ["Theirs"]  # the page was rolled back whole

    retried = IngestRun.objects.get(pk=run_as_worker(ingest_arxiv_ids, queue, ids, retries=1))

    assert (retried.status, retried.created, retried.updated) == (IngestRun.Status.SUCCEEDED, 4, 1)
    assert Paper.objects.get(arxiv_id="hep-th/9711200").version == 3


def test_any_other_integrity_error_fails_the_job_at_once_with_its_cause(monkeypatch, queue):
    def service_with_a_bug(**kwargs):
        with transaction.atomic():
            IngestRun.objects.create(kind=IngestRun.Kind.IDS, parameters=None)  # NOT NULL

    monkeypatch.setattr(tasks, "papers_ingest_ids", service_with_a_bug)

    with pytest.raises(IntegrityError) as caught:
        run_as_worker(ingest_arxiv_ids, queue, ["2201.04182"])

    assert type(caught.value) is IntegrityError
    assert caught.value.__cause__.sqlstate == "23502"  # not_null_violation
    assert queued_messages(queue) == []


def test_only_the_named_unique_keys_count_as_a_concurrent_insert():
    tweet = TweetFactory()

    def insert_the_same_post(constraints):
        with transaction.atomic(), inserts_may_race(constraints=constraints):
            Tweet.objects.create(source=tweet.source, external_id=tweet.external_id, learned_via=tweet.learned_via)

    with pytest.raises(IntegrityError) as caught:
        insert_the_same_post(RACING_CONSTRAINTS)
    assert type(caught.value) is IntegrityError

    with pytest.raises(ConcurrentInsert):
        insert_the_same_post({"tweet_unique_source_external_id"})


def test_the_racing_keys_are_unique_constraints_of_the_database():
    """The names are PostgreSQL's: a migration that renames one must update RACING_CONSTRAINTS."""
    from digests.services.importing import RACING_CONSTRAINTS as DIGEST_RACING_CONSTRAINTS

    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'u'")
        unique = {name for (name,) in cursor.fetchall()}

    assert RACING_CONSTRAINTS | DIGEST_RACING_CONSTRAINTS <= unique
