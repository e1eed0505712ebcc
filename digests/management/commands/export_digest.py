import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from digests.models import DailyDigest
from digests.services.exporting import digest_export_all, digest_export_markdown, write_atomically

_LOOKS_LIKE_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


class Command(BaseCommand):
    help = (
        "Export a digest as seed-format Markdown (to stdout, or to --output FILE), "
        "or every digest with --all --output DIR (one <slug>.md file each)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "digest", nargs="?", metavar="SLUG_OR_DATE", help='The digest\'s slug or date, e.g. "2022-01-13".'
        )
        parser.add_argument("--output", "-o", metavar="PATH", help="File to write (a folder with --all).")
        parser.add_argument("--all", action="store_true", help="Export every digest into the --output folder.")

    def handle(self, *args, digest, output, **options):
        if options["all"]:
            if digest:
                raise CommandError("give either SLUG_OR_DATE or --all, not both")
            if not output:
                raise CommandError("--all needs --output DIR: the folder to write the files to")
            try:
                paths = digest_export_all(directory=output)
            except OSError as error:
                raise CommandError(f"cannot write to {output}: {error.strerror}") from error
            self.stderr.write(f"Wrote {len(paths)} digests to {output}")
            return
        if not digest:
            raise CommandError("give the SLUG_OR_DATE of the digest to export, or --all --output DIR")
        text = digest_export_markdown(digest=self._find(digest))
        if output:
            try:
                write_atomically(output, text)
            except OSError as error:
                raise CommandError(f"cannot write {output}: {error.strerror}") from error
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")

    def _find(self, slug_or_date):
        if _LOOKS_LIKE_DATE.fullmatch(slug_or_date):
            try:
                date = dt.date.fromisoformat(slug_or_date)
            except ValueError:
                raise CommandError(f"{slug_or_date!r} is not a valid date (expected YYYY-MM-DD)") from None
            lookup, what = {"date": date}, f"for {date}"
        else:
            lookup, what = {"slug": slug_or_date}, f"with slug {slug_or_date!r}"
        try:
            return DailyDigest.objects.get(**lookup)
        except DailyDigest.DoesNotExist:
            raise CommandError(f"no digest {what}") from None
