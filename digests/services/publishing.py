"""When digests go live: now, at their scheduled time, or back to draft."""

from django.db import transaction
from django.utils import timezone

from digests.models import DailyDigest
from papers.page_cache import page_cache_bump


def digests_publish_due(*, now=None):
    """Publish every scheduled digest whose time has come; returns them. Safe to run twice or at once."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            DailyDigest.objects.select_for_update(skip_locked=True).filter(
                status=DailyDigest.Status.SCHEDULED, publish_at__lte=now
            )
        )
        for digest in due:
            digest.status = DailyDigest.Status.PUBLISHED
            digest.published_at = digest.publish_at  # the time it was promised for, however late the job ran
            digest.modified_at = now
        DailyDigest.objects.bulk_update(due, ["status", "published_at", "modified_at"])
        if due:
            page_cache_bump()
    return due


def digests_publish_now(*, digests, now=None):
    """Publish the given digests at once (those already published keep their time); returns those changed."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = list(
            DailyDigest.objects.select_for_update()
            .filter(pk__in=[digest.pk for digest in digests])
            .exclude(status=DailyDigest.Status.PUBLISHED)
        )
        for digest in changed:
            digest.status = DailyDigest.Status.PUBLISHED
            digest.published_at = now
            digest.modified_at = now
        DailyDigest.objects.bulk_update(changed, ["status", "published_at", "modified_at"])
        if changed:
            page_cache_bump()
    return changed
