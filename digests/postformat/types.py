"""The plain dataclasses a post parses into, its error, and the facts about embedded tweets."""

import datetime as dt
import html
import re
from dataclasses import dataclass, field

TWITTER_EPOCH_MS = 1288834974657
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


class PostFormatError(ValueError):
    """A post that does not follow the seed format; the message names the file and the line."""

    def __init__(self, message, *, name, line=None):
        self.name = name
        self.line = line
        self.reason = message
        where = f"{name}, line {line}" if line else name
        super().__init__(f"{where}: {message}")


@dataclass(kw_only=True)
class PostTweet:
    """One embedded tweet (an oEmbed blockquote)."""

    tweet_id: str
    lang: str
    text_dir: str = "ltr"
    text_html: str  # the inner HTML of the blockquote's <p>, as oEmbed wrote it
    author_name: str  # unescaped
    author_handle: str
    url: str = ""
    posted_on: dt.date  # the date the blockquote displays (UTC)
    line: int = field(default=0, compare=False)

    def __post_init__(self):
        if not self.url:
            self.url = tweet_url(self.author_handle, self.tweet_id)

    @property
    def posted_at(self):
        return tweet_posted_at(self.tweet_id, self.posted_on)


@dataclass(kw_only=True)
class PostEntry:
    """One paper in a post, with what the post showed of it."""

    rank: int
    title: str  # exactly as written, line-wrap double spaces included
    authors: list[str] = field(default_factory=list)
    retweets: int = 0
    favorites: int = 0
    measured_at: dt.datetime
    arxiv_id: str  # as the links show it
    categories: list[str] = field(default_factory=list)
    abstract: str = ""
    tweets: list[PostTweet] = field(default_factory=list)
    line: int = field(default=0, compare=False)  # of the "# N. title" heading


@dataclass(kw_only=True)
class Post:
    title: str
    generated_at: dt.datetime
    draft: bool = False
    slug: str
    tags: list[str] = field(default_factory=list)
    description: str = ""
    social_image: str = ""
    intro: str = ""
    leading_blank_lines: int = 0
    entries: list[PostEntry] = field(default_factory=list)
    # Front matter key -> its line, for errors found after parsing (e.g. a slug taken in the database).
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


def tweet_url(handle, tweet_id):
    return f"https://twitter.com/{handle}/status/{tweet_id}"


def snowflake_time(tweet_id):
    """When a tweet was posted, read from its id (a Twitter snowflake: milliseconds in the high bits)."""
    milliseconds = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=milliseconds)


def tweet_posted_at(tweet_id, posted_on):
    """The id's time when it falls on the displayed date, else midnight UTC of that date.

    Either way, the date rendered from the result is the one the blockquote displayed.
    """
    posted_at = snowflake_time(tweet_id)
    if posted_at.date() == posted_on:
        return posted_at
    return dt.datetime.combine(posted_on, dt.time(0), tzinfo=dt.UTC)


def tweet_plain_text(text_html):
    """A tweet's oEmbed body as plain text: <br> as line breaks, tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", _BR.sub("\n", text_html)))


def escape_author_name(name):
    """HTML-escape a display name the way Twitter's oEmbed does (``'`` as ``&#39;``, ``"`` as ``&quot;``)."""
    return html.escape(name, quote=True).replace("&#x27;", "&#39;")
