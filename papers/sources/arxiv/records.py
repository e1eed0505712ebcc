"""What the arXiv parsers produce: plain dataclasses and the errors they raise. No Django here."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..pickling import PicklableError


class ArxivError(PicklableError):
    """Base class of everything this package raises about arXiv (picklable: Celery retries carry them as they are)."""


class ArxivParseError(ArxivError):
    """The body is not a complete document of the expected kind; nothing from it may be used."""


class ArxivApiError(ArxivError):
    """The arXiv API answered with its error feed (an entry titled "Error"), e.g. for a malformed id."""

    def __init__(self, detail: str, *, bad_id: str | None = None):
        self.detail = detail
        self.bad_id = bad_id
        super().__init__(f"the arXiv API rejected the request: {detail}")


class OaiError(ArxivError):
    """An OAI-PMH error other than ``noRecordsMatch`` (``badResumptionToken``, ``badArgument``, ...)."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"OAI-PMH error {code}: {message}" if message else f"OAI-PMH error {code}")


class ArxivUnavailable(ArxivError):
    """arXiv did not give a usable answer after the last retry (or asked us to wait longer than we may)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message)


class ArxivHttpError(ArxivError):
    """arXiv answered with an HTTP status that retrying will not fix (404, 403, a 400 without an error feed)."""

    def __init__(self, status: int, url: str, body: bytes = b""):
        self.status = status
        self.url = url
        self.body = body
        snippet = body[:200].decode("utf-8", "replace").strip()
        super().__init__(f"arXiv answered HTTP {status} for {url}" + (f": {snippet}" if snippet else ""))


@dataclass(slots=True)
class ArxivAuthor:
    name: str
    affiliations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ArxivRecord:
    """One paper as arXiv describes it. Text fields keep arXiv's text exactly, line wraps included."""

    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: list[ArxivAuthor]
    primary_category: str
    categories: list[str]
    published: datetime
    updated: datetime
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None

    @property
    def versioned_id(self) -> str:
        return self.arxiv_id if self.version is None else f"{self.arxiv_id}v{self.version}"


@dataclass(slots=True)
class FeedPage:
    """One page of an arXiv API answer; ``start_index``/``items_per_page`` are the page, ``total_results`` the query."""

    records: list[ArxivRecord]
    total_results: int
    start_index: int
    items_per_page: int


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH answer. Save ``resumption_token`` after storing ``records`` to resume from the next page.

    ``resumption_token`` is None on the last page. ``deleted_ids`` are records arXiv marks as deleted.
    """

    records: list[ArxivRecord]
    resumption_token: str | None
    complete_list_size: int | None
    cursor: int | None
    deleted_ids: list[str] = field(default_factory=list)


# Subject classes look like "cs.LG", "hep-th", "math-ph" or "cond-mat.str-el". The API also lists ACM and MSC
# classes as <category> terms ("I.2.6", "68T05", "F.2.2; G.2.2"); those are not arXiv categories.
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?")


def is_category(term: str) -> bool:
    return _CATEGORY.fullmatch(term) is not None


def ordered_categories(primary: str, terms: list[str]) -> list[str]:
    """The primary category first, then the cross-lists in arXiv's order; no duplicates, no ACM/MSC codes."""
    result = [primary] if primary else []
    for term in terms:
        if term not in result and is_category(term):
            result.append(term)
    return result


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp ("2017-07-27T08:18:33Z", "2007-10-08T00:00:00-04:00") as an aware UTC datetime."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_day(text: str) -> datetime:
    """An OAI-PMH date ("2007-03-30") as midnight UTC."""
    return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)


def body_start(data: bytes) -> str:
    """The first bytes of a body, for error messages: an HTML error page shows itself there."""
    text = bytes(data[:120]).decode("utf-8", "replace")
    if not text.strip():
        return "empty"
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        return f"as an HTML page, not XML: {text!r}"
    return repr(text)
