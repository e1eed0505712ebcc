"""arXiv ingestion: fetch pages from a source, store each one, and record the run.

The services here never send tasks. What a face should queue, they return: the checked ids of
papers_ingest_ids_prepare, the category windows of papers_daily_windows, the next page of a run
(ingest_run_page's PageStep); the face (an admin page, a command, a task) sends the jobs once its
transaction commits.

A category window or an OAI harvest is a run begun by ingest_run_start_category / ingest_run_start_oai
and taken one response page at a time by ingest_run_page: workers run each page as a task of its own
(papers.tasks.ingest_arxiv_page), far shorter than the broker's visibility timeout, so a worker killed
mid-run costs one page, which the broker hands to another worker. papers_ingest_category and
papers_harvest_oai run all the pages in the calling process (the command, eager tasks).
"""

import contextlib
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import Category, IngestRun
from papers.sources.arxiv import (
    ArxivClient,
    MonotonicThrottle,
    OaiPage,
    normalize_all,
    parse_document,
    parse_id_list,
)
from papers.throttle import RedisThrottle

from .bulk import defer_commit_flush
from .posts_links import posts_link_pending
from .stalled_runs import ingest_runs_fail_stalled
from .upsert import PaperRecord, papers_upsert

logger = logging.getLogger(__name__)


class EmptyWindow(ValueError):
    """A date window whose first day is after its last: nothing to ask arXiv for."""

    def __init__(self, *, since, until):
        super().__init__(f"since {since} is after until {until}")
        self.since, self.until = since, until


def arxiv_client():
    """A client for the configured endpoints, throttled across every worker when Redis is there."""
    if settings.REDIS_URL:
        throttle = RedisThrottle(
            redis_url=settings.REDIS_URL,
            min_interval=settings.ARXIV_MIN_INTERVAL,
            request_timeout=settings.ARXIV_REQUEST_TIMEOUT,
        )
    else:
        throttle = MonotonicThrottle(settings.ARXIV_MIN_INTERVAL)
    return ArxivClient(
        api_url=settings.ARXIV_API_URL,
        oai_url=settings.ARXIV_OAI_URL,
        throttle=throttle,
        user_agent=settings.ARXIV_USER_AGENT,
        max_retries=settings.ARXIV_MAX_RETRIES,
        timeout=settings.ARXIV_REQUEST_TIMEOUT,
        # A Retry-After longer than this is left to the task's retry: a page must end well within its time limit.
        max_delay=min(300.0, settings.HOTPAPERS_TASK_TIME_LIMIT_MAX / 4),
    )


def record_from_arxiv(record):
    categories = [record.primary_category, *record.categories] if record.primary_category else record.categories
    return PaperRecord(
        arxiv_id=record.arxiv_id,
        version=record.version,
        title=record.title,
        abstract=record.abstract or "",
        authors=tuple(author.name for author in record.authors),
        categories=tuple(dict.fromkeys(categories)),
        published=record.published,
        updated=record.updated,
        comment=record.comment or "",
        journal_ref=record.journal_ref or "",
        doi=record.doi or "",
    )


def _start_run(*, kind, parameters, requested_by_id=None, resumption_token="", sweep=True):
    """A new running IngestRun; runs whose worker died are marked failed first (their cursor kept for this one)."""
    if sweep:
        ingest_runs_fail_stalled()
    run = IngestRun.objects.create(
        kind=kind, parameters=parameters, requested_by_id=requested_by_id, resumption_token=resumption_token
    )
    logger.info("ingest run %s started (%s)", run.pk, kind, extra={"event": "ingest_started", **_log_fields(run)})
    return run


def _record_failure(run, exc):
    run.status = IngestRun.Status.FAILED
    run.error = f"{type(exc).__name__}: {exc}"
    run.finished_at = timezone.now()
    run.page_started_at = None
    run.save()
    logger.warning(
        "ingest run %s failed after %s pages: %s",
        run.pk,
        run.pages,
        type(exc).__name__,
        extra={"event": "ingest_failed", "error": type(exc).__name__, **_log_fields(run)},
    )


@contextlib.contextmanager
def _recorded_run(*, kind, parameters, requested_by_id=None, client=None):
    """An IngestRun that ends as succeeded, or as failed with the error, whatever happens inside.

    With the `client` it asks arXiv with, the run records the requests that failed meanwhile, by kind.
    """
    run = _start_run(kind=kind, parameters=parameters, requested_by_id=requested_by_id)
    before = _problems(client)
    try:
        yield run
    except BaseException as exc:
        _add_retries(run, client, before)
        _record_failure(run, exc)
        raise
    _add_retries(run, client, before)
    run.status = IngestRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    _log_success(run)


def _problems(client):
    return Counter(getattr(client, "problems", ()))


def _add_retries(run, client, before):
    """Add the requests `client` saw fail since `before` to the run's record of them (the caller saves)."""
    failed = Counter(run.retries) + (_problems(client) - before)
    run.retries = dict(sorted(failed.items()))


def _log_success(run):
    logger.info(
        "ingest run %s succeeded: %s pages, %s created, %s updated, %s unchanged, %s missing",
        run.pk,
        run.pages,
        run.created,
        run.updated,
        run.unchanged,
        run.failed,
        extra={"event": "ingest_succeeded", **_log_fields(run)},
    )


def _log_fields(run):
    """What a log line says about a run: its id, kind, outcome and counts."""
    # "created" would clash with LogRecord.created: the counts are named after what they count.
    return {
        "run_id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "pages": run.pages,
        "papers_created": run.created,
        "papers_updated": run.updated,
        "papers_unchanged": run.unchanged,
        "papers_missing": run.failed,
        "retries": run.retries,
    }


def _store_page(run, records, *, resumption_token=""):
    """One page's papers and the run's counters, in one transaction: both or neither."""
    with transaction.atomic():
        _store_records(run, records, resumption_token=resumption_token)
        run.save(update_fields=["pages", "created", "updated", "unchanged", "resumption_token", "heartbeat_at"])


def _store_records(run, records, *, resumption_token):
    """Inside the caller's transaction: upsert the papers (by arXiv id: storing a page twice changes nothing)
    and count them on the run, which the caller saves."""
    defer_commit_flush()
    result = papers_upsert(records=[record_from_arxiv(r) for r in records])
    if result.created:  # posts that link these papers were waiting for them
        posts_link_pending(arxiv_ids=result.created)
    run.pages += 1
    run.created += len(result.created)
    run.updated += len(result.updated)
    run.unchanged += len(result.unchanged)
    run.resumption_token = resumption_token
    run.heartbeat_at = timezone.now()


def _requested_ids(ids):
    """Ids from a list (one id each) or from pasted text (split on commas, spaces, new lines)."""
    return normalize_all(ids) if isinstance(ids, list | tuple) else parse_id_list(ids)


def papers_ingest_ids(*, ids, requested_by_id=None, client=None, progress=None):
    """Fetch papers by id (strings, URLs, "arXiv:" forms); raises InvalidArxivId before any request."""
    wanted = _requested_ids(ids)
    client = client or arxiv_client()
    bases = list(dict.fromkeys(arxiv_id.base for arxiv_id in wanted))
    parameters = {"ids": [str(i) for i in wanted]}
    with _recorded_run(
        kind=IngestRun.Kind.IDS, parameters=parameters, requested_by_id=requested_by_id, client=client
    ) as run:
        seen = set()
        for page in client.fetch_by_ids(wanted):
            _store_page(run, page.records)
            seen.update(record.arxiv_id for record in page.records)
            if progress:
                progress(run, done=len(seen), total=len(bases))
        missing = [base for base in bases if base not in seen]
        run.failed = len(missing)
        if missing:
            run.error = "arXiv returned nothing for: " + ", ".join(missing)
            posts_link_pending(arxiv_ids=missing, unknown_ids=missing)  # posts linking only these are flagged
    return run


def papers_ingest_category(*, category, since, until=None, page_size=500, client=None, progress=None):
    """Papers of one category submitted between two dates (inclusive, UTC), every page in this process."""
    run = ingest_run_start_category(category=category, since=since, until=until, page_size=page_size)
    return _run_all_pages(run, client=client or arxiv_client(), progress=progress)


def papers_harvest_oai(*, set_spec, since, until=None, client=None, progress=None):
    """An OAI-PMH ListRecords harvest, every page in this process; after a failure the next run resumes
    from the saved token."""
    run = ingest_run_start_oai(set_spec=set_spec, since=since, until=until)
    return _run_all_pages(run, client=client or arxiv_client(), progress=progress)


def _run_all_pages(run, *, client, progress):
    cursor = run.resumption_token
    while cursor is not None:
        step = ingest_run_page(run_id=run.pk, cursor=cursor, client=client)
        run, cursor = step.run, step.next_cursor
        if progress:
            progress(run, done=run.created + run.updated + run.unchanged, total=run.total)
    return run


def ingest_run_start_category(*, category, since, until=None, page_size=500):
    """A running category-window run, its first page (start offset "0") still to fetch (ingest_run_page).

    EmptyWindow when since is after until: no run is recorded.
    """
    until = until or timezone.now().date()
    if since > until:
        raise EmptyWindow(since=since, until=until)
    parameters = {"category": category, "since": since.isoformat(), "until": until.isoformat()}
    if page_size != 500:
        parameters["page_size"] = page_size
    return _start_run(kind=IngestRun.Kind.CATEGORY, parameters=parameters, resumption_token="0")


def ingest_run_start_oai(*, set_spec, since, until=None):
    """A running OAI-PMH harvest, from the token of the newest failed harvest of the same set and dates
    (a worker that died counts as failed), or from the start; its pages are fetched by ingest_run_page."""
    ingest_runs_fail_stalled()
    parameters = {"set": set_spec, "since": since.isoformat(), "until": until.isoformat() if until else None}
    interrupted = (
        IngestRun.objects.filter(
            kind=IngestRun.Kind.OAI,
            status=IngestRun.Status.FAILED,
            **{f"parameters__{key}": value for key, value in parameters.items()},
        )
        .exclude(resumption_token="")
        .order_by("-started_at")
        .first()
    )
    token = interrupted.resumption_token if interrupted else None
    with transaction.atomic():
        if interrupted:
            # Only the newest failed run holds the way on; a later failure records its own token.
            IngestRun.objects.filter(pk=interrupted.pk).update(resumption_token="")
        # A run that fails before its first page still knows where to resume: the token is its cursor.
        return _start_run(
            kind=IngestRun.Kind.OAI,
            parameters={**parameters, "resumed_from": token},
            resumption_token=token or "",
            sweep=False,
        )


@dataclass(frozen=True)
class PageStep:
    """What ingest_run_page did: the run as it is now, and the cursor of the next page to fetch
    (None: nothing more to fetch, because the run ended or because this page was not this call's to fetch)."""

    run: IngestRun
    next_cursor: str | None


def ingest_run_page(*, run_id, cursor, client=None, will_retry=lambda exc: False):
    """Fetch the page of a running run at `cursor` (its API start offset, or its OAI resumption token, ""
    for the first page) and store it with the run's progress, in one transaction; the run ends as
    succeeded with its last page. The caller fetches the next page from PageStep.next_cursor.

    Safe to call twice with the same page: a page already stored, or a run that has ended, is left as it
    is (next_cursor None), and a page another live call is fetching is left to it. A page begun by a call
    whose worker died is fetched again, and counted in run.restarts.

    On an error the run is marked failed with it, unless will_retry(error) says the caller will try this
    page again (a transient error in a task that retries): the run then stays running. Either way the
    requests that failed on the way are added to the run's record (run.retries), by kind.
    """
    run = _begin_page(run_id, cursor)
    if run is None:
        return PageStep(run=IngestRun.objects.get(pk=run_id), next_cursor=None)
    client = client or arxiv_client()
    before = _problems(client)
    try:
        page, next_cursor, total = _fetch_page(run, cursor, client)
        with transaction.atomic():
            locked = IngestRun.objects.select_for_update().get(pk=run_id)
            if locked.status != IngestRun.Status.RUNNING or locked.resumption_token != cursor:
                # Marked failed meanwhile (the next run gets the page), or stored by another call: counted once.
                logger.warning("ingest run %s moved on while page %r was fetched: not stored again", run_id, cursor)
                return PageStep(run=locked, next_cursor=None)
            run = locked
            _add_retries(run, client, before)
            if page is not None:
                _store_records(run, page.records, resumption_token=next_cursor or "")
            run.total = total if total is not None else run.total
            run.page_started_at = None
            run.heartbeat_at = timezone.now()
            if next_cursor is None:
                run.resumption_token = ""
                run.status = IngestRun.Status.SUCCEEDED
                run.finished_at = timezone.now()
            run.save()
    except BaseException as exc:
        if will_retry(exc):
            # Alive, and coming back to this page: not a restart.
            with transaction.atomic():
                locked = IngestRun.objects.select_for_update().get(pk=run_id)
                if locked.status == IngestRun.Status.RUNNING:
                    _add_retries(locked, client, before)
                    locked.page_started_at = None
                    locked.save(update_fields=["retries", "page_started_at"])
        else:
            run.refresh_from_db()
            if run.status == IngestRun.Status.RUNNING:
                _add_retries(run, client, before)
                _record_failure(run, exc)
        raise
    if next_cursor is None:
        _log_success(run)
    return PageStep(run=run, next_cursor=next_cursor)


def _begin_page(run_id, cursor):
    """The run, marked as fetching the page at cursor; None when that page is not to be fetched now."""
    now = timezone.now()
    with transaction.atomic():
        run = IngestRun.objects.select_for_update().get(pk=run_id)
        if run.status != IngestRun.Status.RUNNING:
            logger.info("ingest run %s has ended (%s): page %r not fetched", run_id, run.status, cursor)
            return None
        if run.resumption_token != cursor:
            logger.info("ingest run %s: page %r is stored already", run_id, cursor)
            return None
        if run.page_started_at is not None:
            # No live task runs longer than its time limit: a page begun earlier than that lost its worker.
            if run.page_started_at > now - dt.timedelta(seconds=settings.HOTPAPERS_TASK_TIME_LIMIT_MAX):
                logger.warning("ingest run %s: page %r is being fetched by another task", run_id, cursor)
                return None
            run.restarts += 1
            logger.warning(
                "ingest run %s: page %r begun again, its worker died",
                run_id,
                cursor,
                extra={"event": "ingest_page_restarted", **_log_fields(run)},
            )
        run.page_started_at = run.heartbeat_at = now
        run.save(update_fields=["page_started_at", "heartbeat_at", "restarts"])
    return run


def _fetch_page(run, cursor, client):
    """(page or None past the API's last result, the next page's cursor or None, the announced total)."""
    parameters = run.parameters
    since, until = dt.date.fromisoformat(parameters["since"]), parameters["until"]
    until = dt.date.fromisoformat(until) if until else None
    if run.kind == IngestRun.Kind.CATEGORY:
        start, page_size = int(cursor), parameters.get("page_size", 500)
        pages = client.search(parameters["category"], since, until, page_size=page_size, start=start)
        page = next(iter(pages), None)  # none past the most the API serves for one query
        if page is None:
            logger.warning("arXiv query %s: only the first %d results can be fetched", parameters, start)
            return None, None, None
        more = page.records and start + page_size < page.total_results
        return page, str(start + page_size) if more else None, page.total_results
    if run.kind == IngestRun.Kind.OAI:
        page = next(iter(client.list_records(parameters["set"], since, until, resumption_token=cursor or None)))
        return page, page.resumption_token or None, page.complete_list_size
    raise ValueError(f"an ingest run of kind {run.kind!r} is not fetched page by page")


def papers_ingest_file(*, path, progress=None):
    """A saved API feed or OAI-PMH response (backfills, tests): parsed whole before anything is stored."""
    data = path.read_bytes()
    with _recorded_run(kind=IngestRun.Kind.FILE, parameters={"file": str(path)}) as run:
        page = parse_document(data)
        token = page.resumption_token or "" if isinstance(page, OaiPage) else ""
        _store_page(run, page.records, resumption_token=token)
        if progress:
            progress(run, done=len(page.records), total=len(page.records))
    return run


def categories_expand(*, codes):
    """Configured codes with wildcards ("cs.*") expanded against the taxonomy, in a stable order."""
    expanded = []
    for code in codes:
        if code.endswith(".*"):
            prefix = code[:-1]
            expanded += Category.objects.filter(code__startswith=prefix, in_taxonomy=True).values_list(
                "code", flat=True
            )
        else:
            expanded.append(code)
    return list(dict.fromkeys(expanded))


def daily_window(*, today=None, days=2):
    """The dates a daily run asks for: a little overlap so a late announcement is never missed."""
    today = today or timezone.now().date()
    return today - dt.timedelta(days=days), today


@dataclass(frozen=True)
class CategoryWindow:
    """One category-window job to queue (papers.tasks.ingest_arxiv_category): a category and its dates."""

    category: str
    since: dt.date
    until: dt.date


def papers_daily_windows(*, codes, today=None):
    """The daily ingestion's work: one window per configured category (wildcards expanded)."""
    since, until = daily_window(today=today)
    return [CategoryWindow(category, since, until) for category in categories_expand(codes=codes)]


def papers_ingest_ids_prepare(*, ids):
    """The ids to queue for an ingestion (papers.tasks.ingest_arxiv_ids), normalised to strings.

    Pasted text or a list of ids, URLs or "arXiv:" forms; invalid ids raise InvalidArxivId before
    anything is queued. The editor who asked is told the outcome through ingest_runs_take_finished().
    """
    return [str(arxiv_id) for arxiv_id in _requested_ids(ids)]


def ingest_runs_take_finished(*, user):
    """The runs this editor asked for that ended since they were last told; marks them told."""
    with transaction.atomic():
        runs = list(
            IngestRun.objects.select_for_update(skip_locked=True)
            .filter(requested_by=user, outcome_shown=False)
            .exclude(status=IngestRun.Status.RUNNING)
            .order_by("started_at")
        )
        IngestRun.objects.filter(pk__in=[run.pk for run in runs]).update(outcome_shown=True)
    return runs
