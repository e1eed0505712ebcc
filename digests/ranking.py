"""The ranking rule: which papers a day's digest features, in what order, with which posts.

The rule, in full (README "How papers are ranked" says it for readers):

- A post's score is its reposts + likes (``Tweet.retweets + Tweet.likes``, the counters last read).
- A paper's counted posts are the visible posts that link to it (``is_hidden`` false) posted up to the
  build time ``as_of``, at most one per account: that account's best, ties going to the earlier post,
  then to the smaller id. An account is a platform and a handle, case-insensitively (``@Ak92501`` and
  ``@ak92501`` on X are one account; ``ak92501`` on X and on Bluesky are two). Reposts are never stored
  as posts, so they never count; quote posts are posts of their own and count. A post that links to
  two papers counts for both. A post whose time is unknown (no ``posted_at``) counts from when it was
  stored (``created_at``), and that is its time in ties too.
- A paper's score is the sum of its counted posts' scores; its entry shows ``retweets`` (the sum of
  their reposts) and ``favorites`` (the sum of their likes).
- The candidates of day D are the papers arXiv announced in its listing dated D (``Paper.announced_on``).
  Featured: the candidates scoring at least ``HOTPAPERS_MIN_PAPER_SCORE`` (50), by score descending, ties
  by arXiv id ascending (code-point order), at most ``HOTPAPERS_DIGEST_SIZE`` (30).
- An entry embeds its counted posts scoring at least ``HOTPAPERS_MIN_POST_SCORE`` (25), best first (ties
  as above), at most ``HOTPAPERS_MAX_EMBEDDED_POSTS`` (10); when none reaches it, its best post alone.

It runs in the database: one query for a day, window functions picking each account's best post,
totalling each paper and numbering its embeddable posts, one row per candidate back, already ranked.
It reads the posts' fields from the copy their links to papers hold (papers/link_columns.py), in the
order of an index made for it. PostgreSQL and SQLite (3.28+, named windows) alike.

    ranking = rank_day(day=dt.date(2022, 1, 13))
    for ranked in ranking.featured:
        print(ranked.arxiv_id, ranked.score, why_line(ranked))
"""

import dataclasses
import datetime as dt
import functools
import itertools

from django.conf import settings
from django.db import connection
from django.utils import timezone

from papers.models import Paper, Tweet

# How the "why" line names each platform (the model's labels are longer: "X / Twitter").
SOURCE_NAMES = {"x": "X", "bluesky": "Bluesky", "hackernews": "Hacker News"}


@dataclasses.dataclass(frozen=True)
class RankedPaper:
    """One paper's standing: its score and what it is made of."""

    paper_id: int
    arxiv_id: str
    score: int  # sum of the counted posts' reposts + likes
    retweets: int  # sum of the counted posts' reposts (an entry's `retweets`)
    favorites: int  # sum of the counted posts' likes (an entry's `favorites`)
    post_count: int  # visible posts up to as_of, an account's every post included
    account_count: int  # accounts among them: the counted posts, one each
    sources: tuple[str, ...]  # platforms of the counted posts ("x", "bluesky"), in Tweet.Source order
    embedded_post_ids: tuple[int, ...]  # Tweet ids to embed, best first


@dataclasses.dataclass(frozen=True)
class DayRanking:
    """A day's ranking: the featured papers and every candidate, as of one instant."""

    day: dt.date
    as_of: dt.datetime
    size: int
    min_paper_score: int
    min_post_score: int
    featured: list[RankedPaper]  # what the digest shows, in order
    candidates: list[RankedPaper]  # every paper announced that day, ranked, featured or not, with posts or not

    @functools.cached_property
    def by_paper_id(self) -> dict[int, RankedPaper]:
        return {ranked.paper_id: ranked for ranked in self.candidates}


def rank_day(
    *,
    day: dt.date,
    as_of: dt.datetime | None = None,
    size: int | None = None,
    min_paper_score: int | None = None,
    min_post_score: int | None = None,
    max_embedded: int | None = None,
) -> DayRanking:
    """Rank the papers announced on `day` by the posts up to `as_of` (default now). One query.

    Unset limits come from the HOTPAPERS_* settings.
    """
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"rank_day() takes a date, not {day!r}")
    as_of = _as_of(as_of)
    size = _limit("size", size, settings.HOTPAPERS_DIGEST_SIZE)
    min_paper_score = _limit("min_paper_score", min_paper_score, settings.HOTPAPERS_MIN_PAPER_SCORE)
    min_post_score = _limit("min_post_score", min_post_score, settings.HOTPAPERS_MIN_POST_SCORE)
    max_embedded = _limit("max_embedded", max_embedded, settings.HOTPAPERS_MAX_EMBEDDED_POSTS, minimum=1)

    candidates = _rank(
        where="paper.announced_on = %s",
        params=[connection.ops.adapt_datefield_value(day)],
        as_of=as_of,
        min_post_score=min_post_score,
        max_embedded=max_embedded,
    )
    featured = [ranked for ranked in candidates if ranked.score >= min_paper_score][:size]
    return DayRanking(
        day=day,
        as_of=as_of,
        size=size,
        min_paper_score=min_paper_score,
        min_post_score=min_post_score,
        featured=featured,
        candidates=candidates,
    )


def rank_papers(
    *,
    paper_ids,
    as_of: dt.datetime | None = None,
    min_post_score: int | None = None,
    max_embedded: int | None = None,
) -> dict[int, RankedPaper]:
    """Score the given papers, whatever their day, by the same rule (one query; none for no ids).

    For a paper an editor adds to a digest: its counters and embedded posts. Returns them by paper
    id in ranking order; an id with no paper is left out. Meant for a digest's worth of ids.
    """
    ids = sorted({int(pk) for pk in paper_ids})
    if not ids:
        return {}
    ranked = _rank(
        where=f"paper.id IN ({', '.join(['%s'] * len(ids))})",
        params=ids,
        as_of=_as_of(as_of),
        min_post_score=_limit("min_post_score", min_post_score, settings.HOTPAPERS_MIN_POST_SCORE),
        max_embedded=_limit("max_embedded", max_embedded, settings.HOTPAPERS_MAX_EMBEDDED_POSTS, minimum=1),
    )
    return {r.paper_id: r for r in ranked}


def why_line(ranked: RankedPaper) -> str:
    """Why a paper is where it is, for readers and editors.

    "Score 312 (reposts + likes): 4 posts from 4 accounts on X and Bluesky"
    """
    if ranked.post_count == 0:
        return "Score 0: no posts about it yet"
    posts = _plural(ranked.post_count, "post")
    accounts = _plural(ranked.account_count, "account")
    names = [SOURCE_NAMES.get(source, source) for source in ranked.sources]
    on = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Score {ranked.score:,} (reposts + likes): {posts} from {accounts} on {on}"


def ranking_key(ranked: RankedPaper):
    """The order of a ranking: score descending, then arXiv id ascending."""
    return (-ranked.score, ranked.arxiv_id)


def _plural(count, noun):
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _as_of(as_of):
    if as_of is None:
        return timezone.now()
    if timezone.is_naive(as_of):
        raise ValueError(f"as_of {as_of.isoformat()} has no time zone")
    return as_of


def _limit(name, value, default, *, minimum=0):
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value


# {where} selects the papers to rank; it is used twice (the posts of those papers, and those papers
# with or without posts). The posts are read from their links to the papers (papers/link_columns.py:
# each link holds a copy of its post's platform, lowercased handle, score, reposts, time and
# visibility, kept by triggers), in the order of the link table's ranking index: paper, account, best
# first. Each step reads the rows of the one before, so PostgreSQL streams them from that index (an
# index-only scan, no join to the posts, no sort of the day's posts):
# - `visible` numbers each account's posts on each paper, best first (account_rank 1 is the post
#   that counts), in the index's order. Every later window partitions by paper alone, so it reuses
#   this order instead of sorting again.
# - `counted` gives every row its paper's totals as whole-partition window aggregates (computed once
#   per paper): the sums over the counted posts, the number of visible posts, the platforms, and the
#   best score (the best post of a paper is always its account's best, so MAX over every visible
#   post is the best counted score).
# - `ranked` keeps only the counted posts that can be embedded, those reaching the post threshold or
#   scoring the paper's best, a few per paper, and numbers them best first: the one sort is over
#   these few rows only, not over the day's posts.
# - `entries` keeps the first `max_embedded` of them, and adds one row for every paper selected, with or
#   without posts, which carries its arXiv id.
# The outer query folds those into one row per paper, pivoting the embedded posts into columns
# (portable, unlike ordered string aggregates), and orders the ranking (score, then arXiv id in
# code-point order: COLLATE "C" on PostgreSQL, SQLite's default BINARY). Folding a UNION, rather than
# joining the papers to their totals, leaves the planner no join to get wrong: estimating the window
# filters at a handful of rows, PostgreSQL would otherwise loop over every paper for every total.
# The row numbers' windows say ROWS: a row number needs no peers, and saying so spares PostgreSQL
# comparing each row with the next. `NOT link.is_hidden` is spelled as the index's condition is, so
# that both databases use that partial index.
_QUERY = """
WITH visible AS (
    SELECT link.paper_id AS paper_id, link.tweet_id AS post_id, link.source AS source,
           link.retweets AS retweets, link.score AS score, link.posted AS posted,
           ROW_NUMBER() OVER (
               PARTITION BY link.paper_id, link.source, link.handle_key
               ORDER BY link.score DESC, link.posted, link.tweet_id ROWS UNBOUNDED PRECEDING
           ) AS account_rank
    FROM {link_table} link
    WHERE link.paper_id IN (SELECT paper.id FROM {paper_table} paper WHERE {where})
      AND NOT link.is_hidden
      AND link.posted <= %s
),
counted AS (
    SELECT paper_id, post_id, score, posted, account_rank,
           SUM(CASE WHEN account_rank = 1 THEN score ELSE 0 END) OVER paper AS paper_score,
           SUM(CASE WHEN account_rank = 1 THEN retweets ELSE 0 END) OVER paper AS paper_retweets,
           COUNT(*) OVER paper AS post_count,
           SUM(CASE WHEN account_rank = 1 THEN 1 ELSE 0 END) OVER paper AS account_count,
           MAX(score) OVER paper AS best_score,
           {source_windows}
    FROM visible
    WINDOW paper AS (PARTITION BY paper_id)
),
ranked AS (
    SELECT paper_id, post_id, score, paper_score, paper_retweets, post_count, account_count, {source_bits} AS sources,
           ROW_NUMBER() OVER (PARTITION BY paper_id ORDER BY score DESC, posted, post_id ROWS UNBOUNDED PRECEDING)
               AS post_rank
    FROM counted
    WHERE account_rank = 1 AND (score >= %s OR score = best_score)
),
entries AS (
    SELECT paper_id, NULL AS arxiv_id, paper_score, paper_retweets, post_count, account_count, sources,
           post_rank, post_id
    FROM ranked
    WHERE post_rank <= %s AND (post_rank = 1 OR score >= %s)
    UNION ALL
    SELECT paper.id, paper.arxiv_id, 0, 0, 0, 0, 0, NULL, NULL FROM {paper_table} paper WHERE {where}
)
SELECT paper_id, MAX(arxiv_id), MAX(paper_score), MAX(paper_retweets), MAX(post_count), MAX(account_count),
       MAX(sources), {embedded_columns}
FROM entries
GROUP BY paper_id
ORDER BY 3 DESC, MAX(arxiv_id){collate}
"""


def _rank(*, where, params, as_of, min_post_score, max_embedded):
    """The ranking of the papers `where` selects, best first: one query, one row per paper."""
    quote = connection.ops.quote_name
    sources = list(Tweet.Source.values)
    source_names = [f"source_{n}" for n in range(len(sources))]
    sql = _QUERY.format(
        link_table=quote(Tweet.papers.through._meta.db_table),
        paper_table=quote(Paper._meta.db_table),
        where=where,
        collate=' COLLATE "C"' if connection.vendor == "postgresql" else "",
        source_windows=", ".join(
            f"MAX(CASE WHEN source = %s THEN {1 << n} ELSE 0 END) OVER paper AS {name}"
            for n, name in enumerate(source_names)
        ),
        # Platform n is bit n of one small number: one column back instead of one per platform.
        source_bits=" + ".join(source_names),
        embedded_columns=", ".join(
            f"MAX(CASE WHEN post_rank = {rank} THEN post_id END)" for rank in range(1, max_embedded + 1)
        ),
    )
    as_of = connection.ops.adapt_datetimefield_value(as_of)
    all_params = [*params, as_of, *sources, min_post_score, max_embedded, min_post_score, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        rows = cursor.fetchall()

    # The rows come ranked. Building the candidates is most of what is left here, so each is built in
    # one positional call, its platforms looked up by their bits.
    platforms = [
        tuple(itertools.compress(sources, (bits >> n & 1 for n in range(len(sources)))))
        for bits in range(1 << len(sources))
    ]
    return [
        RankedPaper(
            paper_id,
            arxiv_id,
            score,
            retweets,
            score - retweets,
            post_count,
            account_count,
            platforms[bits],
            tuple(filter(None, embedded)),  # NULL past the last one (post ids start at 1)
        )
        for paper_id, arxiv_id, score, retweets, post_count, account_count, bits, *embedded in rows
    ]
