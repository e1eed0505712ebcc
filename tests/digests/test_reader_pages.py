"""The reading site around the digests: trending, the archive, feeds, social cards, digest page extras."""

import datetime as dt
import io
import re
from xml.etree import ElementTree

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from digests.models import DailyDigest
from digests.services.importing_rows import store_ranking_figures
from papers.selectors import attention_window
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory
from tests.papers.factories import PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = dt.datetime(2022, 1, 14, 12, 0, tzinfo=dt.UTC)


def post_about(paper, *, days_ago, retweets=0, likes=0, now=NOW, **kwargs):
    tweet = TweetFactory(posted_at=now - dt.timedelta(days=days_ago), retweets=retweets, likes=likes, **kwargs)
    tweet.papers.add(paper)
    return tweet


def digest_with(count, **kwargs):
    digest = DailyDigestFactory(**kwargs)
    for position in range(1, count + 1):
        DigestEntryFactory(digest=digest, position=position, with_tweets=1)
    return digest


# Trending


@time_machine.travel(NOW, tick=False)
def test_trending_counts_only_posts_from_the_last_7_days_whatever_day_the_paper_was_announced(client):
    old_paper = PaperFactory(title="An old paper rediscovered", published=dt.datetime(2015, 3, 1, tzinfo=dt.UTC))
    post_about(old_paper, days_ago=1, retweets=300, likes=200)
    post_about(old_paper, days_ago=30, retweets=9000, likes=9000)  # before the week: not counted
    busy = PaperFactory(title="Busy last month")
    post_about(busy, days_ago=10, retweets=5000, likes=5000)
    steady = PaperFactory(title="Steady this week")
    post_about(steady, days_ago=2, retweets=100, likes=50)
    post_about(steady, days_ago=3, retweets=10, likes=10, is_hidden=True)  # hidden: not counted

    response = client.get(reverse("digests:trending"))

    html = response.content.decode()
    titles = [paper.title for paper in response.context["papers"]]
    assert titles == ["An old paper rediscovered", "Steady this week"]
    assert [paper.hot for paper in response.context["papers"]] == [500, 150]
    assert "Busy last month" not in html
    assert "the last 7 days (Jan 8 – Jan 14, 2022)" in html


@time_machine.travel(NOW, tick=False)
def test_when_the_newest_post_is_older_than_a_week_trending_measures_the_week_before_it(client):
    paper = PaperFactory(title="From the demo year")
    post_about(paper, days_ago=400, retweets=7, likes=3)
    post_about(PaperFactory(title="Even older"), days_ago=420, retweets=99, likes=99)

    window = attention_window()
    html = client.get(reverse("digests:digest-list")).content.decode()

    assert not window.is_current and window.end == NOW - dt.timedelta(days=400)
    assert "Trending this week" in html and "From the demo year" in html and "Even older" not in html
    assert "No posts in the last 7 days: the week of the newest posts" in html
    assert f"{window.first_day:%b} {window.first_day.day}" in html


@time_machine.travel(NOW, tick=False)
def test_posts_without_counters_are_measured_by_the_digest_that_showed_them(client):
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13))
    shown = DigestEntryFactory(digest=digest, position=1, retweets=1343, favorites=239, with_tweets=1)
    second = DigestEntryFactory(digest=digest, position=2, retweets=500, favorites=201, with_tweets=1)
    counted = PaperFactory(title="Counted by its posts")
    post_about(counted, days_ago=1, retweets=800, likes=0)

    papers = client.get(reverse("digests:trending")).context["papers"]

    assert [(p.pk, p.hot) for p in papers] == [(shown.paper.pk, 1582), (counted.pk, 800), (second.paper.pk, 701)]


@time_machine.travel(NOW, tick=False)
def test_home_links_the_trending_strip_to_the_trending_page(client):
    paper = PaperFactory(title="Hot one")
    post_about(paper, days_ago=1, retweets=10, likes=5)
    DailyDigestFactory()

    html = client.get(reverse("digests:digest-list")).content.decode()

    assert 'id="trending-title">Trending this week<' in html
    assert f'href="{paper.get_absolute_url()}">Hot one</a>' in html
    assert f'href="{reverse("digests:trending")}">All trending papers</a>' in html


@pytest.mark.parametrize("count", [1, 12])
def test_trending_page_costs_constant_queries(client, django_assert_num_queries, count):
    for index in range(count):
        paper = PaperFactory(with_authors=3, with_categories=["cs.LG", "cs.CL"])
        post_about(paper, days_ago=1, retweets=index + 1, now=dt.datetime(2022, 1, 13, tzinfo=dt.UTC))
    # the window, the papers with their attention, authorships, categories
    with django_assert_num_queries(4):
        assert client.get(reverse("digests:trending")).status_code == 200


# A digest page's extras


def test_digest_page_renders_latex_as_mathml_links_urls_and_shortens_long_abstracts(client):
    abstract = "We bound $O(n^2)$ things. " * 30 + "Code: https://github.com/a/b."
    paper = PaperFactory(title=r"Sampling using $SU(N)$ gauge equivariant flows", abstract=abstract)
    entry = DigestEntryFactory(paper=paper, position=1)

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert '<annotation encoding="application/x-tex">SU(N)</annotation>' in html
    assert "<title>" in html and "$SU(N)$" not in html.split("<body>")[1].split("<title")[0]
    assert '<a href="https://github.com/a/b" rel="nofollow noopener noreferrer">' in html
    assert '<details class="abstract__more">' in html and "Read the whole abstract" in html


def test_digest_page_shows_a_score_bar_relative_to_its_top_entry(client):
    digest = DailyDigestFactory()
    DigestEntryFactory(digest=digest, position=1, retweets=150, favorites=50)
    DigestEntryFactory(digest=digest, position=2, retweets=40, favorites=10)

    html = client.get(digest.get_absolute_url()).content.decode()

    widths = re.findall(r'class="score-bar__fill" x="0" y="0" width="(\d+)"', html)
    assert widths == ["100", "25"]


def test_digest_page_folds_posts_after_the_third(client):
    entry = DigestEntryFactory(with_tweets=5)

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert html.count('<blockquote class="post"') == 5
    assert "<summary>2 more posts</summary>" in html


def test_each_entry_says_why_it_is_there_with_the_score_it_shows(client):
    """An imported entry's line: its totals, and the posts and accounts behind them stored at import."""
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13))
    entry = DigestEntryFactory(digest=digest, position=1, retweets=1343, favorites=239, with_tweets=2)
    silent = DigestEntryFactory(digest=digest, position=2, retweets=60, favorites=0)
    TweetFactory(author_handle="Other", external_id="99").papers.add(entry.paper)  # a third account
    store_ranking_figures(entries=[entry, silent], as_of=digest.generated_at)  # as an import does
    TweetFactory(author_handle="Later", external_id="100").papers.add(entry.paper)  # after the import: not counted

    response = client.get(digest.get_absolute_url())

    html = response.content.decode()
    # The factory's two embedded posts share one account: the rule counts that account once.
    assert '<li class="entry__why">Score 1,582 (reposts + likes): 3 posts from 2 accounts on X</li>' in html
    assert [e.why_line for e in response.context["entries"]] == [
        "Score 1,582 (reposts + likes): 3 posts from 2 accounts on X",
        "",
    ]
    assert silent.paper.title in html


def test_digest_page_shows_the_why_line_when_an_entry_has_one(client):
    from django.template.loader import render_to_string

    entry = DigestEntryFactory()
    entry.why_line = "Score 312 (reposts + likes): 4 posts from 4 accounts on X"
    entry.shown_author_links, entry.shown_category_links, entry.posts = [], [], []

    html = render_to_string("includes/digest_entry.html", {"entry": entry, "top_score": 150})

    assert '<li class="entry__why">Score 312 (reposts + likes): 4 posts from 4 accounts on X</li>' in html


def test_staff_see_an_edit_link_on_digests_and_readers_do_not(client, django_user_model):
    digest = DigestEntryFactory().digest
    admin_url = reverse("admin:digests_dailydigest_change", args=[digest.pk])

    assert admin_url not in client.get(digest.get_absolute_url()).content.decode()
    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))
    assert f'href="{admin_url}">Edit in admin</a>' in client.get(digest.get_absolute_url()).content.decode()


def test_digest_metadata_has_open_graph_twitter_and_blog_posting_json_ld(client):
    digest = DigestEntryFactory(paper=PaperFactory(title="Deep Things")).digest

    html = client.get(digest.get_absolute_url()).content.decode()

    url = f"http://testserver{digest.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    card = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    assert card.startswith(f"http://testserver{reverse('digests:digest-card', args=[digest.slug])}?v=")
    data = json_ld(html)
    assert data["@type"] == "BlogPosting" and data["headline"] == digest.title
    assert data["isPartOf"]["@type"] == "Blog" and data["mentions"][0]["name"] == "Deep Things"


def json_ld(html):
    import json

    return json.loads(re.search(r'<script type="application/ld\+json">(.+?)</script>', html, re.S).group(1))


# Social cards


def card_of(client, digest):
    html = client.get(digest.get_absolute_url()).content.decode()
    url = re.search(r'<meta property="og:image" content="http://testserver([^"]+)">', html).group(1)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return url, response


def test_a_digest_gets_a_png_social_card_that_changes_when_the_digest_does(client):
    digest = digest_with(3)

    url, response = card_of(client, digest)

    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.size == (1200, 630)
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    entry = digest.entries.get(position=1)
    entry.shown_title = "A completely different headline"
    entry.save()
    new_url, new_response = card_of(client, digest)

    assert new_url != url and new_response["ETag"] != response["ETag"]
    assert new_response.content != response.content


def test_other_pages_point_at_the_default_card_which_exists(client):
    html = client.get(reverse("digests:archive")).content.decode()

    card = re.search(r'<meta property="og:image" content="http://testserver([^"]+)">', html).group(1)
    assert card == reverse("digests:site-card")
    response = client.get(card)
    assert response.status_code == 200 and Image.open(io.BytesIO(response.content)).format == "PNG"


def test_unpublished_digests_have_no_card_for_readers(client):
    assert client.get(reverse("digests:digest-card", args=[DailyDigestFactory(draft=True).slug])).status_code == 404


# The archive


def test_archive_index_year_and_month_show_the_days_that_have_digests(client):
    jan13 = DailyDigestFactory(date=dt.date(2022, 1, 13))
    DailyDigestFactory(date=dt.date(2022, 1, 14))
    DailyDigestFactory(date=dt.date(2022, 3, 2))
    DailyDigestFactory(date=dt.date(2021, 12, 30))
    DailyDigestFactory(date=dt.date(2022, 1, 20), draft=True)

    index = client.get(reverse("digests:archive")).content.decode()
    year = client.get(reverse("digests:archive-year", args=[2022])).content.decode()
    month = client.get(reverse("digests:archive-month", args=[2022, 1]))

    assert "3 digests" in index and "1 digest<" in index
    assert reverse("digests:archive-month", args=[2022, 1]) == "/archive/2022/01/"
    assert "January 2022" in year and "March 2022" in year and "February 2022" not in year
    html = month.content.decode()
    assert f'<a href="{jan13.get_absolute_url()}" title="{jan13.title}">13</a>' in html
    assert 'title="Hot Papers 2022-01-20"' not in html  # drafts are not in the calendar
    assert [d.date.day for d in month.context["digests"]] == [14, 13]
    assert "December 2021" in html and "March 2022" in html  # the neighbouring months with digests


def test_archive_periods_without_digests_are_404(client):
    DailyDigestFactory(date=dt.date(2022, 1, 13))

    assert client.get(reverse("digests:archive-year", args=[2019])).status_code == 404
    assert client.get(reverse("digests:archive-month", args=[2022, 2])).status_code == 404
    assert client.get("/archive/2022/13/").status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_archive_pages_cost_constant_queries(client, django_assert_num_queries, count):
    for day in range(1, count + 1):
        digest_with(2, date=dt.date(2022, 1, 1) + dt.timedelta(days=day))
    with django_assert_num_queries(1):
        client.get(reverse("digests:archive"))
    # whether the year has digests, its months, previous and next year, the year's days, the years list
    with django_assert_num_queries(6):
        client.get(reverse("digests:archive-year", args=[2022]))
    # the month's days, its dates, previous and next month, its digests' cards and their top entries
    with django_assert_num_queries(6):
        client.get(reverse("digests:archive-month", args=[2022, 1]))


# Feeds


def parse(response):
    assert response.status_code == 200
    return ElementTree.fromstring(response.content)


def test_digest_feeds_list_published_digests_newest_first_in_atom_and_rss(client):
    older = digest_with(2, date=dt.date(2022, 1, 12), intro="The *intro*")
    newer = digest_with(4, date=dt.date(2022, 1, 13))
    DailyDigestFactory(date=dt.date(2022, 1, 14), draft=True)

    atom = parse(client.get(reverse("digests:feed-atom")))
    rss = parse(client.get(reverse("digests:feed-rss")))

    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == [newer.title, older.title]
    assert [i.findtext("title") for i in rss.iter("item")] == [newer.title, older.title]
    first_link = atom.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert first_link == f"http://testserver{newer.get_absolute_url()}"
    assert "and 1 more" in rss.find("channel/item").findtext("description")
    assert "<em>intro</em>" in list(rss.iter("item"))[1].findtext("description")


@time_machine.travel(NOW, tick=False)
def test_the_trending_feed_takes_category_and_keyword_filters(client):
    retrieval = PaperFactory(title="Dense retrieval for QA", abstract="We study retrieval.", with_categories=["cs.CL"])
    post_about(retrieval, days_ago=1, retweets=10)
    vision = PaperFactory(title="Vision retrieval", abstract="Images.", with_categories=["cs.CV"])
    post_about(vision, days_ago=1, retweets=50)
    parsing = PaperFactory(title="Parsing", abstract="Trees.", with_categories=["cs.CL"])
    post_about(parsing, days_ago=1, retweets=90)

    def titles(query):
        feed = parse(client.get(reverse("digests:trending-feed") + query))
        return [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")], feed.findtext(f"{ATOM}title")

    assert titles("")[0] == ["Parsing", "Vision retrieval", "Dense retrieval for QA"]
    assert titles("?category=cs.CL")[0] == ["Parsing", "Dense retrieval for QA"]
    both, title = titles("?category=cs.CL&q=retrieval")
    assert both == ["Dense retrieval for QA"] and "in cs.CL, matching “retrieval”" in title


def test_feeds_page_lists_every_feed(client):
    html = client.get(reverse("digests:feeds")).content.decode()

    for name in ("digests:feed-atom", "digests:feed-rss", "digests:trending-feed"):
        assert reverse(name) in html
    assert reverse("papers:category-feed", args=["cs.LG"]) in html


def test_published_digest_still_dated_in_the_future_is_not_in_feeds(client):
    DailyDigestFactory(title="Tomorrow", published_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert b"Tomorrow" not in client.get(reverse("digests:feed-atom")).content
    assert DailyDigest.objects.count() == 1


@pytest.mark.parametrize("count", [1, 15])
def test_feeds_and_cards_cost_constant_queries(client, django_assert_num_queries, count):
    for day in range(count):
        digest = digest_with(3, date=dt.date(2022, 1, 1) + dt.timedelta(days=day))
        for entry in digest.entries.all():
            post_about(entry.paper, days_ago=1, retweets=5, now=dt.datetime(2022, 1, 13, tzinfo=dt.UTC))
    # digests with their paper counts, their top entries
    with django_assert_num_queries(2):
        client.get(reverse("digests:feed-atom"))
    # the window, the papers with their attention, authorships, categories
    with django_assert_num_queries(4):
        client.get(reverse("digests:trending-feed"), {"category": "cs.LG", "q": "things"})
    # the digest with its paper count, its top titles
    with django_assert_num_queries(2):
        client.get(reverse("digests:digest-card", args=[digest.slug]))
