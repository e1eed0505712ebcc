"""Admin for social posts: the post list, a post's page with its counter history, the snapshots, and
what a paper's page shows of its posts (PaperPostsInline, attention_table: papers/admin.py uses them).

Imported by papers/admin.py, as each app's admin.py imports its tool pages.
"""

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, smart_split
from django.utils.timezone import localtime

from .admin_base import EditorAdmin, EditorTabularInline, link, short
from .charts import lines_chart
from .models import Paper, Tweet, TweetMetrics
from .selectors import paper_attention
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
