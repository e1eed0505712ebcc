"""Seed-format posts for tests: small ones built from dataclasses, and the seed with one thing broken."""

import datetime as dt

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag
from digests.postformat import Post, PostEntry, PostTweet, render_post, snowflake_time
from papers.models import Author, Authorship, Category, Paper, PaperCategory, Tweet, TweetMetrics
from tests.conftest import SEED_PATH

SEED_BYTES = SEED_PATH.read_bytes()
SEED_TEXT = SEED_BYTES.decode("utf-8")
SEED_SLUG = "hot-papers-2022-01-13"
TAGS = ("arXiv", "Twitter", "Machine Learning", "Computer Science")


def make_tweet(tweet_id="1481443284304154625", *, handle="ak92501", name="AK", **fields):
    values = {
        "lang": "en",
        "text_dir": "ltr",
        "text_html": 'A paper worth reading<br>abs: <a href="https://t.co/abc">https://t.co/abc</a>',
        "posted_on": snowflake_time(tweet_id).date(),
        **fields,
    }
    return PostTweet(tweet_id=str(tweet_id), author_handle=handle, author_name=name, **values)


def make_entry(rank, arxiv_id, *, tweets=(), **fields):
    values = {
        "title": f"A Study of Things, Part {rank}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "retweets": 100 - rank,
        "favorites": 50 - rank,
        "measured_at": dt.datetime(2022, 1, 21, 11, 10, 50, tzinfo=dt.UTC),
        "categories": ["cs.LG"],
        "abstract": "We study things and find that they are interesting.",
        **fields,
    }
    return PostEntry(rank=rank, arxiv_id=arxiv_id, tweets=list(tweets), **values)


def make_post(day="2022-01-20", entries=(), **fields):
    date = dt.date.fromisoformat(day)
    values = {
        "title": f"Hot Papers {day}",
        "generated_at": dt.datetime.combine(date + dt.timedelta(days=1), dt.time(11, 10, 50), tzinfo=dt.UTC),
        "slug": f"hot-papers-{day}",
        "tags": list(TAGS),
        "description": f"Hot papers {day}",
        "social_image": "/media/flying-marine.jpg",
        **fields,
    }
    return Post(entries=list(entries), **values)


def post_bytes(post):
    return render_post(post).encode("utf-8")


def line_of(text, needle, occurrence=1):
    """The 1-based number of the `occurrence`-th line containing `needle`."""
    found = [number for number, line in enumerate(text.split("\n"), start=1) if needle in line]
    return found[occurrence - 1]


def seed_with(old, new, count=1):
    """The seed's text with `old` replaced by `new` (which must be there)."""
    assert old in SEED_TEXT, old
    return SEED_TEXT.replace(old, new, count)


DUMPED_MODELS = (
    Category,
    Author,
    Paper,
    Authorship,
    PaperCategory,
    Tweet,
    Tweet.papers.through,
    TweetMetrics,
    Tag,
    DailyDigest,
    DigestTag,
    DigestEntry,
    DigestEntryTweet,
)


def database_dump():
    """Every row of every table an import touches, ids and timestamps included."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in DUMPED_MODELS}
