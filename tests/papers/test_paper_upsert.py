import dataclasses
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from papers.models import Author, Authorship, Category, Paper, PaperCategory
from papers.services.bulk import insert_rows
from papers.services.catalog import authors_for_names, categories_for_codes
from papers.services.upsert import PaperRecord, papers_upsert
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory

pytestmark = pytest.mark.django_db


def record(n=1, *, version=1, title=None, authors=("Ada Lovelace", "Alan Turing"), categories=("cs.LG", "stat.ML")):
    return PaperRecord(
        arxiv_id=f"2201.{n:05d}",
        version=version,
        title=title or f"Paper number {n}",
        abstract=f"Abstract {n}.",
        authors=tuple(authors),
        categories=tuple(categories),
        published=dt.datetime(2022, 1, 12, tzinfo=dt.UTC),
        updated=dt.datetime(2022, 1, 12 + (version or 0), tzinfo=dt.UTC),
    )


def snapshot():
    """Every row the upsert writes, to compare whole databases."""
    return (
        list(Paper.objects.order_by("pk").values()),
        list(Author.objects.order_by("pk").values()),
        list(Authorship.objects.order_by("pk").values()),
        list(Category.objects.order_by("pk").values()),
        list(PaperCategory.objects.order_by("pk").values()),
    )


def test_new_papers_are_created_with_ordered_authors_and_categories():
    result = papers_upsert(records=[record(1, authors=("Zed", "Amy"), categories=("stat.ML", "cs.LG"))])
    paper = Paper.objects.get(arxiv_id="2201.00001")
    assert result.created == ["2201.00001"]
    assert [a.author.name for a in paper.authorships.order_by("position")] == ["Zed", "Amy"]
    assert [c.category.code for c in paper.paper_categories.order_by("position")] == ["stat.ML", "cs.LG"]
    assert paper.primary_category.code == "stat.ML"


def test_running_the_same_upsert_twice_leaves_the_database_identical():
    records = [record(n) for n in range(1, 6)]
    papers_upsert(records=records)
    before = snapshot()
    result = papers_upsert(records=records)
    assert result.unchanged == [r.arxiv_id for r in records]
    assert result.created == result.updated == []
    assert snapshot() == before


def test_a_newer_version_replaces_metadata_and_an_older_one_changes_nothing():
    papers_upsert(records=[record(1, version=2, title="Second")])
    older = papers_upsert(records=[record(1, version=1, title="First", authors=("Someone Else",))])
    assert older.unchanged == ["2201.00001"]
    assert Paper.objects.get().title == "Second"

    newer = papers_upsert(
        records=[record(1, version=3, title="Third", authors=("Grace Hopper",), categories=("cs.AI",))]
    )
    paper = Paper.objects.get()
    assert newer.updated == ["2201.00001"]
    assert (paper.version, paper.title) == (3, "Third")
    assert [a.author.name for a in paper.authorships.all()] == ["Grace Hopper"]
    assert [c.category.code for c in paper.paper_categories.all()] == ["cs.AI"]


def test_update_existing_false_never_touches_stored_papers():
    papers_upsert(records=[record(1, version=None, title="From a post")])
    papers_upsert(records=[record(1, version=5, title="From arXiv")], update_existing=False)
    assert Paper.objects.get().title == "From a post"


def test_query_count_does_not_grow_with_the_number_of_papers():
    def count(n, offset):
        records = [record(offset + i, authors=(f"Author {offset + i}", "Shared Author")) for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            papers_upsert(records=records)
        return len(queries)

    count(1, 5000)  # the first call also creates the categories
    assert count(10, 0) == count(200, 1000)


def test_updating_a_paper_freezes_what_a_published_digest_showed():
    papers_upsert(records=[record(1, version=1, title="Old title", categories=("cs.LG",))])
    paper = Paper.objects.get()
    published = DigestEntryFactory(paper=paper, digest=DailyDigestFactory())
    draft = DigestEntryFactory(paper=paper, digest=DailyDigestFactory(draft=True))

    papers_upsert(records=[record(1, version=2, title="New title", categories=("cs.LG", "cs.AI"))])

    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.title, published.category_codes) == ("Old title", ["cs.LG"])
    assert published.shown_authors is None  # authors did not change, so nothing is copied
    assert (draft.title, draft.category_codes) == ("New title", ["cs.LG", "cs.AI"])


def test_distinct_names_with_the_same_slug_get_distinct_stable_slugs():
    first = authors_for_names(names=["José García"])
    second = authors_for_names(names=["Jose Garcia", "José García"])
    assert first["José García"].slug == "jose-garcia"
    assert second["José García"].pk == first["José García"].pk
    assert second["Jose Garcia"].slug.startswith("jose-garcia-")
    assert authors_for_names(names=["王小明"])["王小明"].slug.startswith("author-")


def test_categories_missing_from_the_taxonomy_are_created_and_flagged():
    codes = categories_for_codes(codes=["cs.LG", "zz.NEW"])
    assert codes["zz.NEW"].in_taxonomy is False


def test_a_paper_inserted_meanwhile_by_another_job_is_an_integrity_error_for_the_retry():
    papers_upsert(records=[record(1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Paper, ("arxiv_id", "title"), [("2201.00001", "Twice")])


def test_a_new_paper_is_announced_in_the_listing_its_version_1_time_falls_in():
    # 2022-01-12 00:00 UTC is Tuesday 19:00 in New York: after Tuesday's cutoff, so Thursday's listing.
    papers_upsert(records=[record(1)])
    assert Paper.objects.get().announced_on == dt.date(2022, 1, 13)


def test_a_source_that_gives_the_announcement_date_is_believed():
    papers_upsert(records=[dataclasses.replace(record(1), announced_on=dt.date(2022, 1, 14))])
    assert Paper.objects.get().announced_on == dt.date(2022, 1, 14)


def test_a_paper_without_a_submission_time_has_no_announcement_date_until_one_arrives():
    papers_upsert(records=[dataclasses.replace(record(1, version=None), published=None)])
    assert Paper.objects.get().announced_on is None
    papers_upsert(records=[record(1, version=2)])
    assert Paper.objects.get().announced_on == dt.date(2022, 1, 13)


def test_a_newer_version_never_replaces_a_stored_announcement_date():
    papers_upsert(records=[record(1, version=1)])
    Paper.objects.update(announced_on=dt.date(2022, 1, 18))  # an editor's correction (an arXiv holiday)
    later = dataclasses.replace(record(1, version=2), announced_on=dt.date(2022, 1, 20))
    assert papers_upsert(records=[later]).updated == ["2201.00001"]
    assert Paper.objects.get().announced_on == dt.date(2022, 1, 18)


def test_announcement_dates_cost_no_extra_query_on_updates():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's parameter limit splits a large bulk update into batches")
    papers_upsert(records=[record(n, version=1) for n in range(1, 201)])
    papers_upsert(records=[record(5000, version=1)])

    def count(numbers):
        with CaptureQueriesContext(connection) as queries:
            papers_upsert(records=[record(n, version=2) for n in numbers])
        return len(queries)

    assert count(range(1, 11)) == count(range(11, 201))
