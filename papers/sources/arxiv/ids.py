"""arXiv identifiers: what people paste (ids, ``arXiv:`` ids, abs/pdf/html URLs) turned into base id + version.

New-style ids are ``YYMM.NNNN`` (2007-04 to 2014-12) and ``YYMM.NNNNN`` (from 2015-01); old-style ids are
``archive(.SUBJ)/YYMMNNN`` (1991 to 2007-03). Either may end in ``vN``; no version means "the latest".

An old-style id's subject class is not part of its identity: arXiv numbers papers per archive, files
``math.GT/0309136`` under ``math/0309136`` and answers with that form in the API and OAI-PMH, so the base id
drops it. Otherwise the same paper pasted two ways would become two papers.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..pickling import PicklableError

# The grammar, as regex fragments without capturing groups so that any pattern can embed them: the URL
# converter (papers/urls.py), the Markdown parser (digests/postformat), the link finder (sources/links.py)
# and the normaliser below are all built from these, so they cannot drift apart. Shapes only: whether the
# year and month were ever issued is checked by ``normalize_arxiv_id``.
YYMM = r"\d{4}"
NEW_NUMBER = r"\d{4,5}"  # four digits until 2014-12, five from 2015-01
ARCHIVE = r"[a-z]+(?:-[a-z]+)*"  # "hep-th", "cond-mat", "math"
SUBJECT_CLASS = r"[A-Za-z]+(?:-[A-Za-z]+)*"  # the "GT" of "math.GT/0309136", "str-el" of "cond-mat.str-el/..."
OLD_NUMBER = r"\d{3}"
VERSION_NUMBER = r"[1-9]\d{0,3}"

NEW_STYLE_ID = rf"{YYMM}\.{NEW_NUMBER}"
OLD_STYLE_BASE_ID = rf"{ARCHIVE}/{YYMM}{OLD_NUMBER}"
OLD_STYLE_ID = rf"{ARCHIVE}(?:\.{SUBJECT_CLASS})?/{YYMM}{OLD_NUMBER}"
VERSION = rf"v{VERSION_NUMBER}"
# A base id as Paper.arxiv_id stores it: no version, no subject class.
BASE_ID = rf"(?:{NEW_STYLE_ID}|{OLD_STYLE_BASE_ID})"
# An id as people and posts write it: a subject class and a version may be there.
WRITTEN_ID = rf"(?:{NEW_STYLE_ID}|{OLD_STYLE_ID})(?:{VERSION})?"
# arXiv's own hosts and the paths that name one paper (abstract, PDF, HTML rendering).
ARXIV_HOST = r"(?:(?:export|www)\.)?arxiv\.org"
ARXIV_PAPER_PATH = r"(?:abs|pdf|html)"

_ID = re.compile(
    rf"(?:(?P<new_yymm>{YYMM})\.(?P<new_number>{NEW_NUMBER})"
    rf"|(?P<archive>{ARCHIVE})(?:\.{SUBJECT_CLASS})?/(?P<old_yymm>{YYMM})(?P<old_number>{OLD_NUMBER}))"
    rf"(?:v(?P<version>{VERSION_NUMBER}))?"
)
_URL = re.compile(
    rf"(?:https?://)?{ARXIV_HOST}/{ARXIV_PAPER_PATH}/(?P<rest>.+?)(?:\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"arxiv:\s*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,]+")


class InvalidArxivId(PicklableError, ValueError):
    """One or more strings are not arXiv ids; ``invalid`` lists every one of them, in input order."""

    def __init__(self, invalid: list[str]):
        self.invalid = list(invalid)
        shown = ", ".join(repr(value) for value in self.invalid)
        noun = "an arXiv id" if len(self.invalid) == 1 else "arXiv ids"
        super().__init__(
            f"not {noun}: {shown} (expected e.g. 2201.04182, 2201.04182v2, hep-th/9901001, "
            "arXiv:0706.0001 or https://arxiv.org/abs/2201.04182)"
        )


@dataclass(frozen=True, slots=True)
class ArxivId:
    base: str
    version: int | None = None

    def __str__(self) -> str:
        return self.base if self.version is None else f"{self.base}v{self.version}"

    @property
    def is_old_style(self) -> bool:
        return "/" in self.base


def normalize_arxiv_id(raw: str) -> ArxivId:
    """Return the base id and version of ``raw``; raise ``InvalidArxivId`` when it is not an arXiv id."""
    text = raw.strip() if isinstance(raw, str) else ""
    url, prefix = _URL.fullmatch(text), _PREFIX.match(text)
    if url:
        text = url.group("rest")
    elif prefix:
        text = text[prefix.end() :]
    match = _ID.fullmatch(text)
    if match is None and "/" in text:
        # Archive names are lower case ("hep-th"), yet people type "HEP-TH/9901001"; accept that
        # but nothing else in another case, so "2201.04182V2" stays a typo worth reporting.
        archive, slash, rest = text.partition("/")
        match = _ID.fullmatch(f"{archive.lower()}{slash}{rest}")
    if match is None or not _plausible_date(match):
        raise InvalidArxivId([raw if isinstance(raw, str) else repr(raw)])
    found = match.groupdict()
    if found["archive"]:
        base = f"{found['archive']}/{found['old_yymm']}{found['old_number']}"
    else:
        base = f"{found['new_yymm']}.{found['new_number']}"
    return ArxivId(base=base, version=int(found["version"]) if found["version"] else None)


def _plausible_date(match: re.Match) -> bool:
    found = match.groupdict()
    if found["archive"]:
        yymm = found["old_yymm"]
        year, month = int(yymm[:2]), int(yymm[2:])
        year += 1900 if year >= 91 else 2000
        return 1 <= month <= 12 and (1991, 8) <= (year, month) <= (2007, 3)
    yymm, number = found["new_yymm"], found["new_number"]
    year, month = 2000 + int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12 or (year, month) < (2007, 4):
        return False
    # Four digits until December 2014, five from January 2015: the other lengths were never issued.
    return (len(number) == 4) == ((year, month) <= (2014, 12))


def parse_id_list(text: str) -> list[ArxivId]:
    """Split ``text`` on commas, whitespace and newlines; return the ids in order without duplicates.

    Every entry is checked before anything is returned, so one ``InvalidArxivId`` names all the bad ones.
    """
    return normalize_all(token for token in _SEPARATORS.split(_join_prefixes(text)) if token)


def normalize_all(values: Iterable[str | ArxivId]) -> list[ArxivId]:
    """Each value normalised, in order, duplicates dropped; ``InvalidArxivId`` names every bad one."""
    ids: list[ArxivId] = []
    invalid: list[str] = []
    seen: set[ArxivId] = set()
    for value in values:
        if isinstance(value, ArxivId):
            arxiv_id = value
        else:
            try:
                arxiv_id = normalize_arxiv_id(value)
            except InvalidArxivId:
                invalid.append(value)
                continue
        if arxiv_id not in seen:
            seen.add(arxiv_id)
            ids.append(arxiv_id)
    if invalid:
        raise InvalidArxivId(invalid)
    return ids


def _join_prefixes(text: str) -> str:
    # "arXiv: 2201.04182" is one id, not the token "arXiv:" followed by an id.
    return re.sub(r"(?i)\barxiv:\s+", "arXiv:", text)
