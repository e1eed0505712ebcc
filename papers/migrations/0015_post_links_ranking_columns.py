"""The link table of Tweet.papers gets a copy of what the ranking reads of each post, kept by triggers,
and an index in the ranking's order (papers/link_columns.py says why and how). Existing links are filled."""

from django.db import migrations


def add_columns(apps, schema_editor):
    from papers import link_columns

    link_columns.add_columns(schema_editor.connection)


def drop_columns(apps, schema_editor):
    from papers import link_columns

    link_columns.drop_columns(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0014_post_runs_record_retries"),
    ]

    operations = [
        migrations.RunPython(add_columns, drop_columns, elidable=False),
    ]
