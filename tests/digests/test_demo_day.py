"""The demo's recorded day: an arXiv feed and a dump of posts, loaded as the jobs would, ranked into a draft."""

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from digests.management.commands.load_demo import RECORDED_AS_OF, RECORDED_DAY, RECORDED_FEED, RECORDED_POSTS
from digests.models import DailyDigest, DigestEntry
from digests.ranking import rank_day
from papers.announcements import submission_window
from papers.models import Paper, Tweet
from tests import demo_day

pytestmark = pytest.mark.django_db
RECORDED = settings.BASE_DIR / "digests" / "demo" / "recorded"


@pytest.fixture
def demo(settings, tmp_path):
    settings.HOTPAPERS_DEMO_CORPUS_DIR = tmp_path / "no-corpus"
    settings.HOTPAPERS_EDITOR_PASSWORD_FILE = tmp_path / "editor-password.txt"
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_builds_the_recorded_days_draft_with_why_lines_and_candidates(demo):
    digest = DailyDigest.objects.get(date=RECORDED_DAY)
    entries = list(DigestEntry.objects.filter(digest=digest).order_by("position").select_related("paper"))
    ranking = rank_day(day=RECORDED_DAY, as_of=RECORDED_AS_OF)

    assert f"{RECORDED}: 28 new papers, 33 posts. Built the draft of 2022-01-14: 21 papers (21 new" in demo
    assert digest.status == DailyDigest.Status.DRAFT and digest.generated_at == RECORDED_AS_OF
    assert [entry.paper_id for entry in entries] == [ranked.paper_id for ranked in ranking.featured]
    assert entries[0].why_line.startswith("Score 397 (reposts + likes): 2 posts from 2 accounts on X")
    # Something to curate: the day's papers under the threshold stay candidates.
    assert len(ranking.candidates) - len(ranking.featured) == 7
    # One account posted twice about a paper: it counts once.
    twice = next(entry for entry in entries if entry.post_count > entry.account_count)
    assert (twice.post_count, twice.account_count) == (3, 2)


def test_the_recorded_papers_belong_to_the_recorded_days_listing(demo):
    start, end = submission_window(RECORDED_DAY)
    papers = Paper.objects.filter(arxiv_id__startswith="2201.99")
    assert papers.count() == 28
    assert set(papers.values_list("announced_on", flat=True)) == {RECORDED_DAY}
    assert all(start <= paper.published < end for paper in papers)


def test_the_recorded_posts_keep_their_counters_and_the_retweet_is_no_post(demo):
    pages = json.loads((RECORDED / RECORDED_POSTS).read_text())
    in_dump = [tweet for page in pages for tweet in page["data"]]
    retweets = [t for t in in_dump if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))]
    assert len(in_dump) == 34 and len(retweets) == 1
    assert not Tweet.objects.filter(external_id=retweets[0]["id"]).exists()
    stored = Tweet.objects.filter(papers__arxiv_id__startswith="2201.99").distinct()
    assert stored.count() == 33
    assert all(tweet.retweets + tweet.likes > 0 for tweet in stored)


def test_the_recorded_files_are_what_the_builder_makes_from_the_corpus(corpus_dir, tmp_path):
    demo_day.main(corpus_post=corpus_dir / "2020-12-18---Hot-Papers.md", output=tmp_path)
    for name in (RECORDED_FEED, RECORDED_POSTS):
        assert (tmp_path / name).read_bytes() == (RECORDED / name).read_bytes(), name


def test_the_recorded_counters_were_read_when_the_draft_is_built_as_of():
    pages = json.loads((RECORDED / RECORDED_POSTS).read_text())
    read = {dt.datetime.fromisoformat(page["__twarc"]["retrieved_at"]) for page in pages}
    assert read == {RECORDED_AS_OF}
