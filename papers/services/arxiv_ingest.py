"""arXiv ingestion: fetch pages from a source, store each one, and record the run.

The services here never send tasks. What a face should queue, they return: the checked ids of
papers_ingest_ids_prepare, the category windows of papers_daily_windows; the face (an admin page,
a command, the daily fan-out task) sends the jobs once its transaction commits.
"""

import contextlib
import datetime as dt
import logging
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
        throttle = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=settings.ARXIV_MIN_INTERVAL)
    else:
        throttle = MonotonicThrottle(settings.ARXIV_MIN_INTERVAL)
    return ArxivClient(
        api_url=settings.ARXIV_API_URL,
        oai_url=settings.ARXIV_OAI_URL,
        throttle=throttle,
        user_agent=settings.ARXIV_USER_AGENT,
        max_retries=settings.ARXIV_MAX_RETRIES,
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


@contextlib.contextmanager
def _recorded_run(*, kind, parameters, requested_by_id=None):
    """An IngestRun that ends as succeeded, or as failed with the error, whatever happens inside."""
    run = IngestRun.objects.create(kind=kind, parameters=parameters, requested_by_id=requested_by_id)
    logger.info("ingest run %s started (%s)", run.pk, kind, extra={"event": "ingest_started", **_log_fields(run)})
    try:
        yield run
    except BaseException as exc:
        run.status = IngestRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        logger.warning(
            "ingest run %s failed after %s pages: %s",
            run.pk,
            run.pages,
            type(exc).__name__,
            extra={"event": "ingest_failed", "error": type(exc).__name__, **_log_fields(run)},
        )
        raise
    run.status = IngestRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
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
    }


def _store_page(run, records, *, resumption_token=""):
    """One page's papers and the run's counters, in one transaction: both or neither."""
    with transaction.atomic():
        defer_commit_flush()
        result = papers_upsert(records=[record_from_arxiv(r) for r in records])
        if result.created:  # posts that link these papers were waiting for them
            posts_link_pending(arxiv_ids=result.created)
        run.pages += 1
        run.created += len(result.created)
        run.updated += len(result.updated)
        run.unchanged += len(result.unchanged)
        run.resumption_token = resumption_token
        run.save(update_fields=["pages", "created", "updated", "unchanged", "resumption_token"])
    return result


def _requested_ids(ids):
    """Ids from a list (one id each) or from pasted text (split on commas, spaces, new lines)."""
    return normalize_all(ids) if isinstance(ids, list | tuple) else parse_id_list(ids)


def papers_ingest_ids(*, ids, requested_by_id=None, client=None, progress=None):
    """Fetch papers by id (strings, URLs, "arXiv:" forms); raises InvalidArxivId before any request."""
    wanted = _requested_ids(ids)
    client = client or arxiv_client()
    bases = list(dict.fromkeys(arxiv_id.base for arxiv_id in wanted))
    parameters = {"ids": [str(i) for i in wanted]}
    with _recorded_run(kind=IngestRun.Kind.IDS, parameters=parameters, requested_by_id=requested_by_id) as run:
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
    """Papers of one category submitted between two dates (inclusive, UTC)."""
    until = until or timezone.now().date()
    if since > until:
        raise EmptyWindow(since=since, until=until)
    client = client or arxiv_client()
    parameters = {"category": category, "since": since.isoformat(), "until": until.isoformat()}
    with _recorded_run(kind=IngestRun.Kind.CATEGORY, parameters=parameters) as run:
        stored = 0
        for page in client.search(category, since, until, page_size=page_size):
            _store_page(run, page.records)
            stored += len(page.records)
            if progress:
                progress(run, done=stored, total=page.total_results)
    return run


def papers_harvest_oai(*, set_spec, since, until=None, client=None, progress=None):
    """An OAI-PMH ListRecords harvest; after a failure the next run resumes from the saved token."""
    client = client or arxiv_client()
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
    if interrupted:
        # Only the newest failed run holds the way on; a later failure records its own token.
        IngestRun.objects.filter(pk=interrupted.pk).update(resumption_token="")
    with _recorded_run(kind=IngestRun.Kind.OAI, parameters={**parameters, "resumed_from": token}) as run:
        if token:  # a run that fails before its first page must still know where to resume
            run.resumption_token = token
            run.save(update_fields=["resumption_token"])
        stored = 0
        for page in client.list_records(set_spec, since, until, resumption_token=token):
            _store_page(run, page.records, resumption_token=page.resumption_token or "")
            stored += len(page.records)
            if progress:
                progress(run, done=stored, total=page.complete_list_size)
    return run


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
