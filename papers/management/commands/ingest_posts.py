import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from papers.models import PostCollectionRun
from papers.services.arxiv_ingest import papers_ingest_ids
from papers.services.posts_collect import posts_collect
from papers.services.posts_dumps import posts_import_dump
from papers.sources.arxiv import ArxivError
from papers.sources.dumps import DumpError
from papers.sources.posts import SOURCES, RateLimited, SocialSourceError


def _date(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Collect social posts that link arXiv papers and store them (idempotent). One of: "
        "--source x|bluesky|hackernews [--query Q] [--since DATE] | --file DUMP.json|.jsonl. "
        "Papers the posts link that are not stored yet are then fetched from arXiv (unless --no-arxiv)."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--source", choices=SOURCES, help="Search this platform for new posts linking arXiv.")
        where.add_argument(
            "--file",
            type=Path,
            help="A dump: X API v2 pages (JSON or JSON Lines), Bluesky searchPosts/getPosts answers or feed views, "
            "or Hacker News Algolia answers; the format is recognised from the content.",
        )
        parser.add_argument("--query", help="The search query (default: the HOTPAPERS_*_QUERY setting).")
        parser.add_argument(
            "--since", type=_date, help="Search from this day (YYYY-MM-DD) instead of where the last run stopped."
        )
        parser.add_argument(
            "--no-arxiv", action="store_true", help="Do not fetch from arXiv the papers that are not stored yet."
        )

    def handle(self, *args, source, file, query, since, no_arxiv, **options):
        if file is not None and (query or since):
            raise CommandError("--query and --since go with --source only")
        try:
            if file is not None:
                run = self._import(file)
            else:
                run = posts_collect(source=source, query=query, since=since, progress=self._progress)
        except DumpError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        except RateLimited as exc:
            raise CommandError(f"stopped: {exc}; what was read is stored, run again after the reset") from None
        except SocialSourceError as exc:
            raise CommandError(f"collection failed: {exc}") from None
        if run.status == PostCollectionRun.Status.SKIPPED:
            raise CommandError(f"skipped: {run.error}")
        self.stdout.write("")
        summary = (
            f"{run.pages} page(s): {run.created} created, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.skipped} skipped (reposts, posts linking no paper), {run.snapshots} counter snapshot(s)"
        )
        self.stdout.write(self.style.SUCCESS(summary))
        if run.missing_arxiv_ids and not no_arxiv:
            self._fetch_papers(run.missing_arxiv_ids)
        elif run.missing_arxiv_ids:
            self.stdout.write(f"{len(run.missing_arxiv_ids)} linked paper(s) not stored yet (not fetched: --no-arxiv)")

    def _import(self, path):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        return posts_import_dump(data=data, name=str(path), progress=self._batches)

    def _fetch_papers(self, ids):
        self.stdout.write(f"Fetching {len(ids)} linked paper(s) from arXiv")
        try:
            run = papers_ingest_ids(ids=ids, progress=self._paper_progress)
        except ArxivError as exc:
            raise CommandError(f"the posts are stored; fetching their papers from arXiv failed: {exc}") from None
        self.stdout.write("")
        summary = f"arXiv: {run.created} paper(s) created, {run.failed} unknown to arXiv (their posts are flagged)"
        self.stdout.write(self.style.SUCCESS(summary) if not run.failed else self.style.WARNING(summary))

    def _progress(self, run):
        seen = run.created + run.updated + run.unchanged + run.skipped
        self.stdout.write(f"\r{seen} posts seen, page {run.pages}", ending="")
        self.stdout.flush()

    def _batches(self, done, total):
        self._bar(done, total, "posts")

    def _paper_progress(self, run, *, done, total):
        self._bar(done, total, "papers")

    def _bar(self, done, total, noun):
        width = 30
        filled = min(width, width * done // total) if total else width
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {noun}", ending="")
        self.stdout.flush()
