"""X API v2 response pages (and the tweet objects archiving tools write one per line) into ``PostPage``s.

A page is ``{"data": [tweet, ...] | tweet, "includes": {"users": [...], "tweets": [...]}, "meta": {...},
"errors": [...]}``; twarc adds ``"__twarc": {"retrieved_at": ...}``, and ``twarc2 flatten`` writes bare tweets
with the author (``"author": {...}``) and the referenced tweets expanded in place. Retweets (a
``referenced_tweets`` entry of type ``retweeted``, or an ``RT @`` text when the field was not asked for) are
never posts: they are counted in ``skipped_reposts``, and their original is returned once when the payload
carries it.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from ..posts import (
    PostPage,
    PostParseError,
    RateLimit,
    SocialPost,
    counter,
    parse_timestamp,
    text_field,
    unique_links,
)

SOURCE = "x"
POST_URL = "https://twitter.com/{handle}/status/{id}"
# Without the author's username a post still has a working address.
ANONYMOUS_POST_URL = "https://twitter.com/i/web/status/{id}"
# X ids are "snowflakes": milliseconds since this epoch, shifted left 22 bits.
SNOWFLAKE_EPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 1 << 40  # ids below this predate snowflakes (2010) and carry no time
_STATUS_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:[^/?#]+|i/web)/status(?:es)?/(\d+)", re.I)
_TWEET_ID = re.compile(r"[1-9][0-9]{0,19}")
_PAGE_KEYS = ("data", "includes", "meta")
_META_KEYS = ("result_count", "newest_id", "oldest_id", "next_token")
_TWEET_HINTS = ("id", "author_id", "public_metrics", "created_at", "edit_history_tweet_ids", "entities")
_NOT_TWEET_KEYS = ("uri", "record", "objectID", "children", "points", "posts", "feed", "hits")


def looks_like_page(obj) -> bool:
    """An X API v2 response page (possibly empty: ``{"meta": {"result_count": 0}}``)."""
    if not isinstance(obj, dict):
        return False
    if not any(key in obj for key in _PAGE_KEYS):
        # A lookup whose posts are all gone: only X's partial errors ("resource_id"), no error "title".
        errors = obj.get("errors")
        return (
            "title" not in obj
            and isinstance(errors, list)
            and bool(errors)
            and all(isinstance(error, dict) and "resource_id" in error for error in errors)
        )
    if any(key in obj for key in ("posts", "feed", "hits")):
        return False
    data = obj.get("data")
    if isinstance(data, dict):
        return looks_like_tweet(data)
    if isinstance(data, list):
        return all(looks_like_tweet(item) for item in data[:5]) if data else True
    meta = obj.get("meta")
    return data is None and (isinstance(meta, dict) and any(key in meta for key in _META_KEYS) or "includes" in obj)


def looks_like_tweet(obj) -> bool:
    """An X API v2 tweet object (as in a page's ``data``, or one per line as ``twarc2 flatten`` writes them)."""
    return (
        isinstance(obj, dict)
        and ("text" in obj or "note_tweet" in obj)
        and any(key in obj for key in _TWEET_HINTS)
        and not any(key in obj for key in _NOT_TWEET_KEYS)
    )


def parse_page(
    data, *, measured_at: datetime | None = None, rate_limit: RateLimit | None = None, where: str = ""
) -> PostPage:
    """One X API v2 response page. ``PostParseError`` (with ``where`` inside the page) when it is not one."""
    if not isinstance(data, dict):
        raise PostParseError(f"an X API page is a JSON object, not {type(data).__name__}", where=where)
    tweets = data.get("data")
    if tweets is None:
        tweets = []
    elif isinstance(tweets, dict):
        tweets = [tweets]
    elif not isinstance(tweets, list):
        raise PostParseError(f"'data' is {type(tweets).__name__}, not a list of tweets", where=where)
    includes = data.get("includes") or {}
    if not isinstance(includes, dict):
        raise PostParseError("'includes' is not an object", where=where)
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise PostParseError("'meta' is not an object", where=where)
    users = _by_id(includes.get("users"))
    included_tweets = _by_id(includes.get("tweets"))
    prefix = _join(where, "data")
    posts, skipped = _collect(tweets, users, included_tweets, labels=[f"{prefix}[{i}]" for i in range(len(tweets))])
    return PostPage(
        source=SOURCE,
        posts=posts,
        next_cursor=_optional_str(meta.get("next_token")),
        newest_id=_optional_str(meta.get("newest_id")),
        skipped_reposts=skipped,
        measured_at=measured_at or _retrieved_at(data),
        rate_limit=rate_limit,
        errors=tuple(_error_text(item) for item in data.get("errors") or () if isinstance(item, dict)),
    )


def parse_tweets(tweets: Iterable, *, labels: Sequence[str] | None = None) -> PostPage:
    """Bare tweet objects (``twarc2 flatten`` lines, authors inline as ``author``) into one page.

    ``labels`` say where each tweet sits, for error messages ("line 17"); by default "tweet N".
    """
    tweets = list(tweets)
    posts, skipped = _collect(tweets, {}, {}, labels=labels or [f"tweet {index + 1}" for index in range(len(tweets))])
    stamps = [stamp for tweet in tweets if isinstance(tweet, dict) and (stamp := _retrieved_at(tweet)) is not None]
    return PostPage(source=SOURCE, posts=posts, skipped_reposts=skipped, measured_at=max(stamps) if stamps else None)


def is_retweet(tweet: Mapping) -> bool:
    references = tweet.get("referenced_tweets")
    if isinstance(references, list):
        return any(isinstance(ref, dict) and ref.get("type") == "retweeted" for ref in references)
    # Asked without referenced_tweets, X still writes a retweet's text as "RT @original: ...".
    text = tweet.get("text")
    return isinstance(text, str) and text.startswith("RT @")


def parse_tweet(tweet, *, users: Mapping[str, Mapping] | None = None, where: str = "") -> SocialPost:
    """One original tweet or quote tweet. ``users`` maps author ids to ``includes.users`` entries."""
    try:
        return _parse_tweet(tweet, users or {})
    except PostParseError as exc:
        raise PostParseError(exc.problem, where=_join(where, exc.where)) from None


def _collect(tweets: list, users: Mapping, included: Mapping, *, labels: Sequence[str]):
    posts: dict[str, SocialPost] = {}
    skipped = 0
    for tweet, here in zip(tweets, labels, strict=True):
        if not isinstance(tweet, dict):
            raise PostParseError(f"a tweet is a JSON object, not {type(tweet).__name__}", where=here)
        if is_retweet(tweet):
            skipped += 1
            original = _original_of(tweet, included)
            if original is not None and str(original.get("id")) not in posts:
                post = parse_tweet(original, users=users, where=f"{here}, its original")
                posts.setdefault(post.external_id, post)
            continue
        post = parse_tweet(tweet, users=users, where=here)
        posts.setdefault(post.external_id, post)
    return tuple(posts.values()), skipped


def _original_of(retweet: Mapping, included: Mapping) -> Mapping | None:
    for ref in retweet.get("referenced_tweets") or ():
        if isinstance(ref, dict) and ref.get("type") == "retweeted":
            if "text" in ref:  # flattened: the original is expanded in place
                return ref
            return included.get(str(ref.get("id")))
    return None


def _parse_tweet(tweet, users: Mapping) -> SocialPost:
    if not isinstance(tweet, dict):
        raise PostParseError(f"a tweet is a JSON object, not {type(tweet).__name__}")
    tweet_id = tweet.get("id")
    if isinstance(tweet_id, int) and not isinstance(tweet_id, bool):
        tweet_id = str(tweet_id)
    if tweet_id is None:
        raise PostParseError("a tweet without an id")
    if not isinstance(tweet_id, str) or not _TWEET_ID.fullmatch(tweet_id):
        raise PostParseError(f"a tweet id {tweet_id!r} that is not an X id")
    try:
        return _parse_fields(tweet, tweet_id, users)
    except PostParseError as exc:
        raise PostParseError(f"tweet {tweet_id}: {exc.problem}") from None


def _parse_fields(tweet: Mapping, tweet_id: str, users: Mapping) -> SocialPost:
    note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else {}
    text = note.get("text") if isinstance(note.get("text"), str) else tweet.get("text")
    if not isinstance(text, str):
        raise PostParseError("no text")
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
    author_id = text_field(tweet.get("author_id"), what="author_id")
    if author is None:
        author = users.get(author_id) or {}
    author_id = author_id or text_field(author.get("id"), what="author id")
    handle = text_field(author.get("username"), what="author username")
    metrics = tweet.get("public_metrics")
    if metrics is not None and not isinstance(metrics, dict):
        raise PostParseError("public_metrics is not an object")
    metrics = metrics or {}
    references = _references(tweet)
    return SocialPost(
        source=SOURCE,
        external_id=tweet_id,
        url=(POST_URL.format(handle=handle, id=tweet_id) if handle else ANONYMOUS_POST_URL.format(id=tweet_id)),
        author_id=author_id,
        author_handle=handle,
        author_name=text_field(author.get("name"), what="author name"),
        lang=text_field(tweet.get("lang"), what="lang"),
        text=text,
        posted_at=_posted_at(tweet, tweet_id),
        reposts=counter(metrics.get("retweet_count"), what="public_metrics.retweet_count"),
        likes=counter(metrics.get("like_count"), what="public_metrics.like_count"),
        replies=counter(metrics.get("reply_count"), what="public_metrics.reply_count"),
        quotes=counter(metrics.get("quote_count"), what="public_metrics.quote_count"),
        links=_links(tweet, note, tweet_id),
        quoted_id=references.get("quoted"),
        reply_to_id=references.get("replied_to"),
        has_counters=bool(metrics),
    )


def _posted_at(tweet: Mapping, tweet_id: str) -> datetime:
    created = tweet.get("created_at")
    if created is not None:
        return parse_timestamp(created, what="created_at")
    snowflake = int(tweet_id)
    if snowflake < _FIRST_SNOWFLAKE:
        raise PostParseError("no created_at (ask for tweet.fields=created_at)")
    return datetime.fromtimestamp(((snowflake >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def _links(tweet: Mapping, note: Mapping, tweet_id: str) -> tuple[str, ...]:
    found = []
    for source in (tweet, note):
        entities = source.get("entities")
        urls = entities.get("urls") if isinstance(entities, dict) else None
        for entry in urls if isinstance(urls, list) else ():
            if not isinstance(entry, dict) or entry.get("media_key"):
                continue
            for key in ("expanded_url", "unwound_url"):
                url = entry.get(key)
                if isinstance(url, str) and not _is_self_link(url, tweet_id):
                    found.append(url)
    return unique_links(found)


def _is_self_link(url: str, tweet_id: str) -> bool:
    """The post's own address (its photos and videos, its "show more" link) is not something it links to."""
    match = _STATUS_URL.match(url)
    return bool(match) and match.group(1) == tweet_id


def _references(tweet: Mapping) -> dict[str, str]:
    references = tweet.get("referenced_tweets")
    if references is None:
        return {}
    if not isinstance(references, list):
        raise PostParseError("referenced_tweets is not a list")
    found = {}
    for ref in references:
        if isinstance(ref, dict) and ref.get("id") is not None:
            found.setdefault(str(ref.get("type")), str(ref["id"]))
    return found


def _by_id(items) -> dict[str, Mapping]:
    if not isinstance(items, list):
        return {}
    return {str(item["id"]): item for item in items if isinstance(item, dict) and item.get("id") is not None}


def _retrieved_at(obj: Mapping) -> datetime | None:
    stamp = obj.get("__twarc")
    if isinstance(stamp, dict) and isinstance(stamp.get("retrieved_at"), str):
        try:
            return parse_timestamp(stamp["retrieved_at"])
        except PostParseError:
            return None
    return None


def _error_text(error: Mapping) -> str:
    subject = error.get("resource_id") or error.get("value")
    message = error.get("detail") or error.get("message") or error.get("title") or "an error"
    return f"{subject}: {message}" if subject else str(message)


def _optional_str(value) -> str | None:
    return str(value) if value not in (None, "") else None


def _join(outer: str, inner: str) -> str:
    return f"{outer}, {inner}" if outer and inner else outer or inner
