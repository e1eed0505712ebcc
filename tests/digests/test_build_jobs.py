"""The daily build job: today's listing in New York time, a schedule editors can change, safe to run twice."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from digests.models import DailyDigest
from digests.tasks import build_daily_digest
from hotpapers_site.celery import app
from tests.digests.building_days import DAY, scored_papers

pytestmark = pytest.mark.django_db
# Thursday 2022-01-13, 07:30 in New York (EST): when beat runs the job.
THURSDAY_MORNING = dt.datetime(2022, 1, 13, 12, 30, tzinfo=dt.UTC)


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_the_job_builds_the_draft_of_todays_listing_in_new_york_time():
    scored_papers([300, 200])

    assert build_daily_digest.delay().get() == "hot-papers-2022-01-13"

    digest = DailyDigest.objects.get()
    assert (digest.date, digest.status, digest.entries.count()) == (DAY, DailyDigest.Status.DRAFT, 2)
    before = list(DailyDigest.objects.values("pk", "generated_at", "status"))
    assert build_daily_digest.delay().get() == "hot-papers-2022-01-13"  # again: a refresh, same digest
    assert list(DailyDigest.objects.values("pk", "generated_at", "status")) == before


@time_machine.travel(dt.datetime(2022, 1, 14, 4, 0, tzinfo=dt.UTC), tick=False)
def test_late_at_night_in_new_york_it_is_still_the_new_york_day():
    scored_papers([300])  # 23:00 on Thursday in New York, 04:00 on Friday in UTC
    assert build_daily_digest.delay().get() == "hot-papers-2022-01-13"


@time_machine.travel(dt.datetime(2022, 1, 15, 12, 30, tzinfo=dt.UTC), tick=False)
def test_on_a_weekend_there_is_nothing_to_build():
    assert build_daily_digest.delay().get() is None
    assert not DailyDigest.objects.exists()


def test_a_published_digest_is_left_alone_and_a_day_may_be_named():
    scored_papers([300])
    assert build_daily_digest.delay(day="2022-01-13").get() == "hot-papers-2022-01-13"
    DailyDigest.objects.update(status=DailyDigest.Status.PUBLISHED, published_at=THURSDAY_MORNING)
    before = list(DailyDigest.objects.values())

    assert build_daily_digest.delay(day="2022-01-13").get() is None
    assert list(DailyDigest.objects.values()) == before


def test_the_job_runs_on_weekday_mornings_from_the_beat_schedule_on_the_digests_queue():
    task = PeriodicTask.objects.get(name="Build the day's digest")
    crontab = task.crontab
    assert (task.task, task.enabled) == ("digests.tasks.build_daily_digest", True)
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == (
        "30",
        "7",
        "1-5",
        "America/New_York",
    )
    route = app.amqp.router.route({}, "digests.tasks.build_daily_digest")
    assert route["queue"].name == "digests"


def test_make_run_says_plainly_that_no_beat_runs_there():
    makefile = (settings.BASE_DIR / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun: ", 1)[1].split("\n\n", 1)[0]
    assert "no beat runs under make run: scheduled digests still go live at their time" in recipe
    assert "manage.py build_digest" in recipe
