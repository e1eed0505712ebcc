import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.services.arxiv_ingest import (
    EmptyWindow,
    papers_harvest_oai,
    papers_ingest_category,
    papers_ingest_file,
    papers_ingest_ids,
)
from papers.sources.arxiv import ArxivError, InvalidArxivId


def _date(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Fetch paper metadata from arXiv and store it (idempotent). One of: --ids ID[,ID...] | "
        "--category CAT --since DATE [--until DATE] | --file FEED.xml | --oai SET --since DATE [--until DATE]."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--ids", help="arXiv ids or URLs, comma-separated (2201.04182, hep-th/9901001v2, ...).")
        source.add_argument("--category", help='A category such as "cs.LG": papers submitted in the date window.')
        source.add_argument("--file", type=Path, help="A saved API Atom feed or OAI-PMH response.")
        source.add_argument("--oai", metavar="SET", help='An OAI-PMH set such as "cs" or "cs:cs:LG" to harvest.')
        parser.add_argument("--since", type=_date, help="First day (YYYY-MM-DD), for --category and --oai.")
        parser.add_argument("--until", type=_date, help="Last day (YYYY-MM-DD), default today.")

    def handle(self, *args, ids, category, file, oai, since, until, **options):
        if (category or oai) and since is None:
            raise CommandError("--since is required with --category and --oai")
        if (ids or file) and (since or until):
            raise CommandError("--since and --until go with --category or --oai only")
        if file is not None and not file.is_file():
            raise CommandError(f"no such file: {file}")
        progress = self._progress
        try:
            if ids:
                run = papers_ingest_ids(ids=ids, progress=progress)
            elif category:
                run = papers_ingest_category(category=category, since=since, until=until, progress=progress)
            elif oai:
                run = papers_harvest_oai(set_spec=oai, since=since, until=until, progress=progress)
            else:
                run = papers_ingest_file(path=file, progress=progress)
        except InvalidArxivId as exc:
            raise CommandError(str(exc)) from None
        except EmptyWindow as exc:
            raise CommandError(f"ingestion failed: --since {exc.since} is after --until {exc.until}") from None
        except (ArxivError, ValueError) as exc:
            raise CommandError(f"ingestion failed: {exc}") from None
        self.stdout.write("")
        summary = (
            f"{run.pages} page(s): {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed"
        )
        self.stdout.write(self.style.SUCCESS(summary) if not run.failed else self.style.WARNING(summary))
        if run.error:
            self.stderr.write(run.error)

    def _progress(self, run, *, done, total):
        width = 30
        if total:
            filled = min(width, width * done // total)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        else:
            bar = f"{done} records"
        self.stdout.write(f"\r{bar} page {run.pages}", ending="")
        self.stdout.flush()
