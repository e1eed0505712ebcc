"""arXiv ingestion and social-post jobs: thin wrappers that call one service each. All are safe to run twice.

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

A category window or an OAI harvest is long (a 30,000-paper window is 60 pages of 500, three seconds
apart at least), so workers never run one as a single task: ingest_arxiv_category and harvest_arxiv_oai
start the run and queue its first page, and each ingest_arxiv_page stores one page and queues the next.
Each task is far shorter than the broker's visibility timeout (settings: every time limit is capped at
two thirds of it, every retry countdown at what is left), so a task whose worker is killed is handed to
another worker after the timeout and repeats one page, and a live task is never handed out twice. A run
whose chain of pages broke anyway is marked failed by fail_stalled_runs (papers.services.stalled_runs).
Run eagerly (the embedded default), the entry tasks fetch every page in the caller's process instead.

The social-post jobs (on the `social` queue) retry the same way on a platform being unavailable and on
RateLimited (HTTP 429, or a rate-limit window the headers say is spent), which waits exactly until the
platform's reset time. Bad input (a dump of an unknown shape, a refused token) is not retried: it is
recorded on the run. A platform without credentials is not an error: its run is recorded as skipped.
"""

import datetime as dt
import logging
import math
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError, transaction

from hotpapers_site.celery import retry_countdown_max, time_limits
from papers.queueing import enqueue
from papers.services.arxiv_ingest import (
    ingest_run_page,
    ingest_run_start_category,
    ingest_run_start_oai,
    papers_daily_windows,
    papers_harvest_oai,
    papers_ingest_category,
    papers_ingest_ids,
)
from papers.services.bulk import ConcurrentInsert
from papers.services.posts_collect import posts_collect
from papers.services.posts_dumps import posts_import_dump_run
from papers.services.posts_links import posts_link_pending
from papers.services.posts_oembed import tweets_fetch_oembed
from papers.services.posts_refresh import posts_refresh_counters
from papers.services.posts_runs import SOURCES
from papers.services.stalled_runs import runs_fail_stalled
from papers.sources.arxiv import ArxivUnavailable
from papers.sources.posts import RateLimited, SourceUnavailable

logger = logging.getLogger(__name__)

TRANSIENT = (ArxivUnavailable, OperationalError, ConcurrentInsert, ConnectionError)
# A page that ran out of time (arXiv slow to answer) is tried again later, like arXiv being unavailable.
PAGE_TRANSIENT = (*TRANSIENT, SoftTimeLimitExceeded)
SOCIAL_TRANSIENT = (SourceUnavailable, OperationalError, ConcurrentInsert, ConnectionError)
INGESTION = {"bind": True, "acks_late": True, "max_retries": 5, **time_limits(50 * 60, 55 * 60)}
# One response page: the wait for the politeness gate, the request with its own retries, the store.
PAGE = {**INGESTION, **time_limits(9 * 60, 10 * 60)}
SOCIAL = {"bind": True, "acks_late": True, "max_retries": 5, **time_limits(10 * 60, 11 * 60)}
# Papers that posts link and that are not stored yet are fetched in jobs of this many ids.
ARXIV_BATCH = 100


def _countdown(task, exc):
    """Exponential backoff, at least as late as the source's Retry-After; exactly the reset time after a 429.

    Never beyond HOTPAPERS_RETRY_COUNTDOWN_MAX: a retry waiting for its time is held unacknowledged by a
    worker, and one held past the broker's visibility timeout would be handed to a second worker too.
    """
    return retry_countdown_max(_wanted_countdown(task, exc))


def _wanted_countdown(task, exc):
    backoff = min(60 * 2**task.request.retries, 60 * 60)
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(exc, RateLimited) and retry_after is not None:
        return max(1, math.ceil(retry_after))
    return max(backoff, math.ceil(retry_after)) if retry_after else backoff


def _retry_transient(task, call, *, transient=TRANSIENT):
    """Run call(); on a transient error retry later (_countdown), not when run eagerly, where a retry
    would block the caller."""
    try:
        return call()
    except transient as exc:
        if task.request.is_eager:
            raise
        raise task.retry(exc=exc, countdown=_countdown(task, exc)) from exc


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


def _queue_page(task, run_id, cursor):
    """Send the run's next page once the current transaction commits, to the queue this task came from."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    transaction.on_commit(partial(ingest_arxiv_page.apply_async, (run_id, cursor), queue=queue))


@shared_task(name="papers.tasks.ingest_arxiv_category", **INGESTION)
def ingest_arxiv_category(self, category, since, until=None, page_size=500):
    """A category window: the run begins here, its pages are ingest_arxiv_page tasks (all here when eager)."""
    window = {"category": category, "since": _date(since), "until": _date(until), "page_size": page_size}
    if self.request.is_eager:
        return _retry_transient(self, lambda: papers_ingest_category(**window).pk)
    run = _retry_transient(self, lambda: ingest_run_start_category(**window))
    _queue_page(self, run.pk, run.resumption_token)
    return run.pk


@shared_task(name="papers.tasks.harvest_arxiv_oai", **INGESTION)
def harvest_arxiv_oai(self, set_spec, since, until=None):
    """An OAI-PMH harvest: the run begins here, its pages are ingest_arxiv_page tasks (all here when eager)."""
    harvest = {"set_spec": set_spec, "since": _date(since), "until": _date(until)}
    if self.request.is_eager:
        return _retry_transient(self, lambda: papers_harvest_oai(**harvest).pk)
    run = _retry_transient(self, lambda: ingest_run_start_oai(**harvest))
    _queue_page(self, run.pk, run.resumption_token)
    return run.pk


@shared_task(name="papers.tasks.ingest_arxiv_page", **PAGE)
def ingest_arxiv_page(self, run_id, cursor):
    """One response page of a running run (its API start offset or OAI resumption token), then the next."""

    def retrying(exc):
        return isinstance(exc, PAGE_TRANSIENT) and not self.request.is_eager and self.request.retries < self.max_retries

    step = _retry_transient(
        self, lambda: ingest_run_page(run_id=run_id, cursor=cursor, will_retry=retrying), transient=PAGE_TRANSIENT
    )
    if step.next_cursor is not None:
        _queue_page(self, run_id, step.next_cursor)
    return run_id


@shared_task(name="papers.tasks.fail_stalled_runs", acks_late=True, **time_limits(50, 60))
def fail_stalled_runs():
    """Mark failed the runs still "running" whose worker died (the periodic sweep)."""
    stalled = runs_fail_stalled()
    return {"ingest": stalled.ingest, "posts": stalled.posts}


@shared_task(name="papers.tasks.ingest_daily_categories", acks_late=True, **time_limits(50, 60))
def ingest_daily_categories():
    """Fan out one category-window job per configured category (the beat schedule calls this)."""
    windows = papers_daily_windows(codes=settings.HOTPAPERS_ARXIV_CATEGORIES)
    for window in windows:  # no transaction is open here: nothing to wait for before sending
        ingest_arxiv_category.delay(window.category, window.since.isoformat(), window.until.isoformat())
    logger.info("queued %s category windows", len(windows), extra={"event": "ingest_fanout", "count": len(windows)})
    return [window.category for window in windows]


# Social posts


def _queue_arxiv_ids(ids):
    for start in range(0, len(ids), ARXIV_BATCH):
        transaction.on_commit(partial(ingest_arxiv_ids.delay, ids[start : start + ARXIV_BATCH]))


def _follow_up(run):
    """After posts are stored: fetch the papers they link that are not stored yet (posts_link_pending links
    them as they arrive), and the oEmbed of new X posts. The hourly refresh sweeps whatever a failed run
    left waiting, and the oEmbed schedule catches up on the rest."""
    _queue_arxiv_ids(run.missing_arxiv_ids)
    if run.created and run.source in ("", "x"):
        transaction.on_commit(fetch_tweet_oembeds.delay)


def _collect(task, source, query, since):
    run = _retry_transient(
        task, lambda: posts_collect(source=source, query=query, since=_date(since)), transient=SOCIAL_TRANSIENT
    )
    _follow_up(run)
    return run.pk


@shared_task(name="papers.tasks.collect_x_posts", **SOCIAL)
def collect_x_posts(self, query=None, since=None):
    return _collect(self, "x", query, since)


@shared_task(name="papers.tasks.collect_bluesky_posts", **SOCIAL)
def collect_bluesky_posts(self, query=None, since=None):
    return _collect(self, "bluesky", query, since)


@shared_task(name="papers.tasks.collect_hackernews_posts", **SOCIAL)
def collect_hackernews_posts(self, query=None, since=None):
    return _collect(self, "hackernews", query, since)


@shared_task(name="papers.tasks.refresh_post_counters", **{**SOCIAL, **time_limits(20 * 60, 22 * 60)})
def refresh_post_counters(self, source=None):
    """Refresh recent posts' counters. Without a source (the hourly schedule): one job per platform, and
    posts still waiting for arXiv have their papers asked for again."""
    if source is None:
        for name in SOURCES:  # no transaction is open here: nothing to wait for before sending
            refresh_post_counters.delay(name)
        _queue_arxiv_ids(posts_link_pending().pending_arxiv_ids)
        return list(SOURCES)
    runs = _retry_transient(self, lambda: posts_refresh_counters(source=source), transient=SOCIAL_TRANSIENT)
    return [run.pk for run in runs]


@shared_task(name="papers.tasks.fetch_tweet_oembeds", **{**SOCIAL, **time_limits(5 * 60, 6 * 60)})
def fetch_tweet_oembeds(self, tweet_ids=None):
    """Fetch the embed HTML of X posts that have none yet (these, or any)."""
    return _retry_transient(self, lambda: tweets_fetch_oembed(tweet_ids=tweet_ids).pk, transient=SOCIAL_TRANSIENT)


@shared_task(name="papers.tasks.import_post_dump", **SOCIAL)
def import_post_dump(self, run_id):
    """Import a dump file an editor uploaded (a queued PostCollectionRun from post_dumps_create)."""
    run = _retry_transient(self, lambda: posts_import_dump_run(run_id=run_id), transient=SOCIAL_TRANSIENT)
    _follow_up(run)
    return run.pk


def queue_import_post_dump(*, run_id):
    """Send import_post_dump once the current transaction commits (at once outside one); for the admin.

    QueueUnavailable (papers.queueing) when the broker does not answer: the run stays queued.
    """
    transaction.on_commit(partial(enqueue, import_post_dump, run_id))
