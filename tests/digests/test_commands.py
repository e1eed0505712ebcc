"""import_digest, export_digest and load_demo as people run them: output, files written, exit codes."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections

from digests.models import DailyDigest
from tests.digests.post_samples import SEED_BYTES, SEED_SLUG, make_entry, make_post, post_bytes, seed_with

pytestmark = pytest.mark.django_db

RECORDED_SLUG = "hot-papers-2022-01-14"
OTHER_POST = make_post("2022-02-01", entries=[make_entry(1, "2202.00001")])


def _run(*argv, monkeypatch):
    """Run a command as manage.py does, returning its exit code (0 when it returns normally)."""
    # run_from_argv closes every connection when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    try:
        execute_from_command_line(["manage.py", *argv])
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.fixture
def posts_dir(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "hot-papers-2022-01-13.md").write_bytes(SEED_BYTES)
    (folder / "hot-papers-2022-02-01.md").write_bytes(post_bytes(OTHER_POST))
    (folder / "notes.txt").write_text("not a post")
    return folder


def test_import_digest_imports_files_and_folders_with_a_line_per_file_and_a_summary(posts_dir, tmp_path):
    single = tmp_path / "single.md"
    single.write_bytes(post_bytes(make_post("2022-03-01")))
    out = io.StringIO()

    call_command("import_digest", str(posts_dir), str(single), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        "hot-papers-2022-01-13.md: created hot-papers-2022-01-13 (8 entries, 8 new papers, 11 new tweets)",
        "hot-papers-2022-02-01.md: created hot-papers-2022-02-01 (1 entry, 1 new paper, 0 new tweets)",
        "single.md: created hot-papers-2022-03-01 (0 entries, 0 new papers, 0 new tweets)",
        "3 files: 3 digests created, 0 updated, 0 unchanged, 0 failed; 9 new papers, 11 new tweets",
    ]
    assert DailyDigest.objects.count() == 3


def test_import_digest_run_twice_changes_nothing_the_second_time(posts_dir):
    call_command("import_digest", str(posts_dir), stdout=io.StringIO())
    out = io.StringIO()

    call_command("import_digest", str(posts_dir), stdout=out)

    assert out.getvalue().splitlines()[-1].startswith("2 files: 0 digests created, 0 updated, 2 unchanged, 0 failed")


def test_import_digest_exits_non_zero_naming_the_file_and_line_and_still_imports_the_good_files(
    posts_dir, monkeypatch, capsys
):
    (posts_dir / "hot-papers-2022-01-12.md").write_text(seed_with("draft: false", "draft: no"), encoding="utf-8")

    code = _run("import_digest", str(posts_dir), monkeypatch=monkeypatch)

    captured = capsys.readouterr()
    assert code == 1
    assert "FAILED hot-papers-2022-01-12.md, line 5: 'draft:' must be true or false" in captured.out
    assert "CommandError: 1 of 3 files failed:\nhot-papers-2022-01-12.md, line 5:" in captured.err
    assert set(DailyDigest.objects.values_list("slug", flat=True)) == {SEED_SLUG, OTHER_POST.slug}


def test_import_digest_reports_a_path_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("import_digest", str(tmp_path / "missing.md"), verbosity=0)


def test_import_digest_needs_at_least_one_path():
    with pytest.raises(CommandError, match="the following arguments are required: PATH"):
        call_command("import_digest")


@pytest.mark.parametrize(
    ("command", "words"), [("import_digest", ["PATH"]), ("export_digest", ["SLUG_OR_DATE", "--all"])]
)
def test_the_commands_explain_themselves_with_help(command, words, monkeypatch, capsys):
    assert _run(command, "--help", monkeypatch=monkeypatch) == 0

    help_text = capsys.readouterr().out
    for word in ["usage:", *words]:
        assert word in help_text


@pytest.mark.parametrize("which", [SEED_SLUG, "2022-01-13"])
def test_export_digest_writes_the_digest_by_slug_or_date_to_stdout(which):
    call_command("import_digest", str(_seed_file()), verbosity=0)
    out = io.StringIO()

    call_command("export_digest", which, stdout=out)

    assert out.getvalue().encode("utf-8") == SEED_BYTES


def test_export_digest_output_writes_the_file(tmp_path):
    call_command("import_digest", str(_seed_file()), verbosity=0)

    call_command("export_digest", SEED_SLUG, "--output", str(tmp_path / "out.md"), stderr=io.StringIO())

    assert (tmp_path / "out.md").read_bytes() == SEED_BYTES


def test_export_digest_all_writes_every_digest_into_the_folder(posts_dir, tmp_path):
    call_command("import_digest", str(posts_dir), verbosity=0)
    err = io.StringIO()

    call_command("export_digest", "--all", "--output", str(tmp_path / "export"), stderr=err)

    assert sorted(path.name for path in (tmp_path / "export").iterdir()) == [
        "hot-papers-2022-01-13.md",
        "hot-papers-2022-02-01.md",
    ]
    assert (tmp_path / "export" / "hot-papers-2022-01-13.md").read_bytes() == SEED_BYTES
    assert err.getvalue().strip() == f"Wrote 2 digests to {tmp_path / 'export'}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hot-papers-1999-01-01"], "no digest with slug 'hot-papers-1999-01-01'"),
        (["1999-01-01"], "no digest for 1999-01-01"),
        (["2022-13-45"], "'2022-13-45' is not a valid date (expected YYYY-MM-DD)"),
        (["--all"], "--all needs --output DIR"),
        ([SEED_SLUG, "--all", "--output", "x"], "give either SLUG_OR_DATE or --all, not both"),
        ([], "give the SLUG_OR_DATE of the digest to export, or --all --output DIR"),
    ],
)
def test_export_digest_refuses_bad_input_with_a_clear_message_and_exit_code(argv, message, monkeypatch, capsys):
    assert _run("export_digest", *argv, monkeypatch=monkeypatch) == 1
    assert f"CommandError: {message}" in capsys.readouterr().err


@pytest.fixture
def demo_settings(settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "2022-02-01---Hot-Papers.md").write_bytes(post_bytes(OTHER_POST))
    settings.HOTPAPERS_DEMO_CORPUS_DIR = corpus
    settings.HOTPAPERS_EDITOR_PASSWORD_FILE = tmp_path / "var" / "editor-password.txt"
    return settings


def test_load_demo_imports_the_seed_and_the_corpus_and_makes_the_editor_once(demo_settings):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    password_file = demo_settings.HOTPAPERS_EDITOR_PASSWORD_FILE
    password = password_file.read_text().strip()
    editor = get_user_model().objects.get(username="editor")

    call_command("load_demo", stdout=out)

    assert set(DailyDigest.objects.values_list("slug", flat=True)) == {SEED_SLUG, OTHER_POST.slug, RECORDED_SLUG}
    assert len(password) >= 20 and password_file.stat().st_mode & 0o777 == 0o600
    assert password_file.read_text().strip() == password
    again = get_user_model().objects.get(username="editor")
    assert (again.pk, again.is_superuser, again.is_staff) == (editor.pk, True, True)
    assert again.check_password(password)
    assert f"its password is in {password_file}" in out.getvalue()
    assert "1 file: 0 digests created, 0 updated, 1 unchanged, 0 failed" in out.getvalue().splitlines()[-3]
    assert "the digest of 2022-01-14 is there already (draft)" in out.getvalue().splitlines()[-2]


def test_load_demo_without_a_corpus_imports_only_the_seed(demo_settings, tmp_path):
    demo_settings.HOTPAPERS_DEMO_CORPUS_DIR = tmp_path / "nowhere"

    call_command("load_demo", stdout=io.StringIO())

    assert set(DailyDigest.objects.values_list("slug", flat=True)) == {SEED_SLUG, RECORDED_SLUG}


def test_load_demo_gives_the_editor_a_new_password_when_the_file_is_gone(demo_settings):
    call_command("load_demo", stdout=io.StringIO())
    demo_settings.HOTPAPERS_EDITOR_PASSWORD_FILE.unlink()

    call_command("load_demo", stdout=io.StringIO())

    password = demo_settings.HOTPAPERS_EDITOR_PASSWORD_FILE.read_text().strip()
    assert get_user_model().objects.get(username="editor").check_password(password)


def test_load_demo_imports_the_real_corpus_beside_the_project(corpus_dir, settings, tmp_path):
    settings.HOTPAPERS_EDITOR_PASSWORD_FILE = tmp_path / "editor-password.txt"
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert DailyDigest.objects.count() == 128  # the seed, the corpus and the recorded day
    assert f"{corpus_dir}: 126 files: 126 digests created" in out.getvalue()


def test_the_commands_work_from_the_shell_on_sqlite(migrated_sqlite, posts_dir, tmp_path):
    """A real process on the embedded default database: exit codes as a shell sees them."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hotpapers_site.settings.test",
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
    }

    def manage(*argv):
        return subprocess.run(
            [sys.executable, "manage.py", *argv], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
        )

    (posts_dir / "broken.md").write_text(seed_with("# 2. Deep", "# 7. Deep"), encoding="utf-8")
    failed = manage("import_digest", str(posts_dir))
    assert failed.returncode == 1
    assert "broken.md, line 38: entry rank 7 is out of sequence (expected 2)" in failed.stderr
    (posts_dir / "broken.md").unlink()
    assert manage("import_digest", str(posts_dir)).returncode == 0
    exported = manage("export_digest", "2022-01-13", "--output", str(tmp_path / "seed.md"))
    assert exported.returncode == 0
    assert (tmp_path / "seed.md").read_bytes() == SEED_BYTES


def _seed_file():
    return settings.BASE_DIR / "digests" / "demo" / "hot-papers-2022-01-13.md"
