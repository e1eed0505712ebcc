"""The dashboard on the admin index: today's digest, the next publication, the jobs and beat."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from digests.admin_dashboard import desk_dashboard
from papers.models import IngestRun, PostCollectionRun
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.jobs import every_job_done, post_run

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2022, 1, 13, 9, 30, tzinfo=dt.UTC)
INGESTION = "Daily arXiv ingestion"
PUBLISHING = "Publish scheduled digests"


@pytest.fixture(autouse=True)
def at_nine_thirty():
    with time_machine.travel(NOW, tick=False):
        yield


def beat_ran_just_now():
    PeriodicTask.objects.update(last_run_at=timezone.now() - dt.timedelta(minutes=1))


def ingestion(status, finished_at, error=""):
    run = IngestRun.objects.create(kind=IngestRun.Kind.CATEGORY, status=status, error=error)
    IngestRun.objects.filter(pk=run.pk).update(finished_at=finished_at)


def index(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_index_shows_todays_draft_its_state_and_the_next_publication(admin_client):
    today = DailyDigestFactory(date=dt.date(2022, 1, 13), draft=True)
    DigestEntryFactory(digest=today, position=1)
    DigestEntryFactory(digest=today, position=2)
    DailyDigestFactory(
        date=dt.date(2022, 1, 12), status="scheduled", published_at=None, publish_at=NOW + dt.timedelta(hours=2)
    )

    content = index(admin_client)

    assert "Today's digest:" in content
    assert reverse("admin:digests_dailydigest_change", args=[today.pk]) in content
    assert "Draft</span>" in content and "2 papers." in content
    assert "<strong>Next publication:</strong>" in content
    assert "Hot Papers 2022-01-12" in content and "Thu 13 Jan 2022, 11:30" in content


def test_without_a_digest_today_the_index_says_so_and_points_to_the_newest_draft(admin_client):
    draft = DailyDigestFactory(date=dt.date(2022, 1, 11), draft=True)

    content = index(admin_client)

    assert "No digest for today yet." in content
    assert reverse("admin:digests_dailydigest_change", args=[draft.pk]) in content
    assert "Nothing is scheduled." in content


def test_each_job_shows_its_last_success_and_failure_from_its_run_records():
    beat_ran_just_now()
    ingestion(IngestRun.Status.SUCCEEDED, NOW - dt.timedelta(hours=7))
    ingestion(IngestRun.Status.FAILED, NOW - dt.timedelta(hours=1), error="arXiv answered 503\nthree times")
    ingestion(IngestRun.Status.FAILED, NOW - dt.timedelta(hours=5), error="older")

    jobs = {job.name: job for job in desk_dashboard().jobs}

    assert jobs[INGESTION].last_success == NOW - dt.timedelta(hours=7)
    assert jobs[INGESTION].last_failure == NOW - dt.timedelta(hours=1)
    assert jobs[INGESTION].last_error == "arXiv answered 503 three times"
    assert jobs[INGESTION].failing_now and not jobs[INGESTION].stale
    assert jobs[PUBLISHING].max_age is None  # no run records: beat's last start is all there is
    assert jobs[PUBLISHING].schedule == "every 1 minute"
    assert jobs[INGESTION].schedule == "daily at 02:30 UTC"


def test_a_job_without_a_recent_success_is_flagged_stale(admin_client):
    beat_ran_just_now()
    every_job_done(hours_ago=1)
    IngestRun.objects.all().delete()
    ingestion(IngestRun.Status.SUCCEEDED, NOW - dt.timedelta(hours=31))

    content = index(admin_client)

    assert [job.name for job in desk_dashboard().stale_jobs] == [INGESTION]
    assert "<strong>Stale:</strong> Daily arXiv ingestion" in content
    assert "<strong>stale</strong>" in content


def test_a_disabled_job_is_never_stale():
    beat_ran_just_now()
    every_job_done(hours_ago=1)
    IngestRun.objects.all().delete()
    PeriodicTask.objects.filter(name=INGESTION).update(enabled=False)

    assert desk_dashboard().stale_jobs == []


def test_the_index_says_plainly_when_no_beat_has_run(admin_client):
    PeriodicTask.objects.update(last_run_at=NOW - dt.timedelta(hours=3))

    content = index(admin_client)

    assert desk_dashboard().beat_quiet
    assert "No scheduler (celery beat) is running." in content
    assert "It last started a job 3\xa0hours ago." in content


def test_the_index_says_so_at_once_when_beat_never_ran(admin_client):
    content = index(admin_client)  # the schedules the migrations made, never started

    assert desk_dashboard().beat_quiet
    assert "No scheduler (celery beat) is running." in content
    assert "It has not started any job yet." in content


def test_the_index_is_quiet_about_beat_while_it_runs(admin_client):
    beat_ran_just_now()
    every_job_done(hours_ago=1)
    ingestion(IngestRun.Status.SUCCEEDED, NOW - dt.timedelta(hours=7))

    content = index(admin_client)

    assert not desk_dashboard().beat_quiet
    assert "No scheduler" not in content
    assert 'role="alert"' not in content


def test_the_dashboard_costs_the_same_whatever_is_stored(django_assert_max_num_queries):
    for day in range(10):
        DigestEntryFactory(digest=DailyDigestFactory(date=dt.date(2021, 12, 1) + dt.timedelta(days=day), draft=True))
        ingestion(IngestRun.Status.FAILED, NOW - dt.timedelta(hours=day))

    # Three for digests, one for the schedules, and the freshness registry: its schedules, per job
    # (7) the last success, and per job with failed runs to show (6: all but the build) the last failure.
    with django_assert_max_num_queries(18):
        desk_dashboard()


def test_a_platform_s_collection_shows_its_last_failure():
    beat_ran_just_now()
    every_job_done(hours_ago=1)
    failed = post_run(kind=PostCollectionRun.Kind.SEARCH, source="bluesky", hours_ago=0.5, status="failed")
    PostCollectionRun.objects.filter(pk=failed.pk).update(error="SourceUnavailable: Bluesky answered 502")

    jobs = {job.name: job for job in desk_dashboard().jobs}

    assert jobs["Collect Bluesky posts"].last_failure == NOW - dt.timedelta(hours=0.5)
    assert jobs["Collect Bluesky posts"].last_error == "SourceUnavailable: Bluesky answered 502"
    assert jobs["Collect Bluesky posts"].failing_now and not jobs["Collect Bluesky posts"].stale
    assert not jobs["Collect X posts"].failing_now
