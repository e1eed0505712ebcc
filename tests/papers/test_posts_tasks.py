"""The social-post jobs: retried through the broker after a rate limit's reset, follow-ups sent on commit,
on the social queue, scheduled by default."""

import datetime as dt
import math
import time

import pytest
from celery.exceptions import Retry
from django_celery_beat.models import PeriodicTask

from hotpapers_site.celery import app
from papers.models import PostCollectionRun, PostDump, Tweet
from papers.services.posts_dumps import post_dumps_create
from papers.sources.posts import AuthError, RateLimited
from papers.tasks import (
    collect_bluesky_posts,
    collect_hackernews_posts,
    collect_x_posts,
    import_post_dump,
    queue_import_post_dump,
    refresh_post_counters,
)
from tests.papers.posts_support import (
    BSKY_LOGIN,
    HN_SEARCH,
    X_SEARCH,
    by_param,
    fixture_bytes,
    fixture_json,
    json_response,
    serve_arxiv,
)
from tests.papers.test_posts_upsert import database_state
from tests.retries import queued_messages, run_as_worker, worker_queue

pytestmark = pytest.mark.django_db

SOCIAL_TASKS = [
    "papers.tasks.collect_x_posts",
    "papers.tasks.collect_bluesky_posts",
    "papers.tasks.collect_hackernews_posts",
    "papers.tasks.refresh_post_counters",
    "papers.tasks.fetch_tweet_oembeds",
    "papers.tasks.import_post_dump",
]


@pytest.fixture
def queue(monkeypatch):
    with worker_queue(monkeypatch) as name:
        yield name


@pytest.fixture
def x_settings(httpserver, settings):
    settings.X_API_URL = httpserver.url_for("/2")
    settings.X_BEARER_TOKEN = "bearer-test"
    settings.OEMBED_URL = httpserver.url_for("/oembed")


def test_a_429_sends_the_collection_back_to_the_broker_to_run_when_the_limit_resets(httpserver, x_settings, queue):
    reset = math.floor(time.time()) + 300
    headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    httpserver.expect_request(X_SEARCH).respond_with_response(
        json_response(fixture_json("x", "too_many_requests.json"), status=429, headers=headers)
    )

    with pytest.raises(Retry) as retry:
        run_as_worker(collect_x_posts, queue, retries=3)

    # Exactly until the reset (not the 8 minutes a fourth retry's backoff would wait).
    assert 295 <= retry.value.when <= 300 and "rate-limiting us (HTTP 429)" in str(retry.value.exc)
    assert isinstance(retry.value.exc, RateLimited) and retry.value.exc.reset_at.timestamp() == reset  # as raised
    (message,) = queued_messages(queue)
    assert message["headers"]["task"] == "papers.tasks.collect_x_posts" and message["headers"]["retries"] == 4
    eta = dt.datetime.fromisoformat(message["headers"]["eta"])
    assert abs((eta - dt.datetime.fromtimestamp(reset, dt.UTC)).total_seconds()) < 5
    assert PostCollectionRun.objects.get().status == PostCollectionRun.Status.FAILED


def test_a_platform_answering_5xx_is_retried_with_backoff(httpserver, settings, queue):
    settings.HN_API_URL = httpserver.url_for("/api/v1")
    settings.SOCIAL_MAX_RETRIES = 0  # the client's own retries (with real sleeps) are the client's tests
    httpserver.expect_request(HN_SEARCH).respond_with_response(json_response({"message": "busy"}, status=503))

    with pytest.raises(Retry) as retry:
        run_as_worker(collect_hackernews_posts, queue, retries=1)

    assert retry.value.when == 120
    assert queued_messages(queue)[0]["headers"]["task"] == "papers.tasks.collect_hackernews_posts"


def test_a_refused_login_fails_at_once_and_is_not_retried(httpserver, settings, queue):
    settings.BLUESKY_API_URL = httpserver.url_for("/xrpc")
    settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = "hotpapers.bsky.social", "wrong"
    httpserver.expect_request(BSKY_LOGIN, method="POST").respond_with_response(
        json_response(fixture_json("bluesky", "bad_login.json"), status=401)
    )

    with pytest.raises(AuthError, match="refused the login"):
        run_as_worker(collect_bluesky_posts, queue)

    assert queued_messages(queue) == []
    assert PostCollectionRun.objects.get().status == PostCollectionRun.Status.FAILED


def test_an_eager_run_fails_at_once_instead_of_blocking_its_caller(httpserver, x_settings):
    httpserver.expect_request(X_SEARCH).respond_with_response(json_response({"title": "Too Many"}, status=429))

    with pytest.raises(RateLimited):
        collect_x_posts.delay()


def test_a_platform_without_credentials_is_a_skipped_run_not_an_error(settings):
    settings.X_BEARER_TOKEN = ""

    run_id = collect_x_posts.delay().get()

    assert PostCollectionRun.objects.get(pk=run_id).status == PostCollectionRun.Status.SKIPPED


def test_a_collection_then_fetches_the_missing_papers_and_the_new_posts_embeds(
    httpserver, x_settings, settings, django_capture_on_commit_callbacks
):
    serve_arxiv(httpserver, settings)
    page1 = fixture_json("x", "search_page1.json")
    answers = {None: page1, page1["meta"]["next_token"]: fixture_json("x", "search_page2.json")}
    httpserver.expect_request(X_SEARCH).respond_with_handler(by_param("next_token", answers))
    httpserver.expect_request("/oembed").respond_with_json(
        fixture_json("oembed", "oembed_ak92501_1481443284304154625_omit_script.json")
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        collect_x_posts.delay()

    assert len(callbacks) == 2  # one arXiv batch, one oEmbed job
    sepp = Tweet.objects.get(external_id="1481516573458419713")
    assert sepp.link_status == Tweet.LinkStatus.LINKED and sepp.papers.get().arxiv_id == "2201.04600"
    reply = Tweet.objects.get(external_id="1481535086625538049")
    assert reply.link_status == Tweet.LinkStatus.UNKNOWN  # arXiv answered without 2201.04337
    assert all(tweet.oembed_fetched_at for tweet in Tweet.objects.all())


def test_the_hourly_refresh_fans_out_per_platform_and_asks_arxiv_again_for_waiting_posts(
    settings, django_capture_on_commit_callbacks
):
    settings.X_BEARER_TOKEN = settings.BLUESKY_HANDLE = ""
    Tweet.objects.create(
        source="hackernews", external_id="1", learned_via="api", link_status="pending", pending_arxiv_ids=["2201.04182"]
    )
    settings.HN_API_URL = "http://127.0.0.1:9/api/v1"  # never asked: no story is young enough

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert refresh_post_counters.delay().get() == ["x", "bluesky", "hackernews"]

    kinds = PostCollectionRun.objects.values_list("source", "kind", "status")
    assert sorted(kinds) == [
        ("bluesky", "refresh", "skipped"),
        ("hackernews", "refresh", "succeeded"),
        ("x", "refresh", "skipped"),
    ]
    assert len(callbacks) == 1  # the arXiv job for the waiting post


def test_an_uploaded_dump_is_imported_by_its_job_once_however_often_it_runs(
    httpserver, settings, django_capture_on_commit_callbacks
):
    serve_arxiv(httpserver, settings)  # the follow-ups: the papers the posts link, and their embeds
    settings.OEMBED_URL = httpserver.url_for("/oembed")
    httpserver.expect_request("/oembed").respond_with_response(
        json_response(fixture_json("oembed", "not_found.json"), status=404)
    )
    run = post_dumps_create(data=fixture_bytes("x", "twarc_flat.jsonl"), name="flat.jsonl")
    assert run.status == PostCollectionRun.Status.QUEUED and run.dump.name == "flat.jsonl"

    with django_capture_on_commit_callbacks(execute=True):
        queue_import_post_dump(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.source, run.kind) == (PostCollectionRun.Status.SUCCEEDED, "x", "dump")
    assert run.created == Tweet.objects.count() == 4 and not PostDump.objects.exists()  # the bytes go once stored
    state = database_state()

    import_post_dump.delay(run.pk)

    assert database_state() == state


@pytest.mark.parametrize("name", SOCIAL_TASKS)
def test_the_social_jobs_run_on_the_social_queue_with_limits(name):
    app.autodiscover_tasks(force=True)
    task = app.tasks[name]
    route = app.amqp.router.route({}, name, args=(), kwargs={})
    assert route["queue"].name == "social"
    assert task.acks_late and task.max_retries == 5 and task.soft_time_limit < task.time_limit


def test_the_default_schedules_collect_every_15_minutes_and_refresh_hourly():
    tasks = {task.task: task for task in PeriodicTask.objects.filter(task__in=SOCIAL_TASKS)}

    for name in SOCIAL_TASKS[:3] + ["papers.tasks.fetch_tweet_oembeds"]:
        assert (tasks[name].interval.every, tasks[name].interval.period, tasks[name].enabled) == (15, "minutes", True)
    refresh = tasks["papers.tasks.refresh_post_counters"].crontab
    assert (refresh.minute, refresh.hour) == ("40", "*")
    assert "papers.tasks.import_post_dump" not in tasks  # sent by the admin, not scheduled
