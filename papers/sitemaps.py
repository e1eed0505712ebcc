"""Sitemap sections for papers, categories and authors, dated by arXiv's own dates."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.db.models.functions import Coalesce

from .models import Author, Category, Paper


class PaperSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Paper.objects.only("arxiv_id", "published", "updated", "announced_on").order_by("arxiv_id")

    def lastmod(self, paper):
        return paper.updated or paper.published or paper.announced_on


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return (
            Category.objects.filter(paper_categories__isnull=False)
            .annotate(latest=Max(Coalesce("paper_categories__paper__updated", "paper_categories__paper__published")))
            .order_by("code")
        )

    def lastmod(self, category):
        return category.latest


class AuthorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return (
            Author.objects.filter(authorships__isnull=False)
            .annotate(latest=Max(Coalesce("authorships__paper__updated", "authorships__paper__published")))
            .order_by("slug")
        )

    def lastmod(self, author):
        return author.latest


sitemaps = {"papers": PaperSitemap, "categories": CategorySitemap, "authors": AuthorSitemap}
