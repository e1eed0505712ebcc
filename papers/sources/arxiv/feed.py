"""The arXiv API's Atom feed (``/api/query``) parsed into a ``FeedPage``, streaming.

Entries are read one at a time with ``lxml.etree.iterparse`` and cleared once turned into records, so a
2,000-entry page never holds more than one entry's elements. Records are only returned once the whole
document has parsed: a truncated body or an HTML error page raises ``ArxivParseError`` and yields nothing.
"""

import re

from lxml import etree

from .ids import InvalidArxivId, normalize_arxiv_id
from .records import (
    ArxivApiError,
    ArxivAuthor,
    ArxivParseError,
    ArxivRecord,
    FeedPage,
    body_start,
    ordered_categories,
    parse_timestamp,
)
from .xml import check_root, release, stream

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"

_FEED = f"{{{ATOM}}}feed"
_ENTRY = f"{{{ATOM}}}entry"
_ID = f"{{{ATOM}}}id"
_TITLE = f"{{{ATOM}}}title"
_SUMMARY = f"{{{ATOM}}}summary"
_PUBLISHED = f"{{{ATOM}}}published"
_UPDATED = f"{{{ATOM}}}updated"
_AUTHOR = f"{{{ATOM}}}author"
_NAME = f"{{{ATOM}}}name"
_CATEGORY = f"{{{ATOM}}}category"
_RIGHTS = f"{{{ATOM}}}rights"
_AFFILIATION = f"{{{ARXIV}}}affiliation"
_PRIMARY = f"{{{ARXIV}}}primary_category"
_COMMENT = f"{{{ARXIV}}}comment"
_JOURNAL_REF = f"{{{ARXIV}}}journal_ref"
_DOI = f"{{{ARXIV}}}doi"
_LICENSE = f"{{{ARXIV}}}license"
_TOTAL = f"{{{OPENSEARCH}}}totalResults"
_START = f"{{{OPENSEARCH}}}startIndex"
_PER_PAGE = f"{{{OPENSEARCH}}}itemsPerPage"
_HEADER = {_TOTAL: "total_results", _START: "start_index", _PER_PAGE: "items_per_page"}

_ERROR_ID = re.compile(r"https?://(?:export\.)?arxiv\.org/api/errors")
_BAD_ID = re.compile(r"\bid format for (\S+?)\.?\s*$")


def parse_api_feed(data: bytes) -> FeedPage:
    """Parse one arXiv API response body.

    Raises ``ArxivApiError`` for arXiv's error feed and ``ArxivParseError`` for anything that is not a
    complete Atom feed; in both cases no record escapes.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_api_feed expects bytes, not {type(data).__name__}")
    header = {"total_results": 0, "start_index": 0, "items_per_page": 0}
    records: list[ArxivRecord] = []
    events = stream(data, (_ENTRY, _TOTAL, _START, _PER_PAGE))
    try:
        for _event, elem in events:
            if elem.tag == _ENTRY:
                records.append(_record(elem))
                release(elem)
            else:
                header[_HEADER[elem.tag]] = _int(elem)
    except etree.XMLSyntaxError as exc:
        message = f"the arXiv API response is not complete XML ({exc}); it starts {body_start(data)}"
        raise ArxivParseError(message) from exc
    check_root(events, _FEED, "an arXiv API Atom <feed>", data)
    return FeedPage(records=records, **header)


def _record(entry) -> ArxivRecord:
    entry_id = title = abstract = published = updated = None
    comment = journal_ref = doi = license = None
    primary = ""
    terms: list[str] = []
    authors: list[ArxivAuthor] = []
    for child in entry:
        tag = child.tag
        if tag == _ID:
            entry_id = child.text
        elif tag == _TITLE:
            title = child.text or ""
        elif tag == _SUMMARY:
            abstract = child.text or ""
        elif tag == _AUTHOR:
            authors.append(_author(child))
        elif tag == _CATEGORY:
            term = child.get("term")
            if term:
                terms.append(term)
        elif tag == _PUBLISHED:
            published = child.text
        elif tag == _UPDATED:
            updated = child.text
        elif tag == _PRIMARY:
            primary = child.get("term") or ""
        elif tag == _COMMENT:
            comment = child.text
        elif tag == _JOURNAL_REF:
            journal_ref = child.text
        elif tag == _DOI:
            doi = child.text
        elif tag == _LICENSE or tag == _RIGHTS:
            license = child.text
    if entry_id and _ERROR_ID.match(entry_id):
        detail = (abstract or title or entry_id).strip()
        bad = _BAD_ID.search(detail)
        raise ArxivApiError(detail, bad_id=bad.group(1) if bad else None)
    if not entry_id:
        raise ArxivParseError("an arXiv API entry has no <id>")
    try:
        arxiv_id = normalize_arxiv_id(entry_id)
    except InvalidArxivId as exc:
        raise ArxivParseError(f"an arXiv API entry's <id> is not an arXiv id: {entry_id!r}") from exc
    if not published:
        raise ArxivParseError(f"the arXiv API entry {entry_id} has no <published> date")
    try:
        published_at = parse_timestamp(published)
        updated_at = parse_timestamp(updated) if updated else published_at
    except ValueError as exc:
        raise ArxivParseError(f"the arXiv API entry {entry_id} has a malformed date: {exc}") from exc
    categories = ordered_categories(primary, terms)
    return ArxivRecord(
        arxiv_id=arxiv_id.base,
        version=arxiv_id.version,
        title=title if title is not None else "",
        abstract=abstract if abstract is not None else "",
        authors=authors,
        primary_category=categories[0] if categories else "",
        categories=categories,
        published=published_at,
        updated=updated_at,
        comment=comment,
        journal_ref=journal_ref,
        doi=doi,
        license=license,
    )


def _author(elem) -> ArxivAuthor:
    name = ""
    affiliations: list[str] = []
    for child in elem:
        if child.tag == _NAME:
            name = child.text or ""
        elif child.tag == _AFFILIATION and child.text:
            affiliations.append(child.text)
    return ArxivAuthor(name=name, affiliations=affiliations)


def _int(elem) -> int:
    try:
        return int((elem.text or "").strip())
    except ValueError as exc:
        raise ArxivParseError(f"<{etree.QName(elem).localname}> is not a number: {elem.text!r}") from exc
