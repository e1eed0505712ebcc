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
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from papers.sources.arxiv import parse_api_feed  # noqa: E402

DEFAULT_POSTS = ROOT.parent / "shared" / "corpus" / "posts"

_ENTRY = re.compile(
    r"^# \d+\. (?P<title>.+)\n\n(?P<authors>.+)\n\n- retweets: .+\n\n"
    r"- links: \[abs\]\(https://arxiv\.org/abs/(?P<id>[^)\s]+)\).*\n"
    r"- (?P<categories>.+)\n\n(?P<abstract>.+)\n",
    re.MULTILINE,
)
_CATEGORY = re.compile(r"\[([^\]]+)\]\(https://arxiv\.org/list/")


@dataclass(frozen=True)
class CorpusPaper:
    arxiv_id: str
    title: str
    authors: list[str]
    categories: list[str]
    abstract: str


def load_corpus_papers(posts_dir: Path = DEFAULT_POSTS) -> list[CorpusPaper]:
    """Every distinct paper in the corpus posts, in post order."""
    papers: dict[str, CorpusPaper] = {}
    for path in sorted(posts_dir.glob("*.md")):
        for match in _ENTRY.finditer(path.read_text(encoding="utf-8")):
            arxiv_id = match["id"]
            if arxiv_id in papers:
                continue
            papers[arxiv_id] = CorpusPaper(
                arxiv_id=arxiv_id,
                # The posts keep arXiv's wrapped titles with the newline dropped ("Automatic  Sharding").
                title=match["title"].replace("  ", "\n  "),
                authors=[name.strip() for name in match["authors"].split(", ") if name.strip()],
                categories=_CATEGORY.findall(match["categories"]),
                abstract=match["abstract"],
            )
    return list(papers.values())


def _unique_ids(papers: list[CorpusPaper], count: int) -> list[tuple[str, CorpusPaper]]:
    """``count`` (id, paper) pairs: the real ids first, then the same papers again under unused synthetic ids."""
    taken = {paper.arxiv_id for paper in papers}
    pairs = []
    for index in range(count):
        paper = papers[index % len(papers)]
        arxiv_id = paper.arxiv_id
        if index >= len(papers):
            yymm, number = arxiv_id.split(".")
            candidate = int(number)
            while True:
                candidate = (candidate + 50021) % 100000
                arxiv_id = f"{yymm}.{candidate:05d}"
                if arxiv_id not in taken:
                    break
            taken.add(arxiv_id)
        pairs.append((arxiv_id, paper))
    return pairs


def build_api_feed(
    papers: list[CorpusPaper], entries: int = 2000, *, start: int = 0, total: int | None = None
) -> bytes:
    """An arXiv API response page (today's format: namespaces on <feed>) with ``entries`` entries."""
    if not papers:
        raise ValueError("no papers to build a feed from")
    total = entries if total is None else total
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/benchHotPapers0000000000000</id>\n"
        f"  <title>arXiv Query: search_query=&amp;id_list=&amp;start={start}&amp;max_results={entries}</title>\n"
        "  <updated>2026-01-01T00:00:00Z</updated>\n"
        f"  <opensearch:itemsPerPage>{entries}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    ]
    for index, (arxiv_id, paper) in enumerate(_unique_ids(papers, entries)):
        version = 1 + index % 3
        yymm = arxiv_id.split(".")[0]
        published = datetime(2000 + int(yymm[:2]), int(yymm[2:]), 1 + index % 28, 17, index % 60, tzinfo=UTC)
        updated = published + timedelta(days=3 * (version - 1), hours=index % 5)
        versioned = f"{arxiv_id}v{version}"
        out.append(
            "  <entry>\n"
            f"    <id>http://arxiv.org/abs/{versioned}</id>\n"
            f"    <title>{escape(paper.title)}</title>\n"
            f"    <updated>{updated:%Y-%m-%dT%H:%M:%SZ}</updated>\n"
            f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>\n'
            f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf" title="pdf"/>\n'
            f"    <summary>{escape(paper.abstract)}</summary>\n"
        )
        for category in paper.categories:
            out.append(f'    <category term={quoteattr(category)} scheme="http://arxiv.org/schemas/atom"/>\n')
        out.append(f"    <published>{published:%Y-%m-%dT%H:%M:%SZ}</published>\n")
        if index % 3 == 0:
            out.append(f"    <arxiv:comment>{8 + index % 30} pages, {index % 9} figures</arxiv:comment>\n")
        if paper.categories:
            out.append(f"    <arxiv:primary_category term={quoteattr(paper.categories[0])}/>\n")
        if index % 11 == 0:
            journal = f"Proc. Bench Conf. {2000 + index % 25}, {index}-{index + 9}"
            out.append(f"    <arxiv:journal_ref>{journal}</arxiv:journal_ref>\n")
        for position, name in enumerate(paper.authors):
            out.append(f"    <author>\n      <name>{escape(name)}</name>\n")
            if (index + position) % 7 == 0:
                out.append("      <arxiv:affiliation>Example University</arxiv:affiliation>\n")
            out.append("    </author>\n")
        if index % 5 == 0:
            doi = f"10.5555/bench.{index:05d}"
            out.append(f"    <arxiv:doi>{doi}</arxiv:doi>\n")
            out.append(f'    <link rel="related" href="https://doi.org/{doi}" title="doi"/>\n')
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


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
