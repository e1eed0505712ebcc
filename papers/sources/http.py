"""A small JSON-over-HTTP client for the social platforms (X, Bluesky, Hacker News, oEmbed). No Django here.

Like ``arxiv_client``: the standard library's ``urllib``, one request at a time. Transient failures (5xx,
timeouts, dropped connections, a body cut short or not JSON) are retried with exponential backoff, honouring
``Retry-After``; after ``max_retries`` retries the client raises ``SourceUnavailable``. HTTP 429 is different:
the client never sleeps on it but raises ``RateLimited`` at once with the platform's reset time, so a Celery job
retries through the broker instead of holding a worker. 401/403 raise ``AuthError``; other 4xx ``SourceHttpError``.

Every failed request is counted by kind in ``JsonClient.problems`` ("HTTP 503", "timeout", "HTTP 429", ...), so
the job that used the client can record what it met (``PostCollectionRun.retries``).

Credentials go in headers only (never in a URL, so never in an error message or a log line) and are not
forwarded when a server redirects.
"""

import gzip
import json
import logging
import time
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.client import HTTPException, IncompleteRead
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import OpenerDirector, Request, build_opener

from .arxiv import parse_retry_after
from .posts import AuthError, RateLimit, RateLimited, SourceHttpError, SourceUnavailable

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "HotPapers/0.1 (daily digest of discussed arXiv papers; social signals; Python urllib)"
RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})
# Below this a reset header is a delay in seconds (the IETF RateLimit draft); above, epoch seconds (X, Bluesky).
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    url: str
    headers: Mapping[str, str]  # names lower-cased
    data: Any  # the parsed JSON body (None for an empty body)
    received_at: datetime


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None, *, kind: str = ""):
        self.reason = reason
        self.retry_after = retry_after
        self.kind = kind or reason  # how JsonClient.problems counts it
        super().__init__(reason)


class JsonClient:
    """GET/POST JSON with timeouts, a User-Agent, bounded retries with backoff, and 429 raised, never slept on.

    ``sleep`` and ``now`` are injectable so tests neither wait nor depend on the clock. ``problems`` counts every
    failed request by kind, whether retried here or raised (a 429, the last attempt): it only grows.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 20.0,
        max_retries: int = 3,
        backoff: float = 2.0,
        max_delay: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        self._sleep = sleep
        self.now = now
        self._opener: OpenerDirector = build_opener()
        self.problems: Counter[str] = Counter()

    def get(
        self, url: str, *, params: Mapping | None = None, headers: Mapping[str, str] | None = None, bearer: str = ""
    ) -> JsonResponse:
        return self.request("GET", url, params=params, headers=headers, bearer=bearer)

    def post(
        self, url: str, *, json_body: Any = None, headers: Mapping[str, str] | None = None, bearer: str = ""
    ) -> JsonResponse:
        return self.request("POST", url, json_body=json_body, headers=headers, bearer=bearer)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        bearer: str = "",
    ) -> JsonResponse:
        """One JSON call, retried while transient. ``params`` with None values are left out of the query."""
        if params:
            query = urlencode([(key, value) for key, value in params.items() if value is not None], doseq=True)
            if query:
                url = f"{url}{'&' if '?' in url else '?'}{query}"
        body = None if json_body is None else json.dumps(json_body).encode()
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._once(method, url, body, headers or {}, bearer)
            except RateLimited:
                self.problems["HTTP 429"] += 1
                raise
            except _Retryable as exc:
                self.problems[exc.kind] += 1
                problem, retry_after, cause = exc.reason, exc.retry_after, exc
            if attempt == attempts:
                break
            delay = retry_after if retry_after is not None else min(self.backoff * 2 ** (attempt - 1), self.max_delay)
            if delay > self.max_delay:
                raise SourceUnavailable(
                    f"{_host(url)} asked us to wait {delay:.0f}s before retrying {url} ({problem}), longer than the "
                    f"{self.max_delay:.0f}s this client waits; try again later",
                    retry_after=delay,
                ) from cause
            logger.warning("%s %s failed (%s); retry %d in %.1fs", method, url, problem, attempt, delay)
            self._sleep(delay)
        raise SourceUnavailable(
            f"{_host(url)} gave no usable answer to {method} {url} after {attempts} attempt(s); "
            f"last problem: {problem}",
            retry_after=retry_after,
        ) from cause

    def _once(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str], bearer: str) -> JsonResponse:
        request = Request(url, data=body, method=method)
        request.add_header("User-Agent", self.user_agent)
        request.add_header("Accept", "application/json")
        request.add_header("Accept-Encoding", "gzip")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in headers.items():
            request.add_header(name, value)
        if bearer:
            request.add_unredirected_header("Authorization", f"Bearer {bearer}")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, raw, response_headers = response.status, response.read(), response.headers
        except HTTPError as exc:
            status, response_headers = exc.code, exc.headers
            try:
                raw = exc.read()
            except (OSError, HTTPException):
                raw = b""
        except TimeoutError as exc:
            raise _Retryable(f"no answer within {self.timeout}s", kind="timeout") from exc
        except IncompleteRead as exc:
            expected = len(exc.partial) + exc.expected if exc.expected is not None else "more"
            raise _Retryable(
                f"the body was cut short ({len(exc.partial)} of {expected} bytes)", kind="body cut short"
            ) from exc
        except (URLError, OSError, HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, TimeoutError):
                raise _Retryable(f"no answer within {self.timeout}s", kind="timeout") from exc
            raise _Retryable(f"connection failed: {type(reason).__name__}: {reason}", kind="connection failed") from exc
        received_at = self.now()
        names = {name.lower(): value for name, value in (response_headers or {}).items()}
        return self._answer(
            status, url, _decoded(raw, names.get("content-encoding"), strict=status < 300), names, received_at
        )

    def _answer(self, status: int, url: str, raw: bytes, headers: dict, received_at: datetime) -> JsonResponse:
        if status == 429:
            limit = rate_limit_from(headers, now=received_at)
            retry_after = parse_retry_after(headers.get("retry-after"), now=received_at)
            reset_at = limit.reset_at if limit else None
            if retry_after is None and reset_at is not None:
                retry_after = max(0.0, (reset_at - received_at).total_seconds())
            if reset_at is None and retry_after is not None:
                reset_at = received_at + timedelta(seconds=retry_after)
            when = f"; the limit resets at {reset_at:%Y-%m-%d %H:%M:%S} UTC" if reset_at else ""
            message = f"{_host(url)} is rate-limiting us (HTTP 429) for {url}{when}"
            raise RateLimited(message, reset_at=reset_at, retry_after=retry_after)
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}", parse_retry_after(headers.get("retry-after"), now=received_at))
        if not 200 <= status < 300:
            data = _loads(raw)
            error = AuthError if status in (401, 403) else SourceHttpError
            raise error(status, url, data=data, body=raw, detail=error_detail(data, raw))
        if not raw.strip():
            return JsonResponse(status, url, headers, None, received_at)
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            # A 200 with an HTML error page or a body cut short: the next try may be whole.
            raise _Retryable(f"a body that is not JSON ({exc}); it starts {raw[:80]!r}", kind="body not JSON") from exc
        return JsonResponse(status, url, headers, data, received_at)


def rate_limit_from(headers: Mapping[str, str], *, now: datetime) -> RateLimit | None:
    """X's ``x-rate-limit-*`` or Bluesky's ``ratelimit-*`` headers (names lower-cased); None when there are none."""
    for prefix in ("x-rate-limit-", "ratelimit-"):
        limit, remaining, reset = (headers.get(prefix + key) for key in ("limit", "remaining", "reset"))
        if limit is None and remaining is None and reset is None:
            continue
        reset_at = None
        reset_value = _number(reset)
        if reset_value is not None:
            if reset_value >= _EPOCH_THRESHOLD:
                reset_at = datetime.fromtimestamp(reset_value, UTC)
            else:
                reset_at = now + timedelta(seconds=reset_value)
        limit_value, remaining_value = _number(limit), _number(remaining)
        return RateLimit(
            limit=None if limit_value is None else int(limit_value),
            remaining=None if remaining_value is None else int(remaining_value),
            reset_at=reset_at,
        )
    return None


def error_detail(data: Any, raw: bytes = b"") -> str:
    """A short human reason from an error body: X ``title``/``detail``/``errors``, Bluesky ``error``/``message``,
    Algolia ``message``; else the start of the body."""
    if isinstance(data, dict):
        parts = []
        for key in ("error", "title", "detail", "message"):
            value = data.get(key)
            if isinstance(value, str) and value.strip() and value not in parts:
                parts.append(value.strip())
        errors = data.get("errors")
        if isinstance(errors, list):
            for item in errors[:3]:
                if isinstance(item, dict):
                    message = item.get("message") or item.get("detail")
                    if isinstance(message, str) and message not in parts:
                        parts.append(message)
        if parts:
            return ": ".join(parts)[:300]
    return raw[:200].decode("utf-8", "replace").strip()


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def _decoded(raw: bytes, encoding: str | None, *, strict: bool) -> bytes:
    if (encoding or "").strip().lower() != "gzip":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        if not strict:
            return raw
        raise _Retryable(f"a truncated gzip body ({exc})", kind="body cut short") from exc


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
