import calendar
import datetime as dt

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.dates import MonthArchiveView, YearArchiveView
from django.views.generic.detail import SingleObjectMixin

from papers.reversed_urls import cached_reverse
from papers.selectors import attention_window

from .digest_page import digest_page
from .models import DailyDigest, Tag
from .selectors import (
    archive_years,
    digest_days,
    digests_for_listing,
    featured_digest,
    social_card_source,
    trending_papers,
)
from .services.exporting import digest_export_markdown
from .social_card import card_png, digest_card_content, site_card_png

HOME_TRENDING = 5
TRENDING_LIMIT = 50


class DigestListView(ListView):
    """The home page: the newest digest up front, then the others, and what is trending this week."""

    template_name = "digests/dailydigest_list.html"
    context_object_name = "digests"

    def get_paginate_by(self, queryset):
        return settings.HOTPAPERS_DIGESTS_PER_PAGE

    def get_queryset(self):
        return digests_for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number == 1:
            context["feature"] = featured_digest(context["digests"])
            window = attention_window()
            context["trending_window"] = window
            context["trending"] = list(trending_papers(window=window)[:HOME_TRENDING])
        return context


def _previews(request):
    """Readers see published digests; editors also preview drafts and scheduled ones."""
    return request.user.is_active and request.user.is_staff


def _visible_digests(request):
    if _previews(request):
        return DailyDigest.objects.all()
    return DailyDigest.objects.published()


class DigestDetailView(DetailView):
    """One digest as readers see it; drafts and future-dated digests are 404 (editors get a preview)."""

    template_name = "digests/dailydigest_detail.html"
    context_object_name = "digest"

    def get_object(self, queryset=None):
        self.page = digest_page(slug=self.kwargs["slug"], include_unpublished=_previews(self.request))
        return self.page.digest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        digest, entries = self.object, self.page.entries
        context["entries"] = entries  # each with its rendered section, `html`
        context["tags"] = self.page.tags
        context["previous_digest"], context["next_digest"] = self.page.previous, self.page.next
        context["is_preview"] = not digest.is_public
        card = digest_card_content(digest, [entry.title for entry in entries], len(entries))
        context["social_image_url"] = self.request.build_absolute_uri(
            f"{cached_reverse('digests:digest-card', digest.slug)}?v={card.fingerprint}"
        )
        return context


def digest_markdown(request, slug):
    digest = get_object_or_404(_visible_digests(request), slug=slug)
    response = HttpResponse(digest_export_markdown(digest=digest), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{digest.slug}.md"'
    return response


def _png_response(request, png, etag):
    etag = f'"{etag}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=3600)
    return response


def digest_social_card(request, slug):
    """The digest's social card (og:image): its date and top titles, drawn once per version."""
    digest, titles, paper_count = social_card_source(slug=slug, queryset=_visible_digests(request))
    content = digest_card_content(digest, titles, paper_count)
    return _png_response(request, card_png(content), content.fingerprint)


def site_social_card(request):
    """The card of every page that has none of its own."""
    return _png_response(request, site_card_png(), "site")


class TagDetailView(SingleObjectMixin, ListView):
    """A tag and the published digests carrying it, newest first (queries: see digests_for_listing)."""

    template_name = "digests/tag_detail.html"

    def get_paginate_by(self, queryset):
        return settings.HOTPAPERS_DIGESTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        self.object = self.get_object(queryset=Tag.objects.all())
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return digests_for_listing().filter(tags=self.object)


# The archive: calendars of the days that have a digest.


def month_weeks(year, month, days):
    """The month as weeks of (date, slug or "", title or "") from Monday, None for days of other months."""
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([(day, *days.get(day, ("", ""))) if day.month == month else None for day in week])
    return weeks


class ArchiveIndexView(TemplateView):
    template_name = "digests/archive_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["years"] = archive_years()
        return context


class DigestArchiveMixin:
    """Published digests by date; a period without any is 404.

    The generic views' own queries (is the period empty, its dates, the neighbouring periods)
    read dates, slugs and titles only; the month's cards come from digests_for_listing.
    """

    date_field = "date"
    allow_empty = False
    allow_future = True  # published() already leaves out what is not live yet

    def get_queryset(self):
        return DailyDigest.objects.published().only("date", "slug", "title")


class DigestYearArchiveView(DigestArchiveMixin, YearArchiveView):
    template_name = "digests/archive_year.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = context["year"].year
        days = digest_days(start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1))
        months_with_digests = {day.month for day in days}
        context["months"] = [
            (dt.date(year, month, 1), month_weeks(year, month, days), sum(1 for day in days if day.month == month))
            for month in range(1, 13)
            if month in months_with_digests
        ]
        context["digest_count"] = len(days)
        context["years"] = archive_years()
        return context


class DigestMonthArchiveView(DigestArchiveMixin, MonthArchiveView):
    template_name = "digests/archive_month.html"
    month_format = "%m"
    context_object_name = "digests"

    def get_month(self):
        return f"{int(self.kwargs['month']):02d}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        first = context["month"]
        days = {digest.date: (digest.slug, digest.title) for digest in context["digests"]}
        context["weeks"] = month_weeks(first.year, first.month, days)
        following = (first + dt.timedelta(days=31)).replace(day=1)
        context["digests"] = list(digests_for_listing().filter(date__gte=first, date__lt=following))
        return context


class TrendingView(TemplateView):
    """Papers by the attention their posts drew in the last 7 days, whatever day they were announced."""

    template_name = "digests/trending.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        window = attention_window()
        context["window"] = window
        context["papers"] = list(trending_papers(window=window)[:TRENDING_LIMIT])
        return context


class FeedsView(TemplateView):
    """Where readers find the feeds and how to filter them."""

    template_name = "feeds.html"
