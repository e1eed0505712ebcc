"""Settings shared by every environment, read from the environment with django-environ.

Nothing secret and no DEBUG=True default lives here: local.py and test.py supply safe
development values, production.py refuses to start without the real ones.
"""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_celery_beat",
    "markdownx",
    "csp",
    "axes",
    "adminsortable2",
    "simple_history",
    "papers",
    "digests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "digests.api.ApiCorsMiddleware",
    # Before sessions: a cached page is served without them (see papers/page_cache.py).
    "papers.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who made each change: simple_history records the request's user on every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the outcome of the login view and turns a lockout into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hotpapers_site.urls"
WSGI_APPLICATION = "hotpapers_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digests.context_processors.site",
            ],
        },
    },
]

# The embedded default is a SQLite file under var/ (made on first use), so `make run` needs no server.
if "DATABASE_URL" not in env:
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'hotpapers.sqlite3'}"),
}
# A connection kept open between requests (CONN_MAX_AGE seconds; production keeps them 60 s) is
# checked before a request reuses it, so a restarted PostgreSQL costs no failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A digest change form is about four fields per entry: Django's default cap of 1,000 fields would refuse
# saving a digest of 250 papers. Large forms are staff-only (the public site has no POST form).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Logins are rate-limited by django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES (429 and a page that says so),
# even with the right password; a success resets the count. Attempts are kept in the database
# (Admin → Axes), so the limit holds across workers and with Redis down.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A locked-out guesser who keeps trying does not extend the lockout of the real editor on the same address.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Redis is the cache and the Celery broker. Unset, the site runs self-contained:
# local-memory cache and Celery tasks executed eagerly in the calling process.
REDIS_URL = env("REDIS_URL", default=None)
# A cache call waits at most HOTPAPERS_CACHE_TIMEOUT seconds for Redis; with Redis stopped or frozen
# the backend (hotpapers_site/cache.py) answers a miss, logs the outage once, and retries Redis
# every RETRY_AFTER seconds, so pages keep their normal speed and recover by themselves.
HOTPAPERS_CACHE_TIMEOUT = env.float("HOTPAPERS_CACHE_TIMEOUT", default=0.25)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "hotpapers_site.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": HOTPAPERS_CACHE_TIMEOUT,
                "socket_timeout": HOTPAPERS_CACHE_TIMEOUT,
                "RETRY_AFTER": 5.0,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or env("CELERY_BROKER_URL", default=None))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The broker redelivers a task its worker has not acknowledged within CELERY_BROKER_VISIBILITY_TIMEOUT
# seconds (tasks are acknowledged when they end: acks_late), which is how a job whose worker was killed
# gets done. So every task must end well within it, or a live one would be delivered twice: no task may
# run longer than two thirds of it (HOTPAPERS_TASK_TIME_LIMIT_MAX, a cap on every task's time_limit), and
# a retry waits at most what is left (HOTPAPERS_RETRY_COUNTDOWN_MAX: a task waiting for its countdown is
# already held, unacknowledged, by a worker). Long jobs are split to fit: arXiv ingestion is one task per
# response page. A run still "running" whose worker shows no sign of life for HOTPAPERS_RUN_STALLED_AFTER
# seconds (the timeout plus a margin) has lost its worker: papers.tasks.fail_stalled_runs marks it failed.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=60 * 60)
# One arXiv request's socket timeout; the arXiv politeness gate's hold (papers/throttle.py) is tied to it.
ARXIV_REQUEST_TIMEOUT = env.float("ARXIV_REQUEST_TIMEOUT", default=30.0)


def _soft_limit(hard):
    return hard - max(1, hard // 15)


HOTPAPERS_TASK_TIME_LIMIT_MAX = CELERY_BROKER_VISIBILITY_TIMEOUT * 2 // 3
HOTPAPERS_RETRY_COUNTDOWN_MAX = max(
    1, CELERY_BROKER_VISIBILITY_TIMEOUT - HOTPAPERS_TASK_TIME_LIMIT_MAX - max(1, CELERY_BROKER_VISIBILITY_TIMEOUT // 20)
)
HOTPAPERS_RUN_STALLED_AFTER = CELERY_BROKER_VISIBILITY_TIMEOUT + max(60, CELERY_BROKER_VISIBILITY_TIMEOUT // 4)
CELERY_TASK_TIME_LIMIT = min(15 * 60, HOTPAPERS_TASK_TIME_LIMIT_MAX)
CELERY_TASK_SOFT_TIME_LIMIT = _soft_limit(CELERY_TASK_TIME_LIMIT)
if _soft_limit(HOTPAPERS_TASK_TIME_LIMIT_MAX) <= ARXIV_REQUEST_TIMEOUT:
    _shortest = next(t for t in range(1, 10**6) if _soft_limit(t * 2 // 3) > ARXIV_REQUEST_TIMEOUT)
    raise ImproperlyConfigured(
        f"CELERY_BROKER_VISIBILITY_TIMEOUT={CELERY_BROKER_VISIBILITY_TIMEOUT} is too short: every task must end "
        f"within two thirds of it ({HOTPAPERS_TASK_TIME_LIMIT_MAX} s), which leaves no room for one arXiv request "
        f"(ARXIV_REQUEST_TIMEOUT={ARXIV_REQUEST_TIMEOUT:g} s). Set it to at least {_shortest} seconds, "
        "or lower ARXIV_REQUEST_TIMEOUT."
    )
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    # Social posts on their own queue (a task's own name wins over the wildcard).
    "papers.tasks.collect_x_posts": {"queue": "social"},
    "papers.tasks.collect_bluesky_posts": {"queue": "social"},
    "papers.tasks.collect_hackernews_posts": {"queue": "social"},
    "papers.tasks.refresh_post_counters": {"queue": "social"},
    "papers.tasks.fetch_tweet_oembeds": {"queue": "social"},
    "papers.tasks.import_post_dump": {"queue": "social"},
    "papers.tasks.*": {"queue": "ingest"},
    "digests.tasks.*": {"queue": "digests"},
}
# Processes per worker (unset: one per CPU). Scale a queue with more worker processes or replicas.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis stopped or frozen: workers and beat keep reconnecting (forever, not 100 times) and carry on
# when it returns; a socket never waits on a frozen Redis for more than a few seconds. Web requests
# send through papers.queueing.enqueue, which pings first and tells the editor instead of hanging.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,  # above kombu's 1 s BRPOP wait, so idle workers never time out
    "health_check_interval": 10,
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # Workers look for overdue unacknowledged tasks this often (kombu's default, every ~100 s, would
    # dwarf a short timeout): a task whose worker died is redelivered soon after the timeout.
    "unacked_restore_interval": max(1, min(10, CELERY_BROKER_VISIBILITY_TIMEOUT // 6)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# Tasks running when the connection drops are given up (and redelivered: acks_late, all idempotent).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# External services: every base URL is a setting so tests can point them at a local server.
ARXIV_API_URL = env("ARXIV_API_URL", default="https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env("ARXIV_OAI_URL", default="https://oaipmh.arxiv.org/oai")
ARXIV_MIN_INTERVAL = env.float("ARXIV_MIN_INTERVAL", default=3.0)
X_API_URL = env("X_API_URL", default="https://api.x.com/2")
X_BEARER_TOKEN = env("X_BEARER_TOKEN", default="")
BLUESKY_API_URL = env("BLUESKY_API_URL", default="https://bsky.social/xrpc")
BLUESKY_HANDLE = env("BLUESKY_HANDLE", default="")
BLUESKY_APP_PASSWORD = env("BLUESKY_APP_PASSWORD", default="")
OEMBED_URL = env("OEMBED_URL", default="https://publish.twitter.com/oembed")
HN_API_URL = env("HN_API_URL", default="https://hn.algolia.com/api/v1")
# Retries of one request (429, 503, timeouts) before a job gives up and Celery retries it later.
ARXIV_MAX_RETRIES = env.int("ARXIV_MAX_RETRIES", default=4)
ARXIV_USER_AGENT = env(
    "ARXIV_USER_AGENT",
    default="HotPapers/0.1 (daily digest of discussed arXiv papers; metadata harvester)",
)
# Categories the daily ingestion fetches; "cs.*" means every cs category in the taxonomy.
HOTPAPERS_ARXIV_CATEGORIES = env.list("HOTPAPERS_ARXIV_CATEGORIES", default=["cs.*", "stat.ML"])
# Social posts: what each platform is searched for, how far back a first search reaches (no watermark
# yet), and how long a post's counters are refreshed (hourly) after it was posted.
HOTPAPERS_X_QUERY = env("HOTPAPERS_X_QUERY", default="url:arxiv.org -is:retweet")
HOTPAPERS_BLUESKY_QUERY = env("HOTPAPERS_BLUESKY_QUERY", default="arxiv.org")
HOTPAPERS_HN_QUERY = env("HOTPAPERS_HN_QUERY", default="arxiv.org")
HOTPAPERS_POSTS_LOOKBACK_DAYS = env.int("HOTPAPERS_POSTS_LOOKBACK_DAYS", default=7)
HOTPAPERS_REFRESH_MAX_AGE_DAYS = env.int("HOTPAPERS_REFRESH_MAX_AGE_DAYS", default=7)
# Retries of one request to a social platform (5xx, timeouts; never a 429) before its job retries later.
SOCIAL_MAX_RETRIES = env.int("SOCIAL_MAX_RETRIES", default=3)
# Seconds one request waits for an answer, and the first retry's delay (doubled each retry).
SOCIAL_TIMEOUT = env.float("SOCIAL_TIMEOUT", default=20.0)
SOCIAL_RETRY_BACKOFF = env.float("SOCIAL_RETRY_BACKOFF", default=2.0)

# /healthz: hours after which a periodic job without a success makes it answer 503, per job name
# (papers/services/freshness.py lists the jobs and their defaults), e.g. "ingest_arxiv=30".
# (django-environ 0.14's cast={"value": float} keeps only the first pair, hence the float() here.)
HOTPAPERS_JOB_MAX_AGE = {name: float(hours) for name, hours in env.dict("HOTPAPERS_JOB_MAX_AGE", default={}).items()}

# Embedded posts render as plain quotes; loading X's widget script is an opt-in
# because it sends every reader's visit to a third party.
HOTPAPERS_LOAD_X_WIDGETS = env.bool("HOTPAPERS_LOAD_X_WIDGETS", default=False)

# The ranking rule (digests/ranking.py; README "How papers are ranked"). A post scores reposts + likes;
# a paper scoring at least the first is featured, a post scoring at least the second is embedded; a digest
# features at most HOTPAPERS_DIGEST_SIZE papers and an entry embeds at most HOTPAPERS_MAX_EMBEDDED_POSTS posts.
HOTPAPERS_MIN_PAPER_SCORE = env.int("HOTPAPERS_MIN_PAPER_SCORE", default=50)
HOTPAPERS_MIN_POST_SCORE = env.int("HOTPAPERS_MIN_POST_SCORE", default=25)
HOTPAPERS_DIGEST_SIZE = env.int("HOTPAPERS_DIGEST_SIZE", default=30)
HOTPAPERS_MAX_EMBEDDED_POSTS = env.int("HOTPAPERS_MAX_EMBEDDED_POSTS", default=10)

# Publishing with no editor (README "Digest statuses"): each new draft that digests_build makes is
# scheduled for the next HOTPAPERS_AUTO_PUBLISH_TIME ("HH:MM", local time in HOTPAPERS_TIME_ZONE);
# empty leaves new drafts for an editor to schedule or publish.
HOTPAPERS_TIME_ZONE = env("HOTPAPERS_TIME_ZONE", default=TIME_ZONE)
HOTPAPERS_AUTO_PUBLISH_TIME = env("HOTPAPERS_AUTO_PUBLISH_TIME", default="").strip()
try:
    ZoneInfo(HOTPAPERS_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as error:
    raise ImproperlyConfigured(
        f"HOTPAPERS_TIME_ZONE={HOTPAPERS_TIME_ZONE!r} is not a time zone (e.g. Europe/Paris)"
    ) from error
if HOTPAPERS_AUTO_PUBLISH_TIME and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", HOTPAPERS_AUTO_PUBLISH_TIME):
    raise ImproperlyConfigured(
        f"HOTPAPERS_AUTO_PUBLISH_TIME={HOTPAPERS_AUTO_PUBLISH_TIME!r} is not a time of day as HH:MM (e.g. 09:30); "
        "leave it empty to publish by hand"
    )

HOTPAPERS_SITE_NAME = "Hot Papers"

# Rendered public pages kept in each web process's memory (papers/page_cache.py), valid while the
# version key in the cache is unchanged; writers bump it. Off under test and in local development.
HOTPAPERS_PAGE_CACHE = env.bool("HOTPAPERS_PAGE_CACHE", default=True)
HOTPAPERS_PAGE_CACHE_ALIAS = "default"
# How often a process reads the version key: a change shows within this many milliseconds.
HOTPAPERS_PAGE_CACHE_CHECK_MS = env.int("HOTPAPERS_PAGE_CACHE_CHECK_MS", default=1000)
# The longest a page is kept whatever happens (a digest going live by the clock, a bump lost to an outage).
HOTPAPERS_PAGE_CACHE_TTL = env.int("HOTPAPERS_PAGE_CACHE_TTL", default=300)
HOTPAPERS_PAGE_CACHE_MAX_BYTES = env.int("HOTPAPERS_PAGE_CACHE_MAX_BYTES", default=64 * 1024 * 1024)
# URL namespaces and view names whose pages are cached.
HOTPAPERS_PAGE_CACHE_VIEWS = {"digests", "papers", "api", "sitemap", "robots-txt"}
HOTPAPERS_DIGESTS_PER_PAGE = 10

# Security headers on every response (production.py adds HSTS, secure cookies and the proxy header).
# The policy allows no inline script or style and no eval: every script is a file under /static/
# (the admin's and markdownx's included). Images may come from any https host because editors
# link them in Markdown; everything else is same-origin. Browsers report violations to /csp-report.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_X_WIDGETS = ["https://platform.twitter.com"] if HOTPAPERS_LOAD_X_WIDGETS else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_X_WIDGETS],
        "style-src": ["'self'", *_X_WIDGETS],
        "img-src": ["'self'", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": _X_WIDGETS or ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": ["/csp-report"],
    },
}
# No page needs a camera, a microphone or the rest; say so, so an injected frame cannot ask.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# markdownx: previews go through our sanitizer (see digests.html); uploads are
# limited to images and served only to staff (see hotpapers_site/urls.py).
MARKDOWNX_MARKDOWNIFY_FUNCTION = "digests.html.render_markdown"
MARKDOWNX_MARKDOWN_EXTENSIONS = ["markdown.extensions.extra", "markdown.extensions.sane_lists"]
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_MEDIA_PATH = "markdownx/"

# One line per event. Plain text in development; JSON objects in production (DJANGO_LOG_JSON,
# python-json-logger), where each line carries the logger, the level, the message and every
# `extra=` field (run ids, counts, task name and id), tracebacks included in the same line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"task": {"()": "hotpapers_site.celery.TaskContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env.bool("DJANGO_LOG_JSON", default=False) else "plain",
            "filters": ["task"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # django-axes announces its configuration at every start; its lockouts are warnings and still show.
    "loggers": {"axes.apps": {"level": "WARNING"}},
}
# Workers log through the configuration above instead of Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
