"""Digests go live on time: draft -> scheduled -> published and back, by the beat job or an editor's word."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from digests.models import DailyDigest
from digests.selectors import digests_for_listing
from digests.services.building import auto_publish_at, digests_build
from digests.services.publishing import (
    DigestStateError,
    digest_schedule,
    digest_unpublish,
    digests_publish_due,
    digests_publish_now,
)
from digests.tasks import publish_due_digests
from tests.digests.building_days import AS_OF, DAY, scored_papers
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)


def with_papers(digest, count=1):
    for _ in range(count):
        DigestEntryFactory(digest=digest)
    return digest


def scheduled(at):
    return with_papers(DailyDigestFactory(status=DailyDigest.Status.SCHEDULED, publish_at=at, published_at=at))


def draft(papers=1):
    return with_papers(DailyDigestFactory(draft=True), papers)


def test_scheduled_digests_go_live_at_their_promised_time_and_only_then():
    due = scheduled(NOON - dt.timedelta(minutes=3))
    later = scheduled(NOON + dt.timedelta(hours=1))
    a_draft = draft()

    assert digests_publish_due(now=NOON) == [due]

    due.refresh_from_db()
    later.refresh_from_db()
    a_draft.refresh_from_db()
    assert (due.status, due.published_at) == (DailyDigest.Status.PUBLISHED, NOON - dt.timedelta(minutes=3))
    assert later.status == DailyDigest.Status.SCHEDULED and a_draft.status == DailyDigest.Status.DRAFT
    assert due in DailyDigest.objects.published(now=NOON)
    # The schedule's publish is in the digest's history, as an editor's is.
    latest = due.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        DailyDigest.Status.PUBLISHED,
        None,
        "Published on schedule",
    )
    assert later.history.first().status == DailyDigest.Status.SCHEDULED


def test_a_due_scheduled_digest_is_public_before_beat_records_it(client):
    due = scheduled(NOON - dt.timedelta(minutes=1))
    later = scheduled(NOON + dt.timedelta(minutes=1))

    with time_machine.travel(NOON, tick=False):
        assert list(DailyDigest.objects.published()) == [due]
        assert (due.is_public, later.is_public) == (True, False)
        assert [digest.pk for digest in digests_for_listing()] == [due.pk]
        response_due = client.get(due.get_absolute_url())
        response_later = client.get(later.get_absolute_url())
    assert (response_due.status_code, response_later.status_code) == (200, 404)
    due.refresh_from_db()
    assert due.status == DailyDigest.Status.SCHEDULED  # nothing was written: beat records it later
    assert due.published_at == due.publish_at  # what feeds and pages date it by


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
    a_draft = draft()
    published = DailyDigestFactory()
    original_time = published.published_at

    assert digests_publish_now(digests=[a_draft, published], now=NOON) == [a_draft]
    published.refresh_from_db()
    assert published.published_at == original_time


def test_publishing_a_digest_with_no_papers_is_refused_with_a_sentence_and_writes_nothing():
    empty, excluded_only, fine = draft(papers=0), draft(), draft()
    excluded_only.entries.update(is_excluded=True)

    with pytest.raises(DigestStateError) as error:
        digests_publish_now(digests=[empty])
    assert str(error.value) == f"{empty.title} has no papers: add papers before publishing it."

    with pytest.raises(DigestStateError) as error:
        digests_publish_now(digests=[fine, empty, excluded_only])
    assert str(error.value) == (
        f"{empty.title}, {excluded_only.title} have no papers: add papers before publishing them."
    )
    assert set(DailyDigest.objects.values_list("status", flat=True)) == {DailyDigest.Status.DRAFT}


def test_the_admin_action_publishes_and_says_what_it_did(admin_client):
    a_draft, published = draft(), DailyDigestFactory()
    response = admin_client.post(
        reverse("admin:digests_dailydigest_changelist"),
        {"action": "publish_now", "_selected_action": [a_draft.pk, published.pk]},
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Published 1 digest (1 already published, left as they were)."
    ]
    a_draft.refresh_from_db()
    assert a_draft.status == DailyDigest.Status.PUBLISHED


def test_the_admin_action_refuses_an_empty_digest_with_the_services_sentence(admin_client):
    empty = draft(papers=0)
    response = admin_client.post(
        reverse("admin:digests_dailydigest_changelist"), {"action": "publish_now", "_selected_action": [empty.pk]}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{empty.title} has no papers: add papers before publishing it."
    ]
    empty.refresh_from_db()
    assert empty.status == DailyDigest.Status.DRAFT


# --- scheduling and unpublishing ------------------------------------------------------------------


def test_scheduling_sets_the_time_readers_will_date_it_by():
    digest = draft()
    at = NOON + dt.timedelta(hours=2)

    digest_schedule(digest=digest, publish_at=at, now=NOON)

    digest.refresh_from_db()
    assert (digest.status, digest.publish_at, digest.published_at) == (DailyDigest.Status.SCHEDULED, at, at)
    assert digest not in DailyDigest.objects.published(now=NOON)
    assert digest in DailyDigest.objects.published(now=at)


@pytest.mark.parametrize(
    ("publish_at", "message"),
    [
        (None, "Choose a publish time: a scheduled digest goes live by itself at that time."),
        (NOON.replace(tzinfo=None), "The publish time needs a date, a time and a time zone."),
        (NOON - dt.timedelta(minutes=5), "2025-06-02 11:55 UTC has already passed: choose a later time, or publish"),
    ],
)
def test_scheduling_without_a_usable_time_is_refused_with_a_sentence(publish_at, message):
    digest = draft()
    with pytest.raises(DigestStateError) as error:
        digest_schedule(digest=digest, publish_at=publish_at, now=NOON)
    assert str(error.value).startswith(message)
    digest.refresh_from_db()
    assert digest.status == DailyDigest.Status.DRAFT


def test_scheduling_an_empty_or_published_digest_is_refused():
    later = NOON + dt.timedelta(hours=1)
    with pytest.raises(DigestStateError, match="has no papers: add papers before scheduling it"):
        digest_schedule(digest=draft(papers=0), publish_at=later, now=NOON)
    published = with_papers(DailyDigestFactory())
    with pytest.raises(DigestStateError, match="is already published. Unpublish it first to schedule it again."):
        digest_schedule(digest=published, publish_at=later, now=NOON)


def test_the_database_constraint_speaks_an_editors_language_in_forms():
    digest = DailyDigestFactory.build(status=DailyDigest.Status.SCHEDULED, publish_at=None, published_at=None)
    with pytest.raises(ValidationError) as error:
        digest.full_clean()
    assert "A scheduled digest needs a publish time: choose when it should go live." in str(error.value)


def test_unpublishing_takes_a_published_or_scheduled_digest_back_to_draft():
    published = with_papers(DailyDigestFactory())
    waiting = scheduled(NOON + dt.timedelta(hours=1))

    assert digest_unpublish(digest=published) is True
    assert digest_unpublish(digest=waiting) is True
    assert digest_unpublish(digest=waiting) is False  # already a draft: nothing to do

    for digest in (published, waiting):
        digest.refresh_from_db()
        assert (digest.status, digest.publish_at, digest.published_at) == (DailyDigest.Status.DRAFT, None, None)
    assert not DailyDigest.objects.published().exists()


# --- publishing with no editor ----------------------------------------------------------------------


@override_settings(HOTPAPERS_AUTO_PUBLISH_TIME="09:30", HOTPAPERS_TIME_ZONE="Europe/Paris")
def test_a_new_draft_is_scheduled_for_the_next_auto_publish_time():
    scored_papers([300])
    # 2022-01-14 07:00 UTC is 08:00 in Paris: the next 09:30 there is the same morning, 08:30 UTC.
    with time_machine.travel(dt.datetime(2022, 1, 14, 7, 0, tzinfo=dt.UTC), tick=False):
        result = digests_build(day=DAY, as_of=AS_OF)
    expected = dt.datetime(2022, 1, 14, 8, 30, tzinfo=dt.UTC)
    digest = result.digest
    assert result.scheduled_for == expected
    assert (digest.status, digest.publish_at, digest.published_at) == (DailyDigest.Status.SCHEDULED, expected, expected)

    # A rebuild leaves the schedule alone, and an editor's unpublish stands through the next rebuild.
    digest_unpublish(digest=digest)
    with time_machine.travel(dt.datetime(2022, 1, 14, 7, 30, tzinfo=dt.UTC), tick=False):
        again = digests_build(day=DAY, as_of=AS_OF)
    assert (again.scheduled_for, again.digest.status) == (None, DailyDigest.Status.DRAFT)


@override_settings(HOTPAPERS_AUTO_PUBLISH_TIME="09:30", HOTPAPERS_TIME_ZONE="America/New_York")
def test_the_auto_publish_time_is_local_time_across_daylight_saving_and_past_times_wait_a_day():
    winter = dt.datetime(2022, 1, 14, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York (EST): 09:30 has passed
    summer = dt.datetime(2022, 7, 14, 12, 0, tzinfo=dt.UTC)  # 08:00 in New York (EDT)
    assert auto_publish_at(now=winter) == dt.datetime(2022, 1, 15, 14, 30, tzinfo=dt.UTC)
    assert auto_publish_at(now=summer) == dt.datetime(2022, 7, 14, 13, 30, tzinfo=dt.UTC)


@override_settings(HOTPAPERS_AUTO_PUBLISH_TIME="09:30")
def test_a_new_draft_with_no_papers_is_not_scheduled():
    result = digests_build(day=DAY, as_of=AS_OF)
    assert (result.papers, result.scheduled_for, result.digest.status) == (0, None, DailyDigest.Status.DRAFT)


def test_with_no_auto_publish_time_new_drafts_wait_for_an_editor():
    scored_papers([300])
    result = digests_build(day=DAY, as_of=AS_OF)
    assert (result.scheduled_for, result.digest.status) == (None, DailyDigest.Status.DRAFT)
    assert auto_publish_at() is None
