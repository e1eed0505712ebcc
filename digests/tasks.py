"""Background jobs for digests. Each task loads by id and calls one service.

Registered names are explicit (name=...): beat schedules in the database store them, so they stay
put whatever the functions are called or wherever they move. Retries use Celery's autoretry_for on
the errors a later attempt can get past; papers/tasks.py says why arXiv jobs retry by hand.
"""

from functools import partial

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from digests.services.publishing import digests_publish_due
from digests.services.uploads import markdown_import_run
from papers.queueing import enqueue
from papers.services.bulk import ConcurrentInsert


@shared_task(
    name="digests.tasks.import_markdown_post",
    acks_late=True,
    # Only a lost or busy database is worth retrying, or a concurrent job that inserted the same new
    # digest or papers first (ConcurrentInsert: the retry finds them). Any other IntegrityError is a
    # bug and fails at once; bad input is recorded on the import itself.
    autoretry_for=(OperationalError, InterfaceError, ConcurrentInsert),
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


def queue_markdown_imports(*, import_ids):
    """Send import_markdown_post for each id once the current transaction commits (at once outside one).

    For the faces that create or requeue imports (the admin); a row whose send fails stays queued.
    """
    for import_id in import_ids:
        transaction.on_commit(partial(enqueue, import_markdown_post, import_id))


@shared_task(name="digests.tasks.publish_due_digests", acks_late=True, soft_time_limit=50, time_limit=60)
def publish_due_digests():
    """Publish scheduled digests whose time has come (the beat schedule runs this every few minutes)."""
    return [digest.slug for digest in digests_publish_due()]
