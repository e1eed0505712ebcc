"""Admin for papers, authors, categories and social posts.

Every changelist states its joins and counts in get_queryset, and every inline the joins its rows
show, so no page's query count grows with its rows. Help texts live on the model fields; only
read-only display methods, which have no model field, get theirs from the admin's help_texts (see
papers/admin_base.py).
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import capfirst

from . import (
    admin_beat,  # noqa: F401  (re-registers django-celery-beat's periodic tasks)
    admin_ingest,  # noqa: F401  (registers the ingestion pages, kept in their own module)
)
from .admin_base import ARXIV_LINKS_HELP, EditorAdmin, EditorTabularInline, arxiv_links, link, short
from .models import Author, Authorship, Category, Paper, PaperCategory, Tweet, TweetMetrics
from .queueing import QueueUnavailable
from .services.arxiv_ingest import papers_ingest_ids_prepare
from .services.moderation import tweets_set_hidden
from .sources.arxiv import ArxivError
from .tasks import queue_ingest_arxiv_ids


@admin.register(Category)
class CategoryAdmin(EditorAdmin):
    list_display = ["code", "name", "group", "in_taxonomy", "paper_count"]
    list_filter = ["group", "in_taxonomy"]
    search_fields = ["code", "name"]
    readonly_fields = ["paper_count"]
    help_texts = {"paper_count": "Papers listed in this category, as primary or not."}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("paper_categories"))

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, obj):
        return getattr(obj, "paper_count", 0)


@admin.register(Author)
class AuthorAdmin(EditorAdmin):
    list_display = ["name", "slug", "paper_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("authorships"))

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count


# A paper's authors are edited on its page up to this many. Each row posts four fields, and Django
# refuses a form of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000): a paper of 250 authors could
# not be saved at all. Beyond it the page lists them read-only, linking to the paper's authorships.
AUTHORS_EDITED_INLINE_MAX = 100


class AuthorshipInline(EditorTabularInline):
    model = Authorship
    fields = ["position", "author"]
    autocomplete_fields = ["author"]
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "paper")


class PaperCategoryInline(EditorTabularInline):
    model = PaperCategory
    fields = ["position", "category"]
    autocomplete_fields = ["category"]
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category", "paper")


@admin.register(Authorship)
class AuthorshipAdmin(EditorAdmin):
    """One row per author of a paper: where the authors of papers too long to edit inline are fixed."""

    list_display = ["position", "author", "paper_arxiv_id"]
    list_display_links = ["position", "author"]
    list_select_related = ["author", "paper"]
    search_fields = ["author__name", "=paper__arxiv_id"]
    autocomplete_fields = ["paper", "author"]
    fields = ["paper", "position", "author"]
    help_texts = {"paper": "Search by arXiv id or title."}

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_arxiv_id(self, obj):
        return obj.paper.arxiv_id


@admin.register(Paper)
class PaperAdmin(EditorAdmin):
    list_display = ["arxiv_id", "short_title", "primary_category", "published", "version", "post_count", "links"]
    list_select_related = ["primary_category"]
    list_filter = ["primary_category__group"]
    search_fields = ["arxiv_id", "title", "authors__name"]
    date_hierarchy = "published"
    autocomplete_fields = ["primary_category"]
    readonly_fields = ["links", "author_list", "created_at", "modified_at"]
    inlines = [AuthorshipInline, PaperCategoryInline]
    fieldsets = [
        (None, {"fields": ["arxiv_id", "version", "title", "primary_category", "links"]}),
        ("Dates", {"fields": [("published", "updated"), ("created_at", "modified_at")]}),
        ("Content", {"fields": ["abstract", "comment", "journal_ref", "doi"]}),
    ]
    help_texts = {
        "links": ARXIV_LINKS_HELP,
        "author_list": "The paper's authors in order: too many to edit on this page.",
    }

    actions = ["refresh_from_arxiv"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_count=Count("tweets"))

    def get_inlines(self, request, obj):
        if self._lists_authors_read_only(obj):
            return [inline for inline in self.inlines if inline is not AuthorshipInline]
        return self.inlines

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._lists_authors_read_only(obj):
            return [fieldsets[0], ("Authors", {"fields": ["author_list"]}), *fieldsets[1:]]
        return fieldsets

    def _lists_authors_read_only(self, obj):
        if obj is None or obj.pk is None:
            return False
        if not hasattr(obj, "_admin_author_count"):  # asked several times per page: count once
            obj._admin_author_count = obj.authorships.count()
        return obj._admin_author_count > AUTHORS_EDITED_INLINE_MAX

    @admin.action(description="Refresh metadata from arXiv", permissions=["change"])
    def refresh_from_arxiv(self, request, queryset):
        arxiv_ids = list(queryset.values_list("arxiv_id", flat=True))
        try:
            with transaction.atomic():
                queue_ingest_arxiv_ids(ids=papers_ingest_ids_prepare(ids=arxiv_ids), requested_by_id=request.user.pk)
        except ArxivError:
            pass  # only when the job ran eagerly, in this request: its run records the failure
        except QueueUnavailable as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                'Queued a refresh of {} from arXiv; a newer version replaces the metadata. <a href="{}">Ingest runs</a>'
                " say how it went.",
                f"{len(arxiv_ids)} paper{'' if len(arxiv_ids) == 1 else 's'}",
                reverse("admin:papers_ingestrun_changelist"),
            ),
            messages.INFO,
        )

    @admin.display(description="title", ordering="title")
    def short_title(self, obj):
        return short(obj.title)

    @admin.display(description="posts", ordering="post_count")
    def post_count(self, obj):
        return obj.post_count

    @admin.display(description="links")
    def links(self, obj):
        return arxiv_links(obj) if obj.pk else "—"

    @admin.display(description="authors")
    def author_list(self, obj):
        names = [(a.author.name,) for a in obj.authorships.select_related("author").order_by("position")]
        url = f"{reverse('admin:papers_authorship_changelist')}?{urlencode({'paper__id__exact': obj.pk})}"
        return format_html(
            "<p>{}</p><p>{} authors: {}.</p>",
            format_html_join(", ", "{}", names),
            len(names),
            link(url, "edit them one by one"),
        )


@admin.register(Tweet)
class TweetAdmin(EditorAdmin):
    list_display = [
        "__str__",
        "short_text",
        "source",
        "posted_at",
        "retweets",
        "likes",
        "replies",
        "quotes",
        "paper_count",
        "is_hidden",
    ]
    list_filter = ["source", "is_hidden", "learned_via", "lang"]
    search_fields = ["text", "author_handle", "author_name", "=external_id"]
    date_hierarchy = "posted_at"
    autocomplete_fields = ["papers"]
    readonly_fields = ["created_at"]
    actions = ["hide_posts", "show_posts"]
    fieldsets = [
        (None, {"fields": ["source", "external_id", "learned_via", "url", "is_hidden"]}),
        ("Author", {"fields": ["author_handle", "author_name"]}),
        ("Post", {"fields": ["posted_at", "lang", "text_dir", "text", "text_html", "papers"]}),
        ("Counters", {"fields": [("retweets", "likes", "replies", "quotes"), "metrics_at", "created_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("papers"))

    @admin.display(description="text")
    def short_text(self, obj):
        return short(obj.text, 60)

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "is_hidden":
            # The form posts back the visibility it showed, so a form opened before someone hid
            # the post only shows it again if the editor unticks the box.
            kwargs["show_hidden_initial"] = True
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Visibility changes only through the moderation service, as with the hide and show actions.

        The form writes every other column; a box the editor changed goes to the service, and the
        history entry the admin writes for this save names the field, as the actions' entries do.
        """
        hidden = obj.is_hidden
        if change:
            others = [f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name != "is_hidden"]
            obj.save(update_fields=others)
        else:
            obj.is_hidden = False
            obj.save()
        if "is_hidden" in form.changed_data and not tweets_set_hidden(tweets=[obj], hidden=hidden):
            form.changed_data.remove("is_hidden")  # someone got there first: the history names no change
        obj.is_hidden = hidden

    @admin.action(description="Hide selected posts", permissions=["change"])
    def hide_posts(self, request, queryset):
        self._set_hidden(request, queryset, hidden=True)

    @admin.action(description="Show selected posts", permissions=["change"])
    def show_posts(self, request, queryset):
        self._set_hidden(request, queryset, hidden=False)

    def _set_hidden(self, request, queryset, *, hidden):
        changed = tweets_set_hidden(tweets=queryset, hidden=hidden)
        for tweet in changed:  # the admin's history says who hid what, and when
            self.log_change(
                request, tweet, [{"changed": {"fields": [capfirst(Tweet._meta.get_field("is_hidden").verbose_name)]}}]
            )
        verb = "Hid" if hidden else "Showed"
        self.message_user(request, f"{verb} {len(changed)} post{'' if len(changed) == 1 else 's'}.")


@admin.register(TweetMetrics)
class TweetMetricsAdmin(EditorAdmin):
    """Snapshots are history: they can be added or deleted, not rewritten."""

    list_display = ["tweet", "measured_at", "retweets", "likes", "replies", "quotes"]
    list_select_related = ["tweet"]
    list_filter = ["tweet__source"]
    search_fields = ["tweet__author_handle", "=tweet__external_id"]
    date_hierarchy = "measured_at"
    autocomplete_fields = ["tweet"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["tweet", "measured_at", "retweets", "likes", "replies", "quotes"]
