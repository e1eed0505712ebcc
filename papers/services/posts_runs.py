"""What every social-post job shares: the platform clients built from settings, the credentials check, and
the run record (PostCollectionRun) that each job keeps up to date as it stores its pages, and that says at its
end which requests failed on the way (by kind, from the client's count)."""

import contextlib
import logging
from collections import Counter
from dataclasses import asdict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from papers.models import PostCollectionRun, Tweet
from papers.sources.bluesky import BlueskyClient, BlueskySession
from papers.sources.hackernews import HackerNewsClient
from papers.sources.http import DEFAULT_USER_AGENT, JsonClient
from papers.sources.x import XClient

from .bulk import defer_commit_flush
from .posts import posts_upsert

logger = logging.getLogger(__name__)

Source = Tweet.Source
SOURCES = (Source.X, Source.BLUESKY, Source.HACKERNEWS)
# Logins are rate-limited harder than calls: a Bluesky session outlives a run, kept in the cache.
BLUESKY_SESSION_KEY = "hotpapers:bluesky-session:{handle}"
BLUESKY_SESSION_TIMEOUT = 30 * 24 * 60 * 60
_COUNTED = ["pages", "created", "updated", "unchanged", "skipped", "snapshots", "missing_arxiv_ids"]


def check_source(source):
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    return Source(source)


def missing_credentials(source):
    """The settings a platform needs that are empty ("" when it needs none or has them)."""
    if source == Source.X and not settings.X_BEARER_TOKEN:
        return "X_BEARER_TOKEN"
    if source == Source.BLUESKY and not (settings.BLUESKY_HANDLE and settings.BLUESKY_APP_PASSWORD):
        return "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"
    return ""


def skipped_run(*, source, kind, query="", requested_by_id=None):
    """A run record for a platform without credentials, and the one log line that says so; None when it has them."""
    missing = missing_credentials(source)
    if not missing:
        return None
    reason = f"{Source(source).label} is not configured: {missing} not set"
    what = f"{Source(source).label} {PostCollectionRun.Kind(kind).label.lower()}"
    logger.info("%s skipped: %s not set", what, missing, extra={"event": "posts_skipped", "source": source})
    return PostCollectionRun.objects.create(
        source=source,
        kind=kind,
        query=query,
        status=PostCollectionRun.Status.SKIPPED,
        error=reason,
        finished_at=timezone.now(),
        requested_by_id=requested_by_id,
    )


def http_client():
    return JsonClient(
        user_agent=DEFAULT_USER_AGENT,
        timeout=settings.SOCIAL_TIMEOUT,
        max_retries=settings.SOCIAL_MAX_RETRIES,
        backoff=settings.SOCIAL_RETRY_BACKOFF,
    )


def source_client(source):
    """A client for the configured platform (credentials checked by the caller with missing_credentials)."""
    if source == Source.X:
        return XClient(settings.X_API_URL, settings.X_BEARER_TOKEN, http=http_client())
    if source == Source.BLUESKY:
        handle = settings.BLUESKY_HANDLE
        stored = cache.get(BLUESKY_SESSION_KEY.format(handle=handle))
        session = BlueskySession(**stored) if isinstance(stored, dict) else None
        return BlueskyClient(
            settings.BLUESKY_API_URL, handle, settings.BLUESKY_APP_PASSWORD, http=http_client(), session=session
        )
    return HackerNewsClient(settings.HN_API_URL, http=http_client())


def keep_session(client):
    """Save a Bluesky client's session (new or refreshed during the run) for the next run of source_client."""
    if isinstance(client, BlueskyClient) and client.session is not None:
        cache.set(BLUESKY_SESSION_KEY.format(handle=client.handle), asdict(client.session), BLUESKY_SESSION_TIMEOUT)


@contextlib.contextmanager
def recorded(run, *, http=None):
    """The run ends as succeeded, or as failed with the error (its progress and cursor kept), whatever happens.

    `http` is the JsonClient the run asks with: the requests that failed meanwhile are recorded by kind.
    """
    logger.info("post run %s started (%s %s)", run.pk, run.source or "dump", run.kind, extra=_log_fields(run))
    before = Counter(http.problems) if http is not None else Counter()
    try:
        yield run
    except BaseException as exc:
        run.retries = _failed_since(http, before)
        run.status = PostCollectionRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        logger.warning(
            "post run %s failed after %s pages: %s",
            run.pk,
            run.pages,
            type(exc).__name__,
            extra={**_log_fields(run), "error": type(exc).__name__},
        )
        raise
    run.retries = _failed_since(http, before)
    run.status = PostCollectionRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    logger.info(
        "post run %s succeeded: %s pages, %s created, %s updated, %s unchanged, %s skipped, %s snapshots%s",
        run.pk,
        run.pages,
        run.created,
        run.updated,
        run.unchanged,
        run.skipped,
        run.snapshots,
        f"; failed requests retried: {run.retries_summary}" if run.retries else "",
        extra=_log_fields(run),
    )


def client_http(client):
    """The JsonClient a platform client asks with (None for a client without one)."""
    return getattr(client, "http", None)


def _failed_since(http, before):
    return dict(sorted((http.problems - before).items())) if http is not None else {}


def _log_fields(run):
    """What a log line says about a run ("created" would clash with LogRecord.created: counts say what they count)."""
    return {
        "event": f"posts_{run.status}",
        "run_id": run.pk,
        "source": run.source,
        "kind": run.kind,
        "status": run.status,
        "pages": run.pages,
        "posts_created": run.created,
        "posts_updated": run.updated,
        "posts_unchanged": run.unchanged,
        "posts_skipped": run.skipped,
        "snapshots": run.snapshots,
        "retries": run.retries,
    }


def count(run, result, *, pages):
    run.pages += pages
    run.created += result.created
    run.updated += result.updated
    run.unchanged += result.unchanged
    run.skipped += result.skipped
    run.snapshots += result.snapshots
    run.missing_arxiv_ids = list(dict.fromkeys([*run.missing_arxiv_ids, *result.missing_arxiv_ids]))


def store_pages(run, pages, *, learned_via=Tweet.LearnedVia.API, progress=None, **fields):
    """Posts of `pages` and the run's counters (and `fields`, e.g. its cursor), in one transaction: both or neither."""
    with transaction.atomic():
        defer_commit_flush()
        result = posts_upsert(pages=pages, learned_via=learned_via, progress=progress)
        count(run, result, pages=len(pages))
        for name, value in fields.items():
            setattr(run, name, value)
        run.save(update_fields=[*_COUNTED, *fields])
    return result
