"""The Hacker News Algolia API (no key): stories whose URL is on arxiv.org, newest first, and counter refreshes.

The caller keeps the watermark (``created_after``: the newest ``posted_at`` it stored, as epoch seconds) and
pages with ``page`` (a page's ``next_cursor`` is the next page number). Algolia serves at most 1,000 hits per
query however it is paged: a longer backlog is walked in windows with ``created_before``.
"""

from collections.abc import Iterable
from datetime import datetime

from ..http import JsonClient
from ..posts import PostPage, SocialPost
from .parse import parse_item, parse_search

DEFAULT_API_URL = "https://hn.algolia.com/api/v1"
DEFAULT_QUERY = "arxiv.org"
LOOKUP_LIMIT = 100


class HackerNewsClient:
    """``HackerNewsClient(base_url)``; ``http=JsonClient(...)`` sets timeouts, retries, sleep and clock."""

    def __init__(self, base_url: str = DEFAULT_API_URL, *, http: JsonClient | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = http or JsonClient()

    def __repr__(self):
        return f"HackerNewsClient({self.base_url!r})"

    def search_by_date(
        self,
        created_after: int | datetime | None = None,
        *,
        created_before: int | datetime | None = None,
        page: int = 0,
        hits_per_page: int = 100,
        query: str = DEFAULT_QUERY,
    ) -> PostPage:
        """One page of stories whose URL matches ``query``, newest first, created after ``created_after``."""
        if page < 0:
            raise ValueError("page must be 0 or more")
        if not 1 <= hits_per_page <= 1000:
            raise ValueError("hits_per_page must be between 1 and 1000")
        filters = []
        if created_after is not None:
            filters.append(f"created_at_i>{_epoch(created_after)}")
        if created_before is not None:
            filters.append(f"created_at_i<{_epoch(created_before)}")
        params = {
            "query": query,
            "tags": "story",
            "restrictSearchableAttributes": "url",
            "numericFilters": ",".join(filters) or None,
            "page": page,
            "hitsPerPage": hits_per_page,
        }
        return self._search(params)

    def lookup(self, ids: Iterable[str | int]) -> PostPage:
        """Fresh counters for up to 100 stories in one search (``tags=story,(story_1,story_2,...)``)."""
        wanted = list(dict.fromkeys(str(item_id) for item_id in ids))
        if len(wanted) > LOOKUP_LIMIT:
            raise ValueError(f"at most {LOOKUP_LIMIT} stories a call, not {len(wanted)}")
        bad = [item_id for item_id in wanted if not item_id.isdigit()]
        if bad:
            raise ValueError(f"not Hacker News item ids: {', '.join(bad)}")
        if not wanted:
            return PostPage(source="hackernews", posts=())
        tags = "story,(" + ",".join(f"story_{item_id}" for item_id in wanted) + ")"
        return self._search({"tags": tags, "hitsPerPage": len(wanted)})

    def item(self, item_id: str | int) -> SocialPost:
        """``/items/ID``: one story with its points and its comments counted at every depth."""
        if not str(item_id).isdigit():
            raise ValueError(f"not a Hacker News item id: {item_id!r}")
        response = self.http.get(f"{self.base_url}/items/{item_id}")
        return parse_item(response.data)

    def _search(self, params: dict) -> PostPage:
        response = self.http.get(f"{self.base_url}/search_by_date", params=params)
        return parse_search(response.data, measured_at=response.received_at)


def _epoch(value: int | datetime) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("give an aware datetime (or epoch seconds)")
        return int(value.timestamp())
    return int(value)
