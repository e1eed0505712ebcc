"""How fresh each periodic job is: the time of its last success, from its own run records.

/healthz answers 503 when a scheduled job has not succeeded within its maximum age. Each job is
registered once, in one line, by the app that owns its run records, so this module imports no
other app; an app registers its jobs from its AppConfig.ready(), e.g. digests:

    job_register(name="build_digest", runs=lambda: DigestBuild.objects.filter(status="done"),
                 at="finished_at", max_age_hours=26, tasks=["digests.tasks.build_daily_digest"])

`runs` gives the successful run records, `at` the field holding when each ended, `tasks` the
Celery task names that django-celery-beat schedules for the job: a job counts only while one of
them has an enabled schedule (an operator who turns a job off is not paged for it). The setting
HOTPAPERS_JOB_MAX_AGE = {"name": hours} overrides a job's default maximum age.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from papers.models import IngestRun, PostCollectionRun, Tweet


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    runs: Callable[[], QuerySet]
    at: str
    max_age: dt.timedelta
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class JobFreshness:
    """status: "fresh", "stale" (last success too old), "never" (no success yet) or "not scheduled"."""

    name: str
    status: str
    last_success: dt.datetime | None
    max_age: dt.timedelta

    @property
    def failing(self):
        return self.status in ("stale", "never")

    def as_json(self):
        return {
            "status": self.status,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "max_age_hours": round(self.max_age.total_seconds() / 3600, 2),
        }


_jobs: dict[str, PeriodicJob] = {}


def job_register(*, name, runs, at, max_age_hours, tasks):
    """Add (or replace) a periodic job whose freshness /healthz reports."""
    job = PeriodicJob(name=name, runs=runs, at=at, max_age=dt.timedelta(hours=max_age_hours), tasks=tuple(tasks))
    _jobs[name] = job
    return job


def job_unregister(*, name):
    _jobs.pop(name, None)


def jobs_registered():
    return dict(_jobs)


def _max_age(job):
    hours = getattr(settings, "HOTPAPERS_JOB_MAX_AGE", {}).get(job.name)
    return dt.timedelta(hours=float(hours)) if hours is not None else job.max_age


def jobs_freshness(*, now=None):
    """Every registered job's freshness, in name order (one query per job, plus one for the schedules)."""
    now = now or timezone.now()
    scheduled = set(
        PeriodicTask.objects.filter(enabled=True, task__in=[task for job in _jobs.values() for task in job.tasks])
        .values_list("task", flat=True)
        .distinct()
    )
    report = []
    for name, job in sorted(_jobs.items()):
        max_age = _max_age(job)
        last = job.runs().aggregate(last=Max(job.at))["last"]
        if not scheduled.intersection(job.tasks):
            status = "not scheduled"
        elif last is None:
            status = "never"
        else:
            status = "fresh" if now - last <= max_age else "stale"
        report.append(JobFreshness(name=name, status=status, last_success=last, max_age=max_age))
    return report


# papers' own job: the daily arXiv ingestion (one category-window run per category, or OAI harvests).
job_register(
    name="ingest_arxiv",
    runs=lambda: IngestRun.objects.filter(
        status=IngestRun.Status.SUCCEEDED, kind__in=[IngestRun.Kind.CATEGORY, IngestRun.Kind.OAI]
    ),
    at="finished_at",
    max_age_hours=30,
    tasks=["papers.tasks.ingest_daily_categories", "papers.tasks.harvest_arxiv_oai"],
)


# The social-post jobs, one per platform and kind. A run skipped because the platform has no credentials
# counts as done: an operator without a paid X API is not paged every hour for it (they may also
# disable the schedule, and the job then reads "not scheduled").
_POSTS_DONE = [PostCollectionRun.Status.SUCCEEDED, PostCollectionRun.Status.SKIPPED]


def _post_runs(kind, source=None):
    def runs():
        done = PostCollectionRun.objects.filter(kind=kind, status__in=_POSTS_DONE)
        return done.filter(source=source) if source else done

    return runs


for _source in (Tweet.Source.X, Tweet.Source.BLUESKY, Tweet.Source.HACKERNEWS):
    job_register(
        name=f"collect_{_source}_posts",
        runs=_post_runs(PostCollectionRun.Kind.SEARCH, _source),
        at="finished_at",
        max_age_hours=3,  # scheduled every 15 minutes
        tasks=[f"papers.tasks.collect_{_source}_posts"],
    )
job_register(
    name="refresh_post_counters",
    runs=_post_runs(PostCollectionRun.Kind.REFRESH),
    at="finished_at",
    max_age_hours=6,  # scheduled hourly
    tasks=["papers.tasks.refresh_post_counters"],
)
job_register(
    name="fetch_tweet_oembeds",
    runs=_post_runs(PostCollectionRun.Kind.OEMBED),
    at="finished_at",
    max_age_hours=3,  # scheduled every 15 minutes
    tasks=["papers.tasks.fetch_tweet_oembeds"],
)
