"""Parse-only benchmark: our streaming arXiv Atom parser against the PyPI ``arxiv`` package (version 4).

Builds a 2,000-entry arXiv API page from the real papers in ``../shared/corpus/posts/`` (titles, authors,
abstracts, categories, ids), then times ``papers.sources.arxiv.parse_api_feed`` and ``arxiv._feed.parse``
(the function ``arxiv.Client`` calls on each response body; it builds the whole tree and ``arxiv.Result``
objects) on the same bytes, after checking both read the same ids, authors and primary categories. Also
reports how much each parse raises the peak memory of a fresh process. No Django, no network.

    .venv/bin/python bench/ingest_parse.py [--entries 2000] [--repeat 7] [--posts DIR]

The helpers (``load_corpus_papers``, ``build_api_feed``, ``time_parsers``) are meant to be reused by the
database part of the ingestion benchmark.
"""

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from papers.sources.arxiv import parse_api_feed  # noqa: E402
from tests.arxiv_feeds import DEFAULT_POSTS, build_api_feed, load_corpus_papers  # noqa: E402


def _arxiv_package_parse() -> Callable[[bytes], object]:
    """``arxiv._feed.parse``: what ``arxiv.Client`` runs on every response body, without its HTTP."""
    installed = metadata.version("arxiv")
    if not installed.startswith("4."):
        raise RuntimeError(f"expected the arxiv package 4.x (requirements-dev.txt), found {installed}")
    from arxiv import _feed

    return _feed.parse


# VmHWM (Linux) is the process's own peak RSS; ru_maxrss would start from the parent's peak, inherited over exec.
_PEAK_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[3])
def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
data = open(sys.argv[1], "rb").read()
if sys.argv[2] == "ours":
    from papers.sources.arxiv import parse_api_feed as parse
else:
    from arxiv._feed import parse
before = peak_kib()
result = parse(data)
print(peak_kib() - before)
"""


def peak_memory_growth(data: bytes, parser: str) -> float | None:
    """MB the peak RSS grows while ``parser`` ("ours" or "arxiv") parses ``data`` in a fresh process; None off Linux."""
    if not Path("/proc/self/status").exists():
        return None
    with tempfile.NamedTemporaryFile(suffix=".xml") as feed:
        feed.write(data)
        feed.flush()
        output = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, feed.name, parser, str(ROOT)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return int(output.strip()) / 1024


def time_parsers(data: bytes, repeat: int = 7) -> list[dict]:
    """Best and median wall time of each parser on ``data``, after checking they read the same entries."""
    ours = parse_api_feed
    theirs = _arxiv_package_parse()
    ours_records = ours(data).records
    theirs_result = theirs(data)
    ours_view = [(r.versioned_id, [a.name for a in r.authors], r.primary_category) for r in ours_records]
    theirs_view = [(r.get_short_id(), [a.name for a in r.authors], r.primary_category) for r in theirs_result.results]
    if theirs_result.malformed or ours_view != theirs_view:
        raise RuntimeError(f"the parsers disagree: ours read {len(ours_view)} entries, arxiv {len(theirs_view)}")
    ours_count = len(ours_records)
    rows = []
    parsers = (("ours: parse_api_feed (iterparse)", ours, "ours"), ("arxiv 4.0.2: arxiv._feed.parse", theirs, "arxiv"))
    times: dict[str, list[float]] = {key: [] for _label, _parse, key in parsers}
    # Interleaved, so that load from anything else on the machine falls on both parsers alike.
    for _ in range(repeat):
        for _label, parse, key in parsers:
            gc.collect()
            began = time.perf_counter()
            parse(data)
            times[key].append(time.perf_counter() - began)
    for label, _parse, key in parsers:
        rows.append(
            {
                "parser": label,
                "entries": ours_count,
                "best": min(times[key]),
                "median": statistics.median(times[key]),
                "peak_mb": peak_memory_growth(data, key),
            }
        )
    return rows


def print_table(rows: list[dict], size: int) -> None:
    best, median = rows[-1]["best"], rows[-1]["median"]
    print(f"arXiv API page: {rows[0]['entries']} entries, {size / 1e6:.2f} MB")
    print(
        f"{'parser':<34} {'best ms':>8} {'median ms':>10} {'best/arxiv':>11} {'median/arxiv':>13} {'peak RSS +MB':>13}"
    )
    for row in rows:
        peak = f"{row['peak_mb']:.1f}" if row["peak_mb"] is not None else "n/a"
        print(
            f"{row['parser']:<34} {row['best'] * 1e3:>8.1f} {row['median'] * 1e3:>10.1f}"
            f" {row['best'] / best:>10.2f}x {row['median'] / median:>12.2f}x {peak:>13}"
        )
    print("ratios below 1 mean faster than arxiv; peak RSS: growth of the peak while parsing, each in its own process")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000, help="entries in the feed (arXiv's page limit: 2000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each parser")
    parser.add_argument("--posts", type=Path, default=DEFAULT_POSTS, help="folder of corpus posts (*.md)")
    args = parser.parse_args(argv)
    if not args.posts.is_dir():
        print(f"no corpus posts at {args.posts}; pass --posts DIR", file=sys.stderr)
        return 2
    papers = load_corpus_papers(args.posts)
    data = build_api_feed(papers, args.entries)
    print(f"{len(papers)} distinct corpus papers; entries past that reuse them under synthetic ids")
    rows = time_parsers(data, args.repeat)
    print_table(rows, len(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
