"""Editors upload dump files of posts in the admin: checked at once, imported by a task, told how it went."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from papers.models import PostCollectionRun, PostDump, Tweet
from papers.sources.dumps import UPLOAD_MAX_BYTES
from tests.papers.factories import PaperFactory
from tests.papers.posts_support import SEED_PAPERS, fixture_bytes
from tests.processes import private_redis_server

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:papers_tweet_upload")
POSTS = reverse("admin:papers_tweet_changelist")
Status = PostCollectionRun.Status
TWARC_FIRST_LINE = fixture_bytes("x", "twarc_search.jsonl").splitlines(keepends=True)[0]


@pytest.fixture(autouse=True)
def oembed(httpserver, settings):
    # X posts new to the database get their oEmbed fetched after an import: from here, never the network.
    settings.OEMBED_URL = httpserver.url_for("/oembed")
    httpserver.expect_request("/oembed").respond_with_data(
        fixture_bytes("oembed", "not_found.json"), status=404, content_type="application/json"
    )


@pytest.fixture
def seed_papers():
    return [PaperFactory(arxiv_id=arxiv_id) for arxiv_id in SEED_PAPERS]


def dump(name, data):
    return SimpleUploadedFile(name, data, content_type="application/json")


def shown(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def nothing_written():
    return not (PostCollectionRun.objects.exists() or PostDump.objects.exists() or Tweet.objects.exists())


def test_the_upload_page_is_linked_beside_adding_a_post_by_hand(admin_client):
    content = admin_client.get(POSTS).content.decode()

    assert f'<a href="{UPLOAD}" class="addlink">Upload a dump of posts</a>' in content
    assert reverse("admin:papers_tweet_add") in content
    assert admin_client.get(reverse("admin:papers_tweet_add")).status_code == 200
    page = admin_client.get(UPLOAD)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode() and "25 MB" in page.content.decode()


@pytest.mark.parametrize(
    ("folder", "name", "source", "created"),
    [("x", "twarc_search.jsonl", "x", 5), ("hackernews", "search_page0.json", "hackernews", 2)],
)
def test_an_uploaded_dump_is_queued_on_commit_imported_and_announced_once(
    admin_client, admin_user, seed_papers, django_capture_on_commit_callbacks, folder, name, source, created
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(UPLOAD, {"file": dump(name, fixture_bytes(folder, name))})

    assert response.status_code == 302 and response.url == POSTS
    assert callbacks[0].args[0].name == "papers.tasks.import_post_dump"
    run = PostCollectionRun.objects.get(kind=PostCollectionRun.Kind.DUMP)
    assert (run.source, run.status, run.query, run.requested_by) == (source, Status.SUCCEEDED, name, admin_user)
    assert Tweet.objects.filter(learned_via=Tweet.LearnedVia.DUMP).count() == created
    assert not PostDump.objects.exists()  # the bytes are let go once stored

    queued, told = shown(admin_client.get(POSTS))
    assert queued == f"Queued {name} for import; this list says how it went once it is done."
    assert told.startswith(f"Imported {name}: {created} new, 0 updated, 0 unchanged")
    assert shown(admin_client.get(POSTS)) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{nope", "bad.json: line 1: not JSON"),
        (b'{"hits": "not a list"}', "bad.json: not a known shape"),
        (b"", "The submitted file is empty."),
        (TWARC_FIRST_LINE + b'{"hits": "not a list"}\n', "bad.json: line 2: not a known shape"),
    ],
    ids=["not-json", "unknown-shape", "empty", "bad-record"],
)
def test_a_bad_file_is_refused_on_the_form_naming_the_record_and_nothing_is_written(
    admin_client, django_capture_on_commit_callbacks, data, message
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(UPLOAD, {"file": dump("bad.json", data)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert callbacks == [] and nothing_written()


def test_a_file_too_big_is_refused_before_it_is_stored(admin_client, django_capture_on_commit_callbacks):
    data = b'{"hits": []}' + b" " * UPLOAD_MAX_BYTES

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(UPLOAD, {"file": dump("huge.json", data)})

    assert response.status_code == 200
    assert response.wsgi_request.upload_refused["name"] == "huge.json"
    assert "huge.json: the file is more than the 25 MB an uploaded dump may have" in response.content.decode()
    assert not response.wsgi_request.FILES  # never stored, not even in a temporary file
    assert callbacks == [] and nothing_written()


def test_an_upload_without_its_csrf_token_is_refused(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post(UPLOAD, {"file": dump("hn.json", fixture_bytes("hackernews", "search_page0.json"))})

    assert response.status_code == 403
    assert nothing_written()


def test_the_upload_works_with_its_csrf_token(admin_user, seed_papers):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    token = client.get(UPLOAD).cookies["csrftoken"].value

    response = client.post(
        UPLOAD,
        {"csrfmiddlewaretoken": token, "file": dump("hn.json", fixture_bytes("hackernews", "search_page0.json"))},
    )

    assert response.status_code == 302
    assert PostCollectionRun.objects.get().query == "hn.json"


@pytest.mark.parametrize(
    ("codenames", "allowed"),
    [
        (["view_tweet"], False),
        (["view_tweet", "add_tweet"], False),
        (["view_tweet", "add_tweet", "change_tweet"], True),
    ],
)
def test_only_editors_who_may_add_and_change_posts_upload(client, django_user_model, codenames, allowed):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="papers", codename__in=codenames))
    client.force_login(editor)

    assert client.get(UPLOAD).status_code == (200 if allowed else 403)
    assert (UPLOAD in client.get(POSTS).content.decode()) is allowed
    response = client.post(UPLOAD, {"file": dump("hn.json", fixture_bytes("hackernews", "search_page0.json"))})
    assert response.status_code == (302 if allowed else 403)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(UPLOAD)

    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_failed_import_is_announced_with_its_error(admin_client, admin_user, django_user_model):
    PostCollectionRun.objects.create(
        kind=PostCollectionRun.Kind.DUMP,
        query="hn.json",
        status=Status.FAILED,
        error="OperationalError: the database went away",
        requested_by=admin_user,
    )
    PostCollectionRun.objects.create(kind=PostCollectionRun.Kind.DUMP, status=Status.QUEUED, requested_by=admin_user)
    someone_else = django_user_model.objects.create_user("other", is_staff=True)
    PostCollectionRun.objects.create(kind=PostCollectionRun.Kind.DUMP, status=Status.FAILED, requested_by=someone_else)

    response = admin_client.get(POSTS)

    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert str(message) == "Importing hn.json failed: OperationalError: the database went away"
    assert shown(admin_client.get(POSTS)) == []


def test_an_import_whose_papers_are_fetched_from_arxiv_says_so(admin_client, admin_user):
    PostCollectionRun.objects.create(
        kind=PostCollectionRun.Kind.DUMP,
        query="search.jsonl",
        status=Status.SUCCEEDED,
        pages=2,
        created=5,
        skipped=1,
        missing_arxiv_ids=["2201.04182", "2201.04600"],
        requested_by=admin_user,
    )

    assert shown(admin_client.get(POSTS)) == [
        "Imported search.jsonl: 5 new, 0 updated, 0 unchanged, 1 skipped (2 pages); "
        "2 linked papers not here yet, fetched from arXiv."
    ]


@pytest.fixture
def broker_down(tmp_path, monkeypatch):
    from hotpapers_site.celery import app

    for server in private_redis_server(tmp_path):
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        monkeypatch.setitem(app.conf, "broker_url", server.url())
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)
        server.stop()
        yield


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_the_editor_is_told_and_nothing_is_imported(admin_client, broker_down):
    response = admin_client.post(
        UPLOAD, {"file": dump("hn.json", fixture_bytes("hackernews", "search_page0.json"))}, follow=True
    )

    assert response.status_code == 200
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith("The task queue (Redis) is not answering, so nothing was queued.")
    assert message.endswith("Nothing was imported: upload the file again once the queue is back.")
    assert nothing_written()  # not even the file, kept for a job that could not be sent
