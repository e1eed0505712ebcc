"""Admin for social posts: the post list, a post's page with its counter history, the page that
uploads a dump file of posts (imported by a task; the editor is told how it went), and the snapshots.
A paper's posts and attention are on its own page (papers/admin.py).

Imported by papers/admin.py, as each app's admin.py imports its tool pages.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, smart_split
from django.utils.timezone import localtime

from .admin_base import EditorAdmin, ToolPageAdmin, short
from .charts import lines_chart
from .models import Paper, PostCollectionRun, Tweet, TweetMetrics
from .queueing import QueueUnavailable, broker_ping
from .services.moderation import tweets_set_hidden
from .services.posts_dumps import post_dumps_create
from .services.posts_outcomes import post_runs_take_finished
from .sources.arxiv import ArxivError, InvalidArxivId, normalize_arxiv_id
from .sources.dumps import UPLOAD_MAX_BYTES, DumpError
from .tasks import queue_import_post_dump

ADMIN_CSS = {"all": ["css/admin_posts.css"]}
# The post list's narrow source column (the model's labels are longer: "X / Twitter").
SOURCE_SHORT = {"x": "X", "bluesky": "Bluesky", "hackernews": "HN"}
# The arXiv ids a post links that are not (yet) its papers, as the post list notes them.
LINK_NOTES = [("waiting for arXiv", "pending_arxiv_ids"), ("unknown to arXiv", "unknown_arxiv_ids")]


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


UPLOAD_MAX_MB = f"{UPLOAD_MAX_BYTES / (1024 * 1024):g} MB"


class DumpUploadForm(forms.Form):
    file = forms.FileField(
        label="Dump file",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jsonl,.ndjson,application/json"}),
        help_text=(
            f"One JSON or JSON Lines file, up to {UPLOAD_MAX_MB}: X API v2 response pages (as "
            "twarc writes them), Bluesky searchPosts/getPosts answers or feeds, or Hacker News Algolia answers. "
            "The format is read from the content; a file with one bad record is refused whole."
        ),
    )

    def __init__(self, *args, refused=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused  # what papers.uploads.UploadLimit stopped reading, if it did
        if refused:
            self.fields["file"].required = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.refused or upload.size > UPLOAD_MAX_BYTES:
            name = self.refused["name"] if self.refused else upload.name
            raise forms.ValidationError(
                f"{name}: the file is more than the {UPLOAD_MAX_MB} an uploaded dump may have; "
                "import it with manage.py ingest_posts --file, or split it."
            )
        return upload


@admin.register(Tweet)
class TweetAdmin(ToolPageAdmin):
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
        "link_status",
        "learned_via",
        "lang",
    ]
    search_fields = ["text", "author_handle", "author_name", "=external_id"]
    search_help_text = "Words of the text, a handle or author name, a post's id, or an arXiv id or URL."
    date_hierarchy = "posted_at"
    autocomplete_fields = ["papers"]
    # What the collectors keep up to date (linking to arXiv, the oEmbed) is shown, not edited.
    readonly_fields = [
        "created_at",
        "counter_history",
        "link_status",
        "waiting_ids",
        "unknown_ids",
        "link_list",
        "oembed_html",
        "oembed_fetched_at",
        "oembed_error",
    ]
    actions = ["hide_posts", "show_posts"]
    fieldsets = [
        (None, {"fields": ["source", "external_id", "learned_via", "url", "is_hidden"]}),
        ("Author", {"fields": ["author_handle", "author_name", "author_id"]}),
        ("Post", {"fields": ["posted_at", "lang", "text_dir", "text", "text_html", "quoted_id", "reply_to_id"]}),
        ("Papers", {"fields": ["papers", "link_status", "waiting_ids", "unknown_ids", "link_list"]}),
        (
            "Counters",
            {"fields": [("retweets", "likes", "replies", "quotes"), "metrics_at", "counter_history", "created_at"]},
        ),
        ("Embed", {"classes": ["collapse"], "fields": ["oembed_html", "oembed_fetched_at", "oembed_error"]}),
    ]
    help_texts = {
        "counter_history": "Reposts and likes at each snapshot of the post's counters (its metrics), oldest first.",
        "link_list": "Every URL the post carries (expanded links, cards, URLs in its text), as it was collected.",
        "waiting_ids": "arXiv ids the post links that are being fetched from arXiv; it is linked to them on arrival.",
        "unknown_ids": "arXiv ids the post links that arXiv returned nothing for (a typo, or a withdrawn id).",
    }
    tool_page = "upload"
    tool_page_title = "Upload a dump of posts"
    tool_page_replaces_add = False  # editors also add a post by hand
    tool_page_max_upload_bytes = UPLOAD_MAX_BYTES

    class Media:
        css = ADMIN_CSS

    def has_tool_page_permission(self, request):
        # An import adds posts and rewrites the counters of those already stored.
        return request.user.has_perms(["papers.add_tweet", "papers.change_tweet"])

    def tool_page_view(self, request):
        bound = request.method == "POST"
        if bound:
            data, files = request.POST, request.FILES  # read first: reading is what refuses a file too big
            form = DumpUploadForm(data, files, refused=getattr(request, "upload_refused", None))
        else:
            form = DumpUploadForm()
        if bound and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if broker_ping() is False:  # asked first, so a file is not kept for a job nobody can send
                    raise QueueUnavailable()
                with transaction.atomic():
                    run = post_dumps_create(data=upload.read(), name=upload.name, requested_by_id=request.user.pk)
                    queue_import_post_dump(run_id=run.pk)
            except DumpError as exc:
                form.add_error("file", str(exc))
                return self.render_tool_page(request, form)
            except QueueUnavailable as exc:
                messages.error(request, f"{exc} Nothing was imported: upload the file again once the queue is back.")
                return redirect("admin:papers_tweet_changelist")
            except ArxivError:
                pass  # only when the job ran eagerly, in this request: the papers' ingest run records it
            messages.info(request, f"Queued {upload.name} for import; this list says how it went once it is done.")
            return redirect("admin:papers_tweet_changelist")
        return self.render_tool_page(request, form)

    def changelist_view(self, request, extra_context=None):
        # The dumps this editor uploaded, imported since they last looked: say how each went.
        for run in post_runs_take_finished(user=request.user):
            announce_post_run(request, run)
        return super().changelist_view(request, extra_context)

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
        waiting = [(label, ids) for label, ids in LINK_NOTES if getattr(obj, ids)]
        if not waiting:
            return paper_links(obj.papers.all())
        notes = format_html_join(
            "",
            '<br><span class="post-note">{}: {}</span>',
            ((label, ", ".join(getattr(obj, ids))) for label, ids in waiting),
        )
        return format_html("{}{}", paper_links(obj.papers.all()), notes)

    @admin.display(description="links")
    def link_list(self, obj):
        urls = [(url, url) for url in obj.links if url.startswith(("https://", "http://"))]
        return format_html_join(mark_safe("<br>"), '<a href="{}" rel="noopener">{}</a>', urls) if urls else "—"

    @admin.display(description="waiting for arXiv")
    def waiting_ids(self, obj):
        return ", ".join(obj.pending_arxiv_ids) or "—"

    @admin.display(description="unknown to arXiv")
    def unknown_ids(self, obj):
        return ", ".join(obj.unknown_arxiv_ids) or "—"

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


def announce_post_run(request, run):
    counts = f"{run.created} new, {run.updated} updated, {run.unchanged} unchanged, {run.skipped} skipped"
    what = run.query or "the dump"
    if run.status == PostCollectionRun.Status.FAILED:
        messages.error(request, f"Importing {what} failed: {run.error}")
        return
    missing = len(run.missing_arxiv_ids)
    fetching = (
        f"; {missing} linked paper{'' if missing == 1 else 's'} not here yet, fetched from arXiv" if missing else ""
    )
    messages.success(request, f"Imported {what}: {counts} ({run.pages} page{'' if run.pages == 1 else 's'}){fetching}.")


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
