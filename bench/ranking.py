"""Ranking benchmark: a day of 100,000 posts over 10,000 papers in PostgreSQL, ranked two ways in one run.

(a) ``digests.ranking.rank_day``: one query with window functions, over the copy of the posts' ranking
fields their links to papers hold (papers/link_columns.py), read in the order of its index; (b) a naive
Python loop: every post of the day's papers loaded through the ORM (one prefetch) and the rule applied in Python
(``tests/digests/ranking_days.naive_rank_day``); (c) for scale, the same loop with a query per paper
(the N+1 a first version would write), timed once. All must give the same featured list and candidates.
For reference, (f) is the floor of a ranking that reads the day's posts themselves: one join of the
day's posts summed per paper, without the rule (no per-account best, no embedded posts).

(a), (b) and (f) run in rounds, one of each per round, so that all three see the same load on a shared
machine; it prints the medians of their wall-clock seconds and of the CPU seconds they cost (this
process plus its PostgreSQL backend, read from /proc when the server runs on this machine), each with
its ratio to (a). Target: (a) at least 20x faster than (b) in wall-clock time.

    make bench    # or: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotpapers .venv/bin/python bench/ranking.py

It builds the day in its own database (<DATABASE_URL name>_bench_ranking), created and migrated for the
run and dropped at the end. After the build it runs VACUUM ANALYZE, as autovacuum would (the build
rewrites every post once to set its stored time); that also lets (a) read the links' index alone.
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

from bench_db import bench_database, create_database, drop_database  # noqa: E402

DAY = dt.date(2022, 1, 13)
AS_OF = dt.datetime(2022, 1, 14, 11, 0, tzinfo=dt.UTC)
TARGET = 20


def setup_django(db):
    os.environ["DATABASE_URL"] = f"postgres://{db['user']}@{db['host']}:{db['port']}/{db['name']}"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotpapers_site.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Clock:
    """Wall-clock and CPU seconds of a call: this process's CPU plus its PostgreSQL backend's.

    The backend's CPU time comes from /proc/<pid>/schedstat, readable when the server runs on this
    machine (as in `make bench`); otherwise only this process's CPU is counted, and said so.
    """

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
        self.server = self.stat.is_file()

    def server_seconds(self):
        return int(self.stat.read_text().split()[0]) / 1e9 if self.server else 0.0

    def time(self, function):
        wall, cpu, server = time.perf_counter(), time.process_time(), self.server_seconds()
        result = function()
        cpu = time.process_time() - cpu + self.server_seconds() - server
        return time.perf_counter() - wall, cpu, result


def timed_in_rounds(clock, functions, rounds):
    """Each function once to warm up, then `rounds` rounds of one call each; medians and last results."""
    times = {name: [] for name in functions}
    results = {name: function() for name, function in functions.items()}
    for _ in range(rounds):
        for name, function in functions.items():
            wall, cpu, results[name] = clock.time(function)
            times[name].append((wall, cpu))
    medians = {
        name: (statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs))
        for name, runs in times.items()
    }
    return medians, results


def floor_query():
    """The day's visible posts summed per paper: what any ranking in the database reads, without the rule."""
    from django.db import connection

    from papers.models import Paper, Tweet

    quote = connection.ops.quote_name
    link = Tweet.papers.through._meta
    paper, tweet = quote(link.get_field("paper").column), quote(link.get_field("tweet").column)
    sql = (
        f"SELECT link.{paper}, COUNT(*), SUM(post.retweets + post.likes), SUM(post.retweets) "
        f"FROM {quote(link.db_table)} link JOIN {quote(Tweet._meta.db_table)} post ON post.id = link.{tweet} "
        f"WHERE link.{paper} IN (SELECT id FROM {quote(Paper._meta.db_table)} WHERE announced_on = %s) "
        "AND NOT post.is_hidden AND (post.posted_at <= %s OR (post.posted_at IS NULL AND post.created_at <= %s)) "
        f"GROUP BY link.{paper}"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, [DAY, AS_OF, AS_OF])
            return cursor.fetchall()

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of (a), (b) and (f) (the medians are kept)")
    parser.add_argument("--skip-per-paper", action="store_true", help="leave out (c), the slow query-per-paper loop")
    args = parser.parse_args(argv)

    db = bench_database("bench_ranking")
    create_database(db)
    try:
        setup_django(db)
        from django.db import connection

        from digests.ranking import rank_day
        from tests.digests.ranking_days import build_day, naive_rank_day

        began = time.perf_counter()
        build_day(day=DAY, papers=args.papers, posts=args.posts, as_of=AS_OF, seed=1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # autocommit: outside any transaction
        built = time.perf_counter() - began

        clock = Clock()
        medians, results = timed_in_rounds(
            clock,
            {
                "a": lambda: rank_day(day=DAY, as_of=AS_OF),
                "b": lambda: naive_rank_day(day=DAY, as_of=AS_OF),
                "f": floor_query(),
            },
            max(1, args.repeat),
        )
        ranking, expected = results["a"], results["b"]
        assert [r.arxiv_id for r in ranking.featured] == [r.arxiv_id for r in expected.featured]
        assert ranking == expected, "the query and the Python loop disagree"
        per_paper = None
        if not args.skip_per_paper:
            per_paper_wall, per_paper_cpu, per_paper_ranking = clock.time(
                lambda: naive_rank_day(day=DAY, as_of=AS_OF, prefetch=False)
            )
            assert per_paper_ranking == expected
            per_paper = (per_paper_wall, per_paper_cpu)
    finally:
        drop_database(db)

    ours = medians["a"]
    counted = sum(r.account_count for r in ranking.candidates)
    print(
        f"\nranking one day: {args.posts:,} posts over {args.papers:,} papers in PostgreSQL "
        f"(built in {built:.1f} s); {len(ranking.candidates):,} candidates, {counted:,} counted posts, "
        f"{len(ranking.featured)} featured; medians of {max(1, args.repeat)} rounds"
    )
    cpu_heading = "cpu s" if clock.server else "cpu s*"
    print(f"{'measurement':<46} {'wall s':>8} {'/ (a)':>8} {cpu_heading:>8} {'/ (a)':>8}")
    rows = [
        ("(a) rank_day: one query, window functions", ours),
        ("(b) naive: ORM prefetch + Python loop", medians["b"]),
        ("(c) naive: a query per paper, one run", per_paper),
        ("(f) floor: the day's posts summed, no rule", medians["f"]),
    ]
    for label, (wall, cpu) in [(label, times) for label, times in rows if times is not None]:
        print(f"{label:<46} {wall:>8.3f} {wall / ours[0]:>7.2f}x {cpu:>8.3f} {cpu / ours[1]:>7.2f}x")
    if not clock.server:
        print("* this process only: the PostgreSQL server runs elsewhere")
    ratio = medians["b"][0] / ours[0]
    met = ratio >= TARGET
    print(f"target: (a) at least {TARGET}x faster than (b): {'met' if met else 'MISSED'} ({ratio:.1f}x wall clock)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
