"""oEmbed for X posts (``publish.twitter.com/oembed``): the ``blockquote.twitter-tweet`` HTML the digests embed.

No auth. We ask with ``omit_script=true`` (the page loads widgets.js once) and ``dnt=true`` (no tracking).
Besides the answer as given, ``OEmbed`` splits the blockquote into what the Markdown format stores: the
``<p>``'s ``lang`` and ``dir`` and its inner HTML.
"""

import html
import re
from dataclasses import dataclass

from ..http import JsonClient
from ..posts import PostParseError, text_field

DEFAULT_OEMBED_URL = "https://publish.twitter.com/oembed"

_BLOCKQUOTE = re.compile(r"<blockquote\b[^>]*>.*</blockquote>", re.S | re.I)
_PARAGRAPH = re.compile(r"<blockquote\b[^>]*>\s*<p\b(?P<attrs>[^>]*)>(?P<body>.*)</p>\s*&mdash;", re.S | re.I)
_ATTR = re.compile(r'\b(lang|dir)="([^"]*)"', re.I)
_HANDLE = re.compile(r"^https?://(?:www\.)?(?:twitter|x)\.com/([A-Za-z0-9_]{1,30})/?$", re.I)


@dataclass(frozen=True, slots=True)
class OEmbed:
    url: str
    html: str  # as the provider gave it
    author_name: str
    author_url: str
    provider_name: str = ""
    type: str = "rich"
    version: str = "1.0"
    width: int | None = None
    height: int | None = None
    cache_age: int | None = None  # seconds the provider says the answer may be cached
    # Derived from ``html``: "" when the blockquote is not the usual shape.
    blockquote: str = ""  # the <blockquote>...</blockquote> alone, without any <script>
    lang: str = ""
    text_dir: str = ""
    text_html: str = ""  # the inner HTML of the blockquote's <p>

    @property
    def author_handle(self) -> str:
        match = _HANDLE.match(self.author_url or "")
        return match.group(1) if match else ""


def parse_oembed(data) -> OEmbed:
    """An oEmbed JSON answer. ``PostParseError`` when it is not an object with ``html``."""
    if not isinstance(data, dict):
        raise PostParseError(f"an oEmbed answer is a JSON object, not {type(data).__name__}")
    markup = text_field(data.get("html"), what="oEmbed html", required=True)
    blockquote = _BLOCKQUOTE.search(markup)
    paragraph = _PARAGRAPH.search(markup)
    attrs = {name.lower(): value for name, value in _ATTR.findall(paragraph.group("attrs"))} if paragraph else {}
    return OEmbed(
        url=text_field(data.get("url"), what="oEmbed url"),
        html=markup,
        author_name=html.unescape(text_field(data.get("author_name"), what="oEmbed author_name")),
        author_url=text_field(data.get("author_url"), what="oEmbed author_url"),
        provider_name=text_field(data.get("provider_name"), what="oEmbed provider_name"),
        type=text_field(data.get("type"), what="oEmbed type") or "rich",
        version=str(data.get("version") or "1.0"),
        width=_int(data.get("width")),
        height=_int(data.get("height")),
        cache_age=_int(data.get("cache_age")),
        blockquote=blockquote.group(0) if blockquote else "",
        lang=attrs.get("lang", ""),
        text_dir=attrs.get("dir", "").lower(),
        text_html=paragraph.group("body") if paragraph else "",
    )


def fetch_oembed(
    url: str,
    *,
    oembed_url: str = DEFAULT_OEMBED_URL,
    http: JsonClient | None = None,
    maxwidth: int | None = None,
    hide_thread: bool = False,
    lang: str | None = None,
) -> OEmbed:
    """The oEmbed of the post at ``url``. A deleted or private post answers 404: ``SourceHttpError``."""
    params = {
        "url": url,
        "omit_script": "true",
        "dnt": "true",
        "hide_thread": "true" if hide_thread else None,
        "maxwidth": maxwidth,
        "lang": lang,
    }
    response = (http or JsonClient()).get(oembed_url, params=params)
    return parse_oembed(response.data)


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
