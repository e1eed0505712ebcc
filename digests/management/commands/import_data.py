from django.core.management.base import BaseCommand, CommandError

from digests.management.backups import describe_counts
from digests.services.backup import backup_check, backup_import
from papers.services.backup_format import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup written by export_data (JSON Lines, gzipped or not) into an empty database: "
        "migrate a new database, then run this. The whole file is checked first (format version, every "
        "field, every paper and post a record names, the end line's counts); a bad file is refused with the "
        "line and record at fault and nothing is written. The restore is one transaction. A database that "
        "already holds papers, posts or digests is refused unless --merge is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE", help="The backup file export_data wrote.")
        parser.add_argument(
            "--merge",
            action="store_true",
            help="Restore into a database that is not empty: the file's records replace stored ones with the "
            "same keys (a digest's entries, a paper's authors and categories, a post's links with them), "
            "other rows stay, counter snapshots are added. Importing the same file again changes nothing.",
        )
        parser.add_argument(
            "--check", action="store_true", help="Only check the file and say what it holds; write nothing."
        )

    def handle(self, *args, path, merge, check, **options):
        try:
            if check:
                counts = backup_check(path=path)
                self.stdout.write(f"{path} is a valid backup: {describe_counts(counts)}")
                return
            result = backup_import(path=path, merge=merge)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from error
        except BackupError as error:
            raise CommandError(f"{path}: {str(error).rstrip('.')}. Nothing was written.") from error
        if not merge:
            self.stdout.write(f"Restored {describe_counts(result.records)} from {path}")
            return
        written = {kind: count for kind, count in result.written.items() if count}
        unchanged = {kind: count for kind, count in result.unchanged.items() if count}
        self.stdout.write(
            f"Merged {path}: wrote {describe_counts(written) or 'nothing'}; already stored as in the file, "
            f"left alone: {describe_counts(unchanged) or 'nothing'}"
        )
