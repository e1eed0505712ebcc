"""Markdown posts uploaded in the admin: validated and stored here, imported later by a Celery task.

The services here never send tasks: markdown_imports_create and markdown_imports_requeue return
the imports to send, and the admin sends them on commit (digests.tasks.queue_markdown_imports).
"""

import logging
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from digests.models import MarkdownImport
from digests.postformat import PostFormatError, decode_post
from digests.services.importing import DigestImportError, digest_import_text

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
ALLOWED_SUFFIXES = (".md",)


def _upload_text(upload):
    """The upload's name and text, or a ValidationError naming the file."""
    # Browsers may send a path; Windows ones with backslashes.
    name = PurePath(str(upload.name).replace("\\", "/")).name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError(f"{name}: only .md files can be imported.", code="extension")
    if len(name) > MarkdownImport._meta.get_field("filename").max_length:
        raise ValidationError(f"{name[:60]}…: the file name is too long.", code="name")
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"{name}: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", code="size")
    try:
        # The post format's own rules: UTF-8, no byte-order mark, LF line ends, not empty, not binary.
        text = decode_post(data, name=name)
    except PostFormatError as exc:
        raise ValidationError(f"{exc}.", code="format") from exc
    return name, text


def markdown_imports_create(*, files, user=None):
    """Store each uploaded file as a queued MarkdownImport; returns them, for the caller to send an
    import task for each once they are committed.

    Every file is validated before anything is written: one bad file rejects the whole upload,
    with every problem listed.
    """
    if not files:
        raise ValidationError("Choose at least one .md file.", code="required")
    texts, errors = [], []
    for upload in files:
        try:
            texts.append(_upload_text(upload))
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)

    created_by = user if user is not None and user.is_authenticated else None
    imports = []
    with transaction.atomic():
        for name, text in texts:
            markdown_import = MarkdownImport(filename=name, content=text, created_by=created_by)
            markdown_import.full_clean()
            markdown_import.save()
            imports.append(markdown_import)
    return imports


def markdown_imports_requeue(*, imports):
    """Mark queued again the given imports that are not done (stuck in the queue, or failed).

    Returns their ids, for the caller to send an import task for each once committed. A row whose
    send failed stays queued, and can be requeued again.
    """
    with transaction.atomic():
        requeued = list(
            MarkdownImport.objects.select_for_update()
            .filter(pk__in=[i.pk for i in imports])
            .exclude(status=MarkdownImport.Status.DONE)
            .values_list("pk", flat=True)
        )
        MarkdownImport.objects.filter(pk__in=requeued).update(
            status=MarkdownImport.Status.QUEUED, message="", finished_at=None
        )
    return requeued


def markdown_import_run(*, import_id):
    """Import one queued file into a digest; returns the MarkdownImport, or None if it was deleted.

    Safe to run twice: a done import is left alone, and two runs at once take turns on a row
    lock, so the second finds the first one's result. A failed import may be run again.
    Bad input marks the import failed with the importer's message (file and line); any other
    error marks it failed too and is raised again, for the task to retry or report.
    """
    # Visible to editors while the import works.
    MarkdownImport.objects.filter(pk=import_id).exclude(status=MarkdownImport.Status.DONE).update(
        status=MarkdownImport.Status.RUNNING
    )
    try:
        markdown_import = _run_locked(import_id)
    except Exception as exc:
        _record_unexpected_error(import_id, exc)
        raise
    if markdown_import is not None:
        logger.info("Markdown import %s %s: %s", import_id, markdown_import.status, markdown_import.message)
    return markdown_import


def _run_locked(import_id):
    with transaction.atomic():
        markdown_import = MarkdownImport.objects.select_for_update().filter(pk=import_id).first()
        if markdown_import is None:
            logger.warning("Markdown import %s no longer exists; nothing to do.", import_id)
            return None
        if markdown_import.status == MarkdownImport.Status.DONE:
            return markdown_import
        try:
            # A savepoint: a file that fails halfway leaves nothing behind.
            with transaction.atomic():
                result = digest_import_text(text=markdown_import.content, name=markdown_import.filename)
        except DigestImportError as exc:
            message = str(exc)
            if markdown_import.filename not in message:
                message = f"{markdown_import.filename}: {message}"
            _finish(markdown_import, status=MarkdownImport.Status.FAILED, message=message)
            return markdown_import
        digest = result.digest
        message = f"Imported {digest.slug} ({digest.entries.count()} papers, {digest.get_status_display().lower()})."
        _finish(markdown_import, status=MarkdownImport.Status.DONE, message=message, digest=digest)
    return markdown_import


def _finish(markdown_import, *, status, message, digest=None):
    markdown_import.status = status
    markdown_import.message = message
    markdown_import.digest = digest
    markdown_import.finished_at = timezone.now()
    markdown_import.save(update_fields=["status", "message", "digest", "finished_at"])


def _record_unexpected_error(import_id, error):
    try:
        MarkdownImport.objects.filter(pk=import_id).exclude(status=MarkdownImport.Status.DONE).update(
            status=MarkdownImport.Status.FAILED,
            message=f"Unexpected error ({type(error).__name__}: {error}); the import may be retried.",
            finished_at=timezone.now(),
        )
    except DatabaseError:
        # The database itself may be what failed; the task's own error report still stands.
        logger.exception("Could not record the failure of Markdown import %s", import_id)
