"""arXiv ingestion jobs: thin wrappers that call one service each. All are safe to run twice."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError

from papers.services import arxiv_ingest
from papers.sources.arxiv import ArxivUnavailable

# arXiv being down, the database blinking, or a concurrent job inserting the same new papers
# first (the retry finds them stored) is worth a retry later; bad input never is.
TRANSIENT = (ArxivUnavailable, OperationalError, IntegrityError, ConnectionError)
INGESTION = {"bind": True, "acks_late": True, "max_retries": 5, "soft_time_limit": 50 * 60, "time_limit": 55 * 60}


def _retry_transient(task, call):
    """Run call(); on a transient error retry later with exponential backoff (not when run eagerly,
    where a retry would block the caller, e.g. the admin page in the embedded default)."""
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


@shared_task(**INGESTION)
def ingest_arxiv_ids(self, ids, requested_by_id=None):
    return _retry_transient(self, lambda: arxiv_ingest.ingest_arxiv_ids(ids=ids, requested_by_id=requested_by_id).pk)


@shared_task(**INGESTION)
def ingest_arxiv_category(self, category, since, until=None):
    return _retry_transient(
        self,
        lambda: arxiv_ingest.ingest_arxiv_category(category=category, since=_date(since), until=_date(until)).pk,
    )


@shared_task(**INGESTION)
def harvest_arxiv_oai(self, set_spec, since, until=None):
    return _retry_transient(
        self, lambda: arxiv_ingest.harvest_arxiv_oai(set_spec=set_spec, since=_date(since), until=_date(until)).pk
    )


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def ingest_daily_categories():
    """Fan out one category-window job per configured category (the beat schedule calls this)."""
    since, until = arxiv_ingest.daily_window()
    categories = arxiv_ingest.expand_categories(settings.HOTPAPERS_ARXIV_CATEGORIES)
    for category in categories:
        ingest_arxiv_category.delay(category, since.isoformat(), until.isoformat())
    return categories
