"""Hacker News as a source: Algolia search hits and items into ``PostPage``s, and the client. No Django here.

The pieces live in ``parse`` and ``client``; import them from here.
"""

from .client import DEFAULT_API_URL, DEFAULT_QUERY, LOOKUP_LIMIT, HackerNewsClient
from .parse import (
    ITEM_URL,
    SOURCE,
    html_text,
    looks_like_hit,
    looks_like_item,
    looks_like_search,
    parse_hit,
    parse_item,
    parse_items,
    parse_search,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_QUERY",
    "ITEM_URL",
    "LOOKUP_LIMIT",
    "SOURCE",
    "HackerNewsClient",
    "html_text",
    "looks_like_hit",
    "looks_like_item",
    "looks_like_search",
    "parse_hit",
    "parse_item",
    "parse_items",
    "parse_search",
]
