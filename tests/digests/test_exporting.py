"""Digests built or edited in Hot Papers, exported to seed-format Markdown that imports back."""

import datetime as dt

import pytest

from digests.models import DailyDigest
from digests.postformat import parse_post
from digests.services.exporting import digest_export_all, digest_export_markdown, digest_to_post
from digests.services.importing import digest_import_text
from papers.models import Tweet
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.digests.post_samples import SEED_BYTES, SEED_SLUG, seed_with

pytestmark = pytest.mark.django_db


def test_hidden_tweets_are_left_out_of_the_export():
    digest_import_text(text=SEED_BYTES, name="seed.md")
    Tweet.objects.filter(external_id="1481787736264634368").update(is_hidden=True)

    text = digest_export_markdown(digest=DailyDigest.objects.get(slug=SEED_SLUG))

    assert "1481787736264634368" not in text
    assert "1481443284304154625" in text
    assert len(parse_post(text, name="export.md").entries[0].tweets) == 1


def test_a_draft_digest_exports_with_draft_true_and_round_trips():
    draft_text = seed_with("draft: false", "draft: true")
    digest_import_text(text=draft_text, name="seed.md")

    assert digest_export_markdown(digest=DailyDigest.objects.get(slug=SEED_SLUG)) == draft_text


def test_without_a_generation_time_the_export_dates_the_post_by_publication_then_by_its_day():
    went_live = dt.datetime(2022, 3, 2, 9, 0, tzinfo=dt.UTC)
    published = DailyDigestFactory(date=dt.date(2022, 3, 1), generated_at=None, published_at=went_live)
    draft = DailyDigestFactory(date=dt.date(2022, 3, 2), generated_at=None, draft=True)

    assert digest_to_post(digest=published).generated_at == went_live
    assert digest_to_post(digest=draft).generated_at == dt.datetime(2022, 3, 2, tzinfo=dt.UTC)


def test_a_built_digest_exports_renumbered_with_wrapped_titles_and_abstracts_on_one_line():
    digest = DailyDigestFactory(date=dt.date(2022, 3, 1))
    first = DigestEntryFactory(digest=digest, position=2, with_tweets=1)
    DigestEntryFactory(digest=digest, position=5, measured_at=None)
    first.paper.title = "A Long Title That arXiv\n  Wrapped"
    first.paper.abstract = "  First line of the abstract\nsecond line.\n"
    first.paper.save()

    post = parse_post(digest_export_markdown(digest=digest), name="built.md")

    assert [entry.rank for entry in post.entries] == [1, 2]
    assert post.entries[0].title == "A Long Title That arXiv  Wrapped"
    assert post.entries[0].abstract == "First line of the abstract second line."
    assert post.entries[1].measured_at == digest.generated_at
    assert [tweet.tweet_id for tweet in post.entries[0].tweets] == [first.tweets.get().external_id]


def test_exporting_every_digest_writes_one_slug_named_file_each(tmp_path):
    digest_import_text(text=SEED_BYTES, name="seed.md")
    DailyDigestFactory(date=dt.date(2022, 3, 1))

    paths = digest_export_all(directory=tmp_path / "out")

    assert [path.name for path in paths] == ["hot-papers-2022-01-13.md", "hot-papers-2022-03-01.md"]
    assert paths[0].read_bytes() == SEED_BYTES
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [path.name for path in paths]
