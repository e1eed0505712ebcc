"""Upstream storms: a platform that fails about half the requests, deterministically, and serves the recorded
answers otherwise; and the database's posts as plain values, to compare a stormy run with a clean one.

``Storm(serve, seed=..., kinds=...)`` is a pytest-httpserver handler. For each request, in the order they arrive,
a generator seeded with ``seed`` decides whether it fails and how: a 5xx, a 429 (with the platform's rate-limit
headers), a timeout (the handler sleeps past the client's timeout, then answers to nobody), or the recorded
answer cut in half. Otherwise ``serve(request)`` answers. ``failed`` counts what it did by the names the clients
count their problems by ("HTTP 503", "timeout", "body not JSON", ...), so a run record can be checked against it.
"""

import json
import math
import random
import threading
import time
from collections import Counter

from django.conf import settings
from werkzeug import Response

from papers.models import Tweet, TweetMetrics

SERVER_ERRORS = ("HTTP 500", "HTTP 502", "HTTP 503", "HTTP 504")
SOCIAL_KINDS = (*SERVER_ERRORS, "timeout", "body not JSON")
# A retry after a 429 waits for the reset: this far after the (frozen) clock.
RESET_SECONDS = 7


class Storm:
    def __init__(
        self, serve, *, seed, kinds=SOCIAL_KINDS, rate=0.5, hang=None, too_many=None, cut_kind=None, max_in_a_row=None
    ):
        """``too_many``: the 429 response's headers, from the request; ``cut_kind``: what a cut body is counted
        as (default the kind in ``kinds`` that starts with "body", or "unusable body"); ``max_in_a_row``: answer
        after that many failures in a row (a storm the client's own retries always get through)."""
        self.serve = serve
        self.kinds = tuple(kinds)
        self.rate = rate
        self.hang = hang if hang is not None else settings.SOCIAL_TIMEOUT + 0.4
        self.too_many = too_many or (lambda request: {"Retry-After": str(RESET_SECONDS)})
        self.cut_kind = cut_kind or next((kind for kind in self.kinds if kind.startswith("body")), "unusable body")
        self.max_in_a_row = max_in_a_row
        self.failed = Counter()
        self.answered = 0
        self._in_a_row = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:  # one decision per request, in arrival order
            kind = self._random.choice(self.kinds) if self._random.random() < self.rate else None
            if self.max_in_a_row is not None and self._in_a_row >= self.max_in_a_row:
                kind = None
            if kind is None:
                self.answered += 1
                self._in_a_row = 0
            else:
                self.failed[kind] += 1
                self._in_a_row += 1
        if kind is None:
            return self.serve(request)
        return self.failure(kind, request)

    def failure(self, kind, request):
        if kind == "timeout":
            time.sleep(self.hang)  # the client has given up by now: this answer reaches nobody
            return self.serve(request)
        if kind == self.cut_kind:
            whole = self.serve(request)
            body = whole.get_data()
            return Response(body[: len(body) // 2], status=200, content_type=whole.content_type)
        status = int(kind.removeprefix("HTTP "))
        headers = self.too_many(request) if status == 429 else {"Retry-After": "0"} if status == 503 else {}
        body = json.dumps({"title": "Upstream trouble", "detail": kind, "status": status})
        return Response(body, status=status, headers=headers, content_type="application/json")


def calm(serve):
    """The same platform on a good day: every request answered."""
    return Storm(serve, seed=0, rate=0.0)


def x_rate_limit(request):
    return {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(_reset())}


def bluesky_rate_limit(request):
    return {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(_reset())}


def _reset():
    return math.floor(time.time()) + RESET_SECONDS


# When our clock read the rows (a run in another process cannot share a frozen clock).
READ_TIMES = ("created_at", "metrics_at", "oembed_fetched_at")


def stored_posts(*, times=True):
    """Every post, counter snapshot and paper link, by their natural keys (never row ids), duplicates kept:
    equal for two runs that stored the same things. ``times=False`` leaves out when they were read."""
    left_out = {"id"} if times else {"id", *READ_TIMES}
    tweets = [
        {name: value for name, value in row.items() if name not in left_out}
        for row in Tweet.objects.order_by("source", "external_id").values()
    ]
    read = ["measured_at"] if times else []
    snapshots = list(
        TweetMetrics.objects.order_by("tweet__source", "tweet__external_id", "measured_at", "pk").values_list(
            "tweet__source", "tweet__external_id", *read, "retweets", "likes", "replies", "quotes"
        )
    )
    links = sorted(Tweet.papers.through.objects.values_list("tweet__source", "tweet__external_id", "paper__arxiv_id"))
    return tweets, snapshots, links


RUN_COUNTERS = ("pages", "created", "updated", "unchanged", "skipped", "vanished", "snapshots")


def counted(runs):
    """What a job's runs counted together (a failed run and the one that resumed it share the work)."""
    return {name: sum(getattr(run, name) for run in runs) for name in RUN_COUNTERS}


def failed_requests(runs):
    """The failed requests a job's runs recorded, added up by kind."""
    total = Counter()
    for run in runs:
        total.update(run.retries)
    return total
