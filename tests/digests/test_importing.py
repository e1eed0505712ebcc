"""What an imported post becomes in the database: digests, papers, authors, categories, tweets and entries."""

import datetime as dt

import pytest
from django.db import transaction

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet
from digests.ranking import rank_papers
from digests.services.exporting import digest_export_markdown
from digests.services.importing import digest_import_text
from papers.models import Author, Category, Paper, Tweet
from tests.digests.post_samples import (
    SEED_BYTES,
    SEED_SLUG,
    SEED_TEXT,
    database_dump,
    make_entry,
    make_post,
    make_tweet,
    post_bytes,
    seed_with,
)
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db


def _import(post, name="post.md"):
    return digest_import_text(text=post_bytes(post), name=name)


def test_the_seed_becomes_a_published_digest_dated_by_its_slug_and_generated_at_its_front_matter_date():
    result = digest_import_text(text=SEED_BYTES, name="seed.md")

    digest = DailyDigest.objects.get(slug=SEED_SLUG)
    assert result.created and result.digest == digest
    assert digest.date == dt.date(2022, 1, 13)
    assert digest.generated_at == dt.datetime(2022, 1, 14, 11, 10, 50, tzinfo=dt.UTC)
    assert digest.status == DailyDigest.Status.PUBLISHED
    assert digest.published_at == digest.generated_at
    assert (digest.title, digest.description) == ("Hot Papers 2022-01-13", "Hot papers 2022-01-13")
    assert digest.social_image == "/media/flying-marine.jpg"
    assert [dt_.tag.name for dt_ in digest.digest_tags.select_related("tag")] == [
        "arXiv",
        "Twitter",
        "Machine Learning",
        "Computer Science",
    ]
    assert digest.entries.count() == 8
    assert (result.papers_created, result.tweets_created) == (8, 11)


def test_draft_true_imports_a_draft_digest():
    digest_import_text(text=seed_with("draft: false", "draft: true"), name="seed.md")

    digest = DailyDigest.objects.get(slug=SEED_SLUG)
    assert (digest.status, digest.published_at) == (DailyDigest.Status.DRAFT, None)


def test_a_published_digest_keeps_when_it_went_live_on_reimport():
    digest_import_text(text=SEED_BYTES, name="seed.md")
    went_live = dt.datetime(2022, 1, 14, 12, 0, tzinfo=dt.UTC)
    DailyDigest.objects.filter(slug=SEED_SLUG).update(published_at=went_live)

    digest_import_text(text=SEED_BYTES, name="seed.md")

    assert DailyDigest.objects.get(slug=SEED_SLUG).published_at == went_live


def test_a_scheduled_digest_stays_scheduled_when_its_draft_export_is_reimported():
    digest_import_text(text=seed_with("draft: false", "draft: true"), name="seed.md")
    publish_at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    DailyDigest.objects.filter(slug=SEED_SLUG).update(status=DailyDigest.Status.SCHEDULED, publish_at=publish_at)

    digest_import_text(text=seed_with("draft: false", "draft: true"), name="seed.md")

    digest = DailyDigest.objects.get(slug=SEED_SLUG)
    assert (digest.status, digest.publish_at) == (DailyDigest.Status.SCHEDULED, publish_at)


def test_a_paper_in_two_posts_is_one_paper_with_the_first_posts_metadata_and_the_second_entry_keeps_what_it_showed():
    first = make_entry(1, "2202.00001", title="Old  Title", authors=["A One"], categories=["cs.LG"], abstract="Old.")
    second = make_entry(
        1, "2202.00001", title="New Title", authors=["A One", "B Two"], categories=["cs.LG", "stat.ML"], abstract="New."
    )
    _import(make_post("2022-02-01", [first]))
    result = _import(make_post("2022-02-02", [second]))

    paper = Paper.objects.get()
    assert (paper.title, paper.abstract, paper.primary_category.code) == ("Old  Title", "Old.", "cs.LG")
    assert [a.author.name for a in paper.authorships.select_related("author")] == ["A One"]
    assert result.papers_created == 0
    old_entry, new_entry = DigestEntry.objects.order_by("digest__date")
    assert (old_entry.shown_title, old_entry.shown_authors, old_entry.shown_abstract) == ("", None, "")
    assert old_entry.shown_categories is None
    assert new_entry.shown_title == "New Title"
    assert new_entry.shown_authors == ["A One", "B Two"]
    assert new_entry.shown_abstract == "New."
    assert new_entry.shown_categories == ["cs.LG", "stat.ML"]
    assert digest_export_markdown(digest=new_entry.digest) == post_bytes(make_post("2022-02-02", [second])).decode()


def test_a_paper_already_known_from_arxiv_is_not_changed_by_an_import():
    paper = PaperFactory(arxiv_id="2202.00001", title="The arXiv Title", with_authors=2, with_categories=["cs.CV"])
    before = Paper.objects.values().get(pk=paper.pk)

    _import(make_post("2022-02-01", [make_entry(1, "2202.00001", title="As Tweeted")]))

    assert Paper.objects.values().get(pk=paper.pk) == before
    entry = DigestEntry.objects.get()
    assert entry.shown_title == "As Tweeted"
    assert entry.shown_authors == ["Ada Lovelace", "Alan Turing"]
    assert entry.shown_categories == ["cs.LG"]


def test_authors_are_one_row_per_name_with_ascii_slugs_and_a_fallback_for_names_slugify_cannot_spell():
    authors = ["José Núñez", "Jose Nunez", "王小明"]
    _import(make_post("2022-02-01", [make_entry(1, "2202.00001", authors=authors)]))
    _import(make_post("2022-02-02", [make_entry(1, "2202.00002", authors=authors[:1])]))

    slugs = dict(Author.objects.values_list("name", "slug"))
    assert len(slugs) == 3
    assert {slugs["José Núñez"], slugs["Jose Nunez"]} >= {"jose-nunez"}
    assert max(slugs["José Núñez"], slugs["Jose Nunez"]).startswith("jose-nunez-")
    assert slugs["王小明"].startswith("author-") and slugs["王小明"].isascii()
    paper = Paper.objects.get(arxiv_id="2202.00001")
    assert [a.author.name for a in paper.authorships.select_related("author").order_by("position")] == authors


def test_categories_keep_their_order_the_first_is_primary_and_unknown_ones_are_flagged_outside_the_taxonomy():
    _import(make_post("2022-02-01", [make_entry(1, "2202.00001", categories=["zz.NEW", "cs.LG"])]))

    paper = Paper.objects.get()
    assert [pc.category.code for pc in paper.paper_categories.select_related("category")] == ["zz.NEW", "cs.LG"]
    assert paper.primary_category.code == "zz.NEW"
    assert Category.objects.get(code="zz.NEW").in_taxonomy is False


def test_an_imported_tweet_keeps_its_oembed_parts_plain_text_and_posting_time():
    digest_import_text(text=SEED_BYTES, name="seed.md")

    tweet = Tweet.objects.get(external_id="1481787736264634368")
    assert (tweet.source, tweet.learned_via) == (Tweet.Source.X, Tweet.LearnedVia.MARKDOWN)
    assert tweet.url == "https://twitter.com/hardmaru/status/1481787736264634368"
    assert (tweet.author_handle, tweet.author_name, tweet.lang, tweet.text_dir) == ("hardmaru", "hardmaru", "en", "ltr")
    assert tweet.text_html.startswith("HyperTransformer: Model Generation")
    assert tweet.text.startswith(
        "HyperTransformer: Model Generation for Supervised and Semi-Supervised Few-Shot Learning\n\nBy"
    )
    assert "<" not in tweet.text
    assert tweet.posted_at.date() == dt.date(2022, 1, 14)
    assert list(tweet.papers.values_list("arxiv_id", flat=True)) == ["2201.04182"]


def test_a_tweet_in_two_entries_and_two_posts_is_one_row_linked_to_each_paper():
    tweet = make_tweet("1488000000000000001")
    _import(
        make_post(
            "2022-02-01", [make_entry(1, "2202.00001", tweets=[tweet]), make_entry(2, "2202.00002", tweets=[tweet])]
        )
    )
    _import(make_post("2022-02-02", [make_entry(1, "2202.00003", tweets=[tweet])]))

    stored = Tweet.objects.get()
    assert sorted(stored.papers.values_list("arxiv_id", flat=True)) == ["2202.00001", "2202.00002", "2202.00003"]
    assert DigestEntryTweet.objects.filter(tweet=stored).count() == 3


def test_a_tweet_learned_elsewhere_keeps_its_values_and_only_gets_its_empty_fields_filled():
    TweetFactory(
        external_id="1488000000000000001",
        learned_via=Tweet.LearnedVia.API,
        author_name="Name From The API",
        text="From the API",
        text_html="",
        lang="",
        retweets=7,
    )
    tweet = make_tweet("1488000000000000001", name="Name In The Post", lang="fr")

    result = _import(make_post("2022-02-01", [make_entry(1, "2202.00001", tweets=[tweet])]))

    stored = Tweet.objects.get()
    assert result.tweets_created == 0
    assert (stored.learned_via, stored.author_name, stored.text, stored.retweets) == (
        Tweet.LearnedVia.API,
        "Name From The API",
        "From the API",
        7,
    )
    assert (stored.text_html, stored.lang) == (tweet.text_html, "fr")


def test_reimporting_keeps_every_row_its_id_and_the_editors_notes():
    digest_import_text(text=SEED_BYTES, name="seed.md")
    DigestEntry.objects.filter(position=2).update(note="Worth a read.")
    before = database_dump()

    result = digest_import_text(text=SEED_BYTES, name="seed.md")

    assert not result.created and not result.changed
    assert database_dump() == before


def test_reimporting_a_changed_post_updates_entries_in_place_and_deletes_the_extra_ones():
    entries = [
        make_entry(rank, f"2202.0000{rank}", tweets=[make_tweet(f"148800000000000000{rank}")]) for rank in (1, 2, 3)
    ]
    _import(make_post("2022-02-01", entries))
    ids = dict(DigestEntry.objects.values_list("position", "pk"))
    DigestEntry.objects.filter(position=1).update(note="Keep me.")
    entries[1].retweets = 999

    result = _import(make_post("2022-02-01", entries[:2]))

    assert result.changed and not result.created
    assert dict(DigestEntry.objects.values_list("position", "pk")) == {1: ids[1], 2: ids[2]}
    assert DigestEntry.objects.get(position=2).retweets == 999
    assert DigestEntry.objects.get(position=1).note == "Keep me."
    assert DigestEntryTweet.objects.count() == 2


def test_an_editors_note_stays_with_its_paper_when_a_reimport_moves_or_replaces_papers():
    _import(make_post("2022-02-01", [make_entry(1, "2202.00001"), make_entry(2, "2202.00002")]))
    noted = DigestEntry.objects.get(paper__arxiv_id="2202.00002")
    noted.note = "About 2202.00002."
    noted.save()

    # 2202.00001 is gone, 2202.00002 moves to the top, a new paper takes second place.
    _import(make_post("2022-02-01", [make_entry(1, "2202.00002"), make_entry(2, "2202.00003")]))

    entries = {entry.paper.arxiv_id: entry for entry in DigestEntry.objects.select_related("paper")}
    assert set(entries) == {"2202.00002", "2202.00003"}
    assert (entries["2202.00002"].pk, entries["2202.00002"].position) == (noted.pk, 1)
    assert entries["2202.00002"].note == "About 2202.00002."
    assert entries["2202.00003"].note == ""


def test_papers_that_swap_places_reimport_cleanly():
    first, second = make_entry(1, "2202.00001"), make_entry(2, "2202.00002")
    _import(make_post("2022-02-01", [first, second]))
    swapped = make_post("2022-02-01", [make_entry(1, "2202.00002"), make_entry(2, "2202.00001")])

    result = _import(swapped)

    assert result.changed
    digest = DailyDigest.objects.get()
    assert list(digest.entries.order_by("position").values_list("paper__arxiv_id", flat=True)) == [
        "2202.00002",
        "2202.00001",
    ]
    assert digest_export_markdown(digest=digest) == post_bytes(swapped).decode()


def test_tags_keep_their_order_and_get_slugs():
    _import(make_post("2022-02-01", tags=["Machine Learning", "arXiv"]))

    digest = DailyDigest.objects.get()
    assert [(d.position, d.tag.name, d.tag.slug) for d in digest.digest_tags.select_related("tag")] == [
        (1, "Machine Learning", "machine-learning"),
        (2, "arXiv", "arxiv"),
    ]


def test_a_post_imported_inside_a_callers_transaction_rolls_back_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        digest_import_text(text=SEED_BYTES, name="seed.md")
        raise RuntimeError("caller fails afterwards")

    assert not DailyDigest.objects.exists()
    assert not Paper.objects.exists()


def test_ids_are_stored_by_base_id_and_exported_as_the_post_wrote_them():
    post = make_post(
        "2022-02-01",
        [make_entry(1, "hep-th/9901001"), make_entry(2, "math.GT/0309136"), make_entry(3, "2201.04182v2")],
    )

    _import(post)

    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"hep-th/9901001", "math/0309136", "2201.04182"}
    assert digest_export_markdown(digest=DailyDigest.objects.get()) == post_bytes(post).decode("utf-8")
    assert list(DigestEntry.objects.order_by("position").values_list("shown_arxiv_id", flat=True)) == [
        "",
        "math.GT/0309136",
        "2201.04182v2",
    ]


def test_an_import_stores_the_posts_and_accounts_behind_each_entrys_totals():
    """The "why" line of an imported entry is a snapshot as of its digest's build time, as a built entry's is."""
    digest_import_text(text=SEED_TEXT, name="seed.md")
    entries = list(DigestEntry.objects.filter(digest__slug=SEED_SLUG).select_related("digest").order_by("position"))
    ranked = rank_papers(paper_ids=[entry.paper_id for entry in entries], as_of=entries[0].digest.generated_at)

    for entry in entries:
        standing = ranked[entry.paper_id]
        assert (entry.post_count, entry.account_count, entry.sources) == (
            standing.post_count,
            standing.account_count,
            list(standing.sources),
        )
    assert entries[0].has_ranking_snapshot
    assert entries[0].why_line.startswith(f"Score {entries[0].score:,} (reposts + likes): ")
