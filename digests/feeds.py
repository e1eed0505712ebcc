"""Feeds of published digests: /feeds/digests.atom and /feeds/digests.rss."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from .selectors import digests_for_listing

FEED_ITEMS = 20


class DigestsFeed(Feed):
    feed_type = Rss201rev2Feed
    link = reverse_lazy("digests:digest-list")
    description = "Every day, the arXiv papers that drew the most attention on social media."

    def title(self):
        return f"{settings.HOTPAPERS_SITE_NAME}: daily digests"

    def items(self):
        return digests_for_listing()[:FEED_ITEMS]

    def item_title(self, digest):
        return digest.title

    def item_description(self, digest):
        return render_to_string("feeds/digest_description.html", {"digest": digest})

    def item_pubdate(self, digest):
        return digest.published_at

    def item_updateddate(self, digest):
        return max(filter(None, [digest.published_at, digest.modified_at]))


class DigestsAtomFeed(DigestsFeed):
    feed_type = Atom1Feed
    subtitle = DigestsFeed.description
