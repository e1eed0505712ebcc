"""Dump files of posts (X API v2 pages, Bluesky answers and feeds, Hacker News answers; JSON or JSON Lines).

All or nothing: a file is parsed whole before anything is stored, then stored in one transaction; bad input
raises DumpError naming the file and the record, and writes no post (the run record says it failed).

Two ways in: ``ingest_posts --file`` reads a file and calls posts_import_dump; the admin upload calls
post_dumps_create (checked at once, so the editor sees a bad file on the form), then sends
``papers.tasks.import_post_dump`` with the run's id, which calls posts_import_dump_run.
"""

from django.db import transaction
from django.utils import timezone

from papers.models import PostCollectionRun, PostDump, Tweet
from papers.sources.dumps import UPLOAD_MAX_BYTES, DumpError, parse_dump

from .posts_runs import recorded, store_pages

Kind, Status = PostCollectionRun.Kind, PostCollectionRun.Status
_NAME_LENGTH = PostDump._meta.get_field("name").max_length


def posts_import_dump(*, data, name, requested_by_id=None, max_bytes=None, progress=None):
    """Import a dump file's posts now; returns the run. DumpError (nothing of the file written) when unusable."""
    run = PostCollectionRun.objects.create(kind=Kind.DUMP, query=name[:_NAME_LENGTH], requested_by_id=requested_by_id)
    with recorded(run):
        _import(run, data=data, name=name, max_bytes=max_bytes, progress=progress)
    return run


def post_dumps_create(*, data, name, requested_by_id=None):
    """Check an uploaded dump (size, JSON of a known shape) and keep it as a queued run; returns the run.

    DumpError when it is unusable: nothing is kept. The caller sends papers.tasks.import_post_dump with the
    run's id once this transaction commits (papers.tasks.queue_import_post_dump).
    """
    name = name[:_NAME_LENGTH]
    parse_dump(data, name=name, max_bytes=UPLOAD_MAX_BYTES)
    with transaction.atomic():
        run = PostCollectionRun.objects.create(
            kind=Kind.DUMP, query=name, status=Status.QUEUED, requested_by_id=requested_by_id
        )
        PostDump.objects.create(run=run, name=name, data=bytes(data))
    return run


def posts_import_dump_run(*, run_id):
    """Import the dump an editor uploaded (post_dumps_create); a run already stored is left as it is.

    The import and the run's success commit together (the kept bytes are dropped then), so a job that runs
    twice, or again after a crash, stores the file once.
    """
    updated = PostCollectionRun.objects.filter(pk=run_id).exclude(status=Status.SUCCEEDED)
    updated.update(status=Status.RUNNING, error="", finished_at=None, heartbeat_at=timezone.now())
    try:
        with transaction.atomic():
            run = PostCollectionRun.objects.select_for_update().get(pk=run_id)
            if run.status == Status.SUCCEEDED:
                return run
            dump = PostDump.objects.filter(run=run).first()
            if dump is None:
                raise DumpError("the uploaded file is no longer stored; upload it again", name=run.query)
            _import(run, data=bytes(dump.data), name=dump.name, max_bytes=UPLOAD_MAX_BYTES)
            run.status = Status.SUCCEEDED
            run.finished_at = timezone.now()
            run.save()
            dump.delete()
    except BaseException as exc:
        PostCollectionRun.objects.filter(pk=run_id).exclude(status=Status.SUCCEEDED).update(
            status=Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    return run


def _import(run, *, data, name, max_bytes, progress=None):
    pages = parse_dump(data, name=name, max_bytes=max_bytes)
    sources = {page.source for page in pages}
    run.source = sources.pop() if len(sources) == 1 else ""
    run.save(update_fields=["source"])
    store_pages(run, pages, learned_via=Tweet.LearnedVia.DUMP, progress=progress)
