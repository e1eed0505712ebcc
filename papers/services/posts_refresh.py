"""Counters refreshed on a schedule: the visible posts younger than HOTPAPERS_REFRESH_MAX_AGE_DAYS, read again
in the platforms' batch lookups (X ``/tweets`` by 100, Bluesky ``getPosts`` by 25, Hacker News by 100).

posts_upsert writes a snapshot only for a post whose counters changed. A post the platform no longer
returns (deleted, made private) is left as it is and counted as vanished. One run per platform; a run
stopped by a rate limit resumes after the last post it stored.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from papers.models import PostCollectionRun, Tweet
from papers.sources.bluesky import GET_POSTS_LIMIT
from papers.sources.hackernews import LOOKUP_LIMIT as HN_LOOKUP_LIMIT
from papers.sources.x import LOOKUP_LIMIT as X_LOOKUP_LIMIT

from .posts_runs import (
    SOURCES,
    Source,
    check_source,
    client_http,
    keep_session,
    recorded,
    skipped_run,
    source_client,
    store_pages,
)

Kind, Status = PostCollectionRun.Kind, PostCollectionRun.Status
BATCH = {Source.X: X_LOOKUP_LIMIT, Source.BLUESKY: GET_POSTS_LIMIT, Source.HACKERNEWS: HN_LOOKUP_LIMIT}


def refresh_max_age():
    return dt.timedelta(days=settings.HOTPAPERS_REFRESH_MAX_AGE_DAYS)


def posts_refresh_counters(*, source=None, max_age=None, client=None, progress=None):
    """Refresh the counters of recent posts of `source` (every platform when None); returns one run each.

    Raises RateLimited (progress stored) for the caller to retry later; the platforms after it wait.
    """
    if client is not None and source is None:
        raise ValueError("a client serves one source: name it")
    max_age = max_age or refresh_max_age()
    sources = [check_source(source)] if source else list(SOURCES)
    return [_refresh(name, max_age=max_age, client=client, progress=progress) for name in sources]


def _refresh(source, *, max_age, client, progress):
    built = client is None
    if built:
        skipped = skipped_run(source=source, kind=Kind.REFRESH)
        if skipped is not None:
            return skipped
        client = source_client(source)
    cutoff = timezone.now() - max_age
    after, resumed = _resume_point(source)
    run = PostCollectionRun.objects.create(
        source=source,
        kind=Kind.REFRESH,
        parameters={"posted_since": cutoff.isoformat(), "max_age_days": max_age / dt.timedelta(days=1)},
        cursor=str(after or ""),
        resumed_from=resumed,
    )
    posts = Tweet.objects.visible().filter(source=source, posted_at__gte=cutoff)
    if after:
        posts = posts.filter(pk__gt=after)
    wanted = list(posts.order_by("pk").values_list("pk", "external_id"))
    lookup = client.get_posts if source == Source.BLUESKY else client.lookup
    try:
        with recorded(run, http=client_http(client)):
            size = BATCH[source]
            for start in range(0, len(wanted), size):
                batch = wanted[start : start + size]
                page = lookup([external_id for _, external_id in batch])
                returned = {post.external_id for post in page.posts}
                vanished = sum(1 for _, external_id in batch if external_id not in returned)
                store_pages(run, [page], cursor=str(batch[-1][0]), vanished=run.vanished + vanished)
                if progress:
                    progress(run, done=start + len(batch), total=len(wanted))
            run.cursor = ""
    finally:
        if built:
            keep_session(client)
    return run


def _resume_point(source):
    """After a failed refresh: the last post it stored (claimed, so that only one run resumes it)."""
    last = (
        PostCollectionRun.objects.filter(source=source, kind=Kind.REFRESH, status__in=[Status.SUCCEEDED, Status.FAILED])
        .order_by("-started_at", "-pk")
        .first()
    )
    if last is None or last.status != Status.FAILED or not last.cursor:
        return None, None
    if not PostCollectionRun.objects.filter(pk=last.pk, cursor=last.cursor).update(cursor=""):
        return None, None
    return int(last.cursor), last
