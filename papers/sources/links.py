"""Which arXiv papers a social post links to: the ids in its URLs and its text. Plain Python, no Django.

What counts:

- arXiv's pages of one paper, ``arxiv.org/abs|pdf|html/ID`` on ``arxiv.org``, ``www.`` and ``export.``,
  with or without a scheme, with a version, ``.pdf``, a query or a fragment; old-style ids with their
  slash (``hep-th/9901001``) and subject class (``math.GT/0309136``, filed as ``math/0309136``);
- the mirrors that name a paper by its arXiv id: alphaXiv (``alphaxiv.org/abs/ID``, ``/overview/ID``),
  Hugging Face papers (``huggingface.co/papers/ID``, ``hf.co/papers/ID``) and ar5iv;
- in text, those URLs (a scheme is not needed) and ``arXiv:ID``.

A bare number in text never counts: "2201.04182" may as well be a phone number, a price or a date. An id
whose month arXiv never numbered (``2213.00001``, ``1501.0001``) is not one; the normaliser decides, as it
does for everything else, so the finder and the rest of the site agree on what an id is.
"""

import re
from collections.abc import Iterable
from urllib.parse import unquote

from .arxiv import ARXIV_HOST, ARXIV_PAPER_PATH, WRITTEN_ID, ArxivId, InvalidArxivId, normalize_arxiv_id

# Where a URL's path names one paper by its id: arXiv's own pages, then the mirrors.
PAPER_PAGES = (
    rf"{ARXIV_HOST}/{ARXIV_PAPER_PATH}/",
    r"(?:www\.)?alphaxiv\.org/(?:abs|overview)/",
    r"(?:huggingface|hf)\.co/papers/",
    r"ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html)/",
)

_FOUND = re.compile(
    # ASCII boundaries: "notarxiv.org" and "xarXiv:" are not ours, yet "論文arXiv:2201.04182" is.
    rf"(?:(?<![A-Za-z0-9.-])(?i:{'|'.join(PAPER_PAGES)})|(?<![A-Za-z0-9])(?i:arxiv):[ \t\u00a0]*)"
    # Not followed by more of an id: "2201.041823" and "2201.04182V2" are not 2201.04182.
    rf"(?P<id>{WRITTEN_ID})(?![A-Za-z0-9_])"
)


def find_arxiv_ids(*, urls: Iterable[str] = (), text: str = "") -> list[ArxivId]:
    """The distinct arXiv ids (base and version) that ``urls`` and then ``text`` link to, in order of appearance.

    ``urls`` are a post's expanded links and its card or embed URLs (percent-encoded ones are decoded, so a
    redirect's target counts); ``text`` is what the post says.
    """
    if isinstance(urls, str):
        urls = (urls,)
    found: dict[ArxivId, None] = {}
    for source in [*(unquote(url) for url in urls if url), text or ""]:
        for match in _FOUND.finditer(source):
            try:
                found.setdefault(normalize_arxiv_id(match["id"]))
            except InvalidArxivId:
                continue
    return list(found)
