"""Reads of papers for readers: every page's queries are stated here, once.

Each function returns a queryset whose rendering costs a fixed number of queries, whatever the
number of papers, authors, categories or posts on the page. Digest data about a paper (the digests
it appeared in) is read by the digests app (digests.selectors), which depends on papers, never
the other way round.
"""

from django.db.models import Prefetch

from .models import Authorship, Paper, PaperCategory, Tweet


def papers_for_listing():
    """Papers with their authors and categories: three queries for a whole page."""
    return Paper.objects.prefetch_related(
        Prefetch("authorships", queryset=Authorship.objects.select_related("author")),
        Prefetch("paper_categories", queryset=PaperCategory.objects.select_related("category")),
    )


def papers_for_detail():
    """Papers ready for their own page: the listing's prefetches, the primary category and the
    visible posts (as `visible_posts`). Queries: the paper, authorships, categories, posts."""
    return (
        papers_for_listing()
        .select_related("primary_category")
        .prefetch_related(Prefetch("tweets", queryset=Tweet.objects.visible(), to_attr="visible_posts"))
    )


def papers_in_category(*, category):
    """A category's papers, newest first (the model's ordering), with authors and categories."""
    return papers_for_listing().filter(paper_categories__category=category)


def papers_by_author(*, author):
    """An author's papers, newest first (the model's ordering), with authors and categories."""
    return papers_for_listing().filter(authorships__author=author)
