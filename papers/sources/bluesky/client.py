"""Bluesky's XRPC API with an app password: search for posts linking arXiv, and getPosts to refresh counters.

The client logs in lazily (``com.atproto.server.createSession``) and keeps the session. When a call answers
``ExpiredToken`` it refreshes the session (``com.atproto.server.refreshSession``) and repeats the call once;
when the refresh is refused too, it logs in again. A caller that wants to keep one session across runs (logins
are rate-limited harder than calls) passes ``session=`` and saves ``client.session`` afterwards.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from ..http import JsonClient, JsonResponse, rate_limit_from
from ..posts import AuthError, PostPage, PostParseError, SourceHttpError
from .parse import is_post_uri, parse_response

DEFAULT_API_URL = "https://bsky.social/xrpc"
DEFAULT_QUERY = "arxiv.org"
DEFAULT_DOMAIN = "arxiv.org"
GET_POSTS_LIMIT = 25
# Errors a new access token cures (the PDS says ExpiredToken; InvalidToken after a key rotation).
_RENEWABLE = frozenset({"ExpiredToken", "InvalidToken"})


@dataclass(frozen=True, slots=True)
class BlueskySession:
    did: str
    handle: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)


class BlueskyClient:
    """``BlueskyClient(base_url, handle, app_password)``; ``http=JsonClient(...)`` sets timeouts, retries, sleep."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        handle: str = "",
        app_password: str = "",
        *,
        http: JsonClient | None = None,
        session: BlueskySession | None = None,
    ):
        if not handle or not app_password:
            raise ValueError("Bluesky needs a handle and an app password (BLUESKY_HANDLE, BLUESKY_APP_PASSWORD)")
        self.base_url = base_url.rstrip("/")
        self.handle = handle
        self._password = app_password
        self.http = http or JsonClient()
        self.session = session

    def __repr__(self):  # never the password or tokens
        return f"BlueskyClient({self.base_url!r}, {self.handle!r})"

    # Sessions

    def login(self) -> BlueskySession:
        """A new session (``createSession``). ``AuthError`` when the handle or app password is refused."""
        try:
            response = self.http.post(
                self._url("com.atproto.server.createSession"),
                json_body={"identifier": self.handle, "password": self._password},
            )
        except SourceHttpError as exc:
            if exc.status in (400, 401):
                raise AuthError(
                    exc.status,
                    exc.url,
                    data=exc.data,
                    detail=f"Bluesky refused the login of {self.handle} ({exc.detail or 'no reason given'})",
                ) from exc
            raise
        self.session = _session(response.data, "createSession")
        return self.session

    def refresh(self) -> BlueskySession:
        """A fresh access token from the refresh token (``refreshSession``); a new login when that is refused."""
        if self.session is None:
            return self.login()
        try:
            response = self.http.post(self._url("com.atproto.server.refreshSession"), bearer=self.session.refresh_jwt)
        except SourceHttpError as exc:
            if exc.status not in (400, 401):
                raise
            return self.login()
        self.session = _session(response.data, "refreshSession")
        return self.session

    # Posts

    def search_posts(
        self,
        q: str = DEFAULT_QUERY,
        *,
        domain: str | None = DEFAULT_DOMAIN,
        sort: str = "latest",
        since: datetime | date | str | None = None,
        until: datetime | date | str | None = None,
        lang: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> PostPage:
        """One page of ``app.bsky.feed.searchPosts``; pass the page's ``next_cursor`` back as ``cursor``."""
        if sort not in ("latest", "top"):
            raise ValueError("sort is 'latest' or 'top'")
        if not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100")
        params = {
            "q": q,
            "domain": domain,
            "sort": sort,
            "since": _when(since),
            "until": _when(until),
            "lang": lang,
            "limit": limit,
            "cursor": cursor or None,
        }
        return self._page("app.bsky.feed.searchPosts", params)

    def get_posts(self, uris: Iterable[str]) -> PostPage:
        """``app.bsky.feed.getPosts`` for up to 25 ``at://`` URIs. Deleted posts are simply absent."""
        wanted = list(dict.fromkeys(uris))
        if len(wanted) > GET_POSTS_LIMIT:
            raise ValueError(f"Bluesky gives at most {GET_POSTS_LIMIT} posts a call, not {len(wanted)}")
        bad = [uri for uri in wanted if not is_post_uri(uri)]
        if bad:
            raise ValueError(f"not at:// post URIs: {', '.join(map(repr, bad))}")
        if not wanted:
            return PostPage(source="bluesky", posts=())
        return self._page("app.bsky.feed.getPosts", {"uris": wanted})

    def _page(self, nsid: str, params: Mapping) -> PostPage:
        response = self._get(nsid, params)
        return parse_response(
            response.data,
            measured_at=response.received_at,
            rate_limit=rate_limit_from(response.headers, now=response.received_at),
        )

    def _get(self, nsid: str, params: Mapping) -> JsonResponse:
        session = self.session or self.login()
        try:
            return self.http.get(self._url(nsid), params=params, bearer=session.access_jwt)
        except SourceHttpError as exc:
            if exc.error_code not in _RENEWABLE:
                raise
        session = self.refresh()
        return self.http.get(self._url(nsid), params=params, bearer=session.access_jwt)

    def _url(self, nsid: str) -> str:
        return f"{self.base_url}/{nsid}"


def _session(data, method: str) -> BlueskySession:
    if not isinstance(data, dict):
        raise PostParseError(f"a {method} answer that is not a JSON object")
    values = {key: data.get(key) for key in ("did", "handle", "accessJwt", "refreshJwt")}
    missing = [key for key, value in values.items() if not isinstance(value, str) or not value]
    if missing:
        raise PostParseError(f"a {method} answer without {', '.join(missing)}")
    return BlueskySession(
        did=values["did"], handle=values["handle"], access_jwt=values["accessJwt"], refresh_jwt=values["refreshJwt"]
    )


def _when(value: datetime | date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value.isoformat()
