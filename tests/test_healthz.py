"""/healthz: 200 when the database, the cache and the broker answer, 503 naming what does not."""

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from digests.models import DailyDigest, MarkdownImport
from hotpapers_site.celery import app
from papers.models import IngestRun, PostCollectionRun
from papers.services.freshness import job_register, job_unregister, jobs_freshness
from tests.jobs import every_job_done, ingest_run, post_run
from tests.processes import private_redis_server
from tests.test_operations import point_cache_at

ALL_OK = {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}
SERVICES = ("status", "database", "cache", "broker")
MAX_AGES = {
    "ingest_arxiv": 30,
    "collect_x_posts": 3,
    "collect_bluesky_posts": 3,
    "collect_hackernews_posts": 3,
    "refresh_post_counters": 6,
    "fetch_tweet_oembeds": 3,
    "build_digest": 75,
}


def services(body):
    return {key: body[key] for key in SERVICES if key in body}


@pytest.fixture
def fresh_jobs(db):
    """Every registered job succeeded an hour ago (each is scheduled by a migration): {name: finish time}."""
    return every_job_done(hours_ago=1)


@pytest.fixture
def private_redis(tmp_path):
    yield from private_redis_server(tmp_path)


@pytest.fixture
def on_private_redis(private_redis, settings, monkeypatch):
    """The cache and the broker both on the private server, as production shares one Redis."""
    point_cache_at(settings, private_redis.url())
    monkeypatch.setitem(app.conf, "broker_url", private_redis.url(1))
    return private_redis


def test_healthz_answers_ok_when_everything_answers(client, fresh_jobs):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        **ALL_OK,
        "jobs": {
            name: {"status": "fresh", "last_success": at.isoformat(), "max_age_hours": MAX_AGES[name]}
            for name, at in fresh_jobs.items()
        },
    }
    assert "no-cache" in response["Cache-Control"]  # a proxy must never answer for it


def test_healthz_names_the_cache_and_the_broker_when_redis_is_stopped(client, on_private_redis, fresh_jobs):
    assert services(client.get("/healthz").json()) == ALL_OK

    on_private_redis.stop()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert services(response.json()) == {
        "status": "error",
        "database": "ok",
        "cache": "unavailable",
        "broker": "unavailable",
    }
    assert "stale" not in response.json()
    assert str(on_private_redis.port) not in response.content.decode()

    on_private_redis.start()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert services(response.json()) == ALL_OK


def test_healthz_answers_quickly_when_redis_is_frozen(client, on_private_redis, fresh_jobs):
    on_private_redis.freeze()
    try:
        start = time.monotonic()
        response = client.get("/healthz")
        seconds = time.monotonic() - start
    finally:
        on_private_redis.thaw()

    assert response.status_code == 503
    assert response.json()["cache"] == response.json()["broker"] == "unavailable"
    assert seconds < 1.5


def test_without_redis_the_broker_is_not_used_and_not_a_failure(client, settings, monkeypatch, fresh_jobs):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setitem(app.conf, "broker_url", "memory://")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert services(response.json()) == {"status": "ok", "database": "ok", "cache": "ok", "broker": "not used"}


def test_healthz_answers_503_without_details_when_the_database_is_down():
    # A real unreachable database: the site in a subprocess pointed at a closed port.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="hotpapers_site.settings.test", DATABASE_URL="postgres://postgres@127.0.0.1:9/none"
    )
    script = "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line == ('503 {"status": "error", "database": "unavailable", "cache": "ok", "broker": "ok"}'), (
        result.stderr
    )


# Freshness of the periodic jobs.


@pytest.fixture
def other_jobs_done(fresh_jobs):
    """Every job but the arXiv ingestion succeeded an hour ago; the test decides the ingestion's runs."""
    IngestRun.objects.all().delete()


def test_a_job_whose_last_success_is_too_old_is_named_stale(client, other_jobs_done):
    old = ingest_run(hours_ago=31)
    ingest_run(hours_ago=2, status=IngestRun.Status.FAILED)  # failures do not count
    ingest_run(hours_ago=1, kind=IngestRun.Kind.IDS)  # nor ids an editor asked for

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert services(body) == ALL_OK | {"status": "error"}
    assert body["stale"] == ["ingest_arxiv"]
    assert body["jobs"]["ingest_arxiv"] == {
        "status": "stale",
        "last_success": old.finished_at.isoformat(),
        "max_age_hours": 30,
    }


@pytest.mark.django_db
def test_on_a_fresh_install_every_scheduled_job_is_named_until_it_succeeds(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == sorted(MAX_AGES)
    assert {job["status"] for job in response.json()["jobs"].values()} == {"never"}


def test_a_job_whose_schedule_is_disabled_does_not_count(client, other_jobs_done):
    PeriodicTask.objects.filter(task="papers.tasks.ingest_daily_categories").update(enabled=False)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["jobs"]["ingest_arxiv"]["status"] == "not scheduled"


def test_the_maximum_age_of_each_job_is_a_setting(client, settings, other_jobs_done):
    ingest_run(hours_ago=10)
    assert client.get("/healthz").status_code == 200

    settings.HOTPAPERS_JOB_MAX_AGE = {"ingest_arxiv": 6}
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["jobs"]["ingest_arxiv"]["max_age_hours"] == 6


@pytest.mark.parametrize("source", ["x", "bluesky", "hackernews"])
def test_each_platform_s_collection_is_watched_and_a_skipped_run_counts_as_done(client, fresh_jobs, source):
    """An operator without credentials for a platform gets skipped runs, not a page every night."""
    PostCollectionRun.objects.filter(source=source, kind=PostCollectionRun.Kind.SEARCH).delete()
    post_run(kind=PostCollectionRun.Kind.SEARCH, source=source, hours_ago=1, status=PostCollectionRun.Status.FAILED)
    post_run(kind=PostCollectionRun.Kind.REFRESH, source=source, hours_ago=1)  # another job's run

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == [f"collect_{source}_posts"]

    skipped = post_run(
        kind=PostCollectionRun.Kind.SEARCH, source=source, hours_ago=2, status=PostCollectionRun.Status.SKIPPED
    )
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["jobs"][f"collect_{source}_posts"]["last_success"] == skipped.finished_at.isoformat()


def test_the_counter_refresh_and_the_embeds_are_watched(client, fresh_jobs):
    PostCollectionRun.objects.filter(kind__in=["refresh", "oembed"]).update(
        finished_at=timezone.now() - dt.timedelta(hours=7)
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == ["fetch_tweet_oembeds", "refresh_post_counters"]


def test_the_daily_build_is_watched_across_a_weekend(client, fresh_jobs):
    """The build runs on weekday mornings: Friday's must not page anyone before Monday's."""
    DailyDigest.objects.filter(slug="hot-papers-healthz").update(generated_at=timezone.now() - dt.timedelta(hours=73))
    assert client.get("/healthz").status_code == 200

    DailyDigest.objects.filter(slug="hot-papers-healthz").update(generated_at=timezone.now() - dt.timedelta(hours=76))
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == ["build_digest"]


def test_the_environment_sets_the_maximum_ages():
    code = "import json; from django.conf import settings as s; print(json.dumps(s.HOTPAPERS_JOB_MAX_AGE))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hotpapers_site.settings.test"}
    env["HOTPAPERS_JOB_MAX_AGE"] = "ingest_arxiv=12,build_digest=26.5"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ingest_arxiv": 12.0, "build_digest": 26.5}


@pytest.fixture
def imports_job():
    """Another app's job, registered in one line the way digests registers its own."""
    job_register(
        name="markdown_imports",
        runs=lambda: MarkdownImport.objects.filter(status=MarkdownImport.Status.DONE),
        at="finished_at",
        max_age_hours=2,
        tasks=["digests.tasks.import_markdown_post"],
    )
    yield
    job_unregister(name="markdown_imports")


def test_another_app_registers_its_job_in_one_line(client, imports_job, fresh_jobs):
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="Imports", task="digests.tasks.import_markdown_post", interval=every_hour)
    assert {job.name: job.status for job in jobs_freshness()} == {
        **{name: "fresh" for name in MAX_AGES},
        "markdown_imports": "never",
    }

    MarkdownImport.objects.create(
        filename="a.md", content="x", status=MarkdownImport.Status.DONE, finished_at=timezone.now()
    )
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["jobs"]["markdown_imports"]["status"] == "fresh"
