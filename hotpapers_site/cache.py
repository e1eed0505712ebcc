"""The site's cache backend: Django's Redis cache that degrades to a miss when Redis is down.

This is site infrastructure, like the settings that name it, so it lives beside them in
hotpapers_site/ rather than in an app (the style guide keeps nothing else here).

With Redis stopped or frozen, a cache call must not hold a page: the settings give the socket
short connect and read timeouts, and this backend turns a connection or timeout error into a
miss (reads) or a no-op (writes). After a failure it does not ask Redis again for RETRY_AFTER
seconds, so a frozen Redis costs one timeout per process every few seconds, not one per call.
An outage is logged once when it starts and once when it ends, not per request.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Outage:
    """Whether one Redis server is down, shared by every thread of the process.

    Django gives each thread its own cache backend instance; the outage is the server's, so
    it is kept per LOCATION for the whole process: one log line per outage, not one per thread.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.since = None  # monotonic time of the first failure of the current outage
        self.retry_at = 0.0


_outages = {}
_outages_lock = threading.Lock()


def _outage_for(location):
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class ResilientRedisCache(RedisCache):
    """RedisCache whose calls answer a miss or do nothing, quickly, while Redis does not answer.

    OPTIONS["RETRY_AFTER"] (seconds, default 5) is how long to serve misses after a failure before
    trying Redis again; the other OPTIONS go to redis-py's connection pool as usual.
    """

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS", {}))}
        self.retry_after = float(params["OPTIONS"].pop("RETRY_AFTER", 5.0))
        super().__init__(server, params)
        self._outage = _outage_for(str(server))

    @property
    def is_down(self):
        return self._outage.since is not None

    def _call(self, method, *args, fallback=None, **kwargs):
        outage = self._outage
        if outage.since is not None and time.monotonic() < outage.retry_at:
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._failed(exc)
            return fallback
        if outage.since is not None:
            self._recovered()
        return result

    def _failed(self, exc):
        outage = self._outage
        with outage.lock:
            outage.retry_at = time.monotonic() + self.retry_after
            if outage.since is not None:
                return
            outage.since = time.monotonic()
        logger.warning(
            "cache unavailable, serving misses until Redis answers again: %s",
            type(exc).__name__,
            extra={"event": "cache_down", "error": type(exc).__name__},
        )

    def _recovered(self):
        outage = self._outage
        with outage.lock:
            if outage.since is None:
                return
            seconds = time.monotonic() - outage.since
            outage.since = None
        extra = {"event": "cache_up", "down_seconds": round(seconds, 1)}
        logger.warning("cache available again after %.1f s", seconds, extra=extra)

    def ping(self):
        """True when Redis answers now (for /healthz); never raises, never waits past the socket timeouts."""
        try:
            self._cache.get_client(write=True).ping()
        except UNAVAILABLE as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version, fallback=False)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._call("delete", key, version, fallback=False)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._call("has_key", key, version, fallback=False)

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError in Django's contract; with Redis down the key is as good as missing.
        result = self._call("incr", key, delta, version, fallback=None)
        if result is None:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version, fallback=list(data))

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear", fallback=False)
