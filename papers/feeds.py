"""Atom feeds of papers: per category, narrowed by ?q= (keywords); the trending feed (digests.feeds)
shares PaperFeed and takes ?q= and ?category=.

/feeds/categories/cs.CL.atom?q=retrieval is "cs.CL papers mentioning retrieval".
"""

import dataclasses
import datetime as dt
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from .models import Category
from .search import MAX_QUERY_LENGTH, Criteria, matching_papers
from .selectors import NEWEST, papers_for_listing

FEED_ITEMS = 30
FEED_AUTHORS = 3


# Characters XML 1.0 cannot hold: control characters (but tab, LF, CR), lone surrogates, U+FFFE/U+FFFF. A title
# or query holding one would make the feed generator raise (a 500 for the whole feed); they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value):
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    return value


class _XmlSafeFeed:
    def write(self, outfile, encoding):
        self.feed = _xml_safe(self.feed)
        self.items = [_xml_safe(item) for item in self.items]
        super().write(outfile, encoding)


class XmlSafeAtom1Feed(_XmlSafeFeed, Atom1Feed):
    """Atom that drops the characters XML cannot carry, whatever the text from outside holds."""


class XmlSafeRss201rev2Feed(_XmlSafeFeed, Rss201rev2Feed):
    """RSS 2.0 that drops the characters XML cannot carry, whatever the text from outside holds."""


@dataclasses.dataclass(frozen=True)
class FeedRequest:
    criteria: Criteria
    category: Category | None = None
    window: object = None


def feed_criteria(request, *, category=""):
    # What XML cannot hold cannot be asked for either (PostgreSQL refuses NUL: a query holding one was a 500).
    query = " ".join(_NOT_XML.sub("", request.GET.get("q", "")).split())[:MAX_QUERY_LENGTH]
    category = category or _NOT_XML.sub("", request.GET.get("category", "")).strip()[:32]
    return Criteria(query=query, category=category)


def filters_label(criteria):
    parts = []
    if criteria.category:
        parts.append(f"in {criteria.category}")
    if criteria.query:
        parts.append(f"matching “{criteria.query}”")
    return f" ({', '.join(parts)})" if parts else ""


class PaperFeed(Feed):
    feed_type = XmlSafeAtom1Feed

    def item_title(self, paper):
        return " ".join(paper.title.split())

    def item_description(self, paper):
        # Atom's <summary type="html"> (RSS's <description>) is HTML to feed readers: the plain-text abstract
        # is escaped, or markup in it would run in the reader.
        return escape(" ".join(paper.abstract.split()))

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
