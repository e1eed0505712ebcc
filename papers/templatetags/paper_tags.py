"""Template helpers for showing arXiv metadata."""

import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def squash(value):
    """Collapse runs of whitespace: arXiv titles keep line-wrap double spaces that readers should not see."""
    return " ".join(str(value or "").split())


@register.filter
def doi_url(doi):
    """The resolver link for a DOI."""
    return f"https://doi.org/{doi}"


@register.simple_tag(takes_context=True)
def paper_json_ld(context, paper):
    """schema.org ScholarlyArticle for a paper page (uses the prefetched authors and categories)."""
    request = context["request"]
    data = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": squash(paper.title)[:110],
        "name": squash(paper.title),
        "abstract": squash(paper.abstract) or None,
        "url": request.build_absolute_uri(paper.get_absolute_url()),
        "sameAs": paper.abs_url,
        "identifier": f"arXiv:{paper.arxiv_id}",
        "author": [{"@type": "Person", "name": a.author.name} for a in paper.authorships.all()],
        "keywords": [pc.category.code for pc in paper.paper_categories.all()],
        "datePublished": paper.published.isoformat() if paper.published else None,
        "dateModified": paper.updated.isoformat() if paper.updated else None,
        "encoding": {"@type": "MediaObject", "contentUrl": paper.pdf_url, "encodingFormat": "application/pdf"},
    }
    if paper.doi:
        data["sameAs"] = [paper.abs_url, doi_url(paper.doi)]
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def short_authors(paper, limit=3):
    """ "A, B, C et al." from the prefetched authorships."""
    names = [authorship.author.name for authorship in paper.authorships.all()]
    return ", ".join(names[:limit]) + (" et al." if len(names) > limit else "")
