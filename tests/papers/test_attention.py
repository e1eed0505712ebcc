"""A paper's attention: sums over its visible posts, in all and per source, and its history from snapshots."""

import datetime as dt

import pytest

from papers.models import Tweet, TweetMetrics
from papers.selectors import (
    Attention,
    Counters,
    attach_attention,
    paper_attention,
    paper_attention_history,
    papers_attention,
)
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db


def at(day, hour=0, minute=0):
    return dt.datetime(2022, 1, day, hour, minute, tzinfo=dt.UTC)


def post_about(*papers, **fields):
    tweet = TweetFactory(**fields)
    tweet.papers.add(*papers)
    return tweet


def measure(tweet, when, *, retweets=0, likes=0, replies=0, quotes=0):
    TweetMetrics.objects.create(
        tweet=tweet, measured_at=when, retweets=retweets, likes=likes, replies=replies, quotes=quotes
    )


def test_a_papers_attention_sums_its_visible_posts_in_all_and_per_source(django_assert_num_queries):
    paper = PaperFactory()
    post_about(paper, retweets=10, likes=100, replies=3, quotes=1)
    post_about(paper, retweets=5, likes=50, replies=0, quotes=2)
    post_about(paper, source=Tweet.Source.BLUESKY, retweets=2, likes=20, replies=1, quotes=0)
    post_about(paper, retweets=1000, likes=1000, replies=1000, quotes=1000, is_hidden=True)
    post_about(PaperFactory(), retweets=7, likes=7)  # another paper's

    with django_assert_num_queries(1):
        attention = paper_attention(paper)

    assert attention == Attention(
        posts=3,
        reposts=17,
        likes=170,
        replies=4,
        quotes=3,
        by_source={
            "bluesky": Counters(posts=1, reposts=2, likes=20, replies=1, quotes=0),
            "x": Counters(posts=2, reposts=15, likes=150, replies=3, quotes=3),
        },
    )
    assert list(attention.by_source) == ["bluesky", "x"]
    assert attention.score == 187
    assert paper_attention(paper.pk) == attention


def test_a_paper_without_visible_posts_has_no_attention():
    paper = PaperFactory()
    post_about(paper, likes=99, is_hidden=True)

    assert paper_attention(paper) == Attention()
    assert paper_attention(paper).by_source == {}


@pytest.mark.parametrize("count", [3, 20])
def test_the_attention_of_a_list_of_papers_costs_one_query(django_assert_num_queries, count):
    papers = [PaperFactory() for _ in range(count)]
    for index, paper in enumerate(papers):
        post_about(paper, likes=index, retweets=1)
    post_about(papers[0], papers[1], likes=1000)  # counts for both papers

    with django_assert_num_queries(1):
        attention = papers_attention(papers)

    assert list(attention) == [paper.pk for paper in papers]
    assert [attention[paper.pk].likes for paper in papers[:3]] == [1000, 1001, 2]
    assert attention[papers[1].pk].posts == 2


def test_attention_attached_to_papers_and_for_ids(django_assert_num_queries):
    quiet, busy = PaperFactory(), PaperFactory()
    post_about(busy, likes=3)

    with django_assert_num_queries(1):
        papers = attach_attention(p for p in [quiet, busy])

    assert [paper.attention.likes for paper in papers] == [0, 3]
    assert papers_attention([busy.pk])[busy.pk].posts == 1
    with django_assert_num_queries(0):
        assert papers_attention([]) == {}


def test_the_history_carries_each_posts_latest_snapshot_forward(django_assert_num_queries):
    paper = PaperFactory()
    first, second = post_about(paper), post_about(paper, source=Tweet.Source.BLUESKY)
    hidden = post_about(paper, is_hidden=True)
    other = post_about(PaperFactory())
    measure(first, at(13, 9), retweets=1, likes=5, replies=1)
    measure(second, at(13, 11), retweets=4, likes=20, quotes=2)
    measure(first, at(14, 8), retweets=3, likes=12, replies=2)  # second is not measured again: still counts
    measure(hidden, at(13, 10), retweets=999, likes=999)
    measure(other, at(13, 10), retweets=999, likes=999)

    with django_assert_num_queries(1):
        history = paper_attention_history(paper)

    assert [
        (point.measured_at, point.posts, point.reposts, point.likes, point.replies, point.quotes) for point in history
    ] == [
        (at(13, 9), 1, 1, 5, 1, 0),
        (at(13, 11), 2, 5, 25, 1, 2),
        (at(14, 8), 2, 7, 32, 2, 2),
    ]
    assert [point.score for point in history] == [6, 30, 39]


def test_posts_measured_at_the_same_moment_make_one_point():
    paper = PaperFactory()
    first, second = post_about(paper), post_about(paper)
    measure(first, at(13, 9), likes=5)
    measure(second, at(13, 9), likes=7)

    (point,) = paper_attention_history(paper)

    assert (point.measured_at, point.posts, point.likes) == (at(13, 9), 2, 12)


def test_a_history_by_period_keeps_the_last_point_of_each():
    paper = PaperFactory()
    tweet = post_about(paper)
    for when, likes in [(at(13, 9, 10), 5), (at(13, 9, 40), 8), (at(13, 11), 20)]:
        measure(tweet, when, likes=likes)

    history = paper_attention_history(paper, every=dt.timedelta(hours=1))

    assert [(point.measured_at, point.likes) for point in history] == [(at(13, 9, 40), 8), (at(13, 11), 20)]


def test_a_paper_never_measured_has_an_empty_history():
    paper = PaperFactory()
    post_about(paper, likes=10)

    assert paper_attention_history(paper) == []
    assert paper_attention_history(paper.pk) == []


@pytest.mark.parametrize("snapshots", [3, 60])
def test_the_history_costs_one_query_whatever_the_snapshots(django_assert_num_queries, snapshots):
    paper = PaperFactory()
    tweets = [post_about(paper) for _ in range(3)]
    for index in range(snapshots):
        measure(tweets[index % 3], at(1) + dt.timedelta(hours=index), likes=index)

    with django_assert_num_queries(1):
        history = paper_attention_history(paper)

    assert len(history) == snapshots
    assert history[-1].likes == snapshots - 1 + snapshots - 2 + snapshots - 3
