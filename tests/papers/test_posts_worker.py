"""A real Celery worker collects X posts from a local HTTP server into PostgreSQL, and sends the follow-ups
(the arXiv fetch of the linked papers, the posts' embeds) to the queues that serve them."""

import ast
import json

import pytest
import redis

from hotpapers_site.celery import app
from papers.models import PostCollectionRun, Tweet
from papers.tasks import collect_x_posts
from tests.papers.posts_support import X_SEARCH, by_param, fixture_json
from tests.worker import forget_queue, log_tail, running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def queued(queue):
    with redis.Redis.from_url(app.conf.broker_url) as client:
        return [json.loads(raw)["headers"] for raw in client.lrange(queue, 0, -1)]


def test_a_real_worker_collects_posts_and_queues_the_follow_ups(httpserver, tmp_path, monkeypatch):
    page1 = fixture_json("x", "search_page1.json")
    answers = {None: page1, page1["meta"]["next_token"]: fixture_json("x", "search_page2.json")}
    httpserver.expect_request(X_SEARCH).respond_with_handler(by_param("next_token", answers))
    log_path = tmp_path / "worker.log"
    env = {"X_API_URL": httpserver.url_for("/2"), "X_BEARER_TOKEN": "bearer-worker", "SOCIAL_MAX_RETRIES": "0"}
    for name in ("ingest", "social"):
        forget_queue(name)
    try:
        with running_worker(log_path, env=env, monkeypatch=monkeypatch) as (queue, proc):
            collect_x_posts.apply_async(queue=queue)
            wait_for(
                lambda: PostCollectionRun.objects.exclude(status=PostCollectionRun.Status.RUNNING).exists(),
                proc=proc,
                log_path=log_path,
                what="the collection",
            )
            # The follow-ups are sent once the run is stored: give them a moment to reach Redis.
            wait_for(lambda: queued("social"), proc=proc, log_path=log_path, what="the follow-ups", timeout=20)

        run = PostCollectionRun.objects.get()
        assert run.status == PostCollectionRun.Status.SUCCEEDED, (run.error, log_tail(log_path))
        assert (run.pages, run.created, run.skipped, run.watermark_to) == (2, 5, 1, "1481790000000000001")
        assert Tweet.objects.filter(source="x").count() == 5
        assert set(Tweet.objects.values_list("link_status", flat=True)) == {Tweet.LinkStatus.PENDING}
        (arxiv,) = queued("ingest")
        assert arxiv["task"] == "papers.tasks.ingest_arxiv_ids"
        assert ast.literal_eval(arxiv["argsrepr"])[0] == run.missing_arxiv_ids
        assert [headers["task"] for headers in queued("social")] == ["papers.tasks.fetch_tweet_oembeds"]
        (request, _response) = httpserver.log[0]
        assert request.headers["Authorization"] == "Bearer bearer-worker"
    finally:
        for name in ("ingest", "social"):
            forget_queue(name)
