"""The arXiv politeness gate on the real Redis: one request per interval across processes."""

import threading
import time
import uuid

import pytest
import redis
from django.conf import settings

from papers.throttle import RedisThrottle


@pytest.fixture
def key():
    name = f"test:throttle:{uuid.uuid4()}"
    yield name
    redis.Redis.from_url(settings.REDIS_URL).delete(name)


def test_two_workers_sharing_the_gate_are_spaced_by_the_interval(key):
    interval = 0.25
    first, second = (RedisThrottle(redis_url=settings.REDIS_URL, min_interval=interval, key=key) for _ in range(2))
    granted = []
    for throttle in (first, second, first, second):
        throttle.wait()
        granted.append(time.monotonic())
        throttle.release()  # the request took no time
    gaps = [later - earlier for earlier, later in zip(granted, granted[1:], strict=False)]
    assert all(gap >= interval * 0.9 for gap in gaps), gaps


def test_a_zero_interval_never_waits_or_touches_redis(key):
    throttle = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=0, key=key)
    throttle.wait()
    throttle.wait()
    assert not redis.Redis.from_url(settings.REDIS_URL).exists(key)


def test_no_worker_starts_a_request_while_another_is_in_flight(key):
    interval, request_time = 0.1, 0.4
    first, second = (RedisThrottle(redis_url=settings.REDIS_URL, min_interval=interval, key=key) for _ in range(2))
    first.wait()
    started = time.monotonic()
    released = {}

    def finish_first_request():
        time.sleep(request_time)
        released["at"] = time.monotonic()
        first.release()

    worker = threading.Thread(target=finish_first_request)
    worker.start()
    second.wait()
    granted = time.monotonic()
    worker.join()
    second.release()

    assert granted - started >= request_time
    assert granted - released["at"] >= interval * 0.9


def test_a_release_after_the_hold_ran_out_does_not_cut_another_workers_hold(key):
    first = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=0.05, hold=0.05, key=key)
    second = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=5, key=key)
    first.wait()
    second.wait()  # first's hold expired: second holds the key now
    first.release()
    assert redis.Redis.from_url(settings.REDIS_URL).pttl(key) > 5000


def test_a_holder_that_dies_mid_request_blocks_the_others_no_longer_than_its_request_timeout(key):
    timeout, interval = 0.6, 0.1
    dead = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=interval, request_timeout=timeout, key=key)
    waiter = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=interval, request_timeout=timeout, key=key)
    dead.wait()  # ... and its process is SIGKILLed: nobody releases the gate
    taken = time.monotonic()

    waiter.wait()

    waited = time.monotonic() - taken
    assert timeout <= waited + 0.01 and waited <= timeout + interval + 0.15, waited
    waiter.release()


def test_the_sites_gate_is_held_for_one_request_timeout(settings):
    from papers.services.arxiv_ingest import arxiv_client

    settings.ARXIV_MIN_INTERVAL, settings.ARXIV_REQUEST_TIMEOUT = 3.0, 12.0
    client = arxiv_client()
    assert isinstance(client.throttle, RedisThrottle) and client.throttle.hold == 12.0
    assert client.timeout == 12.0
