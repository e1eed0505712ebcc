"""What the import commands share: finding post files in folders, and wording what importing did.

The service (digests.services.importing.digests_import_files) takes files and returns data; the
folders people name on the command line and the lines they read are the commands' business.
"""

from pathlib import Path

from digests.services.importing import DigestImportError, ImportReport, digests_import_files


def find_post_files(paths):
    """The .md files named, and those in the folders named, sorted by name (each file once).

    Returns (files, errors): a path that does not exist or a folder without posts is an error.
    """
    files, errors = {}, []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in path.glob("*.md") if p.is_file()]
            for post_file in found:
                files.setdefault(post_file.resolve(), post_file)
            if not found:
                errors.append(DigestImportError("the folder holds no .md files", name=str(path)))
        elif path.is_file():
            files.setdefault(path.resolve(), path)
        else:
            errors.append(DigestImportError("no such file or folder", name=str(path)))
    return sorted(files.values(), key=lambda p: (p.name, str(p))), errors


def import_post_paths(paths, *, progress=None):
    """Import the posts in `paths` (files and folders); the report also holds the paths not found."""
    files, errors = find_post_files(paths)
    report = digests_import_files(files=files, progress=progress)
    return ImportReport(results=report.results, errors=[*errors, *report.errors])


def describe_outcome(outcome):
    """One line for one file: what importing it did (an ImportResult), or why it failed."""
    if isinstance(outcome, DigestImportError):
        return f"FAILED {outcome}"
    action = "created" if outcome.created else ("updated" if outcome.changed else "unchanged")
    counts = ", ".join(
        (
            _count(outcome.entries, "entry", "entries"),
            _count(outcome.papers_created, "new paper"),
            _count(outcome.tweets_created, "new tweet"),
        )
    )
    return f"{outcome.name}: {action} {outcome.digest.slug} ({counts})"


def describe_report(report):
    """One line for a whole import: files, digests created / updated / unchanged / failed, new rows."""
    files = _count(len(report.results) + len(report.errors), "file")
    return (
        f"{files}: {_count(report.created, 'digest')} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} failed; "
        f"{_count(report.papers_created, 'new paper')}, {_count(report.tweets_created, 'new tweet')}"
    )


def _count(number, singular, plural=None):
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
