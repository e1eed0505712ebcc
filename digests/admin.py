"""Admin for digests: the editor's desk.

A digest's change page is where the morning happens: its papers in order (drag to reorder, pin,
exclude, tick the posts each embeds, a Markdown note with a live preview through the staff-only
/markdownx/markdownify/), the buttons that rebuild, schedule, publish and unpublish it through the
services, and the day's other candidates, each added with one click. The pieces live beside this
module: admin_entries (the entry rows), admin_desk (the form, buttons and candidates) and
admin_dashboard (the admin index). Metrics come from the ranking; nobody types them.
"""

from adminsortable2.admin import SortableAdminBase
from django.contrib import admin, messages
from django.db.models import Count, Q
from simple_history.admin import SimpleHistoryAdmin

from papers.admin_base import (
    ARXIV_LINKS_HELP,
    EditorAdmin,
    EditorTabularInline,
    arxiv_links,
    link,
    short,
)

from . import admin_imports  # noqa: F401  (registers the Markdown upload pages, kept in their own module)
from .admin_desk import DailyDigestForm, DigestDeskMixin
from .admin_entries import MARKDOWNX_WIDGETS, DigestEntryInline, EntryFormSet
from .models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag
from .services.publishing import DigestStateError, digests_publish_now


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


@admin.register(DailyDigest)
class DailyDigestAdmin(DigestDeskMixin, SortableAdminBase, SimpleHistoryAdmin, EditorAdmin):
    """A digest's fields, its papers in order, its buttons and its candidates; "History" lists every
    change (who, when, what) and reverts the digest's fields to any earlier version."""

    form = DailyDigestForm
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
        shown = Count("entries", filter=Q(entries__is_excluded=False))
        return super().get_queryset(request).annotate(entry_count=shown)

    def save_formset(self, request, form, formset, change):
        entries = isinstance(formset, EntryFormSet)
        moved_in_place = formset.mark_moved() if entries else []
        super().save_formset(request, form, formset, change)
        if entries:
            DigestEntry.objects.filter(pk__in=moved_in_place).update(is_manually_placed=True)
            formset.save_posts()

    @admin.action(description="Publish selected digests now", permissions=["change"])
    def publish_now(self, request, queryset):
        try:
            changed = digests_publish_now(digests=queryset)
        except DigestStateError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        for digest in changed:
            self.log_change(request, digest, [{"changed": {"fields": ["Status", "Published at"]}}])
        already = queryset.count() - len(changed)
        note = f" ({already} already published, left as they were)" if already else ""
        self.message_user(request, f"Published {len(changed)} digest{'' if len(changed) == 1 else 's'}{note}.")

    @admin.display(description="papers", ordering="entry_count")
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
class DigestEntryAdmin(SimpleHistoryAdmin, EditorAdmin):
    """One entry in full: its embedded posts in order, and what the digest showed of its paper.

    Entries are added on their digest's page (candidates, "Add a paper"), where the ranking gives
    their metrics; here the metrics are read-only. "History" shows and reverts the entry's changes.
    """

    list_display = ["__str__", "short_title", "score", "retweets", "favorites", "embedded_count", "is_excluded"]
    list_select_related = ["digest", "paper"]
    list_filter = ["digest__status", "is_pinned", "is_excluded", "is_manually_placed"]
    date_hierarchy = "digest__date"
    search_fields = ["paper__arxiv_id", "paper__title", "shown_title", "digest__title", "digest__slug"]
    autocomplete_fields = ["digest", "paper"]
    readonly_fields = ["digest", "paper", "position", "paper_links", "why", "measured_at"]
    formfield_overrides = MARKDOWNX_WIDGETS
    inlines = [DigestEntryTweetInline]
    fieldsets = [
        (None, {"fields": ["digest", "position", "paper", "paper_links", "note"]}),
        ("Curation", {"fields": [("is_pinned", "is_excluded", "is_manually_placed")]}),
        ("Metrics shown (from the ranking)", {"fields": ["why", "measured_at"]}),
        (
            "As shown (only where it differs from the paper's current metadata)",
            {"classes": ["collapse"], "fields": ["shown_title", "shown_authors", "shown_abstract", "shown_categories"]},
        ),
    ]
    help_texts = {
        "paper_links": ARXIV_LINKS_HELP,
        "why": "The ranking's figures when the digest was built, and the counters readers see.",
    }

    def has_add_permission(self, request):
        return False

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

    @admin.display(description="why it is here")
    def why(self, obj):
        return f"{obj.why_line}. Shown: {obj.retweets:,} reposts, {obj.favorites:,} likes."
