"""Shared fixtures: where the real data lives, and a skip with a reason where it does not."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from pytest_httpserver import HTTPServer

SEED_PATH = Path(settings.BASE_DIR) / "digests" / "demo" / "hot-papers-2022-01-13.md"
SHARED_DIR = Path(settings.BASE_DIR).parent / "shared"
CORPUS_DIR = SHARED_DIR / "corpus" / "posts"
REFERENCE_DIR = SHARED_DIR / "reference"
FIXTURES_DIR = Path(__file__).parent / "fixtures"
ARTIFACTS_DIR = Path(__file__).parent / "artifacts"


@pytest.fixture
def seed_path():
    """The reference post, shipped with the project as demo content."""
    return SEED_PATH


@pytest.fixture
def corpus_dir():
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"the real-post corpus is not here ({CORPUS_DIR}); CI lays ../shared beside the checkout")
    return CORPUS_DIR


@pytest.fixture
def reference_dir():
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"the reference API payloads are not here ({REFERENCE_DIR})")
    return REFERENCE_DIR


@pytest.fixture
def artifacts_dir():
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture
def storm_server():
    """A local platform answering each request in its own thread, so a request left hanging by a timeout
    does not hold up the client's next try (pytest-httpserver's shared server answers one at a time)."""
    server = HTTPServer(threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """The embedded default's database, migrated from nothing once per run by a real `manage.py migrate`
    (it takes seconds on SQLite); tests take copies of it with `migrated_sqlite`."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env.update(DATABASE_URL=f"sqlite:///{path}", DJANGO_SETTINGS_MODULE="hotpapers_site.settings.local")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def migrated_sqlite(sqlite_template, tmp_path):
    """A fresh SQLite file of this test's own with every migration applied."""
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return path
