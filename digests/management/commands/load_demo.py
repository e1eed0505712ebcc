import datetime as dt
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from digests.management.builds import describe_build
from digests.management.posts import describe_report, import_post_paths
from digests.models import DailyDigest
from digests.services.building import digests_build
from papers.services.arxiv_ingest import papers_ingest_file
from papers.services.posts_dumps import posts_import_dump

EDITOR_USERNAME = "editor"
# The recorded day (digests/demo/recorded/README.md): an arXiv answer and an X dump, and the time its
# counters were read, which the draft is built as of (so the demo ranks the same way on any day).
RECORDED_DAY = dt.date(2022, 1, 14)
RECORDED_FEED = "arxiv-2022-01-14.xml"
RECORDED_POSTS = "x-posts-2022-01-14.json"
RECORDED_AS_OF = dt.datetime(2022, 1, 17, 18, 49, 38, tzinfo=dt.UTC)


def _demo_dir():
    return Path(settings.BASE_DIR) / "digests" / "demo"


def _corpus_dir():
    default = Path(settings.BASE_DIR).parent / "shared" / "corpus" / "posts"
    return Path(getattr(settings, "HOTPAPERS_DEMO_CORPUS_DIR", default))


def _password_file():
    default = Path(settings.BASE_DIR) / "var" / "editor-password.txt"
    return Path(getattr(settings, "HOTPAPERS_EDITOR_PASSWORD_FILE", default))


class Command(BaseCommand):
    help = (
        "Load the demo content: the seed digest, the real-post corpus when ../shared/corpus/posts exists, "
        "a recorded day (an arXiv feed and a dump of posts with counters) and its draft digest built from "
        "the ranking, and a superuser 'editor' whose random password is kept in var/editor-password.txt. "
        "Safe to run again: nothing changes the second time."
    )

    def handle(self, *args, **options):
        for folder in (_demo_dir(), _corpus_dir()):
            if not folder.is_dir():
                continue
            report = import_post_paths([folder])
            self.stdout.write(f"{folder}: {describe_report(report)}")
            if not report.ok:
                raise CommandError("\n".join(str(error) for error in report.errors))
        self._load_recorded_day(_demo_dir() / "recorded")
        password_file, created = self._ensure_editor()
        state = "created" if created else "exists"
        self.stdout.write(f"Superuser '{EDITOR_USERNAME}' {state}; its password is in {password_file}")

    def _load_recorded_day(self, folder):
        """Ingest the recorded day as the jobs would (feed, then posts) and build its draft; once."""
        digest = DailyDigest.objects.filter(date=RECORDED_DAY).first()
        if digest is not None:
            self.stdout.write(
                f"{folder}: the digest of {RECORDED_DAY} is there already ({digest.get_status_display().lower()}); "
                "rebuild it with `manage.py build_digest --date 2022-01-14`"
            )
            return
        with transaction.atomic():
            run = papers_ingest_file(path=folder / RECORDED_FEED)
            posts = _store_recorded_posts(folder / RECORDED_POSTS)
            result = digests_build(day=RECORDED_DAY, as_of=RECORDED_AS_OF)
        self.stdout.write(f"{folder}: {run.created} new papers, {posts} posts. {describe_build(result)}")

    def _ensure_editor(self):
        """The editor's password lives in a file made once (never committed: var/ is ignored) and reused."""
        password_file = _password_file()
        password = password_file.read_text(encoding="utf-8").strip() if password_file.is_file() else ""
        new_password = not password
        if new_password:
            password = secrets.token_urlsafe(18)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            # Readable by its owner only, from the moment it exists.
            with os.fdopen(os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
                file.write(password + "\n")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=EDITOR_USERNAME,
            defaults={"email": "editor@example.com", "is_staff": True, "is_superuser": True},
        )
        if created or new_password:
            user.set_password(password)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
        return password_file, created


def _store_recorded_posts(path):
    """Store the dump's posts as an uploaded dump would be (counters, snapshots, links); returns how many."""
    run = posts_import_dump(data=path.read_bytes(), name=path.name)
    return run.created + run.updated + run.unchanged
