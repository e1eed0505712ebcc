"""Rendered public pages kept in each web process's memory, valid while one version key is unchanged.

A reader's GET (or HEAD) of a cached page is answered from bytes this process already holds,
after one tiny read of the version key in Redis (at most every HOTPAPERS_PAGE_CACHE_CHECK_MS per
process, so a page may stay up to that long after a change). Writers call page_cache_bump() (model
receivers in both apps, and the services that write in bulk); it sets a new version when their
transaction commits, which retires every stored page at once in every process.

Never cached: requests carrying a session cookie (editors, previews, anyone logged in), anything
but a 200 to GET/HEAD, responses that set cookies or used a CSRF token, `private`/`no-store`
responses, and views outside HOTPAPERS_PAGE_CACHE_VIEWS. Redis unreachable means a miss: the page is
rendered as if there were no cache, the error is logged once, and nothing is stored until the key
answers again. HOTPAPERS_PAGE_CACHE_TTL bounds how long a page lives whatever happens (a bump lost
while Redis was down, a digest going live by the clock alone).

Lives in papers, the app every other one builds on, so that both apps can bump it.
"""

import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import cc_delim_re
from django.utils.http import parse_etags

logger = logging.getLogger(__name__)

VERSION_KEY = "hotpapers:page-cache-version"
# Headers a 304 repeats from the response it stands for (RFC 9110 15.4.5).
_NOT_MODIFIED_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")


@dataclass(frozen=True)
class _Entry:
    version: int
    etag: str
    headers: tuple[tuple[str, str], ...]
    content: bytes
    stored_at: float


class _Store:
    """A byte-bounded LRU of rendered pages for this process (thread-safe for threaded workers)."""

    def __init__(self):
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry, *, max_bytes):
        size = len(entry.content)
        if size > max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.content)
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.content)

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self):
        return len(self._entries)


class _VersionState:
    """The last version this process read, when it read it, and whether reading is failing."""

    def __init__(self):
        self.value = None
        self.checked_at = float("-inf")
        self.failing = False


store = _Store()
_version = _VersionState()


def _cache():
    return caches[settings.HOTPAPERS_PAGE_CACHE_ALIAS]


def page_cache_reset():
    """Forget every stored page and the version read (tests; a new process starts like this)."""
    store.clear()
    _version.value, _version.checked_at, _version.failing = None, float("-inf"), False


def current_version():
    """The version pages are valid for, or None when it cannot be read (then nothing is cached).

    Read from the cache at most every HOTPAPERS_PAGE_CACHE_CHECK_MS; any error counts as None until
    the next check, so a frozen Redis costs one timeout per interval, not one per request.
    """
    now = time.monotonic()
    if (now - _version.checked_at) * 1000 < settings.HOTPAPERS_PAGE_CACHE_CHECK_MS:
        return _version.value
    try:
        value = _cache().get(VERSION_KEY)
        if value is None:
            # A flushed or restarted Redis: start a new version, so pages kept from before are retired.
            _cache().add(VERSION_KEY, secrets.randbits(62), timeout=None)
            value = _cache().get(VERSION_KEY)
    except Exception as error:  # any failure of the cache backend is a miss, never an error page
        if not _version.failing:
            logger.error("Page cache off: its version key cannot be read (%s). Pages render uncached.", error)
        _version.failing, value = True, None
    else:
        if _version.failing:
            logger.info("Page cache on again: its version key answers.")
        _version.failing = False
    _version.value, _version.checked_at = value, now
    return value


def _write_new_version():
    value = secrets.randbits(62)
    # This process sees its own change at once, whatever its check interval.
    _version.value, _version.checked_at = value, time.monotonic()
    try:
        _cache().set(VERSION_KEY, value, timeout=None)
    except Exception as error:
        logger.error("Page cache: could not retire cached pages (%s); they expire within the TTL.", error)


def page_cache_bump(*, using=None):
    """Retire every cached page when the current transaction commits (at once outside one).

    A rolled-back change bumps nothing. Receivers call it once per saved row, so a commit may
    run it a few times: each is one small write. With the page cache off (HOTPAPERS_PAGE_CACHE is
    one switch for web processes and workers alike) there is nothing to retire.
    """
    if settings.HOTPAPERS_PAGE_CACHE:
        transaction.on_commit(_write_new_version, using=using, robust=True)


def _etag_for(content):
    return f'"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'


def _matches(request, etag):
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in tags or etag.removeprefix("W/") in {t.removeprefix("W/") for t in tags}


def _not_modified(headers):
    response = HttpResponseNotModified()
    for name, value in headers:
        if name.lower() in _NOT_MODIFIED_HEADERS:
            response[name] = value
    return response


def _response_for(request, entry):
    if _matches(request, entry.etag):
        return _not_modified(entry.headers)
    response = HttpResponse(entry.content)
    for name, value in entry.headers:
        response[name] = value
    return response


def _cacheable_view(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    wanted = settings.HOTPAPERS_PAGE_CACHE_VIEWS
    return match.view_name in wanted or any(namespace in wanted for namespace in match.namespaces)


def _storable(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page holds a CSRF token: it is this reader's
        return False
    cache_control = {part.strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
    if cache_control & {"private", "no-store"}:
        return False
    vary = {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", "")) if part.strip()}
    # Cookie: requests with the session cookie never reach the cache, the others all look alike.
    return vary <= {"cookie"} and _cacheable_view(request)


class PageCacheMiddleware:
    """Serves stored pages before sessions, CSRF and URL resolution run; stores what may be reused.

    Place it after WhiteNoise and before SessionMiddleware: what it stores carries the headers
    every middleware below it added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not settings.HOTPAPERS_PAGE_CACHE
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return self.get_response(request)
        version = current_version()
        if version is None:
            return self.get_response(request)
        key = f"{request.scheme}://{request.META.get('HTTP_HOST', '')}{request.get_full_path()}"
        entry = store.get(key)
        if (
            entry is not None
            and entry.version == version
            and time.monotonic() - entry.stored_at < settings.HOTPAPERS_PAGE_CACHE_TTL
        ):
            return _response_for(request, entry)

        response = self.get_response(request)
        if not _storable(request, response):
            return response
        content = response.content
        etag = response.get("ETag") or _etag_for(content)
        response["ETag"] = etag
        entry = _Entry(version, etag, tuple(response.items()), content, time.monotonic())
        store.put(key, entry, max_bytes=settings.HOTPAPERS_PAGE_CACHE_MAX_BYTES)
        if _matches(request, etag):
            return _not_modified(entry.headers)
        return response
