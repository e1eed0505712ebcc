"""The test suite: real PostgreSQL and Redis by default (DATABASE_URL / REDIS_URL override)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hotpapers")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = "django-insecure-test-only"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files come from the app folders (finders); nothing is collected under test.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests call tasks eagerly unless a test starts a real worker (tests/test_celery_worker.py),
# which flips this off for its own process and routes to its own queue.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
ARXIV_MIN_INTERVAL = 0.0
# Never a live service from a test: every external API defaults to a closed local port (refused at once),
# and a test that talks to one serves recorded answers from its own local server (pytest-httpserver).
_NOWHERE = "http://127.0.0.1:9"
ARXIV_API_URL = env("ARXIV_API_URL", default=f"{_NOWHERE}/arxiv/api/query")
ARXIV_OAI_URL = env("ARXIV_OAI_URL", default=f"{_NOWHERE}/arxiv/oai")
X_API_URL = env("X_API_URL", default=f"{_NOWHERE}/x/2")
BLUESKY_API_URL = env("BLUESKY_API_URL", default=f"{_NOWHERE}/bluesky/xrpc")
OEMBED_URL = env("OEMBED_URL", default=f"{_NOWHERE}/oembed")
HN_API_URL = env("HN_API_URL", default=f"{_NOWHERE}/hackernews/api/v1")
# A request to a platform that hangs costs a test a second at most, and a retry waits a blink.
SOCIAL_TIMEOUT = env.float("SOCIAL_TIMEOUT", default=1.0)
SOCIAL_RETRY_BACKOFF = env.float("SOCIAL_RETRY_BACKOFF", default=0.01)
# Tests see what they wrote; tests/test_page_cache.py turns the page cache on for itself.
HOTPAPERS_PAGE_CACHE = False

# No console handler: pytest shows captured log records itself, and a handler bound to a
# captured stderr breaks when a server thread logs after its test has finished.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO"},
    "loggers": {"axes.apps": {"level": "WARNING"}},
}
