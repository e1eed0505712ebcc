"""A real Celery worker ingests arXiv papers from a local HTTP server into PostgreSQL."""

import pytest

from papers.models import IngestRun, Paper
from papers.tasks import ingest_arxiv_ids
from tests.conftest import FIXTURES_DIR
from tests.worker import log_tail, running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_real_worker_ingests_ids_from_the_arxiv_api(httpserver, tmp_path, monkeypatch):
    httpserver.expect_request("/api/query").respond_with_data(
        (FIXTURES_DIR / "arxiv" / "api_id_list_classic.xml").read_bytes()
    )
    log_path = tmp_path / "worker.log"
    env = {"ARXIV_API_URL": httpserver.url_for("/api/query"), "ARXIV_MIN_INTERVAL": "0"}
    with running_worker(log_path, env=env, monkeypatch=monkeypatch) as (queue, proc):
        ingest_arxiv_ids.apply_async(args=[["hep-th/9711200v3", "math/0211159"]], queue=queue)
        wait_for(
            lambda: IngestRun.objects.exclude(status=IngestRun.Status.RUNNING).exists(),
            proc=proc,
            log_path=log_path,
            what="the ingestion",
        )

    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.SUCCEEDED, (run.error, log_tail(log_path))
    assert run.created == 5
    assert Paper.objects.get(arxiv_id="hep-th/9711200").version == 3
    request, _response = httpserver.log[0]
    assert "hep-th/9711200v3" in request.args["id_list"]
    assert request.headers["User-Agent"].startswith("HotPapers/")
