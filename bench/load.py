"""Load benchmark: the home, digest, paper and search pages under wrk at once while a real Celery worker ingests.

gunicorn (production settings, gthread workers as the Procfile runs it) on PostgreSQL and a private
redis-server (cache, page-cache version key and broker), the corpus loaded as bench/serve.py loads it.
Meanwhile a Celery worker on the ingest queue runs `papers.tasks.ingest_arxiv_category` back to back
against a local HTTP server that answers each request with a 500-entry arXiv API feed of new papers (real
titles, authors and abstracts from the corpus, ids in a new month each time), so every round inserts 500
papers and retires the cached pages, as a day's ingestion does. One wrk per page shares the connections
(64 by default: 16 each), all for the same --duration seconds. Prints requests per second, p50/p99 latency
and errors per page, and what the worker ingested meanwhile; fails when any request failed or nothing
was ingested. Loopback only; stops everything it started (wrk, gunicorn, the worker, redis-server, the
feed server), however it ends.

    make bench    # or: .venv/bin/python bench/load.py [--duration 60] [--connections 64]

It works in its own database (<DATABASE_URL name>_load_bench, created and migrated when missing); papers
a previous run ingested are deleted first, so every run starts from the same corpus.
"""

import argparse
import contextlib
import http.server
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from serve import (  # noqa: E402
    CORPUS_DIR,
    DIGEST_SLUG,
    PYTHON,
    Gunicorn,
    bench_database_url,
    fetch,
    free_port,
    manage,
    prepare,
    production_env,
)
from serve import run_wrk as serve_run_wrk  # noqa: E402

from tests.arxiv_feeds import build_api_feed, load_corpus_papers  # noqa: E402

PAGES = {
    "home": "/",
    "digest": f"/digests/{DIGEST_SLUG}/",
    "paper": "/papers/2201.04182/",
    "search": "/search/?q=transformer",
}
FEED_ENTRIES = 500
# New-style ids in months the corpus never uses (its papers are from 2017 and 2020-2022): each round one month.
ROUND_MONTHS = [f"{year:02d}{month:02d}" for year in (15, 16, 18, 19) for month in range(1, 13)]
LOAD_IDS = r"^1[5689](0[1-9]|1[0-2])\."
_YYMM = re.compile(rb"(arxiv\.org/(?:abs|pdf)/)\d{4}\.")


def run_wrk(url, **load):
    """bench/serve.py's wrk figures, saying what the errors were when there were any."""
    row = serve_run_wrk(url, **load)
    if row["errors"]:
        print(f"{url}: {row['errors']} errors: {row['detail']}", file=sys.stderr)
    return row


class FeedServer:
    """arXiv's API on loopback: every request gets the next round's feed (the same papers under new ids)."""

    def __init__(self):
        template = build_api_feed(load_corpus_papers(CORPUS_DIR), FEED_ENTRIES)
        self.feeds = [_YYMM.sub(rb"\g<1>" + month.encode() + b".", template) for month in ROUND_MONTHS]
        self.served = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = server.feeds[server.served % len(server.feeds)]
                server.served += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class Process:
    """A child process for a `with` block: SIGTERM at the end, SIGKILL if it lingers, always waited for."""

    def __init__(self, command, *, env=None, what):
        self.command, self.env, self.what, self.process = command, env, what, None

    def __enter__(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL)
        return self

    def alive(self):
        return self.process.poll() is None

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def redis_server(port):
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return Process(command + ["--loglevel", "warning"], what="redis-server")


def wait_for_redis(url, proc, timeout=20):
    import redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise SystemExit("redis-server exited at start")
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(url).ping()
            return
        time.sleep(0.1)
    raise SystemExit(f"redis-server did not answer within {timeout} s")


def ingest_counts(database_url):
    with psycopg.connect(database_url) as connection:
        runs = connection.execute(
            "SELECT status, count(*), coalesce(sum(created), 0) FROM papers_ingestrun"
            " WHERE parameters->>'category' = 'cs.LG' GROUP BY status"
        ).fetchall()
        papers = connection.execute("SELECT count(*) FROM papers_paper").fetchone()[0]
    return {status: (count, created) for status, count, created in runs}, papers


def feed_the_worker(app, database_url, stop, rounds):
    """Queue one category ingestion after another (one in flight) until `stop` is set."""
    while not stop.is_set():
        before, _papers = ingest_counts(database_url)
        finished = sum(count for status, (count, _c) in before.items() if status in ("succeeded", "failed"))
        app.send_task(
            "papers.tasks.ingest_arxiv_category",
            kwargs={"category": "cs.LG", "since": "2021-01-01", "until": "2021-01-02"},
            queue="ingest",
        )
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            now, _papers = ingest_counts(database_url)
            if sum(count for status, (count, _c) in now.items() if status in ("succeeded", "failed")) > finished:
                rounds.append(time.monotonic())
                break
            time.sleep(0.2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="connections in all, shared by the pages")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (the Procfile's 4)")
    args = parser.parse_args(argv)
    if not CORPUS_DIR.is_dir():
        print(f"no corpus posts at {CORPUS_DIR}: the benchmark serves them", file=sys.stderr)
        return 2
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            print(f"{tool} is missing: apt-get install {tool.split('-')[0]} (make bench does)", file=sys.stderr)
            return 2
    from celery import Celery

    database_url = bench_database_url("_load_bench")
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    per_page = max(1, args.connections // len(PAGES))

    with contextlib.ExitStack() as stack:
        static_root = stack.enter_context(tempfile.TemporaryDirectory(prefix="hotpapers-load-static-"))
        redis_proc = stack.enter_context(redis_server(redis_port))
        wait_for_redis(redis_url, redis_proc)
        feed = stack.enter_context(FeedServer())
        env = production_env(
            static_root=static_root,
            redis_url=redis_url,
            database_url=database_url,
            ARXIV_API_URL=feed.url,
            ARXIV_MIN_INTERVAL="0",
            ARXIV_MAX_RETRIES="1",
        )
        prepare(env)
        manage(
            env,
            "shell",
            "-c",
            f"from papers.models import Paper; Paper.objects.filter(arxiv_id__regex=r'{LOAD_IDS}').delete()",
        )
        server = stack.enter_context(Gunicorn(env, workers=args.workers, threads=args.threads))
        for path in PAGES.values():
            fetch(server.url(path))  # every page answers before the clock starts
        worker = stack.enter_context(
            Process(
                [PYTHON.parent / "celery", "-A", "hotpapers_site", "worker", "-Q", "ingest", "-c", "1"]
                + ["--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                env=env,
                what="celery worker",
            )
        )
        app = Celery(broker=redis_url)
        stop, rounds = threading.Event(), []
        runs_before, papers_before = ingest_counts(database_url)
        feeder = threading.Thread(target=feed_the_worker, args=(app, database_url, stop, rounds), daemon=True)
        feeder.start()
        while not rounds and feeder.is_alive() and worker.alive():  # the worker ingests before the load starts
            time.sleep(0.2)
        started = time.monotonic()
        with ThreadPoolExecutor(len(PAGES)) as pool:
            futures = {
                name: pool.submit(run_wrk, server.url(path), duration=args.duration, threads=1, connections=per_page)
                for name, path in PAGES.items()
            }
            rows = {name: future.result() for name, future in futures.items()}
        stop.set()
        feeder.join(timeout=70)
        during = [moment for moment in rounds if moment >= started]
        runs_after, papers_after = ingest_counts(database_url)
        worker_alive = worker.alive()
        app.close()

    succeeded = runs_after.get("succeeded", (0, 0))[0] - runs_before.get("succeeded", (0, 0))[0]
    failed = runs_after.get("failed", (0, 0))[0] - runs_before.get("failed", (0, 0))[0]
    print(
        f"\ngunicorn {args.workers} workers x {args.threads} threads, production settings, PostgreSQL + Redis; "
        f"wrk: {len(PAGES)} pages at once, {per_page} connections each ({per_page * len(PAGES)} in all), "
        f"{args.duration} s, while a Celery worker ingests"
    )
    print(f"{'page':<8} {'path':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, row in rows.items():
        print(
            f"{name:<8} {PAGES[name]:<34} {row['rps']:>8.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} {row['errors']:>7}"
        )
    total = sum(row["rps"] for row in rows.values())
    print(f"{'all':<8} {'':<34} {total:>8.0f}")
    print(
        f"ingestion meanwhile: {len(during)} runs of {FEED_ENTRIES} new papers finished during the load "
        f"({succeeded} succeeded, {failed} failed in all), papers {papers_before} -> {papers_after}"
    )
    targets = [
        ("0 errors", all(row["errors"] == 0 for row in rows.values())),
        ("the worker ingested during the load", len(during) > 0 and failed == 0 and worker_alive),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
