"""Runs whose worker died: still "running", and silent for longer than any live task can be.

A worker killed mid-job (SIGKILL, OOM, a lost machine) cannot record its run's end. Its task comes back
from the broker after the visibility timeout and, for an arXiv page, goes on with the same run; but if
it never does (the broker lost it, or nobody acknowledged the page that would have queued the next), the
run would say "running" for good. No live task runs longer than two thirds of the visibility timeout,
and a page task beats its run's heart when it begins and when it stores, so a run silent for
HOTPAPERS_RUN_STALLED_AFTER seconds (the timeout plus a margin) has lost its worker: it is marked failed.
The sweep runs from the periodic task papers.tasks.fail_stalled_runs and whenever an ingestion starts.
A failed run keeps its cursor, so the next run of its job resumes where it stopped.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import IngestRun, PostCollectionRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StalledRuns:
    """The ids of the runs marked failed, per kind of record."""

    ingest: list[int]
    posts: list[int]


def stalled_after():
    return dt.timedelta(seconds=settings.HOTPAPERS_RUN_STALLED_AFTER)


def worker_lost_error(*, marked_by):
    minutes = settings.HOTPAPERS_RUN_STALLED_AFTER / 60
    return (
        f"WorkerLost: the worker running this job died: no sign of life for over {minutes:g} minutes, longer "
        f"than any live task runs (the broker's visibility timeout is {settings.CELERY_BROKER_VISIBILITY_TIMEOUT} s). "
        f"Marked failed by {marked_by}; the next run of the job goes on from where it stopped."
    )


def _fail(model, *, now, marked_by):
    with transaction.atomic():
        stalled = model.objects.select_for_update(skip_locked=True).filter(
            status=model.Status.RUNNING, heartbeat_at__lt=now - stalled_after()
        )
        ids = list(stalled.values_list("pk", flat=True))
        model.objects.filter(pk__in=ids).update(
            status=model.Status.FAILED, error=worker_lost_error(marked_by=marked_by), finished_at=now
        )
    for pk in ids:
        logger.warning(
            "%s %s marked failed: its worker died",
            model._meta.verbose_name,
            pk,
            extra={"event": "run_worker_lost", "model": model._meta.label, "run_id": pk},
        )
    return ids


def ingest_runs_fail_stalled(*, now=None, marked_by="the next ingestion run"):
    """Ingestion runs whose worker died, marked failed; their ids."""
    return _fail(IngestRun, now=now or timezone.now(), marked_by=marked_by)


def runs_fail_stalled(*, now=None):
    """Every run record whose worker died (ingestion and social posts), marked failed."""
    now = now or timezone.now()
    return StalledRuns(
        ingest=_fail(IngestRun, now=now, marked_by="the stalled-run sweep"),
        posts=_fail(PostCollectionRun, now=now, marked_by="the stalled-run sweep"),
    )
