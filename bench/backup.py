"""Backup benchmark: export_data and import_data of a database of 100,000 posts linking 10,000 papers.

The database is built from a generated X dump (posts_import_dump), a second counter snapshot per post
and 60 digests of 10 entries embedding 3 posts each; first with a tenth of the posts, then with all.
At both sizes it measures export_data (seconds, and peak Python memory under tracemalloc in a second
pass) against Django's dumpdata of the same tables (the baseline). Then, on an emptied database,
import_data of the tenth's file against loaddata of the tenth's dumpdata file, and import_data of the
whole file, whose export must give the same bytes. Targets: the export's peak memory grows less than
2x from a tenth to the whole (it streams), export and import at least as fast as dumpdata/loaddata.

    make bench    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotpapers .venv/bin/python bench/backup.py

It works in its own database (<DATABASE_URL name>_bench_backup), created and migrated for the run and
dropped at the end; the files go to a temporary folder.
"""

import argparse
import datetime as dt
import gc
import io
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import bench_database, create_database, drop_database  # noqa: E402
from posts import create_papers, setup_django  # noqa: E402

from tests.social_dumps import x_dump  # noqa: E402

MODELS = [
    "papers.Category",
    "papers.Author",
    "papers.Paper",
    "papers.Authorship",
    "papers.PaperCategory",
    "papers.Tweet",
    "papers.TweetMetrics",
    "digests.Tag",
    "digests.DailyDigest",
    "digests.DigestTag",
    "digests.DigestEntry",
    "digests.DigestEntryTweet",
]
MEMORY_GROWTH = 2


def timed(function):
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def peak_memory(function):
    """Peak Python memory (MB) while `function` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def export_data(path):
    from django.core.management import call_command

    call_command("export_data", "--output", str(path), stderr=io.StringIO())


def dumpdata(path):
    from django.core.management import call_command

    call_command("dumpdata", *MODELS, "--output", str(path), verbosity=0)


def import_pages(pages):
    from papers.services.posts_dumps import posts_import_dump

    data = "".join(json.dumps(page, separators=(",", ":")) + "\n" for page in pages).encode()
    run = posts_import_dump(data=data, name="bench.jsonl")
    assert run.status == "succeeded", run.error


def add_history_and_digests(first_day):
    """A second snapshot of every post without one, and 60 digests embedding posts of their papers."""
    from django.db import connection

    from digests.models import DailyDigest, DigestEntry, DigestEntryTweet
    from papers.models import Paper, Tweet

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO papers_tweetmetrics (tweet_id, measured_at, retweets, likes, replies, quotes) "
            "SELECT id, metrics_at + interval '1 day', retweets + 1, likes + 2, replies, quotes FROM papers_tweet "
            "WHERE id NOT IN (SELECT tweet_id FROM papers_tweetmetrics GROUP BY tweet_id HAVING count(*) > 1)"
        )
    papers = list(Paper.objects.filter(tweets__isnull=False).distinct().order_by("arxiv_id")[:600])
    existing = DailyDigest.objects.count()
    for day in range(60):
        date = first_day + dt.timedelta(days=existing + day)
        digest = DailyDigest.objects.create(
            date=date, slug=f"hot-papers-{date}", title=f"Hot Papers {date}", status="draft"
        )
        for position, paper in enumerate(papers[day * 10 : day * 10 + 10], start=1):
            entry = DigestEntry.objects.create(digest=digest, paper=paper, position=position, note=f"Note {position}")
            posts = list(Tweet.objects.filter(papers=paper).order_by("external_id")[:3])
            DigestEntryTweet.objects.bulk_create(
                DigestEntryTweet(entry=entry, tweet=post, position=n) for n, post in enumerate(posts, start=1)
            )
            DigestEntry.objects.filter(pk=entry.pk).update(ranked_post_ids=[post.pk for post in posts])


def flush():
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)


def counts():
    from digests.models import DigestEntry
    from papers.models import Tweet, TweetMetrics

    return Tweet.objects.count(), TweetMetrics.objects.count(), DigestEntry.objects.count()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--papers", type=int, default=10_000)
    args = parser.parse_args(argv)

    dump = x_dump(args.posts, args.papers, seed=1)
    pages, paper_ids = dump.pages, dump.paper_ids
    del dump
    tenth = len(pages) // 10
    db = bench_database("bench_backup")
    create_database(db)
    folder = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    rows, table = {}, []
    try:
        setup_django(db)
        from django.core.management import call_command

        create_papers(paper_ids)
        baseline = {}
        for label, chunk in (("tenth", pages[:tenth]), ("whole", pages[tenth:])):
            import_pages(chunk)
            add_history_and_digests(dt.date(2022, 1, 3))
            rows[label] = counts()
            ours = folder / f"{label}.jsonl"
            export_s, _ = timed(lambda ours=ours: export_data(ours))
            export_mb = peak_memory(lambda ours=ours: export_data(ours))
            table.append((label, rows[label], export_s, export_mb, ours.stat().st_size / 1e6))
            if label == "tenth":  # dumpdata writes a query per post (its papers): the tenth is enough to compare
                baseline["dump_s"], _ = timed(lambda: dumpdata(folder / "tenth.json"))
                baseline["dump_mb"] = peak_memory(lambda: dumpdata(folder / "tenth.json"))

        flush()
        loaddata_s, _ = timed(lambda: call_command("loaddata", str(folder / "tenth.json"), verbosity=0))
        flush()
        import_tenth_s, _ = timed(
            lambda: call_command("import_data", str(folder / "tenth.jsonl"), stdout=io.StringIO())
        )
        assert counts() == rows["tenth"]
        flush()
        import_s, _ = timed(lambda: call_command("import_data", str(folder / "whole.jsonl"), stdout=io.StringIO()))
        assert counts() == rows["whole"]
        export_data(folder / "again.jsonl")
        identical = (folder / "again.jsonl").read_bytes() == (folder / "whole.jsonl").read_bytes()
    finally:
        drop_database(db)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()

    print(f"\nBackups of a database built from a {args.posts:,}-post X dump linking {args.papers:,} papers")
    print(
        f"{'database':<8} {'posts':>8} {'snapshots':>10} {'entries':>8} {'file MB':>8} {'export s':>9} {'peak MB':>8}"
    )
    for label, (posts, snapshots, entries), export_s, export_mb, size in table:
        print(f"{label:<8} {posts:>8,} {snapshots:>10,} {entries:>8,} {size:>8.1f} {export_s:>9.2f} {export_mb:>8.1f}")
    growth = table[1][3] / table[0][3]
    export_ratio = baseline["dump_s"] / table[0][2]
    load_ratio = loaddata_s / import_tenth_s
    print(
        f"baseline on the tenth: dumpdata {baseline['dump_s']:.2f} s, peak {baseline['dump_mb']:.1f} MB "
        f"(export_data {export_ratio:.1f}x faster); loaddata {loaddata_s:.2f} s, import_data {import_tenth_s:.2f} s "
        f"({load_ratio:.1f}x faster)"
    )
    print(
        f"restore of the whole: import_data {import_s:.2f} s ({rows['whole'][0] / import_s:,.0f} posts/s); "
        f"its export byte-identical: {'yes' if identical else 'NO'}"
    )
    met = growth < MEMORY_GROWTH and export_ratio >= 1 and load_ratio >= 1 and identical
    print(
        f"targets: export peak memory, whole / tenth: {growth:.2f}x (< {MEMORY_GROWTH}x); export vs dumpdata: "
        f"{export_ratio:.1f}x faster; import_data vs loaddata: {load_ratio:.1f}x faster; identical -> "
        f"{'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
