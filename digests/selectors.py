"""Reads of digests for readers: every page's queries are stated here, once.

Each function returns querysets or objects whose rendering costs a fixed number of
queries, whatever the number of digests, entries, authors or posts on the page.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.shortcuts import get_object_or_404

from papers.models import Author, Authorship, Category, PaperCategory, TweetQuerySet
from papers.selectors import papers_posted_about

from .models import DailyDigest, DigestEntry, DigestEntryQuerySet, DigestEntryTweet, DigestTag
from .social_card import CARD_TITLES

LISTING_TOP_ENTRIES = 3


def digests_for_listing():
    """Published digests, newest first, each with its paper count and its top entries.

    Queries: the page of digests (paper count annotated) + one for the top entries
    of all of them (a sliced Prefetch: a window function per digest).
    """
    top_entries = DigestEntry.objects.shown().select_related("paper").order_by("position")[:LISTING_TOP_ENTRIES]
    return (
        DailyDigest.objects.published()
        .annotate(paper_count=Count("entries", filter=DigestEntryQuerySet.shown_q("entries__")))
        .prefetch_related(Prefetch("entries", queryset=top_entries, to_attr="top_entries"))
        .order_by("-date")
    )


def entries_for_display():
    """Entries with everything a digest page shows, in a fixed number of queries.

    Queries: entries with their papers, authorships with authors, paper categories
    with categories, and the visible embedded posts (hidden posts never leave the database).
    Entries an editor excluded are left out.
    """
    # Each queryset orders by position alone: the models' default orderings start with their parent,
    # which makes PostgreSQL join (and scan) the parent table just to sort rows it then groups anyway.
    visible_tweets = (
        DigestEntryTweet.objects.filter(TweetQuerySet.visible_q("tweet__")).select_related("tweet").order_by("position")
    )
    return (
        DigestEntry.objects.shown()
        .select_related("paper")
        .order_by("position")
        .prefetch_related(
            Prefetch("paper__authorships", queryset=Authorship.objects.select_related("author").order_by("position")),
            Prefetch(
                "paper__paper_categories",
                queryset=PaperCategory.objects.select_related("category").order_by("position"),
            ),
            Prefetch("entry_tweets", queryset=visible_tweets),
        )
    )


def digest_with_entries(*, slug, queryset=None):
    """A published digest by slug with its tags and entries ready to render (404 if not public)."""
    queryset = DailyDigest.objects.published() if queryset is None else queryset
    return get_object_or_404(
        queryset.prefetch_related(
            Prefetch("digest_tags", queryset=DigestTag.objects.select_related("tag").order_by("position")),
            Prefetch("entries", queryset=entries_for_display()),
        ),
        slug=slug,
    )


@dataclass(frozen=True)
class ShownAuthor:
    """An author name as a digest showed it; slug is empty when no Author row matches it."""

    name: str
    slug: str = ""


def entries_with_display_links(entries):
    """The entries, each given `shown_author_links`, `shown_category_links` and `posts`.

    DigestEntry.author_names / category_codes honour the entry's snapshot but are plain
    strings; this pairs them with Author and Category rows so pages can link them: the
    paper's own (prefetched) rows first, then, for names and codes found only in
    snapshots, one query each at most for the whole page.
    """
    entries = list(entries)
    snapshot_names = {name for e in entries if e.shown_authors is not None for name in e.shown_authors}
    snapshot_codes = {code for e in entries if e.shown_categories is not None for code in e.shown_categories}
    authors = {a.name: a for a in Author.objects.filter(name__in=snapshot_names)} if snapshot_names else {}
    categories = {c.code: c for c in Category.objects.filter(code__in=snapshot_codes)} if snapshot_codes else {}
    for entry in entries:
        paper_authors = {a.author.name: a.author for a in entry.paper.authorships.all()}
        paper_categories = {pc.category.code: pc.category for pc in entry.paper.paper_categories.all()}
        entry.shown_author_links = [
            _shown_author(name, paper_authors.get(name) or authors.get(name)) for name in entry.author_names
        ]
        entry.shown_category_links = [
            paper_categories.get(code) or categories.get(code) or Category(code=code) for code in entry.category_codes
        ]
        # A post embedded twice in one entry (an old generator's quirk) is shown once.
        entry.posts = list({link.tweet_id: link.tweet for link in entry.entry_tweets.all()}.values())
    return entries


def _shown_author(name, author):
    return ShownAuthor(name, author.slug if author else "")


def entries_with_why_lines(entries):
    """Give each entry `why_line`, the ranking's account of it ("Score 1,582 (reposts + likes): 2 posts
    from 2 accounts on X"), as it stood when the digest was built: its stored snapshot, no query.

    digests_build stores the ranking's figures on every entry; an import stores those behind the
    post's totals (importing_rows.ranking_figures). An entry with no figures (its score 0 aside)
    counted no post when it was built, and pages show it no line.
    """
    for entry in entries:
        if not entry.has_ranking_snapshot:
            entry.why_line = ""
    return entries


def adjacent_digests(digest):
    """The published digests just before and after this one (two small queries)."""
    published = DailyDigest.objects.published().only("slug", "title", "date")
    previous = published.filter(date__lt=digest.date).order_by("-date").first()
    following = published.filter(date__gt=digest.date).order_by("date").first()
    return previous, following


FEATURE_TOP_ENTRIES = 5


def featured_digest(digests):
    """The newest digest of a listing, with its top entries' papers for the home page (one query)."""
    digest = next(iter(digests), None)
    if digest is None:
        return None
    digest.feature_entries = list(
        DigestEntry.objects.shown()
        .filter(digest=digest)
        .select_related("paper")
        .order_by("position")[:FEATURE_TOP_ENTRIES]
    )
    return digest


def published_entries_for_paper(*, paper):
    """The paper's entries in published digests, newest digest first, each with its digest (one query)."""
    return (
        DigestEntry.objects.shown()
        .filter(paper=paper, digest__in=DailyDigest.objects.published())
        .select_related("digest")
        .order_by("-digest__date")
    )


def archive_years():
    """(year, number of published digests), newest year first (one query)."""
    rows = (
        DailyDigest.objects.published()
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )
    return [(row["year"], row["count"]) for row in rows]


def digest_days(*, start, end):
    """{date: (slug, title)} of the published digests dated start <= date < end (one query)."""
    rows = (
        DailyDigest.objects.published()
        .filter(date__gte=start, date__lt=end)
        .order_by("date")
        .values_list("date", "slug", "title")
    )
    return {date: (slug, title) for date, slug, title in rows}


def social_card_source(*, slug, queryset=None):
    """(digest, its top titles in order, its paper count) for its social card (two queries)."""
    queryset = DailyDigest.objects.published() if queryset is None else queryset
    digest = get_object_or_404(
        queryset.annotate(paper_count=Count("entries", filter=DigestEntryQuerySet.shown_q("entries__"))), slug=slug
    )
    entries = (
        DigestEntry.objects.shown().filter(digest=digest).select_related("paper").order_by("position")[:CARD_TITLES]
    )
    return digest, [entry.title for entry in entries], digest.paper_count


def trending_papers(*, window, category=None, papers=None):
    """Papers by the attention their visible posts drew within the window, most first (3 queries).

    Attention is the reposts + likes of the paper's visible posts posted within the window, whatever
    day arXiv announced it. Posts whose counters were never read (those known only from a Markdown
    post, which gives an entry's totals, not each post's) count 0; for a paper whose window posts
    all count 0, the snapshot of a published digest dated within the window stands for them.
    """
    snapshot = (
        DigestEntry.objects.shown()
        .filter(
            paper=OuterRef("pk"),
            digest__in=DailyDigest.objects.published(),
            digest__date__gte=window.first_day,
            digest__date__lte=window.last_day,
        )
        .order_by("-score")
        .values("score")[:1]
    )
    return (
        papers_posted_about(window=window, category=category, papers=papers)
        .annotate(
            snapshot=Coalesce(Subquery(snapshot, output_field=IntegerField()), Value(0)),
            hot=Case(When(post_hot__gt=0, then=F("post_hot")), default=F("snapshot"), output_field=IntegerField()),
        )
        .order_by("-hot", "-post_count", "arxiv_id")
    )


def best_entries_for_papers(*, paper_ids):
    """{paper id: the published entry that measured it highest (with its digest)} (one query; none without ids)."""
    if not paper_ids:
        return {}
    entries = (
        DigestEntry.objects.shown()
        .filter(paper_id__in=paper_ids, digest__in=DailyDigest.objects.published())
        .select_related("digest")
        .order_by("paper_id", "-score", "-digest__date")
    )
    best = {}
    for entry in entries:
        best.setdefault(entry.paper_id, entry)
    return best


def digests_for_api(*, date=None, date_from=None, date_to=None, tag=None):
    """Published digests with their tags and paper count, filtered by day and tag slug.

    Queries: the page of digests (paper count annotated) + their tags.
    """
    digests = (
        DailyDigest.objects.published()
        .annotate(paper_count=Count("entries", filter=DigestEntryQuerySet.shown_q("entries__"), distinct=True))
        .prefetch_related(
            Prefetch("digest_tags", queryset=DigestTag.objects.select_related("tag").order_by("position"))
        )
    )
    if date:
        digests = digests.filter(date=date)
    if date_from:
        digests = digests.filter(date__gte=date_from)
    if date_to:
        digests = digests.filter(date__lte=date_to)
    if tag:
        digests = digests.filter(digest_tags__tag__slug=tag)
    return digests
