"""arXiv's OAI-PMH answers (ListRecords, GetRecord) parsed into an ``OaiPage``, streaming.

Understands the ``arXiv`` metadata format (structured authors with affiliations), ``arXivRaw`` (the version
history: the record takes the latest version number, its date as ``updated`` and v1's as ``published``) and
``oai_dc`` (Dublin Core: no category codes, so ``categories`` stays empty). ``noRecordsMatch`` is an empty
page; every other OAI-PMH error raises ``OaiError``. As with the API feed, nothing is returned from a body
that does not parse to the end.
"""

import re
from email.utils import parsedate_to_datetime

from lxml import etree

from .ids import InvalidArxivId, normalize_arxiv_id
from .records import (
    ArxivAuthor,
    ArxivParseError,
    ArxivRecord,
    OaiError,
    OaiPage,
    body_start,
    ordered_categories,
    parse_day,
)
from .xml import check_root, release, stream

OAI = "http://www.openarchives.org/OAI/2.0/"
ARXIV_FORMAT = "http://arxiv.org/OAI/arXiv/"
ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"

_ROOT = f"{{{OAI}}}OAI-PMH"
_RECORD = f"{{{OAI}}}record"
_HEADER = f"{{{OAI}}}header"
_IDENTIFIER = f"{{{OAI}}}identifier"
_METADATA = f"{{{OAI}}}metadata"
_TOKEN = f"{{{OAI}}}resumptionToken"
_ERROR = f"{{{OAI}}}error"

NO_RECORDS_MATCH = "noRecordsMatch"
_SPACE = re.compile(r"\s+")


def parse_oai(data: bytes) -> OaiPage:
    """Parse one OAI-PMH response body from arXiv."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_oai expects bytes, not {type(data).__name__}")
    records: list[ArxivRecord] = []
    deleted: list[str] = []
    token: str | None = None
    size: int | None = None
    cursor: int | None = None
    errors: list[tuple[str, str]] = []
    events = stream(data, (_RECORD, _TOKEN, _ERROR))
    try:
        for _event, elem in events:
            if elem.tag == _RECORD:
                record = _record(elem, deleted)
                if record is not None:
                    records.append(record)
                release(elem)
            elif elem.tag == _TOKEN:
                token = (elem.text or "").strip() or None
                size = _optional_int(elem, "completeListSize")
                cursor = _optional_int(elem, "cursor")
            else:
                errors.append((elem.get("code") or "unknown", (elem.text or "").strip()))
    except etree.XMLSyntaxError as exc:
        message = f"the OAI-PMH response is not complete XML ({exc}); it starts {body_start(data)}"
        raise ArxivParseError(message) from exc
    check_root(events, _ROOT, "an OAI-PMH document", data)
    for code, message in errors:
        if code != NO_RECORDS_MATCH:
            raise OaiError(code, message)
    return OaiPage(records=records, resumption_token=token, complete_list_size=size, cursor=cursor, deleted_ids=deleted)


def _record(elem, deleted: list[str]) -> ArxivRecord | None:
    header = elem.find(_HEADER)
    identifier = header.findtext(_IDENTIFIER) if header is not None else None
    if header is not None and header.get("status") == "deleted":
        deleted.append(_arxiv_id_from_oai(identifier).base)
        return None
    metadata = elem.find(_METADATA)
    payload = next((child for child in metadata if isinstance(child.tag, str)), None) if metadata is not None else None
    if payload is None:
        raise ArxivParseError(f"the OAI-PMH record {identifier} has no metadata")
    tag = payload.tag
    if tag == f"{{{ARXIV_FORMAT}}}arXiv":
        return _arxiv_format(payload, identifier)
    if tag == f"{{{ARXIV_RAW}}}arXivRaw":
        return _arxiv_raw(payload, identifier)
    if tag == f"{{{OAI_DC}}}dc":
        return _oai_dc(payload, identifier)
    raise ArxivParseError(f"the OAI-PMH record {identifier} is in an unsupported metadata format {tag}")


def _fields(payload, namespace: str) -> dict[str, list]:
    fields: dict[str, list] = {}
    prefix = len(namespace) + 2
    for child in payload:
        if isinstance(child.tag, str) and child.tag.startswith(f"{{{namespace}}}"):
            fields.setdefault(child.tag[prefix:], []).append(child)
    return fields


def _text(fields: dict[str, list], name: str) -> str | None:
    found = fields.get(name)
    return found[0].text if found else None


def _arxiv_format(payload, identifier: str | None) -> ArxivRecord:
    fields = _fields(payload, ARXIV_FORMAT)
    arxiv_id = _arxiv_id(_text(fields, "id"), identifier)
    authors = []
    for authors_elem in fields.get("authors", []):
        for author in authors_elem:
            parts = {}
            affiliations = []
            for part in author:
                if not isinstance(part.tag, str):
                    continue
                name = etree.QName(part).localname
                if name == "affiliation":
                    if part.text:
                        affiliations.append(part.text)
                else:
                    parts[name] = (part.text or "").strip()
            full = " ".join(filter(None, (parts.get("forenames"), parts.get("keyname"), parts.get("suffix"))))
            authors.append(ArxivAuthor(name=full, affiliations=affiliations))
    categories = ordered_categories("", (_text(fields, "categories") or "").split())
    created = _day(_text(fields, "created"), identifier)
    updated = _text(fields, "updated")
    return ArxivRecord(
        arxiv_id=arxiv_id.base,
        version=arxiv_id.version,
        title=_text(fields, "title") or "",
        abstract=_text(fields, "abstract") or "",
        authors=authors,
        # arXiv lists the primary category first.
        primary_category=categories[0] if categories else "",
        categories=categories,
        published=created,
        updated=_day(updated, identifier) if updated else created,
        comment=_text(fields, "comments"),
        journal_ref=_text(fields, "journal-ref"),
        doi=_text(fields, "doi"),
        license=_text(fields, "license"),
    )


def _arxiv_raw(payload, identifier: str | None) -> ArxivRecord:
    fields = _fields(payload, ARXIV_RAW)
    arxiv_id = _arxiv_id(_text(fields, "id"), identifier)
    versions = []
    for version in fields.get("version", []):
        label = (version.get("version") or "").strip().lstrip("vV")
        date = version.findtext(f"{{{ARXIV_RAW}}}date")
        try:
            versions.append((int(label), parsedate_to_datetime(date.strip())))
        except (AttributeError, TypeError, ValueError) as exc:
            raise ArxivParseError(f"the OAI-PMH record {identifier} has a malformed <version> {label!r}") from exc
    if not versions:
        raise ArxivParseError(f"the arXivRaw record {identifier} lists no <version>")
    versions.sort()
    categories = ordered_categories("", (_text(fields, "categories") or "").split())
    return ArxivRecord(
        arxiv_id=arxiv_id.base,
        version=versions[-1][0],
        title=_text(fields, "title") or "",
        abstract=_text(fields, "abstract") or "",
        authors=split_author_list(_text(fields, "authors") or ""),
        primary_category=categories[0] if categories else "",
        categories=categories,
        published=versions[0][1],
        updated=versions[-1][1],
        comment=_text(fields, "comments"),
        journal_ref=_text(fields, "journal-ref"),
        doi=_text(fields, "doi"),
        license=_text(fields, "license"),
    )


def _oai_dc(payload, identifier: str | None) -> ArxivRecord:
    fields = _fields(payload, DC)
    descriptions = [elem.text or "" for elem in fields.get("description", [])]
    comments = [text.strip()[len("Comment:") :].strip() for text in descriptions if text.strip().startswith("Comment:")]
    abstracts = [text for text in descriptions if not text.strip().startswith("Comment:")]
    doi = journal_ref = None
    for elem in fields.get("identifier", []):
        value = (elem.text or "").strip()
        if value.lower().startswith("doi:"):
            doi = value[4:].strip()
        elif value and "arxiv.org/" not in value:
            journal_ref = value
    dates = [(elem.text or "").strip() for elem in fields.get("date", [])]
    if not dates:
        raise ArxivParseError(f"the oai_dc record {identifier} has no <dc:date>")
    arxiv_id = _arxiv_id_from_oai(identifier)
    return ArxivRecord(
        arxiv_id=arxiv_id.base,
        version=None,
        title=_text(fields, "title") or "",
        abstract=abstracts[0] if abstracts else "",
        authors=[ArxivAuthor(name=_dc_creator(elem.text or "")) for elem in fields.get("creator", [])],
        primary_category="",
        categories=[],
        published=_day(dates[0], identifier),
        updated=_day(dates[-1], identifier),
        comment=comments[0] if comments else None,
        journal_ref=journal_ref,
        doi=doi,
        license=_text(fields, "rights"),
    )


def _dc_creator(text: str) -> str:
    # Dublin Core writes "Keyname, Forenames"; the API and the arXiv format read "Forenames Keyname".
    keyname, comma, forenames = text.strip().partition(", ")
    return f"{forenames} {keyname}" if comma and forenames else text.strip()


def split_author_list(text: str) -> list[ArxivAuthor]:
    """arXivRaw's free-text author list ("A. One, B. Two (MIT) and C. Three") as authors with affiliations."""
    names: list[str] = []
    depth = 0
    current: list[str] = []
    collapsed = _SPACE.sub(" ", text).strip()
    index = 0
    while index < len(collapsed):
        char = collapsed[index]
        depth += (char == "(") - (char == ")")
        if depth == 0 and (char == "," or collapsed.startswith(" and ", index)):
            names.append("".join(current))
            current = []
            index += 1 if char == "," else len(" and ")
            continue
        current.append(char)
        index += 1
    names.append("".join(current))
    authors = []
    for raw in names:
        name = raw.strip()
        if name.startswith("and "):
            name = name[4:]
        affiliations = []
        while name.endswith(")") and "(" in name:
            opening = _matching_paren(name)
            affiliations.insert(0, name[opening + 1 : -1].strip())
            name = name[:opening].strip()
        if name:
            authors.append(ArxivAuthor(name=name, affiliations=affiliations))
    return authors


def _matching_paren(text: str) -> int:
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += (text[index] == ")") - (text[index] == "(")
        if depth == 0:
            return index
    return text.index("(")


def _arxiv_id(value: str | None, identifier: str | None):
    if not value:
        return _arxiv_id_from_oai(identifier)
    try:
        return normalize_arxiv_id(value)
    except InvalidArxivId as exc:
        raise ArxivParseError(f"the OAI-PMH record {identifier} has an <id> that is no arXiv id: {value!r}") from exc


def _arxiv_id_from_oai(identifier: str | None):
    value = (identifier or "").strip()
    local = value.split(":", 2)[-1] if value.startswith("oai:") else value
    try:
        return normalize_arxiv_id(local)
    except InvalidArxivId as exc:
        raise ArxivParseError(f"the OAI-PMH identifier {identifier!r} does not name an arXiv paper") from exc


def _day(value: str | None, identifier: str | None):
    if not value:
        raise ArxivParseError(f"the OAI-PMH record {identifier} has no <created> date")
    try:
        return parse_day(value)
    except ValueError as exc:
        raise ArxivParseError(f"the OAI-PMH record {identifier} has a malformed date {value!r}") from exc


def _optional_int(elem, attribute: str) -> int | None:
    value = elem.get(attribute)
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ArxivParseError(f"<resumptionToken {attribute}={value!r}> is not a number") from exc
