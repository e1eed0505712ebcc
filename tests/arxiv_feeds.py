"""Synthetic arXiv API feeds built from the real papers in ``../shared/corpus/posts/``.

Shared by the tests and the benchmarks under ``bench/`` (which import this module), so both feed the
parser the same realistic titles, authors, abstracts and categories.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
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


def numbered_papers(count: int, *, yymm: str = "2101", categories: tuple[str, ...] = ("cs.LG",)) -> list[CorpusPaper]:
    """``count`` small distinct papers, ``{yymm}.00000`` upwards: a feed of any size with every id unique."""
    return [
        CorpusPaper(
            arxiv_id=f"{yymm}.{number:05d}",
            title=f"Paper {number}",
            authors=[f"Author {number}", f"Coauthor {number % 97}"],
            categories=list(categories),
            abstract=f"The abstract of paper {number}.",
        )
        for number in range(count)
    ]


def api_search_page(papers: list[CorpusPaper], *, start: int, max_results: int) -> bytes:
    """The API's answer to a search whose results are ``papers``, at ``start`` (opensearch paging)."""
    page = papers[start : start + max_results]
    if not page:
        return (
            build_api_feed(papers[:1], entries=1, start=start, total=len(papers)).split(b"  <entry>")[0] + b"</feed>\n"
        )
    return build_api_feed(page, entries=len(page), start=start, total=len(papers))
