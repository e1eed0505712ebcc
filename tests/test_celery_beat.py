"""A real `celery beat` and a real worker on Redis: beat sends the periodic jobs, the worker builds the day's
draft and publishes the digest whose time has come, in PostgreSQL."""

import datetime as dt
import json
import time

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from digests.models import DailyDigest
from tests.digests.building_days import DAY, scored_papers
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.worker import log_tail, running_beat, running_worker, wait_for

# serialized_rollback, as every transactional test here: the flush afterwards would otherwise wipe
# the rows data migrations made (the default schedules among them).
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_beat_sends_the_build_and_publish_jobs_and_a_real_worker_runs_them(tmp_path, monkeypatch):
    scored_papers([300, 200, 20])
    due = DailyDigestFactory(
        date=dt.date(2022, 1, 12),
        status=DailyDigest.Status.SCHEDULED,
        publish_at=timezone.now() - dt.timedelta(minutes=1),
        published_at=None,
    )
    DigestEntryFactory(digest=due)
    # Only this test's jobs run: the default schedules stay in the database, switched off for now.
    PeriodicTask.objects.update(enabled=False)
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    started = time.monotonic()

    def done():
        built = DailyDigest.objects.filter(date=DAY).first()
        due.refresh_from_db()
        return built is not None and due.status == DailyDigest.Status.PUBLISHED

    with running_worker(worker_log, monkeypatch=monkeypatch) as (queue, proc):
        for name, task, kwargs in (
            ("Test: build the day's digest", "digests.tasks.build_daily_digest", {"day": DAY.isoformat()}),
            ("Test: publish scheduled digests", "digests.tasks.publish_due_digests", {}),
        ):
            PeriodicTask.objects.create(
                name=name, task=task, interval=every_second, kwargs=json.dumps(kwargs), queue=queue
            )
        with running_beat(beat_log, schedule_dir=tmp_path):
            wait_for(done, proc=proc, log_path=worker_log, timeout=30, what="the build and the publication")

    elapsed = time.monotonic() - started
    built = DailyDigest.objects.get(date=DAY)
    assert built.status == DailyDigest.Status.DRAFT
    assert list(built.entries.order_by("position").values_list("score", flat=True)) == [300, 200]
    assert due.published_at == due.publish_at
    worker = worker_log.read_text(errors="replace")
    beat = beat_log.read_text(errors="replace")
    assert "Task digests.tasks.build_daily_digest[" in worker and "succeeded" in worker, log_tail(worker_log)
    assert "Task digests.tasks.publish_due_digests[" in worker, log_tail(worker_log)
    assert "Sending due task Test: build the day's digest (digests.tasks.build_daily_digest)" in beat, beat
    assert elapsed < 25, f"beat and the worker took {elapsed:.1f} s"
