"""The one way Markdown and stored HTML become page HTML: rendered, then sanitized with nh3.

markdownx's own markdownify does not sanitize, so its preview, our pages and our feeds
all go through render_markdown(); embedded post HTML goes through sanitize_post_html().
"""

import markdown
import nh3
from django.conf import settings

_MARKDOWN_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_MARKDOWN_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    # Python-Markdown aligns table columns with style="text-align: ..."; only that property survives.
    "td": {"align", "style"},
    "th": {"align", "style"},
    "ol": {"start"},
}
_POST_TAGS = {"a", "br", "p", "span"}
_POST_ATTRIBUTES = {"a": {"href"}, "p": {"lang", "dir"}}
_STYLE_PROPERTIES = {"text-align"}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text):
    """Markdown to safe HTML: raw HTML in the source is sanitized, never trusted."""
    return sanitize_markdown_html(markdown.markdown(text or "", extensions=settings.MARKDOWNX_MARKDOWN_EXTENSIONS))


def sanitize_markdown_html(html):
    """HTML as Markdown produces it, reduced to what Markdown can express (no scripts, styles or handlers)."""
    return nh3.clean(
        html,
        tags=_MARKDOWN_TAGS,
        attributes=_MARKDOWN_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="nofollow noopener noreferrer",
    )


def sanitize_post_html(html):
    """A social post's HTML body (links and line breaks only) made safe to embed."""
    return nh3.clean(
        html or "",
        tags=_POST_TAGS,
        attributes=_POST_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer",
    )
