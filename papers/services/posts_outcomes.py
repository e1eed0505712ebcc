"""Telling the editor who started a post run (an uploaded dump) how it ended, once."""

from django.db import transaction

from papers.models import PostCollectionRun

_UNFINISHED = (PostCollectionRun.Status.QUEUED, PostCollectionRun.Status.RUNNING)


def post_runs_take_finished(*, user):
    """The post runs this editor asked for that ended since they were last told, oldest first; marks them told.

    One query when there are none (the post list asks on every visit); the rows are then locked and
    marked in a transaction, so two pages open at once tell each run once.
    """
    untold = PostCollectionRun.objects.filter(requested_by=user, outcome_shown=False).exclude(status__in=_UNFINISHED)
    if not untold.exists():
        return []
    with transaction.atomic():
        runs = list(untold.select_for_update(skip_locked=True).order_by("started_at", "pk"))
        PostCollectionRun.objects.filter(pk__in=[run.pk for run in runs]).update(outcome_shown=True)
    return runs
