"""The migration that fills Paper.announced_on for papers stored before it existed."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection

from papers.models import Paper
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db

backfill_announced_on = importlib.import_module("digests.migrations.0007_backfill_announced_on").backfill_announced_on


def backfill():
    backfill_announced_on(apps, connection.schema_editor())


def test_a_paper_in_digests_takes_the_date_of_the_first_digest_it_appeared_in():
    paper = PaperFactory(published=dt.datetime(2020, 6, 1, 12, 0, tzinfo=dt.UTC))  # arXiv: Tuesday 2020-06-02
    for day in (dt.date(2020, 7, 3), dt.date(2020, 6, 30), dt.date(2020, 7, 1)):
        DigestEntryFactory(paper=paper, digest=DailyDigestFactory(date=day))
    Paper.objects.update(announced_on=None)
    backfill()
    paper.refresh_from_db()
    assert paper.announced_on == dt.date(2020, 6, 30)


def test_a_paper_in_no_digest_takes_the_listing_its_submission_time_falls_in():
    summer = PaperFactory(published=dt.datetime(2022, 7, 13, 18, 0, tzinfo=dt.UTC))  # Wednesday 14:00 EDT
    winter = PaperFactory(published=dt.datetime(2022, 1, 12, 18, 59, tzinfo=dt.UTC))  # Wednesday 13:59 EST
    unknown = PaperFactory(published=None)
    Paper.objects.update(announced_on=None)
    backfill()
    assert Paper.objects.get(pk=summer.pk).announced_on == dt.date(2022, 7, 15)
    assert Paper.objects.get(pk=winter.pk).announced_on == dt.date(2022, 1, 13)
    assert Paper.objects.get(pk=unknown.pk).announced_on is None


def test_a_date_already_set_is_kept_and_a_second_run_changes_nothing():
    corrected = PaperFactory(published=dt.datetime(2022, 1, 12, 18, 0, tzinfo=dt.UTC))
    DigestEntryFactory(paper=corrected, digest=DailyDigestFactory(date=dt.date(2022, 1, 20)))
    Paper.objects.update(announced_on=dt.date(2022, 1, 18))
    backfill()
    backfill()
    assert Paper.objects.get(pk=corrected.pk).announced_on == dt.date(2022, 1, 18)
