"""A digest's entries on its change page: dragged into order, pinned or excluded, their posts ticked.

Each entry row shows its paper and the ranking's "why" line (read-only: metrics come from the
ranking, never from a keyboard), its pin / exclude switches, a checkbox list of the posts it may
embed, and its Markdown note. Dragging (django-admin-sortable2) rewrites the hidden positions; the
entries the editor moved are marked is_manually_placed, so a rebuild keeps them where they were put.

Cost: the entries (with their papers) and, for every row at once, two queries for the posts on offer.
"""

from bisect import bisect_left
from functools import cached_property

from adminsortable2.admin import CustomInlineFormSet, SortableInlineAdminMixin
from django import forms
from django.contrib import admin
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.html import format_html
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from papers.admin_base import EditorInlineForm, EditorStackedInline, arxiv_links, short
from papers.models import Tweet, TweetQuerySet

from .models import DigestEntry, DigestEntryTweet
from .services.entry_posts import digest_entry_posts_set

MARKDOWNX_WIDGETS = {MarkdownxField: {"widget": AdminMarkdownxWidget}}

# Posts offered per entry besides those it embeds: the paper's best visible ones.
POSTS_OFFERED = 20

POSTS_HELP = (
    "Tick the posts this entry embeds; untick to remove one. Embedded posts come first, in their order, then "
    f"the paper's {POSTS_OFFERED} best visible posts by score; a newly ticked post goes after those kept."
)


def post_label(tweet):
    score = tweet.retweets + tweet.likes
    hidden = " · hidden by an editor" if tweet.is_hidden else ""
    when = f" · {tweet.posted_at:%Y-%m-%d}" if tweet.posted_at else ""
    who = f"@{tweet.author_handle} ({tweet.get_source_display()})"
    return f"{who} · score {score:,}{when}{hidden} — {short(tweet.text, 90)}"


def entry_post_options(entries):
    """{entry pk: (choices, embedded ids)} for the entries' post checkboxes (two queries for all)."""
    if not entries:
        return {}
    embedded = {}
    for row in DigestEntryTweet.objects.filter(entry__in=entries).select_related("tweet").order_by("entry", "position"):
        embedded.setdefault(row.entry_id, {}).setdefault(row.tweet_id, row.tweet)  # a post embedded twice: once
    score = F("tweet__retweets") + F("tweet__likes")
    links = (
        Tweet.papers.through.objects.filter(
            TweetQuerySet.visible_q("tweet__"), paper_id__in={e.paper_id for e in entries}
        )
        .select_related("tweet")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("paper_id")],
                order_by=[score.desc(), F("tweet__posted_at").asc(nulls_last=True), F("tweet_id").asc()],
            )
        )
        .filter(rank__lte=POSTS_OFFERED)
        .order_by("paper_id", "rank")
    )
    best = {}
    for link in links:
        best.setdefault(link.paper_id, []).append(link.tweet)
    options = {}
    for entry in entries:
        mine = embedded.get(entry.pk, {})
        offered = list(mine.values()) + [tweet for tweet in best.get(entry.paper_id, []) if tweet.pk not in mine]
        options[entry.pk] = ([(tweet.pk, post_label(tweet)) for tweet in offered], list(mine))
    return options


def entries_moved(rows):
    """The rows an editor moved, from (old position, new position, row) triples.

    The entries that kept their order relative to each other (the longest such run) stayed; every
    other one was moved. Dragging one entry up marks that entry alone.
    """
    in_new_order = sorted(rows, key=lambda row: (row[1], row[0]))
    olds = [old for old, _, _ in in_new_order]
    # Longest increasing subsequence of the old positions (patience sorting, O(n log n)).
    tails, tail_index, previous = [], [], [None] * len(olds)
    for i, old in enumerate(olds):
        k = bisect_left(tails, old)
        if k == len(tails):
            tails.append(old)
            tail_index.append(i)
        else:
            tails[k], tail_index[k] = old, i
        previous[i] = tail_index[k - 1] if k else None
    kept, i = set(), tail_index[-1] if tail_index else None
    while i is not None:
        kept.add(i)
        i = previous[i]
    return [row for i, (_, _, row) in enumerate(in_new_order) if i not in kept]


class EntryRowForm(EditorInlineForm):
    posts = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Embedded posts", help_text=POSTS_HELP
    )

    def chosen_posts(self):
        """The ticked posts in the order offered (embedded ones first, keeping theirs)."""
        ticked = set(self.cleaned_data.get("posts") or [])
        return [pk for pk, _ in self.fields["posts"].choices if pk in ticked]


class EntryFormSet(CustomInlineFormSet):
    @cached_property
    def post_options(self):
        return entry_post_options(list(self.get_queryset()))

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk:
            choices, embedded = self.post_options.get(form.instance.pk, ([], []))
            form.fields["posts"].choices = choices
            form.initial["posts"] = embedded
        return form

    def mark_moved(self):
        """Mark the entries the editor moved as manually placed (before they are saved)."""
        rows = []
        for form in self.initial_forms:
            if self._should_delete_form(form) or not hasattr(form, "cleaned_data"):
                continue
            old = form.initial.get("position")
            new = form.cleaned_data.get("position") or old
            rows.append((old, new, form))
        moved = entries_moved(rows) if any(old != new for old, new, _ in rows) else []
        for form in moved:
            form.instance.is_manually_placed = True
        # A moved entry whose number stayed the same is not saved by its form: the caller updates it.
        return [form.instance.pk for form in moved if not form.has_changed()]

    def save_posts(self):
        for form in self.initial_forms:
            if self._should_delete_form(form) or "posts" not in form.changed_data:
                continue
            digest_entry_posts_set(entry=form.instance, tweet_ids=form.chosen_posts())


class DigestEntryInline(SortableInlineAdminMixin, EditorStackedInline):
    """The digest's papers in order. New papers come from the candidates or the "Add a paper" field."""

    model = DigestEntry
    form = EntryRowForm
    formset = EntryFormSet
    template = "admin/digests/dailydigest/entry_inline.html"
    fields = [("is_pinned", "is_excluded", "is_manually_placed"), "paper_summary", "why", "posts", "note"]
    readonly_fields = ["paper_summary", "why"]
    formfield_overrides = MARKDOWNX_WIDGETS
    ordering = ["position"]
    show_change_link = True
    help_texts = {
        "paper_summary": "The paper on arXiv (abstract, PDF) and on this site.",
        "why": "The ranking's figures when the digest was built, and the counters readers see.",
    }

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("digest", "paper")

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", self.help_texts)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="paper")
    def paper_summary(self, entry):
        return format_html(
            "<strong>{}</strong> · {} · {}", entry.paper.arxiv_id, short(entry.title, 120), arxiv_links(entry.paper)
        )

    @admin.display(description="why it is here")
    def why(self, entry):
        measured = f", read {entry.measured_at:%Y-%m-%d %H:%M}" if entry.measured_at else ""
        return f"{entry.why_line}. Shown: {entry.retweets:,} reposts, {entry.favorites:,} likes{measured}."
