"""Run records that make the periodic jobs /healthz watches look done, for tests of other things."""

import datetime as dt

from django.utils import timezone

from digests.models import DailyDigest
from papers.models import IngestRun, PostCollectionRun, Tweet


def ingest_run(*, hours_ago, status=IngestRun.Status.SUCCEEDED, kind=IngestRun.Kind.CATEGORY):
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    run = IngestRun.objects.create(kind=kind, status=status, parameters={"category": "cs.LG"})
    IngestRun.objects.filter(pk=run.pk).update(started_at=finished - dt.timedelta(minutes=5), finished_at=finished)
    run.refresh_from_db()
    return run


def post_run(*, kind, source=Tweet.Source.HACKERNEWS, hours_ago, status=PostCollectionRun.Status.SUCCEEDED):
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    return PostCollectionRun.objects.create(kind=kind, source=source, status=status, finished_at=finished)


def every_job_done(*, hours_ago=1):
    """Each scheduled job of a fresh install succeeded `hours_ago`; returns {job name: its finish time}."""
    done = {"ingest_arxiv": ingest_run(hours_ago=hours_ago).finished_at}
    for source in (Tweet.Source.X, Tweet.Source.BLUESKY, Tweet.Source.HACKERNEWS):
        run = post_run(kind=PostCollectionRun.Kind.SEARCH, source=source, hours_ago=hours_ago)
        done[f"collect_{source}_posts"] = run.finished_at
    done["refresh_post_counters"] = post_run(kind=PostCollectionRun.Kind.REFRESH, hours_ago=hours_ago).finished_at
    oembeds = post_run(kind=PostCollectionRun.Kind.OEMBED, source=Tweet.Source.X, hours_ago=hours_ago)
    done["fetch_tweet_oembeds"] = oembeds.finished_at
    built = timezone.now() - dt.timedelta(hours=hours_ago)
    DailyDigest.objects.create(
        date=timezone.localdate(built) + dt.timedelta(days=3650),  # a day no other test uses
        slug="hot-papers-healthz",
        title="Hot Papers (healthz)",
        status=DailyDigest.Status.DRAFT,
        generated_at=built,
    )
    done["build_digest"] = built
    return done
