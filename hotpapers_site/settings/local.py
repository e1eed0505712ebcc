"""Development: the embedded default. Works with nothing configured."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development-only key; production.py refuses to start without a real one.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# runserver serves static files from the app folders; nothing is collected in development.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Jobs run eagerly inside the request here: fail fast rather than hold a page for minutes.
ARXIV_MAX_RETRIES = env.int("ARXIV_MAX_RETRIES", default=1)

# Templates and code change under a developer's hands: pages are rendered fresh unless asked.
HOTPAPERS_PAGE_CACHE = env.bool("HOTPAPERS_PAGE_CACHE", default=False)
