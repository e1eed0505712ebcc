"""Markdown posts uploaded in the admin: validation, the on-commit task, the import's outcome."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from digests.models import DailyDigest, MarkdownImport
from digests.services import uploads
from digests.services.uploads import MAX_UPLOAD_BYTES, markdown_import_run, markdown_imports_create
from digests.tasks import import_markdown_post, queue_markdown_imports
from tests.admin_utils import fields_without_help_text

SEED_SLUG = "hot-papers-2022-01-13"
IMPORT_URL = "admin:digests_markdownimport_import"
CHANGELIST_URL = "admin:digests_markdownimport_changelist"


def md_file(name, data, content_type="text/markdown"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def seed_upload(seed_path):
    return md_file(seed_path.name, seed_path.read_bytes())


@pytest.fixture
def broken_seed(seed_path):
    """The seed with its first metrics line garbled, and that line's number."""
    lines = seed_path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, start=1) if line.startswith("- retweets:"))
    lines[number - 1] = "- retweets: lots, favorites: many (sometime)\n"
    return "".join(lines).encode("utf-8"), number


def queued_import(text, filename="hot-papers-2022-01-13.md"):
    return MarkdownImport.objects.create(filename=filename, content=text)


# Validation: nothing is written, nothing is queued, every problem is named.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (md_file("post.md", b"---\ntitle: caf\xe9\n---\n"), r"^post\.md, line 2: .*not UTF-8"),
        (md_file("post.md", "---\n".encode("utf-16")), r"^post\.md, line 1: .*UTF-16"),
        (md_file("post.txt", b"# 1. A paper\n", "text/plain"), r"^post\.txt: only \.md files can be imported\.$"),
        (md_file("post.md", b""), r"^post\.md: .*empty"),
        (md_file("post.md", b" \n\n\t\n"), r"^post\.md: .*empty"),
        (md_file("post.md", b"---\n# 1. A\x00paper\n"), r"^post\.md, line 2: .*binary"),
        (md_file("post.md", b"---\r\ntitle: x\r\n"), r"^post\.md, line 1: .*line endings"),
        (md_file("post.md", b"a" * (MAX_UPLOAD_BYTES + 1)), r"^post\.md: larger than 2 MB\.$"),
    ],
    ids=["not-utf8", "utf16", "extension", "empty", "blank", "nul", "crlf", "too-large"],
)
def test_an_invalid_upload_is_rejected_before_anything_is_written(upload, expected, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as excinfo:
        markdown_imports_create(files=[upload], user=None)

    (message,) = excinfo.value.messages
    assert re.search(expected, message), message
    assert callbacks == []
    assert not MarkdownImport.objects.exists()


@pytest.mark.django_db
def test_one_bad_file_rejects_the_whole_upload_and_lists_every_problem(seed_upload):
    files = [seed_upload, md_file("notes.txt", b"hello"), md_file("empty.md", b"")]

    with pytest.raises(ValidationError) as excinfo:
        markdown_imports_create(files=files, user=None)

    notes, empty = excinfo.value.messages
    assert notes == "notes.txt: only .md files can be imported."
    assert empty.startswith("empty.md: ") and "empty" in empty.removeprefix("empty.md: ")
    assert not MarkdownImport.objects.exists()


@pytest.mark.django_db
def test_an_upload_without_files_is_rejected():
    with pytest.raises(ValidationError, match="Choose at least one .md file"):
        markdown_imports_create(files=[], user=None)


@pytest.mark.django_db
def test_a_path_in_the_upload_name_is_dropped_and_a_byte_order_mark_ignored():
    upload = md_file("C:\\Users\\ed\\Post.MD", b"\xef\xbb\xbf---\ntitle: x\n---\n")

    (markdown_import,) = markdown_imports_create(files=[upload], user=None)

    assert markdown_import.filename == "Post.MD"
    assert markdown_import.content == "---\ntitle: x\n---\n"


# Enqueueing: the service stores the rows and sends nothing; the face sends the tasks once the rows are committed.


@pytest.mark.django_db
def test_creating_imports_sends_no_task_by_itself(seed_upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        (markdown_import,) = markdown_imports_create(files=[seed_upload], user=None)

    assert callbacks == []
    assert MarkdownImport.objects.get().status == MarkdownImport.Status.QUEUED


@pytest.mark.django_db
def test_the_import_task_is_sent_only_when_the_transaction_commits(
    seed_upload, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        (markdown_import,) = markdown_imports_create(files=[seed_upload], user=admin_user)
        queue_markdown_imports(import_ids=[markdown_import.pk])
        markdown_import.refresh_from_db()
        assert markdown_import.status == MarkdownImport.Status.QUEUED
        assert markdown_import.created_by == admin_user

    assert len(callbacks) == 1
    assert not DailyDigest.objects.exists()

    callbacks[0]()  # the commit: the eager task runs

    markdown_import.refresh_from_db()
    assert markdown_import.status == MarkdownImport.Status.DONE
    assert markdown_import.digest.slug == SEED_SLUG


@pytest.mark.django_db
def test_each_uploaded_file_gets_its_own_import_and_task(seed_upload, broken_seed, django_capture_on_commit_callbacks):
    data, _ = broken_seed
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        imports = markdown_imports_create(files=[seed_upload, md_file("broken.md", data)], user=None)
        queue_markdown_imports(import_ids=[i.pk for i in imports])

    assert len(callbacks) == 2
    statuses = dict(MarkdownImport.objects.values_list("filename", "status"))
    assert statuses == {seed_upload.name: "done", "broken.md": "failed"}
    assert [i.filename for i in imports] == [seed_upload.name, "broken.md"]


# Running an import.


@pytest.mark.django_db
def test_importing_the_seed_creates_its_published_digest(seed_path):
    markdown_import = queued_import(seed_path.read_text(encoding="utf-8"))

    import_markdown_post(markdown_import.pk)

    markdown_import.refresh_from_db()
    digest = DailyDigest.objects.get(slug=SEED_SLUG)
    assert markdown_import.status == MarkdownImport.Status.DONE
    assert markdown_import.digest == digest
    assert markdown_import.finished_at is not None
    assert markdown_import.message == f"Imported {SEED_SLUG} (8 papers, published)."
    assert digest.entries.count() == 8


@pytest.mark.django_db
def test_a_bad_file_fails_with_a_message_naming_its_line(broken_seed):
    data, line = broken_seed
    markdown_import = queued_import(data.decode("utf-8"), filename="hot-papers-x.md")

    import_markdown_post(markdown_import.pk)

    markdown_import.refresh_from_db()
    assert markdown_import.status == MarkdownImport.Status.FAILED
    assert markdown_import.message.startswith(f"hot-papers-x.md, line {line}:")
    assert markdown_import.digest is None
    assert markdown_import.finished_at is not None
    assert not DailyDigest.objects.exists()  # nothing half-imported


@pytest.mark.django_db
def test_running_the_same_import_twice_changes_nothing(seed_path):
    markdown_import = queued_import(seed_path.read_text(encoding="utf-8"))
    markdown_import_run(import_id=markdown_import.pk)
    first = MarkdownImport.objects.values().get(pk=markdown_import.pk)
    digest_before = DailyDigest.objects.values().get(slug=SEED_SLUG)

    markdown_import_run(import_id=markdown_import.pk)

    assert MarkdownImport.objects.values().get(pk=markdown_import.pk) == first
    assert DailyDigest.objects.values().get(slug=SEED_SLUG) == digest_before
    assert DailyDigest.objects.get(slug=SEED_SLUG).entries.count() == 8


@pytest.mark.django_db
def test_a_failed_import_can_be_run_again(seed_path, broken_seed):
    data, _ = broken_seed
    markdown_import = queued_import(data.decode("utf-8"))
    markdown_import_run(import_id=markdown_import.pk)
    assert MarkdownImport.objects.get(pk=markdown_import.pk).status == MarkdownImport.Status.FAILED

    MarkdownImport.objects.filter(pk=markdown_import.pk).update(content=seed_path.read_text(encoding="utf-8"))
    markdown_import_run(import_id=markdown_import.pk)

    markdown_import.refresh_from_db()
    assert markdown_import.status == MarkdownImport.Status.DONE
    assert markdown_import.digest.slug == SEED_SLUG


@pytest.mark.django_db
def test_an_unexpected_error_marks_the_import_failed_and_is_raised(seed_path, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(uploads, "digest_import_text", explode)
    markdown_import = queued_import(seed_path.read_text(encoding="utf-8"))

    with pytest.raises(RuntimeError):
        import_markdown_post(markdown_import.pk)

    markdown_import.refresh_from_db()
    assert markdown_import.status == MarkdownImport.Status.FAILED
    assert "RuntimeError: disk on fire" in markdown_import.message


@pytest.mark.django_db
def test_an_import_deleted_before_its_task_ran_is_skipped():
    assert import_markdown_post(123456789) is None


@pytest.mark.django_db
def test_retrying_queues_failed_and_stuck_imports_again_but_not_done_ones(
    seed_path, broken_seed, django_capture_on_commit_callbacks
):
    seed = seed_path.read_text(encoding="utf-8")
    done = queued_import(seed)
    markdown_import_run(import_id=done.pk)
    failed = queued_import(broken_seed[0].decode("utf-8"), filename="broken.md")
    markdown_import_run(import_id=failed.pk)
    stuck = queued_import(seed, filename="stuck.md")  # its task was never sent
    MarkdownImport.objects.filter(pk=failed.pk).update(content=seed)  # the editor fixed the file
    done_before = MarkdownImport.objects.values().get(pk=done.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        requeued = uploads.markdown_imports_requeue(imports=[done, failed, stuck])
        assert sorted(requeued) == sorted([failed.pk, stuck.pk])
        queue_markdown_imports(import_ids=requeued)

    assert len(callbacks) == 2
    assert MarkdownImport.objects.values().get(pk=done.pk) == done_before
    assert set(MarkdownImport.objects.values_list("status", flat=True)) == {"done"}
    assert DailyDigest.objects.count() == 1


# The admin page.


@pytest.mark.django_db
def test_the_import_page_offers_a_multiple_md_file_input(admin_client):
    response = admin_client.get(reverse(IMPORT_URL))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="file" name="files" accept=".md"' in html
    assert " multiple" in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.django_db
def test_the_import_page_needs_the_rights_to_add_imports_and_write_digests(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(editor)
    assert client.get(reverse(IMPORT_URL)).status_code == 403

    editor.user_permissions.add(Permission.objects.get(codename="add_markdownimport"))
    assert client.get(reverse(IMPORT_URL)).status_code == 403  # an import may publish or rewrite digests

    editor.user_permissions.add(*Permission.objects.filter(codename__in=["add_dailydigest", "change_dailydigest"]))
    assert client.get(reverse(IMPORT_URL)).status_code == 200


@pytest.mark.django_db
def test_the_import_page_is_for_staff_only(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))

    response = client.get(reverse(IMPORT_URL))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_the_changelist_links_to_the_import_page_and_add_leads_there(admin_client):
    response = admin_client.get(reverse(CHANGELIST_URL))

    assert response.status_code == 200
    assert f'href="{reverse(IMPORT_URL)}"' in response.content.decode()
    assert "Import Markdown posts" in response.content.decode()
    assert admin_client.get(reverse("admin:digests_markdownimport_add")).url == reverse(IMPORT_URL)


@pytest.mark.django_db
def test_an_invalid_upload_shows_the_problem_on_the_form(admin_client):
    response = admin_client.post(reverse(IMPORT_URL), {"files": [md_file("notes.txt", b"hello", "text/plain")]})

    assert response.status_code == 200
    assert "notes.txt: only .md files can be imported." in response.content.decode()
    assert not MarkdownImport.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_uploading_the_seed_in_the_admin_imports_it_and_reports_the_outcome(admin_client, seed_upload, broken_seed):
    # transaction=True: the upload really commits, so the eager task runs inside the request.
    # serialized_rollback, as every transactional test here: the flush afterwards would otherwise
    # wipe the rows data migrations made, and recreate content types the next restore collides with.
    data, line = broken_seed

    response = admin_client.post(
        reverse(IMPORT_URL), {"files": [seed_upload, md_file("hot-papers-x.md", data)]}, follow=True
    )

    assert response.redirect_chain == [(reverse(CHANGELIST_URL), 302)]
    notes = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    assert notes[:2] == [
        ("success", "Queued 2 files."),
        ("success", f"{seed_upload.name}: Imported {SEED_SLUG} (8 papers, published)."),
    ]
    assert notes[2][0] == "error" and notes[2][1].startswith(f"hot-papers-x.md, line {line}:")
    assert len(notes) == 3
    digest = DailyDigest.objects.get(slug=SEED_SLUG)
    assert digest.entries.count() == 8
    done = MarkdownImport.objects.get(filename=seed_upload.name)
    assert (done.status, done.digest, done.created_by.username) == ("done", digest, "admin")
    html = response.content.decode()
    assert SEED_SLUG in html and "Done" in html and "Failed" in html


@pytest.mark.django_db
def test_every_field_an_editor_sees_on_an_import_explains_itself(rf, admin_user):
    model_admin = admin.site.get_model_admin(MarkdownImport)
    request = rf.get("/")
    request.user = admin_user

    assert fields_without_help_text(model_admin, request, queued_import("x")) == []


@pytest.mark.django_db
def test_the_import_again_action_reports_what_it_queued(admin_client, seed_path, broken_seed):
    done = queued_import(seed_path.read_text(encoding="utf-8"))
    markdown_import_run(import_id=done.pk)
    failed = queued_import(broken_seed[0].decode("utf-8"), filename="broken.md")
    markdown_import_run(import_id=failed.pk)

    response = admin_client.post(
        reverse(CHANGELIST_URL),
        {"action": "import_again", "_selected_action": [done.pk, failed.pk]},
        follow=True,
    )

    notes = [m.message for m in get_messages(response.wsgi_request)]
    assert notes == ["Queued 1 file again (1 already done, left alone)."]
    assert MarkdownImport.objects.get(pk=failed.pk).status == MarkdownImport.Status.QUEUED  # sent on commit


@pytest.mark.django_db
def test_an_editor_who_may_upload_but_not_view_imports_comes_back_to_the_upload_page(
    client, django_user_model, seed_upload
):
    editor = django_user_model.objects.create_user("uploader", password="pw", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_markdownimport", "add_dailydigest", "change_dailydigest"])
    )
    client.force_login(editor)

    response = client.post(reverse(IMPORT_URL), {"files": [seed_upload]})

    assert response.status_code == 302
    assert response.url == reverse(IMPORT_URL)
    assert MarkdownImport.objects.get().created_by == editor
