"""Post import benchmark: a generated X dump of 100,000 posts linking 10,000 papers, into PostgreSQL, two ways.

(a) ``posts_import_dump`` (parse + ``posts_upsert``: COPY, one UPDATE, a fixed number of queries per batch of
1,000 posts), new and then again unchanged (best of two); (b) a naive per-post ORM loop over the first 2,000
posts of the same dump (get_or_create per post, per paper link and per snapshot), new and again unchanged (best
of two), scaled to 1,000 posts. Both apply the same rules and store the same rows; the tables are vacuumed after
each load, as autovacuum would. Prints seconds and SQL statements per 1,000 posts. Targets: (a) at least 20x
faster than (b), new and unchanged, and the same statements for every batch.

    make bench    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotpapers .venv/bin/python bench/posts.py

It works in its own database (<DATABASE_URL name>_bench_posts), created and migrated for the run and
dropped at the end.
"""

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import bench_database, create_database, drop_database  # noqa: E402

from tests.social_dumps import x_dump  # noqa: E402

TARGET = 20


def setup_django(db):
    os.environ["DATABASE_URL"] = f"postgres://{db['user']}@{db['host']}:{db['port']}/{db['name']}"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotpapers_site.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")  # the runs' log lines would interleave with the table
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Statements:
    """Every SQL statement sent: those through Django's cursor, and the COPYs insert_rows sends beside it."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        from papers.services import posts

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        self._insert_rows = posts.insert_rows

        def counted(*args, **kwargs):
            self.count += 1
            return self._insert_rows(*args, **kwargs)

        posts.insert_rows = counted
        return self

    def __exit__(self, *exc):
        from papers.services import posts

        posts.insert_rows = self._insert_rows
        self._wrapper.__exit__(*exc)


def measured(function):
    """Seconds, statements, the result, and the statements each batch after the first took."""
    with Statements() as statements:
        marks = []
        began = time.perf_counter()
        result = function(lambda done, total: marks.append(statements.count))
        seconds = time.perf_counter() - began
    per_batch = {later - earlier for earlier, later in zip(marks, marks[1:], strict=False)}
    return seconds, statements.count, result, per_batch


def best_of(runs, measure):
    """The fastest of `runs` measurements (the machine may be busy with other work)."""
    return min((measure() for _ in range(runs)), key=lambda measurement: measurement[0])


def vacuum():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE papers_tweet, papers_tweetmetrics, papers_tweet_papers")


def create_papers(ids):
    from papers.services.upsert import PaperRecord, papers_upsert

    for start in range(0, len(ids), 2000):
        papers_upsert(
            records=[
                PaperRecord(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", authors=("A. Author",), categories=("cs.LG",))
                for arxiv_id in ids[start : start + 2000]
            ]
        )


def naive_import(pages, measured_at):
    """The same rules without bulk operations: a query (or a few) per post, per paper and per snapshot."""
    from django.db import transaction

    from papers.models import Paper, Tweet, TweetMetrics
    from papers.sources.links import find_arxiv_ids

    through = Tweet.papers.through
    with transaction.atomic():
        for page in pages:
            when = page.measured_at or measured_at
            for post in page.posts:
                ids = list(dict.fromkeys(a.base for a in find_arxiv_ids(urls=post.links, text=post.text)))
                if not ids:
                    continue
                counters = {
                    "retweets": post.reposts,
                    "likes": post.likes,
                    "replies": post.replies,
                    "quotes": post.quotes,
                }
                tweet, created = Tweet.objects.get_or_create(
                    source=post.source,
                    external_id=post.external_id,
                    defaults={
                        "learned_via": "dump",
                        "url": post.url,
                        "author_id": post.author_id,
                        "author_handle": post.author_handle,
                        "author_name": post.author_name,
                        "lang": post.lang,
                        "text": post.text,
                        "posted_at": post.posted_at,
                        "quoted_id": post.quoted_id or "",
                        "links": list(post.links),
                    },
                )
                if created or any(getattr(tweet, name) != value for name, value in counters.items()):
                    for name, value in counters.items():
                        setattr(tweet, name, value)
                    tweet.metrics_at = when
                    tweet.save()
                    TweetMetrics.objects.get_or_create(tweet=tweet, measured_at=when, defaults=counters)
                for arxiv_id in ids:
                    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
                    if paper is not None:
                        through.objects.get_or_create(tweet=tweet, paper=paper)


def first_posts(pages, count):
    chosen, total = [], 0
    for page in pages:
        if total >= count:
            break
        chosen.append(page)
        total += len(page.posts)
    return chosen, total


def clear_posts():
    from papers.models import PostCollectionRun, Tweet

    Tweet.objects.all().delete()
    PostCollectionRun.objects.all().delete()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=2_000, help="posts the naive loop stores")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    dump = x_dump(args.posts, args.papers, seed=1)
    data, paper_ids, retweets = dump.as_jsonl(), dump.paper_ids, dump.retweets
    del dump  # its millions of objects would slow every garbage collection during the measurements
    gc.collect()
    generated = time.perf_counter() - began
    db = bench_database("bench_posts")
    create_database(db)
    try:
        setup_django(db)
        from django.db import connection

        from papers.models import Tweet, TweetMetrics
        from papers.services.posts import BATCH_SIZE
        from papers.services.posts_dumps import posts_import_dump
        from papers.sources.dumps import parse_dump

        create_papers(paper_ids)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        new_s, new_q, new_run, new_batch = measured(
            lambda progress: posts_import_dump(data=data, name="bench.jsonl", progress=progress)
        )
        assert (new_run.status, new_run.created) == ("succeeded", args.posts), (new_run.status, new_run.error)
        rows = (Tweet.objects.count(), TweetMetrics.objects.count(), Tweet.papers.through.objects.count())
        vacuum()  # what autovacuum does after a bulk load: the unchanged run then measures our code, not hint bits
        again_s, again_q, again_run, again_batch = best_of(
            2, lambda: measured(lambda progress: posts_import_dump(data=data, name="bench.jsonl", progress=progress))
        )
        assert again_run.unchanged == args.posts and again_run.created == again_run.updated == 0
        assert (Tweet.objects.count(), TweetMetrics.objects.count()) == rows[:2]

        pages, naive_count = first_posts(parse_dump(data, name="bench.jsonl"), args.naive)
        measured_at = pages[0].measured_at
        clear_posts()
        naive_new_s, naive_new_q, _, _ = measured(lambda progress: naive_import(pages, measured_at))
        naive_rows = Tweet.objects.count()
        vacuum()
        naive_again_s, naive_again_q, _, _ = best_of(
            2, lambda: measured(lambda progress: naive_import(pages, measured_at))
        )
        assert Tweet.objects.count() == naive_rows == naive_count
    finally:
        drop_database(db)

    per_k = 1000 / args.posts
    naive_k = 1000 / naive_count
    table = [
        ("(a) ours: new", new_s * per_k, new_q * per_k),
        ("(a) ours: again, unchanged", again_s * per_k, again_q * per_k),
        (f"(b) naive ORM loop: new ({naive_count:,} posts)", naive_new_s * naive_k, naive_new_q * naive_k),
        (f"(b) naive ORM loop: unchanged ({naive_count:,})", naive_again_s * naive_k, naive_again_q * naive_k),
    ]
    print(
        f"\n{args.posts:,}-post X dump ({len(data) / 1e6:.0f} MB JSON Lines, {retweets:,} retweets, generated in "
        f"{generated:.1f} s) linking {args.papers:,} papers, into PostgreSQL: {rows[0]:,} posts, {rows[1]:,} "
        f"snapshots, {rows[2]:,} paper links; totals: new {new_s:.1f} s, unchanged {again_s:.1f} s"
    )
    print(f"{'per 1,000 posts':<46} {'seconds':>9} {'statements':>11}")
    for label, seconds, statements in table:
        print(f"{label:<46} {seconds:>9.3f} {statements:>11.0f}")
    new_ratio = (naive_new_s * naive_k) / (new_s * per_k)
    again_ratio = (naive_again_s * naive_k) / (again_s * per_k)
    constant = len(new_batch) == 1 and len(again_batch) == 1
    print(
        f"statements per batch of {BATCH_SIZE:,} posts (every batch after the first): new {sorted(new_batch)} "
        f"(COPY of posts and snapshots included), unchanged {sorted(again_batch)}"
    )
    met = new_ratio >= TARGET and again_ratio >= TARGET and constant
    print(
        f"targets: at least {TARGET}x faster than (b): new {new_ratio:.0f}x, unchanged {again_ratio:.0f}x; "
        f"constant statements per batch: {'yes' if constant else 'NO'} -> {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
