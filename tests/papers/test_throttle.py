"""The arXiv politeness gate on the real Redis: one request per interval across processes."""

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
    gaps = [later - earlier for earlier, later in zip(granted, granted[1:], strict=False)]
    assert all(gap >= interval * 0.9 for gap in gaps), gaps


def test_a_zero_interval_never_waits_or_touches_redis(key):
    throttle = RedisThrottle(redis_url=settings.REDIS_URL, min_interval=0, key=key)
    throttle.wait()
    throttle.wait()
    assert not redis.Redis.from_url(settings.REDIS_URL).exists(key)
