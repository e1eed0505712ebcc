from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers)
