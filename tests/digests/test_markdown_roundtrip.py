"""The whole corpus and the seed: imported, exported back to their bytes, re-imported without a change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.models import DailyDigest
from digests.postformat import parse_post
from digests.services.exporting import digest_export_markdown
from digests.services.importing import digest_import_text, digests_import_files
from tests.digests.post_samples import database_dump, make_entry, make_post, make_tweet, post_bytes

pytestmark = pytest.mark.django_db

# The generator embedded a repost as its original, so three entries of these posts show one
# tweet twice in a row; the export keeps both embeds, as the post showed them.
POSTS_WITH_REPEATED_EMBEDS = {"2020-09-17---Hot-Papers.md", "2020-09-18---Hot-Papers.md"}
CORPUS_POSTS = 126
QUERIES_PER_POST = 40  # measured: 30 for a new post (33 at most), 16 for one imported before


def _post_files(corpus_dir, seed_path):
    files = sorted([*corpus_dir.glob("*.md"), seed_path], key=lambda path: path.name)
    assert len(files) == CORPUS_POSTS + 1
    return files


def test_the_corpus_imports_once_each_exports_to_its_own_bytes_and_reimports_as_no_change(corpus_dir, seed_path):
    """One import of the 126 corpus posts and the seed (they take a while), checked three ways."""
    files = _post_files(corpus_dir, seed_path)
    with CaptureQueriesContext(connection) as queries:
        report = digests_import_files(files=files)

    # Each digest, paper and tweet once, in a bounded number of queries.
    assert report.ok, report.errors
    assert sum(result.created for result in report.results) == CORPUS_POSTS + 1
    assert sum(result.entries for result in report.results) == 1152 + 8
    assert sum(result.papers_created for result in report.results) == 1149 + 8
    assert sum(result.tweets_created for result in report.results) == 1282  # 1,290 embeds, 8 of them repeats
    assert DailyDigest.objects.filter(status=DailyDigest.Status.PUBLISHED).count() == CORPUS_POSTS + 1
    assert len(queries) < QUERIES_PER_POST * (CORPUS_POSTS + 1)
    repeats = {result.name: result.repeated_embeds for result in report.results if result.repeated_embeds}
    assert set(repeats) == POSTS_WITH_REPEATED_EMBEDS and sum(repeats.values()) == 3

    # Every post exports to the bytes it was imported from.
    digests = {digest.slug: digest for digest in DailyDigest.objects.all()}
    for path in files:
        original = path.read_bytes()
        slug = parse_post(original, name=path.name).slug
        exported = digest_export_markdown(digest=digests[slug]).encode("utf-8")
        assert exported == original, path.name

    # Importing it all again changes nothing.
    before = database_dump()
    with CaptureQueriesContext(connection) as queries:
        again = digests_import_files(files=_post_files(corpus_dir, seed_path))

    assert again.ok
    assert not any(result.changed or result.created for result in again.results)
    assert database_dump() == before
    assert len(queries) < QUERIES_PER_POST * (CORPUS_POSTS + 1)


def _sized_post(day, entries, first_id):
    return make_post(
        day,
        entries=[
            make_entry(
                rank,
                f"2202.{first_id + rank:05d}",
                authors=[f"Author {first_id + rank} {n}" for n in range(4)],
                categories=["cs.LG", f"cs.X{'ABCDEFG'[rank % 7]}"],
                tweets=[make_tweet(str(1488000000000000000 + (first_id + rank) * 10 + n)) for n in range(3)],
            )
            for rank in range(1, entries + 1)
        ],
    )


def test_import_queries_per_post_do_not_depend_on_its_number_of_entries():
    # Tags and categories exist after this one: what is new in the posts below is their size.
    digest_import_text(text=post_bytes(_sized_post("2022-02-01", 7, 0)), name="warm-up.md")
    small, large = _sized_post("2022-02-02", 1, 100), _sized_post("2022-02-03", 30, 200)
    counts = {}
    for name, post in (("small", small), ("large", large)):
        for attempt in ("first", "again"):
            with CaptureQueriesContext(connection) as queries:
                digest_import_text(text=post_bytes(post), name=f"{name}.md")
            counts[name, attempt] = len(queries)

    assert counts["small", "first"] == counts["large", "first"]
    assert counts["small", "again"] == counts["large", "again"]
    assert counts["large", "first"] <= QUERIES_PER_POST


def test_export_queries_do_not_depend_on_the_number_of_entries(django_assert_num_queries):
    small = digest_import_text(text=post_bytes(_sized_post("2022-02-02", 1, 100)), name="small.md").digest
    large = digest_import_text(text=post_bytes(_sized_post("2022-02-03", 30, 200)), name="large.md").digest

    for digest in (small, large):
        digest = DailyDigest.objects.get(pk=digest.pk)
        # The digest with its tags, entries, authorships, categories and embedded posts.
        with django_assert_num_queries(6):
            digest_export_markdown(digest=digest)
