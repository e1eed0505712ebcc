"""Background jobs for digests. Each task loads by id and calls one service."""

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from digests.services.publishing import digests_publish_due
from digests.services.uploads import markdown_import_run


@shared_task(
    acks_late=True,
    # Only a lost or busy database is worth retrying, or a concurrent job that created the same
    # papers or posts first (the retry finds them); bad input is recorded on the import itself.
    autoretry_for=(OperationalError, InterfaceError, IntegrityError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def import_markdown_post(import_id):
    """Import one uploaded Markdown post (a MarkdownImport row) into a digest."""
    markdown_import = markdown_import_run(import_id=import_id)
    return markdown_import.status if markdown_import is not None else None


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def publish_due_digests():
    """Publish scheduled digests whose time has come (the beat schedule runs this every few minutes)."""
    return [digest.slug for digest in digests_publish_due()]
