from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = "Papers and posts"

    def ready(self):
        from . import signals  # noqa: F401  (connects the page cache receivers)
