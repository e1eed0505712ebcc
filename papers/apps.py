from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = "Papers and posts"

    def ready(self):
        from . import signals  # noqa: F401  (connects the page cache receivers)

        post_migrate.connect(_install_link_triggers, sender=self, dispatch_uid="papers.link_columns.install")


def _install_link_triggers(using, **kwargs):
    """Again after every migrate: SQLite drops a table's triggers when a migration rebuilds the table."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .link_columns import MIGRATION, install

    connection = connections[using]
    if MigrationRecorder(connection).migration_qs.filter(app="papers", name=MIGRATION).exists():
        install(connection)
