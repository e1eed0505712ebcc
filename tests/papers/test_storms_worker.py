"""A real Celery worker rides out a storm on X: 5xx, timeouts and cut bodies retried by the client, 429s sent
back through the real broker to run again when the limit resets; it ends as a clean collection ends."""

import re
import time

import pytest

from papers.models import PostCollectionRun, Tweet
from papers.tasks import collect_x_posts
from tests.papers.test_storms_posts import XPlatform
from tests.storms import SOCIAL_KINDS, Storm, calm, counted, failed_requests, stored_posts
from tests.worker import forget_queue, log_tail, running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

Status = PostCollectionRun.Status
# A storm the client's own retries always get through (never more than SOCIAL_MAX_RETRIES failures in a row),
# so that only 429s go back to the broker: they wait a second for the reset, where a 5xx's job waits minutes.
# Seed 146: timeout, 429, timeout, page 1, HTTP 500, a cut body, 429, page 2.
SEED = 146
FOLLOW_UP_QUEUES = ("ingest", "social")


def reset_in_a_second(request):
    return {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 1)}


def collection(server, handler, queue, *, proc, log_path):
    """Send one collection to the worker and wait until a run of it succeeds; its runs, oldest first."""
    server.clear()
    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    before = set(PostCollectionRun.objects.values_list("pk", flat=True))
    collect_x_posts.apply_async(queue=queue)
    wait_for(
        lambda: PostCollectionRun.objects.exclude(pk__in=before).filter(status=Status.SUCCEEDED).exists(),
        proc=proc,
        log_path=log_path,
        what="the collection",
    )
    return list(PostCollectionRun.objects.exclude(pk__in=before).order_by("pk"))


def test_a_real_worker_rides_out_a_storm_through_its_broker_retries(storm_server, settings, tmp_path, monkeypatch):
    platform = XPlatform(storm_server, settings)
    storm = Storm(
        platform.serve,
        seed=SEED,
        kinds=(*SOCIAL_KINDS, "HTTP 429"),
        too_many=reset_in_a_second,
        max_in_a_row=settings.SOCIAL_MAX_RETRIES,
    )
    log_path = tmp_path / "worker.log"
    env = {"X_API_URL": storm_server.url_for("/2"), "X_BEARER_TOKEN": "bearer-storm"}
    for name in FOLLOW_UP_QUEUES:
        forget_queue(name)
    try:
        with running_worker(log_path, env=env, monkeypatch=monkeypatch) as (queue, proc):
            (clean,) = collection(storm_server, calm(platform.serve), queue, proc=proc, log_path=log_path)
            clean_rows = stored_posts(times=False)
            Tweet.objects.all().delete()
            PostCollectionRun.objects.all().delete()

            runs = collection(storm_server, storm, queue, proc=proc, log_path=log_path)

        assert [run.status for run in runs] == [Status.FAILED, Status.FAILED, Status.SUCCEEDED], log_tail(log_path)
        assert all(run.error.startswith("RateLimited: ") for run in runs[:2])
        assert [run.resumed_from for run in runs[1:]] == runs[:2]
        assert stored_posts(times=False) == clean_rows
        assert counted(runs) == counted([clean]) and runs[-1].watermark_to == clean.watermark_to
        assert failed_requests(runs) == storm.failed and sum(storm.failed.values()) == 6
        assert storm.failed["HTTP 429"] == 2 and storm.failed["timeout"] == 2
    finally:
        for name in FOLLOW_UP_QUEUES:
            forget_queue(name)
