"""Ranking benchmark: a day of 100,000 posts over 10,000 papers in PostgreSQL, ranked two ways in one run.

(a) ``digests.ranking.rank_day``: one query with window functions; (b) a naive Python loop: every post of
the day's papers loaded through the ORM (one prefetch) and the rule applied in Python
(``tests/digests/ranking_days.naive_rank_day``); (c) for scale, the same loop with a query per paper
(the N+1 a first version would write), timed once. All must give the same featured list and candidates.
Prints the median seconds of each and the ratio to (a). Target: (a) at least 20x faster than (b).

    make bench    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotpapers .venv/bin/python bench/ranking.py

It builds the day in its own database (<DATABASE_URL name>_bench_ranking), created and migrated for the
run and dropped at the end.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import environ  # noqa: E402
import psycopg  # noqa: E402

DAY = dt.date(2022, 1, 13)
AS_OF = dt.datetime(2022, 1, 14, 11, 0, tzinfo=dt.UTC)
TARGET = 20


def bench_database():
    base = environ.Env().db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hotpapers")
    host, port, user = base["HOST"] or "127.0.0.1", base["PORT"] or 5432, base["USER"]
    return {"name": f"{base['NAME']}_bench_ranking", "host": host, "port": port, "user": user}


def _admin(db):
    return psycopg.connect(host=db["host"], port=db["port"], user=db["user"], dbname="postgres", autocommit=True)


def create_database(db):
    with _admin(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["name"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db["name"]}"')


def drop_database(db):
    from django.db import connections

    connections.close_all()
    with _admin(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["name"]}" WITH (FORCE)')


def setup_django(db):
    os.environ["DATABASE_URL"] = f"postgres://{db['user']}@{db['host']}:{db['port']}/{db['name']}"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotpapers_site.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(function, repeat):
    """The median seconds of `repeat` runs after one warm-up run, and the last result."""
    times, result = [], function()
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each ranking (the median is kept)")
    parser.add_argument("--skip-per-paper", action="store_true", help="leave out (c), the slow query-per-paper loop")
    args = parser.parse_args(argv)

    db = bench_database()
    create_database(db)
    try:
        setup_django(db)
        from django.db import connection

        from digests.ranking import rank_day
        from tests.digests.ranking_days import build_day, naive_rank_day

        began = time.perf_counter()
        build_day(day=DAY, papers=args.papers, posts=args.posts, as_of=AS_OF, seed=1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        built = time.perf_counter() - began

        ours, ranking = timed(lambda: rank_day(day=DAY, as_of=AS_OF), args.repeat)
        naive, expected = timed(lambda: naive_rank_day(day=DAY, as_of=AS_OF), max(1, args.repeat // 2 + 1))
        assert [r.arxiv_id for r in ranking.featured] == [r.arxiv_id for r in expected.featured]
        assert ranking == expected, "the query and the Python loop disagree"
        per_paper = None
        if not args.skip_per_paper:
            began = time.perf_counter()
            assert naive_rank_day(day=DAY, as_of=AS_OF, prefetch=False) == expected
            per_paper = time.perf_counter() - began
    finally:
        drop_database(db)

    ratio = naive / ours
    counted = sum(r.account_count for r in ranking.candidates)
    print(
        f"\nranking one day: {args.posts:,} posts over {args.papers:,} papers in PostgreSQL "
        f"(built in {built:.1f} s); {len(ranking.candidates):,} candidates, {counted:,} counted posts, "
        f"{len(ranking.featured)} featured; medians"
    )
    print(f"{'measurement':<44} {'seconds':>9} {'/ (a)':>8}")
    print(f"{'(a) rank_day: one query, window functions':<44} {ours:>9.3f} {1:>7.2f}x")
    print(f"{'(b) naive: ORM prefetch + Python loop':<44} {naive:>9.3f} {ratio:>7.2f}x")
    if per_paper is not None:
        print(f"{'(c) naive: a query per paper, one run':<44} {per_paper:>9.3f} {per_paper / ours:>7.2f}x")
    met = ratio >= TARGET
    print(f"target: (a) at least {TARGET}x faster than (b): {'met' if met else 'MISSED'} ({ratio:.1f}x)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
