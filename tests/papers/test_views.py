import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Authorship
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import AuthorFactory, CategoryFactory, PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_paper_page_shows_metadata_links_digests_and_visible_posts(client):
    CategoryFactory(code="cs.LG", name="Machine Learning")
    paper = PaperFactory(
        title="Deep Symbolic Regression  for Recurrent Sequences",
        abstract="Symbolic regression,\n  i.e. predicting a function.",
        comment="12 pages",
        journal_ref="ICML 2022",
        doi="10.1000/xyz123",
        with_authors=2,
        with_categories=["cs.LG"],
    )
    entry = DigestEntryFactory(paper=paper, position=2)
    DigestEntryFactory(paper=paper, digest=DailyDigestFactory(title="Draft digest", draft=True))
    visible = TweetFactory(text_html="Visible post")
    hidden = TweetFactory(text_html="Hidden post", is_hidden=True)
    paper.tweets.add(visible, hidden)

    response = client.get(paper.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Deep Symbolic Regression for Recurrent Sequences" in html
    assert "Symbolic regression, i.e. predicting a function." in html
    assert "12 pages" in html and "ICML 2022" in html and 'href="https://doi.org/10.1000/xyz123"' in html
    assert f'href="{paper.abs_url}"' in html and f'href="{paper.pdf_url}"' in html
    assert "Machine Learning" in html and reverse("papers:category-detail", args=["cs.LG"]) in html
    for authorship in paper.authorships.all():
        assert reverse("papers:author-detail", args=[authorship.author.slug]) in html
    assert f"{entry.digest.get_absolute_url()}#paper-2" in html and "#2</span>" in html
    assert "Draft digest" not in html
    assert "Visible post" in html and "Hidden post" not in html


def test_old_style_ids_keep_their_slash(client):
    paper = PaperFactory(arxiv_id="hep-th/9901001", title="Old Style")
    assert paper.get_absolute_url() == "/papers/hep-th/9901001/"
    assert "Old Style" in client.get(paper.get_absolute_url()).content.decode()


def test_unknown_paper_is_404(client):
    assert client.get(reverse("papers:paper-detail", args=["2201.99999"])).status_code == 404


def test_paper_page_costs_constant_queries(client):
    small = PaperFactory(with_authors=1, with_categories=["cs.LG"])
    DigestEntryFactory(paper=small)
    small.tweets.add(TweetFactory())
    large = PaperFactory(with_authors=12, with_categories=["cs.LG", "cs.CV", "stat.ML"])
    for _ in range(4):
        DigestEntryFactory(paper=large)
    large.tweets.add(*[TweetFactory() for _ in range(8)])

    # the paper, authorships, categories, visible posts, related papers with their authorships and
    # categories, then (digests' tag) its published entries and its posts' metrics snapshots
    assert queries_for(client, small.get_absolute_url()) == queries_for(client, large.get_absolute_url()) == 9


def test_category_page_lists_its_papers_newest_first_paginated(client):
    category = CategoryFactory(code="cs.CV", name="Computer Vision")
    for day in range(1, 28):
        PaperFactory(
            title=f"Vision paper {day}",
            published=dt.datetime(2022, 1, day, tzinfo=dt.UTC),
            with_categories=["cs.CV"],
        )
    PaperFactory(title="Elsewhere", with_categories=["math.OC"])

    first = client.get(category.get_absolute_url())
    second = client.get(category.get_absolute_url(), {"page": 2})

    html = first.content.decode()
    assert first.status_code == 200
    assert "Computer Vision" in html and 'href="https://arxiv.org/list/cs.CV/recent"' in html
    assert html.index("Vision paper 27") < html.index("Vision paper 26")
    assert "Elsewhere" not in html
    assert "27 papers" in html
    assert [p.title for p in second.context["object_list"]] == ["Vision paper 2", "Vision paper 1"]
    assert client.get(reverse("papers:category-detail", args=["no.SUCH"])).status_code == 404


def test_author_page_lists_their_papers(client):
    author = AuthorFactory(name="Cordelia Schmid", slug="cordelia-schmid")
    mine = PaperFactory(title="Multiview Transformers")
    Authorship.objects.create(paper=mine, author=author, position=1)
    PaperFactory(title="Someone else's paper", with_authors=1)

    response = client.get(author.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Cordelia Schmid" in html and "Multiview Transformers" in html
    assert "Someone else" not in html
    assert client.get(reverse("papers:author-detail", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("count", [1, 20])
def test_listing_pages_cost_constant_queries(client, count):
    author = AuthorFactory()
    category = CategoryFactory(code="cs.RO")
    for _ in range(count):
        paper = PaperFactory(with_authors=3, with_categories=["cs.RO", "cs.LG"])
        Authorship.objects.create(paper=paper, author=author, position=4)

    # the object, the trending window, the count, the page of papers with their attention,
    # authorships with authors, categories, and the digests' snapshots of the page's papers
    for sort in ("new", "hot"):
        assert queries_for(client, f"{category.get_absolute_url()}?sort={sort}") == 7
        assert queries_for(client, f"{author.get_absolute_url()}?sort={sort}") == 7
