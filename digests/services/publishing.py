"""When digests go live: now, at their scheduled time, or back to draft.

draft ──digest_schedule──► scheduled (publish_at) ──its time comes──► published
  ▲                                                                     │
  └──────────────────────────── digest_unpublish ◄──────────────────────┘

A scheduled digest is public from its publish time on (DailyDigest.objects.published() says so,
whether or not beat has run); digests_publish_due, the beat job, then records it as published.
digests_publish_now skips the schedule. A digest with no papers is never scheduled nor published.
Each refusal is a DigestStateError whose message an editor can read as it is.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from digests.models import DailyDigest, DigestEntryQuerySet
from papers.page_cache import page_cache_bump

logger = logging.getLogger(__name__)


class DigestStateError(ValidationError):
    """A digest cannot do that in its present state; the message says why, in an editor's words."""

    def __str__(self):
        return " ".join(self.messages)


def digests_publish_due(*, now=None):
    """Publish every scheduled digest whose time has come; returns them. Safe to run twice or at once."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(DailyDigest.objects.due(now=now).select_for_update(skip_locked=True))
        for digest in due:
            digest.status = DailyDigest.Status.PUBLISHED
            digest.published_at = digest.publish_at  # the time it was promised for, however late the job ran
            digest.modified_at = now
        # A history row each, as an editor's publish from the desk has: the history says the schedule did it.
        bulk_update_with_history(
            due, DailyDigest, ["status", "published_at", "modified_at"], default_change_reason="Published on schedule"
        )
        if due:
            page_cache_bump()
    for digest in due:
        logger.info("Published %s, scheduled for %s", digest.slug, digest.publish_at.isoformat())
    return due


def digests_publish_now(*, digests, now=None):
    """Publish the given digests at once (those already published keep their time); returns those changed.

    Refuses, writing nothing, when one of them has no papers (an excluded entry is not a paper).
    """
    now = now or timezone.now()
    with transaction.atomic():
        changed = list(
            DailyDigest.objects.select_for_update()
            .filter(pk__in=[digest.pk for digest in digests])
            .exclude(status=DailyDigest.Status.PUBLISHED)
            .order_by("date")
        )
        _refuse_empty(changed, doing="publishing")
        for digest in changed:
            digest.status = DailyDigest.Status.PUBLISHED
            digest.published_at = now
            digest.modified_at = now
        DailyDigest.objects.bulk_update(changed, ["status", "published_at", "modified_at"])  # the desk records who
        if changed:
            page_cache_bump()
    return changed


def digest_schedule(*, digest, publish_at, now=None):
    """Schedule the digest to go live at `publish_at` (an aware datetime, not in the past); returns it.

    A scheduled digest may be scheduled again at another time; a published one must be unpublished first.
    """
    now = now or timezone.now()
    if publish_at is None:
        raise DigestStateError(
            "Choose a publish time: a scheduled digest goes live by itself at that time.", code="no_publish_time"
        )
    if not isinstance(publish_at, dt.datetime) or timezone.is_naive(publish_at):
        raise DigestStateError("The publish time needs a date, a time and a time zone.", code="naive_publish_time")
    if publish_at < now:
        raise DigestStateError(
            f"{_when(publish_at)} has already passed: choose a later time, or publish the digest now.",
            code="publish_time_passed",
        )
    with transaction.atomic():
        locked = DailyDigest.objects.select_for_update().get(pk=digest.pk)
        if locked.status == DailyDigest.Status.PUBLISHED:
            raise DigestStateError(
                f"{locked.title} is already published. Unpublish it first to schedule it again.", code="published"
            )
        _refuse_empty([locked], doing="scheduling")
        locked.status = DailyDigest.Status.SCHEDULED
        locked.publish_at = publish_at
        locked.save(update_fields=["status", "publish_at", "published_at", "modified_at"])
    return locked


def digest_unpublish(*, digest):
    """Take a published or scheduled digest back to draft (readers no longer see it). Returns whether it changed."""
    with transaction.atomic():
        locked = DailyDigest.objects.select_for_update().get(pk=digest.pk)
        if locked.status == DailyDigest.Status.DRAFT:
            return False
        locked.status = DailyDigest.Status.DRAFT
        locked.publish_at = None
        locked.save(update_fields=["status", "publish_at", "published_at", "modified_at"])
    digest.status, digest.publish_at, digest.published_at = locked.status, None, None
    return True


def _refuse_empty(digests, *, doing):
    if not digests:
        return
    counts = dict(
        DailyDigest.objects.filter(pk__in=[digest.pk for digest in digests])
        .annotate(papers=Count("entries", filter=DigestEntryQuerySet.shown_q("entries__")))
        .values_list("pk", "papers")
    )
    empty = [digest.title for digest in digests if not counts.get(digest.pk)]
    if len(empty) == 1:
        raise DigestStateError(f"{empty[0]} has no papers: add papers before {doing} it.", code="empty")
    if empty:
        raise DigestStateError(f"{', '.join(empty)} have no papers: add papers before {doing} them.", code="empty")


def _when(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"
