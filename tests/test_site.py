"""Site-wide endpoints with fixed URLs: /robots.txt, /sitemap.xml, /favicon.ico (/healthz: test_healthz.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from digests.models import DailyDigest
from tests.digests.factories import DailyDigestFactory


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
