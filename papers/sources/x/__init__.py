"""X (Twitter) as a source: API v2 pages into ``PostPage``s, the API client, and oEmbed. Nothing here knows Django.

The pieces live in ``parse``, ``client`` and ``oembed``; import them from here.
"""

from .client import (
    DEFAULT_API_URL,
    DEFAULT_QUERY,
    LOOKUP_LIMIT,
    TWEET_FIELDS,
    StaleWatermark,
    XClient,
)
from .oembed import DEFAULT_OEMBED_URL, OEmbed, fetch_oembed, parse_oembed
from .parse import (
    POST_URL,
    SOURCE,
    is_retweet,
    looks_like_page,
    looks_like_tweet,
    parse_page,
    parse_tweet,
    parse_tweets,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_OEMBED_URL",
    "DEFAULT_QUERY",
    "LOOKUP_LIMIT",
    "POST_URL",
    "SOURCE",
    "TWEET_FIELDS",
    "OEmbed",
    "StaleWatermark",
    "XClient",
    "fetch_oembed",
    "is_retweet",
    "looks_like_page",
    "looks_like_tweet",
    "parse_oembed",
    "parse_page",
    "parse_tweet",
    "parse_tweets",
]
