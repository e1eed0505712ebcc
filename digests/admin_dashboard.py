"""What the admin index tells an editor first: today's digest, the next publication, and whether the
periodic jobs (and beat, which starts them) are running.

desk_dashboard() is the selector the {% desk_dashboard %} tag renders on admin/index.html. Its cost is
fixed: three small queries for digests, one for the schedules, and per job in the freshness registry
(papers.services.freshness, where each app registers its jobs and their successful runs) two more.
Its failed runs are read here, from FAILED_RUNS.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from papers.models import IngestRun, PostCollectionRun
from papers.services.freshness import jobs_freshness, jobs_registered

from .models import DailyDigest

# Beat writes last_run_at every few minutes (DatabaseScheduler syncs every 3); a job later than its
# schedule by more than this means no beat is sending it.
BEAT_GRACE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class FailedRuns:
    """Where a registered job (papers.services.freshness) leaves its failed runs."""

    runs: Callable[[], QuerySet]
    at: str  # the field holding when a run ended
    error: str  # the field saying why it failed


# Keyed by the job names in the freshness registry, which knows the successes.
FAILED_RUNS = {
    "ingest_arxiv": FailedRuns(
        runs=lambda: IngestRun.objects.filter(
            status=IngestRun.Status.FAILED, kind__in=[IngestRun.Kind.CATEGORY, IngestRun.Kind.OAI]
        ),
        at="finished_at",
        error="error",
    ),
}


def _failed_post_runs(kind, source=None):
    def runs():
        failed = PostCollectionRun.objects.filter(kind=kind, status=PostCollectionRun.Status.FAILED)
        return failed.filter(source=source) if source else failed

    return FailedRuns(runs=runs, at="finished_at", error="error")


for _source in ("x", "bluesky", "hackernews"):
    FAILED_RUNS[f"collect_{_source}_posts"] = _failed_post_runs(PostCollectionRun.Kind.SEARCH, _source)
FAILED_RUNS["refresh_post_counters"] = _failed_post_runs(PostCollectionRun.Kind.REFRESH)
FAILED_RUNS["fetch_tweet_oembeds"] = _failed_post_runs(PostCollectionRun.Kind.OEMBED)


@dataclass(frozen=True)
class JobState:
    """One periodic job as the dashboard shows it."""

    name: str  # the schedule's name in django-celery-beat
    task: str
    enabled: bool
    schedule: str  # "every 1 minute", "at 02:30 UTC"
    last_sent: dt.datetime | None  # when beat last sent it
    due_since: dt.datetime | None  # when its overdue run was due (more than BEAT_GRACE ago); None when on time
    last_success: dt.datetime | None = None
    last_failure: dt.datetime | None = None
    last_error: str = ""
    max_age: dt.timedelta | None = None  # None: the job keeps no run records
    stale: bool = False  # enabled, keeps records, and no success within max_age

    @property
    def failing_now(self):
        """Its latest run failed (a failure after the last success)."""
        return self.last_failure is not None and (self.last_success is None or self.last_failure > self.last_success)


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    today_digest: DailyDigest | None  # with entry_count
    latest_draft: DailyDigest | None  # the newest draft, when today has none
    next_scheduled: DailyDigest | None
    jobs: list[JobState] = field(default_factory=list)
    beat_last_seen: dt.datetime | None = None
    beat_quiet: bool = False  # an enabled job is overdue, or beat never started one: nothing is running beat

    @property
    def stale_jobs(self):
        return [job for job in self.jobs if job.stale]


def _schedule_label(task):
    if task.interval_id:
        every, unit = task.interval.every, task.interval.period.rstrip("s")
        return f"every {every} {unit}{'' if every == 1 else 's'}"
    if task.crontab_id:
        c = task.crontab
        if c.minute.isdigit() and c.hour.isdigit() and c.day_of_week == c.day_of_month == c.month_of_year == "*":
            return f"daily at {int(c.hour):02d}:{int(c.minute):02d} {c.timezone}"
        return f"cron {c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week} ({c.timezone})"
    if task.clocked_id:
        return f"once at {timezone.localtime(task.clocked.clocked_time):%Y-%m-%d %H:%M}"
    if task.solar_id:
        return str(task.solar)
    return "no schedule"


def _due_since(task, now):
    """When the task's next run was due, if that is more than BEAT_GRACE ago (None: on time)."""
    if not task.enabled or (task.one_off and task.total_run_count):
        return None
    since = task.last_run_at or task.start_time or task.date_changed
    if since is None or (task.start_time and task.start_time > now):
        return None
    try:
        remaining = task.schedule.remaining_estimate(since)
    except Exception:  # an odd schedule must not break the admin index
        return None
    return now + remaining if -remaining > BEAT_GRACE else None


def _records_by_task(now):
    """Per Celery task name: its registered job's freshness and last failure (two queries per job)."""
    registered = jobs_registered()
    found = {}
    for freshness in jobs_freshness(now=now):
        failed = FAILED_RUNS.get(freshness.name)
        failure = None
        if failed:
            failure = failed.runs().exclude(**{f"{failed.at}__isnull": True}).order_by(f"-{failed.at}").first()
        summary = {
            "last_success": freshness.last_success,
            "last_failure": getattr(failure, failed.at) if failure else None,
            "last_error": " ".join(getattr(failure, failed.error).split())[:200] if failure else "",
            "max_age": freshness.max_age,
            "stale": freshness.status in ("stale", "never"),
        }
        for task in registered[freshness.name].tasks:
            found[task] = summary
    return found


def desk_dashboard(*, now=None):
    now = now or timezone.now()
    today = timezone.localdate(now)
    with_count = DailyDigest.objects.annotate(entry_count=Count("entries"))
    today_digest = with_count.filter(date=today).first()
    latest_draft = None
    if today_digest is None:
        latest_draft = with_count.filter(status=DailyDigest.Status.DRAFT).order_by("-date").first()
    next_scheduled = with_count.filter(status=DailyDigest.Status.SCHEDULED, publish_at__gt=now).order_by("publish_at")

    records = _records_by_task(now)
    jobs = []
    for task in PeriodicTask.objects.select_related("interval", "crontab", "clocked", "solar").order_by("name"):
        if task.name.startswith("celery."):  # celery's own housekeeping entries
            continue
        state = dict(records.get(task.task, {}))
        state["stale"] = task.enabled and state.get("stale", False)
        jobs.append(
            JobState(
                name=task.name,
                task=task.task,
                enabled=task.enabled,
                schedule=_schedule_label(task),
                last_sent=task.last_run_at,
                due_since=_due_since(task, now),
                **state,
            )
        )
    sent = [job.last_sent for job in jobs if job.last_sent]
    return Dashboard(
        today=today,
        today_digest=today_digest,
        latest_draft=latest_draft,
        next_scheduled=next_scheduled.first(),
        jobs=jobs,
        beat_last_seen=max(sent) if sent else None,
        beat_quiet=any(job.due_since for job in jobs) or (not sent and any(job.enabled for job in jobs)),
    )
