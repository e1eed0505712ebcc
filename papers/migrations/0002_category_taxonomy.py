"""Load arXiv's category taxonomy (papers/taxonomy.py) into Category, marked in_taxonomy=True."""

from django.db import migrations

from papers.taxonomy import TAXONOMY_CODES, sync_taxonomy


def load_taxonomy(apps, schema_editor):
    sync_taxonomy(apps.get_model("papers", "Category"))


def unload_taxonomy(apps, schema_editor):
    # Only rows no paper uses go; a category papers point at stays as it is.
    Category = apps.get_model("papers", "Category")
    Category.objects.filter(
        code__in=TAXONOMY_CODES, paper_categories__isnull=True, primary_papers__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_taxonomy, unload_taxonomy, elidable=False),
    ]
