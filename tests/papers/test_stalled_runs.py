"""A run whose worker died never says "running" for good: the periodic sweep, or the next run, marks it failed."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from papers.models import IngestRun, PostCollectionRun
from papers.services import arxiv_ingest
from papers.services.stalled_runs import runs_fail_stalled
from papers.tasks import fail_stalled_runs
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def silent_for(seconds):
    return timezone.now() - dt.timedelta(seconds=seconds)


def ingest_run(*, silent, **fields):
    run = IngestRun.objects.create(kind=IngestRun.Kind.CATEGORY, parameters={"category": "cs.LG"}, **fields)
    IngestRun.objects.filter(pk=run.pk).update(heartbeat_at=silent_for(silent))
    return run


def test_the_sweep_fails_running_runs_silent_beyond_the_visibility_timeout_and_keeps_the_others():
    limit = settings.HOTPAPERS_RUN_STALLED_AFTER
    assert limit > settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    dead = ingest_run(silent=limit + 1, resumption_token="1500")
    alive = ingest_run(silent=limit - 60)
    finished = ingest_run(silent=limit * 2, status=IngestRun.Status.SUCCEEDED)
    dead_post = PostCollectionRun.objects.create(source="hackernews", kind=PostCollectionRun.Kind.SEARCH)
    PostCollectionRun.objects.filter(pk=dead_post.pk).update(heartbeat_at=silent_for(limit + 1))
    live_post = PostCollectionRun.objects.create(source="x", kind=PostCollectionRun.Kind.SEARCH)
    queued_dump = PostCollectionRun.objects.create(kind=PostCollectionRun.Kind.DUMP, status="queued")
    PostCollectionRun.objects.filter(pk=queued_dump.pk).update(heartbeat_at=silent_for(limit + 1))

    assert fail_stalled_runs.delay().get() == {"ingest": [dead.pk], "posts": [dead_post.pk]}

    dead.refresh_from_db()
    assert dead.status == IngestRun.Status.FAILED and dead.finished_at is not None
    assert dead.error.startswith("WorkerLost: the worker running this job died")
    assert "visibility timeout" in dead.error and "the stalled-run sweep" in dead.error
    assert dead.resumption_token == "1500"  # where the next run goes on from
    assert IngestRun.objects.get(pk=alive.pk).status == IngestRun.Status.RUNNING
    assert IngestRun.objects.get(pk=finished.pk).status == IngestRun.Status.SUCCEEDED
    assert PostCollectionRun.objects.get(pk=dead_post.pk).status == PostCollectionRun.Status.FAILED
    assert PostCollectionRun.objects.get(pk=live_post.pk).status == PostCollectionRun.Status.RUNNING
    assert PostCollectionRun.objects.get(pk=queued_dump.pk).status == PostCollectionRun.Status.QUEUED
    assert runs_fail_stalled().ingest == []


def test_the_sweep_is_a_periodic_task_editors_can_change():
    task = PeriodicTask.objects.get(name="Fail stalled runs")
    assert task.task == "papers.tasks.fail_stalled_runs" and task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")


def test_the_next_run_marks_a_run_whose_worker_died_failed(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    httpserver.expect_request("/api/query").respond_with_data((FIXTURES_DIR / "arxiv" / "api_empty.xml").read_bytes())
    dead = ingest_run(silent=settings.HOTPAPERS_RUN_STALLED_AFTER + 1)

    arxiv_ingest.papers_ingest_category(category="cs.LG", since=dt.date(2021, 1, 1), until=dt.date(2021, 1, 2))

    dead.refresh_from_db()
    assert dead.status == IngestRun.Status.FAILED and "the next ingestion run" in dead.error
    assert not IngestRun.objects.filter(status=IngestRun.Status.RUNNING).exists()


def test_the_next_harvest_goes_on_from_the_page_a_dead_worker_had_not_stored(httpserver, settings):
    settings.ARXIV_OAI_URL = httpserver.url_for("/oai")
    parameters = {"set": "cs", "since": "2024-01-01", "until": None, "resumed_from": None}
    dead = IngestRun.objects.create(kind=IngestRun.Kind.OAI, parameters=parameters, resumption_token="6960524|5")
    IngestRun.objects.filter(pk=dead.pk).update(heartbeat_at=silent_for(settings.HOTPAPERS_RUN_STALLED_AFTER + 1))
    httpserver.expect_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": "6960524|5"}
    ).respond_with_data((FIXTURES_DIR / "arxiv" / "oai_list_records_arxiv_3.xml").read_bytes())

    run = arxiv_ingest.papers_harvest_oai(set_spec="cs", since=dt.date(2024, 1, 1))

    assert run.status == IngestRun.Status.SUCCEEDED and run.parameters["resumed_from"] == "6960524|5"
    assert IngestRun.objects.get(pk=dead.pk).status == IngestRun.Status.FAILED
