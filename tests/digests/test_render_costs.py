"""What an uncached digest render does not repeat: converting the same note or post twice, rendering
an entry whose content has not changed; and that what it keeps never outlives an edit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests import digest_page
from digests.html import render_markdown, sanitize_post_html
from digests.models import DigestEntryTweet
from digests.selectors import digest_with_entries
from papers.models import Author, Category
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory, TagFactory
from tests.papers.factories import AuthorFactory, TweetFactory

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


def test_a_second_render_renders_no_entry_again(client):
    digest = DailyDigestFactory()
    for position in (1, 2, 3):
        DigestEntryFactory(digest=digest, position=position, with_tweets=2)
    first = client.get(digest.get_absolute_url()).content
    rendered = digest_page.entry_html.cache_info().misses

    assert client.get(digest.get_absolute_url()).content == first
    assert digest_page.entry_html.cache_info().misses == rendered


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda entry: entry.paper.__class__.objects.filter(pk=entry.paper_id).update(title="Edited"), id="paper"
        ),
        pytest.param(
            lambda entry: Author.objects.filter(pk=entry.paper.authorships.first().author_id).update(name="Edited"),
            id="author",
        ),
        pytest.param(lambda entry: Category.objects.filter(code="cs.LG").update(name="Edited"), id="category"),
        pytest.param(lambda entry: entry.tweets.update(author_name="Edited"), id="post"),
        pytest.param(lambda entry: type(entry).objects.filter(pk=entry.pk).update(note="Edited"), id="note"),
        pytest.param(lambda entry: type(entry).objects.filter(pk=entry.pk).update(shown_title="Edited"), id="snapshot"),
    ],
)
def test_an_edit_anywhere_in_an_entry_shows_at_once(client, edit):
    """Kept sections are keyed by what they are made of: nothing to invalidate, nothing stale."""
    entry = DigestEntryFactory(with_tweets=1)
    before = client.get(entry.digest.get_absolute_url()).content.decode()
    assert "Edited" not in before

    edit(entry)

    assert "Edited" in client.get(entry.digest.get_absolute_url()).content.decode()


def test_the_statement_and_the_orm_give_the_same_page(client):
    """Other databases read the page through the ORM (digest_page._page_from_orm): the same HTML."""
    AuthorFactory(name="Known Author", slug="known-author")
    older, digest = DailyDigestFactory(date=dt.date(2022, 1, 12)), DailyDigestFactory(date=dt.date(2022, 1, 13))
    for position, tag in enumerate(["Vision", "Robots"], start=1):
        digest.digest_tags.create(tag=TagFactory(name=tag, slug=tag.lower()), position=position)
    DigestEntryFactory(digest=digest, position=1, with_tweets=2, note="A *note*.")
    snapshot = DigestEntryFactory(
        digest=digest,
        position=2,
        with_tweets=1,
        shown_authors=["Known Author", "Stranger"],
        shown_categories=["cs.LG", "q-bio.XX"],
        shown_abstract="As $x^2$ was shown.",
        post_count=3,
        account_count=2,
        sources=["x"],
    )
    DigestEntryTweet.objects.create(entry=snapshot, tweet=snapshot.tweets.first(), position=2)  # embedded twice
    DigestEntryTweet.objects.create(entry=snapshot, tweet=TweetFactory(is_hidden=True, text="Hidden"), position=3)
    DigestEntryFactory(digest=digest, position=3, is_excluded=True, shown_title="Excluded")
    statement = digest_page.digest_page(slug=digest.slug)
    orm = digest_page._page_from_orm(digest.slug)

    assert [entry.html for entry in statement.entries] == [entry.html for entry in orm.entries]
    assert len(statement.entries) == 2 and "Hidden" not in statement.entries[1].html
    assert statement.entries[1].html.count("post__body") == 1
    assert [(tag.name, tag.slug) for tag in statement.tags] == [(tag.name, tag.slug) for tag in orm.tags]
    assert (statement.previous.slug, statement.next) == (orm.previous.slug, orm.next) == (older.slug, None)


def test_the_orm_reads_join_no_table_just_to_sort_rows():
    """Default orderings start with the parent (paper, entry, digest): sorting by them joins and scans its table.

    digest_with_entries serves the API and the digest page on databases other than PostgreSQL.
    """
    entry = DigestEntryFactory(with_tweets=2)
    with CaptureQueriesContext(connection) as queries:
        digest_with_entries(slug=entry.digest.slug)

    def query_from(table):
        return next(q["sql"] for q in queries.captured_queries if q["sql"].split(" FROM ")[1].startswith(f'"{table}"'))

    assert '"papers_paper"' not in query_from("papers_authorship")
    assert '"papers_paper"' not in query_from("papers_papercategory")
    assert '"digests_digestentry"' not in query_from("digests_digestentrytweet")
    assert '"digests_dailydigest"' not in query_from("digests_digestentry")
    assert '"digests_dailydigest"' not in query_from("digests_digesttag")
