"""Dump files of social posts (``ingest_posts --file``, the admin upload): the format is read from the content.

A file is one JSON document (an object, or an array of objects) or JSON Lines (one object a line). Each object
is one of:

- an X API v2 response page (``data``/``includes``/``meta``, as ``twarc2 search`` writes them), or a bare tweet
  (as ``twarc2 flatten`` writes them, the author inline);
- a Bluesky ``searchPosts``/``getPosts`` answer (``posts``) or feed view (``feed``: ``getTimeline``,
  ``getAuthorFeed``), or a bare post view or feed item;
- a Hacker News Algolia search answer (``hits``), an ``/items/ID`` answer, or a bare search hit.

The parsers are the ones live responses go through. Each page-shaped object becomes one ``PostPage``;
consecutive bare posts of one platform are gathered into one. All or nothing: the first problem raises
``DumpError`` naming the file, the line (JSON Lines) or record, and what was wrong; nothing of the file is
returned.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import bluesky, hackernews, x
from .http import error_detail
from .posts import PostPage, PostParseError, SourceError

#: A sensible limit for dumps uploaded through the admin; commands reading local files may pass None.
UPLOAD_MAX_BYTES = 25 * 1024 * 1024


class DumpError(SourceError):
    """A dump file that cannot be used: unreadable, too big, not JSON, or of a shape we do not know."""

    def __init__(self, problem: str, *, name: str, where: str = ""):
        self.problem = problem
        self.name = name
        self.where = where
        super().__init__(f"{name}: {where}: {problem}" if where else f"{name}: {problem}")


def parse_dump(data: bytes | str, *, name: str, max_bytes: int | None = None) -> list[PostPage]:
    """The pages of posts a dump file holds, in file order. ``DumpError`` (all or nothing) when it is unusable.

    ``name`` is how messages name the file (its upload name or path). ``max_bytes`` refuses bigger files before
    anything is parsed.
    """
    if isinstance(data, str):
        data = data.encode()
    if max_bytes is not None and len(data) > max_bytes:
        raise DumpError(f"the file is {_size(len(data))}, more than the {_size(max_bytes)} a dump may have", name=name)
    text = _decode(data, name)
    builder = _Pages(name)
    for where, record in _records(text, name):
        builder.add(where, record)
    pages = builder.finish()
    if not pages:
        raise DumpError("the file holds no records", name=name)
    return pages


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DumpError("the file is UTF-16 encoded; save it as UTF-8", name=name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DumpError(f"not UTF-8 text (byte {exc.start + 1})", name=name, where=f"line {line}") from None
    if not text.strip():
        raise DumpError("the file is empty", name=name)
    return text


def _records(text: str, name: str) -> Iterator[tuple[str, object]]:
    """(where, object) for each record: "record N" in a JSON array, "line N" in JSON Lines, "" for one object."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise DumpError("JSON nested too deeply to be a dump", name=name) from None
    except json.JSONDecodeError as whole:
        if not _is_json_lines(text):
            raise DumpError(f"not JSON ({whole})", name=name, where=f"line {whole.lineno}") from None
        yield from _lines(text, name)
        return
    if isinstance(document, list):
        for index, record in enumerate(document, start=1):
            yield f"record {index}", record
    else:
        yield "", document


def _is_json_lines(text: str) -> bool:
    """More than one non-blank line, the first of them a JSON object on its own."""
    first, _newline, rest = text.lstrip().partition("\n")
    if not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def _split_lines(text: str) -> list[str]:
    # Not str.splitlines(): JSON strings may hold a raw U+2028 or U+0085, which are not line ends in JSON Lines.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _lines(text: str, name: str) -> Iterator[tuple[str, object]]:
    decoder = json.JSONDecoder()
    for number, line in enumerate(_split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = decoder.decode(line)
        except RecursionError:
            raise DumpError("JSON nested too deeply to be a dump", name=name, where=f"line {number}") from None
        except json.JSONDecodeError as exc:
            raise DumpError(f"not JSON ({exc.msg} at column {exc.colno})", name=name, where=f"line {number}") from None
        if isinstance(record, list):
            for index, item in enumerate(record, start=1):
                yield f"line {number}, record {index}", item
        else:
            yield f"line {number}", record


@dataclass
class _Bare:
    parse: Callable
    items: list = field(default_factory=list)
    labels: list = field(default_factory=list)


class _Pages:
    """Pages in file order; runs of bare posts of one platform gathered into one page each."""

    def __init__(self, name: str):
        self.name = name
        self.pages: list[PostPage] = []
        self.bare: _Bare | None = None

    def add(self, where: str, record) -> None:
        page_parser = _page_parser(record)
        if page_parser is not None:
            self._flush()
            self.pages.append(self._parsed(page_parser, record, where))
            return
        bare_parser = _bare_parser(record)
        if bare_parser is None:
            raise DumpError(_unknown(record), name=self.name, where=where)
        if self.bare is None or self.bare.parse is not bare_parser:
            self._flush()
            self.bare = _Bare(bare_parser)
        self.bare.items.append(record)
        self.bare.labels.append(where or "record 1")

    def finish(self) -> list[PostPage]:
        self._flush()
        return self.pages

    def _flush(self) -> None:
        if self.bare is not None:
            bare, self.bare = self.bare, None
            try:
                self.pages.append(bare.parse(bare.items, labels=bare.labels))
            except PostParseError as exc:
                raise DumpError(exc.problem, name=self.name, where=exc.where) from None

    def _parsed(self, parse: Callable, record, where: str) -> PostPage:
        try:
            return parse(record, where=where)
        except PostParseError as exc:
            raise DumpError(exc.problem, name=self.name, where=exc.where) from None


def _page_parser(record) -> Callable | None:
    if x.looks_like_page(record):
        return x.parse_page
    if bluesky.looks_like_response(record):
        return bluesky.parse_response
    if hackernews.looks_like_search(record):
        return hackernews.parse_search
    return None


def _bare_parser(record) -> Callable | None:
    if x.looks_like_tweet(record):
        return x.parse_tweets
    if bluesky.looks_like_post_view(record) or bluesky.looks_like_feed_item(record):
        return bluesky.parse_items
    if hackernews.looks_like_item(record) or hackernews.looks_like_hit(record):
        return hackernews.parse_items
    return None


def _unknown(record) -> str:
    if not isinstance(record, dict):
        return f"a JSON {_json_type(record)}, not an object of posts"
    if _is_error_answer(record):
        return f"an API error answer ({error_detail(record) or 'no detail'}), not posts"
    keys = ", ".join(sorted(map(str, record))[:8]) or "no keys"
    return (
        f"not a known shape (an object with {keys}); expected an X API v2 page or tweet, a Bluesky searchPosts/"
        "getPosts/feed answer or post view, or a Hacker News search answer, hit or item"
    )


def _is_error_answer(record: dict) -> bool:
    """X's problem objects (``title``/``type``/``status``, or ``errors`` without data), Bluesky's ``error``."""
    return (
        isinstance(record.get("error"), str)
        or (isinstance(record.get("errors"), list) and "data" not in record)
        or all(key in record for key in ("title", "type", "status"))
    )


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", type(None): "null"}.get(type(value), type(value).__name__)


def _size(count: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
