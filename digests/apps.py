from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests"

    def ready(self):
        from . import admin_imports, receivers  # noqa: F401  (registers the upload admin; connects the receivers)
