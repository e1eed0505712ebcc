import gzip
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.management.backups import describe_counts
from digests.services.backup import backup_export


class Command(BaseCommand):
    help = (
        "Back up every paper (authors in order, categories, announced_on, versions), category, author, social "
        "post (every source, hidden ones, oEmbed HTML, link status), counter snapshot, tag and digest (entries "
        "with their metrics snapshots, embedded posts, notes, pins, exclusions, status and publish times) as one "
        "JSON Lines file that import_data restores. Rows are named by natural keys (arXiv id, source and post "
        "id, digest date), never database ids; the database is read as one consistent snapshot, a chunk at a "
        "time. Exporting the same database twice gives the same bytes. Not included: user accounts, change "
        "history, job run records, beat schedules. (export_digest --all writes the Markdown readers saw; this "
        "file is what rebuilds the database.)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="FILE",
            default="-",
            help="File to write (replaced only once complete); a name ending in .gz is gzipped. Default: stdout.",
        )

    def handle(self, *args, output, **options):
        if output == "-":
            out = self.stdout._out  # the text stream OutputWrapper wraps: stdout, or a test's StringIO
            out.flush()
            counts = backup_export(stream=getattr(out, "buffer", None) or _TextSink(out))
        else:
            counts = self._export_to(Path(output))
        self.stderr.write(f"Backed up {describe_counts(counts)}" + ("" if output == "-" else f" to {output}"))

    def _export_to(self, path):
        try:
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as error:
            raise CommandError(f"cannot write to {path.parent}: {error.strerror}") from error
        try:
            with os.fdopen(handle, "wb") as file:
                if path.suffix == ".gz":
                    # No name or time in the gzip header: the same database gives the same bytes.
                    with gzip.GzipFile(filename="", mode="wb", fileobj=file, mtime=0) as zipped:
                        counts = backup_export(stream=zipped)
                else:
                    counts = backup_export(stream=file)
            os.replace(temporary, path)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}") from error
        finally:
            Path(temporary).unlink(missing_ok=True)
        return counts


class _TextSink:
    """A binary stream over a text one (a StringIO given as stdout)."""

    def __init__(self, out):
        self.out = out

    def write(self, data):
        return self.out.write(data.decode("utf-8"))
