"""Politeness towards arXiv: one request at a time, one per interval, for the whole site."""

import time
import uuid

import redis

# Shorten the hold to the interval, but only if the key is still ours (a stale holder must not
# cut short another worker's request).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class RedisThrottle:
    """A gate in Redis shared by every worker: one request in flight, and min_interval between them.

    wait() takes the key with SET NX (atomic, so one worker gets through however many ask) and
    holds it for the request; release() lets it expire min_interval later. If a worker dies
    mid-request (SIGKILL, OOM) nobody releases it: the key expires by itself request_timeout +
    min_interval after it was taken, when a live request would have timed out and released it.
    """

    def __init__(
        self,
        *,
        redis_url,
        min_interval,
        request_timeout=30.0,
        hold=None,
        key="hotpapers:arxiv:next-request",
        sleep=time.sleep,
    ):
        self.client = redis.Redis.from_url(redis_url)
        self.min_interval = min_interval
        self.hold = request_timeout if hold is None else hold
        self.key = key
        self.sleep = sleep
        self._token = None

    def wait(self):
        if self.min_interval <= 0:
            return
        token = uuid.uuid4().hex
        while not self.client.set(self.key, token, nx=True, px=int((self.hold + self.min_interval) * 1000)):
            remaining_ms = self.client.pttl(self.key)
            self.sleep(min(max(remaining_ms, 5), 100) / 1000)  # poll: a release may come early
        self._token = token

    def release(self):
        if self._token is None:
            return
        self.client.eval(_RELEASE, 1, self.key, self._token, max(int(self.min_interval * 1000), 1))
        self._token = None
