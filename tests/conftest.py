"""Shared fixtures: where the real data lives, and a skip with a reason where it does not."""

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
