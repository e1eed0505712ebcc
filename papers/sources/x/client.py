"""The X API v2: recent search for posts linking arXiv, and lookup by id to refresh counters. One page per call.

The caller pages (``next_token``) and keeps the watermark (``since_id``: the first page's ``newest_id``, saved
once the whole run is stored). The rate-limit headers come back in ``PostPage.rate_limit`` so a caller can stop
before the window is spent; a 429 raises ``RateLimited`` with the reset time instead of sleeping.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from ..http import JsonClient, rate_limit_from
from ..posts import PostPage, SourceError, SourceHttpError
from .parse import parse_page

DEFAULT_API_URL = "https://api.x.com/2"
DEFAULT_QUERY = "url:arxiv.org -is:retweet"
TWEET_FIELDS = "public_metrics,created_at,lang,entities,author_id,referenced_tweets,note_tweet"
EXPANSIONS = "author_id"
USER_FIELDS = "username,name"
LOOKUP_LIMIT = 100
_TWEET_ID = re.compile(r"[1-9][0-9]{0,19}")


class StaleWatermark(SourceError):
    """X refused the ``since_id`` (recent search only reaches 7 days back): search again without it."""

    def __init__(self, since_id: str, message: str):
        self.since_id = since_id
        super().__init__(message)


class XClient:
    """``XClient(base_url, bearer_token)``; pass ``http=JsonClient(...)`` to set timeouts, retries, sleep, clock."""

    def __init__(self, base_url: str = DEFAULT_API_URL, bearer_token: str = "", *, http: JsonClient | None = None):
        if not bearer_token:
            raise ValueError("the X API needs a bearer token (X_BEARER_TOKEN)")
        self.base_url = base_url.rstrip("/")
        self._token = bearer_token
        self.http = http or JsonClient()

    def __repr__(self):  # never the token
        return f"XClient({self.base_url!r})"

    def search_recent(
        self,
        query: str = DEFAULT_QUERY,
        *,
        since_id: str | None = None,
        next_token: str | None = None,
        start_time: datetime | None = None,
        max_results: int = 100,
    ) -> PostPage:
        """One page of ``GET /tweets/search/recent`` (newest first). X uses ``since_id`` over ``start_time``."""
        if not 10 <= max_results <= 100:
            raise ValueError("max_results must be between 10 and 100")
        if since_id is not None and not _TWEET_ID.fullmatch(str(since_id)):
            raise ValueError(f"since_id {since_id!r} is not an X post id")
        params = {
            "query": query,
            "max_results": max_results,
            "since_id": since_id,
            "start_time": _rfc3339(start_time) if start_time else None,
            "next_token": next_token or None,
            **self._fields(),
        }
        try:
            return self._page("/tweets/search/recent", params)
        except SourceHttpError as exc:
            if since_id is not None and exc.status == 400 and _blames(exc.data, "since_id"):
                raise StaleWatermark(str(since_id), f"X refused since_id {since_id}: {exc.detail}") from exc
            raise

    def lookup(self, ids: Iterable[str]) -> PostPage:
        """``GET /tweets?ids=`` for up to 100 ids. Deleted or protected posts are absent (named in ``errors``)."""
        wanted = list(dict.fromkeys(str(tweet_id) for tweet_id in ids))
        if len(wanted) > LOOKUP_LIMIT:
            raise ValueError(f"X looks up at most {LOOKUP_LIMIT} posts a call, not {len(wanted)}")
        bad = [tweet_id for tweet_id in wanted if not _TWEET_ID.fullmatch(tweet_id)]
        if bad:
            raise ValueError(f"not X post ids: {', '.join(bad)}")
        if not wanted:
            return PostPage(source="x", posts=())
        return self._page("/tweets", {"ids": ",".join(wanted), **self._fields()})

    def _page(self, path: str, params: dict) -> PostPage:
        response = self.http.get(self.base_url + path, params=params, bearer=self._token)
        return parse_page(
            response.data,
            measured_at=response.received_at,
            rate_limit=rate_limit_from(response.headers, now=response.received_at),
        )

    @staticmethod
    def _fields() -> dict:
        return {"tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS}


def _blames(data, parameter: str) -> bool:
    """Whether an X error body names ``parameter`` (``errors[].parameters`` or the message)."""
    if not isinstance(data, dict):
        return False
    for error in data.get("errors") or ():
        if isinstance(error, dict):
            if parameter in (error.get("parameters") or {}) or parameter in str(error.get("message", "")):
                return True
    return False


def _rfc3339(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
