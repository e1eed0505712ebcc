"""Hacker News (the Algolia API) stories into ``PostPage``s: ``search``/``search_by_date`` answers and ``/items``.

A story is a post: its points count as likes, its comments as replies (``num_comments`` in a search hit; in an
``/items/ID`` answer, the comments nested under ``children``, counted at every depth). Its text is the title,
then the story text (Ask HN) as plain text; its links are the story URL, then the links and URLs in the story
text. Comment hits are not posts of their own and are left out.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html.parser import HTMLParser

from ..posts import (
    PostPage,
    PostParseError,
    RateLimit,
    SocialPost,
    counter,
    from_epoch,
    parse_timestamp,
    text_field,
    unique_links,
    urls_in_text,
)

SOURCE = "hackernews"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"
_SEARCH_KEYS = ("nbHits", "nbPages", "hitsPerPage", "page", "params")


def looks_like_search(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("hits"), list) and any(key in obj for key in _SEARCH_KEYS)


def looks_like_hit(obj) -> bool:
    return isinstance(obj, dict) and "objectID" in obj and ("created_at_i" in obj or "created_at" in obj)


def looks_like_item(obj) -> bool:
    """An ``/items/ID`` answer: an integer id, a type and the nested ``children``."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("id"), int)
        and isinstance(obj.get("type"), str)
        and isinstance(obj.get("children"), list)
    )


def parse_search(
    data, *, measured_at: datetime | None = None, rate_limit: RateLimit | None = None, where: str = ""
) -> PostPage:
    """A search answer; ``next_cursor`` is the next page number (as a string) while ``page + 1 < nbPages``."""
    if not isinstance(data, dict) or not isinstance(data.get("hits"), list):
        raise PostParseError("not a Hacker News search answer (no 'hits' list)", where=where)
    page = data.get("page", 0)
    pages = data.get("nbPages", 0)
    if not isinstance(page, int) or not isinstance(pages, int):
        raise PostParseError("'page' and 'nbPages' must be integers", where=where)
    posts: dict[str, SocialPost] = {}
    for index, hit in enumerate(data["hits"]):
        post = parse_hit(hit, where=_join(where, f"hits[{index}]"))
        if post is not None:
            posts.setdefault(post.external_id, post)
    return PostPage(
        source=SOURCE,
        posts=tuple(posts.values()),
        next_cursor=str(page + 1) if page + 1 < pages else None,
        measured_at=measured_at,
        rate_limit=rate_limit,
    )


def parse_items(items: Iterable, *, labels: Sequence[str] | None = None) -> PostPage:
    """Bare search hits and ``/items`` answers (a dump with one per line) into one page.

    ``labels`` say where each item sits, for error messages ("line 17"); by default "item N".
    """
    items = list(items)
    posts: dict[str, SocialPost] = {}
    for item, here in zip(items, labels or [f"item {index + 1}" for index in range(len(items))], strict=True):
        post = parse_item(item, where=here) if looks_like_item(item) else parse_hit(item, where=here)
        if post is not None:
            posts.setdefault(post.external_id, post)
    return PostPage(source=SOURCE, posts=tuple(posts.values()))


def parse_hit(hit, *, where: str = "") -> SocialPost | None:
    """A search hit; None for a comment (it has no title)."""
    try:
        if not isinstance(hit, dict):
            raise PostParseError(f"a hit is a JSON object, not {type(hit).__name__}")
        item_id = hit.get("objectID")
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            item_id = str(item_id)
        if not isinstance(item_id, str) or not item_id.isdigit():
            raise PostParseError(f"a hit without a numeric objectID ({item_id!r})")
        tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
        if hit.get("title") in (None, "") and ("comment" in tags or "comment_text" in hit):
            return None
        return _story(
            item_id,
            hit,
            story_html=hit.get("story_text"),
            replies=counter(hit.get("num_comments"), what=f"story {item_id}: num_comments"),
            has_counters="points" in hit or "num_comments" in hit,
        )
    except PostParseError as exc:
        raise PostParseError(exc.problem, where=_join(where, exc.where)) from None


def parse_item(item, *, where: str = "") -> SocialPost:
    """An ``/items/ID`` answer for a story; replies are its comments at every depth (deleted ones left out)."""
    try:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise PostParseError("not a Hacker News item (no integer 'id')")
        item_id = str(item["id"])
        if item.get("type") not in ("story", "poll"):
            raise PostParseError(f"item {item_id} is a {item.get('type')}, not a story")
        replies = _comments(item)
        return _story(item_id, item, story_html=item.get("text"), replies=replies, has_counters="points" in item)
    except PostParseError as exc:
        raise PostParseError(exc.problem, where=_join(where, exc.where)) from None


def _story(item_id: str, data: Mapping, *, story_html, replies: int, has_counters: bool) -> SocialPost:
    try:
        return _story_fields(item_id, data, story_html=story_html, replies=replies, has_counters=has_counters)
    except PostParseError as exc:
        raise PostParseError(f"story {item_id}: {exc.problem}") from None


def _story_fields(item_id: str, data: Mapping, *, story_html, replies: int, has_counters: bool) -> SocialPost:
    title = text_field(data.get("title"), what="title")
    story_text, story_links = html_text(text_field(story_html, what="text"))
    url = text_field(data.get("url"), what="url")
    author = text_field(data.get("author"), what="author")
    if data.get("created_at_i") is not None:
        posted_at = from_epoch(data["created_at_i"], what="created_at_i")
    else:
        posted_at = parse_timestamp(data.get("created_at"), what="created_at")
    return SocialPost(
        source=SOURCE,
        external_id=item_id,
        url=ITEM_URL.format(id=item_id),
        author_id=author,
        author_handle=author,
        author_name="",
        lang="",
        text=f"{title}\n\n{story_text}" if title and story_text else title or story_text,
        posted_at=posted_at,
        likes=counter(data.get("points"), what="points"),
        replies=replies,
        links=unique_links([url, *story_links, *urls_in_text(story_text)]),
        has_counters=has_counters,
    )


def _comments(item: Mapping) -> int:
    """Comments under ``item`` at every depth, without the deleted ones (no author and no text)."""
    total, stack = 0, list(item.get("children") or ())
    while stack:
        child = stack.pop()
        if not isinstance(child, dict):
            continue
        if child.get("author") is not None or child.get("text") is not None:
            total += 1
        stack.extend(child.get("children") or ())
    return total


class _TextAndLinks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.links.extend(value for name, value in attrs if name == "href" and value)

    def handle_data(self, data):
        self.parts.append(data)


def html_text(fragment: str) -> tuple[str, list[str]]:
    """HN's story HTML (``<p>`` between paragraphs, entities, ``<a href>``) as plain text, and its links."""
    if not fragment:
        return "", []
    parser = _TextAndLinks()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts).strip(), parser.links


def _join(outer: str, inner: str) -> str:
    return f"{outer}, {inner}" if outer and inner else outer or inner
