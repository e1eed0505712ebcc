from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from .models import DailyDigest, Tag
from .selectors import adjacent_digests, digest_with_entries, digests_for_listing, entries_with_display_links
from .services.exporting import digest_export_markdown


class DigestListView(ListView):
    """The home page: published digests, newest first (queries: see digests_for_listing)."""

    template_name = "digests/dailydigest_list.html"
    context_object_name = "digests"

    def get_paginate_by(self, queryset):
        return settings.HOTPAPERS_DIGESTS_PER_PAGE

    def get_queryset(self):
        return digests_for_listing()


def _visible_digests(request):
    """Readers see published digests; editors also preview drafts and scheduled ones."""
    if request.user.is_active and request.user.is_staff:
        return DailyDigest.objects.all()
    return DailyDigest.objects.published()


class DigestDetailView(DetailView):
    """One digest as readers see it; drafts and future-dated digests are 404 (editors get a preview)."""

    template_name = "digests/dailydigest_detail.html"
    context_object_name = "digest"

    def get_object(self, queryset=None):
        return digest_with_entries(slug=self.kwargs["slug"], queryset=_visible_digests(self.request))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        digest = self.object
        context["entries"] = entries_with_display_links(digest.entries.all())
        context["previous_digest"], context["next_digest"] = adjacent_digests(digest)
        context["canonical_url"] = self.request.build_absolute_uri(digest.get_absolute_url())
        context["is_preview"] = not digest.is_public
        if digest.social_image:
            context["social_image_url"] = self.request.build_absolute_uri(digest.social_image)
        return context


def digest_markdown(request, slug):
    digest = get_object_or_404(_visible_digests(request), slug=slug)
    response = HttpResponse(digest_export_markdown(digest=digest), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{digest.slug}.md"'
    return response


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
