"""arXiv ingestion jobs: thin wrappers that call one service each. All are safe to run twice.

Registered names are explicit (name=...): beat schedules in the database store them, and the
routes in settings match on them, so they stay put whatever the functions are called.

Why these jobs retry by hand where digests/tasks.py uses Celery's autoretry_for: when arXiv says
how long to wait (a 503 or 429 with Retry-After, surfaced as ArxivUnavailable.retry_after), the
next attempt must wait at least that long, and autoretry_for only knows a backoff computed from
the attempt number. _retry_transient takes the longer of the two. It also never retries a run that
executes eagerly (the embedded default, where the job runs inside an admin request): a retry
there would block the editor's page, so the failure is recorded on the run and shown instead.

What is transient: arXiv being unavailable, the database blinking, a dropped connection, and
ConcurrentInsert, a unique violation on a key that a concurrent job storing the same new papers
inserts first (papers.services.upsert.RACING_CONSTRAINTS; the retry finds them stored). Any other
IntegrityError (a check or not-null violation, a unique key nobody races for) is a bug or bad data:
the job fails at once with it.
"""

import datetime as dt
import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from papers.queueing import enqueue
from papers.services.arxiv_ingest import (
    papers_daily_windows,
    papers_harvest_oai,
    papers_ingest_category,
    papers_ingest_ids,
)
from papers.services.bulk import ConcurrentInsert
from papers.sources.arxiv import ArxivUnavailable

logger = logging.getLogger(__name__)

TRANSIENT = (ArxivUnavailable, OperationalError, ConcurrentInsert, ConnectionError)
INGESTION = {"bind": True, "acks_late": True, "max_retries": 5, "soft_time_limit": 50 * 60, "time_limit": 55 * 60}


def _retry_transient(task, call):
    """Run call(); on a transient error retry later with exponential backoff, at least as late as
    arXiv's Retry-After (not when run eagerly, where a retry would block the caller)."""
    try:
        return call()
    except TRANSIENT as exc:
        if task.request.is_eager:
            raise
        countdown = min(60 * 2**task.request.retries, 60 * 60)
        if isinstance(exc, ArxivUnavailable) and exc.retry_after:
            countdown = max(countdown, exc.retry_after)
        raise task.retry(exc=exc, countdown=countdown) from exc


def _date(value):
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="papers.tasks.ingest_arxiv_ids", **INGESTION)
def ingest_arxiv_ids(self, ids, requested_by_id=None):
    return _retry_transient(self, lambda: papers_ingest_ids(ids=ids, requested_by_id=requested_by_id).pk)


def queue_ingest_arxiv_ids(*, ids, requested_by_id=None):
    """Send ingest_arxiv_ids once the current transaction commits (at once outside one).

    For the faces that start an ingestion (the admin), with ids from papers_ingest_ids_prepare.
    """
    transaction.on_commit(partial(enqueue, ingest_arxiv_ids, ids, requested_by_id))


@shared_task(name="papers.tasks.ingest_arxiv_category", **INGESTION)
def ingest_arxiv_category(self, category, since, until=None):
    return _retry_transient(
        self, lambda: papers_ingest_category(category=category, since=_date(since), until=_date(until)).pk
    )


@shared_task(name="papers.tasks.harvest_arxiv_oai", **INGESTION)
def harvest_arxiv_oai(self, set_spec, since, until=None):
    return _retry_transient(
        self, lambda: papers_harvest_oai(set_spec=set_spec, since=_date(since), until=_date(until)).pk
    )


@shared_task(name="papers.tasks.ingest_daily_categories", acks_late=True, soft_time_limit=50, time_limit=60)
def ingest_daily_categories():
    """Fan out one category-window job per configured category (the beat schedule calls this)."""
    windows = papers_daily_windows(codes=settings.HOTPAPERS_ARXIV_CATEGORIES)
    for window in windows:  # no transaction is open here: nothing to wait for before sending
        ingest_arxiv_category.delay(window.category, window.since.isoformat(), window.until.isoformat())
    logger.info("queued %s category windows", len(windows), extra={"event": "ingest_fanout", "count": len(windows)})
    return [window.category for window in windows]
