"""An entry an editor excluded is a record of the decision: never shown, exported or counted anywhere."""

import datetime as dt

import pytest
from django.urls import reverse

from digests.models import DigestEntry
from digests.services.exporting import digest_export_markdown
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest():
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13))
    DigestEntryFactory(digest=digest, position=1, paper__title="Kept in the digest")
    DigestEntryFactory(digest=digest, position=2, paper__title="Excluded by the editor", is_excluded=True)
    return digest


def test_the_digest_page_the_listing_and_the_card_leave_it_out(client, digest):
    page = client.get(digest.get_absolute_url())
    listing = client.get(reverse("digests:digest-list"))

    assert "Kept in the digest" in page.content.decode()
    assert "Excluded by the editor" not in page.content.decode()
    assert [entry.title for entry in page.context["entries"]] == ["Kept in the digest"]
    assert "Excluded by the editor" not in listing.content.decode()
    assert "1 paper" in listing.content.decode() and "2 papers" not in listing.content.decode()


def test_the_api_and_the_export_leave_it_out(client, digest):
    listed = client.get("/api/digests/").json()["results"][0]
    detail = client.get(f"/api/digests/{digest.slug}/").json()

    assert listed["paper_count"] == 1
    assert (detail["paper_count"], len(detail["entries"])) == (1, 1)
    assert "Excluded by the editor" not in digest_export_markdown(digest=digest)


def test_the_papers_page_does_not_list_the_digest_it_was_excluded_from(client, digest):
    excluded = DigestEntry.objects.get(digest=digest, is_excluded=True)
    html = client.get(excluded.paper.get_absolute_url()).content.decode()
    assert digest.title not in html
