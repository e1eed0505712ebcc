"""Who calls whom: the import directions README's architecture section states, and the task names beat stores."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from hotpapers_site.celery import app

BASE_DIR = Path(settings.BASE_DIR)

# Beat schedules in the database and the queue routes in settings store these names: renaming a
# task function must not change them (each task states its name=).
REGISTERED_TASKS = {
    "papers.tasks.ingest_arxiv_ids",
    "papers.tasks.ingest_arxiv_category",
    "papers.tasks.harvest_arxiv_oai",
    "papers.tasks.ingest_arxiv_page",
    "papers.tasks.ingest_daily_categories",
    "papers.tasks.fail_stalled_runs",
    "papers.tasks.collect_x_posts",
    "papers.tasks.collect_bluesky_posts",
    "papers.tasks.collect_hackernews_posts",
    "papers.tasks.refresh_post_counters",
    "papers.tasks.fetch_tweet_oembeds",
    "papers.tasks.import_post_dump",
    "digests.tasks.import_markdown_post",
    "digests.tasks.publish_due_digests",
    "digests.tasks.build_daily_digest",
}


def test_the_registered_task_names_are_the_ones_beat_schedules_store():
    app.autodiscover_tasks(force=True)

    assert {name for name in app.tasks if not name.startswith("celery.")} == REGISTERED_TASKS


def test_every_task_ends_well_within_the_brokers_visibility_timeout():
    """A task still running when the broker hands it out again (visibility timeout) would run twice."""
    app.autodiscover_tasks(force=True)
    cap = settings.HOTPAPERS_TASK_TIME_LIMIT_MAX
    assert cap < settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    for name in REGISTERED_TASKS:
        task = app.tasks[name]
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert 0 < soft < hard <= cap, name
    assert app.amqp.router.route({}, "papers.tasks.ingest_arxiv_page")["queue"].name == "ingest"


def _imported_modules(path):
    """Every module a file imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(BASE_DIR).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(BASE_DIR).parts[:-1])
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            modules.add(module)
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def _python_files(*folders):
    for folder in folders:
        for path in sorted((BASE_DIR / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _offending(paths, forbidden):
    return {
        str(path.relative_to(BASE_DIR)): sorted(m for m in _imported_modules(path) if forbidden(m))
        for path in paths
        if any(forbidden(m) for m in _imported_modules(path))
    }


def test_services_never_import_tasks():
    """A service returns the work to do; the face that called it (admin, command, task) sends it."""
    services = _python_files("papers/services", "digests/services")

    assert _offending(services, lambda module: module.endswith(".tasks") or ".tasks." in module) == {}


def test_papers_imports_nothing_from_digests():
    """The dependency runs one way: digests -> papers."""
    assert _offending(_python_files("papers"), lambda module: module.split(".")[0] == "digests") == {}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("papers/views.py", "papers.selectors"),
        ("digests/services/uploads.py", "digests.models"),
    ],
)
def test_the_import_scanner_resolves_relative_and_absolute_imports(path, expected):
    assert expected in _imported_modules(BASE_DIR / path)
