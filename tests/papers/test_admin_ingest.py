"""Editors start arXiv ingestion from the admin and read every run's record there."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from papers.models import IngestRun, Paper
from tests.conftest import FIXTURES_DIR
from tests.papers.factories import PaperFactory

pytestmark = pytest.mark.django_db
INGEST_URL = "/admin/papers/ingestrun/ingest/"


@pytest.fixture
def arxiv_api(httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    httpserver.expect_request("/api/query").respond_with_data(
        (FIXTURES_DIR / "arxiv" / "api_id_list_classic.xml").read_bytes()
    )
    return httpserver


def test_the_ingest_page_is_linked_from_the_run_list(admin_client):
    assert INGEST_URL in admin_client.get(reverse("admin:papers_ingestrun_changelist")).content.decode()
    page = admin_client.get(INGEST_URL)
    assert page.status_code == 200 and "arXiv ids or URLs" in page.content.decode()


def test_pasted_ids_and_urls_are_queued_on_commit_and_ingested(
    admin_client, arxiv_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(INGEST_URL, {"ids": "https://arxiv.org/abs/hep-th/9711200v3\nmath/0211159"})
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert "Queued 2 papers" in str(list(get_messages(response.wsgi_request))[0])
    run = IngestRun.objects.get()
    assert (run.status, run.created, run.parameters["ids"]) == (
        IngestRun.Status.SUCCEEDED,
        5,
        ["hep-th/9711200v3", "math/0211159"],
    )


def test_invalid_ids_are_named_and_nothing_is_queued(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(INGEST_URL, {"ids": "2201.04182, 2201.0418x, hello"})
    assert response.status_code == 200
    assert "2201.0418x" in response.content.decode() and "hello" in response.content.decode()
    assert callbacks == [] and not IngestRun.objects.exists()


def test_editors_without_paper_rights_cannot_ingest(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("viewer", password="x", is_staff=True))
    assert client.get(INGEST_URL).status_code == 403


def test_the_refresh_action_queues_the_selected_papers(admin_client, arxiv_api, django_capture_on_commit_callbacks):
    paper = PaperFactory(arxiv_id="hep-th/9711200", version=1, title="Old title")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:papers_paper_changelist"),
            {"action": "refresh_from_arxiv", "_selected_action": [paper.pk]},
        )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.version == 3 and paper.title != "Old title"
    assert Paper.objects.count() == 5


def test_runs_are_listed_with_their_counts_and_filters(admin_client):
    IngestRun.objects.create(kind=IngestRun.Kind.OAI, status=IngestRun.Status.FAILED, created=7, error="HTTP 503")
    page = admin_client.get(reverse("admin:papers_ingestrun_changelist"), {"status__exact": "failed"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "7 / 0 / 0 / 0" in html and "OAI-PMH harvest" in html
