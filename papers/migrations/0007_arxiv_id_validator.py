"""Paper.arxiv_id becomes an ArxivIdField, validated with the one id normaliser.

Stored ids that would not validate are reported, never changed (reversing this is a no-op for them).

An id such as "2201.04182v2" breaks every link to the paper's page (NoReverseMatch), so an operator
needs to know about it, but which paper it should be is an editor's call, not a migration's.
"""

import sys

from django.core.exceptions import ValidationError
from django.db import migrations

import papers.fields
import papers.validators


def invalid_arxiv_ids(apps):
    """(arxiv_id, reason) for every stored paper whose id the validator refuses, in id order."""
    Paper = apps.get_model("papers", "Paper")
    found = []
    for arxiv_id in Paper.objects.order_by("arxiv_id").values_list("arxiv_id", flat=True).iterator():
        try:
            papers.validators.validate_base_arxiv_id(arxiv_id)
        except ValidationError as error:
            found.append((arxiv_id, " ".join(error.messages)))
    return found


def report_invalid_arxiv_ids(apps, schema_editor, out=None):
    found = invalid_arxiv_ids(apps)
    if not found:
        return
    out = out or sys.stdout
    out.write(
        f"\n  WARNING: {len(found)} stored paper id{'' if len(found) == 1 else 's'} would not validate "
        "(nothing was changed; fix them in the admin, or their pages cannot be linked):\n"
    )
    for arxiv_id, reason in found:
        out.write(f"    {arxiv_id!r}: {reason}\n")


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0006_ingestrun_requested_by"),
    ]

    operations = [
        migrations.AlterField(
            model_name="paper",
            name="arxiv_id",
            field=papers.fields.ArxivIdField(
                help_text='Base id without version: "2201.04182" or "hep-th/9901001".', max_length=40, unique=True
            ),
        ),
        migrations.RunPython(report_invalid_arxiv_ids, migrations.RunPython.noop, elidable=True),
    ]
