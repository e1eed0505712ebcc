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
    admin_client, admin_user, arxiv_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(INGEST_URL, {"ids": "https://arxiv.org/abs/hep-th/9711200v3\nmath/0211159"})
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert "Queued 2 papers" in str(list(get_messages(response.wsgi_request))[0])
    run = IngestRun.objects.get()
    assert (run.status, run.created, run.requested_by) == (IngestRun.Status.SUCCEEDED, 5, admin_user)
    assert run.parameters["ids"] == ["hep-th/9711200v3", "math/0211159"]


def test_the_editor_who_asked_is_told_the_outcome_once(admin_client, admin_user, django_user_model):
    IngestRun.objects.create(
        kind=IngestRun.Kind.IDS,
        status=IngestRun.Status.SUCCEEDED,
        parameters={"ids": ["2201.04182"]},
        created=1,
        requested_by=admin_user,
    )
    IngestRun.objects.create(kind=IngestRun.Kind.IDS, status=IngestRun.Status.RUNNING, requested_by=admin_user)
    someone_else = django_user_model.objects.create_user("other", is_staff=True)
    IngestRun.objects.create(kind=IngestRun.Kind.IDS, status=IngestRun.Status.FAILED, requested_by=someone_else)

    def shown():
        response = admin_client.get(reverse("admin:papers_ingestrun_changelist"))
        return [str(message) for message in get_messages(response.wsgi_request)]

    assert shown() == ["Ingested 1 id (2201.04182): 1 created, 0 updated, 0 unchanged, 0 failed."]
    assert shown() == []


def test_a_failed_run_is_announced_with_its_error(admin_client, admin_user):
    IngestRun.objects.create(
        kind=IngestRun.Kind.IDS,
        status=IngestRun.Status.FAILED,
        parameters={"ids": ["2201.04182"]},
        error="ArxivUnavailable: arXiv gave no usable answer",
        requested_by=admin_user,
    )
    response = admin_client.get(reverse("admin:papers_ingestrun_changelist"))
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and "arXiv gave no usable answer" in str(message)


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


def test_the_run_list_says_which_requests_failed_and_were_retried(admin_client):
    IngestRun.objects.create(kind=IngestRun.Kind.CATEGORY, status="succeeded", retries={"timeout": 2, "HTTP 503": 3})
    IngestRun.objects.create(kind=IngestRun.Kind.IDS, status="succeeded")

    html = admin_client.get(reverse("admin:papers_ingestrun_changelist")).content.decode()

    assert "failed requests (retried)" in html.lower() and "3 × HTTP 503, 2 × timeout" in html


# Transactional, so the job's on_commit runs where it would in production: as the action's block commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_arxiv_down_in_the_embedded_default_is_recorded_not_a_crash(admin_client, httpserver, settings):
    settings.ARXIV_API_URL = httpserver.url_for("/api/query")
    settings.ARXIV_MAX_RETRIES = 0
    httpserver.expect_request("/api/query").respond_with_data("down", status=503)
    paper = PaperFactory(arxiv_id="2201.04182")
    response = admin_client.post(
        reverse("admin:papers_paper_changelist"), {"action": "refresh_from_arxiv", "_selected_action": [paper.pk]}
    )
    assert response.status_code == 302
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED
