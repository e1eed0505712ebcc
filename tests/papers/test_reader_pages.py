"""Paper, category, author and category-index pages: attention, chart, related papers, sorting, feeds."""

import datetime as dt
import json
import re
from xml.etree import ElementTree

import pytest
import time_machine
from django.urls import reverse

from papers.charts import attention_chart, series_from_metrics
from papers.models import Authorship, TweetMetrics
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import AuthorFactory, CategoryFactory, PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = dt.datetime(2022, 1, 14, 12, 0, tzinfo=dt.UTC)


def post_about(paper, *, at, retweets=0, likes=0, **kwargs):
    tweet = TweetFactory(posted_at=at, retweets=retweets, likes=likes, **kwargs)
    tweet.papers.add(paper)
    return tweet


# The attention chart


def test_the_series_adds_each_posts_latest_snapshot():
    t = [dt.datetime(2022, 1, day, tzinfo=dt.UTC) for day in (1, 2, 3)]

    series = series_from_metrics([(1, t[0], 10), (2, t[1], 5), (1, t[2], 30)])

    assert [(p.at.day, p.value) for p in series] == [(1, 10), (2, 15), (3, 35)]


def test_the_chart_is_inline_svg_from_metrics_snapshots(client):
    paper = PaperFactory()
    tweet = post_about(paper, at=dt.datetime(2022, 1, 12, tzinfo=dt.UTC))
    for day, count in ((12, 10), (13, 60), (14, 95)):
        TweetMetrics.objects.create(tweet=tweet, measured_at=dt.datetime(2022, 1, day, tzinfo=dt.UTC), retweets=count)
    hidden = post_about(paper, at=dt.datetime(2022, 1, 12, tzinfo=dt.UTC), is_hidden=True)
    TweetMetrics.objects.create(tweet=hidden, measured_at=dt.datetime(2022, 1, 13, tzinfo=dt.UTC), retweets=9999)

    html = client.get(paper.get_absolute_url()).content.decode()

    svg = re.search(r'<svg class="chart__svg".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "From 10 on January 12, 2022 to 95 on January 14, 2022" in svg
    assert svg.count("<circle") == 3 and "9999" not in html
    assert "<script" not in svg
    assert "from each snapshot of their counters" in html


def test_without_snapshots_the_chart_draws_what_each_digest_measured(client):
    paper = PaperFactory()
    post_about(paper, at=dt.datetime(2022, 1, 12, 9, tzinfo=dt.UTC))
    DigestEntryFactory(paper=paper, retweets=100, favorites=50, digest=DailyDigestFactory(date=dt.date(2022, 1, 12)))
    DigestEntryFactory(paper=paper, retweets=300, favorites=90, digest=DailyDigestFactory(date=dt.date(2022, 1, 13)))

    html = client.get(paper.get_absolute_url()).content.decode()

    assert "Reposts + likes as each digest measured them, from 0 at its first post." in html
    assert "From 0 on January 12, 2022 to 390 on January 14, 2022" in html
    # Its posts carry no counters, so the page says what a digest measured.
    assert "390 reposts + likes, as" in html


def test_a_paper_with_no_attention_data_has_no_chart():
    assert attention_chart(metrics_rows=[], entries=[], published=None) is None


# Related papers


def test_related_papers_prefer_shared_authors_then_shared_categories(client):
    shared = AuthorFactory(name="Shared Author")
    paper = PaperFactory(title="The paper", with_categories=["cs.LG", "stat.ML"])
    Authorship.objects.create(paper=paper, author=shared, position=1)
    coauthored = PaperFactory(title="Same author elsewhere", with_categories=["math.OC"])
    Authorship.objects.create(paper=coauthored, author=shared, position=1)
    PaperFactory(title="Both categories", with_categories=["stat.ML", "cs.LG"])
    PaperFactory(title="One category", with_categories=["cs.LG"])
    PaperFactory(title="Unrelated", with_categories=["astro-ph.GA"])

    response = client.get(paper.get_absolute_url())

    assert [p.title for p in response.context["related"]] == [
        "Same author elsewhere",
        "Both categories",
        "One category",
    ]
    html = response.content.decode()
    assert "1 shared author" in html and "2 shared categories" in html and "Unrelated" not in html


def test_related_papers_tying_past_the_limit_go_by_visible_attention_then_newest(client):
    """Only the papers tying at the cut-off have their attention read: the order is still the whole rule's."""
    paper = PaperFactory(title="The paper", with_categories=["cs.LG"])
    newer, older = dt.datetime(2022, 1, 12, tzinfo=dt.UTC), dt.datetime(2021, 1, 12, tzinfo=dt.UTC)
    quiet = [PaperFactory(title=f"Quiet {n}", with_categories=["cs.LG"], published=older) for n in range(6)]
    PaperFactory(title="Quiet but newest", with_categories=["cs.LG"], published=newer)
    for n, likes in enumerate([5, 40, 20]):
        TweetFactory(likes=likes, retweets=0).papers.add(quiet[n])
    TweetFactory(likes=1000, retweets=0, is_hidden=True).papers.add(quiet[5])  # hidden: counts nothing

    related = client.get(paper.get_absolute_url()).context["related"]

    assert [p.title for p in related] == ["Quiet 1", "Quiet 2", "Quiet 0", "Quiet but newest", related[4].title]
    assert related[4].title.startswith("Quiet ") and related[4].title not in {"Quiet 0", "Quiet 1", "Quiet 2"}


# Paper metadata


def test_paper_page_has_scholarly_article_json_ld_and_an_edit_link_for_staff(client, django_user_model):
    paper = PaperFactory(title="A Title", doi="10.1/x", with_authors=2, with_categories=["cs.LG"])

    html = client.get(paper.get_absolute_url()).content.decode()

    data = json.loads(re.search(r'<script type="application/ld\+json">(.+?)</script>', html, re.S).group(1))
    assert data["@type"] == "ScholarlyArticle" and data["name"] == "A Title"
    assert data["identifier"] == f"arXiv:{paper.arxiv_id}" and len(data["author"]) == 2
    assert data["sameAs"] == [paper.abs_url, "https://doi.org/10.1/x"]
    assert f'<link rel="canonical" href="http://testserver{paper.get_absolute_url()}">' in html
    assert '<meta name="citation_arxiv_id"' in html
    assert "Edit in admin" not in html

    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))
    html = client.get(paper.get_absolute_url()).content.decode()
    assert f'href="{reverse("admin:papers_paper_change", args=[paper.pk])}">Edit in admin</a>' in html


# Category and author pages


@time_machine.travel(NOW, tick=False)
def test_category_pages_sort_by_hot_or_newest_and_show_attention(client):
    category = CategoryFactory(code="cs.CL", name="Computation and Language")
    old_but_hot = PaperFactory(
        title="Old but hot", published=dt.datetime(2019, 1, 1, tzinfo=dt.UTC), with_categories=["cs.CL"]
    )
    post_about(old_but_hot, at=NOW - dt.timedelta(days=1), retweets=40, likes=2)
    post_about(old_but_hot, at=NOW - dt.timedelta(days=100), retweets=500)
    new_and_quiet = PaperFactory(
        title="New and quiet", published=dt.datetime(2022, 1, 10, tzinfo=dt.UTC), with_categories=["cs.CL"]
    )
    post_about(new_and_quiet, at=NOW - dt.timedelta(days=20), retweets=900)

    newest = client.get(category.get_absolute_url())
    hottest = client.get(category.get_absolute_url(), {"sort": "hot"})

    assert [p.title for p in newest.context["object_list"]] == ["New and quiet", "Old but hot"]
    assert [p.title for p in hottest.context["object_list"]] == ["Old but hot", "New and quiet"]
    assert [(p.attention, p.hot) for p in hottest.context["object_list"]] == [(542, 42), (900, 0)]
    html = hottest.content.decode()
    assert "<strong>542</strong> reposts + likes" in html and "· 42 this week" in html
    assert 'aria-current="true">Hot this week</a>' in html
    assert "hottest first" in html


def test_author_pages_sort_too_and_links_keep_the_sort(client):
    author = AuthorFactory()
    for _ in range(30):
        paper = PaperFactory()
        Authorship.objects.create(paper=paper, author=author, position=1)

    html = client.get(author.get_absolute_url(), {"sort": "hot"}).content.decode()

    assert 'href="?sort=hot&amp;page=2"' in html


def test_the_categories_index_groups_categories_with_papers(client):
    PaperFactory(with_categories=["cs.LG"])
    PaperFactory(with_categories=["cs.LG", "math.OC"])
    CategoryFactory(code="cs.ZZ", name="Empty", group="Computer Science")

    html = client.get(reverse("papers:category-list")).content.decode()

    assert "Computer Science" in html and "Mathematics" in html
    assert reverse("papers:category-detail", args=["cs.LG"]) in html and "2 papers" in html
    assert "cs.ZZ" not in html


@pytest.mark.parametrize("count", [2, 30])
def test_the_categories_index_costs_one_query(client, django_assert_num_queries, count):
    for index in range(count):
        PaperFactory(with_categories=[f"cs.X{index}"])
    with django_assert_num_queries(1):
        client.get(reverse("papers:category-list"))


# Category feeds


def test_category_feeds_list_the_newest_papers_and_take_a_keyword_filter(client):
    CategoryFactory(code="cs.CL", name="Computation and Language")
    for day, title in ((1, "Parsing trees"), (2, "Retrieval at scale"), (3, "Dense retrieval")):
        PaperFactory(
            title=title,
            abstract="",
            published=dt.datetime(2022, 1, day, tzinfo=dt.UTC),
            with_authors=4,
            with_categories=["cs.CL"],
        )
    PaperFactory(title="Retrieval elsewhere", with_categories=["cs.IR"])

    url = reverse("papers:category-feed", args=["cs.CL"])
    assert url == "/feeds/categories/cs.CL.atom"
    every = ElementTree.fromstring(client.get(url).content)
    retrieval = ElementTree.fromstring(client.get(url, {"q": "retrieval"}).content)

    assert [e.findtext(f"{ATOM}title") for e in every.iter(f"{ATOM}entry")] == [
        "Dense retrieval",
        "Retrieval at scale",
        "Parsing trees",
    ]
    assert [e.findtext(f"{ATOM}title") for e in retrieval.iter(f"{ATOM}entry")] == [
        "Dense retrieval",
        "Retrieval at scale",
    ]
    entry = every.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}author/{ATOM}name").text.endswith(" et al.")
    assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["cs.CL"]
    assert "matching “retrieval”" in retrieval.findtext(f"{ATOM}title")
    assert client.get(reverse("papers:category-feed", args=["no.SUCH"])).status_code == 404
