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


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.mark.django_db
def test_the_sitemap_covers_every_public_page_kind_dated_by_its_content(client):
    from xml.etree import ElementTree

    from digests.models import DigestTag
    from tests.digests.factories import DigestEntryFactory, TagFactory
    from tests.papers.factories import PaperFactory

    published_at = dt.datetime(2022, 1, 14, 11, 10, 50, tzinfo=dt.UTC)
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13), published_at=published_at)
    paper = PaperFactory(
        arxiv_id="2201.04182",
        published=dt.datetime(2022, 1, 11, tzinfo=dt.UTC),
        updated=dt.datetime(2022, 1, 12, tzinfo=dt.UTC),
        with_authors=1,
        with_categories=["cs.LG"],
    )
    DigestEntryFactory(digest=digest, paper=paper)
    DigestTag.objects.create(digest=digest, tag=TagFactory(name="arXiv", slug="arxiv"), position=1)

    response = client.get("/sitemap.xml")

    urls = {
        url.findtext(f"{SITEMAP}loc").removeprefix("http://testserver"): url.findtext(f"{SITEMAP}lastmod")
        for url in ElementTree.fromstring(response.content).iter(f"{SITEMAP}url")
    }
    author = paper.authorships.get().author
    assert urls[digest.get_absolute_url()] == "2022-01-14"
    assert urls[paper.get_absolute_url()] == "2022-01-12"
    assert urls["/categories/cs.LG/"] == "2022-01-12"
    assert urls[author.get_absolute_url()] == "2022-01-12"
    assert urls["/tags/arxiv/"] == "2022-01-14"
    assert urls["/archive/2022/"] == urls["/archive/2022/01/"] == "2022-01-14"
    for path in ("/", "/trending/", "/categories/", "/archive/", "/feeds/"):
        assert urls[path] == "2022-01-14"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", "Hot Papers: the arXiv papers people shared most"),
        ("/trending/", "Trending papers · Hot Papers"),
        ("/categories/", "Categories · Hot Papers"),
        ("/archive/", "Archive · Hot Papers"),
        ("/feeds/", "Feeds · Hot Papers"),
        ("/search/", "Search · Hot Papers"),
    ],
)
def test_every_page_has_a_title_description_canonical_url_and_social_tags(client, path, title):
    import re

    html = client.get(path).content.decode()

    assert f"<title>{title}</title>" in html
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert f'<link rel="canonical" href="http://testserver{path}">' in html
    for tag in ("og:title", "og:description", "og:type", "og:url", "og:image", "og:site_name"):
        assert f'<meta property="{tag}" content="' in html
    for tag in ("twitter:card", "twitter:title", "twitter:description", "twitter:image"):
        assert f'<meta name="{tag}" content="' in html
    assert 'class="skip-link" href="#content"' in html and '<main id="content"' in html
    assert 'role="search"' in html and '<nav class="site-nav-wrap" aria-label="Main">' in html
    # Nothing loads from elsewhere: styles and icons are ours, no script has a source.
    assert "<script src" not in html and "<script async src" not in html
    assert set(re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html)) <= {
        "/static/css/site.css",
        "/static/img/favicon.svg",
    }


@pytest.mark.django_db
def test_the_404_page_is_in_the_sites_design(client):
    response = client.get("/no/such/page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="site-header"' in html and "/static/css/site.css" in html
    assert '<meta name="robots" content="noindex">' in html and 'rel="canonical"' not in html


def test_the_500_page_renders_without_a_request_or_the_database():
    from django.template.loader import get_template

    html = get_template("500.html").render()

    assert "Something went wrong" in html and 'class="site-header"' in html and "/static/css/site.css" in html
    assert 'href="/archive/"' in html
