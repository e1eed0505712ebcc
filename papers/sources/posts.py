"""What the social sources produce, whatever the platform: plain frozen dataclasses and the errors. No Django here.

Every platform parser (``papers.sources.x``, ``.bluesky``, ``.hackernews``) turns one response (live or from a
dump file) into a ``PostPage`` of ``SocialPost`` records. The counting rules start here:

- a repost/retweet is never a ``SocialPost``; it only shows in ``PostPage.skipped_reposts``. When the payload
  carries the original (a Bluesky feed view, an X page whose ``includes.tweets`` or a flattened tweet holds it),
  the original is returned as itself, once per page;
- a quote post is a post of its own (``quoted_id`` names what it quotes);
- ``links`` are every URL the post carries, as the platform gives them (expanded, unwound, card and facet URLs,
  URLs written in the text), in order, without duplicates. Finding arXiv ids in them is ``papers.sources.links``'s job.

Errors: ``SourceUnavailable`` (and its ``RateLimited``) are transient, retry later; ``SourceError`` (and its
``AuthError``, ``SourceHttpError``, ``PostParseError``) are not: retrying the same request will not help.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from .pickling import PicklableError

SOURCES = ("x", "bluesky", "hackernews")


class SocialSourceError(PicklableError):
    """Base class of everything the social sources raise (picklable: Celery retries carry them as they are)."""


class SourceUnavailable(SocialSourceError):
    """Transient: the platform gave no usable answer after the last retry. ``retry_after`` (seconds) when known."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class RateLimited(SourceUnavailable):
    """HTTP 429. Not slept on: the caller retries after ``retry_after`` seconds (or at ``reset_at``) via the broker.

    Both are None when the platform said neither; the caller then picks its own delay.
    """

    def __init__(self, message: str, *, reset_at: datetime | None, retry_after: float | None):
        self.reset_at = reset_at
        super().__init__(message, retry_after=retry_after)


class SourceError(SocialSourceError):
    """Not transient: a bad request, a refused one, or an answer of a shape we do not know."""


class SourceHttpError(SourceError):
    """An HTTP status retrying will not fix (400, 404, ...). ``data`` is the parsed JSON error body, if any."""

    def __init__(self, status: int, url: str, *, data=None, body: bytes = b"", detail: str = ""):
        self.status = status
        self.url = url
        self.data = data
        self.body = body
        self.detail = detail
        super().__init__(f"HTTP {status} for {url}" + (f": {detail}" if detail else ""))

    @property
    def error_code(self) -> str | None:
        """The machine-readable error name some platforms send (Bluesky's ``{"error": "ExpiredToken"}``)."""
        code = self.data.get("error") if isinstance(self.data, dict) else None
        return code if isinstance(code, str) else None


class AuthError(SourceHttpError):
    """HTTP 401/403: the credentials are missing, wrong, expired or not allowed this endpoint."""


class PostParseError(SourceError):
    """A response (or dump record) is not of the shape its parser knows; nothing from it may be used.

    ``where`` locates the problem inside the response ("data[3]", "posts[0].record"), empty for the whole.
    """

    def __init__(self, problem: str, *, where: str = ""):
        self.problem = problem
        self.where = where
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass(frozen=True, slots=True)
class SocialPost:
    """One original post (or quote post) as a platform shows it. Counters are those read with it.

    ``external_id`` is unique per ``source``: the X post id, the Bluesky ``at://`` URI, the Hacker News item id.
    ``has_counters`` is False when the payload carried no counters (an X page fetched without
    ``public_metrics``): the zeros then mean "unknown", not "none".
    """

    source: str
    external_id: str
    url: str
    author_id: str
    author_handle: str
    author_name: str
    lang: str
    text: str
    posted_at: datetime
    reposts: int = 0
    likes: int = 0
    replies: int = 0
    quotes: int = 0
    links: tuple[str, ...] = ()
    quoted_id: str | None = None
    reply_to_id: str | None = None
    has_counters: bool = True


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the platform's rate-limit headers said with a response (X ``x-rate-limit-*``, Bluesky ``ratelimit-*``)."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None


@dataclass(frozen=True, slots=True)
class PostPage:
    """One response page of posts.

    ``next_cursor``: pass it back for the next page (X ``next_token``, Bluesky ``cursor``, Hacker News the next page
    number as a string); None on the last page. ``newest_id`` (X): the newest post id of the whole search, the
    ``since_id`` of the next run. ``skipped_reposts``: reposts/retweets seen and not returned. ``measured_at``: when
    the counters were read (the response time for live calls; a dump's recorded retrieval time, or None).
    ``errors``: partial errors the platform reported beside the data (X: a deleted post in a lookup).
    """

    source: str
    posts: tuple[SocialPost, ...]
    next_cursor: str | None = None
    newest_id: str | None = None
    skipped_reposts: int = 0
    measured_at: datetime | None = None
    rate_limit: RateLimit | None = None
    errors: tuple[str, ...] = ()


# Helpers the platform parsers share.

# A URL written out in a post's text. Trailing punctuation is a sentence's, not the URL's.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'\u00a0\u2026]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>'\"*"


def urls_in_text(text: str) -> list[str]:
    """The ``http(s)://`` URLs written in ``text``, in order (a closing bracket stays when the URL opened one)."""
    found = []
    for match in _URL_IN_TEXT.finditer(text or ""):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if len(url) > len("https://"):
            found.append(url)
    return found


def unique_links(urls: Iterable[str | None]) -> tuple[str, ...]:
    """``urls`` stripped, without blanks or repeats, first occurrence kept."""
    seen: dict[str, None] = {}
    for url in urls:
        if isinstance(url, str) and (url := url.strip()):
            seen.setdefault(url, None)
    return tuple(seen)


def parse_timestamp(value, *, what: str = "timestamp") -> datetime:
    """An ISO 8601 time as the platforms write it ("2022-06-08T02:18:12.000Z"), as an aware UTC datetime.

    A time without an offset is taken as UTC. Raises ``PostParseError`` when absent or unreadable.
    """
    if not isinstance(value, str) or not value.strip():
        raise PostParseError(f"no {what}")
    text = value.strip()
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise PostParseError(f"{what} {value!r} is not an ISO 8601 time") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def from_epoch(value, *, what: str = "timestamp") -> datetime:
    """Epoch seconds (int, float or digits) as an aware UTC datetime; ``PostParseError`` when not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PostParseError(f"{what} {value!r} is not epoch seconds")
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        raise PostParseError(f"{what} {value!r} is not epoch seconds") from None


def counter(value, *, what: str) -> int:
    """A counter from a payload: a non-negative integer; absent or null is 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PostParseError(f"{what} is {value!r}, not a count")
    return value


def text_field(value, *, what: str, required: bool = False) -> str:
    """A string field: absent or null is "" (or an error when ``required``); anything else but a string is an error."""
    if value is None or value == "":
        if required:
            raise PostParseError(f"no {what}")
        return ""
    if not isinstance(value, str):
        raise PostParseError(f"{what} is {type(value).__name__}, not a string")
    return value
