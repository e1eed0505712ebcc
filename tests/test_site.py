"""Site-wide endpoints with fixed URLs: /healthz, /robots.txt, /sitemap.xml."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from digests.models import DailyDigest
from tests.digests.factories import DailyDigestFactory


@pytest.mark.django_db
def test_healthz_answers_ok_after_a_database_round_trip(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_without_details_when_the_database_is_down():
    # A real unreachable database: the site in a subprocess pointed at a closed port.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="hotpapers_site.settings.test", DATABASE_URL="postgres://postgres@127.0.0.1:9/none"
    )
    script = "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == '503 {"status": "error", "database": "unavailable"}', result.stderr


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


@pytest.mark.django_db
def test_the_sitemap_lists_published_digests_only(client):
    published = DailyDigestFactory()
    draft = DailyDigestFactory(draft=True)
    scheduled = DailyDigestFactory(
        status=DailyDigest.Status.SCHEDULED, publish_at=timezone.now() + dt.timedelta(days=1), published_at=None
    )

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    assert f"<loc>http://testserver{published.get_absolute_url()}</loc>" in xml
    assert draft.slug not in xml
    assert scheduled.slug not in xml


def test_favicon_ico_points_at_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("img/favicon.svg")
    assert client.get(response.url).status_code == 200
