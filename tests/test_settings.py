"""Each settings module as it really starts: in a fresh process, from the environment alone.

The environment a developer or CI runs the suite with (DATABASE_URL, REDIS_URL, DJANGO_*) is
stripped first, so these tests see exactly the variables they set.
"""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SEED_SLUG = "hot-papers-2022-01-13"


@pytest.fixture(autouse=True)
def no_dotenv():
    # base.py honours a .env file, which would fill in what these tests leave out on purpose.
    if (BASE_DIR / ".env").exists():
        pytest.skip(f"{BASE_DIR / '.env'} exists and would change what these settings tests see")


def random_secret_key(length=60):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def clean_env(**variables):
    """The current environment minus every setting the project reads, plus `variables`."""
    ours = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_", "CONN_MAX_AGE", "PYTEST_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(variables)
    return env


def run(args, env, timeout=120):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage(*args, env):
    result = run(["manage.py", *args], env)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def settings_of(module, **variables):
    """A few settings as `module` computes them from `variables` alone."""
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'DEBUG': s.DEBUG, 'DATABASE': s.DATABASES['default'], 'CACHE': s.CACHES['default']['BACKEND'],"
        "'EAGER': s.CELERY_TASK_ALWAYS_EAGER, 'BROKER': s.CELERY_BROKER_URL,"
        "'SSL_REDIRECT': getattr(s, 'SECURE_SSL_REDIRECT', None)}, default=str))"
    )
    result = run(["-c", code], clean_env(DJANGO_SETTINGS_MODULE=module, **variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def production_env(**variables):
    defaults = {
        "DJANGO_SECRET_KEY": random_secret_key(),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "postgres://hotpapers@db.example.org:5432/hotpapers",
        "REDIS_URL": "redis://cache.example.org:6379/0",
    }
    return clean_env(DJANGO_SETTINGS_MODULE="hotpapers_site.settings.production", **{**defaults, **variables})


# Production.


def test_production_settings_pass_the_deploy_checks_with_no_findings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = run(["manage.py", "check", "--deploy"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set in production." in result.stderr


@pytest.mark.parametrize(
    "secret_key", ["too-short-" + "x" * 20, "django-insecure-" + random_secret_key()], ids=["short", "insecure"]
)
def test_production_refuses_a_weak_secret_key(secret_key):
    result = run(["manage.py", "check", "--deploy"], production_env(DJANGO_SECRET_KEY=secret_key))

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be a long random string" in result.stderr


@pytest.mark.parametrize("allowed_hosts", [None, ""], ids=["unset", "empty"])
def test_production_refuses_to_start_without_allowed_hosts(allowed_hosts):
    env = production_env()
    del env["DJANGO_ALLOWED_HOSTS"]
    if allowed_hosts is not None:
        env["DJANGO_ALLOWED_HOSTS"] = allowed_hosts

    result = run(["manage.py", "check", "--deploy"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("required", ["DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_its_database_or_redis(required):
    env = production_env()
    del env[required]

    result = run(["manage.py", "check", "--deploy"], env)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {required} must be set in production." in result.stderr


def test_production_keeps_database_connections_open_between_requests():
    env = {key: value for key, value in production_env().items() if key != "DJANGO_SETTINGS_MODULE"}
    database = settings_of("hotpapers_site.settings.production", **env)["DATABASE"]
    assert (database["ENGINE"], database["CONN_MAX_AGE"]) == ("django.db.backends.postgresql", 60)


def test_production_never_debugs_and_redirects_to_https_unless_told_not_to():
    module = "hotpapers_site.settings.production"
    env = {**production_env(), "DJANGO_DEBUG": "true"}
    del env["DJANGO_SETTINGS_MODULE"]

    assert settings_of(module, **env)["DEBUG"] is False
    assert settings_of(module, **env)["SSL_REDIRECT"] is True
    assert settings_of(module, **env, DJANGO_SECURE_SSL_REDIRECT="false")["SSL_REDIRECT"] is False


# The embedded default: nothing configured, nothing to run beside Django.


def test_with_nothing_set_the_site_uses_sqlite_under_var_a_local_cache_and_eager_tasks():
    local = settings_of("hotpapers_site.settings.local")

    assert local["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(local["DATABASE"]["NAME"]) == BASE_DIR / "var" / "hotpapers.sqlite3"
    assert local["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert local["EAGER"] is True
    assert local["BROKER"] == "memory://"
    assert local["DEBUG"] is True


def test_redis_url_makes_redis_the_cache_and_the_broker():
    local = settings_of("hotpapers_site.settings.local", REDIS_URL="redis://127.0.0.1:6379/3")

    assert local["CACHE"] == "hotpapers_site.cache.ResilientRedisCache"
    assert local["BROKER"] == "redis://127.0.0.1:6379/3"
    assert local["EAGER"] is False
    assert settings_of("hotpapers_site.settings.local", CELERY_BROKER_URL="redis://broker:6379/0")["EAGER"] is False


def test_the_embedded_default_imports_the_seed_into_sqlite_without_redis(migrated_sqlite, seed_path):
    """Migrated from nothing by `manage.py migrate` (the sqlite_template fixture), as `make run` does."""
    env = clean_env(DJANGO_SETTINGS_MODULE="hotpapers_site.settings.local", DATABASE_URL=f"sqlite:///{migrated_sqlite}")
    manage("import_digest", str(seed_path), env=env)
    manage("import_digest", str(seed_path), env=env)  # idempotent

    # An admin upload in the embedded mode: the task runs in-process as soon as the rows commit.
    checks = f"""
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from digests.models import DailyDigest, DigestEntry, MarkdownImport
from digests.services.uploads import markdown_imports_create
from digests.tasks import queue_markdown_imports

assert settings.CELERY_TASK_ALWAYS_EAGER
assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
digest = DailyDigest.objects.get(slug="{SEED_SLUG}")
assert digest.status == "published", digest.status
assert DailyDigest.objects.count() == 1 and DigestEntry.objects.count() == 8
upload = SimpleUploadedFile("again.md", open({str(seed_path)!r}, "rb").read())
(markdown_import,) = markdown_imports_create(files=[upload], user=None)
queue_markdown_imports(import_ids=[markdown_import.pk])
markdown_import.refresh_from_db()
assert markdown_import.status == "done", markdown_import.message
assert DailyDigest.objects.count() == 1 and DigestEntry.objects.count() == 8
print("embedded ok")
"""
    result = manage("shell", "-c", checks, env=env)

    assert "embedded ok" in result.stdout


# The broker's visibility timeout (a worker killed mid-job).


def celery_limits(**variables):
    """The broker options and task limits the local settings and the Celery app derive from `variables`."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "from hotpapers_site.celery import app; from papers.tasks import ingest_arxiv_page as page;"
        "print(json.dumps({'VISIBILITY': app.conf.broker_transport_options['visibility_timeout'],"
        "'RESTORE': app.conf.broker_transport_options['unacked_restore_interval'],"
        "'LIMIT': s.CELERY_TASK_TIME_LIMIT, 'SOFT': s.CELERY_TASK_SOFT_TIME_LIMIT,"
        "'MAX': s.HOTPAPERS_TASK_TIME_LIMIT_MAX, 'COUNTDOWN': s.HOTPAPERS_RETRY_COUNTDOWN_MAX,"
        "'STALLED': s.HOTPAPERS_RUN_STALLED_AFTER, 'PAGE': [page.soft_time_limit, page.time_limit]}))"
    )
    return run(["-c", code], clean_env(DJANGO_SETTINGS_MODULE="hotpapers_site.settings.local", **variables))


def test_the_visibility_timeout_is_an_hour_unless_set_and_every_limit_fits_inside_it():
    default = json.loads(celery_limits().stdout)
    assert default == {
        "VISIBILITY": 3600,
        "RESTORE": 10,
        "LIMIT": 900,
        "SOFT": 840,
        "MAX": 2400,
        "COUNTDOWN": 1020,
        "STALLED": 4500,
        "PAGE": [540, 600],
    }

    short = json.loads(celery_limits(CELERY_BROKER_VISIBILITY_TIMEOUT="60").stdout)
    assert short == {
        "VISIBILITY": 60,
        "RESTORE": 10,
        "LIMIT": 40,
        "SOFT": 38,
        "MAX": 40,
        "COUNTDOWN": 17,
        "STALLED": 120,
        "PAGE": [38, 40],
    }
    assert short["MAX"] + short["COUNTDOWN"] < short["VISIBILITY"] < short["STALLED"]


def test_a_visibility_timeout_too_short_for_one_arxiv_request_is_refused_at_start():
    result = celery_limits(CELERY_BROKER_VISIBILITY_TIMEOUT="45")

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: CELERY_BROKER_VISIBILITY_TIMEOUT=45 is too short: every task must end within two "
        "thirds of it (30 s), which leaves no room for one arXiv request (ARXIV_REQUEST_TIMEOUT=30 s). Set it to "
        "at least 50 seconds, or lower ARXIV_REQUEST_TIMEOUT."
    ) in result.stderr
    assert celery_limits(CELERY_BROKER_VISIBILITY_TIMEOUT="45", ARXIV_REQUEST_TIMEOUT="20").returncode == 0
