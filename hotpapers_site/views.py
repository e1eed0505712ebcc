"""Site-wide endpoints that belong to no app."""

import json
import logging
from functools import wraps

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from papers.queueing import broker_ping
from papers.services.freshness import jobs_freshness

logger = logging.getLogger(__name__)


def staff_only(view):
    """403 for anyone but active staff: an AJAX endpoint has no login page to redirect to."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff):
            return HttpResponse("Staff only.", status=403, content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@cache_control(max_age=86400)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /markdownx/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin): point them at ours."""
    return redirect(static("img/favicon.svg"), permanent=True)


def _database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # The details (hosts, users) are for the logs, not for whoever polls this URL.
        logger.exception("healthz: the database did not answer")
        return False
    return True


def _cache_answers():
    ping = getattr(cache, "ping", None)  # the Redis backend (hotpapers_site/cache.py); local memory always answers
    return ping() if ping is not None else True


@require_GET
@never_cache
def healthz(request):
    """For monitors: 200 when the database, the cache and the broker answer and every scheduled job
    succeeded recently; 503 naming what is down or stale. The body never holds hosts, users or errors."""
    checks = {
        "database": _database_answers(),
        "cache": _cache_answers(),
        "broker": broker_ping(),  # None: no broker, tasks run in-process
    }
    body = {name: {True: "ok", False: "unavailable", None: "not used"}[state] for name, state in checks.items()}
    down = [name for name, state in checks.items() if state is False]
    stale = []
    if checks["database"]:  # the run records live there
        jobs = jobs_freshness()
        body["jobs"] = {job.name: job.as_json() for job in jobs}
        stale = [job.name for job in jobs if job.failing]
        if stale:
            body["stale"] = stale
    if down or stale:
        logger.warning(
            "healthz: unavailable: %s; stale: %s",
            ", ".join(down) or "none",
            ", ".join(stale) or "none",
            extra={"event": "healthz", "down": down, "stale": stale},
        )
    failing = bool(down or stale)
    return JsonResponse({"status": "error" if failing else "ok", **body}, status=503 if failing else 200)


CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_REPORT_FIELDS = ("document-uri", "violated-directive", "effective-directive", "blocked-uri", "source-file")


@csrf_exempt  # browsers send reports without a token; the endpoint only logs
@require_POST
def csp_report(request):
    """Browsers POST Content-Security-Policy violations here (the policy's report-uri): one log line each."""
    if len(request.body) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body).get("csp-report", {})
        fields = {name: str(report.get(name, ""))[:300] for name in CSP_REPORT_FIELDS}
    except (ValueError, AttributeError):
        return HttpResponse("Not a CSP report.", status=400, content_type="text/plain")
    logger.warning("CSP violation: %(violated-directive)s blocked %(blocked-uri)s on %(document-uri)s", fields)
    return HttpResponse(status=204)
