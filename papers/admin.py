"""Admin for papers (with their posts and attention), authors and categories; the social posts' own
pages are in papers/admin_posts.py.

Every changelist states its joins and counts in get_queryset, and every inline the joins its rows
show, so no page's query count grows with its rows. Help texts live on the model fields; only
read-only display methods, which have no model field, get theirs from the admin's help_texts (see
papers/admin_base.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.db import transaction
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from . import (
    admin_beat,  # noqa: F401  (re-registers django-celery-beat's periodic tasks)
    admin_ingest,  # noqa: F401  (registers the ingestion pages, kept in their own module)
)
from .admin_base import ARXIV_LINKS_HELP, EditorAdmin, EditorTabularInline, arxiv_links, link, short
from .admin_posts import ADMIN_CSS  # and registers the posts' pages
from .models import Author, Authorship, Category, Paper, PaperCategory, Tweet
from .queueing import QueueUnavailable
from .selectors import paper_attention
from .services.arxiv_ingest import papers_ingest_ids_prepare
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


# A paper's authors are edited on its page up to this many. Each row posts four fields, and a form of
# thousands of rows is slow to post and to use (Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS of 1,000
# once refused a paper of 250 authors outright). Beyond it the page lists them read-only, linking to
# the paper's authorships.
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


# On a paper's page: its posts, best first, and its attention.

PAPER_POSTS_SHOWN = 50


class PaperPostsInline(EditorTabularInline):
    """The paper's posts, read-only, best first (reposts + likes), hidden ones marked: two queries.

    Links are edited on the post's page. A paper talked about everywhere lists its best
    PAPER_POSTS_SHOWN here; the attention field links to the whole list.
    """

    model = Tweet.papers.through
    template = "admin/papers/paper/posts_inline.html"
    verbose_name = "post"
    verbose_name_plural = f"posts (best {PAPER_POSTS_SHOWN} by reposts + likes)"
    fields = ["post", "source", "author", "reposts", "likes", "replies", "quotes", "score", "posted", "visibility"]
    readonly_fields = fields
    can_delete = False
    help_texts = {
        "post": "The post's admin page.",
        "source": "The platform the post lives on.",
        "author": "The account that posted it.",
        "reposts": "Reposts when the counters were last read.",
        "likes": "Likes when the counters were last read.",
        "replies": "Replies when the counters were last read.",
        "quotes": "Quote posts when the counters were last read.",
        "score": "Reposts + likes: what the post scores in the ranking.",
        "posted": "When the post was published.",
        "visibility": "Hidden posts count for nothing and show nowhere.",
    }

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", self.help_texts)
        formset = super().get_formset(request, obj, **kwargs)
        return type("PaperPostsFormSet", (formset,), {"get_queryset": _best_shown})

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("tweet")
            .annotate(score=F("tweet__retweets") + F("tweet__likes"))
            .order_by("-score", "-tweet__posted_at", "tweet_id")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="post")
    def post(self, link_row):
        tweet = link_row.tweet
        return link(reverse("admin:papers_tweet_change", args=[tweet.pk]), short(tweet.text, 60) or str(tweet))

    @admin.display(description="source")
    def source(self, link_row):
        return link_row.tweet.get_source_display()

    @admin.display(description="author")
    def author(self, link_row):
        return f"@{link_row.tweet.author_handle}"

    @admin.display(description="reposts")
    def reposts(self, link_row):
        return link_row.tweet.retweets

    @admin.display(description="likes")
    def likes(self, link_row):
        return link_row.tweet.likes

    @admin.display(description="replies")
    def replies(self, link_row):
        return link_row.tweet.replies

    @admin.display(description="quotes")
    def quotes(self, link_row):
        return link_row.tweet.quotes

    @admin.display(description="score")
    def score(self, link_row):
        return link_row.score

    @admin.display(description="posted")
    def posted(self, link_row):
        return display_for_value(link_row.tweet.posted_at, "—")

    @admin.display(description="visibility")
    def visibility(self, link_row):
        if link_row.tweet.is_hidden:
            return mark_safe('<strong class="post-hidden">hidden</strong>')
        return "visible"


def _best_shown(formset):
    # The formset filters the inline's queryset by paper, then the page shows the first ones.
    if not hasattr(formset, "_queryset"):
        formset._queryset = list(formset.queryset[:PAPER_POSTS_SHOWN])
    return formset._queryset


ATTENTION_HELP = (
    "What the paper's visible posts drew, as their counters were last read, in all and per platform "
    "(hidden posts count for nothing)."
)


def attention_table(paper):
    """A paper's attention (papers.selectors.paper_attention) as a small table, linking its posts: one query."""
    attention = paper_attention(paper)
    labels = dict(Tweet.Source.choices)
    rows = [(labels.get(source, source), counters) for source, counters in attention.by_source.items()]
    url = f"{reverse('admin:papers_tweet_changelist')}?{urlencode({'papers__id__exact': paper.pk})}"
    return render_to_string(
        "admin/papers/paper/attention.html", {"attention": attention, "rows": rows, "posts_url": url}
    )


@admin.register(Paper)
class PaperAdmin(EditorAdmin):
    list_display = ["arxiv_id", "short_title", "primary_category", "published", "version", "post_count", "links"]
    list_select_related = ["primary_category"]
    list_filter = ["primary_category__group"]
    search_fields = ["arxiv_id", "title", "authors__name"]
    date_hierarchy = "published"
    autocomplete_fields = ["primary_category"]
    readonly_fields = ["links", "author_list", "attention", "created_at", "modified_at"]
    inlines = [AuthorshipInline, PaperCategoryInline, PaperPostsInline]
    fieldsets = [
        (None, {"fields": ["arxiv_id", "version", "title", "primary_category", "links"]}),
        ("Attention", {"fields": ["attention"]}),
        ("Dates", {"fields": [("published", "updated"), ("created_at", "modified_at")]}),
        ("Content", {"fields": ["abstract", "comment", "journal_ref", "doi"]}),
    ]
    help_texts = {
        "links": ARXIV_LINKS_HELP,
        "author_list": "The paper's authors in order: too many to edit on this page.",
        "attention": ATTENTION_HELP,
    }

    class Media:
        css = ADMIN_CSS

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

    @admin.display(description="attention")
    def attention(self, obj):
        return attention_table(obj) if obj.pk else "—"

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
