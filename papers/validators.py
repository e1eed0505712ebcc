"""Field validators built on the source grammar, so a form refuses what the rest of the site cannot use."""

from django.core.exceptions import ValidationError

from .sources.arxiv import InvalidArxivId, normalize_arxiv_id

EXPECTED_FORMS = "2201.04182 (from 2015), 0706.0001 (April 2007 to 2014) or hep-th/9901001 (before April 2007)"


def validate_base_arxiv_id(value):
    """``value`` is a base arXiv id exactly as ``Paper.arxiv_id`` stores it: no version, URL or subject class.

    The error names the base id when ``value`` is another way of writing one, so an editor can correct it.
    """
    try:
        arxiv_id = normalize_arxiv_id(value)
    except InvalidArxivId:
        raise ValidationError(
            "Enter an arXiv base id, e.g. %(forms)s.", code="invalid_arxiv_id", params={"forms": EXPECTED_FORMS}
        ) from None
    if arxiv_id.base == value:
        return
    if arxiv_id.version is not None:
        message = "Enter the base id without a version: %(base)s (the version is stored separately)."
    else:
        message = "Enter the base id as arXiv files it: %(base)s."
    raise ValidationError(message, code="arxiv_id_not_base", params={"base": arxiv_id.base})
