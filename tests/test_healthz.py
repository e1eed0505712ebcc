"""/healthz: 200 when the database, the cache and the broker answer, 503 naming what does not."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from hotpapers_site.celery import app
from tests.processes import private_redis_server
from tests.test_operations import point_cache_at

ALL_OK = {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


@pytest.fixture
def private_redis(tmp_path):
    yield from private_redis_server(tmp_path)


@pytest.fixture
def on_private_redis(private_redis, settings, monkeypatch):
    """The cache and the broker both on the private server, as production shares one Redis."""
    point_cache_at(settings, private_redis.url())
    monkeypatch.setitem(app.conf, "broker_url", private_redis.url(1))
    return private_redis


@pytest.mark.django_db
def test_healthz_answers_ok_when_everything_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == ALL_OK
    assert "no-cache" in response["Cache-Control"]  # a proxy must never answer for it


@pytest.mark.django_db
def test_healthz_names_the_cache_and_the_broker_when_redis_is_stopped(client, on_private_redis):
    assert client.get("/healthz").json() == ALL_OK

    on_private_redis.stop()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "unavailable", "broker": "unavailable"}
    assert str(on_private_redis.port) not in response.content.decode()

    on_private_redis.start()
    assert client.get("/healthz").json() == ALL_OK


@pytest.mark.django_db
def test_healthz_answers_quickly_when_redis_is_frozen(client, on_private_redis):
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


@pytest.mark.django_db
def test_without_redis_the_broker_is_not_used_and_not_a_failure(client, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setitem(app.conf, "broker_url", "memory://")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "not used"}


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
