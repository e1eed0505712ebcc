"""The editor's desk on a digest's change page: its form, its buttons and its candidates.

Buttons (rebuild from scores, schedule, publish now, unpublish, add a candidate) are small POST forms
(CSRF-protected) to views of DailyDigestAdmin that call one service each and say what happened, or
why not, in an admin message. The candidates are the day's ranked papers not in the digest.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone

from papers.models import Paper

from .models import DailyDigest, DigestEntry
from .ranking import rank_day, why_line
from .services.building import auto_publish_at, digest_entry_add, digests_build
from .services.publishing import digest_schedule, digest_unpublish, digests_publish_now

CANDIDATES_SHOWN = 30

SCHEDULE_WITHOUT_TIME = "Choose when it goes live, or keep it a draft."
PUBLISHED_WITHOUT_TIME = "Give the time it went live, or keep it a draft and use “Publish now”."
EMPTY_DIGEST = "A digest with no papers cannot go live: add papers first (see the candidates below the papers)."


class DailyDigestForm(forms.ModelForm):
    """The digest's own fields, checked in sentences before the database's constraints would speak."""

    add_paper = forms.ModelChoiceField(
        queryset=Paper.objects.all(),
        required=False,
        widget=AutocompleteSelect(DigestEntry._meta.get_field("paper"), admin.site),
        label="Add a paper",
        help_text="A paper that is not among the day's candidates: search by arXiv id or title. It goes after the "
        "papers shown, pinned, with its counters and posts from the ranking.",
    )

    class Meta:
        model = DailyDigest
        fields = ["status", "publish_at", "published_at"]  # the admin gives the form its fieldsets' fields

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == DailyDigest.Status.SCHEDULED and not cleaned.get("publish_at"):
            self.add_error("publish_at", SCHEDULE_WITHOUT_TIME)
        if status == DailyDigest.Status.PUBLISHED and not cleaned.get("published_at"):
            self.add_error("published_at", PUBLISHED_WITHOUT_TIME)
        going_live = status in (DailyDigest.Status.SCHEDULED, DailyDigest.Status.PUBLISHED)
        if going_live and self.instance.status != status and not self.errors:
            papers = self.instance.entries.shown().count() if self.instance.pk else 0
            if not papers and not cleaned.get("add_paper"):
                self.add_error("status", EMPTY_DIGEST)
        paper = cleaned.get("add_paper")
        if paper and self.instance.pk:
            entry = self.instance.entries.filter(paper=paper, is_excluded=False).first()
            if entry:
                self.add_error("add_paper", f"{paper.arxiv_id} is already in this digest, at #{entry.position}.")
        return cleaned


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={
            "required": SCHEDULE_WITHOUT_TIME,
            "invalid": "Give the date and time it goes live, e.g. 2022-01-13 09:00.",
        },
    )


@dataclass(frozen=True)
class Candidate:
    paper_id: int
    arxiv_id: str
    title: str
    score: int
    why: str


@dataclass(frozen=True)
class Candidates:
    shown: list[Candidate]
    more: int  # candidates left out of the list (lower scores)
    min_paper_score: int

    def __len__(self):
        return len(self.shown)


def digest_candidates(*, digest, limit=CANDIDATES_SHOWN):
    """The papers of the digest's day that it does not hold, best first (three queries)."""
    ranking = rank_day(day=digest.date)
    in_digest = set(digest.entries.values_list("paper_id", flat=True))
    rest = [ranked for ranked in ranking.candidates if ranked.paper_id not in in_digest]
    shown = rest[:limit]
    titles = dict(Paper.objects.filter(pk__in=[ranked.paper_id for ranked in shown]).values_list("pk", "title"))
    return Candidates(
        shown=[
            Candidate(
                paper_id=ranked.paper_id,
                arxiv_id=ranked.arxiv_id,
                title=" ".join(titles.get(ranked.paper_id, "").split()),
                score=ranked.score,
                why=why_line(ranked),
            )
            for ranked in shown
        ],
        more=len(rest) - len(shown),
        min_paper_score=ranking.min_paper_score,
    )


def _next_hour():
    return (timezone.now() + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def desk_zone():
    """The zone editors schedule in (HOTPAPERS_TIME_ZONE, the zone of the automatic publish time)."""
    return ZoneInfo(settings.HOTPAPERS_TIME_ZONE)


def _local_input(moment):
    return timezone.localtime(moment, desk_zone()).strftime("%Y-%m-%dT%H:%M") if moment else ""


class DigestDeskMixin:
    """A DailyDigestAdmin's desk: buttons that call the publishing and building services."""

    desk_actions = ["rebuild", "schedule", "publish", "unpublish", "add-paper"]

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_desk"
        desk = path("<path:object_id>/desk/<slug:action>/", self.admin_site.admin_view(self.desk_view), name=name)
        return [desk, *super().get_urls()]

    def desk_url(self, digest, action):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_desk", args=[digest.pk, action])

    def desk_view(self, request, object_id, action):
        if action not in self.desk_actions:
            raise Http404(f"No desk action {action!r}.")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        digest = self.get_object(request, unquote(object_id))
        if digest is None:
            raise Http404("No such digest.")
        if not self.has_change_permission(request, digest):
            raise PermissionDenied
        try:
            level, message = getattr(self, f"desk_{action.replace('-', '_')}")(request, digest)
        except ValidationError as error:
            level, message = messages.ERROR, " ".join(error.messages)
        self.message_user(request, message, level)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[digest.pk]))

    def desk_record(self, request, digest, message):
        """What a desk button did, in the admin's log (recent actions) and in the digest's history."""
        self.log_change(request, digest, message)
        record = getattr(type(digest), "history", None)
        if record is not None:
            digest.refresh_from_db()
            record.bulk_history_create([digest], update=True, default_user=request.user, default_change_reason=message)

    def desk_rebuild(self, request, digest):
        result = digests_build(day=digest.date)
        kept = f", {result.pinned} pinned" if result.pinned else ""
        gone = f"; {result.removed} dropped" if result.removed else ""
        message = (
            f"Rebuilt from scores: {result.papers} paper{'' if result.papers == 1 else 's'} "
            f"({result.new} new, {result.kept} kept{kept}){gone}."
        )
        if not result.changed:
            message = f"Rebuilt from scores: nothing changed ({result.papers} papers)."
        self.desk_record(request, result.digest, message)
        return messages.SUCCESS, message

    def desk_schedule(self, request, digest):
        form = ScheduleForm(request.POST)
        with timezone.override(desk_zone()):  # the time typed is a wall-clock time there
            valid = form.is_valid()
        if not valid:
            raise ValidationError(form.errors["publish_at"])
        digest = digest_schedule(digest=digest, publish_at=form.cleaned_data["publish_at"])
        message = f"{digest.title} goes live at {timezone.localtime(digest.publish_at, desk_zone()):%Y-%m-%d %H:%M %Z}."
        self.desk_record(request, digest, message)
        return messages.SUCCESS, message

    def desk_publish(self, request, digest):
        if digest.status == DailyDigest.Status.PUBLISHED:
            return messages.INFO, f"{digest.title} is already published."
        digests_publish_now(digests=[digest])
        message = f"{digest.title} is published: readers see it now."
        self.desk_record(request, digest, message)
        return messages.SUCCESS, message

    def desk_unpublish(self, request, digest):
        was = digest.get_status_display().lower()
        if not digest_unpublish(digest=digest):
            return messages.INFO, f"{digest.title} is already a draft."
        message = f"{digest.title} is a draft again (it was {was}): readers no longer see it."
        self.desk_record(request, digest, message)
        return messages.SUCCESS, message

    def desk_add_paper(self, request, digest):
        try:
            paper = get_object_or_404(Paper, pk=int(request.POST.get("paper", "")))
        except ValueError:
            raise ValidationError("Choose a paper to add.") from None
        entry = digest_entry_add(digest=digest, paper=paper)
        message = f"Added {paper.arxiv_id} at #{entry.position}, pinned: {entry.why_line}."
        self.desk_record(request, digest, message)
        return messages.SUCCESS, message

    def desk_context(self, request, digest):
        can_change = self.has_change_permission(request, digest)
        status = digest.status
        published = status == DailyDigest.Status.PUBLISHED
        return {
            "can_change": can_change,
            "urls": {action.replace("-", "_"): self.desk_url(digest, action) for action in self.desk_actions},
            "can_rebuild": can_change and not published,
            "can_schedule": can_change and not published,
            "can_publish": can_change and not published,
            "can_unpublish": can_change and status != DailyDigest.Status.DRAFT,
            "publish_at_value": _local_input(
                digest.publish_at if status == DailyDigest.Status.SCHEDULED else (auto_publish_at() or _next_hour())
            ),
            "time_zone": settings.HOTPAPERS_TIME_ZONE,
            "candidates": digest_candidates(digest=digest) if can_change else None,
            "is_live": digest.is_public,
        }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["desk"] = self.desk_context(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        paper = form.cleaned_data.get("add_paper")
        if paper:
            entry = digest_entry_add(digest=form.instance, paper=paper)
            self.message_user(request, f"Added {paper.arxiv_id} at #{entry.position}, pinned.", messages.SUCCESS)
