"""Real processes a fault test can start, stop, freeze and thaw: a private redis-server, gunicorn.

Nothing here touches the shared Redis on 6379: each test gets its own server on a free port.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings

from tests.worker import log_tail, worker_database_url

REDIS_SERVER = shutil.which("redis-server")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, *, proc, log_path, timeout=20, what="the server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log_tail(log_path)}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"{what} did not listen on {port} within {timeout} s:\n{log_tail(log_path)}")


class PrivateRedis:
    """A redis-server of our own (no persistence) that can be stopped, started again on the same port,
    frozen with SIGSTOP and thawed with SIGCONT."""

    def __init__(self, log_dir):
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed (make services installs it)")
        self.port = free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.proc = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, proc=self.proc, log_path=self.log_path, what="redis-server")
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def freeze(self):
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def client(self, db=0):
        return redis.Redis.from_url(self.url(db), socket_timeout=2)


def private_redis_server(log_dir):
    """For a fixture: `yield from private_redis_server(tmp_path)`; stopped however the test ends."""
    server = PrivateRedis(log_dir).start()
    try:
        yield server
    finally:
        server.stop()


def site_env(redis_url, **extra):
    """The test settings in a process of their own, on the test database and the given Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "REDIS_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hotpapers_site.settings.test",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Gunicorn:
    """gunicorn serving the site with the test settings, as production runs it (one worker, threads)."""

    def __init__(self, log_dir, *, redis_url, threads=4, extra_env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        self.env = site_env(redis_url, **(extra_env or {}))
        self.threads = threads
        self.proc = None

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "hotpapers_site.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", "1", "--threads", str(self.threads), "--timeout", "60", "--access-logfile", "-"]
        command += ["--no-control-socket"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, proc=self.proc, log_path=self.log_path, what="gunicorn", timeout=30)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self):
        return self.log_path.read_text(errors="replace")
