"""posts_upsert: the counting rules, one row per post whatever way it came, and a fixed cost per batch."""

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.models import DailyDigest
from digests.services.exporting import digest_export_markdown
from digests.services.importing import digest_import_text
from papers.models import Paper, Tweet, TweetMetrics
from papers.services.posts import BATCH_SIZE, posts_upsert
from papers.services.upsert import PaperRecord, papers_upsert
from papers.sources import x
from papers.sources.dumps import parse_dump
from papers.sources.posts import PostPage, SocialPost
from tests.conftest import SEED_PATH
from tests.papers.factories import PaperFactory
from tests.papers.posts_support import NOW, SEED_PAPERS, fixture_bytes, fixture_json
from tests.social_dumps import x_dump

pytestmark = pytest.mark.django_db

API = Tweet.LearnedVia.API
AK = "1481443284304154625"  # the seed's first post, @ak92501 on HyperTransformer
THREE_PAPERS = "1481738145863548932"
QUOTE = "1481787736264634368"
RETWEET = "1481790000000000001"


def x_page(name="search_page1.json", measured_at=NOW):
    return x.parse_page(fixture_json("x", name), measured_at=measured_at)


def post(external_id="1500000000000000001", *, links=("https://arxiv.org/abs/2201.04182",), **fields):
    values = {
        "source": "x",
        "external_id": external_id,
        "url": f"https://twitter.com/someone/status/{external_id}",
        "author_id": "42",
        "author_handle": "someone",
        "author_name": "Some One",
        "lang": "en",
        "text": "A paper",
        "posted_at": dt.datetime(2022, 1, 13, 9, tzinfo=dt.UTC),
        "reposts": 3,
        "likes": 10,
        "replies": 1,
        "quotes": 0,
        "links": links,
    }
    return SocialPost(**{**values, **fields})


def page(*posts, measured_at=NOW, source="x"):
    return PostPage(source=source, posts=posts, measured_at=measured_at)


def seed_papers():
    for arxiv_id in SEED_PAPERS:
        PaperFactory(arxiv_id=arxiv_id)


def database_state():
    """Every row posts_upsert writes, as plain values: equal states mean nothing changed."""
    tweets = list(Tweet.objects.order_by("pk").values())
    snapshots = list(TweetMetrics.objects.order_by("pk").values())
    links = list(Tweet.papers.through.objects.order_by("pk").values())
    return tweets, snapshots, links


def test_a_retweet_in_the_results_is_never_stored_nor_counted():
    seed_papers()
    result = posts_upsert(pages=[x_page()], learned_via=API)

    assert result.created == 3 and result.skipped_reposts == 1
    assert not Tweet.objects.filter(external_id=RETWEET).exists()
    ak = Tweet.objects.get(external_id=AK)
    # The retweet's copy of the original's counters adds nothing: the original counts with its own.
    assert (ak.retweets, ak.likes, ak.replies, ak.quotes) == (258, 1085, 3, 12)
    assert TweetMetrics.objects.filter(tweet=ak).count() == 1


def test_a_quote_post_is_a_post_of_its_own():
    seed_papers()
    posts_upsert(pages=[x_page()], learned_via=API)

    quote = Tweet.objects.get(external_id=QUOTE)
    assert quote.quoted_id == AK and quote.author_handle == "hardmaru" and quote.author_id == "2895499182"
    assert (quote.retweets, quote.likes) == (77, 402)
    assert list(quote.papers.values_list("arxiv_id", flat=True)) == ["2201.04182"]


def test_one_post_linking_three_papers_credits_all_three():
    seed_papers()
    posts_upsert(pages=[x_page()], learned_via=API)

    three = Tweet.objects.get(external_id=THREE_PAPERS)
    assert sorted(three.papers.values_list("arxiv_id", flat=True)) == ["2201.04182", "2201.04288", "2201.04600"]
    assert three.link_status == Tweet.LinkStatus.LINKED and three.pending_arxiv_ids == []
    assert "https://bit.ly/3tQx0aB" in three.links and "https://arxiv.org/abs/2201.04288" in three.links


def test_papers_not_stored_yet_are_work_to_do_and_wait_on_the_post():
    PaperFactory(arxiv_id="2201.04182")
    result = posts_upsert(pages=[x_page()], learned_via=API)

    assert result.missing_arxiv_ids == ["2201.04600", "2201.04288"]
    three = Tweet.objects.get(external_id=THREE_PAPERS)
    assert three.link_status == Tweet.LinkStatus.PENDING
    assert three.pending_arxiv_ids == ["2201.04600", "2201.04288"]
    assert list(three.papers.values_list("arxiv_id", flat=True)) == ["2201.04182"]
    # Seen again while they are being fetched: not asked for twice.
    assert (
        posts_upsert(pages=[x_page(measured_at=NOW + dt.timedelta(hours=1))], learned_via=API).missing_arxiv_ids == []
    )


def test_a_new_post_linking_no_paper_is_skipped_but_a_stored_one_is_still_updated():
    stored = post("1500000000000000002", links=())
    Tweet.objects.create(
        source="x", external_id=stored.external_id, learned_via=Tweet.LearnedVia.MARKDOWN, author_handle="someone"
    )
    result = posts_upsert(
        pages=[page(post("1500000000000000001", links=("https://example.org",)), stored)], learned_via=API
    )

    assert (result.created, result.updated, result.skipped_unlinked) == (0, 1, 1)
    assert not Tweet.objects.filter(external_id="1500000000000000001").exists()
    assert Tweet.objects.get(external_id=stored.external_id).likes == 10


def test_the_same_post_from_markdown_a_dump_and_the_api_is_one_row_and_the_digest_exports_unchanged():
    seed = SEED_PATH.read_bytes()
    digest_import_text(text=seed, name="seed.md")
    digest = DailyDigest.objects.get()
    before = Tweet.objects.get(external_id=AK)
    assert before.learned_via == Tweet.LearnedVia.MARKDOWN and before.metrics_at is None

    dump = posts_upsert(pages=parse_dump(fixture_bytes("x", "twarc_search.jsonl"), name="x.jsonl"), learned_via="dump")
    live = posts_upsert(pages=[x_page(measured_at=NOW + dt.timedelta(hours=2))], learned_via=API)

    assert Tweet.objects.filter(source="x", external_id=AK).count() == 1
    # Every post of the recorded pages is one the seed embeds.
    assert (dump.created, dump.updated, live.created) == (0, 5, 0)
    ak = Tweet.objects.get(external_id=AK)
    assert ak.pk == before.pk and ak.learned_via == Tweet.LearnedVia.MARKDOWN
    assert (ak.text_html, ak.author_name, ak.lang, ak.url) == (
        before.text_html,
        before.author_name,
        before.lang,
        before.url,
    )
    assert ak.author_id == "2465283662" and ak.likes == 1085 and ak.metrics_at is not None
    assert digest_export_markdown(digest=digest).encode() == seed


def test_counters_write_one_snapshot_when_they_change_and_nothing_when_they_do_not():
    PaperFactory(arxiv_id="2201.04182")
    first = post()
    posts_upsert(pages=[page(first)], learned_via=API)
    state = database_state()

    again = posts_upsert(pages=[page(first, measured_at=NOW + dt.timedelta(hours=1))], learned_via=API)
    assert (again.unchanged, again.snapshots) == (1, 0) and database_state() == state

    more = dataclasses.replace(first, likes=25, reposts=4)
    changed = posts_upsert(pages=[page(more, measured_at=NOW + dt.timedelta(hours=2))], learned_via=API)
    assert (changed.updated, changed.snapshots) == (1, 1)
    older = dataclasses.replace(first, likes=1)
    assert posts_upsert(pages=[page(older, measured_at=NOW - dt.timedelta(days=1))], learned_via=API).unchanged == 1

    tweet = Tweet.objects.get()
    assert (tweet.likes, tweet.retweets, tweet.metrics_at) == (25, 4, NOW + dt.timedelta(hours=2))
    assert list(tweet.metrics.order_by("measured_at").values_list("measured_at", "likes")) == [
        (NOW, 10),
        (NOW + dt.timedelta(hours=2), 25),
    ]


def test_a_post_read_without_counters_never_overwrites_them():
    PaperFactory(arxiv_id="2201.04182")
    posts_upsert(pages=[page(post())], learned_via=API)
    blind = dataclasses.replace(post(), reposts=0, likes=0, replies=0, has_counters=False)

    result = posts_upsert(pages=[page(blind, measured_at=NOW + dt.timedelta(hours=1))], learned_via="dump")

    assert result.unchanged == 1 and result.snapshots == 0
    assert Tweet.objects.get().likes == 10
    new = posts_upsert(pages=[page(dataclasses.replace(blind, external_id="1500000000000000009"))], learned_via="dump")
    assert new.snapshots == 0 and Tweet.objects.get(external_id="1500000000000000009").metrics_at is None


def test_a_post_met_twice_keeps_its_newest_reading():
    PaperFactory(arxiv_id="2201.04182")
    late = page(dataclasses.replace(post(), likes=50), measured_at=NOW + dt.timedelta(hours=1))
    result = posts_upsert(pages=[late, page(post())], learned_via="dump")

    assert result.created == 1 and result.snapshots == 1
    assert Tweet.objects.get().likes == 50


def test_platforms_have_ids_of_their_own():
    PaperFactory(arxiv_id="2201.04182")
    hn = post("29917385", source="hackernews", url="https://news.ycombinator.com/item?id=29917385")
    posts_upsert(pages=[page(post("29917385")), page(hn, source="hackernews")], learned_via=API)

    assert sorted(Tweet.objects.values_list("source", flat=True)) == ["hackernews", "x"]


def test_over_long_fields_are_cut_to_fit_and_nul_characters_dropped():
    PaperFactory(arxiv_id="2201.04182")
    odd = post(author_name="n" * 700, author_handle="h" * 300, lang="x" * 40, text="nul\x00here")

    posts_upsert(pages=[page(odd)], learned_via=API)

    tweet = Tweet.objects.get()
    assert (len(tweet.author_name), len(tweet.author_handle), len(tweet.lang)) == (200, 100, 16)
    assert tweet.text == "nulhere"


def _queries(pages):
    with CaptureQueriesContext(connection) as queries:
        result = posts_upsert(pages=pages, learned_via="dump")
    return result, len(queries)


def test_a_dump_of_10000_posts_costs_the_same_queries_for_every_batch_of_1000():
    dump = x_dump(10_000, 1_000)
    papers_upsert(records=[PaperRecord(arxiv_id=i, title=i, authors=(), categories=()) for i in dump.paper_ids])
    pages = parse_dump(dump.as_jsonl(), name="big.jsonl")
    assert BATCH_SIZE == 1000

    new, new_queries = _queries(pages)
    again, again_queries = _queries(pages)

    assert (new.created, new.skipped_reposts, new.batches) == (10_000, dump.retweets, 10)
    assert Tweet.papers.through.objects.count() == sum(len(ids) for ids in dump.links.values())
    assert TweetMetrics.objects.count() == 10_000 and not Tweet.objects.exclude(link_status="linked").exists()
    # A savepoint and its release, then per batch: the stored posts, their papers, the new posts' ids, the
    # links; the posts and snapshots go by COPY, which Django's query log does not show.
    assert new_queries == 2 + 4 * 10
    # Again, unchanged: per batch the stored posts, their papers and their links; nothing is written.
    assert (again.unchanged, again.snapshots, again.created) == (10_000, 0, 0)
    assert again_queries == 2 + 3 * 10
    # Every counter moved: per batch the same three, the changing posts locked, one UPDATE (and a COPY).
    later = [
        dataclasses.replace(
            page,
            posts=tuple(dataclasses.replace(p, likes=p.likes + 1) for p in page.posts),
            measured_at=page.measured_at + dt.timedelta(hours=1),
        )
        for page in pages[:30]  # some 2,700 posts (the pages hold retweets too): three batches
    ]
    moved, moved_queries = _queries(later)
    count = sum(len(page.posts) for page in later)
    assert (moved.updated, moved.snapshots, moved.batches) == (count, count, 3)
    assert moved_queries == 2 + 5 * 3


def test_storing_the_same_pages_twice_gives_the_same_database():
    dump = x_dump(1_500, 300, seed=3)
    papers_upsert(records=[PaperRecord(arxiv_id=i, title=i, authors=(), categories=()) for i in dump.paper_ids[:200]])
    pages = parse_dump(dump.as_json(), name="d.json")
    posts_upsert(pages=pages, learned_via="dump")
    state = database_state()

    posts_upsert(pages=pages, learned_via="dump")

    assert database_state() == state
    assert Paper.objects.count() == 200


def test_stored_changes_retire_cached_pages_and_an_unchanged_reading_does_not(
    settings, django_capture_on_commit_callbacks
):
    settings.HOTPAPERS_PAGE_CACHE = True
    PaperFactory(arxiv_id="2201.04182")
    with django_capture_on_commit_callbacks() as written:
        posts_upsert(pages=[page(post())], learned_via=API)
    with django_capture_on_commit_callbacks() as unchanged:
        posts_upsert(pages=[page(post(), measured_at=NOW + dt.timedelta(hours=1))], learned_via=API)

    assert len(written) == 1 and unchanged == []
