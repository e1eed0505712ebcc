"""Admin for digests: editors curate entries, annotate them in Markdown (markdownx, with a live
preview through the staff-only /markdownx/markdownify/) and schedule or publish.

Publishing and rebuilding change more than one row and belong to digests.services; their
actions come with those services.
"""

from django.contrib import admin, messages
from django.db.models import Count
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from papers.admin_base import (
    ARXIV_LINKS_HELP,
    EditorAdmin,
    EditorStackedInline,
    EditorTabularInline,
    arxiv_links,
    link,
    short,
)

from . import admin_imports  # noqa: F401  (registers the Markdown upload pages, kept in their own module)
from .models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag
from .services.publishing import DigestStateError, digests_publish_now

MARKDOWNX_WIDGETS = {MarkdownxField: {"widget": AdminMarkdownxWidget}}


@admin.register(Tag)
class TagAdmin(EditorAdmin):
    list_display = ["name", "slug", "digest_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(digest_count=Count("digest_tags"))

    @admin.display(description="digests", ordering="digest_count")
    def digest_count(self, obj):
        return obj.digest_count


class DigestTagInline(EditorTabularInline):
    model = DigestTag
    fields = ["position", "tag"]
    autocomplete_fields = ["tag"]
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tag", "digest")


class DigestEntryInline(EditorStackedInline):
    """The digest's papers in order; snapshots and embedded posts are edited on each entry's own page."""

    model = DigestEntry
    fields = [("position", "paper"), ("retweets", "favorites", "measured_at"), "note"]
    autocomplete_fields = ["paper"]
    formfield_overrides = MARKDOWNX_WIDGETS
    ordering = ["position"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("digest", "paper")


@admin.register(DailyDigest)
class DailyDigestAdmin(EditorAdmin):
    list_display = ["date", "title", "status", "publish_at", "published_at", "entry_count", "site_link"]
    list_filter = ["status"]
    date_hierarchy = "date"
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "modified_at"]
    formfield_overrides = MARKDOWNX_WIDGETS
    inlines = [DigestTagInline, DigestEntryInline]
    fieldsets = [
        (None, {"fields": ["date", "title", "slug", "description", "intro"]}),
        ("Publishing", {"fields": ["status", ("publish_at", "published_at"), "generated_at"]}),
        ("Sharing", {"fields": ["social_image"]}),
        ("Record", {"classes": ["collapse"], "fields": [("created_at", "modified_at"), "leading_blank_lines"]}),
    ]

    actions = ["publish_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.action(description="Publish selected digests now", permissions=["change"])
    def publish_now(self, request, queryset):
        try:
            changed = digests_publish_now(digests=queryset)
        except DigestStateError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return
        for digest in changed:
            self.log_change(request, digest, [{"changed": {"fields": ["Status", "Published at"]}}])
        already = queryset.count() - len(changed)
        note = f" ({already} already published, left as they were)" if already else ""
        self.message_user(request, f"Published {len(changed)} digest{'' if len(changed) == 1 else 's'}{note}.")

    @admin.display(description="entries", ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count

    @admin.display(description="on site")
    def site_link(self, obj):
        return link(obj.get_absolute_url(), "view")


class DigestEntryTweetInline(EditorTabularInline):
    model = DigestEntryTweet
    fields = ["position", "tweet"]
    autocomplete_fields = ["tweet"]
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tweet", "entry__digest", "entry__paper")


@admin.register(DigestEntry)
class DigestEntryAdmin(EditorAdmin):
    list_display = ["__str__", "short_title", "retweets", "favorites", "embedded_count"]
    list_select_related = ["digest", "paper"]
    list_filter = ["digest__status"]
    date_hierarchy = "digest__date"
    search_fields = ["paper__arxiv_id", "paper__title", "shown_title", "digest__title", "digest__slug"]
    autocomplete_fields = ["digest", "paper"]
    readonly_fields = ["paper_links"]
    formfield_overrides = MARKDOWNX_WIDGETS
    inlines = [DigestEntryTweetInline]
    fieldsets = [
        (None, {"fields": ["digest", "position", "paper", "paper_links", "note"]}),
        ("Metrics shown", {"fields": [("retweets", "favorites"), "measured_at"]}),
        (
            "As shown (only where it differs from the paper's current metadata)",
            {"classes": ["collapse"], "fields": ["shown_title", "shown_authors", "shown_abstract", "shown_categories"]},
        ),
    ]
    help_texts = {"paper_links": ARXIV_LINKS_HELP}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(embedded_count=Count("entry_tweets"))

    @admin.display(description="title")
    def short_title(self, obj):
        return short(obj.title)

    @admin.display(description="embedded posts", ordering="embedded_count")
    def embedded_count(self, obj):
        return obj.embedded_count

    @admin.display(description="paper links")
    def paper_links(self, obj):
        return arxiv_links(obj.paper) if obj.pk else "—"
