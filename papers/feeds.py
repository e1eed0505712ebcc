"""Atom feeds of papers: per category, narrowed by ?q= (keywords); the trending feed (digests.feeds)
shares PaperFeed and takes ?q= and ?category=.

/feeds/categories/cs.CL.atom?q=retrieval is "cs.CL papers mentioning retrieval".
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from .models import Category
from .search import MAX_QUERY_LENGTH, Criteria, matching_papers
from .selectors import NEWEST, papers_for_listing

FEED_ITEMS = 30
FEED_AUTHORS = 3


@dataclasses.dataclass(frozen=True)
class FeedRequest:
    criteria: Criteria
    category: Category | None = None
    window: object = None


def feed_criteria(request, *, category=""):
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    return Criteria(query=query, category=category or request.GET.get("category", "").strip()[:32])


def filters_label(criteria):
    parts = []
    if criteria.category:
        parts.append(f"in {criteria.category}")
    if criteria.query:
        parts.append(f"matching “{criteria.query}”")
    return f" ({', '.join(parts)})" if parts else ""


class PaperFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, paper):
        return " ".join(paper.title.split())

    def item_description(self, paper):
        return " ".join(paper.abstract.split())

    def item_author_name(self, paper):
        names = [authorship.author.name for authorship in paper.authorships.all()]
        return ", ".join(names[:FEED_AUTHORS]) + (" et al." if len(names) > FEED_AUTHORS else "")

    def item_pubdate(self, paper):
        if paper.published:
            return paper.published
        if paper.announced_on:
            return dt.datetime.combine(paper.announced_on, dt.time(), tzinfo=dt.UTC)
        return None

    def item_updateddate(self, paper):
        return paper.updated or self.item_pubdate(paper)

    def item_categories(self, paper):
        return [paper_category.category.code for paper_category in paper.paper_categories.all()]


class CategoryPapersFeed(PaperFeed):
    """A category's newest papers, optionally only those matching ?q=."""

    def get_object(self, request, code):
        category = get_object_or_404(Category, code=code)
        return FeedRequest(criteria=feed_criteria(request, category=category.code), category=category)

    def title(self, obj):
        name = f" {obj.category.name}" if obj.category.name else ""
        query = f" matching “{obj.criteria.query}”" if obj.criteria.query else ""
        return f"{settings.HOTPAPERS_SITE_NAME}: {obj.category.code}{name} papers{query}"

    def link(self, obj):
        return obj.category.get_absolute_url()

    def subtitle(self, obj):
        return f"The newest papers in arXiv's {obj.category.code} category that {settings.HOTPAPERS_SITE_NAME} knows."

    def items(self, obj):
        return matching_papers(papers_for_listing(), obj.criteria).order_by(*NEWEST)[:FEED_ITEMS]
