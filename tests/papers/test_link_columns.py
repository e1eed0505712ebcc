"""The copy of each post's ranking fields on its links to papers: every writer keeps it right.

The triggers (papers/link_columns.py) do the copying; these tests write posts and links the ways the
project does (the ORM, bulk UPDATEs, COPY, INSERT ... unnest, moderation, counter refreshes, imports,
the admin) and check the copy against the posts, and that the ranking moves with them.
"""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from digests.ranking import rank_papers
from digests.services.importing import digest_import_text
from papers import link_columns
from papers.models import Paper, Tweet
from papers.services.bulk import insert_rows
from papers.services.moderation import tweets_set_hidden
from papers.services.posts import posts_upsert
from papers.services.posts_links import posts_link_pending
from papers.services.posts_refresh import posts_refresh_counters
from papers.services.posts_rows import insert_pairs, update_rows
from papers.sources import x
from tests.papers.factories import PaperFactory, TweetFactory
from tests.papers.posts_support import NOW, SEED_PAPERS, X_LOOKUP, fixture_json, x_client

pytestmark = pytest.mark.django_db

POSTED = dt.datetime(2022, 1, 13, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


def copies(tweet):
    """What the links of `tweet` hold, one tuple per link, by paper id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT paper_id, source, handle_key, score, retweets, posted, is_hidden FROM papers_tweet_papers "
            "WHERE tweet_id = %s ORDER BY paper_id",
            [tweet.pk],
        )
        rows = cursor.fetchall()
    posted = connection.ops.convert_datetimefield_value if connection.vendor == "sqlite" else None
    return [
        (paper, source, key, score, retweets, posted(when, None, connection) if posted else when, bool(hidden))
        for paper, source, key, score, retweets, when, hidden in rows
    ]


def expected(tweet, *papers):
    tweet.refresh_from_db()
    when = tweet.posted_at or tweet.created_at
    fields = (tweet.source, tweet.author_handle.lower(), tweet.retweets + tweet.likes, tweet.retweets, when)
    return [(paper.pk, *fields, tweet.is_hidden) for paper in sorted(papers, key=lambda p: p.pk)]


def score(paper):
    return rank_papers(paper_ids=[paper.pk])[paper.pk].score


def test_a_link_added_through_the_orm_copies_its_post():
    one, two = PaperFactory(), PaperFactory()
    tweet = TweetFactory(author_handle="Ak92501", retweets=3, likes=4, posted_at=POSTED)
    tweet.papers.add(one, two)

    assert copies(tweet) == expected(tweet, one, two)
    assert copies(tweet)[0][1:5] == ("x", "ak92501", 7, 3)


def test_a_post_saved_or_updated_in_bulk_rewrites_its_links():
    paper = PaperFactory()
    tweet = TweetFactory(retweets=1, likes=1, with_papers=[paper])

    tweet.retweets, tweet.author_handle, tweet.source = 40, "SEPP", Tweet.Source.BLUESKY
    tweet.save()
    assert copies(tweet) == expected(tweet, paper)

    Tweet.objects.filter(pk=tweet.pk).update(likes=60, posted_at=None)  # no time: from when it was stored
    assert copies(tweet) == expected(tweet, paper)
    assert copies(tweet)[0][5] == tweet.created_at

    tweet.likes = 5
    update_rows(Tweet, ["likes"], [tweet])  # UPDATE ... FROM (VALUES ...) on PostgreSQL
    assert copies(tweet) == expected(tweet, paper)
    assert score(paper) == 45


def test_hiding_a_post_drops_it_from_the_ranking_and_showing_it_brings_it_back():
    paper = PaperFactory()
    tweet = TweetFactory(retweets=30, likes=30, with_papers=[paper])
    assert score(paper) == 60

    tweets_set_hidden(tweets=[tweet], hidden=True)
    assert copies(tweet) == expected(tweet, paper)
    assert score(paper) == 0

    tweets_set_hidden(tweets=[tweet], hidden=False)
    assert score(paper) == 60


def test_a_link_moved_to_another_paper_or_post_copies_its_new_post():
    first, second = PaperFactory(), PaperFactory()
    tweet = TweetFactory(retweets=10, likes=0, with_papers=[first])
    other = TweetFactory(retweets=0, likes=2, author_handle="other", with_papers=[second])

    link = Tweet.papers.through.objects.get(tweet=tweet)
    link.paper = second
    link.save()
    assert copies(tweet) == expected(tweet, second)
    Tweet.papers.through.objects.filter(tweet=other).update(tweet=tweet, paper=first)
    assert copies(tweet) == expected(tweet, first, second)
    assert (score(first), score(second)) == (10, 10)


def test_links_written_in_bulk_copy_their_posts():
    papers = [PaperFactory() for _ in range(3)]
    tweets = [TweetFactory(retweets=n, likes=n, author_handle=f"R{n}") for n in range(3)]
    insert_rows(Tweet.papers.through, ("tweet", "paper"), [(tweets[0].pk, papers[0].pk)])  # COPY on PostgreSQL
    pairs = [(tweets[1].pk, papers[1].pk), (tweets[2].pk, papers[2].pk)]
    insert_pairs(Tweet.papers.through, ("tweet", "paper"), pairs)  # INSERT ... SELECT unnest on PostgreSQL
    for tweet, paper in zip(tweets, papers, strict=True):
        assert copies(tweet) == expected(tweet, paper)
    assert link_columns.stale_links() == 0


def test_posts_stored_counted_again_and_refreshed_keep_their_links_right(httpserver):
    papers = {arxiv_id: PaperFactory(arxiv_id=arxiv_id) for arxiv_id in SEED_PAPERS}
    pages = [
        x.parse_page(fixture_json("x", name), measured_at=NOW) for name in ("search_page1.json", "search_page2.json")
    ]
    posts_upsert(pages=pages, learned_via="api")
    ak = Tweet.objects.get(external_id="1481443284304154625")
    linked = list(ak.papers.all())
    assert linked and copies(ak) == expected(ak, *linked)
    before = score(linked[0])

    httpserver.expect_request(X_LOOKUP).respond_with_json(fixture_json("x", "lookup.json"))
    with time_machine.travel(LATER, tick=False):
        posts_refresh_counters(source="x", client=x_client(httpserver, now=LATER))

    assert copies(ak) == expected(ak, *linked)
    assert (ak.retweets, ak.likes) == (301, 1262)
    assert score(linked[0]) > before
    assert link_columns.stale_links() == 0
    assert Paper.objects.count() == len(papers)


def test_posts_linked_when_their_paper_arrives_copy_their_post():
    tweet = TweetFactory(
        retweets=7, likes=8, link_status=Tweet.LinkStatus.PENDING, pending_arxiv_ids=["2201.09999"], posted_at=POSTED
    )
    paper = PaperFactory(arxiv_id="2201.09999")

    posts_link_pending(arxiv_ids=["2201.09999"])

    assert copies(tweet) == expected(tweet, paper)
    assert score(paper) == 15


def test_an_imported_digest_links_its_posts_with_their_copies(seed_path):
    digest_import_text(text=seed_path.read_text(encoding="utf-8"), name=seed_path.name)

    assert Tweet.papers.through.objects.count() > 0
    assert link_columns.stale_links() == 0


def test_the_admin_change_form_rewrites_the_links_of_the_post_it_saves(admin_client):
    paper = PaperFactory()
    tweet = TweetFactory(retweets=1, likes=1, with_papers=[paper])
    url = f"/admin/papers/tweet/{tweet.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        retweets=20, likes=30, papers=[paper.pk], is_hidden="", posted_at_0="2022-01-13", posted_at_1="09:00:00"
    )
    data.pop("links", None)

    response = admin_client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert copies(tweet) == expected(tweet, paper)
    assert score(paper) == 50


def test_the_check_command_finds_stale_links_and_fix_refills_them():
    paper = PaperFactory()
    tweet = TweetFactory(retweets=5, likes=5, with_papers=[paper])
    out = io.StringIO()
    call_command("check_link_columns", stdout=out)
    assert "Every link's copy matches its post" in out.getvalue()

    link_columns.uninstall()  # as a link written around the triggers would be
    with connection.cursor() as cursor:
        cursor.execute("UPDATE papers_tweet_papers SET score = 0 WHERE tweet_id = %s", [tweet.pk])
    link_columns.install()
    assert link_columns.stale_links() == 1

    with pytest.raises(CommandError, match="1 link holds a stale copy"):
        call_command("check_link_columns", stdout=io.StringIO())
    call_command("check_link_columns", "--fix", stdout=out)
    assert link_columns.stale_links() == 0
    assert score(paper) == 10


def test_migrate_installs_the_triggers_again():
    link_columns.uninstall()
    call_command("migrate", verbosity=0)

    tweet = TweetFactory(retweets=2, likes=3, with_papers=[PaperFactory()])
    assert copies(tweet)[0][3] == 5
