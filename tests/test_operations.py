"""Faults with real processes: Redis stopped and frozen under the cache, gunicorn and a Celery worker."""

import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from celery import Celery
from django.conf import settings as django_settings
from django.core.cache import cache

from digests.models import MarkdownImport
from digests.tasks import import_markdown_post
from papers.models import IngestRun
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.jobs import every_job_done
from tests.processes import Gunicorn, free_port, private_redis_server, site_env, wait_for_port
from tests.worker import log_tail, wait_for

PASSWORD = "correct horse battery"
# A page must not wait on Redis: one cache call costs at most HOTPAPERS_CACHE_TIMEOUT (0.25 s).
FAST = 1.5


@pytest.fixture
def private_redis(tmp_path):
    yield from private_redis_server(tmp_path)


def point_cache_at(settings, url, *, retry_after=0.2):
    settings.CACHES = {
        "default": {
            "BACKEND": "hotpapers_site.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "RETRY_AFTER": retry_after},
        }
    }


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def cache_outage_records(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "hotpapers_site.cache"]


# The cache backend in this process.


def test_with_redis_stopped_the_cache_misses_at_once_and_logs_the_outage_once(private_redis, settings, caplog):
    point_cache_at(settings, private_redis.url())
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"

    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="hotpapers_site.cache"):
        for _ in range(50):
            value, seconds = timed(lambda: cache.get("greeting", "missed"))
            assert value == "missed"
            assert seconds < 0.5
            cache.set("greeting", "ignored")
            cache.delete("greeting")
            assert cache.get_many(["greeting", "other"]) == {}
            assert cache.add("new", 1) is False
    assert cache_outage_records(caplog) == [
        "cache unavailable, serving misses until Redis answers again: ConnectionError"
    ]

    private_redis.start()
    time.sleep(0.3)  # past RETRY_AFTER
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hotpapers_site.cache"):
        cache.set("greeting", "back")
        assert cache.get("greeting") == "back"
        assert cache.get("greeting") == "back"
    (recovered,) = cache_outage_records(caplog)
    assert recovered.startswith("cache available again after ")


def test_with_redis_frozen_one_call_times_out_quickly_and_the_next_ones_do_not_wait(private_redis, settings, caplog):
    point_cache_at(settings, private_redis.url(), retry_after=1.0)
    cache.set("greeting", "hello")

    private_redis.freeze()
    try:
        with caplog.at_level(logging.WARNING, logger="hotpapers_site.cache"):
            first, first_seconds = timed(lambda: cache.get("greeting"))
            rest, rest_seconds = timed(lambda: [cache.get("greeting") for _ in range(100)])
    finally:
        private_redis.thaw()

    assert first is None and set(rest) == {None}
    assert first_seconds < 0.6  # the socket read timeout, not Redis's silence
    assert rest_seconds < 0.1  # within RETRY_AFTER no call asks the frozen server again
    assert cache_outage_records(caplog) == ["cache unavailable, serving misses until Redis answers again: TimeoutError"]

    time.sleep(1.1)
    assert cache.get("greeting") == "hello"
    assert cache.ping() is True


def test_incr_on_an_unavailable_cache_raises_like_a_missing_key(private_redis, settings):
    point_cache_at(settings, private_redis.url())
    private_redis.stop()
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")


# The site in gunicorn, as production runs it, with its Redis stopped, restarted, frozen and thawed.


class Editor:
    """A browser-like session against the live site: cookies, CSRF tokens, the real login form."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path, **kwargs):
        return self.session.get(self.base_url + path, timeout=30, **kwargs)

    def post_form(self, path, data):
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.session.post(
            self.base_url + path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base_url + path},
            timeout=30,
        )

    def log_in(self, username, password):
        response = self.post_form("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        assert response.url.endswith("/admin/"), response.text[:500]

    def ingest(self, ids):
        """Paste ids in Admin → Ingest runs → Ingest; returns (final response, seconds)."""
        start = time.monotonic()
        response = self.post_form("/admin/papers/ingestrun/ingest/", {"ids": ids})
        return response, time.monotonic() - start


def public_paths(digest, paper):
    return ["/", digest.get_absolute_url(), paper.get_absolute_url(), "/robots.txt", "/sitemap.xml"]


def assert_pages_answer_fast(editor, paths):
    for path in paths:
        response, seconds = timed(lambda path=path: requests.get(editor.base_url + path, timeout=30))
        assert response.status_code == 200, (path, response.status_code)
        assert seconds < FAST, f"{path} took {seconds:.2f} s"


def healthz(editor):
    response, seconds = timed(lambda: requests.get(editor.base_url + "/healthz", timeout=30))
    assert seconds < 2.5, f"/healthz took {seconds:.2f} s"
    body = response.json()
    assert {job["status"] for job in body["jobs"].values()} == {"fresh"}
    return response.status_code, {key: body[key] for key in ("status", "database", "cache", "broker")}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_site_rides_out_redis_stopped_and_frozen_and_recovers_without_a_restart(
    private_redis, tmp_path, django_user_model
):
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    every_job_done()
    entry = DigestEntryFactory(digest=DailyDigestFactory(), position=1)
    paths = public_paths(entry.digest, entry.paper)
    broker = private_redis.client()
    web = Gunicorn(tmp_path, redis_url=private_redis.url()).start()
    try:
        editor = Editor(web.url)
        editor.log_in("editor", PASSWORD)
        assert_pages_answer_fast(editor, paths)
        assert healthz(editor) == (200, {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"})

        # Stopped.
        private_redis.stop()
        assert_pages_answer_fast(editor, paths)
        assert healthz(editor) == (
            503,
            {"status": "error", "database": "ok", "cache": "unavailable", "broker": "unavailable"},
        )
        assert editor.get("/admin/").status_code == 200
        assert editor.get("/admin/digests/dailydigest/").status_code == 200
        response, seconds = editor.ingest("2201.04182")
        assert response.status_code == 200 and response.url.endswith("/admin/papers/ingestrun/")
        assert "The task queue (Redis) is not answering, so nothing was queued." in response.text
        assert seconds < 3

        # Back: the same gunicorn worker queues again and reports healthy.
        private_redis.start()
        assert healthz(editor) == (200, {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"})
        response, _ = editor.ingest("2201.04182")
        assert "Queued 1 paper for ingestion from arXiv." in response.text
        assert broker.llen("ingest") == 1

        # Frozen (SIGSTOP): connections open but nothing answers.
        private_redis.freeze()
        try:
            assert_pages_answer_fast(editor, paths)
            status, body = healthz(editor)
            assert status == 503 and body["cache"] == body["broker"] == "unavailable"
            assert editor.get("/admin/").status_code == 200
            response, seconds = editor.ingest("2201.04183")
            assert "The task queue (Redis) is not answering" in response.text
            assert seconds < 4
        finally:
            private_redis.thaw()
        assert healthz(editor) == (200, {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"})
        assert broker.llen("ingest") == 1  # nothing was sent while frozen
        assert_pages_answer_fast(editor, paths)
    finally:
        web.stop()

    log = web.log()
    assert " 500 " not in log, log_tail(web.log_path)
    # Once per outage for the whole process (its threads share what they know), and once when it ends.
    assert log.count("cache unavailable, serving misses") == 2, log_tail(web.log_path)
    assert log.count("cache available again") == 2, log_tail(web.log_path)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_reconnects_by_itself_when_redis_comes_back(private_redis, tmp_path, seed_path):
    log_path = tmp_path / "worker.log"
    queue = "test-reconnect"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "hotpapers_site",
        "worker",
        "-Q",
        queue,
        "-n",
        "reconnect@localhost",
    ]
    command += ["--pool=solo", "-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=django_settings.BASE_DIR,
            env=site_env(private_redis.url()),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # Send through the private Redis, not the suite's.
    producer_app = Celery("reconnect-test", broker=private_redis.url(), set_as_current=False)
    try:
        wait_for(lambda: "ready." in log_path.read_text(errors="replace"), proc=proc, log_path=log_path, timeout=30)
        private_redis.stop()
        wait_for(
            lambda: "Connection to broker lost" in log_path.read_text(errors="replace"),
            proc=proc,
            log_path=log_path,
            timeout=20,
            what="noticing the outage",
        )
        time.sleep(3)  # a few failed reconnection attempts
        private_redis.start()

        markdown_import = MarkdownImport.objects.create(
            filename=seed_path.name, content=seed_path.read_text(encoding="utf-8")
        )
        producer_app.send_task(import_markdown_post.name, args=[markdown_import.pk], queue=queue)

        def imported():
            markdown_import.refresh_from_db()
            return markdown_import.status == MarkdownImport.Status.DONE

        wait_for(imported, proc=proc, log_path=log_path, timeout=60, what="the import after the outage")
    finally:
        producer_app.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 or proc.returncode == -15, log_tail(log_path)


# Every admin page that queues work, with the broker down: a message for the editor, never a 500.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_admin_page_that_queues_work_tells_the_editor_when_the_broker_is_down(
    private_redis, admin_client, monkeypatch, seed_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from hotpapers_site.celery import app
    from tests.papers.factories import PaperFactory

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", private_redis.url())
    # Fresh producer pools for the private server; the suite's come back after the test.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    private_redis.stop()
    down = "The task queue (Redis) is not answering, so nothing was queued."
    paper = PaperFactory()
    every_day = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    job = PeriodicTask.objects.create(
        name="Publish due digests", task="digests.tasks.publish_due_digests", interval=every_day
    )

    def shown(response):
        assert response.status_code == 200, response.status_code
        return [str(message) for message in response.context["messages"]]

    ingest = admin_client.post(reverse("admin:papers_ingestrun_ingest"), {"ids": "2201.04182"}, follow=True)
    assert any(message.startswith(down) for message in shown(ingest))

    refresh = admin_client.post(
        reverse("admin:papers_paper_changelist"),
        {"action": "refresh_from_arxiv", "_selected_action": [paper.pk]},
        follow=True,
    )
    assert any(message.startswith(down) for message in shown(refresh))

    upload = SimpleUploadedFile(seed_path.name, seed_path.read_bytes(), content_type="text/markdown")
    imported = admin_client.post(reverse("admin:digests_markdownimport_import"), {"files": [upload]}, follow=True)
    (message,) = shown(imported)
    assert message.startswith(down) and "saved as queued imports" in message
    (queued,) = MarkdownImport.objects.all()
    assert queued.status == MarkdownImport.Status.QUEUED

    again = admin_client.post(
        reverse("admin:digests_markdownimport_changelist"),
        {"action": "import_again", "_selected_action": [queued.pk]},
        follow=True,
    )
    assert any(message.startswith(down) for message in shown(again))

    run = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "run_tasks", "_selected_action": [job.pk]},
        follow=True,
    )
    assert any(message.startswith(down) for message in shown(run))

    # With Redis back, the same process sends (kombu reconnects by itself).
    private_redis.start()
    again = admin_client.post(
        reverse("admin:digests_markdownimport_changelist"),
        {"action": "import_again", "_selected_action": [queued.pk]},
        follow=True,
    )
    assert shown(again) == ["Queued 1 file again."]
    assert private_redis.client().llen("digests") == 1


# Structured logs: one JSON object per line, with task, run and counts, and no secret.

X_TOKEN = "test-bearer-9f2c1e7a-do-not-log"
BLUESKY_PASSWORD = "test-app-password-31c5-do-not-log"


@pytest.fixture
def json_log():
    """Everything logged, at every level, through the production formatter and the task filter."""
    import io

    from pythonjsonlogger.json import JsonFormatter

    from hotpapers_site.celery import TaskContextFilter
    from hotpapers_site.settings import base  # the test settings keep no console handler of their own

    formatter = base.LOGGING["formatters"]["json"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(formatter["fmt"], rename_fields=formatter["rename_fields"]))
    handler.addFilter(TaskContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.mark.django_db
def test_logs_are_one_json_object_per_event_naming_task_run_and_counts_and_no_secret(httpserver, settings, json_log):
    from papers.sources.bluesky import BlueskyClient
    from papers.sources.http import JsonClient
    from papers.sources.posts import SourceError
    from papers.sources.x import XClient
    from papers.tasks import ingest_arxiv_ids
    from tests.conftest import FIXTURES_DIR

    settings.X_BEARER_TOKEN = X_TOKEN
    settings.BLUESKY_HANDLE = "hotpapers.test"
    settings.BLUESKY_APP_PASSWORD = BLUESKY_PASSWORD
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    httpserver.expect_request("/api/query").respond_with_data(
        (FIXTURES_DIR / "arxiv" / "api_id_list_classic.xml").read_bytes()
    )
    run_id = ingest_arxiv_ids.apply(args=[["hep-th/9711200", "math/0211159"]]).get()

    # The social clients, built from the settings as their jobs build them, through retries and refusals.
    http = JsonClient(sleep=lambda seconds: None, max_retries=1)
    x = XClient(httpserver.url_for("/2"), settings.X_BEARER_TOKEN, http=http)
    search = "/2/tweets/search/recent"
    httpserver.expect_ordered_request(search).respond_with_data("overloaded", status=503)
    httpserver.expect_ordered_request(search).respond_with_data((FIXTURES_DIR / "x" / "search_page1.json").read_bytes())
    httpserver.expect_ordered_request(search).respond_with_data(
        (FIXTURES_DIR / "x" / "unauthorized.json").read_bytes(), status=401, content_type="application/json"
    )
    bluesky = BlueskyClient(
        httpserver.url_for("/xrpc"), settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD, http=http
    )
    login = "/xrpc/com.atproto.server.createSession"
    httpserver.expect_ordered_request(login).respond_with_data("down", status=502)
    httpserver.expect_ordered_request(login).respond_with_data(
        (FIXTURES_DIR / "bluesky" / "bad_login.json").read_bytes(), status=401, content_type="application/json"
    )
    logger = logging.getLogger("papers.jobs")
    x.search_recent()
    for call in (x.search_recent, bluesky.login):
        try:
            call()
        except SourceError:
            logger.exception("collection failed", extra={"event": "collect_failed", "client": repr(call.__self__)})

    output = json_log.getvalue()
    assert X_TOKEN not in output and BLUESKY_PASSWORD not in output
    lines = output.splitlines()
    events = [json.loads(line) for line in lines]  # every line is one whole JSON object
    assert all({"time", "level", "logger", "message"} <= event.keys() for event in events)

    (succeeded,) = [event for event in events if event.get("event") == "ingest_succeeded"]
    assert succeeded["run_id"] == run_id
    assert succeeded["task_name"] == "papers.tasks.ingest_arxiv_ids" and succeeded["task_id"]
    run = IngestRun.objects.get(pk=run_id)
    assert (succeeded["pages"], succeeded["papers_created"], succeeded["papers_missing"]) == (1, run.created, 0)
    assert run.created > 0
    assert succeeded["logger"] == "papers.services.arxiv_ingest" and succeeded["level"] == "INFO"

    retries = [event for event in events if "retry 1 in" in event["message"]]
    assert len(retries) == 2  # the 503 from X and the 502 from Bluesky
    failures = [event for event in events if event.get("event") == "collect_failed"]
    assert len(failures) == 2 and all("Traceback" in event["exc_info"] for event in failures)
    assert "task_name" not in failures[0]  # outside a task, no task is named


@pytest.mark.parametrize(("log_json", "is_json"), [(None, True), ("false", False)])
def test_production_logs_json_lines_unless_told_not_to(log_json, is_json):
    from tests.test_settings import production_env, run

    code = (
        "import django, logging; django.setup()\n"
        "try:\n    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('papers.jobs').exception('it broke', extra={'run_id': 7})\n"
    )
    env = production_env(**({"DJANGO_LOG_JSON": log_json} if log_json else {}))
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr

    lines = result.stderr.strip().splitlines()
    if is_json:
        (line,) = lines  # the traceback stays inside the one line
        event = json.loads(line)
        assert (event["level"], event["logger"], event["message"], event["run_id"]) == (
            "ERROR",
            "papers.jobs",
            "it broke",
            7,
        )
        assert "ZeroDivisionError" in event["exc_info"]
    else:
        assert lines[0].endswith("ERROR papers.jobs: it broke") and len(lines) > 1


# PostgreSQL drops the web process's connection (a restart, a failover, an idle-timeout kill).


def other_backends(cursor):
    cursor.execute("SELECT pg_stat_clear_snapshot()")  # statistics views are read once per transaction
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend'"
    )
    return {pid for (pid,) in cursor.fetchall()}


@pytest.mark.worker
@pytest.mark.django_db
def test_the_web_process_reconnects_after_postgresql_drops_its_connection(tmp_path):
    from django.db import connection

    # One thread, persistent connections as in production: every request reuses the same connection.
    web = Gunicorn(tmp_path, redis_url=django_settings.REDIS_URL, threads=1, extra_env={"CONN_MAX_AGE": "600"})
    web.start()
    try:
        with connection.cursor() as cursor:
            before = other_backends(cursor)
            assert requests.get(web.url + "/", timeout=30).status_code == 200
            (kept,) = other_backends(cursor) - before  # gunicorn's connection, still open after the request
            for _ in range(3):
                assert requests.get(web.url + "/", timeout=30).status_code == 200
            assert kept in other_backends(cursor)

            for _ in range(3):  # dropped again and again: each time the next request reconnects
                cursor.execute("SELECT pg_terminate_backend(%s)", [kept])
                response = requests.get(web.url + "/", timeout=30)
                assert response.status_code == 200
                assert requests.get(web.url + "/healthz", timeout=30).json()["database"] == "ok"
                (replacement,) = other_backends(cursor) - before
                assert replacement != kept
                kept = replacement
    finally:
        web.stop()
    assert " 500 " not in web.log(), log_tail(web.log_path)


# Running it like production: the Procfile (honcho), the Dockerfile and compose.yaml agree.

ROOT = Path(django_settings.BASE_DIR)
APP_SERVICES = {"web", "worker_ingest", "worker_social", "worker_digests", "beat"}


def normalized(command):
    """A command's words, with shell defaults (${PORT:-8000}) replaced by their value."""
    return shlex.split(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command))


def procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_the_same_processes_with_the_same_commands_as_the_procfile():
    services = compose()["services"]
    processes = procfile()

    assert set(processes) == APP_SERVICES
    assert {"postgres", "redis", "migrate"} | APP_SERVICES == set(services)
    for name, command in processes.items():
        assert normalized(services[name]["command"]) == normalized(command), name
    assert normalized(services["migrate"]["command"]) == ["python", "manage.py", "migrate", "--noinput"]
    # Every app service runs the one image, on PostgreSQL and Redis, in production, after the migration.
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["environment"]["DJANGO_SETTINGS_MODULE"].endswith(".production")
        assert (
            service["environment"]["DATABASE_URL"].startswith("postgres://")
            and "@postgres:5432/" in (service["environment"]["DATABASE_URL"])
        )
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_there_is_exactly_one_beat_and_a_worker_for_every_queue():
    processes = procfile()
    beats = [name for name, command in processes.items() if " beat" in command]
    assert beats == ["beat"]
    assert compose()["services"]["beat"]["deploy"]["replicas"] == 1

    queues = set()
    for command in processes.values():
        words = normalized(command)
        if "worker" in words:
            queues |= set(words[words.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in django_settings.CELERY_TASK_ROUTES.values()}
    assert {"ingest", "social", "digests", django_settings.CELERY_TASK_DEFAULT_QUEUE} | routed <= queues


def test_the_image_is_slim_runs_as_a_user_and_collects_static_files_at_build():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith((" ", "#"))]

    assert instructions[0] == "FROM python:3.11-slim"
    (user,) = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert user not in ("root", "0")
    assert "manage.py collectstatic --noinput" in dockerfile
    assert dockerfile.index("collectstatic") < dockerfile.index("USER ")
    (cmd,) = [line for line in instructions if line.startswith("CMD ")]
    assert json.loads(cmd[len("CMD ") :]) == normalized(compose()["services"]["web"]["command"])
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_honcho_starts_every_procfile_process_and_ctrl_c_stops_them_all(private_redis, tmp_path):
    port = free_port()
    env = site_env(
        private_redis.url(),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        CELERY_WORKER_CONCURRENCY="1",
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    log_path = tmp_path / "honcho.log"
    command = [str(Path(sys.executable).parent / "honcho"), "start", "-f", "Procfile", "-p", str(port)]
    with open(log_path, "wb") as log:
        honcho = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    control = Celery("honcho-test", broker=private_redis.url(), set_as_current=False)
    try:
        wait_for_port(port, proc=honcho, log_path=log_path, what="honcho's web", timeout=60)
        assert requests.get(f"http://127.0.0.1:{port}/robots.txt", timeout=10).status_code == 200

        def every_worker_answers():
            replies = control.control.ping(timeout=1.0) or []
            names = {name.split("@")[0] for reply in replies for name in reply}
            return {"ingest", "social", "digests"} <= names

        wait_for(every_worker_answers, proc=honcho, log_path=log_path, timeout=60, what="the workers' start")
        wait_for(lambda: "beat: Starting" in log_path.read_text(errors="replace"), proc=honcho, log_path=log_path)
        time.sleep(1)
        assert honcho.poll() is None, log_tail(log_path)  # honcho stops everything when any process exits
    finally:
        control.close()
        honcho.send_signal(signal.SIGINT)  # what Ctrl-C sends
        try:
            honcho.wait(timeout=60)
        except subprocess.TimeoutExpired:
            honcho.kill()
            pytest.fail(f"honcho did not stop within 60 s of Ctrl-C:\n{log_tail(log_path)}")

    log = log_path.read_text(errors="replace")
    pids = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", log)]
    assert len(pids) == len(APP_SERVICES), log_tail(log_path)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
