import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from digests.management.posts import describe_report, import_post_paths

EDITOR_USERNAME = "editor"


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
        "and a superuser 'editor' whose random password is kept in var/editor-password.txt. "
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
        password_file, created = self._ensure_editor()
        state = "created" if created else "exists"
        self.stdout.write(f"Superuser '{EDITOR_USERNAME}' {state}; its password is in {password_file}")

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
