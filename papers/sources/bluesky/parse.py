"""Bluesky (AT Protocol) post views into ``PostPage``s: ``searchPosts``/``getPosts`` answers and feed views.

A post view is ``{"uri": "at://DID/app.bsky.feed.post/RKEY", "author": {...}, "record": {...}, "embed": {...},
"likeCount": ..., ...}``. Its links come from the record's link facets, its external embed (in the record and in
the view, alone or with media), and URLs written in the text; a quote's quoted post is ``quoted_id``, not links.
A feed view (``getTimeline``/``getAuthorFeed``: ``{"feed": [{"post": view, "reason": ...}]}``) may show a
repost (``reason`` ``app.bsky.feed.defs#reasonRepost``): the repost is counted in ``skipped_reposts`` and the
original inside it is returned as itself, once.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from ..posts import (
    PostPage,
    PostParseError,
    RateLimit,
    SocialPost,
    counter,
    parse_timestamp,
    text_field,
    unique_links,
    urls_in_text,
)

SOURCE = "bluesky"
POST_URL = "https://bsky.app/profile/{actor}/post/{rkey}"
POST_COLLECTION = "app.bsky.feed.post"
REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
LINK_FEATURE = "app.bsky.richtext.facet#link"
_POST_URI = re.compile(
    r"at://(?P<authority>[^/\s]+)/(?P<collection>[A-Za-z0-9.\-]+)/(?P<rkey>[A-Za-z0-9._:~\-]{1,512})"
)
_COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount")


def looks_like_post_view(obj) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("uri"), str)
        and obj["uri"].startswith("at://")
        and isinstance(obj.get("record"), dict)
        and "author" in obj
    )


def looks_like_feed_item(obj) -> bool:
    return isinstance(obj, dict) and looks_like_post_view(obj.get("post"))


def looks_like_response(obj) -> bool:
    """A ``searchPosts``/``getPosts`` answer (``posts``) or a feed view (``feed``); possibly empty."""
    if not isinstance(obj, dict):
        return False
    if isinstance(obj.get("posts"), list):
        return all(looks_like_post_view(item) for item in obj["posts"][:5])
    if isinstance(obj.get("feed"), list):
        return all(looks_like_feed_item(item) for item in obj["feed"][:5])
    return False


def parse_response(
    data, *, measured_at: datetime | None = None, rate_limit: RateLimit | None = None, where: str = ""
) -> PostPage:
    """A ``searchPosts``/``getPosts`` answer or a feed view, with its ``cursor``."""
    if not isinstance(data, dict):
        raise PostParseError(f"a Bluesky answer is a JSON object, not {type(data).__name__}", where=where)
    if "posts" in data:
        if not isinstance(data["posts"], list):
            raise PostParseError("'posts' is not a list", where=where)
        posts, skipped = _collect_views(data["posts"], where=_join(where, "posts")), 0
    elif "feed" in data:
        if not isinstance(data["feed"], list):
            raise PostParseError("'feed' is not a list", where=where)
        posts, skipped = _collect_feed(data["feed"], where=_join(where, "feed"))
    else:
        problem = "neither 'posts' nor 'feed': not a Bluesky searchPosts, getPosts or feed answer"
        raise PostParseError(problem, where=where)
    cursor = data.get("cursor")
    return PostPage(
        source=SOURCE,
        posts=posts,
        next_cursor=str(cursor) if cursor not in (None, "") else None,
        skipped_reposts=skipped,
        measured_at=measured_at,
        rate_limit=rate_limit,
    )


def parse_items(items: Iterable, *, labels: Sequence[str] | None = None) -> PostPage:
    """Bare post views and feed items (a dump with one per line) into one page.

    ``labels`` say where each item sits, for error messages ("line 17"); by default "post N".
    """
    items = list(items)
    posts: dict[str, SocialPost] = {}
    skipped = 0
    for item, here in zip(items, labels or [f"post {index + 1}" for index in range(len(items))], strict=True):
        if looks_like_feed_item(item):
            found, reposts = _collect_feed([item], where=here, numbered=False)
            skipped += reposts
        else:
            found = (parse_post_view(item, where=here),)
        for post in found:
            posts.setdefault(post.external_id, post)
    return PostPage(source=SOURCE, posts=tuple(posts.values()), skipped_reposts=skipped)


def is_repost(feed_item: Mapping) -> bool:
    reason = feed_item.get("reason")
    return isinstance(reason, dict) and reason.get("$type") == REASON_REPOST


def parse_post_view(view, *, where: str = "") -> SocialPost:
    """One post view (``app.bsky.feed.defs#postView``)."""
    try:
        return _parse_view(view)
    except PostParseError as exc:
        raise PostParseError(exc.problem, where=_join(where, exc.where)) from None


def is_post_uri(uri) -> bool:
    """Whether ``uri`` is an ``at://AUTHORITY/app.bsky.feed.post/RKEY`` URI."""
    match = _POST_URI.fullmatch(uri) if isinstance(uri, str) else None
    return bool(match) and match.group("collection") == POST_COLLECTION


def post_url(uri: str, handle: str = "") -> str:
    """The bsky.app address of an ``at://`` post URI (by handle when known, else by DID)."""
    match = _POST_URI.fullmatch(uri)
    if not match:
        raise PostParseError(f"{uri!r} is not an at:// post URI")
    actor = handle if handle and handle != "handle.invalid" else match.group("authority")
    return POST_URL.format(actor=actor, rkey=match.group("rkey"))


def _collect_views(views: list, *, where: str) -> tuple[SocialPost, ...]:
    posts: dict[str, SocialPost] = {}
    for index, view in enumerate(views):
        post = parse_post_view(view, where=f"{where}[{index}]")
        posts.setdefault(post.external_id, post)
    return tuple(posts.values())


def _collect_feed(items: list, *, where: str, numbered: bool = True) -> tuple[tuple[SocialPost, ...], int]:
    posts: dict[str, SocialPost] = {}
    skipped = 0
    for index, item in enumerate(items):
        here = f"{where}[{index}]" if numbered else where
        if not isinstance(item, dict) or "post" not in item:
            raise PostParseError("a feed item without a post", where=here)
        if is_repost(item):
            skipped += 1  # the repost itself; the original below is a real post
        post = parse_post_view(item["post"], where=f"{here}.post")
        posts.setdefault(post.external_id, post)
    return tuple(posts.values()), skipped


def _parse_view(view) -> SocialPost:
    if not isinstance(view, dict):
        raise PostParseError(f"a post view is a JSON object, not {type(view).__name__}")
    uri = text_field(view.get("uri"), what="uri", required=True)
    match = _POST_URI.fullmatch(uri)
    if not match or match.group("collection") != POST_COLLECTION:
        raise PostParseError(f"{uri!r} is not an at:// URI of a post")
    try:
        return _parse_fields(view, uri, match)
    except PostParseError as exc:
        raise PostParseError(f"post {uri}: {exc.problem}") from None


def _parse_fields(view: Mapping, uri: str, match: re.Match) -> SocialPost:
    author = view.get("author")
    if not isinstance(author, dict):
        raise PostParseError("no author")
    record = view.get("record")
    if not isinstance(record, dict):
        raise PostParseError("no record")
    handle = text_field(author.get("handle"), what="author handle")
    text = text_field(record.get("text"), what="record text")
    created = record.get("createdAt") if record.get("createdAt") is not None else view.get("indexedAt")
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else ""
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    links = [*_facet_links(record), *_embed_links(record.get("embed")), *_embed_links(view.get("embed"))]
    return SocialPost(
        source=SOURCE,
        external_id=uri,
        url=post_url(uri, handle),
        author_id=text_field(author.get("did"), what="author did") or match.group("authority"),
        author_handle=handle,
        author_name=text_field(author.get("displayName"), what="author displayName"),
        lang=lang,
        text=text,
        posted_at=parse_timestamp(created, what="createdAt"),
        reposts=counter(view.get("repostCount"), what="repostCount"),
        likes=counter(view.get("likeCount"), what="likeCount"),
        replies=counter(view.get("replyCount"), what="replyCount"),
        quotes=counter(view.get("quoteCount"), what="quoteCount"),
        links=unique_links([*links, *urls_in_text(text)]),
        quoted_id=_quoted(record.get("embed")) or _quoted(view.get("embed")),
        reply_to_id=parent.get("uri") if isinstance(parent, dict) and isinstance(parent.get("uri"), str) else None,
        has_counters=any(key in view for key in _COUNTS),
    )


def _facet_links(record: Mapping) -> list[str]:
    facets = record.get("facets")
    if not isinstance(facets, list):
        return []

    def start(facet):
        index = facet.get("index")
        return index.get("byteStart", 0) if isinstance(index, dict) and isinstance(index.get("byteStart"), int) else 0

    links = []
    for facet in sorted((facet for facet in facets if isinstance(facet, dict)), key=start):
        for feature in facet.get("features") or ():
            if isinstance(feature, dict) and feature.get("$type") == LINK_FEATURE:
                links.append(feature.get("uri"))
    return links


def _embed_links(embed) -> list[str]:
    """External card URLs of an embed, in a record (``app.bsky.embed.external``) or a view (``...#view``)."""
    if not isinstance(embed, dict):
        return []
    kind = str(embed.get("$type", "")).split("#")[0]
    if kind == "app.bsky.embed.external":
        external = embed.get("external")
        return [external.get("uri")] if isinstance(external, dict) else []
    if kind == "app.bsky.embed.recordWithMedia":
        return _embed_links(embed.get("media"))
    return []


def _quoted(embed) -> str | None:
    """The post an ``app.bsky.embed.record`` (or ``recordWithMedia``) embeds; None for feeds, lists and the rest."""
    if not isinstance(embed, dict):
        return None
    kind = str(embed.get("$type", "")).split("#")[0]
    if kind == "app.bsky.embed.recordWithMedia":
        inner = embed.get("record")
        if isinstance(inner, dict) and not inner.get("$type"):
            inner = {**inner, "$type": "app.bsky.embed.record"}
        return _quoted(inner)
    if kind != "app.bsky.embed.record":
        return None
    record = embed.get("record")
    uri = record.get("uri") if isinstance(record, dict) else None
    if isinstance(uri, str) and (match := _POST_URI.fullmatch(uri)) and match.group("collection") == POST_COLLECTION:
        return uri
    return None


def _join(outer: str, inner: str) -> str:
    return f"{outer}, {inner}" if outer and inner else outer or inner
