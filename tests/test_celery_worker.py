"""A real Celery worker process takes an import off Redis and writes the digest to PostgreSQL."""

import pytest

from digests.models import DailyDigest, MarkdownImport
from digests.tasks import import_markdown_post
from tests.worker import log_tail, running_worker, wait_for

# serialized_rollback, as every transactional test here: the flush afterwards would otherwise wipe
# the rows data migrations made, and recreate content types the next restore collides with.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_real_worker_imports_an_uploaded_post_into_postgresql(seed_path, tmp_path, monkeypatch):
    markdown_import = MarkdownImport.objects.create(
        filename=seed_path.name, content=seed_path.read_text(encoding="utf-8")
    )
    log_path = tmp_path / "worker.log"
    finished = {MarkdownImport.Status.DONE, MarkdownImport.Status.FAILED}

    def import_finished():
        markdown_import.refresh_from_db()
        return markdown_import.status in finished

    with running_worker(log_path, monkeypatch=monkeypatch) as (queue, proc):
        import_markdown_post.apply_async(args=[markdown_import.pk], queue=queue)
        wait_for(import_finished, proc=proc, log_path=log_path, what="the import")

    assert markdown_import.status == MarkdownImport.Status.DONE, (markdown_import.message, log_tail(log_path))
    digest = DailyDigest.objects.get(slug="hot-papers-2022-01-13")
    assert markdown_import.digest == digest
    assert digest.entries.count() == 8
    assert digest.status == DailyDigest.Status.PUBLISHED
    log = log_path.read_text(errors="replace")
    assert "Task digests.tasks.import_markdown_post[" in log and "succeeded" in log
