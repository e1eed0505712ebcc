"""arXiv ingestion benchmark, all measured in one run on the same 2,000-entry feed built from real papers.

(a) our streaming parser alone, (b) the PyPI ``arxiv`` package (4.x) parsing the same bytes, (c) our full
ingestion (parse + bulk upsert + run record) into PostgreSQL, new and then again unchanged, (d) a naive
loop of get_or_create per paper, author and category. Prints each time and its ratio to (b).
Targets: (a) <= 1x (b); (c) new and unchanged each <= 5x (b).

    make bench    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotpapers .venv/bin/python bench/ingest.py

It works in its own database (<DATABASE_URL name>_bench), created and migrated when missing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import environ  # noqa: E402
import psycopg  # noqa: E402
from ingest_parse import time_parsers  # noqa: E402

from tests.arxiv_feeds import DEFAULT_POSTS, build_api_feed, load_corpus_papers  # noqa: E402


def bench_database_url():
    base = environ.Env().db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hotpapers")
    name = f"{base['NAME']}_bench"
    host, port = base["HOST"] or "127.0.0.1", base["PORT"] or 5432
    admin = psycopg.connect(host=host, port=port, user=base["USER"], dbname="postgres", autocommit=True)
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    user = base["USER"]
    return f"postgres://{user}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{name}"


def setup_django():
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotpapers_site.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def clear_papers():
    from papers.models import Author, Authorship, IngestRun, Paper, PaperCategory

    PaperCategory.objects.all().delete()
    Authorship.objects.all().delete()
    Paper.objects.all().delete()
    Author.objects.all().delete()
    IngestRun.objects.all().delete()


def full_ingestion(path):
    from papers.services.arxiv_ingest import papers_ingest_file

    began = time.perf_counter()
    run = papers_ingest_file(path=path)
    return time.perf_counter() - began, run


def naive_loop(data):
    """What the code would look like without bulk operations: a get_or_create per row."""
    import hashlib

    from django.db import transaction
    from django.utils.text import slugify

    from papers.models import Author, Authorship, Category, Paper, PaperCategory
    from papers.sources.arxiv import parse_api_feed

    began = time.perf_counter()
    with transaction.atomic():
        for record in parse_api_feed(data).records:
            paper, _ = Paper.objects.get_or_create(
                arxiv_id=record.arxiv_id,
                defaults={"title": record.title, "abstract": record.abstract, "version": record.version},
            )
            for position, author in enumerate(record.authors, start=1):
                slug = f"{slugify(author.name)}-{hashlib.sha1(author.name.encode()).hexdigest()[:8]}"
                row, _ = Author.objects.get_or_create(name=author.name, defaults={"slug": slug})
                Authorship.objects.get_or_create(paper=paper, position=position, defaults={"author": row})
            for position, code in enumerate(record.categories, start=1):
                category, _ = Category.objects.get_or_create(code=code)
                PaperCategory.objects.get_or_create(paper=paper, category=category, defaults={"position": position})
    return time.perf_counter() - began


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each ingestion measurement (best is kept)")
    parser.add_argument("--posts", type=Path, default=DEFAULT_POSTS)
    args = parser.parse_args(argv)
    if not args.posts.is_dir():
        print(f"no corpus posts at {args.posts}: the benchmark builds its feed from them", file=sys.stderr)
        return 2
    data = build_api_feed(load_corpus_papers(args.posts), args.entries)
    setup_django()

    parse_rows = time_parsers(data, repeat=7)
    ours_parse, arxiv_parse = parse_rows[0]["median"], parse_rows[1]["median"]

    new_times, unchanged_times = [], []
    with tempfile.NamedTemporaryFile(suffix=".xml") as feed:
        feed.write(data)
        feed.flush()
        for _ in range(args.repeat):
            clear_papers()
            seconds, run = full_ingestion(Path(feed.name))
            assert run.created == args.entries, run.created
            new_times.append(seconds)
            seconds, run = full_ingestion(Path(feed.name))
            assert run.unchanged == args.entries and run.created == run.updated == 0
            unchanged_times.append(seconds)
    clear_papers()
    naive = naive_loop(data)
    clear_papers()

    rows = [
        ("(a) ours: parse only", ours_parse),
        ("(b) arxiv 4: parse only", arxiv_parse),
        ("(c) ours: full ingestion, new", statistics.median(new_times)),
        ("(c) ours: full ingestion, unchanged", statistics.median(unchanged_times)),
        ("(d) naive get_or_create loop", naive),
    ]
    print(f"\n{args.entries}-entry arXiv API page, {len(data) / 1e6:.2f} MB, PostgreSQL; medians")
    print(f"{'measurement':<38} {'seconds':>9} {'/ (b)':>8}")
    for label, seconds in rows:
        print(f"{label:<38} {seconds:>9.3f} {seconds / arxiv_parse:>7.2f}x")
    targets = [
        ("(a) <= 1x (b)", ours_parse <= arxiv_parse),
        ("(c) new <= 5x (b)", statistics.median(new_times) <= 5 * arxiv_parse),
        ("(c) unchanged <= 5x (b)", statistics.median(unchanged_times) <= 5 * arxiv_parse),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
