"""Politeness towards arXiv: one request per interval for the whole site, not per process."""

import time

import redis


class RedisThrottle:
    """A shared gate in Redis: whoever sets the key may send; the others wait for it to expire.

    SET NX PX is atomic, so however many workers ask at once, one gets through per interval.
    """

    def __init__(self, *, redis_url, min_interval, key="hotpapers:arxiv:next-request", sleep=time.sleep):
        self.client = redis.Redis.from_url(redis_url)
        self.min_interval = min_interval
        self.key = key
        self.sleep = sleep

    def wait(self):
        interval_ms = int(self.min_interval * 1000)
        if interval_ms <= 0:
            return
        while not self.client.set(self.key, "1", nx=True, px=interval_ms):
            remaining_ms = self.client.pttl(self.key)
            self.sleep(max(remaining_ms, 5) / 1000)
