import datetime as dt

import factory

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, Tag
from tests.papers.factories import PaperFactory, TweetFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class DailyDigestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyDigest

    date = factory.Sequence(lambda n: dt.date(2022, 1, 1) + dt.timedelta(days=n))
    slug = factory.LazyAttribute(lambda o: f"hot-papers-{o.date:%Y-%m-%d}")
    title = factory.LazyAttribute(lambda o: f"Hot Papers {o.date:%Y-%m-%d}")
    description = factory.LazyAttribute(lambda o: f"Hot papers {o.date:%Y-%m-%d}")
    status = DailyDigest.Status.PUBLISHED
    generated_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.date + dt.timedelta(days=1), dt.time(11, 10, 50), tzinfo=dt.UTC)
    )
    published_at = factory.LazyAttribute(lambda o: o.generated_at)

    class Params:
        draft = factory.Trait(status=DailyDigest.Status.DRAFT, published_at=None)


class DigestEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigestEntry
        skip_postgeneration_save = True

    digest = factory.SubFactory(DailyDigestFactory)
    paper = factory.SubFactory(PaperFactory, with_authors=3, with_categories=["cs.LG", "cs.CV"])
    position = factory.Sequence(lambda n: n + 1)
    retweets = 100
    favorites = 50
    score = factory.LazyAttribute(lambda o: o.retweets + o.favorites)  # as an import or the migration sets it
    measured_at = factory.LazyAttribute(lambda o: o.digest.generated_at)

    @factory.post_generation
    def with_tweets(self, create, extracted, **kwargs):
        """DigestEntryFactory(with_tweets=2) embeds that many posts citing the paper."""
        for position in range(1, (extracted or 0) + 1):
            tweet = TweetFactory()
            tweet.papers.add(self.paper)
            DigestEntryTweet.objects.create(entry=self, tweet=tweet, position=position)
