"""arXiv as a source: ids, the API's Atom feed, OAI-PMH and a polite HTTP client. Nothing here knows Django.

The pieces live in ``ids`` (the one id grammar), ``records`` (dataclasses and errors), ``feed`` (API Atom),
``oai`` (OAI-PMH), ``xml`` (the hardened streaming reader both parsers use) and ``client`` (HTTP).
Code outside this package imports from here, never from the modules.
"""

from io import BytesIO

from lxml import etree

from .client import (
    DEFAULT_API_URL,
    DEFAULT_OAI_URL,
    DEFAULT_USER_AGENT,
    ArxivClient,
    MonotonicThrottle,
    Throttle,
    parse_retry_after,
)
from .feed import ATOM, parse_api_feed
from .ids import (
    ARXIV_HOST,
    ARXIV_PAPER_PATH,
    BASE_ID,
    WRITTEN_ID,
    ArxivId,
    InvalidArxivId,
    normalize_all,
    normalize_arxiv_id,
    parse_id_list,
)
from .oai import OAI, parse_oai, split_author_list
from .records import (
    ArxivApiError,
    ArxivAuthor,
    ArxivError,
    ArxivHttpError,
    ArxivParseError,
    ArxivRecord,
    ArxivUnavailable,
    FeedPage,
    OaiError,
    OaiPage,
    body_start,
)

__all__ = [
    "ARXIV_HOST",
    "ARXIV_PAPER_PATH",
    "BASE_ID",
    "DEFAULT_API_URL",
    "DEFAULT_OAI_URL",
    "DEFAULT_USER_AGENT",
    "ArxivApiError",
    "ArxivAuthor",
    "ArxivClient",
    "ArxivError",
    "ArxivHttpError",
    "ArxivId",
    "ArxivParseError",
    "ArxivRecord",
    "ArxivUnavailable",
    "FeedPage",
    "InvalidArxivId",
    "MonotonicThrottle",
    "OaiError",
    "OaiPage",
    "Throttle",
    "WRITTEN_ID",
    "normalize_all",
    "normalize_arxiv_id",
    "parse_api_feed",
    "parse_document",
    "parse_id_list",
    "parse_oai",
    "parse_retry_after",
    "split_author_list",
]


def parse_document(data: bytes) -> FeedPage | OaiPage:
    """Parse a saved arXiv answer (``ingest_arxiv --file``): an API Atom feed or an OAI-PMH response."""
    root_tag = None
    try:
        for _event, elem in etree.iterparse(BytesIO(data), events=("start",), resolve_entities=False, no_network=True):
            root_tag = elem.tag
            break
    except etree.XMLSyntaxError as exc:
        raise ArxivParseError(f"not an XML document ({exc}); it starts {body_start(data)}") from exc
    if root_tag == f"{{{ATOM}}}feed":
        return parse_api_feed(data)
    if root_tag == f"{{{OAI}}}OAI-PMH":
        return parse_oai(data)
    raise ArxivParseError(f"neither an arXiv API feed nor an OAI-PMH response; it starts {body_start(data)}")
