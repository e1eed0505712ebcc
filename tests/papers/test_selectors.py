"""The reads behind paper pages, and the one visibility rule for social posts."""

import pytest

from digests.models import DigestEntryTweet
from papers.models import Tweet, TweetQuerySet
from papers.selectors import papers_by_author, papers_in_category
from tests.digests.factories import DigestEntryFactory
from tests.papers.factories import AuthorFactory, CategoryFactory, PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db


def test_visible_posts_are_those_no_editor_hid():
    shown = TweetFactory()
    TweetFactory(is_hidden=True)

    assert list(Tweet.objects.visible()) == [shown]


def test_the_visibility_rule_reaches_posts_through_a_relation():
    entry = DigestEntryFactory(with_tweets=2)
    hidden = entry.entry_tweets.first().tweet
    Tweet.objects.filter(pk=hidden.pk).update(is_hidden=True)

    visible = DigestEntryTweet.objects.filter(TweetQuerySet.visible_q("tweet__"))

    assert [link.tweet_id for link in visible] == [entry.entry_tweets.last().tweet_id]


def test_paper_listings_select_by_category_and_author():
    author, category = AuthorFactory(), CategoryFactory(code="cs.RO")
    mine = PaperFactory(with_categories=["cs.RO"])
    mine.authorships.create(author=author, position=1)
    PaperFactory(with_authors=1, with_categories=["cs.LG"])

    assert list(papers_in_category(category=category)) == [mine]
    assert list(papers_by_author(author=author)) == [mine]
