"""Admin for social posts: the post list, a post's page with its counter history, the snapshots, and
what a paper's page shows of its posts (PaperPostsInline, attention_table: papers/admin.py uses them).

Imported by papers/admin.py, as each app's admin.py imports its tool pages.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, smart_split
from django.utils.timezone import localtime

from .admin_base import EditorAdmin, short
from .charts import lines_chart
from .models import Paper, Tweet, TweetMetrics
from .services.moderation import tweets_set_hidden
from .sources.arxiv import InvalidArxivId, normalize_arxiv_id

ADMIN_CSS = {"all": ["css/admin_posts.css"]}
# The post list's narrow source column (the model's labels are longer: "X / Twitter").
SOURCE_SHORT = {"x": "X", "bluesky": "Bluesky", "hackernews": "HN"}


class VisibilityFilter(admin.BooleanFieldListFilter):
    """is_hidden, said as editors say it."""

    labels = {"1": "Hidden", "0": "Visible"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "visibility"

    def choices(self, changelist):
        for choice, value in zip(super().choices(changelist), [None, "1", "0"], strict=False):
            yield {**choice, "display": self.labels.get(value, choice["display"])}


class LinkedFilter(admin.SimpleListFilter):
    title = "linked to papers"
    parameter_name = "linked"

    def lookups(self, request, model_admin):
        return [("yes", "Linked to a paper"), ("no", "Linked to no paper")]

    def queryset(self, request, queryset):
        links = Exists(Tweet.papers.through.objects.filter(tweet=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(links)
        if self.value() == "no":
            return queryset.filter(~links)
        return queryset


def paper_links(papers):
    """The papers' arXiv ids, each linking to the paper's admin page."""
    return format_html_join(
        ", ", '<a href="{}">{}</a>', ((reverse("admin:papers_paper_change", args=[p.pk]), p.arxiv_id) for p in papers)
    )


class PostChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # The papers column: one query for the page (not in get_queryset: the change form shows them itself).
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .prefetch_related(Prefetch("papers", queryset=Paper.objects.only("pk", "arxiv_id").order_by("arxiv_id")))
        )


@admin.register(Tweet)
class TweetAdmin(EditorAdmin):
    list_display = [
        "post",
        "platform",
        "author",
        "paper_ids",
        "reposts",
        "likes",
        "replies",
        "quotes",
        "posted",
        "hidden",
    ]
    list_filter = [
        "source",
        ("is_hidden", VisibilityFilter),
        ("posted_at", admin.DateFieldListFilter),
        LinkedFilter,
        "learned_via",
        "lang",
    ]
    search_fields = ["text", "author_handle", "author_name", "=external_id"]
    search_help_text = "Words of the text, a handle or author name, a post's id, or an arXiv id or URL."
    date_hierarchy = "posted_at"
    autocomplete_fields = ["papers"]
    readonly_fields = ["created_at", "counter_history"]
    actions = ["hide_posts", "show_posts"]
    fieldsets = [
        (None, {"fields": ["source", "external_id", "learned_via", "url", "is_hidden"]}),
        ("Author", {"fields": ["author_handle", "author_name"]}),
        ("Post", {"fields": ["posted_at", "lang", "text_dir", "text", "text_html", "papers"]}),
        (
            "Counters",
            {"fields": [("retweets", "likes", "replies", "quotes"), "metrics_at", "counter_history", "created_at"]},
        ),
    ]
    help_texts = {
        "counter_history": "Reposts and likes at each snapshot of the post's counters (its metrics), oldest first.",
    }

    class Media:
        css = ADMIN_CSS

    def get_changelist(self, request, **kwargs):
        return PostChangeList

    def get_search_results(self, request, queryset, search_term):
        """A term that is an arXiv id (2201.04182, arXiv:2201.04182v2, an arXiv URL) finds the posts linking
        that paper (or saying the id); the other terms search the text, the author and the post's id."""
        others = []
        for term in smart_split(search_term):
            try:
                arxiv_id = normalize_arxiv_id(term).base
            except InvalidArxivId:
                others.append(term)
                continue
            linking = Tweet.papers.through.objects.filter(tweet=OuterRef("pk"), paper__arxiv_id=arxiv_id)
            queryset = queryset.filter(Exists(linking) | Q(text__icontains=arxiv_id))
        return super().get_search_results(request, queryset, " ".join(others))

    @admin.display(description="post")
    def post(self, obj):
        return short(obj.text, 50) or str(obj)

    @admin.display(description="source", ordering="source")
    def platform(self, obj):
        return SOURCE_SHORT.get(obj.source, obj.source)

    @admin.display(description="hidden", ordering="is_hidden")
    def hidden(self, obj):
        return mark_safe('<strong class="post-hidden">hidden</strong>') if obj.is_hidden else ""

    @admin.display(description="posted", ordering="posted_at")
    def posted(self, obj):
        return date_format(localtime(obj.posted_at), "M j, Y H:i") if obj.posted_at else "—"

    @admin.display(description="author", ordering="author_handle")
    def author(self, obj):
        return (
            format_html("@{}<br>{}", obj.author_handle, obj.author_name) if obj.author_name else f"@{obj.author_handle}"
        )

    @admin.display(description="papers")
    def paper_ids(self, obj):
        return paper_links(obj.papers.all())

    @admin.display(description="reposts", ordering="retweets")
    def reposts(self, obj):
        return obj.retweets

    @admin.display(description="counter history")
    def counter_history(self, obj):
        snapshots = (
            []
            if obj.pk is None
            else list(obj.metrics.order_by("measured_at").values_list("measured_at", "retweets", "likes"))
        )
        return counter_chart(snapshots, handle=obj.author_handle)

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


def counter_chart(snapshots, *, handle):
    """The SVG chart of (measured at, reposts, likes) snapshots, oldest first, as HTML."""
    chart = lines_chart(
        times=[at for at, _reposts, _likes in snapshots],
        series=[
            ("reposts", "Reposts", [reposts for _at, reposts, _likes in snapshots]),
            ("likes", "Likes", [likes for _at, _reposts, likes in snapshots]),
        ],
    )
    return render_to_string(
        "admin/papers/tweet/counter_chart.html",
        {
            "chart": chart,
            "title": f"Reposts and likes of @{handle}'s post over time",
            "empty": "No snapshots yet: the counters have not been refreshed since the post was stored.",
        },
    )


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
