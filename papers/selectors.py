"""Reads of papers for readers: the queries behind paper, category, author and trending pages.

Every function returns a queryset or values whose rendering costs a fixed number of queries,
whatever the number of papers, authors, categories or posts. Posts count only when visible.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, F, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Authorship, Category, Paper, PaperCategory, Tweet, TweetMetrics, TweetQuerySet
from .sql_rules import rule_sql

TRENDING_DAYS = 7
RELATED_LIMIT = 5
# Related papers: a shared author says more than a shared category (see README, "Reading the site").
RELATED_AUTHOR_WEIGHT = 3
RELATED_CATEGORY_WEIGHT = 1


def visible_posts():
    """The posts readers may see (editors hide spam and off-topic posts)."""
    return Tweet.objects.visible()


def papers_for_listing():
    """Papers with their authors and categories: three queries for a whole page.

    The link rows order by position alone: their default ordering starts with the paper, which
    makes PostgreSQL join the paper table just to sort rows that are grouped per paper anyway.
    """
    return Paper.objects.prefetch_related(
        Prefetch("authorships", queryset=Authorship.objects.select_related("author").order_by("position")),
        Prefetch("paper_categories", queryset=PaperCategory.objects.select_related("category").order_by("position")),
    )


@dataclasses.dataclass(frozen=True)
class AttentionWindow:
    """The 7 days whose posts make "trending": up to now, or up to the newest post when the data is older."""

    start: dt.datetime
    end: dt.datetime
    is_current: bool

    @property
    def first_day(self):
        return timezone.localtime(self.start).date() + dt.timedelta(days=1)

    @property
    def last_day(self):
        return timezone.localtime(self.end).date()


def attention_window(*, now=None, days=TRENDING_DAYS):
    """The trending window (one query: the newest visible post's time).

    A site whose newest post is older than a week (the demo content, a paused collector) measures
    the week that ends with its newest post, so "trending" is never empty while there are posts.
    """
    now = now or timezone.now()
    latest = visible_posts().filter(posted_at__lte=now).aggregate(latest=Max("posted_at"))["latest"]
    span = dt.timedelta(days=days)
    if latest is None or latest >= now - span:
        return AttentionWindow(start=now - span, end=now, is_current=True)
    return AttentionWindow(start=latest - span, end=latest, is_current=False)


def _attention(window=None):
    """Reposts + likes of a paper's visible posts (posted within the window, if given), as a subquery."""
    links = Tweet.papers.through.objects.filter(TweetQuerySet.visible_q("tweet__"), paper=OuterRef("pk"))
    if window is not None:
        links = links.filter(tweet__posted_at__gt=window.start, tweet__posted_at__lte=window.end)
    total = links.values("paper").annotate(total=Sum(F("tweet__retweets") + F("tweet__likes"))).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def with_attention(queryset, *, window):
    """Papers annotated with `attention` (all their visible posts) and `hot` (posts within the window)."""
    return queryset.annotate(attention=_attention(), hot=_attention(window))


# Newest: the arXiv listing that announced the paper, then its submission time.
NEWEST = (F("announced_on").desc(nulls_last=True), F("published").desc(nulls_last=True), "-arxiv_id")
SORTS = {"new": NEWEST, "hot": ("-hot", "-attention", *NEWEST)}


def papers_sorted(queryset, *, sort, window):
    """A listing's papers with their attention, by hot (attention within the window) or newest."""
    return with_attention(queryset, window=window).order_by(*SORTS.get(sort, SORTS["new"]))


def papers_in_category(*, category):
    """A category's papers with their authors and categories (unordered: see papers_sorted)."""
    return papers_for_listing().filter(paper_categories__category=category)


def papers_by_author(*, author):
    """An author's papers with their authors and categories, each once (unordered: see papers_sorted)."""
    return papers_for_listing().filter(pk__in=Authorship.objects.filter(author=author).values("paper"))


def papers_posted_about(*, window, category=None, papers=None):
    """Papers with visible posts posted within the window, each with `post_hot` (their reposts + likes)
    and `post_count`. Unordered. `category` (a code) and `papers` (a queryset) narrow the candidates.
    """
    queryset = papers_for_listing().filter(
        TweetQuerySet.visible_q("tweets__"), tweets__posted_at__gt=window.start, tweets__posted_at__lte=window.end
    )
    if category:
        queryset = queryset.filter(pk__in=PaperCategory.objects.filter(category__code=category).values("paper"))
    if papers is not None:
        queryset = queryset.filter(pk__in=papers.values("pk"))
    return queryset.annotate(post_hot=Sum(F("tweets__retweets") + F("tweets__likes")), post_count=Count("tweets"))


def papers_for_detail(queryset=None):
    """Papers ready for their own page: primary category, authors, categories and visible posts (as
    `visible_posts`, best first). Queries: the paper, authorships, categories, posts."""
    queryset = papers_for_listing() if queryset is None else queryset
    posts = visible_posts().annotate(score=F("retweets") + F("likes")).order_by("-score", "posted_at", "pk")
    return queryset.select_related("primary_category").prefetch_related(
        Prefetch("tweets", queryset=posts, to_attr="visible_posts")
    )


def metrics_history(paper):
    """(tweet id, measured at, reposts + likes) of the paper's visible posts, oldest first (one query)."""
    return list(
        TweetMetrics.objects.filter(TweetQuerySet.visible_q("tweet__"), tweet__papers=paper)
        .annotate(score=F("retweets") + F("likes"))
        .order_by("measured_at", "tweet_id")
        .values_list("tweet_id", "measured_at", "score")
    )


def related_papers(paper, *, limit=RELATED_LIMIT):
    """Papers sharing the most authors, then categories, with this one (three queries with their lists).

    Score: RELATED_AUTHOR_WEIGHT per shared author + RELATED_CATEGORY_WEIGHT per shared category;
    ties go to the paper with more attention, then the newer. Uses the paper's prefetched rows.
    """
    author_ids = [authorship.author_id for authorship in paper.authorships.all()]
    category_ids = [paper_category.category_id for paper_category in paper.paper_categories.all()]
    if not author_ids and not category_ids:
        return Paper.objects.none()
    shared_authors = (
        Authorship.objects.filter(paper=OuterRef("pk"), author_id__in=author_ids)
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n")
    )
    shared_categories = (
        PaperCategory.objects.filter(paper=OuterRef("pk"), category_id__in=category_ids)
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n")
    )
    candidates = RawSQL(*_related_ids_sql(paper, author_ids, category_ids, limit))
    return (
        papers_for_listing()
        .filter(pk__in=candidates)
        .annotate(
            shared_authors=Coalesce(Subquery(shared_authors, output_field=IntegerField()), Value(0)),
            shared_categories=Coalesce(Subquery(shared_categories, output_field=IntegerField()), Value(0)),
            attention=_attention(),
        )
        .annotate(
            relatedness=F("shared_authors") * RELATED_AUTHOR_WEIGHT + F("shared_categories") * RELATED_CATEGORY_WEIGHT
        )
        .order_by("-relatedness", "-attention", *NEWEST)[:limit]
    )


# The related papers' ids, best first: each shared author or category is one row of a small union,
# summed per paper, so only the papers tying at the cut-off need their attention read (a correlated
# sum, as _attention writes it). Scoring every paper that shares a broad category one by one, in full
# rows, cost most of a paper page.
_RELATED_IDS = """
WITH shared AS (
    SELECT paper_id, SUM(weight) AS relatedness FROM (
        SELECT paper_id, %s AS weight FROM papers_authorship WHERE author_id IN ({authors})
        UNION ALL
        SELECT paper_id, %s AS weight FROM papers_papercategory WHERE category_id IN ({categories})
    ) link
    WHERE paper_id <> %s
    GROUP BY paper_id
), cutoff AS (
    SELECT relatedness FROM shared ORDER BY relatedness DESC LIMIT 1 OFFSET %s
)
SELECT paper.id
FROM shared JOIN papers_paper paper ON paper.id = shared.paper_id
WHERE shared.relatedness >= COALESCE((SELECT relatedness FROM cutoff), 0)
ORDER BY shared.relatedness DESC,
    COALESCE((
        SELECT SUM(post.retweets + post.likes) FROM papers_tweet_papers tagged
        JOIN papers_tweet post ON post.id = tagged.tweet_id
        WHERE tagged.paper_id = paper.id AND {visible}
    ), 0) DESC,
    paper.announced_on DESC NULLS LAST, paper.published DESC NULLS LAST, paper.arxiv_id DESC
LIMIT %s
"""


def _related_ids_sql(paper, author_ids, category_ids, limit):
    """(SQL, params) of the ids of the `limit` papers most related to `paper`, for a pk__in filter."""
    visible, visible_params = rule_sql(Tweet, TweetQuerySet.visible_q(), "post")
    sql = _RELATED_IDS.format(
        authors=", ".join(["%s"] * len(author_ids)) or "NULL",
        categories=", ".join(["%s"] * len(category_ids)) or "NULL",
        visible=visible,
    )
    params = [RELATED_AUTHOR_WEIGHT, *author_ids, RELATED_CATEGORY_WEIGHT, *category_ids, paper.pk, limit - 1]
    return sql, [*params, *visible_params, limit]


def categories_index():
    """Categories that have papers, with their paper counts, by group then code (one query)."""
    return (
        Category.objects.annotate(paper_count=Count("paper_categories"))
        .filter(paper_count__gt=0)
        .order_by("group", "code")
    )


def categories_with_papers():
    """(code, name) of every category with papers, for filters (one query)."""
    return list(
        Category.objects.filter(paper_categories__isnull=False).distinct().order_by("code").values_list("code", "name")
    )


# The JSON API's reads (digests.api, papers.api).

COUNTERS = ("reposts", "likes", "replies", "quotes")


def papers_matching(*, category=None, announced_from=None, announced_to=None, text=None):
    """Papers listed in a category, announced in a date range, and containing every word of `text`.

    The date range applies to the day of the arXiv listing that first announced the paper
    (`announced_on`); words match titles and abstracts, case-insensitively.
    """
    papers = papers_for_listing().select_related("primary_category")
    if category:
        papers = papers.filter(paper_categories__category__code=category)
    if announced_from:
        papers = papers.filter(announced_on__gte=announced_from)
    if announced_to:
        papers = papers.filter(announced_on__lte=announced_to)
    for word in (text or "").split():
        papers = papers.filter(Q(title__icontains=word) | Q(abstract__icontains=word))
    return papers


# A paper's attention: what its visible posts drew, as their counters were last read, and over time
# from their snapshots. The pages, the admin and the API read it here; the digests' ranking applies
# its own rule (one post per account, in SQL: digests/ranking.py).

# The model's counter columns, by the names the selectors give them (a repost is a retweet on X).
_COLUMNS = {"reposts": "retweets", "likes": "likes", "replies": "replies", "quotes": "quotes"}


@dataclasses.dataclass
class Counters:
    """Counters summed over some visible posts."""

    posts: int = 0
    reposts: int = 0
    likes: int = 0
    replies: int = 0
    quotes: int = 0

    @property
    def score(self):
        """Reposts + likes: what a post scores in the ranking (DESIGN.md, "The ranking rule")."""
        return self.reposts + self.likes

    def add(self, other):
        for name in ("posts", *COUNTERS):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclasses.dataclass
class Attention(Counters):
    """A paper's attention: its visible posts' counters summed, in all and per source (platform).

    by_source maps a Tweet.Source value to its Counters, in source-code order, and holds only the
    sources the paper has visible posts on.
    """

    by_source: dict[str, Counters] = dataclasses.field(default_factory=dict)


def papers_attention(papers):
    """{paper id: Attention} for the given papers (Paper objects or ids): one query, none for none.

    A paper without visible posts gets an empty Attention; a post linking two of the papers counts
    for both.
    """
    ids = [getattr(paper, "pk", paper) for paper in papers]
    attention = {paper_id: Attention() for paper_id in ids}
    if not ids:
        return attention
    rows = (
        Tweet.objects.visible()
        .filter(papers__in=ids)
        .values("papers", "source")
        .annotate(posts=Count("pk"), **{name: Sum(column) for name, column in _COLUMNS.items()})
        .order_by("papers", "source")
    )
    for row in rows:
        counters = Counters(**{name: row[name] for name in ("posts", *COUNTERS)})
        attention[row["papers"]].by_source[row["source"]] = counters
        attention[row["papers"]].add(counters)
    return attention


def paper_attention(paper):
    """The Attention of one paper (a Paper or its id): one query."""
    paper_id = getattr(paper, "pk", paper)
    return papers_attention([paper_id])[paper_id]


def attach_attention(papers):
    """The papers as a list, each given `attention` (its Attention): one query for the whole list."""
    papers = list(papers)
    attention = papers_attention(papers)
    for paper in papers:
        paper.attention = attention[paper.pk]
    return papers


@dataclasses.dataclass
class HistoryPoint(Counters):
    """The paper's visible posts' counters summed as they stood at `measured_at`.

    posts is how many of them had been measured by then.
    """

    measured_at: dt.datetime | None = None


def paper_attention_history(paper, *, every=None):
    """The paper's attention over time, from its visible posts' snapshots (TweetMetrics): one query.

    A point per snapshot time, oldest first, summing each post's latest snapshot at that time (a
    post measured on Monday and not again still counts its Monday counters on Tuesday; a post
    counts from its first snapshot). Posts never measured are not in the history. With `every` (a
    timedelta), a point per period instead, the last one in it, so a long-watched paper stays a
    short series. Linear in the number of snapshots.
    """
    paper_id = getattr(paper, "pk", paper)
    snapshots = (
        TweetMetrics.objects.filter(TweetQuerySet.visible_q("tweet__"), tweet__papers=paper_id)
        .order_by("measured_at", "tweet_id")
        .values_list("tweet_id", "measured_at", *_COLUMNS.values())
    )
    latest, totals, points = {}, [0] * len(COUNTERS), {}
    for tweet_id, measured_at, *counters in snapshots:
        previous = latest.get(tweet_id, (0,) * len(COUNTERS))
        totals = [total - old + new for total, old, new in zip(totals, previous, counters, strict=True)]
        latest[tweet_id] = counters
        key = measured_at if every is None else measured_at - (measured_at - _EPOCH) % every
        points[key] = HistoryPoint(len(latest), *totals, measured_at=measured_at)
    return list(points.values())


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def attention_history(*, paper):
    """The API's history of a paper's attention: paper_attention_history by the hour."""
    return paper_attention_history(paper, every=dt.timedelta(hours=1))
