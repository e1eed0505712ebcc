"""Template helpers for digest pages: Markdown and embedded posts, always sanitized."""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from digests.html import render_arxiv_teaser, render_arxiv_text, render_markdown, sanitize_post_html
from digests.selectors import best_entries_for_papers, published_entries_for_paper
from papers.charts import attention_chart
from papers.reversed_urls import cached_reverse
from papers.selectors import metrics_history

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


@register.simple_tag
def site_url(name, *args):
    """{% url name args %} for the site's own pages, reversed once per process (papers.reversed_urls)."""
    return cached_reverse(name, *args)


@register.simple_tag
def page_links(page_obj):
    """Page numbers around the current one, with "…" for the gaps (Paginator.ELLIPSIS)."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)


@register.filter(is_safe=True)
def arxiv(text):
    """An arXiv title or abstract as HTML: LaTeX as MathML (source kept as an annotation), URLs as links.

    Rendered once per distinct text (render_arxiv_text caches) and sanitized with nh3.
    """
    return mark_safe(render_arxiv_text(text))


@register.simple_tag
def abstract_parts(text):
    """(teaser, rest) of an abstract as safe HTML; rest is "" for a short one."""
    teaser, rest = render_arxiv_teaser(text)
    return mark_safe(teaser), mark_safe(rest)


@register.simple_tag
def json_ld(data):
    """A JSON-LD block; <, > and & are escaped so the data can never close the script element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """An absolute URL on this site, as canonical links, Open Graph and JSON-LD need them."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's canonical URL: its path, plus ?page=N past the first page; query strings otherwise dropped."""
    request = context["request"]
    url = request.build_absolute_uri(context.get("canonical_path") or request.path)
    page_obj = context.get("page_obj")
    if page_obj is not None and getattr(page_obj, "number", 1) > 1:
        url += f"?page={page_obj.number}"
    return url


@register.simple_tag(takes_context=True)
def query_url(context, **changes):
    """This page's URL with some query parameters changed (page numbers that keep the search and sort)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return f"?{params.urlencode()}" if params else "?"


@register.simple_tag
def share_of(value, top, width=100):
    """value / top scaled to `width` (for score bars); 0 when top is 0."""
    value, top = int(value or 0), int(top or 0)
    return round(width * value / top) if top > 0 else 0


@register.inclusion_tag("includes/month_calendar.html")
def month_calendar(month, weeks, linked=False):
    """A month as a table: days with a digest link to it; `linked` makes its caption a link to the month."""
    return {"month": month, "weeks": weeks, "linked": linked}


@register.simple_tag(takes_context=True)
def digest_json_ld(context, digest, entries, image_url):
    """schema.org BlogPosting for a digest, in the site's Blog, mentioning its papers."""
    request = context["request"]
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": digest.title,
        "description": digest.description or digest.title,
        "url": request.build_absolute_uri(cached_reverse("digests:digest-detail", digest.slug)),
        "image": image_url,
        "datePublished": digest.published_at.isoformat() if digest.published_at else None,
        "dateModified": digest.modified_at.isoformat() if digest.modified_at else None,
        "isPartOf": {
            "@type": "Blog",
            "name": settings.HOTPAPERS_SITE_NAME,
            "url": request.build_absolute_uri(cached_reverse("digests:digest-list")),
        },
        "mentions": [
            {
                "@type": "ScholarlyArticle",
                "name": " ".join(entry.title.split()),
                "url": request.build_absolute_uri(cached_reverse("papers:paper-detail", entry.paper.arxiv_id)),
                "sameAs": entry.paper.abs_url,
            }
            for entry in entries
        ],
    }
    return json_ld({key: value for key, value in data.items() if value is not None})


@register.simple_tag(takes_context=True)
def site_json_ld(context):
    """schema.org Blog for the home page."""
    request = context["request"]
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "Blog",
            "name": settings.HOTPAPERS_SITE_NAME,
            "url": request.build_absolute_uri(reverse("digests:digest-list")),
            "description": "The arXiv papers that drew the most attention on social media, one digest a day.",
        }
    )


@dataclass(frozen=True)
class PaperDigestRecord:
    entries: list
    chart: object

    @property
    def best_entry(self):
        """The entry whose digest measured the most reposts + likes (None without entries)."""
        return max(self.entries, key=lambda entry: entry.retweets + entry.favorites, default=None)


@register.simple_tag
def paper_digest_record(paper):
    """What digests say about a paper: its entries in published digests and its attention chart (two queries).

    The chart draws the posts' metrics snapshots, or the digests' own measurements where that is all
    there is, from 0 at the first post (or arXiv's date). The papers app reaches digests through this
    tag, never through an import. Uses the paper's prefetched `visible_posts`.
    """
    entries = list(published_entries_for_paper(paper=paper))
    post_times = [post.posted_at for post in getattr(paper, "visible_posts", []) if post.posted_at]
    start = min(post_times, default=None) or paper.published
    chart = attention_chart(metrics_rows=metrics_history(paper), entries=entries, published=start)
    return PaperDigestRecord(entries=entries, chart=chart)


@register.simple_tag
def digest_snapshots(papers):
    """{paper id: its best published entry} for a page of papers (one query; none for an empty page).

    A paper whose posts carry no counters (known from Markdown posts only) shows what a digest measured.
    """
    return best_entries_for_papers(paper_ids=[paper.pk for paper in papers])


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
