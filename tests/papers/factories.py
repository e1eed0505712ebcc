import datetime as dt

import factory

from papers.announcements import announced_on_for
from papers.models import Author, Authorship, Category, Paper, PaperCategory, Tweet


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cs.T{n}")
    name = factory.Sequence(lambda n: f"Test Topic {n}")
    group = "Computer Science"


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Ada Lovelace {n}")
    slug = factory.Sequence(lambda n: f"ada-lovelace-{n}")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper
        skip_postgeneration_save = True

    arxiv_id = factory.Sequence(lambda n: f"2201.{10000 + n}")
    version = 1
    title = factory.Sequence(lambda n: f"A Study of Things, Part {n}")
    abstract = "We study things and find that they are interesting."
    published = factory.LazyFunction(lambda: dt.datetime(2022, 1, 12, 18, 0, tzinfo=dt.UTC))
    # As ingestion sets it: the arXiv listing of the version-1 time (Thursday 2022-01-13 by default).
    announced_on = factory.LazyAttribute(lambda o: announced_on_for(o.published) if o.published else None)

    @factory.post_generation
    def with_authors(self, create, extracted, **kwargs):
        """PaperFactory(with_authors=3) adds that many ordered authors."""
        for position in range(1, (extracted or 0) + 1):
            Authorship.objects.create(paper=self, author=AuthorFactory(), position=position)

    @factory.post_generation
    def with_categories(self, create, extracted, **kwargs):
        """PaperFactory(with_categories=["cs.LG", "cs.CV"]) sets ordered categories; the first is primary."""
        for position, code in enumerate(extracted or [], start=1):
            category = CategoryFactory(code=code)
            PaperCategory.objects.create(paper=self, category=category, position=position)
            if position == 1:
                self.primary_category = category
                self.save(update_fields=["primary_category"])


class TweetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tweet
        skip_postgeneration_save = True

    source = Tweet.Source.X
    external_id = factory.Sequence(lambda n: str(1481443284304154625 + n))
    learned_via = Tweet.LearnedVia.MARKDOWN
    author_handle = "ak92501"
    author_name = "AK"
    lang = "en"
    url = factory.LazyAttribute(lambda o: f"https://twitter.com/{o.author_handle}/status/{o.external_id}")
    text = "A paper worth reading"
    text_html = 'A paper worth reading<br>abs: <a href="https://t.co/abc">https://t.co/abc</a>'
    posted_at = factory.LazyFunction(lambda: dt.datetime(2022, 1, 13, 9, 0, tzinfo=dt.UTC))

    @factory.post_generation
    def with_papers(self, create, extracted, **kwargs):
        """TweetFactory(with_papers=[paper, ...]) links the post to those papers."""
        if extracted:
            self.papers.add(*extracted)
