import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from digests.management.builds import describe_build
from digests.services.building import current_listing_day, digests_build
from digests.services.publishing import DigestStateError


def _date(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date (expected YYYY-MM-DD)") from None


def _size(value):
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise CommandError(f"--size {value!r} is not a number of papers (a whole number, at least 1)")
    return size


class Command(BaseCommand):
    help = (
        "Build or refresh the draft digest of a day from the ranking: the papers of arXiv's listing dated "
        "--date (default: today's, in New York time), best first. A rebuild keeps the editors' notes, "
        "pinned, excluded and moved entries. Published digests are never rebuilt."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="The listing day, Monday to Friday (default: today in New York).",
        )
        parser.add_argument(
            "--size", metavar="N", help="Papers to feature at most (default: the HOTPAPERS_DIGEST_SIZE setting)."
        )

    def handle(self, *args, date=None, size=None, **options):
        if date is None:
            day = current_listing_day()
            if day.weekday() >= 5:
                raise CommandError(
                    f"today, {day:%A} {day.isoformat()} in New York, has no arXiv listing: "
                    "give the day to build with --date YYYY-MM-DD (Monday to Friday)"
                )
        else:
            day = _date(date)
        try:
            result = digests_build(day=day, size=None if size is None else _size(size))
        except DigestStateError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(describe_build(result))
