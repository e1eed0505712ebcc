"""The scheduled side of arXiv ingestion: the beat schedule, the daily fan-out, the embedded default."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from papers.models import IngestRun
from papers.services.arxiv_ingest import CategoryWindow, categories_expand, daily_window, papers_daily_windows
from papers.tasks import ingest_daily_categories
from tests.conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def test_the_daily_ingestion_is_a_periodic_task_editors_can_change():
    task = PeriodicTask.objects.get(name="Daily arXiv ingestion")
    assert task.task == "papers.tasks.ingest_daily_categories"
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("2", "30", "UTC")


def test_wildcards_expand_to_every_category_of_the_taxonomy():
    codes = categories_expand(codes=["cs.*", "stat.ML", "cs.LG"])
    assert {"cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.RO"} <= set(codes)
    assert codes[-1] == "stat.ML" and codes.count("cs.LG") == 1
    assert all(code.startswith("cs.") for code in codes[:-1])


def test_the_daily_window_overlaps_the_previous_days():
    assert daily_window(today=dt.date(2026, 11, 26)) == (dt.date(2026, 11, 24), dt.date(2026, 11, 26))


def test_the_daily_work_is_one_window_per_configured_category():
    windows = papers_daily_windows(codes=["stat.ML", "cs.LG", "stat.ML"], today=dt.date(2026, 11, 26))
    since, until = dt.date(2026, 11, 24), dt.date(2026, 11, 26)
    assert windows == [CategoryWindow("stat.ML", since, until), CategoryWindow("cs.LG", since, until)]


def test_the_daily_job_ingests_each_configured_category(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    settings.HOTPAPERS_ARXIV_CATEGORIES = ["cs.LG", "stat.ML"]
    httpserver.expect_request("/api/query").respond_with_data((FIXTURES_DIR / "arxiv" / "api_empty.xml").read_bytes())
    assert ingest_daily_categories.delay().get() == ["cs.LG", "stat.ML"]
    runs = IngestRun.objects.order_by("started_at")
    assert [run.parameters["category"] for run in runs] == ["cs.LG", "stat.ML"]
    assert {run.status for run in runs} == {IngestRun.Status.SUCCEEDED}
    queries = [request.args["search_query"] for request, _ in httpserver.log]
    assert queries[0].startswith("cat:cs.LG AND submittedDate:[")


def test_feed_files_ingest_into_the_embedded_sqlite_default(migrated_sqlite):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{migrated_sqlite}",
        DJANGO_SETTINGS_MODULE="hotpapers_site.settings.local",
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
        )

    feed = FIXTURES_DIR / "arxiv" / "api_id_list_classic.xml"
    first = manage("ingest_arxiv", "--file", str(feed))
    assert first.returncode == 0, first.stderr
    assert "5 created, 0 updated, 0 unchanged, 0 failed" in first.stdout
    again = manage("ingest_arxiv", "--file", str(feed))
    assert "0 created, 0 updated, 5 unchanged, 0 failed" in again.stdout
    check = manage(
        "shell",
        "-c",
        "from papers.models import Paper; p = Paper.objects.get(arxiv_id='hep-th/9711200'); "
        "print(p.version, [a.author.name for a in p.authorships.all()][:1], p.published.tzname())",
    )
    assert check.stdout.strip().endswith("3 ['Juan M. Maldacena'] UTC"), check.stdout + check.stderr
