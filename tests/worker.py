"""A real Celery worker process for tests: its own queue and name on the real Redis, the test's database.

The worker runs the test settings against the very database the (transactional) test uses, so
what it writes is committed and visible both ways.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
import redis
from django.conf import settings

from hotpapers_site.celery import app

READY_TIMEOUT = 30
IMPORT_TIMEOUT = 60


def worker_database_url():
    """A URL for the test database pytest-django created (test_hotpapers, not hotpapers)."""
    db = settings.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql", "the worker test needs PostgreSQL"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def worker_env(extra=None):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "REDIS_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hotpapers_site.settings.test",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=app.conf.broker_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def forget_queue(queue):
    """Drop what kombu keeps in Redis for a queue, so runs leave no keys behind."""
    with redis.Redis.from_url(app.conf.broker_url) as client:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def log_tail(path, lines=40):
    return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])


def wait_until_ready(proc, hostname, log_path):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the worker exited with {proc.returncode} before it was ready:\n{log_tail(log_path)}")
        if app.control.ping(destination=[hostname], timeout=0.5):
            return
    pytest.fail(f"the worker did not answer a ping within {READY_TIMEOUT} s:\n{log_tail(log_path)}")


@contextlib.contextmanager
def running_worker(log_path, *, env=None, monkeypatch, queue=None):
    """Start a worker, wait for it to answer a ping, yield its queue; stop it and clean up after.

    With `queue`, the worker serves that queue and leaves it as it is at the end (several workers in
    turn, as when one is killed and another takes over): the caller forgets it.
    """
    token = uuid.uuid4().hex[:12]
    owned = queue is None
    queue, hostname = queue or f"test-{token}", f"test-{token}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "hotpapers_site", "worker", "-Q", queue, "-n", hostname]
    command += ["--pool=solo", "--concurrency=1", "-l", "INFO", "--without-gossip", "--without-mingle"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=worker_env(env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_ready(proc, hostname, log_path)
            monkeypatch.setitem(app.conf, "task_always_eager", False)
            yield queue, proc
        finally:
            proc.terminate()  # warm shutdown: the solo pool finishes what it holds
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if owned:
                forget_queue(queue)


def wait_for(condition, *, proc, log_path, timeout=60, what="the job"):
    """Poll condition() until true; fail with the worker's log if it dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            pytest.fail(f"the worker exited with {proc.returncode} during {what}:\n{log_tail(log_path)}")
        time.sleep(0.2)
    pytest.fail(f"{what} did not finish within {timeout} s:\n{log_tail(log_path)}")


@contextlib.contextmanager
def running_beat(log_path, *, schedule_dir, env=None, max_interval=1):
    """Start a real `celery beat` on the database scheduler (the test's database); stop it after.

    It sends whatever the enabled PeriodicTask rows say, to the queues they name: a test points
    its rows at its worker's queue and disables the others.
    """
    command = [sys.executable, "-m", "celery", "-A", "hotpapers_site", "beat", "-l", "INFO"]
    command += ["--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", f"--max-interval={max_interval}"]
    command += ["-s", str(schedule_dir / "celerybeat-schedule"), "--pidfile", str(schedule_dir / "beat.pid")]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=worker_env(env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
