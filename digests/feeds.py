"""Feeds of published digests (/feeds/digests.atom, /feeds/digests.rss) and of trending papers."""

import dataclasses

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy

from papers.feeds import FEED_ITEMS as PAPER_FEED_ITEMS
from papers.feeds import (
    FeedRequest,
    PaperFeed,
    XmlSafeAtom1Feed,
    XmlSafeRss201rev2Feed,
    feed_criteria,
    filters_label,
)
from papers.search import matching_papers
from papers.selectors import attention_window, papers_for_listing

from .selectors import digests_for_listing, trending_papers

FEED_ITEMS = 20


class DigestsFeed(Feed):
    feed_type = XmlSafeRss201rev2Feed
    link = reverse_lazy("digests:digest-list")
    description = "Every day, the arXiv papers that drew the most attention on social media."

    def title(self):
        return f"{settings.HOTPAPERS_SITE_NAME}: daily digests"

    def items(self):
        return digests_for_listing()[:PAPER_FEED_ITEMS]

    def item_title(self, digest):
        return digest.title

    def item_description(self, digest):
        return render_to_string("feeds/digest_description.html", {"digest": digest})

    def item_pubdate(self, digest):
        return digest.published_at

    def item_updateddate(self, digest):
        return max(filter(None, [digest.published_at, digest.modified_at]))


class DigestsAtomFeed(DigestsFeed):
    feed_type = XmlSafeAtom1Feed
    subtitle = DigestsFeed.description


class TrendingPapersFeed(PaperFeed):
    """The papers whose posts drew the most reposts + likes in the trending week; ?category= and ?q= narrow it.

    /feeds/trending.atom?category=cs.CL&q=retrieval: the week's most discussed cs.CL papers mentioning retrieval.
    """

    def get_object(self, request):
        return FeedRequest(criteria=feed_criteria(request), window=attention_window())

    def title(self, obj):
        return f"{settings.HOTPAPERS_SITE_NAME}: trending papers{filters_label(obj.criteria)}"

    def link(self, obj):
        return reverse("digests:trending")

    def subtitle(self, obj):
        return "Papers by the attention their posts drew in the last 7 days, whatever day they were announced."

    def items(self, obj):
        criteria = obj.criteria
        papers = None
        if criteria.query:
            papers = matching_papers(papers_for_listing(), dataclasses.replace(criteria, category=""))
        return trending_papers(window=obj.window, category=criteria.category, papers=papers)[:PAPER_FEED_ITEMS]
