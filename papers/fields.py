"""Model fields of our own."""

from django.db import models

from .validators import validate_base_arxiv_id


class ArxivIdField(models.CharField):
    """A base arXiv id ("2201.04182", "hep-th/9901001"), validated with the one id normaliser.

    The validator also runs on the form field: a model validator alone would run only after the form
    had copied the refused value onto the instance, and a change form shown again with the error would
    then try to link the paper's page with it (NoReverseMatch).
    """

    default_validators = [validate_base_arxiv_id]

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.validators.append(validate_base_arxiv_id)
        return field
