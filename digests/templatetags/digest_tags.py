"""Template helpers for digest pages: Markdown and embedded posts, always sanitized."""

from urllib.parse import urlsplit

from django import template
from django.utils.safestring import mark_safe

from digests.html import render_markdown, sanitize_post_html
from digests.selectors import published_entries_for_paper

register = template.Library()


@register.filter(is_safe=True)
def markdown(text):
    """Editor-written Markdown (intro, notes) as HTML; render_markdown sanitizes it with nh3."""
    return mark_safe(render_markdown(text))


@register.filter
def http_url(url):
    """The URL if it is http(s), else "": stored post links must never become javascript: hrefs."""
    return url if urlsplit(str(url or "")).scheme in {"http", "https"} else ""


@register.filter
def minus(value, other):
    """value - other, for counts ("and 5 more")."""
    return int(value) - int(other)


@register.inclusion_tag("includes/embedded_post.html", takes_context=True)
def embedded_post(context, tweet):
    """A social post as a quote: sanitized body, author, and a dated link to the original.

    With HOTPAPERS_LOAD_X_WIDGETS on, the quote also carries X's class so widgets.js
    (loaded once per page by the page template) can upgrade it.
    """
    return {
        "tweet": tweet,
        # sanitize_post_html keeps only links, line breaks and paragraphs.
        "body_html": mark_safe(sanitize_post_html(tweet.text_html)) if tweet.text_html else "",
        "post_url": http_url(tweet.url),
        "load_x_widgets": context.get("load_x_widgets", False),
    }


@register.inclusion_tag("includes/paper_digest_entries.html")
def paper_digest_entries(paper):
    """The published digests a paper ranked in, linked to its place in each (one query)."""
    return {"entries": list(published_entries_for_paper(paper=paper))}


@register.simple_tag
def page_links(page_obj):
    """Page numbers around the current one, with "…" for the gaps (Paginator.ELLIPSIS)."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
