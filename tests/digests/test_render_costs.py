"""What an uncached digest render does not repeat: converting the same note or post twice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.html import render_markdown, sanitize_post_html
from tests.digests.factories import DigestEntryFactory

pytestmark = pytest.mark.django_db


def test_a_second_render_converts_no_note_or_post_again(client):
    entry = DigestEntryFactory(with_tweets=3, note="A *note* for readers.")
    url = entry.digest.get_absolute_url()
    first = client.get(url).content

    posts_converted, notes_converted = sanitize_post_html.cache_info().misses, render_markdown.cache_info().misses
    second = client.get(url).content

    assert second == first
    assert sanitize_post_html.cache_info().misses == posts_converted
    assert render_markdown.cache_info().misses == notes_converted


def test_an_edited_note_is_converted_anew(client):
    entry = DigestEntryFactory(note="Before.")
    client.get(entry.digest.get_absolute_url())
    entry.note = "After *editing*."
    entry.save()
    assert "<em>editing</em>" in client.get(entry.digest.get_absolute_url()).content.decode()


def test_the_digest_page_joins_no_table_just_to_sort_rows(client):
    """Default orderings start with the parent (paper, entry, digest): sorting by them joins and scans its table."""
    entry = DigestEntryFactory(with_tweets=2)
    with CaptureQueriesContext(connection) as queries:
        client.get(entry.digest.get_absolute_url())

    def query_from(table):
        return next(q["sql"] for q in queries.captured_queries if q["sql"].split(" FROM ")[1].startswith(f'"{table}"'))

    assert '"papers_paper"' not in query_from("papers_authorship")
    assert '"papers_paper"' not in query_from("papers_papercategory")
    assert '"digests_digestentry"' not in query_from("digests_digestentrytweet")
    assert '"digests_dailydigest"' not in query_from("digests_digestentry")
    assert '"digests_dailydigest"' not in query_from("digests_digesttag")
