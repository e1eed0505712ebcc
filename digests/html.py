"""The one way Markdown and stored HTML become page HTML: rendered, then sanitized with nh3.

markdownx's own markdownify does not sanitize, so its preview, our pages and our feeds
all go through render_markdown(); embedded post HTML goes through sanitize_post_html().
"""

import functools
import re
from html import escape

import latex2mathml.converter
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
    # Table columns are aligned with align="..." (see _EXTENSION_CONFIGS): a style attribute is an inline style
    # the Content-Security-Policy (style-src 'self') refuses, so none survives.
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
_POST_TAGS = {"a", "br", "p", "span"}
_POST_ATTRIBUTES = {"a": {"href"}, "p": {"lang", "dir"}}
# Python-Markdown's tables (in "extra") would write style="text-align: ..."; the policy blocks inline styles.
_EXTENSION_CONFIGS = {"markdown.extensions.extra": {"tables": {"use_align_attribute": True}}}
_URL_SCHEMES = {"http", "https", "mailto"}


# Pages render the same notes and posts on every request: each distinct text is converted once
# per process (the functions are pure; a change of text is a new key).
@functools.lru_cache(maxsize=4096)
def render_markdown(text):
    """Markdown to safe HTML: raw HTML in the source is sanitized, never trusted."""
    html = markdown.markdown(
        text or "", extensions=settings.MARKDOWNX_MARKDOWN_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
    )
    return sanitize_markdown_html(html)


def sanitize_markdown_html(html):
    """HTML as Markdown produces it, reduced to what Markdown can express (no scripts, styles or handlers)."""
    return nh3.clean(
        html,
        tags=_MARKDOWN_TAGS,
        attributes=_MARKDOWN_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


@functools.lru_cache(maxsize=4096)
def sanitize_post_html(html):
    """A social post's HTML body (links and line breaks only) made safe to embed."""
    return nh3.clean(
        html or "",
        tags=_POST_TAGS,
        attributes=_POST_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer",
    )


# arXiv titles and abstracts: plain text with LaTeX between dollars and bare URLs. They become
# MathML (rendered once per distinct text: the cache below) and links, then pass the same kind
# of nh3 allow-list as everything else, so a title can never smuggle markup onto a page.

_MATHML_TAGS = {
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "mtable",
    "mtr",
    "mtd",
    "merror",
}
_MATHML_ATTRIBUTES = {
    "accent",
    "accentunder",
    "columnalign",
    "columnlines",
    "columnspacing",
    "depth",
    "display",
    "displaystyle",
    "encoding",
    "fence",
    "form",
    "height",
    "largeop",
    "linethickness",
    "lspace",
    "mathsize",
    "mathvariant",
    "maxsize",
    "minsize",
    "movablelimits",
    "notation",
    "rowalign",
    "rowlines",
    "rowspacing",
    "rspace",
    "scriptlevel",
    "separator",
    "stretchy",
    "symmetric",
    "width",
    "xmlns",
}
_ARXIV_TAGS = _MATHML_TAGS | {"a", "span"}
_ARXIV_ATTRIBUTES = {tag: _MATHML_ATTRIBUTES for tag in _MATHML_TAGS} | {"a": {"href"}, "span": {"class"}}
# Inline math: $...$, $$...$$, \(...\) or \[...\]; a dollar escaped as \$ is text. No span crosses 600 characters.
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<dd>[^$]{1,600}?)\$\$"
    r"|(?<!\\)\$(?P<d>[^$]{1,600}?)(?<!\\)\$"
    r"|\\\((?P<p>.{1,600}?)\\\)"
    r"|\\\[(?P<b>.{1,600}?)\\\]",
    re.S,
)
_URL = re.compile(r"\bhttps?://[^\s<>\"'{}|\\^`]+", re.I)
_URL_TRAILING = ".,;:!?'\""
_CLOSERS = {")": "(", "]": "[", "}": "{"}
TEASER_MIN_CHARS = 180
TEASER_MAX_CHARS = 380
TEASER_MIN_REST = 120


def _segments(text):
    """The text as (is_math, source, latex) pieces, in order."""
    position = 0
    for match in _MATH.finditer(text):
        if match.start() > position:
            yield False, text[position : match.start()], ""
        latex = next(group for group in match.groups() if group is not None)
        yield True, match.group(0), latex
        position = match.end()
    if position < len(text):
        yield False, text[position:], ""


def _link_url(url):
    """A bare URL as a link, leaving out the punctuation that ends the sentence around it."""
    trailing = ""
    while url:
        last = url[-1]
        if last in _URL_TRAILING or (last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last)):
            trailing = last + trailing
            url = url[:-1]
        else:
            break
    if not url or url.lower() in {"http://", "https://"}:
        return escape(url + trailing)
    return f'<a href="{escape(url)}">{escape(url)}</a>{escape(trailing)}'


def _text_html(text):
    html, position = [], 0
    for match in _URL.finditer(text):
        html.append(escape(text[position : match.start()]))
        html.append(_link_url(match.group(0)))
        position = match.end()
    html.append(escape(text[position:]))
    return "".join(html)


# latex2mathml reads \operatorname{bessel0} as an empty operator and loose letters; \mathrm reads it right.
_OPERATORNAME = re.compile(r"\\operatorname\{([^{}]*[^A-Za-z{}][^{}]*)\}")


def _math_html(source, latex):
    """MathML for one formula, keeping its LaTeX as an annotation (copy and paste gets the source)."""
    try:
        mathml = latex2mathml.converter.convert(_OPERATORNAME.sub(r"\\mathrm{\1}", latex.strip()))
    except Exception:  # latex2mathml raises many kinds of error on LaTeX it does not know
        return f'<span class="tex">{escape(source)}</span>'
    start, end = mathml.index(">") + 1, mathml.rindex("</math>")
    return (
        f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><semantics><mrow>{mathml[start:end]}'
        f'</mrow><annotation encoding="application/x-tex">{escape(latex.strip())}</annotation></semantics></math>'
    )


def _arxiv_html(text):
    html = "".join(
        _math_html(source, latex) if is_math else _text_html(source) for is_math, source, latex in _segments(text)
    )
    return nh3.clean(
        html,
        tags=_ARXIV_TAGS,
        attributes=_ARXIV_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer",
    )


@functools.lru_cache(maxsize=4096)
def render_arxiv_text(text):
    """An arXiv title or abstract as safe HTML: whitespace collapsed, LaTeX as MathML, URLs as links."""
    return _arxiv_html(" ".join((text or "").split()))


def _teaser_split(text):
    """Where to cut an abstract for its teaser: after a sentence, outside formulas; None when it is short."""
    if len(text) < TEASER_MAX_CHARS + TEASER_MIN_REST:
        return None
    fallback = None
    offset = 0
    for is_math, source, _latex in _segments(text):
        if not is_math:
            for match in re.finditer(r"[.!?]\s+|\s+", source):
                cut = offset + match.end()
                if cut > TEASER_MAX_CHARS:
                    break
                if match.group(0)[0] in ".!?" and cut >= TEASER_MIN_CHARS:
                    return cut
                if cut >= TEASER_MIN_CHARS * 1.4:
                    fallback = fallback or cut
        offset += len(source)
        if offset > TEASER_MAX_CHARS:
            break
    return fallback


@functools.lru_cache(maxsize=4096)
def render_arxiv_teaser(text):
    """(teaser, rest) as safe HTML: the abstract's first sentences and the remainder ("" when short)."""
    text = " ".join((text or "").split())
    cut = _teaser_split(text)
    if cut is None:
        return _arxiv_html(text), ""
    return _arxiv_html(text[:cut].rstrip()), _arxiv_html(text[cut:])
