from django.core.management.base import BaseCommand, CommandError

from digests.management.posts import describe_outcome, describe_report, import_post_paths


class Command(BaseCommand):
    help = (
        "Import seed-format Markdown posts (files, or folders of *.md files) into daily digests. "
        "Files are imported in name order, each in its own transaction; a bad file is reported and "
        "skipped, and the command then exits non-zero. Importing the same files again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A .md post, or a folder of them.")

    def handle(self, *args, paths, **options):
        verbose = options["verbosity"] > 0
        report = import_post_paths(paths, progress=self._print_outcome if verbose else None)
        if verbose:
            self.stdout.write(describe_report(report))
        if not report.ok:
            failures = "\n".join(str(error) for error in report.errors)
            raise CommandError(
                f"{len(report.errors)} of {len(report.results) + len(report.errors)} files failed:\n{failures}"
            )

    def _print_outcome(self, outcome):
        self.stdout.write(describe_outcome(outcome))
