"""Posts linking papers that are not stored yet: fetched from arXiv, then linked; flagged when arXiv has none."""

import datetime as dt

import pytest

from papers.models import Paper, Tweet
from papers.services.arxiv_ingest import papers_ingest_file, papers_ingest_ids
from papers.services.posts import posts_upsert
from papers.services.posts_links import posts_link_pending
from papers.sources import x
from tests.conftest import FIXTURES_DIR
from tests.papers.factories import PaperFactory, TweetFactory
from tests.papers.posts_support import NOW, fixture_json, serve_arxiv

pytestmark = pytest.mark.django_db

API = Tweet.LearnedVia.API
THREE_PAPERS = "1481738145863548932"
REPLY = "1481535086625538049"  # links 2201.04337 only, which the recorded arXiv answer does not have


def collect_both_pages(measured_at=NOW):
    pages = [
        x.parse_page(fixture_json("x", name), measured_at=measured_at)
        for name in ("search_page1.json", "search_page2.json")
    ]
    return posts_upsert(pages=pages, learned_via=API)


def test_unknown_papers_are_fetched_from_arxiv_then_linked(httpserver, settings):
    serve_arxiv(httpserver, settings)
    result = collect_both_pages()
    assert result.missing_arxiv_ids == ["2201.04182", "2201.04600", "2201.04288", "2201.04337"]
    assert set(Tweet.objects.values_list("link_status", flat=True)) == {Tweet.LinkStatus.PENDING}

    run = papers_ingest_ids(ids=result.missing_arxiv_ids)

    assert run.created == 4 and run.failed == 1  # the answer also holds 2201.04309, which nobody asked for
    three = Tweet.objects.get(external_id=THREE_PAPERS)
    assert sorted(three.papers.values_list("arxiv_id", flat=True)) == ["2201.04182", "2201.04288", "2201.04600"]
    assert (three.link_status, three.pending_arxiv_ids) == (Tweet.LinkStatus.LINKED, [])
    assert Tweet.objects.filter(link_status=Tweet.LinkStatus.LINKED).count() == 4


def test_a_post_whose_only_id_arxiv_does_not_know_is_kept_and_flagged(httpserver, settings):
    serve_arxiv(httpserver, settings)
    papers_ingest_ids(ids=collect_both_pages().missing_arxiv_ids)

    reply = Tweet.objects.get(external_id=REPLY)
    assert reply.link_status == Tweet.LinkStatus.UNKNOWN
    assert (reply.pending_arxiv_ids, reply.unknown_arxiv_ids) == ([], ["2201.04337"])
    assert not reply.papers.exists() and not reply.is_hidden
    # Seen again: still flagged, and not asked of arXiv again.
    assert collect_both_pages(NOW + dt.timedelta(hours=1)).missing_arxiv_ids == []
    assert Tweet.objects.get(external_id=REPLY).link_status == Tweet.LinkStatus.UNKNOWN


def test_a_paper_stored_by_any_ingestion_links_the_posts_waiting_for_it(tmp_path):
    collect_both_pages()
    feed = tmp_path / "feed.xml"
    feed.write_bytes((FIXTURES_DIR / "arxiv" / "api_id_list_posts.xml").read_bytes())

    papers_ingest_file(path=feed)

    assert Tweet.objects.get(external_id=THREE_PAPERS).link_status == Tweet.LinkStatus.LINKED
    reply = Tweet.objects.get(external_id=REPLY)  # a file run says nothing of ids it does not hold
    assert (reply.link_status, reply.pending_arxiv_ids) == (Tweet.LinkStatus.PENDING, ["2201.04337"])


def test_an_id_arxiv_did_not_know_links_when_its_paper_appears_later():
    tweet = TweetFactory(link_status=Tweet.LinkStatus.UNKNOWN, unknown_arxiv_ids=["2201.04337"])
    paper = PaperFactory(arxiv_id="2201.04337")

    result = posts_link_pending(arxiv_ids=["2201.04337"])

    tweet.refresh_from_db()
    assert (tweet.link_status, tweet.unknown_arxiv_ids) == (Tweet.LinkStatus.LINKED, [])
    assert list(tweet.papers.all()) == [paper] and result.posts_linked == 1


def test_the_sweep_links_what_is_stored_and_returns_the_ids_still_waiting():
    linked_one = PaperFactory(arxiv_id="2201.04182")
    waiting = TweetFactory(link_status=Tweet.LinkStatus.PENDING, pending_arxiv_ids=["2201.04182", "2201.04600"])
    other = TweetFactory(link_status=Tweet.LinkStatus.PENDING, pending_arxiv_ids=["2201.04288"])

    result = posts_link_pending()

    waiting.refresh_from_db()
    other.refresh_from_db()
    assert list(waiting.papers.all()) == [linked_one]
    assert (waiting.link_status, waiting.pending_arxiv_ids) == (Tweet.LinkStatus.PENDING, ["2201.04600"])
    assert result.pending_arxiv_ids == ["2201.04600", "2201.04288"] and result.links_created == 1
    assert posts_link_pending(arxiv_ids=[]).links_created == 0


def test_a_post_crediting_a_paper_is_linked_even_when_another_of_its_ids_is_unknown():
    PaperFactory(arxiv_id="2201.04182")
    tweet = TweetFactory(link_status=Tweet.LinkStatus.PENDING, pending_arxiv_ids=["2201.04182", "2201.04337"])

    result = posts_link_pending(arxiv_ids=["2201.04182", "2201.04337"], unknown_ids=["2201.04337"])

    tweet.refresh_from_db()
    assert (tweet.link_status, tweet.unknown_arxiv_ids) == (Tweet.LinkStatus.LINKED, ["2201.04337"])
    assert result.posts_flagged == 0 and Paper.objects.count() == 1
