from django.contrib.sitemaps import Sitemap

from .models import DailyDigest


class DigestSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return DailyDigest.objects.published().only("slug", "modified_at")

    def lastmod(self, digest):
        return digest.modified_at


sitemaps = {"digests": DigestSitemap}
