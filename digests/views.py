from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import DailyDigest, Tag
from .selectors import digest_with_entries
from .services.exporting import digest_export_markdown


class DigestListView(ListView):
    template_name = "digests/dailydigest_list.html"
    context_object_name = "digests"

    def get_paginate_by(self, queryset):
        from django.conf import settings

        return settings.HOTPAPERS_DIGESTS_PER_PAGE

    def get_queryset(self):
        return DailyDigest.objects.published().prefetch_related("tags")


class DigestDetailView(DetailView):
    template_name = "digests/dailydigest_detail.html"
    context_object_name = "digest"

    def get_object(self, queryset=None):
        return digest_with_entries(slug=self.kwargs["slug"])


def digest_markdown(request, slug):
    digest = get_object_or_404(DailyDigest.objects.published(), slug=slug)
    response = HttpResponse(digest_export_markdown(digest=digest), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{digest.slug}.md"'
    return response


class TagDetailView(DetailView):
    model = Tag
    template_name = "digests/tag_detail.html"
    context_object_name = "tag"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["digests"] = DailyDigest.objects.published().filter(tags=self.object)
        return context
