"""HTTP access to the arXiv API and OAI-PMH: polite, bounded, and all-or-nothing per page.

Every request first calls ``throttle.wait()``; arXiv allows one request every 3 seconds for all of a site's
machines together, so production passes a throttle shared across workers and ``MonotonicThrottle`` is only
the in-process default. Transient failures (429, 5xx, timeouts, dropped connections, a body that does not
parse) are retried with exponential backoff, honouring ``Retry-After``; after ``max_retries`` retries the
client raises ``ArxivUnavailable``. Pages are yielded one at a time, only once parsed, so a caller can store
each page (and an OAI resumption token) before the next request is made. Every failed request is counted by
kind in ``ArxivClient.problems`` ("HTTP 503", "timeout", "unusable body", ...) for the run record.

The standard library's ``urllib`` is enough here: one request at a time, no session state, and no extra
runtime dependency to keep patched.
"""

import gzip
import logging
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from datetime import time as day_time
from email.utils import parsedate_to_datetime
from http.client import HTTPException, IncompleteRead
from typing import Protocol, TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import OpenerDirector, Request, build_opener

from .feed import parse_api_feed
from .ids import ArxivId, normalize_all, normalize_arxiv_id
from .oai import parse_oai
from .records import ArxivHttpError, ArxivParseError, ArxivUnavailable, FeedPage, OaiPage, is_category

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_OAI_URL = "https://oaipmh.arxiv.org/oai"
DEFAULT_USER_AGENT = "HotPapers/0.1 (daily digest of discussed arXiv papers; metadata harvester; Python urllib)"
API_PAGE_LIMIT = 2000
API_TOTAL_LIMIT = 30000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Page = TypeVar("Page")


class Throttle(Protocol):
    def wait(self) -> None:
        """Block until the next request to arXiv may be sent."""

    def release(self) -> None:
        """The request sent after wait() has finished (answered or failed)."""


class MonotonicThrottle:
    """At most one ``wait()`` returns per ``min_interval`` seconds within this process (thread-safe)."""

    def __init__(
        self,
        min_interval: float = 3.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if self._next is not None and now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.min_interval

    def release(self) -> None:
        """Nothing to do: in one process, requests are spaced from their start."""


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None, *, kind: str = ""):
        self.reason = reason
        self.retry_after = retry_after
        self.kind = kind or reason  # how ArxivClient.problems counts it
        super().__init__(reason)


class ArxivClient:
    def __init__(
        self,
        *,
        api_url: str,
        oai_url: str,
        throttle: Throttle | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 5.0,
        max_delay: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.api_url = api_url
        self.oai_url = oai_url
        self.throttle = throttle if throttle is not None else MonotonicThrottle(3.0, sleep=sleep)
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        self._sleep = sleep
        self._now = now
        self._opener: OpenerDirector = build_opener()
        # Every failed request by kind, retried or not (it only grows): what a run met, for its record.
        self.problems: Counter[str] = Counter()

    # arXiv API

    def fetch_by_ids(self, ids: Iterable[str | ArxivId], *, batch_size: int = 100) -> Iterator[FeedPage]:
        """Pages of records for ``ids``, ``batch_size`` ids per request. Unknown ids are silently absent.

        Every id is validated on the call, before any request; ``InvalidArxivId`` names all the bad ones.
        """
        if not 1 <= batch_size <= API_PAGE_LIMIT:
            raise ValueError(f"batch_size must be between 1 and {API_PAGE_LIMIT}")
        wanted = normalize_all([ids] if isinstance(ids, str | ArxivId) else ids)
        batches = [wanted[offset : offset + batch_size] for offset in range(0, len(wanted), batch_size)]
        return self._id_pages(batches)

    def _id_pages(self, batches: list[list[ArxivId]]) -> Iterator[FeedPage]:
        for batch in batches:
            params = {"id_list": ",".join(str(arxiv_id) for arxiv_id in batch)}
            yield from self._api_pages(params, page_size=len(batch), max_total=len(batch))

    def search(
        self,
        category: str,
        since: date | datetime,
        until: date | datetime,
        *,
        page_size: int = 500,
        max_total: int = API_TOTAL_LIMIT,
        start: int = 0,
    ) -> Iterator[FeedPage]:
        """Papers of ``category`` submitted in [since, until] (UTC; a date covers its whole day), oldest first."""
        if not is_category(category):
            raise ValueError(f"not an arXiv category: {category!r}")
        if not 1 <= page_size <= API_PAGE_LIMIT:
            raise ValueError(f"page_size must be between 1 and {API_PAGE_LIMIT}")
        if not 1 <= max_total <= API_TOTAL_LIMIT:
            raise ValueError(f"max_total must be between 1 and {API_TOTAL_LIMIT}")
        first, last = _utc(since, day_time.min), _utc(until, day_time(23, 59))
        if first > last:
            raise ValueError(f"since ({first:%Y-%m-%d %H:%M}) is after until ({last:%Y-%m-%d %H:%M})")
        params = {
            "search_query": f"cat:{category} AND submittedDate:[{first:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]",
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
        }
        return self._api_pages(params, page_size=page_size, max_total=max_total, start=start, warn_if_more=True)

    def _api_pages(
        self, params: dict, *, page_size: int, max_total: int, start: int = 0, warn_if_more: bool = False
    ) -> Iterator[FeedPage]:
        page = None
        while start < max_total:
            query = {**params, "start": start, "max_results": min(page_size, max_total - start)}
            page = self._fetch(self.api_url, query, lambda body, start=start: _checked_page(body, start))
            yield page
            start += page_size
            if not page.records or start >= page.total_results:
                return
        if warn_if_more and page is not None:
            logger.warning(
                "arXiv query %s has %d results; only the first %d were fetched", params, page.total_results, max_total
            )

    # OAI-PMH

    def list_records(
        self,
        set_spec: str | None,
        from_date: date | str | None = None,
        until_date: date | str | None = None,
        resumption_token: str | None = None,
        metadata_prefix: str = "arXiv",
    ) -> Iterator[OaiPage]:
        """ListRecords pages to the end. Pass a saved ``resumption_token`` to go on after a failure.

        Save each page's ``resumption_token`` once its records are stored; it is None on the last page.
        """
        if resumption_token:
            params = {"verb": "ListRecords", "resumptionToken": resumption_token}
        else:
            params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
            for key, value in (("set", set_spec), ("from", from_date), ("until", until_date)):
                if value:
                    params[key] = value.isoformat() if isinstance(value, date) else str(value)
        return self._oai_pages(params)

    def _oai_pages(self, params: dict) -> Iterator[OaiPage]:
        while True:
            page = self._fetch(self.oai_url, params, parse_oai)
            yield page
            if not page.resumption_token:
                return
            params = {"verb": "ListRecords", "resumptionToken": page.resumption_token}

    def get_record(self, arxiv_id: str | ArxivId, metadata_prefix: str = "arXiv") -> OaiPage:
        base = arxiv_id.base if isinstance(arxiv_id, ArxivId) else normalize_arxiv_id(arxiv_id).base
        params = {"verb": "GetRecord", "identifier": f"oai:arXiv.org:{base}", "metadataPrefix": metadata_prefix}
        return self._fetch(self.oai_url, params, parse_oai)

    # HTTP

    def _fetch(self, url: str, params: dict, parse: Callable[[bytes], Page]) -> Page:
        full_url = f"{url}?{urlencode(params)}"
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                status, body = self._gated_download(full_url)
                if status == 400:
                    # The API's 400 carries its error feed: parsing it raises ArxivApiError naming the problem.
                    try:
                        parse(body)
                    except ArxivParseError:
                        pass
                    raise ArxivHttpError(400, full_url, body)
                return parse(body)
            except _Retryable as exc:
                self.problems[exc.kind] += 1
                problem, retry_after, cause = exc.reason, exc.retry_after, exc
            except ArxivParseError as exc:
                self.problems["unusable body"] += 1
                problem, retry_after, cause = f"an unusable body: {exc}", None, exc
            if attempt == attempts:
                break
            delay = retry_after if retry_after is not None else min(self.backoff * 2 ** (attempt - 1), self.max_delay)
            if delay > self.max_delay:
                raise ArxivUnavailable(
                    f"arXiv asked us to wait {delay:.0f}s before retrying {full_url} ({problem}), longer than the "
                    f"{self.max_delay:.0f}s this client waits; try again later",
                    retry_after=delay,
                ) from cause
            logger.warning("arXiv request %s failed (%s); retry %d in %.1fs", full_url, problem, attempt, delay)
            self._sleep(delay)
        raise ArxivUnavailable(
            f"arXiv gave no usable answer to {full_url} after {attempts} attempt(s); last problem: {problem}",
            retry_after=retry_after,
        ) from cause

    def _gated_download(self, url: str) -> tuple[int, bytes]:
        """One request through the throttle: it knows when the request starts and when it is over."""
        self.throttle.wait()
        try:
            return self._download(url)
        finally:
            release = getattr(self.throttle, "release", None)  # a bare wait()-only throttle is fine too
            if release is not None:
                release()

    def _download(self, url: str) -> tuple[int, bytes]:
        request = Request(url, headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, body, encoding = response.status, response.read(), response.headers.get("Content-Encoding")
        except HTTPError as exc:
            headers = exc.headers or {}
            status, encoding = exc.code, headers.get("Content-Encoding")
            try:
                body = exc.read()
            except (OSError, HTTPException):
                body = b""
            if status in RETRY_STATUSES:
                raise _Retryable(f"HTTP {status}", self._retry_after(headers.get("Retry-After"))) from exc
            if status != 400:
                raise ArxivHttpError(status, url, _decoded(body, encoding, strict=False)) from exc
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
        return status, _decoded(body, encoding)

    def _retry_after(self, value: str | None) -> float | None:
        return parse_retry_after(value, now=self._now())


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _decoded(body: bytes, encoding: str | None, *, strict: bool = True) -> bytes:
    if (encoding or "").strip().lower() != "gzip":
        return body
    try:
        return gzip.decompress(body)
    except (EOFError, OSError, zlib.error) as exc:
        if not strict:
            return body
        raise _Retryable(f"a truncated gzip body ({exc})", kind="body cut short") from exc


def _checked_page(body: bytes, start: int) -> FeedPage:
    page = parse_api_feed(body)
    # arXiv sometimes answers a deep page with no entries although the query has more: a glitch worth a retry.
    if not page.records and start < page.total_results:
        raise ArxivParseError(f"an empty page at start={start} of {page.total_results} results")
    return page


def _utc(value: date | datetime, default_time: day_time) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.combine(value, default_time, tzinfo=UTC)
