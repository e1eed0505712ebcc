"""Sitemap sections for digests and the pages built from them; lastmod comes from the content's own dates."""

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse

from .models import DailyDigest, Tag


def _content_date(digest):
    """When a digest's content was made: its publication, else its generation."""
    return digest.published_at or digest.generated_at


class DigestSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return DailyDigest.objects.published().only("slug", "published_at", "generated_at").order_by("-date")

    def lastmod(self, digest):
        return _content_date(digest)


class TagSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.4

    def items(self):
        published = DailyDigest.objects.published()
        return Tag.objects.filter(digests__in=published).annotate(latest=Max("digests__published_at")).order_by("slug")

    def lastmod(self, tag):
        return tag.latest


class ArchiveSitemap(Sitemap):
    """/archive/<year>/ and /archive/<year>/<month>/, each dated by its newest digest."""

    changefreq = "monthly"
    priority = 0.3

    def items(self):
        rows = (
            DailyDigest.objects.published()
            .annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
            .values("year", "month")
            .annotate(latest=Max("published_at"))
            .order_by("-year", "-month")
        )
        items, years = [], {}
        for row in rows:
            items.append(("archive-month", (row["year"], row["month"]), row["latest"]))
            years[row["year"]] = max(years.get(row["year"], row["latest"]), row["latest"])
        items += [("archive-year", (year,), latest) for year, latest in years.items()]
        return items

    def location(self, item):
        name, args, _latest = item
        return reverse(f"digests:{name}", args=args)

    def lastmod(self, item):
        return item[2]


class SectionSitemap(Sitemap):
    """The home page and the site's index pages, dated by the newest published digest."""

    changefreq = "daily"
    priority = 1.0
    names = ["digests:digest-list", "digests:trending", "papers:category-list", "digests:archive", "digests:feeds"]

    def items(self):
        return self.names

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        if not hasattr(self, "_latest"):
            self._latest = DailyDigest.objects.published().aggregate(latest=Max("published_at"))["latest"]
        return self._latest or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


sitemaps = {"site": SectionSitemap, "digests": DigestSitemap, "tags": TagSitemap, "archive": ArchiveSitemap}
