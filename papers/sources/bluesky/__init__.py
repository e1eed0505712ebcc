"""Bluesky as a source: post views and feed views into ``PostPage``s, and the XRPC client. No Django here.

The pieces live in ``parse`` and ``client``; import them from here.
"""

from .client import (
    DEFAULT_API_URL,
    DEFAULT_DOMAIN,
    DEFAULT_QUERY,
    GET_POSTS_LIMIT,
    BlueskyClient,
    BlueskySession,
)
from .parse import (
    POST_URL,
    REASON_REPOST,
    SOURCE,
    is_post_uri,
    is_repost,
    looks_like_feed_item,
    looks_like_post_view,
    looks_like_response,
    parse_items,
    parse_post_view,
    parse_response,
    post_url,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_DOMAIN",
    "DEFAULT_QUERY",
    "GET_POSTS_LIMIT",
    "POST_URL",
    "REASON_REPOST",
    "SOURCE",
    "BlueskyClient",
    "BlueskySession",
    "is_post_uri",
    "is_repost",
    "looks_like_feed_item",
    "looks_like_post_view",
    "looks_like_response",
    "parse_items",
    "parse_post_view",
    "parse_response",
    "post_url",
]
