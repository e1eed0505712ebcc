"""The Markdown import task retries only what a later attempt can get past: a concurrent import that
inserted the same new digest first is retried (and the retry updates it); any other IntegrityError fails
the import at once, with its cause on the record."""

import datetime as dt

import pytest
from celery.exceptions import Retry
from django.db import IntegrityError, transaction

from digests.models import DailyDigest, MarkdownImport
from digests.services import uploads
from digests.tasks import import_markdown_post
from papers.models import IngestRun
from papers.services.bulk import ConcurrentInsert
from tests.concurrency import inserted_first_by_another_job
from tests.retries import queued_messages, run_as_worker, worker_queue

SEED_SLUG = "hot-papers-2022-01-13"


@pytest.fixture
def queue(monkeypatch):
    with worker_queue(monkeypatch) as name:
        yield name


def queued_seed(seed_path):
    return MarkdownImport.objects.create(filename=seed_path.name, content=seed_path.read_text(encoding="utf-8"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_digest_another_import_inserted_first_is_retried_and_the_retry_updates_it(seed_path, queue):
    markdown_import = queued_seed(seed_path)

    def other_import():
        DailyDigest.objects.create(date=dt.date(2022, 1, 13), slug=SEED_SLUG, title="Theirs")

    with inserted_first_by_another_job(other_import), pytest.raises(Retry) as retry:
        run_as_worker(import_markdown_post, queue, markdown_import.pk)

    error = retry.value.exc
    assert isinstance(error, ConcurrentInsert)
    assert error.__cause__.__cause__.diag.constraint_name in {
        "digests_dailydigest_slug_key",
        "digests_dailydigest_date_key",
    }
    (message,) = queued_messages(queue)
    assert message["headers"]["task"] == "digests.tasks.import_markdown_post"
    assert MarkdownImport.objects.get().status == MarkdownImport.Status.FAILED

    assert run_as_worker(import_markdown_post, queue, markdown_import.pk, retries=1) == MarkdownImport.Status.DONE

    digest = DailyDigest.objects.get()
    assert (digest.slug, digest.status, digest.entries.count()) == (SEED_SLUG, DailyDigest.Status.PUBLISHED, 8)
    assert MarkdownImport.objects.get().digest == digest


@pytest.mark.django_db
def test_any_other_integrity_error_fails_the_import_at_once_with_its_cause(seed_path, queue, monkeypatch):
    def importer_with_a_bug(**kwargs):
        with transaction.atomic():
            IngestRun.objects.create(kind=IngestRun.Kind.IDS, parameters=None)  # NOT NULL

    monkeypatch.setattr(uploads, "digest_import_text", importer_with_a_bug)
    markdown_import = queued_seed(seed_path)

    with pytest.raises(IntegrityError) as caught:
        run_as_worker(import_markdown_post, queue, markdown_import.pk)

    assert type(caught.value) is IntegrityError and caught.value.__cause__.sqlstate == "23502"
    assert queued_messages(queue) == []
    markdown_import.refresh_from_db()
    assert markdown_import.status == MarkdownImport.Status.FAILED
    assert markdown_import.message.startswith("Unexpected error (IntegrityError: ")
