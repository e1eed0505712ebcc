"""Template helpers for showing arXiv metadata."""

from django import template

register = template.Library()


@register.filter
def squash(value):
    """Collapse runs of whitespace: arXiv titles keep line-wrap double spaces that readers should not see."""
    return " ".join(str(value or "").split())


@register.filter
def doi_url(doi):
    """The resolver link for a DOI."""
    return f"https://doi.org/{doi}"
