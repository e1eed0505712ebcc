"""Digests go live on time: scheduled ones by the beat job, others when an editor says so."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from digests.models import DailyDigest
from digests.services.publishing import digests_publish_due, digests_publish_now
from digests.tasks import publish_due_digests
from tests.digests.factories import DailyDigestFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)


def scheduled(at):
    return DailyDigestFactory(status=DailyDigest.Status.SCHEDULED, publish_at=at, published_at=None)


def test_scheduled_digests_go_live_at_their_promised_time_and_only_then():
    due = scheduled(NOON - dt.timedelta(minutes=3))
    later = scheduled(NOON + dt.timedelta(hours=1))
    draft = DailyDigestFactory(draft=True)

    assert digests_publish_due(now=NOON) == [due]

    due.refresh_from_db()
    later.refresh_from_db()
    draft.refresh_from_db()
    assert (due.status, due.published_at) == (DailyDigest.Status.PUBLISHED, NOON - dt.timedelta(minutes=3))
    assert later.status == DailyDigest.Status.SCHEDULED and draft.status == DailyDigest.Status.DRAFT
    assert due in DailyDigest.objects.published()


def test_running_the_publish_job_twice_changes_nothing_the_second_time():
    scheduled(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert len(publish_due_digests.delay().get()) == 1
    before = list(DailyDigest.objects.values())
    assert publish_due_digests.delay().get() == []
    assert list(DailyDigest.objects.values()) == before


def test_the_publish_job_runs_every_minute_from_the_beat_schedule():
    task = PeriodicTask.objects.get(name="Publish scheduled digests")
    assert task.task == "digests.tasks.publish_due_digests"
    assert (task.interval.every, task.interval.period) == (1, "minutes")


def test_publishing_now_leaves_already_published_digests_alone():
    draft = DailyDigestFactory(draft=True)
    published = DailyDigestFactory()
    original_time = published.published_at

    assert digests_publish_now(digests=[draft, published], now=NOON) == [draft]
    published.refresh_from_db()
    assert published.published_at == original_time


def test_the_admin_action_publishes_and_says_what_it_did(admin_client):
    draft, published = DailyDigestFactory(draft=True), DailyDigestFactory()
    response = admin_client.post(
        reverse("admin:digests_dailydigest_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk, published.pk]},
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Published 1 digest (1 already published, left as they were)."
    ]
    draft.refresh_from_db()
    assert draft.status == DailyDigest.Status.PUBLISHED
