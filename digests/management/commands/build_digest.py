import datetime as dt

from django.core.management.base import BaseCommand, CommandError

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


def describe_build(result):
    """One line: what building did, e.g. "Built the draft of 2022-01-13: 8 papers (3 new, 5 kept, 2 pinned), ..."."""
    digest = result.digest
    what = "draft" if digest.status == digest.Status.DRAFT else f"{digest.get_status_display().lower()} digest"
    verb = "Built" if result.changed else "Nothing changed in"
    papers = f"{result.papers} paper{'' if result.papers == 1 else 's'}"
    detail = [f"{result.new} new", f"{result.kept} kept", f"{result.pinned} pinned"]
    if result.removed:
        detail.append(f"{result.removed} removed")
    if result.excluded:
        detail.append(f"{result.excluded} excluded")
    posts = f"{result.embedded_posts} embedded post{'' if result.embedded_posts == 1 else 's'}"
    line = f"{verb} the {what} of {digest.date.isoformat()}: {papers} ({', '.join(detail)}), {posts}."
    if result.scheduled_for is not None:
        line += f" It goes live by itself at {result.scheduled_for:%Y-%m-%d %H:%M} UTC (HOTPAPERS_AUTO_PUBLISH_TIME)."
    return line
