"""Serving benchmark: the digest page through gunicorn with production settings, cached and uncached,
against the same HTML saved as a static file served by the same gunicorn and WhiteNoise.

PostgreSQL and Redis as in production, the corpus loaded (import_digest ../shared/corpus/posts
digests/demo), static files collected into a temporary STATIC_ROOT. wrk (Debian's package) drives
each URL for a bounded time on loopback only; the script prints requests per second, p50/p99
latency, errors and the ratios to the static file, and stops everything it started.
Targets: cached >= 0.7x the static file's throughput, uncached >= 0.05x, no errors.

    make bench    # or: .venv/bin/python bench/serve.py [--duration 10] [--connections 32]
    .venv/bin/python bench/serve.py --profile   # where an uncached render spends its time (cProfile)

It works in its own database (<DATABASE_URL name>_serve_bench, created and migrated when missing)
and Redis database (BENCH_REDIS_URL, default redis://127.0.0.1:6379/12, flushed before each run).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import environ  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402

PYTHON = Path(sys.executable)
CORPUS_DIR = ROOT.parent / "shared" / "corpus" / "posts"
DEMO_DIR = ROOT / "digests" / "demo"
SECRET_KEY = secrets.token_urlsafe(64)
DIGEST_SLUG = "hot-papers-2022-01-13"  # the seed post: the page the issue measured


def bench_database_url(suffix="_serve_bench"):
    base = environ.Env().db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hotpapers")
    name = f"{base['NAME']}{suffix}"
    host, port, user = base["HOST"] or "127.0.0.1", base["PORT"] or 5432, base["USER"] or "postgres"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{user}@{host}:{port}/{name}"


def production_env(*, static_root, redis_url, page_cache=True, database_url=None, **settings):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "HOTPAPERS_", "CELERY_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hotpapers_site.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url or bench_database_url(),
        REDIS_URL=redis_url,
        HOTPAPERS_PAGE_CACHE="true" if page_cache else "false",
        **settings,
    )
    return env


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env, corpus=CORPUS_DIR):
    """Migrate, load the corpus and the seed post (idempotent), collect static files."""
    manage(env, "migrate", "--noinput")
    manage(env, "import_digest", str(corpus), str(DEMO_DIR))
    manage(env, "collectstatic", "--noinput")
    # Fresh planner statistics, as autovacuum keeps them in production (a just-imported table has none).
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("ANALYZE")
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn on a free loopback port for the duration of a `with` block, then stopped (and waited for)."""

    def __init__(self, env, *, workers, threads=1):
        self.env, self.workers, self.threads, self.port = env, workers, threads, free_port()
        self.process = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                PYTHON.parent / "gunicorn",
                "hotpapers_site.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.workers}",
                *(
                    ["--worker-class=sync"]
                    if self.threads == 1
                    else ["--worker-class=gthread", f"--threads={self.threads}"]
                ),
                "--keep-alive=75",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/robots.txt"), timeout=2).read()  # noqa: S310 (loopback)
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("gunicorn exited at start; see its output above") from None
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not answer /robots.txt within 30 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        return response.read()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(url, *, duration, threads, connections):
    """wrk's figures for one URL: requests/s, p50 and p99 in ms, and errors (socket errors + non-2xx/3xx)."""
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout=5s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in m.groups())
    detail = "; ".join(re.findall(r"^\s*((?:Socket errors|Non-2xx or 3xx responses).*)$", output, re.M))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "detail": detail}


# Where a render spends its time, by the functions that stand for each part of it.
PROFILE_PARTS = (
    ("the page's one statement and its entries", ("digests/digest_page.py", "digest_page")),
    ("  of which waiting on PostgreSQL", ("psycopg/connection.py", "wait")),
    ("  entry sections rendered (misses: none once warm)", ("digests/digest_page.py", "entry_html")),
    ("template rendering", ("django/template/response.py", "render")),
    ("  {% url %} (reverse)", ("django/urls/base.py", "reverse")),
    ("  date filters", ("django/template/defaultfilters.py", "date")),
    ("  sanitizing posts, rendering notes", ("digests/html.py", "sanitize_post_html", "render_markdown")),
)


def profile(env, *, path, renders):
    """Render the page `renders` times in this process with the page cache off, under cProfile."""
    import cProfile
    import pstats

    os.environ.update(env, HOTPAPERS_PAGE_CACHE="false")
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(20):  # warm: templates compiled, connections open, memoized conversions filled
        assert client.get(path).status_code == 200
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(renders):
        client.get(path)
    wall, cpu = (time.perf_counter() - began) / renders * 1000, (time.process_time() - cpu) / renders * 1000
    profiler = cProfile.Profile()
    with profiler:
        for _ in range(renders):
            client.get(path)
    stats = pstats.Stats(profiler)
    print(f"{path}, {renders} renders: {wall:.1f} ms each ({cpu:.1f} ms of this process's CPU), unprofiled")
    print(f"{'share of a profiled render':<62} {'%':>6}")
    for label, (module, *names) in PROFILE_PARTS:
        seconds = sum(
            row[3] for (filename, _, name), row in stats.stats.items() if filename.endswith(module) and name in names
        )
        print(f"{label:<62} {seconds / stats.total_tt * 100:>5.1f}%")
    stats.sort_stats("tottime").print_stats(12)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL (default 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2: the cores)")
    parser.add_argument("--slug", default=DIGEST_SLUG, help="the digest to serve")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="folder of corpus posts (*.md)")
    parser.add_argument("--profile", action="store_true", help="profile uncached renders instead of serving")
    parser.add_argument("--renders", type=int, default=200, help="renders to profile (with --profile)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus posts at {args.corpus}: the benchmark serves them; pass --corpus DIR", file=sys.stderr)
        return 2
    if not args.profile and not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (make bench does)", file=sys.stderr)
        return 2
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    page = f"/digests/{args.slug}/"

    with tempfile.TemporaryDirectory(prefix="hotpapers-bench-static-") as static_root:
        env = production_env(static_root=static_root, redis_url=redis_url)
        prepare(env, args.corpus)
        if args.profile:
            profile(env, path=page, renders=args.renders)
            return 0

        # The page as readers get it, saved where WhiteNoise serves files from (it indexes them at start).
        with Gunicorn(env, workers=1) as server:
            html = fetch(server.url(page))
        static_path = f"/static/bench/{args.slug}.html"
        target = Path(static_root) / "bench" / f"{args.slug}.html"
        target.parent.mkdir()
        target.write_bytes(html)

        load = {"duration": args.duration, "threads": args.threads, "connections": args.connections}
        warm = {**load, "duration": 2}
        rows = {}
        with Gunicorn(env, workers=args.workers) as server:
            assert fetch(server.url(static_path)) == html
            for label, url in (("static file (WhiteNoise)", static_path), ("digest page, cached", page)):
                run_wrk(server.url(url), **warm)
                rows[label] = run_wrk(server.url(url), **load)
        # The same cache reading its version key in Redis on every request instead of once a second.
        every_request = production_env(static_root=static_root, redis_url=redis_url, HOTPAPERS_PAGE_CACHE_CHECK_MS="0")
        with Gunicorn(every_request, workers=args.workers) as server:
            run_wrk(server.url(page), **warm)
            rows["cached, version read/req"] = run_wrk(server.url(page), **load)
        uncached_env = production_env(static_root=static_root, redis_url=redis_url, page_cache=False)
        with Gunicorn(uncached_env, workers=args.workers) as server:
            run_wrk(server.url(page), **warm)
            rows["digest page, uncached"] = run_wrk(server.url(page), **load)

    static = rows["static file (WhiteNoise)"]["rps"]
    print(
        f"\n{page} ({len(html) / 1024:.1f} KB), gunicorn {args.workers} sync workers, production settings, "
        f"PostgreSQL + Redis; wrk {args.threads} threads, {args.connections} connections, {args.duration} s each"
    )
    print(f"{'measurement':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'/ static':>9}")
    for label, row in rows.items():
        print(
            f"{label:<26} {row['rps']:>9.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} {row['errors']:>7} "
            f"{row['rps'] / static:>8.2f}x"
        )
    cached, uncached = rows["digest page, cached"]["rps"], rows["digest page, uncached"]["rps"]
    targets = [
        ("cached >= 0.7x static", cached >= 0.7 * static),
        ("uncached >= 0.05x static", uncached >= 0.05 * static),
        ("0 errors", all(row["errors"] == 0 for row in rows.values())),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
