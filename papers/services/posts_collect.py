"""Searching the platforms for posts that link arXiv: one run record per search, each page stored on its own.

Where a search starts is kept in the database: the watermark the last successful run of the same platform
and query reached (X: the newest post id, the next ``since_id``; Bluesky: the newest post time; Hacker News:
the newest ``created_at_i``). It is only taken up once the whole run is stored, so a run that fails leaves
the next one starting where it started, and resuming from the next page it did not store (its cursor).

A 429 (or a rate-limit window the headers say is spent) raises RateLimited once the pages so far are stored;
the task retries after the reset through the broker. A platform without credentials is skipped: one log
line and a run record saying so.
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

from papers.models import PostCollectionRun
from papers.sources.posts import PostPage, RateLimited
from papers.sources.x import StaleWatermark

from .posts_runs import (
    Source,
    check_source,
    client_http,
    keep_session,
    recorded,
    skipped_run,
    source_client,
    store_pages,
)

logger = logging.getLogger(__name__)

Kind, Status = PostCollectionRun.Kind, PostCollectionRun.Status
# X recent search reaches 7 days back; a start_time at the edge is refused, so stay a little inside.
X_SEARCH_REACH = dt.timedelta(days=7) - dt.timedelta(minutes=5)
# Posts are indexed a little after they are written: searches by time look back this much before the watermark.
TIME_OVERLAP = dt.timedelta(minutes=10)
HN_HITS_PER_PAGE = 100
HN_WINDOW_HITS = 1000  # Algolia serves at most this many hits per query, however it is paged


def default_query(source):
    return {
        Source.X: settings.HOTPAPERS_X_QUERY,
        Source.BLUESKY: settings.HOTPAPERS_BLUESKY_QUERY,
        Source.HACKERNEWS: settings.HOTPAPERS_HN_QUERY,
    }[source]


@dataclasses.dataclass(frozen=True)
class _Start:
    watermark: str = ""  # what the previous successful run reached
    cursor: str = ""  # the next page an interrupted run did not store
    reached: str = ""  # what the interrupted run had reached
    since: dt.datetime | None = None
    resumed: PostCollectionRun | None = None


def posts_collect(*, source, query=None, since=None, client=None, requested_by_id=None, progress=None):
    """Search one platform for new posts linking arXiv and store them; returns the run record.

    `since` (a date or aware datetime) starts from that time instead of the stored watermark. `client` is a
    platform client (tests, commands); without one it is built from settings, and a platform without
    credentials gives a skipped run. Raises RateLimited (progress stored) for the caller to retry later.
    """
    source = check_source(source)
    query = query or default_query(source)
    since = _aware(since)
    built = client is None
    if built:
        skipped = skipped_run(source=source, kind=Kind.SEARCH, query=query, requested_by_id=requested_by_id)
        if skipped is not None:
            return skipped
        client = source_client(source)
    start = _starting_point(source=source, query=query, since=since)
    run = PostCollectionRun.objects.create(
        source=source,
        kind=Kind.SEARCH,
        query=query,
        parameters={"since": start.since.isoformat() if start.since else None},
        watermark_from=start.watermark,
        watermark_to=start.reached,
        cursor=start.cursor,
        resumed_from=start.resumed,
        requested_by_id=requested_by_id,
    )
    search = {Source.X: _x_pages, Source.BLUESKY: _bluesky_pages, Source.HACKERNEWS: _hn_pages}[source]
    try:
        with recorded(run, http=client_http(client)):
            reached = start.reached or start.watermark
            pages = search(client, query=query, watermark=start.watermark, cursor=start.cursor, since=start.since)
            for page, cursor in pages:
                reached = _newest(source, reached, _page_mark(source, page))
                store_pages(run, [page], cursor=cursor or "", watermark_to=reached)
                if progress:
                    progress(run)
                if cursor:
                    _stop_when_spent(page)
            run.cursor = ""
            run.watermark_to = reached
    finally:
        if built:
            keep_session(client)
    return run


def _starting_point(*, source, query, since):
    if since is not None:
        return _Start(since=since)
    last = (
        PostCollectionRun.objects.filter(
            source=source, kind=Kind.SEARCH, query=query, status__in=[Status.SUCCEEDED, Status.FAILED]
        )
        .order_by("-started_at", "-pk")
        .first()
    )
    if last is not None and last.status == Status.SUCCEEDED and last.watermark_to:
        return _Start(watermark=last.watermark_to)
    if last is None or last.status == Status.SUCCEEDED:
        return _Start(since=timezone.now() - dt.timedelta(days=settings.HOTPAPERS_POSTS_LOOKBACK_DAYS))
    # The last run failed: start where it started, from the page it did not store. Claimed with an update
    # so that only one of two runs starting together resumes it (the other starts from its start).
    claimed = bool(last.cursor) and PostCollectionRun.objects.filter(pk=last.pk, cursor=last.cursor).update(cursor="")
    since = last.parameters.get("since")
    return _Start(
        watermark=last.watermark_from,
        cursor=last.cursor if claimed else "",
        reached=last.watermark_to,
        since=dt.datetime.fromisoformat(since) if since else None,
        resumed=last,
    )


# One generator per platform: (page, cursor of the next page or None), newest first.


def _x_pages(client, *, query, watermark, cursor, since) -> Iterator[tuple[PostPage, str | None]]:
    since_id = watermark or None
    start_time = max(since, timezone.now() - X_SEARCH_REACH) if since and not since_id else None
    while True:
        try:
            page = client.search_recent(query, since_id=since_id, next_token=cursor or None, start_time=start_time)
        except StaleWatermark as exc:
            # X keeps 7 days: a watermark older than that is refused. Search the whole week instead.
            logger.warning("X refused since_id %s (older than 7 days): searching without it", exc.since_id)
            since_id, cursor, start_time = None, None, None
            continue
        cursor = _advancing(cursor, page.next_cursor)
        yield page, cursor
        if not cursor:
            return


def _bluesky_pages(client, *, query, watermark, cursor, since):
    after = _parse_time(watermark) - TIME_OVERLAP if watermark else since
    while True:
        page = client.search_posts(query, since=after, cursor=cursor or None)
        # A page that gives a cursor but no posts is the end of the results too.
        cursor = _advancing(cursor, page.next_cursor) if page.posts else None
        yield page, cursor
        if not cursor:
            return


def _hn_pages(client, *, query, watermark, cursor, since):
    if watermark:
        after = int(watermark) - int(TIME_OVERLAP.total_seconds())
    else:
        after = int(since.timestamp()) if since else None
    before, number = _hn_cursor(cursor)
    window_hits = number * HN_HITS_PER_PAGE
    while True:
        page = client.search_by_date(
            after, created_before=before, page=number, hits_per_page=HN_HITS_PER_PAGE, query=query
        )
        window_hits += len(page.posts)
        if page.next_cursor and int(page.next_cursor) > number:
            number = int(page.next_cursor)
        elif window_hits >= HN_WINDOW_HITS and page.posts:
            # Algolia stops at 1,000 hits: walk on in a window that ends where this one's oldest story is.
            before, number, window_hits = min(_epoch(post.posted_at) for post in page.posts) + 1, 0, 0
        else:
            yield page, None
            return
        yield page, f"{before}:{number}" if before else str(number)


def _advancing(current, following):
    """The next page's cursor; None when the platform hands back the one just used (the end, not a loop)."""
    return following if following and following != current else None


def _hn_cursor(cursor):
    if not cursor:
        return None, 0
    before, _, number = cursor.rpartition(":")
    return (int(before) if before else None), int(number)


def _page_mark(source, page):
    """How far a page reaches: its newest post id (X) or post time, never later than it was read."""
    if source == Source.X:
        ids = [int(post.external_id) for post in page.posts]
        return page.newest_id or (str(max(ids)) if ids else "")
    if not page.posts:
        return ""
    newest = min(max(post.posted_at for post in page.posts), page.measured_at or timezone.now())
    return str(_epoch(newest)) if source == Source.HACKERNEWS else newest.isoformat()


def _newest(source, current, mark):
    if not mark:
        return current
    if not current:
        return mark
    key = _parse_time if source == Source.BLUESKY else int
    return mark if key(mark) > key(current) else current


def _stop_when_spent(page):
    """A window the rate-limit headers say is spent: stop now (pages stored), not after a 429."""
    limit = page.rate_limit
    if limit is None or limit.remaining != 0 or limit.reset_at is None:
        return
    wait = max(0.0, (limit.reset_at - (page.measured_at or timezone.now())).total_seconds())
    raise RateLimited(
        f"{page.source}: the rate-limit window is spent; it resets at {limit.reset_at:%Y-%m-%d %H:%M:%S} UTC",
        reset_at=limit.reset_at,
        retry_after=wait,
    )


def _aware(since):
    if since is None or isinstance(since, dt.datetime):
        if since is not None and timezone.is_naive(since):
            raise ValueError("since must be an aware datetime or a date")
        return since
    return dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)


def _parse_time(value):
    return dt.datetime.fromisoformat(value)


def _epoch(when):
    return int(when.timestamp())
