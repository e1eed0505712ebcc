"""Background jobs for digests. Each task loads by id and calls one service.

Registered names are explicit (name=...): beat schedules in the database store them, so they stay
put whatever the functions are called or wherever they move. Retries use Celery's autoretry_for on
the errors a later attempt can get past; papers/tasks.py says why arXiv jobs retry by hand.
"""

import datetime as dt
import logging
from functools import partial

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from digests.services.building import current_listing_day, digests_build
from digests.services.publishing import DigestStateError, digests_publish_due
from digests.services.uploads import markdown_import_run
from hotpapers_site.celery import retry_countdown_max, time_limits
from papers.announcements import is_listing_day
from papers.queueing import enqueue
from papers.services.bulk import ConcurrentInsert

logger = logging.getLogger(__name__)


@shared_task(
    name="digests.tasks.import_markdown_post",
    acks_late=True,
    # Only a lost or busy database is worth retrying, or a concurrent job that inserted the same new
    # digest or papers first (ConcurrentInsert: the retry finds them). Any other IntegrityError is a
    # bug and fails at once; bad input is recorded on the import itself.
    autoretry_for=(OperationalError, InterfaceError, ConcurrentInsert),
    retry_backoff=5,
    retry_backoff_max=retry_countdown_max(300),
    retry_jitter=True,
    max_retries=5,
    **time_limits(5 * 60, 6 * 60),
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


@shared_task(name="digests.tasks.publish_due_digests", acks_late=True, **time_limits(50, 60))
def publish_due_digests():
    """Publish scheduled digests whose time has come (the beat schedule runs this every few minutes)."""
    return [digest.slug for digest in digests_publish_due()]


@shared_task(
    name="digests.tasks.build_daily_digest",
    acks_late=True,
    # A lost database, or another build of the same new day that inserted the digest first (the retry
    # finds it and refreshes it). A refusal (a published digest, a weekend) is an answer, not a failure.
    autoretry_for=(OperationalError, InterfaceError, ConcurrentInsert),
    retry_backoff=5,
    retry_backoff_max=retry_countdown_max(300),
    retry_jitter=True,
    max_retries=5,
    **time_limits(5 * 60, 6 * 60),
)
def build_daily_digest(day=None, size=None):
    """Build or refresh the draft digest of today's arXiv listing (New York time), or of `day` ("YYYY-MM-DD").

    Beat runs it after the morning collection of posts. Safe to run again: a rebuild keeps the editors'
    work, and a digest already published (or a day without a listing) is left alone.
    """
    listing_day = dt.date.fromisoformat(day) if day else current_listing_day()
    if not is_listing_day(listing_day):
        logger.info("No arXiv listing on %s %s: no digest to build.", f"{listing_day:%A}", listing_day.isoformat())
        return None
    try:
        result = digests_build(day=listing_day, size=size)
    except DigestStateError as error:
        if error.code != "published":
            raise
        logger.info("%s", error)
        return None
    logger.info(
        "Built %s: %s papers (%s new, %s kept), changed: %s",
        result.digest.slug,
        result.papers,
        result.new,
        result.kept,
        result.changed,
    )
    return result.digest.slug
