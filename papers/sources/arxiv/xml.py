"""Streaming, hardened XML reading shared by the arXiv parsers."""

from io import BytesIO

from lxml import etree

from .records import ArxivParseError, body_start


def stream(data: bytes, tags: tuple[str, ...]):
    """End events for `tags`; entities, DTDs and the network stay off (the input is untrusted)."""
    return etree.iterparse(
        BytesIO(data), events=("end",), tag=tags, resolve_entities=False, no_network=True, load_dtd=False
    )


def release(elem) -> None:
    """Drop a handled element and the finished ones before it, so memory stays flat however long the page."""
    elem.clear()
    while elem.getprevious() is not None:
        del elem.getparent()[0]


def check_root(events, expected_tag: str, expected: str, data: bytes) -> None:
    """After streaming: the document was what we asked for, not some other XML."""
    root = events.root
    if root is None or root.tag != expected_tag:
        found = "nothing" if root is None else f"<{etree.QName(root).localname}>"
        raise ArxivParseError(f"expected {expected}, found {found}; the body starts {body_start(data)}")
