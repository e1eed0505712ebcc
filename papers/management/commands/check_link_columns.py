from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from papers import link_columns


class Command(BaseCommand):
    help = (
        "Check the copy of each post's ranking fields on its links to papers against the posts "
        "(exits 1 when any differs); --fix installs the triggers again and refills every link."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="Recreate the triggers and copy every post's fields onto its links."
        )

    def handle(self, *args, fix=False, **options):
        stale = link_columns.stale_links()
        if stale and fix:
            with transaction.atomic():
                link_columns.install()
                refilled = link_columns.refill()
            self.stdout.write(f"{stale} stale; refilled {refilled} links from their posts.")
            stale = link_columns.stale_links()
        if stale:
            raise CommandError(
                f"{stale} link{' holds a' if stale == 1 else 's hold a'} stale copy of its post (run with --fix)"
            )
        self.stdout.write("Every link's copy matches its post.")
